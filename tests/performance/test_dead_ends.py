"""What users could not reach before: SLAs created and edited from a page and the API, breaches
closed or waived, RCA/CAPA with owner, due date and effectiveness check, standings, the QBR API,
and KPI templates that prefill the form."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from performance import services
from performance.models import (
    CorrectiveAction,
    Kpi,
    Qbr,
    RootCauseAnalysis,
    Sla,
    SlaBreach,
    StandingBand,
)
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.performance.factories import TODAY, KpiTemplateFactory, SlaBreachFactory

pytestmark = pytest.mark.django_db


def sla_post(scenario, **overrides):
    data = {
        "name": "Defects SLA",
        "kpi": scenario["defects"].pk,
        "target": "100",
        "breach_threshold": "400",
        "window_months": "1",
        "period_fee": "46250.00",
        "currency": "EUR",
        "credit_cap_percent": "10",
        "remediation_days": "30",
        "termination_breach_count": "3",
        "termination_window_months": "6",
        "rca_breach_count": "2",
        "is_active": "on",
        "tiers": "400, 2\n600, 5",
    }
    data.update(overrides)
    return data


def test_an_sla_created_on_its_page_finds_its_breach_and_credit(
    org_a, manager, scenario, client_as
):
    client = client_as(manager)
    url = reverse("performance-sla-create", args=["alpha", scenario["partnership"].pk])
    assert client.get(url).status_code == 200
    response = client.post(url, sla_post(scenario))
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_scope(org_a):
        sla = Sla.objects.get(name="Defects SLA")
        assert [(t.threshold, t.percent_of_fee) for t in sla.tiers.all()] == [
            (Decimal("400"), Decimal("2")),
            (Decimal("600"), Decimal("5")),
        ]
        services.measurement_record(
            actor=manager,
            kpi=scenario["defects"],
            period_start=date(2025, 3, 1),
            value=Decimal("650"),
            today=TODAY,
            now=timezone.now(),
        )
        services.sla_breach_check(
            period_from=date(2025, 3, 1),
            period_to=date(2025, 3, 1),
            now=datetime(2025, 4, 1, tzinfo=UTC),
        )
        breach = SlaBreach.objects.get(sla=sla)
        assert breach.service_credit == Decimal("2312.50")  # 5 % of EUR 46,250.00
    html = client.get(reverse("performance-slas", args=["alpha"])).content.decode()
    assert "EUR 2,312.50" in html and "650 ppm" in html


def test_the_sla_form_keeps_the_input_and_shows_errors_under_fields(manager, scenario, client_as):
    url = reverse("performance-sla-create", args=["alpha", scenario["partnership"].pk])
    response = client_as(manager).post(
        url, sla_post(scenario, breach_threshold="50", tiers="400, 2\n400, 5")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="breach_threshold"' in html and "good side of the target" in html
    assert 'value="46250.00"' in html and "Defects SLA" in html


def test_an_sla_is_edited_from_its_page_and_audited(org_a, manager, scenario, client_as):
    sla = scenario["sla"]
    url = reverse("performance-sla-edit", args=["alpha", sla.pk])
    client = client_as(manager)
    page = client.get(url).content.decode()
    assert "95, 5" in page  # the tiers as typed
    data = sla_post(scenario, name="Delivery SLA", target="98", breach_threshold="96")
    data["tiers"] = "96, 4"
    data["termination_breach_count"] = "2"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_scope(org_a):
        sla.refresh_from_db()
        assert sla.breach_threshold == Decimal("96") and sla.termination_breach_count == 2
        assert [t.threshold for t in sla.tiers.all()] == [Decimal("96")]
        assert sla.kpi_id == scenario["otd"].pk  # the metric stays


def test_a_viewer_cannot_create_an_sla(org_a, make_member, scenario, client_as):
    viewer = make_member(org_a, Role.VIEWER, email="viewer@alpha.test")
    url = reverse("performance-sla-create", args=["alpha", scenario["partnership"].pk])
    assert client_as(viewer).post(url, sla_post(scenario)).status_code == 403


def test_the_api_creates_and_edits_an_sla_with_tiers(org_a, manager, scenario, api_as):
    client = api_as(manager, org_a)
    body = {
        "partnership": scenario["partnership"].pk,
        "kpi": scenario["defects"].pk,
        "name": "Defects SLA",
        "target": "100",
        "breach_threshold": "400",
        "period_fee": "1000.00",
        "termination_breach_count": 3,
        "tiers": [{"threshold": "400", "percent_of_fee": "2"}],
    }
    created = client.post("/api/v1/o/alpha/slas/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["tiers"] == [{"threshold": "400.0000", "percent_of_fee": "2.00"}]
    sla_id = created.json()["id"]
    patched = client.patch(
        f"/api/v1/o/alpha/slas/{sla_id}/",
        {"breach_threshold": "450", "tiers": [{"threshold": "500", "percent_of_fee": "4"}]},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["breach_threshold"] == "450.0000"
    assert patched.json()["tiers"] == [{"threshold": "500.0000", "percent_of_fee": "4.00"}]
    bad = client.patch(
        f"/api/v1/o/alpha/slas/{sla_id}/",
        {"tiers": [{"threshold": "100", "percent_of_fee": "4"}]},
        format="json",
    )
    assert bad.status_code == 400 and "not a breach" in bad.json()["error"]["message"]


def test_a_breach_is_waived_from_the_sla_page_with_a_reason(org_a, manager, scenario, client_as):
    with tenant_scope(org_a):
        breach = SlaBreachFactory(organization=org_a, sla=scenario["sla"])
    client = client_as(manager)
    html = client.get(reverse("performance-slas", args=["alpha"])).content.decode()
    assert "Close or waive" in html
    url = reverse("performance-breach-status", args=["alpha", breach.pk])
    refused = client.post(url, {"status": "waived", "reason": ""}, follow=True)
    assert "Say why the breach is closed or waived." in refused.content.decode()
    with tenant_scope(org_a):
        breach.refresh_from_db()
        assert breach.status == "open"
    response = client.post(url, {"status": "waived", "reason": "Port strike", "next": "/evil"})
    assert response.status_code == 302 and response["Location"].startswith("/o/alpha/")
    with tenant_scope(org_a):
        breach.refresh_from_db()
        assert breach.status == "waived" and breach.status_reason == "Port strike"


def test_an_rca_opened_by_the_breach_check_is_worked_through_on_its_page(
    org_a, manager, scenario, client_as
):
    with tenant_scope(org_a):
        for month in (3, 4):
            services.measurement_record(
                actor=manager,
                kpi=scenario["otd"],
                period_start=date(2025, month, 1),
                value=Decimal("93"),
                today=TODAY,
                now=timezone.now(),
            )
        services.sla_breach_check(
            period_from=date(2025, 3, 1),
            period_to=date(2025, 4, 1),
            now=datetime(2025, 5, 1, tzinfo=UTC),
        )
        rca = RootCauseAnalysis.objects.get()
    client = client_as(manager)
    tab = client.get(reverse("partnership-performance", args=["alpha", scenario["partnership"].pk]))
    url = reverse("performance-rca", args=["alpha", rca.pk])
    assert url in tab.content.decode()
    capas = reverse("performance-capa-add", args=["alpha", rca.pk])
    missing = client.post(capas, {"description": "", "due_date": ""})
    assert missing.status_code == 400 and 'data-field="description"' in missing.content.decode()
    client.post(
        capas,
        {
            "description": "Second shift at the packing line",
            "kind": "corrective",
            "owner": manager.pk,
            "due_date": "2025-06-30",
        },
    )
    with tenant_scope(org_a):
        action = CorrectiveAction.objects.get()
        assert action.owner == manager and action.due_date == date(2025, 6, 30)
    close = reverse("performance-rca-close", args=["alpha", rca.pk])
    early = client.post(close, follow=True)
    assert early.redirect_chain == [(url, 302)]
    assert "Every corrective action must be done" in early.content.decode()
    client.post(reverse("performance-capa-complete", args=["alpha", rca.pk, action.pk]))
    client.post(close)
    client.post(
        reverse("performance-rca-effectiveness", args=["alpha", rca.pk]), {"effective": "yes"}
    )
    with tenant_scope(org_a):
        rca.refresh_from_db()
        assert rca.status == "closed" and rca.effectiveness == "effective"
        assert rca.effectiveness_check_due is not None


def test_the_rca_api_adds_completes_closes_and_checks(org_a, manager, scenario, api_as):
    client = api_as(manager, org_a)
    created = client.post(
        "/api/v1/o/alpha/rcas/",
        {"partnership": scenario["partnership"].pk, "problem": "Late deliveries in Q1"},
        format="json",
    )
    assert created.status_code == 201, created.content
    rid = created.json()["id"]
    capa = client.post(
        f"/api/v1/o/alpha/rcas/{rid}/capa/",
        {"description": "Buffer stock", "due_date": "2025-06-30", "owner": manager.pk},
        format="json",
    )
    assert capa.status_code == 201, capa.content
    assert client.post(f"/api/v1/o/alpha/rcas/{rid}/close/").status_code == 409
    done = client.post(f"/api/v1/o/alpha/rcas/{rid}/capa/{capa.json()['id']}/complete/")
    assert done.status_code == 200 and done.json()["status"] == "done"
    closed = client.post(f"/api/v1/o/alpha/rcas/{rid}/close/")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    checked = client.post(
        f"/api/v1/o/alpha/rcas/{rid}/effectiveness/", {"effective": False}, format="json"
    )
    assert checked.json()["status"] == "capa" and checked.json()["effectiveness"] == (
        "not_effective"
    )
    listed = client.get("/api/v1/o/alpha/rcas/").json()["results"]
    assert [row["id"] for row in listed] == [rid]


def test_the_qbr_api_lists_creates_and_records_minutes(org_a, manager, scenario, api_as):
    client = api_as(manager, org_a)
    body = {
        "partnership": scenario["partnership"].pk,
        "quarter_start": "2025-01-01",
        "scheduled_at": "2025-04-15T10:00:00Z",
        "attendee_ids": [manager.pk, manager.pk],
    }
    created = client.post("/api/v1/o/alpha/qbrs/", body, format="json")
    assert created.status_code == 201, created.content
    assert [a["user"] for a in created.json()["attendees"]] == [manager.pk]
    again = client.post("/api/v1/o/alpha/qbrs/", body, format="json")
    assert again.status_code == 400 and "already exists" in again.json()["error"]["message"]
    qid = created.json()["id"]
    held = client.post(
        f"/api/v1/o/alpha/qbrs/{qid}/minutes/",
        {"minutes": "Reviewed Q1", "decisions": "Add buffer", "attended_user_ids": [manager.pk]},
        format="json",
    )
    assert held.status_code == 200, held.content
    assert held.json()["status"] == "held" and held.json()["attendees"][0]["attended"] is True
    assert [q["id"] for q in client.get("/api/v1/o/alpha/qbrs/").json()["results"]] == [qid]
    with tenant_scope(org_a):
        assert Qbr.objects.get().minutes == "Reviewed Q1"


def test_standings_are_configured_on_their_page(org_a, manager, client_as):
    client = client_as(manager)
    url = reverse("performance-standings", args=["alpha"])
    assert "Preferred" in client.get(url).content.decode()
    form = {
        "band-TOTAL_FORMS": "2",
        "band-INITIAL_FORMS": "0",
        "band-0-name": "Good",
        "band-0-min_score": "60",
        "band-0-max_score": "100",
        "band-0-action": "none",
        "band-1-name": "Bad",
        "band-1-min_score": "0",
        "band-1-max_score": "50",
        "band-1-action": "warn",
    }
    gap = client.post(url, form)
    assert gap.status_code == 400
    with tenant_scope(org_a):
        assert not StandingBand.objects.exists()
    form["band-1-max_score"] = "60"
    assert client.post(url, form).status_code == 302
    with tenant_scope(org_a):
        assert sorted(StandingBand.objects.values_list("name", flat=True)) == ["Bad", "Good"]


def test_choosing_a_kpi_template_prefills_the_form_and_applies_it(
    org_a, manager, scenario, client_as
):
    with tenant_scope(org_a):
        template = KpiTemplateFactory(
            organization=org_a,
            code="fill_rate",
            name="Fill rate",
            perspective="customer",
            unit="%",
            target=Decimal("99"),
            red_threshold=Decimal("90"),
        )
    client = client_as(manager)
    url = reverse("performance-kpi-create", args=["alpha", scenario["partnership"].pk])
    page = client.get(url, {"template": template.pk}).content.decode()
    assert 'value="Fill rate"' in page and 'value="99"' in page
    response = client.post(
        url,
        {
            "template": template.pk,
            "weight": "1",
            "direction": "higher_is_better",
            "frequency": "monthly",
            "source": "manual",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_scope(org_a):
        kpi = Kpi.objects.get(code="fill_rate")
        assert kpi.name == "Fill rate" and kpi.target == Decimal("99") and kpi.template == template
    empty = client.post(url, {"weight": "1"})
    assert empty.status_code == 400
    assert "Required unless you start from a library template" in empty.content.decode()


def test_an_rca_is_edited_until_it_is_closed(org_a, manager, scenario, client_as, api_as):
    with tenant_scope(org_a):
        rca = services.rca_create(
            actor=manager, partnership=scenario["partnership"], problem="Late trucks"
        )
    url = reverse("performance-rca", args=["alpha", rca.pk])
    client = client_as(manager)
    saved = client.post(
        reverse("performance-rca-update", args=["alpha", rca.pk]),
        {"problem": "Late trucks in March", "five_whys": "No slot\n\nNo plan"},
    )
    assert saved.status_code == 302 and saved["Location"] == url
    api = api_as(manager, org_a)
    patched = api.patch(
        f"/api/v1/o/alpha/rcas/{rca.pk}/",
        {"causes": [{"category": "process", "description": "No booking"}]},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    bad = api.patch(
        f"/api/v1/o/alpha/rcas/{rca.pk}/", {"causes": [{"category": "luck"}]}, format="json"
    )
    assert bad.status_code == 400 and "category" in bad.json()["error"]["message"]
    with tenant_scope(org_a):
        rca.refresh_from_db()
        assert rca.problem == "Late trucks in March"
        assert rca.five_whys == ["No slot", "No plan"]
        assert rca.causes == [{"category": "process", "description": "No booking"}]
        action = services.capa_add(
            rca=rca, actor=manager, description="Book slots", due_date=date(2025, 6, 1)
        )
        services.capa_complete(action=action, actor=manager, now=timezone.now())
        services.rca_close(rca=rca, actor=manager, today=date(2025, 6, 2), now=timezone.now())
        assert rca.effectiveness_check_due == date(2025, 8, 31)
    closed = api.patch(f"/api/v1/o/alpha/rcas/{rca.pk}/", {"problem": "x"}, format="json")
    assert closed.status_code == 409
    assert closed.json()["error"]["message"] == "A closed analysis cannot be edited."


def test_publishing_a_scorecard_says_to_whom(org_a, manager, scenario, client_as):
    with tenant_scope(org_a):
        services.measurement_record(
            actor=manager,
            kpi=scenario["otd"],
            period_start=date(2025, 3, 1),
            value=Decimal("97"),
            today=TODAY,
            now=timezone.now(),
        )
        scorecard = services.scorecard_compute(
            partnership=scenario["partnership"], period_start=date(2025, 3, 1), now=timezone.now()
        )
        partner = scenario["partnership"].partner.name
    url = reverse("performance-scorecard-publish", args=["alpha", scorecard.pk])
    page = client_as(manager).post(url, follow=True)
    assert f"Scorecard of March 2025 published to {partner}." in page.content.decode()


def test_an_analysis_opened_through_the_api_keeps_its_causes_and_five_whys(
    org_a, manager, scenario, api_as
):
    client = api_as(manager, org_a)
    created = client.post(
        "/api/v1/o/alpha/rcas/",
        {
            "partnership": scenario["partnership"].pk,
            "problem": "Late deliveries in Q1",
            "causes": [{"category": "process", "description": "No buffer stock"}],
            "five_whys": [" Trucks late ", "", "Single carrier"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["five_whys"] == ["Trucks late", "Single carrier"]
    assert body["causes"] == [{"category": "process", "description": "No buffer stock"}]
    six = client.post(
        "/api/v1/o/alpha/rcas/",
        {"partnership": scenario["partnership"].pk, "problem": "x", "five_whys": list("abcdef")},
        format="json",
    )
    assert six.status_code == 400
    assert six.json()["error"]["fields"]["five_whys"] == [
        "Five whys are at most 5 answers; this has 6."
    ]
