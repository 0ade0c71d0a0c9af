"""Knowledge transfer and the joint post-mortem, pinned rule by rule (found by `make mutation
MUTATION_ARGS="exit_planning.knowledge exit_planning.post_mortems"`, docs/mutation.md): what a
knowledge item keeps, its dates' edges and the access window that needs both, a sign-off given
once with who attended; a contribution's words, section, party and author, the post-mortem that
is closed to them once completed, what completing it needs (in words), and the audit event each
step leaves."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from exit_planning import services
from exit_planning.models import KnowledgeTransferItem, PostMortem, PostMortemEntry
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.exit_planning.conftest import NOW
from tests.exit_planning.factories import ExitPlanFactory, KnowledgeTransferItemFactory

pytestmark = pytest.mark.django_db

START, END = date(2030, 2, 1), date(2030, 2, 28)


@pytest.fixture
def plan(scope, partnership, manager):
    return services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _item(plan, manager, **extra):
    fields = {"kind": "document", "title": "Tooling drawings", **extra}
    return services.knowledge_item_create(plan=plan, actor=manager, **fields)


# --- creating a knowledge item --------------------------------------------------------------


def test_a_knowledge_item_keeps_its_fields_ignores_others_and_is_audited(scope, plan, manager):
    item = _item(
        plan,
        manager,
        kind="training",
        holder="Ana Alder (Alder GmbH)",
        starts_on=START,
        ends_on=END,
        attendees="Bo",
        signed_off_at=NOW,  # not a field one creates an item with
        signed_off_by=manager,
    )
    stored = KnowledgeTransferItem.objects.get(pk=item.pk)
    assert (
        stored.organization,
        stored.plan,
        stored.kind,
        stored.title,
        stored.holder,
        stored.starts_on,
        stored.ends_on,
    ) == (scope, plan, "training", "Tooling drawings", "Ana Alder (Alder GmbH)", START, END)
    assert (stored.attendees, stored.signed_off_at, stored.signed_off_by) == ("Bo", None, None)
    [event] = _events("exit_planning.knowledge.created")
    assert (event.actor, event.object_type, event.object_id) == (
        manager,
        "exit_planning.knowledgetransferitem",
        str(item.pk),
    )


def test_a_knowledge_item_created_outside_a_form_is_stored_trimmed(scope, plan, manager):
    item = _item(
        plan, manager, title="  Tooling drawings \n", holder=" Ana Alder ", attendees=" Bo "
    )
    stored = KnowledgeTransferItem.objects.get(pk=item.pk)
    assert (stored.title, stored.holder, stored.attendees) == (
        "Tooling drawings",
        "Ana Alder",
        "Bo",
    )


def test_a_knowledge_item_given_no_holder_or_attendees_stores_them_empty(scope, plan, manager):
    item = _item(plan, manager, holder=None, attendees=None)
    stored = KnowledgeTransferItem.objects.get(pk=item.pk)
    assert (stored.holder, stored.attendees) == ("", "")


def test_a_knowledge_item_whose_title_is_only_spaces_is_refused(scope, plan, manager):
    with pytest.raises(ValidationError) as refused:
        _item(plan, manager, title="   ")
    assert "title" in refused.value.message_dict
    assert not KnowledgeTransferItem.objects.exists()


def test_a_knowledge_item_ending_before_it_starts_is_refused_in_words(scope, plan, manager):
    for kind in ("document", "access_window"):
        with pytest.raises(ValidationError) as refused:
            _item(plan, manager, kind=kind, starts_on=START, ends_on=START - timedelta(days=1))
        assert refused.value.message_dict == {"ends_on": ["The end is before the start."]}
    assert not KnowledgeTransferItem.objects.exists()
    assert not _events("exit_planning.knowledge.created")


def test_a_knowledge_item_may_end_on_the_day_it_starts(scope, plan, manager):
    item = _item(plan, manager, kind="access_window", starts_on=START, ends_on=START)
    assert (item.starts_on, item.ends_on) == (START, START)


def test_an_access_window_needs_a_start_and_an_end(scope, plan, manager):
    for dates in ({}, {"starts_on": START}, {"ends_on": END}):
        with pytest.raises(ValidationError) as refused:
            _item(plan, manager, kind="access_window", **dates)
        assert refused.value.message_dict == {
            "ends_on": ["An access window needs a start and an end."]
        }, dates
    assert not KnowledgeTransferItem.objects.exists()


def test_a_document_or_a_training_needs_no_dates(scope, plan, manager):
    for kind in ("document", "training"):
        item = _item(plan, manager, kind=kind)
        assert (item.kind, item.starts_on, item.ends_on) == (kind, None, None)
    only_start = _item(plan, manager, starts_on=START)
    only_end = _item(plan, manager, ends_on=END)
    assert (only_start.starts_on, only_start.ends_on, only_end.ends_on) == (START, None, END)
    assert KnowledgeTransferItem.objects.count() == 4


# --- signing off a knowledge item -----------------------------------------------------------


def test_an_item_is_signed_off_once_in_words(scope, plan, manager):
    item = KnowledgeTransferItemFactory(organization=scope, plan=plan)
    services.knowledge_item_sign_off(item=item, actor=manager, attendees="", now=NOW)
    with pytest.raises(ConflictError) as refused:
        services.knowledge_item_sign_off(
            item=item, actor=manager, attendees="Ana", now=NOW + timedelta(days=1)
        )
    assert (refused.value.message, refused.value.code) == (
        "This item is already signed off.",
        "signed_off",
    )
    stored = KnowledgeTransferItem.objects.get(pk=item.pk)
    assert (stored.attendees, stored.signed_off_at) == ("", NOW)
    assert len(_events("exit_planning.knowledge.signed_off")) == 1


def test_attendees_named_at_sign_off_replace_those_recorded_before_trimmed(scope, plan, manager):
    item = KnowledgeTransferItemFactory(
        organization=scope, plan=plan, kind="training", attendees="Cy"
    )
    signed = services.knowledge_item_sign_off(
        item=item, actor=manager, attendees="  Ana\nBo  ", now=NOW
    )
    assert signed.attendees == "Ana\nBo"
    assert KnowledgeTransferItem.objects.get(pk=item.pk).attendees == "Ana\nBo"


def test_a_training_signed_off_with_no_attendees_given_keeps_those_recorded_trimmed(
    scope, plan, manager
):
    item = KnowledgeTransferItemFactory(
        organization=scope, plan=plan, kind="training", attendees="  Cy  "
    )
    services.knowledge_item_sign_off(item=item, actor=manager, attendees=None, now=NOW)
    stored = KnowledgeTransferItem.objects.get(pk=item.pk)
    assert (stored.attendees, stored.signed_off_by, stored.signed_off_at) == ("Cy", manager, NOW)


def test_a_training_with_no_attendees_anywhere_is_refused_in_words(scope, plan, manager):
    item = KnowledgeTransferItemFactory(organization=scope, plan=plan, kind="training")
    with pytest.raises(ValidationError) as refused:
        services.knowledge_item_sign_off(item=item, actor=manager, attendees=None, now=NOW)
    assert refused.value.message_dict == {"attendees": ["Record who attended the session."]}
    stored = KnowledgeTransferItem.objects.get(pk=item.pk)
    assert (stored.signed_off_by, stored.signed_off_at) == (None, None)
    assert not _events("exit_planning.knowledge.signed_off")


def test_an_access_window_is_signed_off_without_attendees_and_audited(scope, plan, manager):
    item = KnowledgeTransferItemFactory(
        organization=scope, plan=plan, kind="access_window", starts_on=START, ends_on=END
    )
    services.knowledge_item_sign_off(item=item, actor=manager, attendees=None, now=NOW)
    stored = KnowledgeTransferItem.objects.get(pk=item.pk)
    assert (stored.attendees, stored.signed_off_by, stored.signed_off_at) == ("", manager, NOW)
    [event] = _events("exit_planning.knowledge.signed_off")
    assert (event.actor, event.object_type, event.object_id) == (
        manager,
        "exit_planning.knowledgetransferitem",
        str(item.pk),
    )


# --- contributing to the post-mortem --------------------------------------------------------


def _contribute(plan, actor, section="worked", text=" Joint planning. ", party="us"):
    return services.post_mortem_contribute(
        plan=plan, actor=actor, party=party, section=section, text=text
    )


def test_a_contribution_opens_the_post_mortem_and_is_stored_trimmed_and_audited(
    scope, plan, manager
):
    entry = _contribute(plan, manager, section="root_cause", party="partner")
    stored = PostMortemEntry.objects.get(pk=entry.pk)
    post_mortem = PostMortem.objects.get(plan=plan)
    assert (
        stored.organization,
        stored.post_mortem,
        stored.section,
        stored.party,
        stored.text,
        stored.author,
    ) == (scope, post_mortem, "root_cause", "partner", "Joint planning.", manager)
    assert (post_mortem.organization, post_mortem.status) == (scope, "open")
    [event] = _events("exit_planning.post_mortem.contributed")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        manager,
        "exit_planning.postmortementry",
        str(entry.pk),
        {"section": "root_cause", "party": "partner"},
    )
    second = _contribute(plan, manager, section="failed")
    assert second.post_mortem == post_mortem
    assert PostMortem.objects.filter(plan=plan).count() == 1


def test_a_contribution_without_words_is_refused_in_words(scope, plan, manager):
    for text in (None, "", "   "):
        with pytest.raises(ValidationError) as refused:
            _contribute(plan, manager, text=text)
        assert refused.value.message_dict == {"text": ["Write your contribution."]}, text
    assert not PostMortemEntry.objects.exists()


def test_a_completed_post_mortem_takes_no_more_contributions(scope, plan, manager):
    for section in ("worked", "failed", "root_cause"):
        _contribute(plan, manager, section=section)
    services.post_mortem_complete(plan=plan, actor=manager, now=NOW)
    with pytest.raises(ConflictError) as refused:
        _contribute(plan, manager, section="recommendation")
    assert (refused.value.message, refused.value.code) == (
        "The post-mortem is completed.",
        "completed",
    )
    assert PostMortemEntry.objects.count() == 3
    assert len(_events("exit_planning.post_mortem.contributed")) == 3


# --- completing the post-mortem -------------------------------------------------------------


def test_a_post_mortem_nobody_contributed_to_is_not_completed(scope, plan, manager):
    with pytest.raises(ConflictError) as refused:
        services.post_mortem_complete(plan=plan, actor=manager, now=NOW)
    assert (refused.value.message, refused.value.code) == (
        "Nobody has contributed to the post-mortem yet.",
        "empty",
    )
    assert not PostMortem.objects.exists()


def test_completing_names_every_section_still_missing_but_the_recommendation(scope, plan, manager):
    services.post_mortem_get_or_open(plan=plan)
    with pytest.raises(ConflictError) as refused:
        services.post_mortem_complete(plan=plan, actor=manager, now=NOW)
    assert (refused.value.message, refused.value.code) == (
        "Complete it once it says what worked, what failed and what the root cause was.",
        "incomplete",
    )
    _contribute(plan, manager, section="recommendation")
    _contribute(plan, manager, section="failed")
    with pytest.raises(ConflictError) as refused:
        services.post_mortem_complete(plan=plan, actor=manager, now=NOW)
    assert (
        refused.value.message == "Complete it once it says what worked and what the root cause was."
    )
    assert PostMortem.objects.get(plan=plan).status == "open"


def test_another_plans_contributions_do_not_complete_this_post_mortem(scope, plan, manager):
    other = ExitPlanFactory(organization=scope)
    for section in ("worked", "failed", "root_cause"):
        _contribute(other, manager, section=section)
    _contribute(plan, manager, section="worked")
    with pytest.raises(ConflictError) as refused:
        services.post_mortem_complete(plan=plan, actor=manager, now=NOW)
    assert (
        refused.value.message == "Complete it once it says what failed and what the root cause was."
    )


def test_a_post_mortem_completes_without_a_recommendation_once_and_is_audited(scope, plan, manager):
    for section in ("worked", "failed", "root_cause"):
        _contribute(plan, manager, section=section)
    completed = services.post_mortem_complete(plan=plan, actor=manager, now=NOW)
    stored = PostMortem.objects.get(plan=plan)
    assert stored == completed
    assert (stored.status, stored.completed_by, stored.completed_at) == ("completed", manager, NOW)
    [event] = _events("exit_planning.post_mortem.completed")
    assert (event.actor, event.object_type, event.object_id) == (
        manager,
        "exit_planning.postmortem",
        str(stored.pk),
    )
    with pytest.raises(ConflictError) as refused:
        services.post_mortem_complete(plan=plan, actor=manager, now=NOW + timedelta(days=1))
    assert (refused.value.message, refused.value.code) == (
        "The post-mortem is already completed.",
        "completed",
    )
    stored.refresh_from_db()
    assert stored.completed_at == NOW
    assert len(_events("exit_planning.post_mortem.completed")) == 1
