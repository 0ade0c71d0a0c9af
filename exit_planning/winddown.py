"""The wind-down template and its arithmetic, pure and clock-free: dated tasks from relative
dates and prerequisites, the critical path, and the SVG Gantt the page and the exit report share.

Relative dates: each task is due a number of days before (positive) or after (negative) the end
of the governing agreement, except the notice, due `NOTICE_DAYS` after the wind-down opens. A task
starts when the last of its prerequisites is due (the opening day if it has none), so the
controlled order (integrations before data access, data access before the data itself, every
stream before the final settlement) holds by construction.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

NOTICE_DAYS = 14


@dataclass(frozen=True)
class TemplateTask:
    code: str
    title: str
    stream: str
    prerequisites: tuple[str, ...]
    due_before_end: int | None  # days before the end; None: NOTICE_DAYS after opening


TEMPLATE: tuple[TemplateTask, ...] = (
    TemplateTask("notice", "Give notice of the exit", "notice", (), None),
    TemplateTask(
        "stakeholders", "Notify downstream customers and stakeholders", "stakeholders",
        ("notice",), 150,
    ),
    TemplateTask("knowledge", "Transfer knowledge", "knowledge", ("notice",), 60),
    TemplateTask(
        "contracts", "Transfer supplier contracts and ongoing obligations", "contracts",
        ("notice",), 45,
    ),
    TemplateTask("assets", "Transfer assets and licences", "assets", ("contracts",), 30),
    TemplateTask(
        "integrations", "Decommission integrations", "decommissioning",
        ("knowledge", "contracts"), 14,
    ),
    TemplateTask(
        "access", "Revoke data access and shared resources", "decommissioning",
        ("integrations",), 0,
    ),
    TemplateTask("data", "Return or destroy data", "data", ("access",), -30),
    TemplateTask("settlement", "Settle the final account", "settlement", ("assets", "data"), -60),
)  # fmt: skip


@dataclass(frozen=True)
class ScheduledTask:
    code: str
    title: str
    stream: str
    order: int
    prerequisites: tuple[str, ...]
    start_on: date
    due_on: date


def schedule(*, opened_on: date, end_date: date) -> list[ScheduledTask]:
    """The template's tasks dated for a wind-down opened on `opened_on` ending on `end_date`,
    in prerequisite order."""
    due: dict[str, date] = {}
    result = []
    for order, task in enumerate(TEMPLATE):
        start = max((due[code] for code in task.prerequisites), default=opened_on)
        if task.due_before_end is None:
            end = opened_on + timedelta(days=NOTICE_DAYS)
        else:
            end = end_date - timedelta(days=task.due_before_end)
        end = max(end, start)  # a short wind-down compresses; it never reorders
        due[task.code] = end
        result.append(
            ScheduledTask(task.code, task.title, task.stream, order, task.prerequisites, start, end)
        )
    return result


def prerequisite_conflicts(
    *, start_on: date, prerequisites: list[str], due_by_code: dict[str, date]
) -> list[str]:
    """Codes of the prerequisites due after `start_on` (a task starts when they are due)."""
    return [code for code in prerequisites if code in due_by_code and due_by_code[code] > start_on]


def critical_path(tasks: list) -> list[str]:
    """Codes of the chain that drives the end: from the last task due, back through the
    prerequisite due last each time (finish-to-start). Works on any objects with `code`,
    `due_on` and `prerequisites`."""
    if not tasks:
        return []
    by_code = {task.code: task for task in tasks}
    current = max(tasks, key=lambda t: (t.due_on, t.code))
    path = [current.code]
    while True:
        before = [by_code[c] for c in current.prerequisites if c in by_code]
        if not before:
            break
        current = max(before, key=lambda t: (t.due_on, t.code))
        path.append(current.code)
    return list(reversed(path))


ROW = 22
LABEL_WIDTH = 260
CHART_WIDTH = 520


def gantt_svg(tasks: list, *, today: date | None = None, critical: list[str] = ()) -> str:
    """A server-rendered Gantt: one bar per task (critical ones red, done ones green), a line
    on `today` when it falls inside. The same SVG serves the page and the PDF."""
    if not tasks:
        return ""
    first = min(t.start_on for t in tasks)
    last = max(t.due_on for t in tasks)
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return LABEL_WIDTH + (day - first).days / span * CHART_WIDTH

    height = ROW * len(tasks) + 30
    width = LABEL_WIDTH + CHART_WIDTH + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="Wind-down timeline" '
        'font-family="sans-serif" font-size="11">'
    ]
    for i, task in enumerate(tasks):
        y = 4 + i * ROW
        done = getattr(task, "done_on", None) is not None
        colour = "#2e7d4f" if done else ("#c0392b" if task.code in critical else "#3b6ea5")
        start, end = x(task.start_on), x(task.due_on)
        parts.append(f'<text x="4" y="{y + 14}">{escape(task.title)}</text>')
        parts.append(
            f'<rect x="{start:.1f}" y="{y + 3}" width="{max(end - start, 3):.1f}" height="14" '
            f'rx="2" fill="{colour}"><title>{escape(task.title)}: '
            f"{task.start_on:%d %b %Y} – {task.due_on:%d %b %Y}</title></rect>"
        )
    axis_y = ROW * len(tasks) + 18
    parts.append(f'<text x="{LABEL_WIDTH}" y="{axis_y}">{first:%b %Y}</text>')
    parts.append(
        f'<text x="{LABEL_WIDTH + CHART_WIDTH}" y="{axis_y}" text-anchor="end">{last:%b %Y}</text>'
    )
    if today is not None and first <= today <= last:
        tx = x(today)
        parts.append(
            f'<line x1="{tx:.1f}" y1="0" x2="{tx:.1f}" y2="{axis_y - 12}" stroke="#888" '
            'stroke-dasharray="3,3"><title>Today</title></line>'
        )
    parts.append("</svg>")
    return "".join(parts)
