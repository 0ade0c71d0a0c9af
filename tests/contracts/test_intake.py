"""Document intake: good files become a draft agreement with proposed clauses; bad files fail
with a clear reason and leave nothing half-saved."""

import pytest
from django.core.exceptions import ValidationError

from contracts import services
from contracts.models import Agreement, Clause, IntakeJob
from contracts.tasks import intake_process
from tenancy.context import tenant_scope
from tests.contracts.samples import MSA_TEXT, encrypted_pdf, pdf_of
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def _upload(org, user, filename, content, **kwargs):
    partnership = PartnershipFactory(organization=org)
    with tenant_scope(org):
        job = services.intake_job_create(
            actor=user,
            partnership=partnership,
            title="",
            filename=filename,
            content=content,
            **kwargs,
        )
    intake_process.apply(kwargs={"organization_id": org.pk, "job_id": job.pk}).get()
    with tenant_scope(org):
        job.refresh_from_db()
    return job


def test_a_text_contract_becomes_a_draft_agreement_with_proposed_clauses(org_a, legal, playbook):
    job = _upload(org_a, legal, "alder-msa.txt", MSA_TEXT.encode())
    assert (job.status, job.progress, job.error) == ("succeeded", 100, "")
    with tenant_scope(org_a):
        agreement = job.agreement
        clauses = list(agreement.clauses.order_by("order"))
        assert agreement.status == Agreement.Status.DRAFT
        assert agreement.title == "alder-msa"
        assert str(agreement.effective_date) == "2025-01-01"
        assert agreement.term_type == "auto_renewing" and agreement.renewal_period_months == 12
        assert agreement.notice_period_days == 90
        codes = [c.clause_type for c in clauses]
        assert codes[:4] == [
            "limitation_of_liability",
            "termination_for_convenience",
            "governing_law",
            "dispute_resolution",
        ]
        cap = clauses[0]
        assert cap.parameters["cap_multiple"] == "0.5"
        assert cap.proposal == Clause.Proposal.PROPOSED and cap.risk == "high"
        assert cap.detection["code"] == "limitation_of_liability"
        assert clauses[3].parameters["arbitration_seat"] == "London"
        assert services.may_review(legal, agreement)  # the uploading lawyer reviews it


def test_a_pdf_contract_is_read_too(org_a, legal):
    job = _upload(org_a, legal, "msa.pdf", pdf_of(MSA_TEXT))
    assert job.status == "succeeded"
    with tenant_scope(org_a):
        assert job.agreement.clauses.filter(clause_type="governing_law").exists()


def test_running_the_job_twice_changes_nothing(org_a, legal):
    job = _upload(org_a, legal, "msa.txt", MSA_TEXT.encode())
    intake_process.apply(kwargs={"organization_id": org_a.pk, "job_id": job.pk}).get()
    with tenant_scope(org_a):
        assert Agreement.objects.count() == 1


@pytest.mark.parametrize(
    ("filename", "content", "reason"),
    [
        ("broken.pdf", b"%PDF-1.7\nthis is not really a pdf", "damaged"),
        ("locked.pdf", None, "password"),
        ("blank.txt", b"   \n\n  ", "empty"),
    ],
)
def test_an_unreadable_document_fails_the_job_with_its_reason_and_saves_nothing(
    org_a, legal, filename, content, reason
):
    content = encrypted_pdf() if content is None else content
    job = _upload(org_a, legal, filename, content)
    assert job.status == IntakeJob.Status.FAILED
    assert reason in job.error.lower()
    assert job.agreement_id is None
    with tenant_scope(org_a):
        assert Agreement.objects.count() == 0
        assert Clause.objects.count() == 0


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("empty.pdf", b"", "is empty"),
        ("sheet.xlsx", b"PK\x03\x04...", "not a PDF, DOCX or TXT"),
        ("huge.txt", b"x" * 2048, "the limit is"),
    ],
)
def test_a_file_the_job_could_never_read_is_refused_at_upload(
    org_a, legal, settings, filename, content, message
):
    settings.CONTRACTS_UPLOAD_MAX_BYTES = 1024
    partnership = PartnershipFactory(organization=org_a)
    with tenant_scope(org_a):
        with pytest.raises(ValidationError) as refused:
            services.intake_job_create(
                actor=legal, partnership=partnership, title="x", filename=filename, content=content
            )
        assert message in " ".join(refused.value.message_dict["file"])
        assert IntakeJob.objects.count() == 0
