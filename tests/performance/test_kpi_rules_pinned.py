"""KPI rules pinned against the mutants that survived `make mutation` (docs/mutation.md): the
fields a library template and a KPI take (and the ones they drop), what a KPI copies from its
template and what overrides it, the checks on saving, and the audit event of each step."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from performance import services
from performance.models import Kpi, KpiTemplate
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import KpiFactory, KpiTemplateFactory

pytestmark = pytest.mark.django_db


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


TEMPLATE_FIELDS = {
    "code": "lead_days",
    "name": "Lead time",
    "description": "Days from order to delivery.",
    "perspective": "customer",
    "unit": "days",
    "direction": "lower_is_better",
    "target": Decimal("5.000"),
    "amber_threshold": Decimal("7.000"),
    "red_threshold": Decimal("10.000"),
    "weight": Decimal("2.50"),
    "frequency": "quarterly",
    "source": "import",
    "formula": "",
    "valid_min": Decimal("0.000"),
    "valid_max": Decimal("60.000"),
}


def _stored(model, pk):
    row = model.objects.get(pk=pk)
    return {name: getattr(row, name) for name in TEMPLATE_FIELDS}


def test_a_library_template_keeps_every_kpi_field_drops_the_rest_and_is_audited(org_a, manager):
    with tenant_scope(org_a):
        template = services.kpi_template_create(
            actor=manager, **TEMPLATE_FIELDS, colour="red", partnership=None
        )
        assert _stored(KpiTemplate, template.pk) == TEMPLATE_FIELDS
        assert KpiTemplate.objects.get(pk=template.pk).organization == org_a
        [event] = _events("performance.kpi_template.created")
        assert event.actor == manager
        assert (event.object_type, event.object_id) == ("performance.kpitemplate", str(template.pk))
        assert event.object_repr == "Lead time (lead_days)"


def test_a_template_with_thresholds_on_the_wrong_side_is_refused_and_not_stored(org_a, manager):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.kpi_template_create(
            actor=manager,
            **{
                **TEMPLATE_FIELDS,
                "red_threshold": Decimal("6"),
                "amber_threshold": None,
                "direction": "higher_is_better",
            },
        )
    assert list(refused.value.message_dict) == ["red_threshold"]
    with tenant_scope(org_a):
        assert not KpiTemplate.objects.exists()
        assert not _events("performance.kpi_template.created")


def test_deleting_a_template_is_audited_and_its_kpis_keep_their_copy(org_a, manager):
    with tenant_scope(org_a):
        template = services.kpi_template_create(actor=manager, **TEMPLATE_FIELDS)
        kpi = services.kpi_create(
            actor=manager, partnership=PartnershipFactory(organization=org_a), template=template
        )
        pk = template.pk
        services.kpi_template_delete(template=template, actor=manager)
        assert not KpiTemplate.objects.filter(pk=pk).exists()
        [event] = _events("performance.kpi_template.deleted")
        assert event.actor == manager
        assert (event.object_type, event.object_id) == ("performance.kpitemplate", str(pk))
        assert event.object_repr == "Lead time (lead_days)"
        assert _stored(Kpi, kpi.pk) == TEMPLATE_FIELDS
        assert Kpi.objects.get(pk=kpi.pk).template is None


def test_a_kpi_from_a_template_copies_its_fields_and_takes_given_ones_over_them(
    org_a, manager, make_member
):
    owner = make_member(org_a, email="ops@alpha.test")
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a)
        template = KpiTemplateFactory(organization=org_a, **TEMPLATE_FIELDS)
        kpi = services.kpi_create(
            actor=manager,
            partnership=partnership,
            template=template,
            owner=owner,
            name="Lead time, northern plant",
            target=Decimal("4"),
            unit=None,  # not given: the template's
            description=None,
            colour="red",  # not a KPI field: dropped
        )
        stored = Kpi.objects.get(pk=kpi.pk)
        assert _stored(Kpi, kpi.pk) == {
            **TEMPLATE_FIELDS,
            "name": "Lead time, northern plant",
            "target": Decimal("4.000"),
        }
        assert (stored.partnership, stored.template, stored.owner) == (partnership, template, owner)
        assert (stored.organization, stored.is_active) == (org_a, True)
        [event] = _events("performance.kpi.created")
        assert event.actor == manager
        assert (event.object_type, event.object_id) == ("performance.kpi", str(kpi.pk))
        assert event.changes == {"code": "lead_days"}


def test_a_kpi_from_scratch_takes_the_models_defaults_for_what_is_not_given(org_a, manager):
    with tenant_scope(org_a):
        kpi = services.kpi_create(
            actor=manager,
            partnership=PartnershipFactory(organization=org_a),
            code="otd_pct",
            name="On-time delivery",
            perspective="operational",
            target=Decimal("98"),
            red_threshold=Decimal("90"),
            amber_threshold=None,
        )
        stored = Kpi.objects.get(pk=kpi.pk)
        assert (stored.template, stored.owner, stored.amber_threshold) == (None, manager, None)
        assert (stored.direction, stored.weight, stored.frequency, stored.source) == (
            "higher_is_better",
            Decimal("1.00"),
            "monthly",
            "manual",
        )
        assert _events("performance.kpi.created")[0].changes == {"code": "otd_pct"}


def test_a_kpi_that_fails_its_checks_is_refused_under_the_field_and_not_stored(org_a, manager):
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a)
        with pytest.raises(ValidationError) as refused:
            services.kpi_create(
                actor=manager,
                partnership=partnership,
                code="not a code",
                name="Broken",
                perspective="operational",
                target=Decimal("98"),
                red_threshold=Decimal("90"),
            )
        assert list(refused.value.message_dict) == ["code"]
        assert not Kpi.objects.exists()
        assert not _events("performance.kpi.created")


def test_updating_a_kpi_stores_the_allowed_fields_and_audits_them_as_text(
    org_a, manager, make_member
):
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a)
        other = PartnershipFactory(organization=org_a)
        kpi = KpiFactory(organization=org_a, partnership=partnership, code="otd_pct", name="OTD")
        services.kpi_update(
            kpi=kpi,
            actor=manager,
            name="On-time delivery",
            target=Decimal("99"),
            is_active=False,
            partnership=other,  # not updatable: ignored
            colour="red",
        )
        stored = Kpi.objects.get(pk=kpi.pk)
        assert (stored.name, stored.target, stored.is_active) == (
            "On-time delivery",
            Decimal("99.000"),
            False,
        )
        assert stored.partnership == partnership
        [event] = _events("performance.kpi.updated")
        assert event.actor == manager
        assert (event.object_type, event.object_id) == ("performance.kpi", str(kpi.pk))
        assert event.changes == {
            "name": ["OTD", "On-time delivery"],
            "target": ["98.0000", "99"],
            "is_active": ["True", "False"],
        }


def test_a_kpi_is_owned_by_its_creator_unless_another_is_named(org_a, manager, make_member):
    other = make_member(org_a, email="ops@alpha.test")
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a)
        mine = services.kpi_create(
            actor=manager, partnership=partnership, code="otd", name="OTD", perspective="customer",
            target=Decimal("98"), red_threshold=Decimal("90"),
        )  # fmt: skip
        theirs = services.kpi_create(
            actor=manager, partnership=partnership, owner=other, code="ppm", name="PPM",
            perspective="customer", target=Decimal("98"), red_threshold=Decimal("90"),
        )  # fmt: skip
    assert (mine.owner, theirs.owner) == (manager, other)


def test_the_api_makes_the_creator_the_owner_of_a_kpi_without_one(org_a, manager, api_as):
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a)
    created = api_as(manager, org_a).post(
        "/api/v1/o/alpha/kpis/",
        {"partnership": partnership.pk, "code": "otd", "name": "OTD", "perspective": "customer",
         "target": "98", "red_threshold": "90"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["owner"] == manager.pk


def test_a_kpi_gets_a_new_owner_by_update(org_a, manager, make_member):
    owner = make_member(org_a, email="ops@alpha.test")
    with tenant_scope(org_a):
        kpi = KpiFactory(organization=org_a)
        services.kpi_update(kpi=kpi, actor=manager, owner=owner)
        assert Kpi.objects.get(pk=kpi.pk).owner == owner
        assert list(_events("performance.kpi.updated")[0].changes) == ["owner"]


def test_an_update_that_changes_nothing_is_not_audited(org_a, manager):
    with tenant_scope(org_a):
        kpi = KpiFactory(organization=org_a, name="OTD")
        services.kpi_update(kpi=kpi, actor=manager, name="OTD")
        assert not _events("performance.kpi.updated")


def test_an_update_that_fails_the_checks_is_refused_and_not_stored(org_a, manager):
    with tenant_scope(org_a):
        kpi = KpiFactory(organization=org_a, target=Decimal("98"), red_threshold=Decimal("90"))
        with pytest.raises(ValidationError) as refused:
            services.kpi_update(kpi=kpi, actor=manager, red_threshold=Decimal("99"))
        assert list(refused.value.message_dict) == ["red_threshold"]
        assert Kpi.objects.get(pk=kpi.pk).red_threshold == Decimal("90.000")
        assert not _events("performance.kpi.updated")
