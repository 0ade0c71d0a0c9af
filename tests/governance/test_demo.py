"""The governance demo: change requests in several states, one awaiting the partner guest's
approval and one escalated; a second run adds nothing."""

from contextlib import contextmanager

import pytest

from contracts import demo as contracts_demo
from governance import demo as governance_demo
from governance.models import ChangeRequest
from governance.selectors import awaiting_decision
from partnerships.demo import seed_partnerships
from tenancy.context import tenant_scope
from tenancy.demo import seed_organization
from tenancy.models import Membership, Role

pytestmark = pytest.mark.django_db


@contextmanager
def _governance_seeded_twice():
    """Northwind with its partnerships, contracts and governance demo, the last seeded twice;
    inside its tenant scope."""
    tenant = seed_organization("northwind")
    with tenant_scope(tenant.organization):
        seed_partnerships(tenant)
        contracts_demo.seed(tenant)
        governance_demo.seed(tenant)
        governance_demo.seed(tenant)
        yield tenant


def test_the_demo_has_change_requests_in_several_states_and_a_second_run_adds_nothing():
    tenant = seed_organization("northwind")
    with tenant_scope(tenant.organization):
        seed_partnerships(tenant)
        contracts_demo.seed(tenant)
        governance_demo.seed(tenant)
        rows = list(ChangeRequest.objects.values_list("number", "status", "escalation_level"))
        governance_demo.seed(tenant)
        assert list(ChangeRequest.objects.values_list("number", "status", "escalation_level")) == (
            rows
        )
        assert {status for _, status, _ in rows} == {
            "draft",
            "submitted",
            "implemented",
            "rejected",
        }
        guest = Membership.objects.get(
            organization=tenant.organization, user=tenant.users[Role.PARTNER_GUEST]
        )
        waiting = list(awaiting_decision(membership=guest))
        assert [cr.title for cr in waiting] == [
            "Dual-source the gearbox housings",
            "Saturday service desk coverage",
        ]
        escalated = ChangeRequest.objects.get(title="Dual-source the gearbox housings")
        assert escalated.escalation_level >= 1
        assert ChangeRequest.objects.filter(agreement__isnull=False).exists()


def test_each_demo_partnership_has_a_committee_meetings_a_raci_and_an_escalation():
    from governance.models import Committee, Escalation, Meeting, MeetingDecision, RaciAssignment

    with _governance_seeded_twice() as tenant:
        for partnership in tenant.partnerships:
            committee = Committee.objects.get(partnership=partnership)
            meetings = Meeting.objects.filter(committee=committee)
            assert meetings.filter(minutes_status="approved").count() == 1
            assert meetings.filter(kind="quarterly_review").exclude(priorities_changed=[]).exists()
            assert MeetingDecision.objects.filter(meeting__committee=committee).count() == 1
            assert (
                RaciAssignment.objects.filter(activity__partnership=partnership, letter="A").count()
                == 6
            )
            assert Escalation.objects.filter(partnership=partnership, status="open").count() == 1
        first = Committee.objects.get(partnership=tenant.partnerships[0])
        assert set(first.members.values_list("party", flat=True)) == {"customer", "partner"}


def test_the_demo_sponsors_term_ends_soon_and_the_committee_was_told_once():
    from tenancy.models import Notification

    with _governance_seeded_twice() as tenant:
        told = Notification.objects.filter(
            dedupe_key__startswith="governance.committee.term_ending:",
            recipient=tenant.users[Role.ORG_ADMIN],
        )
        # One notice per partnership's committee: the admin sponsors each, and is told once.
        assert told.count() == len(tenant.partnerships)
        assert {n.title.split(":")[1].strip() for n in told} == {
            f"{tenant.users[Role.ORG_ADMIN]} (member)"
        }


def test_the_demo_has_an_overdue_open_book_disclosure():
    from django.utils import timezone

    from governance import services
    from governance.models import Disclosure

    tenant = seed_organization("northwind")
    with tenant_scope(tenant.organization):
        seed_partnerships(tenant)
        governance_demo.seed(tenant)
        today = timezone.localdate()
        overdue = [d for d in Disclosure.objects.all() if services.is_overdue(d, today=today)]
        assert {d.data_type for d in overdue} == {"margin"}
