"""Members and invitations: an org admin invites, changes roles and deactivates; links are
signed, expire, and work once."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tenancy.access import services
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import ApiKey, AuditEvent, Invitation, Membership, Role, User
from tenancy.services import api_key_create

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _invite(org, owner, email="new.colleague@alpha.test", role=Role.LEGAL, now=NOW):
    return services.member_invite(organization=org, email=email, role=role, actor=owner, now=now)


def _link(message) -> str:
    return re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_an_invitation_is_mailed_with_a_link_that_works_once(
    org_a, owner, client_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(org_a, owner)
    assert mail.outbox[-1].to == ["new.colleague@alpha.test"]
    path = _path(_link(mail.outbox[-1]))
    client = client_as(owner).__class__()
    response = client.post(
        path,
        {
            "full_name": "Nia New",
            "password": "a-Long-pass-4321",
            "password_again": "a-Long-pass-4321",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/o/alpha/"
    user = User.objects.get(email="new.colleague@alpha.test")
    membership = Membership.objects.get(organization=org_a, user=user)
    assert membership.role == Role.LEGAL and membership.is_active
    assert client.get("/o/alpha/").status_code == 200  # signed in as the new member
    again = client_as(owner).__class__().get(path)
    assert again.status_code == 410
    assert "already used" in again.content.decode()


def test_an_expired_invitation_is_refused(org_a, owner):
    invitation = _invite(org_a, owner, now=NOW - timedelta(days=8))
    with pytest.raises(ConflictError, match="expired"):
        services.invitation_accept(invitation=invitation, password="a-Long-pass-4321", now=NOW)


def test_a_tampered_link_is_not_an_invitation(org_a, owner, client):
    invitation = _invite(org_a, owner)
    token = services.invitation_token(invitation)
    response = client.get(f"/invitations/{token[:-2]}xx/")
    assert response.status_code == 404


def test_a_new_link_replaces_the_old_one(org_a, owner, client):
    invitation = _invite(org_a, owner)
    old_token = services.invitation_token(invitation)
    services.invitation_resend(invitation=invitation, actor=owner, now=NOW)
    assert client.get(f"/invitations/{old_token}/").status_code == 404
    new_token = services.invitation_token(invitation)
    assert client.get(f"/invitations/{new_token}/").status_code == 200


def test_a_weak_password_is_refused_with_a_field_message(org_a, owner, client):
    invitation = _invite(org_a, owner)
    token = services.invitation_token(invitation)
    response = client.post(
        f"/invitations/{token}/", {"password": "12345678", "password_again": "12345678"}
    )
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert not User.objects.filter(email="new.colleague@alpha.test").exists()


def test_an_existing_account_signs_in_to_accept(org_a, org_b, owner, outsider, client_as):
    invitation = _invite(org_a, owner, email=outsider.email, role=Role.FINANCE)
    token = services.invitation_token(invitation)
    anonymous = client_as(owner).__class__()
    page = anonymous.get(f"/invitations/{token}/")
    assert "Sign in to accept" in page.content.decode()
    response = client_as(outsider).post(f"/invitations/{token}/")
    assert response.status_code == 302
    assert Membership.objects.get(organization=org_a, user=outsider).role == Role.FINANCE


def test_inviting_a_member_twice_is_a_field_error(org_a, owner, member):
    with pytest.raises(Exception) as error:
        _invite(org_a, owner, email=member.email)
    assert "already a member" in str(error.value)


def test_the_admin_changes_a_role_and_it_is_audited(org_a, owner, member):
    membership = Membership.objects.get(organization=org_a, user=member)
    services.membership_change_role(membership=membership, role=Role.FINANCE, actor=owner)
    assert Membership.objects.get(pk=membership.pk).role == Role.FINANCE
    with tenant_scope(org_a):
        event = AuditEvent.objects.get(action="tenancy.membership.role_changed")
    assert event.changes["role"] == [Role.VIEWER, Role.FINANCE]


def test_the_last_admin_cannot_be_demoted_or_deactivated(org_a, owner, member):
    membership = Membership.objects.get(organization=org_a, user=owner)
    with pytest.raises(ConflictError, match="at least one active admin"):
        services.membership_change_role(membership=membership, role=Role.VIEWER, actor=owner)
    with pytest.raises(ConflictError):
        services.membership_deactivate(membership=membership, actor=member, reason="x", now=NOW)


def test_deactivation_refuses_the_next_page_and_api_request_at_once(
    org_a, owner, member, client_as
):
    session = client_as(member)
    _, raw_key = api_key_create(organization=org_a, user=member, name="script", now=timezone.now())
    assert session.get("/o/alpha/").status_code == 200
    membership = Membership.objects.get(organization=org_a, user=member)
    services.membership_deactivate(
        membership=membership, actor=owner, reason="left the company", now=NOW
    )
    assert session.get("/o/alpha/").status_code == 404
    response = session.get("/api/v1/o/alpha/partnerships/", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert response.status_code == 401
    assert ApiKey.objects.get(user=member).revoked_at is not None
    with tenant_scope(org_a):
        event = AuditEvent.objects.get(action="tenancy.membership.deactivated")
    assert event.changes["reason"] == "left the company"
    assert event.changes["api_keys_revoked"] == 1


def test_a_deactivated_member_can_be_invited_again_and_gets_back_in(org_a, owner, member):
    membership = Membership.objects.get(organization=org_a, user=member)
    services.membership_deactivate(membership=membership, actor=owner, reason="leave", now=NOW)
    invitation = _invite(org_a, owner, email=member.email, role=Role.VIEWER)
    services.invitation_accept(invitation=invitation, user=member, now=NOW)
    assert Membership.objects.get(pk=membership.pk).is_active


def test_the_members_page_lists_invites_and_changes_roles(org_a, owner, member, client_as):
    client = client_as(owner)
    page = client.get("/o/alpha/settings/members/")
    assert page.status_code == 200
    assert member.email in page.content.decode()
    response = client.post(
        "/o/alpha/settings/members/", {"email": "pat@alpha.test", "role": Role.FINANCE}
    )
    assert response.status_code == 302
    with tenant_scope(org_a):
        assert Invitation.objects.filter(email="pat@alpha.test", role=Role.FINANCE).exists()
    membership = Membership.objects.get(organization=org_a, user=member)
    response = client.post(
        f"/o/alpha/settings/members/{membership.pk}/", {"action": "role", "role-role": Role.LEGAL}
    )
    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).role == Role.LEGAL


def test_deactivating_on_the_page_asks_for_a_reason_and_confirmation(
    org_a, owner, member, client_as
):
    client = client_as(owner)
    membership = Membership.objects.get(organization=org_a, user=member)
    url = f"/o/alpha/settings/members/{membership.pk}/"
    response = client.post(url, {"action": "deactivate", "deactivate-reason": "left"})
    assert response.status_code == 400  # a refused form, as on every page
    assert "confirm" in response.context["deactivate_form"].errors
    assert Membership.objects.get(pk=membership.pk).is_active
    client.post(
        url, {"action": "deactivate", "deactivate-reason": "left", "deactivate-confirm": "on"}
    )
    assert not Membership.objects.get(pk=membership.pk).is_active


def test_only_an_org_admin_reaches_the_members_page(org_a, member, client_as):
    assert client_as(member).get("/o/alpha/settings/members/").status_code == 403


def test_the_members_page_needs_a_fixed_number_of_queries(
    org_a, owner, make_member, client_as, django_assert_max_num_queries
):
    for _ in range(15):
        make_member(org_a, Role.VIEWER)
    with tenant_scope(org_a):
        for i in range(5):
            _invite(org_a, owner, email=f"p{i}@alpha.test")
    client = client_as(owner)
    with django_assert_max_num_queries(16):
        assert client.get("/o/alpha/settings/members/").status_code == 200
