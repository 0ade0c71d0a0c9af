"""Single points of failure in the shared sub-tier supplier graph (pure: no database).

The graph's edges are the partners' sub-tier links: partner P buys `supplies` from supplier S.
An edge is *sole-source* when P has no other supplier for the same thing (the same `supplies`,
compared case-insensitively; an edge that does not say what it supplies counts as sole-source,
since no alternative is known). A partnership depends on every supplier reachable from its
partner through sole-source edges (up to MAX_DEPTH tiers down), and on its partner itself.

A single point of failure is a supplier that at least two partnerships depend on this way, at
least one of them through the sub-tier graph (two partnerships with the same partner alone are
concentration, not a sub-tier finding). Each dependency keeps its path, so the finding can be
explained: "Drive-train alliance → Alder Components → Rhine Castings".
"""

from collections import defaultdict, deque
from dataclasses import dataclass, field

MIN_DEPENDENTS = 2
# How many tiers below the partner the search follows (tier 2 to tier 5): deep enough for real
# supply chains, and it keeps the search linear in the size of the graph.
MAX_DEPTH = 4


@dataclass(frozen=True)
class Link:
    partner: int
    supplier: int
    supplies: str = ""


@dataclass
class Spof:
    supplier: int
    # partnership id → the partner ids from the partnership's partner down to the supplier
    paths: dict[int, tuple[int, ...]] = field(default_factory=dict)

    @property
    def partnerships(self) -> list[int]:
        return sorted(self.paths)


def sole_source_links(links: list[Link]) -> list[Link]:
    items = [link.supplies.strip().lower() for link in links]  # each link's item, once
    by_item: dict[tuple[int, str], set[int]] = defaultdict(set)
    for link, item in zip(links, items, strict=True):
        if item:
            by_item[(link.partner, item)].add(link.supplier)
    return [
        link
        for link, item in zip(links, items, strict=True)
        if not item or len(by_item[(link.partner, item)]) == 1
    ]


def single_points_of_failure(
    partnerships: dict[int, int],
    links: list[Link],
    *,
    min_dependents: int = MIN_DEPENDENTS,
    max_depth: int = MAX_DEPTH,
) -> list[Spof]:
    """`partnerships` maps each live partnership id to its partner id."""
    graph: dict[int, list[int]] = defaultdict(list)
    for link in sole_source_links(links):
        graph[link.partner].append(link.supplier)
    found: dict[int, Spof] = {}
    for partnership_id, partner_id in sorted(partnerships.items()):
        paths: dict[int, tuple[int, ...]] = {partner_id: (partner_id,)}
        queue = deque([partner_id])
        while queue:
            current = queue.popleft()
            if len(paths[current]) > max_depth:
                continue
            for supplier in sorted(graph.get(current, ())):
                if supplier not in paths:  # shortest path first; cycles end here
                    paths[supplier] = (*paths[current], supplier)
                    queue.append(supplier)
        for supplier, path in paths.items():
            found.setdefault(supplier, Spof(supplier)).paths[partnership_id] = path
    result = [
        spof
        for spof in found.values()
        if len(spof.paths) >= min_dependents and any(len(p) > 1 for p in spof.paths.values())
    ]
    return sorted(result, key=lambda s: (-len(s.paths), s.supplier))
