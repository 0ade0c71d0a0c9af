"""Edges of the rules added with issue #10: each test pins one guard of a service."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts import services
from contracts.models import Agreement, Clause, ClauseComment
from contracts.services.clauses import _apply_key_terms_from_clauses
from contracts.services.intake import _agreement_fields_from
from partnerships.services import partnership_invite_guest
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import Role
from tests.contracts.factories import AgreementFactory, ClauseFactory, ObligationFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def test_a_comment_needs_a_known_visibility(scope, owner):
    clause = ClauseFactory(organization=scope)
    with pytest.raises(ValidationError) as refused:
        services.clause_comment_add(clause=clause, actor=owner, body="x", visibility="public")
    assert "visibility" in refused.value.message_dict


def test_a_member_comment_is_internal_unless_shared(scope, owner):
    clause = ClauseFactory(organization=scope)
    internal = services.clause_comment_add(clause=clause, actor=owner, body="Ours only.")
    shared = services.clause_comment_add(
        clause=clause, actor=owner, body="For them.", visibility="shared"
    )
    assert internal.visibility == ClauseComment.Visibility.INTERNAL
    assert shared.visibility == ClauseComment.Visibility.SHARED


def test_a_reply_in_a_shared_thread_is_shared(scope, owner):
    clause = ClauseFactory(organization=scope)
    thread = services.clause_comment_add(
        clause=clause, actor=owner, body="For them.", visibility="shared"
    )
    reply = services.clause_comment_add(clause=clause, actor=owner, body="Yes.", parent=thread)
    assert reply.visibility == ClauseComment.Visibility.SHARED


def test_a_viewer_may_not_comment(scope, make_member):
    viewer = make_member(scope, Role.VIEWER)
    with pytest.raises(PermissionDeniedError):
        services.clause_comment_add(
            clause=ClauseFactory(organization=scope), actor=viewer, body="x"
        )


def _redlined(scope, legal, owner):
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.IN_LEGAL_REVIEW)
    clause = ClauseFactory(organization=scope, agreement=agreement)
    services.agreement_assign_reviewer(agreement=agreement, reviewer=legal, actor=owner)
    services.clause_decide(
        clause=clause,
        actor=legal,
        decision="redline",
        redline_text="New cap wording.",
        now=timezone.now(),
    )
    return agreement, clause


def test_a_guest_of_another_partnership_cannot_agree_to_a_redline(scope, legal, owner, make_member):
    agreement, clause = _redlined(scope, legal, owner)
    stranger = make_member(scope, Role.PARTNER_GUEST, email="stranger@guest.test")
    with pytest.raises(PermissionDeniedError):
        services.clause_redline_agree(clause=clause, actor=stranger, now=timezone.now())
    guest = make_member(scope, Role.PARTNER_GUEST, email="invited@guest.test")
    partnership_invite_guest(partnership=agreement.partnership, guest=guest, actor=owner)
    agreed = services.clause_redline_agree(clause=clause, actor=guest, now=timezone.now())
    assert agreed.partner_agreed_by == guest  # a guest needs no note


def test_the_partners_agreement_with_a_note_is_a_shared_comment(scope, legal, owner):
    agreement, clause = _redlined(scope, legal, owner)
    services.clause_redline_agree(
        clause=clause, actor=legal, note="E-mail of 3 May.", now=timezone.now()
    )
    comment = ClauseComment.objects.get(clause=clause, body="E-mail of 3 May.")
    assert comment.visibility == ClauseComment.Visibility.SHARED


def test_a_new_decision_drops_the_partners_agreement(scope, legal, owner):
    agreement, clause = _redlined(scope, legal, owner)
    services.clause_redline_agree(clause=clause, actor=legal, note="Agreed.", now=timezone.now())
    services.clause_decide(
        clause=clause, actor=legal, decision="rejected", comment="No.", now=timezone.now()
    )
    clause.refresh_from_db()
    assert clause.partner_agreed_at is None and clause.partner_agreed_by is None


def test_termination_out_of_the_calendar_is_refused(scope, owner):
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.EXECUTED)
    with pytest.raises(ValidationError) as refused:
        services.agreement_transition(
            agreement=agreement,
            actor=owner,
            status="terminated",
            reason="Breach.",
            on=date(9999, 1, 1),
            now=timezone.now(),
        )
    assert "Give a date between" in refused.value.message_dict["on"][0]


def test_an_expiry_records_the_day(scope, owner):
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.EXECUTED)
    done = services.agreement_transition(
        agreement=agreement,
        actor=owner,
        status="expired",
        today=date(2026, 12, 31),
        now=timezone.now(),
    )
    assert done.ended_on == date(2026, 12, 31)


def test_evidence_files_that_are_empty_or_too_big_are_refused(scope, owner, settings, tmp_path):
    from contracts.services import obligations

    settings.MEDIA_ROOT = tmp_path
    obligation = ObligationFactory(organization=scope)
    with pytest.raises(ValidationError, match="is empty"):
        services.obligation_fulfil(
            obligation=obligation,
            actor=owner,
            evidence_filename="empty.pdf",
            evidence_content=b"",
            evidence="Done.",
            now=timezone.now(),
        )
    too_big = b"x" * (obligations.EVIDENCE_MAX_BYTES + 1)
    with pytest.raises(ValidationError, match="the limit is 10,485,760 bytes"):
        services.obligation_fulfil(
            obligation=obligation,
            actor=owner,
            evidence_filename="big.pdf",
            evidence_content=too_big,
            now=timezone.now(),
        )
    done = services.obligation_fulfil(
        obligation=obligation,
        actor=owner,
        evidence_filename="ok.pdf",
        evidence_content=b"%PDF",
        now=timezone.now(),
    )
    assert done.status == "fulfilled"  # a file alone is evidence enough


def test_a_fulfilled_obligation_is_not_fulfilled_again(scope, owner):
    obligation = ObligationFactory(organization=scope)
    services.obligation_fulfil(
        obligation=obligation, actor=owner, evidence="Done.", now=timezone.now()
    )
    with pytest.raises(ConflictError, match="already fulfilled"):
        services.obligation_fulfil(
            obligation=obligation, actor=owner, evidence="Again.", now=timezone.now()
        )


def _facts(**values):
    base = {
        "effective_date": None,
        "expiry_date": None,
        "notice_period_days": None,
        "governing_law": "",
        "renewal_term": None,
    }
    return SimpleNamespace(facts=SimpleNamespace(**{**base, **values}))


def test_intake_drops_facts_outside_the_calendar(scope):
    partnership = PartnershipFactory(organization=scope, annual_value=Decimal("10"))
    fields = _agreement_fields_from(
        _facts(
            effective_date=date(1, 1, 1),
            expiry_date=date(9999, 12, 31),
            notice_period_days=100_000,
        ),
        partnership,
        scope,
    )
    assert "effective_date" not in fields and "expiry_date" not in fields
    assert "notice_period_days" not in fields
    assert fields["annual_value"] == Decimal("10")
    kept = _agreement_fields_from(
        _facts(
            effective_date=date(2025, 1, 1),
            expiry_date=date(2027, 12, 31),
            notice_period_days=3650,
        ),
        partnership,
        scope,
    )
    assert kept["effective_date"] == date(2025, 1, 1)
    assert kept["expiry_date"] == date(2027, 12, 31) and kept["notice_period_days"] == 3650


def test_key_terms_follow_the_clauses_but_not_struck_ones(scope):
    agreement = AgreementFactory(organization=scope, governing_law="England and Wales")
    ClauseFactory(
        organization=scope,
        agreement=agreement,
        clause_type="limitation_of_liability",
        parameters={"cap_amount": "2000000"},
    )
    ClauseFactory(
        organization=scope,
        agreement=agreement,
        clause_type="governing_law",
        parameters={"governing_law": "Switzerland"},
        decision=Clause.Decision.REJECTED,
    )
    ClauseFactory(
        organization=scope,
        agreement=agreement,
        clause_type="dispute_resolution",
        parameters={"arbitration_seat": "Geneva", "arbitration_rules": "Swiss Rules"},
    )
    changes = _apply_key_terms_from_clauses(agreement)
    agreement.refresh_from_db()
    assert agreement.liability_cap_type == Agreement.CapType.FIXED
    assert agreement.liability_cap_amount == Decimal("2000000")
    assert agreement.governing_law == "England and Wales"  # the struck clause does not count
    assert agreement.dispute_resolution[1] == {
        "step": "arbitration",
        "seat": "Geneva",
        "rules": "Swiss Rules",
    }
    assert set(changes) == {"liability_cap_type", "liability_cap_amount", "dispute_resolution"}
    assert _apply_key_terms_from_clauses(agreement) == {}  # nothing left to change


def test_an_uncapped_clause_makes_the_agreement_uncapped(scope):
    agreement = AgreementFactory(organization=scope)
    ClauseFactory(organization=scope, agreement=agreement, parameters={"uncapped": True})
    _apply_key_terms_from_clauses(agreement)
    agreement.refresh_from_db()
    assert agreement.liability_cap_type == Agreement.CapType.UNCAPPED


def test_the_governing_law_clause_sets_the_law(scope):
    agreement = AgreementFactory(organization=scope, governing_law="England and Wales")
    ClauseFactory(
        organization=scope,
        agreement=agreement,
        clause_type="governing_law",
        parameters={"governing_law": "  Switzerland "},
    )
    _apply_key_terms_from_clauses(agreement, save=False)
    assert agreement.governing_law == "Switzerland"
    agreement.refresh_from_db()
    assert agreement.governing_law == "England and Wales"  # save=False leaves the row


def test_audit_actions_read_as_words():
    from contracts.selectors import action_label

    assert action_label("contracts.clause.redline_agreed") == "Redline agreed by the partner"
    assert action_label("contracts.intake.some_new_thing") == "Intake some new thing"


def test_dispute_steps_tolerate_odd_stored_values():
    agreement = Agreement(dispute_resolution=[{"step": "courts", "seat": "Zurich"}, "junk"])
    assert agreement.dispute_steps == ["Courts (Zurich)"]
    assert Agreement(dispute_resolution={"step": "courts"}).dispute_steps == []


def test_stated_terms_use_the_playbook_words():
    clause = Clause(parameters={"notice_days": 90, "cap_currency": "EUR"})
    assert clause.stated_terms == [("Notice period in days", 90), ("Cap currency", "EUR")]
