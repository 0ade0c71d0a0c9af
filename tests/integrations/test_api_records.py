"""REST API of connectors, discrepancies and data-sharing terms: each read and written through
the module's services (the same rules as the pages), the actions with a reason, 409 for a step
the lifecycle refuses, and what a partner guest reads (only what is shared with them)."""

import pytest

from integrations.models import Connector, DataSharingTerm, Discrepancy
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent
from tests.integrations.factories import (
    ConnectorFactory,
    DataSharingTermFactory,
    DiscrepancyFactory,
    EdiDocumentFactory,
    EdiFindingFactory,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/o/alpha"


# --- connectors -------------------------------------------------------------------------------


def test_a_connector_is_set_up_in_testing_through_the_service_rules(
    org_a, manager, api_as, partnership
):
    api = api_as(manager, org_a)
    body = {
        "partnership": partnership.pk,
        "name": "  INVOIC feed ",
        "method": "edifact",
        "direction": "inbound",
        "message_types": ["invoice"],
        "expected_frequency": "daily",
        "partner_identifiers": ["4012345000009", " 4012345000009 "],
    }
    created = api.post(f"{API}/connectors/", body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["name"], data["status"]) == ("INVOIC feed", "testing")
    assert data["partner_identifiers"] == ["4012345000009"]  # the service's clean-up
    assert data["owner"] is None and created["ETag"]
    # A receiving feed without an identifier could never accept a message: refused.
    no_id = api.post(
        f"{API}/connectors/", {**body, "name": "Other", "partner_identifiers": []}, format="json"
    )
    assert no_id.status_code == 400
    assert "partner_identifiers" in no_id.json()["error"]["fields"]
    duplicate = api.post(f"{API}/connectors/", body, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()["error"]["fields"]


def test_a_connector_is_edited_activated_paused_and_retired_with_a_reason(
    org_a, manager, api_as, partnership
):
    connector = ConnectorFactory(
        organization=org_a, partnership=partnership, status=Connector.Status.TESTING
    )
    api = api_as(manager, org_a)
    url = f"{API}/connectors/{connector.pk}/"
    edited = api.patch(url, {"gaps": "No DESADV yet."}, format="json")
    assert edited.status_code == 200 and edited.json()["gaps"] == "No DESADV yet."
    moved = api.patch(url, {"partnership": partnership.pk + 1000}, format="json")
    assert moved.status_code == 400
    assert api.post(f"{url}activate/").json()["status"] == "active"
    assert api.post(f"{url}pause/").json()["status"] == "paused"
    no_reason = api.post(f"{url}retire/", {"reason": " "}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    retired = api.post(f"{url}retire/", {"reason": "Moved to PEPPOL."}, format="json")
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    again = api.post(f"{url}activate/")
    assert again.status_code == 409  # retired is final
    assert api.patch(url, {"gaps": "x"}, format="json").status_code == 409
    with tenant_scope(org_a):
        assert AuditEvent.objects.filter(action="integrations.connector.retired").count() == 1


def test_a_viewer_reads_connectors_and_a_guest_never_sees_them(
    org_a, member, guest, api_as, partnership
):
    connector = ConnectorFactory(organization=org_a, partnership=partnership)
    viewer = api_as(member, org_a)
    assert viewer.get(f"{API}/connectors/{connector.pk}/").status_code == 200
    assert viewer.post(f"{API}/connectors/{connector.pk}/pause/").status_code == 403
    guest_api = api_as(guest, org_a)
    assert guest_api.get(f"{API}/connectors/").json()["results"] == []
    assert guest_api.get(f"{API}/connectors/{connector.pk}/").status_code == 404


# --- discrepancies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("dispute", "disputed", "dispute_note"),
        ("block-payment", "payment_blocked", "resolution"),
        ("accept", "accepted", "resolution"),
        ("resolve", "resolved", "resolution"),
    ],
)
def test_each_discrepancy_action_needs_a_reason_and_calls_the_service(
    org_a, manager, api_as, partnership, path, status, field
):
    discrepancy = DiscrepancyFactory(organization=org_a, partnership=partnership)
    api = api_as(manager, org_a)
    url = f"{API}/discrepancies/{discrepancy.pk}/{path}/"
    refused = api.post(url, {"reason": ""}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["error"]["fields"]
    done = api.post(url, {"reason": "Checked with the partner."}, format="json")
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == status and body[field] == "Checked with the partner."
    assert body["decided_by"] == manager.pk
    assert body["shared_with_partner"] is (status == "disputed")
    with tenant_scope(org_a):
        assert AuditEvent.objects.filter(action=f"integrations.discrepancy.{status}").exists()


def test_a_final_discrepancy_cannot_be_acted_on_again(org_a, manager, api_as, partnership):
    discrepancy = DiscrepancyFactory(
        organization=org_a, partnership=partnership, status=Discrepancy.Status.ACCEPTED
    )
    response = api_as(manager, org_a).post(
        f"{API}/discrepancies/{discrepancy.pk}/dispute/", {"reason": "Too late"}, format="json"
    )
    assert response.status_code == 409


def test_discrepancies_filter_by_status_and_partnership(org_a, owner, api_as, partnership):
    mine = DiscrepancyFactory(organization=org_a, partnership=partnership)
    DiscrepancyFactory(organization=org_a, status=Discrepancy.Status.RESOLVED)
    api = api_as(owner, org_a)
    listed = api.get(f"{API}/discrepancies/", {"status": "open", "partnership": partnership.pk})
    assert [d["id"] for d in listed.json()["results"]] == [mine.pk]


def test_a_guest_reads_only_the_discrepancies_disputed_with_them_without_the_decision(
    org_a, manager, guest, api_as, partnership
):
    disputed = DiscrepancyFactory(organization=org_a, partnership=partnership, owner=manager)
    internal = DiscrepancyFactory(organization=org_a, partnership=partnership)
    api_as(manager, org_a).post(
        f"{API}/discrepancies/{disputed.pk}/dispute/", {"reason": "Price per list"}, format="json"
    )
    guest_api = api_as(guest, org_a)
    listed = guest_api.get(f"{API}/discrepancies/").json()["results"]
    assert [d["id"] for d in listed] == [disputed.pk]
    detail = guest_api.get(f"{API}/discrepancies/{disputed.pk}/").json()
    assert detail["dispute_note"] == "Price per list"
    assert not {"owner", "resolution", "decided_by"} & set(detail)
    assert guest_api.get(f"{API}/discrepancies/{internal.pk}/").status_code == 404
    acted = guest_api.post(
        f"{API}/discrepancies/{disputed.pk}/accept/", {"reason": "ok"}, format="json"
    )
    assert acted.status_code == 403


def test_a_guest_reads_the_documents_their_company_sent_with_their_findings_only(
    org_a, guest, api_as, partnership
):
    theirs = EdiDocumentFactory(organization=org_a, partnership=partnership)
    EdiFindingFactory(organization=org_a, document=theirs)
    other = EdiDocumentFactory(organization=org_a)
    EdiFindingFactory(organization=org_a, document=other)
    guest_api = api_as(guest, org_a)
    detail = guest_api.get(f"{API}/edi-documents/{theirs.pk}/").json()
    assert [f["code"] for f in detail["findings"]] == ["total_mismatch"]
    assert guest_api.get(f"{API}/edi-documents/{other.pk}/").status_code == 404
    assert guest_api.get(f"{API}/edi-documents/{other.pk}/lines/").status_code == 404
    assert guest_api.get(f"{API}/edi-documents/{theirs.pk}/original/").status_code == 200


# --- data-sharing terms -----------------------------------------------------------------------


def test_terms_are_recorded_changed_and_held_with_a_reason(org_a, manager, api_as, partnership):
    api = api_as(manager, org_a)
    body = {
        "partnership": partnership.pk,
        "category": "edi_documents",
        "owner": "joint",
        "usage_rights": "Order-to-pay only.",
        "retention_days": 3650,
        "on_expiry": "anonymise",
        "legal_basis": "legal_obligation",
    }
    created = api.post(f"{API}/data-sharing-terms/", body, format="json")
    assert created.status_code == 201, created.content
    term_id = created.json()["id"]
    assert api.post(f"{API}/data-sharing-terms/", body, format="json").status_code == 409
    blank = api.patch(f"{API}/data-sharing-terms/{term_id}/", {"usage_rights": "  "}, format="json")
    assert blank.status_code == 400
    changed = api.patch(f"{API}/data-sharing-terms/{term_id}/", {"retention_days": 30},
                        format="json")  # fmt: skip
    assert changed.json()["retention_days"] == 30
    recategorised = api.patch(
        f"{API}/data-sharing-terms/{term_id}/", {"category": "forecasts"}, format="json"
    )
    assert recategorised.status_code == 400
    url = f"{API}/data-sharing-terms/{term_id}/"
    assert api.post(f"{url}hold/", {"reason": ""}, format="json").status_code == 400
    held = api.post(f"{url}hold/", {"reason": "Tax audit 2026"}, format="json").json()
    assert (held["legal_hold"], held["legal_hold_reason"]) == (True, "Tax audit 2026")
    assert api.post(f"{url}hold/", {"reason": "again"}, format="json").status_code == 409
    assert api.post(f"{url}release/").json()["legal_hold"] is False
    with tenant_scope(org_a):
        assert DataSharingTerm.objects.get(pk=term_id).retention_days == 30


def test_a_guest_does_not_read_the_terms(org_a, guest, api_as, partnership):
    term = DataSharingTermFactory(organization=org_a, partnership=partnership)
    guest_api = api_as(guest, org_a)
    assert guest_api.get(f"{API}/data-sharing-terms/").json()["results"] == []
    assert guest_api.get(f"{API}/data-sharing-terms/{term.pk}/").status_code == 404
