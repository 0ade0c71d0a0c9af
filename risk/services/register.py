"""Risk services: risk register."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from partnerships.models import Partnership
from risk.models import (
    IMPACT_SCALE,
    LIKELIHOOD_SCALE,
    RISK_LIFECYCLE,
    SCALE_MAX,
    SCALE_MIN,
    Mitigation,
    Party,
    Risk,
)
from risk.services._common import _full_clean, _recipients, _url
from tenancy.audit import audit_record, changed_fields, lock_fresh
from tenancy.errors import ConflictError
from tenancy.services import notify, require_staff

# A risk's owner is reminded this many days before its review date (once per review date).
REVIEW_REMINDER_DAYS = 7


RISK_FIELDS = (
    "title",
    "description",
    "category",
    "inherent_likelihood",
    "inherent_impact",
    "residual_likelihood",
    "residual_impact",
    "owner",
    "allocation",
    "allocated_to",
    "allocation_basis",
    "clause",
    "next_review_on",
)


def _scale_errors(risk: Risk) -> dict:
    errors = {}
    for name, scale in (
        ("inherent_likelihood", LIKELIHOOD_SCALE),
        ("inherent_impact", IMPACT_SCALE),
        ("residual_likelihood", LIKELIHOOD_SCALE),
        ("residual_impact", IMPACT_SCALE),
    ):
        value = getattr(risk, name)
        if value is None:
            if name.startswith("inherent"):
                errors[name] = "Rate it on the scale from 1 to 5."
            continue
        if not SCALE_MIN <= value <= SCALE_MAX:
            labels = ", ".join(f"{k} {v.lower()}" for k, v in scale.items())
            errors[name] = f"Use the scale from {SCALE_MIN} to {SCALE_MAX} ({labels})."
    if (risk.residual_likelihood is None) != (risk.residual_impact is None):
        field = "residual_impact" if risk.residual_impact is None else "residual_likelihood"
        errors.setdefault(field, "Rate both residual likelihood and impact, or neither.")
    return errors


def _allocation_errors(risk: Risk) -> dict:
    errors = {}
    if risk.allocation == Risk.Allocation.RETAINED and risk.allocated_to != Party.CUSTOMER:
        errors["allocated_to"] = "A retained risk stays with us; choose “Us (the customer)”."
    if risk.allocation != Risk.Allocation.RETAINED:
        if risk.allocated_to == Party.CUSTOMER:
            errors["allocated_to"] = "Say which party the risk is transferred to or shared with."
        if not risk.allocation_basis.strip():
            errors["allocation_basis"] = (
                "Give the basis for allocating it to that party (e.g. their financial strength "
                "or their control of the supply market)."
            )
    clause = risk.clause if risk.clause_id else None
    if clause is not None and clause.agreement.partnership_id != risk.partnership_id:
        errors["clause"] = "The clause must belong to an agreement of this partnership."
    return errors


def _validate_risk(risk: Risk) -> None:
    errors = {**_scale_errors(risk), **_allocation_errors(risk)}
    try:
        _full_clean(
            risk,
            exclude=[
                "inherent_likelihood",
                "inherent_impact",
                "residual_likelihood",
                "residual_impact",
            ],
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def risk_create(*, actor, partnership: Partnership, today: date, **fields) -> Risk:
    unknown = set(fields) - set(RISK_FIELDS)
    if unknown:
        raise TypeError(f"Unknown risk fields: {sorted(unknown)}")
    fields.setdefault("allocation", Risk.Allocation.RETAINED)
    fields.setdefault("allocated_to", Party.CUSTOMER)
    fields.setdefault("allocation_basis", "")
    fields.setdefault("description", "")
    risk = Risk(partnership=partnership, **fields)
    if risk.next_review_on is not None and risk.next_review_on < today:
        raise ValidationError({"next_review_on": "The next review cannot be in the past."})
    require_staff(risk, "owner")
    _validate_risk(risk)
    risk.save()
    audit_record(
        action="risk.risk.created",
        actor=actor,
        obj=risk,
        changes={
            "partnership": partnership.pk,
            "category": risk.category,
            "inherent": [risk.inherent_likelihood, risk.inherent_impact],
            "allocation": risk.allocation,
            "allocated_to": risk.allocated_to,
        },
    )
    return risk


@transaction.atomic
def risk_update(*, risk: Risk, actor, today: date, **fields) -> Risk:
    unknown = set(fields) - set(RISK_FIELDS)
    if unknown:
        raise TypeError(f"Unknown risk fields: {sorted(unknown)}")
    review = fields.get("next_review_on", risk.next_review_on)
    if "next_review_on" in fields and review is not None and review < today:
        raise ValidationError({"next_review_on": "The next review cannot be in the past."})
    changes = changed_fields(risk, fields)
    require_staff(risk, "owner", changes=changes)
    _validate_risk(risk)
    if changes:
        risk.save()
        action = (
            "risk.risk.allocated"
            if {"allocation", "allocated_to"} & set(changes)
            else "risk.risk.updated"
        )
        audit_record(action=action, actor=actor, obj=risk, changes=changes)
    return risk


@transaction.atomic
def risk_set_status(*, risk: Risk, actor, status: str, reason: str = "") -> Risk:
    lock_fresh(risk)  # the status as it is now, not as the page that asked saw it
    RISK_LIFECYCLE.check(risk.status, status)
    if status == Risk.Status.CLOSED and not reason.strip():
        raise ValidationError({"reason": "Say why the risk is closed."})
    old = risk.status
    risk.status = status
    risk.save(update_fields=["status", "updated_at"])
    audit_record(
        action=f"risk.risk.{'closed' if status == 'closed' else 'reopened'}",
        actor=actor,
        obj=risk,
        changes={"status": [old, status], "reason": reason},
    )
    return risk


@transaction.atomic
def risk_review_record(*, risk: Risk, actor, today: date, next_review_on: date | None) -> Risk:
    if next_review_on is not None and next_review_on <= today:
        raise ValidationError({"next_review_on": "The next review must be after today."})
    changes = changed_fields(risk, {"last_reviewed_on": today, "next_review_on": next_review_on})
    risk.save(update_fields=["last_reviewed_on", "next_review_on", "updated_at"])
    audit_record(action="risk.risk.reviewed", actor=actor, obj=risk, changes=changes)
    return risk


@transaction.atomic
def mitigation_add(*, risk: Risk, actor, action: str, due_on: date, owner=None) -> Mitigation:
    errors = {}
    if not (action or "").strip():
        errors["action"] = "Say what will be done."
    if due_on is None:
        errors["due_on"] = "Give the day it is due."
    if errors:
        raise ValidationError(errors)
    mitigation = Mitigation(risk=risk, action=action.strip(), due_on=due_on, owner=owner)
    require_staff(mitigation, "owner")
    _full_clean(mitigation, exclude=["risk"])
    mitigation.save()
    audit_record(
        action="risk.mitigation.added",
        actor=actor,
        obj=mitigation,
        changes={"risk": risk.pk, "due_on": due_on},
    )
    return mitigation


@transaction.atomic
def mitigation_update(*, mitigation: Mitigation, actor, **fields) -> Mitigation:
    """Reword, reschedule or hand over a mitigation still to do (`action`, `due_on`, `owner`);
    one already done keeps what it was (409)."""
    unknown = set(fields) - {"action", "due_on", "owner"}
    if unknown:
        raise TypeError(f"Unknown mitigation fields: {sorted(unknown)}")
    lock_fresh(mitigation)  # done since the page was opened: it stays as it was done
    if mitigation.done_on is not None:
        raise ConflictError("A mitigation already done is not changed.", code="done")
    if "action" in fields:
        fields["action"] = (fields["action"] or "").strip()
        if not fields["action"]:
            raise ValidationError({"action": "Say what will be done."})
    if "due_on" in fields and fields["due_on"] is None:
        raise ValidationError({"due_on": "Give the day it is due."})
    changes = changed_fields(mitigation, fields)
    require_staff(mitigation, "owner", changes=changes)
    _full_clean(mitigation, exclude=["risk"])
    mitigation.save()
    if changes:
        audit_record(action="risk.mitigation.updated", actor=actor, obj=mitigation, changes=changes)
    return mitigation


@transaction.atomic
def mitigation_complete(*, mitigation: Mitigation, actor, today: date) -> Mitigation:
    lock_fresh(mitigation)  # completed meanwhile: it keeps the day it was done
    if mitigation.done_on is None:
        mitigation.done_on = today
        mitigation.save(update_fields=["done_on"])
        audit_record(
            action="risk.mitigation.completed", actor=actor, obj=mitigation, changes={"on": today}
        )
    return mitigation


def risk_review_reminders_send(*, today: date) -> int:
    """Remind owners of open risks whose review is due within REVIEW_REMINDER_DAYS (or past);
    once per risk and review date (the notification's dedupe key)."""
    horizon = today + timedelta(days=REVIEW_REMINDER_DAYS)
    sent = 0
    risks = Risk.objects.filter(
        status=Risk.Status.OPEN, next_review_on__isnull=False, next_review_on__lte=horizon
    ).select_related("partnership__owner", "owner")
    for risk in risks:
        days = (risk.next_review_on - today).days
        when = (
            "is overdue"
            if days < 0
            else ("is today" if days == 0 else f"is in {days} day{'s' if days != 1 else ''}")
        )
        with transaction.atomic():
            created = notify(
                recipients=_recipients(risk.partnership, risk.owner),
                title=f"Risk review {when}: {risk.title}",
                body=f"{risk.partnership.name}: review the risk by {risk.next_review_on:%d %b %Y}.",
                url=_url("risk-detail", risk.pk),
                dedupe_key=f"risk.review:{risk.pk}:{risk.next_review_on.isoformat()}",
            )
            if created:
                audit_record(
                    action="risk.risk.review_reminded",
                    obj=risk,
                    changes={"review_on": risk.next_review_on, "recipients": len(created)},
                    actor_label="system",
                )
        sent += len(created)
    return sent
