"""An exit trigger's decision and a post-mortem's completion go through their lifecycles
(EXIT_TRIGGER_LIFECYCLE: fired → confirmed | dismissed, each final; POST_MORTEM_LIFECYCLE:
open → completed, final), read under the row lock, so a decision taken since the page was opened
is not overturned. Refusals keep their words: "This trigger was already confirmed.", "The
post-mortem is already completed."."""

from datetime import timedelta

import pytest

from exit_planning import services
from exit_planning.models import (
    EXIT_TRIGGER_LIFECYCLE,
    POST_MORTEM_LIFECYCLE,
    ExitPlan,
    ExitTrigger,
    PostMortem,
)
from partnerships.models import Partnership
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import AuditEvent
from tests.exit_planning.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db
LATER = NOW + timedelta(hours=5)


@pytest.fixture
def plan(scope, partnership, manager):
    return services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)


def _record(plan, manager, evidence="The casting market moved to Asia."):
    return services.exit_trigger_record(
        plan=plan, actor=manager, kind="market_shift", evidence=evidence, today=TODAY
    )


def _audited(action):
    return AuditEvent.objects.filter(action=action).count()


def _states(lifecycle):
    return set(lifecycle.transitions).union(*lifecycle.transitions.values())


# -- the lifecycles -----------------------------------------------------------------------------


def test_the_trigger_lifecycle_is_the_field_choices_with_a_decision_that_is_final():
    assert _states(EXIT_TRIGGER_LIFECYCLE) == {v for v, _ in ExitTrigger.Status.choices}
    assert EXIT_TRIGGER_LIFECYCLE.allowed_from("fired") == {"confirmed", "dismissed"}
    assert EXIT_TRIGGER_LIFECYCLE.allowed_from("confirmed") == set()
    assert EXIT_TRIGGER_LIFECYCLE.allowed_from("dismissed") == set()
    with pytest.raises(TransitionNotAllowed) as refused:
        EXIT_TRIGGER_LIFECYCLE.check("fired", "fired")
    # States in the words the page shows, not their codes.
    assert refused.value.message == (
        "An exit trigger cannot go from “awaiting confirmation” to “awaiting confirmation”. "
        "From “awaiting confirmation” it can go to “confirmed” or “dismissed”."
    )


def test_the_post_mortem_lifecycle_is_the_field_choices_and_completion_is_final():
    assert _states(POST_MORTEM_LIFECYCLE) == {v for v, _ in PostMortem.Status.choices}
    assert POST_MORTEM_LIFECYCLE.allowed_from("open") == {"completed"}
    assert POST_MORTEM_LIFECYCLE.allowed_from("completed") == set()


# -- triggers -----------------------------------------------------------------------------------


def test_a_confirmed_trigger_cannot_be_dismissed_and_keeps_its_decision(scope, plan, manager):
    trigger = _record(plan, manager)
    services.exit_trigger_confirm(trigger=trigger, actor=manager, reason="Board: exit", now=NOW)
    with pytest.raises(ConflictError) as refused:
        services.exit_trigger_dismiss(trigger=trigger, actor=manager, reason="No", now=LATER)
    assert (refused.value.message, refused.value.code) == (
        "This trigger was already confirmed.",
        "decided",
    )
    stored = ExitTrigger.objects.get(pk=trigger.pk)
    assert (stored.status, stored.decided_at, stored.decision_reason) == (
        "confirmed",
        NOW,
        "Board: exit",
    )
    assert ExitPlan.objects.get(pk=plan.pk).status == "exiting"
    assert _audited("exit_planning.trigger.dismissed") == 0


def test_a_confirmed_trigger_cannot_be_confirmed_again(scope, plan, manager):
    trigger = _record(plan, manager)
    services.exit_trigger_confirm(trigger=trigger, actor=manager, reason="Board: exit", now=NOW)
    with pytest.raises(ConflictError) as refused:
        services.exit_trigger_confirm(trigger=trigger, actor=manager, reason="Again", now=LATER)
    assert refused.value.message == "This trigger was already confirmed."
    stored = ExitTrigger.objects.get(pk=trigger.pk)
    assert (stored.decided_at, stored.decision_reason) == (NOW, "Board: exit")
    assert _audited("exit_planning.trigger.confirmed") == 1


def test_a_dismissed_trigger_cannot_be_confirmed_and_the_partnership_stays_live(
    scope, plan, manager
):
    trigger = _record(plan, manager)
    services.exit_trigger_dismiss(trigger=trigger, actor=manager, reason="Seasonal", now=NOW)
    with pytest.raises(ConflictError) as refused:
        services.exit_trigger_confirm(trigger=trigger, actor=manager, reason="Go", now=LATER)
    assert (refused.value.message, refused.value.code) == (
        "This trigger was already dismissed.",
        "decided",
    )
    assert ExitTrigger.objects.get(pk=trigger.pk).status == "dismissed"
    assert ExitPlan.objects.get(pk=plan.pk).status == "monitoring"
    assert Partnership.objects.get(pk=plan.partnership_id).status == "active"
    assert _audited("exit_planning.trigger.confirmed") == 0


def test_a_dismissed_trigger_cannot_be_dismissed_again(scope, plan, manager):
    trigger = _record(plan, manager)
    services.exit_trigger_dismiss(trigger=trigger, actor=manager, reason="Seasonal", now=NOW)
    with pytest.raises(ConflictError) as refused:
        services.exit_trigger_dismiss(trigger=trigger, actor=manager, reason="Again", now=LATER)
    assert refused.value.message == "This trigger was already dismissed."
    assert ExitTrigger.objects.get(pk=trigger.pk).decision_reason == "Seasonal"
    assert _audited("exit_planning.trigger.dismissed") == 1


def test_a_trigger_confirmed_since_its_page_was_opened_is_not_dismissed_from_that_page(
    scope, plan, manager
):
    trigger = _record(plan, manager)
    stale = ExitTrigger.objects.get(pk=trigger.pk)  # the page's copy, still awaiting
    services.exit_trigger_confirm(trigger=trigger, actor=manager, reason="Board: exit", now=NOW)
    assert stale.status == "fired"
    with pytest.raises(ConflictError) as refused:
        services.exit_trigger_dismiss(trigger=stale, actor=manager, reason="No", now=LATER)
    assert refused.value.message == "This trigger was already confirmed."
    assert ExitTrigger.objects.get(pk=trigger.pk).status == "confirmed"


# -- the post-mortem ----------------------------------------------------------------------------


def _complete_post_mortem(plan, manager, now=NOW):
    for section in ("worked", "failed", "root_cause"):
        services.post_mortem_contribute(
            plan=plan, actor=manager, party="us", section=section, text=f"About {section}."
        )
    return services.post_mortem_complete(plan=plan, actor=manager, now=now)


def test_a_completed_post_mortem_cannot_be_completed_again(
    scope, plan, manager, make_member, org_a
):
    _complete_post_mortem(plan, manager)
    other = make_member(org_a, email="ops@alpha.test")
    with pytest.raises(ConflictError) as refused:
        services.post_mortem_complete(plan=plan, actor=other, now=LATER)
    assert (refused.value.message, refused.value.code) == (
        "The post-mortem is already completed.",
        "completed",
    )
    stored = PostMortem.objects.get(plan=plan)
    assert (stored.status, stored.completed_by, stored.completed_at) == (
        "completed",
        manager,
        NOW,
    )
    assert _audited("exit_planning.post_mortem.completed") == 1
