"""Writes of organization administration: invitations, roles, deactivation, partner guests,
API-key administration and organization settings (`members.py`), and single sign-on: the
provider, the proof of its domains and the sign-in (`sso.py`).

Every function takes the clock as `now=` and records an audit event. Membership and ApiKey are
boundary tables (no row-level security), so each query names the organization explicitly.
"""

from tenancy.access.services.members import (
    INVITATION_LIFECYCLE,
    LOGO_MAX_BYTES,
    MEMBER_ROLES,
    InvalidInvitation,
    invitation_accept,
    invitation_from_payload,
    invitation_organization_from_token,
    invitation_resend,
    invitation_revoke,
    invitation_token,
    invitation_url,
    member_invite,
    membership_change_role,
    membership_deactivate,
    organization_update_settings,
    partnership_guest_remove,
)
from tenancy.access.services.sso import (
    DOMAIN_ALREADY,
    DOMAIN_VERIFIED,
    SingleSignOnRefused,
    single_sign_on_secrets_reencrypt,
    sso_configure,
    sso_domains_verify,
    sso_sign_in,
)

__all__ = [
    "INVITATION_LIFECYCLE",
    "MEMBER_ROLES",
    "InvalidInvitation",
    "invitation_token",
    "invitation_url",
    "invitation_organization_from_token",
    "invitation_from_payload",
    "member_invite",
    "invitation_resend",
    "invitation_revoke",
    "invitation_accept",
    "membership_change_role",
    "membership_deactivate",
    "partnership_guest_remove",
    "LOGO_MAX_BYTES",
    "organization_update_settings",
    "sso_configure",
    "DOMAIN_VERIFIED",
    "DOMAIN_ALREADY",
    "sso_domains_verify",
    "single_sign_on_secrets_reencrypt",
    "SingleSignOnRefused",
    "sso_sign_in",
]
