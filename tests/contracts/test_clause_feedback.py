"""Reviewer feedback on the detector: a correction of a proposed type is stored as training data
and exported by ``manage.py export_clause_feedback``; a clause typed by hand gives none."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from guardian.shortcuts import assign_perm

from contracts import services
from contracts.models import Clause, ClauseFeedback
from tenancy.context import tenant_scope
from tests.contracts.factories import AgreementFactory, ClauseFactory

pytestmark = pytest.mark.django_db


def _detected_clause(org, **kwargs):
    agreement = AgreementFactory(organization=org, status="draft")
    return ClauseFactory(
        organization=org,
        agreement=agreement,
        clause_type="assignment_change_of_control",
        text="This Agreement terminates automatically upon a change of control of the Supplier.",
        source=Clause.Source.DETECTED,
        proposal=Clause.Proposal.PROPOSED,
        parameters={},
        detection={"code": "assignment_change_of_control", "confidence": 0.41, "source": "model"},
        **kwargs,
    )


def test_correcting_a_detected_type_stores_feedback_and_exports_it(org_a, legal):
    clause = _detected_clause(org_a)
    with tenant_scope(org_a):
        assign_perm("contracts.review_agreement", legal, clause.agreement)
        services.clause_correct(clause=clause, actor=legal, clause_type="change_of_control")
        feedback = ClauseFeedback.objects.get()
    assert (feedback.proposed_type, feedback.corrected_type) == (
        "assignment_change_of_control",
        "change_of_control",
    )
    assert feedback.confidence == pytest.approx(0.41)
    assert feedback.reviewer == legal

    out = StringIO()
    call_command(
        "export_clause_feedback", "--organization", org_a.slug, stdout=out, stderr=StringIO()
    )
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 1
    assert lines[0]["corrected_cuad_categories"] == ["Change Of Control"]
    assert lines[0]["proposed_cuad_categories"] == ["Anti-Assignment"]
    assert lines[0]["text"].startswith("This Agreement terminates automatically")


def test_correcting_only_parameters_or_a_hand_typed_clause_gives_no_feedback(org_a, legal):
    clause = _detected_clause(org_a)
    manual = ClauseFactory(organization=org_a, agreement=clause.agreement)
    with tenant_scope(org_a):
        assign_perm("contracts.review_agreement", legal, clause.agreement)
        services.clause_correct(clause=clause, actor=legal, parameters={"notice_days": 30})
        services.clause_correct(clause=manual, actor=legal, clause_type="change_of_control")
        assert not ClauseFeedback.objects.exists()
