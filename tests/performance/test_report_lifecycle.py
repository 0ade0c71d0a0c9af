"""A scorecard PDF report's status moves through REPORT_LIFECYCLE under its row lock: a request
queues it again unless it is running; the task runs it from queued, from failed, from done when
its file is missing, and again when it was left running; only a running report is rendered
(ready) or fails. The PDF itself is replaced by a stub (test_pdf.py renders it)."""

from datetime import UTC, date, datetime
from unittest import mock

import pytest

from performance import services
from performance.models import REPORT_LIFECYCLE, ScorecardReport
from tenancy.context import tenant_scope
from tenancy.errors import TransitionNotAllowed
from tenancy.models import AuditEvent
from tests.performance.factories import ScorecardReportFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 4, 3, 7, 30, tzinfo=UTC)
MARCH = date(2025, 3, 1)
PDF = b"%PDF-1.4 stub"


@pytest.fixture
def stub_pdf(media):
    with mock.patch("performance.pdf.render_scorecard_pdf", return_value=PDF) as stub:
        yield stub


def _report(org, scenario, status, **fields):
    return ScorecardReportFactory(
        organization=org, partnership=scenario["partnership"], period_start=MARCH,
        status=status, **fields,
    )  # fmt: skip


def _request(scenario, actor):
    return services.report_request(
        partnership=scenario["partnership"], period_start=MARCH, actor=actor
    )


def _stored(report):
    return ScorecardReport.objects.get(pk=report.pk)


def test_the_lifecycle_is_the_field_choices_and_what_the_request_and_the_task_do():
    states = set(REPORT_LIFECYCLE.transitions).union(*REPORT_LIFECYCLE.transitions.values())
    assert states == {value for value, _ in ScorecardReport.Status.choices}
    assert REPORT_LIFECYCLE.transitions == {
        "queued": {"queued", "running"},
        "running": {"running", "done", "failed"},
        "done": {"queued", "running"},
        "failed": {"queued", "running"},
    }


def test_a_running_report_is_not_queued_again_by_a_new_request(org_a, manager, scenario, media):
    with tenant_scope(org_a):
        running = _report(org_a, scenario, "running", progress=40)
        again = _request(scenario, manager)
        assert again.pk == running.pk
        assert (_stored(running).status, _stored(running).progress) == ("running", 40)
        assert not AuditEvent.objects.filter(action="performance.scorecard_report.requested")


@pytest.mark.parametrize("status", ["done", "failed", "queued"])
def test_a_ready_failed_or_queued_report_requested_again_is_queued_afresh(
    org_a, manager, scenario, media, status
):
    with tenant_scope(org_a):
        report = _report(org_a, scenario, status, progress=70, error="before")
        _request(scenario, manager)
        stored = _stored(report)
        assert (stored.status, stored.progress, stored.error) == ("queued", 0, "")


def test_only_a_running_report_is_rendered(org_a, manager, scenario, stub_pdf):
    with tenant_scope(org_a):
        report = _request(scenario, manager)
        with pytest.raises(TransitionNotAllowed) as refused:
            services.report_generate(report=report, now=NOW)
        assert refused.value.message == (
            "A scorecard report cannot go from “queued” to “ready”. "
            "From “queued” it can go to “generating” or “queued”."
        )
        stored = _stored(report)
        assert (stored.status, bool(stored.file)) == ("queued", False)
        stub_pdf.assert_not_called()


def test_a_report_left_running_is_rendered_when_its_task_runs_again(
    org_a, manager, scenario, stub_pdf
):
    with tenant_scope(org_a):
        report = _report(org_a, scenario, "running", file=None, progress=40)
        assert services.report_run(report=report, now=NOW) == "done"
        stored = _stored(report)
        assert (stored.status, stored.progress, stored.file.read()) == ("done", 100, PDF)


def test_a_failed_report_run_again_is_rendered(org_a, manager, scenario, stub_pdf):
    with tenant_scope(org_a):
        report = _report(org_a, scenario, "failed", file=None, error="The PDF could not be made.")
        assert services.report_run(report=report, now=NOW) == "done"
        stored = _stored(report)
        assert (stored.status, stored.error) == ("done", "")


def test_a_queued_report_is_running_while_it_renders_then_ready(org_a, manager, scenario, media):
    seen = []

    def render(*, partnership, period_start, progress):
        seen.append(ScorecardReport.objects.get(partnership=partnership).status)
        return PDF

    with tenant_scope(org_a):
        report = _request(scenario, manager)
        with mock.patch("performance.pdf.render_scorecard_pdf", side_effect=render):
            assert services.report_run(report=report, now=NOW) == "done"
        assert seen == ["running"]
        assert _stored(report).status == "done"


def test_a_report_whose_render_fails_is_failed_in_words(org_a, manager, scenario, media):
    with tenant_scope(org_a):
        report = _request(scenario, manager)
        with mock.patch("performance.pdf.render_scorecard_pdf", side_effect=OSError("disk")):
            assert services.report_run(report=report, now=NOW) == "failed"
        stored = _stored(report)
        assert (stored.status, stored.error) == (
            "failed",
            "The PDF could not be made. The details are logged for support. Try again.",
        )


def test_a_report_whose_worker_keeps_dying_is_failed_with_a_reason_in_words(org_a, settings):
    """Before, the report task named no job: past the redelivery limit it was dropped and the
    report stayed "Generating" for ever."""
    import uuid

    from performance import tasks
    from tenancy.tasks import delivery_count

    settings.TASK_MAX_DELIVERIES = 2
    with tenant_scope(org_a):
        report = ScorecardReportFactory(organization=org_a, status="running", file=None)
    task_id = f"report-poison-{uuid.uuid4()}"
    delivery_count(task_id)
    delivery_count(task_id)
    tasks.scorecard_report_generate.apply(
        kwargs={"organization_id": org_a.pk, "report_id": report.pk}, task_id=task_id
    )
    with tenant_scope(org_a):
        report.refresh_from_db()
        assert report.status == "failed"
        assert report.error == (
            "Making the PDF stopped 2 times before it could finish, so it was not tried again. "
            "Ask for it again; support can see in the logs why it stopped."
        )
        assert AuditEvent.objects.filter(action="performance.scorecardreport.failed").exists()
