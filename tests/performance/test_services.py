"""Scoring, formulas, imports and the SLA breach check through the Django layer, on
hand-computed examples."""

from datetime import UTC, date, datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from performance import services
from performance.models import Measurement, RootCauseAnalysis, Scorecard, Sla, SlaBreach
from performance.scoring import Direction
from performance.sla import CreditTier, service_credit
from tenancy.context import tenant_scope
from tenancy.models import Notification
from tests.performance.factories import TODAY
from tests.performance.importing import created, import_file, row_errors

NOW = datetime(2025, 7, 1, 6, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def record(manager, kpi, month, value):
    return services.measurement_record(
        actor=manager, kpi=kpi, period_start=month, value=Decimal(value), today=TODAY, now=NOW
    )


def test_the_period_score_is_the_weighted_average_of_hand_computed_criteria(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        record(manager, scenario["otd"], date(2025, 1, 1), "94")  # (94-90)/(98-90) = 50.00
        record(manager, scenario["defects"], date(2025, 1, 1), "100")  # meets target: 100.00
        card = Scorecard.objects.get(period_start=date(2025, 1, 1))
    # (50 × 3 + 100 × 1) / 4 = 62.50
    assert card.total == Decimal("62.50")
    assert card.perspectives == {
        "financial": None,
        "operational": "50.00",
        "customer": "100.00",
        "innovation_learning": None,
    }
    rows = {row["code"]: row for row in card.breakdown}
    assert rows["otd_pct"]["score"] == "50.00" and rows["otd_pct"]["contribution"] == "37.50"
    assert rows["defects_ppm"]["effective_weight"] == "0.2500"
    assert card.standing == "Probation" and card.standing_action == "warn"


def test_a_kpi_without_data_is_excluded_and_a_period_without_data_is_na(org_a, manager, scenario):
    with tenant_scope(org_a):
        record(manager, scenario["otd"], date(2025, 1, 1), "94")
        january = Scorecard.objects.get(period_start=date(2025, 1, 1))
        empty = services.scorecard_compute(
            partnership=scenario["partnership"], period_start=date(2025, 2, 1), now=NOW
        )
    assert january.total == Decimal("50.00")  # defects had no data: excluded, not 0 or 100
    assert {r["code"]: r["score"] for r in january.breakdown}["defects_ppm"] is None
    assert empty.total is None and empty.standing == "Probation"  # rolling keeps January's 50
    assert empty.rolling_score == Decimal("50.00") and empty.trend is None


def test_a_perfect_score_of_exactly_100_matches_the_top_standing(org_a, manager, scenario):
    with tenant_scope(org_a):
        record(manager, scenario["otd"], date(2025, 3, 1), "99.5")
        record(manager, scenario["defects"], date(2025, 3, 1), "20")
        card = Scorecard.objects.get(period_start=date(2025, 3, 1))
    assert card.total == Decimal("100.00")
    assert card.standing == "Preferred" and card.standing_action == "none"


def test_rolling_score_and_trend_follow_the_previous_months(org_a, manager, scenario):
    with tenant_scope(org_a):
        record(manager, scenario["otd"], date(2025, 1, 1), "94")  # 50
        record(manager, scenario["otd"], date(2025, 2, 1), "98")  # 100
        card = Scorecard.objects.get(period_start=date(2025, 2, 1))
    # newest weight 1, previous 0.8: (100 + 0.8 × 50) / 1.8 = 77.78
    assert card.rolling_score == Decimal("77.78")
    assert card.trend == Decimal("50.00")


def test_a_formula_kpi_with_an_unknown_variable_is_refused_with_the_reason(
    org_a, manager, scenario
):
    with tenant_scope(org_a), pytest.raises(ValidationError) as error:
        services.kpi_create(
            actor=manager,
            partnership=scenario["partnership"],
            code="ratio",
            name="Ratio",
            perspective="financial",
            target=Decimal("1"),
            red_threshold=Decimal("0"),
            formula="otd_pct / shipments",
        )
    assert "unknown variable `shipments`" in error.value.message_dict["formula"][0]


def test_a_formula_dividing_by_zero_is_no_data_not_zero(org_a, manager, scenario):
    with tenant_scope(org_a):
        partnership = scenario["partnership"]
        for code in ("late", "orders"):
            services.kpi_create(
                actor=manager,
                partnership=partnership,
                code=code,
                name=code,
                perspective="operational",
                unit="",
                target=Decimal("0"),
                red_threshold=Decimal("0"),
                weight=Decimal("0"),
            )
        services.kpi_create(
            actor=manager,
            partnership=partnership,
            code="late_pct",
            name="Late share",
            perspective="operational",
            direction="lower_is_better",
            target=Decimal("2"),
            red_threshold=Decimal("10"),
            formula="100 * late / orders",
        )
        kpis = {k.code: k for k in partnership.kpis.all()}
        record(manager, kpis["late"], date(2025, 1, 1), "0")
        record(manager, kpis["orders"], date(2025, 1, 1), "0")
        record(manager, kpis["late"], date(2025, 2, 1), "3")
        record(manager, kpis["orders"], date(2025, 2, 1), "50")  # 6 % late → (10-6)/(10-2) = 50
        january = Scorecard.objects.get(period_start=date(2025, 1, 1))
        february = Scorecard.objects.get(period_start=date(2025, 2, 1))
    assert january.total is None
    assert {r["code"]: r["score"] for r in february.breakdown}["late_pct"] == "50.00"


CSV_BAD = (
    "kpi_code,period,value,note\n"
    "otd_pct,2025-01,96.5,ok row\n"
    "unknown_kpi,2025-01,5,\n"
    "otd_pct,2025-13,90,\n"
    "defects_ppm,2025-01,lots,\n"
    "otd_pct,2025-01,97,duplicate\n"
    "otd_pct,2025-02,120,out of range for a percentage\n"
)


def test_an_import_with_bad_rows_reports_each_row_and_imports_nothing(
    org_a, manager, scenario, media
):
    with tenant_scope(org_a):
        job = import_file(manager, scenario["partnership"], CSV_BAD.encode(), filename="march.csv")
        assert Measurement.objects.count() == 0
    errors = dict(row_errors(job))
    assert not job.result["ok"] and created(job) == 0
    assert 2 not in errors
    assert "unknown KPI code “unknown_kpi”" in errors[3]
    assert "no month 13" in errors[4]
    assert "not a number" in errors[5]
    assert "duplicate period 2025-01 for otd_pct (also on line 2)" in errors[6]
    assert "above the largest plausible value 100" in errors[7]


def test_a_clean_excel_import_commits_every_row_and_scores_the_months(
    org_a, manager, scenario, media
):
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["kpi_code", "period", "value"])
    sheet.append(["otd_pct", "2025-01", 94])
    sheet.append(["defects_ppm", date(2025, 1, 1), 100])
    buffer = BytesIO()
    book.save(buffer)
    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        checked = import_file(
            manager, partnership, buffer.getvalue(), filename="jan.xlsx", confirm=False
        )
        assert checked.result["ok"] and Measurement.objects.count() == 0
        imported = import_file(manager, partnership, buffer.getvalue(), filename="jan.xlsx")
        assert created(imported) == 2
        assert Scorecard.objects.get(period_start=date(2025, 1, 1)).total == Decimal("62.50")
        again = import_file(manager, partnership, buffer.getvalue(), filename="jan.xlsx")
    assert not again.result["ok"] and "already has a value for 2025-01" in row_errors(again)[0][1]


def test_a_malformed_file_is_refused_as_a_whole(org_a, manager, scenario, media):
    with tenant_scope(org_a):
        garbage = import_file(
            manager, scenario["partnership"], b"\xff\xfe\x00garbage", filename="x.csv"
        )
        missing = import_file(manager, scenario["partnership"], b"a,b\n1,2\n", filename="x.csv")
    assert garbage.status == "failed" and "UTF-8" in garbage.error
    assert missing.status == "failed"
    assert "Missing column(s): kpi_code, period, value" in missing.error


def breach_check(org, period_from=date(2025, 1, 1), period_to=date(2025, 6, 1)):
    with tenant_scope(org):
        return services.sla_breach_check(period_from=period_from, period_to=period_to, now=NOW)


def test_the_breach_check_stores_breaches_with_the_tiered_capped_credit(org_a, manager, scenario):
    with tenant_scope(org_a):
        for month, value in ((1, "99"), (2, "95"), (3, "88.5"), (4, "96")):
            record(manager, scenario["otd"], date(2025, month, 1), value)
    result = breach_check(org_a)
    with tenant_scope(org_a):
        breaches = {b.period_start.month: b for b in SlaBreach.objects.all()}
    assert result.breaches_created == 2 and set(breaches) == {2, 3}
    # 95 reaches the 95 tier: 5 % of 10,000; 88.5 reaches the 90 tier (10 %) capped at 8 %.
    assert breaches[2].service_credit == Decimal("500.00") and breaches[2].credit_percent == 5
    assert breaches[3].service_credit == Decimal("800.00") and breaches[3].credit_percent == 8
    assert breaches[3].remediation_due == date(2025, 5, 1)
    tiers = [CreditTier(Decimal("95"), Decimal("5")), CreditTier(Decimal("90"), Decimal("10"))]
    for breach in breaches.values():  # the SQL agrees with the pure rule
        assert breach.service_credit == service_credit(
            value=breach.measured_value,
            direction=Direction.HIGHER_IS_BETTER,
            tiers=tiers,
            period_fee=Decimal("10000"),
            cap_percent=Decimal("8"),
        )


def test_the_breach_check_runs_without_jit_compilation(org_a, manager, scenario):
    # Compiling the breach INSERT cost 1.2 s of 1.4 s on the bench tenant (bench/results.md).
    from django.db import connection

    breach_check(org_a)
    with connection.cursor() as cursor:  # the test's transaction is the check's
        cursor.execute("SELECT current_setting('jit')")
        assert cursor.fetchone()[0] == "off"


def test_the_breach_check_is_idempotent_and_notifies_the_owner_once(org_a, manager, scenario):
    with tenant_scope(org_a):
        for month, value in ((1, "93"), (2, "94"), (3, "92"), (4, "99")):
            record(manager, scenario["otd"], date(2025, month, 1), value)
    first = breach_check(org_a)
    second = breach_check(org_a)
    with tenant_scope(org_a):
        breaches = list(SlaBreach.objects.order_by("period_start"))
        notifications = list(Notification.objects.filter(recipient=manager))
        rcas = list(RootCauseAnalysis.objects.all())
        scenario["sla"].refresh_from_db()
    assert (first.breaches_created, second.breaches_created) == (3, 0)
    assert second.notifications == 0 and second.rcas_opened == 0
    assert [b.termination_trigger_met for b in breaches] == [False, False, True]
    assert scenario["sla"].termination_right_since == date(2025, 3, 1)
    assert len(rcas) == 1 and "Repeated breaches" in rcas[0].problem
    titles = sorted(n.title for n in notifications)
    assert titles == ["3 new SLA breaches", "Alder drive-train: right to terminate (Delivery SLA)"]


def test_the_breach_check_is_a_handful_of_statements_whatever_the_number_of_breaches(
    org_a, manager, scenario, django_assert_max_num_queries
):
    with tenant_scope(org_a):
        kpis = [scenario["otd"]]
        for n in range(2):
            kpi = services.kpi_create(
                actor=manager,
                partnership=scenario["partnership"],
                code=f"avail_{n}",
                name=f"Availability {n}",
                perspective="operational",
                unit="%",
                target=Decimal("99"),
                red_threshold=Decimal("90"),
            )
            services.sla_create(
                actor=manager,
                partnership=scenario["partnership"],
                kpi=kpi,
                name=f"Avail {n}",
                target=Decimal("99"),
                breach_threshold=Decimal("98"),
                owner=manager,
            )
            kpis.append(kpi)
        for kpi in kpis:
            for month in range(1, 7):
                record(manager, kpi, date(2025, month, 1), "91")
    # 18 breaches, 3 SLAs: a per-row loop would exceed this bound (32: one SELECT of the SLA
    # versions coming into force, one asking whether anyone subscribes to `breach.created`, the
    # SET LOCAL that turns JIT off, one reading who is still a member before anyone is told,
    # and, per person told, `notify` checking they are still a member).
    with django_assert_max_num_queries(32):
        result = breach_check(org_a)
    assert result.breaches_created == 18


def test_a_pending_partner_figure_does_not_count_until_approved(org_a, manager, scenario):
    with tenant_scope(org_a):
        pending = services.measurement_record(
            actor=manager,
            kpi=scenario["otd"],
            period_start=date(2025, 1, 1),
            value=Decimal("90"),
            pending=True,
            today=TODAY,
            now=NOW,
        )
    assert breach_check(org_a).breaches_created == 0
    with tenant_scope(org_a):
        services.measurement_review(measurement=pending, actor=manager, approve=True, now=NOW)
    assert breach_check(org_a).breaches_created == 1


def test_the_breach_sql_sees_only_the_current_tenant(org_a, org_b, manager, scenario):
    with tenant_scope(org_a):
        record(manager, scenario["otd"], date(2025, 1, 1), "80")
    assert breach_check(org_b).breaches_created == 0
    with tenant_scope(org_b), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM performance_slabreach")
        assert cursor.fetchone()[0] == 0


def test_a_later_check_does_not_retry_termination_notices_already_sent(org_a, manager, scenario):
    with tenant_scope(org_a):
        for month in (1, 2, 3):
            record(manager, scenario["otd"], date(2025, month, 1), "93")
    breach_check(org_a)  # the delivery SLA gains its right to terminate and its owner is told
    with tenant_scope(org_a):
        services.sla_create(
            actor=manager,
            partnership=scenario["partnership"],
            kpi=scenario["defects"],
            name="Quality SLA",
            target=Decimal("100"),
            breach_threshold=Decimal("400"),
            termination_breach_count=2,
            termination_window_months=6,
            owner=manager,
        )
        for month in (4, 5):
            record(manager, scenario["defects"], date(2025, month, 1), "450")
    with mock.patch("performance.services.slas.notify", wraps=services.slas.notify) as sent:
        result = breach_check(org_a)
    assert result.termination_triggers == 1
    keys = [c.kwargs["dedupe_key"] for c in sent.call_args_list]
    assert [k for k in keys if k.startswith("sla-termination:")] == [
        f"sla-termination:{result_sla_pk(org_a, 'Quality SLA')}:2025-05-01"
    ]
    with tenant_scope(org_a):
        titles = sorted(
            Notification.objects.filter(title__contains="right to terminate").values_list(
                "title", flat=True
            )
        )
    assert titles == [
        "Alder drive-train: right to terminate (Delivery SLA)",
        "Alder drive-train: right to terminate (Quality SLA)",
    ]


def result_sla_pk(org, name):
    with tenant_scope(org):
        return Sla.objects.get(name=name).pk


def test_an_owner_with_several_new_rights_to_terminate_gets_one_message(org_a, manager, scenario):
    with tenant_scope(org_a):
        services.sla_create(
            actor=manager,
            partnership=scenario["partnership"],
            kpi=scenario["defects"],
            name="Quality SLA",
            target=Decimal("100"),
            breach_threshold=Decimal("400"),
            termination_breach_count=2,
            termination_window_months=6,
            owner=manager,
        )
        for month in (1, 2, 3):
            record(manager, scenario["otd"], date(2025, month, 1), "93")
            record(manager, scenario["defects"], date(2025, month, 1), "450")
    result = breach_check(org_a)
    again = breach_check(org_a)
    with tenant_scope(org_a):
        notices = list(Notification.objects.filter(title__contains="ight to terminate"))
    assert (result.termination_triggers, again.termination_triggers) == (2, 0)
    assert [n.title for n in notices] == ["Right to terminate under 2 SLAs"]
    assert notices[0].body.splitlines() == [
        "Alder drive-train · Delivery SLA: 3 breaches within 6 months since 2025-03.",
        "Alder drive-train · Quality SLA: 2 breaches within 6 months since 2025-02.",
    ]
