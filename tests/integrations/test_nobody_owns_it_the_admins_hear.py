"""When nobody is named, the organization's admins hear of it (`tenancy.selectors.accountable`):
a late feed, an EDI message with errors, a failed disaster-recovery test and a stock crossing of
a partnership without an owner reach the admins instead of being dropped on every run. Only
active admins of this organization are told, and a job reads them once."""

from datetime import UTC, datetime, timedelta

import pytest

from integrations import services
from integrations.models import StockPolicy
from integrations.services import monitoring
from tenancy.context import tenant_scope
from tenancy.models import Membership, Notification, Role
from tenancy.selectors import AdminsOnce, accountable, organization_admins
from tests.integrations.factories import ConnectorFactory, EdiDocumentFactory
from tests.partnerships.factories import PartnershipFactory
from tests.tenancy.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def admins(org_a, org_b, make_member):
    first = make_member(org_a, Role.ORG_ADMIN, email="first-admin@alpha.test")
    second = make_member(org_a, Role.ORG_ADMIN, email="second-admin@alpha.test")
    make_member(org_a, Role.ORG_ADMIN, email="off@alpha.test", is_active=False)
    MembershipFactory(organization=org_a, role=Role.ORG_ADMIN, is_active=False, user=UserFactory())
    make_member(org_b, Role.ORG_ADMIN, email="admin@beta.test")  # another organization's
    return [first, second]


@pytest.fixture
def ownerless(org_a):
    return PartnershipFactory(organization=org_a, owner=None, name="Birch castings")


def _told(org, text):
    with tenant_scope(org):
        return sorted(n.recipient.email for n in Notification.objects.filter(title__contains=text))


# --- the kernel's rule ---------------------------------------------------------------------------


def test_the_first_named_person_is_accountable_and_nobody_named_means_the_admins(
    org_a, admins, manager
):
    with tenant_scope(org_a):
        assert accountable(None, manager, admins[1]) == [manager]
        assert accountable(admins[1]) == [admins[1]]
        assert accountable(None, None) == admins  # oldest membership first, active ones only
        assert organization_admins() == admins


def test_a_job_reads_the_admins_once_however_many_records_nobody_owns(
    org_a, admins, django_assert_num_queries
):
    with tenant_scope(org_a):
        once = AdminsOnce()
        with django_assert_num_queries(1):
            for _ in range(5):
                assert accountable(None, admins=once) == admins


def test_someone_who_left_is_passed_over_for_the_next_named_or_the_admins(
    org_a, admins, manager, make_member
):
    """An alert for a record whose owner left goes to the next one named (the partnership's
    owner), else to the admins: never to a leaver's dead inbox."""
    left = make_member(org_a, Role.PROCUREMENT_MANAGER, email="left@alpha.test")
    Membership.objects.filter(user=left).update(is_active=False)
    with tenant_scope(org_a):
        assert accountable(left, manager) == [manager]
        assert accountable(left, None) == admins
        once = AdminsOnce()
        assert accountable(left, manager, admins=once) == [manager]
        assert accountable(left, admins=once) == admins


def test_a_partner_guest_named_on_a_record_is_still_told(org_a, admins, make_member):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    with tenant_scope(org_a):
        assert accountable(guest, admins=AdminsOnce()) == [guest]


def test_a_job_reads_who_is_still_a_member_once_however_many_records_it_asks_about(
    org_a, admins, manager, django_assert_num_queries
):
    with tenant_scope(org_a):
        once = AdminsOnce()
        with django_assert_num_queries(1):
            for _ in range(5):
                assert accountable(manager, admins=once) == [manager]


def test_with_no_admin_nobody_is_accountable(org_a, manager):
    with tenant_scope(org_a):
        assert accountable(None) == []


# --- the jobs that used to drop it ---------------------------------------------------------------


def test_a_late_feed_of_a_partnership_nobody_owns_tells_the_admins_once(org_a, admins, ownerless):
    connector = ConnectorFactory(
        organization=org_a, partnership=ownerless, owner=None, expected_frequency="hourly"
    )
    EdiDocumentFactory(organization=org_a, partnership=ownerless, connector=connector,
                       received_at=NOW - timedelta(hours=3))  # fmt: skip
    with tenant_scope(org_a):
        assert services.connector_feeds_check(now=NOW) == 1
        services.connector_feeds_check(now=NOW + timedelta(minutes=5))
    assert _told(org_a, "is late") == [a.email for a in admins]


def test_an_edi_message_that_cannot_be_read_tells_the_admins_when_nobody_owns_the_partnership(
    org_a, admins, ownerless, manager
):
    with tenant_scope(org_a):
        document, _ = services.edi_document_ingest(
            partnership=ownerless, content=b"not an EDI message", filename="junk.edi",
            actor=manager, clock=lambda: NOW,
        )  # fmt: skip
        assert document.status == "rejected"
        monitoring._notify_problems(document)  # a rerun tells nobody twice
    assert _told(org_a, "could not be read") == [a.email for a in admins]


def test_a_failed_disaster_recovery_test_of_an_ownerless_partnership_tells_the_admins(
    org_a, admins, ownerless, manager
):
    with tenant_scope(org_a):
        test = services.dr_test_schedule(
            partnership=ownerless, actor=manager, now=NOW, title="Gateway failover",
            plan="Switch to the standby.", scheduled_for=NOW + timedelta(days=7),
            rto_target_minutes=60, rpo_target_minutes=15,
        )  # fmt: skip
        services.dr_test_record_result(
            test=test, actor=manager, now=NOW + timedelta(days=8),
            executed_at=NOW + timedelta(days=7), rto_achieved_minutes=90, rpo_achieved_minutes=5,
        )  # fmt: skip
    assert _told(org_a, "disaster-recovery test") == [a.email for a in admins]


def test_a_stock_crossing_with_no_policy_or_partnership_owner_tells_the_admins(
    org_a, admins, ownerless, manager
):
    with tenant_scope(org_a):
        services.stock_policy_set(
            partnership=ownerless, item="MAT-1", safety_stock="50", reorder_point="100",
            unit="PCE", actor=manager,
        )  # fmt: skip
        StockPolicy.objects.update(owner=None)  # its owner left; nobody was named since
        result = services.stock_positions_record(
            partnership=ownerless, now=NOW,
            positions=[{"item": "MAT-1", "quantity": "90", "as_of": NOW - timedelta(hours=1)}],
        )  # fmt: skip
    assert result.alerts == 1
    assert _told(org_a, "at or below its reorder point") == [a.email for a in admins]


def test_an_owned_partnership_still_tells_only_its_owner(org_a, admins, manager):
    owned = PartnershipFactory(organization=org_a, owner=manager)
    connector = ConnectorFactory(
        organization=org_a, partnership=owned, owner=None, expected_frequency="hourly"
    )
    EdiDocumentFactory(organization=org_a, partnership=owned, connector=connector,
                       received_at=NOW - timedelta(hours=3))  # fmt: skip
    with tenant_scope(org_a):
        services.connector_feeds_check(now=NOW)
    assert _told(org_a, "is late") == [manager.email]
