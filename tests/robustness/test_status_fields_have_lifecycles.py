"""Every status field moves through a lifecycle (`tenancy.lifecycle`), never by hand: each model
field named `status` (or `…_status`) with choices has a `Lifecycle` in its own app's models
module or the kernel's (jobs, outbox) whose states are exactly the field's choices, and the
app's own code checks it (`NAME.check(current, target)`) before it moves the field. A new
status field without one fails here, so a hand-written "already resolved" check cannot creep
back."""

import importlib
from pathlib import Path

from django.apps import apps

from tenancy.lifecycle import Lifecycle
from tenancy.modules import KERNEL_APP, module_apps

ROOT = Path(__file__).resolve().parents[2]
PROJECT_APPS = (KERNEL_APP, *module_apps())  # the kernel and every module of the registry
KERNEL_LIFECYCLE_MODULES = ("tenancy.jobs", "tenancy.outbox")
# Copies that never move: the state of something else at the moment a row was made.
SNAPSHOTS = {
    "governance.MinutesPdf.minutes_status": "the minutes' state when the PDF was rendered",
}


def _states(lifecycle: Lifecycle) -> set[str]:
    states = set(lifecycle.transitions)
    for targets in lifecycle.transitions.values():
        states |= set(targets)
    return states


def _lifecycles_of(app: str) -> dict[str, Lifecycle]:
    modules = [f"{app}.models", *(KERNEL_LIFECYCLE_MODULES if app == "tenancy" else ())]
    found = {}
    for name in modules:
        module = importlib.import_module(name)
        found.update({k: v for k, v in vars(module).items() if isinstance(v, Lifecycle)})
    return found


def _code_text(app: str) -> str:
    """The app's own code (its migrations aside)."""
    paths = (ROOT / app).rglob("*.py")
    return "\n".join(p.read_text() for p in paths if "migrations" not in p.parts)


def _status_fields():
    for model in apps.get_models():
        app = model.__module__.split(".")[0]
        if app not in PROJECT_APPS or model._meta.abstract:
            continue
        for field in model._meta.concrete_fields:
            if f"{model._meta.label}.{field.name}" in SNAPSHOTS:
                continue
            if (field.name == "status" or field.name.endswith("_status")) and field.choices:
                yield app, model, field


def _missing() -> list[str]:
    missing = []
    for app, model, field in _status_fields():
        choices = {value for value, _ in field.choices}
        candidates = dict(_lifecycles_of(app))
        candidates.update(_lifecycles_of("tenancy"))
        matching = [name for name, lc in candidates.items() if _states(lc) == choices]
        if not matching:
            missing.append(f"{model._meta.label}.{field.name}: no lifecycle")
            continue
        code = _code_text(app)
        if not any(f"{name}.check(" in code for name in matching):
            missing.append(f"{model._meta.label}.{field.name}: {matching[0]} never checked")
    return sorted(missing)


def test_every_status_field_moves_through_a_lifecycle_its_services_check():
    assert _missing() == []


def test_the_check_sees_a_status_field_whose_lifecycle_is_missing_or_never_checked(monkeypatch):
    """Without a lifecycle for the partnership's status, or with its check gone from the code,
    the partnership is named."""
    real = _lifecycles_of
    monkeypatch.setattr(
        f"{__name__}._lifecycles_of",
        lambda app: {k: v for k, v in real(app).items() if k != "PARTNERSHIP_LIFECYCLE"},
    )
    assert "partnerships.Partnership.status: no lifecycle" in _missing()
    monkeypatch.setattr(f"{__name__}._lifecycles_of", real)
    monkeypatch.setattr(
        f"{__name__}._code_text",
        lambda app: "" if app == "partnerships" else "PARTNERSHIP_LIFECYCLE.check(",
    )
    assert "partnerships.Partnership.status: PARTNERSHIP_LIFECYCLE never checked" in _missing()
