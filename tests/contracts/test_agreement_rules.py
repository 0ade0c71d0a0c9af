"""Agreement services, pinned where `make mutation` found them unprotected: the audit events
(who, what, which object), the amendment's inherited terms, the limits' boundaries and the
refusal messages in words."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts import services
from contracts.models import Agreement
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import AuditEvent
from tests.contracts.factories import AgreementFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def _event(action, obj):
    return AuditEvent.objects.get(action=action, object_id=str(obj.pk))


def test_creating_and_editing_an_agreement_is_audited_with_the_actor(scope, owner):
    agreement = services.agreement_create(
        actor=owner, partnership=PartnershipFactory(organization=scope), title="Audited"
    )
    created = _event("contracts.agreement.created", agreement)
    assert created.actor == owner and created.object_type == "contracts.agreement"
    services.agreement_update(agreement=agreement, actor=owner, title="Audited twice")
    updated = _event("contracts.agreement.updated", agreement)
    assert updated.actor == owner
    assert updated.changes["title"] == ["Audited", "Audited twice"]


def test_an_approved_agreement_is_not_edited_and_the_refusal_names_its_status(scope, owner):
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.APPROVED)
    with pytest.raises(ConflictError) as refused:
        services.agreement_update(agreement=agreement, actor=owner, title="x")
    assert refused.value.message == (
        "An agreement that is approved is not edited; amend it instead."
    )


def test_the_limits_themselves_are_allowed(scope, owner):
    agreement = services.agreement_create(
        actor=owner,
        partnership=PartnershipFactory(organization=scope),
        title="At the limits",
        notice_period_days=3650,
        term_type="auto_renewing",
        expiry_date=date(2026, 1, 1),
        renewal_period_months=120,
    )
    assert agreement.notice_period_days == 3650 and agreement.renewal_period_months == 120
    with pytest.raises(ValidationError) as refused:
        services.agreement_update(agreement=agreement, actor=owner, renewal_period_months=121)
    assert refused.value.message_dict["renewal_period_months"] == [
        "Give a renewal period of at most 120 months."
    ]


def test_an_illegal_step_names_the_steps_that_are_allowed(scope, owner):
    draft = AgreementFactory(organization=scope)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.agreement_transition(
            agreement=draft, actor=owner, status="executed", now=timezone.now()
        )
    assert refused.value.message == (
        "An agreement that is draft cannot become executed (it can become: in legal review)."
    )
    ended = AgreementFactory(organization=scope, status=Agreement.Status.TERMINATED)
    with pytest.raises(TransitionNotAllowed) as final:
        services.agreement_transition(
            agreement=ended, actor=owner, status="draft", now=timezone.now()
        )
    assert final.value.message == "An agreement that is terminated cannot become draft."


def test_an_agreement_without_clauses_cannot_be_approved(scope, owner):
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.IN_LEGAL_REVIEW)
    assert services.approval_blockers(agreement) == ["The agreement has no clauses to review."]


def test_an_amendment_inherits_the_agreements_terms_and_is_audited(scope, owner, legal):
    executed = AgreementFactory(
        organization=scope,
        status=Agreement.Status.EXECUTED,
        currency="USD",
        annual_value=Decimal("750000.00"),
        governing_law="New York",
        jurisdiction="S.D.N.Y.",
    )
    amendment = services.agreement_amend(
        agreement=executed,
        actor=legal,
        title="Amendment 2",
        reference="AMD-2",
        effective_date=executed.effective_date,  # the same day is allowed
    )
    amendment.refresh_from_db()
    assert amendment.effective_date == executed.effective_date
    assert amendment.reference == "AMD-2" and amendment.owner == legal
    assert (amendment.currency, amendment.annual_value) == ("USD", Decimal("750000.00"))
    assert (amendment.governing_law, amendment.jurisdiction) == ("New York", "S.D.N.Y.")
    assert amendment.parties == executed.parties
    event = _event("contracts.agreement.amendment_started", executed)
    assert event.actor == legal
    assert event.changes == {
        "amendment": amendment.pk,
        "effective_date": str(executed.effective_date),
    }
    assert _event("contracts.agreement.created", amendment).actor == legal


def test_an_amendment_before_the_agreement_is_refused_under_its_field(scope, owner):
    executed = AgreementFactory(organization=scope, status=Agreement.Status.EXECUTED)
    with pytest.raises(ValidationError) as refused:
        services.agreement_amend(
            agreement=executed, actor=owner, title="Too early", effective_date=date(2023, 12, 31)
        )
    assert refused.value.message_dict == {
        "effective_date": ["An amendment cannot take effect before the agreement does."]
    }


def test_a_draft_is_not_amended_and_the_refusal_names_its_status(scope, owner):
    with pytest.raises(ConflictError) as refused:
        services.agreement_amend(
            agreement=AgreementFactory(organization=scope),
            actor=owner,
            title="x",
            effective_date=date(2025, 1, 1),
        )
    assert refused.value.message.startswith("An agreement that is draft is edited, not amended")


def test_without_a_day_given_the_day_recorded_is_the_one_of_the_moment_passed_in(scope, owner):
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.APPROVED)
    executed = services.agreement_transition(
        agreement=agreement,
        actor=owner,
        status="executed",
        now=datetime(2031, 1, 15, 12, tzinfo=UTC),
    )
    expired = services.agreement_transition(
        agreement=agreement,
        actor=owner,
        status="expired",
        now=datetime(2032, 1, 15, 12, tzinfo=UTC),
    )
    assert (executed.executed_on, expired.ended_on) == (date(2031, 1, 15), date(2032, 1, 15))


def test_each_transition_records_its_day_and_an_audit_event(scope, owner, legal):
    from tests.contracts.factories import ClauseFactory

    agreement = AgreementFactory(organization=scope, status=Agreement.Status.IN_LEGAL_REVIEW)
    ClauseFactory(organization=scope, agreement=agreement, decision="accepted")
    approved = services.agreement_transition(
        agreement=agreement,
        actor=owner,
        status="approved",
        now=datetime(2025, 1, 20, 11, tzinfo=UTC),
    )
    assert approved.approved_at == datetime(2025, 1, 20, 11, tzinfo=UTC)
    executed = services.agreement_transition(
        agreement=agreement,
        actor=owner,
        status="executed",
        today=date(2025, 2, 1),
        now=timezone.now(),
    )
    assert executed.executed_on == date(2025, 2, 1)
    terminated = services.agreement_transition(
        agreement=agreement,
        actor=legal,
        status="terminated",
        reason="  Insolvency of the supplier.  ",
        on=agreement.effective_date,  # the first day of the agreement is allowed
        now=timezone.now(),
    )
    assert terminated.ended_on == agreement.effective_date
    event = _event("contracts.agreement.terminated", agreement)
    assert event.actor == legal
    assert event.changes == {
        "status": ["executed", "terminated"],
        "reason": "Insolvency of the supplier.",
        "ended_on": str(agreement.effective_date),
    }
    assert _event("contracts.agreement.executed", agreement).changes == {
        "status": ["approved", "executed"]
    }


def test_a_blocked_approval_carries_its_code_and_every_reason(scope, owner):
    from tests.contracts.factories import ClauseFactory

    agreement = AgreementFactory(organization=scope, status=Agreement.Status.IN_LEGAL_REVIEW)
    ClauseFactory(organization=scope, agreement=agreement)
    ClauseFactory(organization=scope, agreement=agreement, decision="rejected")
    with pytest.raises(ConflictError) as refused:
        services.agreement_transition(
            agreement=agreement, actor=owner, status="approved", now=timezone.now()
        )
    assert refused.value.code == "approval_blocked"
    assert refused.value.message == (
        "The agreement cannot be approved: 1 clause(s) still need a decision (Limitation of "
        "liability). 1 clause(s) are rejected (Limitation of liability): propose a redline or "
        "remove the clause from the draft."
    )
