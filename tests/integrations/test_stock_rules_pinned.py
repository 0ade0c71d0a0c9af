"""Stock rules pinned in their exact words: what a stock policy stores (the item's spaces
collapsed and cut at 64 characters, the unit trimmed and cut at 16, the quantities as decimals,
the owner named, kept, or else the actor; the same item of the same partnership changed in place,
another partnership's left alone), each refusal on its field (the item, a quantity below 0 or too
large, the safety stock above the reorder point, an owner who is not active staff), its audit
event; what a feed's positions store (item, quantity, when measured and received, the channel,
the level against this partnership's policy), read in the order they were measured, each bad
position refused with its number; the alert of a crossing (who hears it, its title, body, link
and key, once per crossing, counted), the feed's audit event and sync lags; the sample feed and
its replay. Found by `make mutation MUTATION_ARGS=integrations.stock`."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations import services
from integrations.models import StockPolicy, StockPosition
from integrations.services.stock import StockFeedResult
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Membership, Notification, Role
from tests.integrations.factories import StockPositionFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
NAIVE = datetime(2026, 3, 1, 11, 0)  # noqa: DTZ001 (a feed's time without a zone)
QUANTITY = "A quantity of 0 or more."
POSITION = "Position {}: give the item, a quantity and as_of (ISO date and time)."


def _set(org, partnership, actor, **fields) -> StockPolicy:
    values = {"item": "MAT-1", "safety_stock": "50", "reorder_point": "100", **fields}
    with tenant_scope(org):
        return services.stock_policy_set(partnership=partnership, actor=actor, **values)


def _set_refusal(org, partnership, actor, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        _set(org, partnership, actor, **fields)
    return refused.value.message_dict


def _feed(org, partnership, *positions, at=NOW, **kwargs) -> StockFeedResult:
    with tenant_scope(org):
        return services.stock_positions_record(
            partnership=partnership, now=at,
            positions=[{"item": i, "quantity": q, "as_of": a} for i, q, a in positions], **kwargs,
        )  # fmt: skip


def _feed_refusal(org, partnership, positions) -> dict:
    with tenant_scope(org), pytest.raises(ValidationError) as refused:
        services.stock_positions_record(partnership=partnership, now=NOW, positions=positions)
    return refused.value.message_dict


def _fresh(org, policy) -> StockPolicy:
    with tenant_scope(org):
        return StockPolicy.objects.select_related("owner", "partnership").get(pk=policy.pk)


def _notifications(org):
    with tenant_scope(org):
        return list(Notification.objects.order_by("pk"))


def _events(org, action):
    with tenant_scope(org):
        return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


# --- stock_policy_set ----------------------------------------------------------------------------


def test_a_new_policy_stores_the_item_quantities_unit_and_the_actor_as_its_owner(
    org_a, manager, partnership
):
    policy = _set(
        org_a, partnership, manager, item="  MAT   100\t231 ", safety_stock=" 12.5 ",
        reorder_point=40, unit="  PCE  ",
    )  # fmt: skip
    policy = _fresh(org_a, policy)
    assert (policy.item, policy.unit, policy.owner) == ("MAT 100 231", "PCE", manager)
    assert (policy.safety_stock, policy.reorder_point) == (Decimal("12.5"), Decimal("40"))
    assert (policy.organization, policy.partnership) == (org_a, partnership)


def test_setting_a_policy_is_audited_with_the_item_and_both_quantities(org_a, manager, partnership):
    policy = _set(org_a, partnership, manager, safety_stock="12.5", reorder_point="40")
    [event] = _events(org_a, "integrations.stock_policy.set")
    assert (event.actor, event.object_type, event.object_id) == (
        manager, "integrations.stockpolicy", str(policy.pk)
    )  # fmt: skip
    assert event.changes == {"item": "MAT-1", "safety_stock": "12.5", "reorder_point": "40"}


def test_a_long_item_and_unit_are_cut_and_the_same_item_is_changed_in_place(
    org_a, manager, partnership
):
    item = "M" * 70
    first = _set(org_a, partnership, manager, item=item, unit="U" * 20)
    again = _set(org_a, partnership, manager, item=item, safety_stock="5", reorder_point="7")
    assert again.pk == first.pk
    with tenant_scope(org_a):
        [stored] = StockPolicy.objects.all()
    assert (stored.item, stored.unit) == ("M" * 64, "")
    assert (stored.safety_stock, stored.reorder_point) == (Decimal("5"), Decimal("7"))
    assert first.unit == "U" * 16


def test_the_same_item_of_another_partnership_is_a_policy_of_its_own(org_a, manager, partnership):
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    mine = _set(org_a, partnership, manager, safety_stock="1", reorder_point="2")
    theirs = _set(org_a, other, manager, safety_stock="3", reorder_point="4")
    mine = _fresh(org_a, mine)
    assert mine.pk != theirs.pk
    assert (mine.partnership, mine.safety_stock, mine.reorder_point) == (
        partnership, Decimal("1"), Decimal("2")
    )  # fmt: skip
    assert theirs.partnership == other


def test_a_policy_without_an_item_is_refused_on_the_item(org_a, manager, partnership):
    assert _set_refusal(org_a, partnership, manager, item="  \t ") == {"item": ["Give the item."]}
    assert _set_refusal(org_a, partnership, manager, item=None) == {"item": ["Give the item."]}


@pytest.mark.parametrize(
    "bad", ["-0.0001", "1e14", "100000000000000", "lots", "NaN", "Infinity", None]
)
def test_a_quantity_below_zero_too_large_or_not_a_number_is_refused_on_its_field(
    org_a, manager, partnership, bad
):
    assert _set_refusal(org_a, partnership, manager, safety_stock=bad) == {
        "safety_stock": [QUANTITY]
    }
    assert _set_refusal(org_a, partnership, manager, safety_stock="0", reorder_point=bad) == {
        "reorder_point": [QUANTITY]
    }


def test_both_bad_quantities_are_refused_at_once_without_comparing_them(
    org_a, manager, partnership
):
    refusal = _set_refusal(org_a, partnership, manager, safety_stock="-5", reorder_point="-10")
    assert refusal == {"safety_stock": [QUANTITY], "reorder_point": [QUANTITY]}
    refusal = _set_refusal(org_a, partnership, manager, safety_stock="50", reorder_point="-10")
    assert refusal == {"reorder_point": [QUANTITY]}


def test_zero_the_largest_quantity_and_equal_thresholds_are_accepted(org_a, manager, partnership):
    policy = _set(org_a, partnership, manager, safety_stock="0", reorder_point="0")
    assert (policy.safety_stock, policy.reorder_point) == (Decimal("0"), Decimal("0"))
    largest = "99999999999999.9999"
    policy = _set(org_a, partnership, manager, safety_stock=largest, reorder_point=largest)
    policy = _fresh(org_a, policy)
    assert policy.safety_stock == policy.reorder_point == Decimal(largest)


def test_a_safety_stock_above_the_reorder_point_is_refused_in_words(org_a, manager, partnership):
    assert _set_refusal(org_a, partnership, manager, safety_stock="100.01") == {
        "safety_stock": ["The safety stock cannot be above the reorder point."]
    }
    with tenant_scope(org_a):
        assert not StockPolicy.objects.exists()
        assert not AuditEvent.objects.filter(action="integrations.stock_policy.set").exists()


def test_a_policy_keeps_its_owner_when_someone_else_changes_it(
    org_a, manager, make_member, partnership
):
    colleague = make_member(org_a, Role.PROCUREMENT_MANAGER, email="colleague@alpha.test")
    named = _set(org_a, partnership, manager, owner=colleague)
    assert named.owner == colleague
    changed = _set(org_a, partnership, manager, reorder_point="120")
    changed = _fresh(org_a, changed)
    assert changed.owner == colleague
    renamed = _set(org_a, partnership, colleague, owner=manager)
    renamed = _fresh(org_a, renamed)
    assert renamed.owner == manager


def test_an_owner_who_has_left_stays_until_someone_else_is_named(
    org_a, manager, make_member, partnership
):
    leaver = make_member(org_a, Role.PROCUREMENT_MANAGER, email="leaver@alpha.test")
    _set(org_a, partnership, manager, owner=leaver)
    Membership.objects.filter(user=leaver).update(is_active=False)
    kept = _set(org_a, partnership, manager, reorder_point="150")
    kept = _fresh(org_a, kept)
    assert (kept.owner, kept.reorder_point) == (leaver, Decimal("150"))


def test_a_partner_guest_cannot_own_a_policy(org_a, manager, make_member, partnership):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test", full_name="Gus")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=guest, actor=None)
    assert _set_refusal(org_a, partnership, manager, owner=guest) == {
        "owner": ["Gus is not one of this organization's active staff; choose a colleague."]
    }
    _set(org_a, partnership, manager)
    assert _set_refusal(org_a, partnership, manager, owner=guest) == {
        "owner": ["Gus is not one of this organization's active staff; choose a colleague."]
    }


def test_a_policy_set_by_nobody_has_no_owner(org_a, partnership):
    policy = _set(org_a, partnership, None, unit=None)
    policy = _fresh(org_a, policy)
    assert (policy.owner, policy.unit) == (None, "")
    [event] = _events(org_a, "integrations.stock_policy.set")
    assert event.actor is None


def test_a_policy_of_another_organizations_partnership_is_refused(org_a, org_b, manager):
    theirs = PartnershipFactory(organization=org_b)
    assert _set_refusal(org_a, theirs, manager) == {
        "partnership": ["No such partnership in this organization."]
    }


# --- stock_positions_record: what is stored ------------------------------------------------------


def test_each_position_stores_what_the_feed_said_when_it_came_and_its_level(
    org_a, manager, partnership
):
    _set(org_a, partnership, manager)
    with tenant_scope(org_a):
        result = services.stock_positions_record(
            partnership=partnership, now=NOW, received_via="sftp-nightly-run", actor=manager,
            positions=[
                {"item": "  MAT-1 ", "quantity": " 120.5 ", "as_of": " 2026-03-01T08:00:00+00:00 "},
                {"item": "MAT-1", "quantity": 100, "as_of": "2026-03-01T09:00:00+00:00"},
                {"item": "MAT-1", "quantity": "50", "as_of": "2026-03-01T10:00:00"},
                {"item": "MAT   2", "quantity": "1", "as_of": NAIVE},
            ],
        )  # fmt: skip
        stored = list(StockPosition.objects.select_related("organization", "partnership")
                      .order_by("as_of"))  # fmt: skip
    rows = [(p.organization, p.partnership, p.item, p.quantity, p.as_of, p.received_at,
             p.received_via, p.level) for p in stored]  # fmt: skip
    at = lambda hour: datetime(2026, 3, 1, hour, 0, tzinfo=UTC)  # noqa: E731
    # The channel is cut at 10 characters; a time without a zone is read in UTC.
    assert rows == [
        (org_a, partnership, "MAT-1", Decimal("120.5"), at(8), NOW, "sftp-night", "ok"),
        (org_a, partnership, "MAT-1", Decimal("100"), at(9), NOW, "sftp-night", "reorder"),
        (org_a, partnership, "MAT-1", Decimal("50"), at(10), NOW, "sftp-night", "safety"),
        (org_a, partnership, "MAT 2", Decimal("1"), at(11), NOW, "sftp-night", "no_policy"),
    ]
    assert [p.pk for p in result.positions] == [p.pk for p in stored]
    assert result.alerts == 2


def test_a_long_item_is_stored_cut_at_64_characters(org_a, partnership):
    result = _feed(org_a, partnership, ("X" * 70, "5", NOW - HOUR))
    with tenant_scope(org_a):
        [stored] = StockPosition.objects.all()
    assert stored.item == "X" * 64 == result.positions[0].item
    assert stored.received_via == "api"


def test_positions_are_read_in_the_order_they_were_measured_not_as_sent(
    org_a, manager, partnership
):
    _set(org_a, partnership, manager)
    result = _feed(
        org_a, partnership,
        ("MAT-1", "90", NOW - HOUR), ("MAT-1", "400", NOW - 2 * HOUR), ("MAT-0", "5", NOW - HOUR),
    )  # fmt: skip
    assert [(p.item, p.quantity, p.level) for p in result.positions] == [
        ("MAT-1", Decimal("400"), "ok"),
        ("MAT-1", Decimal("90"), "reorder"),
        ("MAT-0", Decimal("5"), "no_policy"),
    ]
    assert result.alerts == 1
    assert _feed(org_a, partnership, ("MAT-1", "80", NOW), at=NOW + HOUR).alerts == 0


def test_a_policy_of_another_partnership_does_not_judge_this_ones_positions(
    org_a, manager, partnership
):
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    _set(org_a, other, manager)
    result = _feed(org_a, partnership, ("MAT-1", "10", NOW - HOUR))
    assert ([p.level for p in result.positions], result.alerts) == (["no_policy"], 0)
    assert _notifications(org_a) == []


# --- stock_positions_record: refusals -------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"quantity": "5", "as_of": "2026-03-01T08:00:00+00:00"},
        {"item": "   ", "quantity": "5", "as_of": "2026-03-01T08:00:00+00:00"},
        {"item": "MAT-1", "as_of": "2026-03-01T08:00:00+00:00"},
        {"item": "MAT-1", "quantity": "five", "as_of": "2026-03-01T08:00:00+00:00"},
        {"item": "MAT-1", "quantity": "NaN", "as_of": "2026-03-01T08:00:00+00:00"},
        {"item": "MAT-1", "quantity": "-Infinity", "as_of": "2026-03-01T08:00:00+00:00"},
        {"item": "MAT-1", "quantity": "5"},
        {"item": "MAT-1", "quantity": "5", "as_of": "yesterday"},
        {"item": "MAT-1", "quantity": "5", "as_of": "2026-02-30T08:00:00"},
    ],
)
def test_a_position_without_an_item_a_quantity_or_a_time_is_refused_with_its_number(
    org_a, partnership, bad
):
    good = {"item": "MAT-1", "quantity": "5", "as_of": "2026-03-01T07:00:00+00:00"}
    assert _feed_refusal(org_a, partnership, [good, bad]) == {"positions": [POSITION.format(2)]}
    assert _feed_refusal(org_a, partnership, [bad]) == {"positions": [POSITION.format(1)]}
    with tenant_scope(org_a):
        assert not StockPosition.objects.exists()


@pytest.mark.parametrize("positions", [[], None])
def test_a_feed_without_positions_is_refused(org_a, partnership, positions):
    assert _feed_refusal(org_a, partnership, positions) == {
        "positions": ["No stock position was sent."]
    }


def test_positions_for_another_organizations_partnership_are_refused(org_a, org_b):
    theirs = PartnershipFactory(organization=org_b)
    good = {"item": "MAT-1", "quantity": "5", "as_of": "2026-03-01T07:00:00+00:00"}
    assert _feed_refusal(org_a, theirs, [good]) == {
        "partnership": ["No such partnership in this organization."]
    }


# --- stock_positions_record: the alert ----------------------------------------------------------


def test_a_position_below_the_reorder_point_alerts_the_policy_owner_once(
    org_a, manager, make_member, partnership
):
    planner = make_member(org_a, Role.PROCUREMENT_MANAGER, email="planner@alpha.test")
    policy = _set(org_a, partnership, manager, owner=planner, unit="PCE",
                  safety_stock="1500", reorder_point="2500.5")  # fmt: skip
    result = _feed(
        org_a, partnership, ("MAT-1", "2250.75", datetime(2026, 3, 1, 8, 5, 9, tzinfo=UTC))
    )
    assert result.alerts == 1
    [told] = _notifications(org_a)
    assert told.recipient == planner
    assert told.title == "Alder drive-train: MAT-1 at or below its reorder point"
    assert told.body == "2,250.75 PCE on 01 Mar 2026 08:05 (the reorder point is 2,500.5)."
    assert told.url == reverse("stock-overview", args=["alpha", partnership.pk])
    assert told.dedupe_key == f"integrations:stock:{policy.pk}:reorder:20260301080509"
    again = _feed(org_a, partnership, ("MAT-1", "2000", NOW), at=NOW + HOUR)
    assert again.alerts == 0 and len(_notifications(org_a)) == 1


def test_a_position_at_the_safety_stock_alerts_with_the_safety_stock(org_a, manager, partnership):
    policy = _set(org_a, partnership, manager, unit="KG", safety_stock="1250", reorder_point="3000")
    result = _feed(org_a, partnership, ("MAT-1", "1250", datetime(2026, 3, 1, 17, 30, tzinfo=UTC)))
    assert result.alerts == 1
    [told] = _notifications(org_a)
    assert told.recipient == manager
    assert told.title == "Alder drive-train: MAT-1 at or below its safety stock"
    assert told.body == "1,250 KG on 01 Mar 2026 17:30 (the safety stock is 1,250)."
    assert told.dedupe_key == f"integrations:stock:{policy.pk}:safety:20260301173000"


def test_a_policy_without_an_owner_alerts_the_partnerships_owner(
    org_a, manager, make_member, partnership
):
    _set(org_a, partnership, None)
    make_member(org_a, Role.ORG_ADMIN, email="admin@alpha.test")
    assert _feed(org_a, partnership, ("MAT-1", "90", NOW - HOUR)).alerts == 1
    assert [n.recipient for n in _notifications(org_a)] == [manager]


def test_a_feed_reads_the_owners_and_the_admins_once_however_many_items_cross(
    org_a, manager, make_member
):
    make_member(org_a, Role.ORG_ADMIN, email="admin@alpha.test")
    ownerless = PartnershipFactory(organization=org_a, owner=None, name="Birch castings")
    for group, owner in (("A", None), ("B", None), ("C", manager), ("D", manager)):
        for n in (1, 2, 3):
            _set(org_a, ownerless, None, item=f"{group}{n}", owner=owner)
    _feed(org_a, ownerless, ("W1", "1", NOW - HOUR))  # the caches warmed

    def queries(group, crossing):
        positions = [(f"{group}{n}", "90" if n <= crossing else "400", NOW - HOUR)
                     for n in (1, 2, 3)]  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            result = _feed(org_a, ownerless, *positions)
        assert result.alerts == crossing
        return len(captured.captured_queries)

    # Two alerts more cost the same queries for the admins as for a named owner: neither the
    # admins nor an owner are read again per alert.
    admins_heard = queries("B", 3) - queries("A", 1)
    owner_heard = queries("D", 3) - queries("C", 1)
    assert admins_heard == owner_heard


def test_a_crossing_nobody_can_hear_of_is_stored_but_not_counted(org_a, make_member):
    ownerless = PartnershipFactory(organization=org_a, owner=None, name="Birch castings")
    _set(org_a, ownerless, None)
    result = _feed(org_a, ownerless, ("MAT-1", "90", NOW - HOUR))
    assert (result.alerts, [p.level for p in result.positions]) == (0, ["reorder"])
    assert _notifications(org_a) == []
    [event] = _events(org_a, "integrations.stock_positions.recorded")
    assert event.changes == {"positions": 1, "alerts": 0, "via": "api"}


def test_two_items_crossing_in_one_feed_are_two_alerts(org_a, manager, partnership):
    _set(org_a, partnership, manager, item="MAT-1")
    _set(org_a, partnership, manager, item="MAT-2")
    result = _feed(org_a, partnership, ("MAT-1", "90", NOW - HOUR), ("MAT-2", "10", NOW - HOUR))
    assert result.alerts == 2
    assert sorted(n.title for n in _notifications(org_a)) == [
        "Alder drive-train: MAT-1 at or below its reorder point",
        "Alder drive-train: MAT-2 at or below its safety stock",
    ]


def test_an_item_below_its_reorder_point_before_its_policy_existed_alerts_once_it_has_one(
    org_a, manager, partnership
):
    first = _feed(org_a, partnership, ("MAT-1", "90", NOW - 2 * HOUR))
    assert [p.level for p in first.positions] == ["no_policy"]
    _set(org_a, partnership, manager)
    assert _feed(org_a, partnership, ("MAT-1", "90", NOW - HOUR)).alerts == 1


def test_the_last_level_is_the_latest_measured_position_of_this_partnership(
    org_a, manager, partnership
):
    _set(org_a, partnership, manager)
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    # Measured at the same time: the one recorded last is the item's level now.
    StockPositionFactory(organization=org_a, partnership=partnership, item="MAT-1",
                         quantity=Decimal("90"), as_of=NOW - 2 * HOUR, level="reorder")  # fmt: skip
    StockPositionFactory(organization=org_a, partnership=partnership, item="MAT-1",
                         quantity=Decimal("400"), as_of=NOW - 2 * HOUR, level="ok")  # fmt: skip
    StockPositionFactory(organization=org_a, partnership=other, item="MAT-2",
                         quantity=Decimal("90"), as_of=NOW - 2 * HOUR, level="reorder")  # fmt: skip
    # An older measurement that arrived late does not replace the latest one.
    StockPositionFactory(organization=org_a, partnership=partnership, item="MAT-3",
                         quantity=Decimal("400"), as_of=NOW - 2 * HOUR, level="ok")  # fmt: skip
    StockPositionFactory(organization=org_a, partnership=partnership, item="MAT-3",
                         quantity=Decimal("90"), as_of=NOW - 3 * HOUR, level="reorder")  # fmt: skip
    _set(org_a, partnership, manager, item="MAT-2")
    _set(org_a, partnership, manager, item="MAT-3")
    result = _feed(
        org_a, partnership,
        ("MAT-1", "90", NOW - HOUR), ("MAT-2", "90", NOW - HOUR), ("MAT-3", "90", NOW - HOUR),
    )  # fmt: skip
    assert result.alerts == 3


def test_a_feed_is_audited_with_its_count_alerts_and_channel(org_a, manager, partnership):
    _set(org_a, partnership, manager)
    _feed(org_a, partnership, ("MAT-1", "90", NOW - HOUR), ("MAT-2", "9", NOW - HOUR),
          actor=manager, received_via="edi-channel-x")  # fmt: skip
    [event] = _events(org_a, "integrations.stock_positions.recorded")
    assert (event.actor, event.object_type, event.object_id) == (
        manager, "partnerships.partnership", str(partnership.pk)
    )  # fmt: skip
    assert event.changes == {"positions": 2, "alerts": 1, "via": "edi-channel-x"}


def test_a_feeds_lags_are_the_longest_and_the_average_time_to_arrive(org_a, partnership):
    result = _feed(org_a, partnership, ("MAT-1", "5", NOW - 3 * HOUR), ("MAT-2", "5", NOW - HOUR))
    assert (result.max_lag, result.average_lag) == (3 * HOUR, 2 * HOUR)
    assert (StockFeedResult([], 0).max_lag, StockFeedResult([], 0).average_lag) == (None, None)


# --- the sample feed and its replay -------------------------------------------------------------


def test_the_sample_feed_is_two_items_measured_six_hours_and_forty_minutes_ago():
    assert services.stock_feed_sample(now=NOW) == (
        "item,quantity,as_of\n"
        "MAT-100231,950,2026-03-02T03:00:00+00:00\n"
        "MAT-100877,140,2026-03-02T03:00:00+00:00\n"
        "MAT-100231,610,2026-03-02T08:20:00+00:00\n"
        "MAT-100877,35,2026-03-02T08:20:00+00:00\n"
    )


def test_a_replay_reads_the_columns_in_any_order_as_a_replay_and_keeps_nothing(
    org_a, manager, partnership
):
    _set(org_a, partnership, manager, item="MAT-100877", safety_stock="40", reorder_point="100")
    content = "as_of,Quantity,note,ITEM\n" + "\n".join(
        line for line in [
            "2026-03-02T03:00:00+00:00,140,first,MAT-100877",
            "2026-03-02T08:20:00+00:00,35,second,MAT-100877",
        ]
    )  # fmt: skip
    with tenant_scope(org_a):
        result = services.stock_feed_replay(partnership=partnership, content=content, now=NOW)
        assert not StockPosition.objects.exists() and not Notification.objects.exists()
    assert [(p.quantity, p.level, p.received_via, p.received_at) for p in result.positions] == [
        (Decimal("140"), "ok", "replay", NOW),
        (Decimal("35"), "safety", "replay", NOW),
    ]
    assert result.alerts == 1


@pytest.mark.parametrize("content", ["", None])
def test_an_empty_replay_is_refused_on_the_content(org_a, partnership, content):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.stock_feed_replay(partnership=partnership, content=content, now=NOW)
    assert refused.value.message_dict == {
        "content": ["The feed needs the columns item, quantity, as_of."]
    }


def test_a_replay_without_data_rows_is_refused_as_no_position(org_a, partnership):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.stock_feed_replay(
            partnership=partnership, content="item,quantity,as_of\n", now=NOW
        )
    assert refused.value.message_dict == {"positions": ["No stock position was sent."]}


@pytest.mark.parametrize("quantity", ["1e15", "100000000000000", "-1e14", "0.00001"])
def test_a_quantity_the_column_cannot_hold_is_refused_not_cut_nor_a_crash(
    org_a, partnership, quantity
):
    positions = [{"item": "MAT-1", "quantity": quantity, "as_of": "2026-03-02T08:20:00+00:00"}]
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.stock_positions_record(partnership=partnership, positions=positions, now=NOW)
    assert refused.value.message_dict == {
        "positions": ["Position 1: a quantity below 100,000,000,000,000 with at most 4 decimals."]
    }


def test_the_largest_and_finest_quantities_the_column_holds_are_kept(org_a, partnership):
    positions = [
        {"item": "MAT-1", "quantity": "99999999999999.9999", "as_of": "2026-03-02T08:20:00Z"},
        {"item": "MAT-2", "quantity": "0.0001", "as_of": "2026-03-02T08:20:00Z"},
    ]
    with tenant_scope(org_a):
        services.stock_positions_record(partnership=partnership, positions=positions, now=NOW)
        stored = sorted(StockPosition.objects.values_list("item", "quantity"))
    assert stored == [("MAT-1", Decimal("99999999999999.9999")), ("MAT-2", Decimal("0.0001"))]


def test_the_replay_page_refuses_a_huge_quantity_in_words(client_as, manager, partnership):
    url = f"/o/alpha/partnerships/{partnership.pk}/integrations/stock/replay/"
    page = client_as(manager).post(
        url, {"content": "item,quantity,as_of\nMAT-1,1e15,2026-03-02T08:20:00+00:00\n"}
    )
    assert page.status_code == 400
    assert "a quantity below 100,000,000,000,000" in page.content.decode()
