"""Notice-deadline alerts pinned against the mutants that survived `make mutation`
(docs/mutation.md): which agreements are watched, who is told, what the alert says (days left,
non-renewal or expiry, the deadline and the term's end, the agreement's address), the lead times
(given, configured, the defaults) and the count returned."""

from datetime import date

import pytest

from contracts import services
from contracts.models import Agreement
from tenancy.models import Membership, Notification, Role
from tests.contracts.factories import AgreementFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

# 31 Dec 2025 less 90 days of notice: 2 Oct 2025; on 5 Sep 2025, 27 days are left (the 30-day
# alert of the default lead times 180, 90, 30 and 7).
TODAY = date(2025, 9, 5)


def _agreement(scope, make_member, **fields):
    if "owner" not in fields:
        fields["owner"] = make_member(scope, Role.PROCUREMENT_MANAGER)
    values = {
        "status": Agreement.Status.EXECUTED,
        "term_type": "auto_renewing",
        "expiry_date": date(2025, 12, 31),
        "renewal_period_months": 12,
        "notice_period_days": 90,
        "title": "Alder MSA",
        **fields,
    }
    return AgreementFactory(organization=scope, **values)


def test_an_alert_reaches_the_owners_legal_and_procurement_and_nobody_else(
    scope, org_b, make_member
):
    partnership_owner = make_member(scope, Role.VIEWER, email="pship@alpha.test")
    partnership = PartnershipFactory(organization=scope, owner=partnership_owner)
    owner = make_member(scope, Role.FINANCE, email="owner@alpha.test")
    make_member(scope, Role.LEGAL, email="lawyer@alpha.test")
    make_member(scope, Role.PROCUREMENT_MANAGER, email="buyer@alpha.test")
    make_member(scope, Role.VIEWER, email="viewer@alpha.test")
    make_member(scope, Role.FINANCE, email="finance@alpha.test")
    gone = make_member(scope, Role.LEGAL, email="gone@alpha.test")
    Membership.objects.filter(user=gone).update(is_active=False)
    make_member(org_b, Role.LEGAL, email="bravo@bravo.test")
    _agreement(scope, make_member, owner=owner, partnership=partnership)
    sent = services.notice_alerts_send(today=TODAY)
    recipients = sorted(Notification.objects.values_list("recipient__email", flat=True))
    assert recipients == [
        "buyer@alpha.test",
        "lawyer@alpha.test",
        "owner@alpha.test",
        "pship@alpha.test",
    ]
    assert sent == 4


def test_an_alert_names_the_days_left_the_deadline_and_the_renewal(scope, make_member):
    agreement = _agreement(scope, make_member)
    assert services.notice_alerts_send(today=TODAY) == 1
    alert = Notification.objects.get()
    assert alert.title == "Notice deadline in 27 days: Alder MSA"
    assert alert.body == (
        "Notice of non-renewal must be given by 02 Oct 2025 "
        "(the term ends 31 Dec 2025, then renews automatically)."
    )
    assert alert.url == f"/o/alpha/contracts/agreements/{agreement.pk}/"
    assert alert.dedupe_key == f"contracts.notice.{agreement.pk}.2025-10-02.30"


def test_a_fixed_term_alert_is_about_expiry(scope, make_member):
    agreement = _agreement(
        scope,
        make_member,
        status=Agreement.Status.APPROVED,
        term_type="fixed",
        renewal_period_months=None,
    )
    assert services.notice_alerts_send(today=TODAY) == 1
    alert = Notification.objects.get()
    assert alert.body == (
        "Notice of expiry must be given by 02 Oct 2025 (the term ends 31 Dec 2025)."
    )
    assert alert.dedupe_key == f"contracts.notice.{agreement.pk}.2025-10-02.30"


@pytest.mark.parametrize(
    "status",
    [
        Agreement.Status.DRAFT,
        Agreement.Status.IN_LEGAL_REVIEW,
        Agreement.Status.EXPIRED,
        Agreement.Status.TERMINATED,
    ],
)
def test_only_approved_and_executed_agreements_are_watched(scope, make_member, status):
    _agreement(scope, make_member, status=status)
    assert services.notice_alerts_send(today=TODAY) == 0
    assert not Notification.objects.exists()


def test_a_perpetual_agreement_or_one_without_an_expiry_has_no_alert(scope, make_member):
    _agreement(scope, make_member, term_type="perpetual", renewal_period_months=None)
    _agreement(scope, make_member, term_type="fixed", expiry_date=None, renewal_period_months=None)
    assert services.notice_alerts_send(today=TODAY) == 0


def test_no_alert_before_the_first_lead_time_or_after_the_deadline(scope, make_member):
    _agreement(scope, make_member, term_type="fixed", renewal_period_months=None)
    assert services.notice_alerts_send(today=date(2025, 4, 1)) == 0  # 184 days left
    assert services.notice_alerts_send(today=date(2025, 10, 3)) == 0  # the day after
    assert services.notice_alerts_send(today=date(2025, 10, 2)) == 1  # the day itself
    assert Notification.objects.get().title == "Notice deadline in 0 days: Alder MSA"


def test_the_lead_times_are_the_configured_ones_unless_given(scope, make_member, settings):
    agreement = _agreement(scope, make_member)
    settings.CONTRACTS_ALERT_LEAD_DAYS = (45,)
    day = date(2025, 8, 20)  # 43 days left: the default's 90-day alert, the configured 45
    assert services.notice_alerts_send(today=day) == 1
    assert services.notice_alerts_send(today=day, lead_days=(60, 50)) == 1
    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == [
        f"contracts.notice.{agreement.pk}.2025-10-02.45",
        f"contracts.notice.{agreement.pk}.2025-10-02.50",
    ]


def test_without_configuration_the_leads_are_180_90_30_and_7_days(scope, make_member, settings):
    del settings.CONTRACTS_ALERT_LEAD_DAYS
    agreement = _agreement(scope, make_member)
    for day in (date(2025, 4, 5), date(2025, 7, 4), date(2025, 9, 2), date(2025, 9, 25)):
        services.notice_alerts_send(today=day)
    assert sorted(
        Notification.objects.values_list("dedupe_key", flat=True),
        key=lambda key: -int(key.rsplit(".", 1)[1]),
    ) == [f"contracts.notice.{agreement.pk}.2025-10-02.{lead}" for lead in (180, 90, 30, 7)]


def test_the_count_is_of_new_alerts_across_agreements(scope, make_member):
    owner = make_member(scope, Role.PROCUREMENT_MANAGER)
    _agreement(scope, make_member, title="First", owner=owner)
    _agreement(scope, make_member, title="Second", owner=owner)
    make_member(scope, Role.LEGAL)
    assert services.notice_alerts_send(today=TODAY) == 4
    assert services.notice_alerts_send(today=TODAY) == 0
    assert sorted(Notification.objects.filter(recipient=owner).values_list("title", flat=True)) == [
        "Notice deadline in 27 days: First",
        "Notice deadline in 27 days: Second",
    ]


def test_an_agreement_without_an_alert_today_does_not_stop_the_others(scope, make_member):
    # Listed first (same partnership, earlier start): a perpetual agreement, then one whose
    # deadline is far off; the last one is due its 30-day alert.
    partnership = PartnershipFactory(organization=scope)
    owner = make_member(scope, Role.PROCUREMENT_MANAGER)
    _agreement(
        scope,
        make_member,
        owner=owner,
        partnership=partnership,
        effective_date=date(2020, 1, 1),
        term_type="perpetual",
        renewal_period_months=None,
    )
    _agreement(
        scope,
        make_member,
        owner=owner,
        partnership=partnership,
        effective_date=date(2021, 1, 1),
        expiry_date=date(2030, 12, 31),
    )
    due = _agreement(
        scope, make_member, owner=owner, partnership=partnership, effective_date=date(2022, 1, 1)
    )
    assert services.notice_alerts_send(today=TODAY) == 1
    assert Notification.objects.get().dedupe_key == f"contracts.notice.{due.pk}.2025-10-02.30"
