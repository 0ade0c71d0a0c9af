"""Compliance, force majeure, the incident response plan and the watch list pinned rule by rule
(found by `make mutation MUTATION_ARGS=risk.compliance`, docs/mutation.md: the incident plan
had no service test): each refusal on its field in the user's words, the edges (a one-day
period, a period ending today or when the window opens, an event starting today, notice of 0
and 180 days, attestation every 1 and every 60 months), the defaults, what each step stores and
audits, who holds a requirement's due date, which officer may attest when, and the exception
notice's and the reminder's words, link, key and recipients."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from risk import services
from risk.models import (
    Attestation,
    ComplianceOfficer,
    ComplianceRequirement,
    ForceMajeureEvent,
    IncidentResponsePlan,
    WatchItem,
)
from risk.services import compliance
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import AuditEvent, Membership, Notification, Role
from tests.partnerships.factories import PartnershipFactory
from tests.risk.factories import ComplianceRequirementFactory

pytestmark = pytest.mark.django_db
# The requirement of these tests is due on 31 March 2030; its window opens 31 days before.
DUE = date(2030, 3, 31)
OPENS = date(2030, 2, 28)
AFTER_DUE = datetime(2030, 4, 2, 9, 0, tzinfo=UTC)
BLANK = ["This field cannot be blank."]


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _create(manager, partnership, **fields):
    data = {
        "framework": "gdpr",
        "jurisdiction": "EU",
        "title": "Data processing agreement in force",
        "due_on": DUE,
        **fields,
    }
    return services.compliance_requirement_create(actor=manager, partnership=partnership, **data)


def _requirement(partnership, **fields):
    data = {"due_on": DUE, "attestation_months": 12, "title": "DPA register", **fields}
    return ComplianceRequirementFactory(partnership=partnership, **data)


def _attest(requirement, user, start=date(2029, 4, 1), end=DUE, now=AFTER_DUE, **extra):
    data = {"statement": "All processors listed; DPAs signed.", **extra}
    return services.attestation_record(
        requirement=requirement,
        attested_by=user,
        period_start=start,
        period_end=end,
        now=now,
        **data,
    )


def _appoint(partnership, actor, user, framework="gdpr"):
    return compliance.compliance_officer_appoint(
        partnership=partnership, actor=actor, user=user, framework=framework
    )


def _stored_as(name, organization, stem):
    """Evidence is stored in the organization's own folder under the uploaded name (with the
    suffix the storage adds when a file of that name is there already)."""
    return re.fullmatch(rf"risk/evidence/{organization.pk}/{stem}(_[A-Za-z0-9]{{7}})?\.pdf", name)


def _due_on(requirement):
    requirement.refresh_from_db()
    return requirement.due_on


# -- requirements -----------------------------------------------------------------------------


def test_a_requirement_is_attested_yearly_with_no_standards_or_owner_unless_given(
    scope, manager, partnership
):
    requirement = _create(manager, partnership)
    requirement.refresh_from_db()
    assert requirement.attestation_months == 12
    assert (requirement.our_standard, requirement.partner_standard) == ("", "")
    assert (requirement.harmonised_standard, requirement.owner) == ("", None)


def test_a_requirement_keeps_its_standards_and_owner_and_normalises_its_words(
    scope, manager, owner, partnership
):
    requirement = _create(
        manager,
        partnership,
        jurisdiction=" de ",
        title="  Works council consulted  ",
        our_standard="Our code of conduct",
        partner_standard="Their supplier charter",
        harmonised_standard="ISO 37001",
        owner=owner,
    )
    requirement.refresh_from_db()
    assert (requirement.jurisdiction, requirement.title) == ("DE", "Works council consulted")
    assert (requirement.our_standard, requirement.partner_standard) == (
        "Our code of conduct",
        "Their supplier charter",
    )
    assert (requirement.harmonised_standard, requirement.owner) == ("ISO 37001", owner)


@pytest.mark.parametrize("months", [None, 0, 61])
def test_a_requirement_is_attested_between_every_month_and_every_five_years(
    scope, manager, partnership, months
):
    with pytest.raises(ValidationError) as refused:
        _create(manager, partnership, attestation_months=months)
    assert refused.value.message_dict == {
        "attestation_months": ["Attest between every month and every 5 years."]
    }
    assert not ComplianceRequirement.objects.exists()


@pytest.mark.parametrize("months", [1, 60])
def test_monthly_and_five_yearly_attestation_are_both_allowed(scope, manager, partnership, months):
    assert _create(manager, partnership, attestation_months=months).attestation_months == months


def test_a_requirement_without_a_jurisdiction_or_title_is_refused_on_both(
    scope, manager, partnership
):
    with pytest.raises(ValidationError) as refused:
        _create(manager, partnership, jurisdiction=None, title=None)
    assert refused.value.message_dict == {"jurisdiction": BLANK, "title": BLANK}


def test_creating_a_requirement_is_audited_with_its_framework_jurisdiction_and_due_date(
    scope, manager, partnership
):
    requirement = _create(manager, partnership, jurisdiction="gb", framework="anti_bribery")
    [event] = _events("risk.compliance_requirement.created")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(requirement.pk),
        {"framework": "anti_bribery", "jurisdiction": "GB", "due_on": "2030-03-31"},
    )


# -- attestations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "statement", "errors"),
    [
        (
            date(2030, 3, 2),
            date(2030, 3, 1),
            "Done.",
            {"period_end": ["The period cannot end before it starts."]},
        ),
        (
            date(2029, 4, 3),
            date(2030, 4, 3),  # tomorrow
            "Done.",
            {"period_end": ["A period can only be attested once it has ended (or ends today)."]},
        ),
        (
            date(2029, 4, 1),
            DUE,
            "   ",
            {"statement": ["Say what is attested (or what the exception is)."]},
        ),
    ],
    ids=["ends-before-it-starts", "ends-tomorrow", "says-nothing"],
)
def test_an_attestation_refusal_says_what_is_wrong_on_its_field(
    scope, manager, partnership, start, end, statement, errors
):
    requirement = _requirement(partnership)
    with pytest.raises(ValidationError) as refused:
        _attest(requirement, manager, start, end, statement=statement)
    assert refused.value.message_dict == errors
    assert not Attestation.objects.exists()


def test_a_one_day_period_ending_today_may_be_attested(scope, manager, partnership):
    requirement = _requirement(partnership)
    today = AFTER_DUE.date()
    attestation = _attest(requirement, manager, today, today)
    assert (attestation.period_start, attestation.period_end) == (today, today)


def test_an_outsider_or_a_member_who_left_cannot_attest(
    scope, manager, outsider, partnership, org_a, make_member
):
    requirement = _requirement(partnership)
    left = make_member(org_a, Role.PROCUREMENT_MANAGER, email="left@alpha.test")
    Membership.objects.filter(user=left).update(is_active=False)
    for user in (outsider, left):
        with pytest.raises(ValidationError) as refused:
            _attest(requirement, user)
        assert refused.value.message_dict == {
            "attested_by": ["Only a member of the organization or an invited guest can attest."]
        }
    assert not Attestation.objects.exists()


def test_a_person_attests_a_period_once_but_may_attest_another_period(scope, manager, partnership):
    requirement = _requirement(partnership, due_on=date(2031, 3, 31))
    _attest(requirement, manager, date(2029, 4, 1), date(2029, 9, 30))
    with pytest.raises(ValidationError) as refused:
        _attest(requirement, manager, date(2029, 4, 1), date(2029, 9, 30), statement="Again.")
    assert refused.value.message_dict == {"period_start": ["You already attested this period."]}
    _attest(requirement, manager, date(2029, 10, 1), date(2030, 3, 31))
    assert Attestation.objects.filter(attested_by=manager).count() == 2


def test_a_member_attests_for_us_and_an_exception_is_recorded_as_one(scope, manager, partnership):
    requirement = _requirement(partnership)
    attestation = _attest(requirement, manager, outcome=Attestation.Outcome.EXCEPTION)
    attestation.refresh_from_db()
    assert (attestation.party, attestation.outcome) == ("customer", "exception")


def test_an_attestation_is_audited_with_its_period_outcome_and_the_due_date_it_moved(
    scope, manager, partnership
):
    requirement = _requirement(partnership)
    attestation = _attest(requirement, manager)
    [event] = _events("risk.attestation.recorded")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(attestation.pk),
        {
            "requirement": requirement.pk,
            "period": ["2029-04-01", "2030-03-31"],
            "outcome": "compliant",
            "evidence": "",
            "due_on": ["2030-03-31", "2031-03-31"],
        },
    )


def test_the_evidence_is_stored_under_its_name_and_named_in_the_audit_event(
    scope, manager, partnership, org_a
):
    requirement = _requirement(partnership)
    attestation = _attest(
        requirement, manager, evidence=SimpleUploadedFile("dpa-register.pdf", b"%PDF-1.4")
    )
    attestation.refresh_from_db()
    assert _stored_as(attestation.evidence.name, org_a, "dpa-register")
    assert attestation.evidence.read() == b"%PDF-1.4"
    [event] = _events("risk.attestation.recorded")
    assert event.changes["evidence"] == attestation.evidence.name


def test_a_period_ending_the_day_the_window_opens_attests_the_current_period(
    scope, manager, partnership
):
    early = _requirement(partnership)
    _attest(early, manager, date(2029, 3, 1), OPENS - timedelta(days=1))
    assert _due_on(early) == DUE  # an earlier period: still owed
    _attest(early, manager, date(2029, 3, 2), OPENS)
    assert _due_on(early) == date(2031, 3, 31)


def test_an_exception_tells_the_partnerships_and_the_requirements_owners_in_the_attesters_words(
    scope, manager, owner, partnership
):
    requirement = _requirement(partnership, owner=owner)
    statement = "Two sub-processors have no DPA yet. " * 20
    attestation = _attest(
        requirement, manager, statement=f"  {statement}", outcome=Attestation.Outcome.EXCEPTION
    )
    notes = Notification.objects.order_by("recipient__email")
    assert [(n.recipient, n.title) for n in notes] == [
        (manager, "Compliance exception: DPA register"),
        (owner, "Compliance exception: DPA register"),
    ]
    for note in notes:
        assert note.body == statement.strip()[:500] and len(note.body) == 500
        assert note.url == f"/o/alpha/partnerships/{partnership.pk}/risk/#compliance"
        assert note.dedupe_key == f"risk.attestation:{attestation.pk}"


def test_a_compliant_attestation_notifies_nobody(scope, manager, owner, partnership):
    _attest(_requirement(partnership, owner=owner), manager)
    assert not Notification.objects.exists()


# -- whose attestations move the due date -----------------------------------------------------


def test_only_the_requirements_own_officers_hold_its_due_date(
    scope, manager, owner, partnership, org_a
):
    other = PartnershipFactory(organization=org_a, owner=manager)
    _appoint(partnership, manager, manager)
    _appoint(other, manager, owner)  # the same area, another partnership
    _appoint(partnership, manager, owner, framework="labour")  # another area
    requirement = _requirement(partnership)
    _attest(requirement, manager)
    assert _due_on(requirement) == date(2031, 3, 31)


def test_an_officer_who_attested_another_requirement_still_owes_this_one(
    scope, manager, guest, owner, partnership
):
    _appoint(partnership, owner, manager)
    _appoint(partnership, owner, guest)
    requirement, sibling = _requirement(partnership), _requirement(partnership)
    _attest(sibling, guest)
    _attest(requirement, manager)
    assert (_due_on(requirement), _due_on(sibling)) == (DUE, DUE)


def test_an_officer_who_attested_only_the_previous_period_still_owes_the_current_one(
    scope, manager, guest, owner, partnership
):
    _appoint(partnership, owner, manager)
    _appoint(partnership, owner, guest)
    requirement = _requirement(partnership)
    _attest(requirement, guest, date(2028, 4, 1), date(2029, 3, 31))
    _attest(requirement, manager)
    assert _due_on(requirement) == DUE


# -- officers ---------------------------------------------------------------------------------


def test_an_officer_is_appointed_for_a_compliance_area_only(scope, manager, partnership):
    with pytest.raises(ValidationError) as refused:
        _appoint(partnership, manager, manager, framework="tax")
    assert refused.value.message_dict == {"framework": ["Choose a compliance area."]}
    assert not ComplianceOfficer.objects.exists()


def test_an_outsider_or_a_member_who_left_cannot_be_an_officer(
    scope, manager, outsider, partnership, org_a, make_member
):
    left = make_member(org_a, Role.PROCUREMENT_MANAGER, email="left@alpha.test")
    Membership.objects.filter(user=left).update(is_active=False)
    for user in (outsider, left):
        with pytest.raises(ValidationError) as refused:
            _appoint(partnership, manager, user)
        assert refused.value.message_dict == {
            "user": ["The officer must be a member of this organization."]
        }
    assert not ComplianceOfficer.objects.exists()


def test_a_guest_not_invited_to_the_partnership_cannot_be_its_officer(
    scope, manager, guest, partnership, org_a, make_member
):
    stranger = make_member(
        org_a, Role.PARTNER_GUEST, email="otto@other.test", full_name="Otto Other"
    )
    with pytest.raises(ValidationError) as refused:
        _appoint(partnership, manager, stranger)
    assert refused.value.message_dict == {
        "user": ["Otto Other is a partner guest not invited to this partnership."]
    }
    assert _appoint(partnership, manager, guest).party == "partner"


def test_each_partnership_and_area_has_its_own_officer(scope, manager, owner, partnership, org_a):
    other = PartnershipFactory(organization=org_a, owner=manager)
    gdpr = _appoint(partnership, manager, manager)
    elsewhere = _appoint(other, manager, owner)
    labour = _appoint(partnership, manager, owner, framework="labour")
    assert len({gdpr.pk, elsewhere.pk, labour.pk}) == 3
    assert sorted(
        ComplianceOfficer.objects.values_list("partnership_id", "framework", "user__email")
    ) == sorted(
        [
            (partnership.pk, "gdpr", "manager@alpha.test"),
            (other.pk, "gdpr", "owner@alpha.test"),
            (partnership.pk, "labour", "owner@alpha.test"),
        ]
    )


def test_appointing_and_replacing_an_officer_is_audited_with_who_was_and_who_is(
    scope, manager, owner, partnership
):
    first = _appoint(partnership, manager, manager)
    _appoint(partnership, owner, owner)
    assert [
        (e.actor, e.object_id, e.changes) for e in _events("risk.compliance_officer.appointed")
    ] == [
        (
            manager,
            str(first.pk),
            {"framework": "gdpr", "party": "customer", "officer": [None, "manager@alpha.test"]},
        ),
        (
            owner,
            str(first.pk),
            {
                "framework": "gdpr",
                "party": "customer",
                "officer": ["manager@alpha.test", "owner@alpha.test"],
            },
        ),
    ]


# -- officers attesting -----------------------------------------------------------------------


def test_only_an_officer_of_the_requirements_partnership_and_area_attests_it(
    scope, manager, owner, partnership, org_a
):
    other = PartnershipFactory(organization=org_a, owner=manager)
    _appoint(other, manager, manager, framework="anti_bribery")
    _appoint(partnership, manager, manager, framework="labour")
    requirement = _requirement(partnership, framework="anti_bribery")
    with pytest.raises(PermissionDeniedError) as refused:
        compliance.compliance_officer_attest(
            requirement=requirement, officer_user=manager, statement="Fine.", now=_at(DUE)
        )
    assert str(refused.value) == (
        "Only a compliance officer for anti-bribery and corruption attests this requirement."
    )
    assert not Attestation.objects.exists()


def test_the_refusal_keeps_an_areas_acronym_in_capitals(scope, manager, partnership):
    requirement = _requirement(partnership, framework="gdpr")
    with pytest.raises(PermissionDeniedError) as refused:
        compliance.compliance_officer_attest(
            requirement=requirement, officer_user=manager, statement="Fine.", now=_at(DUE)
        )
    assert str(refused.value) == (
        "Only a compliance officer for GDPR (data protection) attests this requirement."
    )


def test_before_the_window_opens_the_officer_is_told_when_it_does(scope, manager, partnership):
    _appoint(partnership, manager, manager)
    requirement = _requirement(partnership)
    with pytest.raises(ConflictError) as refused:
        compliance.compliance_officer_attest(
            requirement=requirement,
            officer_user=manager,
            statement="Early.",
            now=_at(OPENS - timedelta(days=1)),
        )
    assert (refused.value.message, refused.value.code) == (
        "The period due 31 Mar 2030 opens for attestation on 28 Feb 2030.",
        "attestation_not_open",
    )


def test_an_officer_attests_on_the_day_the_window_opens_and_only_once(
    scope, manager, guest, partnership
):
    _appoint(partnership, manager, manager)
    _appoint(partnership, manager, guest)  # still owes it: the due date stays
    requirement = _requirement(partnership)
    attestation = compliance.compliance_officer_attest(
        requirement=requirement, officer_user=manager, statement="Done.", now=_at(OPENS)
    )
    assert (attestation.period_start, attestation.period_end) == (date(2029, 4, 1), OPENS)
    for day in (OPENS, DUE + timedelta(days=10)):
        with pytest.raises(ConflictError) as refused:
            compliance.compliance_officer_attest(
                requirement=requirement, officer_user=manager, statement="Again.", now=_at(day)
            )
        assert (refused.value.message, refused.value.code) == (
            "You already attested this period.",
            "already_attested",
        )


def test_an_officer_records_an_exception_with_its_evidence(scope, manager, partnership, org_a):
    _appoint(partnership, manager, manager)
    requirement = _requirement(partnership)
    attestation = compliance.compliance_officer_attest(
        requirement=requirement,
        officer_user=manager,
        statement="One sub-processor has no DPA.",
        now=_at(DUE),
        outcome=Attestation.Outcome.EXCEPTION,
        evidence=SimpleUploadedFile("gap.pdf", b"%PDF-1.4"),
    )
    attestation.refresh_from_db()
    assert attestation.outcome == "exception"
    assert _stored_as(attestation.evidence.name, org_a, "gap")


# -- reminders --------------------------------------------------------------------------------


def test_reminders_go_out_from_seven_days_before_the_due_date(scope, manager, partnership):
    _appoint(partnership, manager, manager)
    _requirement(partnership)
    assert compliance.compliance_reminders_send(now=_at(DUE - timedelta(days=8))) == 0
    assert compliance.compliance_reminders_send(now=_at(DUE - timedelta(days=7))) == 1


def test_every_officer_still_owing_is_reminded_in_words_with_a_link(
    scope, manager, guest, partnership
):
    _appoint(partnership, manager, manager)
    _appoint(partnership, manager, guest)
    requirement = _requirement(partnership)
    assert compliance.compliance_reminders_send(now=_at(DUE - timedelta(days=2))) == 2
    notes = Notification.objects.order_by("recipient__email")
    assert [n.recipient for n in notes] == [guest, manager]
    for note in notes:
        assert note.title == "Attestation due 31 Mar 2030: DPA register"
        assert note.body == "GDPR (data protection): attest the period ending 31 Mar 2030."
        assert note.url == f"/o/alpha/partnerships/{partnership.pk}/governance/compliance/"
        assert note.dedupe_key == (
            f"risk.compliance.reminder:{requirement.pk}:{note.recipient_id}:2030-03-31"
        )
    [event] = _events("risk.compliance.reminders_sent")
    assert (event.actor, event.actor_label, event.changes) == (
        None,
        "reminder job",
        {"requirements": [requirement.pk], "reminders": 2},
    )


def test_an_officer_who_attested_is_skipped_and_the_next_one_still_reminded(
    scope, manager, guest, partnership
):
    _appoint(partnership, manager, manager)  # ours comes first
    _appoint(partnership, manager, guest)
    requirement = _requirement(partnership)
    compliance.compliance_officer_attest(
        requirement=requirement, officer_user=manager, statement="Done.", now=_at(OPENS)
    )
    assert compliance.compliance_reminders_send(now=_at(DUE - timedelta(days=2))) == 1
    assert [n.recipient for n in Notification.objects.all()] == [guest]


# -- force majeure ----------------------------------------------------------------------------


def _log(manager, partnership, **fields):
    data = {
        "title": "Flooding at the Rhine plant",
        "started_on": date(2030, 3, 1),
        "today": date(2030, 3, 2),
        **fields,
    }
    return services.force_majeure_log(actor=manager, partnership=partnership, **data)


def test_without_agreed_terms_notice_is_due_in_14_days_and_alternative_sourcing_required(
    scope, manager, partnership
):
    event = _log(manager, partnership)
    event.refresh_from_db()
    assert event.notice_deadline == date(2030, 3, 15)
    assert (event.description, event.affected_obligations, event.escalation_steps) == ("", "", "")
    assert (event.alternative_sourcing_required, event.status) == (True, "ongoing")


def test_a_logged_event_keeps_what_was_said_about_it(scope, manager, partnership):
    event = _log(
        manager,
        partnership,
        title="  Strike at the port  ",
        description="Dockers' strike, open-ended.",
        affected_obligations="Weekly deliveries to Ulm.",
        escalation_steps="Daily call with the partner's COO.",
        alternative_sourcing_required=False,
    )
    event.refresh_from_db()
    assert (event.title, event.description) == (
        "Strike at the port",
        "Dockers' strike, open-ended.",
    )
    assert (event.affected_obligations, event.escalation_steps) == (
        "Weekly deliveries to Ulm.",
        "Daily call with the partner's COO.",
    )
    assert event.alternative_sourcing_required is False


def test_an_event_may_start_today_but_not_tomorrow(scope, manager, partnership):
    today = date(2030, 3, 2)
    assert _log(manager, partnership, started_on=today, today=today).started_on == today
    with pytest.raises(ValidationError) as refused:
        _log(manager, partnership, started_on=today + timedelta(days=1), today=today)
    assert refused.value.message_dict == {"started_on": ["An event cannot start in the future."]}
    assert ForceMajeureEvent.objects.count() == 1


@pytest.mark.parametrize("days", [None, -1, 181])
def test_notice_is_due_within_0_to_180_days(scope, manager, partnership, days):
    with pytest.raises(ValidationError) as refused:
        _log(manager, partnership, notice_days=days)
    assert refused.value.message_dict == {"notice_days": ["Notice is due within 0 to 180 days."]}
    assert not ForceMajeureEvent.objects.exists()


@pytest.mark.parametrize(("days", "deadline"), [(0, date(2030, 3, 1)), (180, date(2030, 8, 28))])
def test_notice_the_same_day_or_in_180_days_are_both_terms(
    scope, manager, partnership, days, deadline
):
    assert _log(manager, partnership, notice_days=days).notice_deadline == deadline


def test_an_event_without_a_title_is_refused(scope, manager, partnership):
    with pytest.raises(ValidationError) as refused:
        _log(manager, partnership, title=None)
    assert refused.value.message_dict == {"title": BLANK}


def test_logging_an_event_is_audited_with_its_start_and_notice_deadline(
    scope, manager, partnership
):
    event = _log(manager, partnership, notice_days=10)
    [audited] = _events("risk.force_majeure.logged")
    assert (audited.actor, audited.object_id, audited.changes) == (
        manager,
        str(event.pk),
        {"started_on": "2030-03-01", "notice_deadline": "2030-03-11"},
    )


def test_notice_on_the_first_day_leaves_the_event_ongoing_and_is_audited(
    scope, manager, partnership
):
    event = _log(manager, partnership)
    services.force_majeure_update(event=event, actor=manager, notice_given_on=date(2030, 3, 1))
    event.refresh_from_db()
    assert (event.notice_given_on, event.status) == (date(2030, 3, 1), "ongoing")
    [audited] = _events("risk.force_majeure.updated")
    assert (audited.actor, audited.object_id, audited.changes) == (
        manager,
        str(event.pk),
        {"notice_given_on": [None, "2030-03-01"]},
    )


def test_an_event_may_end_the_day_it_started_and_its_escalation_steps_change(
    scope, manager, partnership
):
    event = _log(manager, partnership)
    services.force_majeure_update(
        event=event, actor=manager, ended_on=date(2030, 3, 1), escalation_steps="Resolved."
    )
    event.refresh_from_db()
    assert (event.ended_on, event.status, event.escalation_steps) == (
        date(2030, 3, 1),
        "ended",
        "Resolved.",
    )


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"ended_on": date(2030, 2, 28)},
            {"ended_on": ["The event cannot end before it started."]},
        ),
        (
            {"notice_given_on": date(2030, 2, 28)},
            {"notice_given_on": ["Notice cannot precede the event."]},
        ),
    ],
    ids=["ends-before-it-started", "notice-before-the-event"],
)
def test_an_update_before_the_event_started_is_refused_on_its_field(
    scope, manager, partnership, fields, errors
):
    event = _log(manager, partnership)
    with pytest.raises(ValidationError) as refused:
        services.force_majeure_update(event=event, actor=manager, **fields)
    assert refused.value.message_dict == errors
    assert not _events("risk.force_majeure.updated")


def test_an_update_of_any_other_field_is_a_programming_error(scope, manager, partnership):
    event = _log(manager, partnership)
    with pytest.raises(TypeError, match=r"^Unknown fields: \['status', 'title'\]$"):
        services.force_majeure_update(event=event, actor=manager, title="New", status="ended")


# -- incident response plan -------------------------------------------------------------------


def _plan(manager, partnership, **fields):
    data = {
        "roles": "Their plant manager leads.",
        "contact_tree": "Plant manager, then key account.",
        "steps": "1. Assess. 2. Notify.",
        **fields,
    }
    return services.incident_plan_set(actor=manager, partnership=partnership, **data)


def test_a_partnership_has_one_incident_plan_that_setting_again_changes_and_audits(
    scope, manager, owner, partnership, org_a
):
    first = _plan(manager, partnership)
    again = _plan(
        owner,
        partnership,
        steps="1. Assess. 2. Notify. 3. Re-route.",
        last_tested_on=date(2030, 1, 5),
    )
    elsewhere = _plan(manager, PartnershipFactory(organization=org_a, owner=manager))
    assert again.pk == first.pk != elsewhere.pk
    again.refresh_from_db()
    assert (again.partnership, again.roles, again.contact_tree) == (
        partnership,
        "Their plant manager leads.",
        "Plant manager, then key account.",
    )
    assert (again.steps, again.last_tested_on) == (
        "1. Assess. 2. Notify. 3. Re-route.",
        date(2030, 1, 5),
    )
    assert [(e.actor, e.object_id, e.changes) for e in _events("risk.incident_plan.set")][:2] == [
        (
            manager,
            str(first.pk),
            {
                "roles": ["", "Their plant manager leads."],
                "contact_tree": ["", "Plant manager, then key account."],
                "steps": ["", "1. Assess. 2. Notify."],
            },
        ),
        (
            owner,
            str(first.pk),
            {
                "steps": ["1. Assess. 2. Notify.", "1. Assess. 2. Notify. 3. Re-route."],
                "last_tested_on": [None, "2030-01-05"],
            },
        ),
    ]


def test_an_incident_plan_without_roles_is_refused(scope, manager, partnership):
    with pytest.raises(ValidationError) as refused:
        _plan(manager, partnership, roles="")
    assert refused.value.message_dict == {"roles": BLANK}
    assert not IncidentResponsePlan.objects.exists()


# -- watch list -------------------------------------------------------------------------------


def _watch(manager, **fields):
    data = {"kind": "regulatory", "title": "EU steel safeguard quota", **fields}
    return services.watch_item_create(actor=manager, **data)


def test_a_watch_item_tagged_with_categories_only_has_no_countries_or_description(scope, manager):
    item = _watch(manager, categories="Steel")
    item.refresh_from_db()
    assert (item.countries, item.categories, item.description, item.effective_on) == (
        "",
        "Steel",
        "",
        None,
    )


def test_a_watch_items_countries_and_categories_are_tidied_and_audited(scope, manager):
    item = _watch(
        manager,
        title="  Export controls  ",
        countries=" tw,cn ,, De ",
        categories=" Steel ,Power electronics,,",
        description="Licences needed from May.",
        effective_on=date(2030, 5, 1),
    )
    item.refresh_from_db()
    assert (item.title, item.countries, item.categories) == (
        "Export controls",
        "TW, CN, DE",
        "Steel, Power electronics",
    )
    assert (item.description, item.effective_on) == ("Licences needed from May.", date(2030, 5, 1))
    [event] = _events("risk.watch_item.created")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(item.pk),
        {"countries": "TW, CN, DE", "categories": "Steel, Power electronics"},
    )


@pytest.mark.parametrize(
    ("countries", "message"),
    [
        ("Taiwan, DE", "Use two-letter country codes (TAIWAN is not one)."),
        ("Taiwan, DE, China", "Use two-letter country codes (TAIWAN, CHINA are not)."),
        ("", "Tag at least one country or category, so exposure can be found."),
    ],
    ids=["one-bad-code", "two-bad-codes", "no-tags"],
)
def test_a_watch_item_needs_real_country_codes_or_a_category(scope, manager, countries, message):
    with pytest.raises(ValidationError) as refused:
        _watch(manager, countries=countries)
    assert refused.value.message_dict == {"countries": [message]}
    assert not WatchItem.objects.exists()


def test_a_watch_item_without_a_title_is_refused(scope, manager):
    with pytest.raises(ValidationError) as refused:
        _watch(manager, title=None, countries="TW")
    assert refused.value.message_dict == {"title": BLANK}


def test_an_event_without_its_start_is_refused_on_the_field(scope, manager, partnership):
    with pytest.raises(ValidationError) as refused:
        services.force_majeure_log(
            actor=manager, partnership=partnership, title="Flood", started_on=None, today=DUE
        )
    assert refused.value.message_dict == {"started_on": ["Say when the event started."]}
    assert not ForceMajeureEvent.objects.exists()
