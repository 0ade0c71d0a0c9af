"""Outbound documents: an accepted order as EDIFACT ORDERS or UBL Order (reading back with our
own parsers to the same number, parties and lines), and its order response as EDIFACT ORDRSP or
UBL OrderResponse (every line accepted), downloaded from the document page or the API; never
for a partner guest, never for anything but an accepted order."""

from decimal import Decimal

import pytest
from django.urls import reverse
from lxml import etree

from integrations.edi import parse_document
from integrations.edi.edifact import segments
from integrations.edi.ubl import CAC, CBC
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Role
from tests.integrations import samples

pytestmark = pytest.mark.django_db
API = "/api/v1/o/alpha"


@pytest.fixture
def order(ingest):
    document, _ = ingest(samples.edifact(kind="order"), filename="po.edi")
    return document


def _download(client, document, kind, standard):
    url = reverse("edi-document-outbound", args=["alpha", document.pk])
    return client.get(url, {"kind": kind, "to": standard})


@pytest.mark.parametrize("standard", ["edifact", "ubl"])
def test_an_order_sent_on_reads_back_to_the_same_order(org_a, manager, order, client_as, standard):
    response = _download(client_as(manager), order, "order", standard)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(
        '"PO-1001.edi"' if standard == "edifact" else '"PO-1001.xml"'
    )
    parsed = parse_document(response.content)
    assert (parsed.doc_type, parsed.document_number, parsed.currency) == ("order", "PO-1001", "EUR")
    assert [(line.gtin, line.buyer_item_code, line.quantity, line.unit_price)
            for line in parsed.lines] == [
        (gtin, code, Decimal(quantity), Decimal(price))
        for gtin, code, _, quantity, _, price in samples.ORDER_ITEMS
    ]  # fmt: skip
    assert not [f for f in parsed.findings if f.severity == "error"]
    with tenant_scope(org_a):
        assert AuditEvent.objects.filter(action="integrations.outbound.generated").exists()


def test_the_edifact_order_response_accepts_every_line_with_a_counted_trailer(
    manager, order, client_as
):
    content = _download(client_as(manager), order, "order_response", "edifact").content
    found = list(segments(content.decode()))
    tags = [tag for tag, _ in found]
    assert tags[1] == "UNH" and "ORDRSP" in content.decode()
    assert content.decode().count("LIN+") == len(samples.ORDER_ITEMS)
    assert "RFF+ON:PO-1001" in content.decode()
    unt = next(elements for tag, elements in found if tag == "UNT")
    assert int(unt[0][0]) == tags.index("UNT") - tags.index("UNH") + 1


def test_the_ubl_order_response_refers_to_the_order(manager, order, client_as):
    content = _download(client_as(manager), order, "order_response", "ubl").content
    root = etree.fromstring(content)
    ns = {"cbc": CBC, "cac": CAC}
    assert etree.QName(root).localname == "OrderResponse"
    assert root.findtext("cac:OrderReference/cbc:ID", namespaces=ns) == "PO-1001"
    assert len(root.findall("cac:OrderLine", ns)) == len(samples.ORDER_ITEMS)


def test_only_an_accepted_order_is_answered_and_never_for_a_guest(
    org_a, manager, ingest, order, make_member, partnership, client_as, api_as
):
    invoice, _ = ingest(samples.edifact(kind="invoice", number="INV-1"), filename="inv.edi")
    refused = _download(client_as(manager), invoice, "order_response", "edifact")
    assert refused.status_code == 302  # back to the page, with the reason
    bad = _download(client_as(manager), order, "order_response", "pdf")
    assert bad.status_code == 302
    api = api_as(manager, org_a)
    assert api.get(f"{API}/edi-documents/{invoice.pk}/outbound/").status_code == 409
    assert api.get(f"{API}/edi-documents/{order.pk}/outbound/",
                   {"to": "x"}).status_code == 400  # fmt: skip
    ok = api.get(f"{API}/edi-documents/{order.pk}/outbound/", {"kind": "order",
                                                               "to": "ubl"})  # fmt: skip
    assert ok.status_code == 200 and b"<Order " in ok.content
    from partnerships.services import partnership_invite_guest

    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=guest, actor=None)
    assert _download(client_as(guest), order, "order", "edifact").status_code == 404
    assert api_as(guest, org_a).get(f"{API}/edi-documents/{order.pk}/outbound/").status_code == 404
