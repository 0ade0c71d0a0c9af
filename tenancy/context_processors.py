"""Puts the organization, the switcher's memberships and the unread count in every page."""

from tenancy.selectors import memberships_of, unread_notification_count


def tenant(request):
    organization = getattr(request, "organization", None)
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"organization": organization}
    return {
        "organization": organization,
        "membership": getattr(request, "membership", None),
        "my_memberships": memberships_of(request.user),
        "unread_notifications": unread_notification_count(user=request.user)
        if organization is not None
        else 0,
    }
