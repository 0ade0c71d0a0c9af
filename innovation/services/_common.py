"""Helpers shared by the innovation services."""

from __future__ import annotations

from finance.services import party_of
from innovation.models import (
    Party,
)
from tenancy.audit import lock_fresh
from tenancy.errors import ConflictError

MATERIAL_MAX_BYTES = 20 * 1024 * 1024
MATERIAL_EXTENSIONS = (".pdf", ".pptx", ".docx", ".xlsx", ".txt", ".md", ".png", ".jpg", ".csv")
OFFICE_EXTENSIONS = (".pptx", ".docx", ".xlsx")


def _full_clean(obj, exclude=None) -> None:
    # The organization is set on save from the tenant context.
    obj.full_clean(exclude=[*(exclude or []), "organization"], validate_constraints=False)


_lock = lock_fresh  # lock the row and re-read it into the caller's object


def _buyer_only(actor, what: str) -> None:
    if party_of(actor) != Party.BUYER:
        raise ConflictError(f"Only the buyer's team can {what}.", code="buyer_only")


def _text(value) -> str:
    return (value or "").strip()
