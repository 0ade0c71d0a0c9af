"""The upload path: the message is stored as received, the task reads it (twice changes nothing),
and it runs in a real worker too."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from integrations import services, tasks
from integrations.models import EdiDocument, EdiDocumentLine
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent
from tests.integrations import samples


def _receive(org, partnership, actor, content):
    with tenant_scope(org):
        return services.edi_document_receive(
            partnership=partnership,
            content=content,
            filename="po.edi",
            actor=actor,
            now=timezone.now(),
        )


@pytest.mark.django_db
def test_a_received_upload_is_kept_unread_and_its_reading_enqueued_after_commit(
    org_a, partnership, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document, created = _receive(org_a, partnership, manager, samples.edifact())
    assert created and document.status == "received" and len(callbacks) == 1
    with tenant_scope(org_a):
        assert not EdiDocumentLine.objects.exists()
        assert services.edi_document_progress(document) == 0
        assert AuditEvent.objects.filter(action="integrations.edi_document.received").exists()


@pytest.mark.django_db
def test_the_task_reads_the_message_and_a_second_run_changes_nothing(org_a, partnership, manager):
    document, _ = _receive(org_a, partnership, manager, samples.edifact(unt_count=1))
    kwargs = {"organization_id": org_a.pk, "document_id": document.pk}
    assert tasks.edi_document_process.apply(kwargs=kwargs).get() == "accepted"
    assert tasks.edi_document_process.apply(kwargs=kwargs).get() == "accepted"
    with tenant_scope(org_a):
        document.refresh_from_db()
        assert (document.line_count, document.error_count) == (3, 1)
        assert EdiDocumentLine.objects.count() == 3
        assert services.edi_document_progress(document) == 100
        actions = list(
            AuditEvent.objects.filter(object_id=str(document.pk)).values_list("action", flat=True)
        )
    assert actions == ["integrations.edi_document.received", "integrations.edi_document.accepted"]


@pytest.mark.django_db
def test_an_upload_is_received_at_the_moment_passed_in_and_read_by_the_clock_passed_in(
    org_a, partnership, manager
):
    received = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    started, finished = received + timedelta(minutes=1), received + timedelta(minutes=1, seconds=4)
    with tenant_scope(org_a):
        document, _ = services.edi_document_receive(
            partnership=partnership, content=samples.edifact(), actor=manager, now=received
        )
        services.edi_document_process(
            document_id=document.pk, clock=iter([started, finished]).__next__
        )
        document.refresh_from_db()
    assert document.status == "accepted"
    assert (document.received_at, document.started_at, document.finished_at) == (
        received,
        started,
        finished,
    )


@pytest.mark.django_db
def test_the_task_rejects_an_unreadable_upload_and_keeps_it(org_a, partnership, manager):
    document, _ = _receive(org_a, partnership, manager, samples.GARBAGE)
    status = tasks.edi_document_process.apply(
        kwargs={"organization_id": org_a.pk, "document_id": document.pk}
    ).get()
    assert status == "rejected"
    with tenant_scope(org_a):
        document.refresh_from_db()
        assert bytes(document.content) == samples.GARBAGE and document.error


@pytest.mark.django_db
def test_a_resent_upload_is_the_document_already_received_and_enqueues_nothing(
    org_a, partnership, manager, django_capture_on_commit_callbacks
):
    first, _ = _receive(org_a, partnership, manager, samples.edifact())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again, created = _receive(org_a, partnership, manager, samples.edifact())
    assert not created and again.pk == first.pk and callbacks == []


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_upload_is_read_by_a_real_worker(celery_worker_process, org_a, partnership, manager):
    document, _ = _receive(org_a, partnership, manager, samples.edifact(kind="invoice"))
    result = tasks.edi_document_process.delay(organization_id=org_a.pk, document_id=document.pk)
    assert result.get(timeout=30) == "accepted"
    with tenant_scope(org_a):
        document = EdiDocument.objects.get(pk=document.pk)
        assert document.line_count == 3 and document.doc_type == "invoice"


@pytest.mark.django_db
def test_a_task_delivered_past_the_limit_rejects_the_document_with_a_reason_the_user_sees(
    org_a, partnership, manager, client_as, settings
):
    """A worker killed while reading (out of memory, hard time limit) redelivers the task; after
    TASK_MAX_DELIVERIES deliveries it is not run again and the page says why."""
    from django.urls import reverse

    from tenancy.tasks import delivery_count

    settings.TASK_MAX_DELIVERIES = 3
    document, _ = _receive(org_a, partnership, manager, samples.edifact())
    task_id = f"edi-poison-{uuid.uuid4()}"
    for _ in range(3):  # three deliveries whose worker died before acknowledging
        delivery_count(task_id)
    result = tasks.edi_document_process.apply(
        kwargs={"organization_id": org_a.pk, "document_id": document.pk}, task_id=task_id
    )
    assert result.get() is None  # the body did not run a fourth time
    with tenant_scope(org_a):
        document.refresh_from_db()
        assert document.status == "rejected" and document.finished_at is not None
        assert not EdiDocumentLine.objects.exists()
        assert AuditEvent.objects.filter(action="integrations.edi_document.rejected").exists()
    assert "Processing stopped 3 times" in document.error
    page = client_as(manager).get(reverse("edi-document-detail", args=["alpha", document.pk]))
    assert "Processing stopped 3 times" in page.content.decode()


@pytest.mark.django_db
def test_a_task_within_the_limit_still_runs(org_a, partnership, manager, settings):
    from tenancy.tasks import delivery_count

    settings.TASK_MAX_DELIVERIES = 3
    document, _ = _receive(org_a, partnership, manager, samples.edifact())
    task_id = f"edi-redelivered-{uuid.uuid4()}"
    for _ in range(2):
        delivery_count(task_id)
    result = tasks.edi_document_process.apply(
        kwargs={"organization_id": org_a.pk, "document_id": document.pk}, task_id=task_id
    )
    assert result.get() == "accepted"


@pytest.mark.django_db
def test_an_uploaded_interchange_stores_every_message_each_read_and_checked_on_its_own(
    org_a, partnership, manager, client_as
):
    from django.urls import reverse

    content = samples.interchange_of_three()
    document, _ = _receive(org_a, partnership, manager, content)
    kwargs = {"organization_id": org_a.pk, "document_id": document.pk}
    assert tasks.edi_document_process.apply(kwargs=kwargs).get() == "accepted"
    assert tasks.edi_document_process.apply(kwargs=kwargs).get() == "accepted"  # no-op
    with tenant_scope(org_a):
        stored = list(EdiDocument.objects.order_by("message_index"))
        first, second, third = stored
        codes = {d.message_index: set(d.findings.values_list("code", flat=True)) for d in stored}
        lines = {d.message_index: d.lines.count() for d in stored}
    assert [d.message_index for d in stored] == [1, 2, 3]
    assert (first.document_number, first.status, first.interchange_id) == (
        "PO-1001", "accepted", None,
    )  # fmt: skip
    assert "unread_messages" not in codes[1]
    assert (second.document_number, second.doc_type, second.interchange_id) == (
        "INV-7", "invoice", first.pk,
    )  # fmt: skip
    assert "price_differs" in codes[2]  # compared with the order of the same interchange
    assert third.status == "rejected" and "lots" in third.error and lines[3] == 0
    assert (lines[1], lines[2]) == (len(samples.ORDER_ITEMS), len(samples.ORDER_ITEMS))
    page = client_as(manager).get(reverse("edi-document-detail", args=["alpha", first.pk]))
    assert b'data-testid="further-messages"' in page.content and b"INV-7" in page.content
    original = client_as(manager).get(reverse("edi-document-original", args=["alpha", third.pk]))
    assert b"".join(original.streaming_content if original.streaming else [original.content]) == (
        content
    )
