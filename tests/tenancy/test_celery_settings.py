"""The broker's visibility timeout outlasts every task: a task still running is never delivered
to a second worker, and a task whose whole worker died is delivered again after it."""

from django.conf import settings

from config.celery import app


def _hard_limit(task) -> int:
    return task.time_limit or app.conf.task_time_limit or 0


def test_the_visibility_timeout_exceeds_the_longest_hard_time_limit_of_every_task():
    app.loader.import_default_modules()
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    project_tasks = {
        name: task for name, task in app.tasks.items() if not name.startswith("celery.")
    }
    assert project_tasks, "no project task registered"
    too_long = {
        name: _hard_limit(t) for name, t in project_tasks.items() if _hard_limit(t) >= timeout
    }
    assert too_long == {}


def test_every_project_task_has_a_hard_time_limit():
    app.loader.import_default_modules()
    unlimited = [
        name
        for name, task in app.tasks.items()
        if not name.startswith("celery.") and not _hard_limit(task)
    ]
    assert unlimited == []
