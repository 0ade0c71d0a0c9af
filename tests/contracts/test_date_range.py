"""Issue #9, defect 2: one record with extreme dates must not take a tenant's pages down, and
the service refuses dates outside the calendar people use (the page and the API alike)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts import dates, services
from contracts.models import Agreement, Obligation
from tenancy.context import tenant_scope
from tenancy.dates import MAX_DATE, MIN_DATE, add_days, add_months, check_dates
from tests.contracts.factories import AgreementFactory, ObligationFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/o/alpha"
PAGES = "/o/alpha/contracts"


@pytest.fixture
def extreme(org_a):
    """Saved before the range check existed (or by a bulk load): year 1, 1,000 days' notice."""
    with tenant_scope(org_a):
        agreement = AgreementFactory(
            organization=org_a,
            status=Agreement.Status.EXECUTED,
            effective_date=date(1, 1, 1),
            expiry_date=date(1, 1, 2),
            notice_period_days=1000,
        )
        renewing = AgreementFactory(
            organization=org_a,
            partnership=agreement.partnership,
            status=Agreement.Status.EXECUTED,
            effective_date=date(9999, 1, 1),
            expiry_date=date(9999, 12, 31),
            term_type=Agreement.TermType.AUTO_RENEWING,
            renewal_period_months=12,
            notice_period_days=30,
        )
        ObligationFactory(organization=org_a, agreement=agreement, due_date=date(9999, 12, 31))
    return agreement, renewing


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/calendar.ics",
        "/agreements/{id}/",
        "/agreements/{id}/review/",
        "/agreements/{id}/summary.pdf",
        "/agreements/{renewing}/",
        "/agreements/{renewing}/summary.pdf",
        "/agreements/",
        "/obligations/",
    ],
)
def test_pages_survive_an_agreement_with_extreme_dates(extreme, client_as, owner, path):
    agreement, renewing = extreme
    url = PAGES + path.format(id=agreement.pk, renewing=renewing.pk)
    assert client_as(owner).get(url).status_code == 200


def test_the_partnership_contracts_tab_survives_extreme_dates(extreme, client_as, owner):
    agreement, _ = extreme
    url = f"/o/alpha/partnerships/{agreement.partnership_id}/contracts/"
    assert client_as(owner).get(url).status_code == 200


def test_the_notice_job_survives_extreme_dates(extreme, org_a):
    with tenant_scope(org_a):
        assert services.notice_alerts_send(today=date(2025, 1, 1)) >= 0


def test_an_obligation_due_on_the_last_day_of_the_calendar_is_fulfilled(org_a, owner):
    with tenant_scope(org_a):
        obligation = ObligationFactory(
            organization=org_a,
            due_date=date(9999, 12, 31),
            recurrence=Obligation.Recurrence.MONTHLY,
        )
        done = services.obligation_fulfil(
            obligation=obligation, actor=owner, evidence="Sent.", now=timezone.now()
        )
    assert done.status == Obligation.Status.FULFILLED
    assert done.due_date == date(9999, 12, 31)


def test_the_api_refuses_dates_outside_the_range_with_a_field_message(org_a, owner, api_as):
    from tests.partnerships.factories import PartnershipFactory

    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a)
    response = api_as(owner, org_a).post(
        f"{API}/agreements/",
        {
            "partnership": partnership.pk,
            "title": "Year one",
            "effective_date": "0001-01-01",
            "expiry_date": "0001-01-02",
            "notice_period_days": 1000,
        },
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "between 01 Jan 1900 and 31 Dec 2199" in fields["effective_date"][0]
    assert "expiry_date" in fields


def test_the_page_refuses_dates_outside_the_range_under_the_field(org_a, owner, client_as):
    from tests.partnerships.factories import PartnershipFactory

    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a)
    response = client_as(owner).post(
        f"{PAGES}/agreements/",
        {
            "partnership": partnership.pk,
            "agreement_type": "msa",
            "title": "Year one",
            "effective_date": "0001-01-01",
            "expiry_date": "0001-01-02",
            "term_type": "fixed",
            "currency": "EUR",
            "liability_cap_type": "none",
            "notice_period_days": 1000,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field="effective_date"' in html and "Give a date between" in html
    assert 'value="Year one"' in html  # the typed values stay


def test_the_service_refuses_an_absurd_notice_period(scope, owner):
    from tests.partnerships.factories import PartnershipFactory

    with pytest.raises(ValidationError) as refused:
        services.agreement_create(
            actor=owner,
            partnership=PartnershipFactory(organization=scope),
            title="Long notice",
            notice_period_days=3651,
        )
    assert "at most 3,650 days" in refused.value.message_dict["notice_period_days"][0]
    with pytest.raises(ValidationError) as renewal:
        services.agreement_create(
            actor=owner,
            partnership=PartnershipFactory(organization=scope),
            title="Long renewal",
            term_type="auto_renewing",
            expiry_date=date(2026, 1, 1),
            renewal_period_months=121,
        )
    assert "renewal_period_months" in renewal.value.message_dict


def test_an_update_into_the_year_one_is_refused(scope, owner):
    agreement = AgreementFactory(organization=scope)
    with pytest.raises(ValidationError) as refused:
        services.agreement_update(agreement=agreement, actor=owner, effective_date=date(1, 1, 1))
    assert "effective_date" in refused.value.message_dict


def test_an_obligation_due_in_the_year_9999_is_refused(scope, owner):
    agreement = AgreementFactory(organization=scope)
    with pytest.raises(ValidationError) as refused:
        services.obligation_create(
            actor=owner, agreement=agreement, title="Report", due_date=date(9999, 12, 31)
        )
    assert "due_date" in refused.value.message_dict


def test_the_range_edges_are_allowed():
    class Obj:
        first, last = MIN_DATE, MAX_DATE

    check_dates(Obj(), "first", "last")
    Obj.first = date(1899, 12, 31)
    with pytest.raises(ValidationError):
        check_dates(Obj(), "first", "last")
    Obj.first, Obj.last = MIN_DATE, date(2200, 1, 1)
    with pytest.raises(ValidationError):
        check_dates(Obj(), "first", "last")


def test_date_arithmetic_answers_none_instead_of_overflowing():
    assert add_days(date(1, 1, 2), -1000) is None
    assert add_days(date(2025, 1, 1), -1) == date(2024, 12, 31)
    assert add_months(date(9999, 12, 31), 1) is None
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert dates.next_due_date(date(9999, 12, 31), "monthly") is None
    assert dates.notice_deadline_for(date(1, 1, 2), 1000) == date.min
    term = dates.term_dates(
        term_type="auto_renewing",
        expiry_date=date(9999, 12, 31),
        renewal_period_months=12,
        notice_period_days=30,
        today=date(9999, 12, 31),
    )
    assert term.term_end is None and term.notice_deadline is None
    assert (
        dates.current_term_end(
            term_type="auto_renewing",
            expiry_date=date(9999, 6, 30),
            renewal_period_months=12,
            today=date(9999, 12, 1),
        )
        is None
    )
