"""`{% load money %}`'s `month`: a month stored as text reads in words, anything else as stored."""

import pytest

from tenancy.templatetags.money import month


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2026-05", "May 2026"),
        ("1900-01", "Jan 1900"),
        ("2199-12", "Dec 2199"),
        ("2026-13", "2026-13"),
        ("2026-05-01", "2026-05-01"),
        ("Q3", "Q3"),
        ("", "—"),
        (None, "—"),
    ],
)
def test_a_stored_month_reads_in_words_and_anything_else_as_stored(stored, shown):
    assert month(stored) == shown
