"""Clauses: create, edit, detector corrections, review decisions and comments."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from contracts.detection.taxonomy import BY_CODE
from contracts.models import (
    Agreement,
    Clause,
    ClauseComment,
    ClauseVersion,
    PlaybookRule,
)
from contracts.playbook import (
    Deviation,
    clause_deviations,
)
from contracts.selectors import clause_list, playbook_map
from contracts.services._shared import (
    _jsonable,
    _require_editable,
    _require_reviewer,
    membership_of,
)
from contracts.services.feedback import clause_feedback_record
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import User
from tenancy.permissions import has_permission, role_allows


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
    # Under the agreement's lock, as its approval is: no clause is added to an approved one.
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
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
        # New words need a new review: the decision, the partner's agreement to a redline and
        # any red-line waiver belonged to the old version.
        clause.decision = Clause.Decision.PENDING
        clause.decided_by, clause.decided_at = None, None
        clause.partner_agreed_at, clause.partner_agreed_by = None, None
        clause.red_line_waiver = ""
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
    changes = _new_version(clause, actor=actor, kind=ClauseVersion.Kind.EDIT, **allowed)
    if changes:
        audit_record(action="contracts.clause.updated", actor=actor, obj=clause, changes=changes)
    return clause


@transaction.atomic
def clause_delete(*, clause: Clause, actor: User | None) -> None:
    agreement = Agreement.objects.select_for_update().get(pk=clause.agreement_id)
    _require_editable(agreement)  # as it is now: approved since the page was opened, kept
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
    fields: dict[str, object] = {}
    if clause_type is not None:
        fields["clause_type"] = clause_type
    if parameters is not None:
        fields["parameters"] = parameters
    _validate_clause_fields(
        clause_type if clause_type is not None else clause.clause_type,
        parameters if parameters is not None else clause.parameters,
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
        if "clause_type" in changes:  # the detector's type was wrong: training data
            clause_feedback_record(
                clause=clause,
                actor=actor,
                proposed_type=changes["clause_type"][0],
                corrected_type=clause.clause_type,
            )
    audit_record(action="contracts.clause.corrected", actor=actor, obj=clause, changes=changes)
    return clause


def _red_lines_broken(clause: Clause) -> list[Deviation]:
    """The red-line rules the clause's current parameters break (waiver aside)."""
    entry = playbook_map().get(clause.clause_type)
    if entry is None:
        return []
    clause.red_line_waiver = ""
    found = clause_deviations(clause, entry.rules.all(), annual_value=clause.agreement.annual_value)
    return [d for d in found if d.is_red_line]


@transaction.atomic
def clause_decide(
    *,
    clause: Clause,
    actor: User | None,
    decision: str,
    comment: str = "",
    redline_text: str | None = None,
    redline_parameters: dict | None = None,
    justification: str = "",
    now: datetime,
) -> Clause:
    """A reviewer's decision on one clause: accept, propose a redline (new wording, and the
    parameters it states, sent to the partner), or reject (strike the clause). Recorded as an
    internal comment and audited.

    Accepting a clause that breaks a red line is the only way to waive the red line: it needs
    a written `justification` and a role allowed to waive (`contracts.waive_red_line`)."""
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
    waived: list[str] = []
    if decision == Clause.Decision.ACCEPTED:
        broken = _red_lines_broken(clause)
        waived = [d.rule_name for d in broken]
        if waived and not justification.strip():
            raise ValidationError(
                {
                    "justification": "This clause breaks a red line ("
                    + "; ".join(waived)
                    + "): accepting it waives the red line, so write why."
                }
            )
        rule_ids = [d.rule_id for d in broken if d.rule_id is not None]
        if waived and not may_waive_red_line(actor, rule_ids=rule_ids):
            raise PermissionDeniedError(
                "Only an organization admin may accept a clause that breaks a red line."
            )
    if decision == Clause.Decision.REDLINE:
        if not (redline_text or "").strip():
            raise ValidationError({"redline_text": "A redline needs the proposed wording."})
        if redline_parameters is not None:
            _validate_clause_fields(clause.clause_type, redline_parameters)
        fields: dict[str, object] = {"text": (redline_text or "").strip()}
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
    clause.decided_at = now
    clause.partner_agreed_at, clause.partner_agreed_by = None, None
    clause.red_line_waiver = justification.strip() if waived else ""
    if clause.proposal == Clause.Proposal.PROPOSED:
        clause.proposal = Clause.Proposal.CONFIRMED
    clause.save()
    ClauseComment.objects.create(
        organization=clause.organization,
        clause=clause,
        author=actor,
        body=comment,
        decision=decision,
        visibility=ClauseComment.Visibility.INTERNAL,
    )
    extra = {"red_lines_waived": waived, "justification": justification.strip()} if waived else {}
    audit_record(
        action=f"contracts.clause.{decision}",
        actor=actor,
        obj=clause,
        changes={"decision": [old, decision], "comment": comment, **extra, **_jsonable(changes)},
    )
    return clause


def _guest_sees(membership, clause: Clause) -> bool:
    """A guest acts only on clauses they may see (their partnership's, never a draft)."""
    return (
        has_permission(membership, "contracts.view", clause)
        and clause_list(membership=membership).filter(pk=clause.pk).exists()
    )


def may_waive_red_line(user: User | None, *, rule_ids: list[int]) -> bool:
    """Whether `user` may accept a clause breaking the red-line rules `rule_ids`: an organization
    admin always (`contracts.waive_red_line`); a legal reviewer (`contracts.review`) when every
    one of those rules says legal may waive it (the playbook's `waived_by`, set by an admin)."""
    membership = membership_of(user) if user is not None else None
    if membership is None:
        return False
    if role_allows(membership.role, "contracts.waive_red_line"):
        return True
    return (
        role_allows(membership.role, "contracts.review")
        and bool(rule_ids)
        and not PlaybookRule.objects.filter(pk__in=rule_ids)
        .exclude(waived_by=PlaybookRule.WaivedBy.LEGAL)
        .exists()
    )


@transaction.atomic
def clause_redline_agree(
    *, clause: Clause, actor: User | None, note: str = "", now: datetime
) -> Clause:
    """The partner agrees to a proposed redline: a partner guest of the partnership says so
    on the review page, or a reviewer records it with how the partner agreed (`note`)."""
    clause = Clause.objects.select_for_update().select_related("agreement").get(pk=clause.pk)
    agreement = clause.agreement
    if agreement.status != Agreement.Status.IN_LEGAL_REVIEW:
        raise ConflictError("Redlines are agreed while the agreement is in legal review.")
    if clause.decision != Clause.Decision.REDLINE:
        raise ConflictError("Only a proposed redline is agreed by the partner.")
    if clause.partner_agreed_at is not None:
        raise ConflictError("The partner already agreed to this redline.")
    membership = membership_of(actor) if actor is not None else None
    is_guest = membership is not None and membership.is_guest
    if is_guest:
        if not _guest_sees(membership, clause):
            raise PermissionDeniedError("Only a guest of this partnership may agree for them.")
    else:
        _require_reviewer(actor, agreement)
        if not note.strip():
            raise ValidationError({"note": "Say how the partner agreed (an e-mail, a call)."})
    clause.partner_agreed_at = now
    clause.partner_agreed_by = actor
    clause.save(update_fields=["partner_agreed_at", "partner_agreed_by", "updated_at"])
    if note.strip():
        ClauseComment.objects.create(
            organization=clause.organization,
            clause=clause,
            author=actor,
            body=note.strip(),
            visibility=ClauseComment.Visibility.SHARED,
        )
    audit_record(
        action="contracts.clause.redline_agreed",
        actor=actor,
        obj=clause,
        changes={"version": clause.version, "on_behalf": not is_guest, "note": note.strip()},
    )
    return clause


@transaction.atomic
def clause_comment_add(
    *,
    clause: Clause,
    actor: User | None,
    body: str,
    parent: ClauseComment | None = None,
    visibility: str = ClauseComment.Visibility.INTERNAL,
) -> ClauseComment:
    """A comment on a clause, internal (the buyer's own) or shared with the partner. A partner
    guest's comment is always shared, and a guest replies only to what they can see."""
    if not body.strip():
        raise ValidationError({"body": "Write the comment."})
    if visibility not in ClauseComment.Visibility.values:
        raise ValidationError({"visibility": "Choose internal or shared with the partner."})
    if parent is not None and parent.clause_id != clause.pk:
        raise ValidationError({"parent": "Reply to a comment on the same clause."})
    membership = membership_of(actor) if actor is not None else None
    if membership is not None and membership.is_guest:
        if not _guest_sees(membership, clause):
            raise PermissionDeniedError("You may comment only on your partnership's agreements.")
        if parent is not None and parent.visibility != ClauseComment.Visibility.SHARED:
            raise ValidationError({"parent": "Reply to a comment on the same clause."})
        visibility = ClauseComment.Visibility.SHARED
    elif membership is not None and not role_allows(membership.role, "contracts.change"):
        raise PermissionDeniedError("Your role does not allow comments on clauses.")
    elif parent is not None and parent.visibility == ClauseComment.Visibility.SHARED:
        visibility = ClauseComment.Visibility.SHARED  # a reply in a shared thread is shared
    comment = ClauseComment(
        organization=require_organization(),
        clause=clause,
        parent=parent,
        author=actor,
        body=body.strip(),
        visibility=visibility,
    )
    comment.full_clean()
    comment.save()
    audit_record(
        action="contracts.clause.commented",
        actor=actor,
        obj=clause,
        changes={"body": body, "visibility": visibility},
    )
    return comment


def _apply_key_terms_from_clauses(agreement: Agreement, *, save: bool = True) -> dict:
    """The agreement's key terms as its clauses state them (clauses struck are ignored): the
    liability cap, the governing law and the dispute ladder. Used when an upload is read and
    when the agreement is approved, so the header and the summary show the accepted wording.
    Returns the changes as {field: [old, new]}."""
    from contracts.playbook import _decimal

    clauses = [c for c in agreement.clauses.all() if c.decision != Clause.Decision.REJECTED]
    by_type = {c.clause_type: c for c in sorted(clauses, key=lambda c: (c.order, c.pk))}
    wanted: dict = {}
    cap = by_type.get("limitation_of_liability")
    if cap is not None:
        multiple = _decimal(cap.parameters.get("cap_multiple"))
        amount = _decimal(cap.parameters.get("cap_amount"))
        if multiple:
            wanted["liability_cap_type"] = Agreement.CapType.FEE_MULTIPLE
            wanted["liability_cap_multiple"] = multiple
        elif amount:
            wanted["liability_cap_type"] = Agreement.CapType.FIXED
            wanted["liability_cap_amount"] = amount
        elif cap.parameters.get("uncapped") in (True, "true", "True"):
            wanted["liability_cap_type"] = Agreement.CapType.UNCAPPED
    law = by_type.get("governing_law")
    if law is not None and str(law.parameters.get("governing_law", "")).strip():
        wanted["governing_law"] = str(law.parameters["governing_law"]).strip()[:100]
    dispute = by_type.get("dispute_resolution")
    if dispute is not None and dispute.parameters.get("arbitration_seat"):
        wanted["dispute_resolution"] = [
            {"step": "negotiation"},
            {
                "step": "arbitration",
                "seat": dispute.parameters.get("arbitration_seat"),
                "rules": dispute.parameters.get("arbitration_rules", ""),
            },
        ]
    changes = {}
    for name, value in wanted.items():
        old = getattr(agreement, name)
        if old != value:
            changes[name] = [None if old is None else str(old), str(value)]
            setattr(agreement, name, value)
    if changes and save:
        agreement.save(update_fields=[*changes, "updated_at"])
    return changes
