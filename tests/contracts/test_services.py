"""Services of the contracts module: lifecycle, review and approval, deviations, alerts."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts import services
from contracts.models import Agreement, Clause, ClauseVersion
from contracts.redline import redline_html
from contracts.selectors import deviations_for, terms_in_force
from contracts.tasks import contract_alerts
from tenancy.errors import ConflictError, PermissionDeniedError, TransitionNotAllowed
from tenancy.models import AuditEvent, Notification, Role
from tests.contracts.factories import AgreementFactory, ClauseFactory, ObligationFactory

pytestmark = pytest.mark.django_db


def _in_review(org, legal, **clause_params):
    agreement = AgreementFactory(organization=org, status=Agreement.Status.IN_LEGAL_REVIEW)
    cap = ClauseFactory(
        organization=org,
        agreement=agreement,
        clause_type="limitation_of_liability",
        parameters=clause_params or {"cap_multiple": "0.5"},
    )
    law = ClauseFactory(
        organization=org,
        agreement=agreement,
        clause_type="governing_law",
        text="This Agreement is governed by the laws of England and Wales.",
        parameters={"governing_law": "England and Wales"},
    )
    services.agreement_assign_reviewer(agreement=agreement, reviewer=legal, actor=None)
    return agreement, cap, law


def test_an_illegal_lifecycle_step_is_refused_with_the_reason(scope, owner):
    agreement = AgreementFactory(organization=scope)
    with pytest.raises(TransitionNotAllowed, match="An agreement that is draft cannot become"):
        services.agreement_transition(
            agreement=agreement, actor=owner, status="executed", now=timezone.now()
        )


def test_a_draft_without_clauses_cannot_go_to_legal_review(scope, owner):
    agreement = AgreementFactory(organization=scope)
    with pytest.raises(ConflictError, match="clauses"):
        services.agreement_transition(
            agreement=agreement, actor=owner, status="in_legal_review", now=timezone.now()
        )


def test_deviations_name_the_rule_that_failed(scope, playbook, legal):
    agreement, cap, _ = _in_review(scope, legal)
    deviations = deviations_for(agreement)
    assert [(d.clause_id, d.rule_name, d.severity) for d in deviations] == [
        (cap.pk, "Cap at least 1× annual fees", "red_line")
    ]
    assert "0.5" in deviations[0].message and "at least 1" in deviations[0].message


def test_a_fixed_cap_is_compared_with_the_annual_fees(scope, playbook, legal):
    agreement, cap, _ = _in_review(scope, legal, cap_amount="2000000")
    assert deviations_for(agreement) == []  # 2 M against 1 M of annual fees = 2×
    agreement.annual_value = Decimal("5000000")
    agreement.save()
    assert [d.rule_name for d in deviations_for(agreement)] == ["Cap at least 1× annual fees"]


def test_it_refuses_approval_until_every_clause_is_decided(scope, playbook, legal):
    agreement, cap, law = _in_review(scope, legal, cap_multiple="1.5")
    with pytest.raises(ConflictError, match="still need a decision"):
        services.agreement_transition(
            agreement=agreement, actor=legal, status="approved", now=timezone.now()
        )


def test_it_refuses_approval_while_a_red_line_deviation_is_open(scope, playbook, legal):
    agreement, cap, law = _in_review(scope, legal)
    services.clause_decide(clause=law, actor=legal, decision="accepted", now=timezone.now())
    with pytest.raises(ConflictError, match="Red-line deviation open") as refused:
        services.agreement_transition(
            agreement=agreement, actor=legal, status="approved", now=timezone.now()
        )
    assert "Cap at least 1× annual fees" in refused.value.message
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.IN_LEGAL_REVIEW


def test_a_redline_that_meets_the_playbook_lets_the_agreement_be_approved(scope, playbook, legal):
    agreement, cap, law = _in_review(scope, legal)
    services.clause_decide(clause=law, actor=legal, decision="accepted", now=timezone.now())
    services.clause_decide(
        clause=cap,
        actor=legal,
        decision="redline",
        comment="Our floor is 12 months' fees.",
        redline_text="Each party's liability shall not exceed 150% of the annual fees.",
        redline_parameters={"cap_multiple": "1.5"},
        now=timezone.now(),
    )
    services.clause_redline_agree(
        clause=cap, actor=legal, note="Agreed on the call of 3 May.", now=timezone.now()
    )
    approved = services.agreement_transition(
        agreement=agreement, actor=legal, status="approved", now=timezone.now()
    )
    assert approved.status == Agreement.Status.APPROVED
    cap.refresh_from_db()
    assert cap.version == 2
    assert list(cap.versions.values_list("kind", flat=True)) == ["redline"]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "contracts.clause.accepted",
        "contracts.clause.redline",
        "contracts.agreement.approved",
    } <= actions


def test_a_rejected_clause_is_struck_and_its_deviation_closed(scope, playbook, legal):
    agreement, cap, law = _in_review(scope, legal)
    services.clause_decide(clause=law, actor=legal, decision="accepted", now=timezone.now())
    with pytest.raises(ValidationError):
        services.clause_decide(clause=cap, actor=legal, decision="rejected", now=timezone.now())
    services.clause_decide(
        clause=cap, actor=legal, decision="rejected", comment="Strike it.", now=timezone.now()
    )
    assert [d.is_open for d in deviations_for(agreement)] == [False]


def test_it_refuses_approval_while_a_clause_is_rejected(scope, playbook, legal):
    agreement, cap, law = _in_review(scope, legal)
    services.clause_decide(clause=law, actor=legal, decision="accepted", now=timezone.now())
    services.clause_decide(
        clause=cap, actor=legal, decision="rejected", comment="Strike it.", now=timezone.now()
    )
    with pytest.raises(ConflictError, match="1 clause\\(s\\) are rejected"):
        services.agreement_transition(
            agreement=agreement, actor=legal, status="approved", now=timezone.now()
        )
    services.clause_delete(clause=cap, actor=legal)
    approved = services.agreement_transition(
        agreement=agreement, actor=legal, status="approved", now=timezone.now()
    )
    assert approved.status == Agreement.Status.APPROVED


def test_only_an_assigned_reviewer_decides(scope, playbook, legal, make_member):
    agreement, cap, _ = _in_review(scope, legal)
    other_legal = make_member(scope, Role.LEGAL)
    with pytest.raises(PermissionDeniedError):
        services.clause_decide(
            clause=cap, actor=other_legal, decision="accepted", now=timezone.now()
        )


def test_a_correction_is_kept_next_to_the_detectors_proposal(scope, legal):
    agreement, cap, _ = _in_review(scope, legal)
    Clause.objects.filter(pk=cap.pk).update(
        source="detected", proposal="proposed", detection={"code": "warranty"}
    )
    cap.refresh_from_db()
    services.clause_correct(
        clause=cap,
        actor=legal,
        clause_type="limitation_of_liability",
        parameters={"cap_multiple": "2"},
    )
    cap.refresh_from_db()
    assert cap.proposal == "corrected"
    assert cap.detection == {"code": "warranty"}
    assert cap.versions.filter(kind=ClauseVersion.Kind.CORRECTION).count() == 1


def test_the_redline_marks_deleted_and_inserted_words():
    html = str(
        redline_html(
            "liability shall not exceed 50% of fees", "liability shall not exceed 150% of fees"
        )
    )
    assert "<del>50</del>" in html and "<ins>150</ins>" in html
    assert str(redline_html("<b>", "<i>")) == "<del>&lt;</del><ins>&lt;</ins>".replace(
        "<del>&lt;</del><ins>&lt;</ins>", "&lt;<del>b</del><ins>i</ins>&gt;"
    )


def test_an_executed_amendment_replaces_a_clause_from_its_effective_date(scope, legal):
    msa, cap, law = _in_review(scope, legal)
    amendment = AgreementFactory(
        organization=scope,
        partnership=msa.partnership,
        agreement_type="amendment",
        amends=msa,
        status=Agreement.Status.EXECUTED,
        effective_date=date(2025, 7, 1),
    )
    new_cap = ClauseFactory(
        organization=scope, agreement=amendment, parameters={"cap_multiple": "2"}
    )
    before = {t.clause.clause_type: t.clause.pk for t in terms_in_force(msa, on=date(2025, 6, 30))}
    after = {t.clause.clause_type: t.clause.pk for t in terms_in_force(msa, on=date(2025, 7, 1))}
    assert before["limitation_of_liability"] == cap.pk
    assert after["limitation_of_liability"] == new_cap.pk
    assert after["governing_law"] == law.pk


def _alert_world(scope, make_member):
    owner = make_member(scope, Role.PROCUREMENT_MANAGER, email="buyer@alpha.test")
    lawyer = make_member(scope, Role.LEGAL, email="lawyer@alpha.test")
    agreement = AgreementFactory(
        organization=scope,
        status=Agreement.Status.EXECUTED,
        owner=owner,
        term_type="auto_renewing",
        expiry_date=date(2025, 12, 31),
        renewal_period_months=12,
        notice_period_days=90,
    )
    return agreement, owner, lawyer


def test_the_alert_job_sends_each_alert_once_even_when_run_twice(org_a, make_member):
    from tenancy.context import tenant_scope

    with tenant_scope(org_a):
        agreement, owner, lawyer = _alert_world(org_a, make_member)
    for _ in range(2):
        contract_alerts.apply(kwargs={"organization_id": org_a.pk, "today": "2025-09-05"}).get()
    with tenant_scope(org_a):
        alerts = Notification.objects.filter(dedupe_key__startswith="contracts.notice.")
        assert sorted(alerts.values_list("recipient__email", flat=True)) == [
            "buyer@alpha.test",
            "lawyer@alpha.test",
        ]
        assert {a.dedupe_key for a in alerts} == {f"contracts.notice.{agreement.pk}.2025-10-02.30"}
        # Next lead time (7 days) is a new alert, once.
        for _ in range(2):
            sent = services.notice_alerts_send(today=date(2025, 9, 28))
        assert sent == 0
        assert alerts.all().count() == 4


def test_after_a_missed_deadline_alerts_follow_the_renewed_term(scope, make_member):
    agreement, owner, lawyer = _alert_world(scope, make_member)
    services.notice_alerts_send(today=date(2026, 4, 10))  # 175 days before 2026-10-02
    keys = set(Notification.objects.values_list("dedupe_key", flat=True))
    assert keys == {f"contracts.notice.{agreement.pk}.2026-10-02.180"}


def test_overdue_obligations_notify_their_owner_once(scope, owner):
    obligation = ObligationFactory(organization=scope, owner=owner, due_date=date(2025, 3, 31))
    assert services.obligations_notify_overdue(today=date(2025, 4, 2)) == 1
    assert services.obligations_notify_overdue(today=date(2025, 4, 3)) == 0
    services.obligation_fulfil(
        obligation=obligation, actor=owner, evidence="Report sent", now=timezone.now()
    )
    obligation.refresh_from_db()
    assert obligation.status == "fulfilled"


def test_fulfilling_a_recurring_obligation_moves_it_to_the_next_due_date(scope, owner):
    obligation = ObligationFactory(
        organization=scope, owner=owner, due_date=date(2025, 3, 31), recurrence="quarterly"
    )
    services.obligation_fulfil(
        obligation=obligation, actor=owner, evidence="Q1 report", now=timezone.now()
    )
    obligation.refresh_from_db()
    assert (obligation.status, obligation.due_date) == ("open", date(2025, 6, 30))
