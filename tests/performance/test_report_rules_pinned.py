"""Scorecard report rules pinned against the mutants that survived `make mutation`
(docs/mutation.md): what a request stores and audits, a running report left alone, what a
generated report keeps (its file's name, time, progress, audit), a failed render recorded in
words, and the monthly batch (active partnerships only, once per month). The PDF itself is
rendered by `performance.pdf` (tested in test_pdf.py); here it is replaced by a stub."""

from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile

from partnerships.models import Partnership
from performance import services
from performance.models import Scorecard, ScorecardReport
from tenancy.context import tenant_scope
from tenancy.jobs import job_progress_key
from tenancy.models import AuditEvent
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import ScorecardReportFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 4, 3, 7, 30, tzinfo=UTC)
PDF = b"%PDF-1.4 stub"


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


SEEN_DURING_RENDER = {}


def _stub_render(*, partnership, period_start, progress):
    """What the render sees: the progress already shown and the report's stored status."""
    report = ScorecardReport.objects.get(partnership=partnership, period_start=period_start)
    key = job_progress_key(report)
    SEEN_DURING_RENDER.update(progress=cache.get(key), status=report.status)
    progress(50)
    return PDF


@pytest.fixture
def stub_pdf():
    with mock.patch("performance.pdf.render_scorecard_pdf", side_effect=_stub_render) as stub:
        yield stub


def test_a_request_is_stored_for_the_month_queued_and_audited(org_a, manager, scenario):
    with tenant_scope(org_a):
        report = services.report_request(
            partnership=scenario["partnership"], period_start=date(2025, 3, 17), actor=manager
        )
        stored = ScorecardReport.objects.get()
        assert stored.pk == report.pk
        assert (stored.organization, stored.partnership, stored.period_start) == (
            org_a,
            scenario["partnership"],
            date(2025, 3, 1),
        )
        assert (stored.status, stored.progress, stored.error, stored.requested_by) == (
            "queued",
            0,
            "",
            manager,
        )
        [event] = _events("performance.scorecard_report.requested")
        assert event.actor == manager
        assert (event.object_type, event.object_id) == (
            "performance.scorecardreport",
            str(report.pk),
        )


def test_a_failed_report_requested_again_is_queued_afresh_by_its_new_requester(
    org_a, manager, make_member, scenario
):
    other = make_member(org_a, email="ops@alpha.test")
    with tenant_scope(org_a):
        failed = ScorecardReportFactory(
            organization=org_a,
            partnership=scenario["partnership"],
            period_start=date(2025, 3, 1),
            status="failed",
            progress=40,
            error="OSError: disk full",
            requested_by=manager,
        )
        services.report_request(
            partnership=scenario["partnership"], period_start=date(2025, 3, 1), actor=other
        )
        stored = ScorecardReport.objects.get(pk=failed.pk)
        assert (stored.status, stored.progress, stored.error, stored.requested_by) == (
            "queued",
            0,
            "",
            other,
        )
        # The monthly job (no one) keeps the person who asked last.
        services.report_request(
            partnership=scenario["partnership"], period_start=date(2025, 3, 1), actor=None
        )
        assert ScorecardReport.objects.get(pk=failed.pk).requested_by == other
        assert ScorecardReport.objects.count() == 1
        assert len(_events("performance.scorecard_report.requested")) == 2


def test_a_running_report_requested_again_is_left_running_and_not_audited(org_a, manager, scenario):
    with tenant_scope(org_a):
        running = ScorecardReportFactory(
            organization=org_a,
            partnership=scenario["partnership"],
            period_start=date(2025, 3, 1),
            status="running",
            progress=40,
        )
        again = services.report_request(
            partnership=scenario["partnership"], period_start=date(2025, 3, 1), actor=manager
        )
        assert again.pk == running.pk
        stored = ScorecardReport.objects.get(pk=running.pk)
        assert (stored.status, stored.progress) == ("running", 40)
        assert not _events("performance.scorecard_report.requested")


def test_a_generated_report_keeps_its_named_file_time_and_full_progress(
    org_a, manager, scenario, stub_pdf
):
    with tenant_scope(org_a):
        report = services.report_request(
            partnership=scenario["partnership"], period_start=date(2025, 3, 1), actor=manager
        )
        ScorecardReport.objects.filter(pk=report.pk).update(error="old")
        report.refresh_from_db()
        assert services.report_run(report=report, now=NOW) == "done"
        stored = ScorecardReport.objects.get(pk=report.pk)
        code = scenario["partnership"].code
        assert stored.file.name == (
            f"performance/scorecards/scorecard-{org_a.pk}-{report.pk}-{code}-2025-03.pdf"
        )
        assert stored.file.read() == PDF
        assert (stored.status, stored.progress, stored.generated_at, stored.error) == (
            "done",
            100,
            NOW,
            "",
        )
        assert cache.get(job_progress_key(report)) == 100
        # While it renders, the report reads as running and 5 % done.
        assert SEEN_DURING_RENDER == {"progress": 5, "status": "running"}
        [event] = _events("performance.scorecard_report.generated")
        assert (event.actor, event.object_id) == (None, str(report.pk))
        stub_pdf.assert_called_once_with(
            partnership=scenario["partnership"],
            period_start=date(2025, 3, 1),
            progress=mock.ANY,
        )


def test_a_report_marked_done_without_a_file_is_generated_again(org_a, manager, scenario, stub_pdf):
    with tenant_scope(org_a):
        report = ScorecardReportFactory(
            organization=org_a,
            partnership=scenario["partnership"],
            period_start=date(2025, 3, 1),
            status="done",
            file=None,
        )
        assert services.report_run(report=report, now=NOW) == "done"
        assert ScorecardReport.objects.get(pk=report.pk).file.read() == PDF
        assert stub_pdf.call_count == 1


def test_regenerating_replaces_the_old_file_and_an_orphan_under_the_same_name(
    org_a, manager, scenario, stub_pdf
):
    with tenant_scope(org_a):
        report = ScorecardReportFactory(
            organization=org_a,
            partnership=scenario["partnership"],
            period_start=date(2025, 3, 1),
            status="failed",
        )
        old_name = report.file.name
        storage = report.file.storage
        name = f"scorecard-{org_a.pk}-{report.pk}-{scenario['partnership'].code}-2025-03.pdf"
        orphan = storage.save(f"performance/scorecards/{name}", ContentFile(b"half"))
        services.report_run(report=report, now=NOW)
        stored = ScorecardReport.objects.get(pk=report.pk)
        assert stored.file.name == orphan  # written over the orphan, not beside it
        assert stored.file.read() == PDF
        assert not storage.exists(old_name)


def test_a_failed_render_is_recorded_in_words_and_its_cause_logged(
    org_a, manager, scenario, caplog
):
    with tenant_scope(org_a):
        report = services.report_request(
            partnership=scenario["partnership"], period_start=date(2025, 3, 1), actor=manager
        )
        boom = RuntimeError("x" * 600)
        with mock.patch("performance.pdf.render_scorecard_pdf", side_effect=boom):
            assert services.report_run(report=report, now=NOW) == "failed"
        stored = ScorecardReport.objects.get(pk=report.pk)
        assert stored.status == "failed"
        assert stored.error == (
            "The PDF could not be made. The details are logged for support. Try again."
        )
        [logged] = [r for r in caplog.records if r.name == "performance.services.reports"]
        assert logged.getMessage() == f"scorecard report {report.pk} failed"
        assert logged.exc_info[1] is boom
        assert not stored.file
        assert not _events("performance.scorecard_report.generated")


def test_the_monthly_batch_queues_each_active_partnership_once(org_a, manager, scenario, stub_pdf):
    with tenant_scope(org_a):
        PartnershipFactory(organization=org_a, status=Partnership.Status.CLOSED)
        # Listed first whatever the order (by name or by id): the ones after it still count.
        done = PartnershipFactory(organization=org_a, name="AAA done")
        ScorecardReportFactory(
            organization=org_a, partnership=done, period_start=date(2025, 3, 1), status="done"
        )
        february = PartnershipFactory(organization=org_a, name="ZZZ done in February")
        ScorecardReportFactory(
            organization=org_a,
            partnership=february,
            period_start=date(2025, 2, 1),
            status="done",
        )
        failed = PartnershipFactory(organization=org_a, name="ZZZZ failed in March")
        ScorecardReportFactory(
            organization=org_a, partnership=failed, period_start=date(2025, 3, 1), status="failed"
        )
        queued = services.reports_monthly_batch(period_start=date(2025, 3, 20), now=NOW)
        assert sorted((r.partnership.name, r.period_start, r.status) for r in queued) == [
            ("Alder drive-train", date(2025, 3, 1), "queued"),
            ("ZZZ done in February", date(2025, 3, 1), "queued"),
            ("ZZZZ failed in March", date(2025, 3, 1), "queued"),
        ]
        assert {r.requested_by for r in queued} == {None}
        computed = Scorecard.objects.get(
            partnership=scenario["partnership"], period_start=date(2025, 3, 1)
        )
        assert computed.computed_at == NOW  # the task's moment, passed down
        assert not Scorecard.objects.filter(partnership=done).exists()


def test_report_generate_stores_the_pdf_stamped_with_the_moment_given(
    org_a, manager, scenario, stub_pdf
):
    with tenant_scope(org_a):
        report = ScorecardReportFactory(
            organization=org_a,
            partnership=scenario["partnership"],
            period_start=date(2025, 3, 1),
            status="running",
            file=None,
            error="an earlier failure",
        )
        generated = services.report_generate(report=report, now=NOW)
        stored = ScorecardReport.objects.get(pk=report.pk)
        assert stored == generated
        assert (stored.status, stored.progress, stored.generated_at, stored.error) == (
            "done",
            100,
            NOW,
            "",
        )
        assert stored.file.read() == PDF
        assert cache.get(job_progress_key(report)) == 100
        [event] = _events("performance.scorecard_report.generated")
        assert (event.actor, event.object_id) == (None, str(report.pk))
