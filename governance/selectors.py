"""Reads of the governance module. Lists join what they show (no query per row) and are
restricted for partner guests to the partnerships they were invited to."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from governance.models import ChangeRequest, ChangeRequestApprover, SlaChange
from partnerships.models import Partnership, PartnershipUserObjectPermission
from tenancy.models import AuditEvent, Membership, Role, User
from tenancy.permissions import restrict_for_guest, roles_with

Decision = ChangeRequestApprover.Decision


def _approvers() -> Prefetch:
    return Prefetch(
        "approvers",
        queryset=ChangeRequestApprover.objects.select_related("user").order_by("party", "pk"),
    )


def _approver_count(**decision) -> Coalesce:
    """Approvers of the outer change request, counted in a correlated subquery: evaluated for
    the rows of the page only, where a JOIN + GROUP BY would aggregate the whole tenant before
    the LIMIT (a 20,000-request tenant: 250 ms per page, bench/results.md)."""
    approvers = (
        ChangeRequestApprover.objects.filter(change_request=OuterRef("pk"), **decision)
        .order_by()
        .values("change_request")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(approvers), 0)


def change_request_list(*, membership: Membership) -> QuerySet[ChangeRequest]:
    """Change requests with their partnership, agreement and requester, counting approvals."""
    queryset = (
        ChangeRequest.objects.select_related(
            "partnership__partner", "agreement", "amendment", "requested_by"
        )
        .annotate(
            approver_count=_approver_count(),
            approved_count=_approver_count(decision=Decision.APPROVED),
        )
        .order_by("-number")
    )
    return restrict_for_guest(queryset, membership, "partnership")


def change_request_for_detail(*, membership: Membership) -> QuerySet[ChangeRequest]:
    """The list plus every approver with their user and the SLA change it proposes (two more
    queries for any number of rows)."""
    return change_request_list(membership=membership).prefetch_related(
        _approvers(),
        Prefetch(
            "sla_changes",
            queryset=SlaChange.objects.select_related("sla__kpi", "sla__partnership", "version"),
        ),
    )


def awaiting_decision_of(queryset: QuerySet[ChangeRequest], *, user_id: int) -> QuerySet:
    """Of `queryset`, the submitted change requests on which this user's decision is pending
    (the rule of the home page's section and of the API's `awaiting_me` filter)."""
    mine = ChangeRequestApprover.objects.filter(
        change_request=OuterRef("pk"), user_id=user_id, decision=Decision.PENDING
    )
    return queryset.filter(Exists(mine), status=ChangeRequest.Status.SUBMITTED)


def awaiting_decision(*, membership: Membership) -> QuerySet[ChangeRequest]:
    """Submitted change requests on which this member's own decision is still pending, the
    most urgent first."""
    return awaiting_decision_of(
        change_request_list(membership=membership), user_id=membership.user_id
    ).order_by("decision_due", "number")


def change_request_timeline(change_request: ChangeRequest) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(
            object_type=ChangeRequest._meta.label_lower, object_id=str(change_request.pk)
        )
        .select_related("actor")
        .order_by("sequence")
    )


def approver_candidates(partnership: Partnership) -> list[User]:
    """Who may be required to approve a change of this partnership: members whose role may
    approve governance decisions, and the partner's guests invited to the partnership. Each
    user carries `party` ("customer" or "partner"). One query."""
    approving_roles = roles_with("governance.approve")
    invited = PartnershipUserObjectPermission.objects.filter(
        content_object=partnership, permission__codename="view_partnership"
    ).values("user_id")
    memberships = (
        Membership.objects.filter(organization_id=partnership.organization_id, is_active=True)
        .filter(Q(role__in=approving_roles) | Q(role=Role.PARTNER_GUEST, user_id__in=invited))
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    users = []
    for membership in memberships:
        membership.user.party = (  # type: ignore[attr-defined]
            ChangeRequestApprover.Party.PARTNER
            if membership.is_guest
            else ChangeRequestApprover.Party.CUSTOMER
        )
        users.append(membership.user)
    return users


def change_request_status_counts(*, membership: Membership) -> dict[str, int]:
    counts = dict.fromkeys(ChangeRequest.Status.values, 0)
    visible = restrict_for_guest(ChangeRequest.objects.all(), membership, "partnership")
    counts.update(visible.order_by().values_list("status").annotate(n=Count("pk")))
    return counts


def change_request_block_reason(partnership: Partnership) -> str | None:
    """Why the partnership's scorecard standing blocks change requests, or None (read through
    performance's selector: the latest published scorecard and its standing band's action)."""
    from performance.selectors import scorecard_blocking_change_requests

    latest = scorecard_blocking_change_requests(partnership=partnership)
    if latest is None:
        return None
    return (
        f"The partner's scorecard standing is “{latest.standing}” "
        f"({latest.period_start:%B %Y}), which blocks change requests until it improves."
    )


# --- committees, meetings, actions --------------------------------------------------------


def committee_of(partnership: Partnership):
    """The partnership's committee with its members and their users (two queries), or None."""
    from governance.models import Committee, CommitteeMember

    return (
        Committee.objects.filter(partnership=partnership)
        .prefetch_related(
            Prefetch(
                "members",
                queryset=CommitteeMember.objects.select_related("user").order_by(
                    "party", "role", "user__full_name"
                ),
            )
        )
        .first()
    )


def meeting_list(*, membership: Membership) -> QuerySet:
    from governance.models import Meeting

    queryset = Meeting.objects.select_related("committee__partnership").order_by("starts_at", "pk")
    return restrict_for_guest(queryset, membership, "committee__partnership")


def with_minutes_detail(queryset: QuerySet) -> QuerySet:
    """Meetings with attendance, decisions and their votes, and action items prefetched (what
    the meeting page and the minutes PDF show)."""
    from governance.models import MeetingAction, MeetingAttendance, MeetingDecision, Vote

    return queryset.prefetch_related(
        Prefetch(
            "attendance",
            queryset=MeetingAttendance.objects.select_related("member__user").order_by(
                "member__party", "member__role", "pk"
            ),
        ),
        Prefetch(
            "decisions",
            queryset=MeetingDecision.objects.prefetch_related(
                Prefetch("votes", queryset=Vote.objects.select_related("member__user"))
            ),
        ),
        Prefetch("actions", queryset=MeetingAction.objects.select_related("owner")),
    )


def meeting_for_detail(*, membership: Membership) -> QuerySet:
    """Meetings with attendance, decisions and their votes, and action items prefetched."""
    return with_minutes_detail(meeting_list(membership=membership))


def action_list(*, membership: Membership) -> QuerySet:
    from governance.models import MeetingAction

    queryset = MeetingAction.objects.select_related("owner", "partnership", "meeting")
    return restrict_for_guest(queryset, membership, "partnership")


def raci_matrix(partnership: Partnership) -> tuple[list, list[User], dict]:
    """(activities, people as columns, {(activity id, user id): letter}): three queries."""
    from governance.models import RaciActivity, RaciAssignment

    activities = list(RaciActivity.objects.filter(partnership=partnership))
    cells = {}
    people: dict[int, User] = {}
    for row in RaciAssignment.objects.filter(activity__partnership=partnership).select_related(
        "user"
    ):
        cells[(row.activity_id, row.user_id)] = row.letter
        row.user.party = row.party
        people.setdefault(row.user_id, row.user)
    return activities, list(people.values()), cells


def people_of_both_parties(partnership: Partnership) -> list[User]:
    """Active members of the organization (not guests) and the guests of this partnership,
    each carrying `party`. One query."""
    invited = PartnershipUserObjectPermission.objects.filter(
        content_object=partnership, permission__codename="view_partnership"
    ).values("user_id")
    memberships = (
        Membership.objects.filter(organization_id=partnership.organization_id, is_active=True)
        .filter(~Q(role=Role.PARTNER_GUEST) | Q(user_id__in=invited))
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    users = []
    for membership in memberships:
        membership.user.party = (  # type: ignore[attr-defined]
            "partner" if membership.is_guest else "customer"
        )
        users.append(membership.user)
    return users


def escalation_list(*, membership: Membership) -> QuerySet:
    from governance.models import Escalation

    queryset = Escalation.objects.select_related(
        "partnership", "change_request", "action", "raised_by"
    )
    return restrict_for_guest(queryset, membership, "partnership")


def escalation_path(partnership: Partnership) -> list:
    from governance.models import EscalationContact, EscalationLevel

    levels = list(EscalationLevel.objects.filter(partnership=partnership).order_by("rank"))
    contacts: dict[int, list[User]] = {}
    for row in EscalationContact.objects.filter(level__in=levels).select_related("user"):
        contacts.setdefault(row.level_id, []).append(row.user)
    for level in levels:
        level.people = contacts.get(level.pk, [])
    return levels


# --- the approvals inbox ------------------------------------------------------------------


def minutes_awaiting(*, membership: Membership, today: date) -> QuerySet:
    """Meetings whose minutes await this member's approval: they chair the committee `today`
    (within their term, as `services.minutes_approvers` asks)."""
    from governance.models import CommitteeMember, Meeting

    chairs = (
        CommitteeMember.objects.filter(
            user_id=membership.user_id, role=CommitteeMember.Role.CHAIR, term_start__lte=today
        )
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=today))
        .values("committee_id")
    )
    return meeting_list(membership=membership).filter(
        minutes_status=Meeting.MinutesStatus.SUBMITTED, committee_id__in=chairs
    )


def inbox(*, membership: Membership, today: date) -> dict:
    """Everything awaiting this member's decision across partnerships: change requests,
    minutes and attestations (a handful of queries, none per row)."""
    return {
        "change_requests": list(awaiting_decision(membership=membership)[:100]),
        "minutes": list(minutes_awaiting(membership=membership, today=today)[:100]),
        "attestations": attestations_awaiting(membership=membership, today=today)[:100],
    }


def disclosure_list(*, membership: Membership) -> QuerySet:
    from governance.models import Disclosure

    queryset = Disclosure.objects.select_related("partnership")
    return restrict_for_guest(queryset, membership, "partnership")


def crisis_view(partnership: Partnership) -> dict:
    """The protocol with its spokespeople and contact tree, and the latest log entries."""
    from governance.models import CrisisContact, CrisisLogEntry, CrisisProtocol

    protocol = (
        CrisisProtocol.objects.filter(partnership=partnership)
        .select_related("customer_spokesperson", "partner_spokesperson")
        .first()
    )
    contacts = (
        list(
            CrisisContact.objects.filter(protocol=protocol).select_related(
                "user", "reports_to__user"
            )
        )
        if protocol
        else []
    )
    log = list(
        CrisisLogEntry.objects.filter(partnership=partnership).select_related("logged_by")[:100]
    )
    return {"protocol": protocol, "contacts": contacts, "log": log}


# --- compliance (the risk module's one compliance model) --------------------------------


@dataclass(frozen=True)
class OfficerDuty:
    """One officer's attestation of one requirement's current period."""

    requirement: Any
    officer: Any
    owes: bool
    overdue: bool
    attestation: Any  # theirs of the current period, or None
    opens_on: date  # from when the current period can be attested


def _duties(requirements, officers, *, today: date) -> list[OfficerDuty]:
    from risk.models import ATTESTATION_WINDOW

    duties = []
    for requirement in requirements:
        attestations = list(requirement.attestations.all())
        for officer in officers:
            if (officer.partnership_id, officer.framework) != (
                requirement.partnership_id,
                requirement.framework,
            ):
                continue
            mine = next(
                (
                    a
                    for a in attestations
                    if a.attested_by_id == officer.user_id
                    and a.period_end >= requirement.due_on - ATTESTATION_WINDOW
                ),
                None,
            )
            duties.append(
                OfficerDuty(
                    requirement=requirement,
                    officer=officer,
                    owes=officer.owes(requirement, attestations, today=today),
                    overdue=officer.is_overdue(requirement, attestations, today=today),
                    attestation=mine,
                    opens_on=requirement.due_on - ATTESTATION_WINDOW,
                )
            )
    return duties


def _requirements(**filters) -> QuerySet:
    from risk.models import Attestation, ComplianceRequirement

    return (
        ComplianceRequirement.objects.filter(**filters)
        .select_related("partnership")
        .prefetch_related(
            Prefetch("attestations", queryset=Attestation.objects.select_related("attested_by"))
        )
        .order_by("due_on", "pk")
    )


def compliance_officers(partnership: Partnership) -> list:
    from risk.models import ComplianceOfficer

    return list(ComplianceOfficer.objects.filter(partnership=partnership).select_related("user"))


def compliance_view(*, partnership: Partnership, today: date) -> dict:
    """The partnership's officers and, per requirement of the compliance matrix, each officer's
    attestation of the current period (three queries)."""
    officers = compliance_officers(partnership)
    requirements = list(_requirements(partnership=partnership))
    duties = _duties(requirements, officers, today=today)
    return {"officers": officers, "requirements": requirements, "duties": duties}


def attestations_awaiting(*, membership: Membership, today: date) -> list[OfficerDuty]:
    """The current periods this member owes as a compliance officer, across the partnerships
    they see, the earliest due first (three queries)."""
    from risk.models import ATTESTATION_WINDOW, ComplianceOfficer

    officers = list(
        restrict_for_guest(
            ComplianceOfficer.objects.filter(user_id=membership.user_id).select_related("user"),
            membership,
            "partnership",
        )
    )
    if not officers:
        return []
    requirements = _requirements(
        partnership_id__in={o.partnership_id for o in officers},
        framework__in={o.framework for o in officers},
        due_on__lte=today + ATTESTATION_WINDOW,
    )
    return [d for d in _duties(requirements, officers, today=today) if d.owes]


def sla_for_change(*, partnerships) -> QuerySet:
    """The SLAs of these partnerships, whose terms a change request may propose to change."""
    from performance.models import Sla

    return (
        Sla.objects.filter(partnership__in=partnerships)
        .select_related("partnership", "kpi")
        .prefetch_related("tiers")
    )
