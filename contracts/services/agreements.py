"""Agreements: create, edit, reviewers, the lifecycle and approval."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from contracts.detection.taxonomy import BY_CODE
from contracts.models import (
    AGREEMENT_LIFECYCLE,
    Agreement,
    Clause,
)
from contracts.playbook import (
    agreement_deviations,
)
from contracts.selectors import deviations_for, playbook_map
from contracts.services._shared import (
    EDITABLE_STATUSES,
    _require_reviewer,
    is_reviewer,
    membership_of,
)
from contracts.services.clauses import _apply_key_terms_from_clauses
from partnerships.models import Partnership
from tenancy.audit import audit_record, changed_fields, lock_fresh
from tenancy.context import require_organization
from tenancy.dates import check_dates, in_range, range_message
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import User
from tenancy.permissions import role_allows
from tenancy.services import notify, require_staff

AGREEMENT_FIELDS = (
    "title",
    "reference",
    "agreement_type",
    "parent",
    "amends",
    "parties",
    "owner",
    "effective_date",
    "expiry_date",
    "term_type",
    "renewal_period_months",
    "notice_period_days",
    "value",
    "annual_value",
    "currency",
    "governing_law",
    "jurisdiction",
    "dispute_resolution",
    "liability_cap_type",
    "liability_cap_amount",
    "liability_cap_multiple",
)


def _validate_dispute_ladder(ladder) -> None:
    if not isinstance(ladder, list):
        raise ValidationError({"dispute_resolution": "Give the steps as a list."})
    allowed = ("negotiation", "mediation", "expert_determination", "arbitration", "courts")
    for step in ladder:
        if not isinstance(step, dict) or step.get("step") not in allowed:
            raise ValidationError(
                {
                    "dispute_resolution": "Each step needs a “step”: "
                    + ", ".join(allowed[:-1])
                    + f" or {allowed[-1]}."
                }
            )


def _validate_parties(parties) -> None:
    if not isinstance(parties, list) or not all(
        isinstance(p, dict) and str(p.get("name", "")).strip() for p in parties
    ):
        raise ValidationError({"parties": "Give the parties as a list of {name, role}."})


MAX_NOTICE_DAYS = 3650
MAX_RENEWAL_MONTHS = 120


def _check_terms(agreement: Agreement) -> None:
    """Dates inside the calendar people use, and periods a contract could state."""
    check_dates(agreement, "effective_date", "expiry_date")
    errors = {}
    if (agreement.notice_period_days or 0) > MAX_NOTICE_DAYS:
        errors["notice_period_days"] = f"Give a notice period of at most {MAX_NOTICE_DAYS:,} days."
    if (agreement.renewal_period_months or 0) > MAX_RENEWAL_MONTHS:
        errors["renewal_period_months"] = (
            f"Give a renewal period of at most {MAX_RENEWAL_MONTHS} months."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def agreement_create(
    *, actor: User | None, partnership: Partnership, title: str, **fields
) -> Agreement:
    fields = {k: v for k, v in fields.items() if k in AGREEMENT_FIELDS}
    agreement = Agreement(
        organization=require_organization(), partnership=partnership, title=title, **fields
    )
    require_staff(agreement, "owner")
    _validate_dispute_ladder(agreement.dispute_resolution)
    _validate_parties(agreement.parties)
    _check_terms(agreement)
    agreement.full_clean()
    agreement.save()
    audit_record(action="contracts.agreement.created", actor=actor, obj=agreement)
    return agreement


@transaction.atomic
def agreement_update(*, agreement: Agreement, actor: User | None, **fields) -> Agreement:
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status not in EDITABLE_STATUSES:
        raise ConflictError(
            f"An agreement that is {agreement.get_status_display().lower()} is not edited; "
            "amend it instead."
        )
    changes = changed_fields(agreement, {k: v for k, v in fields.items() if k in AGREEMENT_FIELDS})
    require_staff(agreement, "owner", changes=changes)
    _validate_dispute_ladder(agreement.dispute_resolution)
    _validate_parties(agreement.parties)
    _check_terms(agreement)
    agreement.full_clean()
    agreement.save()
    if changes:
        audit_record(
            action="contracts.agreement.updated", actor=actor, obj=agreement, changes=changes
        )
    return agreement


@transaction.atomic
def agreement_assign_reviewer(*, agreement: Agreement, reviewer: User, actor: User | None):
    membership = membership_of(reviewer)
    if membership is None or not role_allows(membership.role, "contracts.review"):
        raise ValidationError(
            {"reviewer": "The reviewer must be a legal member of this organization."}
        )
    if not is_reviewer(reviewer, agreement):
        assign_perm("contracts.review_agreement", reviewer, agreement)
        audit_record(
            action="contracts.agreement.reviewer_assigned",
            actor=actor,
            obj=agreement,
            changes={"reviewer": reviewer.email},
        )
        notify(
            recipients=[reviewer],
            title=f"Legal review assigned: {agreement.title}",
            body="You were assigned as reviewer of this agreement.",
            url=f"/o/{agreement.organization.slug}/contracts/agreements/{agreement.pk}/review/",
            dedupe_key=f"contracts.review.assigned.{agreement.pk}",
        )


@transaction.atomic
def agreement_remove_reviewer(*, agreement: Agreement, reviewer: User, actor: User | None):
    """Take a reviewer off the agreement (assigned by mistake, or gone): they no longer decide
    on its clauses; what they decided stays."""
    if not is_reviewer(reviewer, agreement):
        raise ValidationError({"reviewer": f"{reviewer} does not review this agreement."})
    remove_perm("contracts.review_agreement", reviewer, agreement)
    audit_record(
        action="contracts.agreement.reviewer_removed",
        actor=actor,
        obj=agreement,
        changes={"reviewer": reviewer.email},
    )


def _names(clauses) -> str:
    return ", ".join(c.get_clause_type_display() for c in clauses[:5])


def approval_blockers(agreement: Agreement) -> list[str]:
    """Why the agreement cannot be approved now (empty: it can). Every clause must be settled:
    accepted, or redlined with the partner's agreement; a rejected clause is redlined or
    removed first; no red line may stay open (accepting one needs a written waiver)."""
    clauses = list(Clause.objects.filter(agreement=agreement))
    reasons = []
    if not clauses:
        reasons.append("The agreement has no clauses to review.")
    undecided = [c for c in clauses if c.decision == Clause.Decision.PENDING]
    if undecided:
        reasons.append(f"{len(undecided)} clause(s) still need a decision ({_names(undecided)}).")
    rejected = [c for c in clauses if c.decision == Clause.Decision.REJECTED]
    if rejected:
        reasons.append(
            f"{len(rejected)} clause(s) are rejected ({_names(rejected)}): propose a redline "
            "or remove the clause from the draft."
        )
    awaiting = [
        c for c in clauses if c.decision == Clause.Decision.REDLINE and c.partner_agreed_at is None
    ]
    if awaiting:
        reasons.append(
            f"{len(awaiting)} redline(s) still wait for the partner's agreement "
            f"({_names(awaiting)})."
        )
    red = [d for d in deviations_for(agreement, clauses) if d.is_red_line and d.is_open]
    for deviation in red:
        reasons.append(
            f"Red-line deviation open on {BY_CODE[deviation.clause_type].label.lower()}: "
            f"{deviation.message} (rule: {deviation.rule_name})"
        )
    return reasons


def _check_transition(agreement: Agreement, status: str) -> None:
    """The lifecycle's check, in words: statuses by their labels, never their codes."""
    try:
        AGREEMENT_LIFECYCLE.check(agreement.status, status)
    except TransitionNotAllowed:
        labels = dict(Agreement.Status.choices)
        targets = AGREEMENT_LIFECYCLE.allowed_from(agreement.status)
        allowed = sorted(labels[target].lower() for target in targets)
        raise TransitionNotAllowed(
            f"An agreement that is {labels[agreement.status].lower()} cannot become "
            f"{labels.get(status, status).lower()}"
            + (f" (it can become: {', '.join(allowed)})." if allowed else ".")
        ) from None


@transaction.atomic
def agreement_transition(
    *,
    agreement: Agreement,
    actor: User | None,
    status: str,
    today: date | None = None,
    reason: str = "",
    on: date | None = None,
    now: datetime,
) -> Agreement:
    """Move an agreement along draft → in_legal_review → approved → executed → expired |
    terminated; an illegal step or an unmet condition raises a ConflictError (409).

    Approval takes the key terms (liability cap, governing law, disputes) from the settled
    clauses. Termination needs the reason and the date it takes effect (`on`)."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _check_transition(agreement, status)
    if (
        status == Agreement.Status.IN_LEGAL_REVIEW
        and agreement.status == Agreement.Status.DRAFT
        and not agreement.clauses.exists()
    ):
        raise ConflictError("Add or upload the clauses before sending it to legal review.")
    changes: dict = {}
    if status == Agreement.Status.APPROVED:
        _require_reviewer(actor, agreement)
        blockers = approval_blockers(agreement)
        if blockers:
            raise ConflictError(
                "The agreement cannot be approved: " + " ".join(blockers), code="approval_blocked"
            )
        agreement.approved_at = now
        changes.update(_apply_key_terms_from_clauses(agreement, save=False))
    if status == Agreement.Status.EXECUTED:
        agreement.executed_on = today or timezone.localdate(now)
    if status == Agreement.Status.EXPIRED:
        agreement.ended_on = today or timezone.localdate(now)
    if status == Agreement.Status.TERMINATED:
        errors = {}
        if not reason.strip():
            errors["reason"] = "Say why the agreement is terminated."
        if on is None:
            errors["on"] = "Give the date the termination takes effect."
        elif not in_range(on):
            errors["on"] = range_message()
        elif agreement.effective_date and on < agreement.effective_date:
            errors["on"] = "The termination cannot take effect before the agreement did."
        if errors:
            raise ValidationError(errors)
        agreement.ended_on = on
        changes.update({"reason": reason.strip(), "ended_on": str(on)})
    old = agreement.status
    agreement.status = status
    agreement.save()
    audit_record(
        action=f"contracts.agreement.{status}",
        actor=actor,
        obj=agreement,
        changes={"status": [old, status], **changes},
    )
    return agreement


def deviations_summary(agreement: Agreement) -> list:
    return agreement_deviations(agreement, list(agreement.clauses.all()), playbook_map())


@transaction.atomic
def agreement_amend(
    *,
    agreement: Agreement,
    actor: User | None,
    title: str,
    effective_date: date,
    reference: str = "",
) -> Agreement:
    """Start an amendment of an approved or executed agreement: a draft of type amendment
    whose clauses, once executed, replace the agreement's from `effective_date` on."""
    lock_fresh(agreement)  # terminated or expired since the page was opened: not amended
    if agreement.status not in (Agreement.Status.APPROVED, Agreement.Status.EXECUTED):
        raise ConflictError(
            f"An agreement that is {agreement.get_status_display().lower()} is edited, not "
            "amended; amendments change approved or executed agreements."
        )
    if agreement.effective_date and effective_date < agreement.effective_date:
        raise ValidationError(
            {"effective_date": "An amendment cannot take effect before the agreement does."}
        )
    amendment = agreement_create(
        actor=actor,
        partnership=agreement.partnership,
        title=title,
        agreement_type=Agreement.Type.AMENDMENT,
        amends=agreement,
        reference=reference,
        effective_date=effective_date,
        parties=agreement.parties,
        owner=actor,
        currency=agreement.currency,
        annual_value=agreement.annual_value,
        governing_law=agreement.governing_law,
        jurisdiction=agreement.jurisdiction,
    )
    audit_record(
        action="contracts.agreement.amendment_started",
        actor=actor,
        obj=agreement,
        changes={"amendment": amendment.pk, "effective_date": str(effective_date)},
    )
    return amendment
