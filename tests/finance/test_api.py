"""The finance API: a saving claimed and verified by the other party, refusals as 4xx with the
reason, the guest's view without the buyer's internal note, and CSV statements."""

import csv
import io
from decimal import Decimal

import pytest

from tenancy.context import tenant_scope
from tests.finance.factories import CostPoolFactory, GainShareStatementFactory

pytestmark = pytest.mark.django_db
D = Decimal
BASE = "/api/v1/o/alpha/finance/"


def _claim(client, partnership, **extra):
    body = {
        "partnership": partnership.pk,
        "title": "Casting redesign",
        "category": "hard",
        "period_start": "2030-02-01",
        "currency": "EUR",
        "baseline_price": "10",
        "actual_price": "9",
        "volume": "1000",
        "internal_note": "Walk-away 9.20",
        **extra,
    }
    return client.post(BASE + "savings/", body, format="json")


def test_claim_and_verify_by_the_other_party(api_as, org_a, fin, guest, partnership):
    buyer = api_as(fin, org_a)
    response = _claim(buyer, partnership)
    assert response.status_code == 201, response.json()
    saving = response.json()
    assert (saving["net_amount"], saving["status"]) == ("1000.00", "claimed")
    own = buyer.post(BASE + f"savings/{saving['id']}/verify/", {"evidence": "x"}, format="json")
    assert own.status_code == 409
    assert "cannot verify its own claim" in str(own.json())
    partner = api_as(guest, org_a)
    seen = partner.get(BASE + f"savings/{saving['id']}/").json()
    assert "internal_note" not in seen
    verified = partner.post(
        BASE + f"savings/{saving['id']}/verify/", {"evidence": "Invoices"}, format="json"
    )
    assert verified.status_code == 200
    assert verified.json()["status"] == "verified"
    # The partner claims too, only on their partnerships; the buyer verifies their claim.
    from tests.partnerships.factories import PartnershipFactory

    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a)
    elsewhere = _claim(partner, other)
    assert elsewhere.status_code == 400 and "does not exist" in str(elsewhere.json())
    claim = _claim(partner, partnership)
    assert claim.status_code == 201 and claim.json()["claimed_by_party"] == "partner"
    assert "internal_note" not in claim.json()
    by_buyer = buyer.post(
        BASE + f"savings/{claim.json()['id']}/verify/", {"evidence": "PO history"}, format="json"
    )
    assert by_buyer.json()["verified_by_party"] == "buyer"


def test_bad_input_is_a_4xx_with_the_reason(api_as, org_a, fin, partnership):
    client = api_as(fin, org_a)
    response = _claim(client, partnership, volume="-3")
    assert response.status_code == 400
    assert "volume" in str(response.json())
    rate = client.post(
        BASE + "fx-rates/",
        {"currency": "USD", "quote_currency": "EUR", "period_start": "2030-01-01", "rate": "-1"},
        format="json",
    )
    assert rate.status_code == 400
    statement = client.post(
        BASE + "statements/",
        {"partnership": partnership.pk, "period_start": "2030-01-01", "period_end": "2030-03-01"},
        format="json",
    )
    assert statement.status_code == 409
    assert "gain-share scheme" in str(statement.json())


def test_statement_and_allocation_as_csv(api_as, org_a, fin, partnership):
    with tenant_scope(org_a):
        statement = GainShareStatementFactory(
            organization=org_a, partnership=partnership, payout=D("4321.00")
        )
        pool = CostPoolFactory(
            organization=org_a,
            partnership=partnership,
            amount=D("0.05"),
            buyer_driver=D(1),
            partner_driver=D(2),
        )
    client = api_as(fin, org_a)
    response = client.get(BASE + f"statements/{statement.pk}/csv/")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["Payout to the partner", "", "", "EUR", "4321.00", ""] in rows
    allocation = client.get(BASE + f"cost-pools/{pool.pk}/allocation-csv/").content.decode()
    row = list(csv.DictReader(io.StringIO(allocation)))[0]
    assert (row["Our share"], row["Partner's share"]) == ("0.02", "0.03")
