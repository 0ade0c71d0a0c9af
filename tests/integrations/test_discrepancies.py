"""Three-way match: hand-built orders, receipts and invoices with planted discrepancies; the match
finds exactly those (cumulative across invoices, within tolerances), is idempotent, clears what
is no longer found; the actions follow the lifecycle and need a reason; the partner guest sees
only what was disputed with them."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations import services
from integrations.matching import Tolerances
from integrations.models import Discrepancy
from tenancy.context import tenant_scope
from tenancy.errors import TransitionNotAllowed
from tenancy.models import Role
from tests.integrations import samples

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 20, 9, 0, tzinfo=UTC)
BEARING, HOSE, SENSOR, EXTRA = "4012345000016", "4012345000023", "4012345000030", "4012345000047"


def _item(gtin, code, quantity, price="0"):
    return (gtin, code, f"Item {code}", quantity, "PCE", price)


def _plant(ingest):
    """Order PO-1001 (100 bearings at 2.50, 20 hoses at 11.90, 4 sensors at 184.00), one
    receipt, three invoices. Planted: 105 bearings invoiced (above the 100 ordered and the 100
    received), 20 hoses invoiced but 15 received, hoses invoiced at 12.50, 5 sensors received
    for 4 ordered, an item on no order line."""
    ingest(samples.edifact(kind="order"))
    ingest(samples.edifact(kind="despatch", number="DES-1", items=[
        _item(BEARING, "MAT-1", "100"), _item(HOSE, "MAT-2", "15"), _item(SENSOR, "MAT-3", "5"),
    ]))  # fmt: skip
    ingest(samples.edifact(kind="invoice", number="INV-1", items=[
        _item(BEARING, "MAT-1", "60", "2.50"), _item(HOSE, "MAT-2", "10", "11.90"),
    ]))  # fmt: skip
    ingest(samples.edifact(kind="invoice", number="INV-2", items=[
        _item(BEARING, "MAT-1", "40", "2.50"), _item(HOSE, "MAT-2", "10", "12.50"),
        _item(SENSOR, "MAT-3", "4", "184.00"),
    ]))  # fmt: skip
    ingest(samples.edifact(kind="invoice", number="INV-3", items=[
        _item(BEARING, "MAT-1", "5", "2.50"), _item(EXTRA, "MAT-9", "1", "9.99"),
    ]))  # fmt: skip


def test_the_three_way_match_finds_exactly_the_planted_discrepancies(org_a, ingest):
    _plant(ingest)
    with tenant_scope(org_a):
        counts = services.discrepancies_detect(now=NOW)
        found = {(d.item, d.kind): d for d in Discrepancy.objects.select_related("document")}
    assert counts == {"orders": 1, "opened": 6, "updated": 0, "cleared": 0}
    assert set(found) == {
        (BEARING, "invoiced_above_ordered"),
        (BEARING, "invoiced_above_received"),
        (HOSE, "invoiced_above_received"),
        (HOSE, "price_differs"),
        (SENSOR, "received_above_ordered"),
        (EXTRA, "item_not_ordered"),
    }
    bearing = found[(BEARING, "invoiced_above_ordered")]
    assert (bearing.expected, bearing.actual) == (Decimal("100"), Decimal("105"))
    assert bearing.amount_at_stake == Decimal("12.50") and bearing.currency == "EUR"
    assert bearing.document.document_number == "INV-3"  # the invoice that crossed the order
    hose_price = found[(HOSE, "price_differs")]
    assert (hose_price.expected, hose_price.actual) == (Decimal("11.90"), Decimal("12.50"))
    assert hose_price.amount_at_stake == Decimal("6.00") and hose_price.status == "open"


def test_tolerances_absorb_small_differences_and_a_rerun_opens_nothing(org_a, ingest):
    _plant(ingest)
    loose = Tolerances(quantity_percent=Decimal("5"), price_percent=Decimal("5.1"))
    with tenant_scope(org_a):
        services.discrepancies_detect(now=NOW, tolerances=loose)
        kinds = set(Discrepancy.objects.values_list("item", "kind"))
        again = services.discrepancies_detect(now=NOW, tolerances=loose)
    # 105 of 100 is within 5 %; 12.50 for 11.90 is 5.04 %; 20 invoiced of 15 received is not.
    assert kinds == {(HOSE, "invoiced_above_received"), (SENSOR, "received_above_ordered"),
                     (EXTRA, "item_not_ordered")}  # fmt: skip
    assert again["opened"] == 0 and again["updated"] == 3


def test_an_open_discrepancy_no_longer_found_is_cleared_but_a_disputed_one_stays(
    org_a, ingest, manager
):
    _plant(ingest)
    with tenant_scope(org_a):
        services.discrepancies_detect(now=NOW)
        disputed = Discrepancy.objects.get(item=SENSOR)
        services.discrepancy_act(discrepancy=disputed, actor=manager, action="dispute",
                                 reason="Five delivered, four ordered", now=NOW)  # fmt: skip
        loose = Tolerances(quantity_percent=Decimal("50"), price_percent=Decimal("10"))
        counts = services.discrepancies_detect(now=NOW, tolerances=loose)
        statuses = dict(Discrepancy.objects.values_list("kind", "status").filter(item=BEARING))
        disputed.refresh_from_db()
    assert counts["cleared"] >= 2 and set(statuses.values()) == {"resolved"}
    assert disputed.status == "disputed"


def test_actions_follow_the_lifecycle_and_need_a_reason(org_a, ingest, manager):
    _plant(ingest)
    with tenant_scope(org_a):
        services.discrepancies_detect(now=NOW)
        discrepancy = Discrepancy.objects.get(item=HOSE, kind="price_differs")
        with pytest.raises(ValidationError):
            services.discrepancy_act(
                discrepancy=discrepancy, actor=manager, action="dispute", reason=" ", now=NOW
            )
        for action in ("dispute", "block_payment", "resolve"):
            discrepancy = services.discrepancy_act(
                discrepancy=discrepancy, actor=manager, action=action, reason=action, now=NOW
            )
        assert discrepancy.status == "resolved" and discrepancy.shared_with_partner
        with pytest.raises(TransitionNotAllowed):
            services.discrepancy_act(
                discrepancy=discrepancy, actor=manager, action="accept", reason="x", now=NOW
            )


def test_guest_never_sees_undisputed_discrepancies_or_acts_on_them(
    org_a, ingest, manager, partnership, make_member, client_as, django_assert_max_num_queries
):
    _plant(ingest)
    with tenant_scope(org_a):
        services.discrepancies_detect(now=NOW)
        shared = Discrepancy.objects.get(item=HOSE, kind="price_differs")
        internal = Discrepancy.objects.get(item=SENSOR)
    client = client_as(manager)
    with django_assert_max_num_queries(14):
        board = client.get(reverse("discrepancy-board", args=["alpha"]))
    assert board.status_code == 200 and board.content.count(b"/integrations/discrepancies/") >= 6
    response = client.post(reverse("discrepancy-dispute", args=["alpha", shared.pk]),
                           {"reason": "We agreed 11.90 until June"})  # fmt: skip
    assert response.status_code == 302
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    from partnerships.services import partnership_invite_guest

    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=guest, actor=None)
    guest_client = client_as(guest)
    page = guest_client.get(reverse("discrepancy-board", args=["alpha"]) + "?status=")
    assert page.status_code == 200
    assert f"/discrepancies/{shared.pk}/".encode() in page.content
    assert f"/discrepancies/{internal.pk}/".encode() not in page.content
    detail = guest_client.get(reverse("discrepancy-detail", args=["alpha", shared.pk]))
    assert b"We agreed 11.90 until June" in detail.content and b"action-" not in detail.content
    assert manager.display_name.encode() not in detail.content.split(b"<main")[1]
    tab = guest_client.get(reverse("partnership-integrations", args=["alpha", partnership.pk]))
    assert b"We agreed 11.90 until June" in tab.content
    assert (
        guest_client.get(reverse("discrepancy-detail", args=["alpha", internal.pk])).status_code
        == 404
    )
    refused = guest_client.post(reverse("discrepancy-resolve", args=["alpha", shared.pk]),
                                {"reason": "no"})  # fmt: skip
    assert refused.status_code in (403, 404)
    with tenant_scope(org_a):
        shared.refresh_from_db()
    assert shared.status == "disputed"
