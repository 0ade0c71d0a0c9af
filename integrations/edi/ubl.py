"""OASIS UBL 2.x Invoice, CreditNote, Order and DespatchAdvice (PEPPOL BIS 3 included), with lxml.

The XML is read without network access, entity expansion or DTDs (a DOCTYPE is refused): an
uploaded document must not make the server fetch or expand anything. UBL has no envelope; the
document's own ID is its number, and the parties' endpoint ids are its sender and receiver.
Schema validation against the OASIS XSDs is not done on ingestion (the schemas are large and
partners send profiles of them); the tests validate the samples.
"""

import io
from decimal import Decimal

from lxml import etree

from integrations.edi.result import (
    DESPATCH_ADVICE,
    ERROR,
    INVOICE,
    ORDER,
    UBL,
    Code,
    EdiParseError,
    ParsedDocument,
    ParsedLine,
    line_number_of,
    optional_decimal,
    parse_date,
)
from tenancy.uploads import ArchiveRefused, XmlTooDeep, check_xml_stream

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}
MAIN = "urn:oasis:names:specification:ubl:schema:xsd:"


class Kind:
    def __init__(self, doc_type, sender, receiver, line, quantity, totals, line_item=None):
        self.doc_type = doc_type
        self.sender, self.receiver = sender, receiver
        self.line, self.quantity, self.totals = line, quantity, totals
        self.line_item = line_item  # Order lines keep their content in cac:LineItem


KINDS = {
    f"{{{MAIN}Invoice-2}}Invoice": Kind(
        INVOICE,
        "AccountingSupplierParty",
        "AccountingCustomerParty",
        "InvoiceLine",
        "InvoicedQuantity",
        "LegalMonetaryTotal",
    ),
    f"{{{MAIN}CreditNote-2}}CreditNote": Kind(
        INVOICE,
        "AccountingSupplierParty",
        "AccountingCustomerParty",
        "CreditNoteLine",
        "CreditedQuantity",
        "LegalMonetaryTotal",
    ),
    f"{{{MAIN}Order-2}}Order": Kind(
        ORDER,
        "BuyerCustomerParty",
        "SellerSupplierParty",
        "OrderLine",
        "Quantity",
        "AnticipatedMonetaryTotal",
        line_item="LineItem",
    ),
    f"{{{MAIN}DespatchAdvice-2}}DespatchAdvice": Kind(
        DESPATCH_ADVICE,
        "DespatchSupplierParty",
        "DeliveryCustomerParty",
        "DespatchLine",
        "DeliveredQuantity",
        None,
    ),
}

MAX_DEPTH = 100
_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
}


def _text(node, path: str) -> str:
    found = node.find(path, NS) if node is not None else None
    return (found.text or "").strip() if found is not None else ""


def _party_id(root, role: str) -> str:
    party = root.find(f"cac:{role}/cac:Party", NS)
    if party is None:
        return ""
    for path in (
        "cbc:EndpointID",
        "cac:PartyIdentification/cbc:ID",
        "cac:PartyLegalEntity/cbc:CompanyID",
        "cac:PartyName/cbc:Name",
    ):
        node = party.find(path, NS)
        if node is not None and (node.text or "").strip():
            scheme = node.get("schemeID")
            value = node.text.strip()
            return f"{scheme}:{value}" if scheme and path.endswith("ID") else value
    return ""


def parse_all(content: bytes) -> list[ParsedDocument | EdiParseError]:
    """A UBL document is one message."""
    return [parse(content)]


def parse(content: bytes) -> ParsedDocument:
    try:  # nesting depth bounded while streaming, before the tree is built
        check_xml_stream(io.BytesIO(content), name="The message", max_depth=MAX_DEPTH)
    except XmlTooDeep as exc:
        raise EdiParseError(str(exc)) from None
    except ArchiveRefused:
        pass  # not well-formed: the parser below says where
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise EdiParseError(f"The XML is not well-formed: {exc}.") from None
    if root.getroottree().docinfo.doctype:
        raise EdiParseError("UBL documents carry no DOCTYPE; this one does, so it is not read.")
    kind = KINDS.get(root.tag)
    if kind is None:
        raise EdiParseError(
            f"{etree.QName(root).localname} is not a UBL Invoice, CreditNote, Order or "
            "DespatchAdvice (check the namespace of the root element)."
        )
    document = ParsedDocument(standard=UBL, doc_type=kind.doc_type)
    document.message_type = etree.QName(root).localname
    customization = _text(root, "cbc:CustomizationID")
    document.syntax_version = _text(root, "cbc:UBLVersionID") or (
        "PEPPOL BIS 3" if "poacc:billing:3.0" in customization else ""
    )
    document.document_number = _text(root, "cbc:ID")
    issued = _text(root, "cbc:IssueDate")
    if not issued:
        document.add(Code.MISSING_MANDATORY, ERROR, "The document has no issue date (IssueDate).")
    else:
        try:
            document.issue_date = parse_date(issued, "Issue date (IssueDate)")
        except EdiParseError as exc:
            document.add(Code.MISSING_MANDATORY, ERROR, str(exc))
    document.sender_id = _party_id(root, kind.sender)
    document.receiver_id = _party_id(root, kind.receiver)
    document.order_reference = _text(root, "cac:OrderReference/cbc:ID")
    document.currency = _text(root, "cbc:DocumentCurrencyCode")
    if kind.totals:
        totals = root.find(f"cac:{kind.totals}", NS)
        document.declared_total = optional_decimal(
            _text(totals, "cbc:LineExtensionAmount"), f"{kind.totals}/LineExtensionAmount"
        )
        document.document_total = optional_decimal(
            _text(totals, "cbc:PayableAmount"), f"{kind.totals}/PayableAmount"
        )
        if not document.currency and totals is not None:
            amount = totals.find("cbc:PayableAmount", NS)
            document.currency = amount.get("currencyID", "") if amount is not None else ""
    if document.doc_type == INVOICE and not document.currency:
        document.add(
            Code.MISSING_MANDATORY, ERROR, "The invoice has no currency (DocumentCurrencyCode)."
        )
    for position, node in enumerate(root.iterfind(f"cac:{kind.line}", NS), start=1):
        document.lines.append(_line(node, position, kind, document))
    if not document.order_reference and document.doc_type == DESPATCH_ADVICE:
        document.order_reference = next(
            (
                text
                for node in root.iterfind(f"cac:{kind.line}", NS)
                if (text := _text(node, "cac:OrderLineReference/cac:OrderReference/cbc:ID"))
            ),
            "",
        )
    return document


def _line(node, position: int, kind: Kind, document: ParsedDocument) -> ParsedLine:
    content = node.find(f"cac:{kind.line_item}", NS) if kind.line_item else node
    if content is None:
        content = node
    number = line_number_of(_text(content, "cbc:ID"), position)
    what = f"Line {number}"
    quantity_node = content.find(f"cbc:{kind.quantity}", NS)
    quantity = optional_decimal(
        (quantity_node.text or "") if quantity_node is not None else "", f"{what}, quantity"
    )
    if quantity is None:
        document.add(
            Code.MISSING_MANDATORY, ERROR, f"{what} has no {kind.quantity}; read as 0.", number
        )
        quantity = Decimal("0")
    price = optional_decimal(_text(content, "cac:Price/cbc:PriceAmount"), f"{what}, price")
    base = optional_decimal(_text(content, "cac:Price/cbc:BaseQuantity"), f"{what}, base quantity")
    if price is not None and base:
        price = price / base
    item = content.find("cac:Item", NS)
    return ParsedLine(
        line_number=number,
        quantity=quantity,
        unit=quantity_node.get("unitCode", "") if quantity_node is not None else "",
        buyer_item_code=_text(item, "cac:BuyersItemIdentification/cbc:ID"),
        seller_item_code=_text(item, "cac:SellersItemIdentification/cbc:ID"),
        gtin=_text(item, "cac:StandardItemIdentification/cbc:ID"),
        description=_text(item, "cbc:Name") or _text(item, "cbc:Description"),
        unit_price=price,
        line_amount=optional_decimal(
            _text(content, "cbc:LineExtensionAmount"), f"{what}, LineExtensionAmount"
        ),
    )
