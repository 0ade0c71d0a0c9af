"""The renewals, expiries and notice deadlines of the next weeks (each member's inbox): which
agreements have one, whose they are, and in which order."""

from datetime import date

import pytest

from contracts.selectors import agreement_deadlines
from partnerships.inbox import inbox_for
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.contracts.factories import AgreementFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 9, 15)
UNTIL = date(2026, 12, 14)  # 90 days on


def _deadlines(member, **kwargs):
    return [
        (m.agreement.title, m.kind, m.on)
        for m in agreement_deadlines(
            membership=member.memberships.get(), today=TODAY, until=UNTIL, **kwargs
        )
    ]


def test_an_agreement_that_renewed_for_years_still_shows_its_next_notice_deadline(org_a, owner):
    with tenant_scope(org_a):
        AgreementFactory(
            organization=org_a, title="Evergreen logistics", status="active",
            term_type="auto_renewing", effective_date=date(2017, 1, 1),
            expiry_date=date(2019, 12, 31), renewal_period_months=12, notice_period_days=90,
        )  # fmt: skip
        assert _deadlines(owner) == [
            ("Evergreen logistics", "notice", date(2026, 10, 2)),
        ]


def test_only_live_dated_agreements_count_and_the_soonest_comes_first(org_a, owner):
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a)

        def agreement(title, **fields):
            fields = {"status": "active", "notice_period_days": 30, **fields}
            AgreementFactory(organization=org_a, partnership=partnership, title=title, **fields)

        agreement("Ends in November", expiry_date=date(2026, 11, 30))
        agreement("Notice due in December", expiry_date=date(2027, 1, 10))
        agreement("Ends next year", expiry_date=date(2027, 6, 30))
        agreement("Ended", expiry_date=date(2026, 9, 1))
        agreement("Draft", status="draft", expiry_date=date(2026, 10, 31))
        agreement("Terminated", status="terminated", expiry_date=date(2026, 10, 31))
        agreement("Expired", status="expired", expiry_date=date(2026, 10, 31))
        agreement("Until terminated", term_type="perpetual", expiry_date=date(2026, 10, 31))
        agreement("Undated", expiry_date=None)
        assert _deadlines(owner) == [
            ("Ends in November", "notice", date(2026, 10, 31)),
            ("Ends in November", "expiry", date(2026, 11, 30)),
            ("Notice due in December", "notice", date(2026, 12, 11)),
        ]


def test_a_members_deadlines_are_those_of_what_they_or_their_partnerships_own(
    org_a, owner, make_member
):
    colleague = make_member(org_a, Role.PROCUREMENT_MANAGER, email="colleague@alpha.test")
    with tenant_scope(org_a):
        theirs = PartnershipFactory(organization=org_a, owner=colleague)
        mine = PartnershipFactory(organization=org_a, owner=owner)
        for title, partnership, agreement_owner in (
            ("Owned by me", theirs, owner),
            ("In my partnership", mine, colleague),
            ("Not mine", theirs, colleague),
        ):
            AgreementFactory(
                organization=org_a, partnership=partnership, owner=agreement_owner,
                title=title, status="active", expiry_date=date(2026, 12, 1),
                notice_period_days=None,
            )  # fmt: skip
        assert _deadlines(owner, owner_id=owner.pk) == [
            ("Owned by me", "expiry", date(2026, 12, 1)),
            ("In my partnership", "expiry", date(2026, 12, 1)),
        ]
        sections = {s.key: s for s in inbox_for(membership=owner.memberships.get(), today=TODAY)}
    deadlines = sections["deadlines"]
    assert deadlines.count == 2
    assert [item.label for item in deadlines.items] == [
        "Expires: Owned by me",
        "Expires: In my partnership",
    ]


def test_a_decision_due_late_in_the_utc_day_is_due_on_the_organizations_next_day(org_a, owner):
    import datetime as dt
    import zoneinfo

    from django.utils import timezone

    from tests.governance.factories import ChangeRequestApproverFactory, ChangeRequestFactory

    with tenant_scope(org_a):
        change = ChangeRequestFactory(
            organization=org_a,
            partnership=PartnershipFactory(organization=org_a, owner=owner),
            status="submitted",
            decision_due=dt.datetime(2030, 1, 31, 12, 0, tzinfo=dt.UTC),  # 1 Feb on Kiritimati
        )
        ChangeRequestApproverFactory(organization=org_a, change_request=change, user=owner)
        with timezone.override(zoneinfo.ZoneInfo("Pacific/Kiritimati")):
            sections = {
                s.key: s
                for s in inbox_for(membership=owner.memberships.get(), today=date(2030, 2, 1))
            }
    [item] = sections["approvals"].items
    assert (item.due, item.overdue) == (date(2030, 2, 1), False)  # due today there, not late


def test_a_notice_deadline_still_to_come_is_due_not_overdue(org_a, owner):
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a, owner=owner)
        for title, expiry in (
            ("Notice due today", date(2026, 10, 15)),
            ("Later", date(2026, 12, 31)),
        ):
            AgreementFactory(
                organization=org_a, partnership=partnership, title=title, status="active",
                expiry_date=expiry, notice_period_days=30,
            )  # fmt: skip
        sections = {s.key: s for s in inbox_for(membership=owner.memberships.get(), today=TODAY)}
    notices = [
        (item.label, item.due, item.overdue)
        for item in sections["deadlines"].items
        if item.label.startswith("Last day")
    ]
    assert notices == [
        ("Last day to give notice: Notice due today", date(2026, 9, 15), False),
        ("Last day to give notice: Later", date(2026, 12, 1), False),
    ]
