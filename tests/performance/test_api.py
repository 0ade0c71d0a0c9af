"""KPI API: filters, cursor pagination, ETag, CSV export, bulk push; query counts pinned."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from performance import services
from tenancy.context import tenant_scope
from tests.performance.factories import TODAY, MeasurementFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/o/alpha"


def fill(org, scenario, months=12):
    with tenant_scope(org):
        for month in range(1, months + 1):
            MeasurementFactory(
                organization=org,
                kpi=scenario["otd"],
                partnership=scenario["partnership"],
                period_start=date(2024, month, 1),
                value=Decimal("96"),
            )
            MeasurementFactory(
                organization=org,
                kpi=scenario["defects"],
                partnership=scenario["partnership"],
                period_start=date(2024, month, 1),
                value=Decimal("250"),
            )


def test_measurements_filter_by_perspective_kpi_and_date_range(org_a, manager, scenario, api_as):
    fill(org_a, scenario)
    api = api_as(manager, org_a)
    response = api.get(
        f"{BASE}/measurements/",
        {"perspective": "customer", "period_from": "2024-03-01", "period_to": "2024-05-01"},
    )
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["kpi_code"] for r in rows} == {"defects_ppm"}
    assert sorted(r["period_start"] for r in rows) == ["2024-03-01", "2024-04-01", "2024-05-01"]
    by_kpi = api.get(f"{BASE}/measurements/", {"kpi": scenario["otd"].pk}).json()["results"]
    assert len(by_kpi) == 12
    by_partnership = api.get(f"{BASE}/measurements/", {"partnership": 999999}).json()
    assert by_partnership["results"] == []


def test_measurement_pages_follow_the_cursor_without_overlap(org_a, manager, scenario, api_as):
    fill(org_a, scenario)
    api = api_as(manager, org_a)
    first = api.get(f"{BASE}/measurements/", {"page_size": 10}).json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    rows = [r for page in (first, second, third) for r in page["results"]]
    assert len(rows) == 24 and len({r["id"] for r in rows}) == 24
    # Newest period first; the two KPIs of one month (a tie on the period) by id, newest first.
    keys = [(r["period_start"], r["id"]) for r in rows]
    assert keys == sorted(keys, reverse=True)
    assert rows[0]["period_start"] == "2024-12-01" and rows[1]["period_start"] == "2024-12-01"
    assert third["next"] is None and first["previous"] is None


def test_the_previous_link_returns_the_page_before(org_a, manager, scenario, api_as):
    fill(org_a, scenario)
    api = api_as(manager, org_a)
    first = api.get(f"{BASE}/measurements/", {"page_size": 7}).json()
    second = api.get(first["next"]).json()
    back = api.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]
    assert back["previous"] is None and back["next"] is not None


def test_a_cursor_inside_a_date_window_pages_only_that_window(org_a, manager, scenario, api_as):
    fill(org_a, scenario)
    api = api_as(manager, org_a)
    window = {"period_from": "2024-02-01", "period_to": "2024-04-01", "page_size": 4}
    first = api.get(f"{BASE}/measurements/", window).json()
    second = api.get(first["next"]).json()
    periods = [r["period_start"] for page in (first, second) for r in page["results"]]
    assert periods == ["2024-04-01"] * 2 + ["2024-03-01"] * 2 + ["2024-02-01"] * 2
    assert second["next"] is None


@pytest.mark.parametrize("cursor", ["garbage", "eyJwIjogWyJub3QtYS1kYXRlIiwgIjEiXX0=", "e30="])
def test_a_forged_cursor_is_a_404_not_a_500(org_a, manager, scenario, api_as, cursor):
    api = api_as(manager, org_a)
    response = api.get(f"{BASE}/measurements/", {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid cursor."


@pytest.mark.parametrize("rows", [5, 40])
def test_the_measurement_list_query_count_does_not_grow_with_rows(
    org_a, manager, scenario, api_as, django_assert_max_num_queries, rows
):
    fill(org_a, scenario, months=rows // 2 if rows <= 24 else 12)
    api = api_as(manager, org_a)
    with django_assert_max_num_queries(10):
        assert api.get(f"{BASE}/measurements/").status_code == 200
    with django_assert_max_num_queries(10):
        assert api.get(f"{BASE}/sla-breaches/").status_code == 200
    with django_assert_max_num_queries(10):
        assert api.get(f"{BASE}/kpis/").status_code == 200


def test_scorecards_carry_an_etag_and_answer_304_when_unchanged(org_a, manager, scenario, api_as):
    with tenant_scope(org_a):
        services.measurement_record(
            actor=manager,
            kpi=scenario["otd"],
            period_start=date(2025, 1, 1),
            value=Decimal("94"),
            today=TODAY,
            now=timezone.now(),
        )
    api = api_as(manager, org_a)
    response = api.get(f"{BASE}/scorecards/")
    etag = response["ETag"]
    assert response.status_code == 200 and response.json()["results"][0]["total"] == "50.00"
    cached = api.get(f"{BASE}/scorecards/", HTTP_IF_NONE_MATCH=etag)
    assert cached.status_code == 304 and cached.content == b""
    with tenant_scope(org_a):
        services.measurement_record(
            actor=manager,
            kpi=scenario["defects"],
            period_start=date(2025, 1, 1),
            value=Decimal("100"),
            today=TODAY,
            now=timezone.now(),
        )
    changed = api.get(f"{BASE}/scorecards/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    detail = api.get(f"{BASE}/scorecards/{changed.json()['results'][0]['id']}/")
    assert (
        api.get(detail.request["PATH_INFO"], HTTP_IF_NONE_MATCH=detail["ETag"]).status_code == 304
    )


def test_the_csv_export_streams_the_filtered_measurements(org_a, manager, scenario, api_as):
    fill(org_a, scenario, months=3)
    api = api_as(manager, org_a)
    response = api.get(f"{BASE}/measurements/export/", {"kpi": scenario["otd"].pk})
    assert response.status_code == 200 and response.streaming
    lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert (
        lines[0]
        == "id,partnership_id,partnership,kpi_code,perspective,period_start,value,unit,status,"
        "source"
    )
    assert len(lines) == 4
    assert lines[1].split(",")[3:7] == ["otd_pct", "operational", "2024-01-01", "96.0000"]


def test_a_bulk_push_with_one_bad_row_imports_nothing(org_a, manager, scenario, api_as):
    api = api_as(manager, org_a)
    body = {
        "partnership": scenario["partnership"].pk,
        "rows": [
            {"kpi_code": "otd_pct", "period": "2025-01", "value": "97"},
            {"kpi_code": "otd_pct", "period": "2025-02", "value": "ninety"},
        ],
    }
    response = api.post(f"{BASE}/measurements/bulk/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["rows"] == [
        {"row": 2, "message": "value “ninety” is not a number"}
    ]
    assert api.get(f"{BASE}/measurements/").json()["results"] == []
    body["rows"][1]["value"] = "90"
    assert api.post(f"{BASE}/measurements/bulk/", body, format="json").json() == {"created": 2}


def test_another_tenants_kpi_is_not_found(org_a, org_b, manager, outsider, scenario, api_as):
    api = api_as(outsider, org_b)
    assert api.get(f"/api/v1/o/bravo/kpis/{scenario['otd'].pk}/").status_code == 404
    body = {"kpi": scenario["otd"].pk, "period_start": "2025-01-01", "value": "90"}
    response = api.post("/api/v1/o/bravo/measurements/", body, format="json")
    assert response.status_code == 400 and "kpi" in response.json()["error"]["fields"]


def test_a_viewer_cannot_push_measurements(org_a, member, scenario, api_as):
    api = api_as(member, org_a)
    body = {"kpi": scenario["otd"].pk, "period_start": "2025-01-01", "value": "90"}
    assert api.post(f"{BASE}/measurements/", body, format="json").status_code == 403


def test_the_csv_export_of_another_tenant_has_no_rows(org_a, org_b, outsider, scenario, api_as):
    fill(org_a, scenario, months=2)
    api = api_as(outsider, org_b)
    response = api.get("/api/v1/o/bravo/measurements/export/")
    lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert response.status_code == 200 and len(lines) == 1
    assert api.get(f"{BASE}/measurements/export/").status_code == 404


def test_the_measurement_list_renders_what_the_model_serializer_renders(
    org_a, manager, scenario, api_as
):
    from performance.api import MeasurementSerializer
    from performance.models import Measurement

    fill(org_a, scenario, months=3)
    with tenant_scope(org_a):
        Measurement.objects.filter(kpi=scenario["otd"]).update(note="late truck", status="pending")
        expected = MeasurementSerializer(
            Measurement.objects.select_related("kpi").order_by("-id"), many=True
        ).data
    rows = api_as(manager, org_a).get(f"{BASE}/measurements/").json()["results"]
    assert rows == [dict(row) for row in expected] and len(rows) == 6
    assert rows[0]["value"] in ("96.0000", "250.0000") and rows[0]["created_at"].endswith("Z")


def test_deleting_a_kpi_template_is_audited_and_keeps_its_kpis(owner, org_a, api_as):
    from performance.models import Kpi
    from tenancy.context import tenant_scope
    from tenancy.models import AuditEvent
    from tests.performance.factories import KpiFactory, KpiTemplateFactory

    template = KpiTemplateFactory(organization=org_a)
    kpi = KpiFactory(organization=org_a, template=template)
    response = api_as(owner, org_a).delete(f"/api/v1/o/alpha/kpi-templates/{template.pk}/")
    assert response.status_code == 204
    with tenant_scope(org_a):
        assert AuditEvent.objects.filter(
            action="performance.kpi_template.deleted", object_id=str(template.pk)
        ).exists()
        assert Kpi.objects.get(pk=kpi.pk).template_id is None


def test_the_list_renders_a_measurement_exactly_as_its_detail_does(
    org_a, manager, scenario, api_as
):
    fill(org_a, scenario, months=2)
    api = api_as(manager, org_a)
    listed = api.get(f"{BASE}/measurements/").json()["results"]
    for row in listed:
        assert api.get(f"{BASE}/measurements/{row['id']}/").json() == row
    assert listed[0]["value"] in {"96.0000", "250.0000"} and listed[0]["created_at"].endswith("Z")


CLOSED = {"period_from": "2024-01-01", "period_to": "2024-12-01"}


def _closed_query(scenario):
    return {**CLOSED, "partnership": scenario["partnership"].pk}


def test_a_repeat_read_of_closed_periods_is_a_304_without_the_page_query(
    org_a, manager, scenario, api_as
):
    fill(org_a, scenario)
    api = api_as(manager, org_a)
    first = api.get(f"{BASE}/measurements/", _closed_query(scenario))
    assert first.status_code == 200 and len(first.json()["results"]) == 24
    with CaptureQueriesContext(connection) as queries:
        again = api.get(
            f"{BASE}/measurements/", _closed_query(scenario), HTTP_IF_NONE_MATCH=first["ETag"]
        )
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    assert not [q for q in queries if 'FROM "performance_measurement"' in q["sql"]]


def test_a_correction_or_a_renamed_kpi_changes_the_closed_periods_etag(
    org_a, manager, scenario, api_as
):
    fill(org_a, scenario)
    api = api_as(manager, org_a)
    etag = api.get(f"{BASE}/measurements/", _closed_query(scenario))["ETag"]
    with tenant_scope(org_a):
        figure = scenario["otd"].measurements.order_by("period_start").first()
        services.measurement_correct(
            measurement=figure,
            actor=manager,
            value=Decimal("91"),
            reason="Recount",
            now=timezone.now(),
        )
    corrected = api.get(f"{BASE}/measurements/", _closed_query(scenario), HTTP_IF_NONE_MATCH=etag)
    assert corrected.status_code == 200 and corrected["ETag"] != etag
    assert "91.0000" in {row["value"] for row in corrected.json()["results"]}
    etag = corrected["ETag"]
    with tenant_scope(org_a):
        services.kpi_update(kpi=scenario["otd"], actor=manager, code="otd_on_time")
    renamed = api.get(f"{BASE}/measurements/", _closed_query(scenario), HTTP_IF_NONE_MATCH=etag)
    assert renamed.status_code == 200
    assert "otd_on_time" in {row["kpi_code"] for row in renamed.json()["results"]}


def test_open_periods_are_always_read_afresh(org_a, manager, scenario, api_as):
    fill(org_a, scenario)
    api = api_as(manager, org_a)
    open_query = {"partnership": scenario["partnership"].pk}
    response = api.get(f"{BASE}/measurements/", open_query)
    assert response.status_code == 200 and "ETag" not in response
    current = {**open_query, "period_to": timezone.now().date().replace(day=1).isoformat()}
    assert "ETag" not in api.get(f"{BASE}/measurements/", current)


def test_another_member_never_gets_a_304_for_someone_elses_etag(
    org_a, manager, scenario, api_as, make_member
):
    fill(org_a, scenario)
    etag = api_as(manager, org_a).get(f"{BASE}/measurements/", _closed_query(scenario))["ETag"]
    viewer = make_member(org_a, "viewer")
    other = api_as(viewer, org_a).get(
        f"{BASE}/measurements/", _closed_query(scenario), HTTP_IF_NONE_MATCH=etag
    )
    assert other.status_code == 200


def test_a_correction_through_the_api_needs_the_reason_the_page_asks_for(
    org_a, manager, scenario, api_as
):
    fill(org_a, scenario, months=1)
    with tenant_scope(org_a):
        figure = scenario["otd"].measurements.get()
    api = api_as(manager, org_a)
    unexplained = api.patch(f"{BASE}/measurements/{figure.pk}/", {"value": "91"}, format="json")
    assert unexplained.status_code == 400
    assert unexplained.json()["error"]["fields"] == {
        "reason": ["Say why this figure is corrected."]
    }
    corrected = api.patch(
        f"{BASE}/measurements/{figure.pk}/", {"value": "91", "reason": "Recount"}, format="json"
    )
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["value"] == "91.0000"
