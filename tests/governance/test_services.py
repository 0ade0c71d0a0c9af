"""The change-request rules, as specifications: numbering, who may approve for which party, the
two-party approval rule, one decision per approver, the lifecycle, notifications and audit."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from governance import services
from governance.models import ChangeRequest, ChangeRequestApprover
from partnerships.services import partnership_remove_guest
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError, PermissionDeniedError, TransitionNotAllowed
from tenancy.models import AuditEvent, Notification, Role
from tests.contracts.factories import AgreementFactory
from tests.governance.conftest import NOW
from tests.governance.factories import ChangeRequestFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def draft(manager, partnership, **fields):
    fields.setdefault("title", "Saturday service desk")
    fields.setdefault("cost_impact", Decimal("12500.00"))
    return services.change_request_create(actor=manager, partnership=partnership, now=NOW, **fields)


def submitted(manager, partnership, approvers, **fields):
    change_request = draft(manager, partnership, **fields)
    for user in approvers:
        services.change_request_approver_add(
            change_request=change_request, user=user, actor=manager
        )
    return services.change_request_submit(change_request=change_request, actor=manager, now=NOW)


def actions(change_request) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_type="governance.changerequest", object_id=str(change_request.pk)
        )
        .order_by("sequence")
        .values_list("action", flat=True)
    )


# --- creating and editing -----------------------------------------------------------------


def test_it_numbers_change_requests_per_organization(
    scope, org_b, manager, partnership, make_member
):
    first = draft(manager, partnership)
    second = draft(manager, partnership, title="Price indexation")
    assert (first.reference, second.reference) == ("CR-0001", "CR-0002")
    assert first.currency == partnership.currency and first.status == "draft"
    assert first.requested_by == manager
    other_manager = make_member(org_b, Role.PROCUREMENT_MANAGER)
    with tenant_scope(org_b):
        other = draft(other_manager, PartnershipFactory(organization=org_b))
    assert other.reference == "CR-0001"


def test_it_refuses_an_agreement_of_another_partnership(scope, manager, partnership):
    foreign = AgreementFactory(organization=scope)
    with pytest.raises(ValidationError) as error:
        draft(manager, partnership, agreement=foreign)
    assert "agreement" in error.value.message_dict
    own = AgreementFactory(organization=scope, partnership=partnership)
    assert draft(manager, partnership, agreement=own).agreement == own


def test_it_refuses_a_decision_deadline_in_the_past(scope, manager, partnership):
    with pytest.raises(ValidationError) as error:
        draft(manager, partnership, decision_due=NOW - timedelta(hours=1))
    assert "decision_due" in error.value.message_dict


def test_a_draft_is_edited_and_audited_but_a_submitted_request_is_not(
    scope, manager, committee, guest, partnership
):
    change_request = draft(manager, partnership)
    services.change_request_update(
        change_request=change_request,
        actor=manager,
        now=NOW,
        cost_impact=Decimal("-4000.00"),
        category="price",
    )
    change_request.refresh_from_db()
    assert change_request.cost_impact == Decimal("-4000.00") and change_request.category == "price"
    assert actions(change_request) == [
        "governance.change_request.created",
        "governance.change_request.updated",
    ]
    submitted_request = submitted(manager, partnership, [committee, guest], title="Other")
    with pytest.raises(ConflictError, match="only while it is a draft"):
        services.change_request_update(
            change_request=submitted_request, actor=manager, now=NOW, title="Sneaky"
        )
    with pytest.raises(ConflictError):
        services.change_request_approver_add(
            change_request=submitted_request, user=manager, actor=manager
        )


# --- approvers ----------------------------------------------------------------------------


def test_the_party_of_an_approver_follows_from_their_membership(
    scope, manager, committee, guest, partnership
):
    change_request = draft(manager, partnership)
    ours = services.change_request_approver_add(
        change_request=change_request, user=committee, actor=manager
    )
    theirs = services.change_request_approver_add(
        change_request=change_request, user=guest, actor=manager
    )
    assert (ours.party, theirs.party) == ("customer", "partner")
    assert ours.decision == theirs.decision == "pending"


def test_customer_approvers_need_a_role_that_may_approve(scope, manager, member, partnership):
    change_request = draft(manager, partnership)
    with pytest.raises(ValidationError, match="does not approve change requests"):
        services.change_request_approver_add(
            change_request=change_request, user=member, actor=manager
        )


def test_partner_approvers_must_be_guests_invited_to_the_partnership(
    scope, manager, guest, make_member, org_a
):
    other_partnership = PartnershipFactory(organization=org_a)
    change_request = draft(manager, other_partnership)
    with pytest.raises(ValidationError, match="not invited to this partnership"):
        services.change_request_approver_add(
            change_request=change_request, user=guest, actor=manager
        )


def test_a_user_of_another_organization_cannot_be_an_approver(
    scope, manager, outsider, partnership
):
    change_request = draft(manager, partnership)
    with pytest.raises(ValidationError, match="member of this organization"):
        services.change_request_approver_add(
            change_request=change_request, user=outsider, actor=manager
        )


def test_an_approver_is_added_once_and_removed_while_draft(scope, manager, committee, partnership):
    change_request = draft(manager, partnership)
    services.change_request_approver_add(
        change_request=change_request, user=committee, actor=manager
    )
    with pytest.raises(ValidationError, match="already an approver"):
        services.change_request_approver_add(
            change_request=change_request, user=committee, actor=manager
        )
    services.change_request_approver_remove(
        change_request=change_request, user=committee, actor=manager
    )
    assert not ChangeRequestApprover.objects.filter(change_request=change_request).exists()
    assert actions(change_request)[-2:] == [
        "governance.change_request.approver_added",
        "governance.change_request.approver_removed",
    ]


# --- submission ---------------------------------------------------------------------------


def test_it_refuses_to_submit_without_an_approver_of_each_party(
    scope, manager, committee, partnership
):
    change_request = draft(manager, partnership)
    services.change_request_approver_add(
        change_request=change_request, user=committee, actor=manager
    )
    with pytest.raises(ConflictError, match="approver of the partner") as error:
        services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    assert error.value.code == "submission_blocked"
    change_request.refresh_from_db()
    assert change_request.status == "draft"


def test_submission_rechecks_that_the_partner_approver_is_still_invited(
    scope, manager, committee, guest, partnership, owner
):
    change_request = draft(manager, partnership)
    for user in (committee, guest):
        services.change_request_approver_add(
            change_request=change_request, user=user, actor=manager
        )
    partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    with pytest.raises(ConflictError, match="not invited"):
        services.change_request_submit(change_request=change_request, actor=manager, now=NOW)


def test_submission_sets_a_default_deadline_and_notifies_every_approver_once(
    scope, manager, committee, guest, partnership
):
    change_request = submitted(manager, partnership, [committee, guest])
    assert change_request.status == "submitted" and change_request.submitted_at == NOW
    assert change_request.decision_due == NOW + services.DEFAULT_DECISION_PERIOD
    told = Notification.objects.filter(dedupe_key__startswith="governance.change_request.sub")
    assert sorted(told.values_list("recipient__email", flat=True)) == [
        "committee@alpha.test",
        "guest@alder.test",
    ]
    assert "CR-0001 awaits your decision" in told.first().title
    assert told.first().url == f"/o/alpha/governance/change-requests/{change_request.pk}/"


# --- decisions ----------------------------------------------------------------------------


def test_change_request_needs_both_parties_to_approve(
    scope, manager, committee, guest, partnership, make_member, org_a
):
    second_customer = make_member(org_a, Role.COMMITTEE_MEMBER)
    change_request = submitted(manager, partnership, [committee, second_customer, guest])

    services.change_request_approve(
        change_request=change_request, approver=committee, comment="Fine by us", now=NOW
    )
    services.change_request_approve(
        change_request=change_request, approver=second_customer, now=NOW
    )
    change_request.refresh_from_db()
    assert change_request.status == "submitted"  # the customer alone does not decide

    services.change_request_approve(change_request=change_request, approver=guest, now=NOW)
    change_request.refresh_from_db()
    assert change_request.status == "approved" and change_request.decided_at == NOW
    assert set(change_request.approvers.values_list("decision", flat=True)) == {"approved"}
    assert actions(change_request)[-2:] == [
        "governance.change_request.approval_recorded",
        "governance.change_request.approved",
    ]
    approved_note = Notification.objects.get(
        dedupe_key=f"governance.change_request.approved:{change_request.pk}"
    )
    assert approved_note.recipient == manager


def test_the_partner_alone_does_not_decide_either(scope, manager, committee, guest, partnership):
    change_request = submitted(manager, partnership, [committee, guest])
    services.change_request_approve(change_request=change_request, approver=guest, now=NOW)
    change_request.refresh_from_db()
    assert change_request.status == "submitted"


def test_it_rejects_approval_by_a_non_required_approver(
    scope, manager, committee, guest, partnership, owner
):
    change_request = submitted(manager, partnership, [committee, guest])
    with pytest.raises(PermissionDeniedError, match="Only the approvers"):
        services.change_request_approve(change_request=change_request, approver=owner, now=NOW)
    with pytest.raises(PermissionDeniedError):
        services.change_request_reject(
            change_request=change_request, approver=owner, reason="No", now=NOW
        )


def test_a_second_decision_by_the_same_approver_is_a_conflict(
    scope, manager, committee, guest, partnership
):
    change_request = submitted(manager, partnership, [committee, guest])
    services.change_request_approve(change_request=change_request, approver=committee, now=NOW)
    with pytest.raises(ConflictError, match="decision is taken once") as error:
        services.change_request_approve(change_request=change_request, approver=committee, now=NOW)
    assert error.value.code == "already_decided"
    with pytest.raises(ConflictError, match="decision is taken once"):
        services.change_request_reject(
            change_request=change_request, approver=committee, reason="Changed my mind", now=NOW
        )


def test_decisions_are_taken_only_while_submitted(scope, manager, committee, guest, partnership):
    change_request = draft(manager, partnership)
    for user in (committee, guest):
        services.change_request_approver_add(
            change_request=change_request, user=user, actor=manager
        )
    with pytest.raises(ConflictError, match="only while it is submitted"):
        services.change_request_approve(change_request=change_request, approver=committee, now=NOW)


def test_one_rejection_with_its_reason_rejects_the_request(
    scope, manager, committee, guest, partnership
):
    change_request = submitted(manager, partnership, [committee, guest])
    services.change_request_approve(change_request=change_request, approver=committee, now=NOW)
    with pytest.raises(ValidationError) as error:
        services.change_request_reject(
            change_request=change_request, approver=guest, reason="  ", now=NOW
        )
    assert "reason" in error.value.message_dict
    services.change_request_reject(
        change_request=change_request, approver=guest, reason="Price too high", now=NOW
    )
    change_request.refresh_from_db()
    assert change_request.status == "rejected"
    assert change_request.rejection_reason == "Price too high"
    assert change_request.approvers.get(user=guest).decision == "rejected"
    told = set(
        Notification.objects.filter(
            dedupe_key=f"governance.change_request.rejected:{change_request.pk}"
        ).values_list("recipient__email", flat=True)
    )
    assert told == {"manager@alpha.test", "committee@alpha.test"}
    with pytest.raises(TransitionNotAllowed):
        services.change_request_implement(change_request=change_request, actor=manager, now=NOW)


# --- implementation and withdrawal --------------------------------------------------------


def test_only_an_approved_request_is_implemented(scope, manager, committee, guest, partnership):
    change_request = submitted(manager, partnership, [committee, guest])
    with pytest.raises(TransitionNotAllowed, match="cannot go from “submitted” to “implemented”"):
        services.change_request_implement(change_request=change_request, actor=manager, now=NOW)
    for user in (committee, guest):
        services.change_request_approve(change_request=change_request, approver=user, now=NOW)
    later = NOW + timedelta(days=3)
    done = services.change_request_implement(
        change_request=change_request, actor=manager, now=later
    )
    assert done.status == "implemented" and done.implemented_at == later


def test_the_requester_or_a_manager_withdraws_before_the_decision(
    scope, manager, committee, guest, partnership, owner
):
    change_request = submitted(manager, partnership, [committee, guest])
    with pytest.raises(PermissionDeniedError, match="requester or a procurement manager"):
        services.change_request_withdraw(change_request=change_request, actor=committee, now=NOW)
    services.change_request_withdraw(change_request=change_request, actor=owner, now=NOW)
    change_request.refresh_from_db()
    assert change_request.status == "withdrawn" and change_request.withdrawn_at == NOW
    assert (
        Notification.objects.filter(
            dedupe_key=f"governance.change_request.withdrawn:{change_request.pk}"
        ).count()
        == 2
    )

    decided = submitted(manager, partnership, [committee, guest], title="Decided")
    for user in (committee, guest):
        services.change_request_approve(change_request=decided, approver=user, now=NOW)
    with pytest.raises(TransitionNotAllowed):
        services.change_request_withdraw(change_request=decided, actor=manager, now=NOW)


# --- concurrency --------------------------------------------------------------------------


def _in_threads(organization, *jobs):
    """Run each job in its own thread and database connection, released together."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(index, job):
        try:
            with tenant_scope(organization):
                barrier.wait(timeout=10)
                outcomes[index] = job()
        except Exception as error:  # noqa: BLE001 - reported to the test below
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_final_approvals_approve_the_request_exactly_once(
    org_a, manager, committee, guest, partnership
):
    with tenant_scope(org_a):
        change_request = submitted(manager, partnership, [committee, guest])
    outcomes = _in_threads(
        org_a,
        *(
            (
                lambda user=user: services.change_request_approve(
                    change_request=change_request, approver=user, now=NOW
                ).status
            )
            for user in (committee, guest)
        ),
    )
    assert sorted(outcomes) == ["approved", "submitted"]  # the second to lock sees the first
    with tenant_scope(org_a):
        change_request.refresh_from_db()
        assert change_request.status == "approved"
        assert actions(change_request).count("governance.change_request.approved") == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_creations_get_distinct_numbers(org_a, manager, partnership):
    outcomes = _in_threads(
        org_a,
        *(
            (lambda n=n: draft(manager, partnership, title=f"Parallel {n}").number)
            for n in range(4)
        ),
    )
    assert sorted(outcomes) == [1, 2, 3, 4]


def test_numbers_continue_after_rows_loaded_in_bulk(scope, manager, partnership):
    ChangeRequestFactory(organization=scope, partnership=partnership, number=41)
    assert draft(manager, partnership).reference == "CR-0042"


def test_money_and_reference_of_a_change_request(scope, partnership):
    change_request = ChangeRequestFactory(
        organization=scope, partnership=partnership, number=7, cost_impact=Decimal("1234.5")
    )
    assert str(change_request.cost_impact_money) == "EUR 1,234.50"
    assert str(change_request).startswith("CR-0007 ")
    assert ChangeRequest.objects.get().reference == "CR-0007"
