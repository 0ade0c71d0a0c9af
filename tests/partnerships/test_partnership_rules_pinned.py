"""The partnership's own services pinned rule by rule (found by `make mutation
MUTATION_ARGS=partnerships.partnerships`, docs/mutation.md): what creating, editing, moving,
inviting a guest, removing one and deleting leave in the audit log; the refusals in words
(where a partnership can go instead, which mandatory checks are open, and of this partnership
only); who may be invited; what may be deleted."""

import pytest
from django.core.exceptions import ValidationError

from partnerships import services
from partnerships.models import DueDiligenceItem, Partnership
from partnerships.services.partnerships import transition_blockers
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import AuditEvent, Role
from tests.partnerships.factories import (
    DueDiligenceItemFactory,
    PartnerFactory,
    PartnershipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scope(org_a):
    with tenant_scope(org_a):
        yield org_a


def _event(action):
    [event] = AuditEvent.objects.filter(action=action)
    return event


def test_creating_a_partnership_is_audited_on_it_by_its_creator(scope, owner):
    partnership = services.partnership_create(
        actor=owner, partner=PartnerFactory(organization=scope), name="Alder", code="ALD"
    )
    event = _event("partnerships.partnership.created")
    assert (event.actor, event.object_id) == (owner, str(partnership.pk))


def test_an_edit_changes_only_the_partnerships_own_fields_and_audits_them(scope, owner):
    partnership = PartnershipFactory(organization=scope, name="Alder", status="proposed")
    services.partnership_update(
        partnership=partnership, actor=owner, name="Alder drive-train", status="active"
    )
    stored = Partnership.objects.get(pk=partnership.pk)
    assert (stored.name, stored.status) == ("Alder drive-train", "proposed")  # never the status
    event = _event("partnerships.partnership.updated")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(partnership.pk),
        {"name": ["Alder", "Alder drive-train"]},
    )
    services.partnership_update(partnership=partnership, actor=owner, name="Alder drive-train")
    assert AuditEvent.objects.filter(action="partnerships.partnership.updated").count() == 1


def test_a_step_the_lifecycle_does_not_allow_says_where_the_partnership_can_go(scope):
    partnership = PartnershipFactory(organization=scope, status=Partnership.Status.PROPOSED)
    assert transition_blockers(partnership, "active") == [
        "A partnership in Proposed cannot move to Active; from Proposed it can move to "
        "Due diligence or Closed."
    ]
    assert transition_blockers(partnership, "archived") == [
        "A partnership in Proposed cannot move to archived; from Proposed it can move to "
        "Due diligence or Closed."
    ]
    closed = PartnershipFactory(organization=scope, status=Partnership.Status.CLOSED)
    assert transition_blockers(closed, "active") == [
        "A partnership in Closed cannot move to Active; from Closed it can move to nowhere."
    ]


def test_only_this_partnerships_open_mandatory_checks_hold_it_in_due_diligence(scope, owner):
    partnership = PartnershipFactory(organization=scope, status=Partnership.Status.DUE_DILIGENCE)
    DueDiligenceItemFactory(organization=scope)  # another partnership's open check
    DueDiligenceItemFactory(organization=scope, partnership=partnership, mandatory=False)
    assert transition_blockers(partnership, "negotiating") == []
    DueDiligenceItemFactory(organization=scope, partnership=partnership, title="Sanctions")
    DueDiligenceItemFactory(
        organization=scope,
        partnership=partnership,
        title="Insurance",
        status=DueDiligenceItem.Status.FAILED,
    )
    expected = (
        "Mandatory due-diligence items are not settled: “Sanctions” (open), “Insurance” (failed)."
    )
    assert transition_blockers(partnership, "negotiating") == [expected]
    with pytest.raises(TransitionNotAllowed) as refused:
        services.partnership_transition(partnership=partnership, actor=owner, status="negotiating")
    assert refused.value.message == expected
    # Abandoning the candidate stays possible with checks open.
    services.partnership_transition(
        partnership=partnership, actor=owner, status="closed", reason="Failed the checks."
    )


def test_every_blocker_is_given_separated_by_a_space(scope, owner, monkeypatch):
    partnership = PartnershipFactory(organization=scope, status=Partnership.Status.PROPOSED)
    monkeypatch.setattr(
        "partnerships.services.partnerships.transition_blockers",
        lambda partnership, status: ["First.", "Second."],
    )
    with pytest.raises(TransitionNotAllowed) as refused:
        services.partnership_transition(
            partnership=partnership, actor=owner, status="closed", reason="Abandoned."
        )
    assert refused.value.message == "First. Second."


def test_a_move_is_audited_with_where_it_came_from(scope, owner):
    partnership = PartnershipFactory(organization=scope, status=Partnership.Status.PROPOSED)
    before = Partnership.objects.get(pk=partnership.pk).updated_at
    moved = services.partnership_transition(
        partnership=partnership, actor=owner, status="due_diligence"
    )
    assert moved.status == "due_diligence"
    assert Partnership.objects.get(pk=partnership.pk).updated_at >= before
    event = _event("partnerships.partnership.due_diligence")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(partnership.pk),
        {"status": ["proposed", "due_diligence"]},
    )


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_a_partnership_is_not_closed_without_a_reason_on_the_field(scope, owner, reason):
    partnership = PartnershipFactory(organization=scope, status=Partnership.Status.NEGOTIATING)
    with pytest.raises(ValidationError) as refused:
        services.partnership_transition(
            partnership=partnership, actor=owner, status="closed", reason=reason
        )
    assert refused.value.message_dict == {"reason": ["Closing a partnership needs a reason."]}
    assert Partnership.objects.get(pk=partnership.pk).status == Partnership.Status.NEGOTIATING
    assert not AuditEvent.objects.filter(action="partnerships.partnership.closed").exists()


@pytest.mark.parametrize("start", ["active", "under_review"])
@pytest.mark.parametrize("reason", [None, "", "  "])
def test_the_exit_is_not_started_without_a_reason_on_the_field(scope, owner, start, reason):
    partnership = PartnershipFactory(organization=scope, status=start)
    with pytest.raises(ValidationError) as refused:
        services.partnership_transition(
            partnership=partnership, actor=owner, status="exiting", reason=reason
        )
    assert refused.value.message_dict == {
        "reason": ["Starting the exit needs a reason: it cannot be undone."]
    }
    assert Partnership.objects.get(pk=partnership.pk).status == start


def test_the_reason_for_starting_the_exit_is_kept_in_the_audit_trail(scope, owner):
    partnership = PartnershipFactory(organization=scope, status=Partnership.Status.ACTIVE)
    services.partnership_transition(
        partnership=partnership, actor=owner, status="exiting", reason=" Repeated breaches. "
    )
    assert _event("partnerships.partnership.exiting").changes == {
        "status": ["active", "exiting"],
        "reason": "Repeated breaches.",
    }


@pytest.mark.parametrize(
    ("status", "needed"),
    [
        ("proposed", False),
        ("due_diligence", False),
        ("negotiating", False),
        ("active", False),
        ("under_review", False),
        ("exiting", True),
        ("closed", True),
    ],
)
def test_only_the_steps_that_end_a_partnership_need_a_reason(status, needed):
    assert services.transition_needs_reason(status) is needed


def test_the_reason_for_closing_is_kept_trimmed_in_the_audit_trail(scope, owner):
    partnership = PartnershipFactory(organization=scope, status=Partnership.Status.NEGOTIATING)
    services.partnership_transition(
        partnership=partnership, actor=owner, status="closed", reason="  Supplier insolvent.  "
    )
    assert _event("partnerships.partnership.closed").changes == {
        "status": ["negotiating", "closed"],
        "reason": "Supplier insolvent.",
    }


def test_only_an_active_partner_guest_of_this_organization_is_invited(
    scope, owner, org_b, make_member
):
    partnership = PartnershipFactory(organization=scope)
    colleague = make_member(scope, Role.PROCUREMENT_MANAGER, email="pm@alpha.test")
    elsewhere = make_member(org_b, Role.PARTNER_GUEST, email="guest@bravo.test")
    left = make_member(scope, Role.PARTNER_GUEST, email="left@alder.test")
    left.memberships.filter(organization=scope).update(is_active=False)
    for person in (colleague, elsewhere, left):
        with pytest.raises(ValueError) as refused:
            services.partnership_invite_guest(partnership=partnership, guest=person, actor=owner)
        assert str(refused.value) == f"{person} is not a partner guest of this organization."
    assert not AuditEvent.objects.filter(action="partnerships.partnership.guest_invited").exists()


def test_inviting_and_removing_a_guest_is_audited_with_their_address(scope, owner, make_member):
    partnership = PartnershipFactory(organization=scope)
    guest = make_member(scope, Role.PARTNER_GUEST, email="greta@alder.test")
    services.partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)
    assert guest.has_perm("partnerships.view_partnership", partnership)
    services.partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    guest = type(guest).objects.get(pk=guest.pk)  # a fresh permission cache
    assert not guest.has_perm("partnerships.view_partnership", partnership)
    for verb in ("guest_invited", "guest_removed"):
        event = _event(f"partnerships.partnership.{verb}")
        assert (event.actor, event.object_id, event.changes) == (
            owner,
            str(partnership.pk),
            {"guest": "greta@alder.test"},
        ), verb


def test_only_a_proposal_is_deleted_and_the_deletion_is_audited(scope, owner):
    started = PartnershipFactory(organization=scope, status=Partnership.Status.DUE_DILIGENCE)
    with pytest.raises(ConflictError) as refused:
        services.partnership_delete(partnership=started, actor=owner, reason="Entered twice")
    assert refused.value.message == "A partnership in Due diligence is closed, never deleted."
    assert Partnership.objects.filter(pk=started.pk).exists()
    proposal = PartnershipFactory(
        organization=scope, status=Partnership.Status.PROPOSED, name="Birch pilot"
    )
    pk = proposal.pk
    services.partnership_delete(partnership=proposal, actor=owner, reason="  Entered twice ")
    assert not Partnership.objects.filter(pk=pk).exists()
    event = _event("partnerships.partnership.deleted")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(pk),
        {"name": "Birch pilot", "reason": "Entered twice"},
    )


def test_a_proposal_is_not_deleted_without_a_reason(scope, owner):
    proposal = PartnershipFactory(
        organization=scope, status=Partnership.Status.PROPOSED, name="Cedar pilot"
    )
    for blank in (None, "", "  \n"):
        with pytest.raises(ValidationError) as refused:
            services.partnership_delete(partnership=proposal, actor=owner, reason=blank)
        assert list(refused.value.message_dict) == ["reason"]
    assert Partnership.objects.filter(pk=proposal.pk).exists()
    assert not AuditEvent.objects.filter(action="partnerships.partnership.deleted").exists()


def test_a_proposal_that_moved_on_since_the_page_was_opened_is_not_deleted(scope, owner):
    proposal = PartnershipFactory(organization=scope, status=Partnership.Status.PROPOSED)
    stale = Partnership.objects.get(pk=proposal.pk)  # the page's copy, still a proposal
    Partnership.objects.filter(pk=proposal.pk).update(status=Partnership.Status.DUE_DILIGENCE)
    with pytest.raises(ConflictError) as refused:
        services.partnership_delete(partnership=stale, actor=owner, reason="Entered twice")
    assert refused.value.message == "A partnership in Due diligence is closed, never deleted."
    assert Partnership.objects.filter(pk=proposal.pk).exists()
