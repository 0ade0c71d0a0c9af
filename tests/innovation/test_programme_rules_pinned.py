"""The alliance's programmes (sourcing models, task forces, knowledge-sharing sessions, joint
supplier development) keep what was typed without surrounding blanks and nothing that was not
given, refuse what is missing or out of step in exact words on their field, check a status on the
row as it is now (not on a page's stale copy), and are audited with who did it, on what, and what
changed. Found by `make mutation MUTATION_ARGS=innovation.programmes`."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from innovation import services
from innovation.models import (
    KnowledgeSession,
    Party,
    SourcingModel,
    SupplierProgramme,
    TaskForce,
    TaskForceMilestone,
)
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.innovation.conftest import TODAY
from tests.innovation.factories import (
    SupplierProgrammeFactory,
    TaskForceFactory,
    TaskForceMemberFactory,
)
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import KpiFactory

pytestmark = pytest.mark.django_db


def _audited(action, actor, obj):
    event = AuditEvent.objects.get(action=action)
    return (event.actor, event.object_id) == (actor, str(obj.pk))


def _event(action):
    """(who, on what, what changed) of the one `action` event."""
    event = AuditEvent.objects.get(action=action)
    return event.actor, (event.object_type, event.object_id), event.changes


def _on(obj):
    return (obj._meta.label_lower, str(obj.pk))


def _conflict(refused):
    return (refused.value.message, refused.value.code)


AT_LEAST_TWO_PARTICIPANTS = {
    "participants": ["A co-developed sourcing model has at least two participants."]
}


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
    assert _audited("innovation.session.attendee_added", manager, session)


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


# -- sourcing models ---------------------------------------------------------------------------


def test_a_sourcing_model_keeps_its_kind_and_each_name_once_trimmed_and_is_audited(
    scope, partnership, manager
):
    model = services.sourcing_model_create(
        actor=manager,
        partnership=partnership,
        name=" Shared VMO ",
        kind=SourcingModel.Kind.SHARED_VMO,
        description="  One office for both.  ",
        participants="Alder GmbH, Birch plc\n Alder GmbH ",
        categories=" Freight ,Energy, Freight",
    )
    model.refresh_from_db()
    assert (model.name, model.kind, model.description) == (
        "Shared VMO",
        "shared_vmo",
        "One office for both.",
    )
    assert (model.participants, model.categories) == (
        ["Alder GmbH", "Birch plc"],
        ["Freight", "Energy"],
    )
    assert _event("innovation.sourcing_model.created") == (manager, _on(model), {})

    bare = services.sourcing_model_create(
        actor=manager,
        partnership=partnership,
        name="Consortium",
        kind=SourcingModel.Kind.CONSORTIUM,
        participants=["Alder GmbH", "Birch plc"],
    )
    assert (bare.description, bare.categories) == ("", [])


def test_a_sourcing_model_of_one_participant_is_refused_in_words_when_made_and_when_edited(
    scope, partnership, manager
):
    with pytest.raises(ValidationError) as refused:
        services.sourcing_model_create(
            actor=manager,
            partnership=partnership,
            name="Solo",
            kind=SourcingModel.Kind.OTHER,
            participants="Alder GmbH, Alder GmbH ",
        )
    assert refused.value.message_dict == AT_LEAST_TWO_PARTICIPANTS
    model = services.sourcing_model_create(
        actor=manager,
        partnership=partnership,
        name="Pair",
        kind=SourcingModel.Kind.OTHER,
        participants=["Alder GmbH", "Birch plc", "Cedar AG"],
    )
    with pytest.raises(ValidationError) as refused:
        services.sourcing_model_update(model=model, actor=manager, participants="Alder GmbH\n")
    assert refused.value.message_dict == AT_LEAST_TWO_PARTICIPANTS

    services.sourcing_model_update(model=model, actor=manager, participants="Birch plc, Cedar AG")
    model.refresh_from_db()
    assert model.participants == ["Birch plc", "Cedar AG"]


def test_a_name_given_again_in_other_capitals_is_the_same_participant_kept_as_first_spelt(
    scope, partnership, manager
):
    with pytest.raises(ValidationError) as refused:
        services.sourcing_model_create(
            actor=manager,
            partnership=partnership,
            name="Solo",
            kind=SourcingModel.Kind.OTHER,
            participants="Alder GmbH, alder gmbh",
        )
    assert refused.value.message_dict == AT_LEAST_TWO_PARTICIPANTS
    model = services.sourcing_model_create(
        actor=manager,
        partnership=partnership,
        name="Pair",
        kind=SourcingModel.Kind.OTHER,
        participants="Alder GmbH\nBirch plc\nALDER GMBH",
        categories="Freight, freight",
    )
    model.refresh_from_db()
    assert (model.participants, model.categories) == (["Alder GmbH", "Birch plc"], ["Freight"])
    with pytest.raises(ValidationError) as refused:
        services.sourcing_model_update(
            model=model, actor=manager, participants=["Birch plc", "BIRCH PLC"]
        )
    assert refused.value.message_dict == AT_LEAST_TWO_PARTICIPANTS


def test_a_sourcing_model_edit_takes_names_as_text_and_records_each_change_old_and_new(
    scope, partnership, manager
):
    model = services.sourcing_model_create(
        actor=manager,
        partnership=partnership,
        name="Freight pool",
        kind=SourcingModel.Kind.CONSORTIUM,
        participants=["Alder GmbH", "Birch plc"],
        categories=["Freight"],
    )
    services.sourcing_model_update(
        model=model,
        actor=manager,
        name="Freight and energy pool",
        kind=SourcingModel.Kind.OTHER,
        description="Pooled tenders.",
        participants="Alder GmbH, Birch plc, Cedar AG",
        categories="Freight\nEnergy",
        status="design",
        owner="not a field of a sourcing model",
    )
    model.refresh_from_db()
    assert (model.name, model.kind, model.description, model.status) == (
        "Freight and energy pool",
        "other",
        "Pooled tenders.",
        "design",
    )
    assert (model.participants, model.categories) == (
        ["Alder GmbH", "Birch plc", "Cedar AG"],
        ["Freight", "Energy"],
    )
    actor, on, changes = _event("innovation.sourcing_model.updated")
    assert (actor, on) == (manager, _on(model))
    assert set(changes) == {"name", "kind", "description", "participants", "categories", "status"}
    assert {key: changes[key] for key in ("name", "kind", "description", "status")} == {
        "name": ["Freight pool", "Freight and energy pool"],
        "kind": ["consortium_bidding", "other"],
        "description": ["", "Pooled tenders."],
        "status": ["idea", "design"],
    }
    # Lists are recorded as lists (an auditor reads who was added), not as Python text.
    assert changes["participants"][1] == ["Alder GmbH", "Birch plc", "Cedar AG"]
    assert changes["categories"][1] == ["Freight", "Energy"]


def test_a_sourcing_model_edit_without_a_status_or_with_the_same_one_does_not_move_it(
    scope, partnership, manager
):
    model = services.sourcing_model_create(
        actor=manager,
        partnership=partnership,
        name="Freight pool",
        kind=SourcingModel.Kind.CONSORTIUM,
        participants=["Alder GmbH", "Birch plc"],
    )
    services.sourcing_model_update(model=model, actor=manager, name="Freight pool 2")
    services.sourcing_model_update(model=model, actor=manager, name="Freight pool 3", status="idea")
    model.refresh_from_db()
    assert (model.name, model.status) == ("Freight pool 3", "idea")
    assert [
        e.changes
        for e in AuditEvent.objects.filter(action="innovation.sourcing_model.updated").order_by(
            "sequence"
        )
    ] == [
        {"name": ["Freight pool", "Freight pool 2"]},
        {"name": ["Freight pool 2", "Freight pool 3"]},
    ]


# -- task forces -------------------------------------------------------------------------------


def test_a_task_force_member_is_added_trimmed_with_no_role_by_default_and_audited(
    scope, org_a, manager
):
    task_force = TaskForceFactory(organization=org_a)
    member = services.task_force_member_add(
        task_force=task_force, actor=manager, name=" Kim Lee ", party=Party.BUYER, role=" Lead "
    )
    assert (member.name, member.role, member.party) == ("Kim Lee", "Lead", "buyer")
    assert _event("innovation.task_force.member_added") == (
        manager,
        _on(task_force),
        {"member": "Kim Lee", "party": "buyer"},
    )
    plain = services.task_force_member_add(
        task_force=task_force, actor=manager, name="Piet", party=Party.PARTNER
    )
    assert plain.role == ""


def test_a_closed_task_force_takes_no_member_and_no_milestone_in_words(scope, org_a, manager):
    task_force = TaskForceFactory(organization=org_a, status=TaskForce.Status.CLOSED)
    with pytest.raises(ConflictError) as refused:
        services.task_force_member_add(
            task_force=task_force, actor=manager, name="Late", party=Party.BUYER
        )
    assert _conflict(refused) == ("The task force is closed.", "closed")
    with pytest.raises(ConflictError) as refused:
        services.task_force_milestone_add(
            task_force=task_force, actor=manager, title="Late", due_on=TODAY
        )
    assert _conflict(refused) == ("The task force is closed.", "closed")
    assert not task_force.members.exists() and not task_force.milestones.exists()


def test_a_task_force_closed_on_another_page_takes_nothing_from_a_stale_one(scope, org_a, manager):
    task_force = TaskForceFactory(organization=org_a)
    TaskForceMemberFactory(organization=org_a, task_force=task_force, party=Party.BUYER)
    TaskForceMemberFactory(organization=org_a, task_force=task_force, party=Party.PARTNER)
    forming = TaskForce.objects.get(pk=task_force.pk)  # a page opened before the activation
    services.task_force_activate(task_force=task_force, actor=manager)
    active = TaskForce.objects.get(pk=task_force.pk)  # a page opened before the close
    services.task_force_close(task_force=task_force, actor=manager, outcomes="Source qualified.")

    with pytest.raises(ConflictError):
        services.task_force_activate(task_force=forming, actor=manager)
    with pytest.raises(ConflictError) as refused:
        services.task_force_member_add(task_force=active, actor=manager, name="Late", party="buyer")
    assert _conflict(refused) == ("The task force is closed.", "closed")
    active.status = TaskForce.Status.ACTIVE
    with pytest.raises(ConflictError) as refused:
        services.task_force_milestone_add(
            task_force=active, actor=manager, title="Late", due_on=TODAY
        )
    assert _conflict(refused) == ("The task force is closed.", "closed")
    active.status = TaskForce.Status.ACTIVE
    with pytest.raises(ConflictError):
        services.task_force_close(task_force=active, actor=manager, outcomes="Rewritten.")
    task_force.refresh_from_db()
    assert (task_force.status, task_force.outcomes) == ("closed", "Source qualified.")
    assert task_force.members.count() == 2 and not task_force.milestones.exists()


def test_a_milestone_is_added_and_done_once_each_audited_on_the_task_force(scope, org_a, manager):
    task_force = TaskForceFactory(organization=org_a)
    milestone = services.task_force_milestone_add(
        task_force=task_force, actor=manager, title=" Long list ", due_on=date(2030, 6, 30)
    )
    assert (milestone.title, milestone.due_on) == ("Long list", date(2030, 6, 30))
    assert _event("innovation.task_force.milestone_added") == (
        manager,
        _on(task_force),
        {"milestone": "Long list"},
    )
    services.task_force_milestone_done(milestone=milestone, actor=manager, today=TODAY)
    milestone.refresh_from_db()
    assert milestone.done_on == TODAY
    assert _event("innovation.task_force.milestone_done") == (
        manager,
        _on(task_force),
        {"milestone": "Long list"},
    )
    with pytest.raises(ConflictError) as refused:
        services.task_force_milestone_done(
            milestone=milestone, actor=manager, today=date(2030, 5, 1)
        )
    assert _conflict(refused) == ("This milestone is done already.", "done")


def test_a_milestone_done_on_another_page_is_not_done_again_from_a_stale_one(scope, org_a, manager):
    task_force = TaskForceFactory(organization=org_a)
    milestone = services.task_force_milestone_add(
        task_force=task_force, actor=manager, title="Long list", due_on=date(2030, 6, 30)
    )
    stale = TaskForceMilestone.objects.get(pk=milestone.pk)  # the page's copy, not done yet
    services.task_force_milestone_done(milestone=milestone, actor=manager, today=TODAY)
    with pytest.raises(ConflictError) as refused:
        services.task_force_milestone_done(milestone=stale, actor=manager, today=date(2030, 5, 1))
    assert _conflict(refused) == ("This milestone is done already.", "done")
    milestone.refresh_from_db()
    assert milestone.done_on == TODAY
    assert AuditEvent.objects.filter(action="innovation.task_force.milestone_done").count() == 1


def test_a_one_sided_task_force_is_not_activated_in_words_and_activation_is_audited(
    scope, org_a, manager
):
    task_force = TaskForceFactory(organization=org_a)
    TaskForceMemberFactory(organization=org_a, task_force=task_force, party=Party.PARTNER)
    with pytest.raises(ConflictError) as refused:
        services.task_force_activate(task_force=task_force, actor=manager)
    assert _conflict(refused) == ("A task force starts with members of both parties.", "one_sided")

    TaskForceMemberFactory(organization=org_a, task_force=task_force, party=Party.BUYER)
    services.task_force_activate(task_force=task_force, actor=manager)
    task_force.refresh_from_db()
    assert task_force.status == "active"
    assert _event("innovation.task_force.activated") == (manager, _on(task_force), {})


def test_a_task_force_closes_with_its_outcomes_in_words_and_is_audited(scope, org_a, manager):
    task_force = TaskForceFactory(organization=org_a, status=TaskForce.Status.ACTIVE)
    with pytest.raises(ValidationError) as refused:
        services.task_force_close(task_force=task_force, actor=manager, outcomes="  ")
    assert refused.value.message_dict == {
        "outcomes": ["Record the task force's outcomes when closing it."]
    }
    services.task_force_close(task_force=task_force, actor=manager, outcomes=" Second source. ")
    task_force.refresh_from_db()
    assert (task_force.status, task_force.outcomes) == ("closed", "Second source.")
    assert _event("innovation.task_force.closed") == (manager, _on(task_force), {})


# -- knowledge-sharing sessions ----------------------------------------------------------------


def test_a_session_keeps_agenda_and_follow_ups_trimmed_and_none_by_default_and_is_audited(
    scope, partnership, manager
):
    session = services.session_create(
        actor=manager,
        partnership=partnership,
        title=" Should-cost ",
        held_on=TODAY,
        agenda="  Cost models ",
        follow_ups=" Send deck. ",
    )
    session.refresh_from_db()
    assert (session.title, session.agenda, session.follow_ups) == (
        "Should-cost",
        "Cost models",
        "Send deck.",
    )
    assert _event("innovation.session.created") == (manager, _on(session), {})
    bare = services.session_create(
        actor=manager, partnership=partnership, title="Indexation", held_on=TODAY
    )
    bare.refresh_from_db()
    assert (bare.agenda, bare.follow_ups) == ("", "")


def test_setting_follow_ups_keeps_what_another_page_changed_on_the_session(
    scope, partnership, manager
):
    session = services.session_create(
        actor=manager, partnership=partnership, title="Should-cost", held_on=TODAY
    )
    stale = KnowledgeSession.objects.get(pk=session.pk)
    KnowledgeSession.objects.filter(pk=session.pk).update(title="Should-cost, part 1")
    services.session_follow_ups_set(session=stale, actor=manager, follow_ups="Send deck.")
    session.refresh_from_db()
    assert (session.title, session.follow_ups) == ("Should-cost, part 1", "Send deck.")


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><document><body/></document>')
    return buffer.getvalue()


@pytest.fixture
def knowledge_session(scope, partnership, manager):
    return services.session_create(
        actor=manager, partnership=partnership, title="Should-cost", held_on=TODAY
    )


def test_a_material_of_another_type_is_refused_in_words(knowledge_session, manager):
    with pytest.raises(ValidationError) as refused:
        services.session_material_add(
            session=knowledge_session,
            actor=manager,
            title="Run",
            upload=SimpleUploadedFile("run.exe", b"MZ"),
        )
    assert refused.value.message_dict == {
        "file": ["Upload a PDF, an Office file, a text, CSV or an image (PNG, JPG)."]
    }


def test_a_material_of_20_mb_is_taken_and_a_byte_more_is_refused_in_words(
    knowledge_session, manager
):
    upload = SimpleUploadedFile("cost.pdf", b"%PDF-1.4")
    upload.size = services.MATERIAL_MAX_BYTES + 1
    with pytest.raises(ValidationError) as refused:
        services.session_material_add(
            session=knowledge_session, actor=manager, title="Cost", upload=upload
        )
    assert refused.value.message_dict == {"file": ["A material is at most 20 MB."]}

    upload = SimpleUploadedFile("cost.pdf", b"%PDF-1.4")
    upload.size = services.MATERIAL_MAX_BYTES
    material = services.session_material_add(
        session=knowledge_session, actor=manager, title="Cost", upload=upload
    )
    assert material.title == "Cost"


def test_an_office_material_is_looked_into_before_it_is_stored_whole(knowledge_session, manager):
    with pytest.raises(ValidationError) as refused:
        services.session_material_add(
            session=knowledge_session,
            actor=manager,
            title="Slides",
            upload=SimpleUploadedFile("slides.docx", b"not a zip"),
        )
    assert refused.value.message_dict == {
        "file": ["The file is not a valid Office file. Save it again and upload it again."]
    }

    content = _docx()
    material = services.session_material_add(
        session=knowledge_session,
        actor=manager,
        title="Minutes",
        upload=SimpleUploadedFile("minutes.docx", content),
    )
    with material.file.open("rb") as stored:
        assert stored.read() == content


def test_a_material_records_who_uploaded_it_and_is_audited_on_the_session(
    knowledge_session, manager
):
    material = services.session_material_add(
        session=knowledge_session,
        actor=manager,
        title=" Agenda ",
        upload=SimpleUploadedFile("agenda.pdf", b"%PDF-1.4"),
    )
    material.refresh_from_db()
    assert (material.title, material.uploaded_by) == ("Agenda", manager)
    assert _event("innovation.session.material_added") == (
        manager,
        _on(knowledge_session),
        {"material": "Agenda"},
    )


# -- joint supplier development ----------------------------------------------------------------


def test_a_programme_has_no_goal_unless_given(scope, partnership, manager):
    programme = services.programme_create(
        actor=manager, partnership=partnership, supplier_name="Rhine Castings", title="Yield"
    )
    programme.refresh_from_db()
    assert programme.goal == ""


def test_a_programme_move_is_audited_with_where_it_came_from(scope, org_a, manager):
    programme = SupplierProgrammeFactory(organization=org_a)
    services.programme_transition(programme=programme, actor=manager, status="active")
    programme.refresh_from_db()
    assert programme.status == "active"
    assert _event("innovation.programme.moved") == (
        manager,
        _on(programme),
        {"status": ["planned", "active"]},
    )


def test_a_programme_completed_on_another_page_is_not_moved_or_invested_in_from_a_stale_one(
    scope, org_a, manager
):
    programme = SupplierProgrammeFactory(organization=org_a, status=SupplierProgramme.Status.ACTIVE)
    stale = SupplierProgramme.objects.get(pk=programme.pk)  # the page's copy, still active
    services.programme_transition(programme=programme, actor=manager, status="completed")

    with pytest.raises(ConflictError):
        services.programme_transition(programme=stale, actor=manager, status="stopped")
    stale.status = SupplierProgramme.Status.ACTIVE
    with pytest.raises(ConflictError) as refused:
        services.investment_add(
            programme=stale,
            actor=manager,
            party=Party.BUYER,
            description="Training",
            amount=Decimal("100.00"),
            currency="EUR",
            invested_on=TODAY,
        )
    assert _conflict(refused) == ("The programme is over.", "over")
    programme.refresh_from_db()
    assert programme.status == "completed" and not programme.investments.exists()


def test_an_investment_keeps_its_currency_and_is_audited_and_none_after_the_programme_stops(
    scope, org_a, manager
):
    programme = SupplierProgrammeFactory(organization=org_a, status=SupplierProgramme.Status.ACTIVE)
    investment = services.investment_add(
        programme=programme,
        actor=manager,
        party=Party.PARTNER,
        description=" Gauges ",
        amount=Decimal("2500.00"),
        currency="USD",
        invested_on=TODAY,
    )
    investment.refresh_from_db()
    assert (investment.description, investment.amount, investment.currency) == (
        "Gauges",
        Decimal("2500.00"),
        "USD",
    )
    assert _event("innovation.programme.investment_added") == (
        manager,
        _on(programme),
        {"party": "partner", "amount": "2500.00", "currency": "USD"},
    )
    services.programme_transition(programme=programme, actor=manager, status="stopped")
    with pytest.raises(ConflictError) as refused:
        services.investment_add(
            programme=programme,
            actor=manager,
            party=Party.BUYER,
            description="Late",
            amount=Decimal("1.00"),
            currency="EUR",
            invested_on=TODAY,
        )
    assert _conflict(refused) == ("The programme is over.", "over")


def test_a_target_kpi_is_of_the_partnership_moves_off_its_baseline_in_words_and_is_audited(
    scope, org_a, manager
):
    programme = SupplierProgrammeFactory(organization=org_a)
    elsewhere = KpiFactory(organization=org_a, partnership=PartnershipFactory(organization=org_a))
    kpi = KpiFactory(organization=org_a, partnership=programme.partnership, code="ppm")
    with pytest.raises(ValidationError) as refused:
        services.target_kpi_add(
            programme=programme,
            actor=manager,
            kpi=elsewhere,
            baseline=Decimal(9),
            target=Decimal(3),
        )
    assert refused.value.message_dict == {"kpi": ["Choose a KPI of this partnership."]}
    with pytest.raises(ValidationError) as refused:
        services.target_kpi_add(
            programme=programme, actor=manager, kpi=kpi, baseline=Decimal(9), target=Decimal("9.0")
        )
    assert refused.value.message_dict == {"target": ["A target differs from the baseline."]}

    services.target_kpi_add(
        programme=programme, actor=manager, kpi=kpi, baseline=Decimal("900"), target=Decimal("300")
    )
    assert _event("innovation.programme.target_added") == (
        manager,
        _on(programme),
        {"kpi": "ppm", "baseline": "900", "target": "300"},
    )


# Every programme service with what it is given, for a partner guest to try: the joint
# programmes are run by the buyer's team (a guest sees the joint work; pages and API refuse
# them too, and the service is the rule).
def _kw(**kwargs):
    return kwargs


def _programme_calls(org, partnership):
    from tests.innovation.factories import (
        KnowledgeSessionFactory,
        SourcingModelFactory,
        TaskForceMilestoneFactory,
    )

    task_force = TaskForceFactory(organization=org, partnership=partnership)
    session = KnowledgeSessionFactory(organization=org, partnership=partnership)
    programme = SupplierProgrammeFactory(organization=org, partnership=partnership)
    pdf = SimpleUploadedFile("slides.pdf", b"%PDF-1.4 slides", content_type="application/pdf")
    return {
        "sourcing_model_create": _kw(
            partnership=partnership, name="Pool", kind="consortium_bidding",
            participants=["Us", "Them"],
        ),
        "sourcing_model_update": _kw(
            model=SourcingModelFactory(organization=org, partnership=partnership), name="New"
        ),
        "task_force_create": _kw(
            partnership=partnership, name="Castings", category="Metals", mandate="Halve scrap."
        ),
        "task_force_member_add": _kw(task_force=task_force, name="Ann", party=Party.PARTNER),
        "task_force_milestone_add": _kw(task_force=task_force, title="Plan", due_on=TODAY),
        "task_force_milestone_done": _kw(
            milestone=TaskForceMilestoneFactory(organization=org, task_force=task_force),
            today=TODAY,
        ),
        "task_force_activate": _kw(task_force=task_force),
        "task_force_close": _kw(task_force=task_force, outcomes="Done."),
        "session_create": _kw(partnership=partnership, title="Session", held_on=TODAY),
        "session_follow_ups_set": _kw(session=session, follow_ups="Send the model."),
        "session_attendee_add": _kw(session=session, name="Ann", party=Party.PARTNER),
        "session_material_add": _kw(session=session, title="Slides", upload=pdf),
        "programme_create": _kw(
            partnership=partnership, supplier_name="Cedar Castings", title="Quality"
        ),
        "programme_transition": _kw(programme=programme, status="active"),
        "investment_add": _kw(
            programme=programme, party=Party.PARTNER, description="Tooling",
            amount=Decimal("1000"), currency="EUR", invested_on=TODAY,
        ),
        "target_kpi_add": _kw(
            programme=programme, kpi=KpiFactory(organization=org, partnership=partnership),
            baseline=Decimal("1"), target=Decimal("2"),
        ),
    }  # fmt: skip


PROGRAMME_SERVICES = {
    "sourcing_model_create": "set up a joint sourcing model",
    "sourcing_model_update": "change a joint sourcing model",
    "task_force_create": "set up a task force",
    "task_force_member_add": "staff a task force",
    "task_force_milestone_add": "plan a task force's milestones",
    "task_force_milestone_done": "mark a task force's milestone done",
    "task_force_activate": "start a task force",
    "task_force_close": "close a task force",
    "session_create": "schedule a knowledge-sharing session",
    "session_follow_ups_set": "record a session's follow-ups",
    "session_attendee_add": "record a session's attendees",
    "session_material_add": "add a session's material",
    "programme_create": "start a supplier development programme",
    "programme_transition": "move a supplier development programme",
    "investment_add": "record an investment in a programme",
    "target_kpi_add": "set a programme's target KPIs",
}


@pytest.mark.parametrize("name", sorted(PROGRAMME_SERVICES))
def test_a_partner_guest_is_refused_every_programme_change_in_words(
    scope, partnership, guest, name
):
    kwargs = _programme_calls(scope, partnership)[name]
    events = AuditEvent.objects.count()
    with pytest.raises(ConflictError) as refused:
        getattr(services, name)(actor=guest, **kwargs)
    assert _conflict(refused) == (
        f"Only the buyer's team can {PROGRAMME_SERVICES[name]}.",
        "buyer_only",
    )
    assert AuditEvent.objects.count() == events


def test_every_programme_service_is_in_the_guest_table():
    from innovation.services import programmes

    # The services the package exports from this module (read from `__all__`, so that the
    # copies mutation testing adds to the module are not counted).
    public = {
        name
        for name in services.__all__
        if getattr(getattr(services, name), "__module__", "") == programmes.__name__
    }
    assert public == set(PROGRAMME_SERVICES)
