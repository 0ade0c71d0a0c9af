"""Pilots of approved initiatives and emerging technologies, with a go / no-go decision."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from innovation import selectors
from innovation.models import (
    PILOT_LIFECYCLE,
    ImprovementInitiative,
    Pilot,
    PilotCriterion,
)
from innovation.services._common import (
    _buyer_only,
    _full_clean,
    _lock,
    _text,
)
from innovation.services.initiatives import _move
from partnerships.models import Partnership
from performance.models import Kpi
from tenancy.audit import audit_record
from tenancy.errors import ConflictError
from tenancy.models import User

# -- pilots ------------------------------------------------------------------------------------


@transaction.atomic
def pilot_create(
    *,
    actor: User,
    partnership: Partnership,
    title: str,
    starts_on: date,
    ends_on: date,
    initiative: ImprovementInitiative | None = None,
    technology: str = "",
    scope: str = "",
) -> Pilot:
    """A pilot of an approved initiative (which moves into its pilot) or of an emerging
    technology."""
    errors: dict = {}
    if initiative is None and not _text(technology):
        errors["technology"] = "Name the technology piloted, or choose an approved initiative."
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = "A pilot ends on or after its start."
    if initiative is not None:
        if initiative.partnership_id != partnership.pk:
            errors["initiative"] = "Choose an initiative of this partnership."
        elif initiative.status not in (
            ImprovementInitiative.Status.APPROVED,
            ImprovementInitiative.Status.PILOT,
        ):
            errors["initiative"] = "Only an approved initiative is piloted."
    if errors:
        raise ValidationError(errors)
    pilot = Pilot(
        partnership=partnership,
        initiative=initiative,
        title=_text(title),
        technology=_text(technology),
        scope=_text(scope),
        starts_on=starts_on,
        ends_on=ends_on,
    )
    _full_clean(pilot, exclude=["partnership"])
    pilot.save()
    if initiative is not None and initiative.status == ImprovementInitiative.Status.APPROVED:
        _move(initiative, ImprovementInitiative.Status.PILOT, actor)
    audit_record(action="innovation.pilot.created", actor=actor, obj=pilot)
    return pilot


@transaction.atomic
def pilot_criterion_add(*, pilot: Pilot, actor: User, kpi: Kpi, target: Decimal) -> PilotCriterion:
    """A success criterion: a KPI of the pilot's partnership and the value to reach."""
    if pilot.status not in (Pilot.Status.PLANNED, Pilot.Status.RUNNING):
        raise ConflictError("The pilot is decided: its criteria are fixed.", code="decided")
    if kpi.partnership_id != pilot.partnership_id:
        raise ValidationError({"kpi": "Choose a KPI of this partnership."})
    criterion = PilotCriterion(pilot=pilot, kpi=kpi, target=target)
    _full_clean(criterion, exclude=["pilot", "kpi"])
    criterion.save()
    audit_record(
        action="innovation.pilot.criterion_added",
        actor=actor,
        obj=pilot,
        changes={"kpi": kpi.code, "target": str(target)},
    )
    return criterion


@transaction.atomic
def pilot_start(*, pilot: Pilot, actor: User) -> Pilot:
    _lock(pilot)  # a start and a cancel of the same pilot never both pass
    PILOT_LIFECYCLE.check(pilot.status, Pilot.Status.RUNNING)
    if not pilot.criteria.exists():
        raise ConflictError(
            "Give the pilot at least one success criterion (a KPI) before it starts.",
            code="no_criteria",
        )
    pilot.status = Pilot.Status.RUNNING
    pilot.save(update_fields=["status"])
    audit_record(action="innovation.pilot.started", actor=actor, obj=pilot)
    return pilot


@transaction.atomic
def pilot_cancel(*, pilot: Pilot, actor: User, reason: str = "") -> Pilot:
    """A planned pilot is called off before it runs, saying why (pages and API alike; the
    audit keeps it)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the pilot is cancelled."})
    _lock(pilot)
    PILOT_LIFECYCLE.check(pilot.status, Pilot.Status.CANCELLED)
    pilot.status = Pilot.Status.CANCELLED
    pilot.save(update_fields=["status"])
    audit_record(
        action="innovation.pilot.cancelled",
        actor=actor,
        obj=pilot,
        changes={"reason": reason},
    )
    return pilot


@transaction.atomic
def pilot_decide(*, pilot: Pilot, actor: User, now: datetime, go: bool, evidence: str) -> Pilot:
    """Go or no-go, recorded with the evidence and the success criteria's KPI values at the
    time. A go moves a piloted initiative to implemented."""
    _lock(pilot)
    _buyer_only(actor, "decide on a pilot")
    target = Pilot.Status.GO if go else Pilot.Status.NO_GO
    PILOT_LIFECYCLE.check(pilot.status, target)
    evidence = _text(evidence)
    if not evidence:
        raise ValidationError({"evidence": "Say what the decision rests on."})
    pilot.status, pilot.evidence = target, evidence
    pilot.evidence_snapshot = [
        {
            "kpi": row.criterion.kpi.code,
            "name": row.criterion.kpi.name,
            "target": str(row.criterion.target),
            "latest": None if row.latest is None else str(row.latest),
            "met": row.met,
        }
        for row in selectors.pilot_results(pilot)
    ]
    pilot.decided_by, pilot.decided_at = actor, now
    pilot.save(
        update_fields=["status", "evidence", "evidence_snapshot", "decided_by", "decided_at"]
    )
    initiative = pilot.initiative
    if go and initiative is not None and initiative.status == ImprovementInitiative.Status.PILOT:
        _move(initiative, ImprovementInitiative.Status.IMPLEMENTED, actor)
    audit_record(
        action=f"innovation.pilot.{target}", actor=actor, obj=pilot, changes={"evidence": evidence}
    )
    return pilot
