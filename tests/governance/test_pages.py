"""Governance pages: the home with "awaiting your decision", the partnership tab, the form with
field errors, the detail page showing only the buttons the user may use, and query counts that
do not grow with rows."""

import pytest
from django.urls import reverse

from governance.models import ChangeRequest
from tenancy.context import tenant_scope
from tests.governance.factories import ChangeRequestApproverFactory, ChangeRequestFactory
from tests.governance.test_services import submitted

pytestmark = pytest.mark.django_db


def _detail(change_request):
    return reverse("change-request-detail", args=["alpha", change_request.pk])


def _grow(org, partnership, committee, guest, rows):
    with tenant_scope(org):
        for n in range(rows):
            change_request = ChangeRequestFactory(
                organization=org,
                partnership=partnership,
                status="submitted" if n % 2 else "draft",
                escalation_level=n % 3,
            )
            for user, party in ((committee, "customer"), (guest, "partner")):
                ChangeRequestApproverFactory(
                    organization=org, change_request=change_request, user=user, party=party
                )


@pytest.mark.parametrize("rows", [3, 40])
def test_governance_pages_use_a_fixed_number_of_queries(
    org_a, committee, guest, partnership, client_as, rows, django_assert_max_num_queries
):
    _grow(org_a, partnership, committee, guest, rows)
    with tenant_scope(org_a):
        one = ChangeRequest.objects.order_by("number").last()
    client = client_as(committee)
    pages = [
        (reverse("governance-home", args=["alpha"]), 14),
        (reverse("governance-home", args=["alpha"]) + "?status=submitted&page=2", 14),
        (reverse("partnership-governance", args=["alpha", partnership.pk]), 14),
        (_detail(one), 21),  # + scorecard standing, decision rules, committee
    ]
    for url, limit in pages:
        with django_assert_max_num_queries(limit):
            response = client.get(url)
        assert response.status_code == 200, url
    guest_client = client_as(guest)
    with django_assert_max_num_queries(15):
        assert guest_client.get(reverse("governance-home", args=["alpha"])).status_code == 200


def test_the_home_lists_what_awaits_my_decision_and_filters_by_status(
    org_a, manager, committee, guest, partnership, client_as
):
    with tenant_scope(org_a):
        waiting = submitted(manager, partnership, [committee, guest], title="Saturday desk")
        ChangeRequestFactory(organization=org_a, partnership=partnership, title="Just a draft")
    html = client_as(committee).get(reverse("governance-home", args=["alpha"])).content.decode()
    awaiting = html.split('data-testid="awaiting-my-decision"')[1].split("</table>")[0]
    assert "Saturday desk" in awaiting and "Just a draft" not in awaiting
    filtered = (
        client_as(committee)
        .get(reverse("governance-home", args=["alpha"]), {"status": "draft"})
        .content.decode()
    )
    listed = filtered.split('data-testid="change-requests"')[1]
    assert "Just a draft" in listed and "Saturday desk" not in listed
    manager_html = client_as(manager).get(reverse("governance-home", args=["alpha"]))
    assert "Nothing waits for your decision." in manager_html.content.decode()
    assert waiting.reference in html


def test_the_home_is_paginated(org_a, committee, guest, partnership, client_as):
    _grow(org_a, partnership, committee, guest, 30)
    with tenant_scope(org_a):
        newest, oldest = (
            ChangeRequest.objects.order_by(order).first().reference
            for order in ("-number", "number")
        )
    client = client_as(committee)
    url = reverse("governance-home", args=["alpha"])
    first = client.get(url).content.decode().split('data-testid="change-requests"')[1]
    assert "Page 1 of 2" in first and newest in first and oldest not in first
    second = client.get(url, {"page": 2}).content.decode().split('data-testid="change-requests"')
    assert "Page 2 of 2" in second[1] and oldest in second[1]
    assert client.get(url, {"page": "nope"}).status_code == 200


def test_the_governance_tab_appears_in_the_partnership_workspace(
    org_a, manager, partnership, client_as
):
    tab = reverse("partnership-governance", args=["alpha", partnership.pk])
    overview = client_as(manager).get(reverse("partnership-detail", args=["alpha", partnership.pk]))
    assert f'href="{tab}"' in overview.content.decode()
    page = client_as(manager).get(tab).content.decode()
    assert f'href="{tab}" aria-current="page"' in page
    assert f"?partnership={partnership.pk}" in page  # "New change request" for this partnership


def test_the_form_shows_field_errors_and_creates_a_draft(org_a, manager, partnership, client_as):
    client = client_as(manager)
    url = reverse("change-request-create", args=["alpha"])
    assert (
        f'value="{partnership.pk}" selected'
        in client.get(url, {"partnership": partnership.pk}).content.decode()
    )
    bad = client.post(
        url,
        {
            "partnership": partnership.pk,
            "category": "scope",
            "cost_impact": "lots",
            "currency": "EUR",
            "decision_due": "2020-01-01T10:00",
        },
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert 'data-field="title"' in html and 'data-field="cost_impact"' in html
    past = client.post(
        url,
        {
            "partnership": partnership.pk,
            "title": "Saturday desk",
            "category": "scope",
            "currency": "EUR",
            "decision_due": "2020-01-01T10:00",
        },
    )
    assert past.status_code == 400 and 'data-field="decision_due"' in past.content.decode()
    created = client.post(
        url,
        {
            "partnership": partnership.pk,
            "title": "Saturday desk",
            "category": "scope",
            "cost_impact": "12500",
            "currency": "EUR",
            "schedule_impact_days": "14",
            "decision_due": "2031-03-01T17:00",
        },
    )
    with tenant_scope(org_a):
        change_request = ChangeRequest.objects.get()
    assert created.status_code == 302 and created.url == _detail(change_request)
    assert change_request.decision_due.isoformat() == "2031-03-01T17:00:00+00:00"


def test_a_draft_is_edited_but_a_submitted_request_is_not(
    org_a, manager, committee, guest, partnership, client_as
):
    with tenant_scope(org_a):
        draft = ChangeRequestFactory(organization=org_a, partnership=partnership)
        sent = submitted(manager, partnership, [committee, guest])
    client = client_as(manager)
    edit = reverse("change-request-edit", args=["alpha", draft.pk])
    response = client.post(
        edit, {"title": "Sunday desk", "category": "scope", "currency": "EUR", "cost_impact": "1"}
    )
    assert response.status_code == 302
    with tenant_scope(org_a):
        draft.refresh_from_db()
    assert draft.title == "Sunday desk"
    refused = client.get(reverse("change-request-edit", args=["alpha", sent.pk]))
    assert refused.status_code == 302 and refused.url == _detail(sent)


def test_the_detail_page_shows_only_the_buttons_each_user_may_use(
    org_a, manager, committee, guest, member, partnership, client_as
):
    with tenant_scope(org_a):
        draft = ChangeRequestFactory(
            organization=org_a, partnership=partnership, requested_by=manager
        )
        sent = submitted(manager, partnership, [committee, guest])

    draft_html = client_as(manager).get(_detail(draft)).content.decode()
    assert "Submit for approval" in draft_html and 'data-testid="approver-form"' in draft_html
    assert 'data-testid="submission-blockers"' in draft_html
    assert 'data-testid="decision"' not in draft_html

    for user in (committee, guest):
        html = client_as(user).get(_detail(sent)).content.decode()
        assert 'data-testid="decision"' in html and ">Approve</button>" in html
        assert "Submit for approval" not in html and "Mark implemented" not in html
    manager_html = client_as(manager).get(_detail(sent)).content.decode()
    assert 'data-testid="decision"' not in manager_html and ">Withdraw</button>" in manager_html
    viewer_html = client_as(member).get(_detail(sent)).content.decode()
    assert "<button" not in viewer_html.split("<main>")[1].split("Sign out")[0]


def test_approvers_decide_in_the_page_until_the_request_is_approved(
    org_a, manager, committee, guest, partnership, client_as
):
    with tenant_scope(org_a):
        sent = submitted(manager, partnership, [committee, guest])
    approve = reverse("change-request-approve", args=["alpha", sent.pk])
    assert client_as(committee).post(approve, {"comment": "OK"}).status_code == 302
    again = client_as(committee).post(approve, follow=True)
    assert "a decision is taken once" in again.content.decode()
    assert client_as(guest).post(approve).status_code == 302
    html = client_as(manager).get(_detail(sent)).content.decode()
    assert 'data-testid="change-request-status">Approved<' in html
    assert "Mark implemented" in html


def test_a_rejection_without_a_reason_is_a_field_error(
    org_a, manager, committee, guest, partnership, client_as
):
    with tenant_scope(org_a):
        sent = submitted(manager, partnership, [committee, guest])
    reject = reverse("change-request-reject", args=["alpha", sent.pk])
    response = client_as(guest).post(reject, {"reason": ""})
    assert response.status_code == 400
    assert 'data-field="reason"' in response.content.decode()
    assert client_as(guest).post(reject, {"reason": "Too expensive"}).status_code == 302
    with tenant_scope(org_a):
        sent.refresh_from_db()
    assert sent.status == "rejected" and sent.rejection_reason == "Too expensive"


def test_a_refused_step_comes_back_with_the_reason(
    org_a, manager, owner, committee, guest, partnership, client_as
):
    with tenant_scope(org_a):
        draft = ChangeRequestFactory(organization=org_a, partnership=partnership)
        sent = submitted(manager, partnership, [committee, guest])
    response = client_as(manager).post(
        reverse("change-request-submit", args=["alpha", draft.pk]), follow=True
    )
    assert "cannot be submitted" in response.content.decode()
    not_an_approver = client_as(owner).post(
        reverse("change-request-approve", args=["alpha", sent.pk])
    )
    assert not_an_approver.status_code == 403


def test_approvers_are_added_and_removed_in_the_page(
    org_a, manager, committee, guest, member, partnership, client_as
):
    with tenant_scope(org_a):
        draft = ChangeRequestFactory(organization=org_a, partnership=partnership)
    client = client_as(manager)
    page = client.get(_detail(draft)).content.decode()
    form = page.split('data-testid="approver-form"')[1].split("</form>")[0]
    assert "Carl Committee (ours)" in form and "Greta Guest (partner)" in form
    assert member.email not in form  # a viewer does not approve
    add = reverse("change-request-approver-add", args=["alpha", draft.pk])
    assert client.post(add, {"user": committee.pk}).status_code == 302
    unknown = client.post(add, {"user": member.pk})
    assert unknown.status_code == 400 and 'data-field="user"' in unknown.content.decode()
    with tenant_scope(org_a):
        approver = draft.approvers.get()
    remove = reverse("change-request-approver-remove", args=["alpha", draft.pk, approver.pk])
    assert client.post(remove).status_code == 302
    with tenant_scope(org_a):
        assert not draft.approvers.exists()


def test_a_guest_sees_only_their_partnerships_change_requests(
    org_a, manager, committee, guest, partnership, client_as
):
    with tenant_scope(org_a):
        theirs = submitted(manager, partnership, [committee, guest], title="Theirs")
        hidden = ChangeRequestFactory(organization=org_a, title="Hidden from guests")
    client = client_as(guest)
    html = client.get(reverse("governance-home", args=["alpha"])).content.decode()
    assert "Theirs" in html and "Hidden from guests" not in html
    assert "New change request" not in html
    assert client.get(_detail(theirs)).status_code == 200
    assert client.get(_detail(hidden)).status_code == 404
    assert (
        client.get(reverse("partnership-governance", args=["alpha", hidden.partnership_id]))
    ).status_code == 404
    assert client.get(reverse("change-request-create", args=["alpha"])).status_code == 403
