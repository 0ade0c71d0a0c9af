"""State machines of the lifecycles in DESIGN.md, checked by services before every transition."""

from dataclasses import dataclass, field

from tenancy.errors import TransitionNotAllowed


@dataclass(frozen=True)
class Lifecycle:
    name: str
    transitions: dict[str, frozenset[str]] = field(default_factory=dict)

    def allowed_from(self, state: str) -> frozenset[str]:
        return self.transitions.get(state, frozenset())

    def check(self, current: str, target: str) -> None:
        if target not in self.allowed_from(current):
            allowed = ", ".join(sorted(self.allowed_from(current))) or "none"
            raise TransitionNotAllowed(
                f"A {self.name} cannot go from '{current}' to '{target}' "
                f"(allowed from '{current}': {allowed})."
            )


def lifecycle(name: str, transitions: dict[str, set[str] | tuple[str, ...]]) -> Lifecycle:
    return Lifecycle(name, {state: frozenset(targets) for state, targets in transitions.items()})
