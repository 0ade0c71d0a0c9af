"""enqueue: after commit, by task name, inline with the one TASKS_INLINE switch."""

import pytest

from tenancy import jobs

pytestmark = pytest.mark.django_db

PROBE = "tenancy.tasks.tenant_probe"


@pytest.fixture
def sent(monkeypatch):
    calls = []
    task = jobs.task_by_name(PROBE)
    monkeypatch.setattr(task, "apply_async", lambda *a, **kw: calls.append(("queue", kw)))
    monkeypatch.setattr(task, "apply", lambda *a, **kw: calls.append(("inline", kw)))
    return calls


def test_enqueue_sends_the_named_task_to_the_broker_only_after_commit(
    settings, sent, org_a, django_capture_on_commit_callbacks
):
    settings.TASKS_INLINE = False
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue(PROBE, organization_id=org_a.pk)
        assert sent == []  # nothing leaves before the commit
    assert sent == [("queue", {"kwargs": {"organization_id": org_a.pk}})]


def test_with_tasks_inline_the_task_runs_in_process_after_commit(
    settings, sent, org_a, django_capture_on_commit_callbacks
):
    settings.TASKS_INLINE = True
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue(PROBE, organization_id=org_a.pk)
        assert sent == []
    assert sent == [("inline", {"kwargs": {"organization_id": org_a.pk}})]


@pytest.mark.parametrize("legacy", jobs.LEGACY_INLINE_SETTINGS)
def test_the_old_per_module_inline_settings_still_switch_inline(settings, legacy):
    settings.TASKS_INLINE = False
    assert not jobs.tasks_inline()
    setattr(settings, legacy, True)
    assert jobs.tasks_inline()


def test_an_inline_task_really_runs_in_its_tenant(
    settings, monkeypatch, org_a, django_capture_on_commit_callbacks
):
    settings.TASKS_INLINE = True
    task = jobs.task_by_name(PROBE)
    results = []
    original = task.run
    monkeypatch.setattr(task, "run", lambda **kw: results.append(original(**kw)))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue(PROBE, organization_id=org_a.pk)
    assert results[0]["context_organization_id"] == org_a.pk
