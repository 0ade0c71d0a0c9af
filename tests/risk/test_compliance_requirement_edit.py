"""A compliance requirement is corrected after it was recorded: a typo in its title, a new
interval or due date agreed with the partner, the harmonised standard once both sides settle it,
another owner. Its partnership and its framework stay (the framework's officers attest it), and
attestations already recorded keep the period they covered."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from risk import services
from risk.models import ComplianceRequirement
from tenancy.audit import audit_value
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Role
from tests.page_forms import form_as_sent
from tests.partnerships.factories import PartnershipFactory
from tests.risk.factories import ComplianceRequirementFactory

pytestmark = pytest.mark.django_db
DUE = date(2030, 3, 31)


@pytest.fixture
def requirement(org_a, partnership, manager):
    with tenant_scope(org_a):
        return ComplianceRequirementFactory(
            organization=org_a, partnership=partnership, framework="gdpr", jurisdiction="EU",
            title="DPA registr", due_on=DUE, attestation_months=12, owner=manager,
        )  # fmt: skip


def _stored(org, requirement):
    with tenant_scope(org):
        return ComplianceRequirement.objects.get(pk=requirement.pk)


def test_a_requirement_is_corrected_and_the_change_is_audited(
    org_a, manager, requirement, make_member
):
    colleague = make_member(org_a, Role.LEGAL, full_name="Lea Legal")
    with tenant_scope(org_a):
        services.compliance_requirement_update(
            requirement=requirement, actor=manager, title="  DPA register ", jurisdiction=" de ",
            attestation_months=6, due_on=date(2030, 6, 30), owner=colleague,
            harmonised_standard="Art. 28 GDPR clauses, both parties",
        )  # fmt: skip
        event = AuditEvent.objects.get(action="risk.compliance_requirement.updated")
    stored = _stored(org_a, requirement)
    assert (stored.title, stored.jurisdiction, stored.attestation_months, stored.due_on) == (
        "DPA register", "DE", 6, date(2030, 6, 30),
    )  # fmt: skip
    assert stored.owner == colleague
    assert stored.harmonised_standard == "Art. 28 GDPR clauses, both parties"
    assert event.actor == manager
    assert event.changes["owner"] == [audit_value(manager), audit_value(colleague)]
    assert event.changes["title"] == ["DPA registr", "DPA register"]


@pytest.mark.parametrize("months", [0, 61, None])
def test_the_interval_stays_between_a_month_and_five_years(org_a, manager, requirement, months):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.compliance_requirement_update(
            requirement=requirement, actor=manager, attestation_months=months
        )
    assert refused.value.message_dict == {
        "attestation_months": ["Attest between every month and every 5 years."]
    }


def test_the_framework_and_the_partnership_stay(org_a, manager, requirement):
    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a)
        with pytest.raises(ValidationError) as framework:
            services.compliance_requirement_update(
                requirement=requirement, actor=manager, framework="sox"
            )
        with pytest.raises(ValidationError) as partnership:
            services.compliance_requirement_update(
                requirement=requirement, actor=manager, partnership=other
            )
        same = services.compliance_requirement_update(
            requirement=requirement, actor=manager, framework="gdpr", title="DPA register"
        )
    assert framework.value.message_dict == {
        "framework": ["A requirement keeps its framework: its officers attest it."]
    }
    assert partnership.value.message_dict == {
        "partnership": ["A requirement stays with its partnership."]
    }
    assert same.title == "DPA register" and _stored(org_a, requirement).framework == "gdpr"


def test_a_partner_guest_is_never_made_its_owner(org_a, manager, requirement, make_member):
    guest = make_member(org_a, Role.PARTNER_GUEST, full_name="Gus Guest")
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.compliance_requirement_update(requirement=requirement, actor=manager, owner=guest)
    assert list(refused.value.message_dict) == ["owner"]
    assert _stored(org_a, requirement).owner == manager


def test_an_edit_that_changes_nothing_is_not_audited(org_a, manager, requirement):
    with tenant_scope(org_a):
        services.compliance_requirement_update(
            requirement=requirement, actor=manager, title="DPA registr"
        )
        assert not AuditEvent.objects.filter(action="risk.compliance_requirement.updated").exists()


def test_the_edit_page_corrects_it_from_the_risk_tab(
    client_as, org_a, manager, partnership, requirement
):
    client = client_as(manager)
    tab = client.get(f"/o/alpha/partnerships/{partnership.pk}/risk/").content.decode()
    url = f"/o/alpha/risk/compliance/{requirement.pk}/"
    assert url in tab
    sent = form_as_sent(client.get(url).content.decode())
    assert "framework" not in sent and sent["title"] == "DPA registr"
    refused = client.post(url, {**sent, "attestation_months": "0"})
    assert refused.status_code == 400
    assert client.post(url, {**sent, "title": "DPA register"}).status_code == 302
    assert _stored(org_a, requirement).title == "DPA register"


def test_the_api_corrects_it_and_refuses_another_framework(api_as, org_a, manager, requirement):
    client = api_as(manager, org_a)
    url = f"/api/v1/o/alpha/risk/compliance-requirements/{requirement.pk}/"
    answer = client.patch(url, {"title": "DPA register", "due_on": "2030-06-30"}, format="json")
    assert answer.status_code == 200 and answer.json()["title"] == "DPA register"
    refused = client.patch(url, {"framework": "sox"}, format="json")
    assert refused.status_code == 400 and "framework" in str(refused.json())
    assert _stored(org_a, requirement).due_on == date(2030, 6, 30)


def test_a_guest_cannot_open_the_edit_page(client_as, org_a, requirement, partnership, owner):
    from partnerships.services import partnership_invite_guest
    from tests.tenancy.factories import MembershipFactory

    guest = MembershipFactory(organization=org_a, role=Role.PARTNER_GUEST).user
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)
    response = client_as(guest).get(f"/o/alpha/risk/compliance/{requirement.pk}/")
    assert response.status_code in (403, 404)
