"""SLA changes agreed through change requests, pinned against the mutants that survived
`make mutation` (docs/mutation.md): the terms a proposal stores and audits, a proposal replaced
on a draft, the refusals in the user's words, withdrawing a proposal, what blocks a submission,
and the version an approval creates, with its audit event."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from governance import services
from governance.models import ChangeRequest, SlaChange
from performance.models import SlaVersion
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.governance.conftest import NOW
from tests.governance.test_sla_changes import (
    DECEMBER,
    approve_all,
    make_sla,
    measure,
    propose,
    submitted,
)
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

JANUARY = date(2030, 1, 1)


@pytest.fixture
def sla(scope, manager, partnership):
    return make_sla(manager, partnership)


def _event(action):
    return AuditEvent.objects.filter(action=action).order_by("sequence").last()


def _propose(change_request, actor, sla, **terms):
    values = {
        "effective_from": DECEMBER,
        "target": Decimal("99"),
        "breach_threshold": Decimal("97"),
    }
    values.update(terms)
    return services.sla_change_propose(
        change_request=change_request, actor=actor, sla=sla, **values
    )


def test_a_proposal_stores_the_checked_terms_and_is_audited_with_them(
    scope, org_a, manager, partnership, sla
):
    change_request = services.change_request_create(
        actor=manager, partnership=partnership, title="Delivery", now=NOW, category="other"
    )
    change = _propose(
        change_request,
        manager,
        sla,
        window_months=3,
        period_fee=Decimal("12000.00"),
        tiers=[("93", "6.50"), (Decimal("97.0"), Decimal("3"))],
    )
    stored = SlaChange.objects.get(pk=change.pk)
    assert (
        stored.organization_id,
        stored.change_request_id,
        stored.sla_id,
        stored.effective_from,
        stored.target,
        stored.breach_threshold,
        stored.window_months,
        stored.period_fee,
        stored.tiers,
        stored.version,
    ) == (
        org_a.pk,
        change_request.pk,
        sla.pk,
        DECEMBER,
        Decimal("99"),
        Decimal("97"),
        3,
        Decimal("12000.00"),
        [{"threshold": "93", "percent_of_fee": "6.5"}, {"threshold": "97", "percent_of_fee": "3"}],
        None,
    )
    assert ChangeRequest.objects.get(pk=change_request.pk).category == "service_level"
    event = _event("governance.change_request.sla_change_proposed")
    assert (event.actor, event.object_id) == (manager, str(change_request.pk))
    assert event.changes == {
        "sla": sla.pk,
        "effective_from": "2029-12",
        "target": "99",
        "breach_threshold": "97",
        "window_months": 3,
        "period_fee": "12000.00",
        "tiers": [
            {"threshold": "93", "percent_of_fee": "6.5"},
            {"threshold": "97", "percent_of_fee": "3"},
        ],
    }


def test_a_proposal_without_a_fee_or_tiers_keeps_the_slas_and_says_none(
    scope, manager, partnership, sla
):
    change_request = services.change_request_create(
        actor=manager, partnership=partnership, title="Delivery", now=NOW
    )
    change = _propose(change_request, manager, sla)
    stored = SlaChange.objects.get(pk=change.pk)
    assert (stored.window_months, stored.period_fee, stored.tiers) == (1, None, [])
    changes = _event("governance.change_request.sla_change_proposed").changes
    assert (changes["period_fee"], changes["tiers"], changes["window_months"]) == (None, [], 1)


def test_a_new_proposal_on_a_draft_replaces_the_old_one(scope, manager, sla):
    change_request = propose(manager, sla)
    first = SlaChange.objects.get()
    _propose(
        change_request,
        manager,
        sla,
        effective_from=JANUARY,
        target=Decimal("98.5"),
        breach_threshold=Decimal("96"),
        tiers=[(Decimal("96"), Decimal("4"))],
    )
    (stored,) = SlaChange.objects.all()
    assert stored.pk == first.pk
    assert (stored.effective_from, stored.target, stored.breach_threshold, stored.tiers) == (
        JANUARY,
        Decimal("98.5"),
        Decimal("96"),
        [{"threshold": "96", "percent_of_fee": "4"}],
    )


def test_the_proposals_refusals_are_in_the_users_words(
    scope, org_a, manager, committee, guest, sla
):
    change_request = propose(manager, sla)
    other = make_sla(manager, PartnershipFactory(organization=org_a))
    with pytest.raises(ValidationError) as refused:
        _propose(change_request, manager, other)
    assert refused.value.message_dict == {
        "sla": ["Choose an SLA of the change request's partnership."]
    }
    submitted(manager, change_request, [committee, guest])
    for edit in (
        lambda: _propose(change_request, manager, sla),
        lambda: services.sla_change_withdraw(change_request=change_request, actor=manager),
    ):
        with pytest.raises(ConflictError) as refused:
            edit()
        assert refused.value.message == (
            "CR-0001 is submitted: its SLA change is edited only while it is a draft."
        )


def test_proposed_terms_are_checked_by_performances_rules_fee_included(
    scope, manager, partnership, sla
):
    change_request = services.change_request_create(
        actor=manager, partnership=partnership, title="Delivery", now=NOW
    )
    with pytest.raises(ValidationError) as refused:
        _propose(change_request, manager, sla, period_fee=Decimal("-1.00"))
    assert refused.value.message_dict == {"period_fee": ["The fee of a period is not negative."]}
    assert not SlaChange.objects.exists()


def test_proposed_terms_missing_a_month_a_target_or_a_threshold_are_refused_on_each_field(
    scope, manager, partnership, sla
):
    change_request = services.change_request_create(
        actor=manager, partnership=partnership, title="Delivery", now=NOW
    )
    with pytest.raises(ValidationError) as refused:
        _propose(change_request, manager, sla, effective_from=None, breach_threshold=None)
    assert refused.value.message_dict == {
        "effective_from": ["Give the month the new terms start from."],
        "breach_threshold": ["Give the breach threshold."],
    }
    with pytest.raises(ValidationError) as no_target:
        _propose(change_request, manager, sla, target=None)
    assert no_target.value.message_dict == {"target": ["Give the target."]}
    assert not SlaChange.objects.exists()


def test_a_request_proposing_new_terms_belongs_to_the_slas_partnership(scope, org_a, manager, sla):
    elsewhere = PartnershipFactory(organization=org_a)
    change_request = services.sla_change_request_create(
        actor=manager,
        sla=sla,
        title="Stricter delivery SLA",
        now=NOW,
        effective_from=DECEMBER,
        target=Decimal("99"),
        breach_threshold=Decimal("97"),
        window_months=2,
        tiers=[(Decimal("97"), Decimal("3"))],
        period_fee=Decimal("9000.00"),
        partnership=elsewhere,  # ignored: the SLA's partnership
        category="price",  # ignored: a service-level change
        description="Stricter",
        decision_due=NOW + timedelta(days=5),
    )
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (
        stored.partnership_id,
        stored.category,
        stored.title,
        stored.requested_by,
        stored.created_at,
        stored.description,
        stored.decision_due,
    ) == (
        sla.partnership_id,
        "service_level",
        "Stricter delivery SLA",
        manager,
        NOW,
        "Stricter",
        NOW + timedelta(days=5),
    )
    change = SlaChange.objects.get(change_request=change_request)
    assert (change.sla_id, change.window_months, change.period_fee, change.tiers) == (
        sla.pk,
        2,
        Decimal("9000.00"),
        [{"threshold": "97", "percent_of_fee": "3"}],
    )
    assert _event("governance.change_request.sla_change_proposed").actor == manager


def test_a_request_proposing_terms_without_a_window_judges_month_by_month(scope, manager, sla):
    change_request = services.sla_change_request_create(
        actor=manager,
        sla=sla,
        title="Stricter delivery SLA",
        now=NOW,
        effective_from=DECEMBER,
        target=Decimal("99"),
        breach_threshold=Decimal("97"),
    )
    change = SlaChange.objects.get(change_request=change_request)
    assert (change.window_months, change.period_fee, change.tiers) == (1, None, [])
    # Created as a service-level change (not made one afterwards by the proposal).
    assert _event("governance.change_request.created").changes["category"] == "service_level"


def test_withdrawing_a_proposal_removes_this_requests_only_and_is_audited_once(scope, manager, sla):
    other = propose(manager, sla)
    change_request = propose(manager, sla)
    services.sla_change_withdraw(change_request=change_request, actor=manager)
    assert list(SlaChange.objects.values_list("change_request_id", flat=True)) == [other.pk]
    event = _event("governance.change_request.sla_change_withdrawn")
    assert (event.actor, event.object_id) == (manager, str(change_request.pk))
    services.sla_change_withdraw(change_request=change_request, actor=manager)
    assert (
        AuditEvent.objects.filter(action="governance.change_request.sla_change_withdrawn").count()
        == 1
    )


def test_saving_a_draft_with_or_without_new_terms(scope, manager, owner, sla):
    change_request = propose(manager, sla)
    services.change_request_save_with_sla_change(
        change_request=change_request,
        actor=owner,
        now=NOW,
        title="Stricter, from January",
        sla_change={
            "sla": sla,
            "effective_from": JANUARY,
            "target": Decimal("99"),
            "breach_threshold": Decimal("96"),
        },
    )
    assert ChangeRequest.objects.get(pk=change_request.pk).title == "Stricter, from January"
    assert SlaChange.objects.get().effective_from == JANUARY
    assert _event("governance.change_request.updated").actor == owner
    assert _event("governance.change_request.sla_change_proposed").actor == owner
    with pytest.raises(ValidationError) as refused:
        services.change_request_save_with_sla_change(
            change_request=change_request,
            actor=owner,
            now=NOW,
            decision_due=NOW - timedelta(hours=1),
            sla_change=None,
        )
    assert refused.value.message_dict == {
        "decision_due": ["The decision deadline must be in the future."]
    }
    assert SlaChange.objects.exists()  # the edit and the withdrawal together, or neither
    services.change_request_save_with_sla_change(
        change_request=change_request, actor=owner, now=NOW, sla_change=None
    )
    assert not SlaChange.objects.exists()
    assert _event("governance.change_request.sla_change_withdrawn").actor == owner


def test_a_proposal_no_longer_valid_blocks_the_submission_with_performances_reason(
    scope, manager, sla
):
    change_request = propose(manager, sla)
    assert services.sla_change_blockers(change_request) == []
    # Terms stored around the service: a month not on its first day, a fee below zero.
    SlaChange.objects.update(effective_from=date(2029, 12, 15))
    assert services.sla_change_blockers(change_request) == [
        "SLA change: A version applies from the first of a month."
    ]
    SlaChange.objects.update(effective_from=DECEMBER, period_fee=Decimal("-1"), window_months=13)
    assert sorted(services.sla_change_blockers(change_request)) == [
        "SLA change: The fee of a period is not negative.",
        "SLA change: The window is 1 to 12 months.",
    ]


def test_a_month_judged_since_the_proposal_blocks_the_submission_with_its_words(
    scope, manager, sla
):
    from performance import services as performance

    change_request = propose(manager, sla)
    measure(sla, DECEMBER, "90")
    performance.sla_breach_check(period_from=DECEMBER, period_to=DECEMBER, now=NOW)
    assert services.sla_change_blockers(change_request) == [
        "SLA change: Breaches of “Delivery SLA” are already recorded for 2029-12 with their "
        "service credits, judged by the terms then in force: new terms may start from 2030-01 "
        "at the earliest."
    ]


def test_only_this_requests_unapplied_proposals_are_checked(scope, manager, sla):
    change_request = propose(manager, sla)
    other = propose(manager, sla)
    SlaChange.objects.filter(change_request=other).update(effective_from=date(2029, 12, 15))
    assert services.sla_change_blockers(change_request) == []
    version = SlaVersion.objects.get(sla=sla)
    SlaChange.objects.filter(change_request=other).update(version=version)
    assert services.sla_change_blockers(other) == []


def test_the_approval_creates_the_version_in_the_last_approvers_name_and_audits_it(
    scope, manager, committee, guest, sla
):
    change_request = submitted(
        manager,
        propose(manager, sla, window_months=2, period_fee=Decimal("9000.00")),
        [committee, guest],
    )
    later = NOW + timedelta(days=1)
    services.change_request_approve(change_request=change_request, approver=committee, now=NOW)
    services.change_request_approve(change_request=change_request, approver=guest, now=later)
    version = SlaVersion.objects.get(sla=sla, effective_from=DECEMBER)
    assert (
        version.target,
        version.breach_threshold,
        version.window_months,
        version.period_fee,
        version.tiers,
        version.source_reference,
        version.created_by,
        version.created_at,
    ) == (
        Decimal("99"),
        Decimal("97"),
        2,
        Decimal("9000.00"),
        [{"threshold": "97", "percent_of_fee": "3"}],
        "CR-0001",
        guest,
        later,
    )
    assert SlaChange.objects.get(change_request=change_request).version == version
    event = _event("governance.change_request.sla_change_applied")
    assert (event.actor, event.object_id) == (guest, str(change_request.pk))
    assert event.changes == {
        "versions": [{"sla": sla.pk, "version": version.pk, "from": "2029-12"}]
    }


def test_an_approval_without_an_sla_change_applies_nothing(
    scope, manager, committee, guest, partnership
):
    from tests.governance.test_services import submitted as plain_submitted

    change_request = plain_submitted(manager, partnership, [committee, guest])
    approved = approve_all(change_request, [committee, guest])
    assert approved.status == "approved"
    assert services.sla_change_apply(change_request=approved, actor=guest, now=NOW) == []
    assert not AuditEvent.objects.filter(
        action="governance.change_request.sla_change_applied"
    ).exists()


def test_applying_twice_creates_one_version_and_leaves_other_requests_alone(
    scope, manager, committee, guest, sla
):
    waiting = propose(manager, sla, effective_from=date(2030, 3, 1))
    change_request = approve_all(
        submitted(manager, propose(manager, sla), [committee, guest]), [committee, guest]
    )
    assert services.sla_change_apply(change_request=change_request, actor=guest, now=NOW) == []
    assert SlaVersion.objects.filter(sla=sla).count() == 2
    assert SlaChange.objects.get(change_request=waiting).version is None
