"""What a member answers for, so that it can be handed to a colleague when they move on.

Each module registers, in its AppConfig.ready(), the person fields that name who answers for a
record (an owner, a sponsor, a reviewer) and which of its records are still open work:

    responsibilities_register(
        Responsibility("Open risks", "risk.Risk", "owner", {"status": "open"}),
    )

The member page lists what a member answers for (`tenancy.selectors.responsibilities_of`) and
an admin hands all of it to one colleague at once (`tenancy.services.responsibilities_hand_over`);
seats and roles (`moves=False`) are listed to be re-staffed on their own pages.
Fields that record history (who decided, who uploaded, who wrote) are never registered: they
stay as they were.
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Responsibility:
    label: str  # the records, plural, as a person says it: "Open risks"
    model: str  # "app_label.Model"
    field: str  # the person field: "owner"
    # the filter of what is still open work; empty: every record naming the person
    open_work: dict[str, Any] = dataclasses.field(default_factory=dict)
    # False for a seat or a role (a committee seat, a RACI letter, an approval awaited): listed
    # on the member page to be re-staffed on its own page, never moved by the handover (a
    # colleague may already hold one, and a seat is the committee's decision).
    moves: bool = True

    def queryset(self, user_id: int):
        from django.apps import apps

        model = apps.get_model(self.model)
        return model.objects.filter(**{f"{self.field}_id": user_id, **self.open_work})


_RESPONSIBILITIES: list[Responsibility] = []


def responsibilities_register(*items: Responsibility) -> None:
    """Called from a module's AppConfig.ready(); registering the same field twice is ignored."""
    for item in items:
        if item not in _RESPONSIBILITIES:
            _RESPONSIBILITIES.append(item)


def responsibilities() -> tuple[Responsibility, ...]:
    return tuple(_RESPONSIBILITIES)
