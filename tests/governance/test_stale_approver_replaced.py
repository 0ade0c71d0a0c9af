"""An approver who can no longer decide does not hold a submitted change request hostage.

A partner guest taken off the partnership, a member who left the organization or whose role no
longer approves cannot decide, so the request would wait for them until someone withdrew and
resubmitted it. While it awaits decisions, the requester or a procurement manager hands that
decision to another approver of the same party (with a reason, recorded and told to the new
approver), or drops it when the party keeps another approver and no rule required them. Only
an approver who cannot decide is replaced: nobody swaps a reluctant approver for a willing one,
and a decision already taken stands."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from governance import services
from governance.forms import ApproverReplaceForm
from governance.models import ChangeRequest, ChangeRequestApprover
from partnerships.services import partnership_remove_guest
from tenancy.access.services.members import membership_change_role, membership_deactivate
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import AuditEvent, Membership, Notification, Role
from tests.governance.conftest import NOW
from tests.governance.test_services import submitted

pytestmark = pytest.mark.django_db


def _replace(change_request, user, replacement, actor, reason="Greta left Alder in March."):
    return services.change_request_approver_replace(
        change_request=change_request,
        user=user,
        replacement=replacement,
        reason=reason,
        actor=actor,
        now=NOW,
    )


def _approvers(change_request) -> list[tuple[str, str, str]]:
    return sorted(
        (a.user.email, a.party, a.decision)
        for a in ChangeRequestApprover.objects.filter(change_request=change_request)
    )


@pytest.fixture
def stuck(scope, manager, committee, guest, owner, partnership):
    """CR-0001 submitted to Carl (ours) and Greta (the partner's); then Greta is taken off."""
    change_request = submitted(manager, partnership, [committee, guest])
    partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    return change_request


# --- handing the decision on -----------------------------------------------------------------


def test_a_partner_approver_taken_off_is_replaced_by_another_guest_of_the_partnership(
    stuck, manager, committee, guest, partner_sponsor
):
    _replace(stuck, guest, partner_sponsor, manager)
    assert _approvers(stuck) == [
        ("committee@alpha.test", "customer", "pending"),
        ("pia@alder.test", "partner", "pending"),
    ]
    told = Notification.objects.get(recipient=partner_sponsor, title__contains="awaits your")
    assert told.title == "CR-0001 awaits your decision: Saturday service desk"
    assert told.url == f"/o/alpha/governance/change-requests/{stuck.pk}/"
    assert told.dedupe_key.startswith(f"governance.change_request.approver_replaced:{stuck.pk}:")
    assert "you decide in place of Greta Guest" in told.body
    assert "(Greta left Alder in March.)" in told.body
    assert "Decide by 20 Jan 2030" in told.body
    event = AuditEvent.objects.get(action="governance.change_request.approver_replaced")
    assert event.actor_id == manager.pk
    assert event.changes["approver"] == "guest@alder.test"
    assert event.changes["replacement"] == "pia@alder.test"
    assert event.changes["party"] == "partner"
    assert event.changes["reason"] == "Greta left Alder in March."
    assert "not invited to this partnership" in event.changes["why"]
    # The request goes on as before: both remaining approvers approve it.
    for approver in (committee, partner_sponsor):
        services.change_request_approve(change_request=stuck, approver=approver, now=NOW)
    stuck.refresh_from_db()
    assert stuck.status == ChangeRequest.Status.APPROVED


def test_a_member_who_left_is_replaced_by_another_member_who_approves(
    scope, org_a, manager, committee, guest, sponsor, owner, partnership
):
    change_request = submitted(manager, partnership, [committee, guest])
    membership_deactivate(
        membership=Membership.objects.get(organization=org_a, user=committee),
        actor=owner,
        reason="Left the company",
        now=NOW,
    )
    assert services.approvers_who_cannot_decide(
        change_request, list(change_request.approvers.select_related("user"))
    ) == {committee.pk: "The approver must be a member of this organization."}
    _replace(change_request, committee, sponsor, manager, reason="Carl left.")
    assert ("sponsor@alpha.test", "customer", "pending") in _approvers(change_request)


def test_a_member_whose_role_no_longer_approves_can_no_longer_decide(
    scope, org_a, manager, committee, guest, owner, partnership
):
    change_request = submitted(manager, partnership, [committee, guest])
    membership_change_role(
        membership=Membership.objects.get(organization=org_a, user=committee),
        role=Role.VIEWER,
        actor=owner,
    )
    why = services.approvers_who_cannot_decide(
        change_request, list(change_request.approvers.select_related("user"))
    )
    assert why == {
        committee.pk: "Carl Committee is a viewer, a role that does not approve change requests."
    }


def test_an_approver_who_can_still_decide_is_not_replaced(
    scope, manager, committee, guest, partner_sponsor, partnership
):
    change_request = submitted(manager, partnership, [committee, guest])
    with pytest.raises(ConflictError) as refused:
        _replace(change_request, guest, partner_sponsor, manager)
    assert refused.value.code == "approver_can_decide"
    assert str(refused.value) == (
        "Greta Guest can still decide for the partner party: only an approver who can no "
        "longer decide is replaced."
    )
    assert ("guest@alder.test", "partner", "pending") in _approvers(change_request)


def test_a_decision_already_taken_stands(
    scope, manager, committee, guest, owner, partner_sponsor, partnership
):
    change_request = submitted(manager, partnership, [committee, guest])
    services.change_request_approve(change_request=change_request, approver=guest, now=NOW)
    partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    with pytest.raises(ConflictError) as refused:
        _replace(change_request, guest, partner_sponsor, manager)
    assert refused.value.code == "already_decided"
    assert "already approved CR-0001" in str(refused.value)


def test_approvers_are_replaced_only_while_the_request_awaits_decisions(
    stuck, manager, guest, partner_sponsor
):
    services.change_request_withdraw(change_request=stuck, actor=manager, now=NOW)
    with pytest.raises(ConflictError) as refused:
        _replace(stuck, guest, partner_sponsor, manager)
    assert refused.value.code == "not_submitted"
    assert str(refused.value) == (
        "CR-0001 is withdrawn: approvers are replaced only while it awaits decisions (in a "
        "draft, remove and add them)."
    )


def test_a_reason_is_required(stuck, manager, guest, partner_sponsor):
    for blank in ("   ", "", None):
        with pytest.raises(ValidationError) as refused:
            _replace(stuck, guest, partner_sponsor, manager, reason=blank)
        assert refused.value.message_dict == {"reason": ["Say why the approver is replaced."]}


def test_only_the_requester_or_a_procurement_manager_replaces(
    stuck, org_a, committee, guest, partner_sponsor, make_member, outsider
):
    with pytest.raises(PermissionDeniedError) as refused:
        _replace(stuck, guest, partner_sponsor, committee)
    assert str(refused.value) == "Only the requester or a procurement manager replaces an approver."
    # Someone with no membership here at all is refused the same way.
    with pytest.raises(PermissionDeniedError):
        _replace(stuck, guest, partner_sponsor, outsider)
    other_manager = make_member(org_a, Role.PROCUREMENT_MANAGER, email="pm2@alpha.test")
    _replace(stuck, guest, partner_sponsor, other_manager)
    assert ("pia@alder.test", "partner", "pending") in _approvers(stuck)


def test_a_user_who_is_not_an_approver_is_not_replaced(
    stuck, manager, sponsor, partner_sponsor, partnership
):
    """Not of *this* request: being an approver of another one does not count."""
    submitted(manager, partnership, [sponsor, partner_sponsor], title="Second dock")
    with pytest.raises(ValidationError) as refused:
        _replace(stuck, sponsor, partner_sponsor, manager)
    assert refused.value.message_dict == {
        "user": ["Sam Sponsor is not an approver of this change request."]
    }


# --- who may decide in their place -----------------------------------------------------------


def test_the_replacement_decides_for_the_same_party(stuck, manager, guest, sponsor):
    with pytest.raises(ValidationError) as refused:
        _replace(stuck, guest, sponsor, manager)
    assert refused.value.message_dict == {
        "replacement": [
            "Sam Sponsor would decide for the customer party, not for the partner party."
        ]
    }


def test_the_replacement_must_be_able_to_decide(stuck, org_a, manager, guest, member, make_member):
    stranger = make_member(org_a, Role.PARTNER_GUEST, email="s@birch.test", full_name="Sid")
    with pytest.raises(ValidationError) as not_invited:
        _replace(stuck, guest, stranger, manager)
    assert not_invited.value.message_dict == {
        "replacement": ["Sid is a partner guest not invited to this partnership."]
    }
    with pytest.raises(ValidationError) as viewer:
        _replace(stuck, guest, member, manager)
    assert "a role that does not approve" in viewer.value.message_dict["replacement"][0]


def test_an_approver_of_another_request_may_take_the_decision(
    stuck, manager, committee, guest, partner_sponsor, partnership
):
    submitted(manager, partnership, [committee, partner_sponsor], title="Second dock")
    _replace(stuck, guest, partner_sponsor, manager)
    assert ("pia@alder.test", "partner", "pending") in _approvers(stuck)


def test_the_replacement_is_not_already_an_approver(
    scope, manager, committee, guest, sponsor, org_a, owner, partnership
):
    change_request = submitted(manager, partnership, [committee, sponsor, guest])
    membership_deactivate(
        membership=Membership.objects.get(organization=org_a, user=committee),
        actor=owner,
        reason="Left",
        now=NOW,
    )
    with pytest.raises(ValidationError) as refused:
        _replace(change_request, committee, sponsor, manager)
    assert refused.value.message_dict == {
        "replacement": ["Sam Sponsor is already an approver of this change request."]
    }


# --- dropping instead ------------------------------------------------------------------------


def test_the_only_approver_of_a_party_is_replaced_not_dropped(stuck, manager, guest):
    with pytest.raises(ValidationError) as refused:
        _replace(stuck, guest, None, manager)
    assert refused.value.message_dict == {
        "replacement": [
            "Greta Guest is the only approver of the partner party: name who "
            "decides in their place."
        ]
    }


def test_an_approver_a_rule_required_is_replaced_not_dropped(
    scope, manager, committee, guest, partner_sponsor, owner, partnership
):
    change_request = submitted(manager, partnership, [committee, guest, partner_sponsor])
    ChangeRequestApprover.objects.filter(change_request=change_request, user=guest).update(
        required_by="Scope change"
    )
    partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    with pytest.raises(ValidationError) as refused:
        _replace(change_request, guest, None, manager)
    assert refused.value.message_dict == {
        "replacement": [
            "Greta Guest was required by the rule “Scope change”: name who decides in their place."
        ]
    }


def test_dropping_the_last_undecided_approver_approves_the_request(
    scope, manager, committee, guest, partner_sponsor, owner, partnership
):
    change_request = submitted(manager, partnership, [committee, guest, partner_sponsor])
    for approver in (committee, partner_sponsor):
        services.change_request_approve(change_request=change_request, approver=approver, now=NOW)
    partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    _replace(change_request, guest, None, manager, reason="Pia decides for Alder alone.")
    change_request.refresh_from_db()
    assert change_request.status == ChangeRequest.Status.APPROVED
    assert change_request.decided_at == NOW
    assert _approvers(change_request) == [
        ("committee@alpha.test", "customer", "approved"),
        ("pia@alder.test", "partner", "approved"),
    ]
    event = AuditEvent.objects.get(action="governance.change_request.approver_replaced")
    assert event.changes["replacement"] is None
    approved = AuditEvent.objects.get(action="governance.change_request.approved")
    assert approved.actor_id == manager.pk
    assert Notification.objects.filter(
        recipient=manager, title__contains="approved by both parties"
    ).exists()


def test_dropping_while_others_are_still_to_decide_leaves_it_submitted(
    scope, manager, committee, guest, partner_sponsor, owner, partnership
):
    change_request = submitted(manager, partnership, [committee, guest, partner_sponsor])
    partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    _replace(change_request, guest, None, manager)
    change_request.refresh_from_db()
    assert change_request.status == ChangeRequest.Status.SUBMITTED
    assert [a[0] for a in _approvers(change_request)] == ["committee@alpha.test", "pia@alder.test"]


# --- the page and the API --------------------------------------------------------------------


def _detail(change_request):
    return reverse("change-request-detail", args=["alpha", change_request.pk])


def _replace_url(change_request, user):
    with tenant_scope(change_request.organization):
        row = ChangeRequestApprover.objects.get(change_request=change_request, user=user)
    return reverse(
        "change-request-approver-replace", args=["alpha", change_request.pk, row.pk]
    ), row


def test_the_page_marks_who_can_no_longer_decide_and_offers_their_party_only(
    stuck, manager, committee, partner_sponsor, client_as
):
    html = client_as(manager).get(_detail(stuck)).content.decode()
    assert html.count('data-testid="cannot-decide"') == 1
    assert "Greta Guest is a partner guest not invited to this partnership." in html
    form = html.split('data-testid="replace-approver"')[1].split("</form>")[0]
    assert "Pia Partner-Sponsor" in form
    assert "Carl Committee" not in form and "Mia Manager" not in form
    assert "Choose who decides" in form and "No one" not in form
    # Neither a committee member who did not raise it nor the partner's guest is offered it.
    for viewer in (committee, partner_sponsor):
        page = client_as(viewer).get(_detail(stuck)).content.decode()
        assert 'data-testid="cannot-decide"' not in page
        assert "not invited to this partnership" not in page
    # Nor anyone once it is back in draft: there approvers are removed and added instead.
    with tenant_scope(stuck.organization):
        services.change_request_request_changes(
            change_request=stuck, approver=committee, reason="Cost it.", now=NOW
        )
    draft = client_as(manager).get(_detail(stuck)).content.decode()
    assert 'data-testid="cannot-decide"' not in draft
    assert 'data-testid="submission-blockers"' in draft


def test_a_guest_who_raised_the_request_never_sees_why_our_approver_cannot_decide(
    scope, org_a, owner, committee, sponsor, partner_sponsor, partnership, client_as
):
    """The partner raises change requests too; a member's role is the buyer's business."""
    theirs = submitted(partner_sponsor, partnership, [committee, partner_sponsor])
    membership_change_role(
        membership=Membership.objects.get(organization=org_a, user=committee),
        role=Role.VIEWER,
        actor=owner,
    )
    page = client_as(partner_sponsor).get(_detail(theirs)).content.decode()
    assert 'data-testid="cannot-decide"' not in page
    assert "a role that does not approve" not in page


def test_the_page_says_whom_to_invite_when_nobody_else_can_decide(stuck, manager, client_as):
    """No other guest of the partnership: the form says what to do first."""
    html = client_as(manager).get(_detail(stuck)).content.decode()
    form = html.split('data-testid="replace-approver"')[1].split("</form>")[0]
    assert (
        "Nobody else can decide for the partner: invite their new approver to this partnership "
        "first." in form
    )
    ours = ApproverReplaceForm(candidates=[], may_drop=False, party="customer")
    assert ours.fields["replacement"].help_text == (
        "Nobody else of ours can decide: give a colleague a role that approves change requests "
        "first."
    )


def test_the_page_replaces_with_a_reason_and_shows_field_errors(
    stuck, manager, guest, partner_sponsor, client_as
):
    client = client_as(manager)
    url, row = _replace_url(stuck, guest)
    prefix = f"replace-{row.pk}"
    blank = client.post(url, {f"{prefix}-replacement": "", f"{prefix}-reason": ""})
    assert blank.status_code == 400
    text = blank.content.decode()
    assert "Choose who decides in their place." in text
    assert "Say why the approver is replaced." in text
    done = client.post(
        url, {f"{prefix}-replacement": partner_sponsor.pk, f"{prefix}-reason": "Greta left."}
    )
    assert done.status_code == 302
    with tenant_scope(stuck.organization):
        assert ("pia@alder.test", "partner", "pending") in _approvers(stuck)
    followed = client.get(_detail(stuck)).content.decode()
    assert "Approver replaced" in followed
    assert 'data-testid="cannot-decide"' not in followed


def test_the_api_replaces_and_refuses_in_field_words(
    stuck, org_a, manager, guest, committee, partner_sponsor, sponsor, api_as
):
    api = api_as(manager, org_a)
    url = f"/api/v1/o/alpha/change-requests/{stuck.pk}/approvers"
    wrong_side = api.post(
        f"{url}/{guest.pk}/replace/", {"replacement": sponsor.pk, "reason": "x"}, format="json"
    )
    assert wrong_side.status_code == 400
    assert "not for the partner party" in str(wrong_side.json())
    still_able = api.post(
        f"{url}/{committee.pk}/replace/", {"replacement": None, "reason": "x"}, format="json"
    )
    assert still_able.status_code == 409
    done = api.post(
        f"{url}/{guest.pk}/replace/",
        {"replacement": partner_sponsor.pk, "reason": "Greta left."},
        format="json",
    )
    assert done.status_code == 200, done.content
    assert sorted(a["user_email"] for a in done.json()["approvers"]) == [
        "committee@alpha.test",
        "pia@alder.test",
    ]
