"""Reads of the exit_planning module: plans and their streams for the pages, the API and the
exit report, what the guest may see, and the readings of other modules the trigger evaluation
uses (scorecard standings and SLA breaches from performance, risk scores from risk, the
governing agreement's end from contracts, joint IP from partnerships)."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet
from django.utils.safestring import mark_safe

from contracts.models import Agreement
from contracts.selectors import agreement_milestones, governing_agreements
from exit_planning import winddown
from exit_planning.models import (
    AssetTransfer,
    DataDisposition,
    ExitPlan,
    ExitTrigger,
    KnowledgeTransferItem,
    PlaybookChange,
    PostMortem,
    PostMortemEntry,
    StakeholderNotice,
    WindDownTask,
)
from partnerships.models import JointIp, Partnership
from partnerships.selectors import joint_ip_of, partnership_portfolio
from tenancy.models import Membership
from tenancy.permissions import restrict_for_guest

LIVE_STATUSES = (Partnership.Status.ACTIVE, Partnership.Status.UNDER_REVIEW)
# Standings whose action blocks the partner: an exit trigger.
BLOCKING_STANDING_ACTIONS = ("block_change_requests", "block_new_sows")


def plan_list(*, membership: Membership) -> QuerySet[ExitPlan]:
    queryset = ExitPlan.objects.select_related("partnership__partner", "owner").order_by(
        "partnership__name", "pk"
    )
    return restrict_for_guest(queryset, membership, "partnership")


def plan_for_partnership(partnership: Partnership) -> ExitPlan | None:
    return (
        ExitPlan.objects.select_related("partnership__partner", "owner", "governing_agreement")
        .filter(partnership=partnership)
        .first()
    )


def partnerships_without_plan(*, membership: Membership) -> QuerySet[Partnership]:
    """Active partnerships the member sees that have no exit plan (the dashboard flags them)."""
    return (
        partnership_portfolio(membership=membership)
        .filter(status__in=LIVE_STATUSES)
        .exclude(pk__in=ExitPlan.objects.values("partnership_id"))
    )


def trigger_list(*, membership: Membership) -> QuerySet[ExitTrigger]:
    if membership.is_guest:
        return ExitTrigger.objects.none()  # the buyer's internal assessment
    return ExitTrigger.objects.select_related("plan__partnership", "decided_by")


def task_list(*, membership: Membership) -> QuerySet[WindDownTask]:
    return restrict_for_guest(
        WindDownTask.objects.select_related("plan__partnership", "owner"),
        membership,
        "plan__partnership",
    )


def knowledge_list(*, membership: Membership) -> QuerySet[KnowledgeTransferItem]:
    return restrict_for_guest(
        KnowledgeTransferItem.objects.select_related("plan__partnership", "signed_off_by"),
        membership,
        "plan__partnership",
    )


def disposition_list(*, membership: Membership) -> QuerySet[DataDisposition]:
    return restrict_for_guest(
        DataDisposition.objects.select_related("plan__partnership", "verified_by"),
        membership,
        "plan__partnership",
    )


def asset_list(*, membership: Membership) -> QuerySet[AssetTransfer]:
    return restrict_for_guest(
        AssetTransfer.objects.select_related(
            "plan__partnership", "accepted_by_us", "accepted_by_partner"
        ),
        membership,
        "plan__partnership",
    )


def notice_list(*, membership: Membership) -> QuerySet[StakeholderNotice]:
    if membership.is_guest:
        return StakeholderNotice.objects.none()  # the buyer's customers are its own business
    return StakeholderNotice.objects.select_related("plan__partnership", "sent_by")


def post_mortem_entries(*, membership: Membership) -> QuerySet[PostMortemEntry]:
    return restrict_for_guest(
        PostMortemEntry.objects.select_related("post_mortem__plan__partnership", "author"),
        membership,
        "post_mortem__plan__partnership",
    )


def playbook_change_list(*, membership: Membership) -> QuerySet[PlaybookChange]:
    if membership.is_guest:
        return PlaybookChange.objects.none()  # the playbook is internal
    return PlaybookChange.objects.select_related(
        "partnership", "proposed_by", "reviewed_by", "playbook_clause"
    )


def post_mortem_of(plan: ExitPlan) -> PostMortem | None:
    return PostMortem.objects.filter(plan=plan).first()


def changes_from(entries: list[PostMortemEntry]) -> dict[int, list[PlaybookChange]]:
    """Playbook changes proposed from these post-mortem entries, by entry id (one query)."""
    from django.contrib.contenttypes.models import ContentType

    found: dict[int, list[PlaybookChange]] = {}
    if not entries:
        return found
    source_type = ContentType.objects.get_for_model(PostMortemEntry)
    for change in PlaybookChange.objects.filter(
        source_type=source_type, source_id__in=[e.pk for e in entries]
    ).select_related("playbook_clause"):
        found.setdefault(change.source_id, []).append(change)
    return found


# --- Readings of other modules (for the trigger evaluation and the wind-down job) -------------


@dataclass(frozen=True)
class AgreementEnd:
    agreement: Agreement
    on: date
    kind: str  # "expiry" | "termination"


def governing_agreement_end(plan: ExitPlan, *, today: date) -> AgreementEnd | None:
    """When the governing agreement ends: its termination date, or its expiry when it will not
    renew (contracts' own term arithmetic). Without a chosen agreement, the partnership's
    executed MSA or JV agreement that ends first."""
    if plan.governing_agreement_id is not None:
        candidates = [plan.governing_agreement]
    else:
        candidates = governing_agreements(partnership_id=plan.partnership_id)
    ends = []
    for agreement in candidates:
        if agreement is None:
            continue
        if agreement.status == Agreement.Status.TERMINATED and agreement.ended_on:
            ends.append(AgreementEnd(agreement, agreement.ended_on, "termination"))
            continue
        for milestone in agreement_milestones(agreement, today=today):
            if milestone.kind == "expiry":
                ends.append(AgreementEnd(agreement, milestone.on, "expiry"))
    return min(ends, key=lambda e: (e.on, e.agreement.pk), default=None)


def alliance_ip(partnership: Partnership) -> list[JointIp]:
    return joint_ip_of(partnership)


# --- The exit workspace -----------------------------------------------------------------------


@dataclass
class ExitWorkspace:
    plan: ExitPlan
    guest: bool
    tasks: list[WindDownTask]
    critical: list[str]
    gantt: str
    overdue: list[WindDownTask]
    progress: int  # % of tasks done
    triggers: list[ExitTrigger] = field(default_factory=list)
    knowledge: list[KnowledgeTransferItem] = field(default_factory=list)
    dispositions: list[DataDisposition] = field(default_factory=list)
    assets: list[AssetTransfer] = field(default_factory=list)
    notices: list[StakeholderNotice] = field(default_factory=list)
    post_mortem: PostMortem | None = None
    entries: list[PostMortemEntry] = field(default_factory=list)
    changes_by_entry: dict[int, list[PlaybookChange]] = field(default_factory=dict)
    joint_ip: list[JointIp] = field(default_factory=list)
    end: AgreementEnd | None = None
    open_risks: list[str] = field(default_factory=list)


def exit_workspace(*, plan: ExitPlan, membership: Membership, today: date) -> ExitWorkspace:
    """Everything the exit page and the exit report show, in a fixed number of queries. A
    guest gets only what is shared with the partner (no triggers, readiness, notices, or
    playbook changes)."""
    guest = membership.is_guest
    tasks = list(WindDownTask.objects.filter(plan=plan).select_related("owner"))
    titles = {task.code: task.title for task in tasks}
    for task in tasks:
        setattr(task, "prerequisite_titles", [titles.get(c, c) for c in task.prerequisites])  # noqa: B010
    critical = winddown.critical_path(tasks)
    done = sum(1 for t in tasks if t.done_on is not None)
    view = ExitWorkspace(
        plan=plan,
        guest=guest,
        tasks=tasks,
        critical=critical,
        gantt=mark_safe(winddown.gantt_svg(tasks, today=today, critical=critical)),  # noqa: S308 - built escaped
        overdue=[t for t in tasks if t.is_overdue(today)],
        progress=round(100 * done / len(tasks)) if tasks else 0,
        knowledge=list(
            KnowledgeTransferItem.objects.filter(plan=plan).select_related("signed_off_by")
        ),
        dispositions=list(DataDisposition.objects.filter(plan=plan).select_related("verified_by")),
        assets=list(
            AssetTransfer.objects.filter(plan=plan).select_related(
                "accepted_by_us", "accepted_by_partner"
            )
        ),
        post_mortem=post_mortem_of(plan),
        joint_ip=alliance_ip(plan.partnership),
    )
    if view.post_mortem is not None:
        view.entries = list(
            PostMortemEntry.objects.filter(post_mortem=view.post_mortem).select_related("author")
        )
    if not guest:
        view.triggers = list(ExitTrigger.objects.filter(plan=plan).select_related("decided_by"))
        view.notices = list(StakeholderNotice.objects.filter(plan=plan).select_related("sent_by"))
        view.changes_by_entry = changes_from(view.entries)
        for entry in view.entries:
            setattr(entry, "playbook_changes", view.changes_by_entry.get(entry.pk, []))  # noqa: B010
        view.end = governing_agreement_end(plan, today=today)
    view.open_risks = _open_risks(view, today=today)
    return view


def _open_risks(view: ExitWorkspace, *, today: date) -> list[str]:
    risks = [f"Overdue: {t.title} (due {t.due_on:%d %b %Y})" for t in view.overdue]
    risks += [
        f"Data not yet {'returned' if d.action == 'return' else 'destroyed'}: {d.data_category}"
        if d.status == DataDisposition.Status.PENDING
        else f"Awaiting verification: {d.data_category}"
        for d in view.dispositions
        if d.status != DataDisposition.Status.VERIFIED
    ]
    risks += [f"Not accepted by both parties: {a.name}" for a in view.assets if not a.accepted]
    risks += [f"Not signed off: {k.title}" for k in view.knowledge if k.signed_off_at is None]
    if not view.guest:
        risks += [
            f"Service continuity not confirmed: {n.stakeholder}"
            for n in view.notices
            if n.continuity_ok is not True
        ]
    return risks
