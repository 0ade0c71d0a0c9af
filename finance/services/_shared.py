"""Helpers the finance services share: the party the actor acts for (innovation uses it too),
the month a day falls in, and the field checks."""

from datetime import date

from finance.models import Party
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import Membership


def month_start(day: date) -> date:
    return day.replace(day=1)


def party_of(actor) -> str:
    """The party the actor acts for in the current organization."""
    membership = Membership.objects.filter(
        organization=require_organization(), user=actor, is_active=True
    ).first()
    if membership is None:
        raise ConflictError("You are not a member of this organization.", code="not_member")
    return Party.PARTNER if membership.is_guest else Party.BUYER


def _full_clean(obj, exclude=None) -> None:
    # The organization is set on save from the tenant context; constraints are the database's
    # second wall, the services say what is wrong first.
    obj.full_clean(exclude=[*(exclude or []), "organization"], validate_constraints=False)


def _not_negative(errors: dict, **values) -> None:
    for name, value in values.items():
        if value is not None and value < 0:
            errors[name] = "This cannot be negative."
