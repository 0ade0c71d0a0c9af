"""Clause rules pinned against the mutants that survived `make mutation` (docs/mutation.md):
a clause's place, risk and first version when created, what an edit or a correction changes and
what it resets, who may confirm or correct the detector, the exact refusals, and the audit trail
of every step."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts import services
from contracts.models import (
    Agreement,
    Clause,
    ClauseComment,
    ClauseFeedback,
    ClauseVersion,
    PlaybookRule,
)
from contracts.services.clauses import _apply_key_terms_from_clauses
from partnerships.services import partnership_invite_guest
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import AuditEvent, Role
from tests.contracts.factories import AgreementFactory, ClauseFactory

pytestmark = pytest.mark.django_db

NOT_A_REVIEWER = "Only a reviewer assigned to this agreement may do this."


def _event(action):
    return AuditEvent.objects.filter(action=action).order_by("sequence").last()


def _approved(scope):
    return AgreementFactory(organization=scope, status=Agreement.Status.APPROVED)


def _detected(scope, agreement, **fields):
    return ClauseFactory(
        organization=scope,
        agreement=agreement,
        source=Clause.Source.DETECTED,
        proposal=Clause.Proposal.PROPOSED,
        **fields,
    )


# --- creating a clause ------------------------------------------------------------------------


def test_a_new_clause_goes_after_the_last_one_and_the_first_is_number_one(scope, owner):
    empty = AgreementFactory(organization=scope)
    first = services.clause_create(
        actor=owner, agreement=empty, clause_type="governing_law", text="English law."
    )
    assert first.order == 1
    agreement = AgreementFactory(organization=scope)
    ClauseFactory(organization=scope, agreement=agreement, order=7)
    ClauseFactory(organization=scope, agreement=agreement, order=3)
    ClauseFactory(organization=scope, order=40)  # another agreement's clause does not count
    created = services.clause_create(
        actor=owner, agreement=agreement, clause_type="governing_law", text="English law."
    )
    assert created.order == 8
    placed = services.clause_create(
        actor=owner, agreement=agreement, clause_type="governing_law", text="x", order=2
    )
    assert placed.order == 2


def test_a_new_clause_stores_what_it_was_given_with_its_first_version_and_audit_event(scope, owner):
    agreement = AgreementFactory(organization=scope)
    clause = services.clause_create(
        actor=owner,
        agreement=agreement,
        clause_type="termination_for_convenience",
        text="Either party may terminate on 60 days' notice.",
        heading="Termination",
        parameters={"notice_days": 60},
    )
    clause.refresh_from_db()
    assert (
        clause.organization,
        clause.agreement,
        clause.clause_type,
        clause.heading,
        clause.text,
        clause.parameters,
        clause.version,
        clause.decision,
    ) == (
        scope,
        agreement,
        "termination_for_convenience",
        "Termination",
        "Either party may terminate on 60 days' notice.",
        {"notice_days": 60},
        1,
        Clause.Decision.PENDING,
    )
    version = ClauseVersion.objects.get(clause=clause)
    assert (
        version.organization,
        version.number,
        version.kind,
        version.clause_type,
        version.text,
        version.parameters,
        version.note,
        version.author,
    ) == (
        scope,
        1,
        ClauseVersion.Kind.ORIGINAL,
        "termination_for_convenience",
        "Either party may terminate on 60 days' notice.",
        {"notice_days": 60},
        "",
        owner,
    )
    event = _event("contracts.clause.created")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        owner,
        "contracts.clause",
        str(clause.pk),
        {},
    )


def test_a_clause_without_parameters_stores_an_empty_object(scope, owner):
    clause = services.clause_create(
        actor=owner,
        agreement=AgreementFactory(organization=scope),
        clause_type="governing_law",
        text="English law.",
    )
    clause.refresh_from_db()
    assert clause.parameters == {}
    assert clause.versions.get().parameters == {}


def test_a_clause_of_an_unknown_type_or_with_parameters_not_an_object_is_refused_in_words(
    scope, owner
):
    agreement = AgreementFactory(organization=scope)
    with pytest.raises(ValidationError) as unknown:
        services.clause_create(actor=owner, agreement=agreement, clause_type="poetry", text="x")
    assert unknown.value.message_dict == {"clause_type": ["Unknown clause type 'poetry'."]}
    with pytest.raises(ValidationError) as not_an_object:
        services.clause_create(
            actor=owner,
            agreement=agreement,
            clause_type="governing_law",
            text="x",
            parameters=["England"],
        )
    assert not_an_object.value.message_dict == {
        "parameters": ["Parameters are an object of name: value."]
    }
    assert not Clause.objects.filter(agreement=agreement).exists()


def test_an_approved_agreement_gets_no_new_clause(scope, owner):
    agreement = _approved(scope)
    with pytest.raises(ConflictError) as refused:
        services.clause_create(
            actor=owner, agreement=agreement, clause_type="governing_law", text="x"
        )
    assert refused.value.message == (
        "The clauses of an agreement that is approved are not changed; amend the agreement instead."
    )


def test_a_new_clause_is_rated_against_the_playbook(scope, owner, playbook):
    """Red line broken: high; only a warning: medium; within the playbook or a type the playbook
    does not cover: low; a risk given by the caller is kept."""
    agreement = AgreementFactory(organization=scope, annual_value=Decimal("1000000"))

    def create(clause_type, parameters, **extra):
        return services.clause_create(
            actor=owner,
            agreement=agreement,
            clause_type=clause_type,
            text="x",
            parameters=parameters,
            **extra,
        ).risk

    assert create("limitation_of_liability", {"cap_multiple": "0.5"}) == Clause.Risk.HIGH
    assert create("termination_for_convenience", {"notice_days": 30}) == Clause.Risk.MEDIUM
    assert create("limitation_of_liability", {"cap_multiple": "2"}) == Clause.Risk.LOW
    assert create("governing_law", {}) == Clause.Risk.LOW
    # A fixed cap counts as a multiple of the agreement's annual fees: 2 M of 1 M a year.
    assert create("limitation_of_liability", {"cap_amount": "2000000"}) == Clause.Risk.LOW
    assert create("limitation_of_liability", {"cap_amount": "500000"}) == Clause.Risk.HIGH
    assert create("governing_law", {}, risk="high") == Clause.Risk.HIGH


# --- confirming the detector's proposal -------------------------------------------------------


def test_legal_confirms_a_detectors_proposal_once_and_it_is_audited(scope, owner, legal):
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.IN_LEGAL_REVIEW)
    clause = _detected(scope, agreement)
    with pytest.raises(PermissionDeniedError, match=NOT_A_REVIEWER):
        services.clause_confirm(clause=clause, actor=legal)
    services.agreement_assign_reviewer(agreement=agreement, reviewer=legal, actor=owner)
    confirmed = services.clause_confirm(clause=clause, actor=legal)
    assert confirmed.proposal == Clause.Proposal.CONFIRMED
    clause.refresh_from_db()
    assert clause.proposal == Clause.Proposal.CONFIRMED
    event = _event("contracts.clause.proposal_confirmed")
    assert (event.actor, event.object_id) == (legal, str(clause.pk))
    with pytest.raises(ConflictError) as again:
        services.clause_confirm(clause=clause, actor=legal)
    assert again.value.message == (
        "Only a detector's proposal still waiting for legal is confirmed."
    )
    typed = ClauseFactory(organization=scope, agreement=agreement)
    with pytest.raises(ConflictError, match="Only a detector's proposal"):
        services.clause_confirm(clause=typed, actor=legal)


# --- editing a clause -------------------------------------------------------------------------


def test_an_edit_takes_only_the_clauses_own_fields(scope, owner):
    clause = ClauseFactory(organization=scope, order=1, risk=Clause.Risk.LOW)
    services.clause_update(
        clause=clause,
        actor=owner,
        clause_type="governing_law",
        heading="Law",
        order=5,
        risk="high",
        parameters={"governing_law": "Scotland"},
        decision="accepted",
        version=9,
    )
    clause.refresh_from_db()
    assert (
        clause.clause_type,
        clause.heading,
        clause.order,
        clause.parameters,
        clause.decision,
        clause.version,
    ) == ("governing_law", "Law", 5, {"governing_law": "Scotland"}, "pending", 2)


def test_a_risk_given_with_an_edit_of_the_heading_is_kept(scope, owner):
    clause = ClauseFactory(organization=scope, risk=Clause.Risk.LOW)
    services.clause_update(clause=clause, actor=owner, risk="high")
    clause.refresh_from_db()
    assert clause.risk == Clause.Risk.HIGH


def test_an_edit_to_an_unknown_type_or_parameters_not_an_object_is_refused_in_words(scope, owner):
    clause = ClauseFactory(organization=scope)
    with pytest.raises(ValidationError) as unknown:
        services.clause_update(clause=clause, actor=owner, clause_type="poetry")
    assert unknown.value.message_dict == {"clause_type": ["Unknown clause type 'poetry'."]}
    with pytest.raises(ValidationError) as not_an_object:
        services.clause_update(clause=clause, actor=owner, parameters=["England"])
    assert not_an_object.value.message_dict == {
        "parameters": ["Parameters are an object of name: value."]
    }


def test_new_words_reset_the_review_and_make_a_version_by_their_author(scope, owner, legal):
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.IN_LEGAL_REVIEW)
    clause = ClauseFactory(
        organization=scope,
        agreement=agreement,
        decision=Clause.Decision.REDLINE,
        decided_by=legal,
        decided_at=datetime(2025, 5, 2, tzinfo=UTC),
        partner_agreed_at=datetime(2025, 5, 3, tzinfo=UTC),
        partner_agreed_by=legal,
        red_line_waiver="Board decision.",
        risk=Clause.Risk.LOW,
        parameters={"cap_multiple": "2"},
    )
    old_text = clause.text
    services.clause_update(clause=clause, actor=owner, text="New words.")
    clause.refresh_from_db()
    assert (
        clause.text,
        clause.decision,
        clause.decided_by,
        clause.decided_at,
        clause.partner_agreed_at,
        clause.partner_agreed_by,
        clause.red_line_waiver,
        clause.version,
    ) == ("New words.", Clause.Decision.PENDING, None, None, None, None, "", 2)
    version = clause.versions.get()
    assert (version.number, version.kind, version.text, version.author, version.note) == (
        2,
        ClauseVersion.Kind.EDIT,
        "New words.",
        owner,
        "",
    )
    event = _event("contracts.clause.updated")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(clause.pk),
        {"text": [old_text, "New words."]},
    )


def test_new_parameters_are_rated_again(scope, owner, playbook):
    clause = ClauseFactory(
        organization=scope, parameters={"cap_multiple": "2"}, risk=Clause.Risk.LOW
    )
    services.clause_update(clause=clause, actor=owner, parameters={"cap_multiple": "0.5"})
    clause.refresh_from_db()
    assert (clause.parameters, clause.risk, clause.version) == (
        {"cap_multiple": "0.5"},
        Clause.Risk.HIGH,
        2,
    )


def test_a_new_heading_or_order_keeps_the_decision_and_makes_no_version(scope, owner, legal):
    clause = ClauseFactory(
        organization=scope,
        decision=Clause.Decision.ACCEPTED,
        decided_by=legal,
        heading="Cap",
        order=1,
    )
    services.clause_update(clause=clause, actor=owner, heading="Liability", order=4)
    clause.refresh_from_db()
    assert (clause.heading, clause.order, clause.decision, clause.decided_by, clause.version) == (
        "Liability",
        4,
        Clause.Decision.ACCEPTED,
        legal,
        1,
    )
    assert not clause.versions.exists()
    event = _event("contracts.clause.updated")
    assert (event.actor, event.changes) == (
        owner,
        {"heading": ["Cap", "Liability"], "order": [1, 4]},
    )


def test_an_edit_that_changes_nothing_is_not_audited(scope, owner):
    clause = ClauseFactory(organization=scope, heading="Cap")
    services.clause_update(clause=clause, actor=owner, heading="Cap", text=clause.text)
    assert not AuditEvent.objects.filter(action="contracts.clause.updated").exists()
    assert not clause.versions.exists()


def test_the_clauses_of_an_approved_agreement_are_not_edited_or_deleted(scope, owner):
    clause = ClauseFactory(organization=scope, agreement=_approved(scope))
    message = (
        "The clauses of an agreement that is approved are not changed; amend the agreement instead."
    )
    with pytest.raises(ConflictError) as edit:
        services.clause_update(clause=clause, actor=owner, text="New words.")
    assert edit.value.message == message
    with pytest.raises(ConflictError) as delete:
        services.clause_delete(clause=clause, actor=owner)
    assert delete.value.message == message
    assert Clause.objects.filter(pk=clause.pk).exists()


def test_a_deleted_clause_is_gone_and_its_words_stay_in_the_audit_trail(scope, owner):
    clause = ClauseFactory(organization=scope, clause_type="governing_law", text="English law.")
    pk = clause.pk
    services.clause_delete(clause=clause, actor=owner)
    assert not Clause.objects.filter(pk=pk).exists()
    event = _event("contracts.clause.deleted")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        owner,
        "contracts.clause",
        str(pk),
        {"text": "English law.", "clause_type": "governing_law"},
    )


# --- correcting the detector ------------------------------------------------------------------


@pytest.fixture
def reviewed(scope, owner, legal):
    """An agreement in legal review with Lena Legal as its reviewer."""
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.IN_LEGAL_REVIEW)
    services.agreement_assign_reviewer(agreement=agreement, reviewer=legal, actor=owner)
    return agreement


def test_a_wrong_detected_type_is_corrected_kept_as_training_data_and_audited(
    scope, reviewed, legal
):
    clause = _detected(
        scope, reviewed, clause_type="warranty", parameters={}, detection={"confidence": 0.4}
    )
    services.clause_correct(
        clause=clause,
        actor=legal,
        clause_type="limitation_of_liability",
        note="The detector read the cap as a warranty.",
    )
    clause.refresh_from_db()
    assert (clause.clause_type, clause.proposal, clause.version) == (
        "limitation_of_liability",
        Clause.Proposal.CORRECTED,
        2,
    )
    version = clause.versions.get()
    assert (version.kind, version.author, version.note, version.clause_type) == (
        ClauseVersion.Kind.CORRECTION,
        legal,
        "The detector read the cap as a warranty.",
        "limitation_of_liability",
    )
    feedback = ClauseFeedback.objects.get()
    assert (
        feedback.clause,
        feedback.reviewer,
        feedback.proposed_type,
        feedback.corrected_type,
    ) == (clause, legal, "warranty", "limitation_of_liability")
    event = _event("contracts.clause.corrected")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        legal,
        "contracts.clause",
        str(clause.pk),
        {"clause_type": ["warranty", "limitation_of_liability"]},
    )


def test_corrected_parameters_alone_mark_the_proposal_corrected_without_training_data(
    scope, reviewed, legal
):
    clause = _detected(scope, reviewed, parameters={"cap_multiple": "1"})
    services.clause_correct(clause=clause, actor=legal, parameters={"cap_multiple": "2"})
    clause.refresh_from_db()
    assert (clause.parameters, clause.proposal) == ({"cap_multiple": "2"}, "corrected")
    assert clause.versions.get().note == ""
    assert not ClauseFeedback.objects.exists()
    assert _event("contracts.clause.corrected").changes == {
        "parameters": [{"cap_multiple": "1"}, {"cap_multiple": "2"}]
    }


def test_a_clause_typed_by_hand_is_corrected_without_a_proposal_or_training_data(
    scope, reviewed, legal
):
    clause = ClauseFactory(organization=scope, agreement=reviewed, clause_type="warranty")
    services.clause_correct(clause=clause, actor=legal, clause_type="limitation_of_liability")
    clause.refresh_from_db()
    assert (clause.clause_type, clause.proposal) == ("limitation_of_liability", "")
    assert not ClauseFeedback.objects.exists()


def test_a_correction_that_changes_nothing_or_is_malformed_is_refused_in_words(
    scope, reviewed, legal
):
    clause = _detected(scope, reviewed, parameters={"cap_multiple": "1"})
    with pytest.raises(ValidationError) as nothing:
        services.clause_correct(
            clause=clause,
            actor=legal,
            clause_type=clause.clause_type,
            parameters={"cap_multiple": "1"},
        )
    assert nothing.value.message_dict == {
        "clause_type": ["Nothing was corrected: change the type or a parameter."]
    }
    with pytest.raises(ValidationError) as unknown:
        services.clause_correct(clause=clause, actor=legal, clause_type="poetry")
    assert unknown.value.message_dict == {"clause_type": ["Unknown clause type 'poetry'."]}
    with pytest.raises(ValidationError) as not_an_object:
        services.clause_correct(clause=clause, actor=legal, parameters=["1"])
    assert not_an_object.value.message_dict == {
        "parameters": ["Parameters are an object of name: value."]
    }
    clause.refresh_from_db()
    assert (clause.proposal, clause.version) == ("proposed", 1)


def test_only_a_reviewer_corrects_and_only_while_the_clauses_may_change(
    scope, reviewed, legal, owner, make_member
):
    other_legal = make_member(scope, Role.LEGAL)
    clause = _detected(scope, reviewed, clause_type="warranty")
    with pytest.raises(PermissionDeniedError, match=NOT_A_REVIEWER):
        services.clause_correct(clause=clause, actor=other_legal, clause_type="indemnification")
    Agreement.objects.filter(pk=reviewed.pk).update(status=Agreement.Status.APPROVED)
    with pytest.raises(ConflictError, match="amend the agreement instead"):
        services.clause_correct(clause=clause, actor=legal, clause_type="indemnification")


# --- the partner's agreement to a redline -----------------------------------------------------


def _redline(clause, legal):
    return services.clause_decide(
        clause=clause,
        actor=legal,
        decision="redline",
        redline_text="Liability is capped at 2x the annual fees.",
        redline_parameters={"cap_multiple": "2"},
        now=timezone.now(),
    )


def test_a_guest_agrees_to_a_redline_without_a_note_and_it_is_audited(
    scope, reviewed, legal, owner, make_member
):
    guest = make_member(scope, Role.PARTNER_GUEST, email="guest@supplier.test")
    partnership_invite_guest(partnership=reviewed.partnership, guest=guest, actor=owner)
    clause = ClauseFactory(organization=scope, agreement=reviewed)
    _redline(clause, legal)
    moment = datetime(2025, 5, 3, 9, 15, tzinfo=UTC)
    services.clause_redline_agree(clause=clause, actor=guest, now=moment)
    clause.refresh_from_db()
    assert (clause.partner_agreed_by, clause.partner_agreed_at) == (guest, moment)
    assert not ClauseComment.objects.filter(visibility=ClauseComment.Visibility.SHARED).exists()
    event = _event("contracts.clause.redline_agreed")
    assert (event.actor, event.object_id, event.changes) == (
        guest,
        str(clause.pk),
        {"version": 2, "on_behalf": False, "note": ""},
    )


def test_a_reviewer_records_the_partners_agreement_on_their_behalf_with_the_note_shared(
    scope, reviewed, legal
):
    clause = ClauseFactory(organization=scope, agreement=reviewed)
    _redline(clause, legal)
    services.clause_redline_agree(
        clause=clause, actor=legal, note="  E-mail of 3 May. ", now=timezone.now()
    )
    comment = ClauseComment.objects.get(visibility=ClauseComment.Visibility.SHARED)
    assert (comment.organization, comment.clause, comment.author, comment.body) == (
        scope,
        clause,
        legal,
        "E-mail of 3 May.",
    )
    assert _event("contracts.clause.redline_agreed").changes == {
        "version": 2,
        "on_behalf": True,
        "note": "E-mail of 3 May.",
    }


def test_the_partners_agreement_is_refused_in_words(scope, reviewed, legal, owner, make_member):
    clause = ClauseFactory(organization=scope, agreement=reviewed)
    with pytest.raises(ConflictError) as not_a_redline:
        services.clause_redline_agree(clause=clause, actor=legal, note="x", now=timezone.now())
    assert not_a_redline.value.message == "Only a proposed redline is agreed by the partner."
    _redline(clause, legal)
    with pytest.raises(ValidationError) as no_note:
        services.clause_redline_agree(clause=clause, actor=legal, note=" ", now=timezone.now())
    assert no_note.value.message_dict == {
        "note": ["Say how the partner agreed (an e-mail, a call)."]
    }
    stranger = make_member(scope, Role.PARTNER_GUEST, email="stranger@guest.test")
    with pytest.raises(PermissionDeniedError) as not_theirs:
        services.clause_redline_agree(clause=clause, actor=stranger, now=timezone.now())
    assert str(not_theirs.value) == "Only a guest of this partnership may agree for them."
    services.clause_redline_agree(clause=clause, actor=legal, note="x", now=timezone.now())
    with pytest.raises(ConflictError) as twice:
        services.clause_redline_agree(clause=clause, actor=legal, note="x", now=timezone.now())
    assert twice.value.message == "The partner already agreed to this redline."
    Agreement.objects.filter(pk=reviewed.pk).update(status=Agreement.Status.APPROVED)
    with pytest.raises(ConflictError) as after_review:
        services.clause_redline_agree(clause=clause, actor=legal, note="x", now=timezone.now())
    assert after_review.value.message == (
        "Redlines are agreed while the agreement is in legal review."
    )


# --- the agreement's key terms from its clauses -----------------------------------------------


def _key_terms(scope, clause_type, parameters, **agreement_fields):
    agreement = AgreementFactory(organization=scope, **agreement_fields)
    ClauseFactory(
        organization=scope, agreement=agreement, clause_type=clause_type, parameters=parameters
    )
    return agreement, _apply_key_terms_from_clauses(agreement)


@pytest.mark.parametrize("uncapped", [True, "true", "True"])
def test_an_uncapped_clause_in_any_spelling_of_true_makes_the_agreement_uncapped(scope, uncapped):
    agreement, changes = _key_terms(scope, "limitation_of_liability", {"uncapped": uncapped})
    agreement.refresh_from_db()
    assert agreement.liability_cap_type == Agreement.CapType.UNCAPPED
    assert changes == {"liability_cap_type": ["none", "uncapped"]}


def test_a_fixed_cap_records_the_change_from_no_amount(scope):
    agreement, changes = _key_terms(scope, "limitation_of_liability", {"cap_amount": "2000000"})
    assert changes == {
        "liability_cap_type": ["none", "fixed"],
        "liability_cap_amount": [None, "2000000"],
    }


def test_a_governing_law_clause_without_a_law_leaves_the_agreements_law(scope):
    for parameters in ({}, {"governing_law": "  "}):
        agreement, changes = _key_terms(
            scope, "governing_law", parameters, governing_law="England and Wales"
        )
        agreement.refresh_from_db()
        assert agreement.governing_law == "England and Wales" and changes == {}


def test_the_governing_law_is_cut_at_100_characters(scope):
    law = "The laws of " + "x" * 120
    agreement, changes = _key_terms(scope, "governing_law", {"governing_law": law})
    agreement.refresh_from_db()
    assert agreement.governing_law == law[:100]


def test_an_arbitration_seat_makes_a_ladder_from_negotiation_to_arbitration(scope):
    agreement, changes = _key_terms(
        scope, "dispute_resolution", {"arbitration_seat": "Geneva"}, dispute_resolution=[]
    )
    agreement.refresh_from_db()
    assert agreement.dispute_resolution == [
        {"step": "negotiation"},
        {"step": "arbitration", "seat": "Geneva", "rules": ""},
    ]


# --- guests -----------------------------------------------------------------------------------


def test_an_invited_guest_does_not_comment_on_a_draft_of_their_partnership(
    scope, owner, make_member
):
    guest = make_member(scope, Role.PARTNER_GUEST, email="guest@supplier.test")
    draft = AgreementFactory(organization=scope, status=Agreement.Status.DRAFT)
    partnership_invite_guest(partnership=draft.partnership, guest=guest, actor=owner)
    clause = ClauseFactory(organization=scope, agreement=draft)
    with pytest.raises(PermissionDeniedError) as refused:
        services.clause_comment_add(clause=clause, actor=guest, body="Hello.")
    assert str(refused.value) == "You may comment only on your partnership's agreements."
    assert not ClauseComment.objects.exists()


# --- a reviewer's decision --------------------------------------------------------------------


def test_an_acceptance_is_recorded_with_who_when_an_internal_comment_and_an_audit_event(
    scope, reviewed, legal
):
    clause = _detected(scope, reviewed, clause_type="governing_law", parameters={})
    moment = datetime(2025, 5, 2, 14, 30, tzinfo=UTC)
    services.clause_decide(
        clause=clause, actor=legal, decision="accepted", comment="Fine.", now=moment
    )
    clause.refresh_from_db()
    assert (clause.decision, clause.decided_by, clause.proposal, clause.red_line_waiver) == (
        Clause.Decision.ACCEPTED,
        legal,
        Clause.Proposal.CONFIRMED,
        "",
    )
    assert clause.decided_at == moment  # the clock passed in, not the one on the wall
    comment = ClauseComment.objects.get()
    assert (
        comment.organization,
        comment.clause,
        comment.author,
        comment.body,
        comment.decision,
        comment.visibility,
    ) == (scope, clause, legal, "Fine.", "accepted", ClauseComment.Visibility.INTERNAL)
    event = _event("contracts.clause.accepted")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        legal,
        "contracts.clause",
        str(clause.pk),
        {"decision": ["pending", "accepted"], "comment": "Fine."},
    )


def test_a_decision_leaves_a_corrected_proposal_corrected(scope, reviewed, legal):
    clause = ClauseFactory(
        organization=scope,
        agreement=reviewed,
        clause_type="governing_law",
        source=Clause.Source.DETECTED,
        proposal=Clause.Proposal.CORRECTED,
    )
    services.clause_decide(clause=clause, actor=legal, decision="accepted", now=timezone.now())
    clause.refresh_from_db()
    assert clause.proposal == Clause.Proposal.CORRECTED


def test_a_redline_is_a_new_version_with_the_comment_as_its_note_and_is_audited(
    scope, reviewed, legal
):
    clause = ClauseFactory(
        organization=scope,
        agreement=reviewed,
        text="Liability is capped at 0.5x.",
        parameters={"cap_multiple": "0.5"},
    )
    services.clause_decide(
        clause=clause,
        actor=legal,
        decision="redline",
        comment="Our floor.",
        redline_text="  Liability is capped at 2x.  ",
        redline_parameters={"cap_multiple": "2"},
        now=timezone.now(),
    )
    clause.refresh_from_db()
    assert (clause.decision, clause.text, clause.parameters, clause.version) == (
        "redline",
        "Liability is capped at 2x.",
        {"cap_multiple": "2"},
        2,
    )
    version = clause.versions.get()
    assert (version.kind, version.note, version.author, version.text) == (
        ClauseVersion.Kind.REDLINE,
        "Our floor.",
        legal,
        "Liability is capped at 2x.",
    )
    assert _event("contracts.clause.redline").changes == {
        "decision": ["pending", "redline"],
        "comment": "Our floor.",
        "text": ["Liability is capped at 0.5x.", "Liability is capped at 2x."],
        "parameters": [{"cap_multiple": "0.5"}, {"cap_multiple": "2"}],
    }


def test_a_redline_of_the_wording_alone_keeps_the_parameters(scope, reviewed, legal):
    clause = ClauseFactory(organization=scope, agreement=reviewed, parameters={"cap_multiple": "1"})
    services.clause_decide(
        clause=clause, actor=legal, decision="redline", redline_text="New.", now=timezone.now()
    )
    clause.refresh_from_db()
    assert (clause.text, clause.parameters) == ("New.", {"cap_multiple": "1"})


def test_a_decision_is_refused_in_words(scope, reviewed, legal):
    clause = ClauseFactory(organization=scope, agreement=reviewed)
    with pytest.raises(ValidationError) as unknown:
        services.clause_decide(clause=clause, actor=legal, decision="pending", now=timezone.now())
    assert unknown.value.message_dict == {"decision": ["Choose accept, redline or reject."]}
    with pytest.raises(ValidationError) as no_words:
        services.clause_decide(
            clause=clause, actor=legal, decision="redline", redline_text=" ", now=timezone.now()
        )
    assert no_words.value.message_dict == {
        "redline_text": ["A redline needs the proposed wording."]
    }
    with pytest.raises(ValidationError) as no_text_at_all:
        services.clause_decide(clause=clause, actor=legal, decision="redline", now=timezone.now())
    assert no_text_at_all.value.message_dict == {
        "redline_text": ["A redline needs the proposed wording."]
    }
    with pytest.raises(ValidationError) as bad_parameters:
        services.clause_decide(
            clause=clause,
            actor=legal,
            decision="redline",
            redline_text="New.",
            redline_parameters=["2"],
            now=timezone.now(),
        )
    assert bad_parameters.value.message_dict == {
        "parameters": ["Parameters are an object of name: value."]
    }
    with pytest.raises(ValidationError) as no_reason:
        services.clause_decide(
            clause=clause, actor=legal, decision="rejected", comment=" ", now=timezone.now()
        )
    assert no_reason.value.message_dict == {"comment": ["Say why the clause is rejected."]}
    Agreement.objects.filter(pk=reviewed.pk).update(status=Agreement.Status.DRAFT)
    with pytest.raises(ConflictError) as not_in_review:
        services.clause_decide(clause=clause, actor=legal, decision="accepted", now=timezone.now())
    assert not_in_review.value.message == (
        "Clauses are decided while the agreement is in legal review."
    )
    clause.refresh_from_db()
    assert (clause.decision, clause.version) == ("pending", 1)
    assert not ClauseComment.objects.exists()


def test_accepting_a_red_line_breach_names_every_rule_broken_and_needs_an_admin(
    scope, reviewed, legal, owner, playbook
):
    from tests.contracts.factories import PlaybookRuleFactory

    PlaybookRuleFactory(
        organization=scope,
        playbook_clause=playbook["cap"].playbook_clause,
        name="Cap stated in writing",
        parameter="cap_amount",
        operator="present",
        value=None,
    )
    clause = ClauseFactory(
        organization=scope, agreement=reviewed, parameters={"cap_multiple": "0.5"}
    )
    with pytest.raises(ValidationError) as unjustified:
        services.clause_decide(
            clause=clause, actor=owner, decision="accepted", justification=" ", now=timezone.now()
        )
    assert unjustified.value.message_dict == {
        "justification": [
            "This clause breaks a red line (Cap at least 1× annual fees; Cap stated in writing): "
            "accepting it waives the red line, so write why."
        ]
    }
    with pytest.raises(PermissionDeniedError) as not_admin:
        services.clause_decide(
            clause=clause,
            actor=legal,
            decision="accepted",
            justification="Board decision.",
            now=timezone.now(),
        )
    assert str(not_admin.value) == (
        "Only an organization admin may accept a clause that breaks a red line."
    )
    services.clause_decide(
        clause=clause,
        actor=owner,
        decision="accepted",
        justification="  Board decision. ",
        now=timezone.now(),
    )
    clause.refresh_from_db()
    assert clause.red_line_waiver == "Board decision."
    assert _event("contracts.clause.accepted").changes == {
        "decision": ["pending", "accepted"],
        "comment": "",
        "red_lines_waived": ["Cap at least 1× annual fees", "Cap stated in writing"],
        "justification": "Board decision.",
    }


def test_a_fixed_cap_below_the_annual_fees_breaks_the_red_line_when_accepted(
    scope, reviewed, owner, playbook
):
    """The cap of 500 000 is half of the agreement's annual fees of 1 000 000."""
    clause = ClauseFactory(
        organization=scope, agreement=reviewed, parameters={"cap_amount": "500000"}
    )
    with pytest.raises(ValidationError) as refused:
        services.clause_decide(clause=clause, actor=owner, decision="accepted", now=timezone.now())
    assert "Cap at least 1× annual fees" in refused.value.message_dict["justification"][0]


def test_a_justification_without_a_red_line_broken_is_not_stored_as_a_waiver(
    scope, reviewed, owner, playbook
):
    clause = ClauseFactory(organization=scope, agreement=reviewed, parameters={"cap_multiple": "2"})
    services.clause_decide(
        clause=clause,
        actor=owner,
        decision="accepted",
        justification="Just in case.",
        now=timezone.now(),
    )
    clause.refresh_from_db()
    assert clause.red_line_waiver == ""
    assert _event("contracts.clause.accepted").changes == {
        "decision": ["pending", "accepted"],
        "comment": "",
    }


# --- comments ---------------------------------------------------------------------------------


def test_a_comment_is_stored_trimmed_under_its_clause_and_audited(scope, owner):
    clause = ClauseFactory(organization=scope)
    comment = services.clause_comment_add(clause=clause, actor=owner, body="  Check the cap. ")
    comment.refresh_from_db()
    assert (
        comment.organization,
        comment.clause,
        comment.parent,
        comment.author,
        comment.body,
        comment.visibility,
        comment.decision,
    ) == (scope, clause, None, owner, "Check the cap.", "internal", "")
    event = _event("contracts.clause.commented")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        owner,
        "contracts.clause",
        str(clause.pk),
        {"body": "  Check the cap. ", "visibility": "internal"},
    )


def test_a_comment_is_refused_in_words(scope, owner):
    clause = ClauseFactory(organization=scope)
    with pytest.raises(ValidationError) as empty:
        services.clause_comment_add(clause=clause, actor=owner, body="  ")
    assert empty.value.message_dict == {"body": ["Write the comment."]}
    with pytest.raises(ValidationError) as visibility:
        services.clause_comment_add(clause=clause, actor=owner, body="x", visibility="public")
    assert visibility.value.message_dict == {
        "visibility": ["Choose internal or shared with the partner."]
    }
    elsewhere = services.clause_comment_add(
        clause=ClauseFactory(organization=scope), actor=owner, body="Elsewhere."
    )
    with pytest.raises(ValidationError) as other_clause:
        services.clause_comment_add(clause=clause, actor=owner, body="x", parent=elsewhere)
    assert other_clause.value.message_dict == {"parent": ["Reply to a comment on the same clause."]}
    assert not ClauseComment.objects.filter(clause=clause).exists()


def test_a_viewer_is_told_their_role_does_not_allow_comments(scope, make_member):
    viewer = make_member(scope, Role.VIEWER)
    with pytest.raises(PermissionDeniedError) as refused:
        services.clause_comment_add(
            clause=ClauseFactory(organization=scope), actor=viewer, body="x"
        )
    assert str(refused.value) == "Your role does not allow comments on clauses."


def test_a_reply_keeps_its_thread_and_a_reply_under_an_internal_comment_stays_internal(
    scope, owner
):
    clause = ClauseFactory(organization=scope)
    internal = services.clause_comment_add(clause=clause, actor=owner, body="Ours.")
    reply = services.clause_comment_add(clause=clause, actor=owner, body="Yes.", parent=internal)
    assert (reply.parent, reply.visibility) == (internal, "internal")
    shared = services.clause_comment_add(
        clause=clause, actor=owner, body="Theirs.", visibility="shared"
    )
    answer = services.clause_comment_add(
        clause=clause, actor=owner, body="Agreed.", parent=shared, visibility="internal"
    )
    assert (answer.parent, answer.visibility) == (shared, "shared")
    assert _event("contracts.clause.commented").changes == {
        "body": "Agreed.",
        "visibility": "shared",
    }


def test_a_guests_comment_is_always_shared_and_may_answer_a_shared_one(
    scope, reviewed, owner, make_member
):
    guest = make_member(scope, Role.PARTNER_GUEST, email="guest@supplier.test")
    partnership_invite_guest(partnership=reviewed.partnership, guest=guest, actor=owner)
    clause = ClauseFactory(organization=scope, agreement=reviewed)
    shared = services.clause_comment_add(
        clause=clause, actor=owner, body="For them.", visibility="shared"
    )
    comment = services.clause_comment_add(
        clause=clause, actor=guest, body="Noted.", parent=shared, visibility="internal"
    )
    assert (comment.author, comment.parent, comment.visibility) == (guest, shared, "shared")
    internal = services.clause_comment_add(clause=clause, actor=owner, body="Ours.")
    with pytest.raises(ValidationError) as under_internal:
        services.clause_comment_add(clause=clause, actor=guest, body="x", parent=internal)
    assert under_internal.value.message_dict == {
        "parent": ["Reply to a comment on the same clause."]
    }


def test_a_clause_created_without_a_heading_has_none(scope, owner):
    clause = services.clause_create(
        actor=owner,
        agreement=AgreementFactory(organization=scope),
        clause_type="governing_law",
        text="English law.",
    )
    clause.refresh_from_db()
    assert clause.heading == ""


def test_a_fixed_cap_of_twice_the_annual_fees_is_accepted_without_a_justification(
    scope, reviewed, owner, playbook
):
    """2 000 000 against annual fees of 1 000 000: a cap of 2x, within the red line."""
    clause = ClauseFactory(
        organization=scope, agreement=reviewed, parameters={"cap_amount": "2000000"}
    )
    services.clause_decide(clause=clause, actor=owner, decision="accepted", now=timezone.now())
    clause.refresh_from_db()
    assert (clause.decision, clause.red_line_waiver) == ("accepted", "")


def test_legal_waives_a_red_line_only_where_every_broken_rule_says_legal_may(
    scope, reviewed, legal, make_member, playbook
):
    from tests.contracts.factories import PlaybookRuleFactory

    cap = playbook["cap"]
    cap.waived_by = PlaybookRule.WaivedBy.LEGAL
    cap.save()
    in_writing = PlaybookRuleFactory(
        organization=scope,
        playbook_clause=cap.playbook_clause,
        name="Cap stated in writing",
        parameter="cap_amount",
        operator="present",
        value=None,
    )
    clause = ClauseFactory(
        organization=scope, agreement=reviewed, parameters={"cap_multiple": "0.5"}
    )
    # Two red lines broken, one of them admins-only: legal may not.
    with pytest.raises(PermissionDeniedError) as admins_only:
        services.clause_decide(
            clause=clause, actor=legal, decision="accepted", justification="Ok", now=timezone.now()
        )
    assert str(admins_only.value) == (
        "Only an organization admin may accept a clause that breaks a red line."
    )
    in_writing.waived_by = PlaybookRule.WaivedBy.LEGAL
    in_writing.save()
    # Every broken rule now lets legal waive it: a legal reviewer may, no other role but admin.
    finance = make_member(scope, Role.FINANCE, email="fin@alpha.test")
    rule_ids = [cap.pk, in_writing.pk]
    assert services.may_waive_red_line(finance, rule_ids=rule_ids) is False
    assert services.may_waive_red_line(legal, rule_ids=[]) is False
    assert services.may_waive_red_line(legal, rule_ids=rule_ids) is True
    services.clause_decide(
        clause=clause,
        actor=legal,
        decision="accepted",
        justification="Capped by the parent guarantee.",
        now=timezone.now(),
    )
    clause.refresh_from_db()
    assert (clause.decision, clause.red_line_waiver) == (
        "accepted",
        "Capped by the parent guarantee.",
    )


def test_only_an_admin_lets_legal_waive_a_red_line(scope, legal, owner, playbook):
    cap = playbook["cap"]
    with pytest.raises(ValidationError) as refused:
        services.playbook_rule_update(rule=cap, actor=legal, waived_by="legal")
    assert refused.value.message_dict == {
        "waived_by": ["Only an organization admin lets legal reviewers waive a red line."]
    }
    with pytest.raises(ValidationError):
        services.playbook_rule_create(
            actor=legal,
            playbook_clause=cap.playbook_clause,
            name="Cap stated",
            parameter="cap_amount",
            operator="present",
            severity="red_line",
            waived_by="legal",
        )
    cap.refresh_from_db()
    assert cap.waived_by == PlaybookRule.WaivedBy.ORG_ADMIN
    services.playbook_rule_update(rule=cap, actor=owner, waived_by="legal")
    cap.refresh_from_db()
    assert cap.waived_by == PlaybookRule.WaivedBy.LEGAL
    assert _event("contracts.playbook_rule.updated").changes == {
        "waived_by": ["org_admin", "legal"]
    }


def test_legal_saving_a_page_opened_before_an_admin_took_the_waiver_back_does_not_regain_it(
    scope, legal, owner, playbook
):
    cap = playbook["cap"]
    services.playbook_rule_update(rule=cap, actor=owner, waived_by="legal")
    stale = PlaybookRule.objects.get(pk=cap.pk)  # legal's page, waived by legal
    services.playbook_rule_update(rule=cap, actor=owner, waived_by="org_admin")
    with pytest.raises(ValidationError) as refused:  # the form saved whole, waived_by unchanged
        services.playbook_rule_update(rule=stale, actor=legal, name="Cap", waived_by="legal")
    assert list(refused.value.message_dict) == ["waived_by"]
    cap.refresh_from_db()
    assert cap.waived_by == PlaybookRule.WaivedBy.ORG_ADMIN


# --- a page opened before the approval ------------------------------------------------------


def test_a_clause_from_a_page_opened_before_the_approval_is_not_added(scope, owner):
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.IN_LEGAL_REVIEW)
    stale = Agreement.objects.get(pk=agreement.pk)  # the page's copy, still in review
    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.Status.APPROVED)
    with pytest.raises(ConflictError) as refused:
        services.clause_create(actor=owner, agreement=stale, clause_type="governing_law", text="x")
    assert "approved" in refused.value.message
    assert not Clause.objects.filter(agreement=agreement).exists()


def test_a_clause_is_not_deleted_from_a_page_opened_before_the_approval(scope, owner):
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.IN_LEGAL_REVIEW)
    clause = ClauseFactory(organization=scope, agreement=agreement)
    stale = Clause.objects.select_related("agreement").get(pk=clause.pk)  # as the page showed it
    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.Status.APPROVED)
    with pytest.raises(ConflictError) as refused:
        services.clause_delete(clause=stale, actor=owner)
    assert "approved" in refused.value.message
    assert Clause.objects.filter(pk=clause.pk).exists()
