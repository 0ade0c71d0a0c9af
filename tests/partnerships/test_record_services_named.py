"""The record services named, each rule with a test that fails without it: `record_update`
applies the model's rules and audits only what changed; `record_delete` audits the record's
label and the reason, and refuses (409 `in_use`) a record another row protects;
`partner_delete` keeps a partner with partnerships and audits the name and reason."""

import pytest
from django.core.exceptions import ValidationError

from partnerships import services
from partnerships.models import Partner, Stakeholder
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.partnerships.factories import PartnerFactory, PartnershipFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scope(org_a):
    with tenant_scope(org_a):
        yield org_a


def test_record_update_applies_the_models_rules_and_audits_only_what_changed(scope, owner):
    stakeholder = StakeholderFactory(organization=scope, name="Dana")
    services.record_update(record=stakeholder, actor=owner, name="Dana Smit")
    [event] = AuditEvent.objects.filter(action="partnerships.stakeholder.updated")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(stakeholder.pk),
        {"name": ["Dana", "Dana Smit"]},
    )
    services.record_update(record=stakeholder, actor=owner, name="Dana Smit")
    assert AuditEvent.objects.filter(action="partnerships.stakeholder.updated").count() == 1
    with pytest.raises(ValidationError) as refused:
        services.record_update(record=stakeholder, actor=owner, function="astrology")
    assert list(refused.value.message_dict) == ["function"]
    assert Stakeholder.objects.get(pk=stakeholder.pk).function == "procurement"


def test_record_delete_audits_the_label_and_a_trimmed_reason(scope, owner):
    stakeholder = StakeholderFactory(organization=scope, name="Dana Smit")
    pk = stakeholder.pk
    services.record_delete(record=stakeholder, actor=owner, reason="  Left the company ")
    assert not Stakeholder.objects.filter(pk=pk).exists()
    [event] = AuditEvent.objects.filter(action="partnerships.stakeholder.deleted")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(pk),
        {"label": "Dana Smit", "reason": "Left the company"},
    )
    other = StakeholderFactory(organization=scope, name="Ines")
    for blank in ("", "   ", None):
        with pytest.raises(ValidationError) as refused:
            services.record_delete(record=other, actor=owner, reason=blank)
        assert refused.value.message_dict == {
            "reason": ["Say why: the reason is kept in the audit log."]
        }
    assert Stakeholder.objects.filter(pk=other.pk).exists()
    assert AuditEvent.objects.filter(action="partnerships.stakeholder.deleted").count() == 1


def test_record_delete_refuses_a_record_another_row_protects(scope, owner):
    partner = PartnershipFactory(organization=scope).partner  # a partnership PROTECTs it
    with pytest.raises(ConflictError) as refused:
        services.record_delete(record=partner, actor=owner, reason="x")
    assert refused.value.code == "in_use"
    assert refused.value.message == f"“{partner}” is still used elsewhere and cannot be deleted."
    assert Partner.objects.filter(pk=partner.pk).exists()
    assert not AuditEvent.objects.filter(action="partnerships.partner.deleted").exists()


def test_partner_delete_keeps_a_partner_with_partnerships_and_audits_a_deletion(scope, owner):
    busy = PartnershipFactory(organization=scope).partner
    with pytest.raises(ConflictError) as refused:
        services.partner_delete(partner=busy, actor=owner, reason="Duplicate")
    assert (refused.value.code, refused.value.message) == (
        "has_partnerships",
        "This partner has partnerships and is kept with their history; only a partner "
        "without partnerships is deleted.",
    )
    assert Partner.objects.filter(pk=busy.pk).exists()
    lonely = PartnerFactory(organization=scope, name="Cedar GmbH")
    pk = lonely.pk
    services.partner_delete(partner=lonely, actor=owner, reason=" Duplicate ")
    assert not Partner.objects.filter(pk=pk).exists()
    [event] = AuditEvent.objects.filter(action="partnerships.partner.deleted")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(pk),
        {"name": "Cedar GmbH", "reason": "Duplicate"},
    )
    unexplained = PartnerFactory(organization=scope, name="Birch SA")
    with pytest.raises(ValidationError) as refused:
        services.partner_delete(partner=unexplained, actor=owner, reason="  ")
    assert list(refused.value.message_dict) == ["reason"]
    assert Partner.objects.filter(pk=unexplained.pk).exists()
    assert AuditEvent.objects.filter(action="partnerships.partner.deleted").count() == 1
