"""Every module's list selectors (`<app>.selectors.*(*, membership)`), asked for a partner
guest while every tenant model has rows (one per status) in partnerships the guest was not
invited to: none of those rows comes back.

The API's viewsets narrow a guest's lists again (`TenantViewSet.get_queryset`) and the pages
ask the same selectors, so a selector that forgot its guest filter could hide behind the
viewset on one route and leak on a page added later. This holds each selector to the rule on
its own. Selectors are discovered, so a new one is covered without editing this file."""

import importlib
import inspect

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


def _list_selectors():
    """(name, function) of every selector whose only required argument is `membership`."""
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
            if required == {"membership"}:
                found.append((f"{app}.selectors.{name}", function))
    return found


SELECTORS = _list_selectors()


def test_the_list_selectors_are_discovered():
    names = {name for name, _ in SELECTORS}
    assert {
        "contracts.selectors.agreement_list",
        "exit_planning.selectors.task_list",
        "performance.selectors.scorecard_list",
    } <= names
    assert len(names) > 40


def _rows(result) -> list:
    if isinstance(result, QuerySet):
        return list(result)
    if isinstance(result, list | tuple):
        return [row for row in result if isinstance(row, Model)]
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
            rows = _rows(selector(membership=guest))
            answered += bool(rows) or isinstance(selector(membership=guest), QuerySet)
            for row in rows:
                partnership = partnership_of(row)
                if partnership is not None and partnership.pk != theirs.pk:
                    leaks.append(f"{name}: {type(row).__name__} {row.pk} of {partnership}")
            COVERAGE["guest list selectors checked"] += 1
        # The same selectors give the owner rows: the check above looked at something.
        owner_membership = Membership.objects.get(organization=org_a, user=owner)
        seen_by_owner = sum(
            1 for _, selector in SELECTORS if _rows(selector(membership=owner_membership))
        )
    assert leaks == []
    assert answered > 30 and seen_by_owner > 30, (answered, seen_by_owner)
