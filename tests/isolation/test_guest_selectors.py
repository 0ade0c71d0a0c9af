"""Every module's list selectors (`<app>.selectors.*(*, membership)`), asked for a partner
guest while every tenant model has rows (one per status) in partnerships the guest was not
invited to: none of those rows comes back.

The API's viewsets narrow a guest's lists again (`TenantViewSet.get_queryset`) and the pages
ask the same selectors, so a selector that forgot its guest filter could hide behind the
viewset on one route and leak on a page added later. This holds each selector to the rule on
its own. Selectors are discovered, so a new one is covered without editing this file."""

import importlib
import inspect
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime

import pytest
from django.db.models import Model, QuerySet

from partnerships.models import Partnership
from tenancy.context import tenant_scope
from tenancy.models import Membership, Role
from tenancy.modules import MODULES
from tenancy.permissions import partnership_of
from tests.isolation.conftest import COVERAGE
from tests.isolation.guests import make_guest_world, rows_elsewhere

pytestmark = [pytest.mark.django_db, pytest.mark.heavy(seconds=30)]


# What the other arguments a list selector may require are given (a wide window of dates).
ARGUMENTS = {
    "today": date(2026, 11, 28),
    "until": date(2100, 1, 1),
    "now": datetime(2026, 11, 28, 9, 0, tzinfo=UTC),
    "text": "",
}


def _list_selectors():
    """(name, function) of every selector that takes `membership` and otherwise only arguments
    of `ARGUMENTS` (not those of one object: a clause, a plan, a partnership)."""
    found = []
    apps = ["tenancy", *(module.app for module in MODULES.values())]
    for app in dict.fromkeys(apps):
        try:
            module = importlib.import_module(f"{app}.selectors")
        except ModuleNotFoundError:
            continue
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            required = {
                parameter.name
                for parameter in inspect.signature(function).parameters.values()
                if parameter.default is inspect.Parameter.empty
            }
            parameters = inspect.signature(function).parameters
            if "membership" in parameters and required <= {"membership", *ARGUMENTS}:
                found.append((f"{app}.selectors.{name}", function))
    return found


SELECTORS = _list_selectors()


def test_the_list_selectors_are_discovered():
    names = {name for name, _ in SELECTORS}
    assert {
        "contracts.selectors.agreement_list",
        "exit_planning.selectors.task_list",
        "performance.selectors.scorecard_list",
        "contracts.selectors.contract_calendar",
        "governance.selectors.inbox",
        "risk.selectors.portfolio_risk",
    } <= names
    assert len(names) > 40


def _call(selector, membership):
    parameters = inspect.signature(selector).parameters
    return selector(
        membership=membership, **{k: v for k, v in ARGUMENTS.items() if k in parameters}
    )


def _rows(result) -> list:
    """The model rows in a selector's answer: a queryset, a list, a dict or dataclass of lists
    (an inbox, a portfolio), or rows that carry the model they are about (a calendar's
    milestones)."""
    if isinstance(result, QuerySet):
        return list(result)
    if isinstance(result, Model):
        return [result]
    if isinstance(result, dict):
        return [row for value in result.values() for row in _rows(value)]
    if is_dataclass(result) and not isinstance(result, type):
        return [row for f in fields(result) for row in _rows(getattr(result, f.name))]
    if isinstance(result, list | tuple):
        found = []
        for item in result:
            if isinstance(item, Model):
                found.append(item)
            elif is_dataclass(item):  # a conflict between two rows, a duty, a milestone
                found += _rows(item)
            else:
                found += [
                    getattr(item, about)
                    for about in ("agreement", "obligation", "partnership", "plan", "sla")
                    if isinstance(getattr(item, about, None), Model)
                ]
        return found
    return []


def test_no_list_selector_gives_a_guest_a_row_of_a_partnership_they_were_not_invited_to(
    org_a, owner, make_member
):
    make_guest_world(org_a, owner, make_member)
    guest = Membership.objects.get(organization=org_a, role=Role.PARTNER_GUEST)
    with tenant_scope(org_a):
        theirs = Partnership.objects.get(name="Guest's own partnership")
        rows_elsewhere(org_a, owner)
        leaks, answered = [], 0
        for name, selector in SELECTORS:
            try:
                result = _call(selector, guest)
            except PermissionError:  # refuses a guest outright ("never the risk register")
                COVERAGE["guest list selectors refusing guests"] += 1
                continue
            rows = _rows(result)
            answered += bool(rows) or isinstance(result, QuerySet)
            for row in rows:
                partnership = partnership_of(row)
                if partnership is not None and partnership.pk != theirs.pk:
                    leaks.append(f"{name}: {type(row).__name__} {row.pk} of {partnership}")
            COVERAGE["guest list selectors checked"] += 1
        # The same selectors give the owner rows: the check above looked at something.
        owner_membership = Membership.objects.get(organization=org_a, user=owner)
        seen_by_owner = sum(
            1 for _, selector in SELECTORS if _rows(_call(selector, owner_membership))
        )
    assert leaks == []
    assert answered > 30 and seen_by_owner > 30, (answered, seen_by_owner)
