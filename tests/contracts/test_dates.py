"""Renewal, expiry and notice dates, by time travel (the clock is an argument)."""

from datetime import date

from contracts.dates import alert_lead_due, current_term_end, next_due_date, term_dates


def _auto(today, expiry=date(2025, 12, 31), months=12, notice=90):
    return term_dates(
        term_type="auto_renewing",
        expiry_date=expiry,
        renewal_period_months=months,
        notice_period_days=notice,
        today=today,
    )


def test_the_notice_deadline_of_the_initial_term_is_the_end_minus_the_notice_period():
    dates = _auto(date(2025, 6, 1))
    assert dates.term_end == date(2025, 12, 31)
    assert dates.notice_deadline == date(2025, 10, 2)
    assert dates.renewals_before == 0
    assert dates.will_renew


def test_on_the_deadline_itself_notice_can_still_be_given_for_the_current_term():
    assert _auto(date(2025, 10, 2)).notice_deadline == date(2025, 10, 2)


def test_once_the_deadline_has_passed_the_next_deadline_follows_the_renewed_end_date():
    dates = _auto(date(2025, 10, 3))
    assert dates.term_end == date(2026, 12, 31)
    assert dates.notice_deadline == date(2026, 10, 2)
    assert dates.renewals_before == 1


def test_many_renewals_later_the_deadline_is_counted_from_the_original_expiry():
    dates = _auto(date(2031, 11, 15))
    assert dates.term_end == date(2032, 12, 31)
    assert dates.notice_deadline == date(2032, 10, 2)
    assert dates.renewals_before == 7


def test_month_end_renewals_do_not_drift():
    dates = _auto(date(2024, 3, 1), expiry=date(2024, 1, 31), months=1, notice=0)
    assert dates.term_end == date(2024, 3, 31)


def test_a_renewal_period_in_months_moves_the_deadline_by_that_many_months():
    dates = _auto(date(2026, 1, 1), expiry=date(2025, 12, 31), months=6, notice=30)
    assert dates.term_end == date(2026, 6, 30)
    assert dates.notice_deadline == date(2026, 5, 31)


def test_a_fixed_term_does_not_renew_and_keeps_its_expiry():
    dates = term_dates(
        term_type="fixed",
        expiry_date=date(2026, 6, 30),
        renewal_period_months=None,
        notice_period_days=30,
        today=date(2027, 1, 1),
    )
    assert dates.term_end == date(2026, 6, 30)
    assert not dates.will_renew


def test_a_perpetual_agreement_has_no_deadline():
    dates = term_dates(
        term_type="perpetual",
        expiry_date=None,
        renewal_period_months=None,
        notice_period_days=90,
        today=date(2026, 1, 1),
    )
    assert dates.notice_deadline is None


def test_the_current_term_end_of_an_auto_renewing_agreement_rolls_forward():
    end = current_term_end(
        term_type="auto_renewing",
        expiry_date=date(2025, 12, 31),
        renewal_period_months=12,
        today=date(2026, 3, 1),
    )
    assert end == date(2026, 12, 31)


def test_the_alert_due_is_the_tightest_lead_time_reached():
    deadline = date(2026, 10, 2)
    assert alert_lead_due(deadline=deadline, today=date(2026, 1, 1)) is None
    assert alert_lead_due(deadline=deadline, today=date(2026, 4, 5)) == 180
    assert alert_lead_due(deadline=deadline, today=date(2026, 9, 12)) == 30
    assert alert_lead_due(deadline=deadline, today=date(2026, 10, 2)) == 7
    assert alert_lead_due(deadline=deadline, today=date(2026, 10, 3)) is None


def test_recurring_obligations_move_by_their_period():
    assert next_due_date(date(2025, 1, 31), "quarterly") == date(2025, 4, 30)
    assert next_due_date(date(2025, 1, 31), "") is None
