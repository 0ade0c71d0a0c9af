"""Reviewer feedback on the detector pinned against the mutants that survived `make mutation`
(docs/mutation.md): only a real correction of a detector's proposal to a known type is kept, and
what is kept is the segment as the detector saw it, what it proposed with its confidence and
source, what legal says it is, and who said so."""

import pytest
from guardian.shortcuts import assign_perm

from contracts import services
from contracts.models import Clause, ClauseFeedback, ClauseVersion
from contracts.services.feedback import clause_feedback_record
from tests.contracts.factories import AgreementFactory, ClauseFactory, ClauseVersionFactory

pytestmark = pytest.mark.django_db

DETECTED_TEXT = "This Agreement terminates automatically upon a change of control of the Supplier."


def _detected(scope, detection=None, **fields):
    values = {
        "clause_type": "assignment_change_of_control",
        "heading": "Change of control",
        "text": DETECTED_TEXT,
        "source": Clause.Source.DETECTED,
        "proposal": Clause.Proposal.PROPOSED,
        "parameters": {},
        "detection": {
            "code": "assignment_change_of_control",
            "confidence": 0.41,
            "source": "model",
        }
        if detection is None
        else detection,
        **fields,
    }
    return ClauseFactory(
        organization=scope, agreement=AgreementFactory(organization=scope), **values
    )


def _record(clause, actor, proposed="assignment_change_of_control", corrected="change_of_control"):
    return clause_feedback_record(
        clause=clause, actor=actor, proposed_type=proposed, corrected_type=corrected
    )


def test_a_correction_keeps_the_segment_the_proposal_its_confidence_and_the_reviewer(scope, legal):
    clause = _detected(scope)
    feedback = _record(clause, legal)
    feedback.refresh_from_db()
    assert (feedback.organization, feedback.clause, feedback.agreement) == (
        scope,
        clause,
        clause.agreement,
    )
    assert (feedback.heading, feedback.text) == ("Change of control", DETECTED_TEXT)
    assert (feedback.proposed_type, feedback.corrected_type) == (
        "assignment_change_of_control",
        "change_of_control",
    )
    assert (feedback.confidence, feedback.detection_source, feedback.reviewer) == (
        0.41,
        "model",
        legal,
    )


def test_a_hand_typed_clause_gives_no_feedback(scope, legal):
    clause = _detected(scope, source=Clause.Source.MANUAL)
    assert _record(clause, legal) is None
    assert not ClauseFeedback.objects.exists()


def test_the_same_type_or_an_unknown_type_gives_no_feedback(scope, legal):
    clause = _detected(scope)
    assert _record(clause, legal, corrected="assignment_change_of_control") is None
    assert _record(clause, legal, corrected="vibes") is None
    assert not ClauseFeedback.objects.exists()


def test_the_detectors_type_is_the_one_proposed_even_after_a_hand_edit(scope, legal):
    clause = _detected(scope)
    feedback = _record(clause, legal, proposed="termination_for_convenience")
    assert feedback.proposed_type == "assignment_change_of_control"
    bare = _detected(scope, detection={})
    assert _record(bare, legal, proposed="renewal").proposed_type == "renewal"


def test_feedback_keeps_the_detectors_text_not_a_later_edit(scope, legal):
    clause = _detected(scope, text="Edited by legal: consent is needed on a change of control.")
    ClauseVersionFactory(
        organization=scope,
        clause=clause,
        number=1,
        kind=ClauseVersion.Kind.DETECTED,
        text=DETECTED_TEXT,
    )
    ClauseVersionFactory(organization=scope, clause=clause, number=2, text=clause.text)
    assert _record(clause, legal).text == DETECTED_TEXT
    stored = _detected(scope, detection={"code": "renewal", "text": "The segment as stored."})
    assert _record(stored, legal).text == "The segment as stored."
    # A clause without versions (made before versions were kept) gives its text.
    assert _record(_detected(scope), legal).text == DETECTED_TEXT


def test_an_edited_then_corrected_clause_gives_the_detected_wording(scope, legal):
    clause = _detected(scope)
    ClauseVersionFactory(
        organization=scope,
        clause=clause,
        number=1,
        kind=ClauseVersion.Kind.DETECTED,
        text=DETECTED_TEXT,
    )
    assign_perm("contracts.review_agreement", legal, clause.agreement)
    services.clause_update(
        clause=clause, actor=legal, text="Consent is needed on a change of control."
    )
    services.clause_correct(clause=clause, actor=legal, clause_type="change_of_control")
    assert ClauseFeedback.objects.get().text == DETECTED_TEXT


@pytest.mark.parametrize(
    ("confidence", "kept"), [(1, 1.0), (0.5, 0.5), ("0.9", None), (None, None), (True, 1.0)]
)
def test_the_confidence_is_kept_only_when_it_is_a_number(scope, legal, confidence, kept):
    clause = _detected(
        scope, detection={"code": "assignment_change_of_control", "confidence": confidence}
    )
    feedback = _record(clause, legal)
    feedback.refresh_from_db()
    assert feedback.confidence == kept
    assert feedback.confidence is None or isinstance(feedback.confidence, float)


def test_the_detection_source_is_cut_at_ten_characters_and_blank_when_unknown(scope, legal):
    long = _detected(
        scope, detection={"code": "assignment_change_of_control", "source": "rules-and-model"}
    )
    assert _record(long, legal).detection_source == "rules-and-"
    unknown = _detected(scope, detection={"code": "assignment_change_of_control"})
    assert _record(unknown, legal).detection_source == ""
    none = _detected(scope)
    none.detection = None  # as stored before detection details were kept
    assert _record(none, legal).detection_source == ""


def test_a_long_heading_is_cut_and_a_missing_one_is_blank(scope, legal):
    long = _detected(scope)
    long.heading = "H" * 250  # the clause's own field allows 200; the cut is the feedback's
    assert _record(long, legal).heading == "H" * 200
    blank = _detected(scope, heading="")
    assert _record(blank, legal).heading == ""
