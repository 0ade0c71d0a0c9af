"""Reads of the partnerships module."""

from django.db.models import Count, Q, QuerySet, Sum

from partnerships.models import Partner, Partnership
from tenancy.models import Membership
from tenancy.permissions import restrict_for_guest

# Partnerships whose annual value counts in the portfolio total.
LIVE_STATUSES = (
    Partnership.Status.NEGOTIATING,
    Partnership.Status.ACTIVE,
    Partnership.Status.UNDER_REVIEW,
    Partnership.Status.EXITING,
)


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


def partnership_portfolio_summary(*, membership: Membership) -> dict:
    """Counts by status and annual value by currency, aggregated in SQL (two queries)."""
    portfolio = partnership_portfolio(membership=membership).order_by()
    by_status = dict(portfolio.values_list("status").annotate(n=Count("pk")))
    value_by_currency = list(
        portfolio.filter(annual_value__isnull=False, status__in=LIVE_STATUSES)
        .values("currency")
        .annotate(total=Sum("annual_value"))
        .order_by("-total")
    )
    return {
        "total": sum(by_status.values()),
        "active": by_status.get(Partnership.Status.ACTIVE, 0),
        "in_pipeline": sum(
            by_status.get(s, 0)
            for s in (
                Partnership.Status.PROPOSED,
                Partnership.Status.DUE_DILIGENCE,
                Partnership.Status.NEGOTIATING,
            )
        ),
        "attention": by_status.get(Partnership.Status.UNDER_REVIEW, 0)
        + by_status.get(Partnership.Status.EXITING, 0),
        "value_by_currency": value_by_currency,
    }


def partnership_search(queryset: QuerySet[Partnership], text: str) -> QuerySet[Partnership]:
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(
        Q(name__icontains=text) | Q(code__icontains=text) | Q(partner__name__icontains=text)
    )
