"""A partner guest is the supplier's employee: they see published scorecards only (pages, API,
PDFs); a viewer sees no form that would answer 403."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from performance import services
from performance.models import ScorecardReport
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.performance.factories import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def guest(org_a, manager, scenario, make_member):
    from partnerships.services import partnership_invite_guest

    user = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=scenario["partnership"], guest=user, actor=manager)
    return user


@pytest.fixture
def draft_and_published(org_a, manager, scenario):
    """March 2025 published (score 83.33), April 2025 a draft with a very different score."""
    with tenant_scope(org_a):
        for month, otd in ((date(2025, 3, 1), "97"), (date(2025, 4, 1), "91")):
            services.measurement_record(
                actor=manager,
                kpi=scenario["otd"],
                period_start=month,
                value=Decimal(otd),
                today=TODAY,
                now=timezone.now(),
            )
        published = services.scorecard_compute(
            partnership=scenario["partnership"], period_start=date(2025, 3, 1), now=timezone.now()
        )
        services.scorecard_publish(scorecard=published, actor=manager, now=timezone.now())
        draft = services.scorecard_compute(
            partnership=scenario["partnership"], period_start=date(2025, 4, 1), now=timezone.now()
        )
    return published, draft


def test_the_guest_performance_tab_shows_no_draft_scorecard(
    client_as, guest, scenario, draft_and_published
):
    published, draft = draft_and_published
    url = reverse("partnership-performance", args=["alpha", scenario["partnership"].pk])
    client = client_as(guest)
    html = client.get(url).content.decode()
    assert "March 2025" in html and "April 2025" not in html and "Apr 2025" not in html
    # Asking for the draft month by name still shows the published one.
    html = client.get(url, {"period": "2025-04"}).content.decode()
    assert "Scorecard · March 2025" in html and "Draft" not in html


def test_the_member_performance_tab_shows_the_draft(
    client_as, manager, scenario, draft_and_published
):
    url = reverse("partnership-performance", args=["alpha", scenario["partnership"].pk])
    html = client_as(manager).get(url).content.decode()
    assert "Scorecard · April 2025" in html and "Draft" in html


def test_the_api_lists_only_published_scorecards_to_a_guest(
    org_a, api_as, guest, manager, draft_and_published
):
    published, draft = draft_and_published
    as_guest = api_as(guest, org_a)
    ids = [row["id"] for row in as_guest.get("/api/v1/o/alpha/scorecards/").json()["results"]]
    assert ids == [published.pk]
    assert as_guest.get(f"/api/v1/o/alpha/scorecards/{draft.pk}/").status_code == 404
    member_ids = {
        row["id"]
        for row in api_as(manager, org_a).get("/api/v1/o/alpha/scorecards/").json()["results"]
    }
    assert member_ids == {published.pk, draft.pk}


def test_a_guest_can_neither_request_nor_download_a_draft_pdf(
    org_a, client_as, guest, manager, scenario, draft_and_published
):
    client = client_as(guest)
    url = reverse("performance-report-request", args=["alpha", scenario["partnership"].pk])
    assert client.post(url, {"period": "2025-04"}).status_code == 404
    with tenant_scope(org_a):
        report = services.report_request(
            partnership=scenario["partnership"], period_start=date(2025, 4, 1), actor=manager
        )
        ScorecardReport.objects.filter(pk=report.pk).update(status="done")
    assert client.get(reverse("performance-report", args=["alpha", report.pk])).status_code == 404
    assert (
        client.get(reverse("performance-report-download", args=["alpha", report.pk])).status_code
        == 404
    )
    assert (
        client_as(manager).get(reverse("performance-report", args=["alpha", report.pk])).status_code
        == 200
    )


def test_a_guest_cannot_act_on_a_draft_scorecard(client_as, guest, draft_and_published):
    _, draft = draft_and_published
    client = client_as(guest)
    for action in ("acknowledge", "appeal"):
        url = reverse(f"performance-scorecard-{action}", args=["alpha", draft.pk])
        assert client.post(url).status_code == 404
    assert client.get(reverse("performance-scorecard", args=["alpha", draft.pk])).status_code == 404


def test_the_ranking_shows_a_guest_the_latest_published_scorecard(
    client_as, guest, draft_and_published
):
    html = client_as(guest).get(reverse("performance-ranking", args=["alpha"])).content.decode()
    assert "Mar 2025" in html and "Apr 2025" not in html


def test_a_viewer_sees_no_measurement_or_survey_form(
    org_a, client_as, make_member, scenario, draft_and_published
):
    viewer = make_member(org_a, Role.VIEWER, email="viewer@alpha.test")
    url = reverse("partnership-performance", args=["alpha", scenario["partnership"].pk])
    html = client_as(viewer).get(url).content.decode()
    assert "Record a measurement" not in html and 'data-testid="measurement-form"' not in html
    assert "Rate this quarter" not in html
    assert "Correct or delete" not in html


def test_a_guest_sees_the_submit_form_and_the_survey(client_as, guest, scenario):
    url = reverse("partnership-performance", args=["alpha", scenario["partnership"].pk])
    html = client_as(guest).get(url).content.decode()
    assert "Submit a figure" in html and "Rate this quarter" in html
    assert "Recent measurements" not in html


def test_a_viewer_sees_no_status_form_on_the_action_board(org_a, client_as, make_member, scenario):
    from tests.performance.factories import ActionItemFactory

    viewer = make_member(org_a, Role.VIEWER, email="viewer@alpha.test")
    with tenant_scope(org_a):
        ActionItemFactory(organization=org_a, partnership=scenario["partnership"])
    html = client_as(viewer).get(reverse("performance-actions", args=["alpha"])).content.decode()
    assert "Action" in html and "/status/" not in html
