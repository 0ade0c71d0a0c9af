"""Pinned rules of `partnerships.services.sourcing` (mutation testing, thirteenth session): the
field each refusal lands on and its words, the bounds of weights and scores, which estimate an
edit updates, the partnership a decision opens, and the audit trail of every step."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from partnerships import services
from partnerships.models import CandidateScore, Partnership, SourcingCandidate, TcoEstimate
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Role
from tests.partnerships.factories import (
    PartnerFactory,
    PartnershipFactory,
    SourcingCandidateFactory,
    SourcingCaseFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def scope(org_a):
    with tenant_scope(org_a):
        yield org_a


def _event(action):
    [event] = AuditEvent.objects.filter(action=action)
    return event


def _who_and_what(event):
    return (event.actor, event.object_type, event.object_id)


def _refusal(call) -> dict:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


# --- The audit trail ----------------------------------------------------------------------------


def test_a_need_opened_and_renamed_is_audited_by_who_did_it_with_the_change(scope, owner):
    case = services.sourcing_case_create(actor=owner, title="Battery modules")
    services.sourcing_case_update(case=case, actor=owner, title="Battery packs")
    created = _event("partnerships.sourcingcase.created")
    updated = _event("partnerships.sourcingcase.updated")
    assert _who_and_what(created) == (owner, "partnerships.sourcingcase", str(case.pk))
    assert _who_and_what(updated) == (owner, "partnerships.sourcingcase", str(case.pk))
    assert updated.changes == {"title": ["Battery modules", "Battery packs"]}


def test_a_cost_estimate_is_audited_with_the_costs_it_changed(scope, owner):
    case = SourcingCaseFactory(organization=scope)
    estimate = services.tco_estimate_set(
        case=case, model="transactional", actor=owner, operating_cost=Decimal("2000.00")
    )
    event = _event("partnerships.tcoestimate.set")
    assert _who_and_what(event) == (owner, "partnerships.tcoestimate", str(estimate.pk))
    assert event.changes == {"operating_cost": ["0", "2000.00"]}


def test_new_criteria_are_audited_with_their_names_and_weights(scope, owner):
    case = SourcingCaseFactory(organization=scope)
    services.selection_criteria_set(
        case=case, actor=owner, criteria=[("Reach", Decimal("60")), ("Price", Decimal("40"))]
    )
    event = _event("partnerships.sourcingcase.criteria_set")
    assert _who_and_what(event) == (owner, "partnerships.sourcingcase", str(case.pk))
    assert event.changes == {"criteria": [["Reach", "60"], ["Price", "40"]]}


def test_a_candidate_added_and_removed_is_audited_both_times(scope, owner):
    case = SourcingCaseFactory(organization=scope)
    candidate = services.candidate_add(
        case=case, partner=PartnerFactory(organization=scope), actor=owner
    )
    pk = str(candidate.pk)
    services.candidate_remove(candidate=candidate, actor=owner)
    assert not SourcingCandidate.objects.filter(pk=pk).exists()
    for action in ("created", "deleted"):
        event = _event(f"partnerships.sourcingcandidate.{action}")
        assert _who_and_what(event) == (owner, "partnerships.sourcingcandidate", pk)


def test_scoring_is_audited_with_the_risk_exposure_and_each_score(scope, owner):
    case = services.sourcing_case_create(actor=owner, title="Need")
    candidate = SourcingCandidateFactory(organization=scope, case=case, risk_score=40)
    reach = case.criteria.get(name="Geographic reach")
    services.candidate_scores_set(
        candidate=candidate, actor=owner, scores={reach.pk: 4}, risk_score=20
    )
    event = _event("partnerships.sourcingcandidate.scored")
    assert _who_and_what(event) == (owner, "partnerships.sourcingcandidate", str(candidate.pk))
    assert event.changes == {"risk_score": [40, 20], "scores": {str(reach.pk): 4}}


# --- Cost estimates ------------------------------------------------------------------------------


def test_a_candidates_estimate_is_refused_for_a_candidate_of_another_need(scope, owner):
    case = SourcingCaseFactory(organization=scope)
    elsewhere = SourcingCandidateFactory(organization=scope)
    refusal = _refusal(
        lambda: services.tco_estimate_set(
            case=case, model="strategic", candidate=elsewhere, actor=owner
        )
    )
    assert refusal == {"candidate": ["This candidate belongs to another need."]}
    assert not TcoEstimate.objects.exists()


def test_setting_an_estimate_again_updates_that_estimate_and_no_other(scope, owner):
    """One estimate per model and per candidate: the strategic model's own figures and the
    candidate's (also strategic) are two rows, and each edit finds its own."""
    case = SourcingCaseFactory(organization=scope)
    other_case = SourcingCaseFactory(organization=scope)
    candidate = SourcingCandidateFactory(organization=scope, case=case)

    def put(cost, **where):
        return services.tco_estimate_set(actor=owner, operating_cost=Decimal(cost), **where)

    put("100", case=other_case, model="strategic")
    model_level = put("200", case=case, model="strategic")
    transactional = put("300", case=case, model="transactional")
    for_candidate = put("400", case=case, model="strategic", candidate=candidate)
    assert put("250", case=case, model="strategic").pk == model_level.pk
    assert put("350", case=case, model="transactional").pk == transactional.pk
    assert put("450", case=case, model="strategic", candidate=candidate).pk == for_candidate.pk
    assert set(
        TcoEstimate.objects.filter(case=case).values_list("model", "candidate", "operating_cost")
    ) == {
        ("strategic", None, Decimal("250.00")),
        ("strategic", candidate.pk, Decimal("450.00")),
        ("transactional", None, Decimal("350.00")),
    }
    assert TcoEstimate.objects.get(case=other_case).operating_cost == Decimal("100.00")


# --- Selection criteria --------------------------------------------------------------------------


def test_a_blank_criterion_row_is_skipped_and_the_rows_after_it_are_kept(scope, owner):
    case = SourcingCaseFactory(organization=scope)
    kept = services.selection_criteria_set(
        case=case,
        actor=owner,
        criteria=[("Reach", Decimal("60")), ("  ", None), (None, None), ("Price", Decimal("40"))],
    )
    assert [(c.name, c.weight) for c in kept] == [("Reach", 60), ("Price", 40)]
    assert list(case.criteria.order_by("pk").values_list("name", flat=True)) == ["Reach", "Price"]


def test_a_criterion_named_twice_in_any_case_is_refused_on_its_second_row(scope, owner):
    case = SourcingCaseFactory(organization=scope)
    refusal = _refusal(
        lambda: services.selection_criteria_set(
            case=case, actor=owner, criteria=[("Reach", Decimal("50")), ("REACH ", Decimal("50"))]
        )
    )
    assert refusal == {"name_1": ["This criterion is listed twice."]}
    assert not case.criteria.exists()


@pytest.mark.parametrize(
    "weights",
    [(Decimal("0"), Decimal("100")), (Decimal("100"), Decimal("0"))],
)
def test_a_weight_of_zero_or_one_hundred_is_allowed(scope, owner, weights):
    case = SourcingCaseFactory(organization=scope)
    services.selection_criteria_set(
        case=case, actor=owner, criteria=list(zip(("Reach", "Price"), weights, strict=True))
    )
    assert sorted(case.criteria.values_list("weight", flat=True)) == [0, 100]


@pytest.mark.parametrize(
    "weights",
    [
        (Decimal("-1"), Decimal("101")),
        (Decimal("100.5"), Decimal("-0.5")),
    ],
)
def test_a_weight_below_zero_or_above_one_hundred_is_refused_even_when_they_add_up(
    scope, owner, weights
):
    case = SourcingCaseFactory(organization=scope)
    refusal = _refusal(
        lambda: services.selection_criteria_set(
            case=case, actor=owner, criteria=list(zip(("Reach", "Price"), weights, strict=True))
        )
    )
    between = ["A weight is between 0 and 100 %."]
    assert refusal == {"weight_0": between, "weight_1": between}
    assert not case.criteria.exists()


def test_a_criterion_without_a_weight_is_refused_on_its_row(scope, owner):
    case = SourcingCaseFactory(organization=scope)
    refusal = _refusal(
        lambda: services.selection_criteria_set(
            case=case, actor=owner, criteria=[("Reach", Decimal("100")), ("Price", None)]
        )
    )
    assert refusal == {"weight_1": ["A weight is between 0 and 100 %."]}


@pytest.mark.parametrize("criteria", [[], [("", Decimal("100"))]])
def test_a_need_keeps_at_least_one_criterion(scope, owner, criteria):
    case = services.sourcing_case_create(actor=owner, title="Need")
    refusal = _refusal(
        lambda: services.selection_criteria_set(case=case, actor=owner, criteria=criteria)
    )
    assert refusal == {"criteria": ["Name at least one criterion."]}
    assert case.criteria.count() == 6


# --- Candidates and their scores -----------------------------------------------------------------


def test_a_candidate_is_added_with_its_risk_exposure_and_notes(scope, owner):
    case = SourcingCaseFactory(organization=scope)
    candidate = services.candidate_add(
        case=case,
        partner=PartnerFactory(organization=scope),
        actor=owner,
        risk_score=20,
        notes="Met at the Hanover fair.",
    )
    candidate.refresh_from_db()
    assert (candidate.risk_score, candidate.notes) == (20, "Met at the Hanover fair.")


def test_a_score_naming_a_criterion_of_another_need_is_refused(scope, owner):
    case = services.sourcing_case_create(actor=owner, title="Need")
    other = services.sourcing_case_create(actor=owner, title="Other need")
    candidate = SourcingCandidateFactory(organization=scope, case=case)
    foreign = other.criteria.first()
    refusal = _refusal(
        lambda: services.candidate_scores_set(
            candidate=candidate, actor=owner, scores={foreign.pk: 3}
        )
    )
    assert refusal == {"scores": ["A score names a criterion of another need."]}
    assert not CandidateScore.objects.exists()


def test_scores_of_one_and_five_are_kept_and_zero_is_refused_in_the_criterions_words(scope, owner):
    case = services.sourcing_case_create(actor=owner, title="Need")
    candidate = SourcingCandidateFactory(organization=scope, case=case)
    reach = case.criteria.get(name="Geographic reach")
    risk = case.criteria.get(name="Risk exposure")
    services.candidate_scores_set(
        candidate=candidate, actor=owner, scores={reach.pk: 1, risk.pk: 5}
    )
    assert sorted(candidate.scores.values_list("score", flat=True)) == [1, 5]
    refusal = _refusal(
        lambda: services.candidate_scores_set(candidate=candidate, actor=owner, scores={risk.pk: 0})
    )
    assert refusal == {f"score_{risk.pk}": ["“Risk exposure”: a score is from 1 to 5."]}


def test_a_risk_exposure_out_of_range_is_refused_beside_a_wrong_score(scope, owner):
    case = services.sourcing_case_create(actor=owner, title="Need")
    candidate = SourcingCandidateFactory(organization=scope, case=case, risk_score=40)
    reach = case.criteria.get(name="Geographic reach")
    refusal = _refusal(
        lambda: services.candidate_scores_set(
            candidate=candidate, actor=owner, scores={reach.pk: 9}, risk_score=0
        )
    )
    assert set(refusal) == {f"score_{reach.pk}", "risk_score"}
    assert refusal["risk_score"] == ["Ensure this value is greater than or equal to 1."]
    assert SourcingCandidate.objects.get(pk=candidate.pk).risk_score == 40


def test_scoring_keeps_the_risk_exposure_and_notes_it_is_given(scope, owner):
    case = services.sourcing_case_create(actor=owner, title="Need")
    candidate = SourcingCandidateFactory(organization=scope, case=case, risk_score=40)
    services.candidate_scores_set(
        candidate=candidate, actor=owner, scores={}, risk_score=15, notes="Second source."
    )
    candidate = SourcingCandidate.objects.get(pk=candidate.pk)
    assert (candidate.risk_score, candidate.notes) == (15, "Second source.")


def test_rescoring_changes_the_score_and_an_emptied_score_is_removed(scope, owner):
    """A criterion left unscored before a scored one does not stop the rest of the scores."""
    case = services.sourcing_case_create(actor=owner, title="Need")
    candidate = SourcingCandidateFactory(organization=scope, case=case)
    reach, risk, roadmap = (
        case.criteria.get(name=name)
        for name in ("Geographic reach", "Risk exposure", "Supply-chain complementarity")
    )
    services.candidate_scores_set(candidate=candidate, actor=owner, scores={reach.pk: 2})
    services.candidate_scores_set(
        candidate=candidate, actor=owner, scores={risk.pk: None, reach.pk: 4, roadmap.pk: 3}
    )
    services.candidate_scores_set(candidate=candidate, actor=owner, scores={reach.pk: None})
    assert list(candidate.scores.values_list("criterion__name", "score")) == [
        ("Supply-chain complementarity", 3)
    ]
    services.candidate_scores_set(candidate=candidate, actor=owner, scores={roadmap.pk: 5})
    assert list(candidate.scores.values_list("score", flat=True)) == [5]


# --- The decision --------------------------------------------------------------------------------


def _two_candidates(scope, **case_fields):
    case = SourcingCaseFactory(organization=scope, **case_fields)
    chosen = SourcingCandidateFactory(organization=scope, case=case)
    SourcingCandidateFactory(organization=scope, case=case)
    return case, chosen


def _decide(case, actor, candidate, model="strategic", rationale="Best fit."):
    return services.sourcing_case_decide(
        case=case, actor=actor, now=NOW, model=model, candidate=candidate, rationale=rationale
    )


def test_a_decision_without_a_model_a_candidate_or_a_rationale_names_each(scope, owner):
    case, _ = _two_candidates(scope)
    refusal = _refusal(lambda: _decide(case, owner, None, model="outsourced", rationale="  "))
    assert refusal == {
        "model": ["Choose transactional supply or a strategic partnership."],
        "rationale": ["Record why: the rationale is part of the decision."],
        "candidate": ["Pick the candidate you chose."],
    }
    assert not Partnership.objects.exists()


def test_a_decision_for_a_candidate_of_another_need_is_refused(scope, owner):
    case, _ = _two_candidates(scope)
    _, elsewhere = _two_candidates(scope)
    assert _refusal(lambda: _decide(case, owner, elsewhere)) == {
        "candidate": ["This candidate belongs to another need."]
    }


def test_a_decision_with_a_single_candidate_asks_for_a_comparison(scope, owner):
    case = SourcingCaseFactory(organization=scope)
    only = SourcingCandidateFactory(organization=scope, case=case)
    assert _refusal(lambda: _decide(case, owner, only)) == {
        "candidate": ["Compare at least two candidates before picking one."]
    }


def test_the_partnership_a_decision_opens_carries_the_needs_figures(scope, owner, make_member):
    deputy = make_member(scope, Role.PROCUREMENT_MANAGER)
    case, chosen = _two_candidates(
        scope, title="Battery modules", category="Batteries", currency="USD", owner=owner
    )
    services.tco_estimate_set(
        case=case,
        model="strategic",
        candidate=chosen,
        actor=owner,
        operating_cost=Decimal("2000.00"),
        transaction_cost=Decimal("300.00"),
        acquisition_cost=Decimal("9999.00"),
    )
    case = _decide(case, deputy, chosen, model="transactional", rationale="  Cheapest.  ")
    partnership = case.partnership
    assert (
        partnership.name,
        partnership.kind,
        partnership.category,
        partnership.currency,
        partnership.owner,
        partnership.annual_value,
        partnership.description,
    ) == (
        "Battery modules",
        Partnership.Kind.TRANSACTIONAL,
        "Batteries",
        "USD",
        owner,
        Decimal("2300.00"),
        "Cheapest.",
    )
    assert (case.chosen_model, case.chosen_candidate, case.rationale) == (
        "transactional",
        chosen,
        "Cheapest.",
    )
    event = _event("partnerships.sourcingcase.decided")
    assert _who_and_what(event) == (deputy, "partnerships.sourcingcase", str(case.pk))
    opened = _event("partnerships.partnership.created")
    assert _who_and_what(opened) == (deputy, "partnerships.partnership", str(partnership.pk))
    assert event.changes == {
        "model": "transactional",
        "candidate": str(chosen.partner),
        "rationale": "Cheapest.",
        "partnership": partnership.pk,
    }


def test_a_need_nobody_owns_is_owned_by_who_decided_it_and_has_no_value_without_an_estimate(
    scope, owner
):
    case, chosen = _two_candidates(scope, owner=None)
    partnership = _decide(case, owner, chosen).partnership
    assert (partnership.owner, partnership.annual_value, partnership.kind) == (
        owner,
        None,
        Partnership.Kind.STRATEGIC_PARTNERSHIP,
    )


def test_the_partnership_code_is_the_partners_name_numbered_when_taken(scope, owner):
    partner = PartnerFactory(organization=scope, name="Alder Components GmbH")
    codes = []
    for _ in range(3):
        case = SourcingCaseFactory(organization=scope)
        chosen = SourcingCandidateFactory(organization=scope, case=case, partner=partner)
        SourcingCandidateFactory(organization=scope, case=case)
        codes.append(_decide(case, owner, chosen).partnership.code)
    assert codes == ["ALDER-COMPONENTS-GMBH", "ALDER-COMPONENTS-GMBH-2", "ALDER-COMPONENTS-GMBH-3"]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Northern Hemisphere Precision Castings Ltd", "NORTHERN-HEMISPHERE-PRECISION"),
        ("株式会社", "PARTNER"),
        ("Redox", "REDOX"),
    ],
)
def test_a_long_or_unspellable_partner_name_gives_a_short_code(scope, owner, name, code):
    case, chosen = _two_candidates(scope)
    chosen.partner.name = name
    chosen.partner.save()
    PartnershipFactory(organization=scope, code=code)
    assert _decide(case, owner, chosen).partnership.code == f"{code}-2"


# --- Partners (`partnerships.services.partners`) -------------------------------------------------


def test_a_partner_is_registered_with_every_field_it_is_given(scope, owner):
    partner = services.partner_create(
        actor=owner, name="Alder", legal_name="Alder Components GmbH", country="AT"
    )
    partner.refresh_from_db()
    assert (partner.name, partner.legal_name, partner.country) == (
        "Alder",
        "Alder Components GmbH",
        "AT",
    )


def test_a_partner_edit_is_audited_by_who_made_it_with_the_change(scope, owner):
    partner = PartnerFactory(organization=scope, name="Alder", country="DE")
    services.partner_update(partner=partner, actor=owner, country="AT", registration_number="")
    event = _event("partnerships.partner.updated")
    assert _who_and_what(event) == (owner, "partnerships.partner", str(partner.pk))
    assert event.changes == {"country": ["DE", "AT"]}
