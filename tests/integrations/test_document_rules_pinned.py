"""Document rules pinned in their exact words: what is refused before anything is stored (an
empty message, one over the limit, counted by its bytes or by the size the client declared, the
message named by its file or else "The message"), what a received message stores (the file's
name without its path and cut at 255 characters, its size, fingerprint, channel, who sent it, an
anonymous sender as nobody, when it was received and when its reading started, by the clock
passed in), that a resend, even one that loses the race to the database, is the document
already received, the audit event of each message read (action, actor, changes) and the
notification of a rejected one, the key a message was pushed with; an upload's audit event and
the task it enqueues, the task's reading (once, audited as the uploader, its progress shown at
10 % from the start and cleared at the end). Found by
`make mutation MUTATION_ARGS=integrations.documents`."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from integrations import services
from integrations.models import EdiDocument
from integrations.services import documents
from tenancy.context import tenant_scope
from tenancy.jobs import job_progress_key
from tenancy.models import AuditEvent, Notification
from tests.integrations import samples
from tests.integrations.factories import ConnectorFactory, EdiDocumentFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
SUPPLIER = "4012345000009"


def _clock():
    """T0, then a minute later at each reading."""
    moments = (T0 + n * MINUTE for n in range(100))
    return lambda: next(moments)


def _ingest(org, partnership, content, **kwargs) -> tuple[EdiDocument, bool]:
    values = {"filename": "po.edi", "clock": _clock(), **kwargs}
    with tenant_scope(org):
        return services.edi_document_ingest(partnership=partnership, content=content, **values)


def _refusal(org, partnership, content, **kwargs) -> dict:
    with pytest.raises(ValidationError) as refused:
        _ingest(org, partnership, content, **kwargs)
    with tenant_scope(org):
        assert not EdiDocument.objects.exists()
    return refused.value.message_dict


def _receive(org, partnership, content, **kwargs) -> tuple[EdiDocument, bool]:
    values = {"filename": "upload.edi", "now": T0, **kwargs}
    with tenant_scope(org):
        return services.edi_document_receive(partnership=partnership, content=content, **values)


def _fresh(org, document) -> EdiDocument:
    with tenant_scope(org):
        return EdiDocument.objects.select_related("received_by").get(pk=document.pk)


def _events(org, action=None):
    with tenant_scope(org):
        events = AuditEvent.objects.order_by("sequence")
        if action:
            events = events.filter(action=action)
        return list(events)


# --- what is refused before anything is stored ----------------------------------------------


def test_an_empty_or_blank_message_is_refused_by_its_file_name(org_a, partnership):
    assert _refusal(org_a, partnership, b"", filename="po.edi") == {"file": ["“po.edi” is empty."]}
    assert _refusal(org_a, partnership, b" \n\t", filename="po.edi") == {
        "file": ["“po.edi” is empty."]
    }


def test_a_message_without_a_file_name_is_called_the_message(org_a, partnership):
    assert _refusal(org_a, partnership, b"", filename="") == {"file": ["“The message” is empty."]}


def test_a_message_over_the_limit_is_refused_with_its_size_and_the_limit(
    org_a, partnership, settings
):
    settings.INTEGRATIONS_EDI_MAX_BYTES = 1024
    assert _refusal(org_a, partnership, b"x" * 2048, filename="big.edi") == {
        "file": ["“big.edi” is 2 KB; the limit is 1 KB. Split the interchange."]
    }
    assert _refusal(org_a, partnership, b" " * 1025, filename="") == {
        "file": ["“The message” is 1,025 bytes; the limit is 1,024 bytes. Split the interchange."]
    }


def test_the_size_a_client_declares_counts_when_it_is_larger_than_the_bytes_received(
    org_a, partnership, settings
):
    settings.INTEGRATIONS_EDI_MAX_BYTES = 1024
    assert _refusal(org_a, partnership, samples.edifact(), declared_size=5000) == {
        "file": ["“po.edi” is 4.9 KB; the limit is 1 KB. Split the interchange."]
    }
    # Nothing received and too large declared: the size is what the client is told.
    assert _refusal(org_a, partnership, b"", declared_size=1025) == {
        "file": ["“po.edi” is 1,025 bytes; the limit is 1,024 bytes. Split the interchange."]
    }


def test_a_declared_size_smaller_than_the_bytes_does_not_hide_them(org_a, partnership, settings):
    content = samples.edifact()
    settings.INTEGRATIONS_EDI_MAX_BYTES = len(content) - 1
    refused = _refusal(org_a, partnership, content, declared_size=10)
    assert refused["file"][0].startswith(f"“po.edi” is {len(content):,} bytes; the limit is ")


def test_a_message_of_exactly_the_limit_is_received(org_a, partnership, settings):
    content = samples.edifact()
    settings.INTEGRATIONS_EDI_MAX_BYTES = len(content)
    document, created = _ingest(org_a, partnership, content, declared_size=len(content))
    assert created and document.status == "accepted"


def test_nothing_received_is_empty_even_under_a_tiny_limit(org_a, partnership, settings):
    settings.INTEGRATIONS_EDI_MAX_BYTES = 3
    assert _refusal(org_a, partnership, b"", filename="a.edi") == {"file": ["“a.edi” is empty."]}
    assert _refusal(org_a, partnership, b"", filename="a.edi", declared_size=0) == {
        "file": ["“a.edi” is empty."]
    }


def test_the_limit_is_64_mb_unless_set(settings):
    del settings.INTEGRATIONS_EDI_MAX_BYTES
    assert services.upload_max_bytes() == 64 * 1024 * 1024


# --- what a received message stores ----------------------------------------------------------


def test_an_ingested_message_stores_its_name_size_fingerprint_channel_sender_and_moments(
    org_a, partnership, manager
):
    content = samples.edifact()
    document, created = _ingest(
        org_a, partnership, content, filename="../../in/po-1001.edi", actor=manager,
        received_via=EdiDocument.Channel.FEED,
    )  # fmt: skip
    assert created is True
    stored = _fresh(org_a, document)
    assert (stored.filename, stored.size, bytes(stored.content)) == (
        "po-1001.edi", len(content), content
    )  # fmt: skip
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert (stored.received_via, stored.received_by, stored.status) == ("feed", manager, "accepted")
    assert (stored.organization_id, stored.partnership_id) == (org_a.pk, partnership.pk)
    # Received at the first reading of the clock, read from the second.
    assert (stored.received_at, stored.started_at) == (T0, T0 + MINUTE)
    assert stored.finished_at > stored.started_at


def test_an_ingested_message_comes_through_the_api_by_default(org_a, partnership):
    document, _ = _ingest(org_a, partnership, samples.edifact())
    assert _fresh(org_a, document).received_via == "api"


def test_a_message_given_no_file_name_is_stored_without_one_and_refused_as_the_message(
    org_a, partnership
):
    with tenant_scope(org_a):
        document, _ = services.edi_document_ingest(
            partnership=partnership, content=samples.edifact(), clock=_clock()
        )
        uploaded, _ = services.edi_document_receive(
            partnership=partnership, content=samples.edifact(number="PO-2"), now=T0
        )
    assert (_fresh(org_a, document).filename, _fresh(org_a, uploaded).filename) == ("", "")
    for receive in (services.edi_document_ingest, services.edi_document_receive):
        moment = {"clock": _clock()} if receive is services.edi_document_ingest else {"now": T0}
        with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
            receive(partnership=partnership, content=b" ", **moment)
        assert refused.value.message_dict == {"file": ["“The message” is empty."]}


def test_a_long_file_name_is_cut_at_255_characters(org_a, partnership):
    name = "n" * 300 + ".edi"
    document, _ = _ingest(org_a, partnership, samples.edifact(), filename=f"dir/{name}")
    assert _fresh(org_a, document).filename == name[:255]


def test_a_message_without_a_name_is_stored_without_one(org_a, partnership):
    document, _ = _ingest(org_a, partnership, samples.edifact(), filename="")
    assert _fresh(org_a, document).filename == ""


def test_an_anonymous_or_absent_sender_is_stored_as_nobody(org_a, partnership):
    first, _ = _ingest(org_a, partnership, samples.edifact(), actor=AnonymousUser())
    second, _ = _ingest(org_a, partnership, samples.edifact(number="PO-2"), actor=None)
    assert _fresh(org_a, first).received_by is None
    assert _fresh(org_a, second).received_by is None


def test_a_partnership_of_another_organization_is_refused_on_its_field(org_a, org_b):
    foreign = PartnershipFactory(organization=org_b)
    assert _refusal(org_a, foreign, samples.edifact()) == {
        "partnership": ["No such partnership in this organization."]
    }


# --- a resend ----------------------------------------------------------------------------------


def test_a_resend_is_the_document_already_received_and_changes_nothing(org_a, partnership, manager):
    first, created = _ingest(org_a, partnership, samples.edifact(), actor=manager)
    again, created_again = _ingest(
        org_a, partnership, samples.edifact(), filename="other.edi", actor=None
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.partnership == partnership
    stored = _fresh(org_a, first)
    assert (stored.filename, stored.received_by, stored.received_at) == ("po.edi", manager, T0)
    assert [e.action for e in _events(org_a)] == ["integrations.edi_document.accepted"]


def test_a_resend_is_found_by_its_fingerprint_and_never_attempts_an_insert(org_a, partnership):
    content = samples.edifact()
    first, _ = _ingest(org_a, partnership, content)
    with CaptureQueriesContext(connection) as queries:
        again, created = _ingest(org_a, partnership, content)
    assert (again.pk, created) == (first.pk, False)
    assert not [
        q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")
    ]
    with CaptureQueriesContext(connection) as queries:
        again, created = _receive(org_a, partnership, content)
    assert (again.pk, created) == (first.pk, False)
    assert not [
        q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")
    ]


def test_a_resend_that_loses_the_race_is_the_document_the_other_stored(
    org_a, partnership, monkeypatch
):
    content = samples.edifact()
    first, _ = _ingest(org_a, partnership, content)
    real = documents._existing
    calls = []

    def late(sha256):  # the first look misses it: it was stored meanwhile
        calls.append(sha256)
        return None if len(calls) == 1 else real(sha256)

    monkeypatch.setattr(documents, "_existing", late)
    again, created = _ingest(org_a, partnership, content)
    assert (again.pk, created) == (first.pk, False)
    assert len(calls) == 2
    with tenant_scope(org_a):
        assert EdiDocument.objects.count() == 1


def test_an_integrity_error_of_another_cause_is_raised(org_a, partnership, monkeypatch):
    monkeypatch.setattr(documents, "_existing", lambda sha256: None)

    def broken(self, *args, **kwargs):
        raise IntegrityError("another constraint")

    monkeypatch.setattr(EdiDocument, "save", broken)
    with pytest.raises(IntegrityError, match="another constraint"):
        _ingest(org_a, partnership, samples.edifact())


def test_the_existing_document_is_found_by_the_fingerprint_alone(org_a, partnership):
    content = samples.edifact()
    first, _ = _ingest(org_a, partnership, content)
    with tenant_scope(org_a):
        found = documents._existing(hashlib.sha256(content).hexdigest())
        assert documents._existing("0" * 64) is None
    assert found.pk == first.pk and found.partnership == partnership


# --- audit events and notifications of what was read ---------------------------------------


def test_an_accepted_message_is_audited_with_what_was_read(org_a, partnership, manager):
    content = samples.edifact()
    document, _ = _ingest(org_a, partnership, content, actor=manager)
    [event] = _events(org_a)
    assert (event.action, event.actor, event.object_id) == (
        "integrations.edi_document.accepted", manager, str(document.pk)
    )  # fmt: skip
    assert event.changes == {
        "standard": "edifact", "doc_type": "order", "document_number": "PO-1001",
        "received_via": "api", "filename": "po.edi", "sha256": hashlib.sha256(content).hexdigest(),
        "lines": 3, "errors": 0, "warnings": 0,
    }  # fmt: skip


def test_a_rejected_message_is_audited_with_the_reason_and_its_owner_is_told(
    org_a, partnership, manager
):
    document, created = _ingest(org_a, partnership, samples.GARBAGE, filename="scan.pdf")
    assert created and document.status == "rejected"
    [event] = _events(org_a)
    assert (event.action, event.actor) == ("integrations.edi_document.rejected", None)
    assert event.changes["reason"] == document.error and document.error
    with tenant_scope(org_a):
        [notice] = Notification.objects.all()
    assert (notice.recipient, notice.title) == (manager, "EDI message scan.pdf could not be read")
    assert notice.body == document.error


def test_each_message_of_an_interchange_is_audited_and_its_problems_told(
    org_a, partnership, manager
):
    document, created = _ingest(org_a, partnership, samples.interchange_of_three(), actor=manager)
    assert created
    events = _events(org_a)
    assert [(e.action, e.actor, e.changes.get("message_index")) for e in events] == [
        ("integrations.edi_document.accepted", manager, None),
        ("integrations.edi_document.accepted", manager, 2),
        ("integrations.edi_document.rejected", manager, 3),
    ]
    with tenant_scope(org_a):
        third = EdiDocument.objects.get(message_index=3)
        titles = list(Notification.objects.values_list("title", flat=True))
    assert (third.received_at, third.received_via) == (T0, "api")
    assert "EDI message po.edi could not be read" in titles


def test_a_message_pushed_with_an_allowed_key_is_accepted_and_with_another_rejected(
    org_a, partnership
):
    ConnectorFactory(
        organization=org_a, partnership=partnership, name="Main",
        partner_identifiers=[SUPPLIER], allowed_api_keys=["key1"],
    )  # fmt: skip
    invoice, other_invoice = (
        samples.edifact(kind="invoice"),
        samples.edifact(kind="invoice", number="I2"),
    )
    allowed, _ = _ingest(org_a, partnership, invoice, api_key_prefix="key1")
    other, _ = _ingest(org_a, partnership, other_invoice, api_key_prefix="key9")
    assert allowed.error == "" and allowed.status == "accepted"
    assert other.status == "rejected" and "The API key key9 may not push" in other.error
    with tenant_scope(org_a):
        unnamed, _ = services.edi_document_ingest(
            partnership=partnership, content=samples.edifact(kind="invoice", number="I3"),
            clock=_clock(),
        )  # fmt: skip
    assert unnamed.status == "rejected" and "The API key (none) may not push" in unnamed.error


# --- an upload: received, then read by the task -------------------------------------------


def test_an_upload_is_stored_unread_audited_and_its_reading_enqueued(
    org_a, partnership, manager, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(documents, "enqueue", lambda task, **kw: enqueued.append((task, kw)))
    content = samples.edifact()
    document, created = _receive(org_a, partnership, content, actor=manager)
    assert created is True
    stored = _fresh(org_a, document)
    assert (stored.status, stored.received_via, stored.received_by) == (
        "received", "upload", manager
    )  # fmt: skip
    assert (stored.received_at, stored.started_at, stored.filename) == (T0, None, "upload.edi")
    [event] = _events(org_a)
    assert (event.action, event.actor, event.object_id) == (
        "integrations.edi_document.received", manager, str(document.pk)
    )  # fmt: skip
    assert event.changes == {
        "filename": "upload.edi", "size": len(content), "sha256": stored.sha256
    }  # fmt: skip
    assert enqueued == [
        (
            "integrations.tasks.edi_document_process",
            {"organization_id": org_a.pk, "document_id": document.pk},
        )
    ]


def test_an_upload_enqueues_a_task_that_exists(
    org_a, partnership, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _receive(org_a, partnership, samples.edifact())
    assert len(callbacks) == 1


def test_a_resent_upload_is_the_document_already_received_and_is_not_audited_again(
    org_a, partnership, manager, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(documents, "enqueue", lambda task, **kw: enqueued.append(task))
    first, _ = _receive(org_a, partnership, samples.edifact(), actor=manager)
    again, created = _receive(org_a, partnership, samples.edifact(), actor=manager)
    assert (again.pk, created) == (first.pk, False)
    assert len(enqueued) == 1 and len(_events(org_a)) == 1


def test_an_upload_is_refused_when_empty_or_over_the_limit(org_a, partnership, settings):
    with pytest.raises(ValidationError) as refused:
        _receive(org_a, partnership, b"")
    assert refused.value.message_dict == {"file": ["“upload.edi” is empty."]}
    settings.INTEGRATIONS_EDI_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as refused:
        _receive(org_a, partnership, samples.edifact(), declared_size=2048)
    assert refused.value.message_dict == {
        "file": ["“upload.edi” is 2 KB; the limit is 1 KB. Split the interchange."]
    }


def test_the_task_reads_an_upload_once_audited_as_its_uploader(org_a, partnership, manager):
    document, _ = _receive(org_a, partnership, samples.edifact(), actor=manager)
    with tenant_scope(org_a):
        read = services.edi_document_process(document_id=document.pk, clock=_clock())
    assert (read.pk, read.status, read.started_at) == (document.pk, "accepted", T0)
    stored = _fresh(org_a, document)
    assert (stored.status, stored.started_at, stored.line_count) == ("accepted", T0, 3)
    [event] = _events(org_a, "integrations.edi_document.accepted")
    assert (event.actor, event.object_id, event.changes["lines"]) == (
        manager, str(document.pk), 3
    )  # fmt: skip
    # Again: nothing changes, nothing more is audited.
    with tenant_scope(org_a):
        again = services.edi_document_process(document_id=document.pk, clock=_clock())
    assert (again.status, again.started_at) == ("accepted", T0)
    assert len(_events(org_a)) == 2


def test_the_task_rejects_an_unreadable_upload_and_tells_the_owner(org_a, partnership, manager):
    document, _ = _receive(org_a, partnership, samples.GARBAGE, filename="scan.pdf", actor=manager)
    with tenant_scope(org_a):
        read = services.edi_document_process(document_id=document.pk, clock=_clock())
        [notice] = Notification.objects.all()
    assert read.status == "rejected"
    [event] = _events(org_a, "integrations.edi_document.rejected")
    assert (event.actor, event.changes["reason"]) == (manager, read.error)
    assert (notice.recipient, notice.title) == (manager, "EDI message scan.pdf could not be read")


def test_the_task_audits_every_message_of_an_uploaded_interchange(org_a, partnership, manager):
    document, _ = _receive(org_a, partnership, samples.interchange_of_three(), actor=manager)
    with tenant_scope(org_a):
        services.edi_document_process(document_id=document.pk, clock=_clock())
    events = _events(org_a)
    assert [(e.action, e.actor) for e in events] == [
        ("integrations.edi_document.received", manager),
        ("integrations.edi_document.accepted", manager),
        ("integrations.edi_document.accepted", manager),
        ("integrations.edi_document.rejected", manager),
    ]
    with tenant_scope(org_a):
        assert Notification.objects.filter(title__contains="could not be read").count() == 1


def test_the_task_shows_10_percent_when_reading_starts_and_clears_its_progress_at_the_end(
    org_a, partnership, manager, monkeypatch
):
    document, _ = _receive(org_a, partnership, samples.edifact(), actor=manager)
    real = documents._read
    seen = []

    def read(doc, **kwargs):
        seen.append(services.edi_document_progress(doc))
        kwargs["progress"](55)
        seen.append(cache.get(job_progress_key(doc)))
        return real(doc, **kwargs)

    monkeypatch.setattr(documents, "_read", read)
    with tenant_scope(org_a):
        read_document = services.edi_document_process(document_id=document.pk, clock=_clock())
    assert seen == [10, 55]
    assert cache.get(job_progress_key(read_document)) is None
    with tenant_scope(org_a):
        assert services.edi_document_progress(read_document) == 100


def test_progress_is_that_of_the_job(org_a, partnership):
    with tenant_scope(org_a):
        received = EdiDocumentFactory(
            organization=org_a, partnership=partnership, status="received"
        )
        cache.set(job_progress_key(received), 40, 60)
        assert services.edi_document_progress(received) == 40
        cache.delete(job_progress_key(received))
        assert services.edi_document_progress(received) == 0
