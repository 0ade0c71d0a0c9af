"""Helpers the contracts services share: who may review, which statuses are editable."""

from contracts.models import (
    Agreement,
    AgreementUserObjectPermission,
)
from tenancy.context import require_organization
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import Membership, Role, User
from tenancy.permissions import role_allows

EDITABLE_STATUSES = (Agreement.Status.DRAFT, Agreement.Status.IN_LEGAL_REVIEW)


def _jsonable(changes: dict) -> dict:
    """[old, new] pairs for the audit trail: text, except mappings and lists (a clause's
    parameters), which stay structured so the trail reads "cap multiple: 0.5 → 2"."""

    def value(item):
        if item is None or isinstance(item, dict | list):
            return item
        return str(item)

    return {k: [value(a), value(b)] for k, (a, b) in changes.items()}


def membership_of(user: User) -> Membership | None:
    return Membership.objects.filter(
        organization=require_organization(), user=user, is_active=True
    ).first()


def is_reviewer(user: User, agreement: Agreement) -> bool:
    return AgreementUserObjectPermission.objects.filter(
        user=user, content_object=agreement, permission__codename="review_agreement"
    ).exists()


def may_review(user: User | None, agreement: Agreement) -> bool:
    """Legal may decide on an agreement's clauses when assigned as its reviewer (an object
    permission); an organization admin may always."""
    if user is None:
        return False
    membership = membership_of(user)
    if membership is None or not role_allows(membership.role, "contracts.review"):
        return False
    return membership.role == Role.ORG_ADMIN or is_reviewer(user, agreement)


def _require_reviewer(user, agreement) -> None:
    if not may_review(user, agreement):
        raise PermissionDeniedError("Only a reviewer assigned to this agreement may do this.")


def _require_editable(agreement: Agreement) -> None:
    if agreement.status not in EDITABLE_STATUSES:
        raise ConflictError(
            f"The clauses of an agreement that is {agreement.get_status_display().lower()} are "
            "not changed; "
            "amend the agreement instead."
        )


def may_review_role(user: User) -> bool:
    membership = membership_of(user)
    return membership is not None and role_allows(membership.role, "contracts.review")


def agreement_url(agreement: Agreement) -> str:
    # The tenant in context is the agreement's organization (no other row can be read): its
    # slug costs no query per agreement in the reminder jobs.
    return f"/o/{require_organization().slug}/contracts/agreements/{agreement.pk}/"
