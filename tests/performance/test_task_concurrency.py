"""Tasks that write a file or an event are safe to deliver twice at once (issue 9, defect 10)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from performance import services, tasks
from performance.models import ScorecardReport
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent
from tests.performance.factories import TODAY


@pytest.mark.django_db(transaction=True)
def test_the_scorecard_pdf_task_delivered_twice_at_once_renders_once(
    org_a, manager, scenario, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    with tenant_scope(org_a):
        services.measurement_record(
            actor=manager,
            kpi=scenario["otd"],
            period_start=date(2025, 1, 1),
            value=Decimal("94"),
            today=TODAY,
            now=timezone.now(),
        )
        report = services.report_request(
            partnership=scenario["partnership"], period_start=date(2025, 1, 1), actor=manager
        )
    kwargs = {"organization_id": org_a.pk, "report_id": report.pk}
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def deliver(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = tasks.scorecard_report_generate.apply(kwargs=kwargs).get()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == ["done", "done"]
    files = list(tmp_path.rglob("*.pdf"))
    assert len(files) == 1, files  # no orphan file from a second render
    with tenant_scope(org_a):
        report = ScorecardReport.objects.get()
        assert report.file.name.endswith(files[0].name)
        generated = AuditEvent.objects.filter(action="performance.scorecard_report.generated")
        assert generated.count() == 1
