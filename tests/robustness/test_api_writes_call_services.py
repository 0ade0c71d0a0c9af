"""Every API write goes through a service. A viewset that lists DRF's mixins before
`TenantViewSet` gets DRF's `perform_create` / `perform_update` / `perform_destroy`, which save
the serializer straight to the database and skip every rule of the service (a rebate scheme's
currency changed under its priced tiers that way before this test existed)."""

from django.urls import get_resolver

from tenancy.api import TenantViewSet


def _viewsets(resolver=None, found=None):
    found = set() if found is None else found
    for pattern in (resolver or get_resolver()).url_patterns:
        if hasattr(pattern, "url_patterns"):
            _viewsets(pattern, found)
            continue
        view_class = getattr(pattern.callback, "cls", None)
        if view_class is not None and issubclass(view_class, TenantViewSet):
            found.add(view_class)
    return found


def test_no_api_write_saves_a_serializer_past_its_service():
    viewsets = _viewsets()
    assert len(viewsets) > 50  # the walk found the API at all
    bypassing = sorted(
        f"{view_class.__module__}.{view_class.__name__}.{method}"
        for view_class in viewsets
        for method in ("perform_create", "perform_update", "perform_destroy")
        if next(
            owner for owner in view_class.__mro__ if method in owner.__dict__
        ).__module__.startswith("rest_framework")
    )
    assert bypassing == []
