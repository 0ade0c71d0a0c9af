"""The organization's clause playbook and its machine-checkable rules."""

from django.core.exceptions import ValidationError
from django.db import transaction

from contracts.detection.taxonomy import BY_CODE
from contracts.models import (
    PlaybookClause,
    PlaybookRule,
)
from contracts.playbook import (
    PARAMETERS,
)
from tenancy.audit import audit_record, changed_fields, lock_fresh
from tenancy.context import require_organization
from tenancy.models import User


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
    waived_by: str = PlaybookRule.WaivedBy.ORG_ADMIN,
    is_active: bool = True,
) -> PlaybookRule:
    _validate_rule(parameter, operator, value)
    _check_waived_by(actor, waived_by)
    rule = PlaybookRule(
        organization=require_organization(),
        playbook_clause=playbook_clause,
        name=name,
        parameter=parameter,
        operator=operator,
        value=value,
        severity=severity,
        waived_by=waived_by,
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
            "waived_by": waived_by,
        },
    )
    return rule


def _check_waived_by(actor: User | None, waived_by: str) -> None:
    """Letting legal waive a red line is the organization admins' call: legal does not widen
    its own rights."""
    from contracts.services.clauses import may_waive_red_line

    if waived_by == PlaybookRule.WaivedBy.LEGAL and not may_waive_red_line(actor, rule_ids=[]):
        raise ValidationError(
            {"waived_by": "Only an organization admin lets legal reviewers waive a red line."}
        )


@transaction.atomic
def playbook_rule_update(*, rule: PlaybookRule, actor: User | None, **fields) -> PlaybookRule:
    lock_fresh(rule)  # who waives as it is now: a form saved whole does not undo an admin's change
    allowed = {
        k: v
        for k, v in fields.items()
        if k in ("name", "parameter", "operator", "value", "severity", "waived_by", "is_active")
    }
    if "waived_by" in allowed and allowed["waived_by"] != rule.waived_by:
        _check_waived_by(actor, allowed["waived_by"])
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
