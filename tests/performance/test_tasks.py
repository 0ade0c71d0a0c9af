"""Every performance job runs twice with the same result; the breach check also in a real worker."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from pypdf import PdfReader

from performance import services, tasks
from performance.models import ScorecardReport, SlaBreach
from tenancy.context import tenant_scope
from tenancy.models import Notification
from tests.performance.factories import TODAY, ActionItemFactory, QbrAttendeeFactory, QbrFactory


def record(manager, kpi, month, value):
    services.measurement_record(
        actor=manager,
        kpi=kpi,
        period_start=month,
        value=Decimal(value),
        today=TODAY,
        now=timezone.now(),
    )


@pytest.mark.django_db
def test_the_breach_check_task_twice_creates_the_breaches_once(org_a, manager, scenario):
    with tenant_scope(org_a):
        record(manager, scenario["otd"], date(2025, 1, 1), "90")
    kwargs = {"organization_id": org_a.pk, "period_from": "2025-01-01", "period_to": "2025-03-01"}
    first = tasks.sla_breach_check.apply(kwargs=kwargs).get()
    second = tasks.sla_breach_check.apply(kwargs=kwargs).get()
    assert first["breaches_created"] == 1 and second["breaches_created"] == 0
    with tenant_scope(org_a):
        assert SlaBreach.objects.count() == 1
        assert Notification.objects.filter(recipient=manager).count() == 1


@pytest.mark.django_db
def test_the_monthly_pdf_batch_twice_renders_each_partnership_once(
    org_a, manager, scenario, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.TASKS_INLINE = True
    settings.MEDIA_ROOT = tmp_path
    with tenant_scope(org_a):
        record(manager, scenario["otd"], date(2025, 1, 1), "94")
        record(manager, scenario["defects"], date(2025, 1, 1), "100")
    kwargs = {"organization_id": org_a.pk, "period_start": "2025-01-01"}
    with django_capture_on_commit_callbacks(execute=True):  # the PDFs are enqueued on commit
        assert tasks.scorecard_reports_monthly.apply(kwargs=kwargs).get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.scorecard_reports_monthly.apply(kwargs=kwargs).get() == 0
    with tenant_scope(org_a):
        report = ScorecardReport.objects.get()
        assert report.status == "done" and report.progress == 100
        text = " ".join(p.extract_text() for p in PdfReader(BytesIO(report.file.read())).pages)
    assert (
        "Score: 62.5" in text and "Per-criterion breakdown" in text and "On-time delivery" in text
    )


@pytest.mark.django_db
def test_qbr_and_overdue_action_reminders_are_sent_once(org_a, manager, scenario):
    with tenant_scope(org_a):
        qbr = QbrFactory(
            organization=org_a,
            partnership=scenario["partnership"],
            scheduled_at=timezone.now() + timedelta(days=2),
        )
        QbrAttendeeFactory(organization=org_a, qbr=qbr, user=manager)
        ActionItemFactory(
            organization=org_a,
            partnership=scenario["partnership"],
            owner=manager,
            due_date=timezone.now().date() - timedelta(days=1),
        )
    assert tasks.qbr_reminders.apply(kwargs={"organization_id": org_a.pk}).get() == 2
    assert tasks.qbr_reminders.apply(kwargs={"organization_id": org_a.pk}).get() == 0
    with tenant_scope(org_a):
        titles = sorted(
            Notification.objects.filter(recipient=manager).values_list("title", flat=True)
        )
    assert titles[0].startswith("Overdue action") and titles[1].startswith("QBR Q")


@pytest.mark.django_db
def test_the_qbr_ical_invitation_names_the_attendees(org_a, manager, scenario):
    with tenant_scope(org_a):
        qbr = services.qbr_schedule(
            actor=manager,
            partnership=scenario["partnership"],
            quarter=date(2025, 4, 1),
            scheduled_at=timezone.now() + timedelta(days=10),
            attendees=[manager],
        )
        ical = services.qbr_ical(qbr=qbr).decode().replace("\r\n ", "")
    assert "BEGIN:VEVENT" in ical and "mailto:manager@alpha.test" in ical
    assert "Scorecard review" in ical and "METHOD:REQUEST" in ical


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_breach_check_runs_in_a_real_worker_idempotently(
    celery_worker_process, org_a, manager, scenario
):
    with tenant_scope(org_a):
        record(manager, scenario["otd"], date(2025, 2, 1), "92")
        record(manager, scenario["otd"], date(2025, 3, 1), "97")
    kwargs = {"organization_id": org_a.pk, "period_from": "2025-01-01", "period_to": "2025-06-01"}
    first = tasks.sla_breach_check.delay(**kwargs).get(timeout=30)
    second = tasks.sla_breach_check.delay(**kwargs).get(timeout=30)
    assert first["breaches_created"] == 1 and second["breaches_created"] == 0
    with tenant_scope(org_a):
        breach = SlaBreach.objects.get()
    assert breach.period_start == date(2025, 2, 1) and breach.service_credit == Decimal("500.00")


# 2025-01-31 12:00 UTC is already 1 February at 02:00 on Kiritimati (UTC+14).
LAST_HOURS_OF_JANUARY_IN_UTC = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_the_scheduled_jobs_count_the_month_in_the_organizations_time_zone(
    org_a, manager, scenario, monkeypatch
):
    org_a.time_zone = "Pacific/Kiritimati"
    org_a.save(update_fields=["time_zone"])
    with tenant_scope(org_a):
        record(manager, scenario["otd"], date(2025, 2, 1), "90")  # February's figure breaches
    monkeypatch.setattr(timezone, "now", lambda: LAST_HOURS_OF_JANUARY_IN_UTC)
    # No period given (as the daily and monthly schedules call them): the organization's own.
    checked = tasks.sla_breach_check.apply(kwargs={"organization_id": org_a.pk}).get()
    assert tasks.scorecard_reports_monthly.apply(kwargs={"organization_id": org_a.pk}).get() == 1
    assert checked["breaches_created"] == 1  # February is this month on Kiritimati
    with tenant_scope(org_a):
        assert SlaBreach.objects.get().period_start == date(2025, 2, 1)
        assert ScorecardReport.objects.get().period_start == date(2025, 1, 1)  # last month


@pytest.mark.django_db
def test_sla_breach_check_recent_checks_three_months_back_to_this_one_in_local_time(
    org_a, manager, scenario
):
    import zoneinfo

    with tenant_scope(org_a):
        for month in (date(2024, 10, 1), date(2024, 11, 1), date(2025, 2, 1), date(2025, 3, 1)):
            record(manager, scenario["otd"], month, "90")
        with timezone.override(zoneinfo.ZoneInfo("Pacific/Kiritimati")):
            result = services.sla_breach_check_recent(now=LAST_HOURS_OF_JANUARY_IN_UTC)
        checked = sorted(SlaBreach.objects.values_list("period_start", flat=True))
    assert result.breaches_created == 2  # November to February: Kiritimati is in February
    assert checked == [date(2024, 11, 1), date(2025, 2, 1)]


@pytest.mark.django_db
def test_reports_last_month_batch_takes_last_month_in_local_time(org_a, manager, scenario):
    import zoneinfo

    with tenant_scope(org_a):
        with timezone.override(zoneinfo.ZoneInfo("Pacific/Kiritimati")):
            reports = services.reports_last_month_batch(now=LAST_HOURS_OF_JANUARY_IN_UTC)
        assert [r.period_start for r in reports] == [date(2025, 1, 1)]
