"""The rules of the exit: each test names the rule and fails without it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.models import PlaybookClause
from exit_planning import services, winddown
from exit_planning.models import (
    AssetTransfer,
    DataDisposition,
    ExitPlan,
    ExitTrigger,
    PlaybookChange,
    PostMortemEntry,
)
from partnerships.models import Partnership
from tenancy.errors import ConflictError, TransitionNotAllowed
from tests.exit_planning.conftest import NOW, TODAY
from tests.exit_planning.factories import ExitPlanFactory, ExitTriggerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(scope, partnership, manager):
    return services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)


@pytest.mark.parametrize("months", [5, 13, 0])
def test_a_lead_time_outside_6_to_12_months_is_a_field_error_and_nothing_is_saved(
    scope, partnership, manager, months
):
    with pytest.raises(ValidationError) as error:
        services.exit_plan_create(actor=manager, partnership=partnership, lead_time_months=months)
    assert "from 6 to 12 months" in error.value.message_dict["lead_time_months"][0]
    assert not ExitPlan.objects.exists()


def test_the_readiness_score_is_the_sum_of_its_five_parts(plan, manager):
    assert plan.readiness_score == 0
    services.exit_plan_update(
        plan=plan, actor=manager, documentation_complete=True, knowledge_holders_named=True
    )
    assert plan.readiness_score == 40
    assert [done for _, done, _ in plan.readiness] == [True, False, False, False, True]


def test_a_task_scheduled_before_its_prerequisite_is_due_is_refused(plan, manager):
    tasks = {
        t.code: t
        for t in services.wind_down_open(plan=plan, end_date=date(2030, 10, 10), today=TODAY)
    }
    assets = tasks["assets"]  # after "contracts"
    with pytest.raises(ValidationError) as error:
        services.wind_down_task_update(
            task=assets,
            actor=manager,
            start_on=tasks["contracts"].due_on - timedelta(days=1),
            due_on=assets.due_on,
        )
    assert "prerequisites" in error.value.message_dict["start_on"][0]
    assets.refresh_from_db()
    assert assets.start_on == tasks["contracts"].due_on


def test_the_wind_down_opens_once(plan):
    services.wind_down_open(plan=plan, end_date=date(2030, 10, 10), today=TODAY)
    with pytest.raises(ConflictError):
        services.wind_down_open(plan=plan, end_date=date(2030, 10, 10), today=TODAY)


def test_the_critical_path_runs_back_from_the_settlement_through_the_latest_prerequisites():
    tasks = winddown.schedule(opened_on=TODAY, end_date=date(2030, 10, 10))
    assert winddown.critical_path(tasks) == [
        "notice",
        "contracts",  # due after the knowledge transfer: it drives the decommissioning
        "integrations",
        "access",
        "data",
        "settlement",
    ]
    svg = winddown.gantt_svg(tasks, today=TODAY, critical=["notice"])
    assert svg.startswith("<svg") and svg.count("<rect") == len(tasks)


def test_a_confirmed_trigger_moves_the_partnership_to_exiting_through_its_lifecycle(plan, manager):
    trigger = services.exit_trigger_record(
        plan=plan, actor=manager, kind="change_of_control", evidence="Bought by X.", today=TODAY
    )
    plan.refresh_from_db()
    assert plan.status == ExitPlan.Status.TRIGGERED
    with pytest.raises(ValidationError):
        services.exit_trigger_confirm(trigger=trigger, actor=manager, reason=" ", now=NOW)
    services.exit_trigger_confirm(trigger=trigger, actor=manager, reason="Board decision", now=NOW)
    plan.refresh_from_db()
    assert plan.status == ExitPlan.Status.EXITING
    assert Partnership.objects.get(pk=plan.partnership_id).status == "exiting"
    with pytest.raises(ConflictError):
        services.exit_trigger_confirm(trigger=trigger, actor=manager, reason="Again", now=NOW)


def test_a_partnership_that_is_not_live_cannot_be_moved_to_exiting(scope, manager):
    plan = ExitPlanFactory(partnership__status=Partnership.Status.NEGOTIATING, status="triggered")
    trigger = ExitTriggerFactory(plan=plan)
    with pytest.raises(TransitionNotAllowed):
        services.exit_trigger_confirm(trigger=trigger, actor=manager, reason="Go", now=NOW)
    trigger.refresh_from_db()
    assert trigger.status == ExitTrigger.Status.FIRED


def test_dismissing_the_last_open_trigger_returns_the_plan_to_monitoring(plan, manager):
    trigger = services.exit_trigger_record(
        plan=plan, actor=manager, kind="market_shift", evidence="Prices fell.", today=TODAY
    )
    services.exit_trigger_dismiss(trigger=trigger, actor=manager, reason="Temporary", now=NOW)
    plan.refresh_from_db()
    assert plan.status == ExitPlan.Status.MONITORING


def test_a_destruction_marked_done_without_a_certificate_is_refused(plan, manager):
    item = services.disposition_create(
        plan=plan,
        actor=manager,
        data_category="Order history",
        action="destroy",
        rule="gdpr",
        today=TODAY,
    )
    assert item.deadline == TODAY + timedelta(days=30)
    with pytest.raises(ValidationError) as error:
        services.disposition_mark_done(item=item, actor=manager, today=TODAY)
    assert "certificate" in error.value.message_dict
    item.refresh_from_db()
    assert item.status == DataDisposition.Status.PENDING
    certificate = SimpleUploadedFile("cert.pdf", b"%PDF-1.4 destroyed", "application/pdf")
    services.disposition_mark_done(item=item, actor=manager, certificate=certificate, today=TODAY)
    item.refresh_from_db()
    assert item.status == DataDisposition.Status.DONE and item.certificate


def test_the_party_that_destroyed_the_data_cannot_verify_it(plan, manager):
    item = services.disposition_create(
        plan=plan,
        actor=manager,
        data_category="Order history",
        action="return",
        rule="contract",
        performed_by="us",
        today=TODAY,
    )
    services.disposition_mark_done(item=item, actor=manager, today=TODAY)
    with pytest.raises(ConflictError):
        services.disposition_verify(item=item, actor=manager, party="us", now=NOW)
    services.disposition_verify(item=item, actor=manager, party="partner", now=NOW)
    item.refresh_from_db()
    assert item.status == DataDisposition.Status.VERIFIED


@pytest.mark.parametrize(
    ("method", "inputs", "missing"),
    [
        ("book_value", {}, {"book_value"}),
        ("appraisal", {"appraiser": "Knight Frank"}, {"appraised_value"}),
        ("straight_line", {"cost": Decimal("1000")}, {"useful_life_years", "age_years"}),
    ],
)
def test_a_valuation_method_without_its_inputs_is_a_field_error(
    plan, manager, method, inputs, missing
):
    with pytest.raises(ValidationError) as error:
        services.asset_create(plan=plan, actor=manager, name="Moulds", method=method, **inputs)
    assert set(error.value.message_dict) == missing
    assert not AssetTransfer.objects.exists()


def test_straight_line_depreciation_from_cost_and_age(plan, manager):
    asset = services.asset_create(
        plan=plan,
        actor=manager,
        name="Test rig",
        method="straight_line",
        cost=Decimal("120000"),
        salvage_value=Decimal("20000"),
        useful_life_years=Decimal("8"),
        age_years=Decimal("3"),
    )
    assert asset.value_money.amount == Decimal("82500.00")  # 120,000 − 100,000 × 3/8
    assert asset.currency == "EUR"


def test_an_asset_transfer_is_agreed_once_both_parties_accepted(plan, manager, guest):
    asset = services.asset_create(
        plan=plan, actor=manager, name="Moulds", method="book_value", book_value=Decimal("5")
    )
    services.asset_accept(asset=asset, actor=manager, party="us", now=NOW)
    asset.refresh_from_db()
    assert not asset.accepted
    with pytest.raises(ConflictError):
        services.asset_accept(asset=asset, actor=manager, party="us", now=NOW)
    services.asset_accept(asset=asset, actor=guest, party="partner", now=NOW)
    asset.refresh_from_db()
    assert asset.accepted


def test_a_recommendation_lands_in_the_clause_playbook_only_after_review(plan, manager):
    PlaybookClause.objects.create(
        organization=plan.organization,
        clause_type="limitation_of_liability",
        guidance="Cap at the annual fees.",
    )
    for section in ("worked", "failed", "root_cause"):
        services.post_mortem_contribute(
            plan=plan, actor=manager, party="us", section=section, text=f"{section} text"
        )
    entry = services.post_mortem_contribute(
        plan=plan,
        actor=manager,
        party="partner",
        section="recommendation",
        text="Carve single-sourced parts out of the cap.",
    )
    change = services.playbook_change_from_entry(
        entry=entry, actor=manager, clause_type="limitation_of_liability", field="guidance"
    )
    with pytest.raises(ConflictError):
        services.playbook_change_apply(change=change, actor=manager, now=NOW)
    services.playbook_change_review(change=change, actor=manager, approve=True, note="", now=NOW)
    services.playbook_change_apply(change=change, actor=manager, now=NOW)
    change.refresh_from_db()
    entry_in_playbook = PlaybookClause.objects.get(clause_type="limitation_of_liability")
    assert change.status == PlaybookChange.Status.APPLIED
    assert change.playbook_clause == entry_in_playbook
    assert entry_in_playbook.guidance == (
        "Cap at the annual fees.\n\nCarve single-sourced parts out of the cap."
    )
    assert change.source_id == entry.pk and isinstance(
        change.source_type.get_object_for_this_type(pk=change.source_id), PostMortemEntry
    )


def test_a_post_mortem_completes_only_with_what_worked_failed_and_why(plan, manager):
    services.post_mortem_contribute(
        plan=plan, actor=manager, party="us", section="worked", text="Joint planning."
    )
    with pytest.raises(ConflictError) as error:
        services.post_mortem_complete(plan=plan, actor=manager, now=NOW)
    assert "what failed" in error.value.message


def test_a_stakeholder_notice_is_sent_once_and_logged(plan, manager, mailoutbox):
    notice = services.notice_create(
        plan=plan,
        actor=manager,
        stakeholder="Nordwind Trucks",
        email="supply@nordwind.example",
        kind="customer",
        message="Supply continues through a new partner.",
    )
    services.notice_send(notice=notice, actor=manager, now=NOW)
    notice.refresh_from_db()
    assert notice.sent_at == NOW and notice.sent_by == manager
    assert [m.to for m in mailoutbox] == [["supply@nordwind.example"]]
    with pytest.raises(ConflictError):
        services.notice_send(notice=notice, actor=manager, now=NOW)


def test_a_stakeholder_at_risk_needs_a_note(plan, manager):
    notice = services.notice_create(
        plan=plan, actor=manager, stakeholder="Harbor Foods", kind="customer", message="Notice."
    )
    with pytest.raises(ValidationError):
        services.notice_continuity_record(notice=notice, actor=manager, continuity_ok=False)
    services.notice_continuity_record(
        notice=notice, actor=manager, continuity_ok=False, note="No second source for lids."
    )
    notice.refresh_from_db()
    assert notice.continuity_ok is False
