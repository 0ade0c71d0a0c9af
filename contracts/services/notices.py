"""Notice and renewal alerts before each agreement's notice deadline."""

from datetime import date

from django.conf import settings

from contracts import dates
from contracts.models import (
    Agreement,
)
from contracts.selectors import members_with_roles
from contracts.services._shared import agreement_url
from tenancy.models import Role
from tenancy.services import notify


def notice_alerts_send(*, today: date, lead_days: tuple[int, ...] | None = None) -> int:
    """Alert the owner, legal and procurement before each notice deadline, at the configured
    lead times; each alert reaches each person once (a dedupe key per deadline and lead)."""
    configured = getattr(settings, "CONTRACTS_ALERT_LEAD_DAYS", dates.DEFAULT_ALERT_LEAD_DAYS)
    leads: tuple[int, ...] = tuple(lead_days or configured)
    agreements = Agreement.objects.select_related("owner", "partnership__owner").filter(
        status__in=[Agreement.Status.APPROVED, Agreement.Status.EXECUTED]
    )
    legal = members_with_roles(Role.LEGAL)
    procurement = members_with_roles(Role.PROCUREMENT_MANAGER)
    sent = 0
    for agreement in agreements:
        term = dates.term_dates(
            term_type=agreement.term_type,
            expiry_date=agreement.expiry_date,
            renewal_period_months=agreement.renewal_period_months,
            notice_period_days=agreement.notice_period_days,
            today=today,
        )
        if term.notice_deadline is None:
            continue
        lead = dates.alert_lead_due(deadline=term.notice_deadline, today=today, lead_days=leads)
        if lead is None:
            continue
        days_left = (term.notice_deadline - today).days
        what = "non-renewal" if term.will_renew else "expiry"
        recipients = [agreement.owner, agreement.partnership.owner, *legal, *procurement]
        created = notify(
            recipients=recipients,
            title=f"Notice deadline in {days_left} days: {agreement.title}",
            body=(
                f"Notice of {what} must be given by {term.notice_deadline:%d %b %Y} "
                f"(the term ends {term.term_end:%d %b %Y}"
                + (", then renews automatically)." if term.will_renew else ").")
            ),
            url=agreement_url(agreement),
            dedupe_key=f"contracts.notice.{agreement.pk}.{term.notice_deadline}.{lead}",
        )
        sent += len(created)
    return sent
