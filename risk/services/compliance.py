"""Risk services: compliance requirements and attestations, force majeure, incident response
plans and the watch list.

Compliance is one model for the whole product: the governance module records compliance
officers' attestations through `attestation_record` too. An attestation names the attesting
person and the period it covers; attesting the period that ends on or after the due date moves
the requirement's due date on by its attestation interval.
"""

from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction

from partnerships.models import Partnership
from risk.models import (
    Attestation,
    ComplianceRequirement,
    ForceMajeureEvent,
    IncidentResponsePlan,
    WatchItem,
)
from risk.services._common import _full_clean, _recipients, _url
from tenancy.audit import audit_record, changed_fields
from tenancy.models import Membership
from tenancy.services import notify

# Days the affected party has to give notice of force majeure when the contract says nothing.
DEFAULT_FM_NOTICE_DAYS = 14


@transaction.atomic
def compliance_requirement_create(
    *,
    actor,
    partnership: Partnership,
    framework: str,
    jurisdiction: str,
    title: str,
    due_on: date,
    attestation_months: int = 12,
    our_standard: str = "",
    partner_standard: str = "",
    harmonised_standard: str = "",
    owner=None,
) -> ComplianceRequirement:
    if attestation_months is None or not 1 <= attestation_months <= 60:
        raise ValidationError(
            {"attestation_months": "Attest between every month and every 5 years."}
        )
    requirement = ComplianceRequirement(
        partnership=partnership,
        framework=framework,
        jurisdiction=(jurisdiction or "").strip().upper(),
        title=(title or "").strip(),
        due_on=due_on,
        attestation_months=attestation_months,
        our_standard=our_standard,
        partner_standard=partner_standard,
        harmonised_standard=harmonised_standard,
        owner=owner,
    )
    _full_clean(requirement, exclude=["partnership"])
    requirement.save()
    audit_record(
        action="risk.compliance_requirement.created",
        actor=actor,
        obj=requirement,
        changes={
            "framework": framework,
            "jurisdiction": requirement.jurisdiction,
            "due_on": due_on,
        },
    )
    return requirement


@transaction.atomic
def attestation_record(
    *,
    requirement: ComplianceRequirement,
    attested_by,
    period_start: date,
    period_end: date,
    statement: str,
    now: datetime,
    outcome: str = Attestation.Outcome.COMPLIANT,
    evidence=None,
) -> Attestation:
    """`attested_by` attests the requirement for the period; their party follows from their
    membership (a partner guest attests for the partner)."""
    errors = {}
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = "The period cannot end before it starts."
    if period_end and period_end > now.date():
        errors["period_end"] = "A period can only be attested once it has ended (or ends today)."
    if not (statement or "").strip():
        errors["statement"] = "Say what is attested (or what the exception is)."
    membership = Membership.objects.filter(
        organization_id=requirement.organization_id, user=attested_by, is_active=True
    ).first()
    if membership is None:
        errors["attested_by"] = "Only a member of the organization or an invited guest can attest."
    if errors:
        raise ValidationError(errors)
    if Attestation.objects.filter(
        requirement=requirement, attested_by=attested_by, period_start=period_start
    ).exists():
        raise ValidationError({"period_start": "You already attested this period."})
    assert membership is not None  # refused above
    attestation = Attestation(
        requirement=requirement,
        attested_by=attested_by,
        party="partner" if membership.is_guest else "customer",
        period_start=period_start,
        period_end=period_end,
        outcome=outcome,
        statement=statement.strip(),
        attested_at=now,
    )
    _full_clean(attestation, exclude=["requirement", "evidence"])
    if evidence is not None:
        attestation.evidence.save(evidence.name, evidence, save=False)
    attestation.save()
    changes = {}
    if period_end >= requirement.due_on - timedelta(days=31):
        changes = changed_fields(
            requirement,
            {"due_on": requirement.due_on + relativedelta(months=requirement.attestation_months)},
        )
        requirement.save(update_fields=["due_on"])
    audit_record(
        action="risk.attestation.recorded",
        actor=attested_by,
        obj=attestation,
        changes={
            "requirement": requirement.pk,
            "period": [period_start, period_end],
            "outcome": outcome,
            "evidence": attestation.evidence.name if attestation.evidence else "",
            **changes,
        },
    )
    if outcome == Attestation.Outcome.EXCEPTION:
        notify(
            recipients=_recipients(requirement.partnership, requirement.owner),
            title=f"Compliance exception: {requirement.title}",
            body=statement.strip()[:500],
            url=_url("partnership-risk", requirement.partnership_id) + "#compliance",
            dedupe_key=f"risk.attestation:{attestation.pk}",
        )
    return attestation


@transaction.atomic
def force_majeure_log(
    *,
    actor,
    partnership: Partnership,
    title: str,
    started_on: date,
    today: date,
    notice_days: int = DEFAULT_FM_NOTICE_DAYS,
    description: str = "",
    affected_obligations: str = "",
    escalation_steps: str = "",
    alternative_sourcing_required: bool = True,
) -> ForceMajeureEvent:
    if started_on and started_on > today:
        raise ValidationError({"started_on": "An event cannot start in the future."})
    if notice_days is None or not 0 <= notice_days <= 180:
        raise ValidationError({"notice_days": "Notice is due within 0 to 180 days."})
    event = ForceMajeureEvent(
        partnership=partnership,
        title=(title or "").strip(),
        description=description,
        started_on=started_on,
        notice_deadline=started_on + timedelta(days=notice_days),
        affected_obligations=affected_obligations,
        escalation_steps=escalation_steps,
        alternative_sourcing_required=alternative_sourcing_required,
    )
    _full_clean(event, exclude=["partnership"])
    event.save()
    audit_record(
        action="risk.force_majeure.logged",
        actor=actor,
        obj=event,
        changes={"started_on": started_on, "notice_deadline": event.notice_deadline},
    )
    return event


@transaction.atomic
def force_majeure_update(*, event: ForceMajeureEvent, actor, **fields) -> ForceMajeureEvent:
    allowed = {"notice_given_on", "ended_on", "alternative_sourcing_met", "escalation_steps"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    changes = changed_fields(event, fields)
    if event.ended_on and event.ended_on < event.started_on:
        raise ValidationError({"ended_on": "The event cannot end before it started."})
    if event.notice_given_on and event.notice_given_on < event.started_on:
        raise ValidationError({"notice_given_on": "Notice cannot precede the event."})
    event.status = (
        ForceMajeureEvent.Status.ENDED if event.ended_on else ForceMajeureEvent.Status.ONGOING
    )
    _full_clean(event, exclude=["partnership"])
    event.save()
    audit_record(action="risk.force_majeure.updated", actor=actor, obj=event, changes=changes)
    return event


@transaction.atomic
def incident_plan_set(
    *,
    actor,
    partnership: Partnership,
    roles: str,
    contact_tree: str,
    steps: str,
    last_tested_on: date | None = None,
) -> IncidentResponsePlan:
    plan = IncidentResponsePlan.objects.filter(
        partnership=partnership
    ).first() or IncidentResponsePlan(partnership=partnership)
    changes = changed_fields(
        plan,
        {
            "roles": roles,
            "contact_tree": contact_tree,
            "steps": steps,
            "last_tested_on": last_tested_on,
        },
    )
    _full_clean(plan, exclude=["partnership"])
    plan.save()
    audit_record(action="risk.incident_plan.set", actor=actor, obj=plan, changes=changes)
    return plan


@transaction.atomic
def watch_item_create(
    *,
    actor,
    kind: str,
    title: str,
    countries: str = "",
    categories: str = "",
    description: str = "",
    effective_on: date | None = None,
) -> WatchItem:
    countries = ", ".join(c.strip().upper() for c in (countries or "").split(",") if c.strip())
    categories = ", ".join(c.strip() for c in (categories or "").split(",") if c.strip())
    errors = {}
    bad = [c for c in countries.split(", ") if c and (len(c) != 2 or not c.isalpha())]
    if bad:
        errors["countries"] = f"Use two-letter country codes ({', '.join(bad)} is not one)."
    if not countries and not categories:
        errors["countries"] = "Tag at least one country or category, so exposure can be found."
    if errors:
        raise ValidationError(errors)
    item = WatchItem(
        kind=kind,
        title=(title or "").strip(),
        countries=countries,
        categories=categories,
        description=description,
        effective_on=effective_on,
    )
    _full_clean(item)
    item.save()
    audit_record(
        action="risk.watch_item.created",
        actor=actor,
        obj=item,
        changes={"countries": countries, "categories": categories},
    )
    return item
