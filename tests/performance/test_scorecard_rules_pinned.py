"""Scorecard rules pinned against the mutants that survived `make mutation` (docs/mutation.md):
which side an acknowledgement lands on, what an appeal's decision stores, the standings' actions,
the exact refusals a user reads, and the audit trail and notification of each step."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from partnerships.models import Partnership
from performance import services
from performance.models import Scorecard, ScorecardAppeal, Side, StandingBand
from performance.scoring import Standing
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Notification, Role
from tests.performance.factories import TODAY

pytestmark = pytest.mark.django_db


def _event(action):
    return AuditEvent.objects.get(action=action)


def test_standings_are_stored_with_their_actions_and_audited(org_a, manager):
    bands = [
        ("Good", Decimal("60"), Decimal("100"), "none"),
        ("Watch", Decimal("30"), Decimal("60"), "warn"),
        ("Stop", Decimal("0"), Decimal("30"), "block_change_requests"),
    ]
    with tenant_scope(org_a):
        services.standings_replace(actor=manager, bands=bands)
        stored = list(StandingBand.objects.values_list("name", "min_score", "max_score", "action"))
        assert stored == bands
        assert services.organization_standings() == [Standing(*band) for band in bands]
        event = _event("performance.standings.replaced")
        assert event.actor == manager
        assert event.changes == {
            "bands": [
                ["Good", "60", "100", "none"],
                ["Watch", "30", "60", "warn"],
                ["Stop", "0", "30", "block_change_requests"],
            ]
        }


def test_standings_with_a_gap_are_refused_on_the_standings_field(org_a, manager):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.standings_replace(
            actor=manager,
            bands=[
                ("Good", Decimal("60"), Decimal("100"), "none"),
                ("Bad", Decimal("0"), Decimal("50"), "warn"),
            ],
        )
    assert refused.value.message_dict == {
        "standings": ["No standing covers the scores from 50 to 60, between “Bad” and “Good”."]
    }


def test_publishing_twice_is_refused_in_words(org_a, manager, published):
    with tenant_scope(org_a):
        assert published.published_at is not None
        event = _event("performance.scorecard.published")
        assert event.actor == manager and event.object_id == str(published.pk)
        with pytest.raises(ConflictError) as refused:
            services.scorecard_publish(scorecard=published, actor=manager, now=timezone.now())
    assert refused.value.message == "This scorecard is already published."


def test_each_side_acknowledges_on_its_own_fields_once(
    org_a, manager, make_member, scenario, published
):
    partner = make_member(org_a, Role.PARTNER_GUEST, email="partner@supplier.test")
    with tenant_scope(org_a):
        services.scorecard_acknowledge(
            scorecard=published, actor=manager, side=Side.BUYER, now=timezone.now()
        )
        stored = Scorecard.objects.get(pk=published.pk)
        assert stored.acknowledged_by_buyer == manager and stored.acknowledged_by_buyer_at
        assert stored.acknowledged_by_partner is None and stored.acknowledged_by_partner_at is None
        event = _event("performance.scorecard.acknowledged")
        assert event.actor == manager and event.object_id == str(published.pk)
        assert event.changes == {"side": "buyer"}

        services.scorecard_acknowledge(
            scorecard=stored, actor=partner, side=Side.PARTNER, now=timezone.now()
        )
        stored = Scorecard.objects.get(pk=published.pk)
        assert stored.acknowledged_by_partner == partner and stored.acknowledged_by_partner_at
        assert stored.acknowledged_by_buyer == manager

        with pytest.raises(ConflictError) as twice:
            services.scorecard_acknowledge(
                scorecard=stored, actor=partner, side=Side.PARTNER, now=timezone.now()
            )
    assert twice.value.message == "This side has already acknowledged the scorecard."


def test_a_draft_is_neither_acknowledged_nor_appealed(org_a, manager, scenario):
    with tenant_scope(org_a):
        draft = services.scorecard_compute(
            partnership=scenario["partnership"], period_start=date(2025, 4, 1), now=timezone.now()
        )
        with pytest.raises(ConflictError) as ack:
            services.scorecard_acknowledge(
                scorecard=draft, actor=manager, side=Side.BUYER, now=timezone.now()
            )
        with pytest.raises(ConflictError) as appeal:
            services.scorecard_appeal_raise(
                scorecard=draft, actor=manager, criterion_code="otd_pct", comment="Wrong"
            )
    assert ack.value.message == "Only a published scorecard can be acknowledged."
    assert appeal.value.message == "Only a published scorecard can be appealed."


def test_an_appeal_is_stored_audited_and_sent_to_the_owner(
    org_a, manager, make_member, scenario, published
):
    partner = make_member(org_a, Role.PARTNER_GUEST, email="partner@supplier.test")
    with tenant_scope(org_a):
        with pytest.raises(ValidationError) as unknown:
            services.scorecard_appeal_raise(
                scorecard=published, actor=partner, criterion_code="nope", comment="x"
            )
        with pytest.raises(ValidationError) as silent:
            services.scorecard_appeal_raise(
                scorecard=published, actor=partner, criterion_code="otd_pct", comment="  "
            )
        appeal = services.scorecard_appeal_raise(
            scorecard=published,
            actor=partner,
            criterion_code="otd_pct",
            comment="  Two deliveries were counted twice. ",
        )
        stored = ScorecardAppeal.objects.get()
        assert (stored.scorecard, stored.partnership_id) == (published, published.partnership_id)
        assert stored.criterion_code == "otd_pct" and stored.raised_by == partner
        assert stored.comment == "Two deliveries were counted twice."
        event = _event("performance.scorecard_appeal.raised")
        assert event.actor == partner and event.object_id == str(appeal.pk)
        assert event.changes == {"criterion": "otd_pct"}
        note = Notification.objects.get(dedupe_key__startswith="appeal:")
        assert note.recipient == manager
        assert note.title == "Scorecard appeal on otd_pct (2025-03)"
        assert note.body == "Two deliveries were counted twice."  # as stored, trimmed
        assert note.url == reverse(
            "partnership-performance", args=["alpha", scenario["partnership"].pk]
        )
        assert note.dedupe_key == f"appeal:{appeal.pk}"
    assert unknown.value.message_dict == {"criterion_code": ["“nope” is not on this scorecard."]}
    assert silent.value.message_dict == {"comment": ["Say why the criterion is disputed."]}


def test_an_appeal_on_a_partnership_nobody_owns_goes_to_the_admins(
    org_a, manager, make_member, scenario, published
):
    admin = make_member(org_a, Role.ORG_ADMIN, email="admin@alpha.test")
    with tenant_scope(org_a):
        Partnership.objects.filter(pk=scenario["partnership"].pk).update(owner=None)
        published.refresh_from_db()
        services.scorecard_appeal_raise(
            scorecard=published, actor=manager, criterion_code="otd_pct", comment="Wrong"
        )
        note = Notification.objects.get(dedupe_key__startswith="appeal:")
    assert note.recipient == admin


@pytest.mark.parametrize(("uphold", "status"), [(True, "upheld"), (False, "rejected")])
def test_the_decision_on_an_appeal_is_what_is_stored(
    org_a, manager, scenario, published, uphold, status
):
    with tenant_scope(org_a):
        appeal = services.scorecard_appeal_raise(
            scorecard=published, actor=manager, criterion_code="otd_pct", comment="Wrong"
        )
        with pytest.raises(ValidationError) as no_reason:
            services.scorecard_appeal_resolve(
                appeal=appeal, actor=manager, uphold=uphold, resolution=" ", now=timezone.now()
            )
        services.scorecard_appeal_resolve(
            appeal=appeal,
            actor=manager,
            uphold=uphold,
            resolution=" Checked the file. ",
            now=timezone.now(),
        )
        stored = ScorecardAppeal.objects.get(pk=appeal.pk)
        assert stored.status == status and stored.resolution == "Checked the file."
        assert stored.resolved_by == manager and stored.resolved_at is not None
        event = _event(f"performance.scorecard_appeal.{status}")
        assert event.actor == manager and event.object_id == str(appeal.pk)
        with pytest.raises(ConflictError) as again:
            services.scorecard_appeal_resolve(
                appeal=stored, actor=manager, uphold=uphold, resolution="Again", now=timezone.now()
            )
    assert no_reason.value.message_dict == {"resolution": ["Explain the decision to the partner."]}
    assert again.value.message == "This appeal is already resolved."


def _formula_kpi(manager, partnership, code, formula):
    return services.kpi_create(
        actor=manager,
        partnership=partnership,
        code=code,
        name=code,
        perspective="operational",
        target=Decimal("100"),
        red_threshold=Decimal("0"),
        formula=formula,
    )


def test_a_formula_on_a_later_formula_is_still_evaluated(org_a, manager, scenario):
    """KPIs are evaluated in dependency order, not in the order they are listed: `a_double`
    (listed first) needs `z_half`, itself a formula."""
    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        _formula_kpi(manager, partnership, "z_half", "otd_pct / 2")
        _formula_kpi(manager, partnership, "a_double", "z_half * 2")
        services.measurement_record(
            actor=manager,
            kpi=scenario["otd"],
            period_start=date(2025, 3, 1),
            value=Decimal("90"),
            today=TODAY,
            now=timezone.now(),
        )
        card = Scorecard.objects.get(period_start=date(2025, 3, 1))
    values = {row["code"]: row["value"] for row in card.breakdown}
    assert Decimal(values["z_half"]) == Decimal("45")
    assert Decimal(values["a_double"]) == Decimal("90")


def test_a_formula_that_no_longer_parses_is_no_data(org_a, manager, scenario):
    from performance.models import Kpi

    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        _formula_kpi(manager, partnership, "ratio", "otd_pct / 2")
        Kpi.objects.filter(code="ratio").update(formula="otd_pct /")  # e.g. an old row
        services.measurement_record(
            actor=manager,
            kpi=scenario["otd"],
            period_start=date(2025, 3, 1),
            value=Decimal("90"),
            today=TODAY,
            now=timezone.now(),
        )
        card = Scorecard.objects.get(period_start=date(2025, 3, 1))
    row = next(row for row in card.breakdown if row["code"] == "ratio")
    assert row["value"] is None and row["score"] is None


def _kpi(manager, partnership, code, perspective="operational", **extra):
    values = {
        "name": code,
        "target": Decimal("98"),
        "red_threshold": Decimal("90"),
        **extra,
    }
    return services.kpi_create(
        actor=manager, partnership=partnership, code=code, perspective=perspective, **values
    )


def _record(manager, kpi, month, value, **extra):
    return services.measurement_record(
        actor=manager,
        kpi=kpi,
        period_start=month,
        value=Decimal(value),
        today=TODAY,
        now=timezone.now(),
        **extra,
    )


MARCH = date(2025, 3, 1)


def test_a_scorecard_counts_only_its_partnerships_active_kpis_and_approved_figures(
    org_a, manager, scenario
):
    from performance.models import Kpi
    from tests.partnerships.factories import PartnershipFactory

    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a, owner=manager)
        _kpi(
            manager,
            other,
            "defects_ppm",
            perspective="customer",
            direction="lower_is_better",
            target=Decimal("100"),
            red_threshold=Decimal("500"),
        )
        _record(manager, other.kpis.get(), MARCH, "300")  # another partnership's figure
        old = _kpi(manager, partnership, "old_kpi")
        _record(manager, old, MARCH, "95")
        Kpi.objects.filter(pk=old.pk).update(is_active=False)
        _record(manager, scenario["defects"], MARCH, "120", pending=True)  # not approved yet
        _record(manager, scenario["otd"], MARCH, "97")
        card = services.scorecard_compute(
            partnership=partnership, period_start=MARCH, now=timezone.now()
        )
    values = {row["code"]: row["value"] for row in card.breakdown}
    assert values == {"defects_ppm": None, "otd_pct": "97.0000"}


def test_the_breakdown_is_listed_by_perspective_then_code(org_a, manager, scenario):
    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        _kpi(manager, partnership, "zz_cost", perspective="financial")
        _kpi(manager, partnership, "aa_speed")
        card = services.scorecard_compute(
            partnership=partnership, period_start=MARCH, now=timezone.now()
        )
    assert [row["code"] for row in card.breakdown] == [
        "defects_ppm",
        "zz_cost",
        "aa_speed",
        "otd_pct",
    ]


def test_a_quarterly_figure_counts_in_every_month_of_its_quarter(org_a, manager, scenario):
    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        quarterly = _kpi(manager, partnership, "audit_score", frequency="quarterly")
        _record(manager, quarterly, date(2025, 1, 1), "99")
        card = services.scorecard_compute(
            partnership=partnership, period_start=MARCH, now=timezone.now()
        )
    row = next(row for row in card.breakdown if row["code"] == "audit_score")
    assert Decimal(row["value"]) == Decimal("99") and row["rag"] == "green"


def test_each_row_carries_its_rag_with_the_amber_threshold(org_a, manager, scenario):
    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        strict = _kpi(manager, partnership, "strict_otd", amber_threshold=Decimal("95"))
        _record(manager, strict, MARCH, "93")  # worse than amber: red
        _record(manager, scenario["otd"], MARCH, "93")  # no amber threshold: amber
        _record(manager, scenario["defects"], MARCH, "100")  # at target: green
        card = services.scorecard_compute(
            partnership=partnership, period_start=MARCH, now=timezone.now()
        )
    rags = {row["code"]: row["rag"] for row in card.breakdown}
    assert rags == {"defects_ppm": "green", "otd_pct": "amber", "strict_otd": "red"}


def test_a_breakdown_row_carries_what_the_page_and_the_pdf_show(org_a, manager, scenario):
    with tenant_scope(org_a):
        _record(manager, scenario["otd"], MARCH, "97")
        card = services.scorecard_compute(
            partnership=scenario["partnership"], period_start=MARCH, now=timezone.now()
        )
    row = next(row for row in card.breakdown if row["code"] == "otd_pct")
    assert (row["name"], row["perspective"], row["unit"], row["formula"]) == (
        "On-time delivery",
        "operational",
        "%",
        "",
    )
    assert Decimal(row["target"]) == Decimal("98") and Decimal(row["weight"]) == Decimal("3")


def test_the_rolling_score_follows_only_this_partnerships_history(org_a, manager, scenario):
    from tests.partnerships.factories import PartnershipFactory

    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a, owner=manager)
        _record(manager, _kpi(manager, other, "otd_pct"), date(2025, 2, 1), "80")  # scores 0
        _record(manager, scenario["otd"], MARCH, "99")
        _record(manager, scenario["defects"], MARCH, "50")
        card = services.scorecard_compute(
            partnership=scenario["partnership"], period_start=MARCH, now=timezone.now()
        )
    assert card.total == Decimal("100") and card.rolling_score == card.total


def test_another_partnerships_scorecard_of_the_month_is_left_alone(org_a, manager, scenario):
    from tests.partnerships.factories import PartnershipFactory

    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a, owner=manager)
        _record(manager, _kpi(manager, other, "fill_rate"), MARCH, "99")
        theirs = Scorecard.objects.get(partnership=other, period_start=MARCH)
        _record(manager, scenario["otd"], MARCH, "97")
        ours = services.scorecard_compute(
            partnership=scenario["partnership"], period_start=MARCH, now=timezone.now()
        )
        theirs.refresh_from_db()
    assert ours.pk != theirs.pk and ours.partnership_id == scenario["partnership"].pk
    assert [row["code"] for row in theirs.breakdown] == ["fill_rate"]


def test_a_month_without_figures_has_no_standing(org_a, scenario):
    with tenant_scope(org_a):
        card = services.scorecard_compute(
            partnership=scenario["partnership"], period_start=MARCH, now=timezone.now()
        )
    assert card.total is None and card.rolling_score is None
    assert (card.standing, card.standing_action) == ("", "")


def test_the_rolling_score_weighs_this_month_and_the_five_before_it(org_a, manager, scenario):
    from performance.scoring import rolling_score
    from tests.performance.factories import ScorecardFactory

    partnership = scenario["partnership"]
    totals = {
        date(2024, 9, 1): "50",  # seven months back: outside the window
        date(2024, 10, 1): "0",  # six months back: the oldest month inside it
        date(2024, 11, 1): "100",
        date(2024, 12, 1): "100",
        date(2025, 1, 1): "100",
        date(2025, 2, 1): "100",
    }
    with tenant_scope(org_a):
        for month, total in totals.items():
            ScorecardFactory(
                organization=org_a, partnership=partnership, period_start=month, total=total
            )
        card = services.scorecard_compute(
            partnership=partnership, period_start=MARCH, now=timezone.now()
        )
    window = [(MARCH, None)] + [
        (month, Decimal(total)) for month, total in totals.items() if month >= date(2024, 10, 1)
    ]
    assert card.rolling_score == rolling_score(window, decay=Decimal("0.8"))
    assert Decimal("80") < card.rolling_score < Decimal("100")


def test_kpis_of_one_perspective_are_listed_by_code(org_a, manager, scenario):
    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        _kpi(manager, partnership, "zz_pct")
        _kpi(manager, partnership, "aa_pct")
        card = services.scorecard_compute(
            partnership=partnership, period_start=MARCH, now=timezone.now()
        )
    assert [row["code"] for row in card.breakdown] == [
        "defects_ppm",  # customer
        "aa_pct",  # operational, by code
        "otd_pct",
        "zz_pct",
    ]


def test_computing_a_scorecard_drops_the_partnerships_cached_scorecards(org_a, scenario):
    from django.core.cache import cache

    from performance.services.scorecards import _scorecard_cache_key

    partnership = scenario["partnership"]
    key = _scorecard_cache_key(org_a.pk, partnership.pk)
    cache.set(key, "stale", timeout=60)
    with tenant_scope(org_a):
        services.scorecard_compute(partnership=partnership, period_start=MARCH, now=timezone.now())
    assert cache.get(key) is None


def test_recomputing_a_month_redoes_this_partnerships_later_scorecards_only(
    org_a, manager, scenario
):
    from tests.partnerships.factories import PartnershipFactory
    from tests.performance.factories import ScorecardFactory

    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a, owner=manager)
        ScorecardFactory(organization=org_a, partnership=other, period_start=date(2025, 6, 1))
        for month in (date(2025, 1, 1), date(2025, 4, 1), date(2025, 5, 1)):
            ScorecardFactory(organization=org_a, partnership=partnership, period_start=month)
        redone = services.scorecards_recompute(
            partnership=partnership, periods=[MARCH], now=timezone.now()
        )
    assert [(card.partnership_id, card.period_start) for card in redone] == [
        (partnership.pk, MARCH),
        (partnership.pk, date(2025, 4, 1)),
        (partnership.pk, date(2025, 5, 1)),
    ]


# --- a page opened before another request's step ---------------------------------------------


def test_a_scorecard_published_since_the_page_was_opened_is_not_published_again(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        draft = services.scorecard_compute(
            partnership=scenario["partnership"], period_start=date(2025, 4, 1), now=timezone.now()
        )
        stale = Scorecard.objects.get(pk=draft.pk)  # the page's copy, still a draft
        services.scorecard_publish(scorecard=draft, actor=manager, now=timezone.now())
        with pytest.raises(ConflictError) as refused:
            services.scorecard_publish(scorecard=stale, actor=manager, now=timezone.now())
        assert AuditEvent.objects.filter(action="performance.scorecard.published").count() == 1
    assert refused.value.message == "This scorecard is already published."


def test_a_side_that_acknowledged_since_the_page_was_opened_is_not_recorded_twice(
    org_a, manager, published
):
    with tenant_scope(org_a):
        stale = Scorecard.objects.get(pk=published.pk)  # the page's copy, not acknowledged
        services.scorecard_acknowledge(
            scorecard=published, actor=manager, side=Side.BUYER, now=timezone.now()
        )
        first = Scorecard.objects.get(pk=published.pk).acknowledged_by_buyer_at
        with pytest.raises(ConflictError) as twice:
            services.scorecard_acknowledge(
                scorecard=stale, actor=manager, side=Side.BUYER, now=timezone.now()
            )
        assert Scorecard.objects.get(pk=published.pk).acknowledged_by_buyer_at == first
    assert twice.value.message == "This side has already acknowledged the scorecard."


def test_an_appeal_resolved_since_the_page_was_opened_is_not_decided_again(
    org_a, manager, published
):
    with tenant_scope(org_a):
        appeal = services.scorecard_appeal_raise(
            scorecard=published, actor=manager, criterion_code="otd_pct", comment="Wrong"
        )
        stale = ScorecardAppeal.objects.get(pk=appeal.pk)  # the page's copy, still open
        services.scorecard_appeal_resolve(
            appeal=appeal,
            actor=manager,
            uphold=False,
            resolution="Figures hold.",
            now=timezone.now(),
        )
        with pytest.raises(ConflictError) as again:
            services.scorecard_appeal_resolve(
                appeal=stale, actor=manager, uphold=True, resolution="Upheld.", now=timezone.now()
            )
        stored = ScorecardAppeal.objects.get(pk=appeal.pk)
        assert (stored.status, stored.resolution) == ("rejected", "Figures hold.")
    assert again.value.message == "This appeal is already resolved."
