"""Clauses: create, edit, detector corrections, review decisions and comments."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contracts.detection.taxonomy import BY_CODE
from contracts.models import (
    Agreement,
    Clause,
    ClauseComment,
    ClauseVersion,
)
from contracts.playbook import (
    clause_deviations,
)
from contracts.selectors import playbook_map
from contracts.services._shared import _jsonable, _require_editable, _require_reviewer
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User


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
