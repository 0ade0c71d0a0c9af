"""The joint post-mortem: opened on the first contribution, written by both parties, completed."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from exit_planning.models import POST_MORTEM_LIFECYCLE, ExitPlan, PostMortem, PostMortemEntry
from exit_planning.services._shared import _full_clean
from tenancy.audit import audit_record
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import User


def post_mortem_get_or_open(*, plan: ExitPlan) -> PostMortem:
    """The plan's post-mortem, opened on first use. Two first contributions at once both land in
    the one post-mortem: get_or_create reads again when the other's insert wins the race (one
    post-mortem per plan is a constraint)."""
    post_mortem, _ = PostMortem.objects.get_or_create(
        plan=plan, defaults={"organization": plan.organization}
    )
    return post_mortem


@transaction.atomic
def post_mortem_contribute(
    *, plan: ExitPlan, actor: User | None, party: str, section: str, text: str
) -> PostMortemEntry:
    """Either party adds what worked, what failed, a root cause or a recommendation."""
    post_mortem = post_mortem_get_or_open(plan=plan)
    if post_mortem.status == PostMortem.Status.COMPLETED:
        raise ConflictError("The post-mortem is completed.", code="completed")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write your contribution."})
    entry = PostMortemEntry(
        organization=plan.organization,
        post_mortem=post_mortem,
        section=section,
        party=party,
        text=text,
        author=actor,
    )
    _full_clean(entry)
    entry.save()
    audit_record(
        action="exit_planning.post_mortem.contributed",
        actor=actor,
        obj=entry,
        changes={"section": section, "party": party},
    )
    return entry


# How a missing section reads in "Complete it once it says …".
PHRASES = {PostMortemEntry.Section.ROOT_CAUSE: "what the root cause was"}


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@transaction.atomic
def post_mortem_complete(*, plan: ExitPlan, actor: User, now: datetime) -> PostMortem:
    post_mortem = PostMortem.objects.select_for_update().filter(plan=plan).first()
    if post_mortem is None:
        raise ConflictError("Nobody has contributed to the post-mortem yet.", code="empty")
    try:
        POST_MORTEM_LIFECYCLE.check(post_mortem.status, PostMortem.Status.COMPLETED)
    except TransitionNotAllowed:
        raise ConflictError("The post-mortem is already completed.", code="completed") from None
    sections = set(post_mortem.entries.values_list("section", flat=True))
    missing = [
        PHRASES.get(value, label.lower())
        for value, label in PostMortemEntry.Section.choices
        if value != PostMortemEntry.Section.RECOMMENDATION and value not in sections
    ]
    if missing:
        raise ConflictError(
            "Complete it once it says " + _and_list(missing) + ".",
            code="incomplete",
        )
    post_mortem.status = PostMortem.Status.COMPLETED
    post_mortem.completed_by, post_mortem.completed_at = actor, now
    post_mortem.save(update_fields=["status", "completed_by", "completed_at"])
    audit_record(action="exit_planning.post_mortem.completed", actor=actor, obj=post_mortem)
    return post_mortem
