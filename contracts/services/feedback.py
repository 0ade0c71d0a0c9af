"""Reviewer feedback on the clause detector: a correction of a proposed type is kept as
training data (``ClauseFeedback``) and exported by ``manage.py export_clause_feedback``."""

from __future__ import annotations

from contracts.detection.taxonomy import BY_CODE
from contracts.models import Clause, ClauseFeedback
from tenancy.models import User


def clause_feedback_record(
    *, clause: Clause, actor: User | None, proposed_type: str, corrected_type: str
) -> ClauseFeedback | None:
    """Keep a reviewer's correction of a detected clause's type. Only a detector's proposal
    gives feedback (a clause typed by hand has nothing to correct), and only a real change."""
    if clause.source != Clause.Source.DETECTED or proposed_type == corrected_type:
        return None
    if corrected_type not in BY_CODE:
        return None
    detection = clause.detection or {}
    # The segment as the detector saw it: the clause's first version, not a later edit (intake
    # keeps the detector's words as version 1, not in `detection`).
    first = clause.versions.order_by("number").first()
    text = detection.get("text") or (first.text if first is not None else "") or clause.text
    confidence = detection.get("confidence")
    return ClauseFeedback.objects.create(
        organization=clause.organization,
        clause=clause,
        agreement=clause.agreement,
        heading=(clause.heading or "")[:200],
        text=text,
        proposed_type=detection.get("code") or proposed_type,
        corrected_type=corrected_type,
        confidence=float(confidence) if isinstance(confidence, int | float) else None,
        detection_source=str(detection.get("source", ""))[:10],
        reviewer=actor,
    )
