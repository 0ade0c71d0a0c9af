"""Pages: the integrations home with counts and filters, the partnership tab, the upload that a
task reads, a document with its findings and paginated lines; query counts pinned so they do not
grow with rows; viewers read, guests read only what their company sent."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from integrations.models import EdiDocument
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.integrations import samples
from tests.integrations.factories import (
    ConnectorFactory,
    EdiDocumentFactory,
    EdiDocumentLineFactory,
    EdiFindingFactory,
)

pytestmark = pytest.mark.django_db


def grow(org, partnership, documents, lines):
    made = []
    for i in range(documents):
        document = EdiDocumentFactory(
            organization=org, partnership=partnership, line_count=lines, error_count=i % 2
        )
        for number in range(1, lines + 1):
            EdiDocumentLineFactory(organization=org, document=document, line_number=number)
        EdiFindingFactory(organization=org, document=document)
        made.append(document)
    return made


@pytest.mark.parametrize(("documents", "lines"), [(2, 3), (12, 150)])
def test_integrations_pages_use_a_fixed_number_of_queries(
    org_a, manager, partnership, client_as, django_assert_max_num_queries, documents, lines
):
    last = grow(org_a, partnership, documents, lines)[-1]
    for number in range(documents):  # connectors with their feed health: two queries in all
        ConnectorFactory(organization=org_a, partnership=partnership, name=f"Feed {number}")
    client = client_as(manager)
    pages = [
        (reverse("integrations-home", args=["alpha"]), 13),
        (reverse("integrations-home", args=["alpha"]) + "?has_errors=1&standard=edifact", 13),
        (reverse("partnership-integrations", args=["alpha", partnership.pk]), 18),
        # one more than the lines: the interchange's further messages (one query)
        (reverse("edi-document-detail", args=["alpha", last.pk]), 13),
        (reverse("edi-document-detail", args=["alpha", last.pk]) + "?page=2", 13),
        (reverse("edi-document-upload", args=["alpha"]), 11),
    ]
    for url, limit in pages:
        with django_assert_max_num_queries(limit):
            response = client.get(url)
        assert response.status_code == 200, url


def test_the_home_counts_documents_with_errors_and_filters_them(
    org_a, manager, partnership, client_as
):
    clean = EdiDocumentFactory(organization=org_a, partnership=partnership, document_number="OK-1")
    broken = EdiDocumentFactory(
        organization=org_a, partnership=partnership, document_number="BAD-1", error_count=3
    )
    client = client_as(manager)
    html = client.get(reverse("integrations-home", args=["alpha"])).content.decode()
    assert 'data-testid="count-errors">1<' in html
    assert "OK-1" in html and "BAD-1" in html
    filtered = client.get(reverse("integrations-home", args=["alpha"]) + "?has_errors=1")
    assert "BAD-1" in filtered.content.decode() and "OK-1" not in filtered.content.decode()
    assert clean.pk != broken.pk


def test_the_partnership_tab_shows_its_documents_only(org_a, manager, partnership, client_as):
    from tests.partnerships.factories import PartnershipFactory

    EdiDocumentFactory(organization=org_a, partnership=partnership, document_number="MINE-1")
    EdiDocumentFactory(
        organization=org_a, partnership=PartnershipFactory(organization=org_a), document_number="X"
    )
    url = reverse("partnership-integrations", args=["alpha", partnership.pk])
    html = client_as(manager).get(url).content.decode()
    assert "MINE-1" in html and ">Invoice X<" not in html
    assert f'href="{url}" aria-current="page">Integrations<' in html  # the workspace tab


def test_an_upload_is_read_by_the_task_and_shown_with_its_lines_and_findings(
    org_a, manager, partnership, client_as, settings, django_capture_on_commit_callbacks
):
    settings.TASKS_INLINE = True
    client = client_as(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("edi-document-upload", args=["alpha"]),
            {
                "partnership": partnership.pk,
                "file": SimpleUploadedFile("po.edi", samples.edifact(unt_count=5)),
            },
        )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "Accepted" in detail and "Segment count does not match" in detail
    assert "Bearing 6204-2RS" in detail and "4012345000016" in detail
    assert "Lines (3)" in detail
    with tenant_scope(org_a):
        document = EdiDocument.objects.get()
    assert document.received_via == "upload" and document.received_by == manager
    # The same file again leads to the same document.
    again = client.post(
        reverse("edi-document-upload", args=["alpha"]),
        {
            "partnership": partnership.pk,
            "file": SimpleUploadedFile("po.edi", samples.edifact(unt_count=5)),
        },
    )
    assert again["Location"] == response["Location"]


def test_an_upload_page_shows_progress_while_the_message_waits(
    org_a, manager, partnership, client_as
):
    document = EdiDocumentFactory(
        organization=org_a, partnership=partnership, status="received", line_count=0
    )
    client = client_as(manager)
    html = client.get(reverse("edi-document-detail", args=["alpha", document.pk])).content.decode()
    assert 'class="progress"' in html and "Received, not read yet" in html
    status = client.get(reverse("edi-document-status", args=["alpha", document.pk])).json()
    assert (status["status"], status["progress"]) == ("received", 0)


def test_an_empty_upload_is_a_field_error(org_a, manager, partnership, client_as):
    response = client_as(manager).post(
        reverse("edi-document-upload", args=["alpha"]),
        {"partnership": partnership.pk, "file": SimpleUploadedFile("empty.edi", b" \n")},
    )
    assert response.status_code == 200
    assert (
        "is empty" in response.content.decode()
        or "submitted file is empty" in response.content.decode()
    )


def test_a_rejected_document_shows_why_and_offers_the_original(
    org_a, manager, partnership, client_as
):
    document = EdiDocumentFactory(
        organization=org_a,
        partnership=partnership,
        status="rejected",
        error="This is not an EDIFACT interchange (UNA/UNB) …",
        line_count=0,
    )
    client = client_as(manager)
    html = client.get(reverse("edi-document-detail", args=["alpha", document.pk])).content.decode()
    assert "This is not an EDIFACT interchange" in html
    original = client.get(reverse("edi-document-original", args=["alpha", document.pk]))
    assert original.content == bytes(document.content)


def test_a_viewer_reads_without_the_upload_and_a_guest_reads_only_what_their_company_sent(
    org_a, member, make_member, partnership, client_as
):
    document = EdiDocumentFactory(organization=org_a, partnership=partnership)
    other = EdiDocumentFactory(organization=org_a, document_number="OTHER-PARTNER-1")
    viewer = client_as(member)
    home = viewer.get(reverse("integrations-home", args=["alpha"])).content.decode()
    assert "Upload" not in home.split("<main>")[1]
    assert viewer.get(reverse("edi-document-upload", args=["alpha"])).status_code == 403
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    from partnerships.services import partnership_invite_guest

    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=guest, actor=None)
    guest_client = client_as(guest)
    for url in (
        reverse("integrations-home", args=["alpha"]),
        reverse("partnership-integrations", args=["alpha", partnership.pk]),
        reverse("edi-document-detail", args=["alpha", document.pk]),
    ):
        response = guest_client.get(url)
        assert response.status_code == 200, url
        assert b"OTHER-PARTNER-1" not in response.content
        assert b"Upload" not in response.content.split(b"<main")[1]
        assert b"connector" not in response.content.lower().split(b"<main")[1]
    assert (
        guest_client.get(reverse("edi-document-detail", args=["alpha", other.pk])).status_code
        == 404
    )
    assert guest_client.get(
        reverse("partnership-integrations", args=["alpha", other.partnership_id])
    ).status_code in (403, 404)
