"""The pilots' rules pinned: refusals in their exact words on their field, what a pilot keeps
of what was typed (trimmed, and nothing that was not given), the go / no-go decision with its
evidence snapshot, and the audit events with who did it. Found by
`make mutation MUTATION_ARGS=innovation.pilots`."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from innovation import services
from innovation.models import ImprovementInitiative, Pilot
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.innovation.conftest import NOW, TODAY
from tests.innovation.factories import ImprovementInitiativeFactory
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import KpiFactory, MeasurementFactory

pytestmark = pytest.mark.django_db


def _pilot(partnership, manager, **fields):
    values = {
        "title": "Spend classifier",
        "technology": "AI spend analytics",
        "starts_on": TODAY,
        "ends_on": TODAY + timedelta(days=90),
    }
    values.update(fields)
    return services.pilot_create(actor=manager, partnership=partnership, **values)


def _event(action, obj):
    return AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).latest("sequence")


def _kpi(partnership, *, latest=None, **fields):
    kpi = KpiFactory(organization=partnership.organization, partnership=partnership, **fields)
    if latest is not None:
        MeasurementFactory(
            organization=partnership.organization,
            kpi=kpi,
            period_start=TODAY,
            value=Decimal(latest),
        )
    return kpi


def _running(partnership, manager, **fields):
    pilot = _pilot(partnership, manager, **fields)
    kpi = _kpi(partnership, latest="97")
    services.pilot_criterion_add(pilot=pilot, actor=manager, kpi=kpi, target=Decimal("95"))
    return services.pilot_start(pilot=pilot, actor=manager)


# -- creating a pilot ----------------------------------------------------------------------------


def test_a_technology_pilot_keeps_what_was_typed_trimmed_and_is_audited_as_created(
    scope, partnership, manager
):
    pilot = _pilot(
        partnership,
        manager,
        title="  Spend classifier ",
        technology=" AI spend analytics ",
        scope="  Freight invoices only. ",
    )

    stored = Pilot.objects.get(pk=pilot.pk)
    assert (stored.title, stored.technology, stored.scope, stored.status) == (
        "Spend classifier",
        "AI spend analytics",
        "Freight invoices only.",
        "planned",
    )
    event = _event("innovation.pilot.created", pilot)
    assert (event.actor, event.object_type) == (manager, "innovation.pilot")


def test_a_pilot_of_an_initiative_has_no_technology_or_scope_unless_given_and_moves_it_by_the_actor(
    approved, partnership, manager
):
    pilot = services.pilot_create(
        actor=manager,
        partnership=partnership,
        title="Freight portal pilot",
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=30),
        initiative=approved,
    )

    stored = Pilot.objects.get(pk=pilot.pk)
    assert (stored.technology, stored.scope, stored.initiative) == ("", "", approved)
    moved = _event("innovation.initiative.moved", approved)
    assert (moved.actor, moved.changes) == (manager, {"status": ["approved", "pilot"]})


def test_a_pilot_of_neither_an_initiative_nor_a_named_technology_is_refused_in_words(
    scope, partnership, manager
):
    with pytest.raises(ValidationError) as refused:
        _pilot(partnership, manager, technology="   ")
    assert refused.value.message_dict == {
        "technology": ["Name the technology piloted, or choose an approved initiative."]
    }
    assert not Pilot.objects.exists()


def test_a_pilot_may_end_on_the_day_it_starts_but_not_the_day_before(scope, partnership, manager):
    with pytest.raises(ValidationError) as refused:
        _pilot(partnership, manager, ends_on=TODAY - timedelta(days=1))
    assert refused.value.message_dict == {"ends_on": ["A pilot ends on or after its start."]}

    one_day = _pilot(partnership, manager, ends_on=TODAY)
    assert (one_day.starts_on, one_day.ends_on) == (TODAY, TODAY)


def test_an_initiative_of_another_partnership_is_refused_on_the_initiative_field(
    scope, org_a, partnership, manager
):
    elsewhere = ImprovementInitiativeFactory(
        organization=org_a,
        partnership=PartnershipFactory(organization=org_a),
        status=ImprovementInitiative.Status.APPROVED,
    )
    with pytest.raises(ValidationError) as refused:
        _pilot(partnership, manager, initiative=elsewhere)
    assert refused.value.message_dict == {
        "initiative": ["Choose an initiative of this partnership."]
    }
    assert not Pilot.objects.exists()


def test_an_initiative_not_yet_approved_is_refused_in_words(submitted, partnership, manager):
    with pytest.raises(ValidationError) as refused:
        _pilot(partnership, manager, initiative=submitted)
    assert refused.value.message_dict == {"initiative": ["Only an approved initiative is piloted."]}
    submitted.refresh_from_db()
    assert submitted.status == "proposed"


# -- success criteria and start -------------------------------------------------------------------


def test_a_success_criterion_is_audited_with_its_kpi_and_target(scope, partnership, manager):
    pilot = _pilot(partnership, manager)
    kpi = _kpi(partnership, code="otif")

    criterion = services.pilot_criterion_add(
        pilot=pilot, actor=manager, kpi=kpi, target=Decimal("95.5")
    )

    assert (criterion.pilot, criterion.kpi, criterion.target) == (pilot, kpi, Decimal("95.5"))
    event = _event("innovation.pilot.criterion_added", pilot)
    assert (event.actor, event.object_type) == (manager, "innovation.pilot")
    assert event.changes == {"kpi": "otif", "target": "95.5"}


def test_a_decided_pilot_refuses_a_new_criterion_in_words(scope, partnership, manager):
    pilot = _running(partnership, manager)
    services.pilot_decide(pilot=pilot, actor=manager, now=NOW, go=True, evidence="Met.")

    with pytest.raises(ConflictError) as refused:
        services.pilot_criterion_add(
            pilot=pilot, actor=manager, kpi=_kpi(partnership), target=Decimal("1")
        )
    assert (refused.value.message, refused.value.code) == (
        "The pilot is decided: its criteria are fixed.",
        "decided",
    )
    assert pilot.criteria.count() == 1


def test_a_kpi_of_another_partnership_is_refused_on_the_kpi_field(
    scope, org_a, partnership, manager
):
    pilot = _pilot(partnership, manager)
    with pytest.raises(ValidationError) as refused:
        services.pilot_criterion_add(
            pilot=pilot, actor=manager, kpi=KpiFactory(organization=org_a), target=Decimal("1")
        )
    assert refused.value.message_dict == {"kpi": ["Choose a KPI of this partnership."]}
    assert not pilot.criteria.exists()


def test_a_pilot_without_a_success_criterion_is_refused_its_start_in_words(
    scope, partnership, manager
):
    pilot = _pilot(partnership, manager)
    with pytest.raises(ConflictError) as refused:
        services.pilot_start(pilot=pilot, actor=manager)
    assert refused.value.message == (
        "Give the pilot at least one success criterion (a KPI) before it starts."
    )
    assert Pilot.objects.get(pk=pilot.pk).status == "planned"


def test_a_started_pilot_runs_and_is_audited_with_who_started_it(scope, partnership, manager):
    pilot = _running(partnership, manager)

    assert Pilot.objects.get(pk=pilot.pk).status == "running"
    event = _event("innovation.pilot.started", pilot)
    assert (event.actor, event.object_type) == (manager, "innovation.pilot")


# -- cancelling ----------------------------------------------------------------------------------


def test_a_pilot_cancelled_without_a_reason_given_at_all_is_refused_in_words(
    scope, partnership, manager
):
    pilot = _pilot(partnership, manager)
    with pytest.raises(ValidationError) as refused:
        services.pilot_cancel(pilot=pilot, actor=manager)
    assert refused.value.message_dict == {"reason": ["Say why the pilot is cancelled."]}
    assert Pilot.objects.get(pk=pilot.pk).status == "planned"


def test_a_cancelled_pilot_is_audited_with_who_cancelled_it_and_the_trimmed_reason(
    scope, partnership, manager
):
    pilot = _pilot(partnership, manager)
    services.pilot_cancel(pilot=pilot, actor=manager, reason="  Budget moved. ")

    assert Pilot.objects.get(pk=pilot.pk).status == "cancelled"
    event = _event("innovation.pilot.cancelled", pilot)
    assert (event.actor, event.object_type, event.changes) == (
        manager,
        "innovation.pilot",
        {"reason": "Budget moved."},
    )


def test_a_pilot_cancelled_on_another_page_is_not_started_from_a_stale_one(
    scope, partnership, manager
):
    pilot = _pilot(partnership, manager)
    services.pilot_criterion_add(pilot=pilot, actor=manager, kpi=_kpi(partnership), target=1)
    stale = Pilot.objects.get(pk=pilot.pk)  # the page's copy, still planned
    services.pilot_cancel(pilot=pilot, actor=manager, reason="Budget moved.")
    with pytest.raises(ConflictError):
        services.pilot_start(pilot=stale, actor=manager)
    assert Pilot.objects.get(pk=pilot.pk).status == "cancelled"


def test_a_pilot_started_on_another_page_is_not_cancelled_from_a_stale_one(
    scope, partnership, manager
):
    pilot = _pilot(partnership, manager)
    services.pilot_criterion_add(pilot=pilot, actor=manager, kpi=_kpi(partnership), target=1)
    stale = Pilot.objects.get(pk=pilot.pk)  # the page's copy, still planned
    services.pilot_start(pilot=pilot, actor=manager)
    with pytest.raises(ConflictError):
        services.pilot_cancel(pilot=stale, actor=manager, reason="Budget moved.")
    assert Pilot.objects.get(pk=pilot.pk).status == "running"


# -- the go / no-go decision ---------------------------------------------------------------------


def test_the_partner_is_refused_a_pilot_decision_in_words(scope, partnership, manager, guest):
    pilot = _running(partnership, manager)
    with pytest.raises(ConflictError) as refused:
        services.pilot_decide(pilot=pilot, actor=guest, now=NOW, go=True, evidence="Met.")
    assert refused.value.message == "Only the buyer's team can decide on a pilot."
    assert Pilot.objects.get(pk=pilot.pk).status == "running"


def test_a_decision_without_evidence_is_refused_on_the_evidence_field(scope, partnership, manager):
    pilot = _running(partnership, manager)
    with pytest.raises(ValidationError) as refused:
        services.pilot_decide(pilot=pilot, actor=manager, now=NOW, go=True, evidence="   ")
    assert refused.value.message_dict == {"evidence": ["Say what the decision rests on."]}
    assert Pilot.objects.get(pk=pilot.pk).status == "running"


def test_a_no_go_is_recorded_audited_with_its_evidence_and_leaves_the_initiative_in_pilot(
    approved, partnership, manager
):
    pilot = _running(partnership, manager, initiative=approved, technology="")

    services.pilot_decide(
        pilot=pilot, actor=manager, now=NOW, go=False, evidence="  Missed the target. "
    )

    stored = Pilot.objects.get(pk=pilot.pk)
    assert (stored.status, stored.evidence, stored.decided_by, stored.decided_at) == (
        "no_go",
        "Missed the target.",
        manager,
        NOW,
    )
    event = _event("innovation.pilot.no_go", pilot)
    assert (event.actor, event.object_type, event.changes) == (
        manager,
        "innovation.pilot",
        {"evidence": "Missed the target."},
    )
    assert not AuditEvent.objects.filter(action="innovation.pilot.go").exists()
    approved.refresh_from_db()
    assert approved.status == "pilot"


def test_a_go_is_audited_and_implements_the_initiative_in_the_deciders_name(
    approved, partnership, manager
):
    pilot = _running(partnership, manager, initiative=approved, technology="")

    services.pilot_decide(pilot=pilot, actor=manager, now=NOW, go=True, evidence="Met.")

    event = _event("innovation.pilot.go", pilot)
    assert (event.actor, event.changes) == (manager, {"evidence": "Met."})
    moved = _event("innovation.initiative.moved", approved)
    assert (moved.actor, moved.changes) == (manager, {"status": ["pilot", "implemented"]})


def test_the_decision_snapshot_keeps_each_criterions_kpi_target_and_latest_value(
    scope, partnership, manager
):
    pilot = _pilot(partnership, manager)
    measured = _kpi(partnership, latest="97", code="otif", name="On time in full")
    unmeasured = _kpi(partnership, code="scrap", name="Scrap rate", direction="lower_is_better")
    services.pilot_criterion_add(pilot=pilot, actor=manager, kpi=measured, target=Decimal("95"))
    services.pilot_criterion_add(pilot=pilot, actor=manager, kpi=unmeasured, target=Decimal("2.5"))
    services.pilot_start(pilot=pilot, actor=manager)

    services.pilot_decide(pilot=pilot, actor=manager, now=NOW, go=True, evidence="Met.")

    assert Pilot.objects.get(pk=pilot.pk).evidence_snapshot == [
        {
            "kpi": "otif",
            "name": "On time in full",
            "target": "95.0000",
            "latest": "97.0000",
            "met": True,
        },
        {"kpi": "scrap", "name": "Scrap rate", "target": "2.5000", "latest": None, "met": None},
    ]
