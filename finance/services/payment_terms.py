"""Payment terms of a partnership."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.models import PaymentTerms
from finance.services._shared import _full_clean, _not_negative
from partnerships.models import Partnership
from tenancy.audit import audit_record

PAYMENT_TERMS_FIELDS = (
    "net_days",
    "discount_percent",
    "discount_days",
    "payment_run_days",
    "take_discount",
    "inventory",
    "annual_spend",
    "currency",
    "cost_of_capital",
)


MAX_TERM_DAYS = 365  # payment terms run at most a year


@transaction.atomic
def payment_terms_set(*, actor, partnership: Partnership, **fields) -> PaymentTerms:
    unknown = set(fields) - set(PAYMENT_TERMS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown payment terms fields: {sorted(unknown)}")
    errors: dict = {}
    _not_negative(
        errors,
        annual_spend=fields.get("annual_spend"),
        discount_percent=fields.get("discount_percent"),
        cost_of_capital=fields.get("cost_of_capital"),
    )
    discount = fields.get("discount_percent") or Decimal(0)
    if discount >= 100:
        errors["discount_percent"] = "A discount is below 100 %."
    # The terms as they will be, read under a lock: a field not given keeps its stored value (a
    # new set, the model's default), so changing the net days alone cannot leave the discount
    # after them, nor can a concurrent save.
    stored = PaymentTerms.objects.select_for_update().filter(partnership=partnership).first()
    terms = stored or PaymentTerms(partnership=partnership)
    after = {name: fields.get(name, getattr(terms, name)) for name in PAYMENT_TERMS_FIELDS}
    if (after["discount_percent"] or 0) > 0 and after["discount_days"] >= after["net_days"]:
        errors["discount_days"] = "The discount must be for paying before the net due date."
    for name in ("net_days", "discount_days"):
        if fields.get(name) is not None and not 0 <= fields[name] <= MAX_TERM_DAYS:
            errors[name] = f"Give 0 to {MAX_TERM_DAYS} days."
    if fields.get("payment_run_days") is not None and not 1 <= fields["payment_run_days"] <= 90:
        errors["payment_run_days"] = "Pay at least every 90 days (1 = daily)."
    if errors:
        raise ValidationError(errors)
    for name, value in fields.items():
        setattr(terms, name, value)
    _full_clean(terms, exclude=["partnership"])
    terms.save()
    audit_record(
        action="finance.payment_terms.set",
        actor=actor,
        obj=terms,
        changes={"terms": str(terms), "inventory": terms.inventory},
    )
    return terms
