"""Every moment a performance service stamps is the one its caller passes in (`now=`): the page,
the API or the task reads the clock, the rule never does. A fixed moment far from the wall clock
shows it."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from performance import services
from performance.models import Measurement, RootCauseAnalysis, Scorecard, Side
from tenancy.context import tenant_scope
from tests.performance.factories import TODAY

pytestmark = pytest.mark.django_db

MARCH = date(2025, 3, 1)
MOMENT = datetime(2031, 7, 4, 10, 30, tzinfo=UTC)  # years after any wall clock of the suite


def _record(manager, kpi, value, *, now=MOMENT, **kwargs):
    return services.measurement_record(
        actor=manager, kpi=kpi, period_start=MARCH, value=Decimal(value), today=TODAY, now=now,
        **kwargs,
    )  # fmt: skip


def _computed_at(scenario, month=MARCH):
    return Scorecard.objects.get(
        partnership=scenario["partnership"], period_start=month
    ).computed_at


def test_a_scorecard_is_computed_at_the_moment_passed_in(org_a, scenario):
    with tenant_scope(org_a):
        card = services.scorecard_compute(
            partnership=scenario["partnership"], period_start=MARCH, now=MOMENT
        )
        assert card.computed_at == MOMENT == _computed_at(scenario)


def test_a_recompute_stamps_each_month_it_computes_again(org_a, scenario):
    later = MOMENT + timedelta(days=1)
    with tenant_scope(org_a):
        for month in (MARCH, date(2025, 4, 1)):
            services.scorecard_compute(
                partnership=scenario["partnership"], period_start=month, now=MOMENT
            )
        cards = services.scorecards_recompute(
            partnership=scenario["partnership"], periods=[MARCH], now=later
        )
    assert [(card.period_start, card.computed_at) for card in cards] == [
        (MARCH, later),
        (date(2025, 4, 1), later),
    ]


def test_each_change_to_a_figure_recomputes_the_scorecard_at_the_moment_passed_in(
    org_a, manager, scenario
):
    moments = [MOMENT + timedelta(hours=hours) for hours in range(5)]
    with tenant_scope(org_a):
        recorded = _record(manager, scenario["otd"], "97", now=moments[0])
        assert _computed_at(scenario) == moments[0]
        services.measurement_correct(
            measurement=recorded, actor=manager, value=Decimal("96"), reason="Recount",
            now=moments[1],
        )  # fmt: skip
        assert _computed_at(scenario) == moments[1]
        pending = _record(manager, scenario["defects"], "120", pending=True, now=moments[2])
        assert _computed_at(scenario) == moments[1]  # a pending figure recomputes nothing
        services.measurement_review(
            measurement=pending, actor=manager, approve=True, now=moments[2]
        )
        assert _computed_at(scenario) == moments[2]
        services.measurement_delete(
            measurement=Measurement.objects.get(pk=pending.pk), actor=manager, reason="Twice",
            now=moments[3],
        )  # fmt: skip
        assert _computed_at(scenario) == moments[3]
        services.measurements_push(
            actor=manager, partnership=scenario["partnership"], today=TODAY, now=moments[4],
            rows=[{"kpi_code": "defects_ppm", "period": "2025-03", "value": "90"}],
        )  # fmt: skip
        assert _computed_at(scenario) == moments[4]


def test_publishing_and_each_sides_acknowledgement_are_stamped_with_the_moment_passed_in(
    org_a, manager, make_member, scenario
):
    partner = make_member(org_a, "partner_guest", email="partner@supplier.test")
    published, buyer_ack, partner_ack = (MOMENT + timedelta(days=days) for days in (0, 1, 2))
    with tenant_scope(org_a):
        card = services.scorecard_compute(
            partnership=scenario["partnership"], period_start=MARCH, now=MOMENT
        )
        services.scorecard_publish(scorecard=card, actor=manager, now=published)
        services.scorecard_acknowledge(
            scorecard=card, actor=manager, side=Side.BUYER, now=buyer_ack
        )
        services.scorecard_acknowledge(
            scorecard=card, actor=partner, side=Side.PARTNER, now=partner_ack
        )
        card.refresh_from_db()
    assert (
        card.published_at,
        card.acknowledged_by_buyer_at,
        card.acknowledged_by_partner_at,
    ) == (published, buyer_ack, partner_ack)


def test_an_upheld_appeal_is_resolved_and_its_scorecard_recomputed_at_the_moment_passed_in(
    org_a, manager, published
):
    resolved = MOMENT + timedelta(days=3)
    with tenant_scope(org_a):
        appeal = services.scorecard_appeal_raise(
            scorecard=published, actor=manager, criterion_code="otd_pct", comment="Wrong"
        )
        services.scorecard_appeal_resolve(
            appeal=appeal, actor=manager, uphold=True, resolution="Corrected.", now=resolved
        )
        appeal.refresh_from_db()
        published.refresh_from_db()
    assert (appeal.resolved_at, published.computed_at) == (resolved, resolved)


def test_a_corrective_action_is_done_and_its_analysis_closed_at_the_moments_passed_in(
    org_a, manager, scenario
):
    done, closed = MOMENT, MOMENT + timedelta(days=2)
    with tenant_scope(org_a):
        rca = services.rca_create(
            actor=manager, partnership=scenario["partnership"], problem="Late deliveries"
        )
        action = services.capa_add(
            rca=rca, actor=manager, description="Book slots", due_date=date(2025, 6, 1)
        )
        services.capa_complete(action=action, actor=manager, now=done)
        services.rca_close(rca=rca, actor=manager, today=date(2025, 6, 1), now=closed)
        action.refresh_from_db()
        stored = RootCauseAnalysis.objects.get(pk=rca.pk)
    assert (action.completed_at, stored.closed_at) == (done, closed)
    # The effectiveness check still counts from `today`, not from the stamp.
    assert stored.effectiveness_check_due == date(2025, 8, 30)
