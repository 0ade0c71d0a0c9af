"""The RACI matrix of a partnership: activities against people of both parties.

Valid only with exactly one Accountable and at least one Responsible per activity; the whole
matrix is validated before anything is written, so a bad grid changes nothing."""

from django.core.exceptions import ValidationError
from django.db import transaction

from governance.models import RaciActivity, RaciAssignment
from governance.services.meetings import _owner_party
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.models import User

Letter = RaciAssignment.Letter
DEFAULT_ACTIVITIES = (
    "Sourcing decisions",
    "Contract approvals",
    "Supplier management",
    "Capital investment",
    "Scope change",
    "Resource allocation",
)


def raci_problems(name: str, letters: list[str]) -> list[str]:
    """What makes one activity's row invalid (empty: valid)."""
    problems = []
    accountable = letters.count(Letter.ACCOUNTABLE)
    if accountable == 0:
        problems.append(f"{name}: name exactly one Accountable (there is none).")
    elif accountable > 1:
        problems.append(f"{name}: exactly one Accountable, not {accountable}.")
    if Letter.RESPONSIBLE not in letters:
        problems.append(f"{name}: name at least one Responsible.")
    return problems


@transaction.atomic
def raci_activity_create(
    *, partnership: Partnership, name: str, actor: User | None, position: int | None = None
) -> RaciActivity:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the activity."})
    if RaciActivity.objects.filter(partnership=partnership, name__iexact=name).exists():
        raise ValidationError({"name": f"“{name}” is already in the matrix."})
    if position is None:
        position = RaciActivity.objects.filter(partnership=partnership).count()
    activity = RaciActivity(
        organization=require_organization(), partnership=partnership, name=name, position=position
    )
    activity.full_clean()
    activity.save()
    audit_record(action="governance.raci.activity_created", actor=actor, obj=activity)
    return activity


@transaction.atomic
def raci_activity_delete(*, activity: RaciActivity, actor: User | None) -> None:
    name = activity.name
    partnership = activity.partnership
    activity.delete()
    audit_record(
        action="governance.raci.activity_deleted",
        actor=actor,
        obj=partnership,
        changes={"activity": name},
    )


@transaction.atomic
def raci_matrix_save(
    *,
    partnership: Partnership,
    actor: User | None,
    matrix: dict[int, list[tuple[User, str]]],
) -> list[RaciActivity]:
    """Replace the assignments of the given activities ({activity id: [(user, letter)]}).

    Every row is checked first (letters, people of either party, one Accountable, at least one
    Responsible); any problem is a ValidationError on `matrix` and nothing is written."""
    activities = {
        a.pk: a
        for a in RaciActivity.objects.select_for_update().filter(
            partnership=partnership, pk__in=list(matrix)
        )
    }
    problems = []
    if set(matrix) - set(activities):
        problems.append("An activity of the matrix is not in this partnership.")
    parties: dict[int, str] = {}
    for activity_id, row in matrix.items():
        activity = activities.get(activity_id)
        if activity is None:
            continue
        users = [u.pk for u, _ in row]
        if len(users) != len(set(users)):
            problems.append(f"{activity.name}: one letter per person.")
        for user, letter in row:
            if letter not in Letter.values:
                problems.append(f"{activity.name}: “{letter}” is not R, A, C or I.")
            if user.pk not in parties:
                try:
                    parties[user.pk] = _owner_party(partnership, user)
                except ValidationError as error:
                    problems.extend(error.message_dict["owner"])
                    parties[user.pk] = ""
        problems.extend(raci_problems(activity.name, [letter for _, letter in row]))
    if problems:
        raise ValidationError({"matrix": problems})
    changes = {}
    for activity_id, row in matrix.items():
        activity = activities[activity_id]
        before = sorted(
            f"{a.user.email}:{a.letter}"
            for a in RaciAssignment.objects.filter(activity=activity).select_related("user")
        )
        RaciAssignment.objects.filter(activity=activity).delete()
        RaciAssignment.objects.bulk_create(
            RaciAssignment(
                organization=activity.organization,
                activity=activity,
                user=user,
                party=parties[user.pk],
                letter=letter,
            )
            for user, letter in row
        )
        after = sorted(f"{u.email}:{letter}" for u, letter in row)
        if before != after:
            changes[activity.name] = [before, after]
    if changes:
        audit_record(action="governance.raci.saved", actor=actor, obj=partnership, changes=changes)
    return list(activities.values())


@transaction.atomic
def raci_install_defaults(*, partnership: Partnership, actor: User | None) -> list[RaciActivity]:
    """The usual activities (sourcing, contract approvals, ...), those not there yet."""
    existing = {
        n.lower()
        for n in RaciActivity.objects.filter(partnership=partnership).values_list("name", flat=True)
    }
    return [
        raci_activity_create(partnership=partnership, name=name, actor=actor)
        for name in DEFAULT_ACTIVITIES
        if name.lower() not in existing
    ]
