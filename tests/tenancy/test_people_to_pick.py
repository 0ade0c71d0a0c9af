"""Whom a page offers as an owner, reviewer or sponsor (`tenancy.selectors.people_to_pick`,
offered through `tenancy.forms.offer_people`): the organization's active staff, never a partner
guest, and on an edit page also whoever the record already names, so that saving a page
unchanged never clears a person who has since left."""

from datetime import date

import pytest
from django import forms

from tenancy.context import tenant_scope
from tenancy.forms import offer_people
from tenancy.models import Membership, Role, User
from tenancy.selectors import people_to_pick
from tests.contracts.factories import AgreementFactory
from tests.page_forms import form_as_sent
from tests.partnerships.factories import PartnershipFactory
from tests.risk.factories import RiskFactory
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _picked(organization, **kwargs):
    return list(people_to_pick(organization=organization, **kwargs))


def test_staff_are_offered_by_name_and_guests_leavers_and_other_organizations_are_not(
    org_a, org_b, make_member
):
    zoe = make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Zoe Adler")
    anna = make_member(org_a, Role.VIEWER, full_name="Anna Berg")
    make_member(org_a, Role.PARTNER_GUEST, full_name="Gus Guest")
    left = make_member(org_a, Role.FINANCE, full_name="Lena Left")
    Membership.objects.filter(user=left).update(is_active=False)
    disabled = make_member(org_a, Role.FINANCE, full_name="Dora Disabled")
    User.objects.filter(pk=disabled.pk).update(is_active=False)
    make_member(org_b, Role.ORG_ADMIN, full_name="Otto Other")
    assert _picked(org_a) == [anna, zoe]


def test_staff_who_are_a_guest_of_another_organization_are_still_offered(org_a, org_b, make_member):
    both = make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Bea Both")
    MembershipFactory(organization=org_b, user=both, role=Role.PARTNER_GUEST)
    assert _picked(org_a) == [both]
    assert _picked(org_b) == []


def test_roles_narrow_whom_a_page_offers(org_a, make_member):
    legal = make_member(org_a, Role.LEGAL, full_name="Lea Legal")
    make_member(org_a, Role.FINANCE, full_name="Fin Ance")
    assert _picked(org_a, roles=[Role.LEGAL]) == [legal]


class _OwnerForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)


def test_a_form_offers_the_person_it_already_shows_even_after_they_left(org_a, make_member):
    stays = make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Sam Stays")
    left = make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Lou Left")
    Membership.objects.filter(user=left).update(is_active=False)
    people = people_to_pick(organization=org_a)

    fresh = _OwnerForm()
    offer_people(fresh, people, "owner")
    assert list(fresh.fields["owner"].queryset) == [stays]

    shown = _OwnerForm(initial={"owner": left})
    offer_people(shown, people, "owner")
    assert list(shown.fields["owner"].queryset) == [left, stays]
    label = shown.fields["owner"].label_from_instance
    assert label(left) == f"{left.display_name} (no longer on the staff)"
    assert label(stays) == stays.display_name

    posted = _OwnerForm({"owner": left.pk}, initial={"owner": left.pk})
    offer_people(posted, people, "owner")
    assert posted.is_valid() and posted.cleaned_data["owner"] == left


def test_a_risk_whose_owner_left_keeps_its_owner_when_its_page_is_saved_unchanged(
    org_a, make_member, client_as
):
    manager = make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Mia Manager")
    left = make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Lou Left")
    with tenant_scope(org_a):
        partnership = PartnershipFactory(owner=manager)
        risk = RiskFactory(partnership=partnership, owner=left, next_review_on=date(2031, 1, 5))
    Membership.objects.filter(user=left).update(is_active=False)
    browser = client_as(manager)
    url = f"/o/alpha/risk/risks/{risk.pk}/edit/"
    page = browser.get(url).content.decode()
    assert "Lou Left (no longer on the staff)" in page  # why the name is there: hand it over
    shown = form_as_sent(page)
    assert shown["owner"] == str(left.pk)
    assert browser.post(url, shown).status_code == 302
    with tenant_scope(org_a):
        risk.refresh_from_db()
    assert risk.owner == left


def test_a_partner_guest_is_not_offered_as_an_agreements_owner(org_a, make_member, client_as):
    manager = make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Mia Manager")
    make_member(org_a, Role.PARTNER_GUEST, full_name="Gus Guest", email="gus@supplier.test")
    with tenant_scope(org_a):
        agreement = AgreementFactory(partnership=PartnershipFactory(owner=manager))
    page = client_as(manager).get(f"/o/alpha/contracts/agreements/{agreement.pk}/edit/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Mia Manager" in text and "Gus Guest" not in text


@pytest.mark.parametrize("role", [Role.PARTNER_GUEST, None])
def test_the_api_takes_only_the_organizations_staff_as_an_owner(org_a, make_member, api_as, role):
    manager = make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Mia Manager")
    person = make_member(org_a, role or Role.FINANCE, full_name="Pat Person")
    with tenant_scope(org_a):
        partnership = PartnershipFactory(owner=manager)
    response = api_as(manager, org_a).post(
        "/api/v1/o/alpha/risk/risks/",
        {
            "partnership": partnership.pk,
            "title": "Foundry capacity",
            "category": "supply_continuity",
            "inherent_likelihood": 4,
            "inherent_impact": 4,
            "owner": person.pk,
        },
        format="json",
    )
    if role == Role.PARTNER_GUEST:
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == {"owner"}
    else:
        assert response.status_code == 201, response.content
        assert response.json()["owner"] == person.pk
