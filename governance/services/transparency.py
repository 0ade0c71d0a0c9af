"""Transparency: open-book disclosures of cost and margin data between the parties, with the
next due date kept current so an overdue disclosure is one indexed query."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction

from governance.models import Disclosure
from partnerships.models import Partnership
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.models import User

PERIOD: dict[str, relativedelta] = {
    Disclosure.Frequency.MONTHLY: relativedelta(months=1),
    Disclosure.Frequency.QUARTERLY: relativedelta(months=3),
    Disclosure.Frequency.HALF_YEARLY: relativedelta(months=6),
    Disclosure.Frequency.ANNUALLY: relativedelta(years=1),
}
DISCLOSURE_FIELDS = ("party", "data_type", "description", "cadence")


def is_overdue(disclosure: Disclosure, *, today: date) -> bool:
    return disclosure.next_due_on < today


@transaction.atomic
def disclosure_create(
    *, partnership: Partnership, actor: User | None, first_due_on: date, today: date, **fields
) -> Disclosure:
    if first_due_on is None or first_due_on < today:
        raise ValidationError({"first_due_on": "The first disclosure is due today or later."})
    disclosure = Disclosure(
        organization=require_organization(),
        partnership=partnership,
        next_due_on=first_due_on,
        **{k: v for k, v in fields.items() if k in DISCLOSURE_FIELDS},
    )
    disclosure.full_clean()
    disclosure.save()
    audit_record(
        action="governance.disclosure.created",
        actor=actor,
        obj=disclosure,
        changes={"party": disclosure.party, "data_type": disclosure.data_type},
    )
    return disclosure


@transaction.atomic
def disclosure_update(*, disclosure: Disclosure, actor: User | None, **fields) -> Disclosure:
    """Who discloses what, and how often. The due date is not edited: it was agreed with the
    disclosure and only a receipt moves it (`disclosure_record_received`), except that a new
    cadence, once data has been received, puts the next one a new period after the last
    receipt (quarterly to monthly: due a month after it). Before the first receipt the agreed
    first due date stands."""
    if "first_due_on" in fields:
        raise ValidationError(
            {"first_due_on": "Set when the disclosure is agreed; a receipt moves it."}
        )
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    changes = changed_fields(
        disclosure, {k: v for k, v in fields.items() if k in DISCLOSURE_FIELDS}
    )
    disclosure.full_clean()
    if "cadence" in changes and disclosure.last_received_on is not None:
        next_due_on = disclosure.last_received_on + PERIOD[disclosure.cadence]
        if next_due_on != disclosure.next_due_on:
            changes["next_due_on"] = [disclosure.next_due_on, next_due_on]
            disclosure.next_due_on = next_due_on
    disclosure.save()
    if changes:
        audit_record(
            action="governance.disclosure.updated", actor=actor, obj=disclosure, changes=changes
        )
    return disclosure


@transaction.atomic
def disclosure_record_received(
    *, disclosure: Disclosure, actor: User | None, received_on: date, today: date
) -> Disclosure:
    """The data came in: the next one is due one period after it."""
    if received_on is None:
        raise ValidationError({"received_on": "Give the date it was received."})
    if received_on > today:
        raise ValidationError({"received_on": "The data was received today or earlier."})
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    if disclosure.last_received_on and received_on < disclosure.last_received_on:
        raise ValidationError({"received_on": "A later disclosure is already recorded."})
    old = (disclosure.last_received_on, disclosure.next_due_on)
    disclosure.last_received_on = received_on
    disclosure.next_due_on = received_on + PERIOD[disclosure.cadence]
    disclosure.save(update_fields=["last_received_on", "next_due_on"])
    audit_record(
        action="governance.disclosure.received",
        actor=actor,
        obj=disclosure,
        changes={
            "last_received_on": [old[0], received_on],
            "next_due_on": [old[1], disclosure.next_due_on],
        },
    )
    return disclosure
