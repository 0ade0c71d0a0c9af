"""Due diligence and onboarding escalations pinned rule by rule (found by `make mutation
MUTATION_ARGS=partnerships.due_diligence`, docs/mutation.md): each refusal on its field or in the
user's words (an unknown template, a checklist after negotiation started, a failed or waived item
without findings, an escalation with no one to go to, a blank or second resolution); which
template items are optional; when a review is stamped and when the stamp is cleared; that only a
new upload replaces the evidence on record, and the audit names the file it replaced; that only
failing an item escalates, to the partnership's owner (else whoever failed it); every missed
milestone counted, an ownerless partnership's escalated to the organization's admins; what each step
stores and audits; the escalation notice's words, link, key and recipient."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from partnerships import services
from partnerships.models import DueDiligenceItem, OnboardingEscalation, Partnership
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Notification, Role
from tests.partnerships.factories import (
    DueDiligenceItemFactory,
    OnboardingMilestoneFactory,
    PartnershipFactory,
)
from tests.tenancy.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=3, hours=2)
TODAY = NOW.date()
DEADLINE = date(2026, 3, 12)  # ten days after TODAY


@pytest.fixture
def scope(org_a):
    with tenant_scope(org_a):
        yield org_a


@pytest.fixture
def reviewer(org_a, make_member):
    return make_member(org_a, email="reviewer@alpha.test")


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _update(item, actor, now=NOW, **fields):
    return services.due_diligence_item_update(item=item, actor=actor, now=now, **fields)


# --- Checklist templates -------------------------------------------------------------------------


def test_an_unknown_template_is_refused_on_the_template_field(scope, owner):
    partnership = PartnershipFactory(organization=scope, status=Partnership.Status.DUE_DILIGENCE)
    with pytest.raises(ValidationError) as refused:
        services.due_diligence_apply_template(
            partnership=partnership, template="bespoke", actor=owner
        )
    assert refused.value.message_dict == {"template": ["Choose one of the checklist templates."]}
    assert not DueDiligenceItem.objects.exists()


@pytest.mark.parametrize(
    "status", [Partnership.Status.NEGOTIATING, Partnership.Status.ACTIVE, Partnership.Status.CLOSED]
)
def test_a_checklist_is_refused_in_words_once_negotiation_has_started(scope, owner, status):
    partnership = PartnershipFactory(organization=scope, status=status)
    with pytest.raises(ConflictError) as refused:
        services.due_diligence_apply_template(
            partnership=partnership, template="essential", actor=owner
        )
    assert refused.value.message == "Checklists are set up before negotiation starts."
    assert not DueDiligenceItem.objects.exists()


def test_a_checklist_is_refused_once_negotiation_started_since_the_page_was_opened(scope, owner):
    partnership = PartnershipFactory(organization=scope, status=Partnership.Status.DUE_DILIGENCE)
    stale = Partnership.objects.get(pk=partnership.pk)  # the page's copy
    Partnership.objects.filter(pk=partnership.pk).update(status=Partnership.Status.NEGOTIATING)
    with pytest.raises(ConflictError):
        services.due_diligence_apply_template(partnership=stale, template="essential", actor=owner)
    assert not DueDiligenceItem.objects.exists()


def test_a_template_adds_its_optional_items_as_optional(scope, owner):
    partnership = PartnershipFactory(organization=scope, status=Partnership.Status.PROPOSED)
    services.due_diligence_apply_template(
        partnership=partnership, template="essential", actor=owner
    )
    assert dict(
        DueDiligenceItem.objects.filter(partnership=partnership).values_list("title", "mandatory")
    ) == {
        "Credit rating checked": True,
        "Company screened against sanctions lists": True,
        "Code of conduct signed": True,
        "Security questionnaire": False,
    }


def test_applying_a_template_is_audited_on_the_partnership_with_the_items_it_added(scope, owner):
    partnership = PartnershipFactory(organization=scope, status=Partnership.Status.DUE_DILIGENCE)
    DueDiligenceItemFactory(
        organization=scope, partnership=partnership, title="Penetration test summary"
    )
    services.due_diligence_apply_template(partnership=partnership, template="full", actor=owner)
    services.due_diligence_apply_template(partnership=partnership, template="full", actor=owner)
    events = _events("partnerships.partnership.checklist_applied")
    assert [(e.actor, e.object_type, e.object_id, e.changes) for e in events] == [
        (owner, "partnerships.partnership", str(partnership.pk), {"template": "full", "items": 10}),
        (owner, "partnerships.partnership", str(partnership.pk), {"template": "full", "items": 0}),
    ]


# --- Reviewing an item ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["failed", "waived"])
@pytest.mark.parametrize("findings", ["", "   "])
def test_an_item_failed_or_waived_without_findings_is_refused_on_the_field(
    scope, owner, status, findings
):
    item = DueDiligenceItemFactory(organization=scope)
    with pytest.raises(ValidationError) as refused:
        _update(item, owner, status=status, findings=findings)
    assert refused.value.message_dict == {"findings": [f"Say why the item is {status}."]}
    item.refresh_from_db()
    assert (item.status, item.completed_at) == ("open", None)
    assert not AuditEvent.objects.filter(action="partnerships.duediligenceitem.updated").exists()


def test_passing_failing_or_waiving_stamps_the_review_and_reopening_clears_the_stamp(scope, owner):
    item = DueDiligenceItemFactory(organization=scope)
    assert _update(item, owner, status="in_review").completed_at is None
    assert _update(item, owner, status="passed").completed_at == NOW
    # Editing the findings of a settled item keeps the moment it was settled.
    assert _update(item, owner, now=LATER, findings="Re-checked.").completed_at == NOW
    assert _update(item, owner, now=LATER, status="in_review").completed_at is None
    assert _update(item, owner, now=LATER, status="waived").completed_at == LATER
    assert _update(item, owner, status="failed").completed_at == NOW
    item.refresh_from_db()
    assert (item.status, item.completed_at) == ("failed", NOW)


def test_a_review_is_audited_on_the_item_with_what_changed_and_a_no_op_is_not(scope, reviewer):
    item = DueDiligenceItemFactory(organization=scope)
    _update(item, reviewer, status="passed", findings="Clean screening.")
    _update(item, reviewer, status="passed", findings="Clean screening.")
    [event] = _events("partnerships.duediligenceitem.updated")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        reviewer,
        "partnerships.duediligenceitem",
        str(item.pk),
        {"status": ["open", "passed"], "findings": ["", "Clean screening."]},
    )


def test_a_new_evidence_file_is_stored_and_audited_and_no_file_keeps_the_one_on_record(
    scope, owner
):
    item = DueDiligenceItemFactory(organization=scope, evidence="")
    upload = SimpleUploadedFile("screening.pdf", b"%PDF-1.4 screening")
    stored = _update(item, owner, status="passed", evidence=upload)
    assert stored.evidence.name.startswith("partnerships/evidence/")
    kept = DueDiligenceItem.objects.get(pk=item.pk)
    assert kept.evidence.name == stored.evidence.name
    with kept.evidence.open("rb") as evidence:
        assert evidence.read() == b"%PDF-1.4 screening"
    _update(item, owner, findings="Re-checked.", evidence=None)
    assert DueDiligenceItem.objects.get(pk=item.pk).evidence.name == stored.evidence.name
    assert [e.changes for e in _events("partnerships.duediligenceitem.updated")] == [
        {"status": ["open", "passed"], "evidence": [None, "screening.pdf"]},
        {"findings": ["", "Re-checked."]},
    ]


def test_replacing_the_evidence_audits_the_file_it_replaced(scope, owner):
    item = DueDiligenceItemFactory(organization=scope)
    replaced = item.evidence.name
    assert replaced  # the factory's file is on record
    _update(item, owner, evidence=SimpleUploadedFile("rescreen.pdf", b"%PDF-1.4 again"))
    [event] = _events("partnerships.duediligenceitem.updated")
    assert event.changes == {"evidence": [replaced, "rescreen.pdf"]}


# --- Escalating a failed item --------------------------------------------------------------------


def test_only_failing_an_item_escalates_and_only_once(scope, owner):
    partnership = PartnershipFactory(organization=scope, owner=owner)
    passed = DueDiligenceItemFactory(organization=scope, partnership=partnership)
    _update(passed, owner, status="in_review")
    _update(passed, owner, status="passed")
    assert not OnboardingEscalation.objects.exists()
    failed = DueDiligenceItemFactory(organization=scope, partnership=partnership)
    _update(failed, owner, status="failed", findings="On a watch list.")
    _update(failed, owner, findings="On a watch list since 2024.")  # still failed
    assert list(OnboardingEscalation.objects.values_list("item", flat=True)) == [failed.pk]


def test_a_failed_item_escalates_to_the_partnerships_owner_with_a_notice(scope, owner, reviewer):
    partnership = PartnershipFactory(
        organization=scope, owner=owner, status=Partnership.Status.DUE_DILIGENCE
    )
    item = DueDiligenceItemFactory(
        organization=scope, partnership=partnership, title="Owners screened"
    )
    _update(item, reviewer, status="failed", findings="A director is on a watch list.")
    escalation = OnboardingEscalation.objects.get()
    assert (
        escalation.partnership,
        escalation.source,
        escalation.item,
        escalation.milestone,
        escalation.summary,
        escalation.owner,
        escalation.deadline,
        escalation.status,
    ) == (
        partnership,
        "finding",
        item,
        None,
        "Due-diligence item failed: Owners screened",
        owner,
        DEADLINE,
        "open",
    )
    [event] = _events("partnerships.onboardingescalation.raised")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        reviewer,
        "partnerships.onboardingescalation",
        str(escalation.pk),
        {"owner": "owner@alpha.test", "deadline": "2026-03-12"},
    )
    notice = Notification.objects.get()
    assert (notice.recipient, notice.title, notice.body, notice.url, notice.dedupe_key) == (
        owner,
        "Escalation: Due-diligence item failed: Owners screened",
        f"{partnership.name}: decide by 12 Mar 2026.",
        f"/o/alpha/partnerships/{partnership.pk}/onboarding/",
        f"onboarding-escalation-{escalation.pk}",
    )


def test_without_an_owner_a_failed_item_escalates_to_whoever_failed_it(scope, reviewer):
    partnership = PartnershipFactory(organization=scope, owner=None)
    item = DueDiligenceItemFactory(organization=scope, partnership=partnership)
    _update(item, reviewer, status="failed", findings="No accounts filed.")
    escalation = OnboardingEscalation.objects.get()
    assert escalation.owner == reviewer
    assert Notification.objects.get().recipient == reviewer


def test_a_failure_with_no_one_to_escalate_to_is_refused_in_words_and_nothing_is_saved(scope):
    partnership = PartnershipFactory(organization=scope, owner=None)
    item = DueDiligenceItemFactory(organization=scope, partnership=partnership)
    with pytest.raises(ConflictError) as refused:
        _update(item, None, status="failed", findings="No accounts filed.")
    assert refused.value.message == "The partnership has no owner to escalate to; name one first."
    item.refresh_from_db()
    assert (item.status, item.findings) == ("open", "")
    assert not OnboardingEscalation.objects.exists()
    assert not AuditEvent.objects.filter(action="partnerships.duediligenceitem.updated").exists()


# --- Missed onboarding milestones ----------------------------------------------------------------


def test_every_missed_milestone_is_escalated_an_ownerless_one_to_the_admin(scope, owner, reviewer):
    ownerless = OnboardingMilestoneFactory(
        organization=scope,
        partnership=PartnershipFactory(organization=scope, owner=None),
        due_date=TODAY - timedelta(days=30),  # first in the run
    )
    partnership = PartnershipFactory(organization=scope, owner=owner)
    portal = OnboardingMilestoneFactory(
        organization=scope,
        partnership=partnership,
        title="Supplier portal access",
        due_date=date(2026, 2, 20),
    )
    kickoff = OnboardingMilestoneFactory(
        organization=scope, partnership=partnership, title="Kick-off", due_date=date(2026, 3, 1)
    )
    OnboardingMilestoneFactory(organization=scope, partnership=partnership, due_date=TODAY)
    assert services.onboarding_milestones_check(today=TODAY, actor=reviewer) == 3
    # `owner` is the organization's admin: nobody owns the first partnership, so it is theirs.
    assert [(e.owner, e.source) for e in ownerless.escalations.all()] == [(owner, "milestone")]
    escalations = OnboardingEscalation.objects.filter(partnership=partnership).order_by("pk")
    assert [(e.milestone, e.source, e.summary, e.owner, e.deadline) for e in escalations] == [
        (
            portal,
            "milestone",
            "Onboarding milestone missed: Supplier portal access (due 20 Feb 2026)",
            owner,
            DEADLINE,
        ),
        (
            kickoff,
            "milestone",
            "Onboarding milestone missed: Kick-off (due 01 Mar 2026)",
            owner,
            DEADLINE,
        ),
    ]
    events = _events("partnerships.onboardingescalation.raised")
    assert sorted((e.actor.pk, e.object_id) for e in events) == sorted(
        (reviewer.pk, str(escalation.pk)) for escalation in OnboardingEscalation.objects.all()
    )


def test_an_ownerless_missed_milestone_tells_every_admin_and_the_first_owns_it(
    scope, owner, reviewer, make_member
):
    second_admin = make_member(scope, Role.ORG_ADMIN, email="second-admin@alpha.test")
    make_member(scope, Role.ORG_ADMIN, email="gone@alpha.test", is_active=False)  # account off
    MembershipFactory(  # an admin no longer in this organization
        organization=scope, role=Role.ORG_ADMIN, is_active=False, user=UserFactory()
    )
    milestone = OnboardingMilestoneFactory(
        organization=scope,
        partnership=PartnershipFactory(organization=scope, owner=None),
        due_date=TODAY - timedelta(days=1),
    )
    assert services.onboarding_milestones_check(today=TODAY, actor=None) == 1
    assert milestone.escalations.get().owner == owner
    told = Notification.objects.filter(title__startswith="Escalation: Onboarding milestone")
    assert sorted(n.recipient.email for n in told) == [owner.email, second_admin.email]
    # A rerun raises nothing new and tells nobody twice.
    assert services.onboarding_milestones_check(today=TODAY, actor=None) == 0
    assert told.count() == 2


def test_a_missed_milestone_with_no_owner_and_no_admin_is_left_for_the_next_run(scope, reviewer):
    milestone = OnboardingMilestoneFactory(
        organization=scope,
        partnership=PartnershipFactory(organization=scope, owner=None),
        due_date=TODAY - timedelta(days=9),  # first in the run
    )
    owned = OnboardingMilestoneFactory(
        organization=scope,
        partnership=PartnershipFactory(organization=scope, owner=reviewer),
        due_date=TODAY - timedelta(days=1),
    )
    assert services.onboarding_milestones_check(today=TODAY, actor=None) == 1
    assert not milestone.escalations.exists()
    assert owned.escalations.get().owner == reviewer  # the run went on past the ownerless one


def test_an_owned_partnerships_missed_milestone_goes_to_its_owner_not_the_admins(
    scope, owner, reviewer
):
    milestone = OnboardingMilestoneFactory(
        organization=scope,
        partnership=PartnershipFactory(organization=scope, owner=reviewer),
        due_date=TODAY - timedelta(days=1),
    )
    assert services.onboarding_milestones_check(today=TODAY, actor=None) == 1
    escalation = milestone.escalations.get()
    assert escalation.owner == reviewer
    told = Notification.objects.filter(title__startswith="Escalation: Onboarding milestone")
    assert [n.recipient for n in told] == [reviewer]


# --- Resolving an escalation ---------------------------------------------------------------------


def _escalation(scope, owner):
    partnership = PartnershipFactory(organization=scope, owner=owner)
    item = DueDiligenceItemFactory(organization=scope, partnership=partnership)
    _update(item, owner, status="failed", findings="No.")
    return OnboardingEscalation.objects.get()


def test_a_blank_resolution_is_refused_on_the_field_and_a_second_one_in_words(scope, owner):
    escalation = _escalation(scope, owner)
    with pytest.raises(ValidationError) as refused:
        services.escalation_resolve(escalation=escalation, actor=owner, resolution="  ", now=NOW)
    assert refused.value.message_dict == {"resolution": ["Say how the escalation was resolved."]}
    services.escalation_resolve(escalation=escalation, actor=owner, resolution="Done.", now=NOW)
    with pytest.raises(ConflictError) as again:
        services.escalation_resolve(escalation=escalation, actor=owner, resolution="x", now=LATER)
    assert again.value.message == "This escalation is already resolved."
    escalation.refresh_from_db()
    assert (escalation.resolution, escalation.resolved_at) == ("Done.", NOW)


def test_a_resolution_is_stored_trimmed_stamped_and_audited(scope, owner, reviewer):
    escalation = _escalation(scope, owner)
    services.escalation_resolve(
        escalation=escalation, actor=reviewer, resolution="  Replaced the supplier.\n", now=LATER
    )
    escalation.refresh_from_db()
    assert (escalation.status, escalation.resolution, escalation.resolved_at) == (
        "resolved",
        "Replaced the supplier.",
        LATER,
    )
    [event] = _events("partnerships.onboardingescalation.resolved")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        reviewer,
        "partnerships.onboardingescalation",
        str(escalation.pk),
        {"resolution": "Replaced the supplier."},
    )


def test_resolving_writes_only_the_resolution_over_a_copy_read_before_a_reassignment(
    scope, owner, reviewer
):
    escalation = _escalation(scope, owner)
    # Meanwhile the escalation is handed to the reviewer with a later deadline.
    OnboardingEscalation.objects.filter(pk=escalation.pk).update(
        owner=reviewer, deadline=DEADLINE + timedelta(days=7)
    )
    services.escalation_resolve(escalation=escalation, actor=owner, resolution="Done.", now=NOW)
    stored = OnboardingEscalation.objects.get(pk=escalation.pk)
    assert (stored.owner, stored.deadline, stored.status) == (
        reviewer,
        DEADLINE + timedelta(days=7),
        "resolved",
    )


def test_a_copy_read_before_another_resolution_is_refused_not_resolved_twice(scope, owner):
    partnership = PartnershipFactory(organization=scope, owner=owner)
    escalation = OnboardingEscalation.objects.create(
        partnership=partnership,
        source=OnboardingEscalation.Source.FINDING,
        summary="Sanctions screening failed",
        owner=owner,
        deadline=NOW.date(),
    )
    stale = OnboardingEscalation.objects.get(pk=escalation.pk)
    services.escalation_resolve(escalation=escalation, actor=owner, resolution="Cleared", now=NOW)
    with pytest.raises(ConflictError):
        services.escalation_resolve(escalation=stale, actor=owner, resolution="Again", now=NOW)
    stored = OnboardingEscalation.objects.get(pk=escalation.pk)
    assert stored.resolution == "Cleared"
    assert (
        AuditEvent.objects.filter(action="partnerships.onboardingescalation.resolved").count() == 1
    )
