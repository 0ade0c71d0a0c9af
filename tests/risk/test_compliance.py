"""Compliance requirements and attestations (the one compliance model), force majeure, the
incident response plan and the watch list."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from risk import selectors, services
from risk.models import Attestation, ComplianceRequirement, ForceMajeureEvent, WatchItem
from tests.partnerships.factories import PartnerFactory, PartnershipFactory
from tests.risk.factories import ComplianceRequirementFactory, WatchItemFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2030, 4, 2, 9, 0, tzinfo=UTC)


def test_a_requirement_past_its_due_date_is_flagged_overdue(scope, manager, partnership):
    requirement = services.compliance_requirement_create(
        actor=manager,
        partnership=partnership,
        framework="anti_bribery",
        jurisdiction="gb",
        title="Bribery Act training for the account team",
        due_on=date(2030, 3, 31),
    )
    assert requirement.jurisdiction == "GB"
    assert requirement.is_overdue(date(2030, 4, 1))
    membership = manager.memberships.get()
    overdue = selectors.portfolio_risk(membership=membership, today=date(2030, 4, 1), now=NOW)
    assert overdue.overdue_compliance == [requirement]


def test_an_attestation_names_the_person_and_period_and_moves_the_due_date(
    scope, manager, guest, partnership
):
    requirement = ComplianceRequirementFactory(
        partnership=partnership, due_on=date(2030, 3, 31), attestation_months=12
    )
    attestation = services.attestation_record(
        requirement=requirement,
        attested_by=guest,
        period_start=date(2029, 4, 1),
        period_end=date(2030, 3, 31),
        statement="All processors listed; DPAs signed.",
        now=NOW,
        evidence=SimpleUploadedFile("dpa-register.pdf", b"%PDF-1.4 register"),
    )
    assert (attestation.attested_by, attestation.party) == (guest, "partner")
    assert attestation.evidence.read() == b"%PDF-1.4 register"
    requirement.refresh_from_db()
    assert requirement.due_on == date(2031, 3, 31)
    assert not requirement.is_overdue(date(2030, 4, 2))


def test_an_attestation_period_that_has_not_ended_is_refused(scope, manager, partnership):
    requirement = ComplianceRequirementFactory(partnership=partnership)
    with pytest.raises(ValidationError) as error:
        services.attestation_record(
            requirement=requirement,
            attested_by=manager,
            period_start=date(2030, 5, 1),
            period_end=date(2030, 4, 30),
            statement="",
            now=NOW,
        )
    assert set(error.value.message_dict) == {"period_end", "statement"}
    assert Attestation.objects.count() == 0


def test_a_period_ending_today_in_the_organizations_time_zone_may_be_attested(
    scope, manager, partnership
):
    requirement = ComplianceRequirementFactory(partnership=partnership)
    late_on_30_april_in_utc = datetime(2030, 4, 30, 12, 0, tzinfo=UTC)  # 1 May on Kiritimati
    with timezone.override(zoneinfo.ZoneInfo("Pacific/Kiritimati")):
        attestation = services.attestation_record(
            requirement=requirement,
            attested_by=manager,
            period_start=date(2030, 4, 1),
            period_end=date(2030, 5, 1),
            statement="Training done.",
            now=late_on_30_april_in_utc,
        )
    assert attestation.period_end == date(2030, 5, 1)


def test_force_majeure_notice_is_due_within_the_agreed_days(scope, manager, partnership):
    event = services.force_majeure_log(
        actor=manager,
        partnership=partnership,
        title="Flooding at the Rhine plant",
        started_on=date(2030, 3, 1),
        notice_days=10,
        today=date(2030, 3, 20),
    )
    assert event.notice_deadline == date(2030, 3, 11)
    assert event.notice_late(date(2030, 3, 20))
    services.force_majeure_update(
        event=event,
        actor=manager,
        notice_given_on=date(2030, 3, 9),
        ended_on=date(2030, 3, 25),
        alternative_sourcing_met=True,
    )
    event.refresh_from_db()
    assert (event.status, event.notice_late(date(2030, 4, 1))) == ("ended", False)


def test_a_force_majeure_event_cannot_end_before_it_started(scope, manager, partnership):
    event = services.force_majeure_log(
        actor=manager, partnership=partnership, title="Strike", started_on=date(2030, 3, 1),
        today=date(2030, 3, 2),
    )  # fmt: skip
    with pytest.raises(ValidationError):
        services.force_majeure_update(event=event, actor=manager, ended_on=date(2030, 2, 1))
    assert ForceMajeureEvent.objects.get().ended_on is None


def test_the_watch_list_flags_partnerships_by_country_and_category(scope, manager):
    taiwan = PartnershipFactory(partner=PartnerFactory(country="TW"), name="Power electronics")
    steel = PartnershipFactory(partner=PartnerFactory(country="DE"), category="Steel")
    PartnershipFactory(partner=PartnerFactory(country="FR"), category="Logistics")
    item = services.watch_item_create(
        actor=manager,
        kind="regulatory",
        title="EU steel safeguard quota",
        countries=" tw ",
        categories="steel",
    )
    assert item.countries == "TW"
    [(found, exposed)] = selectors.watch_exposure(membership=manager.memberships.get())
    assert found == item
    assert {p.pk for p in exposed} == {taiwan.pk, steel.pk}


def test_a_watch_item_needs_a_country_or_category_and_real_country_codes(scope, manager):
    with pytest.raises(ValidationError) as error:
        services.watch_item_create(actor=manager, kind="geopolitical", title="Sanctions")
    assert "countries" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.watch_item_create(
            actor=manager, kind="geopolitical", title="Sanctions", countries="Taiwan"
        )
    assert "TAIWAN is not one" in error.value.message_dict["countries"][0]
    assert WatchItem.objects.count() == 0


def test_a_guest_sees_no_compliance_matrix_or_watch_list(scope, guest, partnership):
    ComplianceRequirementFactory(partnership=partnership)
    WatchItemFactory()
    membership = guest.memberships.get()
    assert list(selectors.compliance_requirements(membership=membership)) == []
    assert selectors.watch_exposure(membership=membership) == []
    assert ComplianceRequirement.objects.count() == 1


def test_compliance_pages_show_the_overdue_flag(client_as, manager, org_a, partnership):
    from tenancy.context import tenant_scope

    with tenant_scope(org_a):
        ComplianceRequirementFactory(
            partnership=partnership,
            title="Modern slavery statement",
            due_on=datetime.now(UTC).date() - timedelta(days=1),
        )
    text = client_as(manager).get(f"/o/alpha/partnerships/{partnership.pk}/risk/").content.decode()
    assert "Modern slavery statement" in text and "Overdue" in text
    home = client_as(manager).get("/o/alpha/risk/").content.decode()
    assert "Modern slavery statement" in home
