"""The alliance's programmes keep what was typed without surrounding blanks, refuse what is
missing in the field's words, and are audited with who did it."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from innovation import services
from innovation.models import Party
from tenancy.models import AuditEvent

pytestmark = pytest.mark.django_db


def _audited(action, actor, obj):
    event = AuditEvent.objects.get(action=action)
    return (event.actor, event.object_id) == (actor, str(obj.pk))


def test_task_force_create_trims_requires_a_mandate_and_is_audited(scope, partnership, manager):
    with pytest.raises(ValidationError) as refused:
        services.task_force_create(
            actor=manager, partnership=partnership, name="Castings", category="Metals", mandate=" "
        )
    assert set(refused.value.message_dict) == {"mandate"}

    task_force = services.task_force_create(
        actor=manager,
        partnership=partnership,
        name="  Castings task force ",
        category=" Metals ",
        mandate=" Halve scrap. ",
    )
    assert (task_force.name, task_force.category, task_force.mandate) == (
        "Castings task force",
        "Metals",
        "Halve scrap.",
    )
    assert task_force.partnership == partnership
    assert _audited("innovation.task_force.created", manager, task_force)


def test_session_attendee_add_names_a_party_of_the_alliance_and_is_audited(
    scope, partnership, manager
):
    session = services.session_create(
        actor=manager, partnership=partnership, title="Category review", held_on=date(2030, 4, 2)
    )
    with pytest.raises(ValidationError) as refused:
        services.session_attendee_add(session=session, actor=manager, name="Kim", party="vendor")
    assert set(refused.value.message_dict) == {"party"}
    with pytest.raises(ValidationError) as refused:
        services.session_attendee_add(session=session, actor=manager, name="  ", party=Party.BUYER)
    assert set(refused.value.message_dict) == {"name"}

    attendee = services.session_attendee_add(
        session=session, actor=manager, name=" Kim Lee ", party=Party.PARTNER
    )
    assert (attendee.name, attendee.party, attendee.session) == ("Kim Lee", "partner", session)
    event = AuditEvent.objects.get(action="innovation.session.attendee_added")
    assert event.changes == {"attendee": "Kim Lee", "party": "partner"}


def test_session_follow_ups_set_replaces_them_trimmed_and_is_audited(scope, partnership, manager):
    session = services.session_create(
        actor=manager,
        partnership=partnership,
        title="Category review",
        held_on=date(2030, 4, 2),
        follow_ups="Old list",
    )
    services.session_follow_ups_set(session=session, actor=manager, follow_ups="  Send deck. ")
    session.refresh_from_db()
    assert session.follow_ups == "Send deck."
    assert _audited("innovation.session.follow_ups", manager, session)


def test_programme_create_needs_the_shared_supplier_and_starts_planned(scope, partnership, manager):
    with pytest.raises(ValidationError) as refused:
        services.programme_create(
            actor=manager, partnership=partnership, supplier_name=" ", title="Yield"
        )
    assert set(refused.value.message_dict) == {"supplier_name"}

    programme = services.programme_create(
        actor=manager,
        partnership=partnership,
        supplier_name=" Rhine Castings ",
        title=" Yield programme ",
        goal=" Scrap below 2 %. ",
    )
    assert (programme.supplier_name, programme.title, programme.goal, programme.status) == (
        "Rhine Castings",
        "Yield programme",
        "Scrap below 2 %.",
        "planned",
    )
    assert _audited("innovation.programme.created", manager, programme)
