"""Data-sharing rules pinned in their exact words: what a term stores (the tenant, the
partnership, each field), the same category of the same partnership changed in place (another
partnership's or category left alone), the fields a term takes, each refusal on its field (an
unknown choice, a negative or over-long retention, blank usage rights, a partnership of another
tenant), the audit event with only what changed; a legal hold placed with its reason trimmed,
lifted with the reason cleared, each refused when already so or without a reason, audited; the
retention job: per term in order, its cutoff, what it deletes or anonymises of the EDI messages
and decided discrepancies older than the cutoff (of this partnership only, what is at the
cutoff kept), the run it records (action, cutoff, count, note, held), a held term's data left
alone, a category without data, the audit event of a run that did something. Found by
`make mutation MUTATION_ARGS=integrations.data_sharing`."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from integrations import services
from integrations.models import (
    DataSharingTerm,
    Discrepancy,
    EdiDocument,
    EdiDocumentLine,
    EdiFinding,
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
    EdiFindingFactory,
)
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 2, 30, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=365)
OLD, RECENT = CUTOFF - timedelta(seconds=1), NOW - timedelta(days=10)
USE = "Both parties: order-to-pay processing only."
NOTHING_KEPT = "No data of this category is kept by the integrations module yet."


def _values(**fields):
    return {"category": "edi_documents", "owner": "joint", "usage_rights": USE,
            "retention_days": 365, "on_expiry": "delete", "legal_basis": "contract",
            **fields}  # fmt: skip


def _set(org, partnership, actor, **fields) -> DataSharingTerm:
    with tenant_scope(org):
        return services.data_sharing_term_set(
            partnership=partnership, actor=actor, **_values(**fields)
        )


def _set_refusal(org, partnership, actor, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        _set(org, partnership, actor, **fields)
    return refused.value.message_dict


def _hold(org, term, actor, *, hold=True, reason="Claim 42") -> DataSharingTerm:
    with tenant_scope(org):
        return services.data_sharing_term_hold(term=term, actor=actor, hold=hold, reason=reason)


def _term(org, partnership, **fields) -> DataSharingTerm:
    return DataSharingTermFactory(organization=org, partnership=partnership, **fields)


def _apply(org, now=NOW) -> list[RetentionRun]:
    with tenant_scope(org):
        return services.retention_apply(now=now)


def _events(org, action):
    with tenant_scope(org):
        return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _fresh(org, model, pk):
    with tenant_scope(org):
        return model.objects.filter(pk=pk).first()


# --- data_sharing_term_set ----------------------------------------------------------------------


def test_a_new_term_stores_every_field(org_a, manager, partnership):
    term = _set(
        org_a, partnership, manager, category="discrepancies", owner="partner",
        usage_rights="Disputes only", retention_days="730", on_expiry="anonymise",
        legal_basis="legal_obligation",
    )  # fmt: skip
    stored = _fresh(org_a, DataSharingTerm, term.pk)
    assert (stored.organization_id, stored.partnership_id) == (org_a.pk, partnership.pk)
    assert (stored.category, stored.owner, stored.usage_rights) == (
        "discrepancies", "partner", "Disputes only"
    )  # fmt: skip
    assert (stored.retention_days, stored.on_expiry, stored.legal_basis) == (
        730, "anonymise", "legal_obligation"
    )  # fmt: skip
    assert (stored.legal_hold, stored.legal_hold_reason) == (False, "")


def test_a_term_deletes_on_expiry_unless_told(org_a, manager, partnership):
    values = _values()
    del values["on_expiry"]
    with tenant_scope(org_a):
        term = services.data_sharing_term_set(partnership=partnership, actor=manager, **values)
    assert _fresh(org_a, DataSharingTerm, term.pk).on_expiry == "delete"


def test_the_same_category_is_changed_in_place_and_others_are_terms_of_their_own(
    org_a, manager, partnership
):
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    first = _set(org_a, partnership, manager)
    mine_other_category = _set(org_a, partnership, manager, category="forecasts")
    theirs = _set(org_a, other, manager, retention_days=30)
    again = _set(org_a, partnership, manager, retention_days=730, owner="buyer")
    assert again.pk == first.pk
    assert len({first.pk, mine_other_category.pk, theirs.pk}) == 3
    assert _fresh(org_a, DataSharingTerm, first.pk).retention_days == 730
    assert _fresh(org_a, DataSharingTerm, theirs.pk).retention_days == 30
    assert _fresh(org_a, DataSharingTerm, mine_other_category.pk).retention_days == 365


def test_an_unknown_field_is_a_programming_error(org_a, manager, partnership):
    with tenant_scope(org_a), pytest.raises(TypeError) as refused:
        services.data_sharing_term_set(
            partnership=partnership, actor=manager, **_values(legal_hold=True, colour="red")
        )
    assert str(refused.value) == "Unknown term fields: ['colour', 'legal_hold']"


def test_a_partnership_of_another_organization_is_refused(org_a, org_b, manager):
    theirs = PartnershipFactory(organization=org_b, name="Bravo supply")
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.data_sharing_term_set(partnership=theirs, actor=manager, colour="red")
    assert refused.value.message_dict == {
        "partnership": ["No such partnership in this organization."]
    }


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({"category": "photos"}, {"category": ["Value 'photos' is not a valid choice."]}),
        ({"owner": "nobody"}, {"owner": ["Value 'nobody' is not a valid choice."]}),
        ({"on_expiry": "keep"}, {"on_expiry": ["Value 'keep' is not a valid choice."]}),
        ({"legal_basis": "whim"}, {"legal_basis": ["Value 'whim' is not a valid choice."]}),
        (
            {"retention_days": -1},
            {"retention_days": ["Ensure this value is greater than or equal to 0."]},
        ),
        ({"usage_rights": ""}, {"usage_rights": ["This field cannot be blank."]}),
        ({"usage_rights": " \n "}, {"usage_rights": ["Say what each party may use the data for."]}),
    ],
)
def test_a_bad_field_is_refused_on_the_field(org_a, manager, partnership, fields, refusal):
    assert _set_refusal(org_a, partnership, manager, **fields) == refusal
    with tenant_scope(org_a):
        assert not DataSharingTerm.objects.exists()


def test_a_retention_of_up_to_100_years_is_kept_and_a_longer_one_refused(
    org_a, manager, partnership
):
    # Longer ones made the nightly job's cutoff fall before year 1: it crashed for every term.
    refusal = _set_refusal(org_a, partnership, manager, retention_days=36501)
    assert refusal == {"retention_days": ["At most 36,500 days (100 years)."]}
    term = _set(org_a, partnership, manager, retention_days=36500)
    assert _fresh(org_a, DataSharingTerm, term.pk).retention_days == 36500
    [run] = _apply(org_a)
    assert run.cutoff == NOW - timedelta(days=36500)


def test_a_term_stored_before_the_cap_with_a_longer_retention_does_not_stop_the_job(
    org_a, manager, partnership
):
    term = _set(org_a, partnership, manager, retention_days=36500)
    with tenant_scope(org_a):
        DataSharingTerm.objects.filter(pk=term.pk).update(retention_days=800_000)
    [run] = _apply(org_a)
    assert run.cutoff == NOW - timedelta(days=36500)


def test_setting_a_term_is_audited_with_what_changed_only(org_a, manager, partnership):
    term = _set(org_a, partnership, manager)
    _set(org_a, partnership, None, retention_days=730, owner="buyer")
    first, second = _events(org_a, "integrations.data_sharing_term.set")
    assert (first.actor, first.object_type, first.object_id) == (
        manager, "integrations.datasharingterm", str(term.pk)
    )  # fmt: skip
    assert first.changes == {
        "category": [None, "edi_documents"], "owner": [None, "joint"],
        "usage_rights": [None, USE], "retention_days": [None, 365],
        "on_expiry": [None, "delete"], "legal_basis": [None, "contract"],
    }  # fmt: skip
    assert (second.actor, second.object_id) == (None, str(term.pk))
    assert second.changes == {"owner": ["joint", "buyer"], "retention_days": [365, 730]}


# --- data_sharing_term_hold ---------------------------------------------------------------------


def test_a_hold_keeps_its_reason_trimmed_and_is_audited(org_a, manager, partnership):
    term = _term(org_a, partnership)
    returned = _hold(org_a, term, manager, reason="  Claim 42 \n")
    stored = _fresh(org_a, DataSharingTerm, term.pk)
    for row in (returned, stored):
        assert (row.legal_hold, row.legal_hold_reason) == (True, "Claim 42")
    [event] = _events(org_a, "integrations.data_sharing_term.held")
    assert (event.actor, event.object_type, event.object_id) == (
        manager, "integrations.datasharingterm", str(term.pk)
    )  # fmt: skip
    assert event.changes == {"legal_hold": True, "reason": "Claim 42"}


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_hold_without_a_reason_is_refused_on_the_reason(org_a, manager, partnership, reason):
    term = _term(org_a, partnership)
    with pytest.raises(ValidationError) as refused:
        _hold(org_a, term, manager, reason=reason)
    assert refused.value.message_dict == {
        "reason": ["Say why the data is held (the matter or request)."]
    }
    assert _fresh(org_a, DataSharingTerm, term.pk).legal_hold is False


def test_a_hold_on_held_data_is_refused_and_keeps_the_first_reason(org_a, manager, partnership):
    term = _term(org_a, partnership, legal_hold=True, legal_hold_reason="Claim 42")
    with pytest.raises(ConflictError) as refused:
        _hold(org_a, term, manager, reason="Audit")
    assert (str(refused.value), refused.value.code) == ("The data is already held.", "conflict")
    assert _fresh(org_a, DataSharingTerm, term.pk).legal_hold_reason == "Claim 42"


def test_lifting_a_hold_clears_its_reason_and_is_audited(org_a, manager, partnership):
    term = _term(org_a, partnership, legal_hold=True, legal_hold_reason="Claim 42")
    _hold(org_a, term, manager, hold=False, reason=" Settled ")
    stored = _fresh(org_a, DataSharingTerm, term.pk)
    assert (stored.legal_hold, stored.legal_hold_reason) == (False, "")
    [event] = _events(org_a, "integrations.data_sharing_term.released")
    assert (event.actor, event.object_id) == (manager, str(term.pk))
    assert event.changes == {"legal_hold": False, "reason": "Settled"}
    assert _events(org_a, "integrations.data_sharing_term.held") == []


def test_lifting_a_hold_needs_no_reason_and_data_not_held_is_refused(org_a, manager, partnership):
    term = _term(org_a, partnership, legal_hold=True, legal_hold_reason="Claim 42")
    with tenant_scope(org_a):
        services.data_sharing_term_hold(term=term, actor=manager, hold=False)
    [event] = _events(org_a, "integrations.data_sharing_term.released")
    assert event.changes == {"legal_hold": False, "reason": ""}
    with pytest.raises(ConflictError) as refused:
        _hold(org_a, term, manager, hold=False, reason="")
    assert str(refused.value) == "The data is not held."


# --- retention_apply: EDI messages --------------------------------------------------------------


def _message(org, partnership, received_at, **fields) -> EdiDocument:
    document = EdiDocumentFactory(
        organization=org, partnership=partnership, received_at=received_at,
        filename="invoice.edi", error="Segment 4 is short.", **fields,
    )  # fmt: skip
    EdiDocumentLineFactory(organization=org, document=document, description="Bearing for Smith")
    EdiFindingFactory(organization=org, document=document)
    return document


def test_expired_messages_are_deleted_with_their_lines_and_findings(org_a, manager, partnership):
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    old = _message(org_a, partnership, OLD)
    older = _message(org_a, partnership, OLD - timedelta(days=30))
    at_cutoff = _message(org_a, partnership, CUTOFF)
    theirs = _message(org_a, other, OLD)
    on_invoice = DiscrepancyFactory(organization=org_a, partnership=partnership, document=old)
    on_order = DiscrepancyFactory(organization=org_a, partnership=partnership, order_document=old)
    term = _term(org_a, partnership)
    [run] = _apply(org_a)
    with tenant_scope(org_a):
        left = set(EdiDocument.objects.values_list("pk", flat=True))
        lines = set(EdiDocumentLine.objects.values_list("document_id", flat=True))
        findings = set(EdiFinding.objects.values_list("document_id", flat=True))
        kept = {d.pk: (d.document_id, d.order_document_id) for d in Discrepancy.objects.all()}
    assert left == lines == findings == {at_cutoff.pk, theirs.pk}
    assert kept == {on_invoice.pk: (None, None), on_order.pk: (None, None)}
    assert (run.term_id, run.partnership_id, run.category, run.action) == (
        term.pk, partnership.pk, "edi_documents", "delete"
    )  # fmt: skip
    assert (run.cutoff, run.affected, run.held, run.ran_at) == (CUTOFF, 2, False, NOW)
    assert run.note == "messages, lines and findings deleted"
    assert older.pk not in left


def test_expired_messages_are_anonymised_once_keeping_their_figures(org_a, manager, partnership):
    old = _message(org_a, partnership, OLD, received_by=manager)
    recent = _message(org_a, partnership, RECENT, received_by=manager)
    _term(org_a, partnership, on_expiry="anonymise")
    [run] = _apply(org_a)
    gone = _fresh(org_a, EdiDocument, old.pk)
    assert (bytes(gone.content), gone.size, gone.filename, gone.error) == (b"", 0, "", "")
    assert (gone.sender_id, gone.receiver_id, gone.received_by) == ("", "", None)
    assert (gone.document_number, gone.declared_total) == (old.document_number, old.declared_total)
    with tenant_scope(org_a):
        descriptions = dict(EdiDocumentLine.objects.values_list("document_id", "description"))
        assert EdiFinding.objects.count() == 2
    assert descriptions == {old.pk: "", recent.pk: "Bearing for Smith"}
    kept = _fresh(org_a, EdiDocument, recent.pk)
    assert (kept.filename, kept.sender_id, kept.received_by) == (
        "invoice.edi",
        old.sender_id,
        manager,
    )
    assert (run.action, run.affected) == ("anonymise", 1)
    assert run.note == "message bytes, parties, file names and line texts removed"
    [again] = _apply(org_a, NOW + timedelta(days=1))
    assert (again.affected, again.note) == (0, run.note)


# --- retention_apply: decided discrepancies -----------------------------------------------------


def _decided(org, partnership, status="resolved", decided_at=OLD, **fields) -> Discrepancy:
    return DiscrepancyFactory(
        organization=org, partnership=partnership, status=status, decided_at=decided_at, **fields
    )


def test_expired_decided_discrepancies_are_deleted_and_others_kept(org_a, manager, partnership):
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    resolved = _decided(org_a, partnership)
    accepted = _decided(org_a, partnership, status="accepted")
    kept = [
        _decided(org_a, partnership, status="disputed"),
        _decided(org_a, partnership, status="open"),
        _decided(org_a, partnership, status="payment_blocked"),
        _decided(org_a, partnership, decided_at=CUTOFF),
        _decided(org_a, other),
    ]
    _term(org_a, partnership, category="discrepancies")
    [run] = _apply(org_a)
    with tenant_scope(org_a):
        left = set(Discrepancy.objects.values_list("pk", flat=True))
    assert left == {d.pk for d in kept}
    assert {resolved.pk, accepted.pk} & left == set()
    assert (run.category, run.action, run.affected, run.cutoff) == (
        "discrepancies", "delete", 2, CUTOFF
    )  # fmt: skip
    assert run.note == "decided discrepancies deleted"


def test_expired_decided_discrepancies_lose_their_notes_and_people(org_a, manager, partnership):
    noted = _decided(org_a, partnership, dispute_note="Ask Smith")
    resolved = _decided(org_a, partnership, status="accepted", resolution="Credit note 7")
    owned = _decided(org_a, partnership, owner=manager)
    decided_only = _decided(org_a, partnership, decided_by=manager)
    bare = _decided(org_a, partnership)
    recent = _decided(
        org_a, partnership, decided_at=RECENT, dispute_note="Ask Jones", owner=manager
    )
    _term(org_a, partnership, category="discrepancies", on_expiry="anonymise")
    [run] = _apply(org_a)
    for row in (noted, resolved, owned, decided_only, bare):
        stored = _fresh(org_a, Discrepancy, row.pk)
        assert (stored.dispute_note, stored.resolution, stored.owner, stored.decided_by) == (
            "", "", None, None
        )  # fmt: skip
        assert (stored.amount_at_stake, stored.status) == (row.amount_at_stake, row.status)
    untouched = _fresh(org_a, Discrepancy, recent.pk)
    assert (untouched.dispute_note, untouched.owner) == ("Ask Jones", manager)
    assert (run.action, run.affected) == ("anonymise", 4)
    assert run.note == "notes and people removed from decided discrepancies"
    [again] = _apply(org_a, NOW + timedelta(days=1))
    assert again.affected == 0


# --- retention_apply: the runs ------------------------------------------------------------------


def test_a_held_term_is_left_alone_and_its_run_says_why(org_a, manager, partnership):
    old = _message(org_a, partnership, OLD)
    term = _term(
        org_a, partnership, retention_days=30, legal_hold=True, legal_hold_reason="Claim 42"
    )
    [run] = _apply(org_a)
    assert _fresh(org_a, EdiDocument, old.pk) is not None
    assert (run.term_id, run.action, run.held, run.affected) == (term.pk, "held", True, 0)
    assert (run.note, run.cutoff) == ("Legal hold: Claim 42", NOW - timedelta(days=30))
    assert _events(org_a, "integrations.retention.applied") == []


def test_a_category_without_data_here_is_recorded_with_nothing_done(org_a, partnership):
    _message(org_a, partnership, OLD)
    _term(org_a, partnership, category="master_data", on_expiry="anonymise")
    _term(org_a, partnership, category="forecasts")
    master, forecasts = _apply(org_a)
    assert (master.action, master.affected, master.note) == ("anonymise", 0, NOTHING_KEPT)
    assert (forecasts.action, forecasts.affected, forecasts.note) == ("delete", 0, NOTHING_KEPT)
    with tenant_scope(org_a):
        assert EdiDocument.objects.count() == 1


def test_every_term_gets_a_stored_run_in_order_and_the_job_is_audited(org_a, manager, partnership):
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    _message(org_a, partnership, OLD)
    _message(org_a, partnership, OLD)
    _decided(org_a, other)
    first = _term(org_a, partnership)
    second = _term(org_a, other, category="discrepancies", on_expiry="anonymise")
    held = _term(org_a, other, category="forecasts", legal_hold=True, legal_hold_reason="Claim")
    runs = _apply(org_a)
    assert [r.term_id for r in runs] == [first.pk, second.pk, held.pk]
    with tenant_scope(org_a):
        stored = list(RetentionRun.objects.order_by("pk"))
    assert [(r.term_id, r.organization_id, r.action, r.affected, r.ran_at) for r in stored] == [
        (first.pk, org_a.pk, "delete", 2, NOW),
        (second.pk, org_a.pk, "anonymise", 0, NOW),
        (held.pk, org_a.pk, "held", 0, NOW),
    ]
    [event] = _events(org_a, "integrations.retention.applied")
    assert event.actor is None
    assert event.changes == {
        f"edi_documents:{partnership.pk}": ["delete", 2],
        f"discrepancies:{other.pk}": ["anonymise", 0],
        f"forecasts:{other.pk}": ["held", 0],
    }


def test_a_run_that_did_nothing_is_not_audited(org_a, partnership):
    _message(org_a, partnership, RECENT)
    _term(org_a, partnership)
    [run] = _apply(org_a)
    assert run.affected == 0
    assert _events(org_a, "integrations.retention.applied") == []
