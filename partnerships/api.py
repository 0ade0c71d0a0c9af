"""REST API of the partnerships module: partners and their records, partnerships and their
lifecycle, due diligence, sourcing needs (TCO, Kraljic, criteria, candidates, decision),
stakeholders, joint objectives, exclusivity (with conflicts), joint IP and onboarding."""

from django.utils import timezone
from django_countries.serializers import CountryFieldMixin
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from partnerships import selectors, services
from partnerships.models import (
    DueDiligenceItem,
    Exclusivity,
    JointIp,
    JointObjective,
    OnboardingEscalation,
    OnboardingMilestone,
    Partner,
    PartnerCertification,
    PartnerContact,
    PartnerFinancials,
    Partnership,
    SourcingCandidate,
    SourcingCase,
    Stakeholder,
    StakeholderObjective,
    SubTierLink,
    TcoEstimate,
)
from partnerships.selectors import partner_list, partnership_portfolio
from tenancy.api import (
    ReasonedDeleteViewSet,
    StaffField,
    TenantIdField,
    TenantModelViewSet,
    TenantReadOnlyViewSet,
    TenantRelatedField,
)


class PartnerSerializer(CountryFieldMixin, serializers.ModelSerializer):
    # `country` is the ISO 3166-1 alpha-2 code; a country's English name ("germany") is read too.
    country_name = serializers.CharField(source="country.name", read_only=True)

    class Meta:
        model = Partner
        fields = [
            "id",
            "name",
            "legal_name",
            "country",
            "country_name",
            "registration_number",
            "website",
            "category",
            "tier",
            "industry",
            "categories",
            "regions_served",
            "size",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        # Uniqueness per organization is checked by the model's full_clean in the service.
        validators = []


class PartnershipSerializer(serializers.ModelSerializer):
    partner = TenantRelatedField(Partner)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    owner = StaffField(required=False, allow_null=True)
    executive_sponsor = StaffField(required=False, allow_null=True)

    class Meta:
        model = Partnership
        fields = [
            "id",
            "partner",
            "partner_name",
            "name",
            "code",
            "description",
            "kind",
            "status",
            "category",
            "owner",
            "start_date",
            "end_date",
            "annual_value",
            "currency",
            "executive_sponsor",
            "partner_sponsor_name",
            "partner_sponsor_email",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]
        validators = []


class PartnershipTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Partnership.Status.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why: required to close the partnership; kept in the audit trail.",
    )


class TransitionOptionSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    allowed = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class ChecklistSerializer(serializers.Serializer):
    template = serializers.ChoiceField(choices=list(services.CHECKLIST_TEMPLATES))


class SupplyEdgeSerializer(serializers.Serializer):
    tier = serializers.IntegerField()
    partner = serializers.IntegerField(source="edge.partner_id")
    supplier = serializers.IntegerField(source="edge.supplier_id")
    supplier_name = serializers.CharField(source="edge.supplier.name")
    supplies = serializers.CharField(source="edge.supplies")
    critical = serializers.BooleanField(source="edge.critical")


class PartnerViewSet(ReasonedDeleteViewSet):
    model = Partner
    serializer_class = PartnerSerializer
    permission_module = "partnerships"
    guest_partnership_path = None
    filterset_fields = ["tier", "country", "category"]

    def tenant_queryset(self):
        return partner_list(membership=self.membership)

    def create_object(self, data):
        return services.partner_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.partner_update(partner=instance, actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.partner_delete(
            partner=instance, actor=self.request.user, reason=self.deletion_reason()
        )

    @extend_schema(responses=SupplyEdgeSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path="supply-graph",
        pagination_class=None,
        filter_backends=[],
    )
    def supply_graph(self, request, *args, **kwargs):
        """The partner's sub-tier suppliers, tier by tier (2 = its direct suppliers)."""
        graph = selectors.supply_graph(self.get_object())
        return Response(SupplyEdgeSerializer(graph.rows(), many=True).data)


class PartnershipViewSet(ReasonedDeleteViewSet):
    model = Partnership
    serializer_class = PartnershipSerializer
    permission_module = "partnerships"
    guest_partnership_path = ""
    filterset_fields = ["status", "kind", "partner", "category"]

    def tenant_queryset(self):
        return partnership_portfolio(membership=self.membership)

    def create_object(self, data):
        return services.partnership_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.partnership_update(partnership=instance, actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.partnership_delete(
            partnership=instance, actor=self.request.user, reason=self.deletion_reason()
        )

    @extend_schema(request=PartnershipTransitionSerializer, responses=PartnershipSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        """Move the partnership along its lifecycle (409 with the reason when not allowed);
        starting the exit and closing it need a `reason` (400 on the field without one)."""
        partnership = self.get_object()
        body = PartnershipTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        partnership = services.partnership_transition(
            partnership=partnership,
            actor=request.user,
            status=body.validated_data["status"],
            reason=body.validated_data["reason"],
        )
        return Response(PartnershipSerializer(partnership, context={"request": request}).data)

    @extend_schema(responses=TransitionOptionSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path="transitions",
        pagination_class=None,
        filter_backends=[],
    )
    def transitions(self, request, *args, **kwargs):
        """Every lifecycle move from the current status, allowed or not, with the reasons."""
        partnership = self.get_object()
        options = []
        for status, label in Partnership.Status.choices:
            if status == partnership.status:
                continue
            reasons = services.transition_blockers(partnership, status)
            options.append(
                {"status": status, "label": label, "allowed": not reasons, "reasons": reasons}
            )
        return Response(TransitionOptionSerializer(options, many=True).data)

    @extend_schema(request=ChecklistSerializer, responses={201: None})
    @action(detail=True, methods=["post"], url_path="apply-checklist")
    def apply_checklist(self, request, *args, **kwargs):
        """Add a checklist template's items to the partnership's due diligence."""
        partnership = self.get_object()
        body = ChecklistSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        items = services.due_diligence_apply_template(
            partnership=partnership, template=body.validated_data["template"], actor=request.user
        )
        return Response(
            DueDiligenceItemSerializer(items, many=True, context={"request": request}).data,
            status=201,
        )


# --- Records of partners and partnerships (generic services) ------------------------------------


class RecordViewSet(ReasonedDeleteViewSet):
    """Create, update and delete through the records services; the parent comes in the body."""

    permission_module = "partnerships"
    guest_partnership_path = None  # internal to the buyer unless a subclass shares it

    def create_object(self, data):
        return services.record_create(model=self.model, actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.record_update(record=instance, actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.record_delete(
            record=instance, actor=self.request.user, reason=self.deletion_reason()
        )


def _record_serializer(model_class, fields, parent, **declared):
    """A ModelSerializer of `model_class` whose parent foreign key resolves in the tenant."""
    attrs = {
        parent: TenantRelatedField(Partner if parent == "partner" else Partnership),
        **declared,
        "Meta": type(
            "Meta",
            (),
            {"model": model_class, "fields": ["id", parent, *fields], "validators": []},
        ),
    }
    return type(f"{model_class.__name__}Serializer", (serializers.ModelSerializer,), attrs)


class PartnerCertificationSerializer(serializers.ModelSerializer):
    partner = TenantRelatedField(Partner)
    expired = serializers.SerializerMethodField()

    class Meta:
        model = PartnerCertification
        fields = ["id", "partner", "name", "issuer", "valid_until", "expired"]

    def get_expired(self, obj) -> bool:
        return obj.is_expired(today=timezone.localdate())


def _viewset(model_class, serializer, parent, guest_path=None, filters=()):
    return type(
        f"{model_class.__name__}ViewSet",
        (RecordViewSet,),
        {
            "model": model_class,
            "serializer_class": serializer,
            "guest_partnership_path": guest_path,
            "filterset_fields": [parent, *filters],
            "tenant_queryset": lambda self: model_class.objects.order_by("pk"),
            "__doc__": f"{model_class._meta.verbose_name_plural.capitalize()}.",
        },
    )


PartnerContactViewSet = _viewset(
    PartnerContact,
    _record_serializer(PartnerContact, ["name", "role", "email", "phone"], "partner"),
    "partner",
)
PartnerFinancialsViewSet = _viewset(
    PartnerFinancials,
    _record_serializer(
        PartnerFinancials,
        ["year", "revenue", "currency", "margin_percent", "current_ratio", "debt_ratio"],
        "partner",
    ),
    "partner",
)
PartnerCertificationViewSet = _viewset(
    PartnerCertification, PartnerCertificationSerializer, "partner"
)
SubTierLinkViewSet = _viewset(
    SubTierLink,
    _record_serializer(
        SubTierLink,
        ["supplier", "supplies", "critical"],
        "partner",
        supplier=TenantRelatedField(Partner),
    ),
    "partner",
)
StakeholderViewSet = _viewset(
    Stakeholder,
    _record_serializer(
        Stakeholder,
        ["name", "function", "user"],
        "partnership",
        user=StaffField(required=False, allow_null=True),
    ),
    "partnership",
)
StakeholderObjectiveViewSet = _viewset(
    StakeholderObjective,
    _record_serializer(
        StakeholderObjective,
        ["title", "owner", "priority", "conflicts_with"],
        "partnership",
        owner=TenantRelatedField(Stakeholder, required=False, allow_null=True),
        conflicts_with=TenantRelatedField(StakeholderObjective, required=False, allow_null=True),
    ),
    "partnership",
)
JointObjectiveViewSet = _viewset(
    JointObjective,
    _record_serializer(
        JointObjective,
        ["title", "kpi", "internal_objective", "partner_capability"],
        "partnership",
        internal_objective=TenantRelatedField(
            StakeholderObjective, required=False, allow_null=True
        ),
    ),
    "partnership",
    guest_path="partnership",
)
JointIpViewSet = _viewset(
    JointIp,
    _record_serializer(
        JointIp, ["title", "kind", "owner", "licence_terms", "agreement"], "partnership"
    ),
    "partnership",
    guest_path="partnership",
)
OnboardingMilestoneViewSet = _viewset(
    OnboardingMilestone,
    _record_serializer(OnboardingMilestone, ["title", "due_date", "completed_on"], "partnership"),
    "partnership",
)


class ExclusivityConflictSerializer(serializers.Serializer):
    first = serializers.IntegerField(source="first.pk")
    first_partnership = serializers.IntegerField(source="first.partnership_id")
    second = serializers.IntegerField(source="second.pk")
    second_partnership = serializers.IntegerField(source="second.partnership_id")
    categories = serializers.ListField(child=serializers.CharField())
    regions = serializers.ListField(child=serializers.CharField())
    overlap_start = serializers.DateField()
    overlap_end = serializers.DateField()


class ExclusivityViewSet(
    _viewset(
        Exclusivity,
        _record_serializer(
            Exclusivity,
            ["categories", "regions", "exceptions", "start_date", "end_date", "bidding_effect"],
            "partnership",
        ),
        "partnership",
    )
):
    """Exclusivity scopes (categories, regions, exceptions, term) of partnerships."""

    @extend_schema(responses=ExclusivityConflictSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filterset_fields=[])
    def conflicts(self, request, *args, **kwargs):
        """Pairs of exclusivities of two live partnerships overlapping in category, region
        and term."""
        conflicts = selectors.exclusivity_conflicts(membership=self.membership)
        return Response(ExclusivityConflictSerializer(conflicts, many=True).data)


# --- Due diligence and onboarding escalations ---------------------------------------------------


class DueDiligenceItemSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    reviewer = StaffField(required=False, allow_null=True)
    # null when no file is on record (the schema says so); null or absent on a write keeps it.
    evidence = serializers.FileField(required=False, allow_null=True)

    class Meta:
        model = DueDiligenceItem
        fields = [
            "id",
            "partnership",
            "area",
            "title",
            "mandatory",
            "status",
            "reviewer",
            "findings",
            "evidence",
            "completed_at",
        ]
        read_only_fields = ["completed_at"]


class DueDiligenceItemViewSet(ReasonedDeleteViewSet):
    """Checklist items; failing or waiving one needs findings, a failed one escalates."""

    model = DueDiligenceItem
    serializer_class = DueDiligenceItemSerializer
    permission_module = "partnerships"
    guest_partnership_path = None
    filterset_fields = ["partnership", "status", "area", "mandatory"]

    def tenant_queryset(self):
        return DueDiligenceItem.objects.select_related("reviewer").order_by("partnership_id", "pk")

    def create_object(self, data):
        partnership = data.pop("partnership")
        if data.get("evidence") is None:
            data.pop("evidence", None)
        return services.due_diligence_item_create(
            partnership=partnership, actor=self.request.user, **data
        )

    def update_object(self, instance, data):
        data.pop("partnership", None)
        return services.due_diligence_item_update(
            item=instance, actor=self.request.user, now=timezone.now(), **data
        )

    def destroy_object(self, instance):
        services.record_delete(
            record=instance, actor=self.request.user, reason=self.deletion_reason()
        )


class OnboardingEscalationSerializer(serializers.ModelSerializer):
    class Meta:
        model = OnboardingEscalation
        fields = [
            "id",
            "partnership",
            "source",
            "item",
            "milestone",
            "summary",
            "owner",
            "deadline",
            "status",
            "resolution",
            "created_at",
            "resolved_at",
        ]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(allow_blank=True)


class OnboardingEscalationViewSet(TenantReadOnlyViewSet):
    """Escalations raised by failed due-diligence items and missed onboarding milestones."""

    model = OnboardingEscalation
    serializer_class = OnboardingEscalationSerializer
    permission_module = "partnerships"
    guest_partnership_path = None
    filterset_fields = ["partnership", "status", "owner"]
    action_verbs = {"resolve": "change"}

    def tenant_queryset(self):
        return OnboardingEscalation.objects.order_by("deadline", "pk")

    @extend_schema(request=ResolveSerializer, responses=OnboardingEscalationSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, *args, **kwargs):
        escalation = self.get_object()
        body = ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        escalation = services.escalation_resolve(
            escalation=escalation,
            actor=request.user,
            resolution=body.validated_data["resolution"],
            now=timezone.now(),
        )
        return Response(OnboardingEscalationSerializer(escalation).data)


# --- Sourcing needs -----------------------------------------------------------------------------


class SourcingCaseSerializer(serializers.ModelSerializer):
    owner = StaffField(required=False, allow_null=True)

    # Read-only fields lose DRF's allow_blank: say that an undecided case has "" here.
    chosen_model = serializers.ChoiceField(
        choices=SourcingCase.Model.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = SourcingCase
        fields = [
            "id",
            "title",
            "category",
            "currency",
            "horizon_years",
            "discount_rate",
            "profit_impact",
            "supply_risk",
            "owner",
            "status",
            "chosen_model",
            "chosen_candidate",
            "rationale",
            "decided_by",
            "decided_at",
            "partnership",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "chosen_model",
            "chosen_candidate",
            "rationale",
            "decided_by",
            "decided_at",
            "partnership",
            "created_at",
        ]


class CriterionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)


class CriteriaSerializer(serializers.Serializer):
    criteria = CriterionInputSerializer(many=True)


class SourcingDecisionSerializer(serializers.Serializer):
    model = serializers.ChoiceField(choices=SourcingCase.Model.choices)
    candidate = TenantIdField(SourcingCandidate)
    rationale = serializers.CharField(allow_blank=True)


class TcoSerializer(serializers.Serializer):
    nominal = serializers.DecimalField(max_digits=20, decimal_places=2)
    npv = serializers.DecimalField(max_digits=20, decimal_places=2)
    cumulative_npv = serializers.ListField(
        child=serializers.DecimalField(max_digits=20, decimal_places=2)
    )


class FitLineSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    score = serializers.IntegerField(allow_null=True)
    points = serializers.DecimalField(max_digits=6, decimal_places=2)


class FitSerializer(serializers.Serializer):
    total = serializers.DecimalField(max_digits=6, decimal_places=2)
    complete = serializers.BooleanField()
    lines = FitLineSerializer(many=True)


class CandidateAnalysisSerializer(serializers.Serializer):
    candidate = serializers.IntegerField(source="candidate.pk")
    partner = serializers.CharField(source="candidate.partner.name")
    risk_score = serializers.IntegerField(source="candidate.risk_score")
    fit = FitSerializer()
    tco = TcoSerializer(allow_null=True)


class RecommendationSerializer(serializers.Serializer):
    model = serializers.CharField()
    quadrant = serializers.CharField()
    quadrant_label = serializers.CharField()
    cheaper = serializers.CharField()
    premium = serializers.DecimalField(max_digits=10, decimal_places=4)
    reason = serializers.CharField()


class AnalysisSerializer(serializers.Serializer):
    currency = serializers.CharField(source="case.currency")
    horizon_years = serializers.IntegerField(source="case.horizon_years")
    discount_rate = serializers.DecimalField(
        source="case.discount_rate", max_digits=5, decimal_places=2
    )
    kraljic_quadrant = serializers.CharField(source="quadrant_label")
    transactional = TcoSerializer(allow_null=True)
    strategic = TcoSerializer(allow_null=True)
    recommendation = RecommendationSerializer(allow_null=True)
    candidates = CandidateAnalysisSerializer(many=True)


class SourcingCaseViewSet(ReasonedDeleteViewSet):
    """Sourcing needs: the sourcing-model decision and the candidate comparison."""

    model = SourcingCase
    serializer_class = SourcingCaseSerializer
    permission_module = "partnerships"
    guest_partnership_path = None
    filterset_fields = ["status", "category"]
    action_verbs = {"analysis": "view", "criteria": "change", "decide": "change"}

    def tenant_queryset(self):
        return SourcingCase.objects.order_by("-created_at", "pk")

    def create_object(self, data):
        return services.sourcing_case_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.sourcing_case_update(case=instance, actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.record_delete(
            record=instance, actor=self.request.user, reason=self.deletion_reason()
        )

    @extend_schema(responses=AnalysisSerializer)
    @action(detail=True, methods=["get"])
    def analysis(self, request, *args, **kwargs):
        """TCO and NPV of both models, the Kraljic position and recommendation, and every
        candidate's fit (with its breakdown), TCO and risk exposure, side by side."""
        analysis = selectors.sourcing_case_analysis(self.get_object())
        return Response(AnalysisSerializer(analysis).data)

    @extend_schema(request=CriteriaSerializer, responses=CriteriaSerializer)
    @action(detail=True, methods=["put"])
    def criteria(self, request, *args, **kwargs):
        """Replace the weighted selection criteria (weights add up to 100 %)."""
        case = self.get_object()
        body = CriteriaSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kept = services.selection_criteria_set(
            case=case,
            actor=request.user,
            criteria=[(c["name"], c["weight"]) for c in body.validated_data["criteria"]],
        )
        return Response(
            CriteriaSerializer(
                {"criteria": [{"name": c.name, "weight": c.weight} for c in kept]}
            ).data
        )

    @extend_schema(request=SourcingDecisionSerializer, responses=SourcingCaseSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, *args, **kwargs):
        """Record the decision with its rationale; it opens the partnership (proposed)."""
        case = self.get_object()
        body = SourcingDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = services.sourcing_case_decide(
            case=case, actor=request.user, now=timezone.now(), **body.validated_data
        )
        return Response(SourcingCaseSerializer(case, context={"request": request}).data)


class SourcingCandidateSerializer(serializers.ModelSerializer):
    case = TenantRelatedField(SourcingCase)
    partner = TenantRelatedField(Partner)
    scores = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        required=False,
        write_only=True,
        help_text="{criterion id: score 1..5 or null}",
    )

    class Meta:
        model = SourcingCandidate
        fields = ["id", "case", "partner", "risk_score", "notes", "scores"]
        validators = []


class SourcingCandidateViewSet(TenantModelViewSet):
    """Candidates of a sourcing need (two to five), scored on its criteria."""

    model = SourcingCandidate
    serializer_class = SourcingCandidateSerializer
    permission_module = "partnerships"
    guest_partnership_path = None
    filterset_fields = ["case", "partner"]

    def tenant_queryset(self):
        return SourcingCandidate.objects.order_by("case_id", "pk")

    def create_object(self, data):
        scores = data.pop("scores", None)
        candidate = services.candidate_add(actor=self.request.user, **data)
        if scores:
            services.candidate_scores_set(
                candidate=candidate, actor=self.request.user, scores=_int_keys(scores)
            )
        return candidate

    def update_object(self, instance, data):
        data.pop("case", None)
        data.pop("partner", None)
        return services.candidate_scores_set(
            candidate=instance,
            actor=self.request.user,
            scores=_int_keys(data.pop("scores", {})),
            **data,
        )

    def destroy_object(self, instance):
        services.candidate_remove(candidate=instance, actor=self.request.user)


def _int_keys(scores: dict) -> dict[int, int | None]:
    from django.core.exceptions import ValidationError

    try:
        return {int(k): v for k, v in scores.items()}
    except ValueError as error:
        raise ValidationError({"scores": "Scores are keyed by criterion id."}) from error


class TcoEstimateSerializer(serializers.ModelSerializer):
    case = TenantRelatedField(SourcingCase)
    candidate = TenantRelatedField(SourcingCandidate, required=False, allow_null=True)

    class Meta:
        model = TcoEstimate
        fields = [
            "id",
            "case",
            "model",
            "candidate",
            "acquisition_cost",
            "operating_cost",
            "transaction_cost",
            "risk_cost",
            "switching_cost",
        ]
        validators = []


class TcoEstimateViewSet(ReasonedDeleteViewSet):
    """The costs of a sourcing model (or of one candidate) over the need's horizon."""

    model = TcoEstimate
    serializer_class = TcoEstimateSerializer
    permission_module = "partnerships"
    guest_partnership_path = None
    filterset_fields = ["case", "model", "candidate"]

    def tenant_queryset(self):
        return TcoEstimate.objects.order_by("case_id", "pk")

    def create_object(self, data):
        return services.tco_estimate_set(actor=self.request.user, **data)

    def update_object(self, instance, data):
        data = {"case": instance.case, "model": instance.model, **data}
        data.setdefault("candidate", instance.candidate)
        return services.tco_estimate_set(actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.record_delete(
            record=instance, actor=self.request.user, reason=self.deletion_reason()
        )
