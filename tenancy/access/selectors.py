"""Reads of organization administration, each one query (or a fixed few) whatever the size."""

from datetime import datetime, time

from django.core.cache import cache
from django.db.models import Q, QuerySet

from tenancy.models import ApiKey, AuditEvent, Invitation, Membership, Organization, Role, User


def members_of(*, organization: Organization) -> QuerySet:
    return (
        Membership.objects.filter(organization=organization)
        .exclude(role=Role.PARTNER_GUEST)
        .select_related("user")
        .order_by("-is_active", "user__full_name", "user__email")
    )


def guests_of(*, organization: Organization) -> QuerySet:
    return (
        Membership.objects.filter(organization=organization, role=Role.PARTNER_GUEST)
        .select_related("user")
        .order_by("-is_active", "user__email")
    )


def pending_invitations(*, partnership=None, members_only: bool = False) -> QuerySet:
    """Pending invitations of the current organization (of one partnership, or of members)."""
    invitations = Invitation.objects.filter(status=Invitation.Status.PENDING).select_related(
        "invited_by", "partnership"
    )
    if partnership is not None:
        invitations = invitations.filter(partnership=partnership)
    elif members_only:
        invitations = invitations.filter(partnership__isnull=True)
    return invitations.order_by("-created_at")


def partnership_guests(*, partnership) -> list[User]:
    """The partner guests who may open this partnership (one query)."""
    from partnerships.models import PartnershipUserObjectPermission

    return list(
        User.objects.filter(
            pk__in=PartnershipUserObjectPermission.objects.filter(
                content_object=partnership, permission__codename="view_partnership"
            ).values("user_id"),
            memberships__organization_id=partnership.organization_id,
            memberships__is_active=True,
        ).order_by("email")
    )


def api_keys_of_organization(*, organization: Organization, now: datetime) -> QuerySet:
    return (
        ApiKey.objects.filter(organization=organization)
        .with_status(now=now)
        .select_related("user")
        .order_by("-created_at")
    )


def audit_events(
    *,
    user: str = "",
    action: str = "",
    obj: str = "",
    date_from=None,
    date_to=None,
    tz=None,
) -> QuerySet:
    """The current organization's audit trail, newest first, filtered."""
    events = AuditEvent.objects.order_by("-sequence")
    if user:
        events = events.filter(actor_label__icontains=user)
    if action:
        events = events.filter(action__icontains=action)
    if obj:
        object_type, _, object_id = obj.partition(":")
        if object_id and "." in object_type:
            events = events.filter(object_type=object_type.strip(), object_id=object_id.strip())
        else:
            events = events.filter(Q(object_repr__icontains=obj) | Q(object_type__icontains=obj))
    if date_from:
        events = events.filter(created_at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        events = events.filter(created_at__lte=datetime.combine(date_to, time.max, tzinfo=tz))
    return events


def audit_chain_status(*, organization: Organization):
    """The chain's verification, recomputed only when an event was appended since last time
    (cached under the organization and its latest sequence)."""
    from tenancy.audit import audit_chain_verify

    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    key = f"org:{organization.pk}:audit-chain:{last or 0}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    report = audit_chain_verify()
    result = {
        "ok": report.ok,
        "events_checked": report.events_checked,
        "first_broken_sequence": report.first_broken_sequence,
        "reason": report.reason,
    }
    cache.set(key, result, 300)
    return result
