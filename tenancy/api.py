"""The API base every module's viewsets build on.

`TenantViewSet` starts every query from the request's organization (the scoped manager plus an
explicit filter), restricts partner guests to their partnerships, checks the module permission
with the one helper, and routes writes through the module's services: subclasses implement
`create_object`, `update_object` and `destroy_object` instead of saving serializers.

Lost updates: every write to one object (PUT, PATCH, DELETE, detail actions) first locks the
row (SELECT ... FOR UPDATE) and reads it after the lock, and the services apply only the fields
the request changed (`tenancy.audit.changed_fields`), so two clients editing different fields of
one record both keep their change. A client that must not overwrite a change it has not seen
sends the `ETag` of its last read back as `If-Match`; a stale one is a 409 (docs/api.md).
"""

import contextlib
import hashlib
import json
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django_filters import rest_framework as django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.response import Response

from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.permissions import has_permission, restrict_for_guest


def representation_etag(data) -> str:
    """A strong ETag over what the client was shown: any change to the record changes it."""
    canonical = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def organization_members(organization):
    return User.objects.filter(
        memberships__organization=organization, memberships__is_active=True
    ).distinct()


class TenantFilterBackend(django_filters.DjangoFilterBackend):
    """django-filter, with every user filter (`?owner=`, `?author=` ...) limited to the
    organization's members: another organization's user id is refused exactly like an id that
    was never used, so filters do not reveal which ids exist elsewhere."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        organization = getattr(request._request, "organization", None)
        if filterset is None or organization is None:
            return filterset
        for filter_ in filterset.filters.values():
            if getattr(getattr(filter_, "queryset", None), "model", None) is User:
                filter_.queryset = organization_members(organization)
        return filterset


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
    filter_backends = [TenantFilterBackend]
    # Fields a client sets on create and never changes (a KPI's partnership): an update that
    # sends another value is refused (400) instead of silently ignored.
    create_only_fields: tuple[str, ...] = ()

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

    def get_object(self):
        """The object of the URL. A write first locks its row, so the read below (and the
        service's) sees every change committed before, and no other write interleaves."""
        if self.request.method not in permissions.SAFE_METHODS and not getattr(
            self, "swagger_fake_view", False
        ):
            lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
            value = self.kwargs.get(lookup_url_kwarg)
            if value is not None:
                # Not an id at all (TypeError...): the lookup below answers 404.
                with contextlib.suppress(TypeError, ValueError, DjangoValidationError):
                    list(
                        self.model.objects.select_for_update()
                        .filter(organization=self.organization, **{self.lookup_field: value})
                        .values_list("pk", flat=True)
                    )
        return super().get_object()

    def check_if_match(self, instance) -> None:
        """Refuse a write based on a stale read: `If-Match` must be the current ETag."""
        expected = self.request.headers.get("If-Match")
        if not expected or expected.strip() == "*":
            return
        current = representation_etag(self.get_serializer(instance).data)
        offered = [tag.strip().removeprefix("W/") for tag in expected.split(",")]
        if current not in offered:
            raise ConflictError(
                "This record was changed by someone else since you read it. "
                "Reload it and apply your change again.",
                code="stale",
            )

    def check_create_only_fields(self, instance, data) -> None:
        errors = {
            name: ["This is set when the record is created and cannot be changed."]
            for name in self.create_only_fields
            if name in data and data[name] != getattr(instance, name)
        }
        if errors:
            raise serializers.ValidationError(errors)

    def reread(self, instance):
        """The object as a list or detail read shows it (with the selector's annotations),
        for the response of a write; the instance itself if it is no longer visible."""
        if instance is None or instance.pk is None:
            return instance
        return self.get_queryset().filter(pk=instance.pk).first() or instance

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


class VersionedRetrieveMixin(mixins.RetrieveModelMixin):
    """A detail read carries an `ETag` header (the version to send back as `If-Match`)."""

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if response.status_code == 200:
            response["ETag"] = representation_etag(response.data)
        return response


class VersionedCreateMixin(mixins.CreateModelMixin):
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        data = self.get_serializer(self.reread(serializer.instance)).data
        return Response(data, status=201, headers={"ETag": representation_etag(data)})


class VersionedUpdateMixin(mixins.UpdateModelMixin):
    """PUT/PATCH on a locked, freshly read row; `If-Match` (optional) must match its ETag."""

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        self.check_if_match(instance)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.check_create_only_fields(instance, serializer.validated_data)
        self.perform_update(serializer)
        data = self.get_serializer(self.reread(serializer.instance)).data
        return Response(data, headers={"ETag": representation_etag(data)})


class VersionedDestroyMixin(mixins.DestroyModelMixin):
    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        self.check_if_match(instance)
        self.perform_destroy(instance)
        return Response(status=204)


# TenantViewSet comes first so that its perform_* (which call services) win over the mixins'
# (which would save serializers directly).
class TenantModelViewSet(
    TenantViewSet,
    mixins.ListModelMixin,
    VersionedRetrieveMixin,
    VersionedCreateMixin,
    VersionedUpdateMixin,
    VersionedDestroyMixin,
):
    pass


class TenantReadOnlyViewSet(TenantViewSet, mixins.ListModelMixin, VersionedRetrieveMixin):
    pass


DELETION_REASON = OpenApiParameter(
    "reason", str, required=True, description="Why it is deleted; kept in the audit log."
)


class ReasonedDeleteViewSet(TenantModelViewSet):
    """A model viewset whose DELETE needs `?reason=`, as the page's confirmation does: the
    service refuses a blank reason (400 on `reason`) and keeps it in the audit log."""

    @extend_schema(
        parameters=[DELETION_REASON], responses={204: None, 400: dict, 404: dict, 409: dict}
    )
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def deletion_reason(self) -> str:
        return self.request.query_params.get("reason", "")


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
        return organization_members(self.context["request"]._request.organization)


@extend_schema_field(OpenApiTypes.INT)
class StaffField(MemberField):
    """A user id that must be one of the organization's own active staff: whom the pages offer
    as an owner, reviewer or sponsor (`tenancy.selectors.people_to_pick`). A partner guest is
    the supplier's employee and never owns the buyer's records (an owner is told of them)."""

    def get_queryset(self):
        from tenancy.selectors import people_to_pick

        return people_to_pick(organization=self.context["request"]._request.organization)
