"""Management commands of the tenancy app."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tenancy.models import ApiKey
from tenancy.services import api_key_authenticate

pytestmark = pytest.mark.django_db


def test_create_api_key_prints_a_working_key_once(owner, org_a):
    out = StringIO()
    call_command("create_api_key", email=owner.email, org="alpha", stdout=out)
    raw = out.getvalue().strip()
    assert api_key_authenticate(raw, now=timezone.now()).user == owner
    assert ApiKey.objects.filter(user=owner, organization=org_a).count() == 1


def test_create_api_key_refuses_a_user_outside_the_organization(outsider, org_a):
    with pytest.raises(CommandError, match="not a member"):
        call_command("create_api_key", email=outsider.email, org="alpha")


def test_create_api_key_names_an_unknown_organization(owner):
    with pytest.raises(CommandError, match="No organization"):
        call_command("create_api_key", email=owner.email, org="nope")


def test_verify_audit_chain_reports_ok_per_organization(org_a, owner):
    from partnerships.services import partner_create
    from tenancy.context import tenant_scope

    with tenant_scope(org_a):
        partner_create(actor=owner, name="Acme")
    out = StringIO()
    call_command("verify_audit_chain", stdout=out)
    assert "alpha: OK (1 events)" in out.getvalue()
