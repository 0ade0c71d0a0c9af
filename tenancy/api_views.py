"""Tenancy endpoints: the caller's organizations, the audit trail, notifications."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action, api_view
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from tenancy.api import TenantReadOnlyViewSet
from tenancy.models import AuditEvent, Notification
from tenancy.sessions import session_memberships


class OrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    role = serializers.CharField()
    api_base = serializers.CharField()


class OrganizationListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = OrganizationSerializer(many=True)


@extend_schema(responses=OrganizationListSerializer)
@api_view(["GET"])
def organization_list(request):
    """The organizations the caller belongs to (an API key: only its own)."""
    memberships = session_memberships(request._request)
    api_key = getattr(request._request, "api_key", None)
    if api_key is not None:
        memberships = [m for m in memberships if m.organization_id == api_key.organization_id]
    data = [
        {
            "id": m.organization.pk,
            "slug": m.organization.slug,
            "name": m.organization.name,
            "role": m.role,
            "api_base": f"/api/v1/o/{m.organization.slug}/",
        }
        for m in memberships
    ]
    return Response({"count": len(data), "results": data})


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "sequence",
            "actor",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "created_at",
            "hash",
        ]


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = AuditEvent
        fields = ["action", "object_type", "object_id"]


class ChainStatusSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    events_checked = serializers.IntegerField()
    first_broken_sequence = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)


class AuditEventViewSet(TenantReadOnlyViewSet):
    """The organization's audit trail (organization admins only), newest first."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    permission_module = "tenancy"
    action_verbs = {"list": "audit", "retrieve": "audit", "verification": "audit"}
    guest_partnership_path = None
    filterset_class = AuditEventFilter

    def tenant_queryset(self):
        return AuditEvent.objects.order_by("-sequence")

    @extend_schema(responses=ChainStatusSerializer, filters=False)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def verification(self, request, *args, **kwargs):
        """Whether the hash chain is intact (recomputed when an event was added)."""
        from tenancy.access.selectors import audit_chain_status

        return Response(audit_chain_status(organization=self.organization))


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "created_at", "read_at"]


class NotificationViewSet(TenantReadOnlyViewSet):
    """The caller's own notifications in this organization."""

    model = Notification
    serializer_class = NotificationSerializer
    # The queryset is the caller's own notifications: no role or partnership check needed.
    permission_classes = [IsAuthenticated]
    guest_partnership_path = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.unscoped_objects.none()
        return self.tenant_queryset().filter(organization=self.organization)

    def tenant_queryset(self):
        return Notification.objects.filter(recipient=self.request.user).order_by("-created_at")
