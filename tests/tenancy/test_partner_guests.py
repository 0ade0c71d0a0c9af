"""A procurement manager invites a supplier contact to one partnership, sees who has access
and removes it; the guest sees that partnership only."""

import pytest
from django.utils import timezone

from partnerships.models import PartnershipUserObjectPermission
from tenancy.access import services
from tenancy.context import tenant_scope
from tenancy.models import Invitation, Membership, Role
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def manager(org_a, make_member):
    return make_member(org_a, Role.PROCUREMENT_MANAGER, email="manager@alpha.test")


@pytest.fixture
def partnerships(org_a):
    return (
        PartnershipFactory(organization=org_a, name="Castings alliance"),
        PartnershipFactory(organization=org_a, name="Secret other deal"),
    )


def _invite_guest(org, manager, partnership, email="sam@supplier.test"):
    return services.member_invite(
        organization=org,
        email=email,
        role=Role.PARTNER_GUEST,
        partnership=partnership,
        actor=manager,
        now=NOW,
    )


def _accept_as_new_guest(org, invitation):
    return services.invitation_accept(
        invitation=invitation, full_name="Sam Supplier", password="a-Long-pass-4321", now=NOW
    )


def test_a_manager_invites_a_supplier_contact_to_one_partnership(
    org_a, manager, partnerships, client_as
):
    invited, other = partnerships
    client = client_as(manager)
    response = client.post(
        f"/o/alpha/partnerships/{invited.pk}/guests/",
        {"action": "invite", "email": "sam@supplier.test"},
    )
    assert response.status_code == 302
    with tenant_scope(org_a):
        invitation = Invitation.objects.get(email="sam@supplier.test")
    assert invitation.role == Role.PARTNER_GUEST and invitation.partnership_id == invited.pk
    membership = _accept_as_new_guest(org_a, invitation)
    assert membership.role == Role.PARTNER_GUEST
    guest = membership.user
    guest_client = client_as(guest)
    assert guest_client.get(f"/o/alpha/partnerships/{invited.pk}/").status_code == 200
    assert guest_client.get(f"/o/alpha/partnerships/{other.pk}/").status_code == 404
    listing = guest_client.get("/api/v1/o/alpha/partnerships/").json()
    assert [row["id"] for row in listing["results"]] == [invited.pk]


def test_the_partnership_page_shows_who_has_access(
    org_a, manager, partnerships, client_as, make_member
):
    invited, _ = partnerships
    membership = _accept_as_new_guest(
        org_a,
        _invite_guest(org_a, manager, invited, "sam@supplier.test"),
    )
    page = client_as(manager).get(f"/o/alpha/partnerships/{invited.pk}/").content.decode()
    assert "Partner access" in page and "sam@supplier.test" in page
    guest_view = client_as(membership.user).get(f"/o/alpha/partnerships/{invited.pk}/")
    assert "Partner access" not in guest_view.content.decode()


def test_removing_the_last_partnership_ends_the_guests_access(
    org_a, manager, partnerships, client_as
):
    invited, _ = partnerships
    membership = _accept_as_new_guest(
        org_a,
        _invite_guest(org_a, manager, invited, "sam@supplier.test"),
    )
    guest = membership.user
    response = client_as(manager).post(
        f"/o/alpha/partnerships/{invited.pk}/guests/", {"action": "remove", "user": guest.pk}
    )
    assert response.status_code == 302
    with tenant_scope(org_a):
        assert not PartnershipUserObjectPermission.objects.filter(user=guest).exists()
    assert not Membership.objects.get(pk=membership.pk).is_active
    assert client_as(guest).get(f"/o/alpha/partnerships/{invited.pk}/").status_code == 404


def test_an_existing_guest_invited_to_a_second_partnership_keeps_the_first(
    org_a, manager, partnerships
):
    first, second = partnerships
    membership = _accept_as_new_guest(
        org_a,
        _invite_guest(org_a, manager, first, "sam@supplier.test"),
    )
    again = _invite_guest(org_a, manager, second, "sam@supplier.test")
    services.invitation_accept(invitation=again, user=membership.user, now=NOW)
    with tenant_scope(org_a):
        seen = set(
            PartnershipUserObjectPermission.objects.filter(user=membership.user).values_list(
                "content_object_id", flat=True
            )
        )
    assert seen == {first.pk, second.pk}


def test_a_viewer_cannot_invite_guests(org_a, member, partnerships, client_as):
    invited, _ = partnerships
    response = client_as(member).post(
        f"/o/alpha/partnerships/{invited.pk}/guests/",
        {"action": "invite", "email": "sam@supplier.test"},
    )
    assert response.status_code == 403


def test_a_member_of_the_organization_is_not_invited_as_a_guest(
    org_a, manager, member, partnerships
):
    with pytest.raises(Exception, match="sees every partnership"):
        services.member_invite(
            organization=org_a,
            email=member.email,
            role=Role.PARTNER_GUEST,
            partnership=partnerships[0],
            actor=manager,
            now=NOW,
        )


def test_a_guest_opens_none_of_the_administration_pages(
    org_a, manager, partnerships, client_as, api_as
):
    invited, _ = partnerships
    membership = _accept_as_new_guest(
        org_a,
        _invite_guest(org_a, manager, invited, "sam@supplier.test"),
    )
    guest = client_as(membership.user)
    for url in (
        "/o/alpha/settings/members/",
        f"/o/alpha/settings/members/{membership.pk}/",
        "/o/alpha/settings/audit/",
        "/o/alpha/settings/audit/export.csv",
        "/o/alpha/settings/organization/",
        "/o/alpha/settings/single-sign-on/",
        f"/o/alpha/partnerships/{invited.pk}/guests/",
    ):
        assert guest.get(url).status_code == 403, url
    api = api_as(membership.user, org_a)
    assert api.get("/api/v1/o/alpha/members/").status_code == 403
    assert api.get("/api/v1/o/alpha/invitations/").status_code == 403
    own_keys = api.get("/api/v1/o/alpha/api-keys/").json()["results"]
    assert {k["owner"] for k in own_keys} == {"sam@supplier.test"}


def test_the_partner_access_page_needs_a_fixed_number_of_queries(
    org_a, manager, partnerships, client_as, django_assert_max_num_queries
):
    invited, _ = partnerships
    for i in range(6):
        invitation = _invite_guest(org_a, manager, invited, f"contact{i}@supplier.test")
        if i % 2:
            _accept_as_new_guest_named(invitation)
    client = client_as(manager)
    with django_assert_max_num_queries(14):
        assert client.get(f"/o/alpha/partnerships/{invited.pk}/guests/").status_code == 200


def _accept_as_new_guest_named(invitation):
    return services.invitation_accept(
        invitation=invitation, full_name="Contact", password="a-Long-pass-4321", now=NOW
    )


def test_the_partner_access_api_lists_invites_and_removes(org_a, manager, partnerships, api_as):
    invited, _ = partnerships
    client = api_as(manager, org_a)
    url = f"/api/v1/o/alpha/partner-access/{invited.pk}/"
    response = client.post(f"{url}invite/", {"email": "sam@supplier.test"}, format="json")
    assert response.status_code == 201
    assert [i["email"] for i in response.json()["pending_invitations"]] == ["sam@supplier.test"]
    with tenant_scope(org_a):
        invitation = Invitation.objects.get(email="sam@supplier.test")
    guest = _accept_as_new_guest(org_a, invitation).user
    assert [g["email"] for g in client.get(url).json()["guests"]] == ["sam@supplier.test"]
    removed = client.post(f"{url}remove/", {"user": guest.pk}, format="json")
    assert removed.status_code == 200 and removed.json()["guests"] == []
    unknown = client.post(f"{url}remove/", {"user": guest.pk}, format="json")
    assert unknown.status_code == 400 and "user" in unknown.json()["error"]["fields"]


def test_a_viewer_and_a_guest_cannot_use_the_partner_access_api(
    org_a, manager, member, partnerships, api_as
):
    invited, _ = partnerships
    guest = _accept_as_new_guest(org_a, _invite_guest(org_a, manager, invited)).user
    url = f"/api/v1/o/alpha/partner-access/{invited.pk}/"
    assert api_as(member, org_a).get(url).status_code == 403
    assert api_as(guest, org_a).get(url).status_code == 403
