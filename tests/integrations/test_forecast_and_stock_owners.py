"""A forecast is renamed, re-timed and handed to a colleague after it was made (page and API),
and a stock policy names who hears of a low level: both owners are the buyer's active staff,
the creator when none is named, and every change is audited. A forecast whose agreed update is
missed is told to its owner by the daily job, once per missed update."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations import services
from integrations.models import DemandForecast, StockPolicy
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Notification, Role

pytestmark = pytest.mark.django_db
API = "/api/v1/o/alpha"


@pytest.fixture
def colleague(org_a, make_member):
    return make_member(org_a, Role.PROCUREMENT_MANAGER, email="colleague@alpha.test",
                       full_name="Cora Colleague")  # fmt: skip


def test_a_forecast_is_renamed_re_timed_and_handed_over_with_each_change_audited(
    org_a, manager, colleague, forecast
):
    with tenant_scope(org_a):
        services.forecast_update(
            forecast=forecast, actor=manager, title="  Bearings   2027 ", unit=" PCE ",
            update_frequency="monthly", owner=colleague,
        )  # fmt: skip
        stored = DemandForecast.objects.get(pk=forecast.pk)
        event = AuditEvent.objects.get(action="integrations.forecast.updated")
    assert (stored.title, stored.unit, stored.update_frequency, stored.owner) == (
        "Bearings 2027", "PCE", "monthly", colleague,
    )  # fmt: skip
    assert (event.actor, event.object_id) == (manager, str(forecast.pk))
    assert event.changes == {
        "title": ["Bearings 2026", "Bearings 2027"],
        "update_frequency": ["weekly", "monthly"],
        "owner": [
            {"id": manager.pk, "label": manager.display_name},
            {"id": colleague.pk, "label": "Cora Colleague"},
        ],
    }


def test_a_forecast_saved_unchanged_writes_no_event(org_a, manager, forecast):
    with tenant_scope(org_a):
        services.forecast_update(forecast=forecast, actor=manager, title="Bearings 2026")
        assert not AuditEvent.objects.filter(action="integrations.forecast.updated").exists()


def test_a_forecast_keeps_an_owner_and_a_title_of_its_own(org_a, manager, partnership, forecast):
    with tenant_scope(org_a):
        services.forecast_create(
            partnership=partnership, title="Gears", update_frequency="weekly", actor=manager
        )
        with pytest.raises(ValidationError) as no_owner:
            services.forecast_update(forecast=forecast, actor=manager, owner=None)
        with pytest.raises(ValidationError) as taken:
            services.forecast_update(forecast=forecast, actor=manager, title=" Gears ")
        assert DemandForecast.objects.get(pk=forecast.pk).title == "Bearings 2026"
    assert no_owner.value.message_dict == {"owner": ["Name who keeps the forecast up to date."]}
    assert taken.value.message_dict == {
        "title": ["This partnership already has a forecast of this title."]
    }


def test_a_partner_guest_never_keeps_the_buyers_forecast(org_a, manager, guest, forecast):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.forecast_update(forecast=forecast, actor=manager, owner=guest)
    assert set(refused.value.message_dict) == {"owner"}


def test_the_forecast_is_edited_on_its_page_and_a_guest_never_sees_the_edit(
    org_a, manager, colleague, guest, forecast, client_as
):
    detail = reverse("forecast-detail", args=["alpha", forecast.pk])
    edit = reverse("forecast-edit", args=["alpha", forecast.pk])
    client = client_as(manager)
    assert 'data-testid="forecast-edit"' in client.get(detail).content.decode()
    form = client.get(edit).content.decode()
    assert 'value="Bearings 2026"' in form and "Cora Colleague" in form
    refused = client.post(
        edit, {"title": " ", "unit": "", "update_frequency": "weekly", "owner": manager.pk}
    )
    assert refused.status_code == 400
    saved = client.post(
        edit,
        {"title": "Bearings", "unit": "PCE", "update_frequency": "monthly", "owner": colleague.pk},
    )
    assert saved.status_code == 302 and saved["Location"] == detail
    with tenant_scope(org_a):
        stored = DemandForecast.objects.get(pk=forecast.pk)
    assert (stored.title, stored.update_frequency, stored.owner) == (
        "Bearings", "monthly", colleague,
    )  # fmt: skip
    guest_client = client_as(guest)
    assert 'data-testid="forecast-edit"' not in guest_client.get(detail).content.decode()
    assert guest_client.get(edit).status_code == 404
    assert guest_client.post(edit, {"title": "Mine"}).status_code == 404


def test_the_api_hands_a_forecast_over_and_refuses_a_guest_owner_and_a_viewer(
    org_a, manager, colleague, guest, forecast, api_as, make_member
):
    url = f"{API}/forecasts/{forecast.pk}/"
    api = api_as(manager, org_a)
    assert api.get(url).json()["owner"] == manager.pk
    moved = api.patch(url, {"owner": colleague.pk, "update_frequency": "monthly"}, format="json")
    assert moved.status_code == 200, moved.content
    assert (moved.json()["owner"], moved.json()["update_frequency"]) == (colleague.pk, "monthly")
    to_guest = api.patch(url, {"owner": guest.pk}, format="json")
    assert to_guest.status_code == 400 and "owner" in to_guest.json()["error"]["fields"]
    viewer = make_member(org_a, Role.VIEWER, email="viewer@alpha.test")
    assert api_as(viewer, org_a).patch(url, {"title": "X"}, format="json").status_code == 403
    with tenant_scope(org_a):
        assert DemandForecast.objects.get(pk=forecast.pk).title == "Bearings 2026"


def test_a_stock_policy_names_its_owner_or_keeps_it_on_the_page_and_the_api(
    org_a, manager, colleague, partnership, client_as, api_as
):
    page = reverse("stock-overview", args=["alpha", partnership.pk])
    client = client_as(manager)
    levels = {"unit": "PCE", "safety_stock": "10", "reorder_point": "20"}
    assert client.post(page, {"item": "MAT-1", **levels, "owner": ""}).status_code == 302
    with tenant_scope(org_a):
        assert StockPolicy.objects.get(item="MAT-1").owner == manager  # the creator
    assert client.post(page, {"item": "MAT-1", **levels, "owner": colleague.pk}).status_code == 302
    assert client.post(page, {"item": "MAT-1", **levels, "owner": ""}).status_code == 302
    with tenant_scope(org_a):
        policy = StockPolicy.objects.get(item="MAT-1")
    assert policy.owner == colleague  # an empty picker keeps the item's owner
    assert "Cora Colleague" in client.get(page).content.decode()
    api = api_as(manager, org_a)
    moved = api.patch(f"{API}/stock-policies/{policy.pk}/", {"owner": manager.pk}, format="json")
    assert moved.status_code == 200 and moved.json()["owner"] == manager.pk


# -- late forecasts ------------------------------------------------------------------------------

WEEK_AFTER = datetime(2026, 4, 8, 9, 0, tzinfo=UTC)  # a week after the first version


@pytest.fixture
def versioned(org_a, manager, forecast):
    with tenant_scope(org_a):
        services.forecast_version_add(
            forecast=forecast, actor=manager, now=WEEK_AFTER - timedelta(days=7),
            lines=[["MAT-1", "2026-05", "100"]],
        )  # fmt: skip
        forecast.refresh_from_db()
    return forecast


def _late_notices(org_a):
    with tenant_scope(org_a):
        return list(
            Notification.objects.filter(title__contains="is late").values_list("recipient", "title")
        )


def test_a_weekly_forecast_is_late_the_moment_its_week_has_passed(org_a, manager, versioned):
    with tenant_scope(org_a):
        assert services.forecasts_late_check(now=WEEK_AFTER) == 0  # due now, not yet late
        assert services.forecasts_late_check(now=WEEK_AFTER + timedelta(seconds=1)) == 1
    assert _late_notices(org_a) == [
        (manager.pk, "Alder drive-train: forecast “Bearings 2026” is late")
    ]
    with tenant_scope(org_a):
        notice = Notification.objects.get(title__contains="is late")
    assert notice.body == (
        "Version 1 is of 01 Apr 2026; updates are agreed every week, so the next was due on "
        "08 Apr 2026."
    )
    assert notice.url == reverse("forecast-detail", args=["alpha", versioned.pk])


def test_a_monthly_forecast_has_its_month_and_one_awaiting_its_first_version_is_not_late(
    org_a, manager, partnership, versioned
):
    with tenant_scope(org_a):
        services.forecast_update(forecast=versioned, actor=manager, update_frequency="monthly")
        services.forecast_create(
            partnership=partnership, title="Awaited", update_frequency="weekly", actor=manager
        )
        month = WEEK_AFTER - timedelta(days=7) + timedelta(days=31)
        assert services.forecasts_late_check(now=month) == 0
        assert services.forecasts_late_check(now=month + timedelta(seconds=1)) == 1


def test_a_late_forecast_is_told_once_per_missed_update(org_a, manager, versioned):
    later = WEEK_AFTER + timedelta(days=1)
    with tenant_scope(org_a):
        services.forecasts_late_check(now=later)
        services.forecasts_late_check(now=later + timedelta(days=1))
        assert len(_late_notices(org_a)) == 1
        services.forecast_version_add(
            forecast=versioned, actor=manager, now=later, lines=[["MAT-1", "2026-05", "90"]]
        )
        assert services.forecasts_late_check(now=later + timedelta(days=3)) == 0
        assert services.forecasts_late_check(now=later + timedelta(days=8)) == 1
    assert len(_late_notices(org_a)) == 2  # the second version's missed update is news


def test_a_late_forecast_whose_owner_left_is_told_to_the_partnerships_owner(
    org_a, manager, colleague, partnership, versioned
):
    with tenant_scope(org_a):
        services.forecast_update(forecast=versioned, actor=manager, owner=colleague)
    colleague.memberships.update(is_active=False)
    with tenant_scope(org_a):
        services.forecasts_late_check(now=WEEK_AFTER + timedelta(days=1))
    assert [user for user, _ in _late_notices(org_a)] == [partnership.owner_id]


def test_another_organizations_late_forecast_is_not_reported(org_a, org_b, versioned):
    with tenant_scope(org_b):
        assert services.forecasts_late_check(now=WEEK_AFTER + timedelta(days=1)) == 0
    assert _late_notices(org_a) == []


def test_the_late_forecast_job_runs_daily_for_every_organization(settings, org_a, versioned):
    from integrations import tasks

    entries = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "integrations.tasks.forecasts_late_check_all_tenants" in entries
    tasks.forecasts_late_check(
        organization_id=org_a.pk, now=(WEEK_AFTER + timedelta(days=1)).isoformat()
    )
    assert len(_late_notices(org_a)) == 1


# -- pinned after the mutation run of integrations.forecasts -------------------------------------


def test_a_forecast_whose_owner_left_is_still_renamed_and_keeps_its_owner(
    org_a, manager, colleague, forecast
):
    with tenant_scope(org_a):
        services.forecast_update(forecast=forecast, actor=manager, owner=colleague)
    colleague.memberships.update(is_active=False)
    with tenant_scope(org_a):
        services.forecast_update(forecast=forecast, actor=manager, title="Bearings 2027")
        stored = DemandForecast.objects.get(pk=forecast.pk)
    assert (stored.title, stored.owner) == ("Bearings 2027", colleague)


def test_a_forecasts_unit_is_cleared_with_none_and_its_title_never_is(org_a, manager, forecast):
    with tenant_scope(org_a):
        services.forecast_update(forecast=forecast, actor=manager, unit=None)
        with pytest.raises(ValidationError) as no_title:
            services.forecast_update(forecast=forecast, actor=manager, title=None)
        stored = DemandForecast.objects.get(pk=forecast.pk)
    assert (stored.title, stored.unit) == ("Bearings 2026", "")
    assert set(no_title.value.message_dict) == {"title"}


def test_a_title_taken_in_another_partnership_is_free_in_this_one(
    org_a, manager, partnership, forecast
):
    from tests.partnerships.factories import PartnershipFactory

    with tenant_scope(org_a):
        elsewhere = PartnershipFactory(organization=org_a, owner=manager, name="Birch axles")
        services.forecast_create(partnership=elsewhere, title="Gears", actor=manager)
        services.forecast_update(forecast=forecast, actor=manager, title="Gears")
        assert DemandForecast.objects.get(pk=forecast.pk).title == "Gears"


def test_a_late_forecast_is_told_to_its_own_owner_before_the_partnerships(
    org_a, manager, colleague, versioned
):
    with tenant_scope(org_a):
        services.forecast_update(forecast=versioned, actor=manager, owner=colleague)
        services.forecasts_late_check(now=WEEK_AFTER + timedelta(days=1))
    assert [user for user, _ in _late_notices(org_a)] == [colleague.pk]


def test_a_late_forecast_nobody_keeps_is_told_to_the_admins(
    org_a, manager, colleague, make_member, versioned
):
    admin = make_member(org_a, Role.ORG_ADMIN, email="admin@alpha.test")
    with tenant_scope(org_a):
        services.forecast_update(forecast=versioned, actor=manager, owner=colleague)
    colleague.memberships.update(is_active=False)
    manager.memberships.update(is_active=False)  # the partnership's owner left too
    with tenant_scope(org_a):
        assert services.forecasts_late_check(now=WEEK_AFTER + timedelta(days=1)) == 1
    assert [user for user, _ in _late_notices(org_a)] == [admin.pk]


def _late_forecast(org_a, partnership, title, owner):
    with tenant_scope(org_a):
        forecast = services.forecast_create(
            partnership=partnership, title=title, update_frequency="weekly", actor=owner
        )
        services.forecast_version_add(
            forecast=forecast, actor=owner, now=WEEK_AFTER - timedelta(days=7),
            lines=[["MAT-2", "2026-05", "5"]],
        )  # fmt: skip
    return forecast


def test_every_late_forecast_is_reported_and_counted(org_a, manager, partnership):
    _late_forecast(org_a, partnership, "Bearings", manager)
    _late_forecast(org_a, partnership, "Gears", manager)
    with tenant_scope(org_a):
        assert services.forecasts_late_check(now=WEEK_AFTER + timedelta(days=1)) == 2
    assert sorted(title for _, title in _late_notices(org_a)) == [
        "Alder drive-train: forecast “Bearings” is late",
        "Alder drive-train: forecast “Gears” is late",
    ]


def test_a_late_forecast_nobody_can_be_told_of_does_not_stop_the_others(
    org_a, manager, colleague, partnership
):
    from tests.partnerships.factories import PartnershipFactory

    with tenant_scope(org_a):
        orphaned = PartnershipFactory(organization=org_a, owner=colleague, name="Birch axles")
    _late_forecast(org_a, orphaned, "Axles", colleague)  # the lower pk: looked at first
    _late_forecast(org_a, partnership, "Gears", manager)
    colleague.memberships.update(is_active=False)  # and the organization has no admin
    with tenant_scope(org_a):
        assert services.forecasts_late_check(now=WEEK_AFTER + timedelta(days=1)) == 1
    assert _late_notices(org_a) == [(manager.pk, "Alder drive-train: forecast “Gears” is late")]
