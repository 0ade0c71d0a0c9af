"""Crosswalk rules pinned in their exact words: what a mapping stores (the tenant, the
partnership, the kind, both codes with their spaces collapsed, the description trimmed and cut at
200, who made it and when, when it last changed), a partner code remapped in place (its maker and
creation kept) while another kind, partnership or code is a mapping of its own; each refusal on
its field (an unknown kind, a missing or long code, a partnership of another tenant); the audit
event of a mapping set and deleted; the re-processing queued only for a material some line of
this partnership waits on (no code of ours, the partner's code given), one queued job reused,
its audit event and its task; the job's work (our code filled from the material mappings of
this partnership only, lines and documents counted, the match run again, its progress, the
result, the audit event), a finished job left alone. Found by
`make mutation MUTATION_ARGS=integrations.crosswalks`."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from integrations import services
from integrations.models import CodeMapping, CrosswalkReprocess, EdiDocumentLine
from integrations.services import crosswalks
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Role
from tests.integrations.factories import (
    CodeMappingFactory,
    CrosswalkReprocessFactory,
    EdiDocumentFactory,
    EdiDocumentLineFactory,
)
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
STARTED, MATCHED, FINISHED = (NOW + timedelta(minutes=1, seconds=s) for s in (0, 1, 2))


@pytest.fixture
def queued(monkeypatch):
    """The tasks the services queue, as (name, kwargs), instead of running them."""
    sent = []
    monkeypatch.setattr(crosswalks, "enqueue", lambda task, **kwargs: sent.append((task, kwargs)))
    return sent


def _set(org, partnership, actor, *, now=NOW, **fields) -> CodeMapping:
    values = {"kind": "cost_code", "partner_code": "CC-1", "our_code": "4711", **fields}
    with tenant_scope(org):
        return services.code_mapping_set(partnership=partnership, actor=actor, now=now, **values)


def _set_refusal(org, partnership, actor, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        _set(org, partnership, actor, **fields)
    return refused.value.message_dict


def _waiting_line(org, partnership, seller="SUP-1", buyer="", **fields) -> EdiDocumentLine:
    document = fields.pop("document", None) or EdiDocumentFactory(
        organization=org, partnership=partnership, order_reference=""
    )
    return EdiDocumentLineFactory(
        organization=org, document=document, gtin="", buyer_item_code=buyer,
        seller_item_code=seller, **fields,
    )  # fmt: skip


def _jobs(org):
    with tenant_scope(org):
        return list(CrosswalkReprocess.objects.order_by("pk"))


def _events(org, action):
    with tenant_scope(org):
        return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _buyer_code(org, line) -> str:
    with tenant_scope(org):
        return EdiDocumentLine.objects.get(pk=line.pk).buyer_item_code


def _reprocess(org, job, clock=None):
    clock = clock or iter([STARTED, MATCHED, FINISHED]).__next__
    with tenant_scope(org):
        return services.crosswalk_reprocess(job_id=job.pk, clock=clock)


# --- code_mapping_set ---------------------------------------------------------------------------


def test_a_new_mapping_stores_both_codes_collapsed_the_description_trimmed_and_who_made_it(
    org_a, manager, partnership
):
    mapping = _set(
        org_a, partnership, manager, kind="supplier", partner_code="  4012 \t 345 ",
        our_code=" V \n 100 ", description="  The bearing works  ",
    )  # fmt: skip
    with tenant_scope(org_a):
        stored = CodeMapping.objects.get(pk=mapping.pk)
    assert (stored.kind, stored.partner_code, stored.our_code, stored.description) == (
        "supplier", "4012 345", "V 100", "The bearing works"
    )  # fmt: skip
    assert (stored.organization_id, stored.partnership_id) == (org_a.pk, partnership.pk)
    assert (stored.created_by, stored.created_at, stored.updated_at) == (manager, NOW, NOW)


def test_a_description_is_cut_at_200_characters_and_may_be_left_out(org_a, manager, partnership):
    long = _set(org_a, partnership, manager, partner_code="CC-1", description="D" * 205)
    none = _set(org_a, partnership, manager, partner_code="CC-2")
    assert (long.description, none.description) == ("D" * 200, "")


def test_codes_of_64_characters_are_kept(org_a, manager, partnership):
    mapping = _set(org_a, partnership, manager, partner_code="P" * 64, our_code="O" * 64)
    assert (mapping.partner_code, mapping.our_code) == ("P" * 64, "O" * 64)


def test_remapping_a_partner_code_changes_it_in_place_keeping_who_made_it_and_when(
    org_a, manager, partnership, make_member
):
    colleague = make_member(org_a, Role.PROCUREMENT_MANAGER, email="colleague@alpha.test")
    first = _set(org_a, partnership, manager, description="Old")
    again = _set(org_a, partnership, colleague, partner_code=" CC-1 ", our_code="4712", now=LATER)
    assert again.pk == first.pk
    with tenant_scope(org_a):
        [stored] = CodeMapping.objects.all()
    assert (stored.our_code, stored.description) == ("4712", "")
    assert (stored.created_by, stored.created_at, stored.updated_at) == (manager, NOW, LATER)


def test_the_same_partner_code_of_another_kind_or_partnership_is_a_mapping_of_its_own(
    org_a, manager, partnership
):
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    first = _set(org_a, partnership, manager, kind="cost_code")
    _set(org_a, partnership, manager, kind="supplier", our_code="V-1")
    _set(org_a, other, manager, kind="cost_code", our_code="9999")
    _set(org_a, partnership, manager, kind="cost_code", partner_code="CC-2", our_code="4800")
    with tenant_scope(org_a):
        assert CodeMapping.objects.get(pk=first.pk).our_code == "4711"
        assert CodeMapping.objects.count() == 4


@pytest.mark.parametrize("kind", ["colour", "", None, "MATERIAL"])
def test_an_unknown_kind_is_refused_on_the_kind(org_a, manager, partnership, kind):
    refusal = _set_refusal(org_a, partnership, manager, kind=kind)
    assert refusal == {"kind": ["Choose supplier, material or cost code."]}


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({"partner_code": " \t "}, {"partner_code": ["Give the partner's code."]}),
        ({"partner_code": None}, {"partner_code": ["Give the partner's code."]}),
        ({"our_code": ""}, {"our_code": ["Give our code."]}),
        ({"our_code": None}, {"our_code": ["Give our code."]}),
        ({"partner_code": "P" * 65}, {"partner_code": ["At most 64 characters."]}),
        ({"our_code": " " + "O" * 65}, {"our_code": ["At most 64 characters."]}),
    ],
)
def test_a_missing_or_long_code_is_refused_on_its_field(
    org_a, manager, partnership, fields, refusal
):
    assert _set_refusal(org_a, partnership, manager, **fields) == refusal
    with tenant_scope(org_a):
        assert not CodeMapping.objects.exists()


def test_the_partner_code_is_checked_before_ours(org_a, manager, partnership):
    refusal = _set_refusal(org_a, partnership, manager, partner_code="", our_code="")
    assert refusal == {"partner_code": ["Give the partner's code."]}


def test_a_partnership_of_another_organization_is_refused(org_a, org_b, manager):
    theirs = PartnershipFactory(organization=org_b, name="Bravo supply")
    refusal = _set_refusal(org_a, theirs, manager, kind="colour")
    assert refusal == {"partnership": ["No such partnership in this organization."]}


def test_setting_a_mapping_is_audited_with_its_kind_code_and_what_it_mapped_to(
    org_a, manager, partnership
):
    mapping = _set(org_a, partnership, manager, partner_code=" CC-1", our_code="4711")
    _set(org_a, partnership, None, partner_code="CC-1", our_code="4712")
    first, second = _events(org_a, "integrations.code_mapping.set")
    assert (first.actor, first.object_type, first.object_id) == (
        manager, "integrations.codemapping", str(mapping.pk)
    )  # fmt: skip
    assert first.changes == {
        "kind": "cost_code",
        "partner_code": "CC-1",
        "our_code": [None, "4711"],
    }
    assert (second.actor, second.object_id) == (None, str(mapping.pk))
    assert second.changes == {
        "kind": "cost_code", "partner_code": "CC-1", "our_code": ["4711", "4712"]
    }  # fmt: skip


# --- what mapping a material queues -------------------------------------------------------------


def test_mapping_a_material_a_line_waits_on_queues_its_reprocessing(
    org_a, manager, partnership, queued
):
    _waiting_line(org_a, partnership, seller="SUP 1")
    _set(org_a, partnership, manager, kind="material", partner_code=" SUP  1 ", our_code="MAT-1")
    [job] = _jobs(org_a)
    assert (job.partnership_id, job.requested_by, job.created_at, job.status) == (
        partnership.pk, manager, NOW, "queued"
    )  # fmt: skip
    assert queued == [
        (
            "integrations.tasks.crosswalk_reprocess",
            {"organization_id": org_a.pk, "job_id": job.pk},
        )
    ]


@pytest.mark.parametrize(
    ("kind", "seller", "buyer"),
    [
        ("supplier", "SUP-1", ""),  # only a material fills a line
        ("cost_code", "SUP-1", ""),
        ("material", "SUP-2", ""),  # no line waits on this code
        ("material", "SUP-1", "MAT-9"),  # the line already has our code
    ],
)
def test_nothing_is_queued_when_no_line_waits_on_the_material(
    org_a, manager, partnership, queued, kind, seller, buyer
):
    _waiting_line(org_a, partnership, seller=seller, buyer=buyer)
    _set(org_a, partnership, manager, kind=kind, partner_code="SUP-1", our_code="MAT-1")
    assert (_jobs(org_a), queued) == ([], [])


def test_a_line_of_another_partnership_does_not_queue_anything(org_a, manager, partnership, queued):
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    _waiting_line(org_a, other, seller="SUP-1")
    _set(org_a, partnership, manager, kind="material", partner_code="SUP-1", our_code="MAT-1")
    assert (_jobs(org_a), queued) == ([], [])


def test_a_line_without_the_partners_code_does_not_wait_on_a_mapping(
    org_a, manager, partnership, queued
):
    _waiting_line(org_a, partnership, seller="")
    with tenant_scope(org_a):
        assert not crosswalks._lines_waiting(partnership.pk)
    _waiting_line(org_a, partnership, seller="SUP-7")
    with tenant_scope(org_a):
        assert crosswalks._lines_waiting(partnership.pk)
        assert not crosswalks._lines_waiting(partnership.pk, ["SUP-1"])


# --- crosswalk_reprocess_request ----------------------------------------------------------------


def test_a_request_queues_a_job_audits_it_and_sends_its_task(org_a, manager, partnership, queued):
    with tenant_scope(org_a):
        job = services.crosswalk_reprocess_request(partnership=partnership, actor=manager, now=NOW)
    [stored] = _jobs(org_a)
    assert stored.pk == job.pk
    assert (stored.organization_id, stored.partnership_id, stored.requested_by) == (
        org_a.pk, partnership.pk, manager
    )  # fmt: skip
    assert (stored.created_at, stored.status) == (NOW, "queued")
    [event] = _events(org_a, "integrations.crosswalk_reprocess.queued")
    assert (event.actor, event.object_type, event.object_id) == (
        manager, "integrations.crosswalkreprocess", str(job.pk)
    )  # fmt: skip
    assert queued == [
        (
            "integrations.tasks.crosswalk_reprocess",
            {"organization_id": org_a.pk, "job_id": job.pk},
        )
    ]


def test_a_job_still_queued_for_the_partnership_is_reused(org_a, manager, partnership, queued):
    waiting = CrosswalkReprocessFactory(
        organization=org_a, partnership=partnership, status="queued"
    )
    with tenant_scope(org_a):
        job = services.crosswalk_reprocess_request(partnership=partnership, actor=manager, now=NOW)
    assert job.pk == waiting.pk
    assert (len(_jobs(org_a)), queued) == (1, [])
    assert _events(org_a, "integrations.crosswalk_reprocess.queued") == []


def test_a_finished_or_running_job_or_another_partnerships_queued_one_is_not_reused(
    org_a, manager, partnership, queued
):
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    for status in ("succeeded", "failed", "running"):
        CrosswalkReprocessFactory(organization=org_a, partnership=partnership, status=status)
    CrosswalkReprocessFactory(organization=org_a, partnership=other, status="queued")
    with tenant_scope(org_a):
        job = services.crosswalk_reprocess_request(partnership=partnership, actor=None, now=NOW)
    assert (job.status, job.partnership_id, len(_jobs(org_a))) == ("queued", partnership.pk, 5)
    assert len(queued) == 1


def test_a_request_for_a_partnership_of_another_organization_is_refused(
    org_a, org_b, manager, queued
):
    theirs = PartnershipFactory(organization=org_b, name="Bravo supply")
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.crosswalk_reprocess_request(partnership=theirs, actor=manager, now=NOW)
    assert refused.value.message_dict == {
        "partnership": ["No such partnership in this organization."]
    }
    assert (_jobs(org_a), queued) == ([], [])


# --- code_mapping_delete ------------------------------------------------------------------------


def test_deleting_a_mapping_removes_it_and_audits_what_it_mapped(org_a, manager, partnership):
    mapping = CodeMappingFactory(
        organization=org_a, partnership=partnership, kind="material", partner_code="SUP-1",
        our_code="MAT-1",
    )  # fmt: skip
    pk = mapping.pk
    with tenant_scope(org_a):
        services.code_mapping_delete(mapping=mapping, actor=manager)
        assert not CodeMapping.objects.exists()
    [event] = _events(org_a, "integrations.code_mapping.deleted")
    assert (event.actor, event.object_type, event.object_id) == (
        manager, "integrations.codemapping", str(pk)
    )  # fmt: skip
    assert event.changes == {"kind": "material", "partner_code": "SUP-1", "our_code": "MAT-1"}


# --- crosswalk_reprocess ------------------------------------------------------------------------


def test_the_job_fills_our_code_from_the_material_mappings_counts_and_finishes(
    org_a, manager, partnership
):
    invoice = EdiDocumentFactory(organization=org_a, partnership=partnership, order_reference="")
    first = _waiting_line(org_a, partnership, seller="SUP-1", document=invoice)
    second = _waiting_line(org_a, partnership, seller="SUP-2", document=invoice)
    elsewhere = _waiting_line(org_a, partnership, seller="SUP-1")
    unmapped = _waiting_line(org_a, partnership, seller="SUP-3")
    kept = _waiting_line(org_a, partnership, seller="SUP-1", buyer="MAT-9")
    for partner, ours in (("SUP-1", "MAT-1"), ("SUP-2", "MAT-2")):
        CodeMappingFactory(
            organization=org_a, partnership=partnership, kind="material", partner_code=partner,
            our_code=ours,
        )  # fmt: skip
    CodeMappingFactory(
        organization=org_a, partnership=partnership, kind="supplier", partner_code="SUP-3",
        our_code="V-3",
    )  # fmt: skip
    job = CrosswalkReprocessFactory(
        organization=org_a, partnership=partnership, status="queued", requested_by=manager,
        result=None,
    )  # fmt: skip
    done = _reprocess(org_a, job)
    assert [_buyer_code(org_a, line) for line in (first, second, elsewhere, unmapped, kept)] == [
        "MAT-1", "MAT-2", "MAT-1", "", "MAT-9"
    ]  # fmt: skip
    with tenant_scope(org_a):
        stored = CrosswalkReprocess.objects.get(pk=job.pk)
    expected = {"lines": 3, "documents": 2, "orders": 0, "opened": 0, "updated": 0, "cleared": 0}
    for row in (done, stored):
        assert (row.status, row.progress, row.result) == ("succeeded", 100, expected)
        assert (row.started_at, row.finished_at) == (STARTED, FINISHED)
    [event] = _events(org_a, "integrations.crosswalk_reprocess.succeeded")
    assert (event.actor, event.object_type, event.object_id) == (
        manager, "integrations.crosswalkreprocess", str(job.pk)
    )  # fmt: skip
    assert event.changes == expected


def test_the_job_fills_lines_of_its_own_partnership_from_its_own_mappings_only(
    org_a, manager, partnership
):
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    ours = _waiting_line(org_a, partnership, seller="SUP-1")
    theirs = _waiting_line(org_a, other, seller="SUP-1")
    only_other = _waiting_line(org_a, partnership, seller="SUP-5")
    CodeMappingFactory(
        organization=org_a, partnership=partnership, kind="material", partner_code="SUP-1",
        our_code="MAT-1",
    )  # fmt: skip
    CodeMappingFactory(
        organization=org_a, partnership=other, kind="material", partner_code="SUP-5",
        our_code="MAT-5",
    )  # fmt: skip
    job = CrosswalkReprocessFactory(organization=org_a, partnership=partnership, status="queued")
    done = _reprocess(org_a, job)
    assert [_buyer_code(org_a, line) for line in (ours, theirs, only_other)] == ["MAT-1", "", ""]
    assert (done.result["lines"], done.result["documents"]) == (1, 1)


def test_the_job_runs_the_match_of_its_partnership_at_the_clocks_second_reading(
    org_a, manager, partnership, monkeypatch
):
    calls = []

    def detect(**kwargs):
        calls.append(kwargs)
        return {"orders": 4, "opened": 3, "updated": 2, "cleared": 1}

    monkeypatch.setattr(crosswalks, "discrepancies_detect", detect)
    job = CrosswalkReprocessFactory(organization=org_a, partnership=partnership, status="queued")
    done = _reprocess(org_a, job)
    assert calls == [{"now": MATCHED, "partnership_id": partnership.pk}]
    assert done.result == {
        "lines": 0, "documents": 0, "orders": 4, "opened": 3, "updated": 2, "cleared": 1
    }  # fmt: skip


def test_the_job_shows_its_progress_while_it_runs_and_clears_it_when_done(
    org_a, partnership, monkeypatch
):
    seen, cleared = [], []
    monkeypatch.setattr(crosswalks, "job_progress_set", lambda job, pct: seen.append((job.pk, pct)))
    monkeypatch.setattr(crosswalks, "job_progress_clear", lambda job: cleared.append(job.pk))
    job = CrosswalkReprocessFactory(organization=org_a, partnership=partnership, status="queued")
    _reprocess(org_a, job)
    assert (seen, cleared) == ([(job.pk, 10), (job.pk, 50)], [job.pk])


@pytest.mark.parametrize("status", ["succeeded", "failed"])
def test_a_finished_job_is_left_as_it_is(org_a, manager, partnership, status):
    line = _waiting_line(org_a, partnership, seller="SUP-1")
    CodeMappingFactory(
        organization=org_a, partnership=partnership, kind="material", partner_code="SUP-1",
        our_code="MAT-1",
    )  # fmt: skip
    job = CrosswalkReprocessFactory(
        organization=org_a, partnership=partnership, status=status, result={"lines": 7}
    )
    done = _reprocess(org_a, job, clock=lambda: pytest.fail("a finished job reads no clock"))
    assert (done.pk, done.status, done.result, done.started_at) == (
        job.pk,
        status,
        {"lines": 7},
        None,
    )
    assert _buyer_code(org_a, line) == ""
    assert _events(org_a, "integrations.crosswalk_reprocess.succeeded") == []
