"""Data disposition: what happens to each kind of data at the exit; destruction only with a
certificate, verified by the other party."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from exit_planning.models import DATA_RULES, DISPOSITION_LIFECYCLE, DataDisposition, ExitPlan, Party
from exit_planning.services._shared import _full_clean
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User


@transaction.atomic
def disposition_create(
    *,
    plan: ExitPlan,
    actor: User | None,
    data_category: str,
    action: str,
    rule: str,
    performed_by: str = Party.PARTNER,
    today: date,
) -> DataDisposition:
    """The deadline comes from the data-protection rule: its days after the end of services
    (the wind-down's end date, else today)."""
    if rule not in DATA_RULES:
        raise ValidationError({"rule": "Choose the data-protection rule that applies."})
    base = plan.wind_down_end_date or today
    _, days = DATA_RULES[rule]
    item = DataDisposition(
        organization=require_organization(),
        plan=plan,
        data_category=(data_category or "").strip(),
        action=action,
        rule=rule,
        performed_by=performed_by,
        deadline=base + timedelta(days=days),
    )
    _full_clean(item)
    item.save()
    audit_record(
        action="exit_planning.disposition.created",
        actor=actor,
        obj=item,
        changes={
            "data_category": item.data_category,
            "action": action,
            "rule": rule,
            "performed_by": performed_by,
            "deadline": item.deadline,
        },
    )
    return item


@transaction.atomic
def disposition_mark_done(
    *, item: DataDisposition, actor: User | None, certificate=None, today: date
) -> DataDisposition:
    item = DataDisposition.objects.select_for_update().get(pk=item.pk)
    DISPOSITION_LIFECYCLE.check(item.status, DataDisposition.Status.DONE)
    if certificate:
        item.certificate = certificate
    if item.action == DataDisposition.Action.DESTROY and not item.certificate:
        raise ValidationError(
            {"certificate": "Upload the certificate of destruction before marking it done."}
        )
    item.status, item.done_on = DataDisposition.Status.DONE, today
    item.save(update_fields=["certificate", "status", "done_on"])
    audit_record(
        action="exit_planning.disposition.done",
        actor=actor,
        obj=item,
        changes={"certificate": item.certificate.name or None},
    )
    return item


@transaction.atomic
def disposition_verify(
    *, item: DataDisposition, actor: User, party: str, now: datetime
) -> DataDisposition:
    """The other party verifies: whoever returned or destroyed the data cannot verify it."""
    item = DataDisposition.objects.select_for_update().get(pk=item.pk)
    DISPOSITION_LIFECYCLE.check(item.status, DataDisposition.Status.VERIFIED)
    if party == item.performed_by:
        raise ConflictError(
            "The party that returned or destroyed the data cannot verify it; the other party does.",
            code="same_party",
        )
    item.status, item.verified_by, item.verified_at = DataDisposition.Status.VERIFIED, actor, now
    item.save(update_fields=["status", "verified_by", "verified_at"])
    audit_record(action="exit_planning.disposition.verified", actor=actor, obj=item)
    return item
