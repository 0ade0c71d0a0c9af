"""A contract intake whose worker keeps dying fails with a reason, instead of looping forever."""

import uuid

import pytest

from contracts import tasks
from contracts.detection import DocumentError, extract_text
from tenancy.context import tenant_scope
from tenancy.tasks import delivery_count
from tests.contracts.factories import IntakeJobFactory
from tests.tenancy.test_uploads import _docx

pytestmark = pytest.mark.django_db


def test_an_intake_delivered_past_the_limit_is_failed_with_a_reason(org_a, settings):
    settings.TASK_MAX_DELIVERIES = 2
    with tenant_scope(org_a):
        job = IntakeJobFactory(organization=org_a)
    task_id = f"intake-poison-{uuid.uuid4()}"
    delivery_count(task_id)
    delivery_count(task_id)
    tasks.intake_process.apply(
        kwargs={"organization_id": org_a.pk, "job_id": job.pk}, task_id=task_id
    )
    with tenant_scope(org_a):
        job.refresh_from_db()
    assert job.status == "failed" and job.agreement is None
    assert job.error.startswith("Processing stopped 2 times")


def test_a_docx_bomb_uploaded_for_intake_fails_with_the_size_in_the_message():
    bomb = _docx(b"<a>" + b"<b>x</b>" * (8 * 1024 * 1024) + b"</a>")
    with pytest.raises(DocumentError, match=r"bomb.docx unpacks to [\d.,]+ MB"):
        extract_text(bomb, "bomb.docx")
