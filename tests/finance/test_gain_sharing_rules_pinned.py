"""The gain-share services' rules, each pinned (found by `make mutation
MUTATION_ARGS=finance.gain_sharing`, docs/mutation.md): every refusal names its field in the
user's words, the boundaries are exact (a share of 0 % and of 100 %, a step of 100 points, a
score of 0 and of 100, a cap equal to the floor), a statement is frozen from the scheme's own
limits and currency, and every step leaves its audit event with what changed."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import services
from finance.models import GainShareBand, GainShareScheme, GainShareStatement, SavingsEntry
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.finance.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db
D = Decimal


def _event(action):
    [event] = AuditEvent.objects.filter(action=action)
    return event


def _set(fin, partnership, **extra):
    return services.gain_share_scheme_set(
        actor=fin, partnership=partnership, currency="EUR", **extra
    )


def _band(fin, scheme, lower, upper, share):
    return services.gain_share_band_add(
        actor=fin,
        scheme=scheme,
        lower=D(lower),
        upper=None if upper is None else D(upper),
        partner_share=D(share),
    )


def _verified_saving(fin, guest, partnership, *, actual_price="9", currency="EUR"):
    entry = services.savings_record(
        actor=fin,
        partnership=partnership,
        now=NOW,
        title="Casting redesign",
        period_start=date(2030, 2, 14),
        currency=currency,
        baseline_price=D(10),
        actual_price=D(actual_price),
        volume=D(1000),
    )
    return services.savings_verify(entry=entry, actor=guest, now=NOW, evidence="Invoices")


def _statement(fin, partnership, start=date(2030, 1, 1), end=date(2030, 3, 31)):
    return services.gain_share_statement_create(
        actor=fin, partnership=partnership, period_start=start, period_end=end, now=NOW
    )


# -- the scheme -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"floor": D(-1)}, {"floor": ["This cannot be negative."]}),
        ({"cap": D(-1)}, {"cap": ["This cannot be negative."]}),
        ({"floor": D(10), "cap": D(5)}, {"cap": ["The cap cannot be below the floor."]}),
        ({"reference_score": D(-1)}, {"reference_score": ["A score is between 0 and 100."]}),
        ({"reference_score": D(101)}, {"reference_score": ["A score is between 0 and 100."]}),
        (
            {"step_per_standing": D(-101)},
            {"step_per_standing": ["A step is at most 100 percentage points."]},
        ),
        (
            {"step_per_standing": D("100.5")},
            {"step_per_standing": ["A step is at most 100 percentage points."]},
        ),
    ],
)
def test_a_scheme_with_a_bad_figure_is_refused_on_that_field(
    scope, fin, partnership, fields, errors
):
    with pytest.raises(ValidationError) as refused:
        _set(fin, partnership, **fields)
    assert refused.value.message_dict == errors
    assert not GainShareScheme.objects.exists()


def test_a_negative_floor_is_not_also_compared_with_the_cap(scope, fin, partnership):
    with pytest.raises(ValidationError) as refused:
        _set(fin, partnership, floor=D(-10), cap=D(-20))
    assert set(refused.value.message_dict) == {"floor", "cap"}
    assert refused.value.message_dict["cap"] == ["This cannot be negative."]


@pytest.mark.parametrize(
    "fields",
    [
        {"floor": D(500), "cap": D(500)},
        {"floor": D(500)},
        {"cap": D(500)},
        {"reference_score": D(0)},
        {"reference_score": D(100)},
        {"step_per_standing": D(100)},
        {"step_per_standing": D(-100)},
    ],
)
def test_the_edges_of_each_figure_are_allowed(scope, fin, partnership, fields):
    scheme = _set(fin, partnership, **fields)
    for name, value in fields.items():
        assert getattr(scheme, name) == value


def test_setting_the_scheme_again_changes_the_one_scheme_and_is_audited(scope, fin, partnership):
    first = _set(fin, partnership, floor=D(100), cap=D(900), step_per_standing=D(5))
    again = _set(fin, partnership, floor=D(200), cap=None, reference_score=D(80))
    assert again.pk == first.pk and GainShareScheme.objects.count() == 1
    again.refresh_from_db()
    assert (again.floor, again.cap, again.step_per_standing, again.reference_score) == (
        D(200),
        None,
        D(0),
        D(80),
    )
    events = AuditEvent.objects.filter(action="finance.gain_share.scheme_set").order_by("pk")
    assert [(e.actor, e.object_id, e.changes) for e in events] == [
        (fin, str(first.pk), {"floor": "100", "cap": "900", "step": "5"}),
        (fin, str(first.pk), {"floor": "200", "cap": "None", "step": "0"}),
    ]


# -- the bands --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lower", "upper", "share", "errors"),
    [
        ("-1", "10", "10", {"lower": ["This cannot be negative."]}),
        ("0", "10", "-1", {"partner_share": ["A share is between 0 % and 100 %."]}),
        ("0", "10", "100.01", {"partner_share": ["A share is between 0 % and 100 %."]}),
        ("10", "10", "10", {"upper": ["The upper bound must be above the lower bound."]}),
        ("10", "5", "10", {"upper": ["The upper bound must be above the lower bound."]}),
    ],
)
def test_a_bad_band_is_refused_on_its_field(scope, fin, partnership, lower, upper, share, errors):
    scheme = _set(fin, partnership)
    with pytest.raises(ValidationError) as refused:
        _band(fin, scheme, lower, upper, share)
    assert refused.value.message_dict == errors
    assert not GainShareBand.objects.exists()


def test_a_band_without_a_share_is_refused_on_the_share(scope, fin, partnership):
    scheme = _set(fin, partnership)
    with pytest.raises(ValidationError) as refused:
        services.gain_share_band_add(
            actor=fin, scheme=scheme, lower=D(0), upper=None, partner_share=None
        )
    assert refused.value.message_dict == {"partner_share": ["A share is between 0 % and 100 %."]}


@pytest.mark.parametrize("share", ["0", "100"])
def test_shares_of_nothing_and_of_everything_are_bands(scope, fin, partnership, share):
    band = _band(fin, _set(fin, partnership), "0", None, share)
    assert band.partner_share == D(share)


def test_an_overlapping_band_is_refused_on_its_lower_bound(scope, fin, partnership):
    scheme = _set(fin, partnership)
    _band(fin, scheme, "0", "1000", "50")
    with pytest.raises(ValidationError) as refused:
        _band(fin, scheme, "500", None, "30")
    assert refused.value.message_dict == {
        "lower": ["This band overlaps another band of the scheme; bands cannot overlap."]
    }
    open_ended = _band(fin, scheme, "1000", None, "30")  # touching is not overlapping
    with pytest.raises(ValidationError, match="overlaps"):
        _band(fin, scheme, "5000", "6000", "10")  # inside the open-ended band
    assert (open_ended.lower, open_ended.upper, open_ended.partner_share) == (D(1000), None, D(30))
    added = AuditEvent.objects.filter(action="finance.gain_share.band_added").order_by("pk")
    assert [(e.actor, e.changes) for e in added] == [
        (fin, {"lower": "0", "upper": "1000", "share": "50"}),
        (fin, {"lower": "1000", "upper": "None", "share": "30"}),
    ]


# -- the statement ----------------------------------------------------------------------------


def test_a_statement_needs_a_scheme_then_a_band_and_a_period_that_ends_after_it_starts(
    scope, fin, partnership
):
    with pytest.raises(ConflictError) as refused:
        _statement(fin, partnership)
    assert (str(refused.value.message), refused.value.code) == (
        "Set up the gain-share scheme first.",
        "no_scheme",
    )
    scheme = _set(fin, partnership)
    with pytest.raises(ConflictError) as refused:
        _statement(fin, partnership)
    assert (str(refused.value.message), refused.value.code) == (
        "Add at least one share band to the scheme first.",
        "no_bands",
    )
    _band(fin, scheme, "0", None, "50")
    with pytest.raises(ValidationError) as refused:
        _statement(fin, partnership, start=date(2030, 3, 1), end=date(2030, 2, 28))
    assert refused.value.message_dict == {"period_end": ["The period ends after it starts."]}
    assert not GainShareStatement.objects.exists()


def test_a_statement_applies_the_schemes_floor_and_cap_in_its_currency(
    scope, fin, guest, partnership
):
    scheme = _set(fin, partnership, floor=D(600), cap=D(5000))
    _band(fin, scheme, "0", None, "50")
    _verified_saving(fin, guest, partnership)  # 1,000.00: 500.00 by the band
    statement = _statement(fin, partnership)
    assert (statement.payout, statement.limited_by, statement.currency) == (
        D("600.00"),
        "floor",
        "EUR",
    )
    _set(fin, partnership, floor=None, cap=D(300))
    _verified_saving(fin, guest, partnership)
    capped = _statement(fin, partnership)
    assert (capped.payout, capped.limited_by) == (D("300.00"), "cap")
    assert (capped.base_share, capped.adjustment, capped.verified_savings) == (
        D("500.00"),
        D("0.00"),
        D("1000.00"),
    )


def test_a_statement_is_made_by_its_author_and_audited_with_its_savings_and_payout(
    scope, fin, guest, partnership
):
    scheme = _set(fin, partnership)
    _band(fin, scheme, "0", None, "50")
    entry = _verified_saving(fin, guest, partnership)
    other_currency = _verified_saving(fin, guest, partnership, currency="USD")
    services.fx_rate_set(
        actor=fin, currency="EUR", quote_currency="USD", period_start=date(2030, 2, 1), rate=D(2)
    )
    statement = _statement(fin, partnership)
    assert (statement.created_by, statement.created_at) == (fin, NOW)
    assert statement.verified_savings == D("1500.00")  # 1,000 EUR + 1,000 USD at 0.5
    assert set(SavingsEntry.objects.filter(statement=statement)) == {entry, other_currency}
    event = _event("finance.gain_share.statement_created")
    assert (event.actor, event.object_id, event.changes) == (
        fin,
        str(statement.pk),
        {"savings": 2, "payout": "750.00"},
    )


def test_a_saving_in_a_currency_without_a_rate_is_refused_on_the_period(
    scope, fin, guest, partnership
):
    scheme = _set(fin, partnership)
    _band(fin, scheme, "0", None, "50")
    _verified_saving(fin, guest, partnership, currency="USD")
    with pytest.raises(ValidationError) as refused:
        _statement(fin, partnership)
    assert refused.value.message_dict == {
        "period_start": [
            "There is no USD/EUR rate for February 2030; add it to the rates table first."
        ]
    }


# -- issuing and paying -----------------------------------------------------------------------


def _draft(fin, guest, partnership):
    scheme = _set(fin, partnership)
    _band(fin, scheme, "0", None, "50")
    _verified_saving(fin, guest, partnership)
    return _statement(fin, partnership)


def test_issuing_needs_a_reason_in_words_and_leaves_the_paid_day_empty(
    scope, fin, guest, partnership
):
    statement = _draft(fin, guest, partnership)
    with pytest.raises(ValidationError) as refused:
        services.gain_share_statement_transition(
            statement=statement, actor=fin, status="issued", today=TODAY, reason=" "
        )
    assert refused.value.message_dict == {"reason": ["Say why the statement is issued."]}
    services.gain_share_statement_transition(
        statement=statement, actor=fin, status="issued", today=TODAY, reason=" Q1 review "
    )
    statement.refresh_from_db()
    assert (statement.status, statement.paid_on) == ("issued", None)
    event = _event("finance.gain_share.statement_issued")
    assert (event.actor, event.object_id, event.changes) == (
        fin,
        str(statement.pk),
        {"status": ["draft", "issued"], "reason": "Q1 review"},
    )


def test_paying_needs_the_payment_reference_and_records_the_day(scope, fin, guest, partnership):
    statement = _draft(fin, guest, partnership)
    services.gain_share_statement_transition(
        statement=statement, actor=fin, status="issued", today=TODAY, reason="Q1 review"
    )
    with pytest.raises(ValidationError) as refused:
        services.gain_share_statement_transition(
            statement=statement, actor=fin, status="paid", today=TODAY, reason=""
        )
    assert refused.value.message_dict == {"reason": ["Give the payment reference."]}
    services.gain_share_statement_transition(
        statement=statement, actor=fin, status="paid", today=TODAY, reason="Credit note 17"
    )
    statement.refresh_from_db()
    assert (statement.status, statement.paid_on) == ("paid", TODAY)
    assert _event("finance.gain_share.statement_paid").changes == {
        "status": ["issued", "paid"],
        "reason": "Credit note 17",
    }


def test_a_band_below_an_existing_one_is_allowed_and_its_event_names_it(scope, fin, partnership):
    scheme = _set(fin, partnership)
    _band(fin, scheme, "1000", "2000", "30")
    below = _band(fin, scheme, "0", "500", "50")
    events = AuditEvent.objects.filter(action="finance.gain_share.band_added").order_by("pk")
    assert events.last().object_id == str(below.pk)


def test_a_statement_counts_only_its_partnerships_savings_of_its_months_in_its_currency(
    scope, fin, guest, partnership, org_a
):
    from partnerships.services import partnership_invite_guest
    from tests.partnerships.factories import PartnershipFactory

    scheme = services.gain_share_scheme_set(actor=fin, partnership=partnership, currency="USD")
    _band(fin, scheme, "0", None, "50")
    services.fx_rate_set(
        actor=fin, currency="EUR", quote_currency="USD", period_start=date(2030, 2, 1), rate=D(1)
    )
    counted = _verified_saving(fin, guest, partnership)  # February 2030
    other = PartnershipFactory(organization=org_a, owner=fin, currency="EUR")
    partnership_invite_guest(partnership=other, guest=guest, actor=fin)
    _verified_saving(fin, guest, other)  # another partnership's
    for start, end in ((date(2030, 1, 1), date(2030, 1, 31)), (date(2030, 3, 1), date(2030, 4, 1))):
        outside = _statement(fin, partnership, start=start, end=end)  # January; March to April
        assert outside.verified_savings == D("0.00")
    statement = _statement(fin, partnership, start=date(2030, 2, 1), end=date(2030, 2, 1))
    assert (statement.verified_savings, statement.currency) == (D("1000.00"), "USD")
    assert list(SavingsEntry.objects.filter(statement=statement)) == [counted]


def test_a_statement_in_yen_is_rounded_to_whole_yen(scope, fin, guest, partnership):
    # The scheme's currency decides the minor unit: yen have none (cents would leave 630.63).
    scheme = services.gain_share_scheme_set(actor=fin, partnership=partnership, currency="JPY")
    _band(fin, scheme, "0", None, "50")
    entry = services.savings_record(
        actor=fin,
        partnership=partnership,
        now=NOW,
        title="Die redesign",
        period_start=date(2030, 2, 14),
        currency="JPY",
        baseline_price=D(10),
        actual_price=D("9.37"),
        volume=D(1001),
    )  # 630.63 yen saved
    services.savings_verify(entry=entry, actor=guest, now=NOW, evidence="Invoices")
    statement = _statement(fin, partnership)
    assert statement.currency == "JPY"
    assert (statement.verified_savings, statement.base_share, statement.payout) == (
        D("631"),
        D("316"),
        D("316"),
    )


def test_a_statement_paid_since_the_page_was_opened_is_not_paid_again(
    scope, fin, guest, partnership
):
    statement = _draft(fin, guest, partnership)
    services.gain_share_statement_transition(
        statement=statement, actor=fin, status="issued", today=TODAY, reason="Q1 review"
    )
    stale = GainShareStatement.objects.get(pk=statement.pk)  # the page's copy, still issued
    services.gain_share_statement_transition(
        statement=statement, actor=fin, status="paid", today=TODAY, reason="Credit note 17"
    )
    with pytest.raises(ConflictError) as refused:
        services.gain_share_statement_transition(
            statement=stale, actor=fin, status="paid", today=date(2030, 9, 1), reason="CN 18"
        )
    assert refused.value.code == "illegal_transition"
    statement.refresh_from_db()
    assert statement.paid_on == TODAY
    assert AuditEvent.objects.filter(action="finance.gain_share.statement_paid").count() == 1
