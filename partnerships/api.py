"""REST API of the partnerships module: partners and partnerships."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from partnerships import services
from partnerships.models import Partner, Partnership
from partnerships.selectors import partner_list, partnership_portfolio
from tenancy.api import MemberField, TenantModelViewSet, TenantRelatedField


class PartnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = [
            "id",
            "name",
            "legal_name",
            "country",
            "registration_number",
            "website",
            "category",
            "tier",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        # Uniqueness per organization is checked by the model's full_clean in the service.
        validators = []


class PartnershipSerializer(serializers.ModelSerializer):
    partner = TenantRelatedField(Partner)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    owner = MemberField(required=False, allow_null=True)

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
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]
        validators = []


class PartnershipTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Partnership.Status.choices)


class PartnerViewSet(TenantModelViewSet):
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
        services.partner_delete(partner=instance, actor=self.request.user)


class PartnershipViewSet(TenantModelViewSet):
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
        services.partnership_delete(partnership=instance, actor=self.request.user)

    @extend_schema(request=PartnershipTransitionSerializer, responses=PartnershipSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        """Move the partnership along its lifecycle (409 with the reason when not allowed)."""
        partnership = self.get_object()
        body = PartnershipTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        partnership = services.partnership_transition(
            partnership=partnership, actor=request.user, status=body.validated_data["status"]
        )
        return Response(PartnershipSerializer(partnership, context={"request": request}).data)
