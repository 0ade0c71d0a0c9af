"""qbr_build_agenda: the quarter's scorecards and SLA breaches of this partnership, its open
action items, each in words, and what each section says when it is empty."""

from datetime import date
from decimal import Decimal

import pytest

from performance.services import qbr_build_agenda
from tenancy.context import tenant_scope
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import (
    ActionItemFactory,
    QbrFactory,
    ScorecardFactory,
    SlaBreachFactory,
)

pytestmark = pytest.mark.django_db


def test_qbr_build_agenda_lists_the_quarters_scores_breaches_and_open_actions(org_a, manager):
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a)
        other = PartnershipFactory(organization=org_a)
        qbr = QbrFactory(
            organization=org_a, partnership=partnership, quarter_start=date(2030, 1, 1)
        )
        for month, total in ((1, Decimal("81.50")), (3, None), (4, Decimal("10"))):
            ScorecardFactory(
                organization=org_a, partnership=partnership, period_start=date(2030, month, 1),
                total=total,
            )  # fmt: skip
        ScorecardFactory(organization=org_a, partnership=other, period_start=date(2030, 2, 1))
        SlaBreachFactory(
            organization=org_a, sla__kpi__partnership=partnership, sla__name="On-time",
            period_start=date(2030, 2, 1), measured_value=Decimal("93.50"),
            service_credit=Decimal("1500"),
        )  # fmt: skip
        SlaBreachFactory(
            organization=org_a, sla__kpi__partnership=partnership, period_start=date(2030, 4, 1)
        )
        ActionItemFactory(
            organization=org_a, partnership=partnership, title="Fix labels", owner=manager,
            due_date=date(2030, 2, 1),
        )  # fmt: skip
        ActionItemFactory(organization=org_a, partnership=partnership, title="Old", status="done")
        agenda = qbr_build_agenda(qbr=qbr)
        empty = qbr_build_agenda(
            qbr=QbrFactory(organization=org_a, partnership=other, quarter_start=date(2031, 1, 1))
        )
    assert agenda == [
        {"title": "Scorecard review", "items": ["Jan 2030: 81.50, Mar 2030: N/A"]},
        {"title": "SLA breaches", "items": ["On-time Feb 2030: 93.5, credit EUR 1,500.00"]},
        {
            "title": "Open action items",
            "items": [f"Fix labels ({manager.display_name}, due 01 Feb 2030)"],
        },
        {"title": "Improvement initiatives and next quarter's priorities", "items": []},
    ]
    assert [section["items"] for section in empty[:3]] == [
        ["No scorecard yet for this quarter."],
        ["No breaches this quarter."],
        ["None open."],
    ]


def test_a_breachs_credit_shows_its_currencys_precision_and_the_measure_its_separators(org_a):
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a, currency="JPY")
        qbr = QbrFactory(
            organization=org_a, partnership=partnership, quarter_start=date(2030, 1, 1)
        )
        SlaBreachFactory(
            organization=org_a, sla__kpi__partnership=partnership, sla__name="Lead time",
            period_start=date(2030, 3, 1), measured_value=Decimal("12500.250"),
            service_credit=Decimal("1250000"), currency="JPY",
        )  # fmt: skip
        [_, breaches, *_] = qbr_build_agenda(qbr=qbr)
    assert breaches["items"] == ["Lead time Mar 2030: 12,500.25, credit JPY 1,250,000"]
