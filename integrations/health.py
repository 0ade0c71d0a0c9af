"""Feed health of a connector: is the next message late, how many messages failed, how long
reading takes. A pure function of the connector, its statistics and `now` (no clock read, no
query), so the partnership page, the late-feed job and the tests agree."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from integrations.models import Connector

# How often a message is expected, by the connector's agreed frequency.
PERIODS = {
    Connector.Frequency.HOURLY: timedelta(hours=1),
    Connector.Frequency.DAILY: timedelta(days=1),
    Connector.Frequency.WEEKLY: timedelta(days=7),
    Connector.Frequency.MONTHLY: timedelta(days=31),
}
# A message is late when it has not come within its period plus half a period of grace (an
# hourly feed is late 90 minutes after its last message, a daily one after 36 hours).
GRACE_FACTOR = 0.5
# The window of the error rate and latency.
WINDOW = timedelta(days=30)
# An error rate at or above this share of at least this many messages is a problem.
ERROR_RATE_ALERT = 0.2
ERROR_RATE_MIN_DOCUMENTS = 5


@dataclass(frozen=True)
class FeedStats:
    """What the selector counts for one connector (over WINDOW, except the last message)."""

    documents: int = 0
    failed: int = 0  # rejected, or read with error findings
    last_received_at: datetime | None = None
    latency: timedelta | None = None  # average time from receipt to read


@dataclass(frozen=True)
class FeedHealth:
    state: str  # ok, late, errors, waiting, not_monitored
    label: str
    due_at: datetime | None
    late_by: timedelta | None
    documents: int
    failed: int
    error_rate: float | None  # 0..1 over WINDOW; None without documents
    latency: timedelta | None

    @property
    def is_problem(self) -> bool:
        return self.state in ("late", "errors")

    @property
    def error_percent(self) -> float | None:
        return None if self.error_rate is None else self.error_rate * 100

    @property
    def latency_text(self) -> str:
        """The average time from receipt to read, in words."""
        if self.latency is None:
            return "—"
        seconds = self.latency.total_seconds()
        if seconds < 1:
            return "under a second"
        if seconds < 120:
            return f"{seconds:.0f} s"
        return f"{seconds / 60:.0f} min"

    @property
    def pill(self) -> str:
        return {"ok": "green", "late": "red", "errors": "red", "waiting": "amber"}.get(
            self.state, ""
        )


def feed_health(*, connector: Connector, stats: FeedStats, now: datetime) -> FeedHealth:
    """The health of one connector's feed at `now`.

    - not monitored: the connector is paused or retired, only sends, or has no schedule;
    - late: no message since its last one (or since the connector was set up) for longer than
      its period plus the grace; `late_by` counts from when the message was due;
    - errors: at least ERROR_RATE_ALERT of at least ERROR_RATE_MIN_DOCUMENTS messages in the
      window were rejected or had errors;
    - waiting: nothing received yet and nothing overdue; else ok.
    """
    error_rate = stats.failed / stats.documents if stats.documents else None
    common = {
        "documents": stats.documents,
        "failed": stats.failed,
        "error_rate": error_rate,
        "latency": stats.latency,
    }
    period = PERIODS.get(connector.expected_frequency)
    monitored = connector.status in (Connector.Status.ACTIVE, Connector.Status.TESTING)
    if not monitored or not connector.receives or period is None:
        why = (
            connector.get_status_display().lower()
            if not monitored
            else "sends only"
            if not connector.receives
            else "no schedule"
        )
        return FeedHealth("not_monitored", f"Not monitored ({why})", None, None, **common)
    since = stats.last_received_at or connector.created_at
    due_at = since + period
    if now > due_at + period * GRACE_FACTOR:
        late_by = now - due_at
        return FeedHealth("late", f"Late by {_duration(late_by)}", due_at, late_by, **common)
    if (
        error_rate is not None
        and stats.documents >= ERROR_RATE_MIN_DOCUMENTS
        and error_rate >= ERROR_RATE_ALERT
    ):
        label = f"{stats.failed} of {stats.documents} messages failed"
        return FeedHealth("errors", label, due_at, None, **common)
    if stats.last_received_at is None:
        return FeedHealth("waiting", "Waiting for the first message", due_at, None, **common)
    return FeedHealth("ok", "On time", due_at, None, **common)


def _duration(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours // 24} days"
