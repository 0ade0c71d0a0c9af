"""The audit trail: every service write appends one hash-chained event.

Appends take a per-organization advisory lock so two concurrent writers cannot fork the chain.
The hash covers the previous hash and the event's canonical JSON (sorted keys, no spaces,
Decimals and dates as strings), so editing any stored field breaks the chain from there on.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django_countries.fields import Country

from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Organization, User

GENESIS_HASH = "0" * 64
_AUDIT_LOCK_NAMESPACE = 7_301  # first key of pg_advisory_xact_lock(int, int); the second is the org


def _canonical(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))


def _event_payload(event: AuditEvent) -> dict:
    return {
        "organization": event.organization_id,
        "sequence": event.sequence,
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "changes": event.changes,
        "created_at": event.created_at.isoformat(),
    }


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(
        (event.previous_hash + _canonical(_event_payload(event))).encode()
    ).hexdigest()


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    obj: models.Model | None = None,
    changes: dict | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append `action` (a dotted code such as `contracts.agreement.approved`) to the trail."""
    organization = require_organization()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_AUDIT_LOCK_NAMESPACE, organization.pk]
            )
        last = AuditEvent.objects.order_by("-sequence").only("sequence", "hash").first()
        event = AuditEvent(
            organization=organization,
            sequence=(last.sequence + 1) if last else 1,
            actor=actor if actor and actor.is_authenticated else None,
            actor_label=actor_label or (actor.email if actor and actor.is_authenticated else ""),
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=str(obj)[:200] if obj is not None else "",
            # Round-trip through canonical JSON so what is hashed is exactly what is stored.
            changes=json.loads(_canonical(changes or {})),
            created_at=timezone.now(),
            previous_hash=last.hash if last else GENESIS_HASH,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
    return event


def audit_reason(reason: str | None) -> str:
    """The reason an irreversible step (a deletion, a removal) needs, trimmed: every page and
    API that deletes asks for one, and the service refuses a blank one on the `reason` field."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why: the reason is kept in the audit log."})
    return reason


def audit_value(value):
    """A value as the trail stores it: a related record becomes its id plus a readable label
    (the label as it was at the time, so the trail still reads after a rename)."""
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)[:200]}
    if isinstance(value, FieldFile) or (hasattr(value, "name") and hasattr(value, "read")):
        return value.name or None  # a stored or uploaded file: its name
    if isinstance(value, Country):
        return value.code  # the ISO code, as stored
    return value


def lock_fresh(instance: models.Model) -> models.Model:
    """Lock the row (SELECT ... FOR UPDATE) and re-read it into the caller's object, so a guard
    checked afterwards sees the decision a concurrent request took since the caller loaded it
    (a page opened before the approval, the payout, the close). Call it inside the transaction,
    before the checks. A row deleted meanwhile is a 409, not a crash."""
    if not type(instance)._base_manager.select_for_update().filter(pk=instance.pk).exists():
        raise ConflictError("This record was deleted meanwhile.", code="gone")
    instance.refresh_from_db()
    return instance


def changed_fields(instance: models.Model, fields: dict) -> dict:
    """Apply `fields` to `instance` and return {name: [old, new]} for the ones that changed.

    A saved instance is first locked (SELECT ... FOR UPDATE) and re-read, so the fields this
    update does not touch are the ones in the database now, not the ones the caller loaded
    before a concurrent write: saving it afterwards loses no one's change. A row deleted
    meanwhile is a 409, not a crash.
    """
    if instance.pk is not None and not instance._state.adding:
        lock_fresh(instance)
    changes = {}
    for name, new in fields.items():
        old = getattr(instance, name)
        if old != new:
            changes[name] = [audit_value(old), audit_value(new)]
            setattr(instance, name, new)
    return json.loads(_canonical(changes))


@dataclass(frozen=True)
class ChainReport:
    organization: Organization
    events_checked: int
    first_broken_sequence: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_sequence is None


def audit_chain_verify() -> ChainReport:
    """Recompute the current organization's chain; report the first event that does not fit."""
    organization = require_organization()
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        checked += 1
        if event.sequence != expected_sequence:
            return ChainReport(
                organization, checked, event.sequence, f"expected sequence {expected_sequence}"
            )
        if event.previous_hash != previous_hash:
            return ChainReport(
                organization, checked, event.sequence, "previous_hash does not match"
            )
        if event_hash(event) != event.hash:
            return ChainReport(organization, checked, event.sequence, "content was altered")
        previous_hash = event.hash
        expected_sequence += 1
    return ChainReport(organization, checked, None)


# --- reading the trail -------------------------------------------------------------------------

# Modules add the wording of their own actions here (contracts: its timeline's labels); any
# other action reads from its code: "governance.change_request.approved" → "Change request
# approved".
ACTION_LABELS: dict[str, str] = {}


def action_labels_register(labels: dict[str, str]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    """An audit action in words (never its dotted code on screen)."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    parts = action.split(".")
    if len(parts) >= 3:
        entity, verb = parts[-2].replace("_", " "), parts[-1].replace("_", " ")
        return f"{entity[:1].upper()}{entity[1:]} {verb}"
    return action_verb(action)


def actor_name(event: AuditEvent) -> str:
    """Who acted, for a timeline: the person's name (as it reads now), else what the event
    recorded at the time (the e-mail of a user since removed, a named system), else "system".
    Lists select the actor with the events (`select_related("actor")`)."""
    if event.actor is not None:
        return event.actor.display_name
    return event.actor_label or "system"


def action_verb(action: str) -> str:
    """What happened, for the timeline of the object itself: "….approved" → "Approved"."""
    return action.rsplit(".", 1)[-1].replace("_", " ").capitalize()


# An amount recorded as text: decimals, so years, ids and counts (integers) are left alone.
_DECIMAL_TEXT = re.compile(r"^-?\d+\.\d+$")


def change_text(value) -> str:
    """One value of an event's changes as a person reads it: a record by its label, a mapping
    as "name: value" pairs, a list joined, nothing as "—", yes/no for booleans."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if set(value) == {"id", "label"}:
            return str(value["label"])
        return ", ".join(
            f"{key.replace('_', ' ')}: {change_text(item)}" for key, item in value.items()
        )
    if isinstance(value, list):
        return ", ".join(change_text(item) for item in value)
    if isinstance(value, str) and _DECIMAL_TEXT.match(value):
        return f"{Decimal(value):,f}"  # an amount as recorded ("5040.00"), with separators
    return str(value)


def changes_text(changes) -> list[tuple[str, str]]:
    """An event's changes as (field in words, "old → new" or the value) pairs."""
    if not isinstance(changes, dict):
        return [("", change_text(changes))] if changes else []
    rows = []
    for name, value in changes.items():
        label = name.replace("_", " ")
        label = label[:1].upper() + label[1:]
        if isinstance(value, list) and len(value) == 2:
            rows.append((label, f"{change_text(value[0])} → {change_text(value[1])}"))
        else:
            rows.append((label, change_text(value)))
    return rows
