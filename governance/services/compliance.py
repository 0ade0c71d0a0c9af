"""Compliance officers of both parties and their periodic attestations (anti-bribery, labour,
environment, data protection): requested with a due date, attested once by the officer,
overdue once past the date, reminded once before it."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from governance.models import Attestation, ComplianceOfficer
from governance.services.meetings import _owner_party
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import User
from tenancy.services import notify

REMINDER_LEAD_DAYS = 7


def attestation_is_overdue(attestation: Attestation, *, today: date) -> bool:
    return attestation.status == Attestation.Status.PENDING and attestation.due_on < today


def _url(partnership_id: int) -> str:
    return reverse("partnership-compliance", args=[require_organization().slug, partnership_id])


@transaction.atomic
def compliance_officer_appoint(
    *, partnership: Partnership, actor: User | None, user: User, area: str
) -> ComplianceOfficer:
    """Name the officer of one area for the user's party (replacing the previous one)."""
    if area not in ComplianceOfficer.Area.values:
        raise ValidationError({"area": "Choose a compliance area."})
    try:
        party = _owner_party(partnership, user)
    except ValidationError as error:
        raise ValidationError({"user": error.message_dict["owner"]}) from error
    existing = ComplianceOfficer.objects.filter(
        partnership=partnership, area=area, party=party
    ).first()
    if (
        existing is not None
        and existing.attestations.filter(status=Attestation.Status.PENDING).exists()
    ):
        raise ConflictError(
            f"{existing.user} has an attestation pending for this area: it is attested first.",
            code="attestation_pending",
        )
    if existing is not None:
        old = existing.user.email
        existing.user = user
        existing.save(update_fields=["user"])
        officer = existing
    else:
        old = None
        officer = ComplianceOfficer.objects.create(
            organization=require_organization(),
            partnership=partnership,
            user=user,
            party=party,
            area=area,
        )
    audit_record(
        action="governance.compliance_officer.appointed",
        actor=actor,
        obj=officer,
        changes={"area": area, "party": party, "officer": [old, user.email]},
    )
    return officer


@transaction.atomic
def attestation_request(
    *, officer: ComplianceOfficer, actor: User | None, period: str, due_on: date, today: date
) -> Attestation:
    period = (period or "").strip()
    if not period:
        raise ValidationError({"period": "Name the period attested (e.g. 2030 Q1)."})
    if due_on is None or due_on < today:
        raise ValidationError({"due_on": "The attestation is due today or later."})
    try:
        with transaction.atomic():
            attestation = Attestation.objects.create(
                organization=officer.organization,
                officer=officer,
                period=period[:40],
                due_on=due_on,
            )
    except IntegrityError as error:
        raise ValidationError(
            {"period": f"{officer.get_area_display()} for {period} is already requested."}
        ) from error
    audit_record(
        action="governance.attestation.requested",
        actor=actor,
        obj=attestation,
        changes={"officer": officer.user.email, "period": period, "due_on": due_on},
    )
    notify(
        recipients=[officer.user],
        title=f"Attestation requested: {officer.get_area_display()}, {period}",
        body=f"Due {due_on:%d %b %Y}.",
        url=_url(officer.partnership_id),
        dedupe_key=f"governance.attestation.requested:{attestation.pk}",
    )
    return attestation


@transaction.atomic
def attestation_submit(
    *, attestation: Attestation, officer_user: User, statement: str, now: datetime
) -> Attestation:
    """The officer attests, once, with a statement."""
    attestation = (
        Attestation.objects.select_for_update(of=("self",))
        .select_related("officer")
        .get(pk=attestation.pk)
    )
    if attestation.officer.user_id != officer_user.pk:
        raise PermissionDeniedError("Only the area's compliance officer attests.")
    if attestation.status != Attestation.Status.PENDING:
        raise ConflictError("This attestation is already given.", code="already_attested")
    if not (statement or "").strip():
        raise ValidationError({"statement": "State what you attest."})
    attestation.status = Attestation.Status.ATTESTED
    attestation.statement = statement.strip()
    attestation.attested_at = now
    attestation.save(update_fields=["status", "statement", "attested_at"])
    audit_record(
        action="governance.attestation.attested",
        actor=officer_user,
        obj=attestation,
        changes={"status": ["pending", "attested"], "late": now.date() > attestation.due_on},
    )
    return attestation


@transaction.atomic
def attestation_reminders_send(*, now: datetime) -> int:
    """Remind each officer once of a pending attestation due within a week (or overdue)."""
    today = timezone.localdate(now)
    due = list(
        Attestation.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(
            status=Attestation.Status.PENDING,
            reminded_at__isnull=True,
            due_on__lte=today + timedelta(days=REMINDER_LEAD_DAYS),
        )
        .select_related("officer__user")
    )
    for attestation in due:
        officer = attestation.officer
        notify(
            recipients=[officer.user],
            title=f"Attestation due {attestation.due_on:%d %b %Y}: "
            f"{officer.get_area_display()}, {attestation.period}",
            url=_url(officer.partnership_id),
            dedupe_key=f"governance.attestation.reminder:{attestation.pk}",
        )
        attestation.reminded_at = now
    if due:
        Attestation.objects.bulk_update(due, ["reminded_at"])
        audit_record(
            action="governance.attestation.reminders_sent",
            actor_label="reminder job",
            changes={"attestations": [a.pk for a in due]},
        )
    return len(due)
