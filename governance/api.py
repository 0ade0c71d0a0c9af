"""REST API of the governance module: change requests, their approvers and decisions.

Thin: parse, call one service or selector, render. Bad input is a 400 with a message per field,
a step the lifecycle does not allow a 409 with the reason (tenancy.api_errors), never a 500.
"""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from contracts.models import Agreement
from governance import selectors, services
from governance.models import ChangeRequest, ChangeRequestApprover, SlaChange
from partnerships.models import Partnership
from performance.models import Sla
from tenancy.api import MemberField, TenantModelViewSet, TenantRelatedField
from tenancy.errors import ConflictError


class ApproverSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.display_name", read_only=True)
    user_email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = ChangeRequestApprover
        fields = [
            "id",
            "user",
            "user_name",
            "user_email",
            "party",
            "decision",
            "decided_at",
            "required_by",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["comment"] = instance.comment
        return data


class SlaChangeTierSerializer(serializers.Serializer):
    threshold = serializers.DecimalField(max_digits=18, decimal_places=4)
    percent_of_fee = serializers.DecimalField(max_digits=5, decimal_places=2)


class SlaChangeSerializer(serializers.ModelSerializer):
    """The new terms of one SLA a service-level change request proposes, from a month on
    (`effective_from`, the first of a month). `period_fee` null: the fee stays. Once the request
    is approved, `version` is the SLA version it created."""

    sla = TenantRelatedField(Sla)
    tiers = SlaChangeTierSerializer(many=True, required=False, default=list)
    version = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    window_months = serializers.IntegerField(min_value=1, max_value=12, default=1)

    class Meta:
        model = SlaChange
        fields = [
            "sla",
            "effective_from",
            "target",
            "breach_threshold",
            "window_months",
            "period_fee",
            "tiers",
            "version",
        ]
        validators = []


class ChangeRequestSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    agreement = TenantRelatedField(Agreement, required=False, allow_null=True)
    reference = serializers.CharField(read_only=True)
    cost_impact = serializers.DecimalField(
        max_digits=18, decimal_places=2, required=False, default=None, allow_null=True
    )
    currency = serializers.ChoiceField(
        choices=ChangeRequest._meta.get_field("currency").choices, required=False
    )
    amendment = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    approvers = ApproverSerializer(many=True, read_only=True)
    sla_changes = SlaChangeSerializer(many=True, read_only=True)
    approver_count = serializers.IntegerField(read_only=True, default=None)
    approved_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "reference",
            "number",
            "partnership",
            "agreement",
            "title",
            "description",
            "category",
            "cost_impact",
            "currency",
            "schedule_impact_days",
            "status",
            "requested_by",
            "decision_due",
            "submitted_at",
            "decided_at",
            "implemented_at",
            "withdrawn_at",
            "rejection_reason",
            "escalation_level",
            "changes_requested_reason",
            "amendment",
            "approvers",
            "sla_changes",
            "approver_count",
            "approved_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "number",
            "status",
            "requested_by",
            "submitted_at",
            "decided_at",
            "implemented_at",
            "withdrawn_at",
            "rejection_reason",
            "escalation_level",
            "changes_requested_reason",
            "amendment",
            "created_at",
            "updated_at",
        ]


class ChangeRequestFilter(django_filters.FilterSet):
    awaiting_me = django_filters.BooleanFilter(
        method="filter_awaiting_me", label="Only those awaiting my decision"
    )

    class Meta:
        model = ChangeRequest
        fields = ["status", "partnership", "category", "agreement", "escalation_level"]

    def filter_awaiting_me(self, queryset, name, value):
        if not value:
            return queryset
        return selectors.awaiting_decision_of(queryset, user_id=self.request.user.pk)


class ApproveSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ApproverAddSerializer(serializers.Serializer):
    user = MemberField()


class ApproverReplaceSerializer(serializers.Serializer):
    replacement = MemberField(
        allow_null=True,
        help_text="Who decides in their place; null drops the approver (allowed when their "
        "party keeps another approver and no decision-right rule required them).",
    )
    reason = serializers.CharField(max_length=1000)


def _approver(change_request: ChangeRequest, user_id) -> ChangeRequestApprover:
    """The request's approver row of this user id. Resolved among this request's approvers
    only: another user id is "not an approver" (400), whoever it belongs to."""
    approver = (
        ChangeRequestApprover.objects.filter(change_request=change_request, user_id=user_id)
        .select_related("user")
        .first()
    )
    if approver is None:
        raise ValidationError({"user": "Not an approver of this change request."})
    return approver


class ChangeRequestViewSet(TenantModelViewSet):
    """Change requests: draft → submitted → approved (every required approver of both parties)
    | rejected → implemented; withdrawn before the decision."""

    model = ChangeRequest
    serializer_class = ChangeRequestSerializer
    permission_module = "governance"
    guest_partnership_path = "partnership"
    filterset_class = ChangeRequestFilter
    action_verbs = {"approve": "approve", "reject": "approve", "request_changes": "approve"}

    def tenant_queryset(self):
        return selectors.change_request_for_detail(membership=self.membership)

    def create_object(self, data):
        return services.change_request_create(actor=self.request.user, now=timezone.now(), **data)

    def update_object(self, instance, data):
        # One serializer for reads and writes (one schema component); a draft stays in its
        # partnership, because its approvers were chosen for that partnership.
        partnership = data.pop("partnership", instance.partnership)
        if partnership.pk != instance.partnership_id:
            raise ValidationError({"partnership": "A change request stays in its partnership."})
        return services.change_request_update(
            change_request=instance, actor=self.request.user, now=timezone.now(), **data
        )

    def destroy_object(self, instance):
        raise ConflictError(
            "Change requests are never deleted; withdraw it instead.", code="not_deletable"
        )

    def _render(self, change_request):
        change_request = self.get_queryset().get(pk=change_request.pk)
        return Response(
            ChangeRequestSerializer(change_request, context=self.get_serializer_context()).data
        )

    @extend_schema(request=None, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        """Send to the approvers: needs at least one approver of each party, else 409."""
        return self._render(
            services.change_request_submit(
                change_request=self.get_object(), actor=request.user, now=timezone.now()
            )
        )

    @extend_schema(request=ApproveSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        """Your approval as a required approver (403 if you are not one, 409 if you already
        decided or it is not submitted). Approved once every approver of both parties is."""
        change_request = self.get_object()
        body = ApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._render(
            services.change_request_approve(
                change_request=change_request,
                approver=request.user,
                comment=body.validated_data["comment"],
                now=timezone.now(),
            )
        )

    @extend_schema(request=RejectSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        """Your rejection as a required approver, with the reason: rejects the request."""
        change_request = self.get_object()
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._render(
            services.change_request_reject(
                change_request=change_request,
                approver=request.user,
                reason=body.validated_data["reason"],
                now=timezone.now(),
            )
        )

    @extend_schema(request=RejectSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, *args, **kwargs):
        """As a required approver, send it back to its requester as a draft, with the reason."""
        change_request = self.get_object()
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._render(
            services.change_request_request_changes(
                change_request=change_request,
                approver=request.user,
                reason=body.validated_data["reason"],
                now=timezone.now(),
            )
        )

    @extend_schema(request=None, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def implement(self, request, *args, **kwargs):
        return self._render(
            services.change_request_implement(
                change_request=self.get_object(), actor=request.user, now=timezone.now()
            )
        )

    @extend_schema(request=None, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        return self._render(
            services.change_request_withdraw(
                change_request=self.get_object(), actor=request.user, now=timezone.now()
            )
        )

    @extend_schema(methods=["PUT"], request=SlaChangeSerializer, responses=ChangeRequestSerializer)
    @extend_schema(methods=["DELETE"], request=None, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["put", "delete"], url_path="sla-change")
    def sla_change(self, request, *args, **kwargs):
        """PUT: propose (or replace) the new terms of one SLA of the partnership from a month
        on (draft only; the request becomes a service-level change). Approving the request
        creates the SLA's new version. DELETE: propose none."""
        change_request = self.get_object()
        if request.method == "DELETE":
            services.sla_change_withdraw(change_request=change_request, actor=request.user)
            return self._render(change_request)
        body = SlaChangeSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data["tiers"] = [(t["threshold"], t["percent_of_fee"]) for t in data.get("tiers", [])]
        services.sla_change_propose(change_request=change_request, actor=request.user, **data)
        return self._render(change_request)

    @extend_schema(request=ApproverAddSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"], url_path="approvers")
    def approvers(self, request, *args, **kwargs):
        """Require one more approver (draft only); the party follows from their membership."""
        change_request = self.get_object()
        body = ApproverAddSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        services.change_request_approver_add(
            change_request=change_request, user=body.validated_data["user"], actor=request.user
        )
        return self._render(change_request)

    @extend_schema(request=None, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["delete"], url_path=r"approvers/(?P<user_id>\d+)")
    def approver_remove(self, request, user_id=None, *args, **kwargs):
        """No longer require this user's decision (draft only)."""
        change_request = self.get_object()
        approver = _approver(change_request, user_id)
        services.change_request_approver_remove(
            change_request=change_request, user=approver.user, actor=request.user
        )
        return self._render(change_request)

    @extend_schema(request=ApproverReplaceSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"], url_path=r"approvers/(?P<user_id>\d+)/replace")
    def approver_replace(self, request, user_id=None, *args, **kwargs):
        """While it awaits decisions: hand the decision of an approver who can no longer decide
        (left, taken off the partnership, role no longer approves) to another approver of their
        party, or drop it (409 if they can still decide or already decided)."""
        change_request = self.get_object()
        approver = _approver(change_request, user_id)
        body = ApproverReplaceSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        services.change_request_approver_replace(
            change_request=change_request,
            user=approver.user,
            replacement=body.validated_data["replacement"],
            reason=body.validated_data["reason"],
            actor=request.user,
            now=timezone.now(),
        )
        return self._render(change_request)
