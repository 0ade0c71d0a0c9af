"""Escalation rules pinned against the mutants that survived the first full run of
`governance.escalations` (all 587 mutants; test_escalation_rules_pinned.py answers the first
half's): which actions the job takes up, and what the path and a raised escalation keep."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from governance import services
from governance.models import (
    Escalation,
    EscalationContact,
    EscalationLevel,
    EscalationStep,
    MeetingAction,
)
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.governance.conftest import NOW
from tests.governance.factories import EscalationFactory
from tests.governance.test_raci_and_escalations import _action
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


# --- the job ----------------------------------------------------------------------------------


def test_the_job_takes_up_an_action_only_once_its_deadline_has_passed(scope, board, partnership):
    action = _action(board, partnership)  # due 17 Jan 2030
    on_the_day = services.escalations_run(now=NOW + timedelta(days=7))
    assert on_the_day.raised == 0
    assert not Escalation.objects.exists()
    the_day_after = services.escalations_run(now=NOW + timedelta(days=8))
    assert the_day_after.raised == 1
    assert Escalation.objects.get().action == action


def test_the_job_leaves_done_and_cancelled_actions_alone_and_takes_up_one_in_progress(
    scope, board, partnership
):
    done, cancelled, in_progress = (_action(board, partnership) for _ in range(3))
    MeetingAction.objects.filter(pk=done.pk).update(status="done")
    MeetingAction.objects.filter(pk=cancelled.pk).update(status="cancelled")
    MeetingAction.objects.filter(pk=in_progress.pk).update(status="in_progress")
    run = services.escalations_run(now=NOW + timedelta(days=8))
    assert run.raised == 1
    assert Escalation.objects.get().action == in_progress


# --- the path ---------------------------------------------------------------------------------


def _climb_to_level_two(board, partnership):
    action = _action(board, partnership)
    services.escalations_run(now=NOW + timedelta(days=8))
    services.escalations_run(now=NOW + timedelta(days=13))
    escalation = Escalation.objects.get(action=action)
    assert escalation.rank == 2
    return escalation


def test_a_resolved_escalation_above_the_new_path_does_not_hold_it_back(
    scope, board, partnership, manager
):
    escalation = _climb_to_level_two(board, partnership)
    services.escalation_resolve(
        escalation=escalation, actor=manager, now=NOW + timedelta(days=14), resolution="Sent"
    )
    saved = services.escalation_path_save(
        partnership=partnership, actor=manager, levels=[{"tier": "committee", "response_days": 3}]
    )
    assert [(level.rank, level.tier) for level in saved] == [(1, "committee")]
    assert EscalationLevel.objects.filter(partnership=partnership).count() == 1


def test_an_open_escalation_of_another_partnership_does_not_hold_this_path_back(
    scope, board, partnership, manager
):
    _climb_to_level_two(board, partnership)
    other = PartnershipFactory(organization=scope, name="Birch", owner=manager)
    services.escalation_path_save(
        partnership=other, actor=manager, levels=[{"tier": "committee", "response_days": 3}]
    )
    assert EscalationLevel.objects.filter(partnership=other).count() == 1
    # This partnership's path is untouched by the other's.
    assert EscalationLevel.objects.filter(partnership=partnership).count() == 4


def test_a_level_given_without_contacts_is_saved_with_nobody_named(scope, partnership, manager):
    [level] = services.escalation_path_save(
        partnership=partnership, actor=manager, levels=[{"tier": "mediation", "response_days": 30}]
    )
    assert (level.rank, level.tier, level.response_days) == (1, "mediation", 30)
    assert not EscalationContact.objects.exists()
    event = AuditEvent.objects.get(action="governance.escalation_path.saved")
    assert event.changes == {"levels": [{"tier": "mediation", "response_days": 30, "contacts": []}]}


# --- raising ----------------------------------------------------------------------------------


def test_an_issue_without_a_title_is_refused_even_when_none_is_given(scope, partnership, manager):
    with pytest.raises(ValidationError) as refused:
        services.escalation_raise(
            partnership=partnership, actor=manager, now=NOW, title=None, reason="Nobody answers."
        )
    assert refused.value.message_dict == {"title": ["Say what is escalated."]}
    assert not Escalation.objects.exists()


@pytest.mark.parametrize("reason", [None, "", "  \n "])
def test_an_issue_raised_without_a_reason_is_refused_on_the_field(
    scope, partnership, manager, reason
):
    with pytest.raises(ValidationError) as refused:
        services.escalation_raise(
            partnership=partnership, actor=manager, now=NOW, title="Late invoices", reason=reason
        )
    assert refused.value.message_dict == {"reason": ["Say why it is escalated."]}
    assert not Escalation.objects.exists()


def test_the_reason_of_an_escalation_is_stored_trimmed(scope, partnership, manager):
    escalation = services.escalation_raise(
        partnership=partnership, actor=manager, now=NOW, title="Late", reason="  No reply. \n"
    )
    escalation.refresh_from_db()
    assert escalation.reason == "No reply."


def test_a_long_title_is_cut_to_300_characters(scope, partnership, manager):
    escalation = services.escalation_raise(
        partnership=partnership,
        actor=manager,
        now=NOW,
        title="  " + "x" * 400,
        reason="Nobody answers.",
    )
    escalation.refresh_from_db()
    assert escalation.title == "x" * 300


def test_an_escalation_raised_by_no_one_signed_in_names_no_one(scope, partnership):
    escalation = services.escalation_raise(
        partnership=partnership,
        actor=AnonymousUser(),
        now=NOW,
        title="Late invoices",
        reason="Nobody answers.",
    )
    escalation.refresh_from_db()
    assert escalation.raised_by is None
    assert EscalationStep.objects.get(escalation=escalation).by_job is False


def test_an_item_escalated_by_someone_else_at_the_same_moment_is_refused(
    scope, board, partnership, manager, monkeypatch
):
    """Two requests escalate one action at once: the other's row lands after this one's checks,
    so the database's one-open-escalation rule refuses this one, in the same words."""
    action = _action(board, partnership)
    validate = Escalation.full_clean

    def full_clean_then_the_other_request_commits(escalation, *args, **kwargs):
        validate(escalation, *args, **kwargs)
        EscalationFactory(organization=scope, partnership=partnership, action=action)

    monkeypatch.setattr(Escalation, "full_clean", full_clean_then_the_other_request_commits)
    with pytest.raises(ConflictError) as refused:
        services.escalation_raise(
            partnership=partnership, actor=manager, now=NOW, action=action, reason="Nobody answers."
        )
    assert (refused.value.code, refused.value.message) == (
        "already_escalated",
        "This item is already escalated.",
    )


def test_an_item_escalated_by_someone_else_just_before_validation_reads_the_same_refusal(
    scope, board, partnership, manager, monkeypatch
):
    """The other request's row lands between this one's check and its validation: the refusal is
    still in words, never the name of the database's constraint."""
    action = _action(board, partnership)
    validate = Escalation.full_clean

    def the_other_request_commits_then_full_clean(escalation, *args, **kwargs):
        EscalationFactory(organization=scope, partnership=partnership, action=action)
        validate(escalation, *args, **kwargs)

    monkeypatch.setattr(Escalation, "full_clean", the_other_request_commits_then_full_clean)
    with pytest.raises(ConflictError) as refused:
        services.escalation_raise(
            partnership=partnership, actor=manager, now=NOW, action=action, reason="Nobody answers."
        )
    assert (refused.value.code, refused.value.message) == (
        "already_escalated",
        "This item is already escalated.",
    )
