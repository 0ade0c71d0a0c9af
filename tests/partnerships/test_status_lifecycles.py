"""The status of a due-diligence item, an onboarding escalation and a sourcing need moves through
its lifecycle (`partnerships.models`), checked by the service under the row's lock.

Where the service answers a refusal in its own words first ("This escalation is already
resolved."), those words stay; the lifecycle is asked for every move after them. Because those
words (and, for a due-diligence item, a lifecycle that lets a review be revised any way) leave
nothing for today's lifecycle to refuse, the tests that the service asks it swap in a stricter
lifecycle: the move is then refused in the lifecycle's words and nothing is stored."""

from datetime import UTC, datetime, timedelta

import pytest

from partnerships import services
from partnerships.models import (
    DUE_DILIGENCE_LIFECYCLE,
    ONBOARDING_ESCALATION_LIFECYCLE,
    SOURCING_CASE_LIFECYCLE,
    DueDiligenceItem,
    OnboardingEscalation,
    Partnership,
    SourcingCase,
)
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.lifecycle import lifecycle
from tenancy.models import AuditEvent
from tests.partnerships.factories import (
    DueDiligenceItemFactory,
    OnboardingEscalationFactory,
    SourcingCandidateFactory,
    SourcingCaseFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


@pytest.fixture
def scope(org_a):
    with tenant_scope(org_a):
        yield org_a


def _states(lc) -> set[str]:
    return set(lc.transitions) | {t for targets in lc.transitions.values() for t in targets}


def _review(item, actor, **fields):
    return services.due_diligence_item_update(item=item, actor=actor, now=NOW, **fields)


# --- Due-diligence items -------------------------------------------------------------------------


def test_a_due_diligence_review_may_go_from_any_status_to_any_other():
    statuses = set(DueDiligenceItem.Status.values)
    assert _states(DUE_DILIGENCE_LIFECYCLE) == statuses
    for status in statuses:
        assert DUE_DILIGENCE_LIFECYCLE.allowed_from(status) == statuses - {status}


def test_a_settled_or_failed_item_can_be_reopened_and_reviewed_again(scope, owner):
    item = DueDiligenceItemFactory(organization=scope, partnership__owner=owner)
    path = ["passed", "open", "failed", "waived", "in_review", "passed", "failed", "open"]
    for status in path:
        _review(item, owner, status=status, findings="Seen.")
    item.refresh_from_db()
    assert item.status == "open"
    audited = [
        e.changes["status"]
        for e in AuditEvent.objects.filter(action="partnerships.duediligenceitem.updated")
        .order_by("sequence")
        .filter(changes__has_key="status")
    ]
    assert audited == [[old, new] for old, new in zip(["open", *path[:-1]], path, strict=True)]


def test_a_review_moves_an_item_only_where_the_due_diligence_lifecycle_allows(
    scope, owner, monkeypatch
):
    """Were passing final, reopening a passed item would be refused in the lifecycle's words,
    with nothing stored: the review asks the lifecycle before it saves."""
    monkeypatch.setattr(
        "partnerships.services.due_diligence.DUE_DILIGENCE_LIFECYCLE",
        lifecycle(
            "due-diligence item",
            {"open": {"passed", "failed"}, "passed": set(), "failed": {"open"}},
        ),
    )
    item = DueDiligenceItemFactory(organization=scope, partnership__owner=owner)
    _review(item, owner, status="passed")
    with pytest.raises(TransitionNotAllowed) as refused:
        _review(item, owner, status="in_review", findings="Reopened.")
    assert refused.value.message == (
        "A due-diligence item cannot go from “passed” to “in review”. Nothing can follow “passed”."
    )
    item.refresh_from_db()
    assert (item.status, item.findings, item.completed_at) == ("passed", "", NOW)
    assert AuditEvent.objects.filter(action="partnerships.duediligenceitem.updated").count() == 1


def test_a_failure_the_lifecycle_refuses_raises_no_escalation(scope, owner, monkeypatch):
    monkeypatch.setattr(
        "partnerships.services.due_diligence.DUE_DILIGENCE_LIFECYCLE",
        lifecycle("due-diligence item", {"open": {"passed"}, "passed": set(), "failed": set()}),
    )
    item = DueDiligenceItemFactory(organization=scope, partnership__owner=owner)
    with pytest.raises(TransitionNotAllowed, match="from “open” to “failed”"):
        _review(item, owner, status="failed", findings="On a watch list.")
    assert DueDiligenceItem.objects.get(pk=item.pk).status == "open"
    assert not OnboardingEscalation.objects.exists()


def test_editing_an_items_findings_without_moving_it_does_not_ask_the_lifecycle(
    scope, owner, monkeypatch
):
    monkeypatch.setattr(
        "partnerships.services.due_diligence.DUE_DILIGENCE_LIFECYCLE",
        lifecycle("due-diligence item", {}),  # refuses every move
    )
    item = DueDiligenceItemFactory(organization=scope, status="passed")
    _review(item, owner, status="passed", findings="Re-checked.")
    assert DueDiligenceItem.objects.get(pk=item.pk).findings == "Re-checked."


# --- Onboarding escalations ----------------------------------------------------------------------


def test_an_escalation_only_goes_from_open_to_resolved():
    assert _states(ONBOARDING_ESCALATION_LIFECYCLE) == set(OnboardingEscalation.Status.values)
    assert ONBOARDING_ESCALATION_LIFECYCLE.allowed_from("open") == {"resolved"}
    assert ONBOARDING_ESCALATION_LIFECYCLE.allowed_from("resolved") == frozenset()


def test_a_resolved_escalation_cannot_be_resolved_again_and_says_so_in_its_own_words(scope, owner):
    escalation = OnboardingEscalationFactory(organization=scope, owner=owner)
    services.escalation_resolve(escalation=escalation, actor=owner, resolution="Done.", now=NOW)
    with pytest.raises(ConflictError) as refused:
        services.escalation_resolve(
            escalation=escalation, actor=owner, resolution="Again.", now=LATER
        )
    assert refused.value.message == "This escalation is already resolved."
    assert not isinstance(refused.value, TransitionNotAllowed)
    escalation.refresh_from_db()
    assert (escalation.resolution, escalation.resolved_at) == ("Done.", NOW)


def test_resolving_an_escalation_asks_the_escalation_lifecycle(scope, owner, monkeypatch):
    monkeypatch.setattr(
        "partnerships.services.due_diligence.ONBOARDING_ESCALATION_LIFECYCLE",
        lifecycle("escalation", {"open": set(), "resolved": set()}),
    )
    escalation = OnboardingEscalationFactory(organization=scope, owner=owner)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.escalation_resolve(escalation=escalation, actor=owner, resolution="Done.", now=NOW)
    assert refused.value.message == (
        "An escalation cannot go from “open” to “resolved”. Nothing can follow “open”."
    )
    escalation.refresh_from_db()
    assert (escalation.status, escalation.resolution, escalation.resolved_at) == ("open", "", None)
    assert not AuditEvent.objects.filter(
        action="partnerships.onboardingescalation.resolved"
    ).exists()


# --- Sourcing needs ------------------------------------------------------------------------------


def _decide(case, owner, candidate):
    return services.sourcing_case_decide(
        case=case,
        actor=owner,
        now=NOW,
        model="strategic",
        candidate=candidate,
        rationale="Best fit.",
    )


def _need_with_two_candidates(scope, owner):
    case = SourcingCaseFactory(organization=scope, owner=owner)
    chosen = SourcingCandidateFactory(organization=scope, case=case)
    SourcingCandidateFactory(organization=scope, case=case)
    return case, chosen


def test_a_sourcing_need_only_goes_from_open_to_decided():
    assert _states(SOURCING_CASE_LIFECYCLE) == set(SourcingCase.Status.values)
    assert SOURCING_CASE_LIFECYCLE.allowed_from("open") == {"decided"}
    assert SOURCING_CASE_LIFECYCLE.allowed_from("decided") == frozenset()


def test_a_decided_need_cannot_be_decided_again_and_opens_no_second_partnership(scope, owner):
    case, chosen = _need_with_two_candidates(scope, owner)
    _decide(case, owner, chosen)
    with pytest.raises(ConflictError) as refused:
        _decide(case, owner, chosen)  # the page's copy, still open
    assert refused.value.message == "This need is decided; its figures are kept as they were."
    assert Partnership.objects.count() == 1


def test_deciding_a_need_asks_the_sourcing_need_lifecycle(scope, owner, monkeypatch):
    monkeypatch.setattr(
        "partnerships.services.sourcing.SOURCING_CASE_LIFECYCLE",
        lifecycle("sourcing need", {"open": set(), "decided": set()}),
    )
    case, chosen = _need_with_two_candidates(scope, owner)
    with pytest.raises(TransitionNotAllowed) as refused:
        _decide(case, owner, chosen)
    assert refused.value.message == (
        "A sourcing need cannot go from “open” to “decided”. Nothing can follow “open”."
    )
    case.refresh_from_db()
    assert (case.status, case.decided_at, case.partnership) == ("open", None, None)
    assert not Partnership.objects.exists()
