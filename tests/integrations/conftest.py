"""Fixtures of the integrations tests: a manager who owns a partnership, the partner's guest
invited to it, a weekly forecast, the shared real-world EDI data (skipped with the reason when
absent), and a helper that ingests a message."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from integrations import services
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory


def shared_data_dir() -> Path:
    override = os.environ.get("PARTNERLINE_SHARED_DATA")
    return Path(override) if override else Path(settings.BASE_DIR).parent / "shared" / "data"


def shared_file(*parts: str) -> Path:
    """A file of ../shared/data, or a skip that says where it was looked for."""
    path = shared_data_dir().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available (the shared real-world data; set "
                    "PARTNERLINE_SHARED_DATA)")  # fmt: skip
    return path


@pytest.fixture
def manager(org_a, make_member):
    return make_member(org_a, Role.PROCUREMENT_MANAGER, email="manager@alpha.test")


@pytest.fixture
def partnership(org_a, manager):
    return PartnershipFactory(organization=org_a, owner=manager, name="Alder drive-train")


@pytest.fixture
def guest(org_a, make_member, partnership):
    """The partner's guest, invited to the partnership."""
    from partnerships.services import partnership_invite_guest

    user = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=user, actor=None)
    return user


@pytest.fixture
def forecast(org_a, manager, partnership):
    """A weekly forecast of the partnership, in pieces, with no version yet."""
    with tenant_scope(org_a):
        return services.forecast_create(
            partnership=partnership, title="Bearings 2026", update_frequency="weekly",
            unit="PCE", actor=manager,
        )  # fmt: skip


@pytest.fixture
def ingest(org_a, partnership, manager):
    """ingest(content) → (document, created), inside organization A's scope."""

    def run(
        content: bytes,
        *,
        filename="message.edi",
        actor=manager,
        to=None,
        clock=timezone.now,
        **kwargs,
    ):
        with tenant_scope(org_a):
            return services.edi_document_ingest(
                partnership=to or partnership,
                content=content,
                filename=filename,
                actor=actor,
                clock=clock,
                **kwargs,
            )

    return run
