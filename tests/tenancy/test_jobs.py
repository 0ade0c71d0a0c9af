"""enqueue: after commit, by task name, inline with the one TASKS_INLINE switch."""

from types import SimpleNamespace

import pytest

from tenancy import jobs

pytestmark = pytest.mark.django_db

PROBE = "tenancy.tasks.tenant_probe"


@pytest.fixture
def sent(monkeypatch):
    calls = []
    task = jobs.task_by_name(PROBE)
    monkeypatch.setattr(task, "apply_async", lambda *a, **kw: calls.append(("queue", kw)))
    ok = SimpleNamespace(failed=lambda: False)
    monkeypatch.setattr(task, "apply", lambda *a, **kw: calls.append(("inline", kw)) or ok)
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


def test_only_tasks_inline_switches_inline(settings):
    settings.TASKS_INLINE = False
    settings.CONTRACTS_INTAKE_INLINE = True  # an old per-module name: no longer read
    assert not jobs.tasks_inline()
    settings.TASKS_INLINE = True
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


def test_a_system_task_past_the_redelivery_limit_is_not_run_again(settings, monkeypatch):
    import uuid

    from tenancy.tasks import delivery_count

    settings.TASK_MAX_DELIVERIES = 2
    task = jobs.task_by_name("tenancy.tasks.notifications_purge_all_tenants")
    ran = []
    monkeypatch.setattr(task, "run", lambda: ran.append(True) or 1)
    task_id = str(uuid.uuid4())
    assert task.apply(task_id=task_id).get() == 1  # first delivery
    assert task.apply(task_id=task_id).get() == 1  # redelivered once: still within the limit
    delivery_count(task_id)  # a third delivery whose worker died
    assert task.apply(task_id=task_id).get() is None
    assert len(ran) == 2


def test_tenant_tasks_lock_on_their_object_or_else_on_all_their_arguments():
    from tenancy.tasks import tenant_probe

    probe = jobs.task_by_name("tenancy.tasks.tenant_probe")
    assert probe._lock_keys({"organization_id": 1, "b": 2}) == ("b", "organization_id")
    pdf = jobs.task_by_name("performance.tasks.scorecard_report_generate")
    assert pdf._lock_keys({"organization_id": 1, "report_id": 2}) == ("report_id",)
    edi = jobs.task_by_name("integrations.tasks.edi_document_process")
    assert edi._lock_keys({"organization_id": 1, "document_id": 2}) == ("document_id",)
    assert tenant_probe.name == probe.name


def test_an_inline_task_that_fails_is_logged_and_the_request_goes_on(
    settings, caplog, django_capture_on_commit_callbacks
):
    settings.TASKS_INLINE = True
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue(PROBE)  # no organization_id: the tenant task refuses to run
    assert "inline task tenancy.tasks.tenant_probe failed" in caplog.text
