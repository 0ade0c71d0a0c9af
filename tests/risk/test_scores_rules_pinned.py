"""The third-party risk score's services pinned rule by rule (found by `make mutation
MUTATION_ARGS=risk.scores`, docs/mutation.md): the factor model's refusals in words (a weight
that is no number was a 500), what a score stores, audits and tells, and each rating's and
threshold's refusal on its field."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from risk import services
from risk.models import RiskScore, ScoreFactor
from tenancy.models import AuditEvent, Notification
from tests.risk.factories import ScoreFactorFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    ("factors", "errors"),
    [
        ([{"name": " ", "weight": 100}], {"factors": ["Every factor needs a name."]}),
        (
            [{"name": "Geo", "weight": 50}, {"name": "geo ", "weight": 50}],
            {"factors": ["Two factors have the same name."]},
        ),
        (
            [{"name": "Geo", "weight": None}],
            {"weights": ["Give every factor a weight, as a number."]},
        ),
        (
            [{"name": "Geo", "weight": "abc"}],
            {"weights": ["Give every factor a weight, as a number."]},
        ),
        (
            [{"name": "Geo", "weight": "NaN"}],
            {"weights": ["Give every factor a weight, as a number."]},
        ),
        (
            [{"name": "Geo", "weight": 100, "source": "astrology"}],
            {"factors": ["A factor is rated by hand or from the partner's financial indicators."]},
        ),
        (
            [{"name": "Geo", "weight": 0}, {"name": "Fin", "weight": 100}],
            {"weights": ["Each weight is more than 0 and at most 100."]},
        ),
    ],
)
def test_a_factor_model_that_cannot_score_is_refused_in_words(scope, manager, factors, errors):
    ScoreFactorFactory(name="Kept", weight=D(100))
    with pytest.raises(ValidationError) as refused:
        services.score_factors_set(actor=manager, factors=factors)
    assert refused.value.message_dict == errors
    assert list(ScoreFactor.objects.values_list("name", flat=True)) == ["Kept"]


def test_a_new_factor_model_replaces_the_old_in_order_and_is_audited_before_and_after(
    scope, manager
):
    ScoreFactorFactory(name="Kept", weight=D(100))
    created = services.score_factors_set(
        actor=manager,
        factors=[
            {"name": " Geography ", "weight": "40", "description": "x" * 400},
            {"name": "Financial strength", "weight": 60, "source": "financials"},
        ],
    )
    stored = list(ScoreFactor.objects.order_by("order"))
    assert stored == created
    assert [(f.name, f.weight, f.order, f.source) for f in stored] == [
        ("Geography", D(40), 0, "manual"),
        ("Financial strength", D(60), 1, "financials"),
    ]
    assert len(stored[0].description) == 300
    [event] = AuditEvent.objects.filter(action="risk.score_factors.set")
    assert (event.actor, event.changes) == (
        manager,
        {"before": {"Kept": "100.00"}, "after": {"Geography": "40", "Financial strength": "60"}},
    )


def _factors(manager):
    return services.score_factors_set(
        actor=manager, factors=[{"name": "Geo", "weight": 50}, {"name": "Fin", "weight": 50}]
    )


FIFTY, SIXTY = D(50), D(60)


def _record(manager, partnership, today, ratings, buyer=FIFTY, partner=SIXTY):
    return services.risk_score_record(
        actor=manager,
        partnership=partnership,
        ratings=ratings,
        buyer_threshold=buyer,
        partner_threshold=partner,
        today=today,
    )


def test_each_rating_and_threshold_is_refused_on_its_own_field(scope, manager, partnership, today):
    geo, fin = _factors(manager)
    with pytest.raises(ValidationError) as refused:
        _record(manager, partnership, today, {geo.pk: "NaN", 999999: 1}, buyer=None, partner=D(-1))
    assert refused.value.message_dict == {
        f"factor_{geo.pk}": ["Geo: use the scale from 0 to 100."],
        f"factor_{fin.pk}": ["Rate Fin from 0 to 100."],
        "ratings": ["Some ratings are for factors that do not exist."],
        "buyer_threshold": ["A threshold is on the scale from 0 to 100."],
        "partner_threshold": ["A threshold is on the scale from 0 to 100."],
    }
    assert not RiskScore.objects.exists()


def test_an_unusable_factor_model_is_said_before_any_rating(scope, manager, partnership, today):
    ScoreFactorFactory(name="Only", weight=D(90))
    with pytest.raises(ValidationError) as refused:
        _record(manager, partnership, today, {})
    assert refused.value.message_dict == {
        "factors": [
            "The score model is not usable: The weights add up to 90; they must add up to 100."
        ]
    }


def test_a_score_is_stored_audited_and_told_when_above_our_threshold(
    scope, manager, partnership, today
):
    geo, fin = _factors(manager)
    record = _record(manager, partnership, today, {geo.pk: 0, fin.pk: 100}, buyer=D("49.99"))
    record.refresh_from_db()
    assert (record.score, record.scored_on, record.scored_by) == (D("50.00"), today, manager)
    assert (record.buyer_threshold, record.partner_threshold) == (D("49.99"), D(60))
    [event] = AuditEvent.objects.filter(action="risk.score.recorded")
    assert (event.actor, event.object_id, event.changes["score"]) == (
        manager,
        str(record.pk),
        "50.00",
    )
    assert [row["factor"] for row in event.changes["breakdown"]] == ["Geo", "Fin"]
    [note] = Notification.objects.all()
    partner = partnership.partner.name
    assert (note.recipient, note.title) == (
        manager,
        f"{partner}: risk score 50.00 is above our threshold",
    )
    assert note.body == "Our threshold is 49.99; the partner's is 60."
    assert note.url == f"/o/alpha/partnerships/{partnership.pk}/risk/#score"
    assert note.dedupe_key == f"risk.score:{record.pk}"


def test_a_score_at_our_threshold_tells_nobody(scope, manager, partnership, today):
    geo, fin = _factors(manager)
    _record(manager, partnership, today, {geo.pk: 0, fin.pk: 100}, buyer=D(50))
    assert not Notification.objects.exists()
