"""Intake rules pinned against the mutants that survived `make mutation` (docs/mutation.md):
the upload's refusals in words and what is stored, the reading job's steps (progress, audit
trail, timestamps, the draft agreement and its proposed clauses, who may review it, OCR pages),
its failures with their reasons, and the facts and segments the draft is made from."""

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.detection import DetectedClause
from contracts.detection.extract import ExtractedText
from contracts.detection.params import Duration
from contracts.models import Agreement, Clause, ClauseVersion, IntakeJob
from contracts.services import intake
from contracts.services._shared import is_reviewer
from tenancy.jobs import job_progress_key
from tenancy.models import AuditEvent, Role
from tests.contracts.factories import AgreementFactory, IntakeJobFactory
from tests.contracts.samples import MSA_TEXT
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db
# Never the exception's name: that goes to the log with the traceback.
UNREADABLE = (
    "The document could not be read: something in it is not what the reader expects. The "
    "details are logged for support."
)

MB = 1_048_576


def _create(scope, actor, filename="msa.txt", content=b"MASTER SERVICES AGREEMENT", **kwargs):
    return services.intake_job_create(
        actor=actor,
        partnership=kwargs.pop("partnership", None) or PartnershipFactory(organization=scope),
        filename=filename,
        content=content,
        **kwargs,
    )


def _read(scope, actor, content=None, filename="msa.txt", clock=timezone.now, **kwargs):
    content = MSA_TEXT.encode() if content is None else content
    job = _create(scope, actor, filename=filename, content=content, **kwargs)
    services.intake_job_run(job_id=job.pk, clock=clock)
    job.refresh_from_db()
    return job


def _ticking(*moments):
    """A clock that gives each moment in turn (a job reads it when it starts and when it ends);
    one reading too many stops it."""
    return iter(moments).__next__


STARTED = datetime(2025, 5, 2, 9, 0, 0, tzinfo=UTC)
FINISHED = datetime(2025, 5, 2, 9, 0, 7, tzinfo=UTC)


def _refusal(scope, actor, **kwargs):
    """The refusal's messages; nothing more is stored."""
    before = IntakeJob.objects.count()
    with pytest.raises(ValidationError) as refused:
        _create(scope, actor, **kwargs)
    assert IntakeJob.objects.count() == before
    return refused.value.message_dict


# --- the upload -------------------------------------------------------------------------------


def test_a_file_of_another_type_is_refused_naming_the_three_types(scope, legal):
    assert _refusal(scope, legal, filename="sheet.xlsx") == {
        "file": ["“sheet.xlsx” is not a PDF, DOCX or TXT file; upload one of those."]
    }
    assert _refusal(scope, legal, filename="") == {
        "file": ["“” is not a PDF, DOCX or TXT file; upload one of those."]
    }


def test_an_extension_in_capitals_is_accepted(scope, legal):
    job = _create(scope, legal, filename="SIGNED.TXT")
    assert job.filename == "SIGNED.TXT"


def test_a_file_over_the_limit_is_refused_with_its_size_and_the_limit(scope, legal, settings):
    settings.CONTRACTS_UPLOAD_MAX_BYTES = 2 * MB
    assert _refusal(scope, legal, filename="big.pdf", content=b"x" * (3 * MB + MB // 2)) == {
        "file": ["“big.pdf” is 3.5 MB; the limit is 2 MB."]
    }


def test_a_file_of_exactly_the_limit_is_accepted_and_one_byte_more_refused(scope, legal, settings):
    settings.CONTRACTS_UPLOAD_MAX_BYTES = 1024
    assert _create(scope, legal, content=b"x" * 1024).size == 1024
    # A kilobyte and a byte both read "1 KB": the sizes are then given in bytes.
    assert _refusal(scope, legal, content=b"x" * 1025) == {
        "file": ["“msa.txt” is 1,025 bytes; the limit is 1,024 bytes."]
    }


def test_sizes_are_shown_in_mebibytes_of_1_048_576_bytes(scope, legal, settings):
    # Chosen just past a rounding step: a mebibyte of any other size rounds the other way.
    settings.CONTRACTS_UPLOAD_MAX_BYTES = 2_621_441  # 2.5 MiB and a byte: never "3 MB"
    assert _refusal(
        scope, legal, filename="scan.pdf", content=b"%PDF", declared_size=3_198_157
    ) == {
        "file": ["“scan.pdf” is 3.1 MB; the limit is 2.5 MB."]  # 3.05 MiB and a bit
    }


def test_a_file_a_byte_over_a_limit_never_reads_as_the_limit(scope, legal, settings):
    settings.CONTRACTS_UPLOAD_MAX_BYTES = 2_621_441
    assert _refusal(
        scope, legal, filename="scan.pdf", content=b"%PDF", declared_size=2_621_442
    ) == {"file": ["“scan.pdf” is 2,621,442 bytes; the limit is 2,621,441 bytes."]}
    # Where a second decimal tells them apart, it is used.
    assert _refusal(
        scope, legal, filename="scan.pdf", content=b"%PDF", declared_size=2_650_000
    ) == {"file": ["“scan.pdf” is 2.53 MB; the limit is 2.5 MB."]}


def test_the_declared_size_counts_when_larger_than_what_arrived(scope, legal, settings):
    settings.CONTRACTS_UPLOAD_MAX_BYTES = 2 * MB
    assert _refusal(scope, legal, filename="cut.pdf", content=b"%PDF", declared_size=5 * MB) == {
        "file": ["“cut.pdf” is 5 MB; the limit is 2 MB."]
    }
    # A smaller declared size does not hide what arrived.
    assert _refusal(scope, legal, filename="lie.txt", content=b"x" * (3 * MB), declared_size=1) == {
        "file": ["“lie.txt” is 3 MB; the limit is 2 MB."]
    }


def test_the_upload_limit_is_20_mb_unless_configured(settings):
    del settings.CONTRACTS_UPLOAD_MAX_BYTES
    assert services.upload_max_bytes() == 20 * MB
    settings.CONTRACTS_UPLOAD_MAX_BYTES = 5
    assert services.upload_max_bytes() == 5


def test_an_empty_file_is_refused_in_words(scope, legal):
    assert _refusal(scope, legal, filename="empty.docx", content=b"") == {
        "file": ["“empty.docx” is empty."]
    }


def test_an_upload_is_stored_with_its_size_digest_uploader_and_audited(scope, legal):
    parent = AgreementFactory(organization=scope)
    partnership = parent.partnership
    content = b"STATEMENT OF WORK 1"
    job = _create(
        scope,
        legal,
        filename="uploads/2025/sow.txt",
        content=content,
        title="  Statement one  ",
        agreement_type=Agreement.Type.SOW,
        parent=parent,
        partnership=partnership,
    )
    job.refresh_from_db()
    assert job.organization == scope and job.partnership == partnership
    assert (job.title, job.filename, job.agreement_type, job.parent) == (
        "Statement one",
        "sow.txt",
        Agreement.Type.SOW,
        parent,
    )
    sha = hashlib.sha256(content).hexdigest()
    assert (job.size, job.sha256, bytes(job.content), job.uploaded_by) == (19, sha, content, legal)
    assert job.status == IntakeJob.Status.QUEUED
    event = AuditEvent.objects.get(action="contracts.intake.uploaded")
    assert (event.actor, event.object_type, event.object_id) == (
        legal,
        "contracts.intakejob",
        str(job.pk),
    )
    assert event.changes == {"filename": "sow.txt", "size": 19, "sha256": sha}


@pytest.mark.parametrize(
    ("filename", "title", "expected"),
    [
        ("alder_msa_2025.pdf", "", "alder msa 2025"),
        ("alder_msa_2025.pdf", "   ", "alder msa 2025"),
        ("___.txt", "", "Uploaded agreement"),
        ("msa.txt", "T" * 250, "T" * 200),
    ],
)
def test_the_title_comes_from_the_file_name_when_none_is_given(
    scope, legal, filename, title, expected
):
    job = _create(scope, legal, filename=filename, title=title)
    assert job.title == expected


def test_an_upload_without_a_title_is_named_after_its_file(scope, legal):
    job = services.intake_job_create(
        actor=legal,
        partnership=PartnershipFactory(organization=scope),
        filename="alder_supply_agreement.txt",
        content=b"SUPPLY AGREEMENT",
    )
    assert job.title == "alder supply agreement"


def test_a_long_file_name_is_cut_at_255_characters(scope, legal):
    name = "n" * 300 + ".txt"
    job = _create(scope, legal, filename=name, title="Long")
    assert job.filename == name[:255]


def test_an_upload_is_read_by_the_intake_task_once_it_is_saved(
    scope, legal, settings, django_capture_on_commit_callbacks
):
    settings.TASKS_INLINE = True
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(scope, legal, content=MSA_TEXT.encode())
    job.refresh_from_db()
    assert job.status == IntakeJob.Status.SUCCEEDED and job.agreement is not None


# --- reading ----------------------------------------------------------------------------------


def test_reading_makes_a_draft_owned_by_the_uploader_with_the_partnerships_terms(scope, legal):
    partnership = PartnershipFactory(
        organization=scope, annual_value=Decimal("120000.00"), currency="CHF"
    )
    job = _read(scope, legal, partnership=partnership, title="Alder MSA")
    agreement = job.agreement
    assert (agreement.title, agreement.owner, agreement.partnership) == (
        "Alder MSA",
        legal,
        partnership,
    )
    assert agreement.agreement_type == Agreement.Type.MSA and agreement.parent is None
    assert agreement.parties == [
        {"name": scope.name, "role": "customer"},
        {"name": partnership.partner.name, "role": "supplier"},
    ]
    assert (agreement.currency, agreement.annual_value) == ("CHF", Decimal("120000.00"))
    assert (agreement.effective_date, agreement.expiry_date) == (
        date(2025, 1, 1),
        date(2027, 12, 31),
    )
    assert agreement.governing_law == "England and Wales"
    assert (agreement.term_type, agreement.renewal_period_months) == ("auto_renewing", 12)


def test_a_statement_of_works_draft_keeps_its_type_and_its_msa(scope, legal):
    msa = AgreementFactory(organization=scope)
    job = _read(
        scope, legal, agreement_type=Agreement.Type.SOW, parent=msa, partnership=msa.partnership
    )
    assert (job.agreement.agreement_type, job.agreement.parent) == (Agreement.Type.SOW, msa)


def test_each_segment_becomes_one_proposed_clause_in_order_with_what_was_detected(scope, legal):
    job = _read(scope, legal)
    clauses = list(job.agreement.clauses.order_by("order"))
    assert [(c.order, c.clause_type) for c in clauses] == [
        (1, "limitation_of_liability"),
        (2, "termination_for_convenience"),
        (3, "governing_law"),
        (4, "dispute_resolution"),
        (5, "renewal"),
    ]
    assert {(c.source, c.proposal, c.organization_id) for c in clauses} == {
        (Clause.Source.DETECTED, Clause.Proposal.PROPOSED, scope.pk)
    }
    # No heading was detected: the segment's first line is the heading.
    assert [c.heading for c in clauses] == [
        "1. Limitation of Liability",
        "2. Termination for Convenience",
        "3. Governing Law",
        "4. Dispute Resolution",
        "5. Term",
    ]
    dispute = clauses[3]
    assert dispute.text.startswith("4. Dispute Resolution\nAny dispute")
    assert dispute.detection["code"] == "dispute_resolution"
    assert dispute.detection["source"] == "rules" and dispute.detection["confidence"] == 0.75
    assert dispute.detection["needs_attention"] is False
    assert dispute.detection["rule"].startswith("body: arbitration")
    assert dispute.detection["also"] == ["governing_law"]
    assert dispute.detection["span"][1] - dispute.detection["span"][0] == len(dispute.text)
    assert dispute.detection["parameters"]["arbitration_seat"] == "London"
    assert dispute.parameters["arbitration_seat"] == "London"
    assert isinstance(dispute.detection["cuad_categories"], list)
    assert clauses[4].detection["also"] == ["notice_period"]
    assert clauses[0].detection["also"] == []


def test_each_proposed_clause_starts_with_a_detected_version_noting_the_rule(scope, legal):
    job = _read(scope, legal)
    for clause in job.agreement.clauses.all():
        (version,) = clause.versions.all()
        assert (version.number, version.kind, version.author) == (
            1,
            ClauseVersion.Kind.DETECTED,
            None,
        )
        assert version.note == clause.detection["rule"][:500] and version.note
        assert version.text == clause.text


def test_a_proposed_clause_is_rated_against_the_playbook(scope, legal, playbook):
    job = _read(scope, legal)
    cap = job.agreement.clauses.get(clause_type="limitation_of_liability")
    governing = job.agreement.clauses.get(clause_type="governing_law")
    assert (cap.risk, governing.risk) == ("high", "low")


def test_a_successful_reading_is_recorded_on_the_job_and_in_the_audit_trail(scope, legal):
    job = _read(scope, legal, clock=_ticking(STARTED, FINISHED))
    assert job.status == IntakeJob.Status.SUCCEEDED
    assert (job.progress, job.error) == (100, "")
    assert (job.started_at, job.finished_at) == (STARTED, FINISHED)  # the clock passed in
    assert job.result == {"clauses": 5, "ocr_pages": []}
    created = AuditEvent.objects.get(action="contracts.agreement.created")
    assert (created.actor, created.object_type, created.object_id) == (
        legal,
        "contracts.agreement",
        str(job.agreement_id),
    )
    assert created.changes == {"source": "intake", "intake_job": job.pk, "clauses": 5}
    succeeded = AuditEvent.objects.get(action="contracts.intake.succeeded")
    assert (succeeded.actor, succeeded.object_type, succeeded.object_id) == (
        legal,
        "contracts.intakejob",
        str(job.pk),
    )
    assert succeeded.changes == {"agreement": job.agreement_id, "clauses": 5, "ocr_pages": []}


def test_pages_read_by_ocr_are_listed_for_the_uploader_to_check(scope, legal, monkeypatch):
    monkeypatch.setattr(
        intake,
        "extract_document",
        lambda data, filename: ExtractedText(text=MSA_TEXT, ocr_pages=[2, 3]),
    )
    job = _read(scope, legal, filename="scan.pdf", content=b"%PDF-1.7 scanned")
    assert job.result == {"clauses": 5, "ocr_pages": [2, 3]}
    succeeded = AuditEvent.objects.get(action="contracts.intake.succeeded")
    assert succeeded.changes["ocr_pages"] == [2, 3]


def test_the_uploading_lawyer_reviews_the_draft_but_an_uploader_who_does_not_review_does_not(
    scope, legal, make_member
):
    job = _read(scope, legal)
    assert is_reviewer(legal, job.agreement)
    viewer = make_member(scope, Role.VIEWER)
    job = _read(scope, viewer)
    assert job.status == IntakeJob.Status.SUCCEEDED
    assert not is_reviewer(viewer, job.agreement)


def test_a_job_without_an_uploader_is_read_too(scope):
    # The uploader's account may have been deleted before the job ran.
    job = IntakeJobFactory(organization=scope, content=MSA_TEXT.encode(), uploaded_by=None)
    services.intake_job_run(job_id=job.pk, clock=timezone.now)
    job.refresh_from_db()
    assert job.status == IntakeJob.Status.SUCCEEDED
    assert job.agreement.owner is None
    assert AuditEvent.objects.get(action="contracts.intake.succeeded").actor is None


def test_progress_is_5_35_70_then_rises_per_clause_and_is_cleared_at_the_end(
    scope, legal, monkeypatch
):
    job = _create(scope, legal, content=MSA_TEXT.encode())
    key = job_progress_key(job)
    seen = []

    def watching(target):
        real = getattr(intake, target)

        def wrapper(*args, **kwargs):
            seen.append((target, cache.get(key)))
            return real(*args, **kwargs)

        monkeypatch.setattr(intake, target, wrapper)

    for target in ("extract_document", "detect", "_snapshot", "_apply_key_terms_from_clauses"):
        watching(target)
    services.intake_job_run(job_id=job.pk, clock=timezone.now)
    assert seen == [
        ("extract_document", 5),
        ("detect", 35),
        ("_snapshot", 70),
        ("_snapshot", 75),
        ("_snapshot", 80),
        ("_snapshot", 85),
        ("_snapshot", 90),
        ("_apply_key_terms_from_clauses", 95),
    ]
    assert cache.get(key) is None
    job.refresh_from_db()
    assert services.intake_progress(job) == 100


def test_a_single_clause_does_not_move_the_progress_past_70(scope, legal, monkeypatch):
    job = _create(
        scope, legal, content=b"1. Governing Law\nThis Agreement is governed by Swiss law."
    )
    key = job_progress_key(job)
    seen = []
    real = intake._apply_key_terms_from_clauses
    monkeypatch.setattr(
        intake,
        "_apply_key_terms_from_clauses",
        lambda agreement: (seen.append(cache.get(key)), real(agreement)),
    )
    services.intake_job_run(job_id=job.pk, clock=timezone.now)
    job.refresh_from_db()
    assert job.result["clauses"] == 1
    assert seen == [70]


def test_two_clauses_move_the_progress_halfway_then_to_95(scope, legal, monkeypatch):
    text = (
        "1. Governing Law\nThis Agreement is governed by Swiss law.\n\n"
        "2. Termination for Convenience\nEither party may terminate this Agreement for "
        "convenience upon thirty (30) days prior written notice."
    )
    job = _create(scope, legal, content=text.encode())
    key = job_progress_key(job)
    seen = []
    real = intake._snapshot
    monkeypatch.setattr(
        intake, "_snapshot", lambda *a, **kw: (seen.append(cache.get(key)), real(*a, **kw))
    )
    services.intake_job_run(job_id=job.pk, clock=timezone.now)
    job.refresh_from_db()
    assert job.result["clauses"] == 2
    assert seen == [70, 82]


def test_a_queued_jobs_progress_is_read_from_the_cache(scope, legal):
    job = _create(scope, legal)
    assert services.intake_progress_key(job) == job_progress_key(job)
    cache.set(job_progress_key(job), 42, 60)
    try:
        assert services.intake_progress(job) == 42
    finally:
        cache.delete(job_progress_key(job))


# --- failures ---------------------------------------------------------------------------------


def test_an_unreadable_document_fails_with_its_reason_audited_and_finished(scope, legal):
    job = _read(
        scope, legal, filename="blank.txt", content=b"   \n\n  ", clock=_ticking(STARTED, FINISHED)
    )
    assert job.status == IntakeJob.Status.FAILED and job.agreement is None
    # The reason names the file, as the uploader knows it.
    assert job.error == "blank.txt is empty: there is nothing to analyse."
    assert (job.started_at, job.finished_at) == (STARTED, FINISHED)
    event = AuditEvent.objects.get(action="contracts.intake.failed")
    assert (event.actor, event.object_type, event.object_id) == (
        legal,
        "contracts.intakejob",
        str(job.pk),
    )
    assert event.changes == {"reason": job.error}
    assert not AuditEvent.objects.filter(action="contracts.intake.succeeded").exists()
    assert cache.get(job_progress_key(job)) is None


def test_an_unexpected_error_fails_the_job_in_words_and_logs_the_error(
    scope, legal, monkeypatch, caplog
):
    def crash(text):
        raise KeyError("internal detail")

    monkeypatch.setattr(intake, "detect", crash)
    job = _read(scope, legal)
    # The details go to the log, with the traceback, for the operators.
    (logged,) = [r for r in caplog.records if r.name == "contracts.services.intake"]
    assert logged.getMessage() == f"contract intake {job.pk} failed"
    assert logged.exc_info[0] is KeyError
    assert job.status == IntakeJob.Status.FAILED
    assert job.error == UNREADABLE
    assert Agreement.objects.count() == 0
    assert AuditEvent.objects.get(action="contracts.intake.failed").changes == {
        "reason": UNREADABLE
    }


def test_a_failure_after_the_draft_was_made_leaves_no_agreement_on_the_job(
    scope, legal, monkeypatch
):
    def crash(agreement):
        raise RuntimeError("late")

    monkeypatch.setattr(intake, "_apply_key_terms_from_clauses", crash)
    job = _read(scope, legal)
    assert job.status == IntakeJob.Status.FAILED and job.agreement_id is None
    assert job.error == UNREADABLE
    assert Agreement.objects.count() == 0 and Clause.objects.count() == 0


def test_a_failed_job_is_not_read_again(scope, legal):
    job = _read(scope, legal, filename="blank.txt", content=b"   ")
    error = job.error
    services.intake_job_run(job_id=job.pk, clock=timezone.now)
    job.refresh_from_db()
    assert (job.status, job.error) == (IntakeJob.Status.FAILED, error)
    assert AuditEvent.objects.filter(action="contracts.intake.failed").count() == 1


def test_a_finished_job_is_not_read_again(scope, legal):
    job = _read(scope, legal)
    finished = job.finished_at
    services.intake_job_run(job_id=job.pk, clock=timezone.now)
    job.refresh_from_db()
    assert job.finished_at == finished
    assert Agreement.objects.count() == 1
    assert AuditEvent.objects.filter(action="contracts.intake.succeeded").count() == 1


# --- the facts the draft takes ----------------------------------------------------------------


def _facts(**values):
    base = {
        "effective_date": None,
        "expiry_date": None,
        "notice_period_days": None,
        "governing_law": "",
        "renewal_term": None,
    }
    return SimpleNamespace(facts=SimpleNamespace(**{**base, **values}))


def _fields(scope, **facts):
    partnership = PartnershipFactory(organization=scope)
    return intake._agreement_fields_from(_facts(**facts), partnership, scope)


def test_an_expiry_before_the_effective_date_is_dropped_but_the_same_day_kept(scope):
    day = date(2025, 6, 1)
    assert "expiry_date" not in _fields(
        scope, effective_date=day, expiry_date=day - timedelta(days=1)
    )
    assert _fields(scope, effective_date=day, expiry_date=day)["expiry_date"] == day
    alone = _fields(scope, expiry_date=day)
    assert alone["expiry_date"] == day and "effective_date" not in alone


def test_a_notice_period_up_to_ten_years_is_kept(scope):
    assert _fields(scope, notice_period_days=3650)["notice_period_days"] == 3650
    assert "notice_period_days" not in _fields(scope, notice_period_days=3651)
    assert "notice_period_days" not in _fields(scope, notice_period_days=0)


def test_the_governing_law_is_cut_at_100_characters(scope):
    assert _fields(scope, governing_law="L" * 150)["governing_law"] == "L" * 100
    assert "governing_law" not in _fields(scope, governing_law="")


def test_a_renewal_makes_the_term_auto_renewing_only_with_an_expiry(scope):
    expiry = date(2027, 12, 31)
    fields = _fields(scope, expiry_date=expiry, renewal_term=Duration(6, "month"))
    assert (fields["term_type"], fields["renewal_period_months"]) == ("auto_renewing", 6)
    years = _fields(scope, expiry_date=expiry, renewal_term=Duration(2, "year"))
    assert years["renewal_period_months"] == 24
    # Less than a month renews for a year.
    days = _fields(scope, expiry_date=expiry, renewal_term=Duration(10, "day"))
    assert days["renewal_period_months"] == 12
    without = _fields(scope, renewal_term=Duration(1, "year"))
    assert "term_type" not in without and "renewal_period_months" not in without


# --- segments ---------------------------------------------------------------------------------


def _found(code, start, confidence, end=None):
    return DetectedClause(
        code=code,
        cuad_categories=(),
        start=start,
        end=end if end is not None else start + 10,
        text=f"{code} text",
        heading="",
        confidence=confidence,
        rule="rule",
    )


def test_a_segment_is_proposed_as_its_most_confident_type_other_last(scope):
    first = _found("governing_law", 0, 0.6)
    weaker = _found("dispute_resolution", 0, 0.5)
    same = _found("renewal", 0, 0.6)
    stronger = _found("notice_period", 0, 0.9)
    other = _found("other", 0, 0.99)
    (group,) = intake._group_by_segment([first, weaker, same, other])
    assert group["primary"] is first
    assert group["all"] == [first, weaker, same, other]
    (group,) = intake._group_by_segment([other, weaker, stronger])
    assert group["primary"] is stronger
    (group,) = intake._group_by_segment([other])
    assert group["primary"] is other
    another = _found("other", 0, 0.5)
    (group,) = intake._group_by_segment([other, another])
    assert group["primary"] is other


def test_segments_are_listed_in_the_order_of_the_text(scope):
    late = _found("renewal", 50, 0.9)
    early = _found("governing_law", 5, 0.9)
    same_start = _found("notice_period", 5, 0.9, end=8)
    groups = intake._group_by_segment([late, early, same_start])
    assert [g["primary"] for g in groups] == [same_start, early, late]


def test_a_detected_heading_is_kept_and_a_long_one_cut(scope, legal, monkeypatch):
    from contracts.detection import detect as real_detect

    def with_heading(text):
        result = real_detect(text)
        result.clauses[0].heading = "H" * 250
        result.clauses[0].rule = "r" * 600
        return result

    monkeypatch.setattr(intake, "detect", with_heading)
    job = _read(scope, legal)
    first = job.agreement.clauses.get(order=1)
    assert first.heading == "H" * 200
    assert first.versions.get().note == "r" * 500  # the rule that found it, cut at 500


# --- amendments ---------------------------------------------------------------------------------


def test_an_amendment_upload_must_say_which_agreement_it_changes(scope, legal):
    assert _refusal(scope, legal, agreement_type=Agreement.Type.AMENDMENT) == {
        "parent": ["Say which agreement this amendment changes."]
    }


def test_the_agreement_named_at_upload_must_be_of_the_same_partnership(scope, legal):
    other = AgreementFactory(organization=scope)
    assert _refusal(
        scope, legal, partnership=PartnershipFactory(organization=scope), parent=other
    ) == {"parent": ["It must belong to the same partnership."]}


def test_an_amendment_is_read_into_an_agreement_that_amends_the_one_named(scope, legal):
    msa = AgreementFactory(organization=scope)
    job = _read(
        scope,
        legal,
        partnership=msa.partnership,
        agreement_type=Agreement.Type.AMENDMENT,
        parent=msa,
        title="Amendment 1",
    )
    assert job.status == IntakeJob.Status.SUCCEEDED, job.error
    amendment = job.agreement
    assert (amendment.agreement_type, amendment.amends, amendment.parent) == (
        Agreement.Type.AMENDMENT,
        msa,
        None,
    )


def test_a_sow_is_read_into_an_agreement_under_the_one_named(scope, legal):
    msa = AgreementFactory(organization=scope)
    job = _read(
        scope, legal, partnership=msa.partnership, agreement_type=Agreement.Type.SOW, parent=msa
    )
    assert (job.agreement.parent, job.agreement.amends) == (msa, None)


def test_the_upload_page_states_the_limit_in_the_words_of_the_refusal(
    org_a, legal, client_as, settings
):
    settings.CONTRACTS_UPLOAD_MAX_BYTES = 2_621_441  # 2.5 MiB and a byte
    html = client_as(legal).get(reverse("intake-upload", args=["alpha"])).content.decode()
    assert "PDF, DOCX or TXT up to 2.5 MB." in html
