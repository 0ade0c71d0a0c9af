"""Development: debug on, console e-mail. Embedded PostgreSQL/Redis are started by `bin/run`."""

from .base import *  # noqa: F403

DEBUG = True
