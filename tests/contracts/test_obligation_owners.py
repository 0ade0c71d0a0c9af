"""Who owns an obligation, and who the overdue job tells (mutation testing, thirteenth session):
an obligation is owned by one of the buyer's active staff, never a partner guest, on creation
and on a hand-over; an owner who has left stays on it while its other fields are edited; the
overdue job reads the whole list, the partnership owners and the admins in a fixed number of
queries, however many obligations are overdue."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from contracts import services
from contracts.models import Obligation
from tenancy.context import tenant_scope
from tenancy.models import Membership, Notification, Role
from tests.contracts.factories import AgreementFactory, ObligationFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 28)


@pytest.fixture
def scope(org_a):
    with tenant_scope(org_a):
        yield org_a


@pytest.fixture
def guest(org_a, make_member):
    return make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")


def _not_staff(user):
    return {
        "owner": [f"{user} is not one of this organization's active staff; choose a colleague."]
    }


def test_a_new_obligation_is_not_given_to_a_partner_guest(scope, owner, guest):
    agreement = AgreementFactory(organization=scope)
    with pytest.raises(ValidationError) as refused:
        services.obligation_create(
            actor=owner, agreement=agreement, title="Quarterly report", owner=guest
        )
    assert refused.value.message_dict == _not_staff(guest)
    assert not Obligation.objects.exists()


def test_an_obligation_is_not_handed_over_to_a_partner_guest(scope, owner, guest):
    obligation = ObligationFactory(organization=scope, owner=owner)
    with pytest.raises(ValidationError) as refused:
        services.obligation_update(obligation=obligation, actor=owner, owner=guest)
    assert refused.value.message_dict == _not_staff(guest)
    assert Obligation.objects.get(pk=obligation.pk).owner == owner


def test_an_owner_who_left_stays_on_the_obligation_while_its_title_is_edited(
    scope, owner, make_member
):
    leaver = make_member(scope, email="leaver@alpha.test")
    obligation = ObligationFactory(organization=scope, owner=leaver)
    Membership.objects.filter(user=leaver).update(is_active=False)
    services.obligation_update(obligation=obligation, actor=owner, title="Annual report")
    stored = Obligation.objects.get(pk=obligation.pk)
    assert (stored.owner, stored.title) == (leaver, "Annual report")


@pytest.mark.parametrize("count", [2, 4])
def test_the_overdue_job_costs_the_same_queries_per_obligation_however_many(
    scope, owner, make_member, count, django_assert_num_queries
):
    """Three for the run (the list with its agreements, partnerships and owners; who is still a
    member; the admins, read once for the obligations nobody owns) and four per obligation, all
    the notification's own (who of those named is a member, the savepoint around the row, the
    row): no read per obligation."""
    keeper = make_member(scope, email="keeper@alpha.test")
    for index in range(count):
        agreement = AgreementFactory(organization=scope, partnership__owner=None)
        ObligationFactory(
            organization=scope,
            agreement=agreement,
            owner=keeper if index % 2 else None,
            due_date=date(2026, 9, 30),
        )
    with django_assert_num_queries(3 + 4 * count):
        assert services.obligations_notify_overdue(today=TODAY) == count
    told = sorted(n.recipient.email for n in Notification.objects.all())
    assert told == sorted([keeper.email, owner.email] * (count // 2))
