"""The API agrees with the pages: evidence files and fulfilment history, termination with a
reason and a date, amendments, guests' shared comments."""

from datetime import date

import pytest

from contracts.models import Agreement
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.contracts.factories import AgreementFactory, ClauseFactory, ObligationFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/o/alpha"


def test_a_fulfilment_with_a_file_is_kept_in_the_history(org_a, owner, api_as, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    with tenant_scope(org_a):
        obligation = ObligationFactory(organization=org_a, due_date=date(2025, 1, 31))
    api = api_as(owner, org_a)
    response = api.post(
        f"{API}/obligations/{obligation.pk}/fulfil/",
        {"evidence": "Certificate sent.", "evidence_file": SimpleUploadedFile("c.pdf", b"%PDF")},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "fulfilled"
    history = api.get(f"{API}/obligations/{obligation.pk}/fulfilments/").json()
    assert [(h["evidence"], h["evidence_filename"], h["has_file"]) for h in history] == [
        ("Certificate sent.", "c.pdf", True)
    ]


def test_termination_through_the_api_needs_a_reason_and_a_date(org_a, owner, api_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.EXECUTED)
    api = api_as(owner, org_a)
    url = f"{API}/agreements/{agreement.pk}/transition/"
    refused = api.post(url, {"status": "terminated"}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"reason", "on"}
    done = api.post(
        url, {"status": "terminated", "reason": "Breach.", "on": "2025-06-30"}, format="json"
    )
    assert done.status_code == 200 and done.json()["ended_on"] == "2025-06-30"


def test_an_amendment_through_the_api(org_a, owner, api_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.APPROVED)
    response = api_as(owner, org_a).post(
        f"{API}/agreements/{agreement.pk}/amend/",
        {"title": "Amendment 1", "effective_date": "2025-02-01"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["amends"] == agreement.pk
    assert response.json()["agreement_type"] == "amendment"


def test_a_guest_comment_through_the_api_is_shared(org_a, owner, api_as, make_member):
    guest = make_member(org_a, Role.PARTNER_GUEST)
    with tenant_scope(org_a):
        clause = ClauseFactory(
            organization=org_a,
            agreement=AgreementFactory(organization=org_a, status=Agreement.Status.IN_LEGAL_REVIEW),
        )
        draft_clause = ClauseFactory(organization=org_a)
        partnership_invite_guest(
            partnership=draft_clause.agreement.partnership, guest=guest, actor=owner
        )
        partnership_invite_guest(partnership=clause.agreement.partnership, guest=guest, actor=owner)
    response = api_as(guest, org_a).post(
        f"{API}/clause-comments/",
        {"clause": clause.pk, "body": "Looks fine.", "visibility": "internal"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["visibility"] == "shared"
    on_draft = api_as(guest, org_a).post(
        f"{API}/clause-comments/", {"clause": draft_clause.pk, "body": "x"}, format="json"
    )
    assert on_draft.status_code == 403
    assert (
        "undecided_count" not in api_as(guest, org_a).get(f"{API}/agreements/").json()["results"][0]
    )
