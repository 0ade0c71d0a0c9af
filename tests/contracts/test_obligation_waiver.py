"""An obligation that no longer applies is waived with a reason (`obligation_waive`), on its page
behind a confirmation and through the API: it leaves the overdue lists and the reminders, the
reason is kept on it and in the audit trail, and waiving follows the fulfilment's permission
rules exactly (a member whose role may change contracts; never a partner guest)."""

import re
import threading
import time
from datetime import UTC, date, datetime

import pytest
from django.db import connection

from contracts import services
from contracts.models import Agreement, Obligation, ObligationFulfilment
from contracts.selectors import contract_calendar
from partnerships.inbox import inbox_for
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.lifecycle import lifecycle
from tenancy.models import AuditEvent, Role
from tests.contracts.factories import AgreementFactory, ObligationFactory

pytestmark = pytest.mark.django_db

PAGES = "/o/alpha/contracts"
API = "/api/v1/o/alpha"
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)
REASON = "Released by the supplier's letter of 20 November 2026 (SOW 4 cancelled)."
CONFIRM = 'data-confirm="Waive this obligation? It no longer falls due."'


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _stored(org, obligation) -> Obligation:
    with tenant_scope(org):
        return Obligation.objects.select_related("waived_by").get(pk=obligation.pk)


def _waive_form(html: str) -> str:
    """The <form …>…</form> that posts to the waive URL."""
    forms = re.findall(r"<form\b[^>]*>.*?</form>", html, re.S)
    (form,) = [f for f in forms if "/waive/" in f.split(">", 1)[0]]
    return form


@pytest.fixture
def obligation(org_a):
    with tenant_scope(org_a):
        return ObligationFactory(organization=org_a, due_date=date(2026, 9, 30))


# --- The service ----------------------------------------------------------------------------------


def test_waiving_keeps_who_when_and_why_and_ends_the_obligation(scope, owner, obligation):
    waived = services.obligation_waive(
        obligation=obligation, actor=owner, reason=f"  {REASON}\n", now=NOW
    )
    stored = Obligation.objects.get(pk=obligation.pk)
    for row in (waived, stored):
        assert (row.status, row.waived_by, row.waived_at, row.waive_reason) == (
            "waived",
            owner,
            NOW,
            REASON,
        )
    assert (stored.due_date, stored.fulfilled_at) == (date(2026, 9, 30), None)
    assert not ObligationFulfilment.objects.exists()


def test_waiving_is_audited_with_the_reason(scope, owner, obligation):
    services.obligation_waive(obligation=obligation, actor=owner, reason=REASON, now=NOW)
    event = AuditEvent.objects.get(action="contracts.obligation.waived")
    assert (event.actor, event.object_type, event.object_id) == (
        owner,
        "contracts.obligation",
        str(obligation.pk),
    )
    assert event.changes == {"status": ["open", "waived"], "reason": REASON}


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_waiver_without_a_reason_is_refused_on_the_reason(scope, owner, obligation, reason):
    with pytest.raises(Exception) as refused:
        services.obligation_waive(obligation=obligation, actor=owner, reason=reason, now=NOW)
    assert refused.value.message_dict == {"reason": ["Say why the obligation no longer applies."]}
    assert Obligation.objects.get(pk=obligation.pk).status == "open"
    assert not AuditEvent.objects.filter(action="contracts.obligation.waived").exists()


def test_a_reason_too_long_to_keep_is_refused_on_the_reason(scope, owner, obligation):
    with pytest.raises(Exception) as refused:
        services.obligation_waive(obligation=obligation, actor=owner, reason="x" * 50_001, now=NOW)
    assert list(refused.value.message_dict) == ["reason"]
    assert Obligation.objects.get(pk=obligation.pk).status == "open"


def test_a_fulfilled_obligation_cannot_be_waived(scope, owner, obligation):
    services.obligation_fulfil(obligation=obligation, actor=owner, evidence="Sent.", now=NOW)
    with pytest.raises(ConflictError) as refused:
        services.obligation_waive(obligation=obligation, actor=owner, reason=REASON, now=NOW)
    assert refused.value.message == "The obligation is already fulfilled."
    stored = Obligation.objects.get(pk=obligation.pk)
    assert (stored.status, stored.waive_reason, stored.waived_at) == ("fulfilled", "", None)


def test_a_waived_obligation_cannot_be_waived_again_or_fulfilled(scope, owner, obligation):
    services.obligation_waive(obligation=obligation, actor=owner, reason=REASON, now=NOW)
    with pytest.raises(ConflictError) as again:
        services.obligation_waive(obligation=obligation, actor=owner, reason="Twice.", now=NOW)
    with pytest.raises(ConflictError) as fulfilled:
        services.obligation_fulfil(obligation=obligation, actor=owner, evidence="Sent.", now=NOW)
    assert again.value.message == fulfilled.value.message == "The obligation is already waived."
    assert Obligation.objects.get(pk=obligation.pk).waive_reason == REASON
    assert AuditEvent.objects.filter(action="contracts.obligation.waived").count() == 1


def test_the_waiver_reads_the_stored_state_not_the_callers_copy(scope, owner, obligation):
    stale = Obligation.objects.get(pk=obligation.pk)
    services.obligation_fulfil(obligation=obligation, actor=owner, evidence="Sent.", now=NOW)
    with pytest.raises(ConflictError):
        services.obligation_waive(obligation=stale, actor=owner, reason=REASON, now=NOW)
    assert Obligation.objects.get(pk=obligation.pk).status == "fulfilled"


def test_the_waiver_asks_the_obligation_lifecycle(scope, owner, obligation, monkeypatch):
    monkeypatch.setattr(
        "contracts.services.obligations.OBLIGATION_LIFECYCLE",
        lifecycle("obligation", {"open": {"fulfilled"}, "fulfilled": set(), "waived": set()}),
    )
    with pytest.raises(ConflictError):
        services.obligation_waive(obligation=obligation, actor=owner, reason=REASON, now=NOW)
    assert Obligation.objects.get(pk=obligation.pk).status == "open"
    assert not AuditEvent.objects.filter(action="contracts.obligation.waived").exists()


@pytest.mark.django_db(transaction=True)
def test_a_waiver_waits_for_a_fulfilment_in_progress_and_is_then_refused(org_a, owner):
    """The row lock: a waiver sent while a fulfilment holds the obligation sees its outcome."""
    with tenant_scope(org_a):
        obligation = ObligationFactory(organization=org_a)
    outcome: list = []

    def waive():
        try:
            with tenant_scope(org_a):
                services.obligation_waive(
                    obligation=obligation, actor=owner, reason=REASON, now=NOW
                )
            outcome.append("waived")
        except ConflictError as refused:
            outcome.append(refused.message)
        finally:
            connection.close()

    with tenant_scope(org_a):
        Obligation.objects.select_for_update().get(pk=obligation.pk)
        Obligation.objects.filter(pk=obligation.pk).update(status=Obligation.Status.FULFILLED)
        other = threading.Thread(target=waive)
        other.start()
        time.sleep(0.5)  # the waiver has read the obligation (or waits for it) by now
    other.join(timeout=30)
    assert outcome == ["The obligation is already fulfilled."]
    assert _stored(org_a, obligation).status == "fulfilled"


# --- Overdue lists and reminders ------------------------------------------------------------------


def test_a_waived_obligation_is_never_reminded_nor_shown_overdue(
    org_a, owner, obligation, client_as, api_as
):
    today = date(2026, 11, 22)
    with tenant_scope(org_a):
        Obligation.objects.filter(pk=obligation.pk).update(owner=owner)
        still_open = ObligationFactory(organization=org_a, owner=owner, due_date=date(2026, 9, 30))
        services.obligation_waive(obligation=obligation, actor=owner, reason=REASON, now=NOW)
        assert services.obligations_notify_overdue(today=today) == 1  # the open one only
        sections = {s.key: s for s in inbox_for(membership=owner.memberships.get(), today=today)}
        milestones = contract_calendar(today=today)
        calendar = [m.extra["obligation"].pk for m in milestones if m.kind == "obligation"]
    assert [item.label for item in sections["obligations"].items] == [still_open.title]
    assert calendar == [still_open.pk]
    listed = client_as(owner).get(f"{PAGES}/obligations/").content.decode()
    assert still_open.title in listed and obligation.title not in listed
    detail = client_as(owner).get(f"{PAGES}/obligations/{obligation.pk}/").content.decode()
    assert "overdue" not in detail
    api = api_as(owner, org_a)
    assert api.get(f"{API}/obligations/{obligation.pk}/").json()["is_overdue"] is False
    assert api.get(f"{API}/obligations/{still_open.pk}/").json()["is_overdue"] is True


# --- The page -------------------------------------------------------------------------------------


def test_an_obligation_is_waived_on_its_page_behind_a_confirmation(
    org_a, owner, obligation, client_as
):
    client = client_as(owner)
    url = f"{PAGES}/obligations/{obligation.pk}/"
    form = _waive_form(client.get(url).content.decode())
    assert CONFIRM in form
    assert f'action="{url}waive/"' in form
    textarea = form.split("<textarea", 1)[1].split(">", 1)[0]
    assert 'name="reason"' in textarea and "required" in textarea
    done = client.post(f"{url}waive/", {"reason": REASON}, follow=True)
    assert done.redirect_chain == [(url, 302)]
    assert _messages(done) == [f"“{obligation.title}” is waived; it no longer falls due."]
    stored = _stored(org_a, obligation)
    assert (stored.status, stored.waived_by, stored.waive_reason) == ("waived", owner, REASON)
    html = done.content.decode()
    waiver = html.split('data-testid="waiver"', 1)[1].split("</div></div>", 1)[0]
    assert "Waived" in waiver and owner.display_name in waiver
    assert stored.waived_at.strftime("%d %b %Y") in waiver
    assert "the supplier&#x27;s letter of 20 November 2026" in html
    assert "/waive/" not in html and 'data-testid="fulfil-form"' not in html


def test_the_obligations_list_shows_a_waived_one_with_who_when_and_why(
    org_a, owner, obligation, client_as
):
    with tenant_scope(org_a):
        services.obligation_waive(obligation=obligation, actor=owner, reason=REASON, now=NOW)
    html = client_as(owner).get(f"{PAGES}/obligations/", {"status": "waived"}).content.decode()
    row = html.split(obligation.title, 1)[1].split("</tr>", 1)[0]
    assert ">Waived</span> 22 Nov 2026" in row
    assert owner.display_name in row and "the supplier&#x27;s letter" in row


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_waiver_without_a_reason_is_a_400_under_the_field(
    org_a, owner, obligation, client_as, reason
):
    url = f"{PAGES}/obligations/{obligation.pk}/"
    response = client_as(owner).post(f"{url}waive/", {"reason": reason})
    assert response.status_code == 400
    form = _waive_form(response.content.decode())
    assert '<p class="error" data-field="reason">Say why the obligation no longer applies.' in form
    assert CONFIRM in form
    assert _stored(org_a, obligation).status == "open"


def test_waiving_a_fulfilled_obligation_on_the_page_is_refused_in_words(
    org_a, owner, obligation, client_as
):
    with tenant_scope(org_a):
        services.obligation_fulfil(obligation=obligation, actor=owner, evidence="Sent.", now=NOW)
    url = f"{PAGES}/obligations/{obligation.pk}/"
    refused = client_as(owner).post(f"{url}waive/", {"reason": REASON}, follow=True)
    assert refused.redirect_chain == [(url, 302)]
    assert _messages(refused) == ["The obligation is already fulfilled."]
    assert _stored(org_a, obligation).status == "fulfilled"


# --- The API --------------------------------------------------------------------------------------


def test_an_obligation_is_waived_through_the_api(org_a, owner, obligation, api_as):
    response = api_as(owner, org_a).post(
        f"{API}/obligations/{obligation.pk}/waive/", {"reason": REASON}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["waive_reason"], body["waived_by"]) == (
        obligation.pk,
        "waived",
        REASON,
        owner.pk,
    )
    assert body["waived_by_name"] == owner.display_name and body["waived_at"]
    assert body["is_overdue"] is False
    assert _stored(org_a, obligation).status == "waived"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "  "}])
def test_a_waiver_without_a_reason_is_a_400_on_reason_in_the_api(
    org_a, owner, obligation, api_as, body
):
    response = api_as(owner, org_a).post(
        f"{API}/obligations/{obligation.pk}/waive/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "reason": ["Say why the obligation no longer applies."]
    }
    assert _stored(org_a, obligation).status == "open"


def test_the_api_refuses_to_waive_or_fulfil_a_decided_obligation_with_a_409(org_a, owner, api_as):
    with tenant_scope(org_a):
        fulfilled = ObligationFactory(organization=org_a)
        waived = ObligationFactory(organization=org_a)
        services.obligation_fulfil(obligation=fulfilled, actor=owner, evidence="Sent.", now=NOW)
        services.obligation_waive(obligation=waived, actor=owner, reason=REASON, now=NOW)
    api = api_as(owner, org_a)
    answers = [
        api.post(f"{API}/obligations/{fulfilled.pk}/waive/", {"reason": REASON}, format="json"),
        api.post(f"{API}/obligations/{waived.pk}/waive/", {"reason": REASON}, format="json"),
        api.post(f"{API}/obligations/{waived.pk}/fulfil/", {"evidence": "Sent."}, format="json"),
    ]
    assert [(a.status_code, a.json()["error"]["message"]) for a in answers] == [
        (409, "The obligation is already fulfilled."),
        (409, "The obligation is already waived."),
        (409, "The obligation is already waived."),
    ]


def test_the_waive_action_is_documented_in_the_schema(owner, client_as):
    schema = client_as(owner).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/o/{org_slug}/obligations/{id}/waive/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/WaiveRequest")
    assert set(operation["responses"]) >= {"200", "400", "403", "404", "409"}
    assert operation["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Error"
    )


# --- Who may --------------------------------------------------------------------------------------

# Waiving mirrors fulfilling: the page and the API answer the same for both, role by role.
ROLES = {
    Role.ORG_ADMIN: (302, 200),
    Role.PROCUREMENT_MANAGER: (302, 200),
    Role.LEGAL: (302, 200),
    Role.FINANCE: (403, 403),
    Role.COMMITTEE_MEMBER: (403, 403),
    Role.VIEWER: (403, 403),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_whoever_may_fulfil_an_obligation_may_waive_it_and_nobody_else(
    org_a, make_member, client_as, api_as, role
):
    user = make_member(org_a, role)
    with tenant_scope(org_a):
        to_fulfil, to_waive, shown = ObligationFactory.create_batch(3, organization=org_a)
        api_fulfil, api_waive = ObligationFactory.create_batch(2, organization=org_a)
    client, api = client_as(user), api_as(user, org_a)
    page = (
        client.post(f"{PAGES}/obligations/{to_fulfil.pk}/", {"evidence": "Sent."}).status_code,
        client.post(f"{PAGES}/obligations/{to_waive.pk}/waive/", {"reason": REASON}).status_code,
    )
    through_api = (
        api.post(f"{API}/obligations/{api_fulfil.pk}/fulfil/", {"evidence": "Sent."}).status_code,
        api.post(f"{API}/obligations/{api_waive.pk}/waive/", {"reason": REASON}).status_code,
    )
    expected_page, expected_api = ROLES[role]
    assert page == (expected_page, expected_page)
    assert through_api == (expected_api, expected_api)
    waived = {_stored(org_a, o).status for o in (to_waive, api_waive)}
    assert waived == ({"waived"} if expected_api == 200 else {"open"})
    detail = client.get(f"{PAGES}/obligations/{shown.pk}/").content.decode()
    assert ("/waive/" in detail) == (expected_api == 200)


def test_a_partner_guest_neither_fulfils_nor_waives_nor_sees_the_form(
    org_a, owner, make_member, client_as, api_as
):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    with tenant_scope(org_a):
        executed = AgreementFactory(organization=org_a, status=Agreement.Status.EXECUTED)
        theirs = ObligationFactory(organization=org_a, agreement=executed)
        # The buyer's draft under the same partnership is internal until sent for review.
        draft = ObligationFactory(
            organization=org_a,
            agreement=AgreementFactory(organization=org_a, partnership=executed.partnership),
        )
        elsewhere = ObligationFactory(organization=org_a)  # a partnership they are not invited to
        partnership_invite_guest(partnership=executed.partnership, guest=guest, actor=owner)
    client, api = client_as(guest), api_as(guest, org_a)
    detail = client.get(f"{PAGES}/obligations/{theirs.pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "/waive/" not in html and "waive-form" not in html and "fulfil-form" not in html

    def answers(obligation):
        return (
            client.post(f"{PAGES}/obligations/{obligation.pk}/", {"evidence": "x"}).status_code,
            client.post(
                f"{PAGES}/obligations/{obligation.pk}/waive/", {"reason": REASON}
            ).status_code,
            api.post(f"{API}/obligations/{obligation.pk}/fulfil/", {"evidence": "x"}).status_code,
            api.post(f"{API}/obligations/{obligation.pk}/waive/", {"reason": REASON}).status_code,
        )

    assert answers(theirs) == (403, 403, 403, 403)
    assert answers(draft) == answers(elsewhere) == (404, 404, 403, 403)
    assert {_stored(org_a, o).status for o in (theirs, draft, elsewhere)} == {"open"}


def test_another_organizations_obligation_is_a_404(
    org_a, org_b, owner, outsider, obligation, client_as, api_as
):
    page = client_as(outsider).post(
        f"/o/bravo/contracts/obligations/{obligation.pk}/waive/", {"reason": REASON}
    )
    api = api_as(outsider, org_b).post(
        f"/api/v1/o/bravo/obligations/{obligation.pk}/waive/", {"reason": REASON}, format="json"
    )
    assert (page.status_code, api.status_code) == (404, 404)
    assert _stored(org_a, obligation).status == "open"


def test_the_obligation_list_shows_due_dates_in_words(org_a, owner, client_as):
    with tenant_scope(org_a):
        ObligationFactory(organization=org_a, title="Quarterly report", due_date=date(2099, 3, 31))
        ObligationFactory(organization=org_a, title="Insurance proof", due_date=date(2020, 1, 5))
    page = client_as(owner).get("/o/alpha/contracts/obligations/").content.decode()
    assert "31 Mar 2099" in page and "overdue 05 Jan 2020" in page
    assert "2099-03-31" not in page and "March 31, 2099" not in page and "Mar. 31, 2099" not in page
