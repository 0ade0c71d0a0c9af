"""Reads of the partnerships module."""

from django.db.models import QuerySet

from partnerships.models import Partner, Partnership
from tenancy.models import Membership
from tenancy.permissions import restrict_for_guest


def partnership_portfolio(*, membership: Membership) -> QuerySet[Partnership]:
    """The partnerships this member may see, with partner and owner joined (one query)."""
    queryset = Partnership.objects.select_related("partner", "owner").order_by("name")
    return restrict_for_guest(queryset, membership, "")


def partner_list(*, membership: Membership) -> QuerySet[Partner]:
    queryset = Partner.objects.order_by("name")
    if membership.is_guest:
        visible = partnership_portfolio(membership=membership).values("partner_id")
        queryset = queryset.filter(pk__in=visible)
    return queryset
