"""Pinned rules of `finance.services.payment_terms` (mutation testing, eleventh session): a
partnership has one set of payment terms, set again in place; a discount is below 100 % and is
for paying before the net due date; a payment run is every 1 to 90 days; nothing is negative;
each setting is audited with the terms as read."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import services
from finance.models import PaymentTerms
from tenancy.models import AuditEvent

pytestmark = pytest.mark.django_db
D = Decimal
SPEND = {"annual_spend": D("1000000"), "currency": "EUR"}


def _refused(fin, partnership, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        services.payment_terms_set(actor=fin, partnership=partnership, **{**SPEND, **fields})
    return refused.value.message_dict


def test_an_unknown_field_is_a_programming_error_naming_it(scope, fin, partnership):
    with pytest.raises(TypeError, match=r"^Unknown payment terms fields: \['grace_days'\]$"):
        services.payment_terms_set(actor=fin, partnership=partnership, grace_days=3, **SPEND)


def test_a_negative_discount_or_cost_of_capital_is_refused_on_its_field(scope, fin, partnership):
    assert _refused(fin, partnership, discount_percent=D("-1"), cost_of_capital=D("-0.5")) == {
        "discount_percent": ["This cannot be negative."],
        "cost_of_capital": ["This cannot be negative."],
    }


def test_a_discount_is_below_100_percent(scope, fin, partnership):
    assert _refused(fin, partnership, net_days=30, discount_percent=D(100), discount_days=10) == {
        "discount_percent": ["A discount is below 100 %."]
    }
    terms = services.payment_terms_set(
        actor=fin,
        partnership=partnership,
        net_days=30,
        discount_percent=D("99.99"),
        discount_days=10,
        **SPEND,
    )
    assert terms.discount_percent == D("99.99")


def test_a_discount_is_for_paying_before_the_net_due_date(scope, fin, partnership):
    refused = _refused(fin, partnership, net_days=30, discount_percent=D(2), discount_days=30)
    assert refused == {
        "discount_days": ["The discount must be for paying before the net due date."]
    }
    terms = services.payment_terms_set(
        actor=fin,
        partnership=partnership,
        net_days=30,
        discount_percent=D(2),
        discount_days=29,
        **SPEND,
    )
    assert (terms.discount_days, terms.net_days) == (29, 30)


def test_without_a_discount_its_days_are_not_compared_with_the_net_days(scope, fin, partnership):
    terms = services.payment_terms_set(
        actor=fin,
        partnership=partnership,
        net_days=30,
        discount_percent=D(0),
        discount_days=30,
        **SPEND,
    )
    assert (terms.discount_days, terms.net_days) == (30, 30)


@pytest.mark.parametrize("days", [0, 91])
def test_a_payment_run_is_every_1_to_90_days(scope, fin, partnership, days):
    assert _refused(fin, partnership, payment_run_days=days) == {
        "payment_run_days": ["Pay at least every 90 days (1 = daily)."]
    }


@pytest.mark.parametrize("days", [1, 90])
def test_a_payment_run_of_1_or_90_days_is_kept(scope, fin, partnership, days):
    terms = services.payment_terms_set(
        actor=fin, partnership=partnership, payment_run_days=days, **SPEND
    )
    assert PaymentTerms.objects.get(pk=terms.pk).payment_run_days == days


def test_the_terms_are_set_again_in_place_and_each_setting_is_audited(scope, fin, partnership):
    first = services.payment_terms_set(
        actor=fin,
        partnership=partnership,
        net_days=30,
        discount_percent=D(2),
        discount_days=10,
        inventory="consignment",
        **SPEND,
    )
    second = services.payment_terms_set(actor=fin, partnership=partnership, net_days=45, **SPEND)
    assert second.pk == first.pk
    stored = PaymentTerms.objects.get(partnership=partnership)
    assert (stored.net_days, stored.discount_days, stored.inventory) == (45, 10, "consignment")
    events = AuditEvent.objects.filter(action="finance.payment_terms.set").order_by("sequence")
    assert [(e.actor, e.object_type, e.object_id) for e in events] == [
        (fin, "finance.paymentterms", str(first.pk)),
        (fin, "finance.paymentterms", str(first.pk)),
    ]
    # The terms as read (the stored discount reads back with its two decimals).
    assert [e.changes for e in events] == [
        {"terms": "2/10 net 30", "inventory": "consignment"},
        {"terms": "2/10 net 45", "inventory": "consignment"},
    ]


def test_a_discount_below_one_percent_is_for_paying_before_the_net_due_date_too(
    scope, fin, partnership
):
    refused = _refused(fin, partnership, net_days=30, discount_percent=D("0.5"), discount_days=30)
    assert list(refused) == ["discount_days"]


def test_new_terms_compare_the_discount_with_the_default_30_net_days(scope, fin, partnership):
    assert list(_refused(fin, partnership, discount_percent=D(2), discount_days=30)) == [
        "discount_days"
    ]
    terms = services.payment_terms_set(
        actor=fin, partnership=partnership, discount_percent=D(2), discount_days=29, **SPEND
    )
    assert (terms.discount_days, terms.net_days) == (29, 30)


# A defect the survivors led to: the discount was compared with the net days *given*, or with
# 30 and 0 when not given, never with the stored terms.


def test_changing_the_net_days_alone_cannot_leave_the_discount_after_them(scope, fin, partnership):
    services.payment_terms_set(
        actor=fin, partnership=partnership, net_days=30, discount_percent=D(2), discount_days=10,
        **SPEND,
    )  # fmt: skip
    assert _refused(fin, partnership, net_days=5) == {
        "discount_days": ["The discount must be for paying before the net due date."]
    }
    assert str(PaymentTerms.objects.get(partnership=partnership)) == "2/10 net 30"


def test_a_discount_within_longer_stored_net_days_is_kept(scope, fin, partnership):
    services.payment_terms_set(actor=fin, partnership=partnership, net_days=60, **SPEND)
    terms = services.payment_terms_set(
        actor=fin, partnership=partnership, discount_percent=D(2), discount_days=45, **SPEND
    )
    assert str(PaymentTerms.objects.get(pk=terms.pk)) == "2/45 net 60"


def test_the_terms_read_the_same_in_the_audit_trail_when_set_and_when_set_again(
    scope, fin, partnership
):
    for net in (30, 45):
        services.payment_terms_set(
            actor=fin, partnership=partnership, net_days=net, discount_percent=D("2"),
            discount_days=10, **SPEND,
        )  # fmt: skip
    services.payment_terms_set(actor=fin, partnership=partnership, discount_percent=D("2.50"))
    said = [
        event.changes["terms"]
        for event in AuditEvent.objects.filter(action="finance.payment_terms.set").order_by(
            "sequence"
        )
    ]
    assert said == ["2/10 net 30", "2/10 net 45", "2.5/10 net 45"]
    assert str(PaymentTerms.objects.get(partnership=partnership)) == "2.5/10 net 45"
