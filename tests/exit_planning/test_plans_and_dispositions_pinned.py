"""The exit plan and the data disposition, pinned rule by rule (found by `make mutation
MUTATION_ARGS="exit_planning.plans exit_planning.dispositions"`, docs/mutation.md): the lead
time's edges, one plan per partnership, the agreement that must be the partnership's own, the
lead time frozen once the wind-down is open, what a closed exit counts as open; a disposition's
rule and category in words, its certificate, who may verify it, and the audit event each step
leaves."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from exit_planning import services
from exit_planning.models import DataDisposition, ExitPlan, WindDownTask
from partnerships.models import Partnership
from tenancy.audit import audit_value
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.contracts.factories import AgreementFactory
from tests.exit_planning.conftest import NOW, TODAY
from tests.exit_planning.factories import ExitPlanFactory, WindDownTaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(scope, partnership, manager):
    return services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


LEAD_TIME_MESSAGE = {
    "lead_time_months": ["Choose a lead time from 6 to 12 months before the agreement ends."]
}


# -- the plan ----------------------------------------------------------------------------------


@pytest.mark.parametrize("months", [6, 12])
def test_a_lead_time_of_6_or_12_months_is_accepted(scope, partnership, manager, months):
    plan = services.exit_plan_create(
        actor=manager, partnership=partnership, lead_time_months=months
    )
    assert ExitPlan.objects.get(pk=plan.pk).lead_time_months == months


@pytest.mark.parametrize("months", [5, 13, None])
def test_a_lead_time_outside_6_to_12_is_refused_in_words(scope, partnership, manager, months):
    with pytest.raises(ValidationError) as refused:
        services.exit_plan_create(actor=manager, partnership=partnership, lead_time_months=months)
    assert refused.value.message_dict == LEAD_TIME_MESSAGE


def test_a_new_plan_keeps_its_fields_and_audits_them(scope, partnership, manager):
    plan = services.exit_plan_create(
        actor=manager,
        partnership=partnership,
        owner=manager,
        lead_time_months=12,
        documentation_complete=True,
        not_a_plan_field="ignored",
    )
    stored = ExitPlan.objects.get(pk=plan.pk)
    assert (stored.owner, stored.lead_time_months, stored.documentation_complete) == (
        manager,
        12,
        True,
    )
    [event] = _events("exit_planning.plan.created")
    assert (event.actor, event.object_id) == (manager, str(plan.pk))
    assert event.changes == {
        "owner": audit_value(manager),
        "lead_time_months": 12,
        "documentation_complete": True,
    }


def test_a_partnership_has_one_exit_plan_and_another_partnership_its_own(
    scope, plan, partnership, manager
):
    with pytest.raises(ConflictError) as refused:
        services.exit_plan_create(actor=manager, partnership=partnership)
    assert (refused.value.message, refused.value.code) == (
        "This partnership already has an exit plan.",
        "exists",
    )
    other = ExitPlanFactory(organization=scope).partnership
    ExitPlan.objects.filter(partnership=other).delete()
    assert services.exit_plan_create(actor=manager, partnership=other).partnership == other


def test_the_governing_agreement_must_be_the_partnerships_own(scope, plan, manager):
    foreign = AgreementFactory(organization=scope)
    with pytest.raises(ValidationError) as refused:
        services.exit_plan_update(plan=plan, actor=manager, governing_agreement=foreign)
    assert refused.value.message_dict == {
        "governing_agreement": ["Choose an agreement of this partnership."]
    }
    own = AgreementFactory(organization=scope, partnership=plan.partnership)
    services.exit_plan_update(plan=plan, actor=manager, governing_agreement=own)
    assert ExitPlan.objects.get(pk=plan.pk).governing_agreement == own


def test_a_changed_lead_time_is_checked_and_audited(scope, plan, manager):
    with pytest.raises(ValidationError) as refused:
        services.exit_plan_update(plan=plan, actor=manager, lead_time_months=4)
    assert refused.value.message_dict == LEAD_TIME_MESSAGE
    services.exit_plan_update(plan=plan, actor=manager, lead_time_months=11)
    [event] = _events("exit_planning.plan.updated")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(plan.pk),
        {"lead_time_months": [9, 11]},
    )


def test_an_open_wind_down_freezes_the_lead_time_but_not_the_rest(scope, plan, manager):
    services.wind_down_open(plan=plan, end_date=date(2030, 10, 10), today=TODAY)
    plan = ExitPlan.objects.get(pk=plan.pk)
    with pytest.raises(ConflictError) as refused:
        services.exit_plan_update(plan=plan, actor=manager, lead_time_months=10)
    assert (refused.value.message, refused.value.code) == (
        "The wind-down is already open; its lead time no longer changes.",
        "wind_down_open",
    )
    # Sending the same lead time again (a form saved whole) is no change.
    services.exit_plan_update(
        plan=plan, actor=manager, lead_time_months=plan.lead_time_months, data_map_complete=True
    )
    stored = ExitPlan.objects.get(pk=plan.pk)
    assert (stored.lead_time_months, stored.data_map_complete) == (9, True)


def test_a_wind_down_opened_since_the_page_was_opened_freezes_the_lead_time(scope, plan, manager):
    stale = ExitPlan.objects.get(pk=plan.pk)  # the page's copy, before the wind-down
    services.wind_down_open(plan=plan, end_date=date(2030, 10, 10), today=TODAY)
    with pytest.raises(ConflictError) as refused:
        services.exit_plan_update(plan=stale, actor=manager, lead_time_months=10)
    assert refused.value.code == "wind_down_open"
    assert ExitPlan.objects.get(pk=plan.pk).lead_time_months == 9
    assert not _events("exit_planning.plan.updated")


def test_only_this_plans_open_tasks_keep_the_exit_open(scope, plan, manager):
    Partnership.objects.filter(pk=plan.partnership_id).update(status=Partnership.Status.EXITING)
    ExitPlan.objects.filter(pk=plan.pk).update(status=ExitPlan.Status.EXITING)
    WindDownTaskFactory(organization=scope)  # another plan's open task
    assert WindDownTask.objects.filter(done_on__isnull=True).exclude(plan=plan).exists()
    services.exit_plan_close(plan=plan, actor=manager, today=TODAY)
    assert ExitPlan.objects.get(pk=plan.pk).status == "closed"
    [closed] = _events("partnerships.partnership.closed")
    assert closed.actor == manager  # the partnership is closed in the manager's name


# -- data disposition --------------------------------------------------------------------------


def _disposition(plan, manager, **extra):
    fields = {
        "data_category": " Order history ",
        "action": "return",
        "rule": "contract",
        "performed_by": "us",
        "today": TODAY,
        **extra,
    }
    return services.disposition_create(plan=plan, actor=manager, **fields)


def test_a_disposition_names_its_rule_and_its_data_in_words(scope, plan, manager):
    with pytest.raises(ValidationError) as refused:
        _disposition(plan, manager, rule="hipaa")
    assert refused.value.message_dict == {"rule": ["Choose the data-protection rule that applies."]}
    with pytest.raises(ValidationError) as refused:
        _disposition(plan, manager, data_category=None)
    assert list(refused.value.message_dict) == ["data_category"]
    assert not DataDisposition.objects.exists()


def test_a_disposition_is_stored_trimmed_with_its_deadline_and_audited(scope, plan, manager):
    item = _disposition(plan, manager)
    stored = DataDisposition.objects.get(pk=item.pk)
    assert (stored.data_category, stored.deadline) == ("Order history", TODAY + timedelta(60))
    [event] = _events("exit_planning.disposition.created")
    assert (event.actor, event.object_id) == (manager, str(item.pk))
    assert event.changes == {
        "data_category": "Order history",
        "action": "return",
        "rule": "contract",
        "performed_by": "us",
        "deadline": (TODAY + timedelta(60)).isoformat(),
    }


def test_a_destruction_needs_its_certificate_and_the_audit_names_it(scope, plan, manager):
    item = _disposition(plan, manager, action="destroy", rule="gdpr")
    with pytest.raises(ValidationError) as refused:
        services.disposition_mark_done(item=item, actor=manager, today=TODAY)
    assert refused.value.message_dict == {
        "certificate": ["Upload the certificate of destruction before marking it done."]
    }
    certificate = SimpleUploadedFile("cert.pdf", b"%PDF-1.4 destroyed", "application/pdf")
    services.disposition_mark_done(item=item, actor=manager, certificate=certificate, today=TODAY)
    stored = DataDisposition.objects.get(pk=item.pk)
    assert (stored.status, stored.done_on) == ("done", TODAY)
    [event] = _events("exit_planning.disposition.done")
    assert (event.actor, event.object_id) == (manager, str(item.pk))
    assert event.changes == {"certificate": stored.certificate.name}
    assert stored.certificate.name


def test_a_return_is_done_without_a_certificate(scope, plan, manager):
    item = _disposition(plan, manager)
    services.disposition_mark_done(item=item, actor=manager, today=TODAY)
    [event] = _events("exit_planning.disposition.done")
    assert event.changes == {"certificate": None}
    assert DataDisposition.objects.get(pk=item.pk).status == "done"


def test_only_the_other_party_verifies_and_the_audit_says_who(scope, plan, manager, guest):
    item = _disposition(plan, manager)
    services.disposition_mark_done(item=item, actor=manager, today=TODAY)
    with pytest.raises(ConflictError) as refused:
        services.disposition_verify(item=item, actor=manager, party="us", now=NOW)
    assert (refused.value.message, refused.value.code) == (
        "The party that returned or destroyed the data cannot verify it; the other party does.",
        "same_party",
    )
    assert DataDisposition.objects.get(pk=item.pk).status == "done"
    services.disposition_verify(item=item, actor=guest, party="partner", now=NOW)
    stored = DataDisposition.objects.get(pk=item.pk)
    assert (stored.status, stored.verified_by, stored.verified_at) == ("verified", guest, NOW)
    [event] = _events("exit_planning.disposition.verified")
    assert (event.actor, event.object_id) == (guest, str(item.pk))
