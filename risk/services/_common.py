"""Helpers shared by the risk services."""

from django.urls import reverse

from partnerships.models import Partnership
from tenancy.context import require_organization
from tenancy.models import Membership, Role


def _url(name: str, *args) -> str:
    return reverse(name, args=[require_organization().slug, *args])


def _recipients(partnership: Partnership, *extra) -> list:
    """Who hears about a partnership's risk events: the partnership's owner (and `extra`), or
    the organization's admins when nobody owns it."""
    users = [u for u in (partnership.owner, *extra) if u is not None]
    if users:
        return users
    return [
        m.user
        for m in Membership.objects.filter(
            organization=require_organization(), role=Role.ORG_ADMIN, is_active=True
        ).select_related("user")
    ]


def _full_clean(instance, exclude=None) -> None:
    # The organization is set on save from the tenant context; constraints are the database's
    # second wall, the services say what is wrong first.
    instance.full_clean(exclude=[*(exclude or []), "organization"], validate_constraints=False)
