"""Correcting the shared cost model: a cost pool entered wrongly is corrected under the rules
of a new one (its month kept to the first of the month), or deleted with a reason the audit log
keeps; the month's allocation follows, since it is worked out from the pools as they are. The
buyer's finance users do it on the page or through the API; the partner's guest does neither."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import selectors, services
from finance.models import CostPool
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent

pytestmark = pytest.mark.django_db
D = Decimal
JANUARY = date(2030, 1, 1)


def _pool(fin, partnership, **extra):
    fields = {
        "name": "Joint engineering cell",
        "period_start": JANUARY,
        "kind": "fixed",
        "basis": "headcount",
        "amount": D("10000"),
        "currency": "EUR",
        "buyer_driver": D("60"),
        "partner_driver": D("40"),
        **extra,
    }
    return services.cost_pool_create(actor=fin, partnership=partnership, **fields)


def test_a_corrected_pool_changes_the_allocation_and_is_audited(scope, fin, partnership):
    pool = _pool(fin, partnership)
    services.cost_pool_update(
        actor=fin, pool=pool, amount=D("12000"), period_start=date(2030, 1, 20)
    )
    stored = CostPool.objects.get(pk=pool.pk)
    assert (stored.amount, stored.period_start) == (D("12000.00"), JANUARY)
    [row] = selectors.allocation_statement(partnership=partnership, period_start=JANUARY).rows
    assert (row["buyer"].amount, row["partner"].amount) == (D("7200.00"), D("4800.00"))
    [event] = AuditEvent.objects.filter(action="finance.cost_pool.updated")
    assert event.actor == fin
    assert event.changes == {"amount": ["10000.00", "12000"]}  # the 20th is still January
    services.cost_pool_update(actor=fin, pool=pool, period_start=date(2030, 2, 14))
    assert CostPool.objects.get(pk=pool.pk).period_start == date(2030, 2, 1)


def test_an_unchanged_pool_records_nothing(scope, fin, partnership):
    pool = _pool(fin, partnership)
    services.cost_pool_update(actor=fin, pool=pool, name="Joint engineering cell")
    assert not AuditEvent.objects.filter(action="finance.cost_pool.updated").exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": D("-1")}, {"amount": ["This cannot be negative."]}),
        (
            {"buyer_driver": D("0"), "partner_driver": D("0")},
            {"partner_driver": ["At least one party needs a measure above zero."]},
        ),
        ({"partner_driver": D("-2")}, {"partner_driver": ["This cannot be negative."]}),
    ],
)
def test_a_correction_obeys_the_rules_of_a_new_pool(scope, fin, partnership, fields, message):
    pool = _pool(fin, partnership)
    with pytest.raises(ValidationError) as refused:
        services.cost_pool_update(actor=fin, pool=pool, **fields)
    assert refused.value.message_dict == message
    stored = CostPool.objects.get(pk=pool.pk)
    assert (stored.amount, stored.buyer_driver, stored.partner_driver) == (
        D("10000.00"),
        D("60"),
        D("40"),
    )


def test_deleting_a_pool_needs_a_reason_and_the_audit_keeps_what_went(scope, fin, partnership):
    pool = _pool(fin, partnership)
    with pytest.raises(ValidationError) as refused:
        services.cost_pool_delete(actor=fin, pool=pool, reason="")
    assert refused.value.message_dict == {
        "reason": ["Say why: the reason is kept in the audit log."]
    }
    services.cost_pool_delete(actor=fin, pool=pool, reason="Entered twice")
    assert not CostPool.objects.exists()
    [event] = AuditEvent.objects.filter(action="finance.cost_pool.deleted")
    assert event.changes == {
        "name": "Joint engineering cell",
        "month": "2030-01-01",
        "amount": "10000",
        "currency": "EUR",
        "reason": "Entered twice",
    }


def test_the_page_and_the_api_correct_and_delete_a_pool(client_as, api_as, fin, partnership, org_a):
    with tenant_scope(org_a):
        pool = _pool(fin, partnership)
    client = client_as(fin)
    tab = client.get(f"/o/alpha/partnerships/{partnership.pk}/finance/").content.decode()
    base = f"/o/alpha/finance/cost-pools/{pool.pk}/"
    assert base + "edit/" in tab and base + "delete/" in tab
    edit = client.get(base + "edit/")
    assert edit.status_code == 200 and 'value="Joint engineering cell"' in edit.content.decode()
    form = {
        "name": "Joint engineering cell",
        "period_start": "2030-01-01",
        "kind": "fixed",
        "basis": "headcount",
        "amount": "11000",
        "currency": "EUR",
        "buyer_driver": "0",
        "partner_driver": "0",
    }
    refused = client.post(base + "edit/", form)
    assert refused.status_code == 400
    assert "At least one party needs a measure above zero." in refused.content.decode()
    assert (
        client.post(
            base + "edit/", {**form, "buyer_driver": "50", "partner_driver": "50"}
        ).status_code
        == 302
    )
    api = api_as(fin, org_a)
    patched = api.patch(
        f"/api/v1/o/alpha/finance/cost-pools/{pool.pk}/", {"name": "Cell"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["name"] == "Cell"
    assert api.delete(f"/api/v1/o/alpha/finance/cost-pools/{pool.pk}/").status_code == 400
    confirm = client.get(base + "delete/").content.decode()
    assert "data-confirm=" in confirm
    assert client.post(base + "delete/", {"reason": "Wrong partnership"}).status_code == 302
    with tenant_scope(org_a):
        assert not CostPool.objects.filter(pk=pool.pk).exists()
        assert AuditEvent.objects.get(action="finance.cost_pool.deleted").actor == fin


def test_the_guest_can_neither_correct_nor_delete_a_pool(
    client_as, api_as, guest, fin, partnership, org_a
):
    with tenant_scope(org_a):
        pool = _pool(fin, partnership)
    client = client_as(guest)
    tab = client.get(f"/o/alpha/partnerships/{partnership.pk}/finance/").content.decode()
    assert "cost-pools/" not in tab
    base = f"/o/alpha/finance/cost-pools/{pool.pk}/"
    for suffix in ("edit/", "delete/"):
        assert client.get(base + suffix).status_code == 403
        assert client.post(base + suffix, {"reason": "x"}).status_code == 403
    api = api_as(guest, org_a)
    url = f"/api/v1/o/alpha/finance/cost-pools/{pool.pk}/"
    assert api.patch(url, {"amount": "1"}, format="json").status_code == 403
    assert api.delete(url + "?reason=x").status_code == 403
    with tenant_scope(org_a):
        assert CostPool.objects.get(pk=pool.pk).amount == D("10000.00")


# -- pinned by mutation testing (finance.cost_pools) -------------------------------------------


def test_a_new_pool_is_audited_on_itself_with_its_partnership_amount_and_basis(
    scope, fin, partnership
):
    pool = _pool(fin, partnership)
    [event] = AuditEvent.objects.filter(action="finance.cost_pool.created")
    assert (event.actor, event.object_id, event.changes) == (
        fin,
        str(pool.pk),
        {"partnership": partnership.pk, "amount": "10000", "basis": "headcount"},
    )


def test_an_unknown_field_is_a_programming_error_that_names_it(scope, fin, partnership):
    with pytest.raises(TypeError) as refused:
        _pool(fin, partnership, colour="red")
    assert str(refused.value) == "Unknown cost pool fields: ['colour']"


@pytest.mark.parametrize(
    ("buyer", "partner", "errors"),
    [
        (D("-1"), D("40"), {"buyer_driver": ["This cannot be negative."]}),
        (D("-1"), D("0"), {"buyer_driver": ["This cannot be negative."]}),
        (D("0"), D("-1"), {"partner_driver": ["This cannot be negative."]}),
    ],
)
def test_a_negative_measure_is_named_on_its_own_field(
    scope, fin, partnership, buyer, partner, errors
):
    with pytest.raises(ValidationError) as refused:
        _pool(fin, partnership, buyer_driver=buyer, partner_driver=partner)
    assert refused.value.message_dict == errors


def test_measures_summing_to_a_fraction_still_split_the_pool(scope, fin, partnership):
    pool = _pool(fin, partnership, buyer_driver=D("0.5"), partner_driver=D("0.25"))
    [row] = selectors.allocation_statement(partnership=partnership, period_start=JANUARY).rows
    assert row["pool"] == pool
    assert (row["buyer"].amount, row["partner"].amount) == (D("6666.67"), D("3333.33"))


def test_corrections_and_deletions_are_audited_on_the_pool(scope, fin, partnership):
    pool = _pool(fin, partnership)
    pk = pool.pk
    services.cost_pool_update(actor=fin, pool=pool, name="Cell")
    services.cost_pool_delete(actor=fin, pool=pool, reason="Entered twice")
    for action in ("finance.cost_pool.updated", "finance.cost_pool.deleted"):
        [event] = AuditEvent.objects.filter(action=action)
        assert event.object_id == str(pk), action
