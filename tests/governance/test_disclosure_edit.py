"""Editing an agreed disclosure (who discloses what, how often) on its page and through the API,
both through `disclosure_update`: the roles that may agree a disclosure may edit it, a partner
guest never reaches the edit page nor sees its link, bad input is a field error, and an edit
never moves the due date (a receipt does)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from governance import services
from governance.models import Disclosure
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Role
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/o/alpha/disclosures"
FORM = {"party": "partner", "data_type": "margin", "description": "", "cadence": "quarterly"}


@pytest.fixture
def disclosure(org_a, partnership, owner):
    with tenant_scope(org_a):
        return services.disclosure_create(
            partnership=partnership,
            actor=owner,
            today=timezone.localdate(),
            first_due_on=timezone.localdate() + timedelta(days=30),
            party="partner",
            data_type="margin",
            cadence="quarterly",
        )


def _edit_url(disclosure) -> str:
    return reverse("disclosure-edit", args=["alpha", disclosure.partnership_id, disclosure.pk])


def _stored(org, disclosure) -> tuple:
    with tenant_scope(org):
        row = Disclosure.objects.get(pk=disclosure.pk)
    return (row.party, row.data_type, row.description, row.cadence, row.next_due_on)


def _updated_events(org) -> list:
    with tenant_scope(org):
        return list(AuditEvent.objects.filter(action="governance.disclosure.updated"))


def test_a_manager_edits_a_disclosure_on_its_page_and_the_change_is_audited(
    org_a, manager, disclosure, client_as
):
    client = client_as(manager)
    page = client.get(_edit_url(disclosure))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="disclosure-form"' in html
    assert '<option value="quarterly" selected>' in html  # the current values
    due = disclosure.next_due_on

    response = client.post(
        _edit_url(disclosure),
        {**FORM, "party": "customer", "description": "P&L by plant", "cadence": "monthly"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "partnership-transparency", args=["alpha", disclosure.partnership_id]
    )
    assert _stored(org_a, disclosure) == ("customer", "margin", "P&L by plant", "monthly", due)
    [event] = _updated_events(org_a)
    assert event.actor == manager
    assert event.changes == {
        "party": ["partner", "customer"],
        "description": ["", "P&L by plant"],
        "cadence": ["quarterly", "monthly"],
    }


def test_saving_the_page_unchanged_records_no_event(org_a, manager, disclosure, client_as):
    assert client_as(manager).post(_edit_url(disclosure), FORM).status_code == 302
    assert _updated_events(org_a) == []


def test_the_transparency_page_links_each_disclosure_to_its_edit_page_for_who_may_change(
    org_a, manager, member, guest, disclosure, client_as
):
    page = reverse("partnership-transparency", args=["alpha", disclosure.partnership_id])
    link = f'href="{_edit_url(disclosure)}"'
    assert link in client_as(manager).get(page).content.decode()
    for reader in (guest, member):
        html = client_as(reader).get(page).content.decode()
        assert 'data-testid="disclosure"' in html  # they read the disclosure…
        assert link not in html and 'data-testid="disclosure-edit"' not in html  # …not its edit


def test_a_committee_member_may_edit_and_a_viewer_or_legal_reviewer_may_not(
    org_a, committee, member, make_member, disclosure, client_as
):
    legal = make_member(org_a, Role.LEGAL, email="legal@alpha.test")
    for refused in (member, legal):
        client = client_as(refused)
        assert client.get(_edit_url(disclosure)).status_code == 403
        assert client.post(_edit_url(disclosure), {**FORM, "cadence": "monthly"}).status_code == 403
    assert _stored(org_a, disclosure)[3] == "quarterly"
    response = client_as(committee).post(_edit_url(disclosure), {**FORM, "cadence": "annually"})
    assert response.status_code == 302
    assert _stored(org_a, disclosure)[3] == "annually"


def test_a_partner_guest_of_the_partnership_never_reaches_the_edit_page(
    org_a, guest, disclosure, client_as
):
    client = client_as(guest)
    assert client.get(_edit_url(disclosure)).status_code in (403, 404)
    response = client.post(_edit_url(disclosure), {**FORM, "party": "customer"})
    assert response.status_code in (403, 404)
    assert _stored(org_a, disclosure)[0] == "partner"
    assert _updated_events(org_a) == []


def test_invalid_input_gives_field_errors_and_changes_nothing(
    org_a, manager, disclosure, client_as
):
    response = client_as(manager).post(
        _edit_url(disclosure),
        {"party": "nobody", "data_type": "", "description": "x" * 301, "cadence": "weekly"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("party", "data_type", "description", "cadence"):
        assert f'data-field="{field}"' in html, field
    assert "x" * 301 in html  # what was typed is kept
    assert _stored(org_a, disclosure)[:4] == ("partner", "margin", "", "quarterly")


def test_a_disclosure_is_edited_only_under_its_own_partnership(
    org_a, manager, disclosure, client_as
):
    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a)
    url = reverse("disclosure-edit", args=["alpha", other.pk, disclosure.pk])
    assert client_as(manager).get(url).status_code == 404
    assert client_as(manager).post(url, {**FORM, "cadence": "monthly"}).status_code == 404
    assert _stored(org_a, disclosure)[3] == "quarterly"


def test_another_organization_never_reaches_the_edit_page(outsider, disclosure, client_as):
    assert client_as(outsider).get(_edit_url(disclosure)).status_code == 404
    bravo = reverse("disclosure-edit", args=["bravo", disclosure.partnership_id, disclosure.pk])
    assert client_as(outsider).get(bravo).status_code == 404


# --- the API ------------------------------------------------------------------------------------


def test_the_api_patches_a_disclosure_through_the_same_service(org_a, manager, disclosure, api_as):
    client = api_as(manager, org_a)
    read = client.get(f"{API}/{disclosure.pk}/")
    response = client.patch(
        f"{API}/{disclosure.pk}/",
        {"cadence": "monthly", "description": "Monthly margin"},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["cadence"], body["description"], body["next_due_on"]) == (
        "monthly",
        "Monthly margin",
        disclosure.next_due_on.isoformat(),
    )
    [event] = _updated_events(org_a)
    assert event.changes == {
        "description": ["", "Monthly margin"],
        "cadence": ["quarterly", "monthly"],
    }
    # The read before the edit is stale now.
    stale = client.patch(
        f"{API}/{disclosure.pk}/",
        {"cadence": "annually"},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert stale.status_code == 409


def test_the_api_refuses_bad_input_and_what_an_edit_cannot_change_field_by_field(
    org_a, manager, disclosure, api_as
):
    client = api_as(manager, org_a)
    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a)
    cases = {
        "party": {"party": "nobody"},
        "description": {"description": "x" * 301},
        "partnership": {"partnership": other.pk},
        "first_due_on": {"first_due_on": date(2040, 1, 1).isoformat()},
    }
    for field, data in cases.items():
        response = client.patch(f"{API}/{disclosure.pk}/", data, format="json")
        assert response.status_code == 400, (field, response.content)
        assert field in response.json()["error"]["fields"], field
    assert client.put(f"{API}/{disclosure.pk}/", FORM, format="json").status_code == 405
    assert _stored(org_a, disclosure)[:4] == ("partner", "margin", "", "quarterly")
    assert _updated_events(org_a) == []


def test_a_guest_or_a_viewer_cannot_patch_a_disclosure(org_a, guest, member, disclosure, api_as):
    for reader in (guest, member):
        client = api_as(reader, org_a)
        assert client.get(f"{API}/{disclosure.pk}/").status_code == 200  # they read it
        response = client.patch(f"{API}/{disclosure.pk}/", {"party": "customer"}, format="json")
        assert response.status_code == 403
    assert _stored(org_a, disclosure)[0] == "partner"
