"""EDI messages of our own making for the core tests (the real-world samples live in
../shared/data and are read from there)."""

from decimal import Decimal

# gtin, buyer's code, description, quantity, unit, price
ORDER_ITEMS = [
    ("4012345000016", "MAT-1", "Bearing 6204-2RS", "100", "PCE", "2.50"),
    ("4012345000023", "MAT-2", "Hose 1/2in: 2 m, rated 'HP'", "20", "PCE", "11.90"),
    ("4012345000030", "MAT-3", "Torque sensor", "4", "PCE", "184.00"),
]


def _escape(text: str) -> str:
    for char in "?+:'":
        text = text.replace(char, f"?{char}")
    return text


def edifact(
    *,
    kind: str = "order",
    number: str = "PO-1001",
    order_number: str = "PO-1001",
    items=ORDER_ITEMS,
    currency: str = "EUR",
    declared_total: str | None = "auto",
    unt_count: int | None = None,
    unz_reference: str | None = None,
    cnt: int | None = None,
    una: str = "UNA:+.? '",
    separator: str = "\n",
) -> bytes:
    """An ORDERS, INVOIC or DESADV interchange; the keyword arguments break it on purpose."""
    message_type = {"order": "ORDERS", "invoice": "INVOIC", "despatch": "DESADV"}[kind]
    qualifier = {"order": "21", "invoice": "47", "despatch": "12"}[kind]
    document_code = {"order": "220", "invoice": "380", "despatch": "351"}[kind]
    segments = [
        f"UNH+M1+{message_type}:D:03B:UN",
        f"BGM+{document_code}+{number}+9",
        "DTM+137:20250301:102",
    ]
    if kind != "order":
        segments.append(f"RFF+ON:{order_number}")
    segments.append(f"CUX+2:{currency}:9")
    total = Decimal("0")
    for position, (gtin, code, text, quantity, unit, price) in enumerate(items, start=1):
        amount = (Decimal(quantity) * Decimal(price)).quantize(Decimal("0.01"))
        total += amount
        segments += [f"LIN+{position}++{gtin}:SRV", f"PIA+5+{code}:IN"]
        segments += [f"IMD+F++:::{_escape(text)}", f"QTY+{qualifier}:{quantity}:{unit}"]
        if kind != "despatch":
            segments += [f"MOA+203:{amount}", f"PRI+AAA:{price}"]
    segments += ["UNS+S", f"CNT+2:{len(items) if cnt is None else cnt}"]
    if kind != "despatch" and declared_total is not None:
        segments.append(f"MOA+79:{total if declared_total == 'auto' else declared_total}")
    segments.append(f"UNT+{len(segments) + 1 if unt_count is None else unt_count}+M1")
    envelope = [
        "UNB+UNOC:3+4012345000009:14+5412345000013:14+250301:1200+IC42",
        *segments,
        f"UNZ+1+{unz_reference or 'IC42'}",
    ]
    return (una + f"'{separator}".join(envelope) + "'\n").encode()


X12_810_LINES = (
    ("1", "10", "EA", "12.50", "UP", "012345678905"),
    ("2", "4", "EA", "35.75", "VP", "AB-77"),
)


def x12_810(*, total_cents: int = 26800, lines=X12_810_LINES) -> bytes:
    """An X12 810 invoice with `~` as segment terminator and `^` as component separator."""
    isa = (
        "ISA*00*          *00*          *ZZ*SUPPLIER       *ZZ*BUYER          *250301*1200*U*"
        "00401*000000777*0*P*^"
    )
    body = ["ST*810*0001", "BIG*20250301*INV-810-1*20250220*PO-810"]
    for number, quantity, unit, price, qualifier, code in lines:
        body.append(f"IT1*{number}*{quantity}*{unit}*{price}**{qualifier}*{code}")
        body.append(f"PID*F****Item {number}")
    body += [f"TDS*{total_cents}", f"CTT*{len(lines)}"]
    body.append(f"SE*{len(body) + 1}*0001")
    segments = [isa, "GS*IN*SUPPLIER*BUYER*20250301*1200*77*X*004010", *body, "GE*1*77",
                "IEA*1*000000777"]  # fmt: skip
    return ("~\r\n".join(segments) + "~\r\n").encode()


def ubl_invoice(*, number: str = "UBL-INV-1", order: str = "PO-1001", price: str = "2.50") -> bytes:
    """A minimal UBL 2.1 invoice (valid against the OASIS schema) for the first order item."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:UBLVersionID>2.1</cbc:UBLVersionID>
  <cbc:ID>{number}</cbc:ID>
  <cbc:IssueDate>2025-03-05</cbc:IssueDate>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:OrderReference><cbc:ID>{order}</cbc:ID></cac:OrderReference>
  <cac:AccountingSupplierParty><cac:Party>
    <cbc:EndpointID schemeID="0088">4012345000009</cbc:EndpointID>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cbc:EndpointID schemeID="0088">5412345000013</cbc:EndpointID>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">{Decimal(price) * 100:.2f}</cbc:LineExtensionAmount>
    <cbc:PayableAmount currencyID="EUR">{Decimal(price) * 100:.2f}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine>
    <cbc:ID>1</cbc:ID>
    <cbc:InvoicedQuantity unitCode="PCE">100</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">{Decimal(price) * 100:.2f}</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>Bearing 6204-2RS</cbc:Name>
      <cac:StandardItemIdentification>
        <cbc:ID schemeID="0160">4012345000016</cbc:ID>
      </cac:StandardItemIdentification>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">{price}</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
</Invoice>
""".encode()


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>&secret;</cbc:ID>
</Invoice>
"""

GARBAGE = b"%PDF-1.7 this is a scanned invoice, not an EDI message"


def interchange_of_three() -> bytes:
    """PO-1001, its invoice INV-7 (one item priced above the order), and a message whose
    quantity is no number: three messages in one UNB … UNZ."""
    order = edifact(kind="order").decode()
    head = order[: order.index("UNZ+1+IC42")]
    priced = [list(item) for item in ORDER_ITEMS]
    priced[0][5] = str(float(priced[0][5]) + 1)
    invoice = edifact(kind="invoice", number="INV-7", items=[tuple(i) for i in priced])
    invoice = invoice.decode()
    second = invoice[invoice.index("UNH") : invoice.index("UNZ+1+IC42")].replace("M1", "M2")
    bad = head[head.index("UNH") :].replace("PO-1001", "PO-1003").replace("M1", "M3")
    bad = bad.replace(f":{ORDER_ITEMS[0][3]}:", ":lots:", 1)
    return (head + second + bad + "UNZ+3+IC42'\n").encode()
