"""`{% agreement_status agreement %}`: an agreement's status pill as the reader may see it (a
partner guest reads the buyer's legal review and approval as "In negotiation";
contracts.selectors.status_shown)."""

from django import template
from django.utils.html import format_html

from contracts.selectors import status_shown

register = template.Library()


@register.simple_tag(takes_context=True)
def agreement_status(context, agreement, testid: str = ""):
    value, label = status_shown(agreement.status, context.get("membership"))
    if testid:
        return format_html('<span class="pill {}" data-testid="{}">{}</span>', value, testid, label)
    return format_html('<span class="pill {}">{}</span>', value, label)


@register.simple_tag(takes_context=True)
def agreement_status_label(context, agreement):
    """The same status as words, for running text (the summary PDF)."""
    return status_shown(agreement.status, context.get("membership"))[1]
