"""The rebate and FX services' rules, each pinned (found by `make mutation
MUTATION_ARGS="finance.rebates finance.fx"`, docs/mutation.md): every refusal on its field in
the user's words, the edges (a tier ending where it starts, the last month of a rebate year, a
band of 0 % and 100 %), what a rerun replaces and what it leaves, a rates file that cannot be
read, and the audit event each step leaves."""

import csv
import sys
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import services
from finance.models import FxArrangement, FxInvoiceAmount, FxRate, Party, RebateTier, VolumeEntry
from tenancy.models import AuditEvent
from tests.finance.conftest import TODAY

pytestmark = pytest.mark.django_db
D = Decimal


def _event(action):
    [event] = AuditEvent.objects.filter(action=action)
    return event


def _scheme(fin, partnership, **extra):
    fields = {
        "name": "Bearings",
        "kind": "incremental",
        "year_start": date(2030, 1, 1),
        "currency": "EUR",
        **extra,
    }
    return services.rebate_scheme_create(actor=fin, partnership=partnership, **fields)


def _tier(fin, scheme, low, high, price):
    return services.rebate_tier_add(
        actor=fin,
        scheme=scheme,
        from_volume=D(low),
        to_volume=None if high is None else D(high),
        unit_price=D(price),
    )


# -- rebate schemes and tiers -----------------------------------------------------------------


def test_a_scheme_counts_units_unless_told_otherwise_and_is_audited(scope, fin, partnership):
    scheme = _scheme(fin, partnership, unit="")
    assert scheme.unit == "units"
    event = _event("finance.rebate.scheme_created")
    assert (event.actor, event.object_id, event.changes) == (
        fin,
        str(scheme.pk),
        {"kind": "incremental", "name": "Bearings"},
    )


@pytest.mark.parametrize(
    ("year_start", "message"),
    [
        (date(2030, 1, 15), "A rebate year starts on the first day of a month."),
        (date(2028, 2, 29), "A rebate year starts on the first day of a month."),
        (date(9999, 1, 1), "A rebate year starts before 9999."),
    ],
)
def test_a_rebate_year_runs_in_whole_months_the_calendar_has(
    scope, fin, partnership, year_start, message
):
    with pytest.raises(ValidationError) as refused:
        _scheme(fin, partnership, year_start=year_start)
    assert refused.value.message_dict == {"year_start": [message]}


def test_a_rebate_year_may_start_in_any_month(scope, fin, partnership):
    scheme = _scheme(fin, partnership, year_start=date(2028, 3, 1))
    assert scheme.year_end == date(2029, 3, 1)


@pytest.mark.parametrize(
    ("low", "high", "price", "errors"),
    [
        ("-1", "10", "9", {"from_volume": ["This cannot be negative."]}),
        ("0", "-1", "9", {"to_volume": ["This cannot be negative."]}),
        ("0", "10", "-1", {"unit_price": ["This cannot be negative."]}),
        ("10", "10", "9", {"to_volume": ["The tier must end above where it starts."]}),
        ("10", "5", "9", {"to_volume": ["The tier must end above where it starts."]}),
    ],
)
def test_a_bad_tier_is_refused_on_its_field(scope, fin, partnership, low, high, price, errors):
    scheme = _scheme(fin, partnership)
    with pytest.raises(ValidationError) as refused:
        _tier(fin, scheme, low, high, price)
    assert refused.value.message_dict == errors
    assert not RebateTier.objects.exists()


def test_tiers_may_touch_but_not_overlap_and_each_is_audited(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    _tier(fin, scheme, "0", "1000", "10")
    touching = _tier(fin, scheme, "1000", None, "9.5")
    assert (touching.from_volume, touching.to_volume, touching.unit_price) == (
        D(1000),
        None,
        D("9.5"),
    )
    with pytest.raises(ValidationError) as refused:
        _tier(fin, scheme, "2000", "3000", "9")
    assert refused.value.message_dict == {
        "from_volume": ["This tier overlaps another tier of the scheme; tiers cannot overlap."]
    }
    events = AuditEvent.objects.filter(action="finance.rebate.tier_added").order_by("pk")
    assert [(e.actor, e.changes) for e in events] == [
        (fin, {"from": "0", "to": "1000", "price": "10"}),
        (fin, {"from": "1000", "to": "None", "price": "9.5"}),
    ]


# -- volumes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("volume", [None, D("-0.01")])
def test_a_missing_or_negative_volume_is_refused(scope, fin, partnership, volume):
    with pytest.raises(ValidationError) as refused:
        services.volume_record(
            actor=fin,
            scheme=_scheme(fin, partnership),
            period_start=date(2030, 1, 1),
            volume=volume,
        )
    assert refused.value.message_dict == {"volume": ["A volume cannot be negative."]}


@pytest.mark.parametrize("month", [date(2029, 12, 31), date(2031, 1, 1)])
def test_a_month_outside_the_rebate_year_is_refused(scope, fin, partnership, month):
    with pytest.raises(ValidationError) as refused:
        services.volume_record(
            actor=fin, scheme=_scheme(fin, partnership), period_start=month, volume=D(1)
        )
    assert refused.value.message_dict == {
        "period_start": ["The month must be inside the rebate year."]
    }


def test_a_volume_is_kept_for_its_month_with_where_it_came_from(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    first = services.volume_record(
        actor=fin, scheme=scheme, period_start=date(2030, 1, 1), volume=D(0)
    )
    last = services.volume_record(
        actor=fin, scheme=scheme, period_start=date(2030, 12, 31), volume=D(40)
    )
    assert (first.volume, first.source) == (D(0), "Entered")
    last.refresh_from_db()
    assert (last.period_start, last.volume) == (date(2030, 12, 1), D(40))
    events = AuditEvent.objects.filter(action="finance.rebate.volume_recorded").order_by("pk")
    assert [(e.actor, e.object_id, e.changes) for e in events] == [
        (fin, str(first.pk), {"period": "2030-01-01", "volume": "0"}),
        (fin, str(last.pk), {"period": "2030-12-01", "volume": "40"}),
    ]


def test_invoice_volumes_replace_their_own_months_and_leave_entered_ones(
    scope, fin, partnership, org_a
):
    from tests.integrations.factories import EdiDocumentFactory, EdiDocumentLineFactory

    scheme = _scheme(fin, partnership)
    entered = services.volume_record(
        actor=fin, scheme=scheme, period_start=date(2030, 2, 1), volume=D(7)
    )

    def invoice(day, quantity, gtin="4012345000016"):
        document = EdiDocumentFactory(
            organization=org_a,
            partnership=partnership,
            issue_date=day,
            status="accepted",
            doc_type="invoice",
        )
        EdiDocumentLineFactory(
            organization=org_a, document=document, quantity=D(quantity), gtin=gtin
        )

    invoice(date(2030, 1, 5), "120")
    invoice(date(2030, 2, 5), "30")
    assert services.rebate_volumes_from_invoices(actor=fin, scheme=scheme, today=TODAY) == 2
    invoice(date(2030, 1, 25), "80")  # January grows
    assert services.rebate_volumes_from_invoices(actor=fin, scheme=scheme, today=TODAY) == 2
    rows = sorted(
        (v.period_start, v.volume, v.source) for v in VolumeEntry.objects.filter(scheme=scheme)
    )
    assert rows == [
        (date(2030, 1, 1), D(200), "Invoices"),
        (date(2030, 2, 1), D(7), "Entered"),
        (date(2030, 2, 1), D(30), "Invoices"),
    ]
    entered.refresh_from_db()
    assert entered.volume == D(7)
    # Narrowed to one item, the invoice months are replaced and say which item they count.
    services.rebate_volumes_from_invoices(
        actor=fin, scheme=scheme, today=TODAY, item_code=" 4012345000016 "
    )
    sources = set(
        VolumeEntry.objects.filter(scheme=scheme, source__startswith="Invoices").values_list(
            "source", flat=True
        )
    )
    assert sources == {"Invoices (4012345000016)"}
    events = AuditEvent.objects.filter(action="finance.rebate.volumes_from_invoices")
    assert [(e.actor, e.object_id, e.changes) for e in events.order_by("pk")][-1] == (
        fin,
        str(scheme.pk),
        {"months": 2, "item": " 4012345000016 "},
    )


# -- FX rates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "quote", "rate", "errors"),
    [
        ("EUR", "EUR", "1", {"quote_currency": ["Choose two different currencies."]}),
        ("XXX", "EUR", "1", {"currency": ["“XXX” is not a currency we know."]}),
        ("EUR", "XXX", "1", {"quote_currency": ["“XXX” is not a currency we know."]}),
        ("EUR", "USD", "0", {"rate": ["A rate must be above zero."]}),
    ],
)
def test_a_bad_rate_is_refused_on_its_field(scope, fin, currency, quote, rate, errors):
    with pytest.raises(ValidationError) as refused:
        services.fx_rate_set(
            actor=fin,
            currency=currency,
            quote_currency=quote,
            period_start=date(2030, 1, 1),
            rate=D(rate),
        )
    assert refused.value.message_dict == errors


def test_a_rate_is_set_once_per_month_and_each_setting_is_audited(scope, fin):
    for rate in ("1.08", "1.09"):
        services.fx_rate_set(
            actor=fin,
            currency="EUR",
            quote_currency="USD",
            period_start=date(2030, 1, 17),
            rate=D(rate),
        )
    [stored] = FxRate.objects.all()
    assert (stored.period_start, stored.rate) == (date(2030, 1, 1), D("1.09"))
    events = AuditEvent.objects.filter(action="finance.fx.rate_set").order_by("pk")
    assert [(e.actor, e.changes) for e in events] == [
        (fin, {"pair": "EUR/USD", "rate": "1.08", "new": True}),
        (fin, {"pair": "EUR/USD", "rate": "1.09", "new": False}),
    ]


def test_a_rates_file_says_what_is_wrong_row_by_row_and_saves_nothing(scope, fin):
    text = (
        "currency,quote_currency,month,rate\n"
        "USD,EUR,2030-01,0.93\n"
        "\n"
        "USD,EUR,2030-02\n"
        "USD,EUR,February,0.9\n"
        "USD,USD,2030-03,1\n"
        "USD,EUR,2030-04,NaN\n"
        "USD,EUR,2030-05,1e12\n"
    )
    with pytest.raises(ValidationError) as refused:
        services.fx_rates_import_csv(actor=fin, text=text)
    assert refused.value.message_dict == {
        "file": [
            "Row 4: expected currency, quote currency, month and rate.",
            "Row 5: the month or the rate is not readable.",
            "Row 6: Choose two different currencies.",
            "Row 7: A rate must be a number below 10,000,000,000.",
            "Row 8: A rate must be a number below 10,000,000,000.",
        ]
    }
    assert not FxRate.objects.exists()


def test_a_rates_file_reads_days_lower_case_and_no_header(scope, fin):
    assert services.fx_rates_import_csv(actor=fin, text="usd,eur,2030-01-15,0.93\n") == 1
    [rate] = FxRate.objects.all()
    assert (rate.currency, rate.quote_currency, rate.period_start) == (
        "USD",
        "EUR",
        date(2030, 1, 1),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("currency,quote_currency,month,rate\n\n", "The file has no rates."),
        ("USD,EUR,2030-01," + "9" * 200_000 + "\n", "The file is not a CSV file of rates."),
    ],
)
def test_a_rates_file_without_rates_or_unreadable_is_refused(scope, fin, text, message):
    with pytest.raises(ValidationError) as refused:
        services.fx_rates_import_csv(actor=fin, text=text)
    assert refused.value.message_dict == {"file": [message]}


@pytest.mark.parametrize("limit", [131_072, sys.maxsize])
def test_a_cell_far_longer_than_a_rate_is_refused_whatever_the_csv_modules_limit(scope, fin, limit):
    # The csv module's field limit is process-wide (bench/cuad.py raises it for CUAD's labels
    # while it reads them): the answer must not depend on what ran before in the process.
    previous = csv.field_size_limit(limit)
    try:
        for cell in ("9" * 101, "9" * 200_000):
            with pytest.raises(ValidationError) as refused:
                services.fx_rates_import_csv(actor=fin, text=f"USD,EUR,2030-01,{cell}\n")
            assert refused.value.message_dict == {"file": ["The file is not a CSV file of rates."]}
        padded = "1.25".rjust(100)  # at the limit: read, and its spaces trimmed
        assert services.fx_rates_import_csv(actor=fin, text=f"USD,EUR,2030-01,{padded}\n") == 1
    finally:
        csv.field_size_limit(previous)


def test_only_the_first_ten_problems_of_a_file_are_listed(scope, fin):
    text = "".join(f"USD,EUR,2030-{m:02},-1\n" for m in range(1, 13))
    with pytest.raises(ValidationError) as refused:
        services.fx_rates_import_csv(actor=fin, text=text)
    problems = refused.value.message_dict["file"]
    assert len(problems) == 10 and problems[0] == "Row 1: A rate must be above zero."


# -- FX arrangements and amounts --------------------------------------------------------------


def _arrangement(fin, partnership, **extra):
    fields = {
        "contract_currency": "EUR",
        "invoice_currency": "USD",
        "base_rate": D("0.90"),
        "band_percent": D(5),
        "bearer": Party.BUYER,
        **extra,
    }
    return services.fx_arrangement_set(actor=fin, partnership=partnership, **fields)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"base_rate": D(0)}, {"base_rate": ["A rate must be above zero."]}),
        ({"base_rate": None}, {"base_rate": ["A rate must be above zero."]}),
        ({"band_percent": D(-1)}, {"band_percent": ["The band is between 0 % and 100 %."]}),
        ({"band_percent": D("100.01")}, {"band_percent": ["The band is between 0 % and 100 %."]}),
        ({"band_percent": None}, {"band_percent": ["The band is between 0 % and 100 %."]}),
        ({"other_share": D(-1)}, {"other_share": ["A share is between 0 % and 100 %."]}),
        ({"other_share": D("100.01")}, {"other_share": ["A share is between 0 % and 100 %."]}),
        ({"other_share": None}, {"other_share": ["A share is between 0 % and 100 %."]}),
        (
            {"invoice_currency": "EUR"},
            {"invoice_currency": ["With one currency there is no FX exposure."]},
        ),
    ],
)
def test_a_bad_arrangement_is_refused_on_its_field(scope, fin, partnership, fields, errors):
    with pytest.raises(ValidationError) as refused:
        _arrangement(fin, partnership, **fields)
    assert refused.value.message_dict == errors
    assert not FxArrangement.objects.exists()


@pytest.mark.parametrize(("band", "share"), [(D(0), D(0)), (D(100), D(100))])
def test_the_edges_of_the_band_and_the_share_are_allowed(scope, fin, partnership, band, share):
    arrangement = _arrangement(fin, partnership, band_percent=band, other_share=share)
    assert (arrangement.band_percent, arrangement.other_share) == (band, share)


def test_setting_the_arrangement_again_changes_the_one_arrangement(scope, fin, partnership):
    first = _arrangement(fin, partnership)
    again = _arrangement(fin, partnership, base_rate=D("0.95"), bearer=Party.PARTNER)
    assert again.pk == first.pk and FxArrangement.objects.count() == 1
    again.refresh_from_db()
    assert (again.base_rate, again.bearer, again.other_share) == (
        D("0.95"),
        Party.PARTNER,
        D(50),
    )
    events = AuditEvent.objects.filter(action="finance.fx.arrangement_set").order_by("pk")
    assert [(e.actor, e.object_id, e.changes) for e in events] == [
        (fin, str(first.pk), {"base_rate": "0.90", "band": "5", "bearer": "buyer"}),
        (fin, str(first.pk), {"base_rate": "0.95", "band": "5", "bearer": "partner"}),
    ]


@pytest.mark.parametrize("amount", [None, D("-0.01")])
def test_a_missing_or_negative_invoiced_amount_is_refused(scope, fin, partnership, amount):
    arrangement = _arrangement(fin, partnership)
    with pytest.raises(ValidationError) as refused:
        services.fx_amount_record(
            actor=fin, arrangement=arrangement, period_start=date(2030, 1, 1), amount=amount
        )
    assert refused.value.message_dict == {"amount": ["An invoiced amount cannot be negative."]}


def test_an_invoiced_amount_needs_the_months_rate_and_is_kept_once_per_month(
    scope, fin, partnership
):
    arrangement = _arrangement(fin, partnership)
    with pytest.raises(ValidationError) as refused:
        services.fx_amount_record(
            actor=fin, arrangement=arrangement, period_start=date(2030, 1, 9), amount=D(5)
        )
    assert refused.value.message_dict == {
        "period_start": [
            "There is no USD/EUR rate for January 2030; add it to the rates table first."
        ]
    }
    services.fx_rate_set(
        actor=fin,
        currency="USD",
        quote_currency="EUR",
        period_start=date(2030, 1, 1),
        rate=D("0.93"),
    )
    for amount in (D(0), D(100)):
        recorded = services.fx_amount_record(
            actor=fin, arrangement=arrangement, period_start=date(2030, 1, 9), amount=amount
        )
    [stored] = FxInvoiceAmount.objects.all()
    assert (stored.pk, stored.period_start, stored.amount) == (
        recorded.pk,
        date(2030, 1, 1),
        D(100),
    )
    events = AuditEvent.objects.filter(action="finance.fx.amount_recorded").order_by("pk")
    assert [(e.actor, e.changes) for e in events] == [
        (fin, {"period": "2030-01-01", "amount": "0"}),
        (fin, {"period": "2030-01-01", "amount": "100"}),
    ]


def test_a_scheme_keeps_its_currency_unit_and_note_and_defaults_to_units(scope, fin, partnership):
    kilos = _scheme(
        fin, partnership, currency="USD", unit="kg", competition_law_note="Cleared by counsel."
    )
    kilos.refresh_from_db()
    assert (kilos.currency, kilos.unit, kilos.competition_law_note) == (
        "USD",
        "kg",
        "Cleared by counsel.",
    )
    plain = services.rebate_scheme_create(
        actor=fin,
        partnership=partnership,
        name="Seals",
        kind="retroactive",
        year_start=date(2030, 1, 1),
        currency="EUR",
    )
    assert (plain.unit, plain.competition_law_note) == ("units", "")


def test_a_tier_below_an_existing_one_is_allowed_and_its_event_names_it(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    _tier(fin, scheme, "1000", "2000", "9")
    below = _tier(fin, scheme, "0", "500", "10")
    events = AuditEvent.objects.filter(action="finance.rebate.tier_added").order_by("pk")
    assert events.last().object_id == str(below.pk)


def test_a_volume_says_where_it_came_from_when_told(scope, fin, partnership):
    entry = services.volume_record(
        actor=fin,
        scheme=_scheme(fin, partnership),
        period_start=date(2030, 1, 1),
        volume=D(3),
        source="Supplier portal",
    )
    entry.refresh_from_db()
    assert entry.source == "Supplier portal"


def test_two_schemes_of_a_partnership_each_take_their_own_invoice_volumes(
    scope, fin, partnership, org_a
):
    from tests.integrations.factories import EdiDocumentFactory, EdiDocumentLineFactory

    document = EdiDocumentFactory(
        organization=org_a,
        partnership=partnership,
        issue_date=date(2030, 1, 5),
        status="accepted",
        doc_type="invoice",
    )
    EdiDocumentLineFactory(organization=org_a, document=document, quantity=D(120))
    first, second = _scheme(fin, partnership), _scheme(fin, partnership, name="Seals")
    for scheme in (first, second):
        services.rebate_volumes_from_invoices(actor=fin, scheme=scheme, today=TODAY)
    for scheme in (first, second):
        assert [v.volume for v in VolumeEntry.objects.filter(scheme=scheme)] == [D(120)]


def test_a_rate_of_ten_billion_is_refused_on_the_rate(scope, fin):
    with pytest.raises(ValidationError) as refused:
        services.fx_rate_set(
            actor=fin,
            currency="EUR",
            quote_currency="USD",
            period_start=date(2030, 1, 1),
            rate=D(10) ** 10,
        )
    assert refused.value.message_dict == {"rate": ["A rate must be a number below 10,000,000,000."]}


def test_an_imported_row_lists_all_its_problems_and_reads_a_compact_date(scope, fin):
    with pytest.raises(ValidationError) as refused:
        services.fx_rates_import_csv(actor=fin, text="USD,USD,2030-01,0\n")
    assert refused.value.message_dict == {
        "file": ["Row 1: Choose two different currencies. A rate must be above zero."]
    }
    assert services.fx_rates_import_csv(actor=fin, text="USD,EUR,20300105,0.93\n") == 1
    [rate] = FxRate.objects.all()
    assert rate.period_start == date(2030, 1, 1)
    event = _event("finance.fx.rate_set")
    assert (event.actor, event.object_id) == (fin, str(rate.pk))


def test_an_invoiced_amount_event_names_the_amount_recorded(scope, fin, partnership):
    arrangement = _arrangement(fin, partnership)
    services.fx_rate_set(
        actor=fin, currency="USD", quote_currency="EUR", period_start=date(2030, 1, 1), rate=D(1)
    )
    recorded = services.fx_amount_record(
        actor=fin, arrangement=arrangement, period_start=date(2030, 1, 1), amount=D(5)
    )
    assert _event("finance.fx.amount_recorded").object_id == str(recorded.pk)


def test_a_scheme_stored_before_the_first_of_the_month_rule_still_has_a_year_end():
    from finance.models import RebateScheme

    assert RebateScheme(year_start=date(2028, 2, 29)).year_end == date(2029, 2, 28)
    assert RebateScheme(year_start=date(9999, 3, 1)).year_end == date.max
