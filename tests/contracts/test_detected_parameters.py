"""The detector's raw parameters become the playbook's keys (contracts.playbook.
normalise_detected_parameters): what a rule compares and what the review page shows."""

from contracts.playbook import normalise_detected_parameters


def test_a_cap_of_ten_times_the_fees_reads_10_never_in_scientific_notation():
    params = normalise_detected_parameters("limitation_of_liability", {"fee_multiple": "10.00"})
    assert params == {"cap_multiple": "10"}


def test_a_cap_in_months_of_fees_becomes_a_multiple_of_the_annual_fees():
    assert normalise_detected_parameters("limitation_of_liability", {"fees_months": 120}) == {
        "cap_multiple": "10"
    }
    assert normalise_detected_parameters("limitation_of_liability", {"fees_months": 6}) == {
        "cap_multiple": "0.5"
    }
    both = normalise_detected_parameters(
        "limitation_of_liability", {"fee_multiple": "2", "fees_months": 6}
    )
    assert both == {"cap_multiple": "1"}  # twice the fees of six months


def test_a_fixed_cap_keeps_its_amount_and_currency():
    raw = {"amounts": [{"amount": "5000000.00", "currency": "EUR"}], "fee_multiple": None}
    assert normalise_detected_parameters("limitation_of_liability", raw) == {
        "cap_amount": "5000000.00",
        "cap_currency": "EUR",
    }


def test_notice_days_come_from_the_notice_period_first_then_from_the_days_of_a_termination():
    assert normalise_detected_parameters(
        "renewal", {"notice_period": {"days": 90}, "days": [30]}
    ) == {"notice_days": 90}
    assert normalise_detected_parameters("termination_for_convenience", {"days": [60, 30]}) == {
        "notice_days": 60
    }
    # Days in a clause of another type are not a notice period.
    assert normalise_detected_parameters("confidentiality", {"days": [30]}) == {}


def test_the_days_of_a_termination_for_cause_are_also_its_cure_period():
    assert normalise_detected_parameters("termination_for_cause", {"days": [30]}) == {
        "notice_days": 30,
        "cure_days": 30,
    }


def test_renewal_and_term_lengths_are_counted_in_months():
    assert normalise_detected_parameters(
        "renewal", {"renewal_term": {"value": 2, "unit": "year"}}
    ) == {"renewal_months": 24}
    assert normalise_detected_parameters("term", {"terms": [{"value": 36, "unit": "month"}]}) == {
        "term_months": 36
    }
    # A cap's "12 months of fees" is no term of the agreement.
    capped = normalise_detected_parameters(
        "limitation_of_liability", {"terms": [{"value": 12, "unit": "month"}]}
    )
    assert "term_months" not in capped
    assert (
        normalise_detected_parameters("renewal", {"renewal_term": {"value": 2, "unit": "decade"}})
        == {}
    )


def test_law_seat_rules_and_the_first_percentage_are_kept_as_read():
    raw = {
        "governing_law": "England and Wales",
        "arbitration_seat": "London",
        "arbitration_rules": "LCIA",
        "percentages": ["3.5", "10"],
    }
    assert normalise_detected_parameters("governing_law", raw) == {
        "governing_law": "England and Wales",
        "arbitration_seat": "London",
        "arbitration_rules": "LCIA",
        "percentage": "3.5",
    }
