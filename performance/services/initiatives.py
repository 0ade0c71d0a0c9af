"""Improvement initiatives."""

from __future__ import annotations

from django.db import transaction

from partnerships.models import Partnership
from performance.models import (
    INITIATIVE_LIFECYCLE,
    ImprovementInitiative,
)
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.models import User


@transaction.atomic
def initiative_create(
    *, actor: User | None, partnership: Partnership, **fields
) -> ImprovementInitiative:
    initiative = ImprovementInitiative(
        organization=require_organization(), partnership=partnership, **fields
    )
    initiative.full_clean()
    initiative.save()
    audit_record(action="performance.initiative.created", actor=actor, obj=initiative)
    return initiative


@transaction.atomic
def initiative_update(
    *, initiative: ImprovementInitiative, actor: User | None, **fields
) -> ImprovementInitiative:
    allowed = (
        "title",
        "description",
        "impact",
        "effort",
        "status",
        "expected_benefit",
        "realised_benefit",
        "currency",
    )
    status = fields.get("status")
    if status is not None and status != initiative.status:
        INITIATIVE_LIFECYCLE.check(initiative.status, status)
    changes = changed_fields(initiative, {k: v for k, v in fields.items() if k in allowed})
    initiative.full_clean()
    initiative.save()
    if changes:
        audit_record(
            action="performance.initiative.updated",
            actor=actor,
            obj=initiative,
            changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
        )
    return initiative
