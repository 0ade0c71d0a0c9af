"""An invitation's status moves through its lifecycle (`tenancy.models.INVITATION_LIFECYCLE`,
beside the model): pending until accepted once or withdrawn, for good. Withdrawing and accepting
check it under the invitation's row lock; the accept keeps its own words first for an invitation
already used or withdrawn ("This invitation was withdrawn. Ask for a new one."). Those words
leave nothing for today's lifecycle to refuse on the accept, so the test that the accept asks it
swaps in a stricter one: the accept is then refused in the lifecycle's words and nothing is
made."""

from datetime import UTC, datetime

import pytest

from tenancy.access import services
from tenancy.access.services import members
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.lifecycle import lifecycle
from tenancy.models import INVITATION_LIFECYCLE, AuditEvent, Invitation, Membership, Role, User

pytestmark = pytest.mark.django_db
NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
PASSWORD = "a-Long-pass-4321"


def _invite(org, actor, email="new@alpha.test"):
    return services.member_invite(
        organization=org, email=email, role=Role.LEGAL, actor=actor, now=NOW
    )


def _status(org, invitation) -> str:
    with tenant_scope(org):
        return Invitation.objects.get(pk=invitation.pk).status


def test_an_invitation_is_accepted_or_withdrawn_once_from_pending_and_never_moves_again():
    assert INVITATION_LIFECYCLE is members.INVITATION_LIFECYCLE  # one lifecycle, by the model
    states = set(INVITATION_LIFECYCLE.transitions) | {
        t for targets in INVITATION_LIFECYCLE.transitions.values() for t in targets
    }
    assert states == set(Invitation.Status.values)
    assert INVITATION_LIFECYCLE.allowed_from("pending") == {"accepted", "revoked"}
    assert INVITATION_LIFECYCLE.allowed_from("accepted") == frozenset()
    assert INVITATION_LIFECYCLE.allowed_from("revoked") == frozenset()


def test_a_withdrawn_invitation_is_named_withdrawn_in_a_refusal_as_on_the_page():
    with pytest.raises(TransitionNotAllowed) as refused:
        INVITATION_LIFECYCLE.check("accepted", "revoked")
    assert refused.value.message == (
        "An invitation cannot go from “accepted” to “withdrawn”. Nothing can follow “accepted”."
    )


def test_a_withdrawn_invitation_cannot_be_accepted_afterwards(org_a, owner):
    invitation = _invite(org_a, owner)
    services.invitation_revoke(invitation=invitation, actor=owner, now=NOW)
    with pytest.raises(ConflictError) as refused:
        services.invitation_accept(invitation=invitation, now=NOW, password=PASSWORD)
    assert refused.value.message == "This invitation was withdrawn. Ask for a new one."
    assert _status(org_a, invitation) == "revoked"
    assert not User.objects.filter(email="new@alpha.test").exists()


def test_an_accepted_invitation_cannot_be_withdrawn_afterwards(org_a, owner):
    invitation = _invite(org_a, owner)
    services.invitation_accept(invitation=invitation, now=NOW, password=PASSWORD)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.invitation_revoke(invitation=invitation, actor=owner, now=NOW)
    assert refused.value.message == (
        "An invitation cannot go from “accepted” to “withdrawn”. Nothing can follow “accepted”."
    )
    assert _status(org_a, invitation) == "accepted"


def test_accepting_an_invitation_asks_the_invitation_lifecycle(org_a, owner, monkeypatch):
    monkeypatch.setattr(
        "tenancy.access.services.members.INVITATION_LIFECYCLE",
        lifecycle(
            "invitation",
            {"pending": {"revoked"}, "accepted": set(), "revoked": set()},
            labels=dict(Invitation.Status.choices),
        ),
    )
    invitation = _invite(org_a, owner)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.invitation_accept(invitation=invitation, now=NOW, password=PASSWORD)
    assert refused.value.message == (
        "An invitation cannot go from “pending” to “accepted”. "
        "From “pending” it can only go to “withdrawn”."
    )
    assert _status(org_a, invitation) == "pending"
    assert not User.objects.filter(email="new@alpha.test").exists()
    assert not Membership.objects.filter(organization=org_a, user__email="new@alpha.test").exists()
    with tenant_scope(org_a):
        assert not AuditEvent.objects.filter(action="tenancy.invitation.accepted").exists()


def test_withdrawing_an_invitation_asks_the_invitation_lifecycle(org_a, owner, monkeypatch):
    monkeypatch.setattr(
        "tenancy.access.services.members.INVITATION_LIFECYCLE",
        lifecycle("invitation", {"pending": {"accepted"}, "accepted": set(), "revoked": set()}),
    )
    invitation = _invite(org_a, owner)
    with pytest.raises(TransitionNotAllowed, match="from “pending” to “revoked”"):
        services.invitation_revoke(invitation=invitation, actor=owner, now=NOW)
    assert _status(org_a, invitation) == "pending"
