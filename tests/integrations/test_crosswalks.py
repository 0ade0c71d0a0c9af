"""Master-data crosswalks: a partner's codes mapped to ours; the codes the partner's documents
carry unmapped are listed to map; mapping a material queues the re-processing of the documents
waiting on it (a job with progress), which gives their lines our code and runs the three-way
match again."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations import selectors, services, tasks
from integrations.models import CodeMapping, CrosswalkReprocess, Discrepancy, EdiDocumentLine
from tenancy.context import tenant_scope
from tests.integrations.factories import EdiDocumentFactory, EdiDocumentLineFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
API = "/api/v1/o/alpha"


@pytest.fixture
def waiting(org_a, partnership):
    """Order PO-1 in our item codes (MAT-1 at 10.00); the partner's invoice for it in theirs
    only (SUP-1 at 12.00, no GTIN): the match cannot compare the two until SUP-1 is mapped."""
    order = EdiDocumentFactory(
        organization=org_a, partnership=partnership, doc_type="order", document_number="PO-1",
        order_reference="",
    )  # fmt: skip
    EdiDocumentLineFactory(
        organization=org_a, document=order, gtin="", buyer_item_code="MAT-1",
        seller_item_code="", unit_price=Decimal("10"),
    )  # fmt: skip
    invoice = EdiDocumentFactory(
        organization=org_a, partnership=partnership, doc_type="invoice", order_reference="PO-1",
        sender_id="4012345000009",
    )  # fmt: skip
    line = EdiDocumentLineFactory(
        organization=org_a, document=invoice, gtin="", buyer_item_code="",
        seller_item_code="SUP-1", description="Bearing", unit_price=Decimal("12"),
        line_amount=Decimal("120.00"),
    )  # fmt: skip
    return {"order": order, "invoice": invoice, "line": line}


def _run_jobs(org):
    with tenant_scope(org):
        ids = list(CrosswalkReprocess.objects.filter(status="queued").values_list("pk", flat=True))
    return [
        tasks.crosswalk_reprocess.apply(kwargs={"organization_id": org.pk, "job_id": pk}).get()
        for pk in ids
    ]


def test_unmapped_codes_are_listed_and_mapping_one_reprocesses_the_documents_waiting_on_it(
    org_a, manager, partnership, waiting, django_capture_on_commit_callbacks
):
    with tenant_scope(org_a):
        services.discrepancies_detect(now=NOW)
        assert set(Discrepancy.objects.values_list("kind", flat=True)) == {"item_not_ordered"}
        unmapped = {(u.kind, u.partner_code): u for u in selectors.unmapped_codes(partnership.pk)}
        assert unmapped[("material", "SUP-1")].documents == 1
        assert unmapped[("material", "SUP-1")].description == "Bearing"
        assert ("supplier", "4012345000009") in unmapped
    with django_capture_on_commit_callbacks(execute=False), tenant_scope(org_a):
        services.code_mapping_set(
            partnership=partnership, kind="material", partner_code=" SUP-1 ", our_code="MAT-1",
            actor=manager, now=NOW,
        )  # fmt: skip
        # A second mapping before the job runs joins the same queued job.
        services.code_mapping_set(
            partnership=partnership, kind="supplier", partner_code="4012345000009",
            our_code="V-100", actor=manager, now=NOW,
        )  # fmt: skip
        assert CrosswalkReprocess.objects.count() == 1
    assert _run_jobs(org_a) == ["succeeded"]
    with tenant_scope(org_a):
        waiting["line"].refresh_from_db()
        assert waiting["line"].buyer_item_code == "MAT-1"
        job = CrosswalkReprocess.objects.get()
        assert (job.result["lines"], job.result["documents"], job.progress) == (1, 1, 100)
        kinds = dict(Discrepancy.objects.values_list("kind", "status"))
        assert kinds == {"price_differs": "open", "item_not_ordered": "resolved"}
        assert selectors.unmapped_codes(partnership.pk) == []
        # Running the job again changes nothing.
        services.crosswalk_reprocess(job_id=job.pk, clock=lambda: NOW)
        assert Discrepancy.objects.count() == 2


def test_a_line_that_carries_our_code_is_never_overwritten(
    org_a, manager, partnership, waiting, django_capture_on_commit_callbacks
):
    kept = EdiDocumentLineFactory(
        organization=org_a, document=waiting["invoice"], gtin="", buyer_item_code="MAT-9",
        seller_item_code="SUP-1",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False), tenant_scope(org_a):
        services.code_mapping_set(
            partnership=partnership, kind="material", partner_code="SUP-1", our_code="MAT-1",
            actor=manager, now=NOW,
        )  # fmt: skip
    _run_jobs(org_a)
    with tenant_scope(org_a):
        assert EdiDocumentLine.objects.get(pk=kept.pk).buyer_item_code == "MAT-9"


def test_a_mapping_and_its_reprocessing_are_stamped_by_the_clock_passed_in(
    org_a, manager, partnership, waiting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False), tenant_scope(org_a):
        mapping = services.code_mapping_set(
            partnership=partnership, kind="material", partner_code="SUP-1", our_code="MAT-1",
            actor=manager, now=NOW,
        )  # fmt: skip
        job = CrosswalkReprocess.objects.get()
    assert (mapping.created_at, mapping.updated_at, job.created_at) == (NOW, NOW, NOW)
    # The job reads the clock when it starts, when the match runs and when it ends.
    started, matched, finished = (NOW + timedelta(minutes=1, seconds=s) for s in (0, 1, 2))
    with tenant_scope(org_a):
        services.crosswalk_reprocess(
            job_id=job.pk, clock=iter([started, matched, finished]).__next__
        )
        job.refresh_from_db()
        detected = set(Discrepancy.objects.values_list("detected_at", flat=True))
    assert (job.status, job.started_at, job.finished_at) == ("succeeded", started, finished)
    assert detected == {matched}


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"our_code": "  "}, "our_code"),
        ({"partner_code": ""}, "partner_code"),
        ({"kind": "colour"}, "kind"),
        ({"our_code": "X" * 65}, "our_code"),
    ],
)
def test_a_mapping_needs_both_codes_and_a_known_kind(org_a, manager, partnership, fields, error):
    values = {"kind": "cost_code", "partner_code": "CC-1", "our_code": "4711", **fields}
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.code_mapping_set(partnership=partnership, actor=manager, now=NOW, **values)
    assert error in refused.value.message_dict


def test_a_partner_code_maps_to_one_of_ours_and_remapping_changes_it(org_a, manager, partnership):
    with tenant_scope(org_a):
        for our in ("4711", "4712"):
            services.code_mapping_set(
                partnership=partnership, kind="cost_code", partner_code="CC-1", our_code=our,
                actor=manager, now=NOW,
            )  # fmt: skip
        assert list(CodeMapping.objects.values_list("our_code", flat=True)) == ["4712"]
        assert not CrosswalkReprocess.objects.exists()  # nothing waits on a cost code


def test_the_page_lists_codes_to_map_and_maps_one(org_a, manager, partnership, waiting, client_as):
    url = reverse("crosswalk", args=["alpha", partnership.pk])
    client = client_as(manager)
    page = client.get(url)
    assert page.status_code == 200 and b"SUP-1" in page.content
    blank = client.post(url, {"kind": "material", "partner_code": "SUP-1", "our_code": ""})
    assert blank.status_code == 400
    done = client.post(url, {"kind": "material", "partner_code": "SUP-1", "our_code": "MAT-1"})
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert "MAT-1" in page and 'data-testid="reprocess"' in page
    with tenant_scope(org_a):
        assert CrosswalkReprocess.objects.count() == 1


def test_the_api_maps_codes_lists_the_unmapped_and_follows_reprocessing(
    org_a, manager, api_as, partnership, waiting
):
    api = api_as(manager, org_a)
    unmapped = api.get(f"{API}/code-mappings/unmapped/", {"partnership": partnership.pk}).json()[
        "results"
    ]
    assert {"kind": "material", "partner_code": "SUP-1"}.items() <= unmapped[0].items()
    body = {"partnership": partnership.pk, "kind": "material", "partner_code": "SUP-1",
            "our_code": "MAT-1"}  # fmt: skip
    created = api.post(f"{API}/code-mappings/", body, format="json")
    assert created.status_code == 201, created.content
    assert api.post(f"{API}/code-mappings/", body, format="json").status_code == 409
    url = f"{API}/code-mappings/{created.json()['id']}/"
    assert api.patch(url, {"our_code": "MAT-2"}, format="json").json()["our_code"] == "MAT-2"
    assert api.patch(url, {"partner_code": "SUP-2"}, format="json").status_code == 400
    jobs = api.get(f"{API}/crosswalk-reprocesses/").json()["results"]
    assert len(jobs) == 1 and jobs[0]["partnership"] == partnership.pk
    assert jobs[0]["status"] in ("queued", "succeeded")
    assert api.get(f"{API}/code-mappings/unmapped/", {"partnership": "x"}).status_code == 400
    assert api.delete(url).status_code == 204
    queued = api.post(f"{API}/crosswalk-reprocesses/", {"partnership": partnership.pk},
                      format="json")  # fmt: skip
    assert queued.status_code == 201
