"""Performance page actions are one URL each (docs/adding-a-module.md, "POST actions"): no form
posts a hidden `action` field, a detail page takes no POST, and a step the service refuses goes
back to the page it belongs to with the reason."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from performance import services
from performance.models import ActionItem, Qbr, RootCauseAnalysis
from tenancy.context import tenant_scope
from tests.page_forms import form_as_sent
from tests.performance.factories import TODAY

pytestmark = pytest.mark.django_db


def test_no_performance_template_dispatches_on_a_hidden_action_field():
    folder = Path(settings.BASE_DIR) / "templates" / "performance"
    offenders = [p.name for p in folder.glob("*.html") if 'name="action"' in p.read_text()]
    assert offenders == []


def test_detail_pages_take_no_post(org_a, manager, scenario, client_as):
    with tenant_scope(org_a):
        measurement = services.measurement_record(
            actor=manager,
            kpi=scenario["otd"],
            period_start=date(2025, 3, 1),
            value=Decimal("97"),
            today=TODAY,
            now=timezone.now(),
        )
        rca = services.rca_create(actor=manager, partnership=scenario["partnership"], problem="x")
    pid = scenario["partnership"].pk
    client = client_as(manager)
    for url in (
        reverse("performance-measurement-edit", args=["alpha", pid, measurement.pk]),
        reverse("partnership-qbrs", args=["alpha", pid]),
        reverse("performance-rca", args=["alpha", rca.pk]),
    ):
        assert client.post(url, {"action": "delete", "reason": "x"}).status_code == 405, url
    with tenant_scope(org_a):
        assert type(measurement).objects.filter(pk=measurement.pk).exists()


def test_minutes_and_action_items_are_posted_to_their_own_qbr(org_a, manager, scenario, client_as):
    pid = scenario["partnership"].pk
    client = client_as(manager)
    client.post(reverse("performance-qbr-schedule", args=["alpha", pid]), {"year": "2026"})
    with tenant_scope(org_a):
        first, second = Qbr.objects.order_by("scheduled_at")[:2]
    page = client.post(
        reverse("performance-qbr-record", args=["alpha", pid, second.pk]),
        {"minutes": "Reviewed Q2", "decisions": "Second source"},
        follow=True,
    )
    assert page.redirect_chain == [(reverse("partnership-qbrs", args=["alpha", pid]), 302)]
    assert "Minutes saved." in page.content.decode()
    missing = client.post(
        reverse("performance-qbr-action-add", args=["alpha", pid, first.pk]), {}, follow=True
    )
    # The service's words, as the API would give them.
    assert "Give the action a title. Give the action a due date." in missing.content.decode()
    client.post(
        reverse("performance-qbr-action-add", args=["alpha", pid, first.pk]),
        {"title": "Send the forecast", "due_date": "2026-03-31"},
    )
    with tenant_scope(org_a):
        second.refresh_from_db()
        assert second.status == Qbr.Status.HELD and second.minutes == "Reviewed Q2"
        assert ActionItem.objects.get().qbr == first
        first.refresh_from_db()
        assert first.status == Qbr.Status.SCHEDULED


def test_a_refused_scorecard_step_returns_to_its_month_with_the_reason(
    manager, scenario, client_as, published
):
    scorecard = published
    url = reverse("performance-scorecard-publish", args=["alpha", scorecard.pk])
    page = client_as(manager).post(url, follow=True)
    month = reverse("partnership-performance", args=["alpha", scenario["partnership"].pk])
    assert page.redirect_chain == [
        (reverse("performance-scorecard", args=["alpha", scorecard.pk]), 302),
        (month + "?period=2025-03", 302),
    ]
    assert "This scorecard is already published." in page.content.decode()


def test_an_appeal_is_resolved_only_under_its_own_partnership(
    org_a, manager, scenario, client_as, published
):
    from tests.partnerships.factories import PartnershipFactory

    scorecard = published
    with tenant_scope(org_a):
        appeal = services.scorecard_appeal_raise(
            scorecard=scorecard, actor=manager, criterion_code="otd_pct", comment="Wrong"
        )
        other = PartnershipFactory(organization=org_a, owner=manager)
    client = client_as(manager)
    body = {"decision": "reject", "resolution": "Figures confirmed"}
    wrong = reverse("performance-appeal-resolve", args=["alpha", other.pk, appeal.pk])
    assert client.post(wrong, body).status_code == 404
    right = reverse(
        "performance-appeal-resolve", args=["alpha", scenario["partnership"].pk, appeal.pk]
    )
    assert client.post(right, body).status_code == 302
    with tenant_scope(org_a):
        appeal.refresh_from_db()
        assert appeal.status == "rejected"


def test_a_page_counts_days_in_the_organizations_time_zone_not_in_utc(
    org_a, manager, scenario, client_as
):
    """An action item's suggested due date is 30 days from the organization's today. The zone is
    picked so that its day differs from UTC's whenever the test runs (UTC+14 from 10:00 UTC,
    UTC-11 before)."""
    now = timezone.now()
    zone = "Pacific/Kiritimati" if now.hour >= 10 else "Pacific/Pago_Pago"
    type(org_a).objects.filter(pk=org_a.pk).update(time_zone=zone)
    local_today = timezone.localtime(now, ZoneInfo(zone)).date()
    assert local_today != now.date()
    page = client_as(manager).get(
        reverse("partnership-qbrs", args=["alpha", scenario["partnership"].pk])
    )
    due = page.context["action_form"].initial["due_date"]
    assert due == local_today + timedelta(days=30)


def test_a_kpis_definition_is_corrected_on_its_page_and_its_code_stays(org_a, owner, client_as):
    from performance.models import Kpi
    from tenancy.models import AuditEvent
    from tests.performance.factories import KpiFactory

    with tenant_scope(org_a):
        kpi = KpiFactory(organization=org_a, code="otd", name="On-time delivery")
        partnership = kpi.partnership
    client = client_as(owner)
    url = reverse("performance-kpi-edit", args=["alpha", partnership.pk, kpi.pk])
    tab = client.get(reverse("partnership-performance", args=["alpha", partnership.pk]))
    assert url in tab.content.decode()
    page = client.get(url)
    assert page.status_code == 200 and 'name="code"' not in page.content.decode()
    form = {
        "name": "On-time delivery (OTIF)",
        "perspective": "operational",
        "unit": "%",
        "direction": "higher_is_better",
        "target": "97",
        "amber_threshold": "",
        "red_threshold": "92",
        "weight": "2",
        "frequency": "monthly",
        "source": "manual",
        "formula": "",
        "valid_min": "",
        "valid_max": "",
        "description": "",
        "is_active": "on",
        "code": "renamed",  # not a field of the page: ignored
    }
    assert client.post(url, {**form, "weight": "-1"}).status_code == 400
    assert client.post(url, form).status_code == 302
    with tenant_scope(org_a):
        stored = Kpi.objects.get(pk=kpi.pk)
        event = AuditEvent.objects.get(action="performance.kpi.updated")
    assert (stored.code, stored.name, stored.target, stored.weight) == (
        "otd",
        "On-time delivery (OTIF)",
        Decimal("97"),
        Decimal("2"),
    )
    assert event.actor == owner and event.changes["target"] == ["98.0000", "97"]


def test_the_five_whys_typed_when_opening_an_analysis_are_kept(org_a, manager, scenario, client_as):
    url = reverse("performance-rca-create", args=["alpha", scenario["partnership"].pk])
    page = client_as(manager).post(
        url, {"problem": "Late deliveries", "five_whys": "Trucks late\n\nNo buffer stock\n"}
    )
    assert page.status_code == 302
    with tenant_scope(org_a):
        rca = RootCauseAnalysis.objects.get()
    assert (rca.problem, rca.five_whys) == ("Late deliveries", ["Trucks late", "No buffer stock"])


def test_an_analysis_opened_with_six_whys_is_refused_and_not_opened(
    org_a, manager, scenario, client_as
):
    url = reverse("performance-rca-create", args=["alpha", scenario["partnership"].pk])
    page = client_as(manager).post(
        url, {"problem": "Late deliveries", "five_whys": "\n".join("abcdef")}
    )
    assert page.status_code == 400
    assert "Five whys are at most 5 answers; this has 6." in page.content.decode()
    with tenant_scope(org_a):
        assert not RootCauseAnalysis.objects.exists()


def test_a_held_qbrs_minutes_stay_when_its_decisions_are_added_on_the_page(
    org_a, manager, scenario, client_as
):
    pid = scenario["partnership"].pk
    client = client_as(manager)
    client.post(reverse("performance-qbr-schedule", args=["alpha", pid]), {"year": "2026"})
    with tenant_scope(org_a):
        qbr = Qbr.objects.order_by("scheduled_at").first()
        services.qbr_record(qbr=qbr, actor=manager, minutes="Reviewed Q1 & the <forecast>")
    record = reverse("performance-qbr-record", args=["alpha", pid, qbr.pk])
    page = client.get(reverse("partnership-qbrs", args=["alpha", pid])).content.decode()
    shown = form_as_sent(page, record)
    assert shown["minutes"] == "Reviewed Q1 & the <forecast>"
    assert client.post(record, {**shown, "decisions": "Second source"}).status_code == 302
    with tenant_scope(org_a):
        qbr.refresh_from_db()
    assert (qbr.minutes, qbr.decisions) == ("Reviewed Q1 & the <forecast>", "Second source")
