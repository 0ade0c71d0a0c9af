"""Change-request rules pinned against the mutants that survived `make mutation`
(docs/mutation.md): what a new request stores, which fields an edit takes, who may approve for
which party, what blocks a submission, the rule-required approvers, each decision and its
refusals in the user's words, implementation with its amendment, a request for changes, and
withdrawal, each with its audit event, timestamps, notifications and webhook event."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q

from governance import services
from governance.models import ChangeRequest, ChangeRequestApprover, CommitteeMember
from governance.services.change_requests import may_withdraw
from integrations import webhooks
from partnerships.models import Partnership
from tenancy.errors import ConflictError, PermissionDeniedError, TransitionNotAllowed
from tenancy.models import AuditEvent, Membership, Notification, OutboxMessage, Role
from tests.contracts.factories import AgreementFactory
from tests.governance.conftest import NOW
from tests.governance.factories import ChangeRequestFactory

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(days=3)
DUE = datetime(2030, 1, 20, 17, 0, tzinfo=UTC)


def _event(action):
    return AuditEvent.objects.filter(action=action).order_by("sequence").last()


def _events(action):
    return AuditEvent.objects.filter(action=action).count()


def _draft(manager, partnership, **fields):
    fields.setdefault("title", "Saturday service desk")
    return services.change_request_create(actor=manager, partnership=partnership, now=NOW, **fields)


def _add(change_request, manager, *users):
    for user in users:
        services.change_request_approver_add(
            change_request=change_request, user=user, actor=manager
        )


def _submitted(manager, partnership, approvers, **fields):
    change_request = _draft(manager, partnership, **fields)
    _add(change_request, manager, *approvers)
    return services.change_request_submit(change_request=change_request, actor=manager, now=NOW)


def _notes(kind, change_request):
    key = f"governance.change_request.{kind}:{change_request.pk}"
    return Notification.objects.filter(
        Q(dedupe_key=key) | Q(dedupe_key__startswith=f"{key}:")
    ).order_by("recipient__email")


def _recipients(notes):
    return sorted(n.recipient.email for n in notes)


def _url(change_request):
    return f"/o/alpha/governance/change-requests/{change_request.pk}/"


def _owned_by(partnership, user):
    """The partnership's owner another person than the requester (so both are told apart)."""
    Partnership.objects.filter(pk=partnership.pk).update(owner=user)
    partnership.refresh_from_db()


def _subscribe(manager, settings):
    settings.INTEGRATIONS_WEBHOOKS_ALLOW_HTTP = True
    webhooks.webhook_subscription_create(
        actor=manager,
        name="ERP",
        url="https://erp.example.test/hook",
        events=["change_request.decided"],
    )


def _webhooks():
    return [
        (m.payload["event"], m.payload["data"]["id"], m.payload["data"]["status"])
        for m in OutboxMessage.objects.filter(channel=webhooks.CHANNEL).order_by("pk")
    ]


# --- creating ----------------------------------------------------------------------------------


def test_a_new_request_stores_every_field_given_and_is_audited_with_its_reference(
    scope, manager, partnership
):
    agreement = AgreementFactory(organization=scope, partnership=partnership)
    created = services.change_request_create(
        actor=manager,
        partnership=partnership,
        title="Saturday service desk",
        now=NOW,
        agreement=agreement,
        description="Cover Saturday shifts.",
        category="price",
        cost_impact=Decimal("-4000.50"),
        currency="USD",
        schedule_impact_days=-3,
        decision_due=DUE,
    )
    stored = ChangeRequest.objects.get(pk=created.pk)
    assert (
        stored.partnership,
        stored.agreement,
        stored.title,
        stored.description,
        stored.category,
        stored.cost_impact,
        stored.currency,
        stored.schedule_impact_days,
        stored.decision_due,
        stored.requested_by,
        stored.number,
        stored.created_at,
        stored.status,
    ) == (
        partnership,
        agreement,
        "Saturday service desk",
        "Cover Saturday shifts.",
        "price",
        Decimal("-4000.50"),
        "USD",
        -3,
        DUE,
        manager,
        1,
        NOW,
        "draft",
    )
    event = _event("governance.change_request.created")
    assert (event.actor, event.object_id, event.object_type) == (
        manager,
        str(created.pk),
        "governance.changerequest",
    )
    assert event.changes == {
        "reference": "CR-0001",
        "partnership": partnership.pk,
        "category": "price",
        "cost_impact": "USD -4,000.50",
    }


def test_a_request_without_cost_or_currency_costs_nothing_in_the_partnerships_currency(
    scope, manager, partnership
):
    Partnership.objects.filter(pk=partnership.pk).update(currency="GBP")
    partnership.refresh_from_db()
    created = _draft(manager, partnership, cost_impact=None)
    stored = ChangeRequest.objects.get(pk=created.pk)
    assert (stored.cost_impact, stored.currency, stored.category, stored.decision_due) == (
        Decimal("0.00"),
        "GBP",
        "other",
        None,
    )
    assert (stored.description, stored.schedule_impact_days, stored.agreement) == ("", 0, None)
    assert _event("governance.change_request.created").changes["cost_impact"] == "GBP 0.00"


def test_a_request_raised_by_the_system_has_no_requester(scope, partnership):
    created = _draft(None, partnership)
    assert ChangeRequest.objects.get(pk=created.pk).requested_by is None
    assert _event("governance.change_request.created").actor is None


def test_the_decision_deadline_is_refused_in_the_users_words(scope, manager, partnership):
    with pytest.raises(ValidationError) as refused:
        _draft(manager, partnership, decision_due=NOW)  # not in the future: the same moment
    assert refused.value.message_dict == {
        "decision_due": ["The decision deadline must be in the future."]
    }
    with pytest.raises(ValidationError) as refused:
        _draft(manager, partnership, decision_due=DUE.replace(tzinfo=None))
    assert refused.value.message_dict == {"decision_due": ["Give the time with its time zone."]}
    assert not ChangeRequest.objects.exists()
    one_second_later = _draft(manager, partnership, decision_due=NOW + timedelta(seconds=1))
    assert one_second_later.decision_due == NOW + timedelta(seconds=1)


def test_a_request_is_validated_as_a_whole_when_created(scope, manager, partnership):
    with pytest.raises(ValidationError) as refused:
        _draft(manager, partnership, title="x" * 201)
    assert "title" in refused.value.message_dict
    assert not ChangeRequest.objects.exists()


# --- editing -----------------------------------------------------------------------------------


def test_an_edit_takes_the_request_fields_only_and_audits_what_changed(
    scope, manager, owner, partnership
):
    agreement = AgreementFactory(organization=scope, partnership=partnership)
    change_request = _draft(manager, partnership, cost_impact=Decimal("100.00"))
    services.change_request_update(
        change_request=change_request,
        actor=owner,
        now=NOW,
        title="Sunday service desk",
        agreement=agreement,
        decision_due=DUE,
        status="approved",  # not an editable field: dropped
        number=99,
    )
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.title, stored.agreement, stored.decision_due, stored.status, stored.number) == (
        "Sunday service desk",
        agreement,
        DUE,
        "draft",
        1,
    )
    event = _event("governance.change_request.updated")
    assert (event.actor, event.object_id) == (owner, str(change_request.pk))
    assert event.changes == {
        "title": ["Saturday service desk", "Sunday service desk"],
        "agreement_id": [None, agreement.pk],
        "decision_due": [None, "2030-01-20T17:00:00Z"],
    }

    services.change_request_update(
        change_request=change_request, actor=owner, now=NOW, agreement=None
    )
    assert ChangeRequest.objects.get(pk=change_request.pk).agreement is None
    assert _event("governance.change_request.updated").changes == {
        "agreement_id": [agreement.pk, None]
    }


def test_an_edit_that_changes_nothing_is_saved_but_not_audited(scope, manager, partnership):
    change_request = _draft(manager, partnership, cost_impact=Decimal("100.00"))
    services.change_request_update(
        change_request=change_request,
        actor=manager,
        now=NOW,
        title="Saturday service desk",
        cost_impact=Decimal("100.00"),
    )
    assert _events("governance.change_request.updated") == 0


def test_an_edit_without_a_cost_means_no_cost(scope, manager, partnership):
    change_request = _draft(manager, partnership, cost_impact=Decimal("100.00"))
    services.change_request_update(
        change_request=change_request, actor=manager, now=NOW, cost_impact=None
    )
    assert ChangeRequest.objects.get(pk=change_request.pk).cost_impact == Decimal("0.00")


def test_a_passed_deadline_is_refused_only_when_the_edit_changes_it(scope, manager, partnership):
    change_request = _draft(manager, partnership, decision_due=DUE)
    after_the_deadline = DUE + timedelta(days=1)
    # Another field edited after the deadline: the stored deadline is not judged again.
    services.change_request_update(
        change_request=change_request, actor=manager, now=after_the_deadline, title="Later"
    )
    assert ChangeRequest.objects.get(pk=change_request.pk).title == "Later"
    with pytest.raises(ValidationError) as refused:
        services.change_request_update(
            change_request=change_request,
            actor=manager,
            now=after_the_deadline,
            decision_due=after_the_deadline,
        )
    assert refused.value.message_dict == {
        "decision_due": ["The decision deadline must be in the future."]
    }
    with pytest.raises(ValidationError) as refused:
        services.change_request_update(
            change_request=change_request, actor=manager, now=NOW, title="y" * 201
        )
    assert "title" in refused.value.message_dict


def test_a_submitted_request_is_not_edited_and_says_so(
    scope, manager, committee, guest, partnership
):
    change_request = _submitted(manager, partnership, [committee, guest])
    with pytest.raises(ConflictError) as refused:
        services.change_request_update(
            change_request=change_request, actor=manager, now=NOW, title="Sneaky"
        )
    assert refused.value.message == "CR-0001 is submitted: it is edited only while it is a draft."
    assert refused.value.code == "not_a_draft"
    for change in (services.change_request_approver_add, services.change_request_approver_remove):
        with pytest.raises(ConflictError) as refused:
            change(change_request=change_request, user=committee, actor=manager)
        assert refused.value.message == (
            "CR-0001 is submitted: approvers are changed only while it is a draft."
        )


# --- approvers ---------------------------------------------------------------------------------


def test_an_approver_is_stored_for_their_party_and_audited(
    scope, org_a, manager, committee, guest, partnership
):
    change_request = _draft(manager, partnership)
    ours = services.change_request_approver_add(
        change_request=change_request, user=committee, actor=manager
    )
    theirs = services.change_request_approver_add(
        change_request=change_request, user=guest, actor=manager
    )
    stored = {
        a.user_id: (a.organization_id, a.change_request_id, a.party, a.decision, a.required_by)
        for a in ChangeRequestApprover.objects.all()
    }
    assert stored == {
        committee.pk: (org_a.pk, change_request.pk, "customer", "pending", ""),
        guest.pk: (org_a.pk, change_request.pk, "partner", "pending", ""),
    }
    assert (ours.pk, theirs.pk) != (None, None)
    events = AuditEvent.objects.filter(action="governance.change_request.approver_added").order_by(
        "sequence"
    )
    assert [(e.actor, e.object_id, e.changes) for e in events] == [
        (
            manager,
            str(change_request.pk),
            {"approver": "committee@alpha.test", "party": "customer"},
        ),
        (manager, str(change_request.pk), {"approver": "guest@alder.test", "party": "partner"}),
    ]


def test_who_may_not_approve_is_told_why_in_words(
    scope, org_a, org_b, manager, member, outsider, guest, partnership, make_member
):
    change_request = _draft(manager, partnership)

    def refusal(user):
        with pytest.raises(ValidationError) as refused:
            services.change_request_approver_add(
                change_request=change_request, user=user, actor=manager
            )
        return refused.value.message_dict

    assert refusal(outsider) == {"user": ["The approver must be a member of this organization."]}
    former = make_member(org_a, Role.COMMITTEE_MEMBER, email="former@alpha.test")
    Membership.objects.filter(user=former).update(is_active=False)
    assert refusal(former) == {"user": ["The approver must be a member of this organization."]}
    assert refusal(member) == {
        "user": [f"{member} is a viewer, a role that does not approve change requests."]
    }
    assert refusal(manager) == {
        "user": [
            "Mia Manager is a procurement manager, a role that does not approve change requests."
        ]
    }
    other_guest = make_member(org_a, Role.PARTNER_GUEST, email="x@other.test", full_name="Xavi")
    assert refusal(other_guest) == {
        "user": ["Xavi is a partner guest not invited to this partnership."]
    }
    # A guest of this partnership who belongs to another organization too counts here only.
    Membership.objects.create(organization=org_b, user=guest, role=Role.ORG_ADMIN)
    approver = services.change_request_approver_add(
        change_request=change_request, user=guest, actor=manager
    )
    assert approver.party == "partner"
    assert refusal(guest) == {
        "user": ["Greta Guest is already an approver of this change request."]
    }
    assert ChangeRequestApprover.objects.count() == 1


def test_an_admin_approves_for_us(scope, manager, owner, partnership):
    change_request = _draft(manager, partnership)
    approver = services.change_request_approver_add(
        change_request=change_request, user=owner, actor=manager
    )
    assert approver.party == "customer"


def test_removing_an_approver_removes_theirs_only_and_is_audited_with_their_party(
    scope, manager, committee, guest, partnership
):
    other = _draft(manager, partnership, title="Other")
    _add(other, manager, guest)  # the guest's first approver row: another request's
    change_request = _draft(manager, partnership)
    _add(change_request, manager, committee, guest)
    services.change_request_approver_remove(
        change_request=change_request, user=guest, actor=manager
    )
    assert sorted(
        ChangeRequestApprover.objects.values_list("change_request_id", "user_id")
    ) == sorted([(change_request.pk, committee.pk), (other.pk, guest.pk)])
    event = _event("governance.change_request.approver_removed")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(change_request.pk),
        {"approver": "guest@alder.test", "party": "partner"},
    )
    with pytest.raises(ValidationError) as refused:
        services.change_request_approver_remove(
            change_request=change_request, user=guest, actor=manager
        )
    assert refused.value.message_dict == {
        "user": ["Greta Guest is not an approver of this change request."]
    }


# --- submission --------------------------------------------------------------------------------


def test_a_submission_without_approvers_names_both_missing_parties(scope, manager, partnership):
    change_request = _draft(manager, partnership)
    with pytest.raises(ConflictError) as refused:
        services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    assert refused.value.message == (
        "CR-0001 cannot be submitted: "
        "Add at least one approver of ours (a member who may approve). "
        "Add at least one approver of the partner (a guest of this partnership)."
    )
    assert refused.value.code == "submission_blocked"
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.status, stored.submitted_at, stored.decision_due) == ("draft", None, None)
    assert _events("governance.change_request.submitted") == 0


def test_a_submission_with_a_partner_only_names_the_missing_customer(
    scope, manager, guest, partnership
):
    change_request = _draft(manager, partnership)
    _add(change_request, manager, guest)
    assert services.submission_blockers(change_request, today=NOW.date()) == [
        "Add at least one approver of ours (a member who may approve)."
    ]


def test_approvers_no_longer_eligible_block_the_submission_with_the_reason(
    scope, manager, committee, guest, partnership, owner, make_member, org_a
):
    change_request = _draft(manager, partnership)
    second = make_member(org_a, Role.COMMITTEE_MEMBER, email="c2@alpha.test", full_name="Cleo")
    _add(change_request, manager, committee, second, guest)
    Membership.objects.filter(user=committee).update(role=Role.VIEWER)
    # An approver recorded for the other party: their membership says customer now.
    ChangeRequestApprover.objects.filter(user=second).update(party="partner")
    assert services.submission_blockers(change_request, today=NOW.date()) == [
        "Carl Committee is a viewer, a role that does not approve change requests.",
        "Cleo no longer represents the partner party.",
    ]
    with pytest.raises(ConflictError) as refused:
        services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    assert refused.value.message == (
        "CR-0001 cannot be submitted: "
        "Carl Committee is a viewer, a role that does not approve change requests. "
        "Cleo no longer represents the partner party."
    )


def test_an_approver_whose_membership_ended_blocks_the_submission(
    scope, manager, committee, guest, partnership
):
    change_request = _draft(manager, partnership)
    _add(change_request, manager, committee, guest)
    Membership.objects.filter(user=committee).delete()
    assert services.submission_blockers(change_request, today=NOW.date()) == [
        "The approver must be a member of this organization."
    ]


def test_a_scorecard_standing_that_blocks_change_requests_blocks_the_submission(
    scope, manager, committee, guest, partnership, monkeypatch
):
    change_request = _draft(manager, partnership)
    _add(change_request, manager, committee, guest)
    monkeypatch.setattr(
        "governance.selectors.change_request_block_reason",
        lambda p: f"Blocked for {p.name}.",
    )
    assert services.submission_blockers(change_request, today=NOW.date()) == [
        "Blocked for Alder drive-train."
    ]


def test_submitting_a_withdrawn_request_is_refused_by_the_lifecycle(
    scope, manager, committee, guest, partnership
):
    change_request = _draft(manager, partnership)
    _add(change_request, manager, committee, guest)
    services.change_request_withdraw(change_request=change_request, actor=manager, now=NOW)
    with pytest.raises(TransitionNotAllowed):
        services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    assert ChangeRequest.objects.get(pk=change_request.pk).status == "withdrawn"


def test_a_passed_deadline_blocks_the_submission_until_a_new_one_is_set(
    scope, manager, committee, guest, partnership
):
    change_request = _draft(manager, partnership, decision_due=DUE)
    _add(change_request, manager, committee, guest)
    for now in (DUE, DUE + timedelta(hours=1)):
        with pytest.raises(ValidationError) as refused:
            services.change_request_submit(change_request=change_request, actor=manager, now=now)
        assert refused.value.message_dict == {
            "decision_due": ["The decision deadline has passed: set a new one before submitting."]
        }
    assert ChangeRequest.objects.get(pk=change_request.pk).status == "draft"
    submitted = services.change_request_submit(
        change_request=change_request, actor=manager, now=DUE - timedelta(seconds=1)
    )
    assert submitted.decision_due == DUE  # a deadline of its own is kept


def test_a_submission_is_stored_audited_and_sent_to_every_approver(
    scope, manager, committee, guest, partnership
):
    change_request = _draft(
        manager,
        partnership,
        category="scope",
        cost_impact=Decimal("1234.50"),
        schedule_impact_days=14,
    )
    _add(change_request, manager, committee, guest)
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.status, stored.submitted_at, stored.decision_due) == (
        "submitted",
        NOW,
        NOW + timedelta(days=10),
    )
    event = _event("governance.change_request.submitted")
    assert (event.actor, event.object_id) == (manager, str(change_request.pk))
    assert event.changes == {
        "status": ["draft", "submitted"],
        "decision_due": "2030-01-20T09:00:00Z",
    }
    notes = list(_notes("submitted", change_request))
    assert _recipients(notes) == ["committee@alpha.test", "guest@alder.test"]
    note = notes[0]
    assert note.title == "CR-0001 awaits your decision: Saturday service desk"
    assert note.body == (
        "Alder drive-train: Scope change, cost impact EUR 1,234.50, schedule impact 14 days. "
        "Decide by 20 Jan 2030 09:00."
    )
    assert note.url == _url(change_request)


# --- the rule-required approvers ---------------------------------------------------------------


def test_a_submission_adds_the_approvers_the_rules_require_and_audits_them(
    scope, manager, committee, guest, partnership, board
):
    # A scope change: every voting member of the committee must approve.
    change_request = _draft(manager, partnership, category="scope")
    _add(change_request, manager, committee)
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    rows = {
        a.user.email: (a.party, a.required_by, a.organization_id)
        for a in ChangeRequestApprover.objects.select_related("user")
    }
    reason = "Voting member of the committee: Scope change"
    assert rows == {
        "committee@alpha.test": ("customer", "", scope.pk),  # added by hand: kept as it was
        "guest@alder.test": ("partner", reason, scope.pk),
        "sponsor@alpha.test": ("customer", reason, scope.pk),
        "pia@alder.test": ("partner", reason, scope.pk),
    }
    event = _event("governance.change_request.approvers_required")
    assert (event.actor, event.object_id) == (manager, str(change_request.pk))
    assert sorted(event.changes["required"]) == sorted(
        [
            f"guest@alder.test (partner): {reason}",
            f"sponsor@alpha.test (customer): {reason}",
            f"pia@alder.test (partner): {reason}",
        ]
    )
    assert len(event.changes) == 1


def test_a_long_rule_name_is_cut_to_200_characters_on_the_approver(
    scope, manager, committee, guest, partnership, board
):
    from governance.models import DecisionRightRule

    DecisionRightRule.objects.create(
        organization=scope,
        name="S" * 200,
        measure=DecisionRightRule.Measure.SCOPE,
        approvers=DecisionRightRule.Approvers.PROGRAMME_LEADS,
    )
    change_request = _draft(manager, partnership, category="scope")
    _add(change_request, manager, guest)
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    added = ChangeRequestApprover.objects.get(user=committee)
    assert added.required_by == ("Programme lead: " + "S" * 200)[:200]
    assert _event("governance.change_request.approvers_required").changes["required"] == [
        "committee@alpha.test (customer): Programme lead: " + "S" * 200
    ]


def test_no_rule_requiring_anyone_new_records_nothing(
    scope, manager, committee, guest, partnership, board
):
    change_request = _draft(manager, partnership, category="other")
    _add(change_request, manager, committee, guest)
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    assert ChangeRequestApprover.objects.count() == 2
    assert _events("governance.change_request.approvers_required") == 0


def test_the_rule_required_approvers_count_for_their_party_and_are_not_added_when_blocked(
    scope, manager, committee, partnership, board, owner
):
    # The committee's guest is required (scope change) for the partner: no partner added by hand.
    change_request = _draft(manager, partnership, category="scope")
    _add(change_request, manager, committee)
    assert services.submission_blockers(change_request, today=NOW.date()) == []
    # A blocked submission adds no one.
    blocked = _draft(manager, partnership, category="scope", title="Blocked")
    CommitteeMember.objects.filter(party="partner").update(has_vote=False)
    with pytest.raises(ConflictError) as refused:
        services.change_request_submit(change_request=blocked, actor=manager, now=NOW)
    assert "needs the partner's voting member of the committee" in refused.value.message
    assert not ChangeRequestApprover.objects.filter(change_request=blocked).exists()


# --- deciding ----------------------------------------------------------------------------------


def test_only_a_required_approver_decides_and_is_told_so(
    scope, manager, committee, guest, partnership, owner
):
    change_request = _submitted(manager, partnership, [committee, guest])
    other = _submitted(manager, partnership, [committee, guest], title="Other")
    for decide in (
        lambda user: services.change_request_approve(
            change_request=change_request, approver=user, now=NOW
        ),
        lambda user: services.change_request_reject(
            change_request=change_request, approver=user, reason="No", now=NOW
        ),
        lambda user: services.change_request_request_changes(
            change_request=change_request, approver=user, reason="No", now=NOW
        ),
    ):
        for user in (owner, None):
            with pytest.raises(PermissionDeniedError) as refused:
                decide(user)
            assert str(refused.value) == "Only the approvers CR-0001 requires may decide on it."
    assert other.reference == "CR-0002"
    assert ChangeRequest.objects.get(pk=change_request.pk).status == "submitted"


def test_a_decision_is_taken_once_and_only_while_submitted_in_the_users_words(
    scope, manager, committee, guest, partnership
):
    change_request = _submitted(manager, partnership, [committee, guest])
    services.change_request_approve(
        change_request=change_request, approver=committee, now=NOW + timedelta(days=1)
    )
    for decide in (
        lambda: services.change_request_approve(
            change_request=change_request, approver=committee, now=NOW
        ),
        lambda: services.change_request_reject(
            change_request=change_request, approver=committee, reason="No", now=NOW
        ),
        lambda: services.change_request_request_changes(
            change_request=change_request, approver=committee, reason="No", now=NOW
        ),
    ):
        with pytest.raises(ConflictError) as refused:
            decide()
        assert refused.value.message == (
            "You already approved CR-0001 on 11 Jan 2030; a decision is taken once."
        )
        assert refused.value.code == "already_decided"
    services.change_request_reject(
        change_request=change_request, approver=guest, reason="Too dear", now=NOW
    )
    with pytest.raises(ConflictError) as refused:
        services.change_request_approve(change_request=change_request, approver=guest, now=NOW)
    assert refused.value.message == (
        "CR-0001 is rejected: decisions are taken only while it is submitted."
    )
    assert refused.value.code == "not_submitted"


def test_an_approval_is_recorded_on_the_approvers_row_and_audited(
    scope, manager, committee, guest, partnership
):
    change_request = _submitted(manager, partnership, [committee, guest])
    services.change_request_approve(
        change_request=change_request, approver=committee, comment="Fine by us", now=LATER
    )
    row = ChangeRequestApprover.objects.get(user=committee)
    assert (row.decision, row.decided_at, row.comment) == ("approved", LATER, "Fine by us")
    assert ChangeRequestApprover.objects.get(user=guest).decision == "pending"
    event = _event("governance.change_request.approval_recorded")
    assert (event.actor, event.object_id, event.changes) == (
        committee,
        str(change_request.pk),
        {"approver": "committee@alpha.test", "party": "customer", "comment": "Fine by us"},
    )
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.status, stored.decided_at) == ("submitted", None)
    assert _events("governance.change_request.approved") == 0
    assert not _notes("approved", change_request).exists()


def test_a_rejection_elsewhere_does_not_count_as_outstanding_here(
    scope, manager, committee, guest, partnership
):
    other = _submitted(manager, partnership, [committee, guest], title="Other")
    services.change_request_reject(change_request=other, approver=guest, reason="No", now=NOW)
    change_request = _submitted(manager, partnership, [committee, guest])
    for user in (committee, guest):
        services.change_request_approve(change_request=change_request, approver=user, now=NOW)
    assert ChangeRequest.objects.get(pk=change_request.pk).status == "approved"


def test_the_last_approval_approves_audits_tells_the_requester_and_owner_and_raises_the_event(
    scope, manager, committee, guest, partnership, owner, settings
):
    _owned_by(partnership, owner)
    _subscribe(manager, settings)
    change_request = _submitted(manager, partnership, [committee, guest])
    services.change_request_approve(change_request=change_request, approver=committee, now=NOW)
    assert _webhooks() == []
    services.change_request_approve(change_request=change_request, approver=guest, now=LATER)
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.status, stored.decided_at) == ("approved", LATER)
    event = _event("governance.change_request.approved")
    assert (event.actor, event.object_id, event.changes) == (
        guest,
        str(change_request.pk),
        {"status": ["submitted", "approved"]},
    )
    notes = list(_notes("approved", change_request))
    assert _recipients(notes) == ["manager@alpha.test", "owner@alpha.test"]
    assert notes[0].title == "CR-0001 approved by both parties: Saturday service desk"
    assert notes[0].body == "Every required approver approved it; it can now be implemented."
    assert notes[0].url == _url(change_request)
    assert _webhooks() == [("change_request.decided", change_request.pk, "approved")]


def test_a_rejection_is_stored_audited_told_to_everyone_else_and_raises_the_event(
    scope, manager, committee, guest, partnership, owner, settings, make_member, org_a
):
    _owned_by(partnership, owner)
    _subscribe(manager, settings)
    second = make_member(org_a, Role.COMMITTEE_MEMBER, email="c2@alpha.test")
    change_request = _submitted(manager, partnership, [committee, second, guest])
    services.change_request_reject(
        change_request=change_request, approver=guest, reason="  Price too high  ", now=LATER
    )
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.status, stored.decided_at, stored.rejection_reason) == (
        "rejected",
        LATER,
        "Price too high",
    )
    row = ChangeRequestApprover.objects.get(user=guest)
    assert (row.decision, row.decided_at, row.comment) == ("rejected", LATER, "Price too high")
    assert ChangeRequestApprover.objects.get(user=committee).decision == "pending"
    event = _event("governance.change_request.rejected")
    assert (event.actor, event.object_id, event.changes) == (
        guest,
        str(change_request.pk),
        {
            "status": ["submitted", "rejected"],
            "approver": "guest@alder.test",
            "party": "partner",
            "reason": "Price too high",
        },
    )
    notes = list(_notes("rejected", change_request))
    assert _recipients(notes) == [
        "c2@alpha.test",
        "committee@alpha.test",
        "manager@alpha.test",
        "owner@alpha.test",
    ]
    assert notes[0].title == "CR-0001 rejected: Saturday service desk"
    assert notes[0].body == "Rejected by Greta Guest (partner): Price too high"
    assert notes[0].url == _url(change_request)
    assert _webhooks() == [("change_request.decided", change_request.pk, "rejected")]


def test_a_rejection_or_a_request_for_changes_needs_a_reason(
    scope, manager, committee, guest, partnership
):
    change_request = _submitted(manager, partnership, [committee, guest])
    for reason in ("   ", "", None):
        with pytest.raises(ValidationError) as refused:
            services.change_request_reject(
                change_request=change_request, approver=guest, reason=reason, now=NOW
            )
        assert refused.value.message_dict == {"reason": ["Say why the change is rejected."]}
        with pytest.raises(ValidationError) as refused:
            services.change_request_request_changes(
                change_request=change_request, approver=guest, reason=reason, now=NOW
            )
        assert refused.value.message_dict == {"reason": ["Say what should change."]}
    assert ChangeRequest.objects.get(pk=change_request.pk).status == "submitted"


# --- implementation ----------------------------------------------------------------------------


def _approved(manager, committee, guest, partnership, **fields):
    change_request = _submitted(manager, partnership, [committee, guest], **fields)
    for user in (committee, guest):
        change_request = services.change_request_approve(
            change_request=change_request, approver=user, now=NOW
        )
    return change_request


def test_implementing_is_stored_audited_and_told_to_the_requester_and_approvers(
    scope, manager, committee, guest, partnership, owner
):
    _owned_by(partnership, owner)
    change_request = _approved(manager, committee, guest, partnership)
    services.change_request_implement(change_request=change_request, actor=owner, now=LATER)
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.status, stored.implemented_at, stored.amendment) == (
        "implemented",
        LATER,
        None,
    )
    event = _event("governance.change_request.implemented")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(change_request.pk),
        {"status": ["approved", "implemented"], "amendment": None},
    )
    notes = list(_notes("implemented", change_request))
    assert _recipients(notes) == ["committee@alpha.test", "guest@alder.test", "manager@alpha.test"]
    assert notes[0].title == "CR-0001 implemented: Saturday service desk"
    assert notes[0].url == _url(change_request)


def test_implementing_a_change_to_an_agreement_drafts_its_amendment(
    scope, manager, committee, guest, partnership
):
    from contracts.models import Agreement

    agreement = AgreementFactory(
        organization=scope, partnership=partnership, title="Master supply agreement", currency="USD"
    )
    change_request = _approved(
        manager,
        committee,
        guest,
        partnership,
        agreement=agreement,
        title="T" * 200,
        cost_impact=Decimal("1500.00"),
    )
    services.change_request_implement(change_request=change_request, actor=manager, now=LATER)
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    amendment = stored.amendment
    assert amendment is not None
    assert amendment.title == f"Amendment to Master supply agreement: {'T' * 200}"[:200]
    assert len(amendment.title) == 200
    assert (
        amendment.agreement_type,
        amendment.amends,
        amendment.reference,
        amendment.currency,
        amendment.value,
        amendment.partnership,
        amendment.status,
    ) == (
        Agreement.Type.AMENDMENT,
        agreement,
        "CR-0001",
        "USD",
        Decimal("1500.00"),
        partnership,
        "draft",
    )
    event = _event("governance.change_request.implemented")
    assert event.changes["amendment"] == amendment.pk
    assert _event("contracts.agreement.created").actor == manager


def test_a_change_that_saves_money_drafts_an_amendment_without_a_value(
    scope, manager, committee, guest, partnership
):
    agreement = AgreementFactory(organization=scope, partnership=partnership)
    for cost in (Decimal("-500.00"), Decimal("0.00")):
        change_request = _approved(
            manager,
            committee,
            guest,
            partnership,
            agreement=agreement,
            cost_impact=cost,
            title=f"Cost {cost}",
        )
        done = services.change_request_implement(
            change_request=change_request, actor=manager, now=LATER
        )
        assert ChangeRequest.objects.get(pk=done.pk).amendment.value is None
    # Any cost to the customer, however small, is the amendment's value.
    change_request = _approved(
        manager, committee, guest, partnership, agreement=agreement, cost_impact=Decimal("0.50")
    )
    done = services.change_request_implement(
        change_request=change_request, actor=manager, now=LATER
    )
    assert ChangeRequest.objects.get(pk=done.pk).amendment.value == Decimal("0.50")


def test_an_amendment_already_drafted_is_kept(scope, manager, committee, guest, partnership):
    agreement = AgreementFactory(organization=scope, partnership=partnership)
    drafted = AgreementFactory(organization=scope, partnership=partnership, title="Drafted")
    change_request = _approved(manager, committee, guest, partnership, agreement=agreement)
    ChangeRequest.objects.filter(pk=change_request.pk).update(amendment=drafted)
    services.change_request_implement(change_request=change_request, actor=manager, now=LATER)
    assert ChangeRequest.objects.get(pk=change_request.pk).amendment == drafted


# --- a request for changes ---------------------------------------------------------------------


def test_a_request_for_changes_sends_it_back_to_draft_clears_decisions_and_is_told(
    scope, manager, committee, guest, partnership, owner, board
):
    _owned_by(partnership, owner)
    change_request = _draft(manager, partnership, category="scope")
    _add(change_request, manager, committee)
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    ChangeRequest.objects.filter(pk=change_request.pk).update(
        escalation_level=1, escalated_at=LATER
    )
    assert ChangeRequestApprover.objects.exclude(required_by="").count() == 3
    services.change_request_approve(
        change_request=change_request, approver=committee, comment="Yes", now=NOW
    )
    services.change_request_request_changes(
        change_request=change_request, approver=guest, reason="  Start in March  ", now=LATER
    )
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (
        stored.status,
        stored.changes_requested_reason,
        stored.submitted_at,
        stored.escalation_level,
        stored.escalated_at,
        stored.decision_due,
    ) == ("draft", "Greta Guest: Start in March", None, 0, None, NOW + timedelta(days=10))
    # The approvers the rules added go (recomputed on resubmission); those added by hand stay,
    # their decisions cleared.
    assert list(
        ChangeRequestApprover.objects.values_list(
            "user__email", "decision", "decided_at", "comment"
        )
    ) == [("committee@alpha.test", "pending", None, "")]
    event = _event("governance.change_request.changes_requested")
    assert (event.actor, event.object_id, event.changes) == (
        guest,
        str(change_request.pk),
        {"status": ["submitted", "draft"], "party": "partner", "reason": "Start in March"},
    )
    notes = Notification.objects.filter(title__startswith="Changes requested").order_by(
        "recipient__email"
    )
    assert _recipients(notes) == ["manager@alpha.test", "owner@alpha.test"]
    assert notes[0].title == "Changes requested on CR-0001: Saturday service desk"
    assert notes[0].body == "Greta Guest (partner): Start in March"
    assert notes[0].url == _url(change_request)
    # Resubmitted, the rules add their approvers again, and every approver hears of it again.
    services.change_request_submit(change_request=change_request, actor=manager, now=LATER)
    assert ChangeRequestApprover.objects.count() == 4
    awaiting = Notification.objects.filter(recipient=committee, title__contains="awaits your")
    assert awaiting.count() == 2


def test_a_request_for_changes_leaves_other_requests_approvers_alone(
    scope, manager, committee, guest, partnership
):
    other = _submitted(manager, partnership, [committee, guest], title="Other")
    services.change_request_approve(change_request=other, approver=committee, comment="ok", now=NOW)
    ChangeRequestApprover.objects.filter(change_request=other, user=guest).update(
        required_by="A rule"
    )
    change_request = _submitted(manager, partnership, [committee, guest])
    services.change_request_request_changes(
        change_request=change_request, approver=guest, reason="Later", now=NOW
    )
    assert sorted(
        ChangeRequestApprover.objects.filter(change_request=other).values_list(
            "user__email", "decision", "comment"
        )
    ) == [("committee@alpha.test", "approved", "ok"), ("guest@alder.test", "pending", "")]


# --- withdrawal --------------------------------------------------------------------------------


def test_who_may_withdraw(scope, manager, committee, partnership):
    change_request = ChangeRequestFactory(
        organization=scope, partnership=partnership, requested_by=manager
    )
    assert may_withdraw(manager, change_request, None) is True
    assert may_withdraw(committee, change_request, Role.COMMITTEE_MEMBER) is False
    assert may_withdraw(committee, change_request, Role.PROCUREMENT_MANAGER) is True
    assert may_withdraw(committee, change_request, None) is False
    assert may_withdraw(None, change_request, Role.ORG_ADMIN) is False
    change_request.status = "submitted"
    assert may_withdraw(committee, change_request, Role.ORG_ADMIN) is True
    for closed in ("approved", "rejected", "implemented", "withdrawn"):
        change_request.status = closed
        assert may_withdraw(manager, change_request, Role.ORG_ADMIN) is False


def test_a_withdrawal_is_stored_audited_and_told_to_the_approvers_but_not_the_one_withdrawing(
    scope, manager, committee, guest, partnership, owner
):
    change_request = _submitted(manager, partnership, [committee, guest, owner])
    with pytest.raises(PermissionDeniedError) as refused:
        services.change_request_withdraw(change_request=change_request, actor=committee, now=NOW)
    assert str(refused.value) == (
        "Only the requester or a procurement manager withdraws a change request."
    )
    services.change_request_withdraw(change_request=change_request, actor=owner, now=LATER)
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.status, stored.withdrawn_at) == ("withdrawn", LATER)
    event = _event("governance.change_request.withdrawn")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(change_request.pk),
        {"status": ["submitted", "withdrawn"]},
    )
    notes = list(_notes("withdrawn", change_request))
    assert _recipients(notes) == ["committee@alpha.test", "guest@alder.test"]
    assert notes[0].title == "CR-0001 withdrawn: Saturday service desk"
    assert notes[0].body == "No decision is needed any more."
    assert notes[0].url == _url(change_request)


def test_the_requester_withdraws_a_draft_without_telling_anyone(
    scope, manager, committee, guest, partnership, outsider
):
    change_request = _draft(manager, partnership)
    _add(change_request, manager, committee, guest)
    with pytest.raises(PermissionDeniedError):
        services.change_request_withdraw(change_request=change_request, actor=outsider, now=NOW)
    services.change_request_withdraw(change_request=change_request, actor=manager, now=NOW)
    assert ChangeRequest.objects.get(pk=change_request.pk).status == "withdrawn"
    assert _event("governance.change_request.withdrawn").changes == {
        "status": ["draft", "withdrawn"]
    }
    assert not _notes("withdrawn", change_request).exists()


def test_a_procurement_manager_withdraws_someone_elses_request(
    scope, owner, manager, committee, guest, partnership
):
    change_request = _submitted(owner, partnership, [committee, guest])
    services.change_request_withdraw(change_request=change_request, actor=manager, now=NOW)
    assert ChangeRequest.objects.get(pk=change_request.pk).status == "withdrawn"


def test_the_decided_event_carries_the_time_of_the_decision_not_of_the_sending(
    scope, manager, committee, guest, partnership, settings
):
    _subscribe(manager, settings)
    approved = _submitted(manager, partnership, [committee, guest])
    services.change_request_approve(change_request=approved, approver=committee, now=NOW)
    services.change_request_approve(change_request=approved, approver=guest, now=LATER)
    rejected = _submitted(manager, partnership, [committee, guest])
    services.change_request_reject(
        change_request=rejected, approver=committee, reason="Too dear", now=LATER
    )
    sent = OutboxMessage.objects.filter(channel=webhooks.CHANNEL).order_by("pk")
    assert [(m.payload["data"]["id"], m.payload["occurred_at"]) for m in sent] == [
        (approved.pk, LATER.isoformat()),
        (rejected.pk, LATER.isoformat()),
    ]


def test_an_approval_without_a_comment_keeps_no_comment(
    scope, manager, committee, guest, partnership
):
    change_request = _submitted(manager, partnership, [committee, guest])
    services.change_request_approve(change_request=change_request, approver=committee, now=LATER)
    assert ChangeRequestApprover.objects.get(user=committee).comment == ""
