"""Joint disaster-recovery tests: scheduled, their result recorded against the RTO and RPO
targets, or cancelled."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from integrations.models import DR_TEST_LIFECYCLE, DisasterRecoveryTest
from integrations.services._shared import _check_partnership
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.models import User
from tenancy.selectors import accountable
from tenancy.services import notify

DR_TEST_FIELDS = ("title", "plan", "participants", "scheduled_for", "rto_target_minutes",
                  "rpo_target_minutes", "connector")  # fmt: skip


@transaction.atomic
def dr_test_schedule(
    *, partnership: Partnership, actor: User | None, now, **fields
) -> DisasterRecoveryTest:
    """Plan a joint disaster-recovery test: a plan, a date (not in the past), and the RTO and
    RPO targets (minutes, more than 0); the feed tested, if one, belongs to the partnership."""
    _check_partnership(partnership)
    unknown = set(fields) - set(DR_TEST_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    test = DisasterRecoveryTest(
        organization=require_organization(), partnership=partnership, created_by=actor,
        created_at=now, **fields,
    )  # fmt: skip
    test.title = " ".join((test.title or "").split())
    test.plan = (test.plan or "").strip()
    errors: dict[str, str] = {}
    if not test.title:
        errors["title"] = "Give the test a title."
    if not test.plan:
        errors["plan"] = "Describe the scenario and the steps of both parties."
    if test.scheduled_for is None or test.scheduled_for < now:
        errors["scheduled_for"] = "Schedule it for a time to come."
    for name in ("rto_target_minutes", "rpo_target_minutes"):
        value = getattr(test, name)
        if value is None or value <= 0:
            errors[name] = "A target of at least one minute."
    if test.connector is not None and test.connector.partnership_id != partnership.pk:
        errors["connector"] = "Choose a connector of this partnership."
    if errors:
        raise ValidationError(errors)
    test.full_clean(exclude=["organization", "partnership", "connector", "created_by"],
                    validate_constraints=False)  # fmt: skip
    test.save()
    audit_record(
        action="integrations.dr_test.scheduled", actor=actor, obj=test,
        changes={"scheduled_for": test.scheduled_for.isoformat(),
                 "rto": test.rto_target_minutes, "rpo": test.rpo_target_minutes},
    )  # fmt: skip
    return test


@transaction.atomic
def dr_test_record_result(
    *, test: DisasterRecoveryTest, actor: User | None, executed_at, rto_achieved_minutes: int,
    rpo_achieved_minutes: int, findings: str = "", now,
) -> DisasterRecoveryTest:  # fmt: skip
    """Record what the test achieved: passed when both the recovery time and the data lost are
    within their targets. A failed test notifies the partnership's owner (else the admins)."""
    test = (
        DisasterRecoveryTest.objects.select_for_update()
        .select_related("partnership")
        .get(pk=test.pk)
    )
    DR_TEST_LIFECYCLE.check(test.status, DisasterRecoveryTest.Status.COMPLETED)
    errors: dict[str, str] = {}
    if executed_at is None or executed_at > now:
        errors["executed_at"] = "When it ran: not in the future."
    for name, value in (("rto_achieved_minutes", rto_achieved_minutes),
                        ("rpo_achieved_minutes", rpo_achieved_minutes)):  # fmt: skip
        if value is None or value < 0:
            errors[name] = "Minutes, 0 or more."
    if errors:
        raise ValidationError(errors)
    test.status = DisasterRecoveryTest.Status.COMPLETED
    test.executed_at = executed_at
    test.rto_achieved_minutes, test.rpo_achieved_minutes = (
        rto_achieved_minutes,
        rpo_achieved_minutes,
    )
    test.passed = (
        rto_achieved_minutes <= test.rto_target_minutes
        and rpo_achieved_minutes <= test.rpo_target_minutes
    )
    test.findings = (findings or "").strip()
    test.recorded_by = actor
    test.save()
    audit_record(
        action="integrations.dr_test.completed", actor=actor, obj=test,
        changes={"passed": test.passed, "rto": [test.rto_target_minutes, rto_achieved_minutes],
                 "rpo": [test.rpo_target_minutes, rpo_achieved_minutes]},
    )  # fmt: skip
    if not test.passed:
        notify(
            recipients=accountable(test.partnership.owner),
            title=f"{test.partnership.name}: disaster-recovery test “{test.title}” failed",
            body=f"Recovered in {rto_achieved_minutes:,} min (target {test.rto_target_minutes:,}); "
            f"data lost {rpo_achieved_minutes:,} min (target {test.rpo_target_minutes:,}).",
            url=reverse("dr-test-detail", args=[require_organization().slug, test.pk]),
            dedupe_key=f"integrations:dr_test:{test.pk}:failed",
        )
    return test


@transaction.atomic
def dr_test_cancel(*, test: DisasterRecoveryTest, actor: User | None, reason: str):
    """Cancel a planned test (final); the reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the test is cancelled."})
    test = DisasterRecoveryTest.objects.select_for_update().get(pk=test.pk)
    DR_TEST_LIFECYCLE.check(test.status, DisasterRecoveryTest.Status.CANCELLED)
    test.status, test.cancel_reason = DisasterRecoveryTest.Status.CANCELLED, reason
    test.save(update_fields=["status", "cancel_reason"])
    audit_record(action="integrations.dr_test.cancelled", actor=actor, obj=test,
                 changes={"reason": reason})  # fmt: skip
    return test
