"""`{% partnership_guests partnership %}`: the partnership page's "Partner access" box, so the
partnership page needs one include line and no view change."""

from django import template

from tenancy.permissions import has_permission

register = template.Library()


@register.inclusion_tag("tenancy/access/_partnership_guests.html", takes_context=True)
def partnership_guests(context, partnership):
    from tenancy.access.selectors import partnership_guests as guests_of_partnership
    from tenancy.access.selectors import pending_invitations

    request = context["request"]
    membership = getattr(request, "membership", None)
    if membership is None or membership.is_guest:
        return {"guests": [], "can_manage": False}  # guests never see the buyer's access list
    return {
        "organization": request.organization,
        "partnership": partnership,
        "guests": guests_of_partnership(partnership=partnership),
        "pending": pending_invitations(partnership=partnership).count(),
        "can_manage": has_permission(membership, "partnerships.change", partnership),
    }
