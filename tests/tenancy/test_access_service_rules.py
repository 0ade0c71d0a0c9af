"""Named rules of the organization-administration services (tenancy.access.services) that were
reached only through pages: an invitation's link and what a token resolves to, withdrawing an
invitation, taking a partnership away from a guest, the organization's settings, and signing in
with single sign-on. Each test calls the service itself and checks every rule it enforces."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve

from partnerships.models import PartnershipUserObjectPermission
from partnerships.services import partnership_invite_guest
from tenancy.access import services
from tenancy.access.services import InvalidInvitation, SingleSignOnRefused
from tenancy.context import tenant_scope
from tenancy.errors import TransitionNotAllowed
from tenancy.models import ApiKey, AuditEvent, Invitation, Membership, Organization, Role, User
from tenancy.services import api_key_create
from tests.partnerships.factories import PartnershipFactory
from tests.tenancy.sso import prove_domains

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _events(org, action) -> list[AuditEvent]:
    with tenant_scope(org):
        return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _invite(org, actor, email="new@alpha.test", role=Role.LEGAL, partnership=None, now=NOW):
    return services.member_invite(
        organization=org, email=email, role=role, actor=actor, now=now, partnership=partnership
    )


# --- invitation links -----------------------------------------------------------------------


def test_an_invitations_url_is_the_sites_accept_page_for_its_signed_token(org_a, owner, settings):
    settings.SITE_URL = "https://partnerline.example"
    invitation = _invite(org_a, owner)
    url = services.invitation_url(invitation)
    assert url.startswith("https://partnerline.example/")
    match = resolve(url.removeprefix("https://partnerline.example"))
    assert match.url_name == "invitation-accept"
    assert list(match.args) + list(match.kwargs.values()) == [services.invitation_token(invitation)]


def test_a_token_names_its_organization_and_the_invitation_it_was_made_for(
    org_a, org_b, owner, make_member
):
    invitation = _invite(org_a, owner)
    organization, payload = services.invitation_organization_from_token(
        services.invitation_token(invitation)
    )
    assert organization == org_a
    assert payload == {"o": org_a.pk, "i": invitation.pk, "n": invitation.nonce}
    with tenant_scope(organization):
        found = services.invitation_from_payload(payload)
    assert found == invitation
    assert (found.organization, found.partnership) == (org_a, None)
    # Another organization's invitation names that organization, never this one.
    bravo_admin = make_member(org_b, Role.ORG_ADMIN, email="admin@bravo.test")
    theirs = _invite(org_b, bravo_admin, email="new@bravo.test")
    assert services.invitation_organization_from_token(services.invitation_token(theirs))[0] == (
        org_b
    )


def test_a_token_still_resolves_after_expiry_the_accept_refuses_it(org_a, owner):
    invitation = _invite(org_a, owner, now=NOW - timedelta(days=365))
    assert invitation.is_expired(NOW)
    organization, payload = services.invitation_organization_from_token(
        services.invitation_token(invitation)
    )
    with tenant_scope(organization):
        assert services.invitation_from_payload(payload) == invitation


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        signing.dumps({"o": 1, "i": 1, "n": "x"}, salt="another.salt", compress=True),
    ],
    ids=["empty", "garbage", "another salt"],
)
def test_a_token_that_is_not_ours_is_not_a_valid_link(org_a, token):
    with pytest.raises(InvalidInvitation, match="^This invitation link is not valid.$"):
        services.invitation_organization_from_token(token)


def test_a_signed_token_of_an_organization_that_is_gone_is_not_a_valid_link(org_a, owner):
    invitation = _invite(org_a, owner)
    token = signing.dumps(
        {"o": Organization.objects.order_by("-pk").first().pk + 1000, "i": invitation.pk,
         "n": invitation.nonce},
        salt="tenancy.invitation", compress=True,
    )  # fmt: skip
    with pytest.raises(InvalidInvitation, match="^This invitation link is not valid.$"):
        services.invitation_organization_from_token(token)


def test_a_payload_with_an_old_nonce_or_an_unknown_invitation_is_refused(org_a, owner):
    invitation = _invite(org_a, owner)
    old = {"o": org_a.pk, "i": invitation.pk, "n": invitation.nonce}
    services.invitation_resend(invitation=invitation, actor=owner, now=NOW)
    replaced = (
        "This invitation link was replaced by a newer one or withdrawn. "
        "Use the latest e-mail, or ask for a new invitation."
    )
    with tenant_scope(org_a):
        for payload in (
            old,
            {**old, "i": invitation.pk + 1000},
            {"o": org_a.pk, "i": invitation.pk},  # no nonce
            {"o": org_a.pk, "n": invitation.nonce},  # no invitation
        ):
            with pytest.raises(InvalidInvitation) as refused:
                services.invitation_from_payload(payload)
            assert str(refused.value) == replaced
        fresh = {**old, "n": Invitation.objects.get(pk=invitation.pk).nonce}
        assert services.invitation_from_payload(fresh) == invitation


def test_a_payload_is_read_inside_its_organizations_scope_only(org_a, org_b, owner):
    invitation = _invite(org_a, owner)
    payload = {"o": org_a.pk, "i": invitation.pk, "n": invitation.nonce}
    with tenant_scope(org_b), pytest.raises(InvalidInvitation):
        services.invitation_from_payload(payload)


# --- withdrawing an invitation --------------------------------------------------------------


def test_withdrawing_a_pending_invitation_audits_when_and_who(org_a, owner):
    invitation = _invite(org_a, owner)
    revoked = services.invitation_revoke(invitation=invitation, actor=owner, now=NOW)
    assert revoked.status == Invitation.Status.REVOKED
    with tenant_scope(org_a):
        assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.REVOKED
    [event] = _events(org_a, "tenancy.invitation.revoked")
    assert (event.actor, event.object_id) == (owner, str(invitation.pk))
    assert event.changes == {"revoked_at": NOW.isoformat()}


def test_a_withdrawn_or_accepted_invitation_is_not_withdrawn_again(org_a, owner):
    invitation = _invite(org_a, owner)
    services.invitation_revoke(invitation=invitation, actor=owner, now=NOW)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.invitation_revoke(invitation=invitation, actor=owner, now=NOW)
    assert str(refused.value.message) == (
        "An invitation cannot go from “withdrawn” to “withdrawn”. Nothing can follow “withdrawn”."
    )
    accepted = _invite(org_a, owner, email="other@alpha.test")
    services.invitation_accept(invitation=accepted, now=NOW, password="a-Long-pass-4321")
    with tenant_scope(org_a):
        accepted = Invitation.objects.get(pk=accepted.pk)
    with pytest.raises(TransitionNotAllowed, match="from “accepted” to “withdrawn”"):
        services.invitation_revoke(invitation=accepted, actor=owner, now=NOW)
    assert len(_events(org_a, "tenancy.invitation.revoked")) == 1


def test_an_invitation_accepted_since_it_was_read_is_not_withdrawn(org_a, owner):
    """The page read the invitation while pending; the invitee accepted before the admin's click.
    The withdrawal is judged on the invitation as it is now, not as it was read."""
    read_earlier = _invite(org_a, owner)
    services.invitation_accept(invitation=read_earlier, now=NOW, password="a-Long-pass-4321")
    with pytest.raises(TransitionNotAllowed, match="from “accepted” to “withdrawn”"):
        services.invitation_revoke(invitation=read_earlier, actor=owner, now=NOW)
    with tenant_scope(org_a):
        assert Invitation.objects.get(pk=read_earlier.pk).status == Invitation.Status.ACCEPTED
    assert _events(org_a, "tenancy.invitation.revoked") == []


# --- taking a partnership away from a guest -------------------------------------------------


@pytest.fixture
def guest_world(org_a, owner, make_member):
    with tenant_scope(org_a):
        first = PartnershipFactory(organization=org_a, name="Castings alliance")
        second = PartnershipFactory(organization=org_a, name="Forgings alliance")
    guest = make_member(org_a, Role.PARTNER_GUEST, email="sam@supplier.test")
    with tenant_scope(org_a):
        for partnership in (first, second):
            partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)
    return {"guest": guest, "first": first, "second": second}


def _guest_partnerships(org, guest) -> set:
    with tenant_scope(org):
        return set(
            PartnershipUserObjectPermission.objects.filter(user=guest).values_list(
                "content_object_id", flat=True
            )
        )


def test_removing_a_guest_from_one_partnership_keeps_the_others_and_the_membership(
    org_a, owner, guest_world
):
    guest, first, second = guest_world["guest"], guest_world["first"], guest_world["second"]
    pending_here = _invite(org_a, owner, email=guest.email, role=Role.PARTNER_GUEST,
                           partnership=first)  # fmt: skip
    pending_there = _invite(org_a, owner, email=guest.email, role=Role.PARTNER_GUEST,
                            partnership=second)  # fmt: skip
    services.partnership_guest_remove(partnership=first, guest=guest, actor=owner, now=NOW)
    assert _guest_partnerships(org_a, guest) == {second.pk}
    assert Membership.objects.get(organization=org_a, user=guest).is_active
    with tenant_scope(org_a):
        statuses = dict(Invitation.objects.values_list("pk", "status"))
    assert statuses[pending_here.pk] == Invitation.Status.REVOKED  # its link no longer works
    assert statuses[pending_there.pk] == Invitation.Status.PENDING
    [removed] = _events(org_a, "partnerships.partnership.guest_removed")
    assert (removed.actor, removed.object_id, removed.changes) == (
        owner,
        str(first.pk),
        {"guest": guest.email},
    )
    assert _events(org_a, "tenancy.membership.deactivated") == []


def test_a_guest_left_without_partnerships_is_deactivated_and_loses_their_keys(
    org_a, owner, guest_world
):
    guest, first, second = guest_world["guest"], guest_world["first"], guest_world["second"]
    api_key_create(organization=org_a, user=guest, name="guest's script", now=NOW)
    services.partnership_guest_remove(partnership=first, guest=guest, actor=owner, now=NOW)
    services.partnership_guest_remove(partnership=second, guest=guest, actor=owner, now=NOW)
    membership = Membership.objects.get(organization=org_a, user=guest)
    assert not membership.is_active
    assert not ApiKey.objects.filter(organization=org_a, user=guest, revoked_at__isnull=True)
    [event] = _events(org_a, "tenancy.membership.deactivated")
    assert event.actor == owner
    assert event.changes == {
        "user": guest.email,
        "reason": "No partnership left after removal from Forgings alliance",
        "api_keys_revoked": 1,
    }
    # Removing again changes nothing more: no second deactivation, no error.
    services.partnership_guest_remove(partnership=second, guest=guest, actor=owner, now=NOW)
    assert len(_events(org_a, "tenancy.membership.deactivated")) == 1


def test_only_a_partner_guest_of_this_organization_is_removed_from_a_partnership(
    org_a, org_b, owner, member, make_member, guest_world
):
    stranger = make_member(org_b, Role.PARTNER_GUEST, email="guest@bravo.test")
    nobody = User.objects.create(email="nobody@nowhere.test")
    for person in (member, stranger, nobody):
        with pytest.raises(ValidationError) as refused:
            services.partnership_guest_remove(
                partnership=guest_world["first"], guest=person, actor=owner, now=NOW
            )
        assert refused.value.message_dict == {"user": ["This person is not a partner guest here."]}
    assert Membership.objects.get(organization=org_a, user=member).is_active
    assert _events(org_a, "partnerships.partnership.guest_removed") == []


# --- the organization's settings ------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _settings(org, actor, **changes):
    values = {"name": org.name, "default_currency": org.default_currency,
              "time_zone": org.time_zone, **changes}  # fmt: skip
    return services.organization_update_settings(organization=org, actor=actor, **values)


def test_settings_are_saved_cleaned_and_audited_field_by_field(org_a, owner):
    organization = _settings(
        org_a, owner, name="  Alpha Group  ", default_currency=" chf ", time_zone="Europe/Zurich"
    )
    stored = Organization.objects.get(pk=org_a.pk)
    assert (stored.name, stored.default_currency, stored.time_zone) == (
        "Alpha Group",
        "CHF",
        "Europe/Zurich",
    )
    assert organization.name == "Alpha Group"
    [event] = _events(org_a, "tenancy.organization.settings_changed")
    assert event.actor == owner
    assert event.changes == {
        "name": ["Alpha Industries", "Alpha Group"],
        "default_currency": ["EUR", "CHF"],
        "time_zone": ["UTC", "Europe/Zurich"],
    }


def test_saving_the_same_settings_records_no_event(org_a, owner):
    _settings(org_a, owner)
    assert _events(org_a, "tenancy.organization.settings_changed") == []


def test_every_bad_setting_is_its_own_field_error_and_nothing_is_saved(org_a, owner, media):
    with pytest.raises(ValidationError) as refused:
        _settings(
            org_a, owner, name="   ", default_currency="EURO", time_zone="Mars/Olympus",
            logo=SimpleUploadedFile("logo.gif", b"GIF89a" + b"\x00" * 32),
        )  # fmt: skip
    assert refused.value.message_dict == {
        "name": ["Give the organization a name."],
        "default_currency": ["Use a three-letter ISO 4217 code, such as EUR."],
        "time_zone": ["Choose a time zone from the list."],
        "logo": ["Upload a PNG or JPEG image."],
    }
    too_big = SimpleUploadedFile("logo.png", PNG + b"\x00" * (512 * 1024))
    with pytest.raises(ValidationError) as refused:
        _settings(org_a, owner, logo=too_big)
    assert refused.value.message_dict == {"logo": ["The logo may be at most 512 KB."]}
    stored = Organization.objects.get(pk=org_a.pk)
    assert (stored.name, stored.default_currency, stored.time_zone, stored.logo.name) == (
        "Alpha Industries",
        "EUR",
        "UTC",
        "",
    )
    assert _events(org_a, "tenancy.organization.settings_changed") == []


def test_a_logo_is_replaced_or_removed_and_removing_none_changes_nothing(org_a, owner, media):
    _settings(org_a, owner, remove_logo=True)
    assert _events(org_a, "tenancy.organization.settings_changed") == []

    jpeg = SimpleUploadedFile("mark.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    organization = _settings(org_a, owner, logo=jpeg)
    assert organization.logo.name.startswith("organization-logos/alpha-mark")
    with organization.logo.open("rb") as stored:
        assert stored.read().startswith(b"\xff\xd8\xff")

    organization = _settings(organization, owner, remove_logo=True, logo=None)
    assert Organization.objects.get(pk=org_a.pk).logo.name == ""
    assert [e.changes for e in _events(org_a, "tenancy.organization.settings_changed")] == [
        {"logo": "replaced"},
        {"logo": "removed"},
    ]


# --- single sign-on -------------------------------------------------------------------------


@pytest.fixture
def sso(org_a, owner):
    config = services.sso_configure(
        organization=org_a,
        actor=owner,
        issuer="https://login.alpha.test",
        client_id="partnerline",
        client_secret="s3cret",
        email_domains="alpha.test, alpha-group.test",
        role_claim="partnerline_role",
        default_role=Role.VIEWER,
        allow_jit=True,
        is_enabled=True,
        now=NOW,
    )
    return prove_domains(config, owner)


def _membership(org, email) -> Membership:
    return Membership.objects.get(organization=org, user__email=email)


@pytest.mark.parametrize(
    "claims",
    [{}, {"email": "  "}, {"email": "rae@alpha.test", "email_verified": False}],
    ids=["no e-mail", "blank e-mail", "unverified e-mail"],
)
def test_a_token_without_a_confirmed_email_is_refused(org_a, sso, claims):
    with pytest.raises(SingleSignOnRefused, match="^Your provider did not confirm an e-mail"):
        services.sso_sign_in(config=sso, claims=claims, now=NOW)
    assert not User.objects.filter(email="rae@alpha.test").exists()


def test_an_email_outside_the_organizations_domains_is_refused(org_a, sso):
    with pytest.raises(SingleSignOnRefused) as refused:
        services.sso_sign_in(config=sso, claims={"email": "eve@alpha.test.evil"}, now=NOW)
    assert str(refused.value) == (
        "eve@alpha.test.evil is not in a domain that signs in to Alpha Industries."
    )
    assert not User.objects.filter(email="eve@alpha.test.evil").exists()


def test_a_new_colleague_becomes_a_member_with_the_claimed_role_and_no_password(org_a, sso):
    # No `email_verified` claim: an address the provider does not flag is taken as confirmed
    # (many providers omit the claim); only `false` refuses.
    user = services.sso_sign_in(
        config=sso,
        claims={
            "email": " Rae@Alpha-Group.test ",
            "name": "Rae Legal",
            "partnerline_role": "Legal",
        },
        now=NOW,
    )
    assert (user.email, user.full_name, user.has_usable_password()) == (
        "rae@alpha-group.test",
        "Rae Legal",
        False,
    )
    assert _membership(org_a, "rae@alpha-group.test").role == Role.LEGAL
    [event] = _events(org_a, "tenancy.membership.granted")
    assert event.actor == user
    assert event.changes == {
        "user": "rae@alpha-group.test",
        "role": "legal",
        "via": "single sign-on",
    }


@pytest.mark.parametrize(
    ("claim", "role"),
    [
        (None, Role.VIEWER),
        ("partner_guest", Role.VIEWER),  # never a guest by claim: guests come by invitation
        ("chief", Role.VIEWER),
        (["chief", "finance"], Role.FINANCE),
        ("Procurement manager", Role.PROCUREMENT_MANAGER),
    ],
)
def test_the_role_is_the_first_member_role_claimed_else_the_default(org_a, sso, claim, role):
    claims = {"email": "vic@alpha.test", **({"partnerline_role": claim} if claim else {})}
    services.sso_sign_in(config=sso, claims=claims, now=NOW)
    assert _membership(org_a, "vic@alpha.test").role == role


def test_without_just_in_time_membership_a_stranger_is_refused(org_a, sso):
    sso.allow_jit = False
    sso.save()
    with pytest.raises(SingleSignOnRefused) as refused:
        services.sso_sign_in(config=sso, claims={"email": "new@alpha.test"}, now=NOW)
    assert str(refused.value) == (
        "You are not a member of Alpha Industries yet. Ask an administrator to invite you."
    )
    assert not Membership.objects.filter(organization=org_a, user__email="new@alpha.test")


def test_without_just_in_time_membership_a_pending_invitation_is_accepted(org_a, owner, sso):
    sso.allow_jit = False
    sso.save()
    expired = _invite(org_a, owner, email="late@alpha.test", now=NOW - timedelta(days=30))
    with pytest.raises(SingleSignOnRefused, match="not a member"):
        services.sso_sign_in(config=sso, claims={"email": "late@alpha.test"}, now=NOW)
    invitation = _invite(org_a, owner, email="new@alpha.test", role=Role.FINANCE)
    user = services.sso_sign_in(config=sso, claims={"email": "new@alpha.test"}, now=NOW)
    assert _membership(org_a, "new@alpha.test").role == Role.FINANCE
    with tenant_scope(org_a):
        accepted = Invitation.objects.get(pk=invitation.pk)
        assert Invitation.objects.get(pk=expired.pk).status == Invitation.Status.PENDING
    assert (accepted.status, accepted.accepted_by) == (Invitation.Status.ACCEPTED, user)


def test_a_members_role_follows_the_claim_but_never_a_guests_nor_the_last_admins(
    org_a, owner, sso, make_member, guest_world
):
    make_member(org_a, Role.LEGAL, email="lee@alpha.test")
    services.sso_sign_in(
        config=sso, claims={"email": "lee@alpha.test", "partnerline_role": "finance"}, now=NOW
    )
    assert _membership(org_a, "lee@alpha.test").role == Role.FINANCE
    [changed] = _events(org_a, "tenancy.membership.role_changed")
    assert changed.changes == {"role": ["legal", "finance"], "user": "lee@alpha.test"}

    guest = make_member(org_a, Role.PARTNER_GUEST, email="gus@alpha.test")
    services.sso_sign_in(
        config=sso, claims={"email": guest.email, "partnerline_role": "org_admin"}, now=NOW
    )
    assert _membership(org_a, guest.email).role == Role.PARTNER_GUEST

    # The only admin signs in with a claim that would demote them: they stay admin.
    services.sso_sign_in(
        config=sso, claims={"email": owner.email, "partnerline_role": "viewer"}, now=NOW
    )
    assert _membership(org_a, owner.email).role == Role.ORG_ADMIN
    assert len(_events(org_a, "tenancy.membership.role_changed")) == 1


def test_a_deactivated_member_is_refused_until_invited_again(org_a, owner, sso, make_member):
    former = make_member(org_a, Role.LEGAL, email="former@alpha.test")
    services.membership_deactivate(
        membership=_membership(org_a, former.email), actor=owner, reason="Left", now=NOW
    )
    with pytest.raises(SingleSignOnRefused) as refused:
        services.sso_sign_in(config=sso, claims={"email": former.email}, now=NOW)
    assert str(refused.value) == (
        "Your access to Alpha Industries was removed. Ask an administrator to invite you again."
    )
    assert not _membership(org_a, former.email).is_active
    # Invited again, they sign in with the provider (an SSO account has no password to sign in
    # with and accept the link).
    invitation = _invite(org_a, owner, email=former.email, role=Role.FINANCE)
    assert services.sso_sign_in(config=sso, claims={"email": former.email}, now=NOW) == former
    membership = _membership(org_a, former.email)
    assert (membership.is_active, membership.role) == (True, Role.FINANCE)
    with tenant_scope(org_a):
        assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.ACCEPTED


def test_an_account_of_another_organization_joins_only_by_accepting_with_its_password(
    org_a, org_b, owner, sso, make_member
):
    # Bravo's person, whose address happens to be in a domain Alpha's provider signs in.
    dana = make_member(org_b, Role.ORG_ADMIN, email="dana@alpha.test")
    with pytest.raises(SingleSignOnRefused) as refused:
        services.sso_sign_in(config=sso, claims={"email": "dana@alpha.test"}, now=NOW)
    assert str(refused.value) == (
        "You already have a Partnerline account. Ask an administrator of Alpha Industries to "
        "invite you."
    )
    assert not Membership.objects.filter(organization=org_a, user__email="dana@alpha.test")
    invitation = _invite(org_a, owner, email="dana@alpha.test", role=Role.FINANCE)
    with pytest.raises(SingleSignOnRefused) as refused:
        services.sso_sign_in(config=sso, claims={"email": "dana@alpha.test"}, now=NOW)
    assert str(refused.value) == (
        "You already have a Partnerline account. Open the invitation from your e-mail and sign "
        "in with your password to accept it."
    )
    assert not Membership.objects.filter(organization=org_a, user__email="dana@alpha.test")
    # Dana accepts, signed in with her password; from then on Alpha's provider signs her in.
    services.invitation_accept(invitation=invitation, user=dana, now=NOW)
    assert services.sso_sign_in(config=sso, claims={"email": "dana@alpha.test"}, now=NOW) == dana
    assert _membership(org_a, "dana@alpha.test").role == Role.FINANCE
