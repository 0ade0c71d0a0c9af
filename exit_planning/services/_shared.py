"""Helpers the exit_planning services share: page links, who hears about an exit, and the
plan's lifecycle move."""

from django.urls import reverse

from exit_planning.models import EXIT_PLAN_LIFECYCLE, ExitPlan
from tenancy.context import require_organization
from tenancy.models import User
from tenancy.selectors import accountable


def _url(name: str, *args) -> str:
    return reverse(name, args=[require_organization().slug, *args])


def _plan_url(plan: ExitPlan) -> str:
    return _url("partnership-exit", plan.partnership_id)


def _full_clean(instance, exclude=None) -> None:
    instance.full_clean(exclude=[*(exclude or []), "organization"], validate_constraints=False)


def _owners(plan: ExitPlan) -> list[User]:
    """Who hears about an exit: the plan's owner, the partnership's owner and executive
    sponsor who are still members, or the organization's admins when none is."""
    partnership = plan.partnership
    return accountable(plan.owner, partnership.owner, partnership.executive_sponsor, everyone=True)


def _plan_move(plan: ExitPlan, status: str) -> None:
    EXIT_PLAN_LIFECYCLE.check(plan.status, status)
    plan.status = status
    plan.save(update_fields=["status", "updated_at"])
