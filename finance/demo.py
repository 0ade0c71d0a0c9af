"""Demo data of the finance module, for every demo partnership: a month's shared cost pools,
a gain-share scheme with two bands and a cap, savings over the last quarter (verified by the
other party, one claimed, one disputed), a paid statement, a volume rebate with its tiers and
monthly volumes, payment terms, and an FX arrangement with a rates table. Idempotent: a
partnership that has savings already is left alone."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from finance import services
from finance.models import FxRate, SavingsEntry
from innovation.models import ImprovementInitiative
from tenancy.models import Role

D = Decimal


def _months_back(today: date, n: int) -> date:
    day = today.replace(day=1)
    for _ in range(n):
        day = (day - timedelta(days=1)).replace(day=1)
    return day


# Monthly USD→EUR rates, oldest first (the last two move beyond a ±5 % band around 0.90).
USD_EUR = ["0.9050", "0.9120", "0.9310", "0.9180", "0.9540", "0.9620"]


def _rates(fin, today: date) -> None:
    for index, rate in enumerate(USD_EUR):
        month = _months_back(today, len(USD_EUR) - index)
        if not FxRate.objects.filter(currency="USD", quote_currency="EUR", period_start=month):
            services.fx_rate_set(
                actor=fin, currency="USD", quote_currency="EUR", period_start=month, rate=D(rate)
            )


def _savings(fin, guest, partnership, now, scale: Decimal):
    today = now.date()
    currency = partnership.currency
    initiative = ImprovementInitiative.objects.filter(partnership=partnership).first()
    rows = [
        (
            "Gearbox housing redesign (lighter casting)",
            "hard",
            3,
            "18.40",
            "16.90",
            "4200",
            "verify",
        ),
        ("Consolidated inbound freight", "hard", 2, "6.10", "5.35", "9800", "verify"),
        ("Avoided steel surcharge through index clause", "avoidance", 2, "2.40", "2.40", "0", ""),
        ("Packaging returnable crates", "hard", 1, "1.85", "1.52", "15000", "claimed"),
        ("Tooling amortisation over a longer run", "hard", 1, "4.20", "3.60", "7000", "dispute"),
    ]
    for title, category, back, baseline, actual, volume, step in rows:
        if category == "avoidance":
            fields = {
                "baseline_price": D("2.40"),
                "actual_price": D("2.40"),
                "volume": (D("12000") * scale).quantize(D(1)),
                "index_base": D("100"),
                "index_actual": D("108.5"),
            }
        else:
            fields = {
                "baseline_price": D(baseline),
                "actual_price": D(actual),
                "volume": (D(volume) * scale).quantize(D(1)),
                "index_base": D("100"),
                "index_actual": D("101.2"),
            }
        entry = services.savings_record(
            actor=fin,
            partnership=partnership,
            now=now,
            title=title,
            category=category,
            period_start=_months_back(today, back),
            currency=currency,
            initiative=initiative if back == 3 else None,
            implementation_cost=D("12500") if back == 3 else None,
            internal_note="Benchmark from the 2024 tender." if back == 2 else "",
            **fields,
        )
        if guest is None:
            continue
        if step == "verify" or category == "avoidance":
            services.savings_verify(
                entry=entry, actor=guest, now=now, evidence="Checked against our invoices."
            )
        elif step == "dispute":
            services.savings_dispute(
                entry=entry,
                actor=guest,
                now=now,
                reason="Part of the run was priced before the new tooling was in use.",
            )


def seed(tenant) -> None:
    fin = tenant.users[Role.FINANCE]
    guest = tenant.users.get(Role.PARTNER_GUEST)
    now = timezone.now()
    today = timezone.localdate()
    if not tenant.partnerships:
        return
    _rates(fin, today)
    for index, partnership in enumerate(tenant.partnerships):
        if SavingsEntry.objects.filter(partnership=partnership).exists():
            continue
        scale = D(1) / D(index + 1)
        invited = guest if index == 0 else None
        month = _months_back(today, 1)
        for name, basis, amount, ours, theirs in (
            ("Joint engineering cell", "headcount", "48000", "3", "5"),
            ("Shared warehouse in Venlo", "usage", "21750.50", "62", "38"),
            ("Supplier-development programme", "strategic_benefit", "15000", "2", "1"),
        ):
            services.cost_pool_create(
                actor=fin,
                partnership=partnership,
                name=name,
                period_start=month,
                kind="fixed" if basis != "usage" else "variable",
                basis=basis,
                amount=(D(amount) * scale).quantize(D("0.01")),
                currency=partnership.currency,
                buyer_driver=D(ours),
                partner_driver=D(theirs),
            )
        scheme = services.gain_share_scheme_set(
            actor=fin,
            partnership=partnership,
            currency=partnership.currency,
            cap=(D("60000") * scale).quantize(D("0.01")),
            step_per_standing=D("2.5"),
        )
        services.gain_share_band_add(
            actor=fin, scheme=scheme, lower=D(0), upper=D("25000"), partner_share=D(50)
        )
        services.gain_share_band_add(
            actor=fin, scheme=scheme, lower=D("25000"), upper=None, partner_share=D(30)
        )
        _savings(fin, invited, partnership, now, scale)
        if index == 0 and invited is not None:
            statement = services.gain_share_statement_create(
                actor=fin,
                partnership=partnership,
                period_start=_months_back(today, 3),
                period_end=_months_back(today, 2),
                now=now,
            )
            for status in ("issued", "paid"):
                services.gain_share_statement_transition(
                    statement=statement,
                    actor=fin,
                    status=status,
                    today=today,
                    reason="Agreed at the quarterly review."
                    if status == "issued"
                    else f"Credit note CN-{statement.pk:05d}",
                )
        rebate = services.rebate_scheme_create(
            actor=fin,
            partnership=partnership,
            name="Bearing volume rebate",
            kind="retroactive" if index % 2 == 0 else "incremental",
            year_start=today.replace(month=1, day=1),
            currency=partnership.currency,
            unit="bearings",
            competition_law_note="Reviewed by counsel: thresholds are below the partner's "
            "capacity and carry no exclusivity; no loyalty effect.",
        )
        for low, high, price in (
            (0, 20000, "12.50"),
            (20000, 50000, "12.10"),
            (50000, None, "11.75"),
        ):
            services.rebate_tier_add(
                actor=fin,
                scheme=rebate,
                from_volume=D(low),
                to_volume=None if high is None else D(high),
                unit_price=D(price),
            )
        for month_index in range(today.month - 1):
            services.volume_record(
                actor=fin,
                scheme=rebate,
                period_start=date(today.year, month_index + 1, 1),
                volume=((D(4200) + D(150) * month_index) * scale).quantize(D(1)),
            )
        services.payment_terms_set(
            actor=fin,
            partnership=partnership,
            net_days=(30, 45, 60)[index % 3],
            discount_percent=D(2) if index % 3 == 0 else D(0),
            discount_days=10 if index % 3 == 0 else 0,
            payment_run_days=7,
            take_discount=index % 3 == 0,
            inventory=("owned", "consignment", "vendor_managed")[index % 3],
            annual_spend=(D("4800000") * scale).quantize(D("0.01")),
            currency=partnership.currency,
            cost_of_capital=D("7.5"),
        )
        if partnership.currency == "EUR":
            arrangement = services.fx_arrangement_set(
                actor=fin,
                partnership=partnership,
                contract_currency="EUR",
                invoice_currency="USD",
                base_rate=D("0.90"),
                band_percent=D(5),
                bearer="buyer",
            )
            for back in range(len(USD_EUR), 0, -1):
                services.fx_amount_record(
                    actor=fin,
                    arrangement=arrangement,
                    period_start=_months_back(today, back),
                    amount=(D("180000") * scale).quantize(D("0.01")),
                )
