"""Loaded into a test worker only (`celery worker -I tests.worker.pause_hook`).

The tasks named in PARTNERLINE_TEST_PAUSE do their whole work and then, before returning (so
before their tenant transaction commits and before the broker gets its acknowledgement), touch a
file named after the task in PARTNERLINE_TEST_MARKER and sleep. The test then kills the whole
worker: the task's writes are rolled back and the message must be delivered again.
"""

import os
import time
from pathlib import Path

from celery.signals import worker_process_init

PAUSE = [name for name in os.environ.get("PARTNERLINE_TEST_PAUSE", "").split(",") if name]


@worker_process_init.connect
def _pause_named_tasks(**kwargs):
    from celery import current_app

    current_app.loader.import_default_modules()
    for name in PAUSE:
        task = current_app.tasks[name]
        original = task.run

        def run(*args, _original=original, _name=name, **kw):
            result = _original(*args, **kw)
            Path(os.environ["PARTNERLINE_TEST_MARKER"], _name).touch()
            time.sleep(300)
            return result

        task.run = run
