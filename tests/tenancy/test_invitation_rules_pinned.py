"""Pinned rules of invitations and the organization's settings
(`tenancy.access.services.members`) that the thirteenth session's mutation run left unpinned:
each refusal's field and words, what an invitation, a new link and an acceptance store and
audit, the link's checks, and the logo's limits. Called directly; each test names its rule."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signing import dumps
from django.db import transaction
from django.db.models.fields.files import FieldFile

from partnerships.models import PartnershipUserObjectPermission
from tenancy.access import services
from tenancy.access.services import members
from tenancy.access.services.members import LOGO_MAX_BYTES
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Invitation, Membership, Organization, Role
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
PASSWORD = "a-Long-pass-2030"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _invite(org, actor, email="new@alpha.test", role=Role.LEGAL, partnership=None, now=NOW):
    return services.member_invite(
        organization=org, email=email, role=role, actor=actor, now=now, partnership=partnership
    )


def _invite_refusals(org, actor, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        _invite(org, actor, **fields)
    return refused.value.message_dict


def _events(org, action):
    with tenant_scope(org):
        return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _stored(org, invitation):
    with tenant_scope(org):
        return Invitation.objects.get(pk=invitation.pk)


@pytest.fixture
def alder(org_a):
    with tenant_scope(org_a):
        return PartnershipFactory(organization=org_a, name="Alder")


# --- inviting ---------------------------------------------------------------------------------


def test_an_invitation_stores_the_address_in_lower_case_a_fresh_nonce_and_a_week_to_accept(
    org_a, owner, settings
):
    settings.INVITATION_VALIDITY = timedelta(days=3)
    invitation = _stored(org_a, _invite(org_a, owner, "  New.Person@Alpha.TEST "))
    assert (
        invitation.email,
        invitation.role,
        invitation.partnership,
        invitation.invited_by,
        invitation.status,
        invitation.created_at,
        invitation.sent_at,
        invitation.expires_at,
    ) == (
        "new.person@alpha.test",
        Role.LEGAL,
        None,
        owner,
        Invitation.Status.PENDING,
        NOW,
        NOW,
        NOW + timedelta(days=3),
    )
    assert len(invitation.nonce) == 32
    assert invitation.nonce != _invite(org_a, owner, "other@alpha.test").nonce


def test_an_invitation_is_audited_with_the_address_role_and_partnership(org_a, owner, alder):
    member = _invite(org_a, owner)
    guest = _invite(org_a, owner, "guest@supplier.test", Role.PARTNER_GUEST, alder)
    first, second = _events(org_a, "tenancy.invitation.created")
    assert (first.actor, first.object_id, first.changes) == (
        owner,
        str(member.pk),
        {"email": "new@alpha.test", "role": "legal", "partnership": None},
    )
    assert (second.object_id, second.changes) == (
        str(guest.pk),
        {"email": "guest@supplier.test", "role": "partner_guest", "partnership": alder.pk},
    )


@pytest.mark.parametrize("email", ["", "  ", "not-an-address", "a@b", "two@x.test, y@x.test"])
def test_an_invitation_needs_a_valid_address(org_a, owner, email):
    assert _invite_refusals(org_a, owner, email=email) == {
        "email": ["Enter a valid e-mail address."]
    }


@pytest.mark.parametrize("role", ["", "owner", "LEGAL"])
def test_an_invitation_needs_a_role_we_have(org_a, owner, role):
    assert _invite_refusals(org_a, owner, role=role) == {
        "role": ["Choose one of the offered roles."]
    }


def test_a_guest_is_invited_to_a_partnership_and_only_a_guest(org_a, owner, alder):
    assert _invite_refusals(org_a, owner, role=Role.PARTNER_GUEST) == {
        "role": ["Invite a partner guest from the partnership's page."]
    }
    assert _invite_refusals(org_a, owner, role=Role.FINANCE, partnership=alder) == {
        "role": ["Only a partner guest is invited to one partnership."]
    }
    with tenant_scope(org_a):
        assert not Invitation.objects.exists()


def test_an_active_member_is_not_invited_again(org_a, owner, make_member, alder):
    make_member(org_a, Role.VIEWER, email="pat@alpha.test")
    assert _invite_refusals(org_a, owner, email="PAT@alpha.test") == {
        "email": ["pat@alpha.test is already a member of Alpha Industries."]
    }
    assert _invite_refusals(
        org_a, owner, email="pat@alpha.test", role=Role.PARTNER_GUEST, partnership=alder
    ) == {"email": ["pat@alpha.test is a member of Alpha Industries and sees every partnership."]}


def test_a_guest_is_invited_to_another_partnership_and_a_former_member_back(
    org_a, owner, make_member, alder
):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    assert _invite(org_a, owner, guest.email, Role.PARTNER_GUEST, alder).partnership == alder
    assert _invite_refusals(org_a, owner, email=guest.email) == {
        "email": ["guest@supplier.test is already a member of Alpha Industries."]
    }
    former = make_member(org_a, Role.LEGAL, email="former@alpha.test")
    Membership.objects.filter(user=former).update(is_active=False)
    assert _invite(org_a, owner, "former@alpha.test", Role.FINANCE).role == Role.FINANCE


def test_a_member_of_another_organization_is_invited_here(org_a, owner, outsider):
    assert _invite(org_a, owner, outsider.email).email == outsider.email


def test_inviting_a_former_member_again_leaves_their_accepted_invitation_as_it_was(
    org_a, owner, make_member
):
    first = _invite(org_a, owner, "back@alpha.test", Role.VIEWER)
    user = services.invitation_accept(invitation=first, now=NOW, password=PASSWORD).user
    Membership.objects.filter(user=user).update(is_active=False)
    again = _invite(org_a, owner, "back@alpha.test", Role.FINANCE)
    assert _stored(org_a, first).status == Invitation.Status.ACCEPTED
    assert _stored(org_a, again).status == Invitation.Status.PENDING


def test_the_earlier_invitation_is_withdrawn_in_the_inviter_s_name(org_a, owner, make_member):
    colleague = make_member(org_a, Role.ORG_ADMIN, email="second@alpha.test")
    first = _invite(org_a, owner)
    _invite(org_a, colleague)
    [event] = _events(org_a, "tenancy.invitation.revoked")
    assert (event.actor, event.object_id) == (colleague, str(first.pk))


def test_a_member_invitation_mail_names_no_partnership_and_a_vanished_inviter_is_partnerline(
    org_a, owner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(org_a, owner)
    assert mailoutbox[0].body.startswith(
        f"{owner.display_name} invites you to Alpha Industries on Partnerline, as legal reviewer."
    )
    with tenant_scope(org_a):
        Invitation.objects.filter(pk=invitation.pk).update(invited_by=None)
        invitation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(invitation=invitation, actor=owner, now=NOW)
    assert mailoutbox[1].subject == "[Partnerline] Partnerline invites you to Alpha Industries"


def test_an_invitation_mail_that_cannot_be_sent_does_not_undo_the_invitation(
    org_a, owner, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(org_a, owner)  # the mail server refuses: no exception
    assert _stored(org_a, invitation).status == Invitation.Status.PENDING


# --- a new link -----------------------------------------------------------------------------------


def test_a_new_link_replaces_the_nonce_and_the_expiry_and_is_audited(
    org_a, owner, settings, mailoutbox, django_capture_on_commit_callbacks
):
    invitation = _invite(org_a, owner)
    old_nonce, old_token = invitation.nonce, services.invitation_token(invitation)
    later = NOW + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(invitation=invitation, actor=owner, now=later)
    stored = _stored(org_a, invitation)
    assert stored.nonce != old_nonce and len(stored.nonce) == 32
    assert (stored.created_at, stored.sent_at, stored.expires_at) == (
        NOW,
        later,
        later + settings.INVITATION_VALIDITY,
    )
    _, payload = services.invitation_organization_from_token(old_token)
    with tenant_scope(org_a), pytest.raises(services.InvalidInvitation):
        services.invitation_from_payload(payload)
    _, payload = services.invitation_organization_from_token(services.invitation_token(stored))
    with tenant_scope(org_a):
        assert services.invitation_from_payload(payload) == stored
    [event] = _events(org_a, "tenancy.invitation.resent")
    assert (event.actor, event.object_id) == (owner, str(invitation.pk))
    [mail] = mailoutbox
    assert mail.to == ["new@alpha.test"]


@pytest.mark.parametrize(
    ("status", "words"),
    [(Invitation.Status.ACCEPTED, "accepted"), (Invitation.Status.REVOKED, "withdrawn")],
)
def test_only_a_pending_invitation_gets_a_new_link(org_a, owner, status, words):
    invitation = _invite(org_a, owner)
    with tenant_scope(org_a):
        Invitation.objects.filter(pk=invitation.pk).update(status=status)
        invitation.refresh_from_db()
    with pytest.raises(ConflictError) as refused:
        services.invitation_resend(invitation=invitation, actor=owner, now=NOW)
    assert refused.value.message == (
        f"This invitation is {words}; invite the person again instead."
    )
    assert _stored(org_a, invitation).nonce == invitation.nonce
    assert _events(org_a, "tenancy.invitation.resent") == []


def test_a_withdrawal_is_audited_with_its_moment(org_a, owner):
    invitation = _invite(org_a, owner)
    services.invitation_revoke(invitation=invitation, actor=owner, now=NOW + timedelta(hours=2))
    assert _stored(org_a, invitation).status == Invitation.Status.REVOKED
    [event] = _events(org_a, "tenancy.invitation.revoked")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(invitation.pk),
        {"revoked_at": (NOW + timedelta(hours=2)).isoformat()},
    )


# --- the link -------------------------------------------------------------------------------------


def test_a_link_names_its_organization_and_a_tampered_or_foreign_one_is_not_an_invitation(
    org_a, owner
):
    invitation = _invite(org_a, owner)
    token = services.invitation_token(invitation)
    organization, payload = services.invitation_organization_from_token(token)
    assert (organization, payload) == (
        org_a,
        {"o": org_a.pk, "i": invitation.pk, "n": invitation.nonce},
    )
    for bad in (token[:-2] + "xx", "", dumps({"o": org_a.pk}, salt="elsewhere")):
        with pytest.raises(services.InvalidInvitation) as refused:
            services.invitation_organization_from_token(bad)
        assert str(refused.value) == "This invitation link is not valid."
    gone = dumps({"o": 987654, "i": invitation.pk, "n": invitation.nonce},
                 salt="tenancy.invitation", compress=True)  # fmt: skip
    with pytest.raises(services.InvalidInvitation):
        services.invitation_organization_from_token(gone)


@pytest.mark.parametrize(
    "payload", [{"i": 0, "n": "x"}, {"n": "x"}, {"i": None}, "wrong nonce", "no nonce"]
)
def test_a_link_whose_invitation_or_nonce_does_not_match_was_replaced(org_a, owner, payload):
    invitation = _invite(org_a, owner)
    if payload == "wrong nonce":
        payload = {"i": invitation.pk, "n": "0" * 32}
    elif payload == "no nonce":
        payload = {"i": invitation.pk}
    with tenant_scope(org_a), pytest.raises(services.InvalidInvitation) as refused:
        services.invitation_from_payload(payload)
    assert str(refused.value) == (
        "This invitation link was replaced by a newer one or withdrawn. "
        "Use the latest e-mail, or ask for a new invitation."
    )


def test_the_link_is_the_site_address_of_the_accept_page(org_a, owner, settings):
    settings.SITE_URL = "https://pl.example"
    invitation = _invite(org_a, owner)
    url = services.invitation_url(invitation)
    assert url == f"https://pl.example/invitations/{services.invitation_token(invitation)}/"


# --- accepting ------------------------------------------------------------------------------------


def _accept(invitation, **fields):
    return services.invitation_accept(invitation=invitation, now=fields.pop("now", NOW), **fields)


def test_a_used_or_withdrawn_invitation_cannot_be_accepted_and_says_which(org_a, owner):
    used = _invite(org_a, owner)
    _accept(used, password=PASSWORD)
    with pytest.raises(ConflictError) as refused:
        _accept(used, password=PASSWORD)
    assert refused.value.message == "This invitation was already used. Sign in instead."
    withdrawn = _invite(org_a, owner, "two@alpha.test")
    services.invitation_revoke(invitation=withdrawn, actor=owner, now=NOW)
    with pytest.raises(ConflictError) as refused:
        _accept(withdrawn, password=PASSWORD)
    assert refused.value.message == "This invitation was withdrawn. Ask for a new one."


def test_an_invitation_expires_at_its_expiry_to_the_second(org_a, owner, settings):
    invitation = _invite(org_a, owner)
    expiry = NOW + settings.INVITATION_VALIDITY
    with pytest.raises(ConflictError) as refused:
        _accept(invitation, password=PASSWORD, now=expiry)
    assert refused.value.message == "This invitation has expired. Ask for a new one."
    assert _stored(org_a, invitation).status == Invitation.Status.PENDING
    membership = _accept(invitation, password=PASSWORD, now=expiry - timedelta(seconds=1))
    assert membership.role == Role.LEGAL


def test_a_new_account_needs_a_password_the_validators_accept(org_a, owner):
    invitation = _invite(org_a, owner)
    with pytest.raises(ValidationError) as refused:
        _accept(invitation, password="short")
    assert list(refused.value.message_dict) == ["password"]
    assert refused.value.message_dict["password"]  # the validators' own words
    with pytest.raises(ValidationError) as refused:
        _accept(invitation)
    assert list(refused.value.message_dict) == ["password"]
    assert _stored(org_a, invitation).status == Invitation.Status.PENDING
    user = _accept(invitation, full_name="  " + "N" * 250, password=PASSWORD).user
    assert (user.full_name, authenticate(username="new@alpha.test", password=PASSWORD)) == (
        "N" * 200,
        user,
    )


def test_a_new_account_without_a_name_has_none_and_a_password_like_its_address_is_refused(
    org_a, owner
):
    invitation = _invite(org_a, owner, "nora.newman@alpha.test")
    with pytest.raises(ValidationError) as refused:
        _accept(invitation, password="nora.newman@alpha")
    assert list(refused.value.message_dict) == ["password"]
    assert "too similar" in " ".join(refused.value.message_dict["password"])
    assert _accept(invitation, password=PASSWORD).user.full_name == ""


def test_a_guest_let_into_the_partnership_is_let_in_by_the_inviter(org_a, owner, alder):
    invitation = _invite(org_a, owner, "guest@supplier.test", Role.PARTNER_GUEST, alder)
    _accept(invitation, password=PASSWORD)
    [event] = _events(org_a, "partnerships.partnership.guest_invited")
    assert event.actor == owner


def test_a_signed_in_person_accepts_only_an_invitation_to_their_own_address(
    org_a, org_b, owner, outsider
):
    invitation = _invite(org_a, owner, "someone@alpha.test")
    with pytest.raises(ValidationError) as refused:
        _accept(invitation, user=outsider)
    assert refused.value.message_dict == {
        "email": ["This invitation is for someone@alpha.test; sign in as that address."]
    }
    mine = _invite(org_a, owner, "OUTSIDER@bravo.test", Role.FINANCE)
    membership = _accept(mine, user=outsider)
    assert (membership.organization, membership.user, membership.role) == (
        org_a,
        outsider,
        Role.FINANCE,
    )


def test_accepting_brings_back_a_former_member_with_the_invited_role(org_a, owner, make_member):
    former = make_member(org_a, Role.LEGAL, email="former@alpha.test")
    Membership.objects.filter(user=former).update(is_active=False)
    membership = _accept(_invite(org_a, owner, "former@alpha.test", Role.FINANCE), user=former)
    assert (membership.role, membership.is_active) == (Role.FINANCE, True)
    assert Membership.objects.filter(organization=org_a, user=former).count() == 1


def test_a_guest_accepting_a_member_invitation_becomes_a_member(org_a, owner, make_member):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    Membership.objects.filter(user=guest).update(is_active=False)
    membership = _accept(_invite(org_a, owner, guest.email, Role.VIEWER), user=guest)
    assert (membership.role, membership.is_active) == (Role.VIEWER, True)


def test_a_guest_accepting_is_let_into_the_partnership_named(org_a, owner, alder):
    invitation = _invite(org_a, owner, "guest@supplier.test", Role.PARTNER_GUEST, alder)
    user = _accept(invitation, password=PASSWORD).user
    with tenant_scope(org_a):
        assert PartnershipUserObjectPermission.objects.filter(user=user).count() == 1
        assert PartnershipUserObjectPermission.objects.get(user=user).content_object == alder


def test_an_acceptance_is_audited_by_the_person_with_the_role_they_got(
    org_a, owner, make_member, alder
):
    """A member accepting a guest invitation keeps their role: the audit says so."""
    colleague = make_member(org_a, Role.PROCUREMENT_MANAGER, email="pm@alpha.test")
    with tenant_scope(org_a):
        invitation = Invitation.objects.create(
            organization=org_a, email="pm@alpha.test", role=Role.PARTNER_GUEST,
            partnership=alder, invited_by=owner, created_at=NOW, sent_at=NOW,
            expires_at=NOW + timedelta(days=7),
        )  # fmt: skip
    _accept(invitation, user=colleague)
    [event] = _events(org_a, "tenancy.invitation.accepted")
    assert (event.actor, event.object_id, event.changes) == (
        colleague,
        str(invitation.pk),
        {"role": "procurement_manager", "user": "pm@alpha.test"},
    )


# --- the organization's settings ------------------------------------------------------------------


def _settings(org, actor, **fields):
    values = {"name": org.name, "default_currency": "EUR", "time_zone": "Europe/Berlin"} | fields
    return services.organization_update_settings(organization=org, actor=actor, **values)


def _settings_refusals(org, actor, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        _settings(org, actor, **fields)
    return refused.value.message_dict


def test_settings_store_a_trimmed_name_an_upper_case_currency_and_audit_only_what_changed(
    org_a, owner
):
    Organization.objects.filter(pk=org_a.pk).update(default_currency="EUR", time_zone="UTC")
    org_a.refresh_from_db()
    org = _settings(org_a, owner, name="  Alpha Group ", default_currency=" usd ")
    assert (org.name, org.default_currency, org.time_zone) == (
        "Alpha Group",
        "USD",
        "Europe/Berlin",
    )
    stored = Organization.objects.get(pk=org_a.pk)
    assert (stored.name, stored.default_currency, stored.time_zone) == (
        "Alpha Group",
        "USD",
        "Europe/Berlin",
    )
    [event] = _events(org_a, "tenancy.organization.settings_changed")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(org_a.pk),
        {
            "name": ["Alpha Industries", "Alpha Group"],
            "default_currency": ["EUR", "USD"],
            "time_zone": ["UTC", "Europe/Berlin"],
        },
    )
    _settings(stored, owner, default_currency="USD")  # nothing changed: nothing audited
    assert len(_events(org_a, "tenancy.organization.settings_changed")) == 1


def test_settings_without_a_name_at_all_are_refused(org_a, owner):
    assert _settings_refusals(org_a, owner, name=None) == {
        "name": ["Give the organization a name."]
    }


def test_settings_report_every_wrong_field_at_once(org_a, owner):
    assert _settings_refusals(
        org_a, owner, name="  ", default_currency="XXXX", time_zone="Mars/Olympus"
    ) == {
        "name": ["Give the organization a name."],
        "default_currency": [
            _settings_refusals(org_a, owner, default_currency="XXXX")["default_currency"][0]
        ],
        "time_zone": ["Choose a time zone from the list."],
    }
    assert Organization.objects.get(pk=org_a.pk).name == "Alpha Industries"


def test_a_logo_is_a_png_or_a_jpeg_of_at_most_512_kb(org_a, owner):
    too_big = SimpleUploadedFile("big.png", PNG + b"\x00" * (LOGO_MAX_BYTES - len(PNG) + 1))
    assert _settings_refusals(org_a, owner, logo=too_big) == {
        "logo": ["The logo may be at most 512 KB."]
    }
    svg = SimpleUploadedFile("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert _settings_refusals(org_a, owner, logo=svg) == {"logo": ["Upload a PNG or JPEG image."]}
    just_fits = SimpleUploadedFile("fits.png", PNG + b"\x00" * (LOGO_MAX_BYTES - len(PNG)))
    org = _settings(org_a, owner, logo=just_fits)
    assert org.logo.size == LOGO_MAX_BYTES
    with org.logo.open("rb") as stored:
        assert stored.read(8) == PNG[:8]  # the whole file, from its first byte
    jpeg = SimpleUploadedFile("photo.jpg", JPEG)
    org = _settings(org, owner, logo=jpeg)
    assert re.fullmatch(r"organization-logos/alpha-photo(_\w{7})?\.jpg", org.logo.name)
    with org.logo.open("rb") as stored:
        assert stored.read() == JPEG


def test_a_logo_is_replaced_or_removed_and_each_is_audited(
    org_a, owner, django_capture_on_commit_callbacks
):
    Organization.objects.filter(pk=org_a.pk).update(
        default_currency="EUR", time_zone="Europe/Berlin"
    )
    org_a.refresh_from_db()
    org = _settings(org_a, owner, logo=SimpleUploadedFile("a.png", PNG))
    old_name = org.logo.name
    with django_capture_on_commit_callbacks(execute=True):
        org = _settings(org, owner, remove_logo=True)
    assert not Organization.objects.get(pk=org_a.pk).logo
    assert not org.logo.storage.exists(old_name)
    org = _settings(org, owner, remove_logo=True)  # nothing to remove: nothing audited
    changes = [e.changes for e in _events(org_a, "tenancy.organization.settings_changed")]
    assert changes == [{"logo": "replaced"}, {"logo": "removed"}]


def test_a_logo_is_named_after_the_organization_and_a_long_name_still_fits(org_a, owner):
    org = _settings(org_a, owner, logo=SimpleUploadedFile("brand.png", PNG))
    # (the storage adds a suffix when an earlier run left a file of that name)
    assert re.fullmatch(r"organization-logos/alpha-brand(_\w{7})?\.png", org.logo.name)
    org = _settings(org, owner, logo=SimpleUploadedFile("x" * 150 + ".png", PNG))
    assert org.logo.name.endswith(".png") and len(org.logo.name) <= 100


def test_a_replaced_logo_leaves_no_file_behind_once_the_change_is_committed(
    org_a, owner, django_capture_on_commit_callbacks
):
    first = _settings(org_a, owner, logo=SimpleUploadedFile("first.png", PNG))
    storage, first_name = first.logo.storage, first.logo.name
    with django_capture_on_commit_callbacks(execute=True):
        second = _settings(first, owner, logo=SimpleUploadedFile("second.jpg", JPEG))
    assert storage.exists(second.logo.name)
    assert not storage.exists(first_name)
    with django_capture_on_commit_callbacks(execute=True):
        renamed = _settings(second, owner, name="Alpha Group")  # the logo is not touched
    assert renamed.logo.name == second.logo.name
    assert storage.exists(second.logo.name)


def test_a_logo_change_rolled_back_keeps_the_file_the_organization_still_points_at(
    org_a, owner, django_capture_on_commit_callbacks
):
    first = _settings(org_a, owner, logo=SimpleUploadedFile("kept.png", PNG))
    storage, kept = first.logo.storage, first.logo.name
    for change in ({"remove_logo": True}, {"logo": SimpleUploadedFile("new.jpg", JPEG)}):
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            _settings(first, owner, **change)
            raise RuntimeError("the request failed after the settings were saved")
        assert Organization.objects.get(pk=org_a.pk).logo.name == kept
        assert storage.exists(kept)


def test_a_logo_change_that_fails_to_save_deletes_the_file_it_uploaded(org_a, owner, monkeypatch):
    uploaded = []
    real_save = FieldFile.save

    def save_and_remember(self, name, content, save=True):
        real_save(self, name, content, save=save)
        uploaded.append((self.storage, self.name))

    def refuse(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(FieldFile, "save", save_and_remember)
    monkeypatch.setattr(members, "audit_record", refuse)
    with pytest.raises(RuntimeError):
        _settings(org_a, owner, logo=SimpleUploadedFile("orphan.png", PNG))
    [(storage, name)] = uploaded
    assert not storage.exists(name)

    monkeypatch.undo()
    kept = _settings(org_a, owner, logo=SimpleUploadedFile("kept.png", PNG)).logo.name
    monkeypatch.setattr(members, "audit_record", refuse)
    with pytest.raises(RuntimeError):  # a failed rename leaves the logo it did not touch
        _settings(Organization.objects.get(pk=org_a.pk), owner, name="Alpha Group")
    with pytest.raises(RuntimeError):  # and so does a failed removal, with its own error
        _settings(Organization.objects.get(pk=org_a.pk), owner, remove_logo=True)
    assert storage.exists(kept)


def test_a_logo_file_the_storage_cannot_delete_does_not_fail_the_saved_change(
    org_a, owner, monkeypatch, django_capture_on_commit_callbacks
):
    first = _settings(org_a, owner, logo=SimpleUploadedFile("stuck.png", PNG))

    def refuse(name):
        raise PermissionError(f"cannot delete {name}")

    monkeypatch.setattr(first.logo.storage, "delete", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        saved = _settings(first, owner, remove_logo=True)  # no error reaches the admin
    assert not saved.logo
    assert not Organization.objects.get(pk=org_a.pk).logo
