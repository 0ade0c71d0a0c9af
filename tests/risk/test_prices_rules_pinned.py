"""Price mechanisms, index values and price reviews, pinned rule by rule (found by `make mutation
MUTATION_ARGS=risk.prices`, docs/mutation.md): each refusal on its field in the user's words, the
edges (a weighting of 0 and 100 %, a cap equal to the floor), what an index import reads and
refuses line by line (NaN and 1e30 were a 500), what a review stores, moves and audits, and
whom it tells."""

import csv
import sys
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from risk import services
from risk.models import IndexValue, PriceMechanism, PriceReview
from tenancy.models import AuditEvent, Notification
from tests.risk.factories import IndexValueFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _mechanism(manager, partnership, **fields):
    data = {
        "name": "Steel indexation",
        "index_name": " Steel HRC ",
        "base_price": D("100.00"),
        "currency": "EUR",
        "base_index_value": D("200"),
        "weighting_percent": D("60"),
        "cap_percent": D("8"),
        "floor_percent": D("-5"),
        "review_frequency_months": 3,
        "next_review_on": date(2030, 4, 1),
        **fields,
    }
    return services.price_mechanism_create(actor=manager, partnership=partnership, **data)


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


# -- mechanisms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"weighting_percent": D("-0.01")},
            {"weighting_percent": ["The weighting is a share of the price, from 0 to 100 %."]},
        ),
        (
            {"weighting_percent": D("100.01")},
            {"weighting_percent": ["The weighting is a share of the price, from 0 to 100 %."]},
        ),
        (
            {"base_index_value": D(0)},
            {"base_index_value": ["The base index value must be more than zero."]},
        ),
        ({"base_price": D(0)}, {"base_price": ["The base price must be more than zero."]}),
    ],
)
def test_a_bad_mechanism_is_refused_on_its_field(scope, manager, partnership, fields, errors):
    with pytest.raises(ValidationError) as refused:
        _mechanism(manager, partnership, **fields)
    assert refused.value.message_dict == errors
    assert not PriceMechanism.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"weighting_percent": D(0)},
        {"weighting_percent": D(100)},
        {"cap_percent": D(-5), "floor_percent": D(-5)},
    ],
)
def test_the_edges_of_a_mechanism_are_allowed(scope, manager, partnership, fields):
    mechanism = _mechanism(manager, partnership, **fields)
    for name, value in fields.items():
        assert getattr(mechanism, name) == value


def test_a_mechanism_is_stored_with_its_index_trimmed_and_audited_whole(
    scope, manager, partnership
):
    mechanism = _mechanism(manager, partnership)
    mechanism.refresh_from_db()
    assert (mechanism.index_name, mechanism.volatility_assumption) == ("Steel HRC", "")
    [event] = _events("risk.price_mechanism.created")
    assert (event.actor, event.object_id) == (manager, str(mechanism.pk))
    assert event.changes == {
        "name": "Steel indexation",
        "index_name": "Steel HRC",
        "base_price": "100.00",
        "currency": "EUR",
        "base_index_value": "200",
        "weighting_percent": "60",
        "cap_percent": "8",
        "floor_percent": "-5",
        "review_frequency_months": 3,
        "next_review_on": "2030-04-01",
        "volatility_assumption": "",
    }


def test_a_mechanism_is_not_moved_to_another_partnership_on_the_field(scope, manager, partnership):
    from tests.partnerships.factories import PartnershipFactory

    mechanism = _mechanism(manager, partnership)
    other = PartnershipFactory(organization=scope, name="Birch")
    with pytest.raises(ValidationError) as refused:
        services.price_mechanism_update(
            mechanism=mechanism, actor=manager, partnership=other, cap_percent=D(10)
        )
    assert refused.value.message_dict == {"partnership": ["A mechanism stays in its partnership."]}
    stored = PriceMechanism.objects.get(pk=mechanism.pk)
    assert (stored.partnership_id, stored.cap_percent) == (partnership.pk, D(8))
    assert not _events("risk.price_mechanism.updated")
    # The same partnership given again (a form or a PUT sent whole) is no move.
    services.price_mechanism_update(
        mechanism=stored, actor=manager, partnership=partnership, cap_percent=D(10)
    )
    assert PriceMechanism.objects.get(pk=mechanism.pk).cap_percent == D(10)


def test_an_update_is_checked_like_a_new_mechanism_and_audited_with_what_changed(
    scope, manager, partnership
):
    mechanism = _mechanism(manager, partnership)
    with pytest.raises(ValidationError) as refused:
        services.price_mechanism_update(mechanism=mechanism, actor=manager, cap_percent=D(-6))
    assert refused.value.message_dict == {
        "cap_percent": ["The cap (-6 %) cannot be below the floor (-5 %)."]
    }
    mechanism = PriceMechanism.objects.get(pk=mechanism.pk)
    services.price_mechanism_update(mechanism=mechanism, actor=manager, cap_percent=D(10))
    mechanism.refresh_from_db()
    assert mechanism.cap_percent == D(10)
    [event] = _events("risk.price_mechanism.updated")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(mechanism.pk),
        {"cap_percent": ["8.00", "10"]},
    )


# -- index values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "errors"),
    [
        ("  ", D(1), {"index_name": ["Name the index."]}),
        ("Steel", None, {"value": ["An index value must be more than zero."]}),
        ("Steel", D(0), {"value": ["An index value must be more than zero."]}),
        (
            "Steel",
            D(10) ** 10,
            {"value": ["An index value must be a number below 10,000,000,000."]},
        ),
        ("Steel", D("NaN"), {"value": ["An index value must be a number below 10,000,000,000."]}),
    ],
)
def test_a_bad_index_value_is_refused_on_its_field(scope, manager, name, value, errors):
    with pytest.raises(ValidationError) as refused:
        services.index_value_record(
            actor=manager, index_name=name, period=date(2030, 1, 1), value=value
        )
    assert refused.value.message_dict == errors


def test_an_index_value_is_kept_once_per_month_and_audited_when_it_changes(scope, manager):
    for value in (D(200), D(200), D("201.5")):
        row = services.index_value_record(
            actor=manager, index_name=" Steel ", period=date(2030, 1, 17), value=value
        )
    [stored] = IndexValue.objects.all()
    assert (stored.pk, stored.index_name, stored.period, stored.value) == (
        row.pk,
        "Steel",
        date(2030, 1, 1),
        D("201.5"),
    )
    assert [(e.actor, e.object_id, e.changes) for e in _events("risk.index_value.recorded")] == [
        (manager, str(row.pk), {"value": [None, "200"]}),
        (manager, str(row.pk), {"value": ["200.0000", "201.5"]}),
    ]


def test_an_index_file_is_refused_line_by_line_in_words(scope, manager):
    content = (
        "\ufeffIndex, Period ,VALUE\n"
        "Steel,2030-13,1\n"
        "Steel,2030-01,x\n"
        "Steel,2030-01,0\n"
        "Steel,2030-01,NaN\n"
        "Steel,2030-01,1e30\n"
        ",2030-01,5\n"
    )
    with pytest.raises(ValidationError) as refused:
        services.index_values_import_csv(actor=manager, content=content)
    assert refused.value.message_dict == {
        "file": [
            "Line 2: the period “2030-13” is not a month (YYYY-MM).",
            "Line 3: the value “x” is not a number.",
            "Line 4: an index value must be more than zero.",
            "Line 5: an index value must be a number below 10,000,000,000.",
            "Line 6: an index value must be a number below 10,000,000,000.",
            "Line 7: the index name is empty.",
        ]
    }
    assert not IndexValue.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "name,month,value\nSteel,2030-01,1\n",
            "The CSV needs a header row with the columns index, period and value.",
        ),
        ("", "The CSV needs a header row with the columns index, period and value."),
        ("index,period,value\n", "The CSV has no rows."),
    ],
)
def test_an_index_file_without_its_columns_or_rows_is_refused(scope, manager, content, message):
    with pytest.raises(ValidationError) as refused:
        services.index_values_import_csv(actor=manager, content=content)
    assert refused.value.message_dict == {"file": [message]}


@pytest.mark.parametrize("csv_limit", [131_072, sys.maxsize])
def test_an_index_file_with_a_huge_cell_is_refused_in_words_whatever_the_csv_limit(
    scope, manager, csv_limit
):
    previous = csv.field_size_limit(csv_limit)  # process-wide: see tenancy.uploads.csv_records
    try:
        with pytest.raises(ValidationError) as refused:
            services.index_values_import_csv(
                actor=manager, content="index,period,value\nSteel,2030-01," + "9" * 200_000
            )
    finally:
        csv.field_size_limit(previous)
    assert refused.value.message_dict == {
        "file": ["Line 2 has a value of more than 1,000 characters: is this the right file?"]
    }
    assert not IndexValue.objects.exists()


def test_an_index_file_reads_days_and_lists_twenty_problems_at_most(scope, manager):
    assert (
        services.index_values_import_csv(
            actor=manager, content="index,period,value\nSteel,2030-02-17,1\n"
        )
        == 1
    )
    assert IndexValue.objects.get().period == date(2030, 2, 1)
    many = "index,period,value\n" + "Steel,2030-01,0\n" * 25
    with pytest.raises(ValidationError) as refused:
        services.index_values_import_csv(actor=manager, content=many)
    assert len(refused.value.message_dict["file"]) == 20


# -- reviews ----------------------------------------------------------------------------------


def test_a_review_records_what_it_applied_moves_the_date_past_today_and_is_audited(
    scope, manager, partnership
):
    mechanism = _mechanism(manager, partnership)
    IndexValueFactory(index_name="Steel HRC", period=date(2030, 3, 1), value=D("210"))
    review = services.price_review_run(mechanism=mechanism, actor=manager, today=date(2030, 9, 2))
    review.refresh_from_db()
    assert (review.review_date, review.period, review.index_value, review.reviewed_by) == (
        date(2030, 9, 2),
        date(2030, 3, 1),
        D("210"),
        manager,
    )
    assert (review.previous_price, review.adjusted_price, review.change_percent) == (
        D("100.00"),
        D("103.00"),
        D("3"),
    )
    assert review.explanation[0] == "Steel HRC for March 2030 is 210; the base value is 200."
    mechanism.refresh_from_db()
    assert mechanism.next_review_on == date(2030, 10, 1)  # quarterly, first date after today
    [event] = _events("risk.price_review.run")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(review.pk),
        {
            "period": "2030-03-01",
            "index_value": "210.0000",
            "price": [None, "103.00"],
            "limited_by": "",
        },
    )
    assert not Notification.objects.exists()  # inside the limits: nobody is alerted


def test_a_review_of_a_chosen_month_is_run_once(scope, manager, partnership):
    mechanism = _mechanism(manager, partnership)
    IndexValueFactory(index_name="Steel HRC", period=date(2030, 1, 1), value=D("190"))
    review = services.price_review_run(
        mechanism=mechanism, actor=manager, today=date(2030, 2, 1), period=date(2030, 1, 20)
    )
    assert (review.period, review.limited_by) == (date(2030, 1, 1), "")
    mechanism.refresh_from_db()
    assert mechanism.next_review_on == date(2030, 4, 1)  # not yet due: unchanged
    with pytest.raises(ValidationError) as refused:
        services.price_review_run(
            mechanism=mechanism, actor=manager, today=date(2030, 2, 1), period=date(2030, 1, 1)
        )
    assert refused.value.message_dict == {
        "period": ["The review for January 2030 has already been run."]
    }
    assert PriceReview.objects.count() == 1


def test_reaching_the_floor_tells_the_owner_why_with_a_link(scope, manager, partnership):
    mechanism = _mechanism(manager, partnership)
    IndexValueFactory(index_name="Steel HRC", period=date(2030, 3, 1), value=D("160"))
    review = services.price_review_run(mechanism=mechanism, actor=manager, today=date(2030, 4, 1))
    assert (review.adjusted_price, review.limited_by) == (D("95.00"), "floor")
    [note] = Notification.objects.all()
    assert (note.recipient, note.title) == (manager, "Steel indexation: the floor was reached")
    assert note.body == (
        "-12.00 % is below the floor of -5.00 %: the floor applies. "
        "Adjusted price: EUR 100.00 × (1 − 5 %) = EUR 95.00."
    )
    assert note.url == f"/o/alpha/risk/price-mechanisms/{mechanism.pk}/"
    assert note.dedupe_key == f"risk.price_limit:{review.pk}"


def test_the_review_due_alert_names_the_partnership_the_date_and_the_index(
    scope, manager, partnership
):
    mechanism = _mechanism(manager, partnership)
    assert services.price_review_alerts_send(today=date(2030, 4, 1)) == 1
    [note] = Notification.objects.all()
    assert (note.recipient, note.title) == (manager, "Price review due: Steel indexation")
    assert note.body == "Alder drive-train: the review of 01 Apr 2030 applies Steel HRC."
    assert note.url == f"/o/alpha/risk/price-mechanisms/{mechanism.pk}/"
    assert note.dedupe_key == f"risk.price_review:{mechanism.pk}:2030-04-01"


# -- second round: what the first pinned round left alive ------------------------------------


def test_a_base_below_one_unit_is_a_base(scope, manager, partnership):
    mechanism = _mechanism(manager, partnership, base_price=D("0.50"), base_index_value=D("0.5"))
    assert (mechanism.base_price, mechanism.base_index_value) == (D("0.50"), D("0.5"))


def test_each_index_keeps_its_own_value_for_a_month(scope, manager):
    for name, value in (("Steel", D(200)), ("Copper", D(900))):
        services.index_value_record(
            actor=manager, index_name=name, period=date(2030, 1, 1), value=value
        )
    values = dict(IndexValue.objects.values_list("index_name", "value"))
    assert values == {"Steel": D(200), "Copper": D(900)}
    with pytest.raises(ValidationError) as refused:
        services.index_value_record(
            actor=manager, index_name=None, period=date(2030, 1, 1), value=D(1)
        )
    assert list(refused.value.message_dict) == ["index_name"]


def test_a_review_applies_its_own_index_of_its_own_month_and_its_own_mechanism(
    scope, manager, partnership
):
    steel = _mechanism(manager, partnership)
    copper = _mechanism(manager, partnership, name="Copper clause", index_name="Copper")
    IndexValueFactory(index_name="Copper", period=date(2030, 3, 1), value=D("999"))
    IndexValueFactory(index_name="Steel HRC", period=date(2030, 2, 1), value=D("999"))
    with pytest.raises(ValidationError):  # no Steel HRC value for March
        services.price_review_run(mechanism=steel, actor=manager, today=date(2030, 4, 1))
    IndexValueFactory(index_name="Steel HRC", period=date(2030, 3, 1), value=D("210"))
    services.price_review_run(mechanism=copper, actor=manager, today=date(2030, 4, 1))
    review = services.price_review_run(mechanism=steel, actor=manager, today=date(2030, 4, 1))
    assert (review.index_value, review.adjusted_price) == (D("210"), D("103.00"))
    again = services.price_review_run(
        mechanism=steel, actor=manager, today=date(2030, 4, 2), period=date(2030, 2, 1)
    )
    assert again.period == date(2030, 2, 1)  # another month of the same mechanism
    events = _events("risk.price_review.run")
    assert events[-1].changes["price"] == ["103.00", again.adjusted_price.to_eng_string()]


def test_a_review_alert_goes_out_for_every_mechanism_due(scope, manager, partnership):
    _mechanism(manager, partnership)
    _mechanism(manager, partnership, name="Copper clause", index_name="Copper")
    assert services.price_review_alerts_send(today=date(2030, 4, 1)) == 2


def test_an_index_file_reports_every_line_after_an_empty_name_and_the_limit_itself(scope, manager):
    content = "index,period,value\n,2030-01,5\nSteel,2030-02,10000000000\n"
    with pytest.raises(ValidationError) as refused:
        services.index_values_import_csv(actor=manager, content=content)
    assert refused.value.message_dict == {
        "file": [
            "Line 2: the index name is empty.",
            "Line 3: an index value must be a number below 10,000,000,000.",
        ]
    }
    services.index_values_import_csv(actor=manager, content="index,period,value\nSteel,2030-02,7\n")
    assert _events("risk.index_value.recorded")[0].actor == manager
