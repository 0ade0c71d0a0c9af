"""The API base every module's viewsets build on.

`TenantViewSet` starts every query from the request's organization (the scoped manager plus an
explicit filter), restricts partner guests to their partnerships, checks the module permission
with the one helper, and routes writes through the module's services: subclasses implement
`create_object`, `update_object` and `destroy_object` instead of saving serializers.
"""

from typing import Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, permissions, serializers, viewsets

from tenancy.models import User
from tenancy.permissions import has_permission, restrict_for_guest


class TenantPermission(permissions.BasePermission):
    """Role (and for guests, partnership) permission for `<permission_module>.<verb>`."""

    message = "Your role does not allow this."

    def _perm(self, request, view) -> str:
        verb = view.required_verb(request)
        return f"{view.permission_module}.{verb}"

    def has_permission(self, request, view):
        membership = getattr(request._request, "membership", None)
        return has_permission(membership, self._perm(request, view))

    def has_object_permission(self, request, view, obj):
        membership = getattr(request._request, "membership", None)
        return has_permission(membership, self._perm(request, view), obj)


class TenantViewSet(viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, TenantPermission]
    model: Any = None  # the TenantModel this viewset serves
    permission_module: str = ""
    # Path from this model to its partnership, for guests ("" = the model is Partnership;
    # None = guests never see this model).
    guest_partnership_path: str | None = "partnership"
    # Verbs by action; unsafe methods default to "change".
    action_verbs: dict[str, str] = {}

    def required_verb(self, request) -> str:
        if self.action in self.action_verbs:
            return self.action_verbs[self.action]
        return "view" if request.method in permissions.SAFE_METHODS else "change"

    @property
    def organization(self):
        return cast(Any, self.request._request).organization  # set by TenantMiddleware

    @property
    def membership(self):
        return cast(Any, self.request._request).membership

    def tenant_queryset(self):
        """The module's base query (a selector, usually); scoping is added by get_queryset."""
        return self.model.objects.all()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request tenant
            return self.model.unscoped_objects.none()
        queryset = self.tenant_queryset().filter(organization=self.organization)
        return restrict_for_guest(queryset, self.membership, self.guest_partnership_path)

    def perform_create(self, serializer):
        serializer.instance = self.create_object(serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self.update_object(serializer.instance, serializer.validated_data)

    def perform_destroy(self, instance):
        self.destroy_object(instance)

    def create_object(self, data):
        raise NotImplementedError

    def update_object(self, instance, data):
        raise NotImplementedError

    def destroy_object(self, instance):
        raise NotImplementedError


# TenantViewSet comes first so that its perform_* (which call services) win over the mixins'
# (which would save serializers directly).
class TenantModelViewSet(
    TenantViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    pass


class TenantReadOnlyViewSet(TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    pass


class TenantRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key in a request body, resolved inside the current organization only: another
    tenant's id is "does not exist", exactly like an id that was never used."""

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("queryset", None)
        if kwargs.get("read_only"):
            kwargs.pop("queryset")
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.all()


@extend_schema_field(OpenApiTypes.INT)
class TenantIdField(TenantRelatedField):
    """A `TenantRelatedField` typed as an integer id in the schema, for plain serializers that
    have no model field to derive the type from: `partnership = TenantIdField(Partnership)`."""


@extend_schema_field(OpenApiTypes.INT)
class MemberField(serializers.PrimaryKeyRelatedField):
    """A user id that must be an active member of the request's organization. Anyone else is
    "does not exist", so the API never reveals which user ids exist in other organizations."""

    def get_queryset(self):
        return User.objects.filter(
            memberships__organization=self.context["request"]._request.organization,
            memberships__is_active=True,
        )
