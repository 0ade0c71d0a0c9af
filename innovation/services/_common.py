"""Helpers shared by the innovation services."""

from __future__ import annotations

from finance.services import party_of
from innovation.models import (
    Party,
)
from tenancy.errors import ConflictError

MATERIAL_MAX_BYTES = 20 * 1024 * 1024
MATERIAL_EXTENSIONS = (".pdf", ".pptx", ".docx", ".xlsx", ".txt", ".md", ".png", ".jpg", ".csv")
OFFICE_EXTENSIONS = (".pptx", ".docx", ".xlsx")


def _full_clean(obj, exclude=None) -> None:
    # The organization is set on save from the tenant context.
    obj.full_clean(exclude=[*(exclude or []), "organization"], validate_constraints=False)


def _lock(obj):
    """Lock the row and re-read it into the caller's object (so it sees the change made)."""
    type(obj)._base_manager.select_for_update().filter(pk=obj.pk).exists()
    obj.refresh_from_db()
    return obj


def _buyer_only(actor, what: str) -> None:
    if party_of(actor) != Party.BUYER:
        raise ConflictError(f"Only the buyer's team can {what}.", code="buyer_only")


def _text(value) -> str:
    return (value or "").strip()
