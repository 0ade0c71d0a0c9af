"""Issue 9, defects 5 and 11: hostile or careless input is a 400/413 with a field message, never
a 500. NUL characters in query and form parameters are stripped in one place (the middleware);
JSON the database cannot hold is refused by the API's one JSON parser."""

import json

import pytest
from django.db import connection

from tenancy.context import tenant_scope
from tenancy.models import ApiKey
from tenancy.views import server_error
from tests.contracts.factories import AgreementFactory, ClauseFactory
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import KpiFactory

pytestmark = pytest.mark.django_db


def _error(response):
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


def _deeply_nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_nested_two_thousand_levels_deep_is_a_400_not_a_recursion_error(owner, org_a, api_as):
    agreement = AgreementFactory(organization=org_a)
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/agreements/{agreement.pk}/",
        data='{"parties": ' + _deeply_nested(2000) + "}",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "nested too deeply" in _error(response)["fields"]["parties"][0]


def test_json_nested_forty_levels_names_the_field(owner, org_a, api_as):
    agreement = AgreementFactory(organization=org_a)
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/agreements/{agreement.pk}/",
        data='{"parties": ' + _deeply_nested(40) + "}",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "nested too deeply" in _error(response)["fields"]["parties"][0]


def test_a_body_that_is_not_json_is_still_a_400(owner, org_a, api_as):
    response = api_as(owner, org_a).post(
        "/api/v1/o/alpha/partners/", data="{name: ", content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in _error(response)["message"]


@pytest.mark.parametrize("text", ["a\u0000b", "\ud800"])
def test_nul_or_a_lone_surrogate_in_agreement_parties_is_a_400_on_that_field(
    owner, org_a, api_as, text
):
    agreement = AgreementFactory(organization=org_a)
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/agreements/{agreement.pk}/",
        data=json.dumps({"parties": [{"name": text, "role": "supplier"}]}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(_error(response)["fields"]) == ["parties"]


def test_nul_in_clause_parameters_is_a_400_on_that_field(owner, org_a, api_as):
    clause = ClauseFactory(organization=org_a)
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/clauses/{clause.pk}/",
        data=json.dumps({"parameters": {"cap": "x\u0000"}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "NUL" in _error(response)["fields"]["parameters"][0]


def test_nul_in_a_bulk_measurement_note_is_a_400(owner, org_a, api_as):
    kpi = KpiFactory(organization=org_a)
    response = api_as(owner, org_a).post(
        "/api/v1/o/alpha/measurements/bulk/",
        data=json.dumps(
            {
                "partnership": kpi.partnership_id,
                "rows": [
                    {"kpi_code": kpi.code, "period": "2025-03", "value": "1", "note": "\u0000"}
                ],
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "rows" in _error(response)["fields"]


def test_a_name_of_1e999_is_refused_not_stored_as_inf(owner, org_a, api_as):
    response = api_as(owner, org_a).post(
        "/api/v1/o/alpha/partners/", data='{"name": 1e999}', content_type="application/json"
    )
    assert response.status_code == 400
    assert _error(response)["fields"]["name"] == ["The number is too large."]


@pytest.mark.parametrize("path", ["/o/alpha/", "/o/alpha/partnerships/", "/o/alpha/integrations/"])
def test_a_nul_in_the_search_of_a_page_is_ignored_not_a_500(owner, org_a, client_as, path):
    PartnershipFactory(organization=org_a, name="Logistics")
    response = client_as(owner).get(path + "?q=%00&status=%00")
    assert response.status_code == 200


def test_a_nul_in_an_api_filter_is_ignored_not_a_500(owner, org_a, api_as):
    response = api_as(owner, org_a).get("/api/v1/o/alpha/partnerships/?category=%00")
    assert response.status_code == 200


def test_an_api_key_name_over_100_characters_is_refused_with_a_message(owner, org_a, client_as):
    response = client_as(owner).post(
        "/o/alpha/settings/api-keys/", {"name": "k" * 101, "scope": ApiKey.Scope.READ}
    )
    assert response.status_code == 200
    assert "at most 100 characters" in response.content.decode()
    assert not ApiKey.objects.filter(user=owner).exists()


def test_an_api_key_name_with_a_nul_is_stored_without_it(owner, org_a, client_as):
    response = client_as(owner).post(
        "/o/alpha/settings/api-keys/", {"name": "ci\u0000 key", "scope": ApiKey.Scope.READ}
    )
    assert response.status_code == 200
    assert ApiKey.objects.get(user=owner).name == "ci key"


def test_the_500_page_renders_even_when_the_transaction_is_aborted(rf, owner):
    request = rf.get("/o/alpha/")
    request.user = owner
    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT broken")
        with pytest.raises(Exception):  # noqa: B017 - any database error aborts the transaction
            cursor.execute("SELECT 1/0")
        response = server_error(request)
        cursor.execute("ROLLBACK TO SAVEPOINT broken")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


# --- Defect 11: sizes.


def test_a_ten_megabyte_description_is_refused_with_a_field_message(owner, org_a, api_as):
    partnership = PartnershipFactory(organization=org_a)
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/partnerships/{partnership.pk}/",
        {"description": "x" * 60_000},
        format="json",
    )
    assert response.status_code == 400
    assert "At most 50,000 characters" in _error(response)["fields"]["description"][0]
    with tenant_scope(org_a):
        partnership.refresh_from_db()
    assert partnership.description == ""


def test_a_five_megabyte_comment_is_refused(owner, org_a, api_as):
    clause = ClauseFactory(organization=org_a)
    response = api_as(owner, org_a).post(
        "/api/v1/o/alpha/clause-comments/",
        {"clause": clause.pk, "body": "y" * 60_000},
        format="json",
    )
    assert response.status_code == 400
    assert "body" in _error(response)["fields"]


def test_an_oversized_json_field_is_refused(owner, org_a, api_as):
    agreement = AgreementFactory(organization=org_a)
    parties = [{"name": "p" * 1000, "role": "supplier"} for _ in range(100)]
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/agreements/{agreement.pk}/", {"parties": parties}, format="json"
    )
    assert response.status_code == 400
    assert "KB of data" in _error(response)["fields"]["parties"][0]


def test_a_json_body_over_the_cap_is_a_413_before_it_is_parsed(owner, org_a, api_as):
    body = '{"name": "' + "x" * (11 * 1024 * 1024) + '"}'
    response = api_as(owner, org_a).post(
        "/api/v1/o/alpha/partners/", data=body, content_type="application/json"
    )
    assert response.status_code == 413
    assert _error(response)["code"] == "too_large"
