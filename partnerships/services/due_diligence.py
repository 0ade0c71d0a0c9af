"""Due diligence and onboarding: checklist templates, item reviews with evidence and findings,
and escalations to a named owner with a deadline when a finding fails an item or an onboarding
milestone is missed."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerships.models import (
    DUE_DILIGENCE_LIFECYCLE,
    ONBOARDING_ESCALATION_LIFECYCLE,
    DueDiligenceItem,
    OnboardingEscalation,
    OnboardingMilestone,
    Partnership,
)
from tenancy.audit import audit_record, changed_fields, lock_fresh
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.selectors import AdminsOnce, accountable
from tenancy.services import notify, require_staff

Area = DueDiligenceItem.Area
# Checklist templates: (area, item, mandatory).
CHECKLIST_TEMPLATES: dict[str, tuple[str, list[tuple[str, str, bool]]]] = {
    "full": (
        "Full due diligence (strategic partnership)",
        [
            (Area.FINANCIAL, "Three years of audited accounts reviewed", True),
            (Area.FINANCIAL, "Credit rating and payment behaviour checked", True),
            (Area.COMPLIANCE, "Litigation and regulatory history checked", True),
            (Area.COMPLIANCE, "Anti-bribery policy and code of conduct signed", True),
            (
                Area.SANCTIONS,
                "Company, owners and directors screened against sanctions lists",
                True,
            ),
            (Area.OPERATIONAL, "Capacity and site audit", True),
            (Area.OPERATIONAL, "Business continuity plan reviewed", False),
            (Area.CYBERSECURITY, "Security questionnaire and ISO 27001 / SOC 2 evidence", True),
            (Area.CYBERSECURITY, "Penetration test summary", False),
            (Area.ESG, "ESG rating and emissions disclosure", False),
            (Area.ESG, "Labour and human-rights self-assessment", True),
        ],
    ),
    "essential": (
        "Essential checks (transactional supplier)",
        [
            (Area.FINANCIAL, "Credit rating checked", True),
            (Area.SANCTIONS, "Company screened against sanctions lists", True),
            (Area.COMPLIANCE, "Code of conduct signed", True),
            (Area.CYBERSECURITY, "Security questionnaire", False),
        ],
    ),
}
ESCALATION_DAYS = 10  # an escalation's deadline, from the day it is raised


@transaction.atomic
def due_diligence_apply_template(
    *, partnership: Partnership, template: str, actor: User | None
) -> list[DueDiligenceItem]:
    """Add a template's items (those not on the checklist yet) to the partnership."""
    lock_fresh(partnership)  # moved on to negotiation since the page was opened: too late
    if template not in CHECKLIST_TEMPLATES:
        raise ValidationError({"template": "Choose one of the checklist templates."})
    if partnership.status not in (
        Partnership.Status.PROPOSED,
        Partnership.Status.DUE_DILIGENCE,
    ):
        raise ConflictError("Checklists are set up before negotiation starts.")
    existing = set(
        DueDiligenceItem.objects.filter(partnership=partnership).values_list("title", flat=True)
    )
    organization = require_organization()
    items = DueDiligenceItem.objects.bulk_create(
        [
            DueDiligenceItem(
                organization=organization,
                partnership=partnership,
                area=area,
                title=title,
                mandatory=mandatory,
            )
            for area, title, mandatory in CHECKLIST_TEMPLATES[template][1]
            if title not in existing
        ]
    )
    audit_record(
        action="partnerships.partnership.checklist_applied",
        actor=actor,
        obj=partnership,
        changes={"template": template, "items": len(items)},
    )
    return items


@transaction.atomic
def due_diligence_item_create(
    *, partnership: Partnership, actor: User | None, **fields
) -> DueDiligenceItem:
    item = DueDiligenceItem(organization=require_organization(), partnership=partnership, **fields)
    require_staff(item, "reviewer")
    item.full_clean()
    item.save()
    audit_record(action="partnerships.duediligenceitem.created", actor=actor, obj=item)
    return item


@transaction.atomic
def due_diligence_item_update(
    *, item: DueDiligenceItem, actor: User | None, now: datetime, **fields
) -> DueDiligenceItem:
    """Record a review. Failing or waiving an item needs its findings; a failed mandatory item
    raises an onboarding escalation to the partnership's owner."""
    item = DueDiligenceItem.objects.select_for_update().get(pk=item.pk)
    old_status = item.status
    evidence = fields.pop("evidence", None)
    changes = changed_fields(item, fields)
    if isinstance(evidence, UploadedFile):  # a new file; the one on record otherwise stays
        changes["evidence"] = [item.evidence.name or None, evidence.name]  # replaced, new
        item.evidence = evidence
    if item.status in (DueDiligenceItem.Status.FAILED, DueDiligenceItem.Status.WAIVED) and not (
        item.findings.strip()
    ):
        raise ValidationError(
            {"findings": f"Say why the item is {item.get_status_display().lower()}."}
        )
    if item.status != old_status:
        done = item.status in (*DueDiligenceItem.SETTLED_STATUSES, DueDiligenceItem.Status.FAILED)
        item.completed_at = now if done else None
    require_staff(item, "reviewer", changes=changes)
    item.full_clean()
    if item.status != old_status:
        DUE_DILIGENCE_LIFECYCLE.check(old_status, item.status)
    item.save()
    if changes:
        audit_record(
            action="partnerships.duediligenceitem.updated",
            actor=actor,
            obj=item,
            changes=changes,
        )
    if item.status == DueDiligenceItem.Status.FAILED and old_status != item.status:
        partnership = item.partnership
        _escalate(
            partnership=partnership,
            source=OnboardingEscalation.Source.FINDING,
            item=item,
            summary=f"Due-diligence item failed: {item.title}",
            # The partnership's owner while they are a member, else the reviewer who failed it.
            owner=next(iter(accountable(partnership.owner, actor)), actor),
            today=timezone.localdate(now),
            actor=actor,
        )
    return item


def _escalate(
    *,
    partnership,
    source,
    summary,
    owner,
    today: date,
    actor,
    item=None,
    milestone=None,
    also_told: list[User] | tuple = (),
) -> OnboardingEscalation | None:
    if owner is None:
        raise ConflictError("The partnership has no owner to escalate to; name one first.")
    escalation = OnboardingEscalation(
        organization=require_organization(),
        partnership=partnership,
        source=source,
        item=item,
        milestone=milestone,
        summary=summary[:300],
        owner=owner,
        deadline=today + timedelta(days=ESCALATION_DAYS),
    )
    try:
        with transaction.atomic():
            escalation.save()
    except IntegrityError:
        return None  # this milestone was escalated before
    audit_record(
        action="partnerships.onboardingescalation.raised",
        actor=actor,
        obj=escalation,
        changes={"owner": owner.email, "deadline": escalation.deadline},
    )
    notify(
        recipients=[owner, *also_told],
        title=f"Escalation: {escalation.summary}",
        body=f"{partnership.name}: decide by {escalation.deadline:%d %b %Y}.",
        url=f"/o/{partnership.organization.slug}/partnerships/{partnership.pk}/onboarding/",
        dedupe_key=f"onboarding-escalation-{escalation.pk}",
    )
    return escalation


@transaction.atomic
def onboarding_milestones_check(*, today: date, actor: User | None = None) -> int:
    """Escalate every overdue, unfinished onboarding milestone of the current organization once
    (a rerun raises nothing new). Returns how many escalations were raised."""
    overdue = OnboardingMilestone.objects.select_related(
        "partnership__owner", "partnership__organization"
    ).filter(completed_on__isnull=True, due_date__lt=today, escalations__isnull=True)
    raised = 0
    admins = AdminsOnce()
    for milestone in overdue:
        partnership = milestone.partnership
        # A partnership nobody owns escalates to the organization's admins (the first is the
        # escalation's owner, all are told) rather than being skipped on every run.
        told = accountable(partnership.owner, admins=admins)
        if not told:
            continue
        if _escalate(
            partnership=partnership,
            source=OnboardingEscalation.Source.MILESTONE,
            milestone=milestone,
            summary=(
                f"Onboarding milestone missed: {milestone.title} "
                f"(due {milestone.due_date:%d %b %Y})"
            ),
            owner=told[0],
            also_told=told[1:],
            today=today,
            actor=actor,
        ):
            raised += 1
    return raised


@transaction.atomic
def escalation_resolve(
    *, escalation: OnboardingEscalation, actor: User | None, resolution: str, now: datetime
) -> OnboardingEscalation:
    # Locked and read afresh: of two resolutions at once, the second sees the first.
    escalation = OnboardingEscalation.objects.select_for_update().get(pk=escalation.pk)
    if escalation.status == OnboardingEscalation.Status.RESOLVED:
        raise ConflictError("This escalation is already resolved.")
    ONBOARDING_ESCALATION_LIFECYCLE.check(escalation.status, OnboardingEscalation.Status.RESOLVED)
    if not resolution.strip():
        raise ValidationError({"resolution": "Say how the escalation was resolved."})
    escalation.status = OnboardingEscalation.Status.RESOLVED
    escalation.resolution = resolution.strip()
    escalation.resolved_at = now
    escalation.save(update_fields=["status", "resolution", "resolved_at"])
    audit_record(
        action="partnerships.onboardingescalation.resolved",
        actor=actor,
        obj=escalation,
        changes={"resolution": escalation.resolution},
    )
    return escalation
