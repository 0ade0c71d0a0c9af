"""A deletion through the API says why, as the page's confirmation does: `DELETE ?reason=`.
Without one it is a 400 on `reason` and nothing is deleted; with one, the audit event keeps it.
The schema documents the parameter as required."""

import pytest

from partnerships.models import Partner, Partnership, Stakeholder
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent
from tests.partnerships.factories import PartnerFactory, PartnershipFactory, StakeholderFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/o/alpha"


@pytest.fixture
def records(org_a):
    return {
        "partners": PartnerFactory(organization=org_a, name="Cedar GmbH"),
        "partnerships": PartnershipFactory(
            organization=org_a, status=Partnership.Status.PROPOSED, name="Cedar pilot"
        ),
        "stakeholders": StakeholderFactory(organization=org_a, name="Dana Smit"),
    }


@pytest.mark.parametrize(
    ("path", "model"),
    [("partners", Partner), ("partnerships", Partnership), ("stakeholders", Stakeholder)],
)
def test_an_api_deletion_without_a_reason_is_a_400_on_the_reason_and_deletes_nothing(
    org_a, owner, api_as, records, path, model
):
    api = api_as(owner, org_a)
    record = records[path]
    for query in ("", "?reason=", "?reason=%20%20"):
        response = api.delete(f"{API}/{path}/{record.pk}/{query}")
        assert response.status_code == 400, (path, query)
        assert response.json()["error"]["fields"]["reason"] == [
            "Say why: the reason is kept in the audit log."
        ]
    with tenant_scope(org_a):
        assert model.objects.filter(pk=record.pk).exists()
        assert not AuditEvent.objects.filter(action__endswith=".deleted").exists()


@pytest.mark.parametrize("path", ["partners", "partnerships", "stakeholders"])
def test_an_api_deletion_with_a_reason_deletes_and_the_audit_keeps_the_reason(
    org_a, owner, api_as, records, path
):
    record = records[path]
    response = api_as(owner, org_a).delete(f"{API}/{path}/{record.pk}/?reason=Entered+twice")
    assert response.status_code == 204
    with tenant_scope(org_a):
        event = AuditEvent.objects.get(action__endswith=".deleted")
    assert (event.actor, event.object_id, event.changes["reason"]) == (
        owner,
        str(record.pk),
        "Entered twice",
    )


def test_the_schema_says_a_deletion_needs_a_reason(owner, client_as):
    schema = client_as(owner).get("/api/schema/?format=json").json()
    for path in ("partners", "partnerships", "stakeholders", "finance/cost-pools"):
        operation = schema["paths"][f"/api/v1/o/{{org_slug}}/{path}/{{id}}/"]["delete"]
        [reason] = [p for p in operation["parameters"] if p["name"] == "reason"]
        assert (reason["in"], reason["required"]) == ("query", True), path
