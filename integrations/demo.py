"""Demo data of the integrations module: for the first active partnership, an EDIFACT connector
(the partner's identifier, both systems assessed), an EDIFACT order and the partner's invoice for
it, which prices one item above the order (a finding the owner is notified of, and a discrepancy
of the three-way match, disputed with the partner), and a master-data crosswalk (two materials,
the supplier number, a cost code), a shared demand forecast in two versions, a stock
policy and a planned joint disaster-recovery test. Both go through the ingestion service, as a
feed would send them. Idempotent: a message already received (by number) is not sent again."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from integrations.models import (
    CodeMapping,
    Connector,
    DemandForecast,
    DisasterRecoveryTest,
    Discrepancy,
    EdiDocument,
)
from integrations.services import (
    code_mapping_set,
    discrepancies_detect,
    discrepancy_act,
    dr_test_schedule,
    edi_document_ingest,
    forecast_create,
    forecast_version_add,
    stock_policy_set,
)
from tenancy.models import Role

# gtin, buyer's code, description, quantity, unit, ordered price, invoiced price
ITEMS = [
    ("4012345000016", "MAT-100231", "Bearing 6204-2RS", "400", "PCE", "2.35", "2.35"),
    ("4012345000023", "MAT-100877", "Hydraulic hose 1/2in, 2 m", "120", "PCE", "11.90", "12.40"),
    ("4012345000030", "MAT-204410", "Torque sensor TS-50", "12", "PCE", "184.00", "184.00"),
]


def _escape(text: str) -> str:
    for char in "?+:'":
        text = text.replace(char, f"?{char}")
    return text


def edifact_message(
    *, kind: str, number: str, order_number: str, issued, sender: str, receiver: str, currency: str
) -> bytes:
    """An ORDERS or INVOIC D.96A interchange for ITEMS (ordered or invoiced prices)."""
    invoice = kind == "invoice"
    segments = [
        f"UNH+1+{'INVOIC' if invoice else 'ORDERS'}:D:96A:UN",
        f"BGM+{'380' if invoice else '220'}+{number}+9",
        f"DTM+137:{issued:%Y%m%d}:102",
    ]
    if invoice:
        segments.append(f"RFF+ON:{order_number}")
    segments.append(f"CUX+2:{currency}:{'4' if invoice else '9'}")
    total = Decimal("0")
    for position, (gtin, code, text, quantity, unit, ordered, invoiced) in enumerate(ITEMS, 1):
        price = Decimal(invoiced if invoice else ordered)
        amount = (Decimal(quantity) * price).quantize(Decimal("0.01"))
        total += amount
        segments += [
            f"LIN+{position}++{gtin}:SRV",
            f"PIA+5+{code}:BP",
            f"IMD+F++:::{_escape(text)}",
            f"QTY+{'47' if invoice else '21'}:{quantity}:{unit}",
            f"MOA+203:{amount}",
            f"PRI+AAA:{price}",
        ]
    segments += ["UNS+S", f"CNT+2:{len(ITEMS)}", f"MOA+79:{total}"]
    segments.append(f"UNT+{len(segments) + 1}+1")
    control = number.replace("-", "")[-14:]
    envelope = [
        f"UNB+UNOC:3+{sender}:14+{receiver}:14+{issued:%y%m%d}:0800+{control}",
        *segments,
        f"UNZ+1+{control}",
    ]
    return ("UNA:+.? '" + "'\n".join(envelope) + "'\n").encode()


def seed(tenant) -> None:
    partnership = next((p for p in tenant.partnerships if p.status == "active"), None)
    if partnership is None:
        return
    manager = tenant.users[Role.PROCUREMENT_MANAGER]
    order_number = f"PO-{partnership.code}-0001"
    invoice_number = f"INV-{partnership.code}-0001"
    today = timezone.localdate()
    buyer = f"{4300000000000 + tenant.organization.pk:013d}"
    supplier = f"{5400000000000 + partnership.pk:013d}"
    currency = partnership.currency
    Connector.objects.get_or_create(
        partnership=partnership,
        name="EDIFACT feed",
        defaults={
            "method": Connector.Method.EDIFACT,
            "direction": Connector.Direction.BOTH,
            "message_types": ["invoice", "order"],
            "expected_frequency": Connector.Frequency.WEEKLY,
            "partner_identifiers": [supplier],
            "owner": manager,
            "status": Connector.Status.ACTIVE,
            "buyer_system": "SAP S/4HANA 2023",
            "partner_system": "Microsoft Dynamics 365 Business Central",
            "formats_versions": "EDIFACT D.96A ORDERS and INVOIC",
            "gaps": "The partner cannot send DESADV yet: receipts are matched from goods receipts.",
        },
    )
    for kind, number, issued, sender, receiver in (
        ("order", order_number, today - timedelta(days=21), buyer, supplier),
        ("invoice", invoice_number, today - timedelta(days=6), supplier, buyer),
    ):
        if EdiDocument.objects.filter(partnership=partnership, document_number=number).exists():
            continue
        content = edifact_message(
            kind=kind,
            number=number,
            order_number=order_number,
            issued=issued,
            sender=sender,
            receiver=receiver,
            currency=currency,
        )
        edi_document_ingest(
            partnership=partnership,
            content=content,
            filename=f"{number}.edi",
            received_via=EdiDocument.Channel.FEED,
            actor=manager,
            clock=timezone.now,
        )
    now = timezone.now()
    # The crosswalk: the partner's article numbers and supplier number, and a cost code.
    for kind, theirs, ours, text in (
        ("material", "SUP-6204", "MAT-100231", "Bearing 6204-2RS"),
        ("material", "SUP-HH12", "MAT-100877", "Hydraulic hose 1/2in, 2 m"),
        ("supplier", supplier, f"V-{partnership.pk:05d}", partnership.partner.name),
        ("cost_code", "MRO-01", "4711-300", "Maintenance, repair and operations"),
    ):
        if not CodeMapping.objects.filter(
            partnership=partnership, kind=kind, partner_code=theirs
        ).exists():
            code_mapping_set(
                partnership=partnership, kind=kind, partner_code=theirs, our_code=ours,
                description=text[:200], actor=manager, now=now,
            )  # fmt: skip
    # A shared forecast in two versions, and the stock policy of the hose.
    forecast = DemandForecast.objects.filter(
        partnership=partnership, title="Drive-train parts"
    ).first()
    if forecast is None:
        forecast = forecast_create(
            partnership=partnership, title="Drive-train parts", update_frequency="monthly",
            unit="PCE", actor=manager,
        )  # fmt: skip
        months = [(today.replace(day=1) + timedelta(days=32 * n)).strftime("%Y-%m") for n in (1, 2)]
        forecast_version_add(
            forecast=forecast, actor=manager, now=now - timedelta(days=30),
            lines=[[code, m, qty] for code, qty in (("MAT-100231", "400"), ("MAT-100877", "120"))
                   for m in months],
        )  # fmt: skip
        forecast_version_add(
            forecast=forecast, actor=manager, now=now, note="Second shift from next month.",
            lines=[[code, m, qty] for code, qty in (("MAT-100231", "480"), ("MAT-100877", "120"))
                   for m in months],
        )  # fmt: skip
        stock_policy_set(
            partnership=partnership, item="MAT-100877", safety_stock="40", reorder_point="100",
            unit="PCE", actor=manager,
        )  # fmt: skip
    # A joint disaster-recovery test of the EDIFACT feed, three weeks ahead.
    if not DisasterRecoveryTest.objects.filter(partnership=partnership).exists():
        dr_test_schedule(
            partnership=partnership, actor=manager, now=now, title="EDI gateway failover",
            plan="Stop the primary EDI gateway at 09:00; both parties switch to the standby "
            "endpoint, resend the morning's invoices and reconcile counts.",
            participants="Our integration team and the partner's EDI desk.",
            scheduled_for=now + timedelta(days=21), rto_target_minutes=240,
            rpo_target_minutes=15,
            connector=Connector.objects.filter(partnership=partnership).first(),
        )  # fmt: skip
    discrepancies_detect(now=now, partnership_id=partnership.pk)
    price = Discrepancy.objects.filter(
        partnership=partnership, kind="price_differs", status=Discrepancy.Status.OPEN
    ).first()
    if price is not None:
        discrepancy_act(
            discrepancy=price,
            actor=manager,
            action="dispute",
            reason="The framework price for the hose is 11.90 until the next price review.",
            now=now,
        )
