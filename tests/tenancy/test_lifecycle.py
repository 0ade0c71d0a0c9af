"""A refused transition tells the user in words what happened and what can happen instead."""

import pytest

from tenancy.errors import TransitionNotAllowed
from tenancy.lifecycle import lifecycle

AGREEMENT = lifecycle(
    "agreement",
    {"draft": {"in_review"}, "in_review": {"draft", "approved"}, "approved": {"active"}},
    labels={"in_review": "In legal review"},
)


def test_an_allowed_transition_passes():
    AGREEMENT.check("draft", "in_review")


def test_a_refusal_names_the_states_in_words_never_in_codes():
    with pytest.raises(TransitionNotAllowed) as refused:
        AGREEMENT.check("in_review", "active")
    assert str(refused.value) == (
        "An agreement cannot go from “in legal review” to “active”. "
        "From “in legal review” it can go to “approved” or “draft”."
    )
    assert "_" not in str(refused.value)


def test_a_refusal_with_one_way_out_says_so():
    with pytest.raises(TransitionNotAllowed, match="it can only go to “active”"):
        AGREEMENT.check("approved", "draft")


def test_a_refusal_from_a_final_state_says_nothing_can_follow():
    scorecard = lifecycle("scorecard", {"draft": {"published"}, "published": ()})
    with pytest.raises(TransitionNotAllowed) as refused:
        scorecard.check("published", "draft")
    assert str(refused.value) == (
        "A scorecard cannot go from “published” to “draft”. Nothing can follow “published”."
    )
