"""The module registry drives navigation, workspace tabs, permissions and URL mounting."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tenancy.modules import MODULES, module_apps
from tenancy.permissions import ALL_MODULES, has_permission
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def _nav_modules(html: str) -> list[str]:
    return re.findall(r'data-module="([a-z_]+)"', html)


def test_every_module_of_the_registry_is_installed_and_permissioned():
    assert [app for app in settings.INSTALLED_APPS if app in MODULES] == module_apps()
    assert set(MODULES) <= set(ALL_MODULES)


def test_a_staff_member_sees_every_module_in_the_navigation(client_as, member):
    html = client_as(member).get("/o/alpha/").content.decode()
    assert _nav_modules(html) == list(MODULES)


def test_a_partner_guest_sees_only_the_modules_they_may_open(client_as, org_a, make_member, owner):
    guest = make_member(org_a, Role.PARTNER_GUEST)
    partnership = PartnershipFactory(organization=org_a)
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)
    client = client_as(guest)
    html = client.get("/o/alpha/").content.decode()
    shown = _nav_modules(html)
    assert shown == [code for code, module in MODULES.items() if module.guest]
    assert "risk" not in shown  # the buyer's risk register stays internal
    for code, module in MODULES.items():  # no link answers 403, no hidden module answers 200
        status = client.get(reverse(module.home_url, args=["alpha"])).status_code
        assert (status == 200) == (code in shown), code


def test_the_guest_workspace_shows_only_tabs_of_modules_the_guest_may_open(
    client_as, org_a, make_member, owner
):
    guest = make_member(org_a, Role.PARTNER_GUEST)
    partnership = PartnershipFactory(organization=org_a)
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)
    html = client_as(guest).get(f"/o/alpha/partnerships/{partnership.pk}/").content.decode()
    staff_html = client_as(owner).get(f"/o/alpha/partnerships/{partnership.pk}/").content.decode()
    assert f"/partnerships/{partnership.pk}/risk/" in staff_html
    assert f"/partnerships/{partnership.pk}/risk/" not in html


def test_guest_visibility_is_a_registry_attribute(monkeypatch, org_a, make_member):
    from dataclasses import replace

    from tenancy import permissions

    guest_membership = make_member(org_a, Role.PARTNER_GUEST).memberships.get()
    assert not has_permission(guest_membership, "risk.view")
    monkeypatch.setitem(MODULES, "risk", replace(MODULES["risk"], guest=True))
    monkeypatch.setitem(
        permissions.ROLE_PERMISSIONS,
        Role.PARTNER_GUEST,
        permissions._view_for(Role.PARTNER_GUEST),
    )
    assert has_permission(guest_membership, "risk.view")


def test_the_import_contracts_cover_exactly_the_registered_modules():
    """pyproject's import-linter lists cannot import the registry; this keeps them equal."""
    import tomllib

    from tenancy.modules import KERNEL_APP

    config = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["tool"]
    linter = config["importlinter"]
    apps = set(module_apps())
    assert set(linter["root_packages"]) == {KERNEL_APP, "config", *apps}
    for contract in linter["contracts"]:
        if contract["type"] == "layers":
            assert set(contract["containers"]) == {KERNEL_APP, *apps}, contract["name"]
        elif contract["source_modules"] == [KERNEL_APP]:
            assert set(contract["forbidden_modules"]) == apps, contract["name"]
        elif "*" not in contract["source_modules"][0]:
            assert set(contract["source_modules"]) == apps, contract["name"]
