"""Stakeholder notices pinned rule by rule (found by `make mutation
MUTATION_ARGS=exit_planning.notices`, docs/mutation.md): what a notice needs, in words; what is
stored, sent (once, by e-mail when there is an address) and audited; the continuity record."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from exit_planning import services
from exit_planning.models import StakeholderNotice
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.exit_planning.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(scope, partnership, manager):
    return services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)


def _notice(plan, manager, **extra):
    fields = {
        "stakeholder": " Nordwind Trucks ",
        "email": " supply@nordwind.example ",
        "kind": "customer",
        "message": " Supply continues until 30 June. ",
        **extra,
    }
    return services.notice_create(plan=plan, actor=manager, **fields)


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def test_a_notice_names_who_is_told_and_what(scope, plan, manager):
    with pytest.raises(ValidationError) as refused:
        _notice(plan, manager, stakeholder=None, message=None)
    assert refused.value.message_dict == {
        "stakeholder": ["Name who is told."],
        "message": ["Write what they are told."],
    }
    assert not StakeholderNotice.objects.exists()


def test_a_notice_is_stored_trimmed_and_audited(scope, plan, manager):
    notice = _notice(plan, manager)
    notice.refresh_from_db()
    assert (notice.stakeholder, notice.email, notice.message, notice.plan) == (
        "Nordwind Trucks",
        "supply@nordwind.example",
        "Supply continues until 30 June.",
        plan,
    )
    [event] = _events("exit_planning.notice.created")
    assert (event.actor, event.object_id) == (manager, str(notice.pk))


def test_a_notice_is_sent_once_by_email_named_after_the_partnership_and_audited(
    scope, plan, manager, mailoutbox
):
    notice = _notice(plan, manager)
    services.notice_send(notice=notice, actor=manager, now=NOW)
    [mail] = mailoutbox
    assert (mail.subject, mail.body, mail.to) == (
        "Notice: Alder drive-train",
        "Supply continues until 30 June.",
        ["supply@nordwind.example"],
    )
    [event] = _events("exit_planning.notice.sent")
    assert (event.actor, event.object_id) == (manager, str(notice.pk))
    with pytest.raises(ConflictError) as refused:
        services.notice_send(notice=notice, actor=manager, now=NOW + timedelta(days=1))
    assert (refused.value.message, refused.value.code) == ("Already sent on 10 Jan 2030.", "sent")
    notice.refresh_from_db()
    assert (notice.sent_at, notice.sent_by) == (NOW, manager)


def test_a_notice_without_an_address_is_logged_as_sent_without_mail(
    scope, plan, manager, mailoutbox
):
    notice = _notice(plan, manager, email="")
    services.notice_send(notice=notice, actor=manager, now=NOW)
    assert mailoutbox == [] and StakeholderNotice.objects.get().sent_at == NOW


def test_continuity_at_risk_needs_a_note_and_each_record_is_audited(scope, plan, manager):
    notice = _notice(plan, manager)
    with pytest.raises(ValidationError) as refused:
        services.notice_continuity_record(
            notice=notice, actor=manager, continuity_ok=False, note=" "
        )
    assert refused.value.message_dict == {
        "continuity_note": ["Say what is at risk for this stakeholder."]
    }
    services.notice_continuity_record(
        notice=notice, actor=manager, continuity_ok=False, note=" Cold chain "
    )
    notice.refresh_from_db()
    assert (notice.continuity_ok, notice.continuity_note) == (False, "Cold chain")
    [event] = _events("exit_planning.notice.continuity")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(notice.pk),
        {"continuity_ok": [None, False], "continuity_note": ["", "Cold chain"]},
    )
    services.notice_continuity_record(notice=notice, actor=manager, continuity_ok=True)
    assert StakeholderNotice.objects.get().continuity_ok is True
