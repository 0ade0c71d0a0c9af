"""What a signed-in browser session may open.

A session signed in through an organization's single sign-on opens that organization only. Its
provider vouches for that organization's people; the same account's memberships elsewhere were
granted by other administrators, who never trusted that provider. The supplier's employee who is
a partner guest of a buyer is the plain case: the supplier's admin runs the provider of the
employee's (proven) domain, and could otherwise open the buyer's partnership as them. A password
sign-in (the account's own secret) opens every organization the account belongs to; so does an
API key, which is bound to its own organization anyway.
"""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from tenancy.models import Membership
from tenancy.selectors import memberships_of

SSO_ORGANIZATION = "signed_in_through_sso"


@receiver(user_logged_in)
def forget_single_sign_on_scope(sender, request, user, **kwargs):
    """A new sign-in starts unscoped; the single sign-on callback scopes its own afterwards."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(SSO_ORGANIZATION, None)


def session_organization_id(request) -> int | None:
    """The one organization this session may open, or None (every membership)."""
    session = getattr(request, "session", None)
    if session is None or getattr(request, "api_key", None) is not None:
        return None
    return session.get(SSO_ORGANIZATION)


def session_memberships(request) -> list[Membership]:
    """The memberships this session may open: the switcher, the start page, the API's list."""
    memberships = memberships_of(request.user)
    only = session_organization_id(request)
    if only is None:
        return memberships
    return [membership for membership in memberships if membership.organization_id == only]
