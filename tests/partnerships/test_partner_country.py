"""A partner's country is one of ISO 3166-1's, picked from a list by name, stored as its code
(what the API speaks) and shown by name on every page, never as a raw code."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection

from partnerships import services
from partnerships.forms import PartnerForm
from partnerships.models import Partner
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Role
from tests.partnerships.factories import PartnerFactory, PartnershipFactory

pytestmark = pytest.mark.django_db


def test_a_country_that_is_not_on_the_iso_list_is_refused_in_words(org_a, owner):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.partner_create(actor=owner, name="Alder", country="ZZ")
    assert refused.value.message_dict == {"country": ["Choose a country from the list."]}
    with tenant_scope(org_a):
        assert not Partner.objects.exists()


def test_the_partner_form_offers_countries_by_name_and_keeps_the_code(org_a):
    form = PartnerForm(data={"name": "Alder", "country": "DE", "tier": "approved"})
    choices = dict(form.fields["country"].choices)
    assert choices["DE"] == "Germany" and choices[""] == "(not given)"
    assert form.is_valid(), form.errors
    assert form.cleaned_data["country"] == "DE"


def test_pages_name_the_country_instead_of_its_code(org_a, owner, make_member, client_as):
    partner = PartnerFactory(organization=org_a, name="Alder", country="DE")
    partnership = PartnershipFactory(organization=org_a, partner=partner)
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    with tenant_scope(org_a):
        services.partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)
    manager = client_as(owner)
    for url in (
        "/o/alpha/partners/",
        f"/o/alpha/partners/{partner.pk}/",
        f"/o/alpha/partnerships/{partnership.pk}/",
    ):
        page = manager.get(url).content.decode()
        assert "Germany" in page, url
        assert ">DE<" not in page and "· DE" not in page, url
    seen = client_as(guest).get(f"/o/alpha/partnerships/{partnership.pk}/").content.decode()
    assert "Germany" in seen


def test_the_api_speaks_iso_codes_and_names_the_country(org_a, owner, api_as):
    api = api_as(owner, org_a)
    created = api.post(
        "/api/v1/o/alpha/partners/", {"name": "Alder", "country": "de"}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["country"], created.json()["country_name"]) == ("DE", "Germany")
    by_name = api.post("/api/v1/o/alpha/partners/", {"name": "Birch", "country": "Austria"})
    assert by_name.json()["country"] == "AT"
    refused = api.post("/api/v1/o/alpha/partners/", {"name": "Cedar", "country": "ZZ"})
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["country"]
    none_given = api.post("/api/v1/o/alpha/partners/", {"name": "Dogwood"})
    assert (none_given.json()["country"], none_given.json()["country_name"]) == ("", "")


def test_an_edit_of_the_country_is_audited_as_codes(org_a, owner):
    with tenant_scope(org_a):
        partner = services.partner_create(actor=owner, name="Alder", country="DE")
        services.partner_update(partner=partner, actor=owner, country="AT")
        services.partner_update(partner=partner, actor=owner, country="AT")  # no change
        events = list(
            AuditEvent.objects.filter(action="partnerships.partner.updated").values_list(
                "changes", flat=True
            )
        )
    assert events == [{"country": ["DE", "AT"]}]


def test_codes_typed_before_the_list_are_normalised_by_the_migration(org_a):
    typed = {"Alder": "de", "Birch": "uk", "Cedar": "XX", "Dogwood": ""}
    for name, country in typed.items():
        PartnerFactory(organization=org_a, name=name)
        with tenant_scope(org_a):  # as stored before, without the list's check
            Partner.objects.filter(name=name).update(country=country)
    migration = importlib.import_module(
        "partnerships.migrations.0005_partner_country_from_the_iso_list"
    )

    # A migration's models have plain managers; the migration scopes each organization itself.
    def plain(app, name):
        model = apps.get_model(app, name)
        return SimpleNamespace(objects=getattr(model, "unscoped_objects", model.objects))

    historical = SimpleNamespace(get_model=plain)
    migration.normalise_forwards(historical, SimpleNamespace(connection=connection))
    with tenant_scope(org_a):
        stored = dict(Partner.objects.values_list("name", "country"))
    assert stored == {"Alder": "DE", "Birch": "GB", "Cedar": "XX", "Dogwood": ""}


def test_places_are_named_on_screen_and_unknown_text_is_shown_as_typed():
    from django.template import Context, Template

    shown = Template("{% load money %}{{ a|place }}|{{ b|place }}|{{ c|place }}|{{ d|place }}")
    context = Context({"a": "de", "b": "EU", "c": "Bavaria", "d": ""})
    assert shown.render(context) == "Germany|European Union|Bavaria|"


def test_a_compliance_requirement_names_its_jurisdiction(org_a, owner, client_as):
    from tests.risk.factories import ComplianceRequirementFactory

    partnership = PartnershipFactory(organization=org_a)
    with tenant_scope(org_a):
        ComplianceRequirementFactory(partnership=partnership, jurisdiction="GB")
    page = client_as(owner).get(f"/o/alpha/partnerships/{partnership.pk}/risk/")
    assert "<td>United Kingdom</td>" in page.content.decode()
