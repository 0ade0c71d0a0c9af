"""Pinned rules of single sign-on's services (`tenancy.access.services.sso`), called directly
(no provider, no browser): what the admin's settings accept and store, what proves a domain,
which role a claim gives, and who the provider may sign in. Written from the mutation run of the
sixteenth session (the module's first complete one); each test names the rule it holds."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from tenancy.access import services
from tenancy.access.domains import DomainLookupFailed, expected_record
from tenancy.access.services import sso as sso_services
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Invitation, Membership, Role, SingleSignOn, User

pytestmark = pytest.mark.django_db
NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
ISSUER = "https://login.alpha.test"


def _configure(organization, actor, *, now=NOW, **changes):
    fields = {
        "issuer": ISSUER,
        "client_id": "partnerline",
        "client_secret": "secret-1",
        "email_domains": "alpha.test",
        "role_claim": "partnerline_role",
        "default_role": Role.VIEWER,
        "allow_jit": True,
        "is_enabled": True,
    } | changes
    return services.sso_configure(organization=organization, actor=actor, now=now, **fields)


def _refusals(organization, actor, **changes) -> dict:
    with pytest.raises(ValidationError) as refused:
        _configure(organization, actor, **changes)
    return refused.value.message_dict


def _prove(config, actor, *, now=NOW):
    found = services.sso_domains_verify(
        organization=config.organization,
        actor=actor,
        now=now,
        lookup=lambda name: [expected_record(config.domain_token)],
    )
    config.refresh_from_db()
    return found


def _events(organization, action):
    with tenant_scope(organization):
        return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def config(org_a, owner):
    """Alpha's provider, switched on, with alpha.test proven."""
    config = _configure(org_a, owner, email_domains="alpha.test, alpha-group.test")
    _prove(config, owner)
    return config


def _sign_in(config, **claims):
    return services.sso_sign_in(config=config, claims=claims, now=NOW)


def _refused(config, **claims) -> str:
    with pytest.raises(services.SingleSignOnRefused) as refused:
        _sign_in(config, **claims)
    return str(refused.value)


# --- the settings ---------------------------------------------------------------------------------


def test_domains_are_read_from_commas_and_lines_lower_case_without_at_signs_once_each(org_a, owner):
    config = _configure(
        org_a, owner, email_domains=" @Alpha.TEST,\nbeta.test , alpha.test,,\n\n@@gamma.test"
    )
    assert config.email_domains == ["alpha.test", "beta.test", "gamma.test"]


def test_the_issuer_is_stored_without_surrounding_spaces_or_a_trailing_slash(org_a, owner):
    config = _configure(org_a, owner, issuer="  https://login.alpha.test/// ")
    assert config.issuer == ISSUER
    realm = _configure(org_a, owner, issuer="https://login.alpha.test/realms/PLX/")
    assert realm.issuer == "https://login.alpha.test/realms/PLX"  # only the slashes go


def test_domains_may_be_given_one_per_line(org_a, owner):
    config = _configure(org_a, owner, email_domains="alpha.test\nbeta.test\r\ngamma.test")
    assert config.email_domains == ["alpha.test", "beta.test", "gamma.test"]


@pytest.mark.parametrize("issuer", ["", "login.alpha.test", "ftp://login.alpha.test", "https://"])
def test_an_issuer_that_is_not_a_web_address_is_refused_on_its_field(org_a, owner, issuer):
    assert _refusals(org_a, owner, issuer=issuer) == {
        "issuer": ["Enter the provider's issuer URL, e.g. https://login.example.com."]
    }


def test_a_plain_http_issuer_is_refused_unless_the_deployment_allows_it(org_a, owner, settings):
    settings.SSO_ALLOW_HTTP_ISSUER = False
    assert _refusals(org_a, owner, issuer="http://login.alpha.test") == {
        "issuer": ["The issuer must use https."]
    }
    assert _configure(org_a, owner, issuer=ISSUER).issuer == ISSUER  # https is always fine
    settings.SSO_ALLOW_HTTP_ISSUER = True
    assert _configure(org_a, owner, issuer="http://127.0.0.1:9/").issuer == "http://127.0.0.1:9"


def test_at_least_one_domain_is_needed(org_a, owner):
    assert _refusals(org_a, owner, email_domains=" , @ ,\n") == {
        "email_domains": ["Give at least one e-mail domain, e.g. example.com."]
    }


@pytest.mark.parametrize("claim", ["partnerline role", "roles[0]", "role/name", "rôle!"])
def test_a_role_claim_is_a_plain_name(org_a, owner, claim):
    assert _refusals(org_a, owner, role_claim=claim) == {
        "role_claim": ["Use the claim's plain name, e.g. partnerline_role."]
    }


@pytest.mark.parametrize("claim", ["partnerline_role", "https-claims.role", "x-role", ""])
def test_a_role_claim_may_hold_underscores_dashes_and_dots_or_be_left_empty(org_a, owner, claim):
    assert _configure(org_a, owner, role_claim=f" {claim} ").role_claim == claim


def test_no_role_claim_at_all_is_an_empty_one(org_a, owner):
    assert _configure(org_a, owner, role_claim=None).role_claim == ""


@pytest.mark.parametrize("role", [Role.PARTNER_GUEST, "owner", ""])
def test_the_default_role_is_one_a_member_can_have(org_a, owner, role):
    assert _refusals(org_a, owner, default_role=role) == {
        "default_role": ["Choose one of the offered roles."]
    }


def test_the_client_id_and_a_first_secret_are_needed(org_a, owner):
    assert _refusals(org_a, owner, client_id="  ", client_secret="  ") == {
        "client_id": ["Enter the client id the provider gave you."],
        "client_secret": ["Enter the client secret the provider gave you."],
    }
    assert not SingleSignOn.objects.filter(organization=org_a).exists()


def test_every_field_wrong_at_once_is_reported_at_once(org_a, owner, settings):
    settings.SSO_ALLOW_HTTP_ISSUER = False
    assert set(
        _refusals(
            org_a,
            owner,
            issuer="nowhere",
            email_domains="",
            role_claim="a b",
            default_role="nobody",
            client_id="",
            client_secret="",
        )
    ) == {"issuer", "email_domains", "role_claim", "default_role", "client_id", "client_secret"}


def test_what_is_stored_is_what_the_admin_gave_trimmed(org_a, owner):
    config = _configure(
        org_a,
        owner,
        client_id="  partnerline-app ",
        client_secret="  secret-1  ",
        default_role=Role.LEGAL,
        allow_jit=False,
        is_enabled=False,
    )
    config = SingleSignOn.objects.get(pk=config.pk)
    assert (
        config.client_id,
        config.client_secret,
        config.default_role,
        config.allow_jit,
        config.is_enabled,
        config.updated_at,
        config.verified_domains,
    ) == ("partnerline-app", "secret-1", Role.LEGAL, False, False, NOW, [])
    assert len(config.domain_token) == 32  # 24 random bytes, URL-safe


def test_an_empty_secret_keeps_the_stored_one_and_a_new_one_replaces_it(org_a, owner):
    _configure(org_a, owner, client_secret="secret-1")
    assert _configure(org_a, owner, client_secret="   ").client_secret == "secret-1"
    assert _configure(org_a, owner, client_secret="secret-2").client_secret == "secret-2"
    assert SingleSignOn.objects.get(organization=org_a).client_secret == "secret-2"


def test_saving_again_keeps_the_token_and_one_row(org_a, owner):
    token = _configure(org_a, owner).domain_token
    later = NOW + timedelta(days=1)
    config = _configure(org_a, owner, client_id="other", now=later)
    assert config.domain_token == token
    assert SingleSignOn.objects.filter(organization=org_a).count() == 1
    assert SingleSignOn.objects.get(organization=org_a).updated_at == later


def test_a_domain_removed_from_the_list_loses_its_proof_and_the_others_keep_theirs(
    org_a, owner, config
):
    assert config.verified_domains == ["alpha.test", "alpha-group.test"]
    config = _configure(org_a, owner, email_domains="alpha-group.test, new.test")
    assert config.verified_domains == ["alpha-group.test"]
    config = _configure(org_a, owner, email_domains="alpha.test, alpha-group.test, new.test")
    assert config.verified_domains == ["alpha-group.test"]  # proven again only through the DNS


def test_the_audit_names_what_changed_and_never_the_secret(org_a, owner):
    _configure(org_a, owner)
    _configure(org_a, owner, client_id="other", client_secret="", allow_jit=False)
    _configure(org_a, owner, client_id="other", client_secret="secret-2", allow_jit=False)
    first, second, third = _events(org_a, "tenancy.single_sign_on.configured")
    assert (first.actor, first.object_id) == (owner, str(SingleSignOn.objects.get().pk))
    assert first.changes["issuer"] == ["", ISSUER]
    assert first.changes["email_domains"] == [[], ["alpha.test"]]
    assert first.changes["client_secret"] == "replaced"
    assert second.changes == {"client_id": ["partnerline", "other"], "allow_jit": [True, False]}
    assert third.changes == {"client_secret": "replaced"}
    assert all("secret-" not in str(event.changes) for event in (first, second, third))


def test_proven_domains_that_stay_are_not_named_as_a_change(org_a, owner, config):
    _configure(org_a, owner, email_domains="alpha.test, alpha-group.test", client_id="other")
    last = _events(org_a, "tenancy.single_sign_on.configured")[-1]
    assert last.changes == {"client_id": ["partnerline", "other"]}


# --- a domain belongs to one organization -----------------------------------------------------


def test_a_domain_another_enabled_organization_proved_cannot_be_switched_on_here(
    org_a, org_b, owner, outsider, config
):
    bravo = _configure(org_b, outsider, email_domains="alpha.test, bravo.test", is_enabled=False)
    SingleSignOn.objects.filter(pk=bravo.pk).update(verified_domains=["alpha.test"])
    assert _refusals(org_b, outsider, email_domains="alpha.test, bravo.test") == {
        "email_domains": ["One of these domains already signs in to another organization."]
    }
    # Kept switched off, the same settings save; dropping the domain lets it switch on.
    _configure(org_b, outsider, email_domains="alpha.test, bravo.test", is_enabled=False)
    assert _configure(org_b, outsider, email_domains="bravo.test").is_enabled


def test_a_switched_off_organization_does_not_hold_its_proven_domains(
    org_a, org_b, owner, outsider, config
):
    _configure(org_a, owner, email_domains="alpha.test, alpha-group.test", is_enabled=False)
    bravo = _configure(org_b, outsider, email_domains="alpha.test")
    assert _prove(bravo, outsider) == {"alpha.test": services.DOMAIN_VERIFIED}
    assert bravo.verified_domains == ["alpha.test"]
    # Alpha cannot switch back on over the domain Bravo now signs in with.
    assert _refusals(org_a, owner, email_domains="alpha.test, alpha-group.test") == {
        "email_domains": ["One of these domains already signs in to another organization."]
    }


def test_domains_taken_names_only_the_asked_domains_another_enabled_organization_proved(
    org_a, org_b, owner, outsider, config
):
    assert sso_services._domains_taken(["zeta.test", "alpha.test"], organization=org_b) == [
        "alpha.test"
    ]
    assert sso_services._domains_taken(["alpha.test"], organization=org_a) == []  # its own
    assert sso_services._domains_taken([], organization=org_b) == []
    assert sso_services._domains_taken(
        ["alpha-group.test", "alpha.test", "x.test"], organization=org_b
    ) == ["alpha-group.test", "alpha.test"]


# --- proving domains ---------------------------------------------------------------------------


def test_domains_are_checked_only_once_single_sign_on_is_set_up(org_b, outsider):
    with pytest.raises(ConflictError) as refused:
        services.sso_domains_verify(organization=org_b, actor=outsider, now=NOW, lookup=list)
    assert (refused.value.message, refused.value.code) == (
        "Set up single sign-on first.",
        "not_configured",
    )


def test_each_domain_is_told_what_its_dns_holds(org_a, org_b, owner, outsider, config):
    bravo = _configure(
        org_b, outsider, email_domains="bravo.test, quiet.test, empty.test, alpha.test"
    )
    record = expected_record(bravo.domain_token)
    answers = {
        "_partnerline-challenge.bravo.test": ["v=spf1 -all", record],
        "_partnerline-challenge.empty.test": [expected_record(config.domain_token)],
        "_partnerline-challenge.alpha.test": [record],
    }
    asked = []

    def lookup(name):
        asked.append(name)
        if name == "_partnerline-challenge.quiet.test":
            raise DomainLookupFailed(name)
        return answers[name]

    found = services.sso_domains_verify(
        organization=org_b, actor=outsider, now=NOW + timedelta(hours=1), lookup=lookup
    )
    assert found == {
        "bravo.test": "verified",
        "quiet.test": "the DNS did not answer; try again in a few minutes",
        "empty.test": (
            f"no TXT record “{record}” at _partnerline-challenge.empty.test yet (DNS changes "
            "can take an hour to show)"
        ),
        "alpha.test": "another organization signs in with this domain",
    }
    bravo.refresh_from_db()
    assert bravo.verified_domains == ["bravo.test"]
    assert bravo.updated_at == NOW + timedelta(hours=1)
    assert len(asked) == 4
    # A proven domain is not looked up again; the newly proven are added after it, in order.
    SingleSignOn.objects.filter(pk=bravo.pk).update(
        email_domains=["bravo.test", "b2.test", "b3.test"]
    )
    asked.clear()
    answers["_partnerline-challenge.b2.test"] = answers["_partnerline-challenge.b3.test"] = [record]
    found = services.sso_domains_verify(organization=org_b, actor=outsider, now=NOW, lookup=lookup)
    assert found == {"bravo.test": "already verified", "b2.test": "verified", "b3.test": "verified"}
    assert asked == ["_partnerline-challenge.b2.test", "_partnerline-challenge.b3.test"]
    bravo.refresh_from_db()
    assert bravo.verified_domains == ["bravo.test", "b2.test", "b3.test"]


def test_a_newly_proven_domain_is_audited_and_a_check_that_proves_nothing_is_not(org_a, owner):
    config = _configure(org_a, owner, email_domains="alpha.test, beta.test")
    services.sso_domains_verify(
        organization=org_a, actor=owner, now=NOW + timedelta(hours=1), lookup=lambda name: []
    )
    config.refresh_from_db()
    assert config.updated_at == NOW  # nothing proven, nothing saved
    assert _events(org_a, "tenancy.single_sign_on.domains_verified") == []
    _prove(config, owner, now=NOW + timedelta(minutes=5))
    [event] = _events(org_a, "tenancy.single_sign_on.domains_verified")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(config.pk),
        {"domains": ["alpha.test", "beta.test"]},
    )
    assert config.updated_at == NOW + timedelta(minutes=5)
    _prove(config, owner)  # nothing new
    assert len(_events(org_a, "tenancy.single_sign_on.domains_verified")) == 1


# --- the role a claim gives ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "role"),
    [
        ("legal", Role.LEGAL),
        (" Finance ", Role.FINANCE),
        ("Legal reviewer", Role.LEGAL),  # the label, in any case
        ("STEERING COMMITTEE MEMBER", Role.COMMITTEE_MEMBER),
        (["staff", 7, None, "finance", "legal"], Role.FINANCE),  # the first one we know
        ("partner_guest", None),  # never given by a claim
        ("Partner guest", None),
        ("superuser", None),
        (["viewer"], Role.VIEWER),
        (42, None),
        (None, None),
        ([], None),
    ],
)
def test_the_role_is_the_first_claimed_value_naming_a_member_role(org_a, owner, value, role):
    config = _configure(org_a, owner)
    assert sso_services._role_from_claims(config, {"partnerline_role": value}) == role


def test_without_a_role_claim_configured_no_claim_gives_a_role(org_a, owner):
    config = _configure(org_a, owner, role_claim="")
    assert (
        sso_services._role_from_claims(config, {"": "legal", "partnerline_role": "legal"}) is None
    )


# --- who signs in ---------------------------------------------------------------------------------


def test_a_newcomer_gets_an_account_without_a_password_and_the_claimed_role(org_a, config):
    user = _sign_in(
        config, email=" Rae@Alpha.Test ", email_verified=True, name="R" * 250,
        partnerline_role="legal",
    )  # fmt: skip
    assert (user.email, user.full_name, user.has_usable_password()) == (
        "rae@alpha.test",
        "R" * 200,
        False,
    )
    membership = Membership.objects.get(organization=org_a, user=user)
    assert (membership.role, membership.is_active) == (Role.LEGAL, True)
    [event] = _events(org_a, "tenancy.membership.granted")
    assert (event.actor, event.object_id, event.changes) == (
        user,
        str(membership.pk),
        {"user": "rae@alpha.test", "role": "legal", "via": "single sign-on"},
    )


def test_a_newcomer_without_a_claimed_role_gets_the_default_and_no_name_is_fine(org_a, owner):
    config = _configure(org_a, owner, default_role=Role.FINANCE)
    _prove(config, owner)
    user = _sign_in(config, email="fin@alpha.test", partnerline_role="chief")
    assert user.full_name == ""
    assert Membership.objects.get(organization=org_a, user=user).role == Role.FINANCE


@pytest.mark.parametrize(
    "claims",
    [{}, {"email": ""}, {"email": "   "}, {"email": None}, {"email": "rae@alpha.test",
                                                            "email_verified": False}],
)  # fmt: skip
def test_an_address_the_provider_did_not_confirm_is_refused(config, claims):
    assert _refused(config, **claims) == "Your provider did not confirm an e-mail address."
    assert not User.objects.filter(email="rae@alpha.test").exists()


def test_an_address_outside_the_proven_domains_is_refused_even_if_named(org_a, owner, config):
    _configure(org_a, owner, email_domains="alpha.test, alpha-group.test, named.test")
    config.refresh_from_db()
    for email in ("rae@named.test", "rae@alpha.test.evil.test", "rae@sub.alpha.test"):
        assert _refused(config, email=email) == (
            f"{email} is not in a domain that signs in to Alpha Industries."
        )
    assert not User.objects.filter(email__startswith="rae@").exists()


def test_an_address_that_is_not_one_is_refused_in_words(config):
    assert _refused(config, email="rae@evil.test@alpha.test") == (
        "Your provider sent “rae@evil.test@alpha.test”, which is not an e-mail address "
        "Partnerline can use. Ask your administrator to check the provider's e-mail claim."
    )
    assert not User.objects.filter(email__contains="rae@").exists()
    assert _refused(config, email="rae\x00\n@alpha.test" + "x" * 300).startswith(
        "Your provider sent “rae@alpha.test" + "x" * 240
    )


def test_the_domain_is_what_follows_the_last_at_sign(org_a, config):
    user = _sign_in(config, email='"rae@evil.test"@alpha.test')
    assert Membership.objects.filter(organization=org_a, user=user).exists()


def test_a_member_signs_in_and_the_claim_changes_their_role(org_a, config, make_member):
    member = make_member(org_a, Role.VIEWER, email="pat@alpha.test")
    assert _sign_in(config, email="PAT@alpha.test", partnerline_role="finance") == member
    assert Membership.objects.get(organization=org_a, user=member).role == Role.FINANCE
    [event] = _events(org_a, "tenancy.membership.role_changed")
    assert (event.actor, event.changes) == (
        member,
        {"role": ["viewer", "finance"], "user": "pat@alpha.test"},
    )
    assert _sign_in(config, email="pat@alpha.test") == member  # no claim: the role stays
    assert Membership.objects.get(organization=org_a, user=member).role == Role.FINANCE
    assert User.objects.filter(email__iexact="pat@alpha.test").count() == 1


def test_the_claim_does_not_demote_the_last_admin_nor_touch_a_guest(
    org_a, owner, config, make_member
):
    assert _sign_in(config, email="owner@alpha.test", partnerline_role="viewer") == owner
    assert Membership.objects.get(organization=org_a, user=owner).role == Role.ORG_ADMIN
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@alpha.test")
    assert _sign_in(config, email="guest@alpha.test", partnerline_role="org_admin") == guest
    assert Membership.objects.get(organization=org_a, user=guest).role == Role.PARTNER_GUEST


def test_a_removed_member_is_refused_until_invited_again(org_a, owner, config, make_member):
    former = make_member(org_a, Role.LEGAL, email="former@alpha.test")
    Membership.objects.filter(user=former).update(is_active=False)
    assert _refused(config, email="former@alpha.test") == (
        "Your access to Alpha Industries was removed. Ask an administrator to invite you again."
    )
    invitation = services.member_invite(
        organization=org_a, email="former@alpha.test", role=Role.FINANCE, actor=owner, now=NOW
    )
    assert _sign_in(config, email="former@alpha.test") == former
    membership = Membership.objects.get(organization=org_a, user=former)
    assert (membership.role, membership.is_active) == (Role.FINANCE, True)
    with tenant_scope(org_a):
        invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by, invitation.accepted_at) == (
        Invitation.Status.ACCEPTED,
        former,
        NOW,
    )


def test_only_a_pending_unexpired_invitation_lets_a_removed_member_back(
    org_a, owner, config, make_member
):
    former = make_member(org_a, Role.LEGAL, email="former@alpha.test")
    Membership.objects.filter(user=former).update(is_active=False)
    expired = services.member_invite(
        organization=org_a,
        email="former@alpha.test",
        role=Role.FINANCE,
        actor=owner,
        now=NOW - timedelta(days=60),
    )
    assert "was removed" in _refused(config, email="former@alpha.test")
    with tenant_scope(org_a):
        Invitation.objects.filter(pk=expired.pk).update(
            status=Invitation.Status.REVOKED, expires_at=NOW + timedelta(days=1)
        )
    assert "was removed" in _refused(config, email="former@alpha.test")
    with tenant_scope(org_a):  # expiring at this very moment is expired
        Invitation.objects.filter(pk=expired.pk).update(
            status=Invitation.Status.PENDING, expires_at=NOW
        )
    assert "was removed" in _refused(config, email="former@alpha.test")
    assert not Membership.objects.get(user=former).is_active


def test_someone_else_s_invitation_lets_nobody_in(org_a, owner, make_member):
    config = _configure(org_a, owner, allow_jit=False)
    _prove(config, owner)
    former = make_member(org_a, Role.LEGAL, email="former@alpha.test")
    Membership.objects.filter(user=former).update(is_active=False)
    services.member_invite(
        organization=org_a, email="invited@alpha.test", role=Role.ORG_ADMIN, actor=owner, now=NOW
    )
    assert "was removed" in _refused(config, email="former@alpha.test")
    assert "not a member of Alpha Industries yet" in _refused(config, email="else@alpha.test")
    assert not Membership.objects.get(user=former).is_active
    with tenant_scope(org_a):
        assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_an_active_member_s_sign_in_leaves_a_pending_invitation_alone(
    org_a, owner, config, make_member
):
    member = make_member(org_a, Role.VIEWER, email="pat@alpha.test")
    with tenant_scope(org_a):
        pending = Invitation.objects.create(
            organization=org_a, email="pat@alpha.test", role=Role.FINANCE, nonce="c" * 32,
            invited_by=owner, created_at=NOW, sent_at=NOW, expires_at=NOW + timedelta(days=5),
        )  # fmt: skip
    assert _sign_in(config, email="pat@alpha.test") == member
    assert Membership.objects.get(organization=org_a, user=member).role == Role.VIEWER
    with tenant_scope(org_a):
        assert Invitation.objects.get(pk=pending.pk).status == Invitation.Status.PENDING


def test_the_newest_pending_invitation_is_the_one_accepted(org_a, owner, config, make_member):
    former = make_member(org_a, Role.LEGAL, email="former@alpha.test")
    Membership.objects.filter(user=former).update(is_active=False)
    with tenant_scope(org_a):
        older = Invitation.objects.create(
            organization=org_a, email="former@alpha.test", role=Role.VIEWER, nonce="a" * 32,
            invited_by=owner, created_at=NOW - timedelta(days=2), sent_at=NOW,
            expires_at=NOW + timedelta(days=5),
        )  # fmt: skip
        newer = Invitation.objects.create(
            organization=org_a, email="Former@Alpha.test", role=Role.FINANCE, nonce="b" * 32,
            invited_by=owner, created_at=NOW - timedelta(days=1), sent_at=NOW,
            expires_at=NOW + timedelta(days=5),
        )  # fmt: skip
    _sign_in(config, email="former@alpha.test")
    assert Membership.objects.get(user=former).role == Role.FINANCE
    with tenant_scope(org_a):
        assert Invitation.objects.get(pk=newer.pk).status == Invitation.Status.ACCEPTED
        assert Invitation.objects.get(pk=older.pk).status == Invitation.Status.PENDING


def test_an_invited_newcomer_gets_the_invited_role_unless_the_provider_claims_another(
    org_a, owner, config
):
    services.member_invite(
        organization=org_a, email="new@alpha.test", role=Role.FINANCE, actor=owner, now=NOW
    )
    user = _sign_in(config, email="new@alpha.test")
    assert Membership.objects.get(organization=org_a, user=user).role == Role.FINANCE
    assert _events(org_a, "tenancy.membership.granted") == []  # the invitation's audit instead
    assert len(_events(org_a, "tenancy.invitation.accepted")) == 1
    services.member_invite(
        organization=org_a, email="two@alpha.test", role=Role.FINANCE, actor=owner, now=NOW
    )
    user = _sign_in(config, email="two@alpha.test", partnerline_role="legal")
    assert Membership.objects.get(organization=org_a, user=user).role == Role.LEGAL


def test_an_existing_account_joins_only_by_accepting_with_its_password(
    org_a, org_b, owner, config, make_member
):
    elsewhere = make_member(org_b, Role.VIEWER, email="shared@alpha.test")
    assert _refused(config, email="shared@alpha.test") == (
        "You already have a Partnerline account. Ask an administrator of Alpha Industries to "
        "invite you."
    )
    services.member_invite(
        organization=org_a, email="shared@alpha.test", role=Role.LEGAL, actor=owner, now=NOW
    )
    assert _refused(config, email="shared@alpha.test") == (
        "You already have a Partnerline account. Open the invitation from your e-mail and sign "
        "in with your password to accept it."
    )
    assert not Membership.objects.filter(organization=org_a, user=elsewhere).exists()


def test_without_just_in_time_membership_a_stranger_is_refused_and_no_account_made(org_a, owner):
    config = _configure(org_a, owner, allow_jit=False)
    _prove(config, owner)
    assert _refused(config, email="stranger@alpha.test") == (
        "You are not a member of Alpha Industries yet. Ask an administrator to invite you."
    )
    assert not User.objects.filter(email="stranger@alpha.test").exists()
    services.member_invite(
        organization=org_a, email="stranger@alpha.test", role=Role.LEGAL, actor=owner, now=NOW
    )
    user = _sign_in(config, email="stranger@alpha.test")
    assert Membership.objects.get(organization=org_a, user=user).role == Role.LEGAL
