"""Lessons learned become proposed playbook and training changes (exit_planning.PlaybookChange)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from exit_planning.models import PlaybookChange
from exit_planning.services import playbook_change_propose
from innovation.models import (
    ImprovementInitiative,
    Pilot,
    SourcingModel,
    SupplierProgramme,
    TaskForce,
)
from innovation.services._common import (
    _buyer_only,
    _text,
)
from tenancy.models import User

# -- lessons learned ---------------------------------------------------------------------------

LESSON_SOURCES = (ImprovementInitiative, Pilot, TaskForce, SupplierProgramme, SourcingModel)


def lesson_propose(
    *,
    source: models.Model,
    actor: User,
    text: str,
    target: str = PlaybookChange.Target.TRAINING_MATERIAL,
    clause_type: str = "",
    field: str = PlaybookChange.Field.GUIDANCE,
) -> PlaybookChange:
    """A lesson learned from an initiative, pilot, task force, programme or sourcing model
    becomes a proposed change to the clause playbook or the training material, reviewed like a
    post-mortem recommendation (exit_planning.PlaybookChange)."""
    if not isinstance(source, LESSON_SOURCES):
        raise TypeError(f"Lessons come from the innovation module's work, not {type(source)}")
    _buyer_only(actor, "propose a playbook change")
    if not _text(text):
        raise ValidationError({"text": "Write the lesson learned."})
    return playbook_change_propose(
        source=source,
        actor=actor,
        clause_type=clause_type,
        field=field,
        text=text,
        rationale=f"Lesson learned from {source._meta.verbose_name} “{source}”.",
        partnership=getattr(source, "partnership", None),
        target=target,
    )
