"""The trained clause model (``contracts.detection.model``) as shipped: it loads once per process,
covers every product category with its own clause type, gives calibrated (not constant)
confidences, marks low ones for attention, and ``detect_clauses --json`` names each clause's CUAD
categories. No training here: the artifact in the repository is what is tested."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from contracts.detection import detect, load_model
from contracts.detection.model import ATTENTION_BELOW, MODEL_PATH
from contracts.detection.taxonomy import (
    BY_CATEGORY,
    CORE_CATEGORIES,
    PRODUCT_CATEGORIES,
)

CONTRACT = """SUPPLY AGREEMENT

1. TERM. This Agreement commences on January 1, 2024 and continues for three (3) years, and
shall automatically renew for successive one (1) year periods unless either party gives notice
of non-renewal at least ninety (90) days before the end of the then-current term.

2. ASSIGNMENT. Neither party may assign this Agreement without the prior written consent of the
other party.

3. CHANGE OF CONTROL. Customer may terminate this Agreement upon written notice if Supplier
undergoes a change of control, including a merger or the sale of all or substantially all of
its assets or of more than fifty percent of its voting securities.

4. INSURANCE. Supplier shall maintain commercial general liability insurance with limits of
not less than $5,000,000 per occurrence and shall name Customer as an additional insured.

5. GOVERNING LAW. This Agreement shall be governed by the laws of the State of New York.
"""


@pytest.fixture(scope="module")
def model():
    loaded = load_model()
    assert loaded is not None, f"the clause model artifact is missing: {MODEL_PATH}"
    return loaded


def test_the_model_ships_small_and_covers_every_product_category(model):
    assert MODEL_PATH.stat().st_size < 5_000_000
    assert set(PRODUCT_CATEGORIES) <= set(model.categories)
    assert len(PRODUCT_CATEGORIES) == 24 and len(CORE_CATEGORIES) == 10
    # one clause type per category: change of control is not anti-assignment, and so on
    types = [BY_CATEGORY[category].code for category in PRODUCT_CATEGORIES]
    assert len(set(types)) == 24
    assert load_model() is model  # loaded once per process


def test_change_of_control_and_anti_assignment_are_separate_types(model):
    result = detect(CONTRACT, model=model)
    by_code = {clause.code: clause for clause in result.clauses}
    assert "assignment_change_of_control" in by_code
    assert "change_of_control" in by_code
    assert by_code["change_of_control"].text.startswith("3. CHANGE OF CONTROL")
    assert by_code["assignment_change_of_control"].text.startswith("2. ASSIGNMENT")
    assert by_code["insurance"].cuad_categories == ("Insurance",)
    # parameters stay rule-extracted
    assert result.facts.governing_law == "New York"
    assert result.facts.notice_period_days == 90


def test_confidence_is_the_calibrated_probability_and_low_ones_need_attention(model):
    result = detect(CONTRACT, model=model)
    decided = [clause for clause in result.clauses if clause.source == "model"]
    assert decided
    confidences = {clause.confidence for clause in decided}
    assert len(confidences) > 1  # not a constant
    for clause in decided:
        assert 0.0 < clause.confidence < 1.0
        assert clause.needs_attention == (clause.confidence < ATTENTION_BELOW)
        assert clause.rule.startswith("model: ")


def test_detect_clauses_json_names_the_cuad_categories_of_each_clause(tmp_path):
    path = tmp_path / "supply.txt"
    path.write_text(CONTRACT, encoding="utf-8")
    out = StringIO()
    call_command("detect_clauses", "--json", str(path), stdout=out)
    report = json.loads(out.getvalue())
    clauses = report[0]["clauses"]
    assert {"code", "label", "cuad_categories", "confidence", "needs_attention", "source"} <= set(
        clauses[0]
    )
    categories = {category for clause in clauses for category in clause["cuad_categories"]}
    assert {"Change Of Control", "Anti-Assignment", "Governing Law"} <= categories
