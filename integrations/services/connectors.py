"""Connectors: the feeds a partnership's messages come through. Which connector a message came
through (and whether its sender may use it), a connector's set-up and security protocol, its
lifecycle, and the late-feed job."""

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from integrations.edi import EdiParseError, ParsedDocument, detect_standard
from integrations.edi.result import ORDER
from integrations.health import FeedHealth, feed_health
from integrations.models import CONNECTOR_LIFECYCLE, CONNECTOR_ROLES, Connector, EdiDocument
from integrations.services._shared import _check_partnership
from partnerships.models import Partnership
from tenancy.audit import audit_record, lock_fresh
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import Membership, User
from tenancy.selectors import AdminsOnce, accountable
from tenancy.services import notify, require_staff

# Methods that carry any standard (the message says which); the others carry their own.
CARRIERS = {
    Connector.Method.REST_PUSH,
    Connector.Method.CSV_UPLOAD,
    Connector.Method.DROP_FOLDER,
}


class SenderRefused(EdiParseError):
    """The message reads, but its sender is not the partner's (no connector names it)."""


def normalise_identifier(value: str) -> str:
    return "".join((value or "").split()).upper()


def sender_matches(sender: str, identifiers: list[str]) -> bool:
    """The sender is one of the identifiers: compared without spaces or case; a UBL endpoint
    `scheme:value` also matches its value alone (and the other way round)."""
    sender = normalise_identifier(sender)
    if not sender:
        return False
    wanted = {normalise_identifier(i) for i in identifiers if i and i.strip()}
    return sender in wanted or sender.rsplit(":", 1)[-1] in {w.rsplit(":", 1)[-1] for w in wanted}


def connector_carries(connector: Connector, *, standard: str, doc_type: str) -> bool:
    return (
        connector.status != Connector.Status.RETIRED
        and connector.receives
        and (connector.method == standard or connector.method in CARRIERS)
        and (not connector.message_types or doc_type in connector.message_types)
    )


def _receiving_connectors(partnership_id: int) -> list[Connector]:
    return list(
        Connector.objects.filter(partnership_id=partnership_id)
        .exclude(status=Connector.Status.RETIRED)
        .exclude(direction=Connector.Direction.OUTBOUND)
        .order_by("pk")
    )


def connector_for_sender(*, document: EdiDocument, parsed: ParsedDocument) -> Connector | None:
    """The connector the message came through: one of the partnership's connectors carrying its
    standard and type whose partner identifiers name the partner's party on the message (the
    sender of an invoice or despatch advice; the supplier an order is addressed to). Without any
    connector the message is accepted unverified (the document page says so); with connectors,
    a party none of them names is refused (`SenderRefused`): a message from another company is
    never filed under this partner."""
    connectors = _receiving_connectors(document.partnership_id)
    if not connectors:
        return None
    # The partner's party on the message: who sent an invoice or a despatch advice, to whom an
    # order (the buyer's own) was addressed.
    is_order = parsed.doc_type == ORDER
    party_id = parsed.receiver_id if is_order else parsed.sender_id
    party = (
        f"The order's supplier {party_id or '(none)'}"
        if is_order
        else (f"The sender {party_id or '(none)'}")
    )
    carrying = [
        c
        for c in connectors
        if connector_carries(c, standard=parsed.standard, doc_type=parsed.doc_type)
    ]
    for connector in carrying:
        if sender_matches(party_id, connector.partner_identifiers):
            _check_connector_access(connector, document)
            return connector
    partner = document.partnership.partner.name if document.partnership_id else "the partner"
    what = (
        f"{dict(EdiDocument.Standard.choices)[parsed.standard]} "
        + dict(EdiDocument.DocType.choices)[parsed.doc_type].lower()
    )
    if not carrying:
        raise SenderRefused(
            f"No connector of this partnership carries a {what} message; set one up (or "
            "widen a connector's message types) before sending it."
        )
    known = sorted({i for c in carrying for i in c.partner_identifiers}) or ["no identifier"]
    raise SenderRefused(
        f"{party} is not one of {partner}'s identifiers on this partnership's connectors "
        f"({', '.join(known)}); the message was not accepted for this partnership."
    )


def _connector_of_unreadable(document: EdiDocument) -> Connector | None:
    """A message that cannot be read counts against its feed when only one connector of the
    partnership carries its standard."""
    holder = document.interchange if document.interchange else document
    try:
        standard = detect_standard(bytes(holder.content))
    except EdiParseError:
        return None
    carrying = [
        c
        for c in _receiving_connectors(document.partnership_id)
        if c.method == standard or c.method in CARRIERS
    ]
    return carrying[0] if len(carrying) == 1 else None


CONNECTOR_FIELDS = (
    "name",
    "method",
    "direction",
    "message_types",
    "expected_frequency",
    "partner_identifiers",
    "owner",
    "buyer_system",
    "partner_system",
    "formats_versions",
    "gaps",
    "endpoint_url",
    "allowed_roles",
    "allowed_api_keys",
    "encryption_in_transit",
    "encryption_at_rest",
    "monitoring_contact",
)


def _clean_identifiers(values) -> list[str]:
    seen: dict[str, str] = {}
    for value in values or []:
        text = " ".join(str(value).split())
        if text and normalise_identifier(text) not in seen:
            seen[normalise_identifier(text)] = text
    return list(seen.values())


def _connector_validate(connector: Connector, *, changes: Collection[str] | None = None) -> None:
    """`changes`: on an edit, the fields it changes (the owner is checked when it changes)."""
    connector.partner_identifiers = _clean_identifiers(connector.partner_identifiers)
    connector.message_types = sorted(set(connector.message_types or []))
    connector.name = (connector.name or "").strip()
    # Tidied before the model's own checks: a blank API key or a padded URL is what a person
    # typed, not an error.
    connector.endpoint_url = (connector.endpoint_url or "").strip()
    connector.monitoring_contact = " ".join((connector.monitoring_contact or "").split())
    connector.allowed_roles = sorted(set(connector.allowed_roles or []))
    connector.allowed_api_keys = sorted(
        {k.strip() for k in connector.allowed_api_keys or [] if k.strip()}
    )
    connector.full_clean(
        exclude=["organization", "partnership", "owner"], validate_constraints=False
    )
    errors = {}
    if connector.receives and not connector.partner_identifiers:
        errors["partner_identifiers"] = (
            "Name at least one identifier the partner sends from: without one, no message "
            "from this feed can be accepted."
        )
    duplicate = (
        Connector.objects.filter(partnership_id=connector.partnership_id, name=connector.name)
        .exclude(pk=connector.pk)
        .exists()
    )
    if duplicate:
        errors["name"] = "This partnership already has a connector with this name."
    try:
        require_staff(connector, "owner", changes=changes)
    except ValidationError as error:
        errors.update({field: " ".join(said) for field, said in error.message_dict.items()})
    errors.update(_connector_security_errors(connector))
    if errors:
        raise ValidationError(errors)


# The endpoint schemes each protection in transit allows; a plain http:// or ftp:// endpoint is
# refused whatever is stated.
TRANSIT_SCHEMES = {
    "tls": {"https", "ftps"},
    "ssh": {"sftp"},
    "as2": {"https"},
    "vpn": {"https", "ftps", "sftp"},
    "none": {"https", "ftps", "sftp"},
}


def _connector_security_errors(connector: Connector) -> dict[str, str]:
    """What the app can check of a connector's security protocol: the endpoint is encrypted and
    agrees with the stated protection in transit; the API keys allowed are live keys of this
    organization."""
    from urllib.parse import urlsplit

    from django.core.validators import URLValidator

    from tenancy.models import ApiKey

    errors: dict[str, str] = {}
    if connector.endpoint_url:
        scheme = urlsplit(connector.endpoint_url).scheme.lower()
        try:
            URLValidator(schemes=["http", "https", "ftp", "ftps", "sftp"])(connector.endpoint_url)
        except ValidationError:
            errors["endpoint_url"] = "Give a full address: https://…, ftps://… or sftp://…."
        else:
            if scheme in ("http", "ftp"):
                errors["endpoint_url"] = (
                    f"{scheme}:// sends messages unencrypted: use https://, ftps:// or sftp://."
                )
            elif scheme not in TRANSIT_SCHEMES[connector.encryption_in_transit]:
                errors["encryption_in_transit"] = (
                    f"A {scheme}:// endpoint is not protected by "
                    f"{connector.get_encryption_in_transit_display()}: state what protects it."
                )
    if connector.allowed_api_keys:
        live = set(
            ApiKey.objects.filter(
                organization_id=connector.organization_id, prefix__in=connector.allowed_api_keys,
                revoked_at__isnull=True,
            ).values_list("prefix", flat=True)
        )  # fmt: skip
        unknown = [k for k in connector.allowed_api_keys if k not in live]
        if unknown:
            errors["allowed_api_keys"] = (
                f"No live API key of this organization has the prefix {', '.join(unknown)}."
            )
    return errors


def connector_security_checks(connector: Connector) -> list[tuple[bool, str]]:
    """The security protocol as the connector page shows it: (met, what), for what the app
    checks and what a connector needs before it goes active."""
    from urllib.parse import urlsplit

    scheme = urlsplit(connector.endpoint_url).scheme.lower() if connector.endpoint_url else ""
    return [
        (
            connector.encryption_in_transit != "none",
            f"Encryption in transit: {connector.get_encryption_in_transit_display()}",
        ),
        (
            not scheme or scheme in {"https", "ftps", "sftp"},
            f"Endpoint {connector.endpoint_url or '(none: messages come through the API)'}"
            + (" is encrypted" if scheme in {"https", "ftps", "sftp"} else ""),
        ),
        (
            connector.encryption_at_rest != "none",
            f"Encryption at rest: {connector.get_encryption_at_rest_display()}",
        ),
        (
            bool(connector.monitoring_contact),
            f"Monitoring contact: {connector.monitoring_contact or 'none named'}",
        ),
        (
            True,
            "Access: "
            + (
                ", ".join(dict(CONNECTOR_ROLES)[r] for r in connector.allowed_roles)
                if connector.allowed_roles
                else "any role that may send"
            )
            + "; API keys: "
            + (", ".join(connector.allowed_api_keys) if connector.allowed_api_keys else "any"),
        ),  # fmt: skip
    ]


def _check_connector_access(connector: Connector, document: EdiDocument) -> None:
    """The sender matched the connector; the person and key who sent it must be allowed to use
    it (its access control). Messages without a person (feeds) are not checked by role."""
    actor_id = document.received_by_id
    if connector.allowed_roles and actor_id is not None:
        role = (
            Membership.objects.filter(
                user_id=actor_id, organization_id=document.organization_id, is_active=True
            )
            .values_list("role", flat=True)
            .first()
        )
        if role not in connector.allowed_roles:
            raise SenderRefused(
                f"Your role may not send through the connector “{connector.name}” (allowed: "
                f"{', '.join(dict(CONNECTOR_ROLES)[r] for r in connector.allowed_roles)})."
            )
    if connector.allowed_api_keys and document.received_via == EdiDocument.Channel.API:
        key = getattr(document, "sent_with_key", "")
        if key not in connector.allowed_api_keys:
            raise SenderRefused(
                f"The API key {key or '(none)'} may not push through the connector "
                f"“{connector.name}”; its allowed keys are {', '.join(connector.allowed_api_keys)}."
            )


@transaction.atomic
def connector_create(*, partnership: Partnership, actor: User, **fields) -> Connector:
    _check_partnership(partnership)
    unknown = set(fields) - set(CONNECTOR_FIELDS)
    if unknown:
        raise TypeError(f"Unknown connector fields: {sorted(unknown)}")
    connector = Connector(organization=require_organization(), partnership=partnership, **fields)
    _connector_validate(connector)
    connector.save()
    audit_record(
        action="integrations.connector.created",
        actor=actor,
        obj=connector,
        changes={name: _plain(getattr(connector, name)) for name in CONNECTOR_FIELDS},
    )
    return connector


@transaction.atomic
def connector_update(*, connector: Connector, actor: User, **fields) -> Connector:
    unknown = set(fields) - set(CONNECTOR_FIELDS)
    if unknown:
        raise TypeError(f"Unknown connector fields: {sorted(unknown)}")
    lock_fresh(connector)  # retired since the page was opened: not changed, nor brought back
    if connector.status == Connector.Status.RETIRED:
        raise ConflictError("A retired connector cannot be changed.")
    before = {name: _plain(getattr(connector, name)) for name in fields}
    for name, value in fields.items():
        setattr(connector, name, value)
    _connector_validate(
        connector, changes=[name for name in fields if before[name] != _plain(fields[name])]
    )
    connector.save()
    changes = {
        name: [before[name], _plain(getattr(connector, name))]
        for name in fields
        if before[name] != _plain(getattr(connector, name))
    }
    audit_record(
        action="integrations.connector.updated", actor=actor, obj=connector, changes=changes
    )
    return connector


def _plain(value):
    return value.pk if hasattr(value, "pk") else value


@transaction.atomic
def connector_transition(
    *, connector: Connector, actor: User, status: str, reason: str = ""
) -> Connector:
    """Activate, pause or retire a connector. Retiring is final and needs a reason."""
    connector = Connector.objects.select_for_update().get(pk=connector.pk)
    CONNECTOR_LIFECYCLE.check(connector.status, status)
    reason = (reason or "").strip()
    if status == Connector.Status.RETIRED and not reason:
        raise ValidationError({"reason": "Say why the connector is retired."})
    if status == Connector.Status.ACTIVE:
        missing = []
        if connector.encryption_in_transit == "none":
            missing.append("encryption in transit")
        if not connector.monitoring_contact:
            missing.append("a monitoring contact")
        if missing:
            raise ConflictError(
                f"A connector goes active with {' and '.join(missing)}: edit its security "
                "protocol first.",
                code="security_incomplete",
            )
    before = connector.status
    connector.status = status
    connector.save(update_fields=["status"])
    audit_record(
        action=f"integrations.connector.{status}",
        actor=actor,
        obj=connector,
        changes={"status": [before, status], **({"reason": reason} if reason else {})},
    )
    return connector


def connector_feeds_check(*, now) -> int:
    """The late-feed job: tell each late connector's owner (else its partnership's owner, else
    the admins) once per missed due time. Returns how many connectors were reported."""
    from integrations.selectors import connector_feed_stats

    connectors = list(
        Connector.objects.filter(
            status__in=[Connector.Status.ACTIVE, Connector.Status.TESTING]
        ).select_related("partnership__owner", "owner")
    )
    stats = connector_feed_stats(connectors, now=now)
    told = 0
    admins = AdminsOnce()
    for connector in connectors:
        health: FeedHealth = feed_health(connector=connector, stats=stats[connector.pk], now=now)
        if health.state != "late" or health.due_at is None:
            continue
        recipients = accountable(connector.owner, connector.partnership.owner, admins=admins)
        if not recipients:
            continue
        notify(
            recipients=recipients,
            title=f"{connector.partnership.name}: feed “{connector.name}” is late",
            body=_late_body(health, stats[connector.pk].last_received_at),
            url=reverse("connector-detail", args=[require_organization().slug, connector.pk]),
            dedupe_key=f"integrations:connector:{connector.pk}:late:{health.due_at:%Y%m%d%H%M}",
        )
        told += 1
    return told


def _late_body(health: FeedHealth, last_received_at) -> str:
    last = (
        f"The last message came on {last_received_at:%d %b %Y %H:%M}"
        if last_received_at
        else "No message has come since the connector was set up"
    )
    return f"{last}; the next was due on {health.due_at:%d %b %Y %H:%M} ({health.label.lower()})."
