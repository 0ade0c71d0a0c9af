"""REST API of the integrations module: 201/200/422/400 answers and their shapes, the raw-body
and JSON ways in, filters, cursor-paginated lines, rights by role, and partnerships of another
organization answered as unknown."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from integrations.models import EdiDocument
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.integrations import samples
from tests.integrations.factories import EdiDocumentFactory, EdiDocumentLineFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/o/alpha"


def _post_file(api, partnership, content, name="message.edi"):
    return api.post(
        f"{API}/edi-documents/",
        {"partnership": partnership.pk, "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def test_an_upload_is_201_with_the_document_its_findings_and_line_count(
    owner, org_a, api_as, partnership
):
    response = _post_file(api_as(owner, org_a), partnership, samples.edifact(unt_count=40))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["standard"], body["doc_type"], body["status"]) == ("edifact", "order", "accepted")
    assert (body["document_number"], body["line_count"], body["error_count"]) == ("PO-1001", 3, 1)
    assert body["partnership"] == partnership.pk and body["received_via"] == "api"
    assert body["line_total"] == body["declared_total"] == "1224.00"
    assert body["filename"] == "message.edi" and len(body["sha256"]) == 64
    (finding,) = body["findings"]
    assert finding["code"] == "segment_count_mismatch" and finding["severity"] == "error"
    assert "content" not in body


def test_a_resend_is_200_with_the_document_already_received(owner, org_a, api_as, partnership):
    api = api_as(owner, org_a)
    first = _post_file(api, partnership, samples.edifact())
    again = _post_file(api, partnership, samples.edifact(), name="again.edi")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["filename"] == "message.edi"


def test_an_unreadable_message_is_422_with_the_reason_and_kept_as_rejected(
    owner, org_a, api_as, partnership
):
    response = _post_file(api_as(owner, org_a), partnership, samples.GARBAGE, name="scan.pdf")
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "unreadable"
    assert "not an EDIFACT interchange" in body["error"]["message"]
    assert body["error"]["fields"]["file"] == [body["error"]["message"]]
    assert body["document"]["status"] == "rejected"
    with tenant_scope(org_a):
        stored = EdiDocument.objects.get(pk=body["document"]["id"])
        assert bytes(stored.content) == samples.GARBAGE


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "partnership"),
        ({"partnership": 999999, "content": "UNB+x'"}, "partnership"),
        ({"partnership": "PARTNERSHIP"}, "file"),
        ({"partnership": "PARTNERSHIP", "content": ""}, "content"),
    ],
)
def test_bad_input_is_a_400_with_a_message_per_field(
    owner, org_a, api_as, partnership, data, field
):
    data = {k: partnership.pk if v == "PARTNERSHIP" else v for k, v in data.items()}
    response = api_as(owner, org_a).post(f"{API}/edi-documents/", data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    with tenant_scope(org_a):
        assert not EdiDocument.objects.exists()


def test_a_partnership_of_another_organization_does_not_exist(owner, org_a, org_b, api_as):
    foreign = PartnershipFactory(organization=org_b)
    response = _post_file(api_as(owner, org_a), foreign, samples.edifact())
    assert response.status_code == 400
    assert "does not exist" in response.json()["error"]["fields"]["partnership"][0]


def test_the_raw_message_can_be_the_body(owner, org_a, api_as, partnership):
    response = api_as(owner, org_a).post(
        f"{API}/edi-documents/?partnership={partnership.pk}&filename=po.edi",
        data=samples.edifact(),
        content_type="application/edifact",
    )
    assert response.status_code == 201, response.content
    assert response.json()["filename"] == "po.edi"
    ubl = api_as(owner, org_a).post(
        f"{API}/edi-documents/?partnership={partnership.pk}",
        data=samples.ubl_invoice(),
        content_type="application/xml",
    )
    assert ubl.status_code == 201 and ubl.json()["standard"] == "ubl"
    x12 = api_as(owner, org_a).post(
        f"{API}/edi-documents/?partnership={partnership.pk}",
        data=samples.x12_810(),
        content_type="application/edi-x12",
    )
    assert x12.status_code == 201 and x12.json()["doc_type"] == "invoice"


def test_a_raw_body_without_partnership_or_of_an_unknown_type_is_refused(
    owner, org_a, api_as, partnership
):
    api = api_as(owner, org_a)
    missing = api.post(
        f"{API}/edi-documents/", data=samples.edifact(), content_type="application/edifact"
    )
    assert missing.status_code == 400 and "partnership" in missing.json()["error"]["fields"]
    pdf = api.post(
        f"{API}/edi-documents/?partnership={partnership.pk}",
        data=b"%PDF",
        content_type="application/pdf",
    )
    assert pdf.status_code == 415


def test_an_oversized_body_is_refused_without_being_stored(
    owner, org_a, api_as, partnership, settings
):
    settings.INTEGRATIONS_EDI_MAX_BYTES = 100
    response = api_as(owner, org_a).post(
        f"{API}/edi-documents/?partnership={partnership.pk}",
        data=samples.edifact(),
        content_type="application/edifact",
    )
    assert response.status_code == 400 and "the limit" in response.json()["error"]["message"]
    too_big = _post_file(api_as(owner, org_a), partnership, samples.edifact())
    assert too_big.status_code == 400


def test_json_clients_send_the_message_as_content(owner, org_a, api_as, partnership):
    response = api_as(owner, org_a).post(
        f"{API}/edi-documents/",
        {"partnership": partnership.pk, "content": samples.edifact().decode(), "filename": "a"},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_documents_filter_by_partnership_standard_type_status_and_errors(
    org_a, owner, api_as, partnership
):
    other = PartnershipFactory(organization=org_a)
    invoice = EdiDocumentFactory(organization=org_a, partnership=partnership, error_count=2)
    order = EdiDocumentFactory(
        organization=org_a, partnership=partnership, doc_type="order", standard="x12"
    )
    rejected = EdiDocumentFactory(organization=org_a, partnership=other, status="rejected")
    api = api_as(owner, org_a)

    def ids(query):
        response = api.get(f"{API}/edi-documents/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(f"partnership={partnership.pk}") == {invoice.pk, order.pk}
    assert ids("standard=x12") == {order.pk}
    assert ids("doc_type=invoice") == {invoice.pk, rejected.pk}
    assert ids("status=rejected") == {rejected.pk}
    assert ids("has_errors=true") == {invoice.pk}
    assert ids("has_errors=false") == {order.pk, rejected.pk}


def test_the_lines_are_cursor_paginated_in_message_order(org_a, owner, api_as):
    document = EdiDocumentFactory(organization=org_a, line_count=5)
    for number in range(1, 6):
        EdiDocumentLineFactory(organization=org_a, document=document, line_number=number)
    api = api_as(owner, org_a)
    first = api.get(f"{API}/edi-documents/{document.pk}/lines/?page_size=3").json()
    assert [row["line_number"] for row in first["results"]] == [1, 2, 3]
    assert first["results"][0]["quantity"] == "10.0000"
    second = api.get(first["next"]).json()
    assert [row["line_number"] for row in second["results"]] == [4, 5]
    assert second["next"] is None


def test_the_original_message_downloads_as_received(org_a, owner, api_as):
    document = EdiDocumentFactory(organization=org_a, filename='evil"\nname.edi')
    response = api_as(owner, org_a).get(f"{API}/edi-documents/{document.pk}/original/")
    assert response.status_code == 200
    assert response.content == bytes(document.content)
    assert "\n" not in response["Content-Disposition"]


def test_the_detail_has_the_findings(org_a, owner, api_as):
    from tests.integrations.factories import EdiFindingFactory

    finding = EdiFindingFactory(organization=org_a)
    body = api_as(owner, org_a).get(f"{API}/edi-documents/{finding.document_id}/").json()
    assert [f["code"] for f in body["findings"]] == ["total_mismatch"]


def test_a_viewer_reads_but_cannot_send_and_a_guest_reads_only_their_companys_documents(
    org_a, member, make_member, api_as, partnership
):
    document = EdiDocumentFactory(organization=org_a, partnership=partnership)
    viewer = api_as(member, org_a)
    assert viewer.get(f"{API}/edi-documents/{document.pk}/").status_code == 200
    assert _post_file(viewer, partnership, samples.edifact()).status_code == 403
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    from partnerships.services import partnership_invite_guest

    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=guest, actor=None)
    other = EdiDocumentFactory(organization=org_a)
    guest_api = api_as(guest, org_a)
    listed = guest_api.get(f"{API}/edi-documents/")
    assert [d["id"] for d in listed.json()["results"]] == [document.pk]
    assert guest_api.get(f"{API}/edi-documents/{document.pk}/").status_code == 200
    assert guest_api.get(f"{API}/edi-documents/{other.pk}/").status_code == 404
    assert _post_file(guest_api, partnership, samples.edifact()).status_code == 403


def test_list_and_lines_query_counts_do_not_grow_with_rows(
    org_a, owner, api_as, django_assert_max_num_queries
):
    def grow(n):
        for _ in range(n):
            document = EdiDocumentFactory(organization=org_a)
            for number in range(1, 4):
                EdiDocumentLineFactory(organization=org_a, document=document, line_number=number)
        return document

    document = grow(2)
    api = api_as(owner, org_a)
    api.get(f"{API}/edi-documents/")  # warm up: the API key's last-used write
    for path in ("edi-documents/", f"edi-documents/{document.pk}/lines/"):
        with django_assert_max_num_queries(8):
            assert api.get(f"{API}/{path}").status_code == 200
    document = grow(15)
    for path in ("edi-documents/", f"edi-documents/{document.pk}/lines/"):
        with django_assert_max_num_queries(8):
            assert api.get(f"{API}/{path}").status_code == 200


def test_an_interchange_pushed_through_the_api_stores_every_message(
    owner, org_a, api_as, partnership
):
    from tenancy.models import AuditEvent

    api = api_as(owner, org_a)
    response = _post_file(api, partnership, samples.interchange_of_three())
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["document_number"], body["message_index"]) == ("PO-1001", 1)
    assert "unread_messages" not in {f["code"] for f in body["findings"]}
    second_id, third_id = body["further_messages"]
    second = api.get(f"{API}/edi-documents/{second_id}/").json()
    assert (second["document_number"], second["interchange"], second["message_index"]) == (
        "INV-7", body["id"], 2,
    )  # fmt: skip
    assert "price_differs" in {f["code"] for f in second["findings"]}
    third = api.get(f"{API}/edi-documents/{third_id}/").json()
    assert (third["status"], third["message_index"]) == ("rejected", 3)
    with tenant_scope(org_a):
        audited = set(
            AuditEvent.objects.filter(action__startswith="integrations.edi_document.").values_list(
                "object_id", "action"
            )
        )
    assert audited == {
        (str(body["id"]), "integrations.edi_document.accepted"),
        (str(second_id), "integrations.edi_document.accepted"),
        (str(third_id), "integrations.edi_document.rejected"),
    }
    # A resend of the same interchange finds the first document and stores nothing more.
    again = _post_file(api, partnership, samples.interchange_of_three())
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    with tenant_scope(org_a):
        assert EdiDocument.objects.count() == 3
