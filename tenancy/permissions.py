"""The one permission helper: may this member do this to this object?

Roles give rights inside the tenant (`ROLE_PERMISSIONS`, perm strings `<module>.<verb>`). Partner
guests additionally see only objects under partnerships they were invited to, recorded as a
django-guardian object permission on the partnership (`partnerships.view_partnership`). Pages
and the API both ask `has_permission`; lists of guest-visible objects use
`restrict_for_guest`, one subquery, never a check per row.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from tenancy.models import Membership, Role
from tenancy.modules import KERNEL_APP, MODULES

# Read from the module registry (tenancy/modules.py), plus the kernel's own pages.
ALL_MODULES = (*MODULES, KERNEL_APP)


def _view_for(role: str) -> set[str]:
    """`<module>.view` for every module the registry shows to `role` (and the kernel)."""
    views = {f"{code}.view" for code, module in MODULES.items() if module.visible_to_role(role)}
    return views | {f"{KERNEL_APP}.view"}


ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.ORG_ADMIN: {"*"},
    Role.PROCUREMENT_MANAGER: _view_for(Role.PROCUREMENT_MANAGER)
    | {
        "partnerships.change",
        "governance.withdraw",  # withdraw a change request someone else raised
        "governance.stand_in",  # run a committee meeting in the chair's or secretary's place
        "contracts.change",
        "risk.change",
        "governance.change",
        "integrations.change",
        "performance.change",
        "exit_planning.change",
        "innovation.change",
        "innovation.submit",  # submit and score initiatives
        "innovation.decide",  # approve, park or reject an initiative; a pilot's go / no-go
    },
    Role.LEGAL: _view_for(Role.LEGAL)
    | {"contracts.change", "contracts.review", "contracts.approve", "risk.change"},
    Role.FINANCE: _view_for(Role.FINANCE)
    | {"finance.change", "finance.claim", "finance.verify", "performance.change"},
    Role.COMMITTEE_MEMBER: _view_for(Role.COMMITTEE_MEMBER)
    | {"governance.change", "governance.approve"},
    Role.VIEWER: _view_for(Role.VIEWER),
    # Guests hold these only on objects under partnerships they were invited to.
    # Which modules a guest sees is the registry's `guest` attribute.
    Role.PARTNER_GUEST: _view_for(Role.PARTNER_GUEST)
    | {
        "governance.approve",
        "performance.submit",
        "finance.claim",
        "finance.verify",
        "innovation.submit",
    },
}


def role_allows(role: str, perm: str) -> bool:
    granted = ROLE_PERMISSIONS.get(role, set())
    return "*" in granted or perm in granted


# Role predicates: services ask these instead of keeping tuples of roles of their own.


def roles_with(perm: str, *, guests: bool = False) -> list[str]:
    """The roles that hold `perm` (an admin's "*" included); partner guests only if asked."""
    return [
        role
        for role in ROLE_PERMISSIONS
        if role_allows(role, perm) and (guests or role != Role.PARTNER_GUEST)
    ]


def is_org_admin(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active and membership.role == Role.ORG_ADMIN


def partnership_of(obj: Any) -> Any:
    """The partnership an object belongs to (itself for a partnership), or None."""
    from partnerships.models import Partnership

    if isinstance(obj, Partnership):
        return obj
    if hasattr(obj, "get_partnership"):
        return obj.get_partnership()
    if getattr(obj, "partnership_id", None) is not None:
        return obj.partnership
    return None


def guest_partnership_ids(membership: Membership) -> QuerySet[Any]:
    from partnerships.models import PartnershipUserObjectPermission

    return PartnershipUserObjectPermission.objects.filter(
        user_id=membership.user_id, permission__codename="view_partnership"
    ).values("content_object_id")


def guests_invited(partnership: Any, user_ids: Iterable[int]) -> set[int]:
    """Which of `user_ids` may see `partnership` as a partner guest (one query)."""
    from partnerships.models import PartnershipUserObjectPermission

    return set(
        PartnershipUserObjectPermission.objects.filter(
            content_object_id=partnership.pk,
            user_id__in=user_ids,
            permission__codename="view_partnership",
        ).values_list("user_id", flat=True)
    )


def has_permission(membership: Membership | None, perm: str, obj: Any = None) -> bool:
    if membership is None or not membership.is_active:
        return False
    if not role_allows(membership.role, perm):
        return False
    if membership.is_guest:
        if obj is None:
            return True  # list level: the list itself is restricted by restrict_for_guest
        partnership = partnership_of(obj)
        if partnership is None:
            return False
        return guest_partnership_ids(membership).filter(content_object_id=partnership.pk).exists()
    return True


def restrict_for_guest(
    queryset: QuerySet[Any], membership: Membership, partnership_path: str | None
) -> QuerySet[Any]:
    """Limit a list to what a guest may see; members of the organization see everything."""
    if not membership.is_guest:
        return queryset
    if partnership_path is None:
        return queryset.none()
    lookup = "pk__in" if partnership_path == "" else f"{partnership_path}__in"
    return queryset.filter(**{lookup: guest_partnership_ids(membership)})
