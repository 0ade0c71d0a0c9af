"""Issue 9, defects 1, 6, 7 and 9: updates that change a foreign key, lost updates and stale
writes, user filters that must not reveal other organizations' ids, and the API answering as
its schema says."""

import pytest
from django.db import connection

from partnerships.services import partner_update
from performance.services import kpi_template_delete, kpi_update
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Role
from tests.contracts.factories import AgreementFactory, ClauseFactory, ObligationFactory
from tests.partnerships.factories import PartnerFactory, PartnershipFactory
from tests.performance.factories import ActionItemFactory, KpiFactory, KpiTemplateFactory

pytestmark = pytest.mark.django_db


def _last_change(org, action):
    with tenant_scope(org):
        return AuditEvent.objects.filter(action=action).order_by("-sequence").first().changes


# --- Defect 1: foreign-key changes are audited by id and label, never a 500.


def test_changing_a_partnerships_owner_and_partner_records_ids_and_labels(
    owner, member, org_a, api_as
):
    partnership = PartnershipFactory(organization=org_a)
    other_partner = PartnerFactory(organization=org_a, name="Brightwave Ltd")
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/partnerships/{partnership.pk}/",
        {"owner": member.pk, "partner": other_partner.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    changes = _last_change(org_a, "partnerships.partnership.updated")
    assert changes["owner"] == [None, {"id": member.pk, "label": str(member)}]
    assert changes["partner"][1] == {"id": other_partner.pk, "label": "Brightwave Ltd"}


def test_changing_an_agreements_owner_and_parent_is_audited(owner, member, org_a, api_as):
    parent = AgreementFactory(organization=org_a)
    agreement = AgreementFactory(organization=org_a, partnership=parent.partnership)
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/agreements/{agreement.pk}/",
        {"owner": member.pk, "parent": parent.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    changes = _last_change(org_a, "contracts.agreement.updated")
    assert changes["parent"][1]["id"] == parent.pk
    assert changes["owner"][1]["id"] == member.pk


def test_changing_an_obligations_owner_and_clause_is_audited(owner, member, org_a, api_as):
    obligation = ObligationFactory(organization=org_a)
    clause = ClauseFactory(organization=org_a, agreement=obligation.agreement)
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/obligations/{obligation.pk}/",
        {"owner": member.pk, "clause": clause.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    changes = _last_change(org_a, "contracts.obligation.updated")
    assert changes["clause"] == [None, {"id": clause.pk, "label": str(clause)}]
    assert changes["owner"][1]["id"] == member.pk


# --- Defect 6: lost updates and stale writes.


def test_an_update_from_a_stale_copy_keeps_the_fields_someone_else_changed_meanwhile(owner, org_a):
    partner = PartnerFactory(organization=org_a, name="Alder", country="DE")
    with tenant_scope(org_a):
        stale = type(partner).objects.get(pk=partner.pk)  # loaded before the other write
        partner_update(partner=partner, actor=owner, country="FR")
        partner_update(partner=stale, actor=owner, name="Alder GmbH")
        partner.refresh_from_db()
    assert (partner.name, partner.country) == ("Alder GmbH", "FR")


def test_a_kpi_update_after_its_template_was_deleted_does_not_break_the_foreign_key(owner, org_a):
    template = KpiTemplateFactory(organization=org_a)
    kpi = KpiFactory(organization=org_a, template=template)
    with tenant_scope(org_a):
        stale = type(kpi).objects.get(pk=kpi.pk)
        kpi_template_delete(template=template, actor=owner)
        with connection.cursor() as cursor:  # check foreign keys now, not at COMMIT
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        kpi_update(kpi=stale, actor=owner, name="On-time delivery")
        kpi.refresh_from_db()
    assert kpi.name == "On-time delivery"
    assert kpi.template_id is None


def test_updating_a_record_deleted_meanwhile_is_a_409(owner, org_a):
    partner = PartnerFactory(organization=org_a)
    with tenant_scope(org_a):
        type(partner).objects.filter(pk=partner.pk).delete()
        from tenancy.errors import ConflictError

        with pytest.raises(ConflictError):
            partner_update(partner=partner, actor=owner, name="Gone")


def test_a_read_carries_an_etag_and_a_write_with_a_stale_if_match_is_a_409(owner, org_a, api_as):
    partner = PartnerFactory(organization=org_a, name="Alder")
    api = api_as(owner, org_a)
    url = f"/api/v1/o/alpha/partners/{partner.pk}/"
    etag = api.get(url).headers["ETag"]

    first = api.patch(url, {"country": "FR"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first.headers["ETag"] != etag

    second = api.patch(url, {"name": "Alder GmbH"}, format="json", HTTP_IF_MATCH=etag)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "stale"
    assert "changed by someone else" in second.json()["error"]["message"]
    with tenant_scope(org_a):
        partner.refresh_from_db()
    assert (partner.name, partner.country) == ("Alder", "FR")


def test_a_delete_with_a_stale_if_match_is_a_409(owner, org_a, api_as):
    partner = PartnerFactory(organization=org_a)
    api = api_as(owner, org_a)
    url = f"/api/v1/o/alpha/partners/{partner.pk}/"
    response = api.delete(url, HTTP_IF_MATCH='"0000"')
    assert response.status_code == 409
    assert api.get(url).status_code == 200


# --- Defect 7: user filters answer alike for another organization's user and an unknown id.


@pytest.mark.parametrize(
    "factory, path",
    [(ObligationFactory, "obligations"), (ActionItemFactory, "action-items")],
)
def test_filtering_by_another_organizations_user_answers_like_an_unknown_id(
    owner, outsider, org_a, api_as, factory, path
):
    factory(organization=org_a)
    api = api_as(owner, org_a)
    foreign = api.get(f"/api/v1/o/alpha/{path}/?owner={outsider.pk}")
    unknown = api.get(f"/api/v1/o/alpha/{path}/?owner=987654321")
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json() == unknown.json()


def test_filtering_by_a_member_still_works(owner, org_a, api_as):
    ObligationFactory(organization=org_a, owner=owner)
    response = api_as(owner, org_a).get(f"/api/v1/o/alpha/obligations/?owner={owner.pk}")
    assert response.status_code == 200
    assert response.json()["count"] == 1


# --- Defect 9: writable-looking fields are refused, the schema says what the API answers.


def test_moving_a_kpi_to_another_partnership_is_refused_not_ignored(owner, org_a, api_as):
    kpi = KpiFactory(organization=org_a)
    other = PartnershipFactory(organization=org_a)
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/kpis/{kpi.pk}/", {"partnership": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert "cannot be changed" in response.json()["error"]["fields"]["partnership"][0]


def test_moving_an_agreement_to_another_partnership_is_refused(owner, org_a, api_as):
    agreement = AgreementFactory(organization=org_a)
    other = PartnershipFactory(organization=org_a)
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/agreements/{agreement.pk}/", {"partnership": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert "partnership" in response.json()["error"]["fields"]


def test_an_agreement_update_answers_with_its_counts_like_a_read(owner, org_a, api_as):
    agreement = AgreementFactory(organization=org_a)
    ClauseFactory(organization=org_a, agreement=agreement)
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/agreements/{agreement.pk}/", {"title": "MSA"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["clause_count"] == 1


@pytest.fixture
def schema(client):
    return client.get("/api/schema/?format=json").json()


def _response_schema(schema, path, method="get", status="200"):
    content = schema["paths"][path][method]["responses"][status]["content"]
    ref = content["application/json"]["schema"]
    if "$ref" in ref:
        return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    return ref


def test_the_schema_documents_list_and_object_actions_as_they_answer(schema):
    base = "/api/v1/o/{org_slug}"
    deviations = _response_schema(schema, f"{base}/agreements/{{id}}/deviations/")
    assert deviations["type"] == "array"
    versions = _response_schema(schema, f"{base}/clauses/{{id}}/versions/")
    assert versions["type"] == "array"
    for listed in ("partnerships/{id}/transitions/", "partners/{id}/supply-graph/"):
        assert _response_schema(schema, f"{base}/{listed}")["type"] == "array", listed
    terms = _response_schema(schema, f"{base}/agreements/{{id}}/terms/")
    assert set(terms["properties"]) == {"on", "clauses"}
    redline = _response_schema(schema, f"{base}/clauses/{{id}}/redline/")
    assert set(redline["properties"]) == {"from", "to", "html"}
    organizations = _response_schema(schema, "/api/v1/organizations/")
    assert set(organizations["properties"]) == {"count", "results"}


def test_summary_lists_are_documented_as_the_one_object_they_answer(schema):
    base = "/api/v1/o/{org_slug}"
    assert _response_schema(schema, f"{base}/governance-inbox/")["type"] == "object"
    assert _response_schema(schema, f"{base}/risk/portfolio/")["type"] == "object"
    assert _response_schema(schema, f"{base}/risk/watch-list/exposure/")["type"] == "array"


def test_the_schema_allows_an_empty_url_field(schema):
    website = schema["components"]["schemas"]["Partner"]["properties"]["website"]
    assert "format" not in website
    assert {"maxLength": 0} in website["anyOf"]


def test_every_operation_documents_the_error_statuses_it_can_answer(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            assert {"400", "401", "403", "404"} <= documented, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert {"409", "413"} <= documented, (method, path)


def test_writes_document_the_if_match_header(schema):
    patch = schema["paths"]["/api/v1/o/{org_slug}/partners/{id}/"]["patch"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])


def test_the_organizations_list_answers_as_documented(owner, org_a, api_as):
    body = api_as(owner, org_a).get("/api/v1/organizations/").json()
    assert body["count"] == 1
    assert body["results"][0]["slug"] == "alpha"
    assert body["results"][0]["role"] == Role.ORG_ADMIN


def test_an_action_items_title_sent_in_an_update_is_refused_not_ignored(owner, org_a, api_as):
    item = ActionItemFactory(organization=org_a, title="Send the forecast")
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/action-items/{item.pk}/",
        {"title": "Something else", "status": "done"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["title"]


def test_an_update_repeating_the_unchangeable_values_is_accepted(owner, org_a, api_as):
    kpi = KpiFactory(organization=org_a)
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/kpis/{kpi.pk}/",
        {"partnership": kpi.partnership_id, "name": "On-time delivery"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "On-time delivery"
