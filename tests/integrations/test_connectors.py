"""Connectors: a document's sender must be one of the connector's partner identifiers (an unknown
X12 sender used to be accepted for any partner); feed health is a pure function of `now`; the
late-feed job tells the owner once; the partnership page shows the feeds; retiring needs a
reason; guests are kept out."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations import services
from integrations.health import FeedStats, feed_health
from integrations.models import Connector
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import Notification, Role
from tests.integrations import samples
from tests.integrations.factories import ConnectorFactory, EdiDocumentFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
X12_SENDER = "SUPPLIER"  # ISA06 of samples.x12_810()


def _connector(org, partnership, **fields) -> Connector:
    return ConnectorFactory(organization=org, partnership=partnership, **fields)


def test_an_unknown_x12_sender_is_refused_for_a_partnership_with_connectors(
    org_a, partnership, ingest
):
    _connector(org_a, partnership, method="x12", partner_identifiers=["ALDERDRIVE"])
    document, created = ingest(samples.x12_810())
    assert created and document.status == "rejected"
    assert "The sender SUPPLIER is not one of" in document.error
    assert "ALDERDRIVE" in document.error
    with tenant_scope(org_a):
        document.refresh_from_db()
        assert document.line_count == 0 and document.connector_id is None


def test_a_known_sender_is_filed_under_its_connector_which_records_the_success(
    org_a, partnership, ingest
):
    edifact = _connector(org_a, partnership, name="EDIFACT", partner_identifiers=["OTHER"])
    x12 = _connector(
        org_a, partnership, name="X12", method="x12", partner_identifiers=[" supplier "]
    )
    document, _ = ingest(samples.x12_810())
    assert document.status == "accepted" and document.connector_id == x12.pk
    with tenant_scope(org_a):
        x12.refresh_from_db()
        edifact.refresh_from_db()
    assert x12.last_success_at is not None and edifact.last_success_at is None


def test_a_ubl_endpoint_matches_with_or_without_its_scheme():
    assert services.sender_matches("0088:4012345000009", ["4012345000009"])
    assert services.sender_matches("4012345000009", ["0088:4012345000009"])
    assert not services.sender_matches("0088:4012345000010", ["0088:4012345000009"])
    assert not services.sender_matches("", ["0088:4012345000009"])


def test_a_connector_that_does_not_carry_the_message_type_refuses_it(org_a, partnership, ingest):
    _connector(org_a, partnership, message_types=["order"])
    document, _ = ingest(samples.edifact(kind="invoice"))
    assert document.status == "rejected"
    assert "No connector of this partnership carries a UN/EDIFACT invoice" in document.error


def test_without_connectors_the_sender_is_accepted_unverified(
    org_a, partnership, ingest, manager, client_as
):
    document, _ = ingest(samples.x12_810())
    assert document.status == "accepted" and document.connector_id is None
    page = client_as(manager).get(reverse("edi-document-detail", args=["alpha", document.pk]))
    assert b'data-testid="sender-unverified"' in page.content


def test_an_unreadable_message_counts_against_the_only_connector_of_its_standard(
    org_a, partnership, ingest
):
    connector = _connector(org_a, partnership)
    broken = samples.edifact(kind="order").replace(b"QTY+21:100", b"QTY+21:lots")
    document, _ = ingest(broken)
    assert document.status == "rejected" and document.connector_id == connector.pk
    with tenant_scope(org_a):
        connector.refresh_from_db()
    assert connector.last_error_at is not None and "not a number" in connector.last_error


# --- feed health: a pure function of now ---------------------------------------------------


def _health(now, *, last=None, documents=0, failed=0, **fields):
    connector = Connector(
        expected_frequency=fields.pop("expected_frequency", "daily"),
        status=fields.pop("status", "active"),
        direction=fields.pop("direction", "inbound"),
        created_at=datetime(2025, 3, 1, tzinfo=UTC),
    )
    stats = FeedStats(documents=documents, failed=failed, last_received_at=last)
    return feed_health(connector=connector, stats=stats, now=now)


def test_a_daily_feed_is_late_only_after_its_day_and_half_a_day_of_grace():
    last = NOW - timedelta(days=1)
    assert _health(NOW + timedelta(hours=12), last=last).state == "ok"
    late = _health(NOW + timedelta(hours=12, seconds=1), last=last)
    assert late.state == "late" and late.due_at == NOW
    assert late.late_by == timedelta(hours=12, seconds=1) and late.label == "Late by 12 hours"


def test_a_feed_that_never_sent_is_late_counted_from_the_connector_set_up():
    assert _health(datetime(2025, 3, 2, 6, tzinfo=UTC)).state == "waiting"
    assert _health(datetime(2025, 3, 2, 12, 1, tzinfo=UTC)).state == "late"


def test_a_high_error_rate_is_a_problem_but_not_on_two_messages():
    assert _health(NOW, last=NOW, documents=5, failed=1).state == "errors"
    health = _health(NOW, last=NOW, documents=10, failed=1)
    assert health.state == "ok" and health.error_percent == pytest.approx(10)
    assert _health(NOW, last=NOW, documents=2, failed=2).state == "ok"


@pytest.mark.parametrize(
    "fields",
    [{"status": "paused"}, {"direction": "outbound"}, {"expected_frequency": "on_demand"}],
)
def test_paused_sending_or_unscheduled_feeds_are_never_late(fields):
    health = _health(NOW + timedelta(days=90), **fields)
    assert health.state == "not_monitored" and not health.is_problem


def test_the_late_feed_job_tells_the_owner_once_per_missed_message(org_a, partnership, manager):
    connector = _connector(org_a, partnership, owner=manager, expected_frequency="hourly")
    EdiDocumentFactory(organization=org_a, partnership=partnership, connector=connector,
                       received_at=NOW - timedelta(hours=3))  # fmt: skip
    with tenant_scope(org_a):
        assert services.connector_feeds_check(now=NOW) == 1
        services.connector_feeds_check(now=NOW + timedelta(minutes=5))
        notices = list(Notification.objects.filter(recipient=manager))
    assert len(notices) == 1 and "is late" in notices[0].title


def test_feed_statistics_count_failures_and_latency_in_one_query(
    org_a, partnership, django_assert_num_queries
):
    from integrations.selectors import connector_feed_stats

    connector = _connector(org_a, partnership)
    for status, errors in (("accepted", 0), ("accepted", 2), ("rejected", 0)):
        EdiDocumentFactory(organization=org_a, partnership=partnership, connector=connector,
                           status=status, error_count=errors, received_at=NOW - timedelta(hours=1),
                           finished_at=NOW - timedelta(minutes=59))  # fmt: skip
    with tenant_scope(org_a), django_assert_num_queries(1):
        stats = connector_feed_stats([connector], now=NOW)[connector.pk]
    assert (stats.documents, stats.failed) == (3, 2)
    assert stats.latency == timedelta(minutes=1)
    assert stats.last_received_at == NOW - timedelta(hours=1)


# --- services and pages ---------------------------------------------------------------------


def test_a_receiving_connector_needs_an_identifier_and_a_unique_name(org_a, partnership, manager):
    _connector(org_a, partnership, name="Main feed")
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.connector_create(
            partnership=partnership, actor=manager, name="Main feed", method="edifact",
            partner_identifiers=["  ", ""],
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"name", "partner_identifiers"}


def test_retiring_needs_a_reason_and_is_final(org_a, partnership, manager):
    connector = _connector(org_a, partnership)
    with tenant_scope(org_a):
        with pytest.raises(ValidationError):
            services.connector_transition(connector=connector, actor=manager, status="retired")
        services.connector_transition(
            connector=connector, actor=manager, status="retired", reason="Moved to PEPPOL"
        )
        with pytest.raises(TransitionNotAllowed):
            services.connector_transition(connector=connector, actor=manager, status="active")


def test_a_connector_retired_since_the_page_was_opened_is_neither_changed_nor_brought_back(
    org_a, partnership, manager
):
    connector = _connector(org_a, partnership, name="Feed")
    with tenant_scope(org_a):
        stale = Connector.objects.get(pk=connector.pk)  # the page's copy, still in use
        services.connector_transition(
            connector=connector, actor=manager, status="retired", reason="Moved to PEPPOL"
        )
        with pytest.raises(ConflictError) as refused:
            services.connector_update(connector=stale, actor=manager, name="Feed again")
        stored = Connector.objects.get(pk=connector.pk)
    assert refused.value.message == "A retired connector cannot be changed."
    assert (stored.status, stored.name) == ("retired", "Feed")


def test_a_manager_sets_up_a_connector_and_the_partnership_page_shows_its_health(
    org_a, partnership, manager, client_as
):
    client = client_as(manager)
    url = reverse("connector-create", args=["alpha", partnership.pk])
    response = client.post(url, {"name": "Alder X12", "method": "x12", "direction": "inbound",
                                 "message_types": ["invoice"], "expected_frequency": "daily",
                                 "partner_identifiers": "ALDERDRIVE\n0088:123",
                                 "monitoring_contact": "EDI desk"})  # fmt: skip
    assert response.status_code == 302
    with tenant_scope(org_a):
        connector = Connector.objects.get()
    assert connector.partner_identifiers == ["ALDERDRIVE", "0088:123"]
    assert connector.status == "testing" and connector.message_types == ["invoice"]
    client.post(reverse("connector-activate", args=["alpha", connector.pk]))
    page = client.get(reverse("partnership-integrations", args=["alpha", partnership.pk]))
    assert b"Alder X12" in page.content and b"Waiting for the first message" in page.content
    bad = client.post(url, {"name": "", "method": "x12", "direction": "inbound",
                            "expected_frequency": "daily"})  # fmt: skip
    assert bad.status_code == 400 and b"This field is required" in bad.content
    retire = reverse("connector-retire", args=["alpha", connector.pk])
    refused = client.post(retire, {"reason": ""}, follow=True)
    assert "Say why the connector is retired." in refused.content.decode()  # the service's words
    with tenant_scope(org_a):
        connector.refresh_from_db()
    assert connector.status == "active"
    client.post(retire, {"reason": "Replaced"})
    with tenant_scope(org_a):
        connector.refresh_from_db()
    assert connector.status == "retired"


def test_guest_never_sees_connectors(org_a, partnership, make_member, client_as):
    connector = _connector(org_a, partnership)
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    from partnerships.services import partnership_invite_guest

    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=guest, actor=None)
    client = client_as(guest)
    for url in (
        reverse("connector-detail", args=["alpha", connector.pk]),
        reverse("connector-create", args=["alpha", partnership.pk]),
    ):
        assert client.get(url).status_code in (403, 404), url
    assert client.post(reverse("connector-pause", args=["alpha", connector.pk])).status_code in (
        403,
        404,
    )


def test_an_order_is_checked_on_the_supplier_it_is_addressed_to(org_a, partnership, ingest):
    # samples.edifact: UNB sender 4012345000009 (the buyer), receiver 5412345000013 (supplier).
    _connector(org_a, partnership, partner_identifiers=["5412345000013"])
    order, _ = ingest(samples.edifact(kind="order"))
    assert order.status == "accepted" and order.connector_id is not None
    invoice, _ = ingest(samples.edifact(kind="invoice"))  # the same envelope: not the partner's
    assert invoice.status == "rejected" and "The sender 4012345000009" in invoice.error
