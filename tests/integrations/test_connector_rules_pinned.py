"""Connector rules pinned in their exact words: which connector a message came through (the
refusals' wording, outbound and retired connectors left out, the only connector of an
unreadable message's standard), identifiers cleaned and matched on their last `scheme:` part,
set-up validation (names, owner membership, identifiers, endpoint, API keys) with each refusal
on its field, the security protocol as the page lists it, who may send through a connector,
the audit trail of create, update and transitions, and the late-feed job's recipients, words
and count. Found by `make mutation MUTATION_ARGS=integrations.connectors`."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from integrations import services
from integrations.models import Connector
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Notification, Role
from tenancy.services import api_key_create
from tests.integrations import samples
from tests.integrations.factories import ConnectorFactory, EdiDocumentFactory
from tests.partnerships.factories import PartnershipFactory
from tests.tenancy.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
SUPPLIER = "5412345000013"  # the supplier samples.edifact's order is addressed to
SENDER = "4012345000009"  # samples.edifact's UNB sender


def _connector(org, partnership, **fields) -> Connector:
    return ConnectorFactory(organization=org, partnership=partnership, **fields)


def _create(org, partnership, actor, **fields) -> Connector:
    values = {"name": "Feed", "method": "edifact", "partner_identifiers": [SUPPLIER], **fields}
    with tenant_scope(org):
        return services.connector_create(partnership=partnership, actor=actor, **values)


def _refusal(org, partnership, actor, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        _create(org, partnership, actor, **fields)
    return refused.value.message_dict


def _events(org, action):
    with tenant_scope(org):
        return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


# --- sender_matches -------------------------------------------------------------------------


def test_a_qualified_identifier_matches_on_the_part_after_its_last_colon():
    assert services.sender_matches("ZZ:0088:4012345000009", ["4012345000009"])
    assert services.sender_matches("4012345000009", ["ZZ:0088:4012345000009"])


def test_a_blank_identifier_matches_no_sender():
    assert not services.sender_matches("0088:", ["  "])


# --- connector_for_sender -------------------------------------------------------------------


def test_an_unknown_sender_is_refused_naming_the_partner_and_every_identifier(
    org_a, partnership, ingest
):
    _connector(org_a, partnership, partner_identifiers=["ZZ-2", "AA-1"])
    document, _ = ingest(samples.edifact(kind="invoice"))
    assert document.status == "rejected"
    assert (
        f"The sender {SENDER} is not one of {partnership.partner.name}'s identifiers on this "
        "partnership's connectors (AA-1, ZZ-2); the message was not accepted for this "
        "partnership."
    ) in document.error


def test_a_message_without_a_sender_is_refused_saying_it_names_none(org_a, partnership, ingest):
    _connector(org_a, partnership, method="x12", partner_identifiers=["ALDERDRIVE"])
    anonymous = samples.x12_810().replace(b"*ZZ*SUPPLIER       *", b"*ZZ*               *")
    document, _ = ingest(anonymous)
    assert "The sender (none) is not one of" in document.error


def test_an_order_addressed_to_nobody_is_refused_saying_so(org_a, partnership, ingest):
    _connector(org_a, partnership, partner_identifiers=[SUPPLIER])
    anonymous = samples.edifact(kind="order").replace(b"+5412345000013:14+", b"+:14+")
    document, _ = ingest(anonymous)
    assert "The order's supplier (none) is not one of" in document.error


def test_connectors_without_identifiers_refuse_saying_they_have_none(org_a, partnership, ingest):
    _connector(org_a, partnership, partner_identifiers=[])
    document, _ = ingest(samples.edifact(kind="invoice"))
    assert "connectors (no identifier); the message was not accepted" in document.error


def test_a_message_no_connector_carries_is_refused_saying_how_to_fix_it(org_a, partnership, ingest):
    _connector(org_a, partnership, message_types=["order"])
    document, _ = ingest(samples.edifact(kind="invoice"))
    assert (
        "No connector of this partnership carries a UN/EDIFACT invoice message; set one up (or "
        "widen a connector's message types) before sending it."
    ) in document.error


def test_a_connector_limited_to_invoices_carries_an_invoice(org_a, partnership, ingest):
    connector = _connector(
        org_a, partnership, message_types=["invoice"], partner_identifiers=[SENDER]
    )
    document, _ = ingest(samples.edifact(kind="invoice"))
    assert document.status == "accepted" and document.connector_id == connector.pk


@pytest.mark.parametrize(
    "fields", [{"direction": "outbound"}, {"status": "retired"}], ids=["outbound", "retired"]
)
def test_outbound_and_retired_connectors_leave_the_sender_unverified(
    org_a, partnership, ingest, fields
):
    _connector(org_a, partnership, partner_identifiers=["OTHER"], **fields)
    document, _ = ingest(samples.edifact(kind="invoice"))
    assert document.status == "accepted" and document.connector_id is None


def test_an_unreadable_message_counts_against_its_standard_not_another_standards_connector(
    org_a, partnership, ingest
):
    edifact = _connector(org_a, partnership, name="EDIFACT")
    _connector(org_a, partnership, name="X12", method="x12", partner_identifiers=["SUPPLIER"])
    broken = samples.edifact(kind="order").replace(b"QTY+21:100", b"QTY+21:lots")
    document, _ = ingest(broken)
    assert document.status == "rejected" and document.connector_id == edifact.pk


def test_an_unreadable_message_of_an_interchange_counts_against_the_interchanges_connector(
    org_a, partnership, ingest
):
    from integrations.models import EdiDocument

    connector = _connector(org_a, partnership, partner_identifiers=[SUPPLIER, SENDER])
    ingest(samples.interchange_of_three())
    with tenant_scope(org_a):
        unreadable = EdiDocument.objects.get(message_index=3)
    assert unreadable.status == "rejected" and unreadable.connector_id == connector.pk


# --- who may send through a connector -------------------------------------------------------


def test_a_role_not_allowed_is_refused_naming_the_allowed_roles(
    org_a, partnership, ingest, manager
):
    _connector(org_a, partnership, name="Main", partner_identifiers=[SUPPLIER],
               allowed_roles=["finance", "org_admin"])  # fmt: skip
    document, _ = ingest(samples.edifact(kind="order"), actor=manager)
    assert document.status == "rejected"
    assert (
        "Your role may not send through the connector “Main” (allowed: Finance, "
        "Organization admin)."
    ) in document.error


def test_a_former_member_may_not_send_through_a_connector_limited_by_role(
    org_a, partnership, ingest
):
    former = MembershipFactory(organization=org_a, role=Role.ORG_ADMIN, is_active=False).user
    _connector(org_a, partnership, partner_identifiers=[SUPPLIER], allowed_roles=["org_admin"])
    document, _ = ingest(samples.edifact(kind="order"), actor=former)
    assert document.status == "rejected" and "Your role may not send" in document.error


def test_the_role_is_the_one_held_in_this_organization(org_a, org_b, partnership, ingest):
    user = UserFactory()
    MembershipFactory(organization=org_b, role=Role.ORG_ADMIN, user=user)
    MembershipFactory(organization=org_a, role=Role.VIEWER, user=user)
    _connector(org_a, partnership, partner_identifiers=[SUPPLIER], allowed_roles=["org_admin"])
    document, _ = ingest(samples.edifact(kind="order"), actor=user)
    assert document.status == "rejected" and "Your role may not send" in document.error


def test_a_push_without_an_allowed_key_is_refused_naming_the_allowed_keys(
    org_a, partnership, ingest
):
    _connector(org_a, partnership, name="Main", partner_identifiers=[SUPPLIER],
               allowed_api_keys=["key2", "key1"])  # fmt: skip
    document, _ = ingest(samples.edifact(kind="order"), actor=None, api_key_prefix="")
    assert document.status == "rejected"
    assert (
        "The API key (none) may not push through the connector “Main”; its allowed keys are "
        "key2, key1."
    ) in document.error


# --- connector_create and its validation ----------------------------------------------------


def test_creating_a_connector_records_every_field_with_the_owner_as_its_id(
    org_a, partnership, manager
):
    connector = _create(org_a, partnership, manager, owner=manager)
    (event,) = _events(org_a, "integrations.connector.created")
    assert event.actor_id == manager.pk and event.object_id == str(connector.pk)
    assert event.changes["owner"] == manager.pk
    assert event.changes["name"] == "Feed"
    assert event.changes["partner_identifiers"] == [SUPPLIER]
    assert set(event.changes) == set(services.connectors.CONNECTOR_FIELDS)


def test_creating_with_an_unknown_field_is_a_programming_error(org_a, partnership, manager):
    with pytest.raises(TypeError) as refused:
        _create(org_a, partnership, manager, colour="red", size=1)
    assert str(refused.value) == "Unknown connector fields: ['colour', 'size']"


def test_identifiers_are_kept_once_each_with_their_spaces_collapsed(org_a, partnership, manager):
    connector = _create(org_a, partnership, manager,
                        partner_identifiers=["  40  12 ", "4012", "x1", "X1"])  # fmt: skip
    assert connector.partner_identifiers == ["40 12", "x1"]


def test_a_missing_name_is_refused_on_its_field(org_a, partnership, manager):
    assert _refusal(org_a, partnership, manager, name=None) == {
        "name": ["This field cannot be blank."]
    }


def test_a_receiving_connector_without_identifiers_is_refused_in_these_words(
    org_a, partnership, manager
):
    assert _refusal(org_a, partnership, manager, partner_identifiers=[]) == {
        "partner_identifiers": [
            "Name at least one identifier the partner sends from: without one, no message "
            "from this feed can be accepted."
        ]
    }


def test_a_name_used_in_the_partnership_is_refused_in_these_words(org_a, partnership, manager):
    _connector(org_a, partnership, name="Feed")
    assert _refusal(org_a, partnership, manager) == {
        "name": ["This partnership already has a connector with this name."]
    }


def test_names_are_unique_per_partnership_only(org_a, partnership, manager):
    _connector(org_a, partnership, name="Other feed")
    other = PartnershipFactory(organization=org_a, name="Birch castings")
    _connector(org_a, other, name="Feed")
    assert _create(org_a, partnership, manager).name == "Feed"


def test_an_active_member_may_own_a_connector(org_a, partnership, manager):
    assert _create(org_a, partnership, manager, owner=manager).owner_id == manager.pk


def _owner_refused(user) -> dict:
    return {
        "owner": [f"{user} is not one of this organization's active staff; choose a colleague."]
    }


def test_a_partner_guest_may_not_own_a_connector(org_a, partnership, manager, make_member):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    assert _refusal(org_a, partnership, manager, owner=guest) == _owner_refused(guest)


def test_a_former_member_may_not_own_a_connector(org_a, partnership, manager):
    former = MembershipFactory(organization=org_a, is_active=False).user
    assert _refusal(org_a, partnership, manager, owner=former) == _owner_refused(former)


def test_a_member_of_another_organization_may_not_own_a_connector(
    org_a, org_b, partnership, manager, make_member
):
    outsider = make_member(org_b, Role.ORG_ADMIN, email="admin@bravo.test")
    assert _refusal(org_a, partnership, manager, owner=outsider) == _owner_refused(outsider)


# --- the security protocol as set up --------------------------------------------------------


def test_the_monitoring_contact_and_roles_are_tidied(org_a, partnership, manager):
    connector = _create(org_a, partnership, manager, monitoring_contact="  EDI  desk\n on-call ",
                        allowed_roles=["viewer", "org_admin", "viewer"])  # fmt: skip
    assert connector.monitoring_contact == "EDI desk on-call"
    assert connector.allowed_roles == ["org_admin", "viewer"]


@pytest.mark.parametrize(
    ("url", "transit"),
    [("https://edi.alder.example/in", "tls"), ("ftps://edi.alder.example/in", "tls"),
     ("sftp://edi.alder.example/in", "ssh")],
)  # fmt: skip
def test_an_encrypted_endpoint_is_accepted(org_a, partnership, manager, url, transit):
    connector = _create(
        org_a, partnership, manager, endpoint_url=f"  {url} ", encryption_in_transit=transit
    )
    assert connector.endpoint_url == url


@pytest.mark.parametrize("scheme", ["http", "ftp"])
def test_an_unencrypted_endpoint_is_refused_naming_its_scheme(org_a, partnership, manager, scheme):
    refusal = _refusal(org_a, partnership, manager, endpoint_url=f"{scheme}://edi.example/in")
    assert refusal == {
        "endpoint_url": [
            f"{scheme}:// sends messages unencrypted: use https://, ftps:// or sftp://."
        ]
    }


def test_an_endpoint_that_is_no_address_is_refused_in_these_words(org_a, partnership, manager):
    assert _refusal(org_a, partnership, manager, endpoint_url="edi gateway") == {
        "endpoint_url": ["Give a full address: https://…, ftps://… or sftp://…."]
    }


def test_an_endpoint_the_stated_protection_does_not_cover_is_refused_on_that_statement(
    org_a, partnership, manager
):
    refusal = _refusal(org_a, partnership, manager, endpoint_url="sftp://edi.example/in")
    assert refusal == {
        "encryption_in_transit": [
            "A sftp:// endpoint is not protected by TLS 1.2 or later (HTTPS, FTPS, AS2 over "
            "HTTPS): state what protects it."
        ]
    }


def _key(org, user, *, revoked=False) -> str:
    with tenant_scope(org):
        key, _ = api_key_create(organization=org, user=user, name="ERP", now=timezone.now())
        if revoked:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
    return key.prefix


def test_a_live_key_of_the_organization_may_be_allowed(org_a, partnership, manager, owner):
    prefix = _key(org_a, owner)
    connector = _create(org_a, partnership, manager, allowed_api_keys=[f" {prefix} "])
    assert connector.allowed_api_keys == [prefix]


def test_blank_api_keys_and_a_padded_endpoint_are_tidied_not_refused(
    org_a, partnership, manager, owner
):
    """The form's empty lines reach the service as blank keys; the model's own check would call
    them a blank item of a list. They are dropped first, and the URL trimmed."""
    prefix = _key(org_a, owner)
    connector = _create(
        org_a, partnership, manager, allowed_api_keys=["", "  ", prefix],
        endpoint_url="  https://erp.alder.example/edi  ", encryption_in_transit="tls",
    )  # fmt: skip
    assert connector.allowed_api_keys == [prefix]
    assert connector.endpoint_url == "https://erp.alder.example/edi"


def test_unknown_keys_are_refused_naming_each(org_a, partnership, manager):
    assert _refusal(org_a, partnership, manager, allowed_api_keys=["nokey1", "nokey2"]) == {
        "allowed_api_keys": ["No live API key of this organization has the prefix nokey1, nokey2."]
    }


def test_a_revoked_key_may_not_be_allowed(org_a, partnership, manager, owner):
    prefix = _key(org_a, owner, revoked=True)
    refusal = _refusal(org_a, partnership, manager, allowed_api_keys=[prefix])
    assert set(refusal) == {"allowed_api_keys"}


def test_another_organizations_key_may_not_be_allowed(
    org_a, org_b, partnership, manager, make_member
):
    prefix = _key(org_b, make_member(org_b, Role.ORG_ADMIN, email="admin@bravo.test"))
    refusal = _refusal(org_a, partnership, manager, allowed_api_keys=[prefix])
    assert set(refusal) == {"allowed_api_keys"}


# --- connector_security_checks --------------------------------------------------------------


def test_a_bare_connector_lists_what_it_lacks():
    bare = Connector(encryption_in_transit="none", encryption_at_rest="none", monitoring_contact="")
    assert services.connector_security_checks(bare) == [
        (False, "Encryption in transit: None"),
        (True, "Endpoint (none: messages come through the API)"),
        (False, "Encryption at rest: None stated"),
        (False, "Monitoring contact: none named"),
        (True, "Access: any role that may send; API keys: any"),
    ]


def test_a_protected_connector_lists_what_protects_it():
    connector = Connector(
        endpoint_url="https://edi.alder.example", encryption_in_transit="tls",
        encryption_at_rest="pgp", monitoring_contact="EDI desk",
        allowed_roles=["finance", "org_admin"], allowed_api_keys=["key1", "key2"],
    )  # fmt: skip
    assert services.connector_security_checks(connector) == [
        (True, "Encryption in transit: TLS 1.2 or later (HTTPS, FTPS, AS2 over HTTPS)"),
        (True, "Endpoint https://edi.alder.example is encrypted"),
        (True, "Encryption at rest: PGP-encrypted files"),
        (True, "Monitoring contact: EDI desk"),
        (True, "Access: Finance, Organization admin; API keys: key1, key2"),
    ]


@pytest.mark.parametrize("scheme", ["https", "ftps", "sftp", "HTTPS"])
def test_each_encrypted_scheme_counts_as_encrypted(scheme):
    connector = Connector(endpoint_url=f"{scheme}://edi.alder.example")
    assert services.connector_security_checks(connector)[1] == (
        True,
        f"Endpoint {scheme}://edi.alder.example is encrypted",
    )


def test_an_unencrypted_endpoint_fails_the_check():
    connector = Connector(endpoint_url="http://edi.alder.example")
    assert services.connector_security_checks(connector)[1] == (
        False,
        "Endpoint http://edi.alder.example",
    )


# --- connector_update -----------------------------------------------------------------------


def test_an_update_records_only_what_changed_as_before_and_after(org_a, partnership, manager):
    connector = _connector(org_a, partnership, name="Feed", owner=None)
    with tenant_scope(org_a):
        services.connector_update(connector=connector, actor=manager, name="Feed",
                                  owner=manager, gaps="No ASN yet")  # fmt: skip
    (event,) = _events(org_a, "integrations.connector.updated")
    assert event.actor_id == manager.pk and event.object_id == str(connector.pk)
    assert event.changes == {"owner": [None, manager.pk], "gaps": ["", "No ASN yet"]}


def test_updating_an_unknown_field_is_a_programming_error(org_a, partnership, manager):
    connector = _connector(org_a, partnership)
    with tenant_scope(org_a), pytest.raises(TypeError) as refused:
        services.connector_update(connector=connector, actor=manager, colour="red")
    assert str(refused.value) == "Unknown connector fields: ['colour']"


def test_a_retired_connector_is_not_changed(org_a, partnership, manager):
    connector = _connector(org_a, partnership, status="retired")
    with tenant_scope(org_a), pytest.raises(ConflictError) as refused:
        services.connector_update(connector=connector, actor=manager, gaps="x")
    assert refused.value.message == "A retired connector cannot be changed."


# --- connector_transition -------------------------------------------------------------------


def test_retiring_without_a_reason_is_refused_on_the_reason(org_a, partnership, manager):
    connector = _connector(org_a, partnership)
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.connector_transition(
            connector=connector, actor=manager, status="retired", reason="  "
        )
    assert refused.value.message_dict == {"reason": ["Say why the connector is retired."]}


def test_going_active_without_the_security_basics_is_a_conflict_naming_them(
    org_a, partnership, manager
):
    connector = _connector(org_a, partnership, status="testing", encryption_in_transit="none",
                           monitoring_contact="")  # fmt: skip
    with tenant_scope(org_a), pytest.raises(ConflictError) as refused:
        services.connector_transition(connector=connector, actor=manager, status="active")
    assert refused.value.message == (
        "A connector goes active with encryption in transit and a monitoring contact: edit its "
        "security protocol first."
    )
    assert refused.value.code == "security_incomplete"


def test_retiring_records_the_status_change_and_the_reason(org_a, partnership, manager):
    connector = _connector(org_a, partnership)
    with tenant_scope(org_a):
        services.connector_transition(connector=connector, actor=manager, status="retired",
                                      reason="  Moved to PEPPOL ")  # fmt: skip
        connector.refresh_from_db()
    assert connector.status == "retired"
    (event,) = _events(org_a, "integrations.connector.retired")
    assert event.actor_id == manager.pk and event.object_id == str(connector.pk)
    assert event.changes == {"status": ["active", "retired"], "reason": "Moved to PEPPOL"}


def test_a_transition_without_a_reason_records_only_the_status(org_a, partnership, manager):
    connector = _connector(org_a, partnership)
    with tenant_scope(org_a):
        services.connector_transition(connector=connector, actor=manager, status="paused")
    (event,) = _events(org_a, "integrations.connector.paused")
    assert event.changes == {"status": ["active", "paused"]}


# --- connector_feeds_check ------------------------------------------------------------------


def _hourly(org, partnership, name, *, last=NOW - timedelta(hours=3), **fields) -> Connector:
    connector = _connector(org, partnership, name=name, expected_frequency="hourly", **fields)
    if last is not None:
        EdiDocumentFactory(organization=org, partnership=partnership, connector=connector,
                           received_at=last)  # fmt: skip
    return connector


def _notices(org, user):
    with tenant_scope(org):
        return list(Notification.objects.filter(recipient=user).order_by("pk"))


def test_the_late_feed_notice_names_the_feed_its_last_message_and_due_time(
    org_a, partnership, manager
):
    connector = _hourly(org_a, partnership, "Invoices", owner=manager)
    with tenant_scope(org_a):
        assert services.connector_feeds_check(now=NOW) == 1
    (notice,) = _notices(org_a, manager)
    assert notice.title == "Alder drive-train: feed “Invoices” is late"
    assert notice.body == (
        "The last message came on 10 Mar 2025 09:00; the next was due on 10 Mar 2025 10:00 "
        "(late by 2 hours)."
    )
    assert notice.url == f"/o/alpha/integrations/connectors/{connector.pk}/"


def test_a_feed_that_never_sent_says_so(org_a, partnership, manager):
    _hourly(org_a, partnership, "Invoices", owner=manager, last=None,
            created_at=NOW - timedelta(hours=3))  # fmt: skip
    with tenant_scope(org_a):
        services.connector_feeds_check(now=NOW)
    (notice,) = _notices(org_a, manager)
    assert notice.body.startswith("No message has come since the connector was set up; the next")


def test_the_connector_owner_hears_before_the_partnership_owner(
    org_a, partnership, manager, make_member
):
    analyst = make_member(org_a, Role.PROCUREMENT_MANAGER, email="analyst@alpha.test")
    _hourly(org_a, partnership, "Invoices", owner=analyst)
    with tenant_scope(org_a):
        services.connector_feeds_check(now=NOW)
    assert len(_notices(org_a, analyst)) == 1 and _notices(org_a, manager) == []


def test_without_a_connector_owner_the_partnership_owner_hears(org_a, partnership, manager):
    _hourly(org_a, partnership, "Invoices", owner=None)
    with tenant_scope(org_a):
        services.connector_feeds_check(now=NOW)
    assert len(_notices(org_a, manager)) == 1


def test_without_any_owner_the_admins_hear(org_a, owner):
    unowned = PartnershipFactory(organization=org_a, owner=None, name="Unowned")
    _hourly(org_a, unowned, "Invoices", owner=None)
    with tenant_scope(org_a):
        assert services.connector_feeds_check(now=NOW) == 1
    assert len(_notices(org_a, owner)) == 1


def test_every_late_feed_is_reported_past_an_on_time_one_and_counted(org_a, partnership, manager):
    _hourly(org_a, partnership, "A on time", owner=manager, last=NOW - timedelta(minutes=5))
    _hourly(org_a, partnership, "B late", owner=manager)
    _hourly(org_a, partnership, "C late", owner=manager)
    with tenant_scope(org_a):
        assert services.connector_feeds_check(now=NOW) == 2
    assert [n.title for n in _notices(org_a, manager)] == [
        "Alder drive-train: feed “B late” is late",
        "Alder drive-train: feed “C late” is late",
    ]


def test_a_late_feed_nobody_can_hear_of_does_not_stop_the_others(org_a, partnership, manager):
    unowned = PartnershipFactory(organization=org_a, owner=None, name="Unowned")
    _hourly(org_a, unowned, "A unheard", owner=None)  # no admins in this organization
    _hourly(org_a, partnership, "B late", owner=manager)
    with tenant_scope(org_a):
        assert services.connector_feeds_check(now=NOW) == 1
    assert len(_notices(org_a, manager)) == 1


def test_the_job_reads_the_feeds_their_owners_and_partnerships_in_three_queries_then_one_per_alert(
    org_a, partnership, manager, make_member
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    analyst = make_member(org_a, Role.PROCUREMENT_MANAGER, email="analyst@alpha.test")
    other = PartnershipFactory(organization=org_a, owner=analyst, name="Birch castings")
    _hourly(org_a, partnership, "A owned", owner=analyst)
    _hourly(org_a, other, "B unowned", owner=None)
    with tenant_scope(org_a), CaptureQueriesContext(connection) as queries:
        assert services.connector_feeds_check(now=NOW) == 2
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    # the connectors (with owners and partnerships), their statistics, and who is still a member
    # (once for the job: an owner who left is passed over); then one per alert, `notify`
    # checking that the person told is still a member
    assert len(reads) == 3 + 2
