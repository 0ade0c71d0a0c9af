"""Playbook changes pinned rule by rule (found by `make mutation
MUTATION_ARGS="exit_planning.playbook_changes"`, docs/mutation.md): what a proposal keeps when
words are missing, the recommendation that alone becomes a change (in words) with its party,
partnership and proposer, a review given once whose rejection needs a reason, applying only what
was approved, what applying does to each part of the clause playbook (guidance appended, the
preferred text replaced, a fallback or red line added to the end of its list) or to the training
material, and the audit event each step leaves."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from contracts.models import PlaybookClause
from exit_planning import services
from exit_planning.models import PlaybookChange, PostMortemEntry
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import AuditEvent
from tests.exit_planning.conftest import NOW
from tests.exit_planning.factories import PlaybookChangeFactory

pytestmark = pytest.mark.django_db

LIABILITY = "limitation_of_liability"
LABEL = "Playbook: Limitation of liability"
LESSON = "Carve single-sourced parts out of the cap."


@pytest.fixture
def plan(scope, partnership, manager):
    return services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)


def _events(action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _change(scope, **fields) -> PlaybookChange:
    """A change as a review leaves it: approved, to the guidance of the liability clause."""
    return PlaybookChangeFactory(
        organization=scope,
        **{"status": "approved", "field": "guidance", "text": LESSON, **fields},
    )


def _clause(scope, **fields) -> PlaybookClause:
    return PlaybookClause.objects.create(organization=scope, clause_type=LIABILITY, **fields)


def _recommendation(plan, manager, party="partner", section="recommendation"):
    return services.post_mortem_contribute(
        plan=plan, actor=manager, party=party, section=section, text=f"  {LESSON}  "
    )


# --- proposing --------------------------------------------------------------------------------


def test_a_proposal_given_no_rationale_stores_none(scope, plan, manager):
    for rationale in ({}, {"rationale": None}, {"rationale": "   "}):
        change = services.playbook_change_propose(
            source=plan,
            actor=manager,
            clause_type=LIABILITY,
            field="guidance",
            text="x",
            **rationale,
        )
        stored = PlaybookChange.objects.get(pk=change.pk)
        assert (stored.organization, stored.rationale) == (scope, ""), rationale


def test_a_proposal_given_no_words_at_all_is_refused_in_words(scope, plan, manager):
    for text in (None, ""):
        with pytest.raises(ValidationError) as refused:
            services.playbook_change_propose(
                source=plan, actor=manager, clause_type=LIABILITY, field="guidance", text=text
            )
        assert refused.value.message_dict == {"text": ["This field cannot be blank."]}, text
    assert not PlaybookChange.objects.exists()
    assert not _events("exit_planning.playbook_change.proposed")


# --- a post-mortem recommendation becomes a change ---------------------------------------------


def test_only_a_recommendation_becomes_a_playbook_change_in_words(scope, plan, manager):
    for section in ("worked", "failed", "root_cause"):
        entry = _recommendation(plan, manager, section=section)
        with pytest.raises(ConflictError) as refused:
            services.playbook_change_from_entry(
                entry=entry, actor=manager, clause_type=LIABILITY, field="guidance"
            )
        assert (refused.value.message, refused.value.code) == (
            "Only a recommendation becomes a playbook change.",
            "not_recommendation",
        ), section
    assert not PlaybookChange.objects.exists()
    assert not _events("exit_planning.playbook_change.proposed")


def test_our_own_recommendation_says_it_is_ours(scope, plan, manager):
    entry = _recommendation(plan, manager, party="us")
    change = services.playbook_change_from_entry(
        entry=entry, actor=manager, clause_type=LIABILITY, field="guidance"
    )
    assert change.rationale == "Post-mortem recommendation by us."


def test_a_recommendation_becomes_a_proposed_change_with_its_words_party_and_partnership(
    scope, plan, partnership, manager
):
    entry = _recommendation(plan, manager)
    change = services.playbook_change_from_entry(
        entry=entry, actor=manager, clause_type=LIABILITY, field="red_lines"
    )
    stored = PlaybookChange.objects.get(pk=change.pk)
    assert (
        stored.source_type,
        stored.source_id,
        stored.partnership,
        stored.target,
        stored.clause_type,
        stored.field,
        stored.text,
        stored.rationale,
        stored.status,
        stored.proposed_by,
    ) == (
        ContentType.objects.get_for_model(PostMortemEntry),
        entry.pk,
        partnership,
        "clause_playbook",
        LIABILITY,
        "red_lines",
        LESSON,
        "Post-mortem recommendation by the partner.",
        "proposed",
        manager,
    )
    [event] = _events("exit_planning.playbook_change.proposed")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        manager,
        "exit_planning.playbookchange",
        str(change.pk),
        {"clause_type": LIABILITY, "field": "red_lines"},
    )


def test_a_recommendation_proposed_in_other_words_keeps_those_words_trimmed(scope, plan, manager):
    entry = _recommendation(plan, manager)
    change = services.playbook_change_from_entry(
        entry=entry, actor=manager, clause_type=LIABILITY, field="guidance", text="  Cap it.  "
    )
    change.refresh_from_db()
    assert change.text == "Cap it."


# --- reviewing --------------------------------------------------------------------------------


def test_approving_a_change_records_who_when_and_the_trimmed_note_and_is_audited(
    scope, manager, owner
):
    change = _change(scope, status="proposed", proposed_by=manager)
    returned = services.playbook_change_review(
        change=change, actor=owner, approve=True, note="  Agreed with legal. \n", now=NOW
    )
    change.refresh_from_db()
    assert (change.status, change.reviewed_by, change.reviewed_at, change.review_note) == (
        "approved",
        owner,
        NOW,
        "Agreed with legal.",
    )
    assert (returned.pk, returned.status) == (change.pk, "approved")
    [event] = _events("exit_planning.playbook_change.approved")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        owner,
        "exit_planning.playbookchange",
        str(change.pk),
        {"note": "Agreed with legal."},
    )
    assert not _events("exit_planning.playbook_change.rejected")


def test_a_change_is_approved_without_a_note(scope, owner):
    for note in ("", "  ", None):
        change = _change(scope, status="proposed")
        services.playbook_change_review(
            change=change, actor=owner, approve=True, note=note, now=NOW
        )
        change.refresh_from_db()
        assert (change.status, change.review_note) == ("approved", ""), note
    events = _events("exit_planning.playbook_change.approved")
    assert [e.changes for e in events] == [{"note": ""}] * 3


def test_rejecting_a_change_records_why_and_is_audited(scope, owner):
    change = _change(scope, status="proposed")
    services.playbook_change_review(
        change=change, actor=owner, approve=False, note="  Legal keeps the cap.  ", now=NOW
    )
    change.refresh_from_db()
    assert (change.status, change.reviewed_by, change.reviewed_at, change.review_note) == (
        "rejected",
        owner,
        NOW,
        "Legal keeps the cap.",
    )
    [event] = _events("exit_planning.playbook_change.rejected")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(change.pk),
        {"note": "Legal keeps the cap."},
    )
    assert not _events("exit_planning.playbook_change.approved")


def test_a_rejection_needs_a_note_in_words(scope, owner):
    change = _change(scope, status="proposed")
    for note in ("", "   \n", None):
        with pytest.raises(ValidationError) as refused:
            services.playbook_change_review(
                change=change, actor=owner, approve=False, note=note, now=NOW
            )
        assert refused.value.message_dict == {"note": ["Say why the change is rejected."]}, note
    change.refresh_from_db()
    assert (change.status, change.reviewed_by, change.reviewed_at) == ("proposed", None, None)
    assert not _events("exit_planning.playbook_change.rejected")


def test_a_change_is_reviewed_once(scope, owner):
    approved = _change(scope, status="approved", review_note="Agreed.")
    with pytest.raises(TransitionNotAllowed) as refused:
        services.playbook_change_review(
            change=approved, actor=owner, approve=False, note="Changed my mind.", now=NOW
        )
    assert refused.value.message == (
        "A playbook change cannot go from “approved” to “rejected”. "
        "From “approved” it can only go to “applied”."
    )
    rejected = _change(scope, status="rejected")
    with pytest.raises(TransitionNotAllowed) as refused:
        services.playbook_change_review(
            change=rejected, actor=owner, approve=True, note="", now=NOW
        )
    assert refused.value.message == (
        "A playbook change cannot go from “rejected” to “approved”. Nothing can follow “rejected”."
    )
    approved.refresh_from_db()
    rejected.refresh_from_db()
    assert (approved.status, approved.review_note, rejected.status) == (
        "approved",
        "Agreed.",
        "rejected",
    )
    assert not AuditEvent.objects.filter(action__startswith="exit_planning.playbook_change")


# --- applying ---------------------------------------------------------------------------------


def test_applying_a_change_before_its_review_is_refused_in_words(scope, manager):
    change = _change(scope, status="proposed")
    with pytest.raises(ConflictError) as refused:
        services.playbook_change_apply(change=change, actor=manager, now=NOW)
    assert (refused.value.message, refused.value.code) == (
        "Review the change before applying it.",
        "not_reviewed",
    )
    change.refresh_from_db()
    assert (change.status, change.applied_at) == ("proposed", None)
    assert not PlaybookClause.objects.exists()
    assert not _events("exit_planning.playbook_change.applied")


def test_a_rejected_or_applied_change_is_not_applied(scope, manager):
    for status in ("rejected", "applied"):
        change = _change(scope, status=status)
        with pytest.raises(TransitionNotAllowed) as refused:
            services.playbook_change_apply(change=change, actor=manager, now=NOW)
        assert refused.value.message == (
            f"A playbook change cannot go from “{status}” to “applied”. "
            f"Nothing can follow “{status}”."
        )
    assert not PlaybookClause.objects.exists()
    assert not _events("exit_planning.playbook_change.applied")


def test_applying_a_change_appends_to_the_playbook_guidance_and_is_audited(scope, manager):
    clause = _clause(scope, guidance="  Cap at the annual fees.\n", preferred_text="Keep.")
    change = _change(scope)
    returned = services.playbook_change_apply(change=change, actor=manager, now=NOW)
    clause.refresh_from_db()
    change.refresh_from_db()
    assert clause.guidance == f"Cap at the annual fees.\n\n{LESSON}"
    assert (clause.preferred_text, clause.fallback_texts, clause.red_lines) == ("Keep.", [], [])
    assert (change.status, change.applied_at, change.playbook_clause) == ("applied", NOW, clause)
    assert (returned.status, returned.playbook_clause) == ("applied", clause)
    [event] = _events("exit_planning.playbook_change.applied")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        manager,
        "exit_planning.playbookchange",
        str(change.pk),
        {"playbook_clause": {"id": clause.pk, "label": LABEL}},
    )
    [updated] = _events("contracts.playbook.updated")
    assert (updated.actor, updated.object_id) == (manager, str(clause.pk))


def test_applying_guidance_where_the_playbook_has_none_starts_it_with_the_change(scope, manager):
    change = _change(scope)
    services.playbook_change_apply(change=change, actor=manager, now=NOW)
    clause = PlaybookClause.objects.get(clause_type=LIABILITY)
    assert clause.guidance == LESSON
    change.refresh_from_db()
    assert change.playbook_clause == clause
    [created] = _events("contracts.playbook.created")
    assert (created.actor, created.object_id) == (manager, str(clause.pk))
    [event] = _events("exit_planning.playbook_change.applied")
    assert event.changes == {"playbook_clause": {"id": clause.pk, "label": LABEL}}


def test_applying_guidance_to_an_entry_with_blank_guidance_adds_no_empty_paragraph(scope, manager):
    clause = _clause(scope, guidance="  \n ")
    services.playbook_change_apply(change=_change(scope), actor=manager, now=NOW)
    clause.refresh_from_db()
    assert clause.guidance == LESSON


def test_applying_a_preferred_text_replaces_it_and_leaves_the_rest(scope, manager):
    clause = _clause(
        scope,
        preferred_text="Cap at the fees.",
        guidance="Old.",
        fallback_texts=["Twice the fees."],
    )
    change = _change(scope, field="preferred_text", text="Cap at twice the fees.")
    services.playbook_change_apply(change=change, actor=manager, now=NOW)
    clause.refresh_from_db()
    assert (clause.preferred_text, clause.guidance, clause.fallback_texts, clause.red_lines) == (
        "Cap at twice the fees.",
        "Old.",
        ["Twice the fees."],
        [],
    )
    change.refresh_from_db()
    assert (change.status, change.playbook_clause) == ("applied", clause)


def test_applying_a_fallback_or_a_red_line_adds_it_to_the_end_of_its_list(scope, manager):
    clause = _clause(
        scope,
        preferred_text="Cap at the fees.",
        fallback_texts=["Twice the fees."],
        red_lines=["Uncapped liability."],
    )
    fallback = _change(scope, field="fallback_texts", text="Three times the fees.")
    red_line = _change(scope, field="red_lines", text="No cap below the fees.")
    services.playbook_change_apply(change=fallback, actor=manager, now=NOW)
    services.playbook_change_apply(change=red_line, actor=manager, now=NOW)
    clause.refresh_from_db()
    assert (clause.preferred_text, clause.guidance) == ("Cap at the fees.", "")
    assert clause.fallback_texts == ["Twice the fees.", "Three times the fees."]
    assert clause.red_lines == ["Uncapped liability.", "No cap below the fees."]
    assert [e.object_id for e in _events("exit_planning.playbook_change.applied")] == [
        str(fallback.pk),
        str(red_line.pk),
    ]


def test_applying_a_fallback_where_the_playbook_has_none_starts_its_list(scope, manager):
    change = _change(scope, field="fallback_texts", text="Twice the fees.")
    services.playbook_change_apply(change=change, actor=manager, now=NOW)
    clause = PlaybookClause.objects.get(clause_type=LIABILITY)
    assert (clause.fallback_texts, clause.red_lines, clause.preferred_text) == (
        ["Twice the fees."],
        [],
        "",
    )


def test_applying_changes_only_this_organizations_playbook(scope, org_b, manager):
    with tenant_scope(org_b):
        theirs = PlaybookClause.objects.create(
            organization=org_b, clause_type=LIABILITY, guidance="Theirs."
        )
    services.playbook_change_apply(change=_change(scope), actor=manager, now=NOW)
    assert PlaybookClause.objects.get(clause_type=LIABILITY).guidance == LESSON
    with tenant_scope(org_b):
        theirs.refresh_from_db()
    assert theirs.guidance == "Theirs."


def test_applying_a_training_material_change_records_that_it_was_done_and_is_audited(
    scope, manager
):
    clause = _clause(scope, guidance="Cap at the annual fees.")
    change = _change(
        scope, target="training_material", clause_type="", text="Teach the exit clauses."
    )
    later = NOW + timedelta(days=3)
    returned = services.playbook_change_apply(change=change, actor=manager, now=later)
    change.refresh_from_db()
    assert (change.status, change.applied_at, change.playbook_clause) == ("applied", later, None)
    assert (returned.status, returned.applied_at) == ("applied", later)
    clause.refresh_from_db()
    assert clause.guidance == "Cap at the annual fees."
    assert PlaybookClause.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="contracts.playbook")
    [event] = _events("exit_planning.playbook_change.applied")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        manager,
        "exit_planning.playbookchange",
        str(change.pk),
        {},
    )
