"""Open-book disclosures: what each party shares and how often; the next due date follows each
receipt and a disclosure past it is overdue, on the page and in the API."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from governance import services
from governance.models import Disclosure
from tenancy.context import tenant_scope

pytestmark = pytest.mark.django_db
TODAY = date(2030, 1, 10)


def test_a_receipt_moves_the_next_due_date_by_one_period(scope, partnership, owner):
    disclosure = services.disclosure_create(
        partnership=partnership,
        actor=owner,
        today=TODAY,
        first_due_on=TODAY,
        party="partner",
        data_type="margin",
        cadence="quarterly",
    )
    assert not services.is_overdue(disclosure, today=TODAY)
    assert services.is_overdue(disclosure, today=TODAY + timedelta(days=1))
    disclosure = services.disclosure_record_received(
        disclosure=disclosure, actor=owner, received_on=TODAY, today=TODAY
    )
    assert disclosure.next_due_on == date(2030, 4, 10)
    with pytest.raises(ValidationError):
        services.disclosure_record_received(
            disclosure=disclosure, actor=owner, received_on=TODAY + timedelta(days=1), today=TODAY
        )
    with pytest.raises(ValidationError):
        services.disclosure_record_received(
            disclosure=disclosure, actor=owner, received_on=TODAY - timedelta(days=5), today=TODAY
        )


def test_a_first_due_date_in_the_past_is_refused(scope, partnership, owner):
    with pytest.raises(ValidationError):
        services.disclosure_create(
            partnership=partnership,
            actor=owner,
            today=TODAY,
            first_due_on=TODAY - timedelta(days=1),
            party="partner",
            data_type="margin",
        )
    assert Disclosure.objects.count() == 0


def test_the_page_flags_an_overdue_disclosure_and_the_guest_reads_it(
    org_a, partnership, owner, guest, client_as, api_as
):
    today = timezone.localdate()
    with tenant_scope(org_a):
        disclosure = services.disclosure_create(
            partnership=partnership,
            actor=owner,
            today=today,
            first_due_on=today,
            party="partner",
            data_type="cost_breakdown",
            cadence="monthly",
        )
        Disclosure.objects.filter(pk=disclosure.pk).update(next_due_on=today - timedelta(days=3))
    url = reverse("partnership-transparency", args=["alpha", partnership.pk])
    html = client_as(guest).get(url).content.decode()
    assert 'data-testid="overdue"' in html and "Mark received" not in html
    response = client_as(owner).post(
        reverse("disclosure-received", args=["alpha", partnership.pk, disclosure.pk]),
        {"received_on": today.isoformat()},
    )
    assert response.status_code == 302
    body = api_as(guest, org_a).get("/api/v1/o/alpha/disclosures/").json()["results"]
    assert [(row["id"], row["overdue"]) for row in body] == [(disclosure.pk, False)]
