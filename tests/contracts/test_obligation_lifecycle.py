"""An obligation's status moves through its lifecycle (`contracts.models.OBLIGATION_LIFECYCLE`):
open until fulfilled for good (a recurring one rolls forward and stays open until its last
occurrence) or waived (tests/contracts/test_obligation_waiver.py). The fulfilment checks it
under the obligation's row lock, after its own words for an obligation that is no longer open
("The obligation is already waived."). Those words leave nothing for today's lifecycle to
refuse, so the test that the fulfilment asks it swaps in a stricter one: the move is then
refused in the lifecycle's words and nothing is stored."""

from datetime import UTC, date, datetime

import pytest

from contracts import services
from contracts.models import OBLIGATION_LIFECYCLE, Obligation, ObligationFulfilment
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.lifecycle import lifecycle
from tenancy.models import AuditEvent
from tests.contracts.factories import ObligationFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 4, 2, 9, 0, tzinfo=UTC)


def _fulfil(obligation, owner, evidence="Report delivered."):
    return services.obligation_fulfil(
        obligation=obligation, actor=owner, evidence=evidence, now=NOW
    )


def test_an_obligation_is_fulfilled_or_waived_from_open_only_and_both_are_final():
    states = set(OBLIGATION_LIFECYCLE.transitions) | {
        t for targets in OBLIGATION_LIFECYCLE.transitions.values() for t in targets
    }
    assert states == set(Obligation.Status.values)
    assert OBLIGATION_LIFECYCLE.allowed_from("open") == {"fulfilled", "waived"}
    assert OBLIGATION_LIFECYCLE.allowed_from("fulfilled") == frozenset()
    assert OBLIGATION_LIFECYCLE.allowed_from("waived") == frozenset()


def test_a_waived_obligation_cannot_be_fulfilled_afterwards(scope, owner):
    obligation = ObligationFactory(organization=scope, status=Obligation.Status.WAIVED)
    with pytest.raises(ConflictError) as refused:
        _fulfil(obligation, owner)
    assert refused.value.message == "The obligation is already waived."
    obligation.refresh_from_db()
    assert (obligation.status, obligation.evidence, obligation.fulfilled_at) == ("waived", "", None)
    assert not ObligationFulfilment.objects.exists()


def test_a_fulfilled_obligation_cannot_be_fulfilled_again(scope, owner):
    obligation = ObligationFactory(organization=scope)
    _fulfil(obligation, owner)
    with pytest.raises(ConflictError) as refused:
        _fulfil(obligation, owner, evidence="Again.")
    assert refused.value.message == "The obligation is already fulfilled."
    assert ObligationFulfilment.objects.filter(obligation=obligation).count() == 1


def test_fulfilling_an_obligation_for_good_asks_the_obligation_lifecycle(scope, owner, monkeypatch):
    monkeypatch.setattr(
        "contracts.services.obligations.OBLIGATION_LIFECYCLE",
        lifecycle("obligation", {"open": {"waived"}, "fulfilled": set(), "waived": set()}),
    )
    obligation = ObligationFactory(organization=scope)
    with pytest.raises(TransitionNotAllowed) as refused:
        _fulfil(obligation, owner)
    assert refused.value.message == (
        "An obligation cannot go from “open” to “fulfilled”. "
        "From “open” it can only go to “waived”."
    )
    obligation.refresh_from_db()
    assert (obligation.status, obligation.evidence, obligation.fulfilled_at) == ("open", "", None)
    assert not ObligationFulfilment.objects.exists()
    assert not AuditEvent.objects.filter(action="contracts.obligation.fulfilled").exists()


def test_a_recurring_obligation_rolling_forward_stays_open_without_asking_the_lifecycle(
    scope, owner, monkeypatch
):
    monkeypatch.setattr(
        "contracts.services.obligations.OBLIGATION_LIFECYCLE",
        lifecycle("obligation", {}),  # refuses every move
    )
    obligation = ObligationFactory(
        organization=scope, due_date=date(2025, 3, 31), recurrence="quarterly"
    )
    rolled = _fulfil(obligation, owner)
    assert (rolled.status, rolled.due_date) == ("open", date(2025, 6, 30))
