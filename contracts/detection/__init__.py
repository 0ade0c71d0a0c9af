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

from .classify import classify_with_hits
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
from .model import ATTENTION_BELOW, ClauseModel, load_model
from .params import Duration, Money, extract_parameters
from .segment import Segment, segment
from .taxonomy import BY_CATEGORY, BY_CODE, TAXONOMY, ClauseType

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
    "load_model",
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
    # "model" (the trained classifier decided, confidence = its calibrated probability) or
    # "rules" (a type without a CUAD category, or no model shipped: the rules' confidence).
    source: str = "rules"

    @property
    def needs_attention(self) -> bool:
        return self.confidence < ATTENTION_BELOW

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "label": BY_CODE[self.code].label,
            "cuad_categories": list(self.cuad_categories),
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "heading": self.heading,
            "confidence": self.confidence,
            "needs_attention": self.needs_attention,
            "source": self.source,
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


# Clause types the agreement facts are read from.
_FACT_CODES = frozenset({"governing_law", "renewal", "notice_period"})

# Segments that state the term of the agreement, for the facts (not a clause type of their own).
_TERM_HEADING = re.compile(r"\bterm\b(?!ination)|duration", re.IGNORECASE)
_TERM_BODY = re.compile(r"(?:initial\s+)?term\s+of\s+this\s+agreement", re.IGNORECASE)


def detect(
    text: str, *, model: ClauseModel | None = None, use_model: bool = True
) -> DetectionResult:
    """Detect the clauses of a contract's text, with their parameters and the agreement facts.

    Each segment is scored by the trained model (``model.py``) for every CUAD category; it gets
    the category's clause type when the calibrated probability reaches the category's threshold.
    The explainable rules (``classify.py``) are features of that model, decide alone the types
    CUAD does not label (indemnification, force majeure...), and say which segments the facts and
    parameters are read from (cap amounts, notice days and governing law stay rule-extracted).
    A segment may carry several types; each is reported as its own clause with the same span.
    Without a shipped model (or with ``use_model=False``) the rules decide every type, as before
    the model existed.
    """
    if not use_model:
        model = None
    elif model is None:
        model = load_model()
    pieces = segment(text)
    ruled = [classify_with_hits(piece) for piece in pieces]
    probabilities = model.probabilities(pieces, [hits for _, hits in ruled]) if model else None
    clauses: list[DetectedClause] = []
    by_code: dict[str, list[str]] = {}
    model_by_code: dict[str, list[str]] = {}
    for row, piece in enumerate(pieces):
        found_by_code = {found.code: found for found in ruled[row][0]}
        for found in ruled[row][0]:
            by_code.setdefault(found.code, []).append(piece.text)
            if model is not None and BY_CODE[found.code].cuad_categories:
                continue  # the model decides the types CUAD labels
            clauses.append(_clause(piece, found.code, found.confidence, found.rule, "rules"))
        if probabilities is not None and model is not None:
            for column, category in enumerate(model.categories):
                probability = float(probabilities[row, column])
                if probability < model.thresholds[column] or category not in BY_CATEGORY:
                    continue
                code = BY_CATEGORY[category].code
                rule = found_by_code[code].rule if code in found_by_code else ""
                explanation = f"model: {probability:.2f}" + (f"; {rule}" if rule else "")
                # A probability is never certain: kept within (0, 1) after rounding.
                confidence = min(max(round(probability, 3), 0.001), 0.999)
                clauses.append(_clause(piece, code, confidence, explanation, "model"))
                if code in _FACT_CODES and code not in found_by_code:
                    model_by_code.setdefault(code, []).append(piece.text)
        if _is_term_clause(piece):
            by_code.setdefault("_term", []).append(piece.text)
    # The facts are read from the segments the rules typed first, then from those only the model
    # typed (a governing-law sentence worded in a way no rule knows).
    for code, texts in model_by_code.items():
        by_code.setdefault(code, []).extend(texts)
    return DetectionResult(clauses=clauses, facts=extract_facts(text, by_code))


def _clause(piece: Segment, code: str, confidence: float, rule: str, source: str) -> DetectedClause:
    clause_type = BY_CODE[code]
    return DetectedClause(
        code=code,
        cuad_categories=clause_type.cuad_categories,
        start=piece.start,
        end=piece.end,
        text=piece.text,
        heading=piece.heading,
        confidence=confidence,
        rule=rule,
        parameters=extract_parameters(code, piece.text),
        source=source,
    )


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
