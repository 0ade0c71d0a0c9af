"""Approval needs every clause settled; red lines are waived only by a justified acceptance;
the approved agreement's terms come from the accepted clause versions."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts import services
from contracts.models import Agreement, Clause
from contracts.selectors import deviations_for
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import AuditEvent, Role
from tests.contracts.factories import AgreementFactory, ClauseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(scope, playbook, legal, owner):
    agreement = AgreementFactory(
        organization=scope,
        status=Agreement.Status.IN_LEGAL_REVIEW,
        liability_cap_type=Agreement.CapType.FEE_MULTIPLE,
        liability_cap_multiple=Decimal("0.5"),
    )
    cap = ClauseFactory(
        organization=scope,
        agreement=agreement,
        clause_type="limitation_of_liability",
        parameters={"cap_multiple": "0.5"},
    )
    law = ClauseFactory(
        organization=scope,
        agreement=agreement,
        clause_type="governing_law",
        text="Governed by the laws of England and Wales.",
        parameters={"governing_law": "England and Wales"},
    )
    services.agreement_assign_reviewer(agreement=agreement, reviewer=legal, actor=owner)
    services.agreement_assign_reviewer(agreement=agreement, reviewer=owner, actor=owner)
    return agreement, cap, law


def _redline_cap(cap, actor, multiple="1"):
    return services.clause_decide(
        clause=cap,
        actor=actor,
        decision="redline",
        comment="Our floor is 12 months' fees.",
        redline_text=f"Each party's liability is capped at {multiple}x the annual fees.",
        redline_parameters={"cap_multiple": multiple},
        now=timezone.now(),
    )


def _approve(agreement, actor):
    return services.agreement_transition(
        agreement=agreement, actor=actor, status="approved", now=timezone.now()
    )


def test_it_refuses_approval_while_a_redline_waits_for_the_partner(in_review, legal):
    agreement, cap, law = in_review
    services.clause_decide(clause=law, actor=legal, decision="accepted", now=timezone.now())
    _redline_cap(cap, legal)
    with pytest.raises(ConflictError, match="wait for the partner's agreement"):
        _approve(agreement, legal)
    services.clause_redline_agree(
        clause=cap, actor=legal, note="E-mail of 3 May.", now=timezone.now()
    )
    assert _approve(agreement, legal).status == Agreement.Status.APPROVED


def test_after_approval_the_terms_come_from_the_accepted_clause_versions(in_review, legal):
    agreement, cap, law = in_review
    services.clause_decide(clause=law, actor=legal, decision="accepted", now=timezone.now())
    _redline_cap(cap, legal, multiple="1")
    services.clause_redline_agree(
        clause=cap, actor=legal, note="Agreed on the call.", now=timezone.now()
    )
    approved = _approve(agreement, legal)
    approved.refresh_from_db()
    assert approved.liability_cap_type == Agreement.CapType.FEE_MULTIPLE
    assert approved.liability_cap_multiple == Decimal("1")
    assert approved.liability_cap_label == "1× annual fees"
    assert approved.governing_law == "England and Wales"
    event = AuditEvent.objects.filter(action="contracts.agreement.approved").get()
    assert event.changes["liability_cap_multiple"] == ["0.50", "1"]


def test_the_summary_pdf_shows_the_accepted_terms(in_review, legal, client_as):
    import io

    from pypdf import PdfReader

    agreement, cap, law = in_review
    services.clause_decide(clause=law, actor=legal, decision="accepted", now=timezone.now())
    _redline_cap(cap, legal, multiple="1")
    services.clause_redline_agree(
        clause=cap, actor=legal, note="Agreed on the call.", now=timezone.now()
    )
    _approve(agreement, legal)
    pdf = client_as(legal).get(f"/o/alpha/contracts/agreements/{agreement.pk}/summary.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "1× annual fees" in text and "0.5× annual fees" not in text
    assert "capped at 1x the annual fees" in text


def test_a_changed_redline_needs_the_partner_again(in_review, legal):
    agreement, cap, law = in_review
    _redline_cap(cap, legal, multiple="1")
    services.clause_redline_agree(clause=cap, actor=legal, note="Agreed.", now=timezone.now())
    _redline_cap(cap, legal, multiple="1.5")
    cap.refresh_from_db()
    assert cap.partner_agreed_at is None and not cap.is_settled


def test_a_reviewer_records_the_partners_agreement_only_with_how_it_was_given(in_review, legal):
    agreement, cap, law = in_review
    _redline_cap(cap, legal)
    with pytest.raises(ValidationError) as refused:
        services.clause_redline_agree(clause=cap, actor=legal, note=" ", now=timezone.now())
    assert "note" in refused.value.message_dict


def test_only_a_proposed_redline_is_agreed(in_review, legal):
    agreement, cap, law = in_review
    services.clause_decide(clause=law, actor=legal, decision="accepted", now=timezone.now())
    with pytest.raises(ConflictError, match="Only a proposed redline"):
        services.clause_redline_agree(clause=law, actor=legal, note="x", now=timezone.now())
    _redline_cap(cap, legal)
    services.clause_redline_agree(clause=cap, actor=legal, note="x", now=timezone.now())
    with pytest.raises(ConflictError, match="already agreed"):
        services.clause_redline_agree(clause=cap, actor=legal, note="x", now=timezone.now())


def test_a_redline_is_agreed_only_during_legal_review(in_review, legal):
    agreement, cap, law = in_review
    _redline_cap(cap, legal)
    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.Status.DRAFT)
    with pytest.raises(ConflictError, match="in legal review"):
        services.clause_redline_agree(clause=cap, actor=legal, note="x", now=timezone.now())


def test_a_member_who_is_not_a_reviewer_cannot_record_the_partners_agreement(
    in_review, legal, make_member, scope
):
    agreement, cap, law = in_review
    _redline_cap(cap, legal)
    buyer = make_member(scope, Role.PROCUREMENT_MANAGER)
    with pytest.raises(PermissionDeniedError):
        services.clause_redline_agree(
            clause=cap, actor=buyer, note="They said yes.", now=timezone.now()
        )


def test_accepting_a_red_line_breach_needs_a_written_justification(in_review, owner):
    agreement, cap, law = in_review
    with pytest.raises(ValidationError) as refused:
        services.clause_decide(clause=cap, actor=owner, decision="accepted", now=timezone.now())
    assert "Cap at least 1× annual fees" in refused.value.message_dict["justification"][0]
    cap.refresh_from_db()
    assert cap.decision == Clause.Decision.PENDING


def test_accepting_a_red_line_breach_needs_the_right_role(in_review, legal):
    agreement, cap, law = in_review
    with pytest.raises(PermissionDeniedError, match="organization admin"):
        services.clause_decide(
            clause=cap,
            actor=legal,
            decision="accepted",
            justification="Commercially vital.",
            now=timezone.now(),
        )


def test_a_justified_acceptance_waives_the_red_line_in_the_audit_trail(in_review, owner):
    agreement, cap, law = in_review
    services.clause_decide(clause=law, actor=owner, decision="accepted", now=timezone.now())
    services.clause_decide(
        clause=cap,
        actor=owner,
        decision="accepted",
        justification="The partner carries insurance of 5 M; the board agreed on 2 May.",
        now=timezone.now(),
    )
    cap.refresh_from_db()
    assert cap.red_line_waiver.startswith("The partner carries insurance")
    deviation = deviations_for(agreement)[0]
    assert deviation.waived and not deviation.is_open
    event = AuditEvent.objects.get(action="contracts.clause.accepted", object_id=str(cap.pk))
    assert event.changes["red_lines_waived"] == ["Cap at least 1× annual fees"]
    assert "insurance" in event.changes["justification"]
    assert _approve(agreement, owner).status == Agreement.Status.APPROVED


def test_accepting_a_clause_within_the_playbook_needs_no_justification(in_review, legal):
    agreement, cap, law = in_review
    services.clause_decide(clause=law, actor=legal, decision="accepted", now=timezone.now())
    law.refresh_from_db()
    assert law.decision == Clause.Decision.ACCEPTED and law.red_line_waiver == ""


def test_a_waiver_is_dropped_when_the_clause_wording_changes(in_review, owner):
    agreement, cap, law = in_review
    services.clause_decide(
        clause=cap,
        actor=owner,
        decision="accepted",
        justification="Board decision of 2 May.",
        now=timezone.now(),
    )
    services.clause_update(clause=cap, actor=owner, text="Liability is capped at 0.4x fees.")
    cap.refresh_from_db()
    assert cap.red_line_waiver == "" and cap.decision == Clause.Decision.PENDING
    assert deviations_for(agreement)[0].is_open


def test_a_redline_that_still_breaks_a_red_line_blocks_approval(in_review, legal):
    agreement, cap, law = in_review
    services.clause_decide(clause=law, actor=legal, decision="accepted", now=timezone.now())
    _redline_cap(cap, legal, multiple="0.8")
    services.clause_redline_agree(clause=cap, actor=legal, note="Agreed.", now=timezone.now())
    with pytest.raises(ConflictError, match="Red-line deviation open"):
        _approve(agreement, legal)


def test_a_draft_is_not_terminated(scope, owner):
    agreement = AgreementFactory(organization=scope)
    with pytest.raises(ConflictError, match="cannot become terminated"):
        services.agreement_transition(
            agreement=agreement,
            actor=owner,
            status="terminated",
            reason="x",
            on=None,
            now=timezone.now(),
        )


def test_termination_needs_a_reason_and_a_date(scope, owner):
    from datetime import date

    agreement = AgreementFactory(organization=scope, status=Agreement.Status.EXECUTED)
    with pytest.raises(ValidationError) as refused:
        services.agreement_transition(
            agreement=agreement, actor=owner, status="terminated", now=timezone.now()
        )
    assert set(refused.value.message_dict) == {"reason", "on"}
    with pytest.raises(ValidationError) as early:
        services.agreement_transition(
            agreement=agreement,
            actor=owner,
            status="terminated",
            reason="Material breach.",
            on=date(2023, 12, 31),
            now=timezone.now(),
        )
    assert "before the agreement" in early.value.message_dict["on"][0]
    done = services.agreement_transition(
        agreement=agreement,
        actor=owner,
        status="terminated",
        reason="Material breach of the SLA schedule.",
        on=date(2025, 6, 30),
        now=timezone.now(),
    )
    assert done.status == Agreement.Status.TERMINATED and done.ended_on == date(2025, 6, 30)
    event = AuditEvent.objects.get(action="contracts.agreement.terminated")
    assert event.changes["reason"] == "Material breach of the SLA schedule."


def test_an_amendment_starts_as_a_draft_of_an_approved_agreement(scope, owner):
    from datetime import date

    draft = AgreementFactory(organization=scope)
    with pytest.raises(ConflictError, match="edited, not amended"):
        services.agreement_amend(
            agreement=draft, actor=owner, title="A1", effective_date=date(2025, 1, 1)
        )
    executed = AgreementFactory(organization=scope, status=Agreement.Status.EXECUTED)
    with pytest.raises(ValidationError):
        services.agreement_amend(
            agreement=executed, actor=owner, title="A1", effective_date=date(2023, 1, 1)
        )
    amendment = services.agreement_amend(
        agreement=executed, actor=owner, title="Amendment 1", effective_date=date(2025, 7, 1)
    )
    assert amendment.agreement_type == Agreement.Type.AMENDMENT
    assert amendment.amends == executed and amendment.status == Agreement.Status.DRAFT
    assert amendment.partnership == executed.partnership
