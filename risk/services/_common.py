"""Helpers shared by the risk services."""

from django.urls import reverse

from partnerships.models import Partnership
from tenancy.context import require_organization
from tenancy.selectors import accountable


def _url(name: str, *args) -> str:
    return reverse(name, args=[require_organization().slug, *args])


def _recipients(partnership: Partnership, *extra) -> list:
    """Who hears about a partnership's risk events: the partnership's owner (and `extra`) who
    are still members, or the organization's admins when none is."""
    return accountable(partnership.owner, *extra, everyone=True)


def _full_clean(instance, exclude=None) -> None:
    # The organization is set on save from the tenant context; constraints are the database's
    # second wall, the services say what is wrong first.
    instance.full_clean(exclude=[*(exclude or []), "organization"], validate_constraints=False)
