"""The crisis protocol of a partnership (a spokesperson per party, media response steps, a
contact tree) and its crisis log, whose entries are appended, never edited."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from governance.models import CrisisContact, CrisisLogEntry, CrisisProtocol, Party
from governance.services.meetings import _owner_party
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.models import User


def _spokesperson(partnership: Partnership, user: User | None, party: str, field: str):
    if user is None:
        return None
    try:
        actual = _owner_party(partnership, user)
    except ValidationError as error:
        raise ValidationError({field: error.message_dict["owner"]}) from error
    if actual != party:
        whose = "the partner" if party == Party.PARTNER else "us"
        raise ValidationError({field: f"{user} does not speak for {whose}."})
    return user


@transaction.atomic
def crisis_protocol_save(
    *,
    partnership: Partnership,
    actor: User | None,
    now: datetime,
    customer_spokesperson: User | None = None,
    partner_spokesperson: User | None = None,
    media_steps: str = "",
) -> CrisisProtocol:
    """Create or update the protocol: each spokesperson speaks for their own party."""
    _spokesperson(partnership, customer_spokesperson, Party.CUSTOMER, "customer_spokesperson")
    _spokesperson(partnership, partner_spokesperson, Party.PARTNER, "partner_spokesperson")
    protocol, created = CrisisProtocol.objects.select_for_update().get_or_create(
        partnership=partnership,
        defaults={"organization": require_organization(), "updated_at": now},
    )
    protocol.customer_spokesperson = customer_spokesperson
    protocol.partner_spokesperson = partner_spokesperson
    protocol.media_steps = media_steps.strip()
    protocol.updated_at = now
    protocol.save()
    audit_record(
        action="governance.crisis_protocol.saved",
        actor=actor,
        obj=protocol,
        changes={
            "customer_spokesperson": getattr(customer_spokesperson, "email", None),
            "partner_spokesperson": getattr(partner_spokesperson, "email", None),
            "steps": len(protocol.steps),
            "created": created,
        },
    )
    return protocol


@transaction.atomic
def crisis_contact_add(
    *,
    protocol: CrisisProtocol,
    actor: User | None,
    user: User,
    responsibility: str,
    reports_to: CrisisContact | None = None,
) -> CrisisContact:
    if not (responsibility or "").strip():
        raise ValidationError({"responsibility": "Say what this person does in a crisis."})
    if reports_to is not None and reports_to.protocol_id != protocol.pk:
        raise ValidationError({"reports_to": "Choose someone of this contact tree."})
    if CrisisContact.objects.filter(protocol=protocol, user=user).exists():
        raise ValidationError({"user": f"{user} is already in the contact tree."})
    try:
        party = _owner_party(protocol.partnership, user)
    except ValidationError as error:
        raise ValidationError({"user": error.message_dict["owner"]}) from error
    contact = CrisisContact.objects.create(
        organization=protocol.organization,
        protocol=protocol,
        user=user,
        party=party,
        responsibility=responsibility.strip()[:200],
        reports_to=reports_to,
        position=CrisisContact.objects.filter(protocol=protocol).count(),
    )
    audit_record(
        action="governance.crisis_protocol.contact_added",
        actor=actor,
        obj=protocol,
        changes={"contact": user.email, "party": party, "responsibility": contact.responsibility},
    )
    return contact


@transaction.atomic
def crisis_log_record(
    *,
    partnership: Partnership,
    actor: User | None,
    now: datetime,
    occurred_at: datetime,
    title: str,
    severity: str = CrisisLogEntry.Severity.MEDIUM,
    action_taken: str = "",
) -> CrisisLogEntry:
    """Append to the crisis log: what happened (not in the future) and what was done."""
    if occurred_at is None or occurred_at > now:
        raise ValidationError({"occurred_at": "Log what has happened: the time is not ahead."})
    entry = CrisisLogEntry(
        organization=require_organization(),
        partnership=partnership,
        occurred_at=occurred_at,
        severity=severity,
        title=(title or "").strip(),
        action_taken=action_taken,
        logged_by=actor if actor is not None and actor.is_authenticated else None,
        created_at=now,
    )
    entry.full_clean()
    entry.save()
    audit_record(
        action="governance.crisis_log.recorded",
        actor=actor,
        obj=entry,
        changes={"severity": severity, "occurred_at": occurred_at},
    )
    return entry
