"""Calendar feed tokens pinned against the mutants that survived `make mutation`
(docs/mutation.md): one token per person and organization, stored only as its SHA-256,
replaced when rotated and audited; a token names its organization and person, and answers only
while that person is an active member there."""

import hashlib

import pytest

from governance import services
from governance.models import CalendarFeedToken
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Membership, Role
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_sha256(scope, manager):
    token = services.calendar_token_rotate(user=manager)
    assert len(token) == 43  # 32 random bytes, URL-safe base64
    row = CalendarFeedToken.objects.get()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert services.hash_token(token) == row.token_hash
    assert token not in row.token_hash
    assert (row.organization, row.user) == (scope, manager)


def test_rotating_replaces_the_token_and_is_audited_each_time(scope, manager, committee):
    first = services.calendar_token_rotate(user=manager)
    second = services.calendar_token_rotate(user=manager)
    services.calendar_token_rotate(user=committee)
    assert first != second
    assert CalendarFeedToken.objects.filter(user=manager).count() == 1
    assert services.calendar_token_resolve(first) is None
    row, membership = services.calendar_token_resolve(second)
    assert (row.user, membership.user) == (manager, manager)
    events = AuditEvent.objects.filter(action="governance.calendar_feed.rotated").order_by("pk")
    assert [(e.actor, e.object_type, e.object_id) for e in events] == [
        (manager, "", ""),
        (manager, "", ""),
        (committee, "", ""),
    ]


def test_a_person_has_a_token_in_each_of_their_organizations(org_a, org_b, manager):
    MembershipFactory(organization=org_b, user=manager, role=Role.VIEWER)
    with tenant_scope(org_a):
        in_alpha = services.calendar_token_rotate(user=manager)
    with tenant_scope(org_b):
        in_bravo = services.calendar_token_rotate(user=manager)
    alpha_row, alpha_membership = services.calendar_token_resolve(in_alpha)
    bravo_row, bravo_membership = services.calendar_token_resolve(in_bravo)
    assert (alpha_row.organization, alpha_membership.organization) == (org_a, org_a)
    assert (bravo_row.organization, bravo_membership.organization) == (org_b, org_b)
    assert (alpha_membership.role, bravo_membership.role) == (
        Role.PROCUREMENT_MANAGER,
        Role.VIEWER,
    )


def test_a_token_answers_without_a_tenant_and_names_the_person_and_organization(
    org_a, manager, committee
):
    with tenant_scope(org_a):
        services.calendar_token_rotate(user=committee)
        token = services.calendar_token_rotate(user=manager)
    row, membership = services.calendar_token_resolve(token)
    assert (row.organization, row.user) == (org_a, manager)
    assert membership == Membership.objects.get(organization=org_a, user=manager)


def test_a_member_no_longer_active_has_no_feed_though_others_there_are_active(
    org_a, manager, committee
):
    with tenant_scope(org_a):
        token = services.calendar_token_rotate(user=manager)
    Membership.objects.filter(user=manager).update(is_active=False)
    assert services.calendar_token_resolve(token) is None
    assert Membership.objects.filter(organization=org_a, user=committee, is_active=True).exists()


def test_a_member_who_left_has_no_feed_even_as_a_member_elsewhere(org_a, org_b, manager):
    MembershipFactory(organization=org_b, user=manager)
    with tenant_scope(org_a):
        token = services.calendar_token_rotate(user=manager)
    Membership.objects.filter(organization=org_a, user=manager).delete()
    assert services.calendar_token_resolve(token) is None


def _stored_as(user, token):
    CalendarFeedToken.objects.filter(user=user).update(token_hash=services.hash_token(token))


def test_an_unknown_empty_or_overlong_token_names_no_one(org_a, manager):
    """A token is looked up up to 100 characters; an empty one or a longer one never is."""
    with tenant_scope(org_a):
        services.calendar_token_rotate(user=manager)
    assert services.calendar_token_resolve("not-a-token") is None
    assert services.calendar_token_resolve(None) is None
    _stored_as(manager, "a" * 100)
    assert services.calendar_token_resolve("a" * 100)[0].user == manager
    _stored_as(manager, "a" * 101)
    assert services.calendar_token_resolve("a" * 101) is None
    _stored_as(manager, "")
    assert services.calendar_token_resolve("") is None
