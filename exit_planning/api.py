"""The exit-planning API: plans (with readiness), triggers, wind-down tasks, knowledge transfer,
data disposition, assets, stakeholder notices, post-mortem entries and playbook changes. Every
write calls a service; actions are one URL each.

Guests see what the partnership's exit tab shows them (tasks, knowledge transfer, data, assets,
post-mortem entries, the plan without its readiness) and act only as the other party (verify,
accept, contribute) on their partnerships; triggers, notices and playbook changes are internal.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from contracts.models import Agreement
from exit_planning import selectors, services
from exit_planning.models import (
    AssetTransfer,
    DataDisposition,
    ExitPlan,
    ExitTrigger,
    KnowledgeTransferItem,
    Party,
    PlaybookChange,
    PostMortemEntry,
    StakeholderNotice,
    WindDownTask,
)
from partnerships.models import Partnership
from tenancy.api import (
    StaffField,
    TenantIdField,
    TenantModelViewSet,
    TenantRelatedField,
    TenantViewSet,
    VersionedCreateMixin,
    VersionedRetrieveMixin,
)
from tenancy.errors import ConflictError
from tenancy.permissions import has_permission


def _today():
    return timezone.localdate()


class ExitViewSetBase:
    permission_module = "exit_planning"
    guest_partnership_path: str | None = "plan__partnership"

    def party(self) -> str:
        return Party.PARTNER if self.membership.is_guest else Party.US  # type: ignore[attr-defined]

    def require_party_act(self, obj) -> None:
        """Members act for us with the change right; a guest, for the partner, on their
        partnership (the view right the object permission already checked)."""
        if not self.membership.is_guest and not has_permission(  # type: ignore[attr-defined]
            self.membership,  # type: ignore[attr-defined]
            "exit_planning.change",
            obj,
        ):
            raise PermissionDenied("Your role does not allow this.")


class CreateListRetrieve(
    TenantViewSet, mixins.ListModelMixin, VersionedRetrieveMixin, VersionedCreateMixin
):
    pass


class TriggerDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, default="", max_length=2000)


class SignOffSerializer(serializers.Serializer):
    attendees = serializers.CharField(allow_blank=True, default="", max_length=4000)


# --- Plans --------------------------------------------------------------------------------------


class ExitPlanSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    owner = StaffField(required=False, allow_null=True)
    governing_agreement = TenantRelatedField(Agreement, required=False, allow_null=True)
    lead_time_months = serializers.IntegerField(
        required=False, help_text="6 to 12 months before the agreement ends (default 9)."
    )
    readiness_score = serializers.IntegerField(read_only=True)
    readiness = serializers.SerializerMethodField()

    class Meta:
        model = ExitPlan
        fields = [
            "id",
            "partnership",
            "status",
            "owner",
            "governing_agreement",
            "lead_time_months",
            "documentation_complete",
            "data_map_complete",
            "transition_obligations_in_contract",
            "alternative_sources_identified",
            "knowledge_holders_named",
            "readiness_score",
            "readiness",
            "sla_breach_count",
            "sla_breach_window_months",
            "financial_risk_threshold",
            "wind_down_opened_on",
            "wind_down_end_date",
            "closed_on",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "wind_down_opened_on",
            "wind_down_end_date",
            "closed_on",
            "created_at",
        ]

    def get_readiness(self, plan) -> list[dict]:
        return [{"part": label, "done": done, "points": pts} for label, done, pts in plan.readiness]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        membership = getattr(getattr(request, "_request", None), "membership", None)
        if membership is not None and membership.is_guest:
            internal = (
                "status",  # a trigger under consideration is the buyer's business
                "readiness_score",
                "readiness",
                "sla_breach_count",
                "sla_breach_window_months",
                "financial_risk_threshold",
                "alternative_sources_identified",
            )
            for name in internal:
                data.pop(name, None)
        return data


class ExitPlanViewSet(ExitViewSetBase, TenantModelViewSet):
    """One exit plan per partnership: readiness (five parts of 20 points), trigger thresholds,
    and the wind-down lead time (6 to 12 months)."""

    model = ExitPlan
    serializer_class = ExitPlanSerializer
    guest_partnership_path = "partnership"
    create_only_fields = ("partnership",)
    filterset_fields = ["partnership", "status"]

    def tenant_queryset(self):
        return selectors.plan_list(membership=self.membership)

    def create_object(self, data):
        return services.exit_plan_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        data.pop("partnership", None)
        return services.exit_plan_update(plan=instance, actor=self.request.user, **data)

    def destroy_object(self, instance):
        raise ConflictError("Exit plans are never deleted; close the exit instead.")

    @extend_schema(request=None, responses=ExitPlanSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        plan = services.exit_plan_close(plan=self.get_object(), actor=request.user, today=_today())
        return Response(self.get_serializer(plan).data)


# --- Triggers -----------------------------------------------------------------------------------


class ExitTriggerSerializer(serializers.ModelSerializer):
    plan = TenantRelatedField(ExitPlan)

    class Meta:
        model = ExitTrigger
        fields = [
            "id",
            "plan",
            "kind",
            "status",
            "fired_on",
            "evidence",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = [
            "status",
            "fired_on",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]


class ExitTriggerViewSet(ExitViewSetBase, CreateListRetrieve):
    """Triggers: the daily evaluation fires them; a person records strategic drift, market
    shift, change of control or insolvency, and confirms (the partnership moves to exiting) or
    dismisses each with a reason. Internal: guests never see them."""

    model = ExitTrigger
    serializer_class = ExitTriggerSerializer
    guest_partnership_path = None
    filterset_fields = ["plan", "status", "kind"]

    def tenant_queryset(self):
        return selectors.trigger_list(membership=self.membership)

    def create_object(self, data):
        return services.exit_trigger_record(actor=self.request.user, today=_today(), **data)

    @extend_schema(request=TriggerDecisionSerializer, responses=ExitTriggerSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        trigger = self.get_object()
        body = TriggerDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        trigger = services.exit_trigger_confirm(
            trigger=trigger,
            actor=request.user,
            reason=body.validated_data["reason"],
            now=timezone.now(),
        )
        return Response(self.get_serializer(trigger).data)

    @extend_schema(request=TriggerDecisionSerializer, responses=ExitTriggerSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, *args, **kwargs):
        trigger = self.get_object()
        body = TriggerDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        trigger = services.exit_trigger_dismiss(
            trigger=trigger,
            actor=request.user,
            reason=body.validated_data["reason"],
            now=timezone.now(),
        )
        return Response(self.get_serializer(trigger).data)


# --- Wind-down tasks ------------------------------------------------------------------------------


class WindDownTaskSerializer(serializers.ModelSerializer):
    owner = StaffField(required=False, allow_null=True)

    class Meta:
        model = WindDownTask
        fields = [
            "id",
            "plan",
            "code",
            "title",
            "stream",
            "order",
            "prerequisites",
            "start_on",
            "due_on",
            "done_on",
            "owner",
        ]
        read_only_fields = [
            "plan",
            "code",
            "title",
            "stream",
            "order",
            "prerequisites",
            "done_on",
        ]


class WindDownTaskViewSet(
    ExitViewSetBase, TenantViewSet, mixins.ListModelMixin, VersionedRetrieveMixin
):
    """The wind-down's tasks (opened from the template by the daily job). PATCH reschedules
    (never before a prerequisite is due: 400) and hands a task over (`owner`: one of the
    organization's active staff, or null)."""

    model = WindDownTask
    serializer_class = WindDownTaskSerializer
    filterset_fields = ["plan", "stream"]

    def tenant_queryset(self):
        return selectors.task_list(membership=self.membership)

    def partial_update(self, request, *args, **kwargs):
        task = self.get_object()
        body = self.get_serializer(task, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        task = services.wind_down_task_update(
            task=task,
            actor=request.user,
            start_on=body.validated_data.get("start_on", task.start_on),
            due_on=body.validated_data.get("due_on", task.due_on),
            **{k: v for k, v in body.validated_data.items() if k == "owner"},
        )
        return Response(WindDownTaskSerializer(task).data)

    @extend_schema(request=None, responses=WindDownTaskSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, *args, **kwargs):
        task = services.wind_down_task_complete(
            task=self.get_object(), actor=request.user, today=_today()
        )
        return Response(WindDownTaskSerializer(task).data)


# --- Knowledge transfer ---------------------------------------------------------------------------


class KnowledgeItemSerializer(serializers.ModelSerializer):
    plan = TenantRelatedField(ExitPlan)

    class Meta:
        model = KnowledgeTransferItem
        fields = [
            "id",
            "plan",
            "kind",
            "title",
            "holder",
            "starts_on",
            "ends_on",
            "attendees",
            "signed_off_by",
            "signed_off_at",
        ]
        read_only_fields = ["signed_off_by", "signed_off_at"]


class KnowledgeItemViewSet(ExitViewSetBase, CreateListRetrieve):
    """Documents, training sessions and key-personnel access windows, with attendance and
    sign-off."""

    model = KnowledgeTransferItem
    serializer_class = KnowledgeItemSerializer
    filterset_fields = ["plan", "kind"]

    def tenant_queryset(self):
        return selectors.knowledge_list(membership=self.membership)

    def create_object(self, data):
        return services.knowledge_item_create(actor=self.request.user, **data)

    @extend_schema(request=SignOffSerializer, responses=KnowledgeItemSerializer)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, *args, **kwargs):
        item = self.get_object()
        body = SignOffSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.knowledge_item_sign_off(
            item=item,
            actor=request.user,
            attendees=body.validated_data["attendees"],
            now=timezone.now(),
        )
        return Response(KnowledgeItemSerializer(item).data)


# --- Data disposition -----------------------------------------------------------------------------


class DispositionSerializer(serializers.ModelSerializer):
    plan = TenantRelatedField(ExitPlan)
    # null until a certificate is uploaded (through the `done` action, not this body).
    certificate = serializers.FileField(read_only=True, allow_null=True)

    class Meta:
        model = DataDisposition
        fields = [
            "id",
            "plan",
            "data_category",
            "action",
            "rule",
            "performed_by",
            "deadline",
            "status",
            "certificate",
            "done_on",
            "verified_by",
            "verified_at",
        ]
        read_only_fields = [
            "deadline",
            "status",
            "certificate",
            "done_on",
            "verified_by",
            "verified_at",
        ]


class CertificateUploadSerializer(serializers.Serializer):
    certificate = serializers.FileField(required=False)


class DispositionViewSet(ExitViewSetBase, CreateListRetrieve):
    """Return or destruction per data category, with its deadline from the data-protection
    rule. Destruction is done only with a certificate (400 otherwise); the other party
    verifies."""

    model = DataDisposition
    serializer_class = DispositionSerializer
    filterset_fields = ["plan", "status"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    action_verbs = {"verify": "view"}

    def tenant_queryset(self):
        return selectors.disposition_list(membership=self.membership)

    def create_object(self, data):
        return services.disposition_create(actor=self.request.user, today=_today(), **data)

    @extend_schema(request=CertificateUploadSerializer, responses=DispositionSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, *args, **kwargs):
        item = services.disposition_mark_done(
            item=self.get_object(),
            actor=request.user,
            certificate=request.FILES.get("certificate"),
            today=_today(),
        )
        return Response(DispositionSerializer(item).data)

    @extend_schema(request=None, responses=DispositionSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, *args, **kwargs):
        item = self.get_object()
        self.require_party_act(item)
        item = services.disposition_verify(
            item=item, actor=request.user, party=self.party(), now=timezone.now()
        )
        return Response(DispositionSerializer(item).data)


# --- Assets ---------------------------------------------------------------------------------------


class AssetSerializer(serializers.ModelSerializer):
    plan = TenantRelatedField(ExitPlan)

    class Meta:
        model = AssetTransfer
        fields = [
            "id",
            "plan",
            "name",
            "kind",
            "method",
            "currency",
            "book_value",
            "appraised_value",
            "appraiser",
            "cost",
            "salvage_value",
            "useful_life_years",
            "age_years",
            "value",
            "accepted_by_us",
            "accepted_by_us_at",
            "accepted_by_partner",
            "accepted_by_partner_at",
        ]
        read_only_fields = [
            "value",
            "accepted_by_us",
            "accepted_by_us_at",
            "accepted_by_partner",
            "accepted_by_partner_at",
        ]
        extra_kwargs = {"currency": {"required": False}}


class AssetViewSet(ExitViewSetBase, CreateListRetrieve):
    """Assets, licences and equipment valued by the agreed method (book value, appraisal,
    straight-line depreciation); a method without its inputs is a 400 per field. Each party
    accepts."""

    model = AssetTransfer
    serializer_class = AssetSerializer
    filterset_fields = ["plan", "method"]
    action_verbs = {"accept": "view"}

    def tenant_queryset(self):
        return selectors.asset_list(membership=self.membership)

    def create_object(self, data):
        return services.asset_create(actor=self.request.user, **data)

    @extend_schema(request=None, responses=AssetSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        asset = self.get_object()
        self.require_party_act(asset)
        asset = services.asset_accept(
            asset=asset, actor=request.user, party=self.party(), now=timezone.now()
        )
        return Response(AssetSerializer(asset).data)


# --- Stakeholder notices --------------------------------------------------------------------------


class NoticeSerializer(serializers.ModelSerializer):
    plan = TenantRelatedField(ExitPlan)

    class Meta:
        model = StakeholderNotice
        fields = [
            "id",
            "plan",
            "stakeholder",
            "email",
            "kind",
            "message",
            "sent_at",
            "sent_by",
            "continuity_ok",
            "continuity_note",
        ]
        read_only_fields = ["sent_at", "sent_by", "continuity_ok", "continuity_note"]


class ContinuitySerializer(serializers.Serializer):
    continuity_ok = serializers.BooleanField()
    continuity_note = serializers.CharField(allow_blank=True, default="")


class NoticeViewSet(ExitViewSetBase, CreateListRetrieve):
    """Notices to downstream customers and stakeholders, the send log, and the service-continuity
    check per stakeholder. Internal."""

    model = StakeholderNotice
    serializer_class = NoticeSerializer
    guest_partnership_path = None
    filterset_fields = ["plan"]

    def tenant_queryset(self):
        return selectors.notice_list(membership=self.membership)

    def create_object(self, data):
        return services.notice_create(actor=self.request.user, **data)

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, *args, **kwargs):
        notice = services.notice_send(
            notice=self.get_object(), actor=request.user, now=timezone.now()
        )
        return Response(NoticeSerializer(notice).data)

    @extend_schema(request=ContinuitySerializer, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def continuity(self, request, *args, **kwargs):
        notice = self.get_object()
        body = ContinuitySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        notice = services.notice_continuity_record(
            notice=notice,
            actor=request.user,
            continuity_ok=body.validated_data["continuity_ok"],
            note=body.validated_data["continuity_note"],
        )
        return Response(NoticeSerializer(notice).data)


# --- Post-mortem and playbook changes -------------------------------------------------------------


class PostMortemEntrySerializer(serializers.ModelSerializer):
    plan = TenantIdField(ExitPlan, write_only=True)
    party = serializers.CharField(read_only=True)

    class Meta:
        model = PostMortemEntry
        fields = ["id", "plan", "post_mortem", "section", "party", "text", "author", "created_at"]
        read_only_fields = ["post_mortem", "author", "created_at"]


class PostMortemEntryViewSet(ExitViewSetBase, CreateListRetrieve):
    """The joint post-mortem: either party contributes what worked, what failed, root causes
    and recommendations."""

    model = PostMortemEntry
    serializer_class = PostMortemEntrySerializer
    guest_partnership_path = "post_mortem__plan__partnership"
    filterset_fields = ["post_mortem", "section"]
    action_verbs = {"create": "view"}

    def tenant_queryset(self):
        return selectors.post_mortem_entries(membership=self.membership)

    def create_object(self, data):
        plan = data.pop("plan")
        if self.membership.is_guest:
            if not has_permission(self.membership, "exit_planning.view", plan):
                raise NotFound("No such exit plan.")
        else:
            self.require_party_act(plan)
        return services.post_mortem_contribute(
            plan=plan, actor=self.request.user, party=self.party(), **data
        )


class PlaybookChangeSerializer(serializers.ModelSerializer):
    entry = TenantIdField(PostMortemEntry, write_only=True, help_text="The recommendation.")
    source = serializers.SerializerMethodField()

    class Meta:
        model = PlaybookChange
        fields = [
            "id",
            "entry",
            "source",
            "partnership",
            "target",
            "clause_type",
            "field",
            "text",
            "rationale",
            "status",
            "proposed_by",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "applied_at",
            "playbook_clause",
        ]
        read_only_fields = [
            "partnership",
            "target",
            "rationale",
            "status",
            "proposed_by",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "applied_at",
            "playbook_clause",
        ]
        extra_kwargs = {"text": {"required": False}}

    def get_source(self, change) -> dict:
        return {"type": change.source_type.model, "id": change.source_id}


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, default="", max_length=2000)


class PlaybookChangeViewSet(ExitViewSetBase, CreateListRetrieve):
    """Proposed changes to the clause playbook (from post-mortem recommendations), reviewed
    and then applied through the contracts playbook service. Internal."""

    model = PlaybookChange
    serializer_class = PlaybookChangeSerializer
    guest_partnership_path = None
    filterset_fields = ["status", "partnership"]

    def tenant_queryset(self):
        return selectors.playbook_change_list(membership=self.membership).select_related(
            "source_type"
        )

    def create_object(self, data):
        return services.playbook_change_from_entry(
            entry=data["entry"],
            actor=self.request.user,
            clause_type=data["clause_type"],
            field=data.get("field", PlaybookChange.Field.GUIDANCE),
            text=data.get("text", ""),
        )

    def _review(self, request, approve: bool):
        change = self.get_object()
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change = services.playbook_change_review(
            change=change,
            actor=request.user,
            approve=approve,
            note=body.validated_data["note"],
            now=timezone.now(),
        )
        return Response(self.get_serializer(change).data)

    @extend_schema(request=ReviewSerializer, responses=PlaybookChangeSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        return self._review(request, True)

    @extend_schema(request=ReviewSerializer, responses=PlaybookChangeSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        return self._review(request, False)

    @extend_schema(request=None, responses=PlaybookChangeSerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request, *args, **kwargs):
        change = services.playbook_change_apply(
            change=self.get_object(), actor=request.user, now=timezone.now()
        )
        return Response(self.get_serializer(change).data, status=status.HTTP_200_OK)
