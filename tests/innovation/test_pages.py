"""The innovation pages: the partner's guest submits and scores on the page, the buyer scores
and decides, a realised benefit is recorded; what a guest sees and never sees; refusals as
messages, never a 500."""

from decimal import Decimal

import pytest

from finance.models import SavingsEntry
from innovation.models import ImprovementInitiative
from tenancy.context import tenant_scope
from tests.innovation.conftest import score_all
from tests.innovation.factories import (
    KnowledgeSessionFactory,
    PilotFactory,
    SourcingModelFactory,
    SupplierProgrammeFactory,
    TaskForceFactory,
)

pytestmark = pytest.mark.django_db


def _detail(initiative):
    return f"/o/alpha/innovation/initiatives/{initiative.pk}/"


def test_the_guest_submits_an_initiative_on_the_page(client_as, org_a, guest, partnership):
    client = client_as(guest)
    tab = client.get(f"/o/alpha/partnerships/{partnership.pk}/innovation/")
    assert tab.status_code == 200 and b"Submit an initiative" in tab.content
    assert b"Plan a pilot" not in tab.content  # the buyer plans pilots
    form = client.get(f"/o/alpha/partnerships/{partnership.pk}/innovation/initiatives/new/")
    assert b"internal_note" not in form.content
    response = client.post(
        f"/o/alpha/partnerships/{partnership.pk}/innovation/initiatives/new/",
        {
            "title": "Shared freight portal",
            "problem": "Loads miss their slot.",
            "proposal": "One portal.",
            "currency": "EUR",
            "impact": "4",
            "effort": "2",
            "internal_note": "smuggled",
        },
    )
    assert response.status_code == 302
    with tenant_scope(org_a):
        initiative = ImprovementInitiative.objects.get()
    assert initiative.submitted_by_side == "partner" and initiative.internal_note == ""
    assert response["Location"] == _detail(initiative)


def test_a_form_with_errors_is_a_400_with_the_fields_marked(client_as, manager, partnership):
    response = client_as(manager).post(
        f"/o/alpha/partnerships/{partnership.pk}/innovation/initiatives/new/",
        {"title": "", "currency": "EUR", "impact": "9", "effort": "2"},
    )
    assert response.status_code == 400 and b'data-field="title"' in response.content


def test_both_parties_score_on_the_page_and_see_the_weighted_totals(
    client_as, submitted, manager, guest
):
    criteria = list(submitted.criteria.all())
    for user, score in ((guest, "5"), (manager, "3")):
        client = client_as(user)
        for criterion in criteria:
            response = client.post(
                _detail(submitted) + "score/",
                {
                    "criterion": criterion.pk,
                    f"c{criterion.pk}-score": score,
                    f"c{criterion.pk}-comment": "ok",
                },
            )
            assert response.status_code == 302
    page = client_as(guest).get(_detail(submitted)).content.decode()
    assert 'data-testid="combined-total">4.00<' in page
    again = client_as(guest).post(
        _detail(submitted) + "score/",
        {"criterion": criteria[0].pk, f"c{criteria[0].pk}-score": "1"},
        follow=True,
    )
    assert "scores each criterion once" in again.content.decode()


def test_guest_never_sees_the_buyers_internal_note(client_as, org_a, manager, guest, partnership):
    from innovation import services
    from tests.innovation.conftest import NOW

    with tenant_scope(org_a):
        initiative = services.initiative_submit(
            actor=manager,
            partnership=partnership,
            now=NOW,
            title="Consignment stock",
            internal_note="Walk-away is 9.40",
        )
    assert "Walk-away" in client_as(manager).get(_detail(initiative)).content.decode()
    assert "Walk-away" not in client_as(guest).get(_detail(initiative)).content.decode()


def test_guest_never_sees_the_buyers_evaluation_comments(
    client_as, org_a, submitted, manager, guest
):
    from innovation import services
    from tests.innovation.conftest import NOW

    with tenant_scope(org_a):
        services.criterion_score(
            criterion=submitted.criteria.first(),
            actor=manager,
            now=NOW,
            score=2,
            comment="Their IT cannot deliver",
        )
    assert "Their IT" in client_as(manager).get(_detail(submitted)).content.decode()
    page = client_as(guest).get(_detail(submitted)).content.decode()
    assert "Their IT" not in page and "Record the decision" not in page
    assert "Lesson learned" not in page  # playbook changes are the buyer's


def test_the_manager_approves_and_records_the_realised_benefit(
    client_as, org_a, submitted, manager, guest
):
    with tenant_scope(org_a):
        score_all(submitted, guest)
    client = client_as(manager)
    early = client.post(_detail(submitted) + "decide/", {"decision": "approved"}, follow=True)
    assert "Both parties score every criterion" in early.content.decode()
    with tenant_scope(org_a):
        score_all(submitted, manager)
    assert client.post(_detail(submitted) + "decide/", {"decision": "approved"}).status_code == 302
    form = client.get(_detail(submitted) + "benefit/")
    assert form.status_code == 200
    response = client.post(
        _detail(submitted) + "benefit/",
        {
            "period_start": "2030-03-01",
            "baseline_price": "10",
            "actual_price": "9",
            "volume": "1000",
        },
    )
    assert response.status_code == 302
    with tenant_scope(org_a):
        entry = SavingsEntry.objects.get()
        assert entry.initiative_id == submitted.pk
    page = client.get(_detail(submitted)).content.decode()
    assert 'data-testid="realised-benefit">€1,000.00' in page or "1,000.00" in page
    ledger = client.get(f"/o/alpha/partnerships/{submitted.partnership_id}/finance/")
    assert submitted.title in ledger.content.decode()


def test_a_rejection_without_a_reason_is_refused_as_a_message(client_as, submitted, manager):
    response = client_as(manager).post(
        _detail(submitted) + "decide/", {"decision": "rejected", "reason": ""}, follow=True
    )
    assert response.status_code == 200
    assert "Say why the initiative is parked or rejected" in response.content.decode()


def test_a_guest_cannot_decide_on_the_page(client_as, submitted, guest):
    response = client_as(guest).post(
        _detail(submitted) + "decide/", {"decision": "rejected", "reason": "no"}
    )
    assert response.status_code == 403


def test_the_guest_opens_the_joint_work_of_their_partnership(client_as, org_a, guest, partnership):
    with tenant_scope(org_a):
        objects = {
            "pilots": PilotFactory(organization=org_a, partnership=partnership),
            "task-forces": TaskForceFactory(organization=org_a, partnership=partnership),
            "sessions": KnowledgeSessionFactory(organization=org_a, partnership=partnership),
            "sourcing-models": SourcingModelFactory(organization=org_a, partnership=partnership),
            "supplier-programmes": SupplierProgrammeFactory(
                organization=org_a, partnership=partnership
            ),
        }
    client = client_as(guest)
    for path, obj in objects.items():
        page = client.get(f"/o/alpha/innovation/{path}/{obj.pk}/")
        assert page.status_code == 200, path
        assert b"Lesson learned" not in page.content
    assert client.get("/o/alpha/innovation/").status_code == 200


def test_a_manager_runs_a_task_force_and_a_session_on_the_pages(
    client_as, org_a, manager, partnership
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_as(manager)
    base = f"/o/alpha/partnerships/{partnership.pk}/innovation/"
    created = client.post(
        base + "task-forces/new/",
        {"name": "Magnets", "category": "Rare earths", "mandate": "Second source."},
    )
    assert created.status_code == 302
    url = created["Location"]
    client.post(url + "members/", {"name": "Ann", "party": "buyer"})
    refused = client.post(url + "activate/", follow=True)
    assert "members of both parties" in refused.content.decode()
    client.post(url + "members/", {"name": "Piet", "party": "partner"})
    client.post(url + "activate/")
    assert "Active" in client.get(url).content.decode()
    session = client.post(
        base + "sessions/new/", {"title": "Should-cost", "held_on": "2030-02-01"}
    )["Location"]
    client.post(session + "attendees/", {"name": "Piet", "party": "partner"})
    uploaded = client.post(
        session + "materials/",
        {"title": "Slides", "file": SimpleUploadedFile("slides.pdf", b"%PDF-1.4 x")},
    )
    assert uploaded.status_code == 302
    page = client.get(session).content.decode()
    assert "Piet" in page and "Slides" in page
    refused = client.post(
        session + "materials/",
        {"title": "Bad", "file": SimpleUploadedFile("slides.docx", b"not a zip")},
        follow=True,
    )
    assert (
        refused.status_code == 200 and "Bad" not in refused.content.decode().split("Materials")[1]
    )


def test_nonsense_posts_never_give_a_500(client_as, submitted, manager):
    client = client_as(manager)
    for body in ({"criterion": "x"}, {"criterion": "999999999"}, {}):
        assert client.post(_detail(submitted) + "score/", body).status_code == 302
    assert client.post(_detail(submitted) + "decide/", {"decision": "maybe"}).status_code == 302
    assert client.post(_detail(submitted) + "criteria/", {"weight": "-1"}).status_code == 302
    assert client.post(_detail(submitted) + "lesson/", {}).status_code == 302
    _ = Decimal


def test_a_proposed_initiative_is_corrected_on_its_page_and_a_decided_one_is_not(
    client_as, org_a, manager, guest, partnership
):
    from tenancy.models import AuditEvent
    from tests.innovation.factories import ImprovementInitiativeFactory

    with tenant_scope(org_a):
        initiative = ImprovementInitiativeFactory(partnership=partnership, title="Frieght portal")
    client = client_as(manager)
    url = f"/o/alpha/innovation/initiatives/{initiative.pk}/edit/"
    assert url in client.get(_detail(initiative)).content.decode()
    form = {
        "title": "Freight portal",
        "problem": "Freight is booked by e-mail.",
        "proposal": "A shared booking portal.",
        "owner_name": "",
        "expected_benefit": "",
        "currency": "EUR",
        "expected_kpi_effect": "",
        "impact": "4",
        "effort": "2",
        "internal_note": "",
    }
    assert client.post(url, {**form, "expected_benefit": "-5"}).status_code == 400
    assert client.post(url, form).status_code == 302
    with tenant_scope(org_a):
        assert ImprovementInitiative.objects.get(pk=initiative.pk).title == "Freight portal"
        event = AuditEvent.objects.get(action="innovation.initiative.updated")
    assert event.changes == {"title": ["Frieght portal", "Freight portal"]}
    guest_client = client_as(guest)
    assert url not in guest_client.get(_detail(initiative)).content.decode()
    assert guest_client.post(url, form).status_code == 403
    with tenant_scope(org_a):
        ImprovementInitiative.objects.filter(pk=initiative.pk).update(status="approved")
    refused = client.post(url, {**form, "title": "Later"})
    assert refused.status_code == 400
    assert "A decided initiative is no longer edited." in refused.content.decode()


def test_a_planned_pilot_is_cancelled_with_a_reason_on_its_own_page(
    client_as, org_a, manager, partnership
):
    from innovation.models import Pilot
    from tenancy.models import AuditEvent
    from tests.innovation.factories import PilotFactory

    with tenant_scope(org_a):
        pilot = PilotFactory(partnership=partnership)
    client = client_as(manager)
    url = f"/o/alpha/innovation/pilots/{pilot.pk}/cancel/"
    assert url in client.get(f"/o/alpha/innovation/pilots/{pilot.pk}/").content.decode()
    assert "data-confirm=" in client.get(url).content.decode()
    unexplained = client.post(url, {"reason": " "})
    assert unexplained.status_code == 400
    assert unexplained.context["form"].errors == {"reason": ["Say why the pilot is cancelled."]}
    assert client.post(url, {"reason": "Budget moved to the portal"}).status_code == 302
    with tenant_scope(org_a):
        assert Pilot.objects.get(pk=pilot.pk).status == "cancelled"
        event = AuditEvent.objects.get(action="innovation.pilot.cancelled")
    assert event.changes == {"reason": "Budget moved to the portal"}
    again = client.post(url, {"reason": "Twice"})
    assert again.status_code == 400


def test_a_refused_success_criterion_comes_back_with_its_error_by_the_field_and_the_value_kept(
    client_as, org_a, manager, partnership
):
    with tenant_scope(org_a):
        pilot = PilotFactory(partnership=partnership)
    page = client_as(manager).post(
        f"/o/alpha/innovation/pilots/{pilot.pk}/criteria/", {"kpi": "999999", "target": "97.5"}
    )
    assert page.status_code == 400
    form = page.context["criterion_form"]
    assert list(form.errors) == ["kpi"] and form["target"].value() == "97.5"
    assert 'data-field="kpi"' in page.content.decode()


def test_a_go_without_evidence_comes_back_with_the_decision_kept(
    client_as, org_a, manager, partnership
):
    with tenant_scope(org_a):
        pilot = PilotFactory(partnership=partnership, status="running")
    page = client_as(manager).post(
        f"/o/alpha/innovation/pilots/{pilot.pk}/decide/", {"go": "no_go", "evidence": " "}
    )
    assert page.status_code == 400
    form = page.context["decision_form"]
    assert list(form.errors) == ["evidence"] and form["go"].value() == "no_go"
    with tenant_scope(org_a):
        pilot.refresh_from_db()
    assert pilot.status == "running"
