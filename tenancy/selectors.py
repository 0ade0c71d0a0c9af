"""Reads of the tenancy app."""

from tenancy.models import ApiKey, Membership, Notification


def memberships_of(user) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    )


def unread_notification_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(*, user):
    return Notification.objects.filter(recipient=user).order_by("-created_at")


def api_keys_for_member(*, organization, user, now):
    return (
        ApiKey.objects.filter(organization=organization, user=user)
        .with_status(now=now)
        .order_by("-created_at")
    )
