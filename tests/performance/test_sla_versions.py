"""Specifications of SLA versions: an SLA's terms change from a month on, and every month is
judged by the terms in force for it (hand-built measurements, the set-based breach check)."""

import importlib
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from performance import selectors, services
from performance.models import SlaBreach, SlaVersion
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tests.performance.factories import MeasurementFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 9, 10, 8, 0, tzinfo=UTC)
APRIL = date(2025, 4, 1)


@pytest.fixture
def sla(org_a, scenario):
    """The scenario's delivery SLA, agreed in January 2025: breach at 95 % or below, credit 5 %
    of EUR 10,000 at 95, 10 % at 90, capped at 8 %."""
    with tenant_scope(org_a):
        SlaVersion.objects.filter(sla=scenario["sla"]).update(effective_from=date(2025, 1, 1))
        yield scenario["sla"]


def measure(sla, month: date, value: str):
    return MeasurementFactory(
        organization=sla.organization, kpi=sla.kpi, period_start=month, value=Decimal(value)
    )


def stricter_from_april(sla, *, manager, now=NOW, **terms):
    """From April 2025: breach at 97 % or below, credit 3 % at 97, 6 % at 93, fee 20,000."""
    values = {
        "effective_from": APRIL,
        "target": Decimal("99"),
        "breach_threshold": Decimal("97"),
        "window_months": 1,
        "tiers": [(Decimal("97"), Decimal("3")), (Decimal("93"), Decimal("6"))],
        "period_fee": Decimal("20000.00"),
        "source_reference": "CR-0007",
    }
    values.update(terms)
    return services.sla_version_create(sla=sla, actor=manager, now=now, **values)


def check(period_from=date(2025, 1, 1), period_to=date(2025, 8, 1), now=NOW):
    return services.sla_breach_check(period_from=period_from, period_to=period_to, now=now)


def breaches(sla) -> dict[date, SlaBreach]:
    return {b.period_start: b for b in SlaBreach.objects.filter(sla=sla)}


# --- judging each month by its version ------------------------------------------------------


def test_a_month_before_the_new_terms_is_judged_by_the_old_threshold_and_after_by_the_new(
    org_a, manager, sla
):
    with tenant_scope(org_a):
        measure(sla, date(2025, 3, 1), "96")  # old terms: no breach (96 > 95)
        measure(sla, date(2025, 4, 1), "96")  # new terms: a breach (96 <= 97)
        measure(sla, date(2025, 5, 1), "98")  # new terms: no breach
        stricter_from_april(sla, manager=manager)
        check()
        found = breaches(sla)
    assert list(found) == [date(2025, 4, 1)]
    assert found[date(2025, 4, 1)].breach_threshold == Decimal("97")


def test_a_breach_is_credited_by_the_tiers_and_fee_of_its_months_version(org_a, manager, sla):
    with tenant_scope(org_a):
        measure(sla, date(2025, 2, 1), "94")  # old: tier 95 → 5 % of 10,000 = 500.00
        measure(sla, date(2025, 6, 1), "94")  # new: tier 97 → 3 % of 20,000 = 600.00
        stricter_from_april(sla, manager=manager)
        check()
        found = breaches(sla)
    assert (found[date(2025, 2, 1)].credit_percent, found[date(2025, 2, 1)].service_credit) == (
        Decimal("5.00"),
        Decimal("500.00"),
    )
    assert (found[date(2025, 6, 1)].credit_percent, found[date(2025, 6, 1)].service_credit) == (
        Decimal("3.00"),
        Decimal("600.00"),
    )


def test_the_window_of_a_month_is_the_window_of_its_version(org_a, manager, sla):
    with tenant_scope(org_a):
        measure(sla, date(2025, 3, 1), "90")
        measure(sla, date(2025, 4, 1), "99")  # alone: no breach; with March (avg 94.5): breach
        stricter_from_april(sla, manager=manager, window_months=2)
        check(period_from=APRIL, period_to=APRIL)
        found = breaches(sla)
    assert found[APRIL].measured_value == Decimal("94.5000")


def test_months_before_the_original_terms_are_judged_by_the_original_terms(org_a, manager, sla):
    with tenant_scope(org_a):
        measure(sla, date(2024, 11, 1), "94")  # before January 2025: the original terms
        stricter_from_april(sla, manager=manager)
        check(period_from=date(2024, 11, 1))
        assert breaches(sla)[date(2024, 11, 1)].breach_threshold == Decimal("95")


def test_the_version_in_force_is_the_latest_from_the_month_or_before_else_the_original(
    org_a, manager, sla, django_assert_num_queries
):
    with tenant_scope(org_a):
        later = stricter_from_april(sla, manager=manager)
        versions = selectors.sla_versions_by_sla([sla.pk])[sla.pk]
        original = versions[0]
        with django_assert_num_queries(0):  # loaded once, then judged month by month
            in_force = {
                month: selectors.sla_version_in_force(sla, month, versions=versions)
                for month in (date(2024, 6, 1), date(2025, 3, 1), APRIL, date(2026, 1, 1))
            }
    assert in_force == {
        date(2024, 6, 1): original,
        date(2025, 3, 1): original,
        APRIL: later,
        date(2026, 1, 1): later,
    }


# --- when new terms may start ---------------------------------------------------------------


def test_new_terms_are_refused_from_a_month_whose_breach_is_already_recorded(org_a, manager, sla):
    """Decision: refuse, never recompute. A recorded breach was credited by the terms then in
    force; new terms start after the last judged month."""
    with tenant_scope(org_a):
        measure(sla, date(2025, 5, 1), "94")
        check()
        before = breaches(sla)[date(2025, 5, 1)]
        with pytest.raises(ConflictError) as refused:
            stricter_from_april(sla, manager=manager)
        assert refused.value.code == "sla_already_judged"
        assert "2025-05" in refused.value.message and "from 2025-06" in refused.value.message
        assert SlaVersion.objects.filter(sla=sla).count() == 1
        after = breaches(sla)[date(2025, 5, 1)]
        assert (after.breach_threshold, after.service_credit) == (
            before.breach_threshold,
            before.service_credit,
        )
        # From the month after the last judged one, the same terms are accepted.
        assert stricter_from_april(sla, manager=manager, effective_from=date(2025, 6, 1))


def test_new_terms_start_after_every_version_the_sla_has(org_a, manager, sla):
    with tenant_scope(org_a):
        stricter_from_april(sla, manager=manager)
        with pytest.raises(ValidationError) as refused:
            stricter_from_april(sla, manager=manager, effective_from=date(2025, 3, 1))
        assert "effective_from" in refused.value.message_dict
        with pytest.raises(ValidationError):
            stricter_from_april(sla, manager=manager)  # the same month twice


def test_new_terms_start_on_the_first_of_a_month(org_a, manager, sla):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        stricter_from_april(sla, manager=manager, effective_from=date(2025, 4, 15))
    assert "first of a month" in str(refused.value)


def test_new_terms_need_a_breach_threshold_on_the_failing_side_and_tiers_beyond_it(
    org_a, manager, sla
):
    with tenant_scope(org_a):
        with pytest.raises(ValidationError) as refused:
            stricter_from_april(sla, manager=manager, breach_threshold=Decimal("99.5"))
        assert "breach_threshold" in refused.value.message_dict
        with pytest.raises(ValidationError) as refused:
            stricter_from_april(sla, manager=manager, tiers=[(Decimal("98"), Decimal("3"))])
        assert "not a breach" in str(refused.value)


# --- the SLA row: the terms in force now ----------------------------------------------------


def test_terms_whose_month_has_begun_become_the_slas_current_terms_at_once(org_a, manager, sla):
    with tenant_scope(org_a):
        stricter_from_april(sla, manager=manager)
        sla.refresh_from_db()
        assert (sla.breach_threshold, sla.period_fee) == (Decimal("97"), Decimal("20000.00"))
        assert [(t.threshold, t.percent_of_fee) for t in sla.tiers.order_by("threshold")] == [
            (Decimal("93"), Decimal("6")),
            (Decimal("97"), Decimal("3")),
        ]


def test_future_terms_become_the_slas_terms_when_their_month_begins(org_a, manager, sla):
    with tenant_scope(org_a):
        stricter_from_april(sla, manager=manager, effective_from=date(2025, 10, 1))
        sla.refresh_from_db()
        assert sla.breach_threshold == Decimal("95")  # not yet: September
        check(now=datetime(2025, 9, 30, 23, 0, tzinfo=UTC))
        sla.refresh_from_db()
        assert sla.breach_threshold == Decimal("95")
        check(now=datetime(2025, 10, 1, 2, 30, tzinfo=UTC))
        sla.refresh_from_db()
        assert sla.breach_threshold == Decimal("97")


def test_the_terms_of_a_judged_sla_change_only_through_a_change_request(org_a, manager, sla):
    with tenant_scope(org_a):
        services.sla_update(sla=sla, actor=manager, breach_threshold=Decimal("94"))
        assert SlaVersion.objects.get(sla=sla).breach_threshold == Decimal("94")  # a correction
        measure(sla, date(2025, 5, 1), "90")
        check()
        with pytest.raises(ConflictError) as refused:
            services.sla_update(sla=sla, actor=manager, breach_threshold=Decimal("93"))
        assert refused.value.code == "sla_terms_governed"
        # Its name, owner and termination trigger stay editable.
        services.sla_update(sla=sla, actor=manager, name="Delivery SLA (2025)")
        sla.refresh_from_db()
        assert (sla.name, sla.breach_threshold) == ("Delivery SLA (2025)", Decimal("94"))


def test_the_version_history_gives_the_months_each_version_applied_to(org_a, manager, sla):
    with tenant_scope(org_a):
        stricter_from_april(sla, manager=manager)
        history = selectors.sla_version_history(sla=sla, today=date(2025, 9, 10))
    assert [
        (row.version.effective_from, row.until, row.in_force, row.version.source_reference)
        for row in history
    ] == [
        (APRIL, None, True, "CR-0007"),
        (date(2025, 1, 1), date(2025, 3, 1), False, ""),
    ]


def test_existing_slas_get_their_original_terms_from_their_first_measured_month(
    org_a, manager, sla
):
    migration = importlib.import_module("performance.migrations.0007_sla_versions")
    with tenant_scope(org_a):
        measure(sla, date(2023, 7, 1), "97")
        SlaVersion.objects.filter(sla=sla).delete()
        with connection.cursor() as cursor:
            cursor.execute(migration.INITIAL_VERSIONS_SQL)
        version = SlaVersion.objects.get(sla=sla)
    assert version.effective_from == date(2023, 7, 1)
    assert (version.breach_threshold, version.period_fee, version.credit_cap_percent) == (
        Decimal("95"),
        Decimal("10000.00"),
        Decimal("8.00"),
    )
    assert version.tiers == [
        {"threshold": "90", "percent_of_fee": "10"},
        {"threshold": "95", "percent_of_fee": "5"},
    ]


def test_a_new_slas_original_terms_start_with_its_metrics_first_measurement(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        MeasurementFactory(
            organization=org_a, kpi=scenario["defects"], period_start=date(2024, 2, 1)
        )
        sla = services.sla_create(
            actor=manager,
            partnership=scenario["partnership"],
            kpi=scenario["defects"],
            name="Defects SLA",
            target=Decimal("100"),
            breach_threshold=Decimal("400"),
        )
        assert SlaVersion.objects.get(sla=sla).effective_from == date(2024, 2, 1)
