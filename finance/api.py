"""REST API of the finance module: cost pools (with their allocation as CSV), the savings
ledger (verify, dispute, resubmit, accept; CSV export), gain-share statements (issue, paid;
CSV), rebate schemes with their tiers and monthly volumes (corrected and deleted with a
reason; CSV of the rebate statement) and the exchange rates (CSV import).

Thin: parse, call one service or selector, render. A partner guest sees their partnerships'
rows; the buyer's internal note and the competition-law review are not in what they get.
"""

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from finance import exports, selectors, services
from finance.models import (
    CostPool,
    FxRate,
    GainShareStatement,
    Party,
    RebateScheme,
    RebateTier,
    SavingsEntry,
    VolumeEntry,
)
from innovation.models import ImprovementInitiative
from partnerships.models import Partnership
from tenancy.api import (
    ReasonedDeleteViewSet,
    TenantRelatedField,
    TenantViewSet,
    VersionedCreateMixin,
    VersionedRetrieveMixin,
)
from tenancy.permissions import has_permission

CSV = "text/csv; charset=utf-8"


def _csv(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type=CSV)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class FinanceViewSet(
    TenantViewSet, mixins.ListModelMixin, VersionedRetrieveMixin, VersionedCreateMixin
):
    """The ledger (savings, statements, rates) is written once and moved by actions, never
    edited or deleted; the cost model and the rebate set-up are corrected with
    `CorrectableViewSet`."""

    permission_module = "finance"
    http_method_names = ["get", "post", "head", "options"]


class CorrectableViewSet(ReasonedDeleteViewSet):
    """The cost model and the rebate set-up: PUT/PATCH corrects through the service (which
    checks the rules); DELETE needs `?reason=`, kept in the audit log."""

    permission_module = "finance"


# -- cost pools ----------------------------------------------------------------------------


class CostPoolSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)

    class Meta:
        model = CostPool
        fields = [
            "id",
            "partnership",
            "name",
            "period_start",
            "kind",
            "basis",
            "amount",
            "currency",
            "buyer_driver",
            "partner_driver",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class CostPoolViewSet(CorrectableViewSet):
    model = CostPool
    serializer_class = CostPoolSerializer
    filterset_fields = ["partnership", "period_start"]
    create_only_fields = ("partnership",)

    def tenant_queryset(self):
        return selectors.cost_pool_list(membership=self.membership)

    def create_object(self, data):
        return services.cost_pool_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        fields = {k: v for k, v in data.items() if k != "partnership"}
        return services.cost_pool_update(actor=self.request.user, pool=instance, **fields)

    def destroy_object(self, instance):
        services.cost_pool_delete(
            actor=self.request.user, pool=instance, reason=self.deletion_reason()
        )

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"], url_path="allocation-csv")
    def allocation_csv(self, request, *args, **kwargs):
        """The allocation statement of this pool's partnership and month, as CSV."""
        pool = self.get_object()
        statement = selectors.allocation_statement(
            partnership=pool.partnership, period_start=pool.period_start
        )
        header, rows = exports.allocation_rows(statement)
        return _csv(exports.csv_text(header, rows), f"allocation-{pool.period_start:%Y-%m}.csv")


# -- savings -------------------------------------------------------------------------------


class SavingsEntrySerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    # Blank until the other party has verified or disputed the claim.
    verified_by_party = serializers.ChoiceField(
        choices=Party.choices, allow_blank=True, read_only=True
    )
    initiative = TenantRelatedField(ImprovementInitiative, required=False, allow_null=True)

    class Meta:
        model = SavingsEntry
        fields = [
            "id",
            "partnership",
            "title",
            "category",
            "period_start",
            "currency",
            "baseline_price",
            "actual_price",
            "volume",
            "baseline_volume",
            "index_base",
            "index_actual",
            "fx_base",
            "fx_actual",
            "gross_amount",
            "net_amount",
            "initiative",
            "implementation_cost",
            "claimed_by_party",
            "claimed_at",
            "status",
            "verified_by_party",
            "verified_at",
            "evidence",
            "dispute_reason",
            "internal_note",
            "statement",
        ]
        read_only_fields = [
            "gross_amount",
            "net_amount",
            "claimed_by_party",
            "claimed_at",
            "status",
            "verified_by_party",
            "verified_at",
            "evidence",
            "dispute_reason",
            "statement",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        membership = getattr(getattr(request, "_request", None), "membership", None)
        if membership is None or membership.is_guest:
            data.pop("internal_note", None)  # the buyer's note is never the partner's
        return data


class SavingsVerifySerializer(serializers.Serializer):
    evidence = serializers.CharField(allow_blank=True)


class SavingsDisputeSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class SavingsStepSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="Why: the step is not undone.")


class StatementStepSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True, help_text="Why it is issued, or the payment reference of the payout."
    )


SAVINGS_CSV = ["id", "partnership", "title", "month", "category", "currency", "net", "status"]


class SavingsEntryViewSet(FinanceViewSet):
    """Savings claimed by one party, verified or disputed by the other (never by itself)."""

    model = SavingsEntry
    serializer_class = SavingsEntrySerializer
    filterset_fields = ["partnership", "status", "category"]
    action_verbs = {
        "create": "claim",
        "resubmit": "claim",
        "verify": "verify",
        "dispute": "verify",
        "accept": "verify",
        "export": "view",
    }

    def tenant_queryset(self):
        return selectors.savings_list(membership=self.membership)

    def create_object(self, data):
        # A guest claims only on a partnership they were invited to; any other is unknown.
        if not has_permission(self.membership, "finance.claim", data["partnership"]):
            raise serializers.ValidationError({"partnership": ["This partnership does not exist."]})
        return services.savings_record(actor=self.request.user, now=timezone.now(), **data)

    def _render(self, entry):
        return Response(self.get_serializer(self.reread(entry)).data)

    @extend_schema(request=SavingsVerifySerializer, responses=SavingsEntrySerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, *args, **kwargs):
        entry = self.get_object()  # another organization's id is a 404 before any 400
        body = SavingsVerifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.savings_verify(
            entry=entry,
            actor=request.user,
            now=timezone.now(),
            evidence=body.validated_data["evidence"],
        )
        return self._render(entry)

    @extend_schema(request=SavingsDisputeSerializer, responses=SavingsEntrySerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request, *args, **kwargs):
        entry = self.get_object()  # another organization's id is a 404 before any 400
        body = SavingsDisputeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.savings_dispute(
            entry=entry,
            actor=request.user,
            now=timezone.now(),
            reason=body.validated_data["reason"],
        )
        return self._render(entry)

    @extend_schema(request=None, responses=SavingsEntrySerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, *args, **kwargs):
        entry = services.savings_resubmit(
            entry=self.get_object(), actor=request.user, now=timezone.now()
        )
        return self._render(entry)

    @extend_schema(request=SavingsStepSerializer, responses=SavingsEntrySerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        entry = self.get_object()
        body = SavingsStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.savings_accept(
            entry=entry, actor=request.user, now=timezone.now(), **body.validated_data
        )
        return self._render(entry)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"])
    def export(self, request, *args, **kwargs):
        """The (filtered) savings ledger as CSV."""
        queryset = self.filter_queryset(self.get_queryset()).order_by("pk")[:10000]
        rows = [
            [
                s.pk,
                s.partnership.name,
                s.title,
                s.period_start.strftime("%Y-%m"),
                s.get_category_display(),
                s.currency,
                s.net_amount,
                s.get_status_display(),
            ]
            for s in queryset
        ]
        return _csv(exports.csv_text(SAVINGS_CSV, rows), "savings.csv")


# -- gain-share statements -----------------------------------------------------------------


class GainShareStatementSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)

    class Meta:
        model = GainShareStatement
        fields = [
            "id",
            "partnership",
            "period_start",
            "period_end",
            "currency",
            "verified_savings",
            "base_share",
            "adjustment",
            "adjustment_points",
            "standing",
            "payout",
            "limited_by",
            "status",
            "created_at",
            "paid_on",
        ]
        read_only_fields = [
            "currency",
            "verified_savings",
            "base_share",
            "adjustment",
            "adjustment_points",
            "standing",
            "payout",
            "limited_by",
            "status",
            "created_at",
            "paid_on",
        ]


class GainShareStatementViewSet(FinanceViewSet):
    """Payout statements from verified savings: draft → issued → paid."""

    model = GainShareStatement
    serializer_class = GainShareStatementSerializer
    filterset_fields = ["partnership", "status"]

    def tenant_queryset(self):
        return selectors.statement_list(membership=self.membership)

    def create_object(self, data):
        return services.gain_share_statement_create(
            actor=self.request.user, now=timezone.now(), **data
        )

    def _move(self, status_):
        statement = self.get_object()
        body = StatementStepSerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        statement = services.gain_share_statement_transition(
            statement=statement,
            actor=self.request.user,
            status=status_,
            today=timezone.localdate(),
            reason=body.validated_data["reason"],
        )
        return Response(self.get_serializer(statement).data)

    @extend_schema(request=StatementStepSerializer, responses=GainShareStatementSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, *args, **kwargs):
        return self._move(GainShareStatement.Status.ISSUED)

    @extend_schema(request=StatementStepSerializer, responses=GainShareStatementSerializer)
    @action(detail=True, methods=["post"])
    def paid(self, request, *args, **kwargs):
        return self._move(GainShareStatement.Status.PAID)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"], url_path="csv")
    def csv_statement(self, request, *args, **kwargs):
        statement = self.get_object()
        header, rows = exports.statement_rows(statement, selectors.statement_savings(statement))
        return _csv(
            exports.csv_text(header, rows), f"gain-share-{statement.period_start:%Y-%m}.csv"
        )


# -- rebates -------------------------------------------------------------------------------


class RebateTierSerializer(serializers.ModelSerializer):
    scheme = TenantRelatedField(RebateScheme)

    class Meta:
        model = RebateTier
        fields = ["id", "scheme", "from_volume", "to_volume", "unit_price"]


class RebateSchemeSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    tiers = RebateTierSerializer(many=True, read_only=True)

    class Meta:
        model = RebateScheme
        fields = [
            "id",
            "partnership",
            "name",
            "kind",
            "year_start",
            "currency",
            "unit",
            "competition_law_note",
            "tiers",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        membership = getattr(getattr(request, "_request", None), "membership", None)
        if membership is None or membership.is_guest:
            data.pop("competition_law_note", None)  # the buyer's review stays the buyer's
        return data


class RebateSchemeViewSet(CorrectableViewSet):
    model = RebateScheme
    serializer_class = RebateSchemeSerializer
    filterset_fields = ["partnership", "kind"]
    create_only_fields = ("partnership",)

    def tenant_queryset(self):
        return selectors.rebate_scheme_list(membership=self.membership)

    def create_object(self, data):
        return services.rebate_scheme_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.rebate_scheme_update(actor=self.request.user, scheme=instance, **data)

    def destroy_object(self, instance):
        services.rebate_scheme_delete(
            actor=self.request.user, scheme=instance, reason=self.deletion_reason()
        )

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"], url_path="csv")
    def csv_statement(self, request, *args, **kwargs):
        scheme = self.get_object()
        position = selectors.rebate_position(scheme=scheme, today=timezone.localdate())
        header, rows = exports.rebate_rows(position)
        return _csv(exports.csv_text(header, rows), f"rebate-{scheme.pk}.csv")


class RebateTierViewSet(CorrectableViewSet):
    """The tiers of the rebate schemes: add, correct, remove (with a reason)."""

    model = RebateTier
    serializer_class = RebateTierSerializer
    guest_partnership_path = "scheme__partnership"
    filterset_fields = ["scheme"]
    create_only_fields = ("scheme",)

    def tenant_queryset(self):
        return selectors.rebate_tier_list(membership=self.membership)

    def create_object(self, data):
        return services.rebate_tier_add(
            actor=self.request.user,
            scheme=data["scheme"],
            from_volume=data["from_volume"],
            to_volume=data.get("to_volume"),
            unit_price=data["unit_price"],
        )

    def update_object(self, instance, data):
        fields = {k: v for k, v in data.items() if k != "scheme"}
        return services.rebate_tier_update(actor=self.request.user, tier=instance, **fields)

    def destroy_object(self, instance):
        services.rebate_tier_remove(
            actor=self.request.user, tier=instance, reason=self.deletion_reason()
        )


class VolumeEntrySerializer(serializers.ModelSerializer):
    scheme = TenantRelatedField(RebateScheme)

    class Meta:
        model = VolumeEntry
        fields = ["id", "scheme", "period_start", "volume", "source"]
        read_only_fields = ["source"]


class VolumeEntryViewSet(CorrectableViewSet):
    """The monthly volumes of the rebate schemes: record, correct, remove (with a reason).
    Volumes taken from the EDI invoices follow the invoices: correcting one is a 409."""

    model = VolumeEntry
    serializer_class = VolumeEntrySerializer
    guest_partnership_path = "scheme__partnership"
    filterset_fields = ["scheme", "period_start"]
    create_only_fields = ("scheme", "period_start")

    def tenant_queryset(self):
        return selectors.volume_list(membership=self.membership)

    def create_object(self, data):
        return services.volume_record(
            actor=self.request.user,
            scheme=data["scheme"],
            period_start=data["period_start"],
            volume=data["volume"],
        )

    def update_object(self, instance, data):
        return services.volume_update(
            actor=self.request.user, entry=instance, volume=data.get("volume", instance.volume)
        )

    def destroy_object(self, instance):
        services.volume_remove(
            actor=self.request.user, entry=instance, reason=self.deletion_reason()
        )


# -- exchange rates ------------------------------------------------------------------------


class FxRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = FxRate
        fields = ["id", "currency", "quote_currency", "period_start", "rate"]
        validators = []  # posting a month again replaces its rate


class FxRateImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV: currency, quote_currency, month, rate.")


class FxRateViewSet(FinanceViewSet):
    """The organization's rates table (internal: guests see none of it)."""

    model = FxRate
    serializer_class = FxRateSerializer
    guest_partnership_path = None
    filterset_fields = ["currency", "quote_currency", "period_start"]

    def tenant_queryset(self):
        return selectors.fx_rate_list(membership=self.membership)

    def create_object(self, data):
        return services.fx_rate_set(actor=self.request.user, **data)

    @extend_schema(request=FxRateImportSerializer, responses={201: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"], url_path="import")
    def import_csv(self, request, *args, **kwargs):
        body = FxRateImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            text = body.validated_data["file"].read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise serializers.ValidationError({"file": "The file is not UTF-8 text."}) from error
        count = services.fx_rates_import_csv(actor=request.user, text=text)
        return Response({"imported": count}, status=status.HTTP_201_CREATED)
