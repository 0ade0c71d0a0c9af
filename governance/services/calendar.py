"""Calendar subscriptions: a per-user token in the feed URL (calendar apps have no session).

Only the token's SHA-256 is stored; the plain token is shown once, and rotating it replaces the
old one (a leaked URL is revoked by rotating)."""

import hashlib
import secrets

from django.db import transaction

from governance.models import CalendarFeedToken
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.models import Membership, User


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_token_rotate(*, user: User) -> str:
    """A new feed token for `user` in the current organization; returns the plain token."""
    organization = require_organization()
    token = secrets.token_urlsafe(32)
    CalendarFeedToken.objects.update_or_create(
        organization=organization, user=user, defaults={"token_hash": hash_token(token)}
    )
    audit_record(action="governance.calendar_feed.rotated", actor=user, obj=None)
    return token


def calendar_token_resolve(token: str) -> tuple[CalendarFeedToken, Membership] | None:
    """The token's row and its user's active membership, or None (unknown, or no longer a
    member). Read before a tenant is known: the token names it."""
    if not token or len(token) > 100:
        return None
    row = (
        CalendarFeedToken.objects.select_related("organization", "user")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if row is None:
        return None
    membership = Membership.objects.filter(
        organization=row.organization, user=row.user, is_active=True
    ).first()
    if membership is None:
        return None
    return row, membership
