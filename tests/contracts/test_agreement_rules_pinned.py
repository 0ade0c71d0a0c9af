"""Agreement rules pinned against the mutants that survived `make mutation`
(docs/mutation.md): the dispute ladder and the parties an agreement accepts, the refusals in
words, the clauses an approval blocker names, removing a reviewer, the deviations summary and an
amendment without a reference."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts import services
from contracts.models import Agreement, Clause
from contracts.services._shared import is_reviewer
from tenancy.dates import range_message
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import AuditEvent, Notification, Role
from tests.contracts.factories import AgreementFactory, ClauseFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

LADDER_STEPS = "negotiation, mediation, expert_determination, arbitration or courts"


def _create(scope, owner, **fields):
    return services.agreement_create(
        actor=owner, partnership=PartnershipFactory(organization=scope), title="MSA", **fields
    )


def test_a_dispute_ladder_takes_each_of_the_five_steps_in_any_order(scope, owner):
    ladder = [
        {"step": "courts", "seat": "Zurich"},
        {"step": "negotiation"},
        {"step": "mediation"},
        {"step": "expert_determination"},
        {"step": "arbitration", "seat": "Geneva"},
    ]
    agreement = _create(scope, owner, dispute_resolution=ladder)
    agreement.refresh_from_db()
    assert agreement.dispute_resolution == ladder


@pytest.mark.parametrize(
    "ladder",
    [
        [{"step": "prayer"}],
        [{"kind": "courts"}],
        ["courts"],
        [{"step": "negotiation"}, {"step": "duel"}],
    ],
)
def test_a_ladder_step_that_is_not_one_of_the_five_is_refused_naming_them(scope, owner, ladder):
    with pytest.raises(ValidationError) as refused:
        _create(scope, owner, dispute_resolution=ladder)
    assert refused.value.message_dict == {
        "dispute_resolution": [f"Each step needs a “step”: {LADDER_STEPS}."]
    }


def test_a_ladder_that_is_not_a_list_is_refused_in_words(scope, owner):
    with pytest.raises(ValidationError) as refused:
        _create(scope, owner, dispute_resolution={"step": "courts"})
    assert refused.value.message_dict == {"dispute_resolution": ["Give the steps as a list."]}
    agreement = _create(scope, owner)
    with pytest.raises(ValidationError) as on_update:
        services.agreement_update(agreement=agreement, actor=owner, dispute_resolution="courts")
    assert on_update.value.message_dict == {"dispute_resolution": ["Give the steps as a list."]}


@pytest.mark.parametrize(
    "parties",
    [
        {"name": "Alpha"},
        ["Alpha Industries"],
        [{"role": "customer"}],
        [{"name": "  ", "role": "customer"}],
        [{"name": "Alpha", "role": "customer"}, {"name": ""}],
    ],
)
def test_parties_are_a_list_of_named_objects_or_refused_in_words(scope, owner, parties):
    with pytest.raises(ValidationError) as refused:
        _create(scope, owner, parties=parties)
    assert refused.value.message_dict == {
        "parties": ["Give the parties as a list of {name, role}."]
    }


def test_named_parties_are_kept(scope, owner):
    parties = [{"name": "Alpha Industries", "role": "customer"}, {"name": "Supplier Ltd"}]
    agreement = _create(scope, owner, parties=parties)
    agreement.refresh_from_db()
    assert agreement.parties == parties


def test_an_approval_blocker_names_the_first_five_clauses_waiting(scope, owner):
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.IN_LEGAL_REVIEW)
    types = [
        "limitation_of_liability",
        "governing_law",
        "indemnification",
        "termination_for_convenience",
        "dispute_resolution",
        "warranty",
    ]
    for order, clause_type in enumerate(types, start=1):
        ClauseFactory(organization=scope, agreement=agreement, clause_type=clause_type, order=order)
    names = ", ".join(
        Clause(clause_type=clause_type).get_clause_type_display() for clause_type in types[:5]
    )
    assert services.approval_blockers(agreement) == [
        f"6 clause(s) still need a decision ({names})."
    ]


def test_a_removed_reviewer_no_longer_reviews_and_the_removal_is_audited(scope, owner, legal):
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.IN_LEGAL_REVIEW)
    services.agreement_assign_reviewer(agreement=agreement, reviewer=legal, actor=owner)
    assert is_reviewer(legal, agreement)
    services.agreement_remove_reviewer(agreement=agreement, reviewer=legal, actor=owner)
    assert not is_reviewer(legal, agreement)
    event = AuditEvent.objects.get(action="contracts.agreement.reviewer_removed")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        owner,
        "contracts.agreement",
        str(agreement.pk),
        {"reviewer": "legal@alpha.test"},
    )


def test_the_deviations_summary_lists_each_clauses_deviations(scope, playbook):
    agreement = AgreementFactory(organization=scope, agreement_type=Agreement.Type.SOW)
    cap = ClauseFactory(organization=scope, agreement=agreement, parameters={"cap_multiple": "0.5"})
    ClauseFactory(organization=scope, agreement=agreement, parameters={"cap_multiple": "2"})
    ClauseFactory(organization=scope, parameters={"cap_multiple": "0.1"})  # another agreement's
    summary = services.deviations_summary(agreement)
    assert [(d.clause_id, d.rule_name, d.severity) for d in summary] == [
        (cap.pk, "Cap at least 1× annual fees", "red_line")
    ]


def test_an_amendment_without_a_reference_has_none(scope, owner):
    executed = AgreementFactory(organization=scope, status=Agreement.Status.EXECUTED)
    amendment = services.agreement_amend(
        agreement=executed, actor=owner, title="Amendment 1", effective_date=date(2025, 7, 1)
    )
    amendment.refresh_from_db()
    assert amendment.reference == ""


def test_an_open_red_line_blocks_approval_in_words(scope, playbook, owner):
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.IN_LEGAL_REVIEW)
    ClauseFactory(
        organization=scope,
        agreement=agreement,
        parameters={"cap_multiple": "0.5"},
        decision=Clause.Decision.ACCEPTED,
    )
    assert services.approval_blockers(agreement) == [
        "Red-line deviation open on limitation of liability: Cap multiple is 0.5; the playbook "
        "requires at least 1. (rule: Cap at least 1× annual fees)"
    ]


def test_an_illegal_step_names_both_statuses_by_their_labels(scope, owner):
    ended = AgreementFactory(organization=scope, status=Agreement.Status.TERMINATED)
    with pytest.raises(TransitionNotAllowed) as to_review:
        services.agreement_transition(
            agreement=ended, actor=owner, status="in_legal_review", now=timezone.now()
        )
    assert to_review.value.message == (
        "An agreement that is terminated cannot become in legal review."
    )
    executed = AgreementFactory(organization=scope, status=Agreement.Status.EXECUTED)
    with pytest.raises(TransitionNotAllowed) as back:
        services.agreement_transition(
            agreement=executed, actor=owner, status="draft", now=timezone.now()
        )
    assert back.value.message == (
        "An agreement that is executed cannot become draft (it can become: expired, terminated)."
    )
    with pytest.raises(TransitionNotAllowed) as unknown:
        services.agreement_transition(
            agreement=executed, actor=owner, status="archived", now=timezone.now()
        )
    assert unknown.value.message == (
        "An agreement that is executed cannot become archived (it can become: expired, terminated)."
    )


def test_a_draft_without_clauses_is_not_sent_to_legal_review_and_is_told_why(scope, owner):
    draft = AgreementFactory(organization=scope)
    with pytest.raises(ConflictError) as refused:
        services.agreement_transition(
            agreement=draft, actor=owner, status="in_legal_review", now=timezone.now()
        )
    assert refused.value.message == ("Add or upload the clauses before sending it to legal review.")


def test_a_termination_is_refused_in_words_for_each_missing_or_wrong_fact(scope, owner):
    executed = AgreementFactory(organization=scope, status=Agreement.Status.EXECUTED)

    def terminate(**facts):
        with pytest.raises(ValidationError) as refused:
            services.agreement_transition(
                agreement=executed, actor=owner, status="terminated", now=timezone.now(), **facts
            )
        return refused.value.message_dict

    assert terminate(reason=" ") == {
        "reason": ["Say why the agreement is terminated."],
        "on": ["Give the date the termination takes effect."],
    }
    assert terminate(reason="Breach.", on=date(2023, 12, 31)) == {
        "on": ["The termination cannot take effect before the agreement did."]
    }
    assert terminate(reason="Breach.", on=date(1, 1, 1)) == {"on": [range_message()]}
    executed.refresh_from_db()
    assert (executed.status, executed.ended_on) == (Agreement.Status.EXECUTED, None)


def test_a_reviewer_is_assigned_once_audited_and_told(scope, owner, legal):
    agreement = AgreementFactory(organization=scope, title="Alder MSA")
    services.agreement_assign_reviewer(agreement=agreement, reviewer=legal, actor=owner)
    services.agreement_assign_reviewer(agreement=agreement, reviewer=legal, actor=owner)
    assert is_reviewer(legal, agreement)
    event = AuditEvent.objects.get(action="contracts.agreement.reviewer_assigned")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        owner,
        "contracts.agreement",
        str(agreement.pk),
        {"reviewer": "legal@alpha.test"},
    )
    note = Notification.objects.get(recipient=legal)
    assert (note.title, note.body, note.url, note.dedupe_key) == (
        "Legal review assigned: Alder MSA",
        "You were assigned as reviewer of this agreement.",
        f"/o/alpha/contracts/agreements/{agreement.pk}/review/",
        f"contracts.review.assigned.{agreement.pk}",
    )


def test_only_a_member_whose_role_reviews_becomes_a_reviewer(scope, owner, make_member, outsider):
    agreement = AgreementFactory(organization=scope)
    viewer = make_member(scope, Role.VIEWER)
    for person in (viewer, outsider):
        with pytest.raises(ValidationError) as refused:
            services.agreement_assign_reviewer(agreement=agreement, reviewer=person, actor=owner)
        assert refused.value.message_dict == {
            "reviewer": ["The reviewer must be a legal member of this organization."]
        }
        assert not is_reviewer(person, agreement)
    assert not AuditEvent.objects.filter(action="contracts.agreement.reviewer_assigned").exists()


def test_removing_someone_who_does_not_review_the_agreement_is_refused(scope, legal, owner):
    agreement = AgreementFactory(organization=scope, status=Agreement.Status.IN_LEGAL_REVIEW)
    with pytest.raises(ValidationError) as refused:
        services.agreement_remove_reviewer(agreement=agreement, reviewer=legal, actor=owner)
    assert refused.value.message_dict == {"reviewer": [f"{legal} does not review this agreement."]}
    assert not AuditEvent.objects.filter(action="contracts.agreement.reviewer_removed").exists()


def test_an_agreement_terminated_since_the_page_was_opened_is_not_amended(scope, owner):
    executed = AgreementFactory(organization=scope, status=Agreement.Status.EXECUTED)
    stale = Agreement.objects.get(pk=executed.pk)  # the page's copy
    Agreement.objects.filter(pk=executed.pk).update(status=Agreement.Status.TERMINATED)
    with pytest.raises(ConflictError):
        services.agreement_amend(
            agreement=stale, actor=owner, title="Amendment 1", effective_date=date(2025, 7, 1)
        )
    assert not Agreement.objects.filter(amends=executed).exists()
    assert not AuditEvent.objects.filter(action="contracts.agreement.amendment_started").exists()
