"""REST API of the contracts module: agreements, clauses, reviews, obligations, playbook, intake."""

from datetime import date

import django_filters
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from contracts import selectors, services
from contracts.detection.taxonomy import CHOICES as CLAUSE_TYPE_CHOICES
from contracts.models import (
    AGREEMENT_STATUSES_SHOWN,
    REVIEW_DECISIONS,
    Agreement,
    Clause,
    ClauseComment,
    ClauseVersion,
    IntakeJob,
    Obligation,
    ObligationFulfilment,
    PlaybookClause,
    PlaybookRule,
)
from contracts.redline import redline_html
from partnerships.models import Partnership
from tenancy.api import StaffField, TenantModelViewSet, TenantRelatedField
from tenancy.api_schema import ErrorSerializer


class DeviationSerializer(serializers.Serializer):
    clause_id = serializers.IntegerField(allow_null=True)
    clause_type = serializers.CharField()
    rule_id = serializers.IntegerField(allow_null=True)
    rule_name = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    is_open = serializers.BooleanField()


class AgreementSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    parent = TenantRelatedField(Agreement, required=False, allow_null=True)
    amends = TenantRelatedField(Agreement, required=False, allow_null=True)
    owner = StaffField(required=False, allow_null=True)
    # As the reader may see it: a partner guest reads the buyer's review statuses as
    # "in_negotiation" (contracts.selectors.status_shown).
    status = serializers.ChoiceField(choices=AGREEMENT_STATUSES_SHOWN, read_only=True)
    clause_count = serializers.IntegerField(read_only=True, default=None)
    undecided_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "partnership",
            "agreement_type",
            "title",
            "reference",
            "parent",
            "amends",
            "parties",
            "owner",
            "status",
            "effective_date",
            "expiry_date",
            "term_type",
            "renewal_period_months",
            "notice_period_days",
            "value",
            "annual_value",
            "currency",
            "governing_law",
            "jurisdiction",
            "dispute_resolution",
            "liability_cap_type",
            "liability_cap_amount",
            "liability_cap_multiple",
            "approved_at",
            "executed_on",
            "ended_on",
            "clause_count",
            "undecided_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "approved_at",
            "executed_on",
            "ended_on",
            "created_at",
            "updated_at",
        ]
        validators = []

    def to_representation(self, agreement):
        data = super().to_representation(agreement)
        request = self.context.get("request")
        membership = getattr(getattr(request, "_request", None), "membership", None)
        if not selectors.sees_internal(membership):
            data.pop("undecided_count", None)  # review state is the buyer's
            data["status"] = selectors.status_shown(agreement.status, membership)[0]
            data["approved_at"] = None  # the buyer's internal approval
        return data


class AgreementFilter(django_filters.FilterSet):
    expiring_before = django_filters.DateFilter(
        field_name="expiry_date", lookup_expr="lte", label="Expiry date on or before"
    )
    type = django_filters.ChoiceFilter(field_name="agreement_type", choices=Agreement.Type.choices)
    status = django_filters.ChoiceFilter(
        choices=AGREEMENT_STATUSES_SHOWN, method="filter_status", label="Status"
    )

    class Meta:
        model = Agreement
        fields = ["agreement_type", "status", "partnership", "parent", "amends", "term_type"]

    def filter_status(self, queryset, name, value):
        membership = getattr(self.request, "membership", None)
        return selectors.filter_by_status(queryset, value, membership)


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Agreement.Status.choices)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Needed to terminate."
    )
    on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Termination takes effect on."
    )


class AmendmentSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    effective_date = serializers.DateField()


class ReviewerSerializer(serializers.Serializer):
    reviewer = StaffField()


class AgreementViewSet(TenantModelViewSet):
    model = Agreement
    serializer_class = AgreementSerializer
    permission_module = "contracts"
    guest_partnership_path = "partnership"
    filterset_class = AgreementFilter
    action_verbs = {"approve": "approve", "assign_reviewer": "review", "amend": "change"}
    create_only_fields = ("partnership",)

    def tenant_queryset(self):
        return selectors.agreement_list(membership=self.membership)

    def create_object(self, data):
        return services.agreement_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.agreement_update(agreement=instance, actor=self.request.user, **data)

    def destroy_object(self, instance):
        from tenancy.errors import ConflictError

        raise ConflictError("Agreements are never deleted; terminate the draft instead.")

    def _render(self, agreement):
        agreement = self.get_queryset().get(pk=agreement.pk)
        return Response(AgreementSerializer(agreement, context=self.get_serializer_context()).data)

    @extend_schema(request=TransitionSerializer, responses=AgreementSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        """Move the agreement along its lifecycle (409 with the reason when not allowed)."""
        agreement = self.get_object()
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        agreement = services.agreement_transition(
            agreement=agreement, actor=request.user, now=timezone.now(), **body.validated_data
        )
        return self._render(agreement)

    @extend_schema(request=AmendmentSerializer, responses=AgreementSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request, *args, **kwargs):
        """Start an amendment (a draft) of an approved or executed agreement."""
        agreement = self.get_object()
        body = AmendmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        amendment = services.agreement_amend(
            agreement=agreement, actor=request.user, **body.validated_data
        )
        return self._render(amendment)

    @extend_schema(request=None, responses=AgreementSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        """Approve: every clause decided and no red-line deviation open, else 409 with why."""
        agreement = services.agreement_transition(
            agreement=self.get_object(),
            actor=request.user,
            status=Agreement.Status.APPROVED,
            now=timezone.now(),
        )
        return self._render(agreement)

    @extend_schema(request=ReviewerSerializer, responses=None)
    @action(detail=True, methods=["post"], url_path="assign-reviewer")
    def assign_reviewer(self, request, *args, **kwargs):
        agreement = self.get_object()
        body = ReviewerSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        services.agreement_assign_reviewer(
            agreement=agreement, reviewer=body.validated_data["reviewer"], actor=request.user
        )
        reviewers = selectors.agreement_reviewers(agreement)
        return Response({"reviewers": [{"id": u.pk, "email": u.email} for u in reviewers]})

    @extend_schema(responses=DeviationSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def deviations(self, request, *args, **kwargs):
        """Deviations from the playbook, each with the rule that failed."""
        agreement = self.get_object()
        found = selectors.deviations_visible(agreement, membership=self.membership)
        return Response(DeviationSerializer(found, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("on", date, description="YYYY-MM-DD (default today)")],
        responses=inline_serializer(
            "AgreementTerms",
            fields={
                "on": serializers.DateField(),
                "clauses": inline_serializer(
                    "TermInForce",
                    fields={
                        "clause": serializers.IntegerField(),
                        "clause_type": serializers.CharField(),
                        "text": serializers.CharField(),
                        "parameters": serializers.JSONField(),
                        "source_agreement": serializers.IntegerField(),
                        "amended": serializers.BooleanField(),
                    },
                    many=True,
                ),
            },
        ),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def terms(self, request, *args, **kwargs):
        """The clauses in force on `?on=YYYY-MM-DD` (default today), amendments applied."""
        agreement = self.get_object()
        raw = request.query_params.get("on")
        try:
            on = date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError as exc:
            raise ApiValidationError({"on": "Give a date as YYYY-MM-DD."}) from exc
        return Response(
            {
                "on": on,
                "clauses": [
                    {
                        "clause": item.clause.pk,
                        "clause_type": item.clause.clause_type,
                        "text": item.clause.text,
                        "parameters": item.clause.parameters,
                        "source_agreement": item.source.pk,
                        "amended": item.amended,
                    }
                    for item in selectors.terms_in_force(agreement, on=on)
                ],
            }
        )


class ClauseSerializer(serializers.ModelSerializer):
    agreement = TenantRelatedField(Agreement)
    clause_type = serializers.ChoiceField(choices=CLAUSE_TYPE_CHOICES)
    deviations = serializers.SerializerMethodField()

    class Meta:
        model = Clause
        fields = [
            "id",
            "agreement",
            "clause_type",
            "heading",
            "text",
            "order",
            "parameters",
            "risk",
            "decision",
            "decided_by",
            "decided_at",
            "source",
            "proposal",
            "detection",
            "version",
            "deviations",
            "partner_agreed_at",
            "red_line_waiver",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "partner_agreed_at",
            "red_line_waiver",
            "decision",
            "decided_by",
            "decided_at",
            "source",
            "proposal",
            "detection",
            "version",
            "created_at",
            "updated_at",
        ]

    def _membership(self):
        request = self.context.get("request")
        return getattr(getattr(request, "_request", None), "membership", None)

    def to_representation(self, clause):
        data = super().to_representation(clause)
        if not selectors.sees_internal(self._membership()):
            for name in selectors.GUEST_HIDDEN_CLAUSE_FIELDS:
                data.pop(name, None)
            data["decision"] = selectors.decision_for_guest(clause)
        return data

    def get_deviations(self, clause) -> list[dict]:
        from contracts.playbook import clause_deviations

        playbook = self.context.get("playbook")
        if playbook is None:
            playbook = self.context["playbook"] = selectors.playbook_for(self._membership())
        entry = playbook.get(clause.clause_type)
        if entry is None:
            return []
        found = clause_deviations(
            clause, entry.rules.all(), annual_value=clause.agreement.annual_value
        )
        return DeviationSerializer(found, many=True).data


class ClauseUpdateSerializer(ClauseSerializer):
    agreement = TenantRelatedField(Agreement, read_only=True)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=REVIEW_DECISIONS)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    redline_text = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    redline_parameters = serializers.JSONField(required=False, allow_null=True)
    justification = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed to accept a clause that breaks a red line (waives it; audited).",
    )


class RedlineAgreeSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="How the partner agreed; needed when a reviewer records it for them.",
    )


class CorrectionSerializer(serializers.Serializer):
    clause_type = serializers.ChoiceField(choices=CLAUSE_TYPE_CHOICES, required=False)
    parameters = serializers.JSONField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ClauseVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClauseVersion
        fields = [
            "id",
            "number",
            "kind",
            "clause_type",
            "text",
            "parameters",
            "note",
            "author",
            "created_at",
        ]


class ClauseCommentSerializer(serializers.ModelSerializer):
    clause = TenantRelatedField(Clause)
    parent = TenantRelatedField(ClauseComment, required=False, allow_null=True)
    author_name = serializers.CharField(source="author.display_name", read_only=True, default="")

    class Meta:
        model = ClauseComment
        fields = [
            "id",
            "clause",
            "parent",
            "author",
            "author_name",
            "body",
            "decision",
            "visibility",
            "created_at",
        ]
        read_only_fields = ["author", "decision", "created_at"]


class ClauseFilter(django_filters.FilterSet):
    class Meta:
        model = Clause
        fields = ["agreement", "clause_type", "decision", "risk", "proposal"]


class ClauseViewSet(TenantModelViewSet):
    model = Clause
    serializer_class = ClauseSerializer
    permission_module = "contracts"
    guest_partnership_path = "agreement__partnership"
    filterset_class = ClauseFilter
    # Agreeing to a redline is the partner's act: guests may (the service checks who).
    action_verbs = {
        "decide": "review",
        "correct": "review",
        "confirm": "review",
        "agree_redline": "view",
    }

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ClauseUpdateSerializer
        return ClauseSerializer

    def tenant_queryset(self):
        return selectors.clause_list(membership=self.membership)

    def create_object(self, data):
        return services.clause_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.clause_update(clause=instance, actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.clause_delete(clause=instance, actor=self.request.user)

    def _render(self, clause):
        clause = self.get_queryset().get(pk=clause.pk)
        return Response(ClauseSerializer(clause, context=self.get_serializer_context()).data)

    @extend_schema(request=DecisionSerializer, responses=ClauseSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, *args, **kwargs):
        """Accept, propose a redline (with the new wording) or reject one clause."""
        clause = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        clause = services.clause_decide(
            clause=clause, actor=request.user, now=timezone.now(), **body.validated_data
        )
        return self._render(clause)

    @extend_schema(request=CorrectionSerializer, responses=ClauseSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request, *args, **kwargs):
        """Correct the detector's type or parameters (the original proposal is kept)."""
        clause = self.get_object()
        body = CorrectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        clause = services.clause_correct(clause=clause, actor=request.user, **body.validated_data)
        return self._render(clause)

    @extend_schema(request=None, responses=ClauseSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        clause = services.clause_confirm(clause=self.get_object(), actor=request.user)
        return self._render(clause)

    @extend_schema(request=RedlineAgreeSerializer, responses=ClauseSerializer)
    @action(detail=True, methods=["post"], url_path="agree-redline")
    def agree_redline(self, request, *args, **kwargs):
        """The partner agrees to the proposed redline (a guest of the partnership, or a
        reviewer recording how the partner agreed)."""
        clause = self.get_object()
        body = RedlineAgreeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        clause = services.clause_redline_agree(
            clause=clause, actor=request.user, now=timezone.now(), **body.validated_data
        )
        return self._render(clause)

    @extend_schema(responses=ClauseVersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, *args, **kwargs):
        clause = self.get_object()
        versions = selectors.clause_versions(clause=clause, membership=self.membership)
        return Response(ClauseVersionSerializer(versions, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, description="Version number (default the first)"),
            OpenApiParameter("to", int, description="Version number (default the latest)"),
        ],
        responses=inline_serializer(
            "ClauseRedline",
            fields={
                "from": serializers.IntegerField(),
                "to": serializers.IntegerField(),
                "html": serializers.CharField(),
            },
        ),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def redline(self, request, *args, **kwargs):
        """Word diff between two versions (`?from=1&to=3`, default first and latest)."""
        clause = self.get_object()
        versions = {
            v.number: v
            for v in selectors.clause_versions(clause=clause, membership=self.membership)
        }
        try:
            old = versions[int(request.query_params.get("from", min(versions)))]
            new = versions[int(request.query_params.get("to", max(versions)))]
        except (KeyError, ValueError) as exc:
            raise ApiValidationError({"from": "No such version of this clause."}) from exc
        return Response(
            {"from": old.number, "to": new.number, "html": str(redline_html(old.text, new.text))}
        )


class ClauseCommentFilter(django_filters.FilterSet):
    agreement = django_filters.NumberFilter(field_name="clause__agreement")

    class Meta:
        model = ClauseComment
        fields = ["clause", "decision"]


class ClauseCommentViewSet(TenantModelViewSet):
    """Review threads: comments and the decisions recorded with them (decisions are made with
    `clauses/{id}/decide/`)."""

    model = ClauseComment
    serializer_class = ClauseCommentSerializer
    permission_module = "contracts"
    # Guests read the shared comments of their partnerships and write their own (shared);
    # the selector and the service apply the visibility rule.
    guest_partnership_path = "clause__agreement__partnership"
    filterset_class = ClauseCommentFilter
    http_method_names = ["get", "post", "head", "options"]
    action_verbs = {"create": "view"}

    def tenant_queryset(self):
        return selectors.clause_comments(membership=self.membership)

    def create_object(self, data):
        return services.clause_comment_add(
            clause=data["clause"],
            actor=self.request.user,
            body=data.get("body", ""),
            parent=data.get("parent"),
            visibility=data.get("visibility", ClauseComment.Visibility.INTERNAL),
        )


class ObligationSerializer(serializers.ModelSerializer):
    agreement = TenantRelatedField(Agreement)
    clause = TenantRelatedField(Clause, required=False, allow_null=True)
    owner = StaffField(required=False, allow_null=True)
    waived_by_name = serializers.CharField(
        source="waived_by.display_name", read_only=True, default=""
    )
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Obligation
        fields = [
            "id",
            "agreement",
            "clause",
            "title",
            "description",
            "responsible_party",
            "owner",
            "due_date",
            "recurrence",
            "status",
            "evidence",
            "evidence_url",
            "fulfilled_at",
            "waived_at",
            "waived_by",
            "waived_by_name",
            "waive_reason",
            "is_overdue",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "fulfilled_at",
            "waived_at",
            "waived_by",
            "waive_reason",
            "created_at",
        ]

    def get_is_overdue(self, obligation) -> bool:
        return bool(
            obligation.status == Obligation.Status.OPEN
            and obligation.due_date
            and obligation.due_date < timezone.localdate()
        )


class ObligationUpdateSerializer(ObligationSerializer):
    agreement = TenantRelatedField(Agreement, read_only=True)


class FulfilSerializer(serializers.Serializer):
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_url = serializers.URLField(required=False, allow_blank=True, default="")
    evidence_file = serializers.FileField(
        required=False, write_only=True, help_text="Evidence (multipart): PDF, DOCX, XLSX ..."
    )


class WaiveSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,  # the service refuses a blank one in its own words
        allow_blank=True,
        default="",
        help_text="Why the obligation no longer applies; kept with it and in the audit log.",
    )


class FulfilmentSerializer(serializers.ModelSerializer):
    fulfilled_by_name = serializers.CharField(
        source="fulfilled_by.display_name", read_only=True, default=""
    )
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = ObligationFulfilment
        fields = [
            "id",
            "due_date",
            "evidence",
            "evidence_url",
            "evidence_filename",
            "has_file",
            "fulfilled_by",
            "fulfilled_by_name",
            "fulfilled_at",
        ]

    def get_has_file(self, fulfilment) -> bool:
        return bool(fulfilment.evidence_file)


class ObligationFilter(django_filters.FilterSet):
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = Obligation
        fields = ["agreement", "status", "owner", "responsible_party"]


class ObligationViewSet(TenantModelViewSet):
    model = Obligation
    serializer_class = ObligationSerializer
    permission_module = "contracts"
    guest_partnership_path = "agreement__partnership"
    filterset_class = ObligationFilter

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ObligationUpdateSerializer
        return ObligationSerializer

    def tenant_queryset(self):
        return selectors.obligation_list(membership=self.membership)

    def create_object(self, data):
        return services.obligation_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.obligation_update(obligation=instance, actor=self.request.user, **data)

    def destroy_object(self, instance):
        from tenancy.errors import ConflictError

        raise ConflictError("Obligations are waived or fulfilled, never deleted.")

    @extend_schema(request=FulfilSerializer, responses=ObligationSerializer)
    @action(detail=True, methods=["post"])
    def fulfil(self, request, *args, **kwargs):
        body = FulfilSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        upload = data.pop("evidence_file", None)
        obligation = services.obligation_fulfil(
            obligation=self.get_object(),
            actor=request.user,
            evidence_filename=upload.name if upload else "",
            evidence_content=upload.read() if upload else None,
            now=timezone.now(),
            **data,
        )
        return Response(
            ObligationSerializer(obligation, context=self.get_serializer_context()).data
        )

    @extend_schema(
        request=WaiveSerializer,
        responses={
            200: ObligationSerializer,
            400: OpenApiResponse(ErrorSerializer, description="No reason given (`reason`)."),
            409: OpenApiResponse(
                ErrorSerializer, description="The obligation is already fulfilled or waived."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def waive(self, request, *args, **kwargs):
        """Waive an open obligation that no longer applies, with the reason: it no longer
        falls due. Who may is who may fulfil it (never a partner guest)."""
        body = WaiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        obligation = services.obligation_waive(
            obligation=self.get_object(),
            actor=request.user,
            reason=body.validated_data["reason"],
            now=timezone.now(),
        )
        return Response(
            ObligationSerializer(obligation, context=self.get_serializer_context()).data
        )

    @extend_schema(responses=FulfilmentSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def fulfilments(self, request, *args, **kwargs):
        """The history of fulfilments with their evidence (files download from the page)."""
        found = selectors.obligation_fulfilments(self.get_object())
        return Response(FulfilmentSerializer(found, many=True).data)


class PlaybookRuleSerializer(serializers.ModelSerializer):
    playbook_clause = TenantRelatedField(PlaybookClause)
    clause_type = serializers.CharField(source="playbook_clause.clause_type", read_only=True)

    class Meta:
        model = PlaybookRule
        fields = [
            "id",
            "playbook_clause",
            "clause_type",
            "name",
            "parameter",
            "operator",
            "value",
            "severity",
            "waived_by",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class PlaybookClauseSerializer(serializers.ModelSerializer):
    clause_type = serializers.ChoiceField(choices=CLAUSE_TYPE_CHOICES)
    rules = PlaybookRuleSerializer(many=True, read_only=True)

    class Meta:
        model = PlaybookClause
        fields = [
            "id",
            "clause_type",
            "preferred_text",
            "fallback_texts",
            "red_lines",
            "guidance",
            "required",
            "rules",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        validators = []


class PlaybookClauseViewSet(TenantModelViewSet):
    model = PlaybookClause
    serializer_class = PlaybookClauseSerializer
    permission_module = "contracts"
    guest_partnership_path = None
    filterset_fields = ["clause_type", "required"]
    create_only_fields = ("clause_type",)

    def tenant_queryset(self):
        return selectors.playbook_entries()

    def create_object(self, data):
        return services.playbook_clause_save(actor=self.request.user, **data)

    def update_object(self, instance, data):
        data.pop("clause_type", None)
        return services.playbook_clause_save(
            actor=self.request.user, clause_type=instance.clause_type, **data
        )

    def destroy_object(self, instance):
        from tenancy.errors import ConflictError

        raise ConflictError("Deactivate the rules instead of deleting a playbook entry.")


class PlaybookRuleViewSet(TenantModelViewSet):
    model = PlaybookRule
    serializer_class = PlaybookRuleSerializer
    permission_module = "contracts"
    guest_partnership_path = None
    filterset_fields = ["playbook_clause", "severity", "is_active", "parameter"]
    create_only_fields = ("playbook_clause",)

    def tenant_queryset(self):
        return selectors.playbook_rules()

    def create_object(self, data):
        return services.playbook_rule_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        data.pop("playbook_clause", None)
        return services.playbook_rule_update(rule=instance, actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.playbook_rule_delete(rule=instance, actor=self.request.user)


class IntakeJobSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    parent = TenantRelatedField(Agreement, required=False, allow_null=True)
    file = serializers.FileField(write_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = IntakeJob
        fields = [
            "id",
            "partnership",
            "agreement_type",
            "title",
            "parent",
            "file",
            "filename",
            "size",
            "sha256",
            "status",
            "progress",
            "error",
            "agreement",
            "created_at",
            "finished_at",
        ]
        read_only_fields = [
            "filename",
            "size",
            "sha256",
            "status",
            "error",
            "agreement",
            "created_at",
            "finished_at",
        ]
        extra_kwargs = {"title": {"required": False, "allow_blank": True}}

    def get_progress(self, job) -> int:
        return services.intake_progress(job)


class IntakeJobViewSet(TenantModelViewSet):
    """Upload a contract (multipart `file`) and follow its reading (`status`, `progress`)."""

    model = IntakeJob
    serializer_class = IntakeJobSerializer
    permission_module = "contracts"
    guest_partnership_path = None
    filterset_fields = ["status", "partnership"]
    http_method_names = ["get", "post", "head", "options"]

    def tenant_queryset(self):
        return selectors.intake_jobs()

    def create_object(self, data):
        upload = data.pop("file")
        too_big = upload.size > services.upload_max_bytes()  # refused before reading it
        return services.intake_job_create(
            actor=self.request.user,
            filename=upload.name,
            content=b"" if too_big else upload.read(),
            declared_size=upload.size,
            **data,
        )
