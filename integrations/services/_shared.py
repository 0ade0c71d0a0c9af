"""Helpers the integrations services share: the partnership a write names belongs to the
tenant."""

from django.core.exceptions import ValidationError

from partnerships.models import Partnership
from tenancy.context import require_organization


def _check_partnership(partnership: Partnership) -> None:
    # The document takes the organization from the context; a partnership of another tenant
    # would make a row that points across tenants.
    if partnership.organization_id != require_organization().pk:
        raise ValidationError({"partnership": "No such partnership in this organization."})
