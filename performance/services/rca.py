"""Root-cause analyses and corrective/preventive actions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from partnerships.models import Partnership
from performance.models import (
    CAPA_LIFECYCLE,
    RCA_LIFECYCLE,
    CorrectiveAction,
    RootCauseAnalysis,
    Side,
    Sla,
)
from tenancy.audit import audit_record, changed_fields, lock_fresh
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.services import require_staff

MAX_WHYS = 5  # the method's name says how many


def _whys(five_whys: list) -> list[str]:
    """The answers given, trimmed, blanks dropped: at most five."""
    whys = [str(w).strip() for w in five_whys if str(w).strip()]
    if len(whys) > MAX_WHYS:
        raise ValidationError(
            {"five_whys": f"Five whys are at most {MAX_WHYS} answers; this has {len(whys)}."}
        )
    return whys


@transaction.atomic
def rca_create(
    *,
    actor: User | None,
    partnership: Partnership,
    problem: str,
    sla: Sla | None = None,
    responsible_party: str = Side.PARTNER,
    causes: list | None = None,
    five_whys: list | None = None,
) -> RootCauseAnalysis:
    """Open an analysis; the causes and the five whys known at the start are kept with it
    (the page and the API ask for them)."""
    rca = RootCauseAnalysis(
        organization=require_organization(),
        partnership=partnership,
        sla=sla,
        problem=problem,
        responsible_party=responsible_party,
        causes=causes or [],
        five_whys=_whys(five_whys or []),
    )
    rca.full_clean()
    rca.save()
    audit_record(action="performance.rca.opened", actor=actor, obj=rca)
    return rca


@transaction.atomic
def rca_update(
    *,
    rca: RootCauseAnalysis,
    actor: User | None,
    causes: list | None = None,
    five_whys: list | None = None,
    problem: str | None = None,
) -> RootCauseAnalysis:
    lock_fresh(rca)  # closed since the page was opened: not edited
    if rca.status == RootCauseAnalysis.Status.CLOSED:
        raise ConflictError("A closed analysis cannot be edited.")
    fields: dict[str, object] = {}
    if causes is not None:
        fields["causes"] = causes
    if five_whys is not None:
        fields["five_whys"] = _whys(five_whys)
    if problem is not None:
        fields["problem"] = problem
    changes = changed_fields(rca, fields)
    rca.full_clean()
    rca.save()
    audit_record(action="performance.rca.updated", actor=actor, obj=rca, changes=changes)
    return rca


@transaction.atomic
def capa_add(
    *,
    rca: RootCauseAnalysis,
    actor: User | None,
    description: str,
    due_date: date,
    owner: User | None = None,
    kind: str = "corrective",
) -> CorrectiveAction:
    lock_fresh(rca)  # as rca_close does: an action is never added to an analysis closing
    if rca.status == RootCauseAnalysis.Status.CLOSED:
        raise ConflictError("A closed analysis takes no more actions.")
    action = CorrectiveAction(
        organization=require_organization(),
        rca=rca,
        partnership_id=rca.partnership_id,
        description=description,
        due_date=due_date,
        owner=owner,
        kind=kind,
    )
    require_staff(action, "owner")
    action.full_clean()
    action.save()
    if rca.status == RootCauseAnalysis.Status.OPEN:
        RCA_LIFECYCLE.check(rca.status, RootCauseAnalysis.Status.CAPA)
        rca.status = RootCauseAnalysis.Status.CAPA
        rca.save(update_fields=["status"])
    audit_record(action="performance.capa.added", actor=actor, obj=action)
    return action


@transaction.atomic
def capa_update(*, action: CorrectiveAction, actor: User | None, **fields) -> CorrectiveAction:
    """Reword, reschedule or hand over an open action (`description`, `due_date`, `owner`);
    its `kind` stays (given, it must be the same); one done keeps what it was (409)."""
    if "kind" in fields and fields.pop("kind") != action.kind:
        raise ValidationError({"kind": "An action keeps its kind: add another one instead."})
    unknown = set(fields) - {"description", "due_date", "owner"}
    if unknown:
        raise TypeError(f"Unknown corrective action fields: {sorted(unknown)}")
    lock_fresh(action)  # done since the page was opened: it stays as it was done
    if action.status == CorrectiveAction.Status.DONE:
        raise ConflictError("This action is already done.")
    if "description" in fields:
        fields["description"] = (fields["description"] or "").strip()
    changes = changed_fields(action, fields)
    require_staff(action, "owner", changes=changes)
    action.full_clean()
    action.save()
    if changes:
        audit_record(action="performance.capa.updated", actor=actor, obj=action, changes=changes)
    return action


@transaction.atomic
def capa_complete(
    *, action: CorrectiveAction, actor: User | None, now: datetime
) -> CorrectiveAction:
    lock_fresh(action)
    if action.status == CorrectiveAction.Status.DONE:
        raise ConflictError("This action is already done.")
    CAPA_LIFECYCLE.check(action.status, CorrectiveAction.Status.DONE)
    action.status = CorrectiveAction.Status.DONE
    action.completed_at = now
    action.save(update_fields=["status", "completed_at"])
    audit_record(action="performance.capa.completed", actor=actor, obj=action)
    return action


@transaction.atomic
def rca_close(
    *,
    rca: RootCauseAnalysis,
    actor: User | None,
    today: date,
    check_after_days: int = 90,
    now: datetime,
) -> RootCauseAnalysis:
    """Close once every corrective action is done; schedule the effectiveness check."""
    lock_fresh(rca)
    if rca.status == RootCauseAnalysis.Status.CLOSED:
        raise ConflictError("This analysis is already closed.")
    if not rca.actions.exists():
        raise ConflictError("Add at least one corrective action before closing.")
    if rca.actions.exclude(status=CorrectiveAction.Status.DONE).exists():
        raise ConflictError("Every corrective action must be done before closing.")
    RCA_LIFECYCLE.check(rca.status, RootCauseAnalysis.Status.CLOSED)
    rca.status = RootCauseAnalysis.Status.CLOSED
    rca.closed_at = now
    rca.effectiveness_check_due = today + timedelta(days=check_after_days)
    rca.save(update_fields=["status", "closed_at", "effectiveness_check_due"])
    audit_record(action="performance.rca.closed", actor=actor, obj=rca)
    return rca


@transaction.atomic
def rca_effectiveness_record(
    *, rca: RootCauseAnalysis, actor: User | None, effective: bool
) -> RootCauseAnalysis:
    """After closing: were the actions effective? If not, the analysis reopens for new CAPA."""
    lock_fresh(rca)
    if rca.status != RootCauseAnalysis.Status.CLOSED:
        raise ConflictError("Check effectiveness after closing the analysis.")
    rca.effectiveness = (
        RootCauseAnalysis.Effectiveness.EFFECTIVE
        if effective
        else RootCauseAnalysis.Effectiveness.NOT_EFFECTIVE
    )
    if not effective:
        RCA_LIFECYCLE.check(rca.status, RootCauseAnalysis.Status.CAPA)
        rca.status = RootCauseAnalysis.Status.CAPA
    rca.save(update_fields=["effectiveness", "status"])
    audit_record(
        action="performance.rca.effectiveness_checked",
        actor=actor,
        obj=rca,
        changes={"effective": effective},
    )
    return rca
