"""Development: debug on, console e-mail. Embedded PostgreSQL/Redis are started by `make run`
(scripts/run.py) or `scripts/with_services.py` when DATABASE_URL / REDIS_URL are unset."""

from .base import *  # noqa: F403

DEBUG = True
