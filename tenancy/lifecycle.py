"""State machines of the lifecycles in DESIGN.md, checked by services before every transition.

A refused transition raises `TransitionNotAllowed` (a 409 on the API, a message on the page). Its
text is read by users: it names the states in words ("in review", not `in_review`), or by the
labels of the model's choices when the lifecycle is given them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from tenancy.errors import TransitionNotAllowed


def _words(state: str) -> str:
    return state.replace("_", " ")


@dataclass(frozen=True)
class Lifecycle:
    name: str
    transitions: dict[str, frozenset[str]] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def allowed_from(self, state: str) -> frozenset[str]:
        return self.transitions.get(state, frozenset())

    def label(self, state: str) -> str:
        return str(self.labels.get(state, _words(state))).lower()

    def check(self, current: str, target: str) -> None:
        if target in self.allowed_from(current):
            return
        article = "An" if self.name[:1].lower() in "aeiou" else "A"
        allowed = sorted(self.label(state) for state in self.allowed_from(current))
        if not allowed:
            after = f"Nothing can follow “{self.label(current)}”."
        elif len(allowed) == 1:
            after = f"From “{self.label(current)}” it can only go to “{allowed[0]}”."
        else:
            listed = ", ".join(f"“{state}”" for state in allowed[:-1])
            after = f"From “{self.label(current)}” it can go to {listed} or “{allowed[-1]}”."
        raise TransitionNotAllowed(
            f"{article} {self.name} cannot go from “{self.label(current)}” to "
            f"“{self.label(target)}”. {after}"
        )


def lifecycle(
    name: str,
    transitions: dict[str, set[str] | tuple[str, ...]],
    labels: Mapping[str, str] | None = None,
) -> Lifecycle:
    """`labels`: the state's words on screen (a TextChoices' `dict(Status.choices)`), when they
    differ from the code with spaces for underscores."""
    return Lifecycle(
        name, {state: frozenset(targets) for state, targets in transitions.items()}, labels or {}
    )
