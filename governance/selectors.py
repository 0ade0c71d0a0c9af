"""Reads of the governance module. Lists join what they show (no query per row) and are
restricted for partner guests to the partnerships they were invited to."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from governance.models import ChangeRequest, ChangeRequestApprover
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
        ChangeRequest.objects.select_related("partnership__partner", "agreement", "requested_by")
        .annotate(
            approver_count=_approver_count(),
            approved_count=_approver_count(decision=Decision.APPROVED),
        )
        .order_by("-number")
    )
    return restrict_for_guest(queryset, membership, "partnership")


def change_request_for_detail(*, membership: Membership) -> QuerySet[ChangeRequest]:
    """The list plus every approver with their user (one more query for any number of rows)."""
    return change_request_list(membership=membership).prefetch_related(_approvers())


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
    return AuditEvent.objects.filter(
        object_type=ChangeRequest._meta.label_lower, object_id=str(change_request.pk)
    ).order_by("sequence")


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
