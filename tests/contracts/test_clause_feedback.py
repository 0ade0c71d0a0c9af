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
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.contracts.factories import AgreementFactory, ClauseFactory

pytestmark = pytest.mark.django_db


def _detected_clause(org, status="draft", **kwargs):
    agreement = AgreementFactory(organization=org, status=status)
    return ClauseFactory(
        organization=org,
        agreement=agreement,
        clause_type="assignment_change_of_control",
        text="This Agreement terminates automatically upon a change of control of the Supplier.",
        source=Clause.Source.DETECTED,
        proposal=Clause.Proposal.PROPOSED,
        parameters={},
        detection={
            "code": "assignment_change_of_control",
            "confidence": 0.41,
            "needs_attention": True,
            "source": "model",
            "cuad_categories": ["Anti-Assignment"],
        },
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


def test_the_review_page_shows_the_calibrated_confidence_and_the_attention_mark(
    org_a, owner, legal, make_member, client_as
):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    clause = _detected_clause(org_a, status="in_legal_review")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=clause.agreement.partnership, guest=guest, actor=owner)
        services.agreement_assign_reviewer(agreement=clause.agreement, reviewer=legal, actor=owner)
    url = f"/o/{org_a.slug}/contracts/agreements/{clause.agreement.pk}/review/"

    page = client_as(legal).get(url).content.decode()
    assert "Detected with confidence 41%" in page
    assert 'data-testid="needs-attention"' in page

    guest_page = client_as(guest).get(url)
    assert guest_page.status_code == 200
    # the detector's confidence and attention marks are internal review state
    assert "Detected with confidence" not in guest_page.content.decode()
    assert 'data-testid="needs-attention"' not in guest_page.content.decode()
