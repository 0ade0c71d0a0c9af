"""Improvement initiatives refuse in the exact words of the page and on the field they name,
leave the buyer's decisions to the buyer, keep a criterion's name unique within its own
initiative only, accept the boundaries (a benefit of zero, a weight of one), record who
submitted, scored and when, hand the savings ledger the initiative's own title, currency and
cost, and audit each step with its action, actor, object and changes (found by
`make mutation MUTATION_ARGS=innovation.initiatives`)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from innovation import services
from innovation.models import Party
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.innovation.conftest import NOW, TODAY, score_all
from tests.innovation.factories import ImprovementInitiativeFactory

pytestmark = pytest.mark.django_db


def _event(action):
    """The one audit event of `action`, as (actor, object type, object id, changes)."""
    event = AuditEvent.objects.get(action=action)
    return event.actor, event.object_type, event.object_id, event.changes


def _of(initiative):
    return "innovation.improvementinitiative", str(initiative.pk)


def _park(initiative, manager):
    return services.initiative_decide(
        initiative=initiative, actor=manager, now=NOW, decision="parked", reason="After Q3."
    )


# -- submission --------------------------------------------------------------------------------


def test_a_submission_records_who_submitted_it_and_when_and_is_audited_with_the_party(
    submitted, guest
):
    submitted.refresh_from_db()
    assert (submitted.submitted_by, submitted.created_at) == (guest, NOW)
    assert _event("innovation.initiative.submitted") == (
        guest,
        *_of(submitted),
        {"party": "partner"},
    )


def test_a_submission_refuses_fields_that_are_not_the_initiatives(scope, partnership, manager):
    with pytest.raises(TypeError) as refused:
        services.initiative_submit(
            actor=manager,
            partnership=partnership,
            now=NOW,
            title="X",
            realised_benefit=Decimal("100"),
            decision_reason="Approved by fiat.",
        )
    assert str(refused.value) == (
        "Unknown initiative fields: ['decision_reason', 'realised_benefit']"
    )
    assert not AuditEvent.objects.filter(action="innovation.initiative.submitted").exists()


def test_an_expected_benefit_of_zero_is_taken_and_a_negative_one_refused_in_words(
    scope, partnership, manager
):
    with pytest.raises(ValidationError) as refused:
        services.initiative_submit(
            actor=manager,
            partnership=partnership,
            now=NOW,
            title="X",
            expected_benefit=Decimal("-0.01"),
        )
    assert refused.value.message_dict == {
        "expected_benefit": ["An expected benefit cannot be negative."]
    }

    initiative = services.initiative_submit(
        actor=manager, partnership=partnership, now=NOW, title="X", expected_benefit=Decimal(0)
    )
    initiative.refresh_from_db()
    assert initiative.expected_benefit == Decimal(0)


# -- editing -----------------------------------------------------------------------------------


def test_a_decided_initiative_is_not_edited_in_words(approved, manager):
    with pytest.raises(ConflictError) as refused:
        services.initiative_update(initiative=approved, actor=manager, title="Renamed")
    assert (refused.value.message, refused.value.code) == (
        "A decided initiative is no longer edited.",
        "decided",
    )


def test_an_edit_from_a_page_opened_before_the_decision_is_refused(submitted, manager):
    stale = type(submitted).objects.get(pk=submitted.pk)  # the page's copy, still proposed
    type(submitted).objects.filter(pk=submitted.pk).update(status="approved")
    with pytest.raises(ConflictError) as refused:
        services.initiative_update(initiative=stale, actor=manager, title="Renamed")
    assert refused.value.code == "decided"
    assert type(submitted).objects.get(pk=submitted.pk).title == submitted.title


def test_a_criterion_from_a_page_opened_before_the_decision_is_refused(submitted, manager):
    stale = type(submitted).objects.get(pk=submitted.pk)
    type(submitted).objects.filter(pk=submitted.pk).update(status="rejected")
    with pytest.raises(ConflictError) as refused:
        services.criterion_add(initiative=stale, actor=manager, name="Speed", weight=Decimal(1))
    assert refused.value.code == "evaluation_closed"


def test_the_partner_edits_without_a_note_of_its_own_and_the_edit_is_audited(submitted, guest):
    services.initiative_update(initiative=submitted, actor=guest, owner_name="Greta")
    submitted.refresh_from_db()
    assert submitted.owner_name == "Greta"
    assert _event("innovation.initiative.updated") == (
        guest,
        *_of(submitted),
        {"owner_name": ["", "Greta"]},
    )


def test_the_audit_of_an_edit_never_carries_the_buyers_internal_note(submitted, manager):
    services.initiative_update(
        initiative=submitted, actor=manager, title="Freight portal", internal_note="walk-away 9.40"
    )
    submitted.refresh_from_db()
    assert submitted.internal_note == "walk-away 9.40"
    assert _event("innovation.initiative.updated") == (
        manager,
        *_of(submitted),
        {"title": ["Shared freight portal", "Freight portal"]},
    )


# -- criteria ----------------------------------------------------------------------------------


def test_only_the_buyer_sets_the_criteria_in_words(submitted, guest):
    with pytest.raises(ConflictError) as refused:
        services.criterion_add(initiative=submitted, actor=guest, name="Mine", weight=Decimal(1))
    assert refused.value.message == "Only the buyer's team can set the evaluation criteria."


def test_criteria_are_fixed_once_scoring_started_in_words(submitted, manager, guest):
    services.criterion_score(criterion=submitted.criteria.first(), actor=guest, now=NOW, score=3)
    with pytest.raises(ConflictError) as refused:
        services.criterion_add(
            initiative=submitted, actor=manager, name="Late", weight=Decimal("10")
        )
    assert refused.value.message == "Scoring has started: the criteria and their weights are fixed."


def test_a_criterion_name_is_unique_within_its_initiative_only(
    scope, submitted, partnership, manager
):
    other = services.initiative_submit(
        actor=manager, partnership=partnership, now=NOW, title="Consignment stock"
    )
    services.criterion_add(
        initiative=other, actor=manager, name="Sustainability", weight=Decimal("20")
    )

    criterion = services.criterion_add(
        initiative=submitted, actor=manager, name="Sustainability", weight=Decimal("20")
    )
    assert criterion.initiative == submitted
    with pytest.raises(ValidationError) as refused:
        services.criterion_add(
            initiative=submitted, actor=manager, name=" sustainability ", weight=Decimal("5")
        )
    assert refused.value.message_dict == {
        "name": ["This initiative has a criterion of that name already."]
    }


def test_a_criterion_of_weight_one_is_taken_and_the_addition_audited(submitted, manager):
    criterion = services.criterion_add(
        initiative=submitted, actor=manager, name="  Sustainability ", weight=Decimal("1")
    )
    criterion.refresh_from_db()
    assert (criterion.name, criterion.weight) == ("Sustainability", Decimal("1.00"))
    assert _event("innovation.criterion.added") == (
        manager,
        *_of(submitted),
        {"criterion": "Sustainability", "weight": "1"},
    )


# -- scoring -----------------------------------------------------------------------------------


def test_a_score_records_who_scored_and_when_with_no_comment_by_default(submitted, guest):
    criterion = submitted.criteria.first()
    row = services.criterion_score(criterion=criterion, actor=guest, now=NOW, score=4)
    row.refresh_from_db()
    assert (row.party, row.score, row.comment, row.scored_by, row.scored_at) == (
        Party.PARTNER,
        4,
        "",
        guest,
        NOW,
    )
    assert _event("innovation.criterion.scored") == (
        guest,
        *_of(submitted),
        {"criterion": "Value to both parties", "party": "partner", "score": 4},
    )


def test_a_party_scores_a_criterion_once_in_words(submitted, guest):
    criterion = submitted.criteria.first()
    services.criterion_score(criterion=criterion, actor=guest, now=NOW, score=4)
    with pytest.raises(ConflictError) as refused:
        services.criterion_score(criterion=criterion, actor=guest, now=NOW, score=5)
    assert refused.value.message == (
        "The partner has scored “Value to both parties” already: each party scores each "
        "criterion once."
    )


def test_the_evaluation_closes_with_the_decision_in_words(approved, guest):
    with pytest.raises(ConflictError) as refused:
        services.criterion_score(criterion=approved.criteria.first(), actor=guest, now=NOW, score=1)
    assert refused.value.message == "The evaluation is closed: the initiative is approved."


# -- decision ----------------------------------------------------------------------------------


def test_only_the_buyer_decides_in_words(submitted, guest):
    with pytest.raises(ConflictError) as refused:
        services.initiative_decide(
            initiative=submitted, actor=guest, now=NOW, decision="rejected", reason="No."
        )
    assert refused.value.message == "Only the buyer's team can decide on an initiative."


def test_a_decision_is_approved_parked_or_rejected_in_words(submitted, manager):
    with pytest.raises(ValidationError) as refused:
        services.initiative_decide(
            initiative=submitted, actor=manager, now=NOW, decision="pilot", reason="Try it."
        )
    assert refused.value.message_dict == {"decision": ["Choose approved, parked or rejected."]}


def test_a_rejection_without_a_reason_is_refused_in_words(submitted, manager):
    with pytest.raises(ValidationError) as refused:
        services.initiative_decide(
            initiative=submitted, actor=manager, now=NOW, decision="rejected", reason="  "
        )
    assert refused.value.message_dict == {
        "reason": ["Say why the initiative is parked or rejected."]
    }


def test_approval_names_every_missing_score(submitted, manager):
    score_all(submitted, manager)
    with pytest.raises(ConflictError) as refused:
        services.initiative_decide(
            initiative=submitted, actor=manager, now=NOW, decision="approved"
        )
    assert refused.value.message == (
        "Both parties score every criterion before the initiative is approved (missing: "
        "Value to both parties (partner), Feasibility (partner), Risk (partner))."
    )


def test_a_decision_is_audited_with_its_reason(submitted, manager):
    services.initiative_decide(
        initiative=submitted, actor=manager, now=NOW, decision="rejected", reason=" Too costly. "
    )
    submitted.refresh_from_db()
    assert (submitted.status, submitted.decision_reason) == ("rejected", "Too costly.")
    assert _event("innovation.initiative.rejected") == (
        manager,
        *_of(submitted),
        {"reason": "Too costly."},
    )


# -- moves -------------------------------------------------------------------------------------


def test_only_the_buyer_reopens_and_the_reopening_is_audited_from_where_it_was(
    submitted, manager, guest
):
    _park(submitted, manager)
    with pytest.raises(ConflictError) as refused:
        services.initiative_reopen(initiative=submitted, actor=guest)
    assert refused.value.message == "Only the buyer's team can reopen an initiative."

    services.initiative_reopen(initiative=submitted, actor=manager)
    assert _event("innovation.initiative.moved") == (
        manager,
        *_of(submitted),
        {"status": ["parked", "proposed"]},
    )


def test_only_the_buyer_marks_it_implemented_and_the_move_is_audited(approved, manager, guest):
    with pytest.raises(ConflictError) as refused:
        services.initiative_implemented(initiative=approved, actor=guest)
    assert refused.value.message == "Only the buyer's team can mark an initiative implemented."

    services.initiative_implemented(initiative=approved, actor=manager)
    assert _event("innovation.initiative.moved") == (
        manager,
        *_of(approved),
        {"status": ["approved", "implemented"]},
    )


# -- realised benefit --------------------------------------------------------------------------


def _benefit(initiative, actor, **fields):
    return services.initiative_record_benefit(
        initiative=initiative,
        actor=actor,
        now=NOW,
        period_start=TODAY,
        baseline_price=Decimal("10"),
        actual_price=Decimal("9"),
        volume=Decimal("1000"),
        **fields,
    )


def test_only_a_decided_for_initiative_realises_a_benefit_in_words(submitted, manager):
    with pytest.raises(ConflictError) as refused:
        _benefit(submitted, manager)
    assert refused.value.message == (
        "Only an approved, piloted or implemented initiative realises a benefit."
    )


def test_a_benefit_is_claimed_in_the_initiatives_currency_with_its_title_and_cost(
    scope, partnership, manager
):
    initiative = ImprovementInitiativeFactory(
        partnership=partnership, status="approved", currency="USD", title="Consignment stock"
    )
    entry = _benefit(
        initiative, manager, title="  Q2 consignment ", implementation_cost=Decimal("250")
    )
    entry.refresh_from_db()
    assert (entry.currency, entry.title, entry.implementation_cost) == (
        "USD",
        "Q2 consignment",
        Decimal("250.00"),
    )
    assert _event("innovation.initiative.benefit_recorded") == (
        manager,
        *_of(initiative),
        {"saving": entry.pk, "net": "1000.00"},
    )
