"""Forecast and inventory sync: shared demand forecasts with versions (who changed what, when)
and their agreed update frequency; safety stock and reorder points per item; stock positions
from the feeds alert the owner once per crossing; the integration test page replays a sample
feed (nothing kept) and shows its sync lag."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations import services
from integrations.models import ForecastVersion, StockPosition
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import Notification, Role

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
API = "/api/v1/o/alpha"


def test_each_version_keeps_who_changed_what_and_when(org_a, manager, forecast):
    with tenant_scope(org_a):
        first = services.forecast_version_add(
            forecast=forecast, actor=manager, now=NOW,
            lines=[["MAT-1", "2026-05", "100"], ["MAT-1", "2026-06", "120"]],
        )  # fmt: skip
        second = services.forecast_version_add(
            forecast=forecast, actor=manager, now=NOW + timedelta(days=7), note="Promotion",
            lines=[["MAT-1", "2026-05", "100"], ["MAT-1", "2026-06", "150"],
                   ["MAT-2", "2026-06", "10"]],
        )  # fmt: skip
        forecast.refresh_from_db()
    assert (first.number, second.number, forecast.current_version) == (1, 2, 2)
    assert second.changes == [
        {"item": "MAT-1", "period": "2026-06", "before": "120", "after": "150"},
        {"item": "MAT-2", "period": "2026-06", "before": None, "after": "10"},
    ]
    assert second.created_by == manager and second.created_at == NOW + timedelta(days=7)
    # The agreed frequency: the next version is due a week after the last.
    assert services.forecast_update_due(forecast) == NOW + timedelta(days=14)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "at least one line"),
        ([["MAT-1", "2026-13", "1"]], "YYYY-MM"),
        ([["MAT-1", "2026-05", "-1"]], "0 or more"),
        ([["MAT-1", "2026-05", "lots"]], "not a quantity"),
        ([["", "2026-05", "1"]], "item is missing"),
        ([["MAT-1", "2026-05", "1"], ["MAT-1", "2026-05", "2"]], "twice"),
        ([["MAT-1"]], "item, month and quantity"),
    ],
)
def test_a_version_with_a_bad_line_is_refused_with_the_line(
    org_a, manager, forecast, lines, message
):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.forecast_version_add(forecast=forecast, actor=manager, lines=lines, now=NOW)
    assert message in " ".join(refused.value.message_dict["lines"])


def test_a_version_that_changes_nothing_is_refused(org_a, manager, forecast):
    lines = [["MAT-1", "2026-05", "100"]]
    with tenant_scope(org_a):
        services.forecast_version_add(forecast=forecast, actor=manager, lines=lines, now=NOW)
        with pytest.raises(ConflictError):
            services.forecast_version_add(forecast=forecast, actor=manager, lines=lines, now=NOW)
        assert ForecastVersion.objects.count() == 1


def _feed(org, partnership, *positions, at=NOW):
    with tenant_scope(org):
        return services.stock_positions_record(
            partnership=partnership, now=at,
            positions=[{"item": i, "quantity": q, "as_of": a} for i, q, a in positions],
        )  # fmt: skip


def test_a_position_crossing_the_reorder_point_or_the_safety_stock_alerts_once(
    org_a, manager, partnership
):
    with tenant_scope(org_a):
        services.stock_policy_set(
            partnership=partnership, item="MAT-1", safety_stock="50", reorder_point="100",
            unit="PCE", actor=manager,
        )  # fmt: skip
    hour = timedelta(hours=1)
    first = _feed(org_a, partnership, ("MAT-1", "400", NOW - 3 * hour), ("MAT-1", "90", NOW - hour))
    assert [p.level for p in first.positions] == ["ok", "reorder"] and first.alerts == 1
    again = _feed(org_a, partnership, ("MAT-1", "80", NOW), at=NOW + hour)
    assert again.alerts == 0  # still below the reorder point: no new alert
    worse = _feed(org_a, partnership, ("MAT-1", "20", NOW + hour), at=NOW + 2 * hour)
    assert worse.positions[0].level == "safety" and worse.alerts == 1
    with tenant_scope(org_a):
        titles = sorted(Notification.objects.values_list("title", flat=True))
    assert titles == [
        "Alder drive-train: MAT-1 at or below its reorder point",
        "Alder drive-train: MAT-1 at or below its safety stock",
    ]
    assert first.max_lag == 3 * hour  # the oldest was measured three hours before receipt


def test_a_policy_keeps_the_safety_stock_at_or_below_the_reorder_point(org_a, manager, partnership):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.stock_policy_set(
            partnership=partnership, item="MAT-1", safety_stock="150", reorder_point="100",
            actor=manager,
        )  # fmt: skip
    assert "safety_stock" in refused.value.message_dict
    with tenant_scope(org_a), pytest.raises(ValidationError):
        services.stock_policy_set(
            partnership=partnership, item="MAT-1", safety_stock="x", reorder_point="1",
            actor=manager,
        )  # fmt: skip


def test_the_replay_page_shows_levels_and_sync_lag_and_keeps_nothing(
    org_a, manager, partnership, client_as
):
    with tenant_scope(org_a):
        services.stock_policy_set(
            partnership=partnership, item="MAT-100877", safety_stock="40", reorder_point="100",
            actor=manager,
        )  # fmt: skip
    client = client_as(manager)
    url = reverse("stock-replay", args=["alpha", partnership.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"MAT-100231" in page.content  # the sample, ready
    sample = services.stock_feed_sample(now=datetime.now(UTC))
    result = client.post(url, {"content": sample})
    html = result.content.decode()
    assert result.status_code == 200 and 'data-testid="replay-result"' in html
    assert "4 position(s) read · 1 alert(s)" in html and 'data-testid="max-lag">6:' in html
    with tenant_scope(org_a):
        assert not StockPosition.objects.exists() and not Notification.objects.exists()
    bad = client.post(url, {"content": "sku;qty\nA;1"})
    assert bad.status_code == 400


def test_forecast_pages_and_a_guest_reading_them(
    org_a, manager, partnership, forecast, make_member, client_as
):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=guest, actor=None)
    client = client_as(manager)
    detail = reverse("forecast-detail", args=["alpha", forecast.pk])
    saved = client.post(detail, {"lines": "MAT-1, 2026-05, 100\nMAT-2, 2026-05, 5", "note": ""})
    assert saved.status_code == 302
    assert client.post(detail, {"lines": "MAT-1, 2026-13, 1"}).status_code == 400
    listed = client.get(reverse("forecast-list", args=["alpha", partnership.pk]))
    assert b"Bearings 2026" in listed.content
    guest_client = client_as(guest)
    page = guest_client.get(detail)
    assert (
        page.status_code == 200 and b"MAT-2" in page.content and b"New version" not in page.content
    )
    assert guest_client.post(detail, {"lines": "MAT-1, 2026-05, 1"}).status_code == 404
    stock = guest_client.get(reverse("stock-overview", args=["alpha", partnership.pk]))
    assert stock.status_code == 404


def test_the_api_shares_forecasts_and_takes_stock_positions(
    org_a, manager, api_as, partnership, forecast
):
    api = api_as(manager, org_a)
    url = f"{API}/forecasts/{forecast.pk}/versions/"
    created = api.post(url, {"lines": [["MAT-1", "2026-05", "100"]]}, format="json")
    assert created.status_code == 201 and created.json()["number"] == 1
    assert api.post(url, {"lines": [["MAT-1", "2026-05", "100"]]}, format="json").status_code == 409
    assert api.get(url).json()["results"][0]["lines"] == [["MAT-1", "2026-05", "100"]]
    policy = api.post(
        f"{API}/stock-policies/",
        {"partnership": partnership.pk, "item": "MAT-1", "safety_stock": "10",
         "reorder_point": "20"},
        format="json",
    )  # fmt: skip
    assert policy.status_code == 201, policy.content
    fed = api.post(
        f"{API}/stock-positions/",
        {"partnership": partnership.pk,
         "positions": [{"item": "MAT-1", "quantity": "15", "as_of": "2026-04-01T08:00:00Z"}]},
        format="json",
    )  # fmt: skip
    assert fed.status_code == 201 and fed.json()[0]["level"] == "reorder"
    empty = api.post(f"{API}/stock-positions/", {"partnership": partnership.pk, "positions": []},
                     format="json")  # fmt: skip
    assert empty.status_code == 400


def test_a_feed_reads_the_items_last_levels_in_one_query_however_many_items(
    org_a, manager, partnership, django_assert_num_queries
):
    hour = timedelta(hours=1)

    def feed_of(count, at):
        positions = [(f"MAT-{n}", "500", at - hour) for n in range(count)]
        return _feed(org_a, partnership, *positions, at=at)

    feed_of(3, NOW)  # each item has a level on record now
    with CaptureQueriesContext(connection) as few:
        feed_of(3, NOW + hour)
    with CaptureQueriesContext(connection) as many:
        feed_of(30, NOW + 2 * hour)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_last_level_is_each_items_latest_position(org_a, manager, partnership):
    with tenant_scope(org_a):
        for item in ("MAT-1", "MAT-2"):
            services.stock_policy_set(
                partnership=partnership, item=item, safety_stock="50", reorder_point="100",
                unit="PCE", actor=manager,
            )  # fmt: skip
    hour = timedelta(hours=1)
    # MAT-1 was at its reorder point in its latest position, MAT-2 only in an older one.
    _feed(org_a, partnership, ("MAT-1", "400", NOW - 3 * hour), ("MAT-1", "90", NOW - 2 * hour),
          ("MAT-2", "90", NOW - 3 * hour), ("MAT-2", "400", NOW - 2 * hour), at=NOW)  # fmt: skip
    again = _feed(org_a, partnership, ("MAT-1", "80", NOW), ("MAT-2", "80", NOW), at=NOW + hour)
    assert again.alerts == 1  # MAT-2 crosses again; MAT-1 stays below, no new alert


def test_a_forecasts_months_read_in_words_on_its_page(org_a, manager, forecast, client_as):
    client = client_as(manager)
    detail = reverse("forecast-detail", args=["alpha", forecast.pk])
    client.post(detail, {"lines": "MAT-1, 2026-05, 100", "note": ""})
    client.post(detail, {"lines": "MAT-1, 2026-05, 90\nMAT-1, 2026-12, 10", "note": ""})
    page = client.get(detail).content.decode()
    lines = page.split('data-testid="forecast-lines"', 1)[1].split("</table>", 1)[0]
    assert "<td>May 2026</td>" in lines and "<td>Dec 2026</td>" in lines
    assert "2026-05" not in page and "2026-12" not in page
    assert "MAT-1 May 2026: 100.00 → 90.00" in page
    assert "MAT-1 Dec 2026: added 10.00" in page
