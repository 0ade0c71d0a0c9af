"""Single points of failure against hand-drawn supplier graphs.

partnership 10 → partner A ─castings→ X ─ore→ Z
partnership 20 → partner B ─castings→ X
partnership 30 → partner C ─castings→ X, ─castings→ Y  (an alternative for castings)
partnership 40 → partner D ─chips→ Z
"""

from datetime import UTC, datetime

import pytest

from risk import selectors
from risk.spof import Link, single_points_of_failure, sole_source_links
from tests.partnerships.factories import PartnerFactory, PartnershipFactory, SubTierLinkFactory

A, B, C, D, X, Y, Z = 1, 2, 3, 4, 5, 6, 7
PARTNERSHIPS = {10: A, 20: B, 30: C, 40: D}
LINKS = [
    Link(A, X, "Castings"),
    Link(B, X, "castings "),
    Link(C, X, "castings"),
    Link(C, Y, "Castings"),
    Link(X, Z, "ore"),
    Link(D, Z, "chips"),
]


def test_a_supplier_with_an_alternative_is_not_sole_source():
    assert Link(C, X, "castings") not in sole_source_links(LINKS)
    assert Link(A, X, "Castings") in sole_source_links(LINKS)


def test_suppliers_several_partnerships_depend_on_without_alternative_are_found():
    found = {s.supplier: s for s in single_points_of_failure(PARTNERSHIPS, LINKS)}
    # X: A and B buy castings only there (C has Y as well). Z: reached through X by 10 and 20,
    # and directly by D (40): three partnerships.
    assert set(found) == {X, Z}
    assert found[X].partnerships == [10, 20]
    assert found[Z].partnerships == [10, 20, 40]
    assert found[Z].paths[10] == (A, X, Z)
    assert found[Z].paths[40] == (D, Z)
    assert [s.supplier for s in single_points_of_failure(PARTNERSHIPS, LINKS)] == [Z, X]


def test_a_link_that_does_not_say_what_it_supplies_counts_as_sole_source():
    found = single_points_of_failure({1: A, 2: B}, [Link(A, X), Link(B, X)])
    assert [(s.supplier, s.partnerships) for s in found] == [(X, [1, 2])]


def test_one_dependent_partnership_is_not_a_single_point_of_failure():
    assert single_points_of_failure({1: A}, [Link(A, X, "castings")]) == []


def test_two_partnerships_with_the_same_partner_alone_are_not_a_sub_tier_finding():
    assert single_points_of_failure({1: A, 2: A}, []) == []


def test_a_cycle_in_the_graph_ends():
    found = single_points_of_failure({1: A, 2: B}, [Link(A, X), Link(X, A), Link(B, X)])
    assert {s.supplier for s in found} == {X, A}


@pytest.mark.django_db
def test_the_portfolio_finds_a_shared_foundry_from_the_partner_records(scope, manager):
    # Alder (drive-train) and Birch (axles) both buy castings only from Rhine Castings; Cedar
    # (brakes) buys castings there too but also from Delta Foundry.
    rhine, delta = PartnerFactory(name="Rhine Castings"), PartnerFactory(name="Delta Foundry")
    alder, birch, cedar = (PartnerFactory(name=n) for n in ("Alder", "Birch", "Cedar"))
    drive = PartnershipFactory(partner=alder, name="Drive-train")
    axles = PartnershipFactory(partner=birch, name="Axles")
    PartnershipFactory(partner=cedar, name="Brakes")
    PartnershipFactory(partner=birch, name="Old axles", status="closed")
    for partner in (alder, birch, cedar):
        SubTierLinkFactory(partner=partner, supplier=rhine, supplies="Castings")
    SubTierLinkFactory(partner=cedar, supplier=delta, supplies="castings")
    [found] = selectors.single_points_of_failure(membership=manager.memberships.get())
    assert found["name"] == "Rhine Castings"
    assert [(p["pk"], p["path"]) for p in found["partnerships"]] == [
        (drive.pk, "Alder → Rhine Castings"),
        (axles.pk, "Birch → Rhine Castings"),
    ]


@pytest.mark.django_db
def test_a_guest_sees_no_single_points_of_failure(scope, guest):
    assert selectors.single_points_of_failure(membership=guest.memberships.get()) == []


def test_the_search_stops_at_the_deepest_tier_it_follows():
    chain = [Link(i, i + 1) for i in range(1, 10)]  # 1 → 2 → … → 10
    found = single_points_of_failure({1: 1, 2: 9}, chain, max_depth=2)
    # From 1: 2 and 3 (two tiers). From 9: 10. No supplier is shared.
    assert found == []
    assert {s.supplier for s in single_points_of_failure({1: 1, 2: 9}, chain)} == set()
    deep = single_points_of_failure({1: 1, 2: 3}, chain, max_depth=2)
    assert [(s.supplier, s.partnerships) for s in deep] == [(3, [1, 2])]


@pytest.mark.django_db
def test_the_portfolio_page_keeps_the_most_depended_on_suppliers_and_counts_the_rest(
    scope, manager
):
    # Rhine supplies three partnerships, Delta two: with one supplier and one path kept, Rhine
    # stays, with its first partnership and "2 more"; both are still counted.
    rhine, delta = PartnerFactory(name="Rhine Castings"), PartnerFactory(name="Delta Foundry")
    partners = [PartnerFactory(name=n) for n in ("Alder", "Birch", "Cedar")]
    partnerships = [PartnershipFactory(partner=p, name=f"{p.name} deal") for p in partners]
    for partner in partners:
        SubTierLinkFactory(partner=partner, supplier=rhine, supplies="castings")
    for partner in partners[:2]:
        SubTierLinkFactory(partner=partner, supplier=delta, supplies="forgings")
    membership = manager.memberships.get()
    [kept] = selectors.single_points_of_failure(membership=membership, limit=1, paths=1)
    assert (kept["name"], kept["dependents"], kept["more"]) == ("Rhine Castings", 3, 2)
    assert kept["partnerships"] == [
        {"pk": partnerships[0].pk, "name": "Alder deal", "path": "Alder → Rhine Castings"}
    ]
    everything = selectors.single_points_of_failure(membership=membership)
    assert [(s["name"], s["dependents"], s["more"]) for s in everything] == [
        ("Rhine Castings", 3, 0),
        ("Delta Foundry", 2, 0),
    ]
    now = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    portfolio = selectors.portfolio_risk(
        membership=membership, today=now.date(), now=now, spofs_shown=1, spof_paths=1
    )
    assert portfolio.spof_count == 2 and len(portfolio.spofs) == 1
