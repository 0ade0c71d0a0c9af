"""Crisis rules pinned against the mutants that survived `make mutation` (docs/mutation.md): who
may speak for which party and the exact refusals, the protocol's stored fields and audit trail,
the contact tree's refusals, order and party, and the log's time limit and audit event."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from governance import services
from governance.models import CrisisContact, CrisisLogEntry, CrisisProtocol
from tenancy.models import AuditEvent, Role
from tests.governance.conftest import NOW
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def _event(action):
    return AuditEvent.objects.filter(action=action).order_by("pk").last()


# --- the spokespersons ------------------------------------------------------------------------


def test_a_partner_guest_does_not_speak_for_us(scope, partnership, owner, guest):
    with pytest.raises(ValidationError) as refused:
        services.crisis_protocol_save(
            partnership=partnership, actor=owner, now=NOW, customer_spokesperson=guest
        )
    assert refused.value.message_dict == {
        "customer_spokesperson": ["Greta Guest does not speak for us."]
    }
    assert not CrisisProtocol.objects.exists()


def test_one_of_ours_does_not_speak_for_the_partner(scope, partnership, owner, manager):
    with pytest.raises(ValidationError) as refused:
        services.crisis_protocol_save(
            partnership=partnership, actor=owner, now=NOW, partner_spokesperson=manager
        )
    assert refused.value.message_dict == {
        "partner_spokesperson": ["Mia Manager does not speak for the partner."]
    }
    assert not CrisisProtocol.objects.exists()


def test_a_spokesperson_who_may_not_take_part_is_refused_under_their_own_field(
    scope, partnership, owner, org_a, org_b, make_member
):
    uninvited = make_member(org_a, Role.PARTNER_GUEST, email="u@other.test", full_name="Ulla")
    with pytest.raises(ValidationError) as refused:
        services.crisis_protocol_save(
            partnership=partnership, actor=owner, now=NOW, partner_spokesperson=uninvited
        )
    assert refused.value.message_dict == {
        "partner_spokesperson": ["Ulla is a partner guest not invited to this partnership."]
    }
    stranger = make_member(org_b, Role.ORG_ADMIN, email="s@bravo.test", full_name="Stan")
    with pytest.raises(ValidationError) as refused:
        services.crisis_protocol_save(
            partnership=partnership, actor=owner, now=NOW, customer_spokesperson=stranger
        )
    assert refused.value.message_dict == {
        "customer_spokesperson": ["The owner must be a member of this organization."]
    }
    assert not CrisisProtocol.objects.exists()


# --- the protocol -----------------------------------------------------------------------------


def test_a_protocol_is_created_once_then_updated_each_time_audited(
    scope, partnership, owner, manager, guest
):
    protocol = services.crisis_protocol_save(
        partnership=partnership,
        actor=owner,
        now=NOW,
        customer_spokesperson=manager,
        partner_spokesperson=guest,
        media_steps="  Hold statement within 2 hours\n\nJoint statement after legal review\n  ",
    )
    protocol.refresh_from_db()
    assert (
        protocol.organization,
        protocol.partnership,
        protocol.customer_spokesperson,
        protocol.partner_spokesperson,
        protocol.media_steps,
        protocol.updated_at,
    ) == (
        scope,
        partnership,
        manager,
        guest,
        "Hold statement within 2 hours\n\nJoint statement after legal review",
        NOW,
    )
    created = _event("governance.crisis_protocol.saved")
    assert (created.actor, created.object_id, created.object_type, created.changes) == (
        owner,
        str(protocol.pk),
        "governance.crisisprotocol",
        {
            "customer_spokesperson": "manager@alpha.test",
            "partner_spokesperson": "guest@alder.test",
            "steps": 2,
            "created": True,
        },
    )
    later = NOW + timedelta(days=1)
    again = services.crisis_protocol_save(partnership=partnership, actor=manager, now=later)
    assert again.pk == protocol.pk
    again.refresh_from_db()
    assert (
        again.customer_spokesperson,
        again.partner_spokesperson,
        again.media_steps,
        again.updated_at,
    ) == (None, None, "", later)
    assert CrisisProtocol.objects.count() == 1
    updated = _event("governance.crisis_protocol.saved")
    assert (updated.actor, updated.changes) == (
        manager,
        {
            "customer_spokesperson": None,
            "partner_spokesperson": None,
            "steps": 0,
            "created": False,
        },
    )


def test_each_partnership_has_its_own_protocol(scope, partnership, owner, manager):
    services.crisis_protocol_save(partnership=partnership, actor=owner, now=NOW)
    other = PartnershipFactory(organization=scope, name="Birch", owner=manager)
    services.crisis_protocol_save(partnership=other, actor=owner, now=NOW)
    assert CrisisProtocol.objects.filter(partnership=other).count() == 1
    assert CrisisProtocol.objects.count() == 2


# --- the contact tree -------------------------------------------------------------------------


@pytest.fixture
def protocol(scope, partnership, owner):
    return services.crisis_protocol_save(partnership=partnership, actor=owner, now=NOW)


def test_a_contact_says_what_they_do_in_a_crisis(protocol, owner, manager):
    for blank in ("", "   ", None):
        with pytest.raises(ValidationError) as refused:
            services.crisis_contact_add(
                protocol=protocol, actor=owner, user=manager, responsibility=blank
            )
        assert refused.value.message_dict == {
            "responsibility": ["Say what this person does in a crisis."]
        }
    assert not CrisisContact.objects.exists()


def test_a_contact_reports_to_someone_of_the_same_tree(scope, protocol, owner, manager):
    other = PartnershipFactory(organization=scope, name="Birch", owner=manager)
    elsewhere = services.crisis_protocol_save(partnership=other, actor=owner, now=NOW)
    boss = services.crisis_contact_add(
        protocol=elsewhere, actor=owner, user=manager, responsibility="Leads"
    )
    with pytest.raises(ValidationError) as refused:
        services.crisis_contact_add(
            protocol=protocol, actor=owner, user=manager, responsibility="Calls", reports_to=boss
        )
    assert refused.value.message_dict == {"reports_to": ["Choose someone of this contact tree."]}
    assert not CrisisContact.objects.filter(protocol=protocol).exists()


def test_a_person_is_in_the_contact_tree_once(scope, protocol, owner, manager):
    services.crisis_contact_add(protocol=protocol, actor=owner, user=manager, responsibility="A")
    with pytest.raises(ValidationError) as refused:
        services.crisis_contact_add(
            protocol=protocol, actor=owner, user=manager, responsibility="B"
        )
    assert refused.value.message_dict == {"user": ["Mia Manager is already in the contact tree."]}
    assert CrisisContact.objects.count() == 1


def test_the_same_person_may_be_in_the_trees_of_two_partnerships(scope, protocol, owner, manager):
    other = PartnershipFactory(organization=scope, name="Birch", owner=manager)
    elsewhere = services.crisis_protocol_save(partnership=other, actor=owner, now=NOW)
    services.crisis_contact_add(protocol=elsewhere, actor=owner, user=manager, responsibility="A")
    contact = services.crisis_contact_add(
        protocol=protocol, actor=owner, user=manager, responsibility="B"
    )
    assert (contact.protocol, contact.position) == (protocol, 0)


def test_a_guest_not_invited_is_refused_from_the_contact_tree(protocol, owner, org_a, make_member):
    uninvited = make_member(org_a, Role.PARTNER_GUEST, email="u@other.test", full_name="Ulla")
    with pytest.raises(ValidationError) as refused:
        services.crisis_contact_add(
            protocol=protocol, actor=owner, user=uninvited, responsibility="Calls"
        )
    assert refused.value.message_dict == {
        "user": ["Ulla is a partner guest not invited to this partnership."]
    }
    assert not CrisisContact.objects.exists()


def test_contacts_are_kept_in_order_with_their_party_and_audited(
    scope, protocol, owner, manager, guest
):
    first = services.crisis_contact_add(
        protocol=protocol, actor=owner, user=manager, responsibility="  Calls the CEO  "
    )
    second = services.crisis_contact_add(
        protocol=protocol, actor=manager, user=guest, responsibility="x" * 250, reports_to=first
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.organization, first.protocol, first.user, first.party) == (
        scope,
        protocol,
        manager,
        "customer",
    )
    assert (first.responsibility, first.reports_to, first.position) == ("Calls the CEO", None, 0)
    assert (second.party, second.responsibility, second.reports_to, second.position) == (
        "partner",
        "x" * 200,
        first,
        1,
    )
    events = AuditEvent.objects.filter(action="governance.crisis_protocol.contact_added")
    assert [(e.actor, e.object_id, e.changes) for e in events.order_by("pk")] == [
        (
            owner,
            str(protocol.pk),
            {
                "contact": "manager@alpha.test",
                "party": "customer",
                "responsibility": "Calls the CEO",
            },
        ),
        (
            manager,
            str(protocol.pk),
            {"contact": "guest@alder.test", "party": "partner", "responsibility": "x" * 200},
        ),
    ]


# --- the log ----------------------------------------------------------------------------------


def test_the_log_takes_an_event_of_now_and_refuses_one_ahead_or_without_a_time(
    scope, partnership, owner
):
    for when in (NOW + timedelta(seconds=1), None):
        with pytest.raises(ValidationError) as refused:
            services.crisis_log_record(
                partnership=partnership, actor=owner, now=NOW, occurred_at=when, title="Fire"
            )
        assert refused.value.message_dict == {
            "occurred_at": ["Log what has happened: the time is not ahead."]
        }
    assert not CrisisLogEntry.objects.exists()
    entry = services.crisis_log_record(
        partnership=partnership, actor=owner, now=NOW, occurred_at=NOW, title="Fire"
    )
    assert entry.occurred_at == NOW


def test_a_log_entry_keeps_what_happened_who_logged_it_and_is_audited(scope, partnership, owner):
    occurred = NOW - timedelta(hours=2)
    entry = services.crisis_log_record(
        partnership=partnership,
        actor=owner,
        now=NOW,
        occurred_at=occurred,
        title="  Fire at the Lyon warehouse  ",
        severity="critical",
        action_taken="Deliveries rerouted to Rotterdam",
    )
    entry.refresh_from_db()
    assert (
        entry.organization,
        entry.partnership,
        entry.occurred_at,
        entry.severity,
        entry.title,
        entry.action_taken,
        entry.logged_by,
        entry.created_at,
    ) == (
        scope,
        partnership,
        occurred,
        "critical",
        "Fire at the Lyon warehouse",
        "Deliveries rerouted to Rotterdam",
        owner,
        NOW,
    )
    event = _event("governance.crisis_log.recorded")
    assert (event.actor, event.object_id, event.object_type, event.changes) == (
        owner,
        str(entry.pk),
        "governance.crisislogentry",
        {"severity": "critical", "occurred_at": "2030-01-10T07:00:00Z"},
    )


def test_a_log_entry_is_of_medium_severity_unless_told(scope, partnership, owner):
    entry = services.crisis_log_record(
        partnership=partnership, actor=owner, now=NOW, occurred_at=NOW, title="Strike"
    )
    entry.refresh_from_db()
    assert (entry.severity, entry.action_taken) == ("medium", "")
    assert _event("governance.crisis_log.recorded").changes["severity"] == "medium"


def test_a_log_entry_needs_a_title_and_a_known_severity(scope, partnership, owner):
    for title in ("   ", None):
        with pytest.raises(ValidationError) as refused:
            services.crisis_log_record(
                partnership=partnership, actor=owner, now=NOW, occurred_at=NOW, title=title
            )
        assert list(refused.value.message_dict) == ["title"]
    with pytest.raises(ValidationError) as refused:
        services.crisis_log_record(
            partnership=partnership,
            actor=owner,
            now=NOW,
            occurred_at=NOW,
            title="Strike",
            severity="apocalyptic",
        )
    assert list(refused.value.message_dict) == ["severity"]
    assert not CrisisLogEntry.objects.exists()


def test_an_entry_logged_by_no_one_signed_in_has_no_author(scope, partnership):
    for actor in (None, AnonymousUser()):
        entry = services.crisis_log_record(
            partnership=partnership, actor=actor, now=NOW, occurred_at=NOW, title="Strike"
        )
        entry.refresh_from_db()
        assert entry.logged_by is None
