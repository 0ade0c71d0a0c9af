"""Data-sharing terms and the retention job: expired data is deleted or anonymised and the run
recorded; data under legal hold is never touched; data within its period is kept."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from integrations import services
from integrations.models import (
    DataSharingTerm,
    Discrepancy,
    EdiDocument,
    EdiDocumentLine,
    RetentionRun,
)
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.integrations.factories import (
    DataSharingTermFactory,
    DiscrepancyFactory,
    EdiDocumentFactory,
    EdiDocumentLineFactory,
)
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 2, 30, tzinfo=UTC)
OLD, RECENT = NOW - timedelta(days=400), NOW - timedelta(days=10)


def _documents(org, partnership):
    old = EdiDocumentFactory(organization=org, partnership=partnership, received_at=OLD)
    EdiDocumentLineFactory(organization=org, document=old, description="Bearing for Mr Smith")
    recent = EdiDocumentFactory(organization=org, partnership=partnership, received_at=RECENT)
    return old, recent


def test_expired_documents_are_deleted_and_held_ones_never_touched(org_a, manager):
    unheld, held = PartnershipFactory(organization=org_a), PartnershipFactory(organization=org_a)
    old, recent = _documents(org_a, unheld)
    held_old, _ = _documents(org_a, held)
    DataSharingTermFactory(organization=org_a, partnership=unheld, retention_days=365)
    term = DataSharingTermFactory(organization=org_a, partnership=held, retention_days=365)
    with tenant_scope(org_a):
        services.data_sharing_term_hold(term=term, actor=manager, hold=True, reason="Claim 42")
        runs = {r.partnership_id: r for r in services.retention_apply(now=NOW)}
        remaining = set(EdiDocument.objects.values_list("pk", flat=True))
        assert not EdiDocumentLine.objects.filter(document_id=old.pk).exists()
        assert RetentionRun.objects.count() == 2
    assert old.pk not in remaining and held_old.pk in remaining
    assert (runs[unheld.pk].action, runs[unheld.pk].affected) == ("delete", 1)
    assert runs[held.pk].held and runs[held.pk].affected == 0
    assert "Claim 42" in runs[held.pk].note


def test_anonymising_keeps_the_figures_and_removes_who_and_what_once(org_a, manager):
    partnership = PartnershipFactory(organization=org_a)
    old, recent = _documents(org_a, partnership)
    DataSharingTermFactory(organization=org_a, partnership=partnership, on_expiry="anonymise")
    with tenant_scope(org_a):
        (run,) = services.retention_apply(now=NOW)
        old.refresh_from_db()
        recent.refresh_from_db()
        line = EdiDocumentLine.objects.get(document=old)
        (again,) = services.retention_apply(now=NOW + timedelta(days=1))
    assert run.affected == 1 and again.affected == 0
    assert bytes(old.content) == b"" and old.sender_id == "" and old.line_total is not None
    assert line.description == "" and line.quantity > 0
    assert bytes(recent.content) != b"" and recent.sender_id


def test_only_decided_discrepancies_expire(org_a, manager):
    partnership = PartnershipFactory(organization=org_a)
    decided = DiscrepancyFactory(organization=org_a, partnership=partnership, status="resolved",
                                 decided_at=OLD)  # fmt: skip
    still_open = DiscrepancyFactory(organization=org_a, partnership=partnership, detected_at=OLD)
    DataSharingTermFactory(organization=org_a, partnership=partnership, category="discrepancies")
    with tenant_scope(org_a):
        services.retention_apply(now=NOW)
        left = set(Discrepancy.objects.values_list("pk", flat=True))
    assert left == {still_open.pk} and decided.pk not in left


def test_a_hold_needs_a_reason_and_a_term_needs_usage_rights(org_a, manager):
    partnership = PartnershipFactory(organization=org_a)
    term = DataSharingTermFactory(organization=org_a, partnership=partnership)
    with tenant_scope(org_a):
        with pytest.raises(ValidationError):
            services.data_sharing_term_hold(term=term, actor=manager, hold=True, reason="")
        with pytest.raises(ConflictError):
            services.data_sharing_term_hold(term=term, actor=manager, hold=False)
        with pytest.raises(ValidationError) as refused:
            services.data_sharing_term_set(
                partnership=partnership, actor=manager, category="forecasts", owner="partner",
                usage_rights=" ", retention_days=90, on_expiry="delete", legal_basis="consent",
            )  # fmt: skip
    assert "usage_rights" in refused.value.message_dict


def test_a_hold_placed_since_the_page_was_opened_keeps_its_reason(org_a, manager):
    term = DataSharingTermFactory(
        organization=org_a, partnership=PartnershipFactory(organization=org_a)
    )
    with tenant_scope(org_a):
        stale = DataSharingTerm.objects.get(pk=term.pk)  # the page's copy
        services.data_sharing_term_hold(term=term, actor=manager, hold=True, reason="Claim 42")
        with pytest.raises(ConflictError):
            services.data_sharing_term_hold(term=stale, actor=manager, hold=True, reason="Audit")
        term.refresh_from_db()
        held = AuditEvent.objects.filter(action="integrations.data_sharing_term.held").count()
    assert (term.legal_hold, term.legal_hold_reason, held) == (True, "Claim 42", 1)


def test_a_manager_records_terms_and_holds_them_from_the_partnership_page(
    org_a, manager, partnership, client_as
):
    from django.urls import reverse

    from integrations.models import DataSharingTerm

    client = client_as(manager)
    url = reverse("data-sharing-term-create", args=["alpha", partnership.pk])
    fields = {
        "category": "edi_documents",
        "owner": "joint",
        "usage_rights": "Order-to-pay only",
        "retention_days": "3650",
        "on_expiry": "anonymise",
        "legal_basis": "legal_obligation",
    }
    response = client.post(url, fields)
    assert response.status_code == 302
    with tenant_scope(org_a):
        term = DataSharingTerm.objects.get()
    client.post(reverse("data-sharing-term-hold", args=["alpha", term.pk]), {"reason": ""})
    with tenant_scope(org_a):
        term.refresh_from_db()
    assert not term.legal_hold
    client.post(reverse("data-sharing-term-hold", args=["alpha", term.pk]), {"reason": "Audit"})
    page = client.get(reverse("partnership-integrations", args=["alpha", partnership.pk]))
    assert b"Order-to-pay only" in page.content and b"Held</strong>: Audit" in page.content
    bad = client.post(url, {"category": "edi_documents", "owner": "joint", "usage_rights": "x",
                            "retention_days": "-1", "on_expiry": "delete",
                            "legal_basis": "contract"})  # fmt: skip
    assert bad.status_code == 400
