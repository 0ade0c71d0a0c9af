"""Pages: the performance tab, SLA list, QBR workspace, action board, ranking; query counts
pinned so they do not grow with rows; guests see only their partnership."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from performance import services, views
from performance.models import Measurement
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import (
    TODAY,
    ActionItemFactory,
    ScorecardFactory,
    SlaBreachFactory,
    SlaFactory,
)

pytestmark = pytest.mark.django_db


def grow(org, manager, scenario, months):
    with tenant_scope(org):
        for month in range(1, months + 1):
            for kpi, value in ((scenario["otd"], "93"), (scenario["defects"], "200")):
                services.measurement_record(
                    actor=manager,
                    kpi=kpi,
                    period_start=date(2023 + month // 12, month % 12 + 1, 1),
                    value=Decimal(value),
                    today=TODAY,
                    now=timezone.now(),
                )
        services.sla_breach_check(
            period_from=date(2023, 1, 1),
            period_to=date(2026, 1, 1),
            now=datetime(2026, 1, 1, tzinfo=UTC),
        )
        for _ in range(months):
            ActionItemFactory(organization=org, partnership=scenario["partnership"], owner=manager)


@pytest.mark.parametrize("months", [2, 12])
def test_performance_pages_use_a_fixed_number_of_queries(
    org_a, manager, scenario, client_as, django_assert_max_num_queries, months
):
    grow(org_a, manager, scenario, months)
    client = client_as(manager)
    pid = scenario["partnership"].pk
    pages = [
        (reverse("performance-home", args=["alpha"]), 20),
        (reverse("performance-ranking", args=["alpha"]), 16),
        (reverse("performance-slas", args=["alpha"]), 16),
        (reverse("performance-actions", args=["alpha"]), 16),
        (reverse("partnership-performance", args=["alpha", pid]), 36),
        (reverse("partnership-qbrs", args=["alpha", pid]), 18),
    ]
    for url, limit in pages:
        with django_assert_max_num_queries(limit):
            response = client.get(url)
        assert response.status_code == 200, url


def test_the_performance_tab_shows_the_breakdown_chart_and_breach_credit(
    org_a, manager, scenario, client_as
):
    grow(org_a, manager, scenario, 2)
    html = (
        client_as(manager)
        .get(reverse("partnership-performance", args=["alpha", scenario["partnership"].pk]))
        .content.decode()
    )
    assert 'data-testid="breakdown"' in html and "<svg" in html and "Score trend" in html
    assert "EUR 500.00" in html  # 93 % reaches the 95 % tier: 5 % of EUR 10,000


def test_a_partner_guest_submits_a_figure_that_waits_for_approval(
    org_a, manager, scenario, make_member, client_as
):
    from partnerships.services import partnership_invite_guest

    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=scenario["partnership"], guest=guest, actor=manager)
        other = PartnershipFactory(organization=org_a)
    client = client_as(guest)
    url = reverse("performance-measurement-add", args=["alpha", scenario["partnership"].pk])
    response = client.post(
        url, {"kpi": scenario["otd"].pk, "period_start": "2025-01", "value": "97"}
    )
    assert response.status_code == 302
    with tenant_scope(org_a):
        measurement = Measurement.objects.get()
    assert measurement.status == "pending" and measurement.source == "partner"
    assert (
        client.get(reverse("partnership-performance", args=["alpha", other.pk])).status_code == 404
    )
    assert client.get(reverse("performance-slas", args=["alpha"])).status_code == 200


def test_an_outsider_gets_404_for_another_tenants_pages(org_a, outsider, scenario, client_as):
    with tenant_scope(org_a):
        breach = SlaBreachFactory(organization=org_a, sla=scenario["sla"])
    client = client_as(outsider)
    pid = scenario["partnership"].pk
    assert client.get(f"/o/bravo/partnerships/{pid}/performance/").status_code == 404
    assert client.get(f"/o/bravo/partnerships/{pid}/qbrs/").status_code == 404
    assert client.get("/o/alpha/performance/").status_code == 404
    assert breach.pk


def test_the_sla_list_is_paginated_with_a_fixed_number_of_queries(
    org_a, manager, scenario, client_as, django_assert_max_num_queries
):
    from performance.views import SLA_PAGE_SIZE

    with tenant_scope(org_a):
        for n in range(SLA_PAGE_SIZE + 5):
            services.sla_create(
                actor=manager,
                partnership=scenario["partnership"],
                kpi=scenario["defects"],
                name=f"Quality SLA {n:03d}",
                target=Decimal("100"),
                breach_threshold=Decimal("400"),
                tiers=[(Decimal("400"), Decimal("5"))],
            )
    client = client_as(manager)
    url = reverse("performance-slas", args=["alpha"])
    with django_assert_max_num_queries(16):
        first = client.get(url).content.decode()
    with django_assert_max_num_queries(16):
        second = client.get(url, {"page": 2}).content.decode()
    assert "Page 1 of 2 (56 SLAs)" in first and 'href="?page=2"' in first
    # "Delivery SLA" sorts first: page 1 ends with Quality SLA 048, page 2 starts with 049.
    assert "Quality SLA 000" in first and "Quality SLA 048" in first
    assert "Quality SLA 049" not in first and "Quality SLA 048" not in second
    assert "Page 2 of 2" in second and "Quality SLA 049" in second and "Quality SLA 054" in second
    assert client.get(url, {"page": "nope"}).status_code == 200


def test_the_breaches_under_the_sla_list_come_a_page_at_a_time_newest_first(
    org_a, manager, client_as, django_assert_max_num_queries
):
    with tenant_scope(org_a):
        sla = SlaFactory(organization=org_a)
        SlaBreachFactory.reset_sequence()
        SlaBreachFactory.create_batch(views.BREACH_PAGE_SIZE + 2, organization=org_a, sla=sla)
    client = client_as(manager)
    url = reverse("performance-slas", args=["alpha"])
    with django_assert_max_num_queries(17):
        first = client.get(url).content.decode()
    second = client.get(url, {"breaches_page": 2}).content.decode()
    assert "Page 1 of 2 (52 breaches)" in first
    # Newest first: the 52 monthly breaches run from January 2020 to April 2024.
    assert "Apr 2024" in first and "Mar 2020" in first and "Feb 2020" not in first
    assert "Feb 2020" in second and "Jan 2020" in second and "Mar 2020" not in second
    # Closing or waiving a breach is final: the page asks first.
    assert first.count('data-confirm="Close this breach for good?') == views.BREACH_PAGE_SIZE


def test_the_ranking_is_ordered_and_paginated_in_sql_without_breakdowns(
    org_a, manager, client_as, monkeypatch
):
    with tenant_scope(org_a):
        for name, rolling in (("Birch", "70.00"), ("Alder", None), ("Cedar", "90.00")):
            ScorecardFactory(
                organization=org_a,
                partnership=PartnershipFactory(organization=org_a, name=name, owner=manager),
                rolling_score=None if rolling is None else Decimal(rolling),
                breakdown=[{"criterion": "secret-breakdown-marker"}],
            )
    monkeypatch.setattr(views, "RANKING_PAGE_SIZE", 2)
    client = client_as(manager)
    url = reverse("performance-ranking", args=["alpha"])
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url).content.decode()
    assert first.index("Cedar") < first.index("Birch") and "Alder" not in first
    assert "Page 1 of 2" in first
    assert not [q for q in queries if "breakdown" in q["sql"]]
    second = client.get(url, {"page": 2}).content.decode()
    assert "Alder" in second and "<td>3</td>" in second
