"""Security protocols per connector: who may send through it (roles, API keys), encryption in
transit and at rest as stated and checked where the app can check it (the endpoint is
encrypted and agrees with what is stated), and a monitoring contact; a connector goes active
only with encryption in transit and a monitoring contact."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from integrations import services
from integrations.models import EdiDocument
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import Role
from tenancy.services import api_key_create
from tests.integrations import samples
from tests.integrations.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/o/alpha"
SENDER = "5412345000013"  # the supplier the sample order is addressed to


def _create(org, partnership, manager, **fields):
    values = {"name": "Feed", "method": "edifact", "partner_identifiers": [SENDER], **fields}
    with tenant_scope(org):
        return services.connector_create(partnership=partnership, actor=manager, **values)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"endpoint_url": "http://edi.alder.example/in"}, "endpoint_url"),
        ({"endpoint_url": "ftp://edi.alder.example/in"}, "endpoint_url"),
        ({"endpoint_url": "not a url"}, "endpoint_url"),
        ({"endpoint_url": "sftp://edi.alder.example/in"}, "encryption_in_transit"),  # stated TLS
        ({"endpoint_url": "https://edi.alder.example", "encryption_in_transit": "ssh"},
         "encryption_in_transit"),
        ({"allowed_api_keys": ["nosuchkey"]}, "allowed_api_keys"),
        ({"allowed_roles": ["partner_guest"]}, "allowed_roles"),
    ],
)  # fmt: skip
def test_what_the_app_can_check_of_the_protocol_is_checked(
    org_a, partnership, manager, fields, error
):
    with pytest.raises(ValidationError) as refused:
        _create(org_a, partnership, manager, **fields)
    assert error in refused.value.message_dict


def test_an_encrypted_endpoint_that_agrees_with_the_statement_is_accepted(
    org_a, partnership, manager
):
    connector = _create(
        org_a, partnership, manager, endpoint_url="sftp://edi.alder.example/in",
        encryption_in_transit="ssh", encryption_at_rest="pgp", monitoring_contact="EDI desk",
    )  # fmt: skip
    checks = services.connector_security_checks(connector)
    assert all(met for met, _ in checks)


def test_a_connector_goes_active_only_with_encryption_in_transit_and_a_monitoring_contact(
    org_a, partnership, manager
):
    bare = _create(org_a, partnership, manager, encryption_in_transit="none")
    with tenant_scope(org_a), pytest.raises(ConflictError) as refused:
        services.connector_transition(connector=bare, actor=manager, status="active")
    assert "encryption in transit and a monitoring contact" in str(refused.value)
    with tenant_scope(org_a):
        services.connector_update(
            connector=bare, actor=manager, encryption_in_transit="vpn",
            monitoring_contact="On-call +49 30 1234",
        )  # fmt: skip
        assert (
            services.connector_transition(connector=bare, actor=manager, status="active").status
            == "active"
        )


def _send(client, partnership, number):
    body = {"partnership": partnership.pk, "content": samples.edifact(number=number).decode()}
    return client.post(f"{API}/edi-documents/", body, format="json")


def test_only_the_allowed_roles_and_keys_send_through_the_connector(
    org_a, partnership, manager, owner, api_as
):
    with tenant_scope(org_a):
        allowed_key, raw_allowed = api_key_create(
            organization=org_a, user=owner, name="ERP", now=timezone.now()
        )
    ConnectorFactory(
        organization=org_a, partnership=partnership, partner_identifiers=[SENDER],
        allowed_roles=[Role.ORG_ADMIN], allowed_api_keys=[allowed_key.prefix],
    )  # fmt: skip
    # A procurement manager's key: the role is not allowed.
    by_manager = _send(api_as(manager, org_a), partnership, "PO-1")
    assert by_manager.status_code == 422
    assert "role may not send" in by_manager.json()["error"]["message"]
    # An admin, but with another key.
    other = _send(api_as(owner, org_a), partnership, "PO-2")
    assert other.status_code == 422 and "may not push" in other.json()["error"]["message"]
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_allowed}")
    sent = _send(client, partnership, "PO-3")
    assert sent.status_code == 201, sent.content
    with tenant_scope(org_a):
        assert EdiDocument.objects.filter(status="accepted").count() == 1


def test_the_connector_page_shows_its_security_protocol(org_a, partnership, manager, client_as):
    connector = ConnectorFactory(
        organization=org_a, partnership=partnership, endpoint_url="https://edi.alder.example",
        monitoring_contact="",
    )  # fmt: skip
    page = client_as(manager).get(reverse("connector-detail", args=["alpha", connector.pk]))
    html = page.content.decode()
    assert 'data-testid="connector-security"' in html
    assert "Monitoring contact: none named" in html and "https://edi.alder.example" in html
