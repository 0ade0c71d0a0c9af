"""Demo data of the performance module: a KPI library, KPIs and an SLA per live partnership,
two years of monthly measurements (with some breaches), scorecards, and a QBR. Idempotent."""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from performance import services
from performance.models import Kpi, KpiTemplate, Measurement, Qbr, Scorecard, Sla
from performance.periods import add_months, month_start
from tenancy.models import Role

LIBRARY = [
    # code, name, perspective, unit, direction, target, amber, red, weight
    ("otd_pct", "On-time delivery", "operational", "%", "higher_is_better", "98", "95", "90", "3"),
    ("defects_ppm", "Defects", "customer", "ppm", "lower_is_better", "100", "250", "500", "2"),
    (
        "savings_pct",
        "Cost savings vs baseline",
        "financial",
        "%",
        "higher_is_better",
        "5",
        "3",
        "0",
        "2",
    ),
    (
        "invoice_acc_pct",
        "Invoice accuracy",
        "financial",
        "%",
        "higher_is_better",
        "99",
        "97",
        "94",
        "1",
    ),
    (
        "ideas_count",
        "Improvement ideas adopted",
        "innovation_learning",
        "",
        "higher_is_better",
        "2",
        "1",
        "0",
        "1",
    ),
]
LIVE = ("active", "under_review", "exiting")


def _value(rng: random.Random, code: str, month_index: int, breach: bool) -> Decimal:
    if code == "otd_pct":
        value = rng.uniform(89.0, 94.5) if breach else rng.uniform(95.5, 99.8)
    elif code == "defects_ppm":
        value = rng.uniform(60, 420)
    elif code == "savings_pct":
        value = rng.uniform(1.0, 7.0)
    elif code == "invoice_acc_pct":
        value = rng.uniform(95.0, 100.0)
    else:
        value = rng.randint(0, 4)
    return Decimal(str(round(value, 2)))


def seed(tenant) -> None:
    manager = tenant.users[Role.PROCUREMENT_MANAGER]
    templates = {}
    for code, name, perspective, unit, direction, target, amber, red, weight in LIBRARY:
        templates[code] = KpiTemplate.objects.filter(
            code=code
        ).first() or services.kpi_template_create(
            actor=manager,
            code=code,
            name=name,
            perspective=perspective,
            unit=unit,
            direction=direction,
            target=Decimal(target),
            amber_threshold=Decimal(amber),
            red_threshold=Decimal(red),
            weight=Decimal(weight),
        )
    now = timezone.now()
    today = now.date()
    last = add_months(month_start(today), -1)
    months = [add_months(last, -i) for i in range(23, -1, -1)]
    for partnership in tenant.partnerships:
        if partnership.status not in LIVE:
            continue
        kpis = {}
        for code, template in templates.items():
            kpis[code] = Kpi.objects.filter(
                partnership=partnership, code=code
            ).first() or services.kpi_create(
                actor=manager, partnership=partnership, template=template, owner=manager
            )
        if not Sla.objects.filter(partnership=partnership).exists():
            services.sla_create(
                actor=manager,
                partnership=partnership,
                kpi=kpis["otd_pct"],
                name="On-time delivery SLA",
                target=Decimal("98"),
                breach_threshold=Decimal("95"),
                period_fee=((partnership.annual_value or Decimal("1200000")) / 12).quantize(
                    Decimal("0.01")
                ),
                currency=partnership.currency,
                credit_cap_percent=Decimal("10"),
                termination_breach_count=3,
                termination_window_months=6,
                owner=manager,
                tiers=[
                    (Decimal("95"), Decimal("3")),
                    (Decimal("92"), Decimal("6")),
                    (Decimal("90"), Decimal("12")),
                ],
            )
        if not Measurement.objects.filter(partnership=partnership).exists():
            rng = random.Random(f"{tenant.organization.slug}:{partnership.code}")
            for index, month in enumerate(months):
                breach = index % 7 == 3
                for code, kpi in kpis.items():
                    Measurement.objects.create(
                        organization=tenant.organization,
                        partnership=partnership,
                        kpi=kpi,
                        period_start=month,
                        value=_value(rng, code, index, breach),
                        source="import",
                        submitted_by=manager,
                    )
        if not Scorecard.objects.filter(partnership=partnership).exists():
            for month in months:
                services.scorecard_compute(partnership=partnership, period_start=month, now=now)
        if not Qbr.objects.filter(partnership=partnership).exists():
            quarter = date(last.year, (last.month - 1) // 3 * 3 + 1, 1)
            when = datetime.combine(today + timedelta(days=10), datetime.min.time(), tzinfo=UTC)
            qbr = services.qbr_schedule(
                actor=manager,
                partnership=partnership,
                quarter=quarter,
                scheduled_at=when + timedelta(hours=10),
                attendees=[manager, tenant.users[Role.PARTNER_GUEST]],
                location="Video call",
            )
            services.action_item_create(
                actor=manager,
                partnership=partnership,
                qbr=qbr,
                owner=manager,
                title="Agree a recovery plan for late deliveries",
                due_date=today + timedelta(days=21),
            )
    services.sla_breach_check(period_from=months[0], period_to=last, now=now, actor=manager)
