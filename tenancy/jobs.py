"""One design for long work on an uploaded file: the job row, its progress, and `enqueue`.

A job is a tenant row that a Celery task works on (contract intake, EDI documents, measurement
imports). Subclass `Job` (or `UploadJob`, which also keeps the uploaded bytes) and you get:

- `status` through the `JOB_LIFECYCLE` state machine: queued → running → succeeded | failed
  (a model whose status values read differently on screen maps them with `job_states`);
- `progress` in percent, `result` (JSON, what the page shows when done) and `error` (the reason
  in the user's words when failed);
- `job_progress_set(job, percent)` / `job_progress(job)`: the one progress helper. A task's
  transaction is invisible to the page until it commits, so the running figure lives in the
  cache (keyed by organization) and the row keeps the last committed one;
- `job_fail(...)`: marks a job failed with its reason (also what the task base class calls when
  a task was delivered too often: tenancy.tasks.TenantTask's redelivery limit).

`enqueue("app.tasks.name", **kwargs)` sends a task after the current transaction commits.
Services call it with the task's *name*, never importing tasks. With the setting
`TASKS_INLINE = True` (tests, a live server without a worker) the task runs in-process right
after the commit, through the same code path a worker would take.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.utils import timezone

from tenancy.errors import TransitionNotAllowed
from tenancy.lifecycle import Lifecycle, lifecycle
from tenancy.models import TenantModel

logger = logging.getLogger(__name__)


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Done"
    FAILED = "failed", "Failed"


@dataclass(frozen=True)
class JobStates:
    """The stored values of a job's four phases (a model may name them its own way)."""

    queued: str = JobStatus.QUEUED
    running: str = JobStatus.RUNNING
    succeeded: str = JobStatus.SUCCEEDED
    failed: str = JobStatus.FAILED

    @property
    def finished(self) -> tuple[str, str]:
        return (self.succeeded, self.failed)

    def lifecycle(self, name: str) -> Lifecycle:
        # running → running: a redelivered task starts its job again.
        return lifecycle(
            name,
            {
                self.queued: {self.running, self.failed},
                self.running: {self.running, self.succeeded, self.failed},
            },
        )


JOB_STATES = JobStates()
JOB_LIFECYCLE = JOB_STATES.lifecycle("job")


class Job(TenantModel):
    """Abstract: long work a task does for a user, with status, progress, result and error."""

    job_states: ClassVar[JobStates] = JOB_STATES
    # Audit codes: "<prefix>.<status>" (default "<app_label>.<model_name>").
    job_action_prefix: ClassVar[str] = ""

    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    # db_default: rows bulk-loaded with COPY (bench/) get them too.
    progress = models.PositiveSmallIntegerField(default=0, db_default=0)
    result = models.JSONField(null=True, blank=True, help_text="What the job produced.")
    error = models.TextField(blank=True, help_text="Why the job failed, in the user's words.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in self.job_states.finished

    @property
    def current_progress(self) -> int:
        return job_progress(self)


class UploadJob(Job):
    """Abstract: a job on an uploaded file, kept in the database so the upload and its job
    commit (or roll back) together."""

    filename = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


# --- progress ---------------------------------------------------------------------------------

# A job row: a `Job`, or an older job table with the same fields (status, progress,
# organization_id) that has not moved onto `Job` yet.
JobRow = Any


def job_progress_key(job: JobRow) -> str:
    return f"org:{job.organization_id}:job:{job._meta.label_lower}:{job.pk}:progress"


def job_progress_set(job: JobRow, percent: int) -> None:
    """Record progress of a running job (visible to the page before the task commits)."""
    percent = max(0, min(100, int(percent)))
    job.progress = percent
    cache.set(job_progress_key(job), percent, 3600)


def job_progress(job: JobRow) -> int:
    """Percent done: 100 once succeeded, the cached figure while queued or running."""
    states: JobStates = getattr(job, "job_states", JOB_STATES)
    if job.status == states.succeeded:
        return 100
    if job.status == states.failed:
        return int(job.progress)
    return int(cache.get(job_progress_key(job), job.progress))


def job_progress_clear(job: JobRow) -> None:
    cache.delete(job_progress_key(job))


# --- failing a job ----------------------------------------------------------------------------


def unexpected_failure(what: str, *, try_again: bool = False) -> str:
    """The reason a user reads when work fails on something nobody foresaw: what could not be
    done, in words. Never the exception's name or text; the caller logs those, with the
    traceback, for the operators (`logger.exception`)."""
    return f"{what} The details are logged for support." + (" Try again." if try_again else "")


def job_fail(*, model: type[models.Model], pk: Any, reason: str, now: datetime) -> bool:
    """Mark an unfinished job failed with `reason` (shown to the user). Returns whether it did:
    a finished job is left as it is. Records an audit event."""
    from tenancy.audit import audit_record

    states: JobStates = getattr(model, "job_states", JOB_STATES)
    with transaction.atomic():
        job: JobRow = model._default_manager.select_for_update().filter(pk=pk).first()
        if job is None:
            return False
        try:
            states.lifecycle("job").check(job.status, states.failed)
        except TransitionNotAllowed:
            return False  # finished: left as it is
        job.status = states.failed
        job.error = reason
        fields = ["status", "error"]
        for name in ("finished_at", "processed_at"):
            if any(f.name == name for f in model._meta.concrete_fields):
                setattr(job, name, now)
                fields.append(name)
        job.save(update_fields=fields)
        prefix = getattr(model, "job_action_prefix", "") or (
            f"{model._meta.app_label}.{model._meta.model_name}"
        )
        audit_record(
            action=f"{prefix}.{states.failed}",
            actor=None,
            obj=job,
            changes={"reason": reason},
        )
    job_progress_clear(job)
    return True


# --- enqueue ----------------------------------------------------------------------------------


def tasks_inline() -> bool:
    """The one switch (`TASKS_INLINE`): run tasks in-process after commit."""
    return bool(getattr(settings, "TASKS_INLINE", False))


def task_by_name(name: str) -> Any:
    """The registered Celery task `name` (`"integrations.tasks.edi_document_process"`)."""
    from celery import current_app

    if name not in current_app.tasks:
        importlib.import_module(name.rsplit(".", 1)[0])  # registers the module's tasks
    return current_app.tasks[name]


def enqueue(task: str, **kwargs: Any) -> None:
    """Send task `task` (its name) with keyword arguments once the transaction commits (at
    once outside a transaction). With `TASKS_INLINE` it runs in-process instead, after commit."""
    task_obj = task_by_name(task) if isinstance(task, str) else task
    if tasks_inline():

        def run_inline() -> None:
            result = task_obj.apply(kwargs=kwargs)
            if result.failed():  # as a worker would: logged, the request goes on
                logger.error("inline task %s failed: %r", task_obj.name, result.result)

        transaction.on_commit(run_inline)
    else:
        transaction.on_commit(lambda: task_obj.apply_async(kwargs=kwargs))
