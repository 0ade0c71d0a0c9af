"""RACI rules pinned against the mutants that survived `make mutation` (docs/mutation.md): the
exact refusals a user reads, activity names unique per partnership only, positions counted per
partnership, a saved grid replacing the old one, and the audit trail of every write."""

import pytest
from django.core.exceptions import ValidationError

from governance import services
from governance.models import RaciActivity, RaciAssignment
from tenancy.models import AuditEvent
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_partnership(scope, manager):
    return PartnershipFactory(organization=scope, name="Birch gearboxes", owner=manager)


@pytest.mark.parametrize("name", [None, "", "   "])
def test_an_activity_without_a_name_is_refused_on_its_name(scope, partnership, owner, name):
    with pytest.raises(ValidationError) as refused:
        services.raci_activity_create(partnership=partnership, name=name, actor=owner)
    assert refused.value.message_dict == {"name": ["Name the activity."]}
    assert not RaciActivity.objects.exists()


def test_an_activity_name_is_unique_in_a_partnership_whatever_its_case(scope, partnership, owner):
    services.raci_activity_create(partnership=partnership, name="Contract approvals", actor=owner)
    with pytest.raises(ValidationError) as refused:
        services.raci_activity_create(
            partnership=partnership, name=" contract APPROVALS ", actor=owner
        )
    assert refused.value.message_dict == {
        "name": ["“contract APPROVALS” is already in the matrix."]
    }


def test_another_partnership_may_have_an_activity_of_the_same_name(
    scope, partnership, other_partnership, owner
):
    services.raci_activity_create(
        partnership=other_partnership, name="Contract approvals", actor=owner
    )
    services.raci_activity_create(partnership=other_partnership, name="Scope change", actor=owner)
    activity = services.raci_activity_create(
        partnership=partnership, name="Contract approvals", actor=owner
    )
    # The first activity of this partnership: positions are counted per partnership.
    assert activity.position == 0


def test_new_activities_are_placed_after_the_existing_ones(scope, partnership, owner):
    names = ["Sourcing decisions", "Contract approvals", "Scope change"]
    for name in names:
        services.raci_activity_create(partnership=partnership, name=name, actor=owner)
    stored = list(
        RaciActivity.objects.filter(partnership=partnership).values_list("name", "position")
    )
    assert stored == [(name, index) for index, name in enumerate(names)]


def test_creating_an_activity_is_audited_with_its_author(scope, partnership, owner):
    activity = services.raci_activity_create(
        partnership=partnership, name="Scope change", actor=owner
    )
    event = AuditEvent.objects.get(action="governance.raci.activity_created")
    assert (event.actor, event.object_type, event.object_id) == (
        owner,
        "governance.raciactivity",
        str(activity.pk),
    )


def test_the_usual_activities_are_audited_with_who_installed_them(scope, partnership, owner):
    services.raci_install_defaults(partnership=partnership, actor=owner)
    events = AuditEvent.objects.filter(action="governance.raci.activity_created")
    assert events.count() == 6
    assert {event.actor for event in events} == {owner}


def test_deleting_an_activity_is_audited_on_the_partnership_with_its_name(
    scope, partnership, owner
):
    activity = services.raci_activity_create(
        partnership=partnership, name="Scope change", actor=owner
    )
    services.raci_activity_delete(activity=activity, actor=owner)
    assert not RaciActivity.objects.exists()
    event = AuditEvent.objects.get(action="governance.raci.activity_deleted")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        owner,
        "partnerships.partnership",
        str(partnership.pk),
        {"activity": "Scope change"},
    )


def test_an_invalid_grid_lists_every_problem_under_matrix(
    scope, partnership, other_partnership, owner, committee, guest
):
    foreign = services.raci_activity_create(
        partnership=other_partnership, name="Elsewhere", actor=owner
    )
    activity = services.raci_activity_create(
        partnership=partnership, name="Scope change", actor=owner
    )
    with pytest.raises(ValidationError) as refused:
        services.raci_matrix_save(
            partnership=partnership,
            actor=owner,
            # The foreign activity first: the rows after it are still checked.
            matrix={
                foreign.pk: [(owner, "A"), (guest, "R")],
                activity.pk: [(owner, "A"), (owner, "C"), (committee, "X")],
            },
        )
    assert refused.value.message_dict == {
        "matrix": [
            "An activity of the matrix is not in this partnership.",
            "Scope change: one letter per person.",
            "Scope change: “X” is not R, A, C or I.",
            "Scope change: name at least one Responsible.",
        ]
    }
    assert not RaciAssignment.objects.exists()


def test_saving_a_grid_replaces_the_rows_it_names_and_returns_only_their_activities(
    scope, partnership, owner, committee, guest
):
    approvals = services.raci_activity_create(
        partnership=partnership, name="Contract approvals", actor=owner
    )
    services.raci_activity_create(partnership=partnership, name="Scope change", actor=owner)
    saved = services.raci_matrix_save(
        partnership=partnership,
        actor=owner,
        matrix={approvals.pk: [(owner, "A"), (guest, "R")]},
    )
    assert saved == [approvals]
    services.raci_matrix_save(
        partnership=partnership,
        actor=owner,
        matrix={approvals.pk: [(committee, "A"), (owner, "R")]},
    )
    rows = {(a.user.email, a.letter) for a in RaciAssignment.objects.select_related("user")}
    assert rows == {("committee@alpha.test", "A"), ("owner@alpha.test", "R")}


def test_a_changed_grid_is_audited_before_and_after_and_an_unchanged_one_not_at_all(
    scope, partnership, owner, committee, guest
):
    activity = services.raci_activity_create(
        partnership=partnership, name="Contract approvals", actor=owner
    )
    first = {activity.pk: [(owner, "A"), (guest, "R")]}
    services.raci_matrix_save(partnership=partnership, actor=owner, matrix=first)
    services.raci_matrix_save(
        partnership=partnership,
        actor=committee,
        matrix={activity.pk: [(committee, "A"), (owner, "R")]},
    )
    services.raci_matrix_save(partnership=partnership, actor=owner, matrix=first)
    services.raci_matrix_save(partnership=partnership, actor=owner, matrix=first)
    events = list(AuditEvent.objects.filter(action="governance.raci.saved").order_by("sequence"))
    assert [
        (event.actor, event.object_type, event.object_id, event.changes) for event in events
    ] == [
        (
            owner,
            "partnerships.partnership",
            str(partnership.pk),
            {"Contract approvals": [[], ["guest@alder.test:R", "owner@alpha.test:A"]]},
        ),
        (
            committee,
            "partnerships.partnership",
            str(partnership.pk),
            {
                "Contract approvals": [
                    ["guest@alder.test:R", "owner@alpha.test:A"],
                    ["committee@alpha.test:A", "owner@alpha.test:R"],
                ]
            },
        ),
        (
            owner,
            "partnerships.partnership",
            str(partnership.pk),
            {
                "Contract approvals": [
                    ["committee@alpha.test:A", "owner@alpha.test:R"],
                    ["guest@alder.test:R", "owner@alpha.test:A"],
                ]
            },
        ),
    ]
