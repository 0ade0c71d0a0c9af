"""REST API of the risk module: the register, insurance, bonds, penalties, price adjustment,
index values, breach duties and breaches, score factors and scores, and the portfolio summary.

Thin: parse, call one service or selector, render. Bad input is a 400 with a message per field
(tenancy.api_errors), an illegal step a 409, never a 500. Everything here is internal to the
customer: partner guests are refused by role and every list is empty for them
(`guest_partnership_path = None`).
"""

from datetime import date

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from contracts.models import Clause
from partnerships.models import Partnership
from risk import selectors, services
from risk.models import (
    Attestation,
    Bond,
    ComplianceRequirement,
    CyberAllocation,
    DataBreach,
    ForceMajeureEvent,
    IncidentResponsePlan,
    IndexValue,
    InsuranceCertificate,
    InsuranceRequirement,
    Mitigation,
    Penalty,
    PriceMechanism,
    PriceReview,
    Risk,
    RiskScore,
    ScoreFactor,
    WatchItem,
)
from tenancy.api import (
    StaffField,
    TenantModelViewSet,
    TenantReadOnlyViewSet,
    TenantRelatedField,
    TenantViewSet,
)
from tenancy.errors import ConflictError


def _today() -> date:
    return timezone.localdate()


class RiskViewSetBase:
    permission_module = "risk"
    guest_partnership_path = None  # the buyer's internal risk view: never a guest's

    def tenant_queryset(self):
        if self.membership.is_guest:
            return self.model.objects.none()
        return super().tenant_queryset()


# -- the register -----------------------------------------------------------------------------


class MitigationSerializer(serializers.ModelSerializer):
    owner = StaffField(required=False, allow_null=True)

    class Meta:
        model = Mitigation
        fields = ["id", "risk", "action", "owner", "due_on", "done_on", "created_at"]
        read_only_fields = ["risk", "done_on", "created_at"]


class RiskSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    clause = TenantRelatedField(Clause, required=False, allow_null=True)
    owner = StaffField(required=False, allow_null=True)
    inherent_likelihood = serializers.IntegerField(help_text="1 (rare) to 5 (almost certain).")
    inherent_impact = serializers.IntegerField(help_text="1 (negligible) to 5 (severe).")
    residual_likelihood = serializers.IntegerField(required=False, allow_null=True)
    residual_impact = serializers.IntegerField(required=False, allow_null=True)
    inherent_score = serializers.IntegerField(read_only=True)
    residual_score = serializers.IntegerField(read_only=True, allow_null=True)
    rating = serializers.SerializerMethodField()
    mitigations = MitigationSerializer(many=True, read_only=True)

    class Meta:
        model = Risk
        fields = [
            "id",
            "partnership",
            "title",
            "description",
            "category",
            "inherent_likelihood",
            "inherent_impact",
            "residual_likelihood",
            "residual_impact",
            "inherent_score",
            "residual_score",
            "rating",
            "owner",
            "allocation",
            "allocated_to",
            "allocation_basis",
            "clause",
            "status",
            "next_review_on",
            "last_reviewed_on",
            "mitigations",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "last_reviewed_on", "created_at", "updated_at"]

    def get_rating(self, risk) -> str:
        return risk.rating[0]


class RiskViewSet(RiskViewSetBase, TenantModelViewSet):
    """The risk register: likelihood × impact on the 1–5 scales (inherent and residual), the
    owner, and the allocation (retained, transferred or shared, and to which party)."""

    model = Risk
    serializer_class = RiskSerializer
    filterset_fields = ["partnership", "category", "status", "allocation", "allocated_to"]

    def tenant_queryset(self):
        return selectors.risk_for_detail(membership=self.membership)

    def create_object(self, data):
        return services.risk_create(actor=self.request.user, today=_today(), **data)

    def update_object(self, instance, data):
        partnership = data.pop("partnership", instance.partnership)
        if partnership.pk != instance.partnership_id:
            raise serializers.ValidationError({"partnership": "A risk stays in its partnership."})
        return services.risk_update(risk=instance, actor=self.request.user, today=_today(), **data)

    def destroy_object(self, instance):
        raise ConflictError(
            "Risks are never deleted; close the risk instead.", code="not_deletable"
        )

    def _render(self, risk):
        risk = self.get_queryset().get(pk=risk.pk)
        return Response(RiskSerializer(risk, context=self.get_serializer_context()).data)

    @extend_schema(request=MitigationSerializer, responses=RiskSerializer)
    @action(detail=True, methods=["post"])
    def mitigations(self, request, *args, **kwargs):
        risk = self.get_object()
        body = MitigationSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        services.mitigation_add(risk=risk, actor=request.user, **body.validated_data)
        return self._render(risk)

    @extend_schema(request=MitigationSerializer, responses=RiskSerializer)
    @action(detail=True, methods=["patch"], url_path=r"mitigations/(?P<mitigation_id>\d+)")
    def mitigation_update(self, request, mitigation_id=None, *args, **kwargs):
        """Reword, reschedule or hand over a mitigation still to do (409 once done)."""
        risk = self.get_object()
        mitigation = Mitigation.objects.filter(risk=risk, pk=mitigation_id).first()
        if mitigation is None:
            raise serializers.ValidationError({"mitigation": "Not a mitigation of this risk."})
        body = MitigationSerializer(
            mitigation, data=request.data, partial=True, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        services.mitigation_update(mitigation=mitigation, actor=request.user, **body.validated_data)
        return self._render(risk)

    @extend_schema(request=None, responses=RiskSerializer)
    @action(detail=True, methods=["post"], url_path=r"mitigations/(?P<mitigation_id>\d+)/done")
    def mitigation_done(self, request, mitigation_id=None, *args, **kwargs):
        risk = self.get_object()
        mitigation = Mitigation.objects.filter(risk=risk, pk=mitigation_id).first()
        if mitigation is None:
            raise serializers.ValidationError({"mitigation": "Not a mitigation of this risk."})
        services.mitigation_complete(mitigation=mitigation, actor=request.user, today=_today())
        return self._render(risk)

    @extend_schema(
        request=serializers.Serializer, responses=RiskSerializer, description="Close with a reason."
    )
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        risk = services.risk_set_status(
            risk=self.get_object(),
            actor=request.user,
            status=Risk.Status.CLOSED,
            reason=str(request.data.get("reason", "")),
        )
        return self._render(risk)


# -- insurance, bonds, penalties --------------------------------------------------------------


class InsuranceRequirementSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)

    class Meta:
        model = InsuranceRequirement
        fields = ["id", "partnership", "coverage", "minimum_limit", "currency", "created_at"]
        read_only_fields = ["created_at"]


class InsuranceRequirementViewSet(RiskViewSetBase, TenantModelViewSet):
    """Required coverages (one per coverage and partnership; posting again changes the limit)."""

    model = InsuranceRequirement
    serializer_class = InsuranceRequirementSerializer
    filterset_fields = ["partnership", "coverage"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def create_object(self, data):
        return services.insurance_requirement_set(actor=self.request.user, **data)

    def destroy_object(self, instance):
        raise ConflictError("Required coverages are kept; change the limit instead.")


class CertificateSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    file = serializers.FileField(required=False, allow_null=True)
    expiry_state = serializers.SerializerMethodField()
    days_left = serializers.SerializerMethodField()

    class Meta:
        model = InsuranceCertificate
        fields = [
            "id",
            "partnership",
            "coverage",
            "insurer",
            "policy_number",
            "limit",
            "currency",
            "starts_on",
            "expires_on",
            "file",
            "expiry_state",
            "days_left",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_expiry_state(self, certificate) -> str:
        return certificate.expiry_state(_today())[0]

    def get_days_left(self, certificate) -> int:
        return certificate.days_left(_today())


class InsuranceCertificateViewSet(RiskViewSetBase, TenantModelViewSet):
    """Insurance certificates (multipart upload with `file`). Expired ones stay listed; filter
    `expiring_within=<days>` for those expiring soon (expired included)."""

    model = InsuranceCertificate
    serializer_class = CertificateSerializer
    filterset_fields = ["partnership", "coverage"]
    http_method_names = ["get", "post", "head", "options"]

    def tenant_queryset(self):
        queryset = selectors.certificate_list(membership=self.membership)
        within = self.request.query_params.get("expiring_within", "")
        if within.isdigit():
            from datetime import timedelta

            queryset = queryset.filter(expires_on__lte=_today() + timedelta(days=int(within)))
        return queryset

    def create_object(self, data):
        return services.certificate_upload(actor=self.request.user, **data)


class BondSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)

    class Meta:
        model = Bond
        fields = [
            "id",
            "partnership",
            "kind",
            "issuer",
            "amount",
            "currency",
            "starts_on",
            "expires_on",
            "notes",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class BondViewSet(RiskViewSetBase, TenantModelViewSet):
    model = Bond
    serializer_class = BondSerializer
    filterset_fields = ["partnership", "kind"]
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.bond_create(actor=self.request.user, **data)


class PenaltySerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)

    class Meta:
        model = Penalty
        fields = [
            "id",
            "partnership",
            "trigger",
            "description",
            "amount",
            "currency",
            "unit",
            "cap",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class PenaltyViewSet(RiskViewSetBase, TenantModelViewSet):
    model = Penalty
    serializer_class = PenaltySerializer
    filterset_fields = ["partnership", "trigger"]
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.penalty_create(actor=self.request.user, **data)


# -- price adjustment -------------------------------------------------------------------------


class PriceReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriceReview
        fields = [
            "id",
            "review_date",
            "period",
            "index_value",
            "previous_price",
            "adjusted_price",
            "change_percent",
            "limited_by",
            "explanation",
            "created_at",
        ]
        read_only_fields = fields


class PriceMechanismSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    reviews = PriceReviewSerializer(many=True, read_only=True)

    class Meta:
        model = PriceMechanism
        fields = [
            "id",
            "partnership",
            "name",
            "index_name",
            "base_price",
            "currency",
            "base_index_value",
            "weighting_percent",
            "cap_percent",
            "floor_percent",
            "review_frequency_months",
            "next_review_on",
            "volatility_assumption",
            "current_price",
            "reviews",
            "created_at",
        ]
        read_only_fields = ["current_price", "created_at"]
        # The cap/floor rule is the service's, so the model's check constraint is not repeated.
        validators = []


class PriceReviewRunSerializer(serializers.Serializer):
    period = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The index month (any day of it); default: the month before the review date.",
    )


class PriceMechanismViewSet(RiskViewSetBase, TenantModelViewSet):
    """Index-linked price formulas; `review` applies an index month and returns the review with
    its step-by-step explanation."""

    model = PriceMechanism
    serializer_class = PriceMechanismSerializer
    filterset_fields = ["partnership", "index_name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def tenant_queryset(self):
        return selectors.price_mechanisms(membership=self.membership)

    def create_object(self, data):
        return services.price_mechanism_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        # A mechanism stays in its partnership: the service refuses a move, in its words.
        return services.price_mechanism_update(mechanism=instance, actor=self.request.user, **data)

    @extend_schema(request=PriceReviewRunSerializer, responses={201: PriceReviewSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, *args, **kwargs):
        mechanism = self.get_object()
        body = PriceReviewRunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = services.price_review_run(
            mechanism=mechanism,
            actor=request.user,
            today=_today(),
            period=body.validated_data.get("period"),
        )
        return Response(PriceReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class IndexValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndexValue
        fields = ["id", "index_name", "period", "value", "created_at"]
        read_only_fields = ["created_at"]
        validators = []  # the service updates the month's value instead of refusing it


class IndexImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV with the columns index, period (YYYY-MM), value.")


class IndexValueViewSet(RiskViewSetBase, TenantModelViewSet):
    """Published index values by month; posting a month again replaces its value."""

    model = IndexValue
    serializer_class = IndexValueSerializer
    filterset_fields = ["index_name", "period"]
    guest_partnership_path = None
    http_method_names = ["get", "post", "head", "options"]

    def tenant_queryset(self):
        return selectors.index_value_list(membership=self.membership)

    def create_object(self, data):
        return services.index_value_record(actor=self.request.user, **data)

    @extend_schema(request=IndexImportSerializer, responses={201: IndexValueSerializer(many=True)})
    @action(detail=False, methods=["post"], url_path="import")
    def import_csv(self, request, *args, **kwargs):
        body = IndexImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            content = body.validated_data["file"].read().decode("utf-8")
        except UnicodeDecodeError as error:
            raise serializers.ValidationError({"file": "The file is not UTF-8 text."}) from error
        count = services.index_values_import_csv(actor=request.user, content=content)
        return Response({"imported": count}, status=status.HTTP_201_CREATED)


# -- cyber and breaches -----------------------------------------------------------------------


class CyberAllocationSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)

    class Meta:
        model = CyberAllocation
        fields = [
            "id",
            "partnership",
            "detection_party",
            "notification_party",
            "remediation_party",
            "notification_deadline_hours",
            "authorities_to_notify",
            "customers_to_notify",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        validators = []  # one per partnership: posting again changes it


class CyberAllocationViewSet(RiskViewSetBase, TenantModelViewSet):
    """Who detects, notifies (within how many hours) and remediates a data breach."""

    model = CyberAllocation
    serializer_class = CyberAllocationSerializer
    filterset_fields = ["partnership"]
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.cyber_allocation_set(actor=self.request.user, **data)


class DataBreachSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = DataBreach
        fields = [
            "id",
            "partnership",
            "title",
            "description",
            "detected_at",
            "notification_deadline",
            "notified_at",
            "closed_at",
            "status",
            "overdue",
            "created_at",
        ]
        read_only_fields = [
            "notification_deadline",
            "notified_at",
            "closed_at",
            "status",
            "created_at",
        ]

    def get_overdue(self, breach) -> bool:
        return breach.is_overdue(timezone.now())


class DataBreachViewSet(RiskViewSetBase, TenantModelViewSet):
    """The breach log: logging a breach starts the notification clock (the deadline is the
    detection time plus the partnership's agreed hours)."""

    model = DataBreach
    serializer_class = DataBreachSerializer
    filterset_fields = ["partnership", "status"]
    http_method_names = ["get", "post", "head", "options"]

    def tenant_queryset(self):
        return DataBreach.objects.select_related("partnership")

    def create_object(self, data):
        return services.data_breach_report(actor=self.request.user, now=timezone.now(), **data)

    def _step(self, status_value):
        breach = services.data_breach_transition(
            breach=self.get_object(),
            actor=self.request.user,
            status=status_value,
            now=timezone.now(),
        )
        return Response(DataBreachSerializer(breach).data)

    @extend_schema(request=None, responses=DataBreachSerializer)
    @action(detail=True, methods=["post"])
    def notified(self, request, *args, **kwargs):
        return self._step(DataBreach.Status.NOTIFIED)

    @extend_schema(request=None, responses=DataBreachSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        return self._step(DataBreach.Status.CLOSED)


# -- risk score -------------------------------------------------------------------------------


class ScoreFactorSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoreFactor
        fields = ["id", "name", "description", "weight", "source", "order"]
        read_only_fields = ["id", "order"]
        validators = []


class ScoreFactorSetSerializer(serializers.Serializer):
    factors = ScoreFactorSerializer(many=True)


class ScoreFactorViewSet(RiskViewSetBase, TenantReadOnlyViewSet):
    """The weighted factors of the third-party risk score; `replace` sets all of them at once
    (the weights must add up to 100)."""

    model = ScoreFactor
    serializer_class = ScoreFactorSerializer
    pagination_class = None

    @extend_schema(request=ScoreFactorSetSerializer, responses=ScoreFactorSerializer(many=True))
    @action(detail=False, methods=["post"])
    def replace(self, request, *args, **kwargs):
        body = ScoreFactorSetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        factors = services.score_factors_set(
            actor=request.user, factors=[dict(f) for f in body.validated_data["factors"]]
        )
        return Response(ScoreFactorSerializer(factors, many=True).data)


class RiskScoreSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    ratings = serializers.DictField(
        child=serializers.DecimalField(max_digits=6, decimal_places=2),
        write_only=True,
        help_text="Rating 0–100 by factor id.",
    )
    above_buyer_threshold = serializers.BooleanField(read_only=True)
    above_partner_threshold = serializers.BooleanField(read_only=True)

    class Meta:
        model = RiskScore
        fields = [
            "id",
            "partnership",
            "ratings",
            "scored_on",
            "score",
            "breakdown",
            "buyer_threshold",
            "partner_threshold",
            "above_buyer_threshold",
            "above_partner_threshold",
            "created_at",
        ]
        read_only_fields = ["scored_on", "score", "breakdown", "created_at"]
        validators = []


class RiskScoreViewSet(RiskViewSetBase, TenantModelViewSet):
    """Scores of partners with their breakdown; the list is the history (newest first)."""

    model = RiskScore
    serializer_class = RiskScoreSerializer
    filterset_fields = ["partnership"]
    http_method_names = ["get", "post", "head", "options"]

    def tenant_queryset(self):
        return RiskScore.objects.select_related("partnership")

    def create_object(self, data):
        ratings = {}
        for key, value in data.pop("ratings").items():
            if not str(key).isdigit():
                raise serializers.ValidationError({"ratings": f"“{key}” is not a factor id."})
            ratings[int(key)] = value
        return services.risk_score_record(
            actor=self.request.user, ratings=ratings, today=_today(), **data
        )


# -- the portfolio ----------------------------------------------------------------------------


class PortfolioSerializer(serializers.Serializer):
    open_risks = serializers.IntegerField()
    heatmap = serializers.ListField(child=serializers.DictField())
    top_risks = RiskSerializer(many=True)
    expiring_certificates = CertificateSerializer(many=True)
    open_breaches = DataBreachSerializer(many=True)
    single_points_of_failure = serializers.ListField(child=serializers.DictField())


class PortfolioViewSet(RiskViewSetBase, TenantViewSet):
    """The portfolio risk summary the risk page shows."""

    model = Risk
    serializer_class = PortfolioSerializer
    pagination_class = None
    list_is_one_object = True  # the schema documents one Portfolio, as the list answers

    @extend_schema(responses=PortfolioSerializer)
    def list(self, request, *args, **kwargs):
        if self.membership.is_guest:
            raise PermissionDenied("Partner guests never see the risk register.")
        portfolio = selectors.portfolio_risk(
            membership=self.membership, today=_today(), now=timezone.now()
        )
        context = self.get_serializer_context()
        counts = portfolio.heatmap_counts
        return Response(
            {
                "open_risks": portfolio.counts["open_risks"],
                "heatmap": [
                    {"likelihood": k[0], "impact": k[1], "risks": v}
                    for k, v in sorted(counts.items())
                ],
                "top_risks": RiskSerializer(portfolio.top_risks, many=True, context=context).data,
                "expiring_certificates": CertificateSerializer(
                    portfolio.expiring, many=True, context=context
                ).data,
                "open_breaches": DataBreachSerializer(
                    portfolio.breaches, many=True, context=context
                ).data,
                "single_points_of_failure": [
                    {
                        "supplier_id": s["supplier_id"],
                        "supplier": s["name"],
                        "country": s.get("country", ""),
                        "partnerships": [
                            {"id": p["pk"], "name": p["name"], "path": p["path"]}
                            for p in s["partnerships"]
                        ],
                    }
                    for s in portfolio.spofs
                ],
            }
        )


# -- compliance, force majeure, incident plans, watch list ------------------------------------


class AttestationSerializer(serializers.ModelSerializer):
    attested_by_name = serializers.CharField(source="attested_by.display_name", read_only=True)
    evidence = serializers.FileField(required=False, allow_null=True)

    class Meta:
        model = Attestation
        fields = [
            "id",
            "requirement",
            "attested_by",
            "attested_by_name",
            "party",
            "period_start",
            "period_end",
            "outcome",
            "statement",
            "evidence",
            "attested_at",
        ]
        read_only_fields = ["requirement", "attested_by", "party", "attested_at"]
        validators = []


class ComplianceRequirementSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    owner = StaffField(required=False, allow_null=True)
    attestations = AttestationSerializer(many=True, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ComplianceRequirement
        fields = [
            "id",
            "partnership",
            "framework",
            "jurisdiction",
            "title",
            "our_standard",
            "partner_standard",
            "harmonised_standard",
            "attestation_months",
            "due_on",
            "owner",
            "overdue",
            "attestations",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_overdue(self, requirement) -> bool:
        return requirement.is_overdue(_today())


class ComplianceRequirementViewSet(RiskViewSetBase, TenantModelViewSet):
    """Compliance requirements per partnership and jurisdiction (GDPR, SOX, anti-bribery, labour,
    environment); PATCH corrects one (its partnership and framework stay); `attest` records an
    attestation by the caller for a period, with evidence."""

    model = ComplianceRequirement
    serializer_class = ComplianceRequirementSerializer
    filterset_fields = ["partnership", "framework", "jurisdiction"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def tenant_queryset(self):
        queryset = selectors.compliance_requirements(membership=self.membership)
        if self.request.query_params.get("overdue") in ("1", "true"):
            queryset = queryset.filter(due_on__lt=_today())
        return queryset

    def create_object(self, data):
        return services.compliance_requirement_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.compliance_requirement_update(
            requirement=instance, actor=self.request.user, **data
        )

    @extend_schema(request=AttestationSerializer, responses={201: AttestationSerializer})
    @action(detail=True, methods=["post"])
    def attest(self, request, *args, **kwargs):
        requirement = self.get_object()
        body = AttestationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attestation = services.attestation_record(
            requirement=requirement,
            attested_by=request.user,
            now=timezone.now(),
            **body.validated_data,
        )
        return Response(AttestationSerializer(attestation).data, status=status.HTTP_201_CREATED)


class ForceMajeureSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    notice_days = serializers.IntegerField(write_only=True, required=False, default=14)

    class Meta:
        model = ForceMajeureEvent
        fields = [
            "id",
            "partnership",
            "title",
            "description",
            "started_on",
            "ended_on",
            "affected_obligations",
            "notice_days",
            "notice_deadline",
            "notice_given_on",
            "escalation_steps",
            "alternative_sourcing_required",
            "alternative_sourcing_met",
            "status",
            "created_at",
        ]
        read_only_fields = ["notice_deadline", "status", "created_at"]


class ForceMajeureViewSet(RiskViewSetBase, TenantModelViewSet):
    """The force majeure log: notice deadline from the start date, escalation steps, and
    whether the alternative-sourcing obligation was met."""

    model = ForceMajeureEvent
    serializer_class = ForceMajeureSerializer
    filterset_fields = ["partnership", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create_object(self, data):
        data.pop("ended_on", None)
        data.pop("notice_given_on", None)
        data.pop("alternative_sourcing_met", None)
        return services.force_majeure_log(actor=self.request.user, today=_today(), **data)

    def update_object(self, instance, data):
        allowed = {"notice_given_on", "ended_on", "alternative_sourcing_met", "escalation_steps"}
        refused = set(data) - allowed - {"partnership", "notice_days"}
        if refused:
            raise serializers.ValidationError(
                dict.fromkeys(sorted(refused), "This cannot change once the event is logged.")
            )
        return services.force_majeure_update(
            event=instance,
            actor=self.request.user,
            **{k: v for k, v in data.items() if k in allowed},
        )


class IncidentPlanSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)

    class Meta:
        model = IncidentResponsePlan
        fields = [
            "id",
            "partnership",
            "roles",
            "contact_tree",
            "steps",
            "last_tested_on",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        validators = []  # one per partnership: posting again changes it


class IncidentPlanViewSet(RiskViewSetBase, TenantModelViewSet):
    model = IncidentResponsePlan
    serializer_class = IncidentPlanSerializer
    filterset_fields = ["partnership"]
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.incident_plan_set(actor=self.request.user, **data)


class WatchItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = WatchItem
        fields = [
            "id",
            "kind",
            "title",
            "description",
            "countries",
            "categories",
            "effective_on",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class WatchItemViewSet(RiskViewSetBase, TenantModelViewSet):
    """Geopolitical and regulatory changes tagged to countries and categories; `exposure` lists
    the partnerships each one exposes."""

    model = WatchItem
    serializer_class = WatchItemSerializer
    guest_partnership_path = None
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.watch_item_create(actor=self.request.user, **data)

    @extend_schema(responses=serializers.ListSerializer(child=serializers.DictField()))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def exposure(self, request, *args, **kwargs):
        return Response(
            [
                {
                    "id": item.pk,
                    "title": item.title,
                    "partnerships": [{"id": p.pk, "name": p.name} for p in exposed],
                }
                for item, exposed in selectors.watch_exposure(membership=self.membership)
            ]
        )
