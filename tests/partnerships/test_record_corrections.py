"""The records around a partnership (stakeholders, objectives, joint objectives, exclusivity,
joint IP, onboarding milestones) and around a partner (contacts, yearly financials,
certifications, sub-tier suppliers) are corrected on a page of their own and deleted after a
confirmation with a reason, which the audit log keeps. Only members who may change partnerships
see the links; a record of another partnership or partner is not found."""

from datetime import date

import pytest

from partnerships.models import (
    OnboardingMilestone,
    PartnerContact,
    Stakeholder,
    StakeholderObjective,
    SubTierLink,
)
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Role
from tests.partnerships.factories import (
    PartnerContactFactory,
    PartnerFactory,
    PartnershipFactory,
    StakeholderFactory,
    StakeholderObjectiveFactory,
)

pytestmark = pytest.mark.django_db


def _base(partnership):
    return f"/o/alpha/partnerships/{partnership.pk}/"


def test_a_stakeholder_is_corrected_then_deleted_with_a_reason(org_a, owner, client_as):
    with tenant_scope(org_a):
        stakeholder = StakeholderFactory(organization=org_a, name="Dana Smit")
        partnership = stakeholder.partnership
    client = client_as(owner)
    strategy = client.get(_base(partnership) + "strategy/").content.decode()
    edit = _base(partnership) + f"stakeholders/{stakeholder.pk}/edit/"
    delete = _base(partnership) + f"stakeholders/{stakeholder.pk}/delete/"
    assert edit in strategy and delete in strategy
    page = client.get(edit)
    assert page.status_code == 200 and 'value="Dana Smit"' in page.content.decode()
    saved = client.post(edit, {"name": "Dana Smit-Vos", "function": "legal", "user": ""})
    assert saved.status_code == 302 and saved.url == _base(partnership) + "strategy/"
    with tenant_scope(org_a):
        stored = Stakeholder.objects.get(pk=stakeholder.pk)
        updated = AuditEvent.objects.get(action="partnerships.stakeholder.updated")
    assert (stored.name, stored.function) == ("Dana Smit-Vos", "legal")
    assert updated.changes["name"] == ["Dana Smit", "Dana Smit-Vos"]

    confirm = client.get(delete).content.decode()
    assert "data-confirm=" in confirm and "cannot be undone" in confirm
    assert client.post(delete, {"reason": ""}).status_code == 400
    gone = client.post(delete, {"reason": "Left the company"})
    assert gone.status_code == 302
    with tenant_scope(org_a):
        assert not Stakeholder.objects.filter(pk=stakeholder.pk).exists()
        deleted = AuditEvent.objects.get(action="partnerships.stakeholder.deleted")
    assert deleted.changes == {"label": "Dana Smit-Vos", "reason": "Left the company"}
    assert deleted.actor == owner


def test_an_objective_keeps_its_choices_of_this_partnership(org_a, owner, client_as):
    with tenant_scope(org_a):
        objective = StakeholderObjectiveFactory(organization=org_a, title="Cut lead time")
        partnership = objective.partnership
        ours = StakeholderFactory(organization=org_a, partnership=partnership)
        theirs = StakeholderFactory(organization=org_a)  # another partnership's stakeholder
    client = client_as(owner)
    edit = _base(partnership) + f"objectives/{objective.pk}/edit/"
    form = {"title": "Cut lead time to 5 days", "priority": "1", "conflicts_with": []}
    refused = client.post(edit, {**form, "owner": theirs.pk})
    assert refused.status_code == 400
    assert client.post(edit, {**form, "owner": ours.pk}).status_code == 302
    with tenant_scope(org_a):
        stored = StakeholderObjective.objects.get(pk=objective.pk)
    assert (stored.title, stored.owner_id) == ("Cut lead time to 5 days", ours.pk)


def test_a_milestone_date_is_moved_on_the_onboarding_page(org_a, owner, client_as):
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a)
        milestone = OnboardingMilestone.objects.create(
            partnership=partnership, title="First delivery", due_date=date(2030, 5, 1)
        )
    client = client_as(owner)
    assert (
        _base(partnership) + f"milestones/{milestone.pk}/edit/"
        in client.get(_base(partnership) + "onboarding/").content.decode()
    )
    page = client.get(_base(partnership) + f"milestones/{milestone.pk}/edit/")
    assert 'value="2030-05-01"' in page.content.decode()
    moved = client.post(
        _base(partnership) + f"milestones/{milestone.pk}/edit/",
        {"title": "First delivery", "due_date": "2030-06-01"},
    )
    assert moved.status_code == 302 and moved.url == _base(partnership) + "onboarding/"
    with tenant_scope(org_a):
        assert OnboardingMilestone.objects.get(pk=milestone.pk).due_date == date(2030, 6, 1)


def test_a_partner_contact_is_corrected_and_deleted(org_a, owner, client_as):
    with tenant_scope(org_a):
        contact = PartnerContactFactory(organization=org_a, name="Ines Ruiz")
        partner = contact.partner
    client = client_as(owner)
    base = f"/o/alpha/partners/{partner.pk}/contacts/{contact.pk}/"
    detail = client.get(f"/o/alpha/partners/{partner.pk}/").content.decode()
    assert base + "edit/" in detail and base + "delete/" in detail
    saved = client.post(
        base + "edit/",
        {"name": "Inés Ruiz", "role": "Key account", "email": "ines@example.com", "phone": ""},
    )
    assert saved.status_code == 302
    assert client.post(base + "delete/", {"reason": "Duplicate"}).status_code == 302
    with tenant_scope(org_a):
        assert not PartnerContact.objects.filter(pk=contact.pk).exists()
        event = AuditEvent.objects.get(action="partnerships.partnercontact.updated")
    assert event.changes["name"] == ["Ines Ruiz", "Inés Ruiz"]


def test_only_the_partners_own_sub_tier_links_are_edited_from_its_page(org_a, owner, client_as):
    with tenant_scope(org_a):
        partner, supplier, deeper = (PartnerFactory(organization=org_a) for _ in range(3))
        own = SubTierLink.objects.create(partner=partner, supplier=supplier, supplies="Castings")
        tier2 = SubTierLink.objects.create(partner=supplier, supplier=deeper, supplies="Ore")
    html = client_as(owner).get(f"/o/alpha/partners/{partner.pk}/").content.decode()
    assert f"/partners/{partner.pk}/suppliers/{own.pk}/edit/" in html
    assert f"suppliers/{tier2.pk}/edit/" not in html


def test_a_record_of_another_partnership_is_not_found(org_a, owner, client_as):
    with tenant_scope(org_a):
        stakeholder = StakeholderFactory(organization=org_a)
        other = PartnershipFactory(organization=org_a)
    client = client_as(owner)
    url = _base(other) + f"stakeholders/{stakeholder.pk}/edit/"
    assert client.get(url).status_code == 404
    assert (
        client.post(
            _base(other) + f"stakeholders/{stakeholder.pk}/delete/", {"reason": "x"}
        ).status_code
        == 404
    )


def test_a_viewer_sees_no_record_links_and_is_refused_the_pages(org_a, make_member, client_as):
    viewer = make_member(org_a, Role.VIEWER, email="viewer@alpha.test")
    with tenant_scope(org_a):
        stakeholder = StakeholderFactory(organization=org_a)
        partnership = stakeholder.partnership
    client = client_as(viewer)
    strategy = client.get(_base(partnership) + "strategy/")
    assert strategy.status_code == 200
    assert f"stakeholders/{stakeholder.pk}/edit/" not in strategy.content.decode()
    for verb in ("edit", "delete"):
        url = _base(partnership) + f"stakeholders/{stakeholder.pk}/{verb}/"
        assert client.get(url).status_code == 403
        assert client.post(url, {"reason": "x", "name": "y"}).status_code == 403
    with tenant_scope(org_a):
        assert Stakeholder.objects.filter(pk=stakeholder.pk).exists()


def test_a_proposal_is_deleted_with_a_reason_and_a_started_partnership_is_not(
    org_a, owner, client_as
):
    with tenant_scope(org_a):
        proposal = PartnershipFactory(organization=org_a, status="proposed", name="Birch pilot")
        started = PartnershipFactory(organization=org_a, status="negotiating")
    client = client_as(owner)
    assert _base(proposal) + "delete/" in client.get(_base(proposal)).content.decode()
    assert _base(started) + "delete/" not in client.get(_base(started)).content.decode()
    refused = client.post(_base(started) + "delete/", {"reason": "Wrong"})
    assert refused.status_code == 400
    assert "A partnership in Negotiating is closed, never deleted." in refused.content.decode()
    assert client.post(_base(proposal) + "delete/", {"reason": ""}).status_code == 400
    gone = client.post(_base(proposal) + "delete/", {"reason": "Entered twice"})
    assert gone.status_code == 302
    with tenant_scope(org_a):
        from partnerships.models import Partnership

        assert not Partnership.objects.filter(pk=proposal.pk).exists()
        event = AuditEvent.objects.get(action="partnerships.partnership.deleted")
    assert event.changes == {"name": "Birch pilot", "reason": "Entered twice"}


def test_a_partner_without_partnerships_is_deleted_and_one_with_them_is_kept(
    org_a, owner, client_as
):
    with tenant_scope(org_a):
        lonely = PartnerFactory(organization=org_a, name="Cedar GmbH")
        busy = PartnershipFactory(organization=org_a).partner
    client = client_as(owner)
    assert (
        f"/partners/{lonely.pk}/delete/"
        in client.get(f"/o/alpha/partners/{lonely.pk}/").content.decode()
    )
    assert (
        f"/partners/{busy.pk}/delete/"
        not in client.get(f"/o/alpha/partners/{busy.pk}/").content.decode()
    )
    kept = client.post(f"/o/alpha/partners/{busy.pk}/delete/", {"reason": "Duplicate"})
    assert kept.status_code == 400
    assert "is kept with their history" in kept.content.decode()
    gone = client.post(f"/o/alpha/partners/{lonely.pk}/delete/", {"reason": "Duplicate"})
    assert gone.status_code == 302 and gone.url == "/o/alpha/partners/"
    with tenant_scope(org_a):
        event = AuditEvent.objects.get(action="partnerships.partner.deleted")
    assert event.changes == {"name": "Cedar GmbH", "reason": "Duplicate"}


def test_a_candidate_added_by_mistake_leaves_an_open_need(org_a, owner, client_as):
    from partnerships.models import SourcingCandidate
    from tests.partnerships.factories import SourcingCandidateFactory

    with tenant_scope(org_a):
        candidate = SourcingCandidateFactory(organization=org_a)
        case = candidate.case
    client = client_as(owner)
    url = f"/o/alpha/sourcing/candidates/{candidate.pk}/remove/"
    page = client.get(f"/o/alpha/sourcing/candidates/{candidate.pk}/").content.decode()
    assert url in page and "data-confirm=" in page
    done = client.post(url)
    assert done.status_code == 302 and done.url == f"/o/alpha/sourcing/{case.pk}/compare/"
    with tenant_scope(org_a):
        assert not SourcingCandidate.objects.filter(pk=candidate.pk).exists()
        assert (
            AuditEvent.objects.get(action="partnerships.sourcingcandidate.deleted").actor == owner
        )
