"""Reads of the tenancy app."""

from collections.abc import Callable

from tenancy.context import require_organization
from tenancy.models import ApiKey, Membership, Notification, Role, User


def memberships_of(user) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    )


def unread_notification_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(*, user):
    return Notification.objects.filter(recipient=user).order_by("-created_at")


def api_keys_for_member(*, organization, user, now):
    return (
        ApiKey.objects.filter(organization=organization, user=user)
        .with_status(now=now)
        .order_by("-created_at")
    )


def organization_admins() -> list[User]:
    """The current organization's active admins, oldest membership first."""
    return [
        m.user
        for m in Membership.objects.filter(
            organization=require_organization(),
            role=Role.ORG_ADMIN,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("pk")
    ]


def people_to_pick(*, organization, roles=None):
    """Whom a page offers as an owner, reviewer or sponsor: the organization's active staff, by
    name. Never a partner guest (the supplier's employee), whatever the person is elsewhere; a
    user who is staff here and a guest of another organization is offered. `roles` narrows it
    (reviewers: the roles that may review). Used through `tenancy.forms.offer_people`."""
    memberships = Membership.objects.filter(
        organization=organization, is_active=True, user__is_active=True
    ).exclude(role=Role.PARTNER_GUEST)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("full_name", "email")


def still_staff(*, organization, user_id: int | None) -> User | None:
    """The person, while they are one of the organization's active staff (`people_to_pick`);
    else nobody. For a job that copies an owner from another record (a plan's owner onto its
    tasks): a leaver is not copied, the copy has no owner and the admins hear of it."""
    if user_id is None:
        return None
    return people_to_pick(organization=organization).filter(pk=user_id).first()


def responsibilities_of(*, user: User, moves: bool = True) -> list[tuple[str, int]]:
    """What `user` answers for in the current organization that is still open, as (label,
    count), in the modules' order, leaving out what they have none of: the work a handover
    moves, or (`moves=False`) the seats and roles to re-staff on their own pages. One query: the
    count of every kind registered (tenancy.handover), each scoped to the organization by its own
    manager, joined by UNION ALL."""
    from django.db.models import Count, IntegerField, Value

    from tenancy.handover import responsibilities

    items = [item for item in responsibilities() if item.moves == moves]
    parts = [
        item.queryset(user.pk)
        .order_by()
        .values(handover_kind=Value(index, output_field=IntegerField()))
        .annotate(n=Count("pk"))
        for index, item in enumerate(items)
    ]
    if not parts:
        return []
    found = dict(parts[0].union(*parts[1:], all=True).values_list("handover_kind", "n"))
    return [(item.label, found[index]) for index, item in enumerate(items) if found.get(index)]


def _members_now() -> set[int]:
    """The ids of the current organization's active members (staff and partner guests)."""
    return set(
        Membership.objects.filter(
            organization=require_organization(), is_active=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )


class AdminsOnce:
    """The organization's admins, and who is still a member, read on first need and then kept:
    a job that asks `accountable` about many records passes one, so the lookups cost at most
    one query each for the whole job."""

    def __init__(self) -> None:
        self._users: list[User] | None = None
        self._members: set[int] | None = None

    def __call__(self) -> list[User]:
        if self._users is None:
            self._users = organization_admins()
        return self._users

    def members(self) -> set[int]:
        if self._members is None:
            self._members = _members_now()
        return self._members


def accountable(
    *named: User | None,
    admins: Callable[[], list[User]] = organization_admins,
    everyone: bool = False,
) -> list[User]:
    """Who hears of something that needs a person: the first one named (a record's own owner,
    then its partnership's owner, ...) who is still a member of the organization, or, when
    nobody is, the organization's admins. A job never drops an alert because an owner was
    never named, nor sends it to someone who has left (their work waits for a handover).

    `everyone=True`: every one named who is still a member, each once, for news that all of
    them should hear (a risk's owner and its partnership's owner); the admins when none is."""
    people = [user for user in named if user is not None]
    if people:
        members = admins.members() if isinstance(admins, AdminsOnce) else _members_now()
        still = list({user.pk: user for user in people if user.pk in members}.values())
        if still:
            return still if everyone else still[:1]
    return admins()
