"""Pinned rules of `tenancy.services` (mutation testing, eleventh session), each stated through
its service: who may hold an API key and how one is read back, what a revocation records, how
often a key's use is written; what a handover checks and tells the colleague; what a
notification stores and mails; and the messages of the refusals."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import ApiKey, AuditEvent, Membership, Notification, Role
from tenancy.services import (
    api_key_authenticate,
    api_key_create,
    api_key_revoke,
    membership_grant,
    notifications_purge_read,
    notify,
    responsibilities_hand_over,
)
from tests.contracts.factories import AgreementFactory
from tests.partnerships.factories import PartnershipFactory
from tests.risk.factories import RiskFactory
from tests.tenancy.factories import MembershipFactory, NotificationFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


# --- api_key_create ---------------------------------------------------------------------------


def test_a_member_of_another_organization_gets_no_key_here(org_a, outsider):
    with pytest.raises(PermissionError, match=r"is not a member of Alpha Industries\.$"):
        api_key_create(organization=org_a, user=outsider, name="BI", now=NOW)
    assert not ApiKey.objects.exists()


def test_a_member_who_left_gets_no_new_key(org_a, make_member):
    left = make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Lou Left")
    Membership.objects.filter(user=left).update(is_active=False)
    with pytest.raises(PermissionError, match=r"^Lou Left is not a member of Alpha Industries\.$"):
        api_key_create(organization=org_a, user=left, name="BI", now=NOW)
    assert not ApiKey.objects.exists()


def test_a_key_of_an_unknown_scope_is_refused_on_the_scope(org_a, owner):
    with pytest.raises(ValidationError) as refused:
        api_key_create(organization=org_a, user=owner, name="BI", scope="admin", now=NOW)
    assert refused.value.message_dict == {"scope": ["Choose read only or read and write."]}


def test_a_new_key_is_audited_with_its_scope_and_expiry(org_a, owner):
    expiry = NOW + timedelta(days=30)
    key, _ = api_key_create(
        organization=org_a, user=owner, name="BI", scope="read", expires_at=expiry, now=NOW
    )
    with tenant_scope(org_a):
        event = AuditEvent.objects.get(action="tenancy.api_key.created")
    assert (event.actor, event.object_type, event.object_id) == (
        owner,
        "tenancy.apikey",
        str(key.pk),
    )
    assert event.changes == {
        "scope": "read",
        "expires_at": expiry.isoformat().replace("+00:00", "Z"),
    }


def test_a_keys_name_loses_its_null_characters_and_a_blank_one_is_api_key(org_a, owner):
    named, _ = api_key_create(organization=org_a, user=owner, name=" B\x00I ", now=NOW)
    blank, _ = api_key_create(organization=org_a, user=owner, name=" \x00 ", now=NOW)
    assert (named.name, blank.name) == ("BI", "API key")
    assert ApiKey.objects.get(pk=blank.pk).name == "API key"


# --- api_key_revoke ---------------------------------------------------------------------------


def _revocation(org):
    with tenant_scope(org):
        return AuditEvent.objects.get(action="tenancy.api_key.revoked")


def test_a_key_revoked_by_its_owner_is_audited_without_naming_the_owner(org_a, owner):
    key, _ = api_key_create(organization=org_a, user=owner, name="BI", now=NOW)
    api_key_revoke(api_key=key, actor=owner, now=NOW)
    event = _revocation(org_a)
    assert (event.actor, event.object_id, event.changes) == (owner, str(key.pk), {})


def test_a_key_revoked_by_an_admin_says_whose_key_it_was(org_a, owner, make_member):
    analyst = make_member(org_a, Role.VIEWER, email="analyst@alpha.test")
    key, _ = api_key_create(organization=org_a, user=analyst, name="BI", now=NOW)
    api_key_revoke(api_key=key, actor=owner, now=NOW)
    event = _revocation(org_a)
    assert (event.actor, event.object_type, event.object_id) == (
        owner,
        "tenancy.apikey",
        str(key.pk),
    )
    assert event.changes == {"owner": "analyst@alpha.test"}


# --- api_key_authenticate ---------------------------------------------------------------------


@pytest.fixture
def key(org_a, owner):
    """A key of the owner and its plain text."""
    return api_key_create(organization=org_a, user=owner, name="BI", now=NOW)


def test_a_key_is_read_with_its_user_organization_and_membership_in_one_query(key, owner, org_a):
    made, raw = key
    ApiKey.objects.filter(pk=made.pk).update(last_used_at=NOW)  # no write of its use now
    with CaptureQueriesContext(connection) as queries:
        found = api_key_authenticate(raw, now=NOW + timedelta(seconds=1))
        assert found.user == owner and found.organization == org_a
        assert found.membership.user == owner and found.membership.organization == org_a
        assert found.membership.role == Role.ORG_ADMIN
    assert len(queries) == 1


@pytest.mark.parametrize(
    "shape",
    ["pl_{prefix}", "pl__{secret}", "pl_{prefix}_", "pk_{prefix}_{secret}", "{prefix}_{secret}"],
)
def test_a_key_not_of_the_form_pl_prefix_secret_is_refused_without_a_query(key, shape):
    _, raw = key
    _, prefix, secret = raw.split("_", 2)
    with CaptureQueriesContext(connection) as queries:
        assert api_key_authenticate(shape.format(prefix=prefix, secret=secret), now=NOW) is None
    assert queries.captured_queries == []


def test_the_key_of_a_deactivated_account_authenticates_nothing(key, owner):
    _, raw = key
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert api_key_authenticate(raw, now=NOW) is None


def test_a_keys_use_is_written_at_most_once_a_minute(key):
    made, raw = key
    first = api_key_authenticate(raw, now=NOW)
    assert first.last_used_at == NOW  # the key returned says so too
    for seconds, written in ((60, NOW), (61, NOW + timedelta(seconds=61))):
        found = api_key_authenticate(raw, now=NOW + timedelta(seconds=seconds))
        assert ApiKey.objects.get(pk=made.pk).last_used_at == written
        assert found.last_used_at == written


# --- membership_grant -------------------------------------------------------------------------


def test_an_unknown_role_is_refused_by_name(org_a, make_member):
    user = make_member(org_a, Role.VIEWER)
    with pytest.raises(ValueError, match=r"^Unknown role 'emperor'\.$"):
        membership_grant(organization=org_a, user=user, role="emperor")


# --- notifications_purge_read -----------------------------------------------------------------


def test_read_notifications_are_purged_after_90_days_by_default(org_a, owner):
    with tenant_scope(org_a):
        old = NotificationFactory(
            organization=org_a, recipient=owner, read_at=NOW - timedelta(days=90, hours=1)
        )
        recent = NotificationFactory(
            organization=org_a, recipient=owner, read_at=NOW - timedelta(days=89)
        )
        unread = NotificationFactory(organization=org_a, recipient=owner, read_at=None)
        assert notifications_purge_read(now=NOW) == 1
        assert set(Notification.objects.values_list("pk", flat=True)) == {recent.pk, unread.pk}
        assert not Notification.objects.filter(pk=old.pk).exists()


# --- responsibilities_hand_over ---------------------------------------------------------------


@pytest.fixture
def leaver(org_a, make_member):
    return make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Lou Leaving")


@pytest.fixture
def colleague(org_a, make_member):
    return make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Cleo Colleague")


def _open_risk(org, owner):
    with tenant_scope(org):
        return RiskFactory(organization=org, owner=owner)


def test_the_colleague_is_told_what_moved_in_the_app_and_by_mail(
    org_a, owner, leaver, colleague, mailoutbox
):
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a, owner=owner)
        AgreementFactory(organization=org_a, partnership=partnership, owner=leaver)
        RiskFactory(organization=org_a, partnership=partnership, owner=leaver)
        RiskFactory(organization=org_a, partnership=partnership, owner=leaver)
    mailoutbox.clear()
    responsibilities_hand_over(organization=org_a, from_user=leaver, to_user=colleague, actor=owner)
    with tenant_scope(org_a):
        [told] = Notification.objects.filter(recipient=colleague)
    body = "You now answer for what Lou Leaving answered for: Agreements: 1; Open risks: 2."
    assert (told.title, told.body, told.url) == (
        "Lou Leaving handed their work over to you",
        body,
        "/o/alpha/",
    )
    [mail] = mailoutbox
    assert mail.to == [colleague.email]
    assert mail.subject == "[Partnerline] Lou Leaving handed their work over to you"


def test_a_member_who_is_a_partner_guest_elsewhere_hands_over_their_work_here(
    org_a, org_b, owner, leaver, colleague
):
    MembershipFactory(organization=org_b, user=leaver, role=Role.PARTNER_GUEST)
    _open_risk(org_a, leaver)
    moved = responsibilities_hand_over(
        organization=org_a, from_user=leaver, to_user=colleague, actor=owner
    )
    assert moved == [("Open risks", 1)]
    with tenant_scope(org_a):
        event = AuditEvent.objects.get(action="tenancy.membership.handed_over")
    assert event.object_id == str(Membership.objects.get(organization=org_a, user=leaver).pk)


def test_a_partner_guest_in_the_organization_does_not_stop_a_staff_members_handover(
    org_a, owner, leaver, colleague, make_member
):
    make_member(org_a, Role.PARTNER_GUEST, full_name="Gus Guest")
    _open_risk(org_a, leaver)
    moved = responsibilities_hand_over(
        organization=org_a, from_user=leaver, to_user=colleague, actor=owner
    )
    assert moved == [("Open risks", 1)]


def test_a_partner_guests_work_is_refused_in_words(org_a, owner, colleague, make_member):
    guest = make_member(org_a, Role.PARTNER_GUEST, full_name="Gus Guest")
    with pytest.raises(ConflictError) as refused:
        responsibilities_hand_over(
            organization=org_a, from_user=guest, to_user=colleague, actor=owner
        )
    assert str(refused.value) == "A partner guest's work stays with the partner's side."


# --- notify -----------------------------------------------------------------------------------


def test_a_notification_is_stored_and_mailed_with_a_full_link(org_a, owner, settings, mailoutbox):
    settings.SITE_URL = "https://partnerline.example"
    mailoutbox.clear()
    with tenant_scope(org_a):
        made = notify(recipients=[owner], title="T" * 250, body="Body", url="/o/alpha/risks/")
        stored = Notification.objects.get()
    assert made == [stored]
    assert (stored.title, stored.body, stored.url) == ("T" * 200, "Body", "/o/alpha/risks/")
    [mail] = mailoutbox
    assert mail.body == "Body\n\nhttps://partnerline.example/o/alpha/risks/"


def test_a_notification_without_a_link_is_mailed_without_one(org_a, owner, mailoutbox):
    mailoutbox.clear()
    with tenant_scope(org_a):
        notify(recipients=[owner], title="Hello", body="Body")
        stored = Notification.objects.get()
    assert stored.url == ""
    [mail] = mailoutbox
    assert mail.body == "Body"


def test_a_notification_has_no_body_and_no_link_unless_given(org_a, owner, mailoutbox):
    mailoutbox.clear()
    with tenant_scope(org_a):
        notify(recipients=[owner], title="Hello")
        stored = Notification.objects.get()
    assert (stored.body, stored.url) == ("", "")
    [mail] = mailoutbox
    assert (mail.subject, mail.body) == ("[Partnerline] Hello", "")


def test_a_notification_not_to_be_mailed_is_not_mailed(org_a, owner, mailoutbox):
    mailoutbox.clear()
    with tenant_scope(org_a):
        notify(recipients=[owner], title="Hello", email=False)
        assert Notification.objects.count() == 1
    assert mailoutbox == []


def test_one_recipient_already_notified_under_the_key_does_not_stop_the_others(
    org_a, owner, member, mailoutbox
):
    with tenant_scope(org_a):
        notify(recipients=[owner], title="Due", dedupe_key="due:1")
        mailoutbox.clear()
        made = notify(recipients=[owner, member], title="Due", dedupe_key="due:1")
        assert [n.recipient for n in made] == [member]
        assert Notification.objects.filter(recipient=member).count() == 1
    assert [mail.to for mail in mailoutbox] == [[member.email]]
