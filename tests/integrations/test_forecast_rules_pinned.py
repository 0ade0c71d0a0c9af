"""Demand forecast rules pinned in their exact words: what a forecast stores (the tenant, the
partnership, the title's spaces collapsed, the unit trimmed, the agreed frequency, monthly unless
told, the owner named or else the actor), each refusal on its field (a partnership of another
tenant, a blank or long title, an unknown frequency, an owner who is not active staff, a title
the partnership already has), its audit event; when the next version is due (none before the
first, a week or 31 days after the last); a version's lines checked in order and refused with
their number in exact words, stored sorted with their quantities normalised; what a version
stores (its number, the lines, what changed against the previous one, the note trimmed, who made
it and when), the forecast's current version and last update moved, a version that changes
nothing refused, the audit event of each version. Found by
`make mutation MUTATION_ARGS=integrations.forecasts`."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from integrations import services
from integrations.models import DemandForecast, ForecastVersion
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Role
from tests.integrations.factories import DemandForecastFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 4, 8, 9, 0, tzinfo=UTC)


def _create(org, partnership, actor, **fields) -> DemandForecast:
    values = {"title": "Bearings 2026", **fields}
    with tenant_scope(org):
        return services.forecast_create(partnership=partnership, actor=actor, **values)


def _create_refusal(org, partnership, actor, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        _create(org, partnership, actor, **fields)
    return refused.value.message_dict


def _forecast(org, partnership, **fields) -> DemandForecast:
    return DemandForecastFactory(organization=org, partnership=partnership, **fields)


def _add(org, forecast, actor, lines, *, now=NOW, **kwargs) -> ForecastVersion:
    with tenant_scope(org):
        return services.forecast_version_add(
            forecast=forecast, actor=actor, lines=lines, now=now, **kwargs
        )


def _lines_refusal(org, forecast, actor, lines) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        _add(org, forecast, actor, lines)
    assert set(refused.value.message_dict) == {"lines"}
    return refused.value.message_dict["lines"]


def _fresh(org, forecast) -> DemandForecast:
    with tenant_scope(org):
        return DemandForecast.objects.select_related("owner", "partnership").get(pk=forecast.pk)


def _events(org, action):
    with tenant_scope(org):
        return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


# --- forecast_create ----------------------------------------------------------------------------


def test_a_new_forecast_stores_the_title_collapsed_the_unit_trimmed_and_the_actor_as_owner(
    org_a, manager, partnership
):
    forecast = _create(
        org_a, partnership, manager, title="  Bearings \t 2026\n ", unit="  PCE  ",
        update_frequency="weekly",
    )  # fmt: skip
    stored = _fresh(org_a, forecast)
    assert (stored.title, stored.unit, stored.update_frequency) == (
        "Bearings 2026",
        "PCE",
        "weekly",
    )
    assert (stored.organization, stored.partnership, stored.owner) == (org_a, partnership, manager)
    assert (stored.current_version, stored.last_updated_at) == (0, None)


def test_a_forecast_is_monthly_without_a_unit_unless_told(org_a, manager, partnership):
    stored = _fresh(org_a, _create(org_a, partnership, manager))
    assert (stored.update_frequency, stored.unit) == ("monthly", "")


def test_a_named_owner_is_kept_rather_than_the_actor(org_a, manager, partnership, make_member):
    colleague = make_member(org_a, Role.PROCUREMENT_MANAGER, email="colleague@alpha.test")
    stored = _fresh(org_a, _create(org_a, partnership, manager, owner=colleague))
    assert stored.owner == colleague


def test_without_an_actor_or_an_owner_the_forecast_has_no_owner(org_a, partnership):
    stored = _fresh(org_a, _create(org_a, partnership, None))
    assert stored.owner is None


def test_an_owner_who_is_not_active_staff_is_refused_on_the_owner(
    org_a, org_b, manager, partnership, make_member
):
    stranger = make_member(org_b, Role.ORG_ADMIN, full_name="Olga Stranger")
    refusal = _create_refusal(org_a, partnership, manager, owner=stranger)
    assert refusal == {
        "owner": [
            "Olga Stranger is not one of this organization's active staff; choose a colleague."
        ]
    }
    with tenant_scope(org_a):
        assert not DemandForecast.objects.exists()


def test_a_partner_guest_as_actor_does_not_become_the_owner(org_a, partnership, make_member):
    guest = make_member(org_a, Role.PARTNER_GUEST, full_name="Gustav Guest")
    refusal = _create_refusal(org_a, partnership, guest)
    assert refusal == {
        "owner": [
            "Gustav Guest is not one of this organization's active staff; choose a colleague."
        ]
    }


def test_a_partnership_of_another_organization_is_refused(org_a, org_b, manager):
    theirs = PartnershipFactory(organization=org_b, name="Bravo supply")
    refusal = _create_refusal(org_a, theirs, manager)
    assert refusal == {"partnership": ["No such partnership in this organization."]}


@pytest.mark.parametrize("title", ["", "   ", None])
def test_a_blank_title_is_refused_on_the_title(org_a, manager, partnership, title):
    refusal = _create_refusal(org_a, partnership, manager, title=title)
    assert refusal == {"title": ["This field cannot be blank."]}


def test_a_title_over_120_characters_is_refused_and_one_of_120_kept(org_a, manager, partnership):
    refusal = _create_refusal(org_a, partnership, manager, title="T" * 121)
    assert refusal == {"title": ["Ensure this value has at most 120 characters (it has 121)."]}
    assert _fresh(org_a, _create(org_a, partnership, manager, title="T" * 120)).title == "T" * 120


def test_a_unit_over_16_characters_is_refused_on_the_unit(org_a, manager, partnership):
    refusal = _create_refusal(org_a, partnership, manager, unit=" " + "U" * 17 + " ")
    assert refusal == {"unit": ["Ensure this value has at most 16 characters (it has 17)."]}


def test_an_unknown_frequency_is_refused_on_the_frequency(org_a, manager, partnership):
    refusal = _create_refusal(org_a, partnership, manager, update_frequency="daily")
    assert refusal == {"update_frequency": ["Value 'daily' is not a valid choice."]}


def test_a_title_the_partnership_already_has_is_refused_after_collapsing_its_spaces(
    org_a, manager, partnership
):
    _create(org_a, partnership, manager, title="Bearings 2026")
    refusal = _create_refusal(org_a, partnership, manager, title=" Bearings   2026 ")
    assert refusal == {"title": ["This partnership already has a forecast of this title."]}
    with tenant_scope(org_a):
        assert DemandForecast.objects.count() == 1


def test_another_title_in_the_same_partnership_is_a_forecast_of_its_own(
    org_a, manager, partnership
):
    _create(org_a, partnership, manager, title="Bearings 2026")
    _create(org_a, partnership, manager, title="Bearings 2027")
    with tenant_scope(org_a):
        titles = list(DemandForecast.objects.values_list("title", flat=True))
    assert titles == ["Bearings 2026", "Bearings 2027"]


def test_the_same_title_in_another_partnership_is_a_forecast_of_its_own(
    org_a, manager, partnership
):
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    _create(org_a, partnership, manager)
    second = _create(org_a, other, manager)
    assert _fresh(org_a, second).partnership == other


def test_creating_a_forecast_is_audited_with_its_title_and_frequency(org_a, manager, partnership):
    forecast = _create(org_a, partnership, manager, title=" Bearings  2026", unit="PCE")
    [event] = _events(org_a, "integrations.forecast.created")
    assert (event.actor, event.object_type, event.object_id) == (
        manager, "integrations.demandforecast", str(forecast.pk)
    )  # fmt: skip
    assert event.changes == {"title": "Bearings 2026", "update_frequency": "monthly"}


# --- forecast_update_due ------------------------------------------------------------------------


def test_no_version_is_due_before_the_first(org_a, partnership):
    forecast = _forecast(org_a, partnership, update_frequency="weekly")
    assert services.forecast_update_due(forecast) is None


@pytest.mark.parametrize(("frequency", "days"), [("weekly", 7), ("monthly", 31)])
def test_the_next_version_is_due_the_agreed_period_after_the_last(
    org_a, partnership, frequency, days
):
    forecast = _forecast(org_a, partnership, update_frequency=frequency, last_updated_at=NOW)
    assert services.forecast_update_due(forecast) == NOW + timedelta(days=days)


# --- _forecast_lines (through forecast_version_add) ---------------------------------------------


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (None, "Give at least one line: item, month, quantity."),
        ([], "Give at least one line: item, month, quantity."),
        ([["MAT-1"]], "Line 1: give item, month and quantity."),
        ([["MAT-1", "2026-05", "1", "x"]], "Line 1: give item, month and quantity."),
        ([5], "Line 1: give item, month and quantity."),
        ([["  ", "2026-05", "1"]], "Line 1: the item is missing."),
        ([[None, "2026-05", "1"]], "Line 1: the item is missing."),
        ([["MAT-1", "2026-13", "1"]], "Line 1: the month must read YYYY-MM."),
        ([["MAT-1", "2026-00", "1"]], "Line 1: the month must read YYYY-MM."),
        ([["MAT-1", "2026-5", "1"]], "Line 1: the month must read YYYY-MM."),
        ([["MAT-1", "2026-05-01", "1"]], "Line 1: the month must read YYYY-MM."),
        ([["MAT-1", None, "1"]], "Line 1: the month must read YYYY-MM."),
        ([["MAT-1", "2026-05", "lots"]], "Line 1: “lots” is not a quantity."),
        ([["MAT-1", "2026-05", None]], "Line 1: “None” is not a quantity."),
        ([["MAT-1", "2026-05", "-1"]], "Line 1: the quantity must be 0 or more."),
        ([["MAT-1", "2026-05", "-0.001"]], "Line 1: the quantity must be 0 or more."),
        ([["MAT-1", "2026-05", "NaN"]], "Line 1: the quantity must be 0 or more."),
        ([["MAT-1", "2026-05", "Infinity"]], "Line 1: the quantity must be 0 or more."),
        ([["MAT-1", "2026-05", "1e14"]], "Line 1: the quantity must be 0 or more."),
    ],
)
def test_a_bad_line_is_refused_in_exact_words(org_a, manager, partnership, lines, message):
    forecast = _forecast(org_a, partnership)
    assert _lines_refusal(org_a, forecast, manager, lines) == [message]
    with tenant_scope(org_a):
        assert not ForecastVersion.objects.exists()


def test_the_refusal_names_the_number_of_the_bad_line_counting_from_one(
    org_a, manager, partnership
):
    forecast = _forecast(org_a, partnership)
    good = ["MAT-1", "2026-05", "1"]
    assert _lines_refusal(org_a, forecast, manager, [good, ["MAT-2", "2026-5", "1"]]) == [
        "Line 2: the month must read YYYY-MM."
    ]
    assert _lines_refusal(org_a, forecast, manager, [good, ["MAT-2"], ["", "x", "y"]]) == [
        "Line 2: give item, month and quantity."
    ]


def test_the_same_item_and_month_twice_is_refused_after_collapsing_the_item(
    org_a, manager, partnership
):
    forecast = _forecast(org_a, partnership)
    lines = [["MAT 1", "2026-05", "1"], ["MAT-2", "2026-05", "1"], [" MAT  1 ", " 2026-05 ", "2"]]
    assert _lines_refusal(org_a, forecast, manager, lines) == [
        "Line 3: MAT 1 2026-05 is given twice."
    ]


def test_the_lines_are_stored_sorted_trimmed_cut_and_normalised(org_a, manager, partnership):
    forecast = _forecast(org_a, partnership)
    version = _add(
        org_a, forecast, manager,
        [
            ["MAT-2", "2026-05", " 10.50 "],
            [" MAT \t 1 ", " 2026-06 ", 0],
            ["MAT 1", "2026-05", "1E+2"],
            ["M" * 70, "2026-05", "99999999999999.9"],
            ["MAT-3", "2026-05", "0.000"],
            ["MAT-4", "2026-05", 2.5],
        ],
    )  # fmt: skip
    expected = [
        ["MAT 1", "2026-05", "100"],
        ["MAT 1", "2026-06", "0"],
        ["MAT-2", "2026-05", "10.5"],
        ["MAT-3", "2026-05", "0"],
        ["MAT-4", "2026-05", "2.5"],
        ["M" * 64, "2026-05", "99999999999999.9"],
    ]
    assert version.lines == expected
    with tenant_scope(org_a):
        assert ForecastVersion.objects.get(pk=version.pk).lines == expected


def test_a_negative_zero_is_stored_as_zero_and_changes_nothing_against_zero(
    org_a, manager, partnership
):
    forecast = _forecast(org_a, partnership)
    first = _add(org_a, forecast, manager, [["MAT-1", "2026-05", "-0.000"]])
    assert first.lines == [["MAT-1", "2026-05", "0"]]
    with pytest.raises(ConflictError):
        _add(org_a, forecast, manager, [["MAT-1", "2026-05", "0"]], now=LATER)


# --- forecast_version_add -----------------------------------------------------------------------


def test_the_first_version_stores_every_line_as_a_change_from_nothing(org_a, manager, partnership):
    forecast = _forecast(org_a, partnership)
    version = _add(
        org_a, forecast, manager, [["MAT-1", "2026-06", "120"], ["MAT-1", "2026-05", "100"]],
        note="  First cut \n",
    )  # fmt: skip
    with tenant_scope(org_a):
        stored = ForecastVersion.objects.get(pk=version.pk)
    assert (stored.number, stored.note, stored.created_by, stored.created_at) == (
        1, "First cut", manager, NOW
    )  # fmt: skip
    assert (stored.organization_id, stored.forecast_id) == (org_a.pk, forecast.pk)
    assert stored.changes == [
        {"item": "MAT-1", "period": "2026-05", "before": None, "after": "100"},
        {"item": "MAT-1", "period": "2026-06", "before": None, "after": "120"},
    ]
    fresh = _fresh(org_a, forecast)
    assert (fresh.current_version, fresh.last_updated_at) == (1, NOW)


def test_a_later_version_keeps_what_changed_added_and_dropped_against_the_last(
    org_a, manager, partnership
):
    forecast = _forecast(org_a, partnership)
    _add(org_a, forecast, manager, [["MAT-1", "2026-05", "100"], ["MAT-1", "2026-06", "120"],
                                   ["MAT-9", "2026-05", "7"]])  # fmt: skip
    second = _add(
        org_a, forecast, manager,
        [["MAT-1", "2026-05", "100.0"], ["MAT-1", "2026-06", "150"], ["MAT-2", "2026-06", "10"]],
        now=LATER,
    )  # fmt: skip
    assert second.number == 2
    assert second.changes == [
        {"item": "MAT-1", "period": "2026-06", "before": "120", "after": "150"},
        {"item": "MAT-2", "period": "2026-06", "before": None, "after": "10"},
        {"item": "MAT-9", "period": "2026-05", "before": "7", "after": None},
    ]
    assert (second.note, second.created_at) == ("", LATER)
    fresh = _fresh(org_a, forecast)
    assert (fresh.current_version, fresh.last_updated_at) == (2, LATER)


def test_the_changes_are_against_the_highest_numbered_version(org_a, manager, partnership):
    forecast = _forecast(org_a, partnership, current_version=3)
    with tenant_scope(org_a):
        for number, quantity in [(3, "30"), (1, "10"), (2, "20")]:
            ForecastVersion.objects.create(
                organization=org_a, forecast=forecast, number=number,
                lines=[["MAT-1", "2026-05", quantity]],
            )  # fmt: skip
    version = _add(org_a, forecast, manager, [["MAT-1", "2026-05", "40"]])
    assert version.number == 4
    assert version.changes == [
        {"item": "MAT-1", "period": "2026-05", "before": "30", "after": "40"}
    ]


def test_a_version_that_changes_nothing_is_refused_and_nothing_moves(org_a, manager, partnership):
    forecast = _forecast(org_a, partnership)
    _add(org_a, forecast, manager, [["MAT-1", "2026-05", "100"]])
    with pytest.raises(ConflictError) as refused:
        _add(org_a, forecast, manager, [[" MAT-1 ", "2026-05", "1E+2"]], now=LATER)
    assert str(refused.value) == "Nothing changed against the current version."
    assert refused.value.code == "unchanged"
    fresh = _fresh(org_a, forecast)
    assert (fresh.current_version, fresh.last_updated_at) == (1, NOW)
    with tenant_scope(org_a):
        assert ForecastVersion.objects.count() == 1
    assert len(_events(org_a, "integrations.forecast.version_added")) == 1


def test_each_version_is_audited_with_its_number_and_how_many_lines_changed(
    org_a, manager, partnership
):
    forecast = _forecast(org_a, partnership)
    _add(org_a, forecast, manager, [["MAT-1", "2026-05", "1"], ["MAT-1", "2026-06", "2"]])
    _add(org_a, forecast, None, [["MAT-1", "2026-05", "1"], ["MAT-1", "2026-06", "3"]], now=LATER)
    first, second = _events(org_a, "integrations.forecast.version_added")
    assert (first.actor, first.object_type, first.object_id) == (
        manager, "integrations.demandforecast", str(forecast.pk)
    )  # fmt: skip
    assert first.changes == {"version": 1, "changed": 2}
    assert (second.actor, second.changes) == (None, {"version": 2, "changed": 1})
