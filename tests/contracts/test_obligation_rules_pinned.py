"""Obligation rules pinned against the mutants that survived `make mutation`
(docs/mutation.md): a clause of the same agreement, a recurring obligation's first due date,
the evidence a fulfilment needs and keeps, the exact refusals, and the audit trail."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts import services
from contracts.models import ObligationFulfilment
from contracts.services.obligations import EVIDENCE_MAX_BYTES
from tenancy.models import AuditEvent, Notification
from tests.contracts.factories import AgreementFactory, ClauseFactory, ObligationFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def test_an_obligation_cites_a_clause_of_its_own_agreement_only(scope, owner):
    agreement = AgreementFactory(organization=scope)
    other = ClauseFactory(organization=scope)
    with pytest.raises(ValidationError) as refused:
        services.obligation_create(actor=owner, agreement=agreement, title="Report", clause=other)
    assert refused.value.message_dict == {
        "clause": ["The clause must belong to the same agreement."]
    }
    own = ClauseFactory(organization=scope, agreement=agreement)
    created = services.obligation_create(
        actor=owner, agreement=agreement, title="Report", clause=own
    )
    assert created.clause == own


def test_a_recurring_obligation_needs_its_first_due_date(scope, owner):
    agreement = AgreementFactory(organization=scope)
    with pytest.raises(ValidationError) as refused:
        services.obligation_create(
            actor=owner, agreement=agreement, title="Report", recurrence="monthly"
        )
    assert refused.value.message_dict == {
        "due_date": ["A recurring obligation needs its first due date."]
    }
    once = services.obligation_create(actor=owner, agreement=agreement, title="Once")
    assert once.due_date is None


def test_creating_an_obligation_is_audited_with_its_author(scope, owner):
    agreement = AgreementFactory(organization=scope)
    created = services.obligation_create(
        actor=owner, agreement=agreement, title="Report", colour="red"
    )
    event = AuditEvent.objects.get(action="contracts.obligation.created")
    assert (event.actor, event.object_type, event.object_id) == (
        owner,
        "contracts.obligation",
        str(created.pk),
    )


def test_a_fulfilment_without_any_evidence_is_refused_in_words(scope, owner):
    obligation = ObligationFactory(organization=scope)
    with pytest.raises(ValidationError) as refused:
        services.obligation_fulfil(
            obligation=obligation, actor=owner, evidence="  ", now=timezone.now()
        )
    assert refused.value.message_dict == {"evidence": ["Say how the obligation was fulfilled."]}
    done = services.obligation_fulfil(
        obligation=obligation,
        actor=owner,
        evidence_url="https://files.example/report",
        now=timezone.now(),
    )
    assert done.status == "fulfilled"


def test_an_evidence_file_of_another_type_is_refused_with_the_types_kept(scope, owner):
    obligation = ObligationFactory(organization=scope)
    with pytest.raises(ValidationError) as refused:
        services.obligation_fulfil(
            obligation=obligation,
            actor=owner,
            evidence_filename="../setup.exe",
            evidence_content=b"MZ",
            now=timezone.now(),
        )
    assert refused.value.message_dict == {
        "evidence_file": [
            "“setup.exe” is not a file type kept as evidence; upload one of "
            "PDF, DOCX, XLSX, CSV, TXT, PNG, JPG, JPEG, EML."
        ]
    }


def test_a_fulfilment_is_kept_in_the_history_and_audited(scope, owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    obligation = ObligationFactory(organization=scope, due_date=date(2025, 3, 31))
    done = services.obligation_fulfil(
        obligation=obligation,
        actor=owner,
        evidence=" Sent. ",
        evidence_filename="report.pdf",
        evidence_content=b"%PDF",
        now=datetime(2025, 3, 30, 16, 0, tzinfo=UTC),
    )
    assert done.fulfilled_at == datetime(2025, 3, 30, 16, 0, tzinfo=UTC)
    kept = ObligationFulfilment.objects.get()
    assert (kept.due_date, kept.evidence, kept.evidence_filename, kept.fulfilled_by) == (
        date(2025, 3, 31),
        "Sent.",
        "report.pdf",
        owner,
    )
    assert kept.evidence_file.name.endswith(".pdf")
    event = AuditEvent.objects.get(action="contracts.obligation.fulfilled")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(obligation.pk),
        {
            "due_date": "2025-03-31",
            "evidence": "Sent.",
            "evidence_file": "report.pdf",
            "next_due_date": None,
        },
    )


def _fulfil_with_file(obligation, owner, name, content):
    return services.obligation_fulfil(
        obligation=obligation,
        actor=owner,
        evidence_filename=name,
        evidence_content=content,
        now=timezone.now(),
    )


def test_a_file_of_exactly_the_limit_is_kept_and_one_byte_more_is_refused_under_its_field(
    scope, owner
):
    limit = EVIDENCE_MAX_BYTES
    kept = _fulfil_with_file(
        ObligationFactory(organization=scope), owner, "proof.pdf", b"x" * limit
    )
    assert ObligationFulfilment.objects.get(obligation=kept).evidence_filename == "proof.pdf"

    with pytest.raises(ValidationError) as refused:
        _fulfil_with_file(
            ObligationFactory(organization=scope), owner, "big.pdf", b"x" * (limit + 1)
        )
    assert refused.value.message_dict == {
        "evidence_file": ["“big.pdf” is 10,485,761 bytes; the limit is 10,485,760 bytes."]
    }
    with pytest.raises(ValidationError) as refused:
        _fulfil_with_file(
            ObligationFactory(organization=scope), owner, "big.pdf", b"x" * (3 * limit)
        )
    assert refused.value.message_dict == {
        "evidence_file": ["“big.pdf” is 30 MB; the limit is 10 MB."]
    }


def test_an_evidence_files_size_is_shown_in_mebibytes_of_1_048_576_bytes(scope, owner):
    # Chosen just past a rounding step: 10.95 MiB and a few bytes shows as 11, not 10.9.
    with pytest.raises(ValidationError) as refused:
        _fulfil_with_file(ObligationFactory(organization=scope), owner, "big.pdf", b"x" * 11481908)
    assert refused.value.message_dict == {
        "evidence_file": ["“big.pdf” is 11 MB; the limit is 10 MB."]
    }


def test_an_empty_evidence_file_is_refused_under_its_field(scope, owner):
    with pytest.raises(ValidationError) as refused:
        _fulfil_with_file(ObligationFactory(organization=scope), owner, "proof.pdf", b"")
    assert refused.value.message_dict == {"evidence_file": ["“proof.pdf” is empty."]}


def test_an_evidence_file_name_is_kept_to_200_characters(scope, owner):
    fits = "a" * 196 + ".pdf"  # 200 characters: kept whole
    kept = _fulfil_with_file(ObligationFactory(organization=scope), owner, fits, b"%PDF-1.4")
    assert ObligationFulfilment.objects.get(obligation=kept).evidence_filename == fits

    cut = "a" * 197 + ".pdf"  # 201 characters: cut to 200, the type is lost with the cut
    with pytest.raises(ValidationError) as refused:
        _fulfil_with_file(ObligationFactory(organization=scope), owner, cut, b"%PDF-1.4")
    assert refused.value.message_dict["evidence_file"][0].startswith(f"“{cut[:200]}” is not")


def test_a_fulfilment_with_only_a_link_keeps_no_note_and_no_file(scope, owner):
    obligation = ObligationFactory(organization=scope, due_date=None)
    services.obligation_fulfil(
        obligation=obligation,
        actor=owner,
        evidence_url="https://evidence.example/report",
        now=timezone.now(),
    )
    fulfilment = ObligationFulfilment.objects.get(obligation=obligation)
    assert (fulfilment.evidence, fulfilment.evidence_filename, fulfilment.evidence_file.name) == (
        "",
        "",
        "",
    )


def test_the_fulfilment_keeps_its_evidence_link_on_the_obligation_and_in_its_history(scope, owner):
    obligation = ObligationFactory(organization=scope, due_date=None)
    services.obligation_fulfil(
        obligation=obligation,
        actor=owner,
        evidence_url="https://evidence.example/report",
        now=timezone.now(),
    )
    obligation.refresh_from_db()
    fulfilment = ObligationFulfilment.objects.get(obligation=obligation)
    assert (obligation.evidence_url, fulfilment.evidence_url) == (
        "https://evidence.example/report",
        "https://evidence.example/report",
    )


def test_an_overdue_reminder_says_when_it_was_due_under_which_agreement_and_links_to_it(
    scope, owner
):
    agreement = AgreementFactory(organization=scope, title="Logistics MSA")
    ObligationFactory(
        organization=scope, agreement=agreement, owner=owner, due_date=date(2025, 4, 1)
    )
    services.obligations_notify_overdue(today=date(2025, 4, 10))
    reminder = Notification.objects.get(recipient=owner, title__startswith="Overdue")
    assert reminder.body == "Due 01 Apr 2025 under “Logistics MSA”."
    assert reminder.url == services.agreement_url(agreement)


def test_the_reminder_job_counts_every_reminder_it_sends(scope, owner):
    for day in (1, 2, 3):
        ObligationFactory(organization=scope, owner=owner, due_date=date(2025, 4, day))
    assert services.obligations_notify_overdue(today=date(2025, 4, 10)) == 3


def test_only_open_obligations_past_their_due_date_are_reminded_once(scope, owner):
    today = date(2025, 4, 10)
    late = ObligationFactory(organization=scope, owner=owner, due_date=date(2025, 4, 9))
    ObligationFactory(organization=scope, owner=owner, due_date=today)  # due today: not late
    done = ObligationFactory(organization=scope, owner=owner, due_date=date(2025, 3, 1))
    services.obligation_fulfil(
        obligation=done, actor=owner, evidence="Sent.", now=timezone.now()
    )  # fulfilled

    assert services.obligations_notify_overdue(today=today) == 1
    reminders = Notification.objects.filter(recipient=owner, title__startswith="Overdue")
    assert [n.title for n in reminders] == [f"Overdue obligation: {late.title}"]
    assert services.obligations_notify_overdue(today=today) == 0  # once per due date


def test_an_overdue_obligation_nobody_owns_goes_to_the_partnership_owner_else_the_admins(
    scope, owner, make_member
):
    manager = make_member(scope, email="pm@alpha.test")
    partnership = PartnershipFactory(organization=scope, owner=manager)
    owned = ObligationFactory(
        organization=scope,
        owner=None,
        agreement=AgreementFactory(organization=scope, partnership=partnership),
        due_date=date(2025, 3, 1),
    )
    # Neither the obligation nor its partnership has an owner: `owner`, the admin, is told.
    orphan = ObligationFactory(organization=scope, owner=None, due_date=date(2025, 3, 2))
    assert services.obligations_notify_overdue(today=date(2025, 4, 10)) == 2
    reminders = Notification.objects.filter(title__startswith="Overdue")
    assert sorted((n.recipient.email, n.title) for n in reminders) == [
        (owner.email, f"Overdue obligation: {orphan.title}"),
        (manager.email, f"Overdue obligation: {owned.title}"),
    ]


def test_an_overdue_obligation_with_an_owner_tells_that_owner_only(scope, owner, make_member):
    lawyer = make_member(scope, email="lawyer@alpha.test")
    manager = make_member(scope, email="pm@alpha.test")
    partnership = PartnershipFactory(organization=scope, owner=manager)
    ObligationFactory(
        organization=scope,
        owner=lawyer,
        agreement=AgreementFactory(organization=scope, partnership=partnership),
        due_date=date(2025, 3, 1),
    )
    assert services.obligations_notify_overdue(today=date(2025, 4, 10)) == 1
    [reminder] = Notification.objects.filter(title__startswith="Overdue")
    assert reminder.recipient == lawyer


def test_a_recurring_fulfilment_records_the_next_due_date_in_the_audit_trail(scope, owner):
    obligation = ObligationFactory(
        organization=scope, due_date=date(2025, 3, 31), recurrence="quarterly"
    )
    services.obligation_fulfil(
        obligation=obligation, actor=owner, evidence="Q1 report sent.", now=timezone.now()
    )
    event = AuditEvent.objects.get(action="contracts.obligation.fulfilled")
    assert event.changes == {
        "due_date": "2025-03-31",
        "evidence": "Q1 report sent.",
        "evidence_file": "",
        "next_due_date": "2025-06-30",
    }


def test_the_evidence_file_is_stored_with_its_bytes_under_its_name(
    scope, owner, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    obligation = ObligationFactory(organization=scope)
    _fulfil_with_file(obligation, owner, "certificate.pdf", b"%PDF-1.4 insurance certificate")
    kept = ObligationFulfilment.objects.get()
    kept.evidence_file.open("rb")
    try:
        assert kept.evidence_file.read() == b"%PDF-1.4 insurance certificate"
    finally:
        kept.evidence_file.close()
    assert kept.evidence_file.name.rsplit("/", 1)[-1].startswith("certificate")
    assert kept.evidence_filename == "certificate.pdf"


def test_an_obligation_change_is_checked_stored_and_audited_and_only_its_fields(scope, owner):
    obligation = ObligationFactory(organization=scope, due_date=date(2025, 3, 31))
    services.obligation_update(
        obligation=obligation,
        actor=owner,
        title="Deliver the annual audit report",
        due_date=date(2025, 6, 30),
        organization=None,
    )
    obligation.refresh_from_db()
    assert (obligation.title, obligation.due_date, obligation.organization) == (
        "Deliver the annual audit report",
        date(2025, 6, 30),
        scope,
    )
    event = AuditEvent.objects.get(action="contracts.obligation.updated")
    assert (event.actor, event.object_id) == (owner, str(obligation.pk))
    assert event.changes["due_date"] == ["2025-03-31", "2025-06-30"]
    services.obligation_update(obligation=obligation, actor=owner, title=obligation.title)
    assert AuditEvent.objects.filter(action="contracts.obligation.updated").count() == 1
    with pytest.raises(ValidationError) as refused:
        services.obligation_update(
            obligation=obligation, actor=owner, recurrence="monthly", due_date=None
        )
    assert refused.value.message_dict == {
        "due_date": ["A recurring obligation needs its first due date."]
    }
    obligation.refresh_from_db()
    assert obligation.due_date == date(2025, 6, 30)
