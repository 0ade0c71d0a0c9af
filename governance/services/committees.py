"""Steering committees: one per partnership, members of both parties, and the quorum rule.

A member's party follows from their membership, never from input: organization members sit for
the customer, guests invited to the partnership for the partner. Members of the customer who
vote, sponsor or lead the programme must hold a role that may approve governance decisions.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from governance.models import Committee, CommitteeMember, Party
from governance.services.change_requests import _invited, _memberships
from partnerships.models import Partnership
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import Membership, User
from tenancy.permissions import role_allows
from tenancy.services import notify

COMMITTEE_FIELDS = (
    "name",
    "quorum_rule",
    "quorum_needs_both_parties",
    "decision_threshold",
    "meeting_frequency",
    "term_months",
)
MEMBER_FIELDS = (
    "role",
    "has_vote",
    "is_executive_sponsor",
    "is_programme_lead",
    "term_start",
    "term_end",
)
# The chair and the secretary (of either party) run the committee's meetings.
OFFICER_ROLES = (CommitteeMember.Role.CHAIR, CommitteeMember.Role.SECRETARY)
# How long before a seat's term ends its holder, the partnership's owner and the officers hear.
TERM_ENDING_LEAD = timedelta(days=30)
QUORUM_SHARE: dict[str, Fraction] = {
    Committee.QuorumRule.MAJORITY: Fraction(1, 2),  # more than half
    Committee.QuorumRule.TWO_THIRDS: Fraction(2, 3),  # at least two thirds
    Committee.QuorumRule.ALL: Fraction(1, 1),
}


@transaction.atomic
def committee_create(
    *, actor: User | None, partnership: Partnership, name: str = "", **fields
) -> Committee:
    if Committee.objects.filter(partnership=partnership).exists():
        raise ConflictError(
            f"{partnership.name} already has a steering committee.", code="committee_exists"
        )
    committee = Committee(
        organization=require_organization(),
        partnership=partnership,
        name=name or "Joint steering committee",
        **{k: v for k, v in fields.items() if k in COMMITTEE_FIELDS and k != "name"},
    )
    committee.full_clean()
    committee.save()
    audit_record(
        action="governance.committee.created",
        actor=actor,
        obj=committee,
        changes={"partnership": partnership.pk},
    )
    return committee


@transaction.atomic
def committee_update(*, committee: Committee, actor: User | None, **fields) -> Committee:
    committee = Committee.objects.select_for_update().get(pk=committee.pk)
    changes = changed_fields(committee, {k: v for k, v in fields.items() if k in COMMITTEE_FIELDS})
    committee.full_clean()
    committee.save()
    if changes:
        audit_record(
            action="governance.committee.updated", actor=actor, obj=committee, changes=changes
        )
    return committee


def _member_party(committee: Committee, user: User, *, decides: bool) -> str:
    membership = _memberships([user]).get(user.pk)
    if membership is None or not membership.is_active:
        raise ValidationError({"user": "A committee member must be a member of this organization."})
    if membership.is_guest:
        if user.pk not in _invited(committee.partnership, [user]):
            raise ValidationError(
                {"user": f"{user} is a partner guest not invited to this partnership."}
            )
        return Party.PARTNER
    if decides and not role_allows(membership.role, "governance.approve"):
        raise ValidationError(
            {
                "user": f"{user} is a {membership.get_role_display().lower()}: that role does "
                "not take governance decisions (make them an observer)."
            }
        )
    return Party.CUSTOMER


def _validate_member(member: CommitteeMember) -> None:
    if member.role == CommitteeMember.Role.OBSERVER and member.has_vote:
        raise ValidationError({"has_vote": "An observer has no vote."})
    if member.term_end and member.term_end < member.term_start:
        raise ValidationError({"term_end": "The term ends after it starts."})
    member.full_clean()


def _decides(member: CommitteeMember) -> bool:
    return member.has_vote or member.is_executive_sponsor or member.is_programme_lead


def _add_months(day: date, months: int) -> date:
    from dateutil.relativedelta import relativedelta

    return day + relativedelta(months=months)


@transaction.atomic
def committee_member_add(
    *, committee: Committee, user: User, actor: User | None, today: date, **fields
) -> CommitteeMember:
    """Seat `user` on the committee; their term runs `term_months` from today by default."""
    fields = {k: v for k, v in fields.items() if k in MEMBER_FIELDS}
    fields.setdefault("term_start", today)
    if fields.get("term_end") is None:
        fields["term_end"] = _add_months(fields["term_start"], committee.term_months)
    if fields.get("role") == CommitteeMember.Role.OBSERVER:
        fields.setdefault("has_vote", False)
    member = CommitteeMember(organization=require_organization(), committee=committee, user=user)
    for key, value in fields.items():
        setattr(member, key, value)
    member.party = _member_party(committee, user, decides=_decides(member))
    if CommitteeMember.objects.filter(committee=committee, user=user).exists():
        raise ValidationError({"user": f"{user} already sits on this committee."})
    _validate_member(member)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as error:  # a concurrent add of the same person
        raise ValidationError({"user": f"{user} already sits on this committee."}) from error
    audit_record(
        action="governance.committee.member_added",
        actor=actor,
        obj=committee,
        changes={
            "member": user.email,
            "party": member.party,
            "role": member.role,
            "has_vote": member.has_vote,
            "executive_sponsor": member.is_executive_sponsor,
            "programme_lead": member.is_programme_lead,
        },
    )
    return member


@transaction.atomic
def committee_member_update(
    *, member: CommitteeMember, actor: User | None, **fields
) -> CommitteeMember:
    member = (
        CommitteeMember.objects.select_for_update().select_related("committee").get(pk=member.pk)
    )
    changes = changed_fields(member, {k: v for k, v in fields.items() if k in MEMBER_FIELDS})
    if member.role == CommitteeMember.Role.OBSERVER and "has_vote" not in fields:
        if member.has_vote:
            changes["has_vote"] = [True, False]
        member.has_vote = False
    if _decides(member):
        _member_party(member.committee, member.user, decides=True)
    _validate_member(member)
    member.save()
    if changes:
        audit_record(
            action="governance.committee.member_updated",
            actor=actor,
            obj=member.committee,
            changes={"member": member.user.email, **changes},
        )
    return member


@transaction.atomic
def committee_member_remove(*, member: CommitteeMember, actor: User | None) -> None:
    from governance.models import Vote

    if Vote.objects.filter(member=member).exists():
        raise ConflictError(
            f"{member.user} has votes on record: end their term instead of removing them.",
            code="member_has_votes",
        )
    committee = member.committee
    email = member.user.email
    member.delete()
    audit_record(
        action="governance.committee.member_removed",
        actor=actor,
        obj=committee,
        changes={"member": email},
    )


# --- who sits on a given day ---------------------------------------------------------------


def _able() -> Q:
    """A seat whose member can still take part: an active member of the organization and, for
    the partner, still invited to the committee's partnership."""
    from partnerships.models import PartnershipUserObjectPermission

    active = Membership.objects.filter(
        organization_id=OuterRef("organization_id"), user_id=OuterRef("user_id"), is_active=True
    )
    invited = PartnershipUserObjectPermission.objects.filter(
        content_object_id=OuterRef("committee__partnership_id"),
        user_id=OuterRef("user_id"),
        permission__codename="view_partnership",
    )
    return Q(Exists(active)) & (Q(party=Party.CUSTOMER) | Q(Exists(invited)))


def able_members(members: QuerySet[CommitteeMember]) -> QuerySet[CommitteeMember]:
    """Of `members`, those who can still take part: an active member of the organization and,
    for the partner, still invited to the committee's partnership (one query, any number of
    committees). A seat of someone who left or was taken off stays on record but counts for
    nothing."""
    return members.filter(_able())


def with_ability(members: QuerySet[CommitteeMember]) -> QuerySet[CommitteeMember]:
    """`members`, each annotated `able` (whether they can still take part, as `able_members`
    asks), for lists that say who sits without a query per seat (`not_sitting_because`)."""
    return members.annotate(able=ExpressionWrapper(_able(), output_field=BooleanField()))


def seated_on(members, day: date) -> list[CommitteeMember]:
    """Of `members`, those whose term covers `day` (from `term_start` to `term_end`, both
    included; no end: open)."""
    return [m for m in members if m.term_start <= day and (m.term_end is None or day <= m.term_end)]


def seated_members(committee: Committee, *, on: date) -> list[CommitteeMember]:
    """Who sits on `committee` on the day `on`: within their term and still able to take part.
    Only they are invited and reminded, count towards the quorum, vote, and are required as
    approvers by the decision rights."""
    return seated_on(
        able_members(
            CommitteeMember.objects.filter(committee=committee)
            .select_related("user")
            .order_by("party", "role", "pk")
        ),
        on,
    )


def not_sitting_because(member: CommitteeMember, *, able: bool, on: date) -> str:
    """Why `member` does not sit on the day `on`, in words, or "" when they sit. `able`: whether
    they can still take part (`able_members`, or the `able` of `with_ability`)."""
    if not able:
        return (
            "Taken off the partnership: no longer takes part."
            if member.party == Party.PARTNER
            else "No longer a member of the organization: no longer takes part."
        )
    if member.term_start > on:
        return f"Sits from {member.term_start:%d %b %Y}."
    if member.term_end is not None and member.term_end < on:
        return f"Term ended on {member.term_end:%d %b %Y}."
    return ""


def seats_not_sitting(members: list[CommitteeMember], *, on: date) -> dict[int, str]:
    """Of `members`, those who do not sit on the day `on`, by member id, with why in words
    (the committee page shows it beside the seat). One query."""
    able = set(
        able_members(CommitteeMember.objects.filter(pk__in=[m.pk for m in members])).values_list(
            "pk", flat=True
        )
    )
    why = {m.pk: not_sitting_because(m, able=m.pk in able, on=on) for m in members}
    return {pk: text for pk, text in why.items() if text}


def officer_vacancies(sitting: list[CommitteeMember], *, can_seat: bool) -> str:
    """A warning when nobody among `sitting` (the seats that sit on a day, `seated_members`)
    holds the chair or the secretary's seat, or "": without a chair the minutes wait, without
    either only a stand-in runs the meetings. The committee page shows it to everyone; only
    a reader who `can_seat` members is told to seat one, the others who can."""
    held = {m.role for m in sitting}
    missing = [role for role in OFFICER_ROLES if role not in held]
    if not missing:
        return ""
    names = " or as ".join(str(role.label).lower() for role in missing)
    minutes = (
        "minutes wait until a chair sits, and " if CommitteeMember.Role.CHAIR in missing else ""
    )
    remedy = (
        "Seat one or extend a term."
        if can_seat
        else "Those who manage the committee can seat one or extend a term."
    )
    return (
        f"Nobody sits as {names} today: {minutes}only a stand-in (an admin or procurement "
        f"manager) runs the meetings. {remedy}"
    )


def committee_terms_ending_send(*, now: datetime, lead: timedelta = TERM_ENDING_LEAD) -> int:
    """Tell of every seat whose term ends within `lead` of today (in the organization's time,
    the last day included) its holder, the partnership's owner and the committee's officers
    sitting today, once per seat and term end (the dedupe key): the next member is seated or
    the term extended before the quorum, the votes and, for an officer, the meetings and
    minutes are left without them. Only seats whose member can still take part are told of.
    Returns how many seats were told of for the first time."""
    today = timezone.localdate(now)
    ending = list(
        able_members(
            CommitteeMember.objects.filter(term_end__gte=today, term_end__lte=today + lead)
        ).select_related("user", "committee__partnership__owner")
    )
    if not ending:
        return 0
    seats: dict[int, list[CommitteeMember]] = {}
    for seat in able_members(
        CommitteeMember.objects.filter(committee__in={s.committee_id for s in ending})
    ).select_related("user"):
        seats.setdefault(seat.committee_id, []).append(seat)
    told = []
    for seat in ending:
        committee = seat.committee
        partnership = committee.partnership
        others = seats.get(committee.pk, [])
        officers = [m.user for m in seated_on(others, today) if m.role in OFFICER_ROLES]
        role = seat.get_role_display().lower()
        body = (
            f"{seat.user}'s seat on {committee.name} ({partnership.name}) ends on "
            f"{seat.term_end:%d %b %Y}. Extend the term or seat the next member on the "
            "committee page."
        )
        if seat.role in OFFICER_ROLES:
            day_after = seat.term_end + timedelta(days=1)
            # (The seat itself no longer sits the day after its term.)
            if not [m for m in seated_on(others, day_after) if m.role == seat.role]:
                minutes = (
                    "the minutes will wait for a chair and "
                    if seat.role == CommitteeMember.Role.CHAIR
                    else ""
                )
                body += (
                    f" Nobody else is seated as {role} from {day_after:%d %b %Y}: {minutes}only "
                    "a stand-in will run the meetings."
                )
        created = notify(
            recipients=[seat.user, partnership.owner, *officers],
            title=f"Committee seat ending on {seat.term_end:%d %b %Y}: {seat.user} ({role})",
            body=body,
            url=reverse(
                "partnership-committee", args=[require_organization().slug, partnership.pk]
            ),
            about=partnership,
            dedupe_key=f"governance.committee.term_ending:{seat.pk}:{seat.term_end:%Y-%m-%d}",
        )
        if created:
            told.append(seat)
    if told:
        audit_record(
            action="governance.committee.terms_ending_told",
            actor_label="term reminder job",
            changes={"seats": [s.pk for s in told]},
        )
    return len(told)


# --- quorum -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quorum:
    reached: bool
    present: int
    voting: int
    needed: int
    reason: str


def quorum_of(
    committee: Committee, voting_members: list[CommitteeMember], present_ids: set[int]
) -> Quorum:
    """Whether the voting members present make a quorum under the committee's rule.

    `present_ids` are committee-member ids marked present. With `quorum_needs_both_parties`,
    at least one voting member of each party must be among them."""
    voting = len(voting_members)
    present = [m for m in voting_members if m.pk in present_ids]
    share = QUORUM_SHARE[committee.quorum_rule]
    if committee.quorum_rule == Committee.QuorumRule.MAJORITY:
        needed = voting // 2 + 1
    else:
        needed = -(-voting * share.numerator // share.denominator)  # ceiling
    needed = max(needed, 1)
    if voting == 0:
        return Quorum(False, 0, 0, 1, "The committee has no voting members.")
    if len(present) < needed:
        return Quorum(
            False,
            len(present),
            voting,
            needed,
            f"No quorum: {len(present)} of {voting} voting members present, {needed} needed.",
        )
    if committee.quorum_needs_both_parties:
        parties = {m.party for m in present}
        for party, label in ((Party.CUSTOMER, "ours"), (Party.PARTNER, "the partner's")):
            if party not in parties:
                return Quorum(
                    False,
                    len(present),
                    voting,
                    needed,
                    f"No quorum: no voting member of {label} is present.",
                )
    return Quorum(True, len(present), voting, needed, "")
