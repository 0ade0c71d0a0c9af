"""A crosswalk re-processing is a job: its status moves through JOB_LIFECYCLE (queued → running →
succeeded, failed by the task base class) under the job's row lock. A delivery finds a queued
job (or one left running by a dead worker) and finishes it; a finished job, succeeded or failed,
is never started again, so a late delivery cannot undo a failure the user was told about."""

from datetime import UTC, datetime

import pytest

from integrations import services
from integrations.models import CrosswalkReprocess
from tenancy.context import tenant_scope
from tenancy.jobs import JOB_LIFECYCLE, job_fail
from tests.integrations.factories import (
    CodeMappingFactory,
    CrosswalkReprocessFactory,
    EdiDocumentFactory,
    EdiDocumentLineFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _reprocess(org, job):
    with tenant_scope(org):
        return services.crosswalk_reprocess(job_id=job.pk, clock=lambda: NOW)


def _waiting_line(org, partnership):
    document = EdiDocumentFactory(organization=org, partnership=partnership, order_reference="")
    CodeMappingFactory(
        organization=org, partnership=partnership, kind="material", partner_code="SUP-1",
        our_code="MAT-1",
    )  # fmt: skip
    return EdiDocumentLineFactory(
        organization=org, document=document, gtin="", buyer_item_code="",
        seller_item_code="SUP-1",
    )  # fmt: skip


def _buyer_code(org, line):
    with tenant_scope(org):
        line.refresh_from_db()
    return line.buyer_item_code


def test_the_job_states_are_the_field_choices():
    states = set(JOB_LIFECYCLE.transitions).union(*JOB_LIFECYCLE.transitions.values())
    assert states == {value for value, _ in CrosswalkReprocess._meta.get_field("status").choices}


@pytest.mark.parametrize("status", ["queued", "running"])
def test_a_queued_job_or_one_left_running_by_a_dead_worker_runs_to_success(
    org_a, partnership, status
):
    line = _waiting_line(org_a, partnership)
    job = CrosswalkReprocessFactory(
        organization=org_a, partnership=partnership, status=status, result=None
    )
    done = _reprocess(org_a, job)
    assert (done.status, done.progress, done.started_at, done.finished_at) == (
        "succeeded",
        100,
        NOW,
        NOW,
    )
    assert _buyer_code(org_a, line) == "MAT-1"


def test_a_failed_reprocessing_delivered_again_stays_failed_and_changes_nothing(org_a, partnership):
    line = _waiting_line(org_a, partnership)
    job = CrosswalkReprocessFactory(
        organization=org_a, partnership=partnership, status="queued", result=None
    )
    with tenant_scope(org_a):
        assert job_fail(model=CrosswalkReprocess, pk=job.pk, reason="Stopped 3 times.", now=NOW)
    again = _reprocess(org_a, job)
    assert (again.status, again.error, again.started_at, again.result) == (
        "failed",
        "Stopped 3 times.",
        None,
        None,
    )
    assert _buyer_code(org_a, line) == ""


def test_a_succeeded_reprocessing_delivered_again_keeps_its_result(org_a, partnership):
    line = _waiting_line(org_a, partnership)
    job = CrosswalkReprocessFactory(
        organization=org_a, partnership=partnership, status="succeeded", result={"lines": 4}
    )
    again = _reprocess(org_a, job)
    assert (again.status, again.result, again.started_at) == ("succeeded", {"lines": 4}, None)
    assert _buyer_code(org_a, line) == ""
