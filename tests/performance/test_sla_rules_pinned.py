"""SLA rules pinned against the mutants that survived `make mutation` (docs/mutation.md): the
credit tiers' refusals in words, what creating and editing an SLA stores and audits, when its
terms become governed, new terms from a month on (their checks, texts and when they apply), the
breach check's audit event and notifications, the `breach.created` payload, and closing a
breach."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from integrations import webhooks
from performance import services
from performance.models import Sla, SlaBreach, SlaCreditTier, SlaVersion
from performance.periods import month_start
from performance.services.scorecards import _scorecard_cache_key
from performance.services.slas import breach_payloads
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import AuditEvent, Notification, OutboxMessage, Role
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import TODAY, MeasurementFactory, SlaBreachFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 9, 10, 8, 0, tzinfo=UTC)


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _tiers(sla):
    return list(
        SlaCreditTier.objects.filter(sla=sla)
        .order_by("threshold")
        .values_list("threshold", "percent_of_fee")
    )


def _new_sla(manager, scenario, **extra):
    values = {
        "actor": manager,
        "partnership": scenario["partnership"],
        "kpi": scenario["otd"],
        "name": "Second SLA",
        "target": Decimal("98"),
        "breach_threshold": Decimal("95"),
    }
    values.update(extra)
    return services.sla_create(**values)


def _measure(sla, month, value):
    return MeasurementFactory(
        organization=sla.organization, kpi=sla.kpi, period_start=month, value=Decimal(value)
    )


# --- creating an SLA ----------------------------------------------------------------------------


def test_an_sla_is_stored_with_its_terms_sorted_tiers_first_version_and_audit_event(
    org_a, manager, make_member, scenario
):
    owner = make_member(org_a, email="ops@alpha.test")
    with tenant_scope(org_a):
        _measure(scenario["sla"], date(2024, 11, 1), "97")
        sla = _new_sla(
            manager,
            scenario,
            tiers=[("90", "10"), (Decimal("95"), Decimal("5"))],
            window_months=3,
            period_fee=Decimal("2500.00"),
            currency="USD",
            credit_cap_percent=Decimal("8"),
            remediation_days=10,
            termination_breach_count=4,
            termination_window_months=9,
            rca_breach_count=3,
            owner=owner,
            colour="red",  # not an SLA field: dropped
        )
        stored = Sla.objects.get(pk=sla.pk)
        assert (stored.partnership, stored.kpi, stored.name, stored.owner) == (
            scenario["partnership"],
            scenario["otd"],
            "Second SLA",
            owner,
        )
        assert (stored.target, stored.breach_threshold, stored.window_months) == (98, 95, 3)
        assert (stored.period_fee, stored.currency, stored.credit_cap_percent) == (
            Decimal("2500.00"),
            "USD",
            Decimal("8.00"),
        )
        assert (
            stored.remediation_days,
            stored.termination_breach_count,
            stored.termination_window_months,
            stored.rca_breach_count,
        ) == (10, 4, 9, 3)
        assert _tiers(sla) == [(Decimal("90"), Decimal("10")), (Decimal("95"), Decimal("5"))]
        assert {t.organization_id for t in SlaCreditTier.objects.filter(sla=sla)} == {org_a.pk}

        [version] = SlaVersion.objects.filter(sla=sla)
        # From the metric's first measurement, before the month the SLA was agreed.
        assert version.effective_from == date(2024, 11, 1)
        assert version.tiers == [
            {"threshold": "90", "percent_of_fee": "10"},
            {"threshold": "95", "percent_of_fee": "5"},
        ]
        assert version.created_by == manager
        assert version.created_at == stored.created_at == version.applied_at
        assert (version.target, version.breach_threshold, version.window_months) == (98, 95, 3)
        assert (version.period_fee, version.currency, version.credit_cap_percent) == (
            Decimal("2500.00"),
            "USD",
            Decimal("8.00"),
        )
        [event] = [e for e in _events("performance.sla.created") if e.object_id == str(sla.pk)]
        assert event.actor == manager and event.object_type == "performance.sla"
        assert event.changes == {"tiers": [["90", "10"], ["95", "5"]]}


def test_an_sla_without_measurements_has_original_terms_from_the_month_it_is_agreed(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        sla = _new_sla(
            manager,
            scenario,
            kpi=scenario["defects"],
            target=Decimal("100"),
            breach_threshold=Decimal("400"),
            actor=None,
        )
        version = SlaVersion.objects.get(sla=sla)
        assert version.effective_from == month_start(sla.created_at.date())
        assert version.created_by is None and version.tiers == []
        assert _events("performance.sla.created")[-1].actor is None


def test_an_sla_on_the_good_side_of_its_target_is_refused_and_not_stored(org_a, manager, scenario):
    with tenant_scope(org_a):
        with pytest.raises(ValidationError) as refused:
            _new_sla(manager, scenario, breach_threshold=Decimal("99"))
        assert not Sla.objects.filter(name="Second SLA").exists()
    assert refused.value.message_dict == {
        "breach_threshold": ["The breach threshold is on the good side of the target."]
    }


@pytest.mark.parametrize(
    ("kpi", "tiers", "message"),
    [
        ("otd", [("95", "5"), ("95", "10")], "Two credit tiers share the same threshold."),
        ("otd", [("96", "5")], "The tier at 96 is not a breach."),
        ("defects", [("399.5", "5")], "The tier at 399.5 is not a breach."),
        ("otd", [("90", "101")], "90: Ensure this value is less than or equal to 100."),
        ("otd", [("90", "-1")], "90: Ensure this value is greater than or equal to 0."),
    ],
)
def test_credit_tiers_that_are_no_breach_or_no_percentage_are_refused_in_words(
    org_a, manager, scenario, kpi, tiers, message
):
    thresholds = {
        "otd": (Decimal("98"), Decimal("95")),
        "defects": (Decimal("100"), Decimal("400")),
    }
    target, breach = thresholds[kpi]
    with tenant_scope(org_a):
        with pytest.raises(ValidationError) as refused:
            _new_sla(
                manager,
                scenario,
                kpi=scenario[kpi],
                target=target,
                breach_threshold=breach,
                tiers=tiers,
            )
        assert not Sla.objects.filter(name="Second SLA").exists()
    assert refused.value.message_dict == {"tiers": [message]}


def test_tiers_exactly_on_the_breach_threshold_are_accepted_on_either_side(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        higher = _new_sla(manager, scenario, tiers=[("95", "0"), ("90", "100")])
        lower = _new_sla(
            manager,
            scenario,
            name="Quality",
            kpi=scenario["defects"],
            target=Decimal("100"),
            breach_threshold=Decimal("400"),
            tiers=[("400", "5")],
        )
        assert _tiers(higher) == [(Decimal("90"), Decimal("100")), (Decimal("95"), Decimal("0"))]
        assert _tiers(lower) == [(Decimal("400"), Decimal("5"))]


# --- editing an SLA -----------------------------------------------------------------------------


def test_editing_an_sla_stores_the_change_and_audits_it_as_text(
    org_a, manager, make_member, scenario
):
    other = make_member(org_a, email="ops@alpha.test")
    sla = scenario["sla"]
    with tenant_scope(org_a):
        services.sla_update(
            sla=sla,
            actor=manager,
            name="Delivery",
            owner=other,
            target=Decimal("97"),
            tiers=[("95", "5"), ("90", "12")],
            partnership=PartnershipFactory(organization=org_a),  # not editable: ignored
        )
        stored = Sla.objects.get(pk=sla.pk)
        assert (stored.name, stored.owner, stored.target) == ("Delivery", other, Decimal("97"))
        assert stored.partnership == scenario["partnership"]
        assert _tiers(sla) == [(Decimal("90"), Decimal("12")), (Decimal("95"), Decimal("5"))]
        # A correction of the original terms: their version says the same.
        [version] = SlaVersion.objects.filter(sla=sla)
        assert version.target == Decimal("97")
        assert version.tiers == [
            {"threshold": "90", "percent_of_fee": "12"},
            {"threshold": "95", "percent_of_fee": "5"},
        ]
        [event] = _events("performance.sla.updated")
        assert event.actor == manager and event.object_id == str(sla.pk)
        assert event.changes == {
            "name": ["Delivery SLA", "Delivery"],
            "target": ["98.0000", "97"],
            "owner": [str(manager.pk), str(other.pk)],
            "tiers": [
                "[['90.0000', '10.00'], ['95.0000', '5.00']]",
                "[['95', '5'], ['90', '12']]",
            ],
        }


def test_removing_an_slas_owner_is_audited_by_id(org_a, manager, scenario):
    sla = scenario["sla"]
    with tenant_scope(org_a):
        services.sla_update(sla=sla, actor=manager, owner=None)
        assert Sla.objects.get(pk=sla.pk).owner is None
        assert _events("performance.sla.updated")[0].changes == {"owner": [str(manager.pk), "None"]}
        services.sla_update(sla=sla, actor=manager, owner=None)
        assert len(_events("performance.sla.updated")) == 1


def test_the_same_tiers_in_another_order_are_no_change(org_a, manager, scenario):
    sla = scenario["sla"]
    with tenant_scope(org_a):
        services.sla_update(
            sla=sla, actor=manager, tiers=[(Decimal("90"), Decimal("10")), ("95.0", "5")]
        )
        assert not _events("performance.sla.updated")
        assert SlaVersion.objects.get(sla=sla).tiers == [
            {"threshold": "90", "percent_of_fee": "10"},
            {"threshold": "95", "percent_of_fee": "5"},
        ]


def test_a_judged_slas_terms_are_refused_in_words_but_its_name_still_changes(
    org_a, manager, scenario
):
    sla = scenario["sla"]
    with tenant_scope(org_a):
        SlaBreachFactory(organization=org_a, sla=sla, period_start=date(2025, 2, 1))
        reason = services.sla_terms_governed_reason(sla)
        assert reason == (
            "The terms of “Delivery SLA” have been applied or changed since they were agreed: "
            "propose the new terms in a change request (service level) from a month on."
        )
        for terms in ({"breach_threshold": Decimal("94")}, {"tiers": [("95", "6")]}):
            with pytest.raises(ConflictError) as refused:
                services.sla_update(sla=sla, actor=manager, **terms)
            assert (refused.value.message, refused.value.code) == (reason, "sla_terms_governed")
        services.sla_update(sla=sla, actor=manager, name="Delivery", remediation_days=20)
        stored = Sla.objects.get(pk=sla.pk)
        assert (stored.name, stored.remediation_days, stored.breach_threshold) == (
            "Delivery",
            20,
            Decimal("95"),
        )
        assert _tiers(sla) == [(Decimal("90"), Decimal("10")), (Decimal("95"), Decimal("5"))]


def test_an_sla_changed_by_a_second_version_is_governed_and_an_untouched_one_is_not(
    org_a, manager, scenario
):
    sla = scenario["sla"]
    with tenant_scope(org_a):
        assert services.sla_terms_governed_reason(sla) == ""
        SlaVersion.objects.filter(sla=sla).update(effective_from=date(2025, 1, 1))
        services.sla_version_create(
            sla=sla,
            actor=manager,
            now=NOW,
            effective_from=date(2026, 1, 1),
            target=Decimal("99"),
            breach_threshold=Decimal("96"),
            window_months=1,
        )
        assert services.sla_terms_governed_reason(sla).startswith("The terms of “Delivery SLA”")


# --- new terms from a month on ------------------------------------------------------------------


@pytest.fixture
def sla(org_a, scenario):
    with tenant_scope(org_a):
        SlaVersion.objects.filter(sla=scenario["sla"]).update(effective_from=date(2025, 1, 1))
        yield scenario["sla"]


def _check(sla, **terms):
    values = {
        "effective_from": date(2025, 4, 1),
        "target": Decimal("99"),
        "breach_threshold": Decimal("97"),
        "window_months": 1,
    }
    values.update(terms)
    return services.sla_version_check(sla=sla, **values)


def test_the_checked_terms_keep_the_slas_fee_currency_and_cap_unless_given(org_a, sla):
    with tenant_scope(org_a):
        terms = _check(sla, window_months="3", tiers=[("90", "10"), ("97", "3")])
        assert terms == {
            "effective_from": date(2025, 4, 1),
            "target": Decimal("99"),
            "breach_threshold": Decimal("97"),
            "window_months": 3,
            "period_fee": Decimal("10000.00"),
            "currency": "EUR",
            "credit_cap_percent": Decimal("8.00"),
            "tiers": [(Decimal("90"), Decimal("10")), (Decimal("97"), Decimal("3"))],
        }
        assert _check(sla, period_fee=Decimal("0"))["period_fee"] == Decimal("0")


@pytest.mark.parametrize(
    ("terms", "errors"),
    [
        (
            {"effective_from": date(2025, 4, 2)},
            {"effective_from": ["A version applies from the first of a month."]},
        ),
        (
            {"effective_from": date(2025, 1, 1)},
            {
                "effective_from": [
                    "“Delivery SLA” has terms from 2025-01: new terms start in a later month."
                ]
            },
        ),
        ({"window_months": 0}, {"window_months": ["The window is 1 to 12 months."]}),
        ({"window_months": 13}, {"window_months": ["The window is 1 to 12 months."]}),
        ({"window_months": None}, {"window_months": ["The window is 1 to 12 months."]}),
        (
            {"period_fee": Decimal("-0.01")},
            {"period_fee": ["The fee of a period is not negative."]},
        ),
        (
            {"breach_threshold": Decimal("99.5")},
            {"breach_threshold": ["The breach threshold is on the good side of the target."]},
        ),
        (
            {"window_months": 0, "period_fee": Decimal("-1"), "breach_threshold": Decimal("100")},
            {
                "window_months": ["The window is 1 to 12 months."],
                "period_fee": ["The fee of a period is not negative."],
                "breach_threshold": ["The breach threshold is on the good side of the target."],
            },
        ),
        ({"tiers": [("x", "1")]}, {"tiers": ["Give each tier as a threshold and a percentage."]}),
        ({"tiers": [(None, "1")]}, {"tiers": ["Give each tier as a threshold and a percentage."]}),
        (
            {"tiers": [("97", "3"), ("97", "4")]},
            {"tiers": ["Two credit tiers share the same threshold."]},
        ),
        ({"tiers": [("97.5", "3")]}, {"tiers": ["The tier at 97.5 is not a breach."]}),
        ({"tiers": [("90", "100.01")]}, {"tiers": ["90: the percentage must be within 0-100."]}),
        ({"tiers": [("90", "-0.5")]}, {"tiers": ["90: the percentage must be within 0-100."]}),
    ],
)
def test_new_terms_that_break_a_rule_are_refused_in_words(org_a, sla, terms, errors):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        _check(sla, **terms)
    assert refused.value.message_dict == errors


def test_the_limits_of_new_terms_are_accepted(org_a, sla):
    with tenant_scope(org_a):
        for window in (1, 12):
            assert _check(sla, window_months=window)["window_months"] == window
        terms = _check(sla, breach_threshold=Decimal("99"), tiers=[("99", "0"), ("90", "100")])
        assert terms["tiers"] == [(Decimal("90"), Decimal("100")), (Decimal("99"), Decimal("0"))]


def test_lower_is_better_terms_are_checked_the_other_way_round(org_a, manager, scenario):
    with tenant_scope(org_a):
        quality = _new_sla(
            manager,
            scenario,
            name="Quality",
            kpi=scenario["defects"],
            target=Decimal("100"),
            breach_threshold=Decimal("400"),
        )
        SlaVersion.objects.filter(sla=quality).update(effective_from=date(2025, 1, 1))
        quality = Sla.objects.select_related("kpi").get(pk=quality.pk)
        terms = _check(
            quality,
            target=Decimal("100"),
            breach_threshold=Decimal("100"),
            tiers=[("100", "1"), ("900", "9")],
        )
        assert terms["tiers"] == [(Decimal("100"), Decimal("1")), (Decimal("900"), Decimal("9"))]
        with pytest.raises(ValidationError) as good_side:
            _check(quality, target=Decimal("100"), breach_threshold=Decimal("99"))
        with pytest.raises(ValidationError) as no_breach:
            _check(
                quality,
                target=Decimal("100"),
                breach_threshold=Decimal("300"),
                tiers=[("299", "1")],
            )
    assert list(good_side.value.message_dict) == ["breach_threshold"]
    assert no_breach.value.message_dict == {"tiers": ["The tier at 299 is not a breach."]}


def test_months_already_judged_are_named_with_the_earliest_month_new_terms_may_start(org_a, sla):
    with tenant_scope(org_a):
        for month in (date(2025, 3, 1), date(2025, 5, 1)):
            SlaBreachFactory(organization=org_a, sla=sla, period_start=month)
        with pytest.raises(ConflictError) as refused:
            _check(sla, effective_from=date(2025, 4, 1))
        assert _check(sla, effective_from=date(2025, 6, 1))["effective_from"] == date(2025, 6, 1)
    assert refused.value.code == "sla_already_judged"
    assert refused.value.message == (
        "Breaches of “Delivery SLA” are already recorded for 2025-05 with their service "
        "credits, judged by the terms then in force: new terms may start from 2025-06 at the "
        "earliest."
    )


def test_more_than_six_judged_months_are_cut_and_a_december_breach_points_to_january(org_a, sla):
    with tenant_scope(org_a):
        for month in range(6, 13):
            SlaBreachFactory(organization=org_a, sla=sla, period_start=date(2025, month, 1))
        with pytest.raises(ConflictError) as refused:
            _check(sla, effective_from=date(2025, 6, 1))
    assert refused.value.message == (
        "Breaches of “Delivery SLA” are already recorded for 2025-06, 2025-07, 2025-08, 2025-09, "
        "2025-10, 2025-11… with their service credits, judged by the terms then in force: new "
        "terms may start from 2026-01 at the earliest."
    )


def test_exactly_six_judged_months_are_listed_without_an_ellipsis(org_a, sla):
    with tenant_scope(org_a):
        for month in range(4, 10):
            SlaBreachFactory(organization=org_a, sla=sla, period_start=date(2025, month, 1))
        with pytest.raises(ConflictError) as refused:
            _check(sla, effective_from=date(2025, 4, 1))
    assert "2025-08, 2025-09 with their" in refused.value.message
    assert "from 2025-10 at the earliest" in refused.value.message


def test_new_terms_whose_month_has_begun_are_stored_applied_and_audited(org_a, manager, sla):
    with tenant_scope(org_a):
        version = services.sla_version_create(
            sla=sla,
            actor=manager,
            now=NOW,
            effective_from=date(2025, 9, 1),  # NOW's month
            target=Decimal("99"),
            breach_threshold=Decimal("97"),
            window_months=2,
            tiers=[("93", "6"), ("97", "3")],
            period_fee=Decimal("20000.00"),
            source_reference="CR-" + "7" * 50,
        )
        stored = SlaVersion.objects.get(pk=version.pk)
        assert stored.source_reference == "CR-" + "7" * 37
        assert (stored.created_by, stored.created_at, stored.applied_at) == (manager, NOW, NOW)
        assert stored.tiers == [
            {"threshold": "93", "percent_of_fee": "6"},
            {"threshold": "97", "percent_of_fee": "3"},
        ]
        assert (stored.currency, stored.credit_cap_percent) == ("EUR", Decimal("8.00"))
        now_terms = Sla.objects.get(pk=sla.pk)
        assert (now_terms.target, now_terms.breach_threshold, now_terms.window_months) == (
            99,
            97,
            2,
        )
        assert now_terms.period_fee == Decimal("20000.00")
        assert _tiers(sla) == [(Decimal("93"), Decimal("6")), (Decimal("97"), Decimal("3"))]
        assert {t.organization_id for t in SlaCreditTier.objects.filter(sla=sla)} == {org_a.pk}
        [event] = _events("performance.sla.version_created")
        assert event.actor == manager and event.object_id == str(sla.pk)
        assert event.changes == {
            "effective_from": "2025-09",
            "source": "CR-" + "7" * 50,
            "target": "99",
            "breach_threshold": "97",
            "window_months": 2,
            "period_fee": "20000.00",
            "tiers": [
                {"threshold": "93", "percent_of_fee": "6"},
                {"threshold": "97", "percent_of_fee": "3"},
            ],
        }


def test_future_terms_wait_for_their_month_then_the_latest_due_applies(org_a, manager, sla):
    def version(month, threshold):
        return services.sla_version_create(
            sla=sla,
            actor=None,
            now=NOW,
            effective_from=month,
            target=Decimal("99"),
            breach_threshold=Decimal(threshold),
            window_months=1,
        )

    with tenant_scope(org_a):
        october = version(date(2025, 10, 1), "96")
        november = version(date(2025, 11, 1), "97")
        assert SlaVersion.objects.get(pk=october.pk).created_by is None
        assert SlaVersion.objects.get(pk=october.pk).applied_at is None
        assert Sla.objects.get(pk=sla.pk).breach_threshold == Decimal("95")
        assert _events("performance.sla.version_created")[0].changes["period_fee"] == "10000.00"

        assert services.sla_versions_apply_due(now=datetime(2025, 9, 30, 23, tzinfo=UTC)) == 0
        later = datetime(2025, 11, 1, 0, 0, tzinfo=UTC)
        assert services.sla_versions_apply_due(now=later) == 1
        assert Sla.objects.get(pk=sla.pk).breach_threshold == Decimal("97")
        assert _tiers(sla) == []
        applied = dict(SlaVersion.objects.filter(sla=sla).values_list("pk", "applied_at"))
        assert (applied[october.pk], applied[november.pk]) == (later, later)
        assert services.sla_versions_apply_due(now=later) == 0


# --- the breach check ---------------------------------------------------------------------------


def _record(manager, kpi, month, value):
    return services.measurement_record(
        actor=manager, kpi=kpi, period_start=month, value=Decimal(value), today=TODAY, now=NOW
    )


def _breach_check(period_from=date(2025, 1, 15), period_to=date(2025, 6, 20), actor=None):
    return services.sla_breach_check(
        period_from=period_from, period_to=period_to, now=NOW, actor=actor
    )


def test_a_check_is_audited_as_the_system_with_its_months_and_counts(org_a, manager, scenario):
    with tenant_scope(org_a):
        for month in (1, 2, 3):
            _record(manager, scenario["otd"], date(2025, month, 1), "93")
        result = _breach_check()
        assert (result.period_from, result.period_to) == (date(2025, 1, 1), date(2025, 6, 1))
        assert (result.breaches_created, result.termination_triggers, result.rcas_opened) == (
            3,
            1,
            1,
        )
        [event] = _events("performance.sla_breach_check.completed")
        assert (event.actor, event.actor_label) == (None, "system: SLA breach check")
        assert event.changes == {
            "from": "2025-01-01",
            "to": "2025-06-01",
            "breaches": 3,
            "termination_triggers": 1,
            "rcas": 1,
        }
        assert {b.notified_at for b in SlaBreach.objects.all()} == {NOW}
        _breach_check(actor=manager)  # nothing new: not audited
        assert len(_events("performance.sla_breach_check.completed")) == 1


def test_a_check_run_by_someone_is_audited_in_their_name(org_a, manager, scenario):
    with tenant_scope(org_a):
        _record(manager, scenario["otd"], date(2025, 2, 1), "93")
        _breach_check(actor=manager)
        [event] = _events("performance.sla_breach_check.completed")
        assert (event.actor, event.actor_label) == (manager, manager.email)


def test_the_owner_is_told_each_new_breach_in_one_message(org_a, manager, scenario):
    with tenant_scope(org_a):
        _record(manager, scenario["otd"], date(2025, 2, 1), "93.5")
        _record(manager, scenario["otd"], date(2025, 4, 1), "88")
        result = _breach_check()
        [note] = Notification.objects.filter(recipient=manager)
        first, last = SlaBreach.objects.order_by("id")
    assert result.notifications == 1
    assert note.title == "2 new SLA breaches"
    assert note.body.splitlines() == [
        "Alder drive-train · Delivery SLA · 2025-02: measured 93.5 (breach at 95), "
        "service credit EUR 500.00",
        "Alder drive-train · Delivery SLA · 2025-04: measured 88 (breach at 95), "
        "service credit EUR 800.00",
    ]
    assert note.url == reverse("performance-slas", args=["alpha"])
    assert note.dedupe_key == f"sla-breaches:{first.pk}-{last.pk}"


def test_one_breach_is_one_breach_and_without_an_sla_owner_the_partnership_owner_is_told(
    org_a, manager, make_member, scenario
):
    sla = scenario["sla"]
    with tenant_scope(org_a):
        Sla.objects.filter(pk=sla.pk).update(owner=None, termination_breach_count=1)
        _record(manager, scenario["otd"], date(2025, 2, 1), "93")
        _breach_check()
        notes = {n.title: n for n in Notification.objects.filter(recipient=manager)}
    assert set(notes) == {
        "1 new SLA breach",
        "Alder drive-train: right to terminate (Delivery SLA)",
    }
    assert notes["1 new SLA breach"].body.endswith(
        "service credit EUR 500.00 · termination trigger met"
    )
    right = notes["Alder drive-train: right to terminate (Delivery SLA)"]
    assert (
        right.body == "Alder drive-train · Delivery SLA: 1 breaches within 6 months since 2025-02."
    )
    assert right.dedupe_key == f"sla-termination:{sla.pk}:2025-02-01"
    assert right.url == reverse("performance-slas", args=["alpha"])


def test_breaches_of_an_sla_nobody_owns_go_to_every_admin_and_are_marked_notified(
    org_a, manager, make_member, scenario
):
    admins = [make_member(org_a, Role.ORG_ADMIN, email=f"admin{n}@alpha.test") for n in (1, 2)]
    sla = scenario["sla"]
    with tenant_scope(org_a):
        scenario["partnership"].__class__.objects.filter(pk=scenario["partnership"].pk).update(
            owner=None
        )
        Sla.objects.filter(pk=sla.pk).update(owner=None, termination_breach_count=1)
        _record(manager, scenario["otd"], date(2025, 2, 1), "93")
        result = _breach_check()
        assert result.notifications == 2
        told = Notification.objects.filter(title__contains="SLA").order_by(
            "recipient__email", "title"
        )
        assert [(n.recipient, n.title) for n in told] == [
            (admins[0], "1 new SLA breach"),
            (admins[0], "Alder drive-train: right to terminate (Delivery SLA)"),
            (admins[1], "1 new SLA breach"),
            (admins[1], "Alder drive-train: right to terminate (Delivery SLA)"),
        ]
        assert SlaBreach.objects.get().notified_at == NOW


def test_two_rights_to_terminate_of_one_owner_share_one_message_keyed_by_the_first(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        quality = _new_sla(
            manager,
            scenario,
            name="Quality SLA",
            kpi=scenario["defects"],
            target=Decimal("100"),
            breach_threshold=Decimal("400"),
            termination_breach_count=2,
            owner=manager,
        )
        for month in (1, 2, 3):
            _record(manager, scenario["otd"], date(2025, month, 1), "93")
            _record(manager, scenario["defects"], date(2025, month, 1), "450")
        _breach_check()
        [note] = Notification.objects.filter(title__contains="ight to terminate")
    first = min(scenario["sla"].pk, quality.pk)
    assert (
        note.dedupe_key
        == f"sla-termination:{first}:"
        + ("2025-03-01" if first == scenario["sla"].pk else "2025-02-01")
        + "+1"
    )


def test_the_breach_payload_says_everything_about_each_breach(org_a, manager, scenario):
    with tenant_scope(org_a):
        breach = SlaBreachFactory(
            organization=org_a,
            sla=scenario["sla"],
            period_start=date(2025, 2, 1),
            measured_value=Decimal("93.5000"),
            breach_threshold=Decimal("95.0000"),
            credit_percent=Decimal("5.00"),
            service_credit=Decimal("500.00"),
            currency="EUR",
            remediation_due=date(2025, 3, 31),
        )
        payloads = breach_payloads([breach.pk])
    assert payloads == [
        {
            "object": "performance.slabreach",
            "id": breach.pk,
            "partnership": scenario["partnership"].pk,
            "sla": {"id": scenario["sla"].pk, "name": "Delivery SLA", "kpi": "otd_pct"},
            "period": "2025-02",
            "measured_value": "93.5",
            "breach_threshold": "95",
            "credit_percent": "5.00",
            "service_credit": "500.00",
            "currency": "EUR",
            "remediation_due": date(2025, 3, 31),
            "termination_trigger_met": False,
            "status": "open",
        }
    ]


# --- closing a breach ---------------------------------------------------------------------------


def test_closing_a_breach_keeps_the_trimmed_reason_and_audits_it(org_a, manager, scenario):
    with tenant_scope(org_a):
        breach = SlaBreachFactory(organization=org_a, sla=scenario["sla"])
        services.sla_breach_set_status(
            breach=breach, actor=manager, status="waived", reason="  Strike at the port. "
        )
        stored = SlaBreach.objects.get(pk=breach.pk)
        assert (stored.status, stored.status_reason) == ("waived", "Strike at the port.")
        [event] = _events("performance.sla_breach.waived")
        assert event.actor == manager and event.object_id == str(breach.pk)
        assert event.changes == {"status": ["open", "waived"], "reason": "Strike at the port."}
        with pytest.raises(TransitionNotAllowed):
            services.sla_breach_set_status(
                breach=breach, actor=manager, status="remediated", reason="Later"
            )


def test_a_reason_is_kept_to_1000_characters(org_a, manager, scenario):
    with tenant_scope(org_a):
        breach = SlaBreachFactory(organization=org_a, sla=scenario["sla"])
        services.sla_breach_set_status(
            breach=breach, actor=manager, status="remediated", reason="x" * 1001
        )
        assert SlaBreach.objects.get(pk=breach.pk).status_reason == "x" * 1000


def test_an_unknown_status_or_a_missing_reason_is_refused_in_words(org_a, manager, scenario):
    with tenant_scope(org_a):
        breach = SlaBreachFactory(organization=org_a, sla=scenario["sla"])
        with pytest.raises(ValidationError) as unknown:
            services.sla_breach_set_status(
                breach=breach, actor=manager, status="closed", reason="Done"
            )
        with pytest.raises(ValidationError) as silent:
            services.sla_breach_set_status(
                breach=breach, actor=manager, status="waived", reason="  "
            )
        assert SlaBreach.objects.get(pk=breach.pk).status == "open"
        assert not _events("performance.sla_breach.waived")
    assert unknown.value.message_dict == {"status": ["Choose remediated or waived."]}
    assert silent.value.message_dict == {"reason": ["Say why the breach is closed or waived."]}


def test_the_created_at_of_a_scenario_sla_is_its_first_versions_time(org_a, scenario):
    with tenant_scope(org_a):
        version = SlaVersion.objects.get(sla=scenario["sla"])
        assert version.created_at == scenario["sla"].created_at <= timezone.now()


# --- added after the re-run of the survivors ----------------------------------------------------


def test_an_anonymous_actor_is_stored_as_nobody_on_the_versions(org_a, manager, sla):
    with tenant_scope(org_a):
        version = services.sla_version_create(
            sla=sla,
            actor=AnonymousUser(),
            now=NOW,
            effective_from=date(2025, 10, 1),
            target=Decimal("99"),
            breach_threshold=Decimal("96"),
            window_months=1,
        )
        created = _new_sla(AnonymousUser(), scenario_of(sla), name="Anonymous")
        assert SlaVersion.objects.get(pk=version.pk).created_by is None
        assert SlaVersion.objects.get(sla=created).created_by is None
        # Without a reference, none is stored or audited.
        assert SlaVersion.objects.get(pk=version.pk).source_reference == ""
        assert _events("performance.sla.version_created")[0].changes["source"] == ""


def scenario_of(sla):
    return {"partnership": sla.partnership, "otd": sla.kpi}


def test_terms_in_force_now_mark_only_this_slas_pending_versions_applied(org_a, manager, sla):
    with tenant_scope(org_a):
        other = _new_sla(manager, scenario_of(sla), name="Other")
        SlaVersion.objects.filter(sla=other).update(effective_from=date(2025, 1, 1))
        pending = services.sla_version_create(
            sla=other,
            actor=manager,
            now=NOW,
            effective_from=date(2025, 12, 1),
            target=Decimal("99"),
            breach_threshold=Decimal("96"),
            window_months=1,
        )
        original = SlaVersion.objects.get(sla=sla)
        services.sla_version_create(
            sla=sla,
            actor=manager,
            now=NOW,
            effective_from=date(2025, 9, 1),
            target=Decimal("99"),
            breach_threshold=Decimal("96"),
            window_months=1,
        )
        assert SlaVersion.objects.get(pk=pending.pk).applied_at is None
        assert SlaVersion.objects.get(pk=original.pk).applied_at == original.applied_at != NOW


def test_giving_an_sla_its_own_owner_again_or_no_owner_changes_nothing(org_a, manager, scenario):
    sla = scenario["sla"]
    with tenant_scope(org_a):
        services.sla_update(sla=sla, actor=manager, owner=manager)
        services.sla_update(sla=sla, actor=manager, remediation_days=20)
        assert Sla.objects.get(pk=sla.pk).owner == manager
        assert _events("performance.sla.updated")[0].changes == {"remediation_days": ["30", "20"]}
        assert len(_events("performance.sla.updated")) == 1


def test_breaches_and_rights_to_terminate_go_to_each_slas_own_owner(
    org_a, manager, make_member, scenario
):
    ops = make_member(org_a, email="ops@alpha.test")
    with tenant_scope(org_a):
        Sla.objects.filter(pk=scenario["sla"].pk).update(owner=ops, termination_breach_count=1)
        _new_sla(
            manager,
            scenario,
            name="Quality SLA",
            kpi=scenario["defects"],
            target=Decimal("100"),
            breach_threshold=Decimal("400"),
            termination_breach_count=1,
            owner=manager,
        )
        _record(manager, scenario["otd"], date(2025, 2, 1), "93")
        _record(manager, scenario["defects"], date(2025, 2, 1), "450")
        result = _breach_check()
        told = sorted(
            Notification.objects.values_list("recipient__email", "title").order_by(
                "recipient__email", "title"
            )
        )
    assert result.notifications == 2
    assert told == [
        ("manager@alpha.test", "1 new SLA breach"),
        ("manager@alpha.test", "Alder drive-train: right to terminate (Quality SLA)"),
        ("ops@alpha.test", "1 new SLA breach"),
        ("ops@alpha.test", "Alder drive-train: right to terminate (Delivery SLA)"),
    ]


def test_a_check_that_only_finds_a_right_to_terminate_is_audited(org_a, manager, scenario):
    sla = scenario["sla"]
    with tenant_scope(org_a):
        Sla.objects.filter(pk=sla.pk).update(rca_breach_count=10)
        for month in (1, 2, 3):
            SlaBreachFactory(organization=org_a, sla=sla, period_start=date(2025, month, 1))
        result = _breach_check()
        assert (result.breaches_created, result.termination_triggers, result.rcas_opened) == (
            0,
            1,
            0,
        )
        [event] = _events("performance.sla_breach_check.completed")
        assert event.changes["termination_triggers"] == 1 and event.changes["breaches"] == 0


def test_new_breaches_drop_the_cached_scorecards_of_their_partnerships_only(
    org_a, manager, scenario
):
    ours = _scorecard_cache_key(org_a.pk, scenario["partnership"].pk)
    other = PartnershipFactory(organization=org_a)
    theirs = _scorecard_cache_key(org_a.pk, other.pk)
    with tenant_scope(org_a):
        _record(manager, scenario["otd"], date(2025, 2, 1), "93")  # drops the cache itself
        cache.set(ours, "cached")
        cache.set(theirs, "cached")
        _breach_check()
    assert cache.get(ours) is None
    assert cache.get(theirs) == "cached"


def test_each_new_breach_is_queued_for_the_subscribers_of_breach_created(
    org_a, manager, scenario, settings
):
    settings.INTEGRATIONS_WEBHOOKS_ALLOW_HTTP = True
    with tenant_scope(org_a):
        webhooks.webhook_subscription_create(
            actor=manager,
            name="ERP",
            url="http://erp.example.test/hooks",
            events=["breach.created"],
        )
        _record(manager, scenario["otd"], date(2025, 2, 1), "93")
        _breach_check()
        breach = SlaBreach.objects.get()
        [message] = OutboxMessage.objects.filter(channel=webhooks.CHANNEL)
    assert message.payload["event"] == "breach.created"
    assert message.payload["occurred_at"] == NOW.isoformat()
    assert message.payload["data"]["id"] == breach.pk
    assert message.payload["data"]["period"] == "2025-02"


def test_another_slas_breaches_do_not_hold_back_new_terms(org_a, manager, sla):
    with tenant_scope(org_a):
        other = _new_sla(manager, scenario_of(sla), name="Other")
        SlaBreachFactory(organization=org_a, sla=other, period_start=date(2025, 5, 1))
        assert _check(sla, effective_from=date(2025, 4, 1))["effective_from"] == date(2025, 4, 1)
