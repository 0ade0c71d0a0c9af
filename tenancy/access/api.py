"""Administration API: members, invitations and the organization's API keys. Org admins only,
except that every member lists and revokes their own keys. Thin: parse, one service, render."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from partnerships.models import Partnership
from tenancy.access import services
from tenancy.access.domains import expected_record
from tenancy.access.selectors import partnership_guests as selectors_partnership_guests
from tenancy.access.selectors import pending_invitations
from tenancy.access.services import MEMBER_ROLES
from tenancy.api import StaffField, TenantViewSet
from tenancy.models import ApiKey, Invitation, Membership, Role, SingleSignOn
from tenancy.permissions import has_permission
from tenancy.selectors import responsibilities_of
from tenancy.services import api_key_revoke, responsibilities_hand_over

ADMIN_ACTIONS = (
    "list",
    "retrieve",
    "create",
    "update",
    "partial_update",
    "deactivate",
    "hand_over",
    "responsibilities",
    "resend",
    "revoke",
)
ADMIN_VERBS = dict.fromkeys(ADMIN_ACTIONS, "admin")


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    # Guests are listed with their role; the service refuses making anyone a guest here.
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "user", "email", "full_name", "role", "role_label", "is_active"]
        read_only_fields = ["id", "user", "email", "full_name", "role_label", "is_active"]


class DeactivateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class HandOverSerializer(serializers.Serializer):
    to_user = StaffField(help_text="The colleague (a user id of the active staff) taking it over.")


class ResponsibilitySerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="What the records are, e.g. “Open risks”.")
    count = serializers.IntegerField()
    moves = serializers.BooleanField(
        required=False,
        help_text="True: moved by hand-over/; false: a seat or role re-staffed on its own page.",
    )


class MemberViewSet(
    TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin
):
    """Members of the organization (partner guests included): change a role, deactivate."""

    model = Membership
    serializer_class = MemberSerializer
    permission_module = "tenancy"
    action_verbs = ADMIN_VERBS
    guest_partnership_path = None
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return (
            Membership.objects.filter(organization=self.organization)
            .select_related("user")
            .order_by("user__email")
        )

    def update_object(self, instance, data):
        if "role" not in data:  # a PATCH that changes nothing answers the member as it is
            return instance
        return services.membership_change_role(
            membership=instance, role=data["role"], actor=self.request.user
        )

    @extend_schema(request=DeactivateSerializer, responses=MemberSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        membership = self.get_object()
        body = DeactivateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.membership_deactivate(
            membership=membership,
            actor=request.user,
            reason=body.validated_data["reason"],
            now=timezone.now(),
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(request=None, responses=ResponsibilitySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def responsibilities(self, request, *args, **kwargs):
        """What the member still answers for, by kind: the open work a hand-over moves, then
        the seats and roles to re-staff on their own pages; empty for a partner guest."""
        membership = self.get_object()
        if membership.is_guest:
            return Response([])
        return Response(
            [
                {"kind": label, "count": count, "moves": moves}
                for moves in (True, False)
                for label, count in responsibilities_of(user=membership.user, moves=moves)
            ]
        )

    @extend_schema(request=HandOverSerializer, responses=ResponsibilitySerializer(many=True))
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request, *args, **kwargs):
        """Hand everything the member still answers for to one colleague (what moved, by
        kind); 409 for a partner guest."""
        membership = self.get_object()
        body = HandOverSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        moved = responsibilities_hand_over(
            organization=self.organization,
            from_user=membership.user,
            to_user=body.validated_data["to_user"],
            actor=request.user,
        )
        return Response([{"kind": label, "count": count} for label, count in moved])


class InvitationSerializer(serializers.ModelSerializer):
    # Any role may be shown (partner guests' invitations too); a member invitation through
    # this API may not be a guest's (the service says so: guests are invited to a partnership).
    role = serializers.ChoiceField(choices=Role.choices)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "partnership",
            "status",
            "status_label",
            "created_at",
            "expires_at",
            "accepted_at",
        ]
        read_only_fields = [
            "id",
            "partnership",
            "status",
            "status_label",
            "created_at",
            "expires_at",
            "accepted_at",
        ]


class InvitationViewSet(
    TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """Invitations to join the organization (partner guests are invited from a partnership's
    page). The link goes by e-mail to the invitee only; the API never returns it."""

    model = Invitation
    serializer_class = InvitationSerializer
    permission_module = "tenancy"
    action_verbs = ADMIN_VERBS
    guest_partnership_path = None
    filterset_fields = ["status", "email"]

    def tenant_queryset(self):
        return Invitation.objects.select_related("partnership").order_by("-created_at")

    def create_object(self, data):
        return services.member_invite(
            organization=self.organization,
            email=data["email"],
            role=data["role"],
            actor=self.request.user,
            now=timezone.now(),
        )

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request, *args, **kwargs):
        invitation = services.invitation_resend(
            invitation=self.get_object(), actor=request.user, now=timezone.now()
        )
        return Response(InvitationSerializer(invitation).data)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        invitation = services.invitation_revoke(
            invitation=self.get_object(), actor=request.user, now=timezone.now()
        )
        return Response(InvitationSerializer(invitation).data)


class ApiKeySerializer(serializers.ModelSerializer):
    owner = serializers.EmailField(source="user.email", read_only=True)
    scope_label = serializers.CharField(source="get_scope_display", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "owner",
            "prefix",
            "scope",
            "scope_label",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "is_active",
        ]
        read_only_fields = fields


class ApiKeyViewSet(TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """API keys: an org admin sees every key of the organization, anyone else their own.
    Keys are created on the API keys page only (a key never mints another key)."""

    model = ApiKey
    serializer_class = ApiKeySerializer
    permission_classes = [IsAuthenticated]
    guest_partnership_path = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiKey.objects.none()
        keys = (
            ApiKey.objects.filter(organization=self.organization)
            .with_status(now=timezone.now())
            .select_related("user")
        )
        if not has_permission(self.membership, "tenancy.admin"):
            keys = keys.filter(user=self.request.user)
        return keys.order_by("-created_at")

    @extend_schema(request=None, responses=ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        api_key = api_key_revoke(api_key=self.get_object(), actor=request.user, now=timezone.now())
        return Response(ApiKeySerializer(self.get_queryset().get(pk=api_key.pk)).data)


class OrganizationSettingsSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(read_only=True)
    default_currency = serializers.CharField(max_length=3)
    time_zone = serializers.CharField(max_length=64)
    has_logo = serializers.SerializerMethodField()

    def get_has_logo(self, organization) -> bool:
        return bool(organization.logo)


class IsOrganizationAdmin(BasePermission):
    message = "Only an organization admin may do this."

    def has_permission(self, request, view):
        return has_permission(getattr(request._request, "membership", None), "tenancy.admin")


class OrganizationSingletonView(GenericAPIView):
    """Base of the organization's one-of-a-kind resources (settings, single sign-on)."""

    permission_classes = [IsAuthenticated, IsOrganizationAdmin]

    def _organization(self, request):
        return request._request.organization


class OrganizationSettingsView(OrganizationSingletonView):
    """The organization's settings (org admins). The logo is uploaded on the settings page."""

    serializer_class = OrganizationSettingsSerializer

    def get(self, request, *args, **kwargs):
        return Response(OrganizationSettingsSerializer(self._organization(request)).data)

    def patch(self, request, *args, **kwargs):
        organization = self._organization(request)
        body = OrganizationSettingsSerializer(organization, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        values = {
            "name": organization.name,
            "default_currency": organization.default_currency,
            "time_zone": organization.time_zone,
            **body.validated_data,
        }
        organization = services.organization_update_settings(
            organization=organization, actor=request.user, **values
        )
        return Response(OrganizationSettingsSerializer(organization).data)


class SingleSignOnSerializer(serializers.Serializer):
    is_enabled = serializers.BooleanField()
    issuer = serializers.CharField(max_length=300)
    client_id = serializers.CharField(max_length=200)
    client_secret = serializers.CharField(
        max_length=500, write_only=True, required=False, allow_blank=True
    )
    email_domains = serializers.ListField(child=serializers.CharField(max_length=253))
    role_claim = serializers.CharField(max_length=100, allow_blank=True, required=False)
    default_role = serializers.ChoiceField(choices=MEMBER_ROLES)
    allow_jit = serializers.BooleanField()
    verified_domains = serializers.ListField(child=serializers.CharField(), read_only=True)
    domain_record = serializers.SerializerMethodField(
        help_text="The TXT record that proves a domain, published at "
        "`_partnerline-challenge.<domain>`; then POST single-sign-on/verify-domains/."
    )

    def get_domain_record(self, config) -> str:
        return expected_record(config.domain_token)


class SingleSignOnDomainCheckSerializer(serializers.Serializer):
    domains = serializers.DictField(
        child=serializers.CharField(),
        help_text="Per domain: “verified”, “already verified”, or why it is not.",
    )


class SingleSignOnDomainsVerifyView(OrganizationSingletonView):
    """Check the DNS records that prove the organization's single sign-on domains."""

    serializer_class = SingleSignOnDomainCheckSerializer

    @extend_schema(request=None, responses={200: SingleSignOnDomainCheckSerializer})
    def post(self, request, *args, **kwargs):
        found = services.sso_domains_verify(
            organization=self._organization(request), actor=request.user, now=timezone.now()
        )
        return Response({"domains": found})


class SingleSignOnView(OrganizationSingletonView):
    """The organization's OpenID Connect provider (org admins). The secret is write-only."""

    serializer_class = SingleSignOnSerializer

    def get(self, request, *args, **kwargs):
        config = SingleSignOn.objects.filter(organization=self._organization(request)).first()
        if config is None:
            raise NotFound("Single sign-on is not set up.")
        return Response(SingleSignOnSerializer(config).data)

    def put(self, request, *args, **kwargs):
        organization = self._organization(request)
        body = SingleSignOnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data["email_domains"] = ", ".join(data["email_domains"])
        data.setdefault("client_secret", "")
        data.setdefault("role_claim", "")
        config = services.sso_configure(
            organization=organization, actor=request.user, now=timezone.now(), **data
        )
        return Response(SingleSignOnSerializer(config).data)


class PartnerAccessGuestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


class PartnerAccessSerializer(serializers.Serializer):
    partnership = serializers.IntegerField()
    guests = PartnerAccessGuestSerializer(many=True)
    pending_invitations = InvitationSerializer(many=True)


class GuestInviteSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class GuestRemoveSerializer(serializers.Serializer):
    user = serializers.IntegerField()


class PartnerAccessViewSet(TenantViewSet):
    """Who from the partner may open a partnership: list, invite a supplier contact (an
    e-mailed invitation), remove access. For those who may change the partnership; never
    guests."""

    model = Partnership
    serializer_class = PartnerAccessSerializer
    permission_module = "partnerships"
    action_verbs = {"retrieve": "change", "invite": "change", "remove": "change"}
    guest_partnership_path = ""

    def tenant_queryset(self):
        return self.model.objects.all()

    def _access(self, partnership):
        guests = selectors_partnership_guests(partnership=partnership)
        return {
            "partnership": partnership.pk,
            "guests": [{"id": g.pk, "email": g.email, "full_name": g.full_name} for g in guests],
            "pending_invitations": InvitationSerializer(
                pending_invitations(partnership=partnership), many=True
            ).data,
        }

    def retrieve(self, request, *args, **kwargs):
        return Response(self._access(self.get_object()))

    @extend_schema(request=GuestInviteSerializer, responses={201: PartnerAccessSerializer})
    @action(detail=True, methods=["post"])
    def invite(self, request, *args, **kwargs):
        partnership = self.get_object()
        body = GuestInviteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.member_invite(
            organization=self.organization,
            email=body.validated_data["email"],
            role=Role.PARTNER_GUEST,
            partnership=partnership,
            actor=request.user,
            now=timezone.now(),
        )
        return Response(self._access(partnership), status=201)

    @extend_schema(request=GuestRemoveSerializer, responses=PartnerAccessSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, *args, **kwargs):
        partnership = self.get_object()
        body = GuestRemoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        guest = next(
            (
                g
                for g in selectors_partnership_guests(partnership=partnership)
                if g.pk == body.validated_data["user"]
            ),
            None,
        )
        if guest is None:
            raise ValidationError({"user": ["This person has no access to this partnership."]})
        services.partnership_guest_remove(
            partnership=partnership, guest=guest, actor=request.user, now=timezone.now()
        )
        return Response(self._access(partnership))
