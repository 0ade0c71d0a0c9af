"""Agreements: create, edit, reviewers, the lifecycle and approval."""

from datetime import date

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
from partnerships.models import Partnership
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.permissions import role_allows
from tenancy.services import notify

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
    allowed = {"negotiation", "mediation", "expert_determination", "arbitration", "courts"}
    for step in ladder:
        if not isinstance(step, dict) or step.get("step") not in allowed:
            raise ValidationError(
                {"dispute_resolution": f"Each step needs a 'step' among {sorted(allowed)}."}
            )


def _validate_parties(parties) -> None:
    if not isinstance(parties, list) or not all(
        isinstance(p, dict) and str(p.get("name", "")).strip() for p in parties
    ):
        raise ValidationError({"parties": "Give the parties as a list of {name, role}."})


@transaction.atomic
def agreement_create(
    *, actor: User | None, partnership: Partnership, title: str, **fields
) -> Agreement:
    fields = {k: v for k, v in fields.items() if k in AGREEMENT_FIELDS}
    agreement = Agreement(
        organization=require_organization(), partnership=partnership, title=title, **fields
    )
    _validate_dispute_ladder(agreement.dispute_resolution)
    _validate_parties(agreement.parties)
    agreement.full_clean()
    agreement.save()
    audit_record(action="contracts.agreement.created", actor=actor, obj=agreement)
    return agreement


@transaction.atomic
def agreement_update(*, agreement: Agreement, actor: User | None, **fields) -> Agreement:
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status not in EDITABLE_STATUSES:
        raise ConflictError(
            f"An agreement in status '{agreement.status}' is not edited; amend it instead."
        )
    changes = changed_fields(agreement, {k: v for k, v in fields.items() if k in AGREEMENT_FIELDS})
    _validate_dispute_ladder(agreement.dispute_resolution)
    _validate_parties(agreement.parties)
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
    remove_perm("contracts.review_agreement", reviewer, agreement)
    audit_record(
        action="contracts.agreement.reviewer_removed",
        actor=actor,
        obj=agreement,
        changes={"reviewer": reviewer.email},
    )


def approval_blockers(agreement: Agreement) -> list[str]:
    """Why the agreement cannot be approved now (empty: it can)."""
    clauses = list(Clause.objects.filter(agreement=agreement))
    reasons = []
    if not clauses:
        reasons.append("The agreement has no clauses to review.")
    undecided = [c for c in clauses if c.decision == Clause.Decision.PENDING]
    if undecided:
        names = ", ".join(c.get_clause_type_display() for c in undecided[:5])
        reasons.append(f"{len(undecided)} clause(s) still need a decision ({names}).")
    red = [d for d in deviations_for(agreement, clauses) if d.is_red_line and d.is_open]
    for deviation in red:
        reasons.append(
            f"Red-line deviation open on {BY_CODE[deviation.clause_type].label.lower()}: "
            f"{deviation.message} (rule: {deviation.rule_name})"
        )
    return reasons


@transaction.atomic
def agreement_transition(
    *, agreement: Agreement, actor: User | None, status: str, today: date | None = None
) -> Agreement:
    """Move an agreement along draft → in_legal_review → approved → executed → expired |
    terminated; an illegal step or an unmet condition raises a ConflictError (409)."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    AGREEMENT_LIFECYCLE.check(agreement.status, status)
    if (
        status == Agreement.Status.IN_LEGAL_REVIEW
        and agreement.status == Agreement.Status.DRAFT
        and not agreement.clauses.exists()
    ):
        raise ConflictError("Add or upload the clauses before sending it to legal review.")
    if status == Agreement.Status.APPROVED:
        _require_reviewer(actor, agreement)
        blockers = approval_blockers(agreement)
        if blockers:
            raise ConflictError(
                "The agreement cannot be approved: " + " ".join(blockers), code="approval_blocked"
            )
        agreement.approved_at = timezone.now()
    if status == Agreement.Status.EXECUTED:
        agreement.executed_on = today or timezone.localdate()
    if status in (Agreement.Status.EXPIRED, Agreement.Status.TERMINATED):
        agreement.ended_on = today or timezone.localdate()
    old = agreement.status
    agreement.status = status
    agreement.save()
    audit_record(
        action=f"contracts.agreement.{status}",
        actor=actor,
        obj=agreement,
        changes={"status": [old, status]},
    )
    return agreement


def deviations_summary(agreement: Agreement) -> list:
    return agreement_deviations(agreement, list(agreement.clauses.all()), playbook_map())
