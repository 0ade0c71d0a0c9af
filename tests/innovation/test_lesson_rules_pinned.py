"""A lesson learned becomes a proposed playbook or training change: it comes only from the
innovation module's work (and says what else it was given), only the buyer's team proposes one
(and is told so in exact words), an empty lesson is refused on its text, and the proposal keeps
who proposed it, a rationale naming its source and the clause type it was given. Found by
`make mutation MUTATION_ARGS=innovation.lessons`."""

import pytest
from django.core.exceptions import ValidationError

from exit_planning.models import PlaybookChange
from innovation import services
from tenancy.errors import ConflictError
from tests.innovation.factories import PilotFactory, TaskForceFactory

pytestmark = pytest.mark.django_db


def test_a_lesson_comes_only_from_the_innovation_modules_work_and_says_what_it_was_given(
    scope, partnership, manager
):
    with pytest.raises(TypeError) as refused:
        services.lesson_propose(source=partnership, actor=manager, text="Lesson")
    assert str(refused.value) == (
        "Lessons come from the innovation module's work, "
        "not <class 'partnerships.models.Partnership'>"
    )


def test_the_partner_is_told_that_only_the_buyers_team_proposes_playbook_changes(submitted, guest):
    with pytest.raises(ConflictError) as refused:
        services.lesson_propose(source=submitted, actor=guest, text="Lesson")
    assert (refused.value.message, refused.value.code) == (
        "Only the buyer's team can propose a playbook change.",
        "buyer_only",
    )
    assert not PlaybookChange.objects.exists()


@pytest.mark.parametrize("text", [None, "", "   "])
def test_a_lesson_without_text_is_refused_on_the_text(scope, org_a, manager, text):
    pilot = PilotFactory(organization=org_a)
    with pytest.raises(ValidationError) as refused:
        services.lesson_propose(source=pilot, actor=manager, text=text)
    assert refused.value.message_dict == {"text": ["Write the lesson learned."]}


def test_a_lesson_is_proposed_by_its_author_with_a_rationale_naming_its_source(
    scope, org_a, manager
):
    pilot = PilotFactory(organization=org_a, title="Classifier for spend cubes")
    change = services.lesson_propose(source=pilot, actor=manager, text="  Check confidence.  ")
    change.refresh_from_db()
    assert change.proposed_by == manager
    assert change.text == "Check confidence."
    assert change.rationale == "Lesson learned from pilot “Classifier for spend cubes”."


def test_a_lesson_for_the_clause_playbook_keeps_the_clause_type_and_field_it_names(
    scope, org_a, manager
):
    task_force = TaskForceFactory(organization=org_a)
    change = services.lesson_propose(
        source=task_force,
        actor=manager,
        text="Cap the liability at the annual fees.",
        target=PlaybookChange.Target.CLAUSE_PLAYBOOK,
        clause_type="limitation_of_liability",
        field=PlaybookChange.Field.RED_LINE,
    )
    change.refresh_from_db()
    assert (change.target, change.clause_type, change.field) == (
        "clause_playbook",
        "limitation_of_liability",
        "red_lines",
    )
    assert change.partnership_id == task_force.partnership_id
