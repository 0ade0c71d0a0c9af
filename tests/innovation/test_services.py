"""The rules of the innovation module, one test per rule (each fails without its rule)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from exit_planning.models import PlaybookChange
from finance.models import SavingsEntry
from innovation import selectors, services
from innovation.models import ImprovementInitiative, Party, Pilot, TaskForce
from tenancy.errors import ConflictError, TransitionNotAllowed
from tests.innovation.conftest import NOW, TODAY, score_all
from tests.innovation.factories import (
    ImprovementInitiativeFactory,
    PilotFactory,
    SupplierProgrammeFactory,
    TaskForceFactory,
)
from tests.performance.factories import KpiFactory, MeasurementFactory

pytestmark = pytest.mark.django_db


# -- initiatives: submission and evaluation ----------------------------------------------------


def test_a_guest_submits_for_the_partner_and_the_initiative_gets_the_default_criteria(submitted):
    assert submitted.submitted_by_side == Party.PARTNER
    assert submitted.status == "proposed"
    assert [c.name for c in submitted.criteria.all()] == [
        "Value to both parties",
        "Feasibility",
        "Risk",
    ]


def test_a_guest_cannot_write_the_buyers_internal_note(scope, partnership, guest):
    initiative = services.initiative_submit(
        actor=guest, partnership=partnership, now=NOW, title="X", internal_note="sneaky"
    )
    assert initiative.internal_note == ""


def test_the_buyer_submits_for_the_buyer_with_an_internal_note(scope, partnership, manager):
    initiative = services.initiative_submit(
        actor=manager, partnership=partnership, now=NOW, title="X", internal_note="walk-away 9.40"
    )
    assert initiative.submitted_by_side == Party.BUYER
    assert initiative.internal_note == "walk-away 9.40"


def test_an_expected_benefit_cannot_be_negative(scope, partnership, manager):
    with pytest.raises(ValidationError) as error:
        services.initiative_submit(
            actor=manager,
            partnership=partnership,
            now=NOW,
            title="X",
            expected_benefit=Decimal("-1"),
        )
    assert "expected_benefit" in error.value.message_dict


def test_each_party_scores_each_criterion_once(submitted, manager, guest):
    criterion = submitted.criteria.first()
    services.criterion_score(criterion=criterion, actor=guest, now=NOW, score=4)
    services.criterion_score(criterion=criterion, actor=manager, now=NOW, score=2)
    with pytest.raises(ConflictError) as error:
        services.criterion_score(criterion=criterion, actor=guest, now=NOW, score=5)
    assert error.value.code == "scored"


def test_a_guest_scores_for_the_partner_side(submitted, guest):
    row = services.criterion_score(
        criterion=submitted.criteria.first(), actor=guest, now=NOW, score=3
    )
    assert row.party == Party.PARTNER


def test_a_score_is_between_1_and_5(submitted, manager):
    with pytest.raises(ValidationError):
        services.criterion_score(
            criterion=submitted.criteria.first(), actor=manager, now=NOW, score=6
        )


def test_the_weighted_total_weights_each_criterion(submitted, manager):
    value, feasibility, risk = submitted.criteria.all()  # weights 40, 30, 30
    services.criterion_score(criterion=value, actor=manager, now=NOW, score=5)
    services.criterion_score(criterion=feasibility, actor=manager, now=NOW, score=1)
    services.criterion_score(criterion=risk, actor=manager, now=NOW, score=1)
    evaluation = selectors.evaluation_of(submitted)
    assert evaluation.buyer_total == Decimal("2.60")  # (5*40 + 1*30 + 1*30) / 100
    assert evaluation.partner_total is None and evaluation.combined is None
    assert not evaluation.complete


def test_the_combined_total_averages_both_parties(submitted, manager, guest):
    score_all(submitted, manager, 4)
    score_all(submitted, guest, 2)
    evaluation = selectors.evaluation_of(submitted)
    assert evaluation.combined == Decimal("3.00") and evaluation.complete


def test_the_buyer_adds_a_criterion_before_scoring_starts(submitted, manager):
    services.criterion_add(
        initiative=submitted, actor=manager, name="Sustainability", weight=Decimal("20")
    )
    assert submitted.criteria.count() == 4


def test_criteria_are_fixed_once_scoring_started(submitted, manager, guest):
    services.criterion_score(criterion=submitted.criteria.first(), actor=guest, now=NOW, score=3)
    with pytest.raises(ConflictError) as error:
        services.criterion_add(
            initiative=submitted, actor=manager, name="Late", weight=Decimal("10")
        )
    assert error.value.code == "scoring_started"


def test_a_guest_cannot_set_the_criteria(submitted, guest):
    with pytest.raises(ConflictError) as error:
        services.criterion_add(initiative=submitted, actor=guest, name="Mine", weight=Decimal(1))
    assert error.value.code == "buyer_only"


def test_a_criterion_name_is_unique_per_initiative(submitted, manager):
    with pytest.raises(ValidationError):
        services.criterion_add(
            initiative=submitted, actor=manager, name="feasibility", weight=Decimal(1)
        )


# -- decision ----------------------------------------------------------------------------------


def test_approval_waits_for_both_parties_scores(submitted, manager):
    score_all(submitted, manager)
    with pytest.raises(ConflictError) as error:
        services.initiative_decide(
            initiative=submitted, actor=manager, now=NOW, decision="approved"
        )
    assert error.value.code == "evaluation_incomplete"
    assert "(partner)" in error.value.message


def test_the_manager_approves_a_fully_scored_initiative(approved, manager):
    assert approved.status == "approved"
    assert approved.decided_by == manager and approved.decided_at == NOW


def test_a_rejection_needs_a_reason(submitted, manager):
    with pytest.raises(ValidationError) as error:
        services.initiative_decide(
            initiative=submitted, actor=manager, now=NOW, decision="rejected", reason=" "
        )
    assert "reason" in error.value.message_dict


def test_parking_needs_a_reason_and_a_parked_initiative_reopens(submitted, manager):
    with pytest.raises(ValidationError):
        services.initiative_decide(initiative=submitted, actor=manager, now=NOW, decision="parked")
    services.initiative_decide(
        initiative=submitted, actor=manager, now=NOW, decision="parked", reason="After Q3."
    )
    reopened = services.initiative_reopen(initiative=submitted, actor=manager)
    assert reopened.status == "proposed"


def test_the_partner_does_not_decide(submitted, guest):
    with pytest.raises(ConflictError) as error:
        services.initiative_decide(
            initiative=submitted, actor=guest, now=NOW, decision="rejected", reason="no"
        )
    assert error.value.code == "buyer_only"


def test_a_rejected_initiative_is_not_decided_again(submitted, manager):
    services.initiative_decide(
        initiative=submitted, actor=manager, now=NOW, decision="rejected", reason="Too costly."
    )
    with pytest.raises(TransitionNotAllowed):
        services.initiative_decide(
            initiative=submitted, actor=manager, now=NOW, decision="parked", reason="x"
        )


def test_scoring_closes_with_the_decision(approved, guest):
    with pytest.raises(ConflictError) as error:
        services.criterion_score(criterion=approved.criteria.first(), actor=guest, now=NOW, score=1)
    assert error.value.code == "evaluation_closed"


def test_a_decided_initiative_is_no_longer_edited(approved, manager):
    with pytest.raises(ConflictError):
        services.initiative_update(initiative=approved, actor=manager, title="Renamed")


def test_an_initiative_under_evaluation_is_edited(submitted, manager):
    services.initiative_update(initiative=submitted, actor=manager, owner_name="Ops")
    submitted.refresh_from_db()
    assert submitted.owner_name == "Ops"


# -- realised benefit --------------------------------------------------------------------------


def test_a_realised_benefit_is_a_saving_in_the_ledger_attributed_to_the_initiative(
    approved, manager
):
    entry = services.initiative_record_benefit(
        initiative=approved,
        actor=manager,
        now=NOW,
        period_start=TODAY,
        baseline_price=Decimal("10"),
        actual_price=Decimal("9"),
        volume=Decimal("1000"),
    )
    assert entry.initiative == approved and entry.status == SavingsEntry.Status.CLAIMED
    assert entry.title == approved.title and entry.net_amount == Decimal("1000.00")
    approved.refresh_from_db()
    assert approved.realised_benefit == Decimal("1000.00")


def test_a_disputed_saving_does_not_count_as_realised(approved, manager, guest):
    for price in ("9", "8"):
        services.initiative_record_benefit(
            initiative=approved,
            actor=manager,
            now=NOW,
            period_start=TODAY,
            baseline_price=Decimal("10"),
            actual_price=Decimal(price),
            volume=Decimal("100"),
        )
    from finance.services import savings_dispute

    savings_dispute(
        entry=SavingsEntry.objects.get(actual_price=Decimal("8")),
        actor=guest,
        now=NOW,
        reason="Volume was lower.",
    )
    services.initiative_record_benefit(
        initiative=approved,
        actor=manager,
        now=NOW,
        period_start=TODAY,
        baseline_price=Decimal("10"),
        actual_price=Decimal("10"),
        volume=Decimal("1"),
    )
    approved.refresh_from_db()
    assert approved.realised_benefit == Decimal("100.00")


def test_an_initiative_under_evaluation_realises_no_benefit(submitted, manager):
    with pytest.raises(ConflictError) as error:
        services.initiative_record_benefit(
            initiative=submitted,
            actor=manager,
            now=NOW,
            period_start=TODAY,
            baseline_price=Decimal("10"),
            actual_price=Decimal("9"),
            volume=Decimal("1"),
        )
    assert error.value.code == "not_approved"
    assert not SavingsEntry.objects.exists()


# -- pilots ------------------------------------------------------------------------------------


def _pilot(partnership, manager, **fields):
    values = {
        "title": "Spend classifier",
        "technology": "AI spend analytics",
        "starts_on": TODAY,
        "ends_on": TODAY.replace(month=6),
    }
    values.update(fields)
    return services.pilot_create(actor=manager, partnership=partnership, **values)


def test_a_pilot_of_an_approved_initiative_moves_it_into_its_pilot(approved, partnership, manager):
    pilot = _pilot(partnership, manager, initiative=approved, technology="")
    approved.refresh_from_db()
    assert pilot.initiative == approved and approved.status == "pilot"


def test_only_an_approved_initiative_is_piloted(submitted, partnership, manager):
    with pytest.raises(ValidationError) as error:
        _pilot(partnership, manager, initiative=submitted)
    assert "initiative" in error.value.message_dict


def test_a_pilot_pilots_an_initiative_or_a_named_technology(scope, partnership, manager):
    with pytest.raises(ValidationError) as error:
        _pilot(partnership, manager, technology="")
    assert "technology" in error.value.message_dict


def test_a_pilot_ends_after_it_starts(scope, partnership, manager):
    with pytest.raises(ValidationError) as error:
        _pilot(partnership, manager, ends_on=TODAY.replace(month=1))
    assert "ends_on" in error.value.message_dict


def test_a_success_criterion_is_a_kpi_of_the_pilots_partnership(scope, org_a, partnership, manager):
    pilot = _pilot(partnership, manager)
    other = KpiFactory(organization=org_a)
    with pytest.raises(ValidationError):
        services.pilot_criterion_add(pilot=pilot, actor=manager, kpi=other, target=Decimal(1))


def test_a_pilot_starts_with_a_success_criterion(scope, partnership, manager):
    pilot = _pilot(partnership, manager)
    with pytest.raises(ConflictError) as error:
        services.pilot_start(pilot=pilot, actor=manager)
    assert error.value.code == "no_criteria"


def _running(org_a, partnership, manager, *, latest="97"):
    pilot = _pilot(partnership, manager)
    kpi = KpiFactory(organization=org_a, partnership=partnership, direction="higher_is_better")
    MeasurementFactory(organization=org_a, kpi=kpi, period_start=TODAY, value=Decimal(latest))
    services.pilot_criterion_add(pilot=pilot, actor=manager, kpi=kpi, target=Decimal("95"))
    return services.pilot_start(pilot=pilot, actor=manager)


def test_the_go_decision_is_recorded_with_its_evidence_and_the_kpis_then(
    scope, org_a, partnership, manager
):
    pilot = _running(org_a, partnership, manager)
    decided = services.pilot_decide(
        pilot=pilot, actor=manager, now=NOW, go=True, evidence="Target met two months running."
    )
    assert decided.status == Pilot.Status.GO and decided.decided_at == NOW
    assert decided.evidence_snapshot[0]["latest"] == "97.0000"
    assert decided.evidence_snapshot[0]["met"] is True


def test_a_decision_without_evidence_is_refused(scope, org_a, partnership, manager):
    pilot = _running(org_a, partnership, manager)
    with pytest.raises(ValidationError):
        services.pilot_decide(pilot=pilot, actor=manager, now=NOW, go=False, evidence="")


def test_a_planned_pilot_is_not_decided(scope, partnership, manager):
    pilot = _pilot(partnership, manager)
    with pytest.raises(TransitionNotAllowed):
        services.pilot_decide(pilot=pilot, actor=manager, now=NOW, go=True, evidence="x")


def test_a_go_implements_the_piloted_initiative(approved, org_a, partnership, manager):
    pilot = _pilot(partnership, manager, initiative=approved)
    kpi = KpiFactory(organization=org_a, partnership=partnership)
    services.pilot_criterion_add(pilot=pilot, actor=manager, kpi=kpi, target=Decimal("95"))
    services.pilot_start(pilot=pilot, actor=manager)
    services.pilot_decide(pilot=pilot, actor=manager, now=NOW, go=True, evidence="Met.")
    approved.refresh_from_db()
    assert approved.status == ImprovementInitiative.Status.IMPLEMENTED


def test_lower_is_better_kpis_are_met_at_or_below_the_target(scope, org_a, partnership, manager):
    pilot = _pilot(partnership, manager)
    kpi = KpiFactory(organization=org_a, partnership=partnership, direction="lower_is_better")
    MeasurementFactory(organization=org_a, kpi=kpi, period_start=TODAY, value=Decimal("120"))
    services.pilot_criterion_add(pilot=pilot, actor=manager, kpi=kpi, target=Decimal("150"))
    assert selectors.pilot_results(pilot)[0].met is True


# -- sourcing models, task forces, sessions, supplier development ------------------------------


def test_a_sourcing_model_has_at_least_two_participants(scope, partnership, manager):
    with pytest.raises(ValidationError):
        services.sourcing_model_create(
            actor=manager,
            partnership=partnership,
            name="Joint bid",
            kind="consortium_bidding",
            participants="Alpha",
        )
    model = services.sourcing_model_create(
        actor=manager,
        partnership=partnership,
        name="Joint bid",
        kind="consortium_bidding",
        participants="Alpha\nAlder, Harbor Foods\nAlpha",
        categories=["Freight"],
    )
    assert model.participants == ["Alpha", "Alder", "Harbor Foods"]


def test_a_sourcing_model_moves_along_its_lifecycle_only(scope, partnership, manager):
    model = services.sourcing_model_create(
        actor=manager, partnership=partnership, name="VMO", kind="shared_vmo", participants="A\nB"
    )
    services.sourcing_model_update(model=model, actor=manager, status="design")
    with pytest.raises(TransitionNotAllowed):
        services.sourcing_model_update(model=model, actor=manager, status="idea")


def test_a_task_force_starts_with_members_of_both_parties(scope, org_a, manager):
    task_force = TaskForceFactory(organization=org_a)
    services.task_force_member_add(
        task_force=task_force, actor=manager, name="Ann", party=Party.BUYER
    )
    with pytest.raises(ConflictError) as error:
        services.task_force_activate(task_force=task_force, actor=manager)
    assert error.value.code == "one_sided"
    services.task_force_member_add(
        task_force=task_force, actor=manager, name="Piet", party=Party.PARTNER
    )
    assert services.task_force_activate(task_force=task_force, actor=manager).status == "active"


def test_a_task_force_closes_with_its_outcomes(scope, org_a, manager):
    task_force = TaskForceFactory(organization=org_a, status=TaskForce.Status.ACTIVE)
    with pytest.raises(ValidationError):
        services.task_force_close(task_force=task_force, actor=manager, outcomes=" ")
    closed = services.task_force_close(
        task_force=task_force, actor=manager, outcomes="Second source qualified."
    )
    assert closed.status == "closed"
    with pytest.raises(ConflictError):
        services.task_force_member_add(task_force=closed, actor=manager, name="Late", party="buyer")


def test_a_milestone_is_done_once(scope, org_a, manager):
    task_force = TaskForceFactory(organization=org_a)
    milestone = services.task_force_milestone_add(
        task_force=task_force, actor=manager, title="Long list", due_on=TODAY
    )
    services.task_force_milestone_done(milestone=milestone, actor=manager, today=TODAY)
    with pytest.raises(ConflictError):
        services.task_force_milestone_done(milestone=milestone, actor=manager, today=TODAY)


def test_a_session_material_is_checked_before_it_is_stored(scope, partnership, manager):
    session = services.session_create(
        actor=manager, partnership=partnership, title="Should-cost", held_on=TODAY
    )
    with pytest.raises(ValidationError):
        services.session_material_add(
            session=session,
            actor=manager,
            title="Script",
            upload=SimpleUploadedFile("run.exe", b"MZ"),
        )
    with pytest.raises(ValidationError) as error:
        services.session_material_add(
            session=session,
            actor=manager,
            title="Slides",
            upload=SimpleUploadedFile("slides.pptx", b"not a zip at all"),
        )
    assert "file" in error.value.message_dict
    material = services.session_material_add(
        session=session,
        actor=manager,
        title="Agenda",
        upload=SimpleUploadedFile("agenda.pdf", b"%PDF-1.4"),
    )
    assert material.file.name.startswith(f"innovation/materials/{session.organization_id}/")


def test_an_investment_is_above_zero_and_not_after_the_programme(scope, org_a, manager):
    programme = SupplierProgrammeFactory(organization=org_a)
    args = {"party": "buyer", "description": "Training", "currency": "EUR", "invested_on": TODAY}
    with pytest.raises(ValidationError):
        services.investment_add(programme=programme, actor=manager, amount=Decimal(0), **args)
    services.programme_transition(programme=programme, actor=manager, status="active")
    services.programme_transition(programme=programme, actor=manager, status="completed")
    with pytest.raises(ConflictError):
        services.investment_add(programme=programme, actor=manager, amount=Decimal(5), **args)


def test_the_kpi_movement_is_the_latest_measurement_against_the_baseline(scope, org_a, manager):
    programme = SupplierProgrammeFactory(organization=org_a)
    kpi = KpiFactory(organization=org_a, partnership=programme.partnership)
    MeasurementFactory(organization=org_a, kpi=kpi, period_start=TODAY.replace(month=1), value=800)
    MeasurementFactory(organization=org_a, kpi=kpi, period_start=TODAY.replace(month=3), value=500)
    services.target_kpi_add(
        programme=programme, actor=manager, kpi=kpi, baseline=Decimal(900), target=Decimal(300)
    )
    (row,) = selectors.programme_movement(programme)
    assert row.latest == Decimal(500) and row.movement == Decimal(-400)
    assert row.progress_pct == Decimal("66.7")


def test_a_target_kpi_is_of_the_programmes_partnership(scope, org_a, manager):
    programme = SupplierProgrammeFactory(organization=org_a)
    with pytest.raises(ValidationError):
        services.target_kpi_add(
            programme=programme,
            actor=manager,
            kpi=KpiFactory(organization=org_a),
            baseline=Decimal(1),
            target=Decimal(2),
        )


# -- lessons learned ---------------------------------------------------------------------------


def test_a_lesson_learned_becomes_a_proposed_change_to_the_training_material(scope, org_a, manager):
    pilot = PilotFactory(organization=org_a)
    change = services.lesson_propose(
        source=pilot, actor=manager, text="Train buyers on reading classifier confidence."
    )
    assert change.target == PlaybookChange.Target.TRAINING_MATERIAL
    assert change.status == PlaybookChange.Status.PROPOSED
    assert change.source_id == pilot.pk and change.partnership == pilot.partnership


def test_a_lesson_for_the_clause_playbook_names_a_clause_type(scope, org_a, manager):
    initiative = ImprovementInitiativeFactory(organization=org_a)
    with pytest.raises(ValidationError):
        services.lesson_propose(
            source=initiative,
            actor=manager,
            text="Cap the liability",
            target=PlaybookChange.Target.CLAUSE_PLAYBOOK,
            clause_type="nonsense",
        )


def test_the_partner_does_not_propose_playbook_changes(submitted, guest):
    with pytest.raises(ConflictError):
        services.lesson_propose(source=submitted, actor=guest, text="Lesson")


def test_an_edit_keeps_the_expected_benefit_positive_and_the_note_the_buyers(
    scope, partnership, manager, guest
):
    initiative = services.initiative_submit(
        actor=manager, partnership=partnership, now=NOW, title="X", internal_note="ours"
    )
    with pytest.raises(ValidationError):
        services.initiative_update(
            initiative=initiative, actor=manager, expected_benefit=Decimal("-5")
        )
    services.initiative_update(initiative=initiative, actor=guest, internal_note="theirs")
    initiative.refresh_from_db()
    assert initiative.internal_note == "ours"


def test_only_the_buyer_marks_an_initiative_implemented(approved, manager, guest):
    with pytest.raises(ConflictError):
        services.initiative_implemented(initiative=approved, actor=guest)
    assert services.initiative_implemented(initiative=approved, actor=manager).status == (
        "implemented"
    )


def test_the_partner_does_not_decide_a_pilot(scope, org_a, partnership, manager, guest):
    pilot = _running(org_a, partnership, manager)
    with pytest.raises(ConflictError) as error:
        services.pilot_decide(pilot=pilot, actor=guest, now=NOW, go=True, evidence="x")
    assert error.value.code == "buyer_only"


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_a_pilot_is_not_cancelled_without_a_reason_on_the_field(
    scope, org_a, partnership, manager, reason
):
    from innovation.models import Pilot
    from tenancy.models import AuditEvent

    pilot = _pilot(partnership, manager)
    with pytest.raises(ValidationError) as refused:
        services.pilot_cancel(pilot=pilot, actor=manager, reason=reason)
    assert refused.value.message_dict == {"reason": ["Say why the pilot is cancelled."]}
    assert Pilot.objects.get(pk=pilot.pk).status == "planned"
    assert not AuditEvent.objects.filter(action="innovation.pilot.cancelled").exists()


def test_a_cancelled_pilot_does_not_start(scope, org_a, partnership, manager):
    pilot = _pilot(partnership, manager)
    services.pilot_cancel(pilot=pilot, actor=manager, reason="Budget moved.")
    with pytest.raises(TransitionNotAllowed):
        services.pilot_start(pilot=pilot, actor=manager)


def test_a_sourcing_model_edit_keeps_two_participants(scope, partnership, manager):
    model = services.sourcing_model_create(
        actor=manager, partnership=partnership, name="VMO", kind="shared_vmo", participants="A\nB"
    )
    with pytest.raises(ValidationError):
        services.sourcing_model_update(model=model, actor=manager, participants=["A"])


@pytest.mark.parametrize("score", [0, 6, -1, True, None])
def test_a_score_outside_1_to_5_is_refused_in_the_pages_words(submitted, manager, score):
    with pytest.raises(ValidationError) as refused:
        services.criterion_score(
            criterion=submitted.criteria.first(), actor=manager, now=NOW, score=score
        )
    assert refused.value.message_dict == {"score": ["Give a score from 1 to 5."]}


@pytest.mark.parametrize("score", [1, 5])
def test_scores_of_1_and_5_are_taken(submitted, manager, score):
    row = services.criterion_score(
        criterion=submitted.criteria.first(), actor=manager, now=NOW, score=score
    )
    assert row.score == score


@pytest.mark.parametrize(
    ("name", "weight", "field"),
    [("Cost", Decimal(0), "weight"), ("Cost", None, "weight"), ("  ", Decimal(1), "name")],
)
def test_a_criterion_is_named_and_weighs_something_in_the_pages_words(
    submitted, manager, name, weight, field
):
    with pytest.raises(ValidationError) as refused:
        services.criterion_add(initiative=submitted, actor=manager, name=name, weight=weight)
    assert refused.value.message_dict == {
        field: ["Name the criterion and give it a weight above zero."]
    }
