"""Writes of the contracts module. Every write validates, runs in a transaction and is audited."""

import hashlib
import logging
from datetime import date
from pathlib import PurePath

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from contracts import dates
from contracts.detection import DocumentError, detect, extract_text
from contracts.detection.taxonomy import BY_CODE
from contracts.models import (
    AGREEMENT_LIFECYCLE,
    Agreement,
    AgreementUserObjectPermission,
    Clause,
    ClauseComment,
    ClauseVersion,
    IntakeJob,
    Obligation,
    PlaybookClause,
    PlaybookRule,
)
from contracts.playbook import (
    PARAMETERS,
    agreement_deviations,
    clause_deviations,
    normalise_detected_parameters,
)
from contracts.selectors import deviations_for, members_with_roles, playbook_map
from partnerships.models import Partnership
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import Membership, Role, User
from tenancy.permissions import role_allows
from tenancy.services import notify

logger = logging.getLogger(__name__)

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
EDITABLE_STATUSES = (Agreement.Status.DRAFT, Agreement.Status.IN_LEGAL_REVIEW)
UPLOAD_EXTENSIONS = (".pdf", ".docx", ".txt")


def _jsonable(changes: dict) -> dict:
    return {
        k: [str(a) if a is not None else None, str(b) if b is not None else None]
        for k, (a, b) in changes.items()
    }


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


# --- agreements ---------------------------------------------------------------------------


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


def membership_of(user: User) -> Membership | None:
    return Membership.objects.filter(
        organization=require_organization(), user=user, is_active=True
    ).first()


def is_reviewer(user: User, agreement: Agreement) -> bool:
    return AgreementUserObjectPermission.objects.filter(
        user=user, content_object=agreement, permission__codename="review_agreement"
    ).exists()


def may_review(user: User | None, agreement: Agreement) -> bool:
    """Legal may decide on an agreement's clauses when assigned as its reviewer (an object
    permission); an organization admin may always."""
    if user is None:
        return False
    membership = membership_of(user)
    if membership is None or not role_allows(membership.role, "contracts.review"):
        return False
    return membership.role == Role.ORG_ADMIN or is_reviewer(user, agreement)


def _require_reviewer(user, agreement) -> None:
    if not may_review(user, agreement):
        raise PermissionDeniedError("Only a reviewer assigned to this agreement may do this.")


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


# --- clauses ------------------------------------------------------------------------------


def _validate_clause_fields(clause_type: str, parameters) -> None:
    if clause_type not in BY_CODE:
        raise ValidationError({"clause_type": f"Unknown clause type {clause_type!r}."})
    if not isinstance(parameters, dict):
        raise ValidationError({"parameters": "Parameters are an object of name: value."})


def _risk_for(clause: Clause, agreement: Agreement, playbook) -> str:
    entry = playbook.get(clause.clause_type)
    if entry is None:
        return Clause.Risk.LOW
    found = clause_deviations(clause, entry.rules.all(), annual_value=agreement.annual_value)
    if any(d.is_red_line for d in found):
        return Clause.Risk.HIGH
    return Clause.Risk.MEDIUM if found else Clause.Risk.LOW


def _snapshot(clause: Clause, *, kind: str, author, note: str = "") -> ClauseVersion:
    version = ClauseVersion(
        organization=clause.organization,
        clause=clause,
        number=clause.version,
        kind=kind,
        clause_type=clause.clause_type,
        text=clause.text,
        parameters=clause.parameters,
        note=note,
        author=author,
    )
    version.save()
    return version


def _require_editable(agreement: Agreement) -> None:
    if agreement.status not in EDITABLE_STATUSES:
        raise ConflictError(
            f"The clauses of an agreement in status '{agreement.status}' are not changed; "
            "amend the agreement instead."
        )


@transaction.atomic
def clause_create(
    *,
    actor: User | None,
    agreement: Agreement,
    clause_type: str,
    text: str,
    heading: str = "",
    order: int | None = None,
    parameters: dict | None = None,
    risk: str | None = None,
) -> Clause:
    _require_editable(agreement)
    parameters = parameters or {}
    _validate_clause_fields(clause_type, parameters)
    if order is None:
        last = Clause.objects.filter(agreement=agreement).order_by("-order").first()
        order = (last.order + 1) if last else 1
    clause = Clause(
        organization=require_organization(),
        agreement=agreement,
        clause_type=clause_type,
        heading=heading,
        text=text,
        order=order,
        parameters=parameters,
    )
    clause.risk = risk or _risk_for(clause, agreement, playbook_map())
    clause.full_clean()
    clause.save()
    _snapshot(clause, kind=ClauseVersion.Kind.ORIGINAL, author=actor)
    audit_record(action="contracts.clause.created", actor=actor, obj=clause)
    return clause


def _new_version(clause: Clause, *, actor, kind: str, note: str = "", **fields) -> dict:
    changes = changed_fields(clause, fields)
    if changes and {"text", "clause_type", "parameters"} & changes.keys():
        clause.version += 1
        clause.risk = _risk_for(clause, clause.agreement, playbook_map())
        clause.full_clean()
        clause.save()
        _snapshot(clause, kind=kind, author=actor, note=note)
    elif changes:
        clause.full_clean()
        clause.save()
    return changes


@transaction.atomic
def clause_update(*, clause: Clause, actor: User | None, **fields) -> Clause:
    """Edit a clause. A changed text goes back to 'not decided': new words need a new review."""
    clause = Clause.objects.select_for_update().select_related("agreement").get(pk=clause.pk)
    _require_editable(clause.agreement)
    allowed = {
        k: v
        for k, v in fields.items()
        if k in ("clause_type", "heading", "text", "order", "parameters", "risk")
    }
    _validate_clause_fields(
        allowed.get("clause_type", clause.clause_type), allowed.get("parameters", clause.parameters)
    )
    text_changed = "text" in allowed and allowed["text"] != clause.text
    changes = _new_version(clause, actor=actor, kind=ClauseVersion.Kind.EDIT, **allowed)
    if text_changed and clause.decision != Clause.Decision.PENDING:
        clause.decision = Clause.Decision.PENDING
        clause.decided_by, clause.decided_at = None, None
        clause.save(update_fields=["decision", "decided_by", "decided_at", "updated_at"])
    if changes:
        audit_record(action="contracts.clause.updated", actor=actor, obj=clause, changes=changes)
    return clause


@transaction.atomic
def clause_delete(*, clause: Clause, actor: User | None) -> None:
    _require_editable(clause.agreement)
    audit_record(
        action="contracts.clause.deleted",
        actor=actor,
        obj=clause,
        changes={"text": clause.text, "clause_type": clause.clause_type},
    )
    clause.delete()


@transaction.atomic
def clause_confirm(*, clause: Clause, actor: User | None) -> Clause:
    """Legal agrees with what the detector proposed."""
    clause = Clause.objects.select_for_update().select_related("agreement").get(pk=clause.pk)
    _require_reviewer(actor, clause.agreement)
    if clause.proposal != Clause.Proposal.PROPOSED:
        raise ConflictError("Only a detector's proposal still waiting for legal is confirmed.")
    clause.proposal = Clause.Proposal.CONFIRMED
    clause.save(update_fields=["proposal", "updated_at"])
    audit_record(action="contracts.clause.proposal_confirmed", actor=actor, obj=clause)
    return clause


@transaction.atomic
def clause_correct(
    *,
    clause: Clause,
    actor: User | None,
    clause_type: str | None = None,
    parameters: dict | None = None,
    note: str = "",
) -> Clause:
    """Legal corrects the detector (type or parameters). The detector's original answer stays in
    `clause.detection` and the correction is a version of its own, so corrections are kept."""
    clause = Clause.objects.select_for_update().select_related("agreement").get(pk=clause.pk)
    _require_reviewer(actor, clause.agreement)
    _require_editable(clause.agreement)
    fields = {}
    if clause_type is not None:
        fields["clause_type"] = clause_type
    if parameters is not None:
        fields["parameters"] = parameters
    _validate_clause_fields(
        fields.get("clause_type", clause.clause_type), fields.get("parameters", clause.parameters)
    )
    changes = _new_version(
        clause, actor=actor, kind=ClauseVersion.Kind.CORRECTION, note=note, **fields
    )
    if not changes:
        raise ValidationError(
            {"clause_type": "Nothing was corrected: change the type or a parameter."}
        )
    if clause.source == Clause.Source.DETECTED:
        clause.proposal = Clause.Proposal.CORRECTED
        clause.save(update_fields=["proposal", "updated_at"])
    audit_record(action="contracts.clause.corrected", actor=actor, obj=clause, changes=changes)
    return clause


@transaction.atomic
def clause_decide(
    *,
    clause: Clause,
    actor: User | None,
    decision: str,
    comment: str = "",
    redline_text: str | None = None,
    redline_parameters: dict | None = None,
) -> Clause:
    """A reviewer's decision on one clause: accept, propose a redline (new wording, and the
    parameters it states), or reject (strike the clause). Recorded as a comment and audited."""
    clause = Clause.objects.select_for_update().select_related("agreement").get(pk=clause.pk)
    agreement = clause.agreement
    _require_reviewer(actor, agreement)
    if agreement.status != Agreement.Status.IN_LEGAL_REVIEW:
        raise ConflictError("Clauses are decided while the agreement is in legal review.")
    if decision not in (
        Clause.Decision.ACCEPTED,
        Clause.Decision.REDLINE,
        Clause.Decision.REJECTED,
    ):
        raise ValidationError({"decision": "Choose accept, redline or reject."})
    changes: dict = {}
    if decision == Clause.Decision.REDLINE:
        if not (redline_text or "").strip():
            raise ValidationError({"redline_text": "A redline needs the proposed wording."})
        if redline_parameters is not None:
            _validate_clause_fields(clause.clause_type, redline_parameters)
        fields = {"text": redline_text.strip()}
        if redline_parameters is not None:
            fields["parameters"] = redline_parameters
        changes = _new_version(
            clause, actor=actor, kind=ClauseVersion.Kind.REDLINE, note=comment, **fields
        )
    if decision == Clause.Decision.REJECTED and not comment.strip():
        raise ValidationError({"comment": "Say why the clause is rejected."})
    old = clause.decision
    clause.decision = decision
    clause.decided_by = actor
    clause.decided_at = timezone.now()
    if clause.proposal == Clause.Proposal.PROPOSED:
        clause.proposal = Clause.Proposal.CONFIRMED
    clause.save()
    ClauseComment.objects.create(
        organization=clause.organization,
        clause=clause,
        author=actor,
        body=comment,
        decision=decision,
    )
    audit_record(
        action=f"contracts.clause.{decision}",
        actor=actor,
        obj=clause,
        changes={"decision": [old, decision], "comment": comment, **_jsonable(changes)},
    )
    return clause


@transaction.atomic
def clause_comment_add(
    *, clause: Clause, actor: User | None, body: str, parent: ClauseComment | None = None
) -> ClauseComment:
    if not body.strip():
        raise ValidationError({"body": "Write the comment."})
    if parent is not None and parent.clause_id != clause.pk:
        raise ValidationError({"parent": "Reply to a comment on the same clause."})
    comment = ClauseComment(
        organization=require_organization(),
        clause=clause,
        parent=parent,
        author=actor,
        body=body.strip(),
    )
    comment.full_clean()
    comment.save()
    audit_record(
        action="contracts.clause.commented", actor=actor, obj=clause, changes={"body": body}
    )
    return comment


# --- playbook -----------------------------------------------------------------------------


@transaction.atomic
def playbook_clause_save(*, actor: User | None, clause_type: str, **fields) -> PlaybookClause:
    if clause_type not in BY_CODE:
        raise ValidationError({"clause_type": f"Unknown clause type {clause_type!r}."})
    entry = PlaybookClause.objects.filter(clause_type=clause_type).first()
    created = entry is None
    if created:
        entry = PlaybookClause(organization=require_organization(), clause_type=clause_type)
    allowed = {
        k: v
        for k, v in fields.items()
        if k in ("preferred_text", "fallback_texts", "red_lines", "guidance", "required")
    }
    changes = changed_fields(entry, allowed)
    for name in ("fallback_texts", "red_lines"):
        if not isinstance(getattr(entry, name), list):
            raise ValidationError({name: "Give a list of texts."})
    entry.full_clean()
    entry.save()
    if created or changes:
        audit_record(
            action="contracts.playbook.created" if created else "contracts.playbook.updated",
            actor=actor,
            obj=entry,
            changes=changes,
        )
    return entry


def _validate_rule(parameter: str, operator: str, value) -> None:
    if parameter not in PARAMETERS:
        raise ValidationError({"parameter": f"Choose one of: {', '.join(PARAMETERS)}."})
    if operator in ("in", "not_in") and not (
        isinstance(value, list) and value and all(str(v).strip() for v in value)
    ):
        raise ValidationError({"value": "Give the allowed values as a non-empty list."})
    if operator in ("gte", "lte"):
        from contracts.playbook import _decimal

        if _decimal(value) is None:
            raise ValidationError({"value": "Give a number."})


@transaction.atomic
def playbook_rule_create(
    *,
    actor: User | None,
    playbook_clause: PlaybookClause,
    name: str,
    parameter: str,
    operator: str,
    value=None,
    severity: str = PlaybookRule.Severity.WARNING,
    is_active: bool = True,
) -> PlaybookRule:
    _validate_rule(parameter, operator, value)
    rule = PlaybookRule(
        organization=require_organization(),
        playbook_clause=playbook_clause,
        name=name,
        parameter=parameter,
        operator=operator,
        value=value,
        severity=severity,
        is_active=is_active,
    )
    rule.full_clean()
    rule.save()
    audit_record(
        action="contracts.playbook_rule.created",
        actor=actor,
        obj=rule,
        changes={
            "parameter": parameter,
            "operator": operator,
            "value": value,
            "severity": severity,
        },
    )
    return rule


@transaction.atomic
def playbook_rule_update(*, rule: PlaybookRule, actor: User | None, **fields) -> PlaybookRule:
    allowed = {
        k: v
        for k, v in fields.items()
        if k in ("name", "parameter", "operator", "value", "severity", "is_active")
    }
    changes = changed_fields(rule, allowed)
    _validate_rule(rule.parameter, rule.operator, rule.value)
    rule.full_clean()
    rule.save()
    if changes:
        audit_record(
            action="contracts.playbook_rule.updated", actor=actor, obj=rule, changes=changes
        )
    return rule


@transaction.atomic
def playbook_rule_delete(*, rule: PlaybookRule, actor: User | None) -> None:
    audit_record(action="contracts.playbook_rule.deleted", actor=actor, obj=rule)
    rule.delete()


# --- document intake ----------------------------------------------------------------------


def upload_max_bytes() -> int:
    return getattr(settings, "CONTRACTS_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)


def intake_progress_key(job: IntakeJob) -> str:
    return f"org:{job.organization_id}:contracts:intake:{job.pk}:progress"


def intake_progress(job: IntakeJob) -> int:
    """Progress of a running job lives in the cache: the task's own transaction is not visible
    to the page until it commits."""
    if job.status == IntakeJob.Status.RUNNING or job.status == IntakeJob.Status.QUEUED:
        return cache.get(intake_progress_key(job), job.progress)
    return job.progress


def _set_progress(job: IntakeJob, percent: int) -> None:
    job.progress = percent
    cache.set(intake_progress_key(job), percent, 3600)


@transaction.atomic
def intake_job_create(
    *,
    actor: User | None,
    partnership: Partnership,
    filename: str,
    content: bytes,
    title: str = "",
    agreement_type: str = Agreement.Type.MSA,
    parent: Agreement | None = None,
    declared_size: int | None = None,
) -> IntakeJob:
    """Store an upload and enqueue its reading. A file the job could never read (empty, too
    large, of an unsupported type) is refused here with a field error and nothing is stored."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in UPLOAD_EXTENSIONS:
        raise ValidationError(
            {"file": f"“{filename}” is not a PDF, DOCX or TXT file; upload one of those."}
        )
    limit = upload_max_bytes()
    size = max(len(content), declared_size or 0)
    if size > limit:
        raise ValidationError(
            {
                "file": f"“{filename}” is {size / 1_048_576:.1f} MB; the limit is "
                f"{limit / 1_048_576:.0f} MB."
            }
        )
    if not content:
        raise ValidationError({"file": f"“{filename}” is empty."})
    if not (title or "").strip():
        title = PurePath(filename).stem.replace("_", " ").strip() or "Uploaded agreement"
    job = IntakeJob(
        organization=require_organization(),
        partnership=partnership,
        agreement_type=agreement_type,
        title=title.strip()[:200],
        parent=parent,
        filename=PurePath(filename).name[:255],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=actor,
    )
    job.full_clean(exclude=["content"])
    job.save()
    audit_record(
        action="contracts.intake.uploaded",
        actor=actor,
        obj=job,
        changes={"filename": job.filename, "size": job.size, "sha256": job.sha256},
    )
    from contracts import tasks

    if getattr(settings, "CONTRACTS_INTAKE_INLINE", False):
        organization_id, job_id = job.organization_id, job.pk
        transaction.on_commit(
            lambda: tasks.intake_process.apply(
                kwargs={"organization_id": organization_id, "job_id": job_id}
            )
        )
    else:
        tasks.intake_process.delay_on_commit(organization_id=job.organization_id, job_id=job.pk)
    return job


def _group_by_segment(clauses) -> list[dict]:
    """The detector reports one clause per type found in a segment; legal reviews segments."""
    groups: dict[tuple[int, int], dict] = {}
    for found in clauses:
        key = (found.start, found.end)
        group = groups.setdefault(key, {"primary": None, "all": []})
        group["all"].append(found)
        primary = group["primary"]
        if (
            primary is None
            or (primary.code == "other" and found.code != "other")
            or (found.code != "other" and found.confidence > primary.confidence)
        ):
            group["primary"] = found
    return [groups[key] for key in sorted(groups)]


def _agreement_fields_from(result, partnership: Partnership, organization) -> dict:
    facts = result.facts
    fields: dict = {
        "parties": [
            {"name": organization.name, "role": "customer"},
            {"name": partnership.partner.name, "role": "supplier"},
        ],
        "currency": partnership.currency,
        "annual_value": partnership.annual_value,
    }
    if facts.effective_date:
        fields["effective_date"] = facts.effective_date
    if facts.expiry_date and (
        not facts.effective_date or facts.expiry_date >= facts.effective_date
    ):
        fields["expiry_date"] = facts.expiry_date
    if facts.notice_period_days:
        fields["notice_period_days"] = facts.notice_period_days
    if facts.governing_law:
        fields["governing_law"] = facts.governing_law[:100]
    if facts.renewal_term and fields.get("expiry_date"):
        months = int(facts.renewal_term.in_months()) or 12
        fields["term_type"] = Agreement.TermType.AUTO_RENEWING
        fields["renewal_period_months"] = months
    return fields


def intake_job_run(*, job_id: int) -> IntakeJob:
    """Read an uploaded contract: extract its text, detect clauses, create the draft agreement
    with one proposed clause per segment. All or nothing: a failure leaves the job failed with
    its reason and no agreement or clause behind. Running it again is a no-op."""
    with transaction.atomic():
        job = IntakeJob.objects.select_for_update().get(pk=job_id)
        if job.status in (IntakeJob.Status.SUCCEEDED, IntakeJob.Status.FAILED):
            return job
        job.status = IntakeJob.Status.RUNNING
        _set_progress(job, 5)
        try:
            with transaction.atomic():  # a savepoint: a failure rolls back only the proposals
                _intake_read(job)
        except DocumentError as exc:
            _intake_failed(job, str(exc))
        except Exception as exc:  # noqa: BLE001 - the reason is kept on the job, then logged
            logger.exception("contract intake %s failed", job.pk)
            _intake_failed(job, f"The document could not be read ({exc.__class__.__name__}).")
        cache.delete(intake_progress_key(job))
        return job


def _intake_failed(job: IntakeJob, reason: str) -> None:
    job.status = IntakeJob.Status.FAILED
    job.error = reason
    job.agreement = None
    job.finished_at = timezone.now()
    job.save()
    audit_record(
        action="contracts.intake.failed",
        actor=job.uploaded_by,
        obj=job,
        changes={"reason": reason},
    )


def _intake_read(job: IntakeJob) -> None:
    text = extract_text(bytes(job.content), job.filename)
    _set_progress(job, 35)
    result = detect(text)
    _set_progress(job, 70)
    organization = require_organization()
    agreement = Agreement(
        organization=organization,
        partnership=job.partnership,
        agreement_type=job.agreement_type,
        title=job.title,
        parent=job.parent,
        owner=job.uploaded_by,
        **_agreement_fields_from(result, job.partnership, organization),
    )
    agreement.full_clean()
    agreement.save()
    playbook = playbook_map()
    groups = _group_by_segment(result.clauses)
    for order, group in enumerate(groups, start=1):
        found = group["primary"]
        raw = found.to_dict()
        clause = Clause(
            organization=organization,
            agreement=agreement,
            clause_type=found.code,
            heading=(found.heading or found.text.split("\n", 1)[0])[:200],
            text=found.text,
            order=order,
            parameters=normalise_detected_parameters(found.code, raw["parameters"]),
            source=Clause.Source.DETECTED,
            proposal=Clause.Proposal.PROPOSED,
            detection={
                "code": found.code,
                "cuad_categories": raw["cuad_categories"],
                "confidence": found.confidence,
                "rule": found.rule,
                "span": [found.start, found.end],
                "parameters": raw["parameters"],
                "also": [c.code for c in group["all"] if c is not found],
            },
        )
        clause.risk = _risk_for(clause, agreement, playbook)
        clause.save()
        _snapshot(clause, kind=ClauseVersion.Kind.DETECTED, author=None, note=found.rule[:500])
        if len(groups) > 1:
            _set_progress(job, 70 + int(25 * order / len(groups)))
    _apply_key_terms_from_clauses(agreement)
    audit_record(
        action="contracts.agreement.created",
        actor=job.uploaded_by,
        obj=agreement,
        changes={"source": "intake", "intake_job": job.pk, "clauses": len(groups)},
    )
    if job.uploaded_by is not None and may_review_role(job.uploaded_by):
        assign_perm("contracts.review_agreement", job.uploaded_by, agreement)
    job.agreement = agreement
    job.status = IntakeJob.Status.SUCCEEDED
    job.progress = 100
    job.finished_at = timezone.now()
    job.save()
    audit_record(
        action="contracts.intake.succeeded",
        actor=job.uploaded_by,
        obj=job,
        changes={"agreement": agreement.pk, "clauses": len(groups)},
    )


def may_review_role(user: User) -> bool:
    membership = membership_of(user)
    return membership is not None and role_allows(membership.role, "contracts.review")


def _apply_key_terms_from_clauses(agreement: Agreement) -> None:
    """Key terms the detected clauses state: the liability cap and the dispute ladder."""
    clauses = list(agreement.clauses.all())
    changed = []
    cap = next((c for c in clauses if c.clause_type == "limitation_of_liability"), None)
    if cap is not None:
        if cap.parameters.get("cap_multiple"):
            from decimal import Decimal

            agreement.liability_cap_type = Agreement.CapType.FEE_MULTIPLE
            agreement.liability_cap_multiple = Decimal(str(cap.parameters["cap_multiple"]))
            changed += ["liability_cap_type", "liability_cap_multiple"]
        elif cap.parameters.get("cap_amount"):
            from decimal import Decimal

            agreement.liability_cap_type = Agreement.CapType.FIXED
            agreement.liability_cap_amount = Decimal(str(cap.parameters["cap_amount"]))
            changed += ["liability_cap_type", "liability_cap_amount"]
    dispute = next((c for c in clauses if c.clause_type == "dispute_resolution"), None)
    if dispute is not None and dispute.parameters.get("arbitration_seat"):
        agreement.dispute_resolution = [
            {"step": "negotiation"},
            {
                "step": "arbitration",
                "seat": dispute.parameters.get("arbitration_seat"),
                "rules": dispute.parameters.get("arbitration_rules", ""),
            },
        ]
        changed.append("dispute_resolution")
    if changed:
        agreement.save(update_fields=[*changed, "updated_at"])


# --- obligations --------------------------------------------------------------------------

OBLIGATION_FIELDS = (
    "clause",
    "title",
    "description",
    "responsible_party",
    "owner",
    "due_date",
    "recurrence",
    "evidence",
    "evidence_url",
)


def _check_obligation(obligation: Obligation) -> None:
    if obligation.clause_id and obligation.clause.agreement_id != obligation.agreement_id:
        raise ValidationError({"clause": "The clause must belong to the same agreement."})
    if obligation.recurrence and not obligation.due_date:
        raise ValidationError({"due_date": "A recurring obligation needs its first due date."})


@transaction.atomic
def obligation_create(
    *, actor: User | None, agreement: Agreement, title: str, **fields
) -> Obligation:
    obligation = Obligation(
        organization=require_organization(),
        agreement=agreement,
        title=title,
        **{k: v for k, v in fields.items() if k in OBLIGATION_FIELDS},
    )
    _check_obligation(obligation)
    obligation.full_clean()
    obligation.save()
    audit_record(action="contracts.obligation.created", actor=actor, obj=obligation)
    return obligation


@transaction.atomic
def obligation_update(*, obligation: Obligation, actor: User | None, **fields) -> Obligation:
    changes = changed_fields(
        obligation, {k: v for k, v in fields.items() if k in OBLIGATION_FIELDS}
    )
    _check_obligation(obligation)
    obligation.full_clean()
    obligation.save()
    if changes:
        audit_record(
            action="contracts.obligation.updated",
            actor=actor,
            obj=obligation,
            changes=changes,
        )
    return obligation


@transaction.atomic
def obligation_fulfil(
    *, obligation: Obligation, actor: User | None, evidence: str, evidence_url: str = ""
) -> Obligation:
    """Record fulfilment with its evidence. A recurring obligation moves to its next due date."""
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    if obligation.status != Obligation.Status.OPEN:
        raise ConflictError(f"The obligation is already {obligation.status}.")
    if not evidence.strip() and not evidence_url:
        raise ValidationError({"evidence": "Say how the obligation was fulfilled."})
    obligation.evidence = evidence.strip()
    obligation.evidence_url = evidence_url
    old_due = obligation.due_date
    following = dates.next_due_date(old_due, obligation.recurrence) if old_due else None
    if following:
        obligation.due_date = following
    else:
        obligation.status = Obligation.Status.FULFILLED
        obligation.fulfilled_at = timezone.now()
    obligation.full_clean()
    obligation.save()
    audit_record(
        action="contracts.obligation.fulfilled",
        actor=actor,
        obj=obligation,
        changes={
            "due_date": str(old_due),
            "evidence": obligation.evidence,
            "next_due_date": str(following) if following else None,
        },
    )
    return obligation


def obligations_notify_overdue(*, today: date) -> int:
    """Tell each overdue obligation's owner once per due date (however often the job runs)."""
    sent = 0
    overdue = Obligation.objects.select_related("agreement", "owner").filter(
        status=Obligation.Status.OPEN, due_date__lt=today, owner__isnull=False
    )
    for obligation in overdue:
        created = notify(
            recipients=[obligation.owner],
            title=f"Overdue obligation: {obligation.title}",
            body=f"Due {obligation.due_date:%d %b %Y} under “{obligation.agreement.title}”.",
            url=agreement_url(obligation.agreement),
            dedupe_key=f"contracts.obligation.overdue.{obligation.pk}.{obligation.due_date}",
        )
        sent += len(created)
    return sent


# --- notice and renewal alerts ------------------------------------------------------------


def agreement_url(agreement: Agreement) -> str:
    return f"/o/{agreement.organization.slug}/contracts/agreements/{agreement.pk}/"


def notice_alerts_send(*, today: date, lead_days: tuple[int, ...] | None = None) -> int:
    """Alert the owner, legal and procurement before each notice deadline, at the configured
    lead times; each alert reaches each person once (a dedupe key per deadline and lead)."""
    lead_days = tuple(
        lead_days or getattr(settings, "CONTRACTS_ALERT_LEAD_DAYS", dates.DEFAULT_ALERT_LEAD_DAYS)
    )
    agreements = Agreement.objects.select_related("owner", "partnership__owner").filter(
        status__in=[Agreement.Status.APPROVED, Agreement.Status.EXECUTED]
    )
    legal = members_with_roles(Role.LEGAL)
    procurement = members_with_roles(Role.PROCUREMENT_MANAGER)
    sent = 0
    for agreement in agreements:
        term = dates.term_dates(
            term_type=agreement.term_type,
            expiry_date=agreement.expiry_date,
            renewal_period_months=agreement.renewal_period_months,
            notice_period_days=agreement.notice_period_days,
            today=today,
        )
        if term.notice_deadline is None:
            continue
        lead = dates.alert_lead_due(deadline=term.notice_deadline, today=today, lead_days=lead_days)
        if lead is None:
            continue
        days_left = (term.notice_deadline - today).days
        what = "non-renewal" if term.will_renew else "expiry"
        recipients = [agreement.owner, agreement.partnership.owner, *legal, *procurement]
        created = notify(
            recipients=recipients,
            title=f"Notice deadline in {days_left} days: {agreement.title}",
            body=(
                f"Notice of {what} must be given by {term.notice_deadline:%d %b %Y} "
                f"(the term ends {term.term_end:%d %b %Y}"
                + (", then renews automatically)." if term.will_renew else ").")
            ),
            url=agreement_url(agreement),
            dedupe_key=f"contracts.notice.{agreement.pk}.{term.notice_deadline}.{lead}",
        )
        sent += len(created)
    return sent


def deviations_summary(agreement: Agreement) -> list:
    return agreement_deviations(agreement, list(agreement.clauses.all()), playbook_map())
