"""Named rules of exit-planning services that were reached only through pages and the daily job:
the post-mortem opened on demand, a proposed playbook change, a knowledge item's sign-off,
closing the exit, the automatic triggers of one plan, and completing a wind-down task. Each test
calls the service itself and checks every rule it enforces."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from contracts.models import Agreement
from exit_planning import services
from exit_planning.models import (
    DataDisposition,
    ExitPlan,
    ExitTrigger,
    KnowledgeTransferItem,
    PlaybookChange,
    PostMortem,
    WindDownTask,
)
from partnerships.models import Partnership
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import AuditEvent, Notification
from tests.contracts.factories import AgreementFactory
from tests.exit_planning.conftest import NOW, TODAY
from tests.exit_planning.factories import (
    DataDispositionFactory,
    ExitPlanFactory,
    KnowledgeTransferItemFactory,
    PostMortemEntryFactory,
    WindDownTaskFactory,
)
from tests.performance.factories import ScorecardFactory, SlaBreachFactory, SlaFactory
from tests.risk.factories import RiskScoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(scope, partnership, manager):
    return services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # a data disposition's certificate


def _events(action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _exiting(plan) -> ExitPlan:
    """The plan and its partnership as a confirmed trigger leaves them."""
    Partnership.objects.filter(pk=plan.partnership_id).update(status=Partnership.Status.EXITING)
    ExitPlan.objects.filter(pk=plan.pk).update(status=ExitPlan.Status.EXITING)
    return ExitPlan.objects.get(pk=plan.pk)


# --- the post-mortem, opened on demand ------------------------------------------------------


def test_the_post_mortem_is_opened_once_per_plan_and_found_again_after(scope, plan, partnership):
    opened = services.post_mortem_get_or_open(plan=plan)
    assert (opened.organization, opened.plan, opened.status) == (scope, plan, "open")
    assert services.post_mortem_get_or_open(plan=plan) == opened
    assert PostMortem.objects.filter(plan=plan).count() == 1
    other = ExitPlanFactory(organization=scope)
    assert services.post_mortem_get_or_open(plan=other) not in (None, opened)


def test_a_completed_post_mortem_is_found_as_it_is_never_reopened(scope, plan):
    PostMortem.objects.create(organization=scope, plan=plan, status=PostMortem.Status.COMPLETED)
    found = services.post_mortem_get_or_open(plan=plan)
    assert found.status == PostMortem.Status.COMPLETED
    assert PostMortem.objects.filter(plan=plan).count() == 1


# --- proposing a playbook change ------------------------------------------------------------


def test_a_proposed_change_records_its_source_and_its_words_and_is_audited(
    scope, plan, partnership, manager
):
    entry = PostMortemEntryFactory(organization=scope)
    change = services.playbook_change_propose(
        source=entry,
        actor=manager,
        clause_type="limitation_of_liability",
        field=PlaybookChange.Field.RED_LINE,
        text="  Never uncapped liability for single-sourced parts.  ",
        rationale="  Learned the hard way.  ",
        partnership=partnership,
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
        ContentType.objects.get_for_model(entry),
        entry.pk,
        partnership,
        "clause_playbook",
        "limitation_of_liability",
        "red_lines",
        "Never uncapped liability for single-sourced parts.",
        "Learned the hard way.",
        "proposed",
        manager,
    )
    [event] = _events("exit_planning.playbook_change.proposed")
    assert (event.actor, event.object_id) == (manager, str(change.pk))
    assert event.changes == {"clause_type": "limitation_of_liability", "field": "red_lines"}


def test_a_change_to_the_clause_playbook_names_a_clause_type_of_the_playbook(scope, plan, manager):
    for clause_type in ("", "limitation_of_liabilities", "LIMITATION_OF_LIABILITY"):
        with pytest.raises(ValidationError) as refused:
            services.playbook_change_propose(
                source=plan, actor=manager, clause_type=clause_type, field="guidance", text="x"
            )
        assert refused.value.message_dict == {
            "clause_type": ["Choose a clause type of the playbook."]
        }
    assert not PlaybookChange.objects.exists()
    assert not _events("exit_planning.playbook_change.proposed")


def test_a_change_to_the_training_material_names_no_clause_type(scope, plan, manager):
    change = services.playbook_change_propose(
        source=plan,  # any record can be the source
        actor=manager,
        clause_type="whatever was sent",
        field="guidance",
        text="Teach the exit clauses in the buyer onboarding.",
        target=PlaybookChange.Target.TRAINING_MATERIAL,
    )
    assert (change.target, change.clause_type, change.partnership) == (
        "training_material",
        "",
        None,
    )
    assert change.source_type == ContentType.objects.get_for_model(ExitPlan)


def test_a_change_without_words_or_of_an_unknown_kind_is_a_field_error(scope, plan, manager):
    cases = {
        "text": {"field": "guidance", "text": "   "},
        "field": {"field": "footnotes", "text": "x"},
        "target": {"field": "guidance", "text": "x", "target": "templates"},
    }
    for name, fields in cases.items():
        with pytest.raises(ValidationError) as refused:
            services.playbook_change_propose(
                source=plan, actor=manager, clause_type="limitation_of_liability", **fields
            )
        assert list(refused.value.message_dict) == [name], name
    assert not PlaybookChange.objects.exists()


# --- signing off a knowledge item -----------------------------------------------------------


def test_a_training_is_signed_off_with_who_attended_and_audited(scope, plan, manager):
    item = KnowledgeTransferItemFactory(
        organization=scope, plan=plan, kind=KnowledgeTransferItem.Kind.TRAINING
    )
    signed = services.knowledge_item_sign_off(
        item=item, actor=manager, attendees="  Ana\nBo  ", now=NOW
    )
    stored = KnowledgeTransferItem.objects.get(pk=item.pk)
    assert (stored.attendees, stored.signed_off_by, stored.signed_off_at) == (
        "Ana\nBo",
        manager,
        NOW,
    )
    assert signed.signed_off_at == NOW
    [event] = _events("exit_planning.knowledge.signed_off")
    assert (event.actor, event.object_id) == (manager, str(item.pk))


def test_a_training_without_attendees_is_not_signed_off_unless_they_were_recorded_before(
    scope, plan, manager
):
    bare = KnowledgeTransferItemFactory(
        organization=scope, plan=plan, kind=KnowledgeTransferItem.Kind.TRAINING
    )
    with pytest.raises(ValidationError) as refused:
        services.knowledge_item_sign_off(item=bare, actor=manager, attendees="   ", now=NOW)
    assert refused.value.message_dict == {"attendees": ["Record who attended the session."]}
    assert KnowledgeTransferItem.objects.get(pk=bare.pk).signed_off_at is None

    listed = KnowledgeTransferItemFactory(
        organization=scope, plan=plan, kind=KnowledgeTransferItem.Kind.TRAINING, attendees="Cy"
    )
    services.knowledge_item_sign_off(item=listed, actor=manager, attendees="", now=NOW)
    assert KnowledgeTransferItem.objects.get(pk=listed.pk).attendees == "Cy"


def test_an_item_that_is_no_training_is_signed_off_without_attendees(scope, plan, manager):
    item = KnowledgeTransferItemFactory(organization=scope, plan=plan)  # a document
    services.knowledge_item_sign_off(item=item, actor=manager, attendees="", now=NOW)
    stored = KnowledgeTransferItem.objects.get(pk=item.pk)
    assert (stored.attendees, stored.signed_off_at) == ("", NOW)


def test_an_item_is_signed_off_once_even_from_a_page_read_before(scope, plan, manager, owner):
    item = KnowledgeTransferItemFactory(organization=scope, plan=plan)
    read_before = KnowledgeTransferItem.objects.get(pk=item.pk)
    services.knowledge_item_sign_off(item=item, actor=manager, attendees="", now=NOW)
    with pytest.raises(ConflictError) as refused:
        services.knowledge_item_sign_off(
            item=read_before, actor=owner, attendees="Dee", now=NOW + timedelta(days=1)
        )
    assert (refused.value.message, refused.value.code) == (
        "This item is already signed off.",
        "signed_off",
    )
    stored = KnowledgeTransferItem.objects.get(pk=item.pk)
    assert (stored.signed_off_by, stored.signed_off_at, stored.attendees) == (manager, NOW, "")
    assert len(_events("exit_planning.knowledge.signed_off")) == 1


# --- closing the exit -----------------------------------------------------------------------


def test_only_an_exiting_plan_is_closed(scope, plan, manager):
    with pytest.raises(TransitionNotAllowed) as refused:
        services.exit_plan_close(plan=plan, actor=manager, today=TODAY)
    assert refused.value.message == (
        "An exit plan cannot go from “monitoring” to “closed”. "
        "From “monitoring” it can go to “exiting” or “triggered”."
    )
    assert ExitPlan.objects.get(pk=plan.pk).status == "monitoring"


def test_an_exit_with_open_tasks_or_unverified_data_is_not_closed_and_says_what_is_left(
    scope, plan, manager
):
    plan = _exiting(plan)
    first = WindDownTaskFactory(organization=scope, plan=plan)
    WindDownTaskFactory(organization=scope, plan=plan)
    WindDownTaskFactory(organization=scope, plan=plan, done_on=TODAY)
    disposition = DataDispositionFactory(
        organization=scope, plan=plan, status=DataDisposition.Status.DONE
    )
    with pytest.raises(ConflictError) as refused:
        services.exit_plan_close(plan=plan, actor=manager, today=TODAY)
    assert (refused.value.message, refused.value.code) == (
        "Close the exit once done: 2 wind-down tasks are open; data disposition is not verified.",
        "open",
    )
    WindDownTask.objects.filter(pk=first.pk).update(done_on=TODAY)
    with pytest.raises(ConflictError) as refused:
        services.exit_plan_close(plan=plan, actor=manager, today=TODAY)
    assert refused.value.message == (
        "Close the exit once done: 1 wind-down task is open; data disposition is not verified."
    )
    WindDownTask.objects.filter(plan=plan).update(done_on=TODAY)
    with pytest.raises(ConflictError, match=r"^Close the exit once done: data disposition is"):
        services.exit_plan_close(plan=plan, actor=manager, today=TODAY)
    assert ExitPlan.objects.get(pk=plan.pk).status == "exiting"
    assert Partnership.objects.get(pk=plan.partnership_id).status == "exiting"
    DataDisposition.objects.filter(pk=disposition.pk).update(status=DataDisposition.Status.VERIFIED)
    services.exit_plan_close(plan=plan, actor=manager, today=TODAY)
    assert ExitPlan.objects.get(pk=plan.pk).status == "closed"


def test_closing_the_exit_closes_the_partnership_records_the_day_and_is_audited(
    scope, plan, manager
):
    plan = _exiting(plan)
    closed = services.exit_plan_close(plan=plan, actor=manager, today=TODAY)
    stored = ExitPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.closed_on) == ("closed", TODAY)
    assert closed.closed_on == TODAY
    assert Partnership.objects.get(pk=plan.partnership_id).status == "closed"
    [event] = _events("exit_planning.plan.closed")
    assert (event.actor, event.object_id) == (manager, str(plan.pk))
    with pytest.raises(TransitionNotAllowed, match="Nothing can follow “closed”"):
        services.exit_plan_close(plan=plan, actor=manager, today=TODAY + timedelta(days=1))
    assert ExitPlan.objects.get(pk=plan.pk).closed_on == TODAY


def test_a_partnership_already_closed_stays_closed_when_its_exit_is(scope, plan, manager):
    plan = _exiting(plan)
    Partnership.objects.filter(pk=plan.partnership_id).update(status=Partnership.Status.CLOSED)
    services.exit_plan_close(plan=plan, actor=manager, today=TODAY)
    assert ExitPlan.objects.get(pk=plan.pk).status == "closed"
    assert Partnership.objects.get(pk=plan.partnership_id).status == "closed"


# --- the automatic triggers of one plan -----------------------------------------------------


def _kinds(triggers) -> list[str]:
    return [t.kind for t in triggers]


def test_a_plan_with_nothing_to_see_fires_nothing_and_keeps_monitoring(scope, plan):
    RiskScoreFactory(organization=scope, partnership=plan.partnership, score=Decimal("60"))
    ScorecardFactory(
        organization=scope, partnership=plan.partnership, standing_action="block_new_sows"
    )  # a draft: the partner never saw it
    assert services.exit_triggers_evaluate_plan(plan=plan, today=TODAY) == []
    assert ExitPlan.objects.get(pk=plan.pk).status == "monitoring"
    assert not ExitTrigger.objects.exists()


def test_a_termination_right_fires_once_moves_the_plan_and_tells_the_owners(scope, plan, manager):
    sla = SlaFactory(
        organization=scope,
        kpi__partnership=plan.partnership,
        name="Delivery SLA",
        termination_right_since=date(2029, 12, 2),
    )
    [trigger] = services.exit_triggers_evaluate_plan(plan=plan, today=TODAY)
    assert (trigger.kind, trigger.status, trigger.fired_on, trigger.dedupe_key) == (
        "termination_right",
        "fired",
        TODAY,
        f"sla-termination:{sla.pk}:2029-12-02",
    )
    assert trigger.evidence == (
        "The breach check raised a right to terminate under the SLA “Delivery SLA” on 02 Dec 2029."
    )
    assert ExitPlan.objects.get(pk=plan.pk).status == "triggered"
    [event] = _events("exit_planning.trigger.fired")
    assert event.actor is None
    assert event.changes == {"kind": "termination_right", "evidence": trigger.evidence}
    [note] = Notification.objects.filter(recipient=manager)
    assert note.title == (
        "Exit trigger for Alder drive-train: Termination right from the breach check"
    )
    # Evaluated again, the same right fires nothing; a right raised anew fires again.
    assert services.exit_triggers_evaluate_plan(plan=plan, today=TODAY) == []
    type(sla).objects.filter(pk=sla.pk).update(termination_right_since=date(2030, 1, 5))
    assert _kinds(services.exit_triggers_evaluate_plan(plan=plan, today=TODAY)) == [
        "termination_right"
    ]
    assert ExitTrigger.objects.count() == 2


def test_sla_breaches_fire_when_the_plans_count_is_reached_in_its_window(scope, plan, manager):
    services.exit_plan_update(
        plan=plan, actor=manager, sla_breach_count=2, sla_breach_window_months=6
    )
    plan.refresh_from_db()
    sla = SlaFactory(organization=scope, kpi__partnership=plan.partnership)
    SlaBreachFactory(organization=scope, sla=sla, period_start=date(2029, 6, 1))  # too old
    SlaBreachFactory(organization=scope, sla=sla, period_start=date(2029, 11, 1), status="waived")
    SlaBreachFactory(organization=scope, sla=sla, period_start=date(2029, 10, 1))
    assert services.exit_triggers_evaluate_plan(plan=plan, today=TODAY) == []
    reaching = SlaBreachFactory(organization=scope, sla=sla, period_start=date(2029, 12, 1))
    [trigger] = services.exit_triggers_evaluate_plan(plan=plan, today=TODAY)
    assert (trigger.kind, trigger.dedupe_key) == ("sla_breaches", f"sla-breaches:{reaching.pk}")
    assert trigger.evidence == "2 SLA breaches in the last 6 months (the trigger is 2)."
    # A third breach in the window is the same condition, already fired.
    SlaBreachFactory(organization=scope, sla=sla, period_start=date(2030, 1, 1))
    assert services.exit_triggers_evaluate_plan(plan=plan, today=TODAY) == []


def test_a_published_scorecard_in_a_blocking_standing_fires(scope, plan):
    ScorecardFactory(
        organization=scope, partnership=plan.partnership, period_start=date(2029, 11, 1),
        status="published", standing="Probation", standing_action="block_change_requests",
    )  # fmt: skip
    latest = ScorecardFactory(
        organization=scope, partnership=plan.partnership, period_start=date(2029, 12, 1),
        status="published", standing="Watch", standing_action="block_new_sows",
    )  # fmt: skip
    [trigger] = services.exit_triggers_evaluate_plan(plan=plan, today=TODAY)
    assert (trigger.kind, trigger.dedupe_key) == ("scorecard_standing", f"standing:{latest.pk}")
    assert trigger.evidence == (
        "The scorecard of December 2029 puts the partner in the standing “Watch”."
    )
    # Only the latest published scorecard counts: a later one in good standing fires nothing.
    ScorecardFactory(
        organization=scope, partnership=plan.partnership, period_start=date(2030, 1, 1),
        status="published", standing="Preferred", standing_action="",
    )  # fmt: skip
    ExitTrigger.objects.all().delete()
    assert services.exit_triggers_evaluate_plan(plan=plan, today=TODAY) == []


def test_a_risk_score_above_the_plans_threshold_or_else_the_buyers_fires(scope, plan, manager):
    partnership = plan.partnership
    RiskScoreFactory(organization=scope, partnership=partnership, score=Decimal("60.00"))
    assert services.exit_triggers_evaluate_plan(plan=plan, today=TODAY) == []  # at, not above
    above = RiskScoreFactory(organization=scope, partnership=partnership, score=Decimal("60.01"))
    [trigger] = services.exit_triggers_evaluate_plan(plan=plan, today=TODAY)
    assert (trigger.kind, trigger.dedupe_key) == ("financial_risk", f"financial-risk:{above.pk}")
    assert trigger.evidence == (
        "The third-party risk score of 10 Jan 2030 is 60.01, above the threshold of 60.00."
    )
    services.exit_plan_update(plan=plan, actor=manager, financial_risk_threshold=Decimal("70"))
    plan.refresh_from_db()
    RiskScoreFactory(organization=scope, partnership=partnership, score=Decimal("65"))
    assert services.exit_triggers_evaluate_plan(plan=plan, today=TODAY) == []


def test_the_governing_agreements_end_fires_once_the_lead_time_is_reached(scope, plan):
    assert plan.lead_time_months == 9
    agreement = AgreementFactory(
        organization=scope, partnership=plan.partnership, status=Agreement.Status.EXECUTED,
        expiry_date=date(2030, 10, 11), title="Castings MSA",
    )  # fmt: skip
    assert services.exit_triggers_evaluate_plan(plan=plan, today=TODAY) == []  # opens 11 Jan
    [trigger] = services.exit_triggers_evaluate_plan(plan=plan, today=date(2030, 1, 11))
    assert (trigger.kind, trigger.dedupe_key) == (
        "contract_expiry",
        f"expiry:{agreement.pk}:2030-10-11",
    )
    assert trigger.evidence == "“Castings MSA” expires without renewal on 11 Oct 2030."
    assert services.exit_triggers_evaluate_plan(plan=plan, today=date(2030, 2, 1)) == []


def test_a_plan_already_triggered_records_another_condition_and_stays_triggered(scope, plan):
    SlaFactory(
        organization=scope, kpi__partnership=plan.partnership,
        termination_right_since=date(2029, 12, 2),
    )  # fmt: skip
    RiskScoreFactory(organization=scope, partnership=plan.partnership, score=Decimal("90"))
    assert _kinds(services.exit_triggers_evaluate_plan(plan=plan, today=TODAY)) == [
        "termination_right",
        "financial_risk",
    ]
    assert ExitPlan.objects.get(pk=plan.pk).status == "triggered"


# --- completing a wind-down task ------------------------------------------------------------


def test_a_task_is_completed_on_the_day_and_audited(scope, plan, manager):
    task = WindDownTaskFactory(organization=scope, plan=plan)
    done = services.wind_down_task_complete(task=task, actor=manager, today=TODAY)
    assert done.done_on == TODAY == WindDownTask.objects.get(pk=task.pk).done_on
    [event] = _events("exit_planning.task.done")
    assert (event.actor, event.object_id) == (manager, str(task.pk))


def test_a_task_waits_for_its_prerequisites_of_the_same_plan(scope, plan, manager):
    notice = WindDownTaskFactory(organization=scope, plan=plan, code="notice", title="Give notice")
    data = WindDownTaskFactory(organization=scope, plan=plan, code="data", title="Return data")
    settle = WindDownTaskFactory(
        organization=scope, plan=plan, code="settle", prerequisites=["notice", "data"]
    )
    # A task of the same code in another plan is not this plan's prerequisite.
    WindDownTaskFactory(organization=scope, code="notice", done_on=TODAY)
    with pytest.raises(ConflictError) as refused:
        services.wind_down_task_complete(task=settle, actor=manager, today=TODAY)
    assert (refused.value.message, refused.value.code) == (
        "Finish its prerequisites first: “Give notice”, “Return data”.",
        "prerequisites",
    )
    services.wind_down_task_complete(task=notice, actor=manager, today=TODAY)
    with pytest.raises(ConflictError, match="^Finish its prerequisites first: “Return data”.$"):
        services.wind_down_task_complete(task=settle, actor=manager, today=TODAY)
    services.wind_down_task_complete(task=data, actor=manager, today=TODAY)
    services.wind_down_task_complete(task=settle, actor=manager, today=TODAY)
    assert WindDownTask.objects.get(pk=settle.pk).done_on == TODAY


def test_a_task_is_completed_once(scope, plan, manager):
    task = WindDownTaskFactory(organization=scope, plan=plan)
    services.wind_down_task_complete(task=task, actor=manager, today=TODAY)
    with pytest.raises(ConflictError) as refused:
        services.wind_down_task_complete(task=task, actor=manager, today=TODAY + timedelta(1))
    assert (refused.value.message, refused.value.code) == ("This task is already done.", "done")
    assert WindDownTask.objects.get(pk=task.pk).done_on == TODAY
    assert len(_events("exit_planning.task.done")) == 1
