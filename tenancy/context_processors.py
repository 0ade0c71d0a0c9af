"""Puts the organization, the switcher's memberships, the unread count and the modules the
member may open (the navigation, from the module registry) in every page."""

from tenancy.modules import nav_modules
from tenancy.selectors import unread_notification_count
from tenancy.sessions import session_memberships


def tenant(request):
    organization = getattr(request, "organization", None)
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"organization": organization}
    return {
        "organization": organization,
        "membership": getattr(request, "membership", None),
        "nav_modules": nav_modules(request),
        "my_memberships": session_memberships(request),
        "unread_notifications": unread_notification_count(user=request.user)
        if organization is not None
        else 0,
    }
