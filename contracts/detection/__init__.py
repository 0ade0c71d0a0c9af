"""Clause detection for the contracts module: text in, typed clauses and agreement facts out.

Pure Python on purpose (no Django import anywhere in this package) so that it can be unit-tested
and benchmarked against CUAD on its own (``bench/clause_detection.py``). The pipeline is:

    extract_text(bytes, filename)  ->  segment(text)  ->  classify(segment)  ->  parameters, facts

See ``docs/clause-detection.md`` for how each step works and how well it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .classify import classify
from .extract import (
    CorruptDocumentError,
    DocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    NoTextLayerError,
    UnsupportedFileTypeError,
    extract_text,
)
from .facts import AgreementFacts, extract_facts
from .params import Duration, Money, extract_parameters
from .segment import Segment, segment
from .taxonomy import BY_CODE, TAXONOMY, ClauseType

__all__ = [
    "TAXONOMY",
    "AgreementFacts",
    "ClauseType",
    "CorruptDocumentError",
    "DetectedClause",
    "DetectionResult",
    "DocumentError",
    "EmptyDocumentError",
    "EncryptedDocumentError",
    "NoTextLayerError",
    "UnsupportedFileTypeError",
    "detect",
    "extract_text",
]


@dataclass(slots=True)
class DetectedClause:
    code: str
    cuad_categories: tuple[str, ...]
    start: int
    end: int
    text: str
    heading: str
    confidence: float
    rule: str
    parameters: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "cuad_categories": list(self.cuad_categories),
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "heading": self.heading,
            "confidence": self.confidence,
            "rule": self.rule,
            "parameters": _jsonable(self.parameters),
        }


@dataclass(slots=True)
class DetectionResult:
    clauses: list[DetectedClause]
    facts: AgreementFacts

    def codes(self) -> set[str]:
        return {clause.code for clause in self.clauses}

    def of_type(self, code: str) -> list[DetectedClause]:
        return [clause for clause in self.clauses if clause.code == code]

    def to_dict(self) -> dict[str, object]:
        return {
            "clauses": [clause.to_dict() for clause in self.clauses],
            "facts": self.facts.to_dict(),
        }


# Segments that state the term of the agreement, for the facts (not a clause type of their own).
_TERM_HEADING = re.compile(r"\bterm\b(?!ination)|duration", re.IGNORECASE)
_TERM_BODY = re.compile(r"(?:initial\s+)?term\s+of\s+this\s+agreement", re.IGNORECASE)


def detect(text: str) -> DetectionResult:
    """Detect the clauses of a contract's text, with their parameters and the agreement facts.

    A segment may carry several clause types (a "Term and Termination" paragraph is often both a
    renewal and a termination-for-convenience clause); each is reported as its own clause with
    the same span.
    """
    clauses: list[DetectedClause] = []
    by_code: dict[str, list[str]] = {}
    for piece in segment(text):
        for found in classify(piece):
            clause_type = BY_CODE[found.code]
            clauses.append(
                DetectedClause(
                    code=found.code,
                    cuad_categories=clause_type.cuad_categories,
                    start=piece.start,
                    end=piece.end,
                    text=piece.text,
                    heading=piece.heading,
                    confidence=found.confidence,
                    rule=found.rule,
                    parameters=extract_parameters(found.code, piece.text),
                )
            )
            by_code.setdefault(found.code, []).append(piece.text)
        if _is_term_clause(piece):
            by_code.setdefault("_term", []).append(piece.text)
    return DetectionResult(clauses=clauses, facts=extract_facts(text, by_code))


def _is_term_clause(piece: Segment) -> bool:
    return bool(_TERM_HEADING.search(piece.heading) or _TERM_BODY.search(piece.text))


def _jsonable(value: object) -> object:
    """Decimals as strings (exact), dates ISO, money and durations as small dicts."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, Duration):
        return {"value": value.value, "unit": value.unit, "days": value.in_days()}
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value
