"""The exit pages: a manager's exit tab, field errors with status 400, the guest's shared view
(never the buyer's readiness, triggers, notices or playbook changes), the exit report's text
read back, query counts pinned."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from exit_planning import services
from exit_planning.models import ExitPlan
from tenancy.context import tenant_scope
from tests.exit_planning.conftest import NOW, TODAY
from tests.exit_planning.factories import (
    AssetTransferFactory,
    DataDispositionFactory,
    KnowledgeTransferItemFactory,
)
from tests.partnerships.factories import JointIpFactory, PartnershipFactory

pytestmark = pytest.mark.django_db


def _url(path):
    return f"/o/alpha/{path}"


@pytest.fixture
def browser(client_as, manager):
    return client_as(manager)


@pytest.fixture
def plan(org_a, partnership, manager):
    with tenant_scope(org_a):
        plan = services.exit_plan_create(
            actor=manager, partnership=partnership, owner=manager, documentation_complete=True
        )
        services.wind_down_open(plan=plan, end_date=date(2030, 10, 10), today=TODAY)
        services.exit_trigger_record(
            plan=plan,
            actor=manager,
            kind="market_shift",
            evidence="Castings moved to 3D.",
            today=TODAY,
        )
        services.knowledge_item_create(
            plan=plan, actor=manager, kind="document", title="Line handbook", holder="J. Weber"
        )
        services.asset_create(
            plan=plan,
            actor=manager,
            name="Moulds",
            method="book_value",
            book_value=Decimal("48000"),
        )
        services.notice_create(
            plan=plan,
            actor=manager,
            stakeholder="Nordwind Trucks",
            kind="customer",
            message="Supply continues.",
        )
        entry = services.post_mortem_contribute(
            plan=plan,
            actor=manager,
            party="us",
            section="recommendation",
            text="Cap liability higher.",
        )
        services.playbook_change_from_entry(
            entry=entry, actor=manager, clause_type="limitation_of_liability", field="guidance"
        )
    return plan


def test_the_dashboard_of_exits_flags_active_partnerships_without_a_plan(browser, org_a, plan):
    with tenant_scope(org_a):
        PartnershipFactory(organization=org_a, name="Birch logistics")
    text = browser.get(_url("exit/")).content.decode()
    assert 'data-testid="without-plan"' in text and "Birch logistics" in text
    assert "Alder drive-train" in text and "20 %" in text


def test_the_exit_tab_shows_readiness_triggers_gantt_and_streams(
    browser, plan, partnership, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40):
        response = browser.get(_url(f"partnerships/{partnership.pk}/exit/"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="readiness-score">20 %' in text
    assert "Castings moved to 3D." in text and "Awaiting confirmation" in text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in text and "critical" in text
    assert "EUR 48,000.00" in text and "Line handbook" in text and "Nordwind Trucks" in text
    assert 'aria-current="page">Exit plan</a>' in text  # the workspace's tabs
    assert ">notice<" not in text and "market_shift" not in text  # no raw codes


def test_a_lead_time_outside_6_to_12_months_on_the_page_is_a_400_and_nothing_is_saved(
    browser, org_a, partnership
):
    response = browser.post(
        _url(f"partnerships/{partnership.pk}/exit/new/"),
        {"lead_time_months": "14", "sla_breach_count": "3", "sla_breach_window_months": "6"},
    )
    assert response.status_code == 400
    assert "from 6 to 12 months" in response.content.decode()
    with tenant_scope(org_a):
        assert not ExitPlan.objects.exists()


def test_a_destruction_without_certificate_on_the_page_is_a_400(browser, org_a, plan):
    with tenant_scope(org_a):
        item = DataDispositionFactory(plan=plan, action="destroy", certificate="")
    response = browser.post(_url(f"exit/data/{item.pk}/done/"), {})
    assert response.status_code == 400
    assert "certificate of destruction" in response.content.decode()
    upload = SimpleUploadedFile("certificate.pdf", b"%PDF-1.4", "application/pdf")
    response = browser.post(_url(f"exit/data/{item.pk}/done/"), {"certificate": upload})
    assert response.status_code == 302
    with tenant_scope(org_a):
        item.refresh_from_db()
    assert item.status == "done"


def test_a_valuation_method_without_its_inputs_on_the_page_is_a_400(browser, plan):
    response = browser.post(
        _url(f"exit/plans/{plan.pk}/assets/new/"),
        {
            "name": "Rig",
            "kind": "equipment",
            "method": "straight_line",
            "currency": "EUR",
            "cost": "1000",
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Give the useful life in years." in text and "Give the age in years." in text


def test_the_guest_never_sees_readiness_triggers_notices_or_playbook_changes(
    client_as, guest, plan, partnership, org_a
):
    with tenant_scope(org_a):
        JointIpFactory(
            partnership=partnership,
            title="Lightweight housing design",
            licence_terms="Royalty-free",
        )
    browser = client_as(guest)
    response = browser.get(_url(f"partnerships/{partnership.pk}/exit/"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Line handbook" in text and "Moulds" in text and "Cap liability higher." in text
    assert "Lightweight housing design" in text and "Royalty-free" in text  # alliance IP
    for internal in (
        "Triggered",
        "readiness",
        "Castings moved to 3D.",
        "Nordwind Trucks",
        "Playbook change",
        "Propose a playbook change",
        "Exit report",
    ):
        assert internal not in text, internal
    assert browser.get(_url(f"exit/plans/{plan.pk}/report.pdf")).status_code == 404
    assert browser.get(_url("exit/playbook-changes/")).status_code == 403


def test_the_exit_workspace_gives_a_guest_none_of_the_buyer_s_internal_streams(
    guest, manager, plan, org_a
):
    """The selector itself (the page's template hides them again): no triggers, notices,
    playbook changes, agreement end or continuity risks for a guest; all of them for staff."""
    from exit_planning.selectors import exit_workspace
    from tenancy.models import Membership

    with tenant_scope(org_a):
        as_guest = exit_workspace(
            plan=plan, membership=Membership.objects.get(user=guest), today=TODAY
        )
        as_staff = exit_workspace(
            plan=plan, membership=Membership.objects.get(user=manager), today=TODAY
        )
    assert as_guest.guest and not as_staff.guest
    assert (as_guest.triggers, as_guest.notices, as_guest.changes_by_entry, as_guest.end) == (
        [],
        [],
        {},
        None,
    )
    assert all("Nordwind Trucks" not in risk for risk in as_guest.open_risks)
    assert as_staff.triggers and as_staff.notices and as_staff.changes_by_entry
    assert any("Nordwind Trucks" in risk for risk in as_staff.open_risks)
    assert [k.title for k in as_guest.knowledge] == ["Line handbook"]  # shared streams stay


def test_the_guest_accepts_a_valuation_and_contributes_as_the_partner(
    client_as, guest, org_a, plan, partnership
):
    with tenant_scope(org_a):
        asset = AssetTransferFactory(plan=plan)
    browser = client_as(guest)
    assert browser.post(_url(f"exit/assets/{asset.pk}/accept/")).status_code == 302
    with tenant_scope(org_a):
        asset.refresh_from_db()
    assert asset.accepted_by_partner == guest and asset.accepted_by_us is None
    blank = browser.post(
        _url(f"exit/plans/{plan.pk}/post-mortem/contribute/"),
        {"section": "failed", "text": "  "},
        follow=True,
    )
    assert "Write your contribution." in blank.content.decode()  # the service's words
    browser.post(
        _url(f"exit/plans/{plan.pk}/post-mortem/contribute/"),
        {"section": "failed", "text": "Forecasts came too late."},
    )
    with tenant_scope(org_a):
        from exit_planning.models import PostMortemEntry

        entry = PostMortemEntry.objects.get(text="Forecasts came too late.")
        assert entry.party == "partner"
    # But a guest does not run the buyer's side.
    assert browser.post(_url(f"exit/plans/{plan.pk}/knowledge/new/"), {}).status_code == 403


def test_the_exit_report_pdf_reads_back_triggers_timeline_streams_and_open_risks(
    browser, plan, org_a
):
    with tenant_scope(org_a):
        KnowledgeTransferItemFactory(plan=plan, title="Tooling training")
    response = browser.get(_url(f"exit/plans/{plan.pk}/report.pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    text = "".join(text.split())  # PDF text extraction spaces letters unevenly
    for expected in (
        "Exit report: Alder drive-train",
        "Market shift",
        "Castings moved to 3D.",
        "Give notice of the exit",
        "(critical path)",
        "Moulds EUR 48,000.00",
        "Not signed off: Tooling training",
        "Service continuity not confirmed: Nordwind Trucks",
    ):
        assert "".join(expected.split()) in text, expected


def test_a_manager_confirms_a_trigger_on_the_page_and_the_partnership_is_exiting(
    browser, org_a, plan, partnership
):
    with tenant_scope(org_a):
        trigger = plan.triggers.get()
    response = browser.post(_url(f"exit/triggers/{trigger.pk}/confirm/"), {"reason": ""})
    assert response.status_code == 302
    with tenant_scope(org_a):
        partnership.refresh_from_db()
        assert partnership.status == "active"  # refused: no reason
    browser.post(_url(f"exit/triggers/{trigger.pk}/confirm/"), {"reason": "Board decision"})
    with tenant_scope(org_a):
        partnership.refresh_from_db()
    assert partnership.status == "exiting"


def test_an_exit_plan_of_another_tenant_is_not_found(client_as, outsider, org_a, plan):
    assert client_as(outsider).get(f"/o/bravo/exit/plans/{plan.pk}/edit/").status_code == 404
    _ = NOW


def test_the_exit_tab_and_home_take_the_same_queries_for_more_rows(
    browser, org_a, plan, partnership, manager
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(url).status_code == 200
        return len(queries)

    tab, home = _url(f"partnerships/{partnership.pk}/exit/"), _url("exit/")
    before = count(tab), count(home)
    with tenant_scope(org_a):
        for n in range(4):
            KnowledgeTransferItemFactory(plan=plan, title=f"Handbook {n}")
            AssetTransferFactory(plan=plan, name=f"Mould {n}")
            DataDispositionFactory(plan=plan, data_category=f"Category {n}")
            services.exit_plan_create(
                actor=manager, partnership=PartnershipFactory(organization=org_a)
            )
    assert (count(tab), count(home)) == before
