"""Risk services: cyber and data-breach duties."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from partnerships.models import Partnership
from risk.models import (
    BREACH_LIFECYCLE,
    CyberAllocation,
    DataBreach,
)
from risk.services._common import _full_clean, _recipients, _url
from tenancy.audit import audit_record, changed_fields, lock_fresh
from tenancy.services import notify


@transaction.atomic
def cyber_allocation_set(
    *,
    actor,
    partnership: Partnership,
    detection_party: str,
    notification_party: str,
    remediation_party: str,
    notification_deadline_hours: int,
    authorities_to_notify: str = "",
    customers_to_notify: str = "",
) -> CyberAllocation:
    if notification_deadline_hours is None or not 1 <= notification_deadline_hours <= 720:
        raise ValidationError(
            {"notification_deadline_hours": "The deadline is between 1 and 720 hours."}
        )
    allocation = CyberAllocation.objects.filter(partnership=partnership).first() or CyberAllocation(
        partnership=partnership
    )
    changes = changed_fields(
        allocation,
        {
            "detection_party": detection_party,
            "notification_party": notification_party,
            "remediation_party": remediation_party,
            "notification_deadline_hours": notification_deadline_hours,
            "authorities_to_notify": authorities_to_notify,
            "customers_to_notify": customers_to_notify,
        },
    )
    _full_clean(allocation, exclude=["partnership"])
    allocation.save()
    audit_record(action="risk.cyber_allocation.set", actor=actor, obj=allocation, changes=changes)
    return allocation


@transaction.atomic
def data_breach_report(
    *,
    actor,
    partnership: Partnership,
    title: str,
    detected_at: datetime,
    now: datetime,
    description: str = "",
) -> DataBreach:
    """Log a breach: the notification clock starts at detection, with the partnership's agreed
    deadline (72 hours when none is agreed)."""
    if detected_at > now:
        raise ValidationError({"detected_at": "A breach cannot be detected in the future."})
    allocation = CyberAllocation.objects.filter(partnership=partnership).first()
    hours = allocation.notification_deadline_hours if allocation else 72
    breach = DataBreach(
        partnership=partnership,
        title=title.strip(),
        description=description,
        detected_at=detected_at,
        notification_deadline=detected_at + timedelta(hours=hours),
        reported_by=actor,
    )
    _full_clean(breach, exclude=["partnership"])
    breach.save()
    audit_record(
        action="risk.data_breach.reported",
        actor=actor,
        obj=breach,
        changes={"detected_at": detected_at, "deadline": breach.notification_deadline},
    )
    deadline = timezone.localtime(breach.notification_deadline)  # the organization's clock
    notify(
        recipients=_recipients(partnership),
        title=f"Data breach logged: notify by {deadline:%d %b %Y %H:%M} {deadline.tzname()}",
        body=f"{partnership.name}: {breach.title}.",
        url=_url("partnership-risk", partnership.pk) + "#breaches",
        dedupe_key=f"risk.breach:{breach.pk}",
    )
    return breach


@transaction.atomic
def data_breach_transition(*, breach: DataBreach, actor, status: str, now: datetime) -> DataBreach:
    lock_fresh(breach)  # notified meanwhile: the first notification's time stays
    BREACH_LIFECYCLE.check(breach.status, status)
    old = breach.status
    breach.status = status
    if status == DataBreach.Status.NOTIFIED:
        breach.notified_at = now
    if status == DataBreach.Status.CLOSED:
        breach.closed_at = now
    breach.save(update_fields=["status", "notified_at", "closed_at"])
    audit_record(
        action=f"risk.data_breach.{status}",
        actor=actor,
        obj=breach,
        changes={"status": [old, status], "late": bool(now > breach.notification_deadline)},
    )
    return breach
