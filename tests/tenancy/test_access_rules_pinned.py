"""Pinned rules of the organization admin's services (`tenancy.access.services.members`),
found by mutation testing in the thirteenth session (the module had never been a target): the
last active admin of *this* organization, each refusal's field and words, re-inviting and
taking a guest off a partnership touching only that person's invitations, and what accepting
an invitation stores."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError

from partnerships.services import partnership_invite_guest
from tenancy.access import services
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import ApiKey, AuditEvent, Invitation, Membership, Role
from tenancy.services import api_key_create
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
LAST_ADMIN = "The organization needs at least one active admin."


def _membership(org, user):
    return Membership.objects.get(organization=org, user=user)


def _invite(org, actor, email="new@alpha.test", role=Role.LEGAL, partnership=None):
    return services.member_invite(
        organization=org, email=email, role=role, actor=actor, now=NOW, partnership=partnership
    )


# --- the last active admin ----------------------------------------------------------------------


def test_the_last_active_admin_of_this_organization_keeps_the_role_whatever_others_have(
    org_a, org_b, owner, outsider, make_member
):
    """Another organization's admin, an admin here who was deactivated and a member who is
    not an admin do not count: demoting or deactivating the one active admin is refused."""
    make_member(org_a, Role.ORG_ADMIN, email="former@alpha.test")
    Membership.objects.filter(user__email="former@alpha.test").update(is_active=False)
    colleague = make_member(org_a, Role.PROCUREMENT_MANAGER, email="pm@alpha.test")
    only = _membership(org_a, owner)
    with pytest.raises(ConflictError) as refused:
        services.membership_change_role(membership=only, role=Role.LEGAL, actor=owner)
    assert refused.value.message == LAST_ADMIN
    with pytest.raises(ConflictError) as refused:
        services.membership_deactivate(
            membership=only, actor=colleague, reason="Left the company.", now=NOW
        )
    assert refused.value.message == LAST_ADMIN
    assert _membership(org_a, owner).role == Role.ORG_ADMIN
    assert _membership(org_a, owner).is_active


def test_an_admin_is_demoted_once_another_active_admin_is_there(org_a, owner, make_member):
    second = make_member(org_a, Role.ORG_ADMIN, email="second@alpha.test")
    services.membership_change_role(
        membership=_membership(org_a, owner), role=Role.LEGAL, actor=second
    )
    assert _membership(org_a, owner).role == Role.LEGAL
    with tenant_scope(org_a):
        [event] = AuditEvent.objects.filter(action="tenancy.membership.role_changed")
    assert (event.actor, event.object_id, event.changes) == (
        second,
        str(_membership(org_a, owner).pk),
        {"role": ["org_admin", "legal"], "user": owner.email},
    )


def test_a_member_is_made_admin_in_an_organization_left_without_one(org_a, owner, make_member):
    """The repair of an organization whose only admin was deactivated around the services."""
    Membership.objects.filter(user=owner).update(is_active=False)
    colleague = make_member(org_a, Role.PROCUREMENT_MANAGER, email="pm@alpha.test")
    services.membership_change_role(
        membership=_membership(org_a, colleague), role=Role.ORG_ADMIN, actor=colleague
    )
    assert _membership(org_a, colleague).role == Role.ORG_ADMIN


# --- refusals in words --------------------------------------------------------------------------


def test_a_role_change_names_the_role_field(org_a, owner, make_member):
    colleague = make_member(org_a, Role.PROCUREMENT_MANAGER, email="pm@alpha.test")
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    with pytest.raises(ValidationError) as refused:
        services.membership_change_role(
            membership=_membership(org_a, colleague), role="superuser", actor=owner
        )
    assert refused.value.message_dict == {"role": ["Choose one of the offered roles."]}
    with pytest.raises(ValidationError) as refused:
        services.membership_change_role(
            membership=_membership(org_a, guest), role=Role.LEGAL, actor=owner
        )
    assert refused.value.message_dict == {
        "role": ["A partner guest keeps the guest role; invite them as a member instead."]
    }


def test_deactivation_needs_a_reason_happens_once_and_never_to_oneself(org_a, owner, make_member):
    colleague = make_member(org_a, Role.PROCUREMENT_MANAGER, email="pm@alpha.test")
    membership = _membership(org_a, colleague)
    with pytest.raises(ValidationError) as refused:
        services.membership_deactivate(membership=membership, actor=owner, reason="  ", now=NOW)
    assert refused.value.message_dict == {"reason": ["Say why, for the audit log."]}
    with pytest.raises(ConflictError) as refused:
        services.membership_deactivate(
            membership=_membership(org_a, owner), actor=owner, reason="Leaving.", now=NOW
        )
    assert refused.value.message == "You cannot deactivate yourself; ask another admin."
    services.membership_deactivate(membership=membership, actor=owner, reason="Left.", now=NOW)
    with pytest.raises(ConflictError) as refused:
        services.membership_deactivate(membership=membership, actor=owner, reason="Left.", now=NOW)
    assert refused.value.message == "This member is already deactivated."


def test_deactivation_revokes_the_live_keys_and_leaves_an_old_revocation_as_it_was(
    org_a, owner, make_member
):
    colleague = make_member(org_a, Role.PROCUREMENT_MANAGER, email="pm@alpha.test")
    with tenant_scope(org_a):
        live = api_key_create(organization=org_a, user=colleague, name="ERP", now=NOW)[0]
        old = api_key_create(organization=org_a, user=colleague, name="Old", now=NOW)[0]
    earlier = NOW - timedelta(days=30)
    ApiKey.objects.filter(pk=old.pk).update(revoked_at=earlier)
    services.membership_deactivate(
        membership=_membership(org_a, colleague), actor=owner, reason="Left.", now=NOW
    )
    revoked = dict(ApiKey.objects.values_list("pk", "revoked_at"))
    assert revoked == {live.pk: NOW, old.pk: earlier}


# --- invitations --------------------------------------------------------------------------------


def test_inviting_again_withdraws_the_earlier_invitation_to_the_same_place_only(org_a, owner):
    with tenant_scope(org_a):
        alder, birch = (PartnershipFactory(organization=org_a, name=n) for n in ("A", "B"))
    first = _invite(org_a, owner, "guest@supplier.test", Role.PARTNER_GUEST, alder)
    other_place = _invite(org_a, owner, "guest@supplier.test", Role.PARTNER_GUEST, birch)
    other_person = _invite(org_a, owner, "else@supplier.test", Role.PARTNER_GUEST, alder)
    again = _invite(org_a, owner, "guest@supplier.test", Role.PARTNER_GUEST, alder)
    with tenant_scope(org_a):
        statuses = dict(Invitation.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: "revoked",
        other_place.pk: "pending",
        other_person.pk: "pending",
        again.pk: "pending",
    }
    assert (again.invited_by, again.created_at, again.sent_at) == (owner, NOW, NOW)


def test_taking_a_guest_off_withdraws_their_pending_invitations_there_and_no_one_elses(
    org_a, owner, make_member
):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    with tenant_scope(org_a):
        alder = PartnershipFactory(organization=org_a)
        partnership_invite_guest(partnership=alder, guest=guest, actor=owner)
    theirs = _invite(org_a, owner, "Guest@Supplier.test", Role.PARTNER_GUEST, alder)
    colleagues = _invite(org_a, owner, "colleague@supplier.test", Role.PARTNER_GUEST, alder)
    services.partnership_guest_remove(partnership=alder, guest=guest, actor=owner, now=NOW)
    with tenant_scope(org_a):
        statuses = dict(Invitation.objects.values_list("pk", "status"))
    assert statuses == {theirs.pk: "revoked", colleagues.pk: "pending"}
    with tenant_scope(org_a):
        [event] = AuditEvent.objects.filter(action="tenancy.invitation.revoked")
    assert (event.actor, event.object_id) == (owner, str(theirs.pk))


def test_a_new_account_accepting_keeps_its_name_and_signs_in_with_its_password(org_a, owner):
    invitation = _invite(org_a, owner, "new@alpha.test")
    membership = services.invitation_accept(
        invitation=invitation, now=NOW, full_name="  Nora New ", password="a-Long-pass-2030"
    )
    user = membership.user
    assert (user.email, user.full_name, membership.role) == ("new@alpha.test", "Nora New", "legal")
    assert authenticate(username="new@alpha.test", password="a-Long-pass-2030") == user
    with tenant_scope(org_a):
        stored = Invitation.objects.get(pk=invitation.pk)
    assert (stored.status, stored.accepted_at, stored.accepted_by) == ("accepted", NOW, user)


def test_an_address_with_an_account_signs_in_to_accept(org_a, org_b, owner, outsider):
    invitation = _invite(org_a, owner, outsider.email)
    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(invitation=invitation, now=NOW, password="a-Long-pass-2030")
    assert refused.value.message_dict == {
        "password": ["An account with this e-mail exists: sign in to accept."]
    }
    assert not Membership.objects.filter(organization=org_a, user=outsider).exists()


def test_a_member_accepting_a_guest_invitation_stays_a_member_with_their_role(
    org_a, owner, make_member
):
    colleague = make_member(org_a, Role.PROCUREMENT_MANAGER, email="pm@alpha.test")
    with tenant_scope(org_a):
        alder = PartnershipFactory(organization=org_a)
        invitation = Invitation.objects.create(
            organization=org_a,
            email=colleague.email,
            role=Role.PARTNER_GUEST,
            partnership=alder,
            invited_by=owner,
            created_at=NOW,
            sent_at=NOW,
            expires_at=NOW + timedelta(days=7),
        )
    membership = services.invitation_accept(invitation=invitation, now=NOW, user=colleague)
    assert membership == _membership(org_a, colleague)
    assert (membership.role, membership.is_active) == (Role.PROCUREMENT_MANAGER, True)
    assert Membership.objects.filter(organization=org_a, user=colleague).count() == 1


def test_the_invitation_mail_says_who_invites_to_what_as_which_role_and_until_when(
    org_a, owner, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://partnerline.example"
    with tenant_scope(org_a):
        alder = PartnershipFactory(organization=org_a, name="Alder drive-train")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(org_a, owner, "guest@supplier.test", Role.PARTNER_GUEST, alder)
    [mail] = mailoutbox
    inviter = owner.display_name
    assert (mail.subject, mail.to) == (
        f"[Partnerline] {inviter} invites you to Alpha Industries",
        ["guest@supplier.test"],
    )
    invite, accept, expiry = mail.body.split("\n\n")
    assert invite == (
        f"{inviter} invites you to Alpha Industries to the partnership “Alder drive-train” on "
        "Partnerline, as partner guest."
    )
    assert accept.startswith("Accept the invitation: https://partnerline.example/")
    assert expiry == (
        f"The link works once and expires on {invitation.expires_at:%d %B %Y %H:%M} UTC."
    )


# --- pinned from the sixteenth session's mutation run ------------------------------------------


def test_deactivation_revokes_only_this_organization_s_keys_of_the_person(
    org_a, org_b, owner, outsider, make_member
):
    """Someone who works with two organizations keeps their keys in the other one."""
    colleague = make_member(org_a, Role.PROCUREMENT_MANAGER, email="both@alpha.test")
    Membership.objects.create(organization=org_b, user=colleague, role=Role.VIEWER)
    with tenant_scope(org_a):
        here = api_key_create(organization=org_a, user=colleague, name="Here", now=NOW)[0]
    with tenant_scope(org_b):
        there = api_key_create(organization=org_b, user=colleague, name="There", now=NOW)[0]
    services.membership_deactivate(
        membership=_membership(org_a, colleague), actor=owner, reason="Left.", now=NOW
    )
    revoked = dict(ApiKey.objects.values_list("pk", "revoked_at"))
    assert revoked == {here.pk: NOW, there.pk: None}


def test_an_admin_is_deactivated_while_another_admin_is_active(org_a, owner, make_member):
    second = make_member(org_a, Role.ORG_ADMIN, email="second@alpha.test")
    services.membership_deactivate(
        membership=_membership(org_a, second), actor=owner, reason="Moved on.", now=NOW
    )
    assert not _membership(org_a, second).is_active


def test_a_missing_reason_is_refused_and_a_long_one_kept_to_500_characters(
    org_a, owner, make_member
):
    colleague = make_member(org_a, Role.VIEWER, email="pat@alpha.test")
    with pytest.raises(ValidationError) as refused:
        services.membership_deactivate(
            membership=_membership(org_a, colleague), actor=owner, reason=None, now=NOW
        )
    assert refused.value.message_dict == {"reason": ["Say why, for the audit log."]}
    services.membership_deactivate(
        membership=_membership(org_a, colleague), actor=owner, reason="x" * 600, now=NOW
    )
    with tenant_scope(org_a):
        [event] = AuditEvent.objects.filter(action="tenancy.membership.deactivated")
    assert (event.actor, event.object_id) == (owner, str(_membership(org_a, colleague).pk))
    assert event.changes == {"user": "pat@alpha.test", "reason": "x" * 500, "api_keys_revoked": 0}
