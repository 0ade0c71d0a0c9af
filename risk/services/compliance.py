"""Risk services: compliance requirements and attestations, force majeure, incident response
plans and the watch list.

Compliance is one model for the whole product: the governance module's compliance officers
are `ComplianceOfficer` rows here (one per partnership, framework and party) and they attest
through `compliance_officer_attest`, which records an `Attestation` with `attestation_record`.
An attestation names the attesting person and the period it covers. A requirement's current
period ends on its due date; an attestation of it is one whose period ends within
`ATTESTATION_WINDOW` of the due date or later. Attesting the current period moves the due date
on by the attestation interval, once every officer of the framework has attested it (with no
officers, the first attestation does). An officer owes the current period from the opening of
the window until they attest it; past the due date it is overdue; reminders go once per due
date, `REMINDER_LEAD_DAYS` before it.
"""

from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from partnerships.models import Partnership
from risk.models import (
    ATTESTATION_WINDOW,
    FORCE_MAJEURE_LIFECYCLE,
    Attestation,
    ComplianceOfficer,
    ComplianceRequirement,
    ForceMajeureEvent,
    IncidentResponsePlan,
    WatchItem,
)
from risk.services._common import _full_clean, _recipients, _url
from tenancy.audit import audit_record, changed_fields
from tenancy.errors import ConflictError, PermissionDeniedError, TransitionNotAllowed
from tenancy.models import Membership
from tenancy.services import notify, require_staff

# Days the affected party has to give notice of force majeure when the contract says nothing.
DEFAULT_FM_NOTICE_DAYS = 14
# Officers still owing the current period are reminded this many days before the due date.
REMINDER_LEAD_DAYS = 7


def _check_interval(months) -> None:
    if months is None or not 1 <= months <= 60:
        raise ValidationError(
            {"attestation_months": "Attest between every month and every 5 years."}
        )


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
    _check_interval(attestation_months)
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
    require_staff(requirement, "owner")
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
    if period_end and period_end > timezone.localdate(now):
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
    if period_end >= requirement.due_on - ATTESTATION_WINDOW and not _officers_owing(requirement):
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


# --- compliance officers -------------------------------------------------------------------


def _officers_owing(requirement: ComplianceRequirement) -> list[ComplianceOfficer]:
    """The requirement's officers who have not attested its current period (any date)."""
    officers = list(
        ComplianceOfficer.objects.filter(
            partnership_id=requirement.partnership_id, framework=requirement.framework
        )
    )
    attested = set(
        Attestation.objects.filter(
            requirement=requirement, period_end__gte=requirement.due_on - ATTESTATION_WINDOW
        ).values_list("attested_by_id", flat=True)
    )
    return [o for o in officers if o.user_id not in attested]


def _party_in(partnership: Partnership, user) -> str:
    """The party `user` answers for in the partnership: an active member is ours, a guest
    invited to the partnership the partner's; anyone else a ValidationError."""
    from partnerships.models import PartnershipUserObjectPermission

    membership = Membership.objects.filter(
        organization_id=partnership.organization_id, user=user, is_active=True
    ).first()
    if membership is None:
        raise ValidationError({"user": "The officer must be a member of this organization."})
    if not membership.is_guest:
        return "customer"
    invited = PartnershipUserObjectPermission.objects.filter(
        content_object=partnership, user=user, permission__codename="view_partnership"
    ).exists()
    if not invited:
        raise ValidationError(
            {"user": f"{user} is a partner guest not invited to this partnership."}
        )
    return "partner"


REQUIREMENT_FIELDS = (
    "jurisdiction",
    "title",
    "due_on",
    "attestation_months",
    "our_standard",
    "partner_standard",
    "harmonised_standard",
    "owner",
)


@transaction.atomic
def compliance_requirement_update(
    *, requirement: ComplianceRequirement, actor, **fields
) -> ComplianceRequirement:
    """Correct a requirement: its wording, standards, jurisdiction, interval, next due date and
    owner. Its partnership and framework stay (the framework's officers attest it): given, they
    must be the same. Attestations already recorded keep the period they covered."""
    if "partnership" in fields and fields.pop("partnership").pk != requirement.partnership_id:
        raise ValidationError({"partnership": "A requirement stays with its partnership."})
    if "framework" in fields and fields.pop("framework") != requirement.framework:
        raise ValidationError(
            {"framework": "A requirement keeps its framework: its officers attest it."}
        )
    unknown = set(fields) - set(REQUIREMENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown compliance requirement fields: {sorted(unknown)}")
    _check_interval(fields.get("attestation_months", requirement.attestation_months))
    if "jurisdiction" in fields:
        fields["jurisdiction"] = (fields["jurisdiction"] or "").strip().upper()
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()
    changes = changed_fields(requirement, fields)
    require_staff(requirement, "owner", changes=changes)
    _full_clean(requirement, exclude=["partnership"])
    requirement.save()
    if changes:
        audit_record(
            action="risk.compliance_requirement.updated",
            actor=actor,
            obj=requirement,
            changes=changes,
        )
    return requirement


@transaction.atomic
def compliance_officer_appoint(
    *, partnership: Partnership, actor, user, framework: str
) -> ComplianceOfficer:
    """Name the officer of one framework for the user's party (replacing the previous one: the
    new officer owes what the previous one had not attested)."""
    if framework not in ComplianceRequirement.Framework.values:
        raise ValidationError({"framework": "Choose a compliance area."})
    party = _party_in(partnership, user)
    officer = (
        ComplianceOfficer.objects.select_for_update()
        .filter(partnership=partnership, framework=framework, party=party)
        .first()
    )
    old = None
    if officer is None:
        officer = ComplianceOfficer(
            partnership=partnership, framework=framework, party=party, user=user
        )
    else:
        old = officer.user.email
        officer.user = user
    _full_clean(officer, exclude=["partnership"])
    officer.save()
    audit_record(
        action="risk.compliance_officer.appointed",
        actor=actor,
        obj=officer,
        changes={"framework": framework, "party": party, "officer": [old, user.email]},
    )
    return officer


def _framework_in_sentence(requirement: ComplianceRequirement) -> str:
    """The framework's name inside a sentence: lower case, but an acronym (GDPR, SOX) kept."""
    label = requirement.get_framework_display()
    return label if label.split()[0].isupper() else label[0].lower() + label[1:]


@transaction.atomic
def compliance_officer_attest(
    *,
    requirement: ComplianceRequirement,
    officer_user,
    statement: str,
    now: datetime,
    outcome: str = Attestation.Outcome.COMPLIANT,
    evidence=None,
) -> Attestation:
    """The officer attests the requirement's current period, once: the period runs from one
    interval before the due date to the due date (or today, if that is earlier)."""
    requirement = ComplianceRequirement.objects.select_for_update().get(pk=requirement.pk)
    officer = ComplianceOfficer.objects.filter(
        partnership_id=requirement.partnership_id,
        framework=requirement.framework,
        user=officer_user,
    ).first()
    if officer is None:
        raise PermissionDeniedError(
            f"Only a compliance officer for {_framework_in_sentence(requirement)} "
            "attests this requirement."
        )
    today = timezone.localdate(now)
    attestations = list(requirement.attestations.all())
    if not officer.owes(requirement, attestations, today=today):
        if today < requirement.due_on - ATTESTATION_WINDOW:
            raise ConflictError(
                f"The period due {requirement.due_on:%d %b %Y} opens for attestation on "
                f"{requirement.due_on - ATTESTATION_WINDOW:%d %b %Y}.",
                code="attestation_not_open",
            )
        raise ConflictError("You already attested this period.", code="already_attested")
    period_start = requirement.due_on - relativedelta(months=requirement.attestation_months)
    return attestation_record(
        requirement=requirement,
        attested_by=officer_user,
        period_start=period_start + timedelta(days=1),
        period_end=min(requirement.due_on, today),
        statement=statement,
        now=now,
        outcome=outcome,
        evidence=evidence,
    )


@transaction.atomic
def compliance_reminders_send(*, now: datetime) -> int:
    """Remind the officers who still owe a requirement's current period, once per due date,
    within `REMINDER_LEAD_DAYS` of it (or past it). Returns the reminders sent."""
    today = timezone.localdate(now)
    requirements = list(
        ComplianceRequirement.objects.select_for_update(skip_locked=True)
        .filter(due_on__lte=today + timedelta(days=REMINDER_LEAD_DAYS))
        .exclude(reminded_for=F("due_on"))
        .prefetch_related("attestations")
    )
    if not requirements:
        return 0
    officers = list(
        ComplianceOfficer.objects.filter(
            partnership_id__in={r.partnership_id for r in requirements}
        ).select_related("user")
    )
    sent = 0
    for requirement in requirements:
        attestations = list(requirement.attestations.all())
        for officer in officers:
            if not officer.owes(requirement, attestations, today=today):
                continue
            notify(
                recipients=[officer.user],
                title=f"Attestation due {requirement.due_on:%d %b %Y}: {requirement.title}",
                body=f"{requirement.get_framework_display()}: attest the period ending "
                f"{requirement.due_on:%d %b %Y}.",
                url=_url("partnership-compliance", requirement.partnership_id),
                dedupe_key=(
                    f"risk.compliance.reminder:{requirement.pk}:{officer.user_id}:"
                    f"{requirement.due_on:%Y-%m-%d}"
                ),
            )
            sent += 1
        requirement.reminded_for = requirement.due_on
    ComplianceRequirement.objects.bulk_update(requirements, ["reminded_for"])
    if sent:
        audit_record(
            action="risk.compliance.reminders_sent",
            actor_label="reminder job",
            changes={"requirements": [r.pk for r in requirements], "reminders": sent},
        )
    return sent


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
    if started_on is None:
        raise ValidationError({"started_on": "Say when the event started."})
    if started_on > today:
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
    changes = changed_fields(event, fields)  # locks the row: event.status is the stored one
    if event.ended_on and event.ended_on < event.started_on:
        raise ValidationError({"ended_on": "The event cannot end before it started."})
    if event.notice_given_on and event.notice_given_on < event.started_on:
        raise ValidationError({"notice_given_on": "Notice cannot precede the event."})
    status = ForceMajeureEvent.Status.ENDED if event.ended_on else ForceMajeureEvent.Status.ONGOING
    try:
        FORCE_MAJEURE_LIFECYCLE.check(event.status, status)
    except TransitionNotAllowed:
        # On the end date's field: the edit page shows it there (a 400 in the API).
        raise ValidationError(
            {
                "ended_on": "An ended event cannot be ongoing again: correct its end date "
                "rather than clearing it, or log a new event if the disruption came back."
            }
        ) from None
    event.status = status
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
        verb = "is not one" if len(bad) == 1 else "are not"
        errors["countries"] = f"Use two-letter country codes ({', '.join(bad)} {verb})."
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
