"""`tenancy.uploads.csv_records`, the one reader of small CSV texts (index values, a pasted stock
feed): header trimmed and lower-cased, blank lines skipped, short rows padded, extra cells
dropped, physical line numbers, and a refusal in words (on the caller's field) for a cell over
the bound, whatever the csv module's process-wide field limit is at the time."""

import csv
import sys

import pytest
from django.core.exceptions import ValidationError

from tenancy.uploads import csv_records


def test_the_header_and_rows_come_back_trimmed_with_their_line_numbers():
    text = "\ufeff Index , PERIOD,value\n\nSteel , 2030-01 ,1,extra\nCopper,2030-02\n"
    header, records = csv_records(text)
    assert header == ["index", "period", "value"]
    assert records == [
        (3, {"index": "Steel", "period": "2030-01", "value": "1"}),
        (4, {"index": "Copper", "period": "2030-02", "value": ""}),
    ]


def test_an_empty_text_has_no_header_and_no_rows():
    assert csv_records("") == ([], [])
    assert csv_records("\n , \n") == ([], [])


@pytest.mark.parametrize("csv_limit", [131_072, sys.maxsize])
def test_a_cell_over_the_bound_is_refused_on_the_callers_field_whatever_the_csv_limit(csv_limit):
    previous = csv.field_size_limit(csv_limit)
    try:
        at_bound = csv_records("a,b\nx," + "y" * 50 + "\n", max_cell_chars=50)
        assert at_bound[1] == [(2, {"a": "x", "b": "y" * 50})]
        for size in (51, 200_000):
            with pytest.raises(ValidationError) as refused:
                csv_records("a,b\nx," + "y" * size + "\n", field="content", max_cell_chars=50)
            assert refused.value.message_dict == {
                "content": [
                    "Line 2 has a value of more than 50 characters: is this the right file?"
                ]
            }
    finally:
        csv.field_size_limit(previous)


def test_the_bound_is_a_thousand_characters_unless_said():
    csv_records("a\n" + "y" * 1_000 + "\n")
    with pytest.raises(ValidationError) as refused:
        csv_records("a\n" + "y" * 1_001 + "\n")
    assert refused.value.message_dict == {
        "file": ["Line 2 has a value of more than 1,000 characters: is this the right file?"]
    }


def test_a_line_the_csv_module_cannot_read_is_refused_in_words(monkeypatch):
    previous = csv.field_size_limit(10)  # the module's own limit, lower than the bound
    try:
        with pytest.raises(ValidationError) as refused:
            csv_records('a\n"' + "y" * 20 + '"\n', max_cell_chars=1_000)
    finally:
        csv.field_size_limit(previous)
    assert refused.value.message_dict == {
        "file": ["Line 2 cannot be read as CSV: is this the right file?"]
    }
