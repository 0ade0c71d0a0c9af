"""The three-way match as the detection service runs it, and what a buyer does with a finding, each
rule stated on its own: which version of an order is matched and which documents follow it, in
the order they were received (so the invoice that crossed the order is named in its message),
who owns a new finding and when it was detected, detection for one partnership, what is cleared
and how it says so, the audit event and the `discrepancy.opened` webhook of a run; an action's
refusal without a reason (in exact words, on its field), who decided and when, and its audit
event (who, on what, the status change and the reason). Found by
`make mutation MUTATION_ARGS=integrations.discrepancies`."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from integrations import services, webhooks
from integrations.matching import Tolerances
from integrations.models import Discrepancy
from tenancy.context import tenant_scope
from tenancy.errors import PermissionDeniedError
from tenancy.models import AuditEvent, OutboxMessage, Role
from tests.integrations.factories import (
    DiscrepancyFactory,
    EdiDocumentFactory,
    EdiDocumentLineFactory,
    WebhookSubscriptionFactory,
)
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 20, 9, 0, tzinfo=UTC)
LATER = datetime(2025, 3, 21, 9, 0, tzinfo=UTC)
BEARING = "4012345000016"
MESSAGE_TYPES = {"order": "ORDERS", "invoice": "INVOIC", "despatch_advice": "DESADV"}
LOOSE = Tolerances(quantity_percent=Decimal("0"), price_percent=Decimal("10"))


def _document(partnership, doc_type, number, *, reference="", hour=8, lines=()):
    """An accepted document received on 1 March at `hour`, with bearing lines (quantity, price)."""
    document = EdiDocumentFactory(
        organization=partnership.organization, partnership=partnership, doc_type=doc_type,
        message_type=MESSAGE_TYPES[doc_type], document_number=number, order_reference=reference,
        received_at=datetime(2025, 3, 1, hour, 0, tzinfo=UTC),
    )  # fmt: skip
    for quantity, price in lines:
        EdiDocumentLineFactory(
            organization=partnership.organization, document=document, gtin=BEARING,
            quantity=Decimal(quantity), unit_price=Decimal(price),
        )  # fmt: skip
    return document


def _overpriced(partnership, number="PO-1"):
    """Order `number` for 100 bearings at 2.50 and an invoice for them at 2.60 (4 % above)."""
    order = _document(partnership, "order", number, lines=[("100", "2.50")])
    invoice = _document(
        partnership, "invoice", f"INV-{number}", reference=number, hour=9, lines=[("100", "2.60")]
    )
    return order, invoice


def _counts(orders=0, opened=0, updated=0, cleared=0):
    return {"orders": orders, "opened": opened, "updated": updated, "cleared": cleared}


# --- discrepancies_detect: what is matched ---------------------------------------------------


def test_the_invoice_that_crossed_the_order_is_the_one_received_last_not_the_one_stored_last(
    org_a, partnership
):
    with tenant_scope(org_a):
        _document(partnership, "order", "PO-1", lines=[("100", "2.50")])
        # Stored first but received at 10:00; the one stored second was received at 9:00.
        late = _document(partnership, "invoice", "INV-LATE", reference="PO-1", hour=10,
                         lines=[("60", "2.50")])  # fmt: skip
        _document(partnership, "invoice", "INV-EARLY", reference="PO-1", hour=9,
                  lines=[("45", "2.50")])  # fmt: skip
        services.discrepancies_detect(now=NOW)
        [found] = Discrepancy.objects.all()
    assert (found.kind, found.expected, found.actual) == ("invoiced_above_ordered", 100, 105)
    assert found.document_id == late.pk
    assert found.message == (
        f"Item {BEARING}: 105 invoiced so far (last on INV-LATE), 100 ordered on PO-1."
    )


def test_the_version_of_an_order_received_last_is_the_one_matched(org_a, partnership):
    with tenant_scope(org_a):
        # The revision (3.00) was stored before the original (2.50) but received after it.
        revision = _document(partnership, "order", "PO-1", hour=9, lines=[("100", "3.00")])
        _document(partnership, "order", "PO-1", hour=8, lines=[("100", "2.50")])
        _document(partnership, "invoice", "INV-1", reference="PO-1", hour=10,
                  lines=[("100", "3.50")])  # fmt: skip
        services.discrepancies_detect(now=NOW)
        [found] = Discrepancy.objects.all()
    assert (found.kind, found.expected, found.actual) == ("price_differs", 3, Decimal("3.5"))
    assert found.order_document_id == revision.pk


def test_an_invoice_numbered_like_its_order_is_not_taken_for_the_order(org_a, partnership):
    with tenant_scope(org_a):
        order = _document(partnership, "order", "PO-1", lines=[("100", "2.50")])
        _document(partnership, "invoice", "PO-1", reference="PO-1", hour=9,
                  lines=[("100", "2.60")])  # fmt: skip
        services.discrepancies_detect(now=NOW)
        [found] = Discrepancy.objects.all()
    assert (found.kind, found.expected, found.actual) == ("price_differs", Decimal("2.5"),
                                                          Decimal("2.6"))  # fmt: skip
    assert found.order_document_id == order.pk


def test_an_invoice_for_an_order_never_received_is_left_unmatched(org_a, partnership):
    with tenant_scope(org_a):
        _overpriced(partnership)
        _document(partnership, "invoice", "INV-9", reference="PO-404", lines=[("1", "9.99")])
        counts = services.discrepancies_detect(now=NOW)
        found = list(Discrepancy.objects.values_list("order_number", "kind"))
    assert counts == _counts(orders=1, opened=1)
    assert found == [("PO-1", "price_differs")]


def test_an_order_naming_itself_as_its_reference_is_not_its_own_follower(org_a, partnership):
    """An order is matched once an invoice or a receipt follows it; an order that repeats its
    own number in the reference field has none yet."""
    with tenant_scope(org_a):
        _document(partnership, "order", "PO-1", reference="PO-1", lines=[("100", "2.50")])
        assert services.discrepancies_detect(now=NOW) == _counts(orders=0)


def test_a_document_without_lines_is_matched_as_one_that_brings_nothing(org_a, partnership):
    with tenant_scope(org_a):
        _document(partnership, "order", "PO-1", lines=[("100", "2.50")])
        _document(partnership, "invoice", "INV-1", reference="PO-1", hour=9)
        assert services.discrepancies_detect(now=NOW) == _counts(orders=1)


# --- discrepancies_detect: what is stored and told -------------------------------------------


def test_a_new_discrepancy_is_owned_by_the_partnerships_owner_and_detected_at_the_run(
    org_a, partnership, manager
):
    with tenant_scope(org_a):
        _overpriced(partnership)
        services.discrepancies_detect(now=NOW)
        [found] = Discrepancy.objects.all()
    assert found.owner == manager
    assert (found.detected_at, found.last_seen_at) == (NOW, NOW)


def test_detection_for_one_partnership_matches_its_orders_only_and_finds_its_own_again(
    org_a, partnership
):
    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a, name="Birch castings")
        _overpriced(partnership)
        _overpriced(other)
        first = services.discrepancies_detect(now=NOW, partnership_id=partnership.pk)
        found = list(Discrepancy.objects.values_list("partnership_id", flat=True))
        again = services.discrepancies_detect(now=LATER, partnership_id=partnership.pk)
    assert first == _counts(orders=1, opened=1)
    assert found == [partnership.pk]
    assert again == _counts(orders=1, updated=1)


def test_an_open_discrepancy_no_longer_found_is_resolved_saying_so_at_the_time_of_the_run(
    org_a, partnership
):
    with tenant_scope(org_a):
        _overpriced(partnership)
        services.discrepancies_detect(now=NOW)
        counts = services.discrepancies_detect(now=LATER, tolerances=LOOSE)
        [found] = Discrepancy.objects.all()
    assert counts == _counts(orders=1, cleared=1)
    assert found.status == Discrepancy.Status.RESOLVED
    assert found.resolution == "No longer found by the three-way match."
    assert found.decided_at == LATER


def test_a_run_that_opens_or_clears_is_audited_with_its_counts_and_an_idle_one_is_not(
    org_a, partnership
):
    with tenant_scope(org_a):
        _overpriced(partnership)
        services.discrepancies_detect(now=NOW)  # opens
        services.discrepancies_detect(now=NOW)  # finds the same again
        services.discrepancies_detect(now=LATER, tolerances=LOOSE)  # clears
        events = list(
            AuditEvent.objects.filter(action="integrations.discrepancies.detected")
            .order_by("sequence")
            .values_list("actor", "changes")
        )
    assert events == [(None, _counts(orders=1, opened=1)), (None, _counts(orders=1, cleared=1))]


def test_each_discrepancy_opened_is_sent_to_its_subscribers_as_it_was_opened(org_a, partnership):
    with tenant_scope(org_a):
        subscription = WebhookSubscriptionFactory(organization=org_a, events=["discrepancy.opened"])
        _overpriced(partnership)
        services.discrepancies_detect(now=NOW)
        [found] = Discrepancy.objects.all()
        expected = services.discrepancy_payload(found)
    payloads = [m.payload for m in OutboxMessage.objects.filter(channel=webhooks.CHANNEL)]
    assert [(p["subscription"], p["event"], p["occurred_at"], p["data"]) for p in payloads] == [
        (subscription.pk, "discrepancy.opened", NOW.isoformat(), expected)
    ]


# --- discrepancy_act --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "refusal"),
    [
        ("dispute", "Say what the partner is told."),
        ("block_payment", "Say why payment is blocked."),
        ("accept", "Say why it is accepted."),
        ("resolve", "Say how it was resolved."),
    ],
)
@pytest.mark.parametrize("reason", [None, "  "])
def test_an_action_without_a_reason_is_refused_on_the_reason_saying_what_to_give(
    org_a, partnership, manager, action, refusal, reason
):
    with tenant_scope(org_a):
        discrepancy = DiscrepancyFactory(organization=org_a, partnership=partnership)
        with pytest.raises(ValidationError) as refused:
            services.discrepancy_act(
                discrepancy=discrepancy, actor=manager, action=action, reason=reason, now=NOW
            )
        discrepancy.refresh_from_db()
    assert refused.value.message_dict == {"reason": [refusal]}
    assert discrepancy.status == Discrepancy.Status.OPEN


def test_a_dispute_keeps_the_trimmed_note_for_the_partner_and_who_decided_when(
    org_a, partnership, manager
):
    with tenant_scope(org_a):
        discrepancy = DiscrepancyFactory(organization=org_a, partnership=partnership)
        services.discrepancy_act(discrepancy=discrepancy, actor=manager, action="dispute",
                                 reason="  We agreed 2.50 until June  ", now=NOW)  # fmt: skip
        discrepancy.refresh_from_db()
    assert discrepancy.status == Discrepancy.Status.DISPUTED
    assert discrepancy.dispute_note == "We agreed 2.50 until June"
    assert discrepancy.shared_with_partner
    assert (discrepancy.decided_by, discrepancy.decided_at) == (manager, NOW)


def test_a_decision_is_audited_with_who_on_what_the_status_change_and_the_reason(
    org_a, partnership, manager
):
    with tenant_scope(org_a):
        discrepancy = DiscrepancyFactory(organization=org_a, partnership=partnership)
        services.discrepancy_act(discrepancy=discrepancy, actor=manager, action="block_payment",
                                 reason=" Wrong price ", now=NOW)  # fmt: skip
        event = AuditEvent.objects.get(action="integrations.discrepancy.payment_blocked")
    assert event.actor == manager
    assert (event.object_type, event.object_id) == ("integrations.discrepancy", str(discrepancy.pk))
    assert event.changes == {"status": ["open", "payment_blocked"], "reason": "Wrong price"}


@pytest.mark.parametrize("action", ["dispute", "block_payment", "accept", "resolve"])
def test_a_partner_guest_never_decides_a_discrepancy_whoever_calls_the_service(
    org_a, partnership, manager, make_member, action
):
    """The supplier's employee would otherwise accept or unblock the payment of their own
    invoice; pages and API refuse them too, the service is the last wall."""
    guest = make_member(org_a, Role.PARTNER_GUEST, email="ap@supplier.test")
    with tenant_scope(org_a):
        discrepancy = DiscrepancyFactory(organization=org_a, partnership=partnership)
        with pytest.raises(PermissionDeniedError) as refused:
            services.discrepancy_act(
                discrepancy=discrepancy, actor=guest, action=action, reason="Fine", now=NOW
            )
        discrepancy.refresh_from_db()
    assert str(refused.value) == "Only the buyer's own staff decide a discrepancy."
    assert discrepancy.status == Discrepancy.Status.OPEN
