"""Risk services: insurance, bonds, penalties."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from partnerships.models import Partnership
from risk.models import (
    EXPIRY_THRESHOLDS,
    Bond,
    CertificateAlert,
    InsuranceCertificate,
    InsuranceRequirement,
    Penalty,
)
from risk.services._common import _full_clean, _recipients, _url
from tenancy.audit import audit_record, changed_fields
from tenancy.services import notify


@transaction.atomic
def insurance_requirement_set(
    *, actor, partnership: Partnership, coverage: str, minimum_limit: Decimal, currency: str
) -> InsuranceRequirement:
    if minimum_limit is None or minimum_limit <= 0:
        raise ValidationError({"minimum_limit": "The minimum limit must be more than zero."})
    requirement = InsuranceRequirement.objects.filter(
        partnership=partnership, coverage=coverage
    ).first() or InsuranceRequirement(partnership=partnership, coverage=coverage)
    changes = changed_fields(requirement, {"minimum_limit": minimum_limit, "currency": currency})
    _full_clean(requirement, exclude=["partnership"])
    requirement.save()
    audit_record(
        action="risk.insurance_requirement.set", actor=actor, obj=requirement, changes=changes
    )
    return requirement


@transaction.atomic
def certificate_upload(
    *,
    actor,
    partnership: Partnership,
    coverage: str,
    insurer: str,
    limit: Decimal,
    currency: str,
    starts_on: date,
    expires_on: date,
    policy_number: str = "",
    file=None,
) -> InsuranceCertificate:
    errors = {}
    if starts_on and expires_on and expires_on <= starts_on:
        errors["expires_on"] = "A certificate cannot expire before (or on the day) it starts."
    if limit is not None and limit <= 0:
        errors["limit"] = "The limit must be more than zero."
    if errors:
        raise ValidationError(errors)
    certificate = InsuranceCertificate(
        partnership=partnership,
        coverage=coverage,
        insurer=insurer.strip(),
        policy_number=policy_number.strip(),
        limit=limit,
        currency=currency,
        starts_on=starts_on,
        expires_on=expires_on,
        uploaded_by=actor,
    )
    _full_clean(certificate, exclude=["partnership", "file"])
    if file is not None:
        certificate.file.save(file.name, file, save=False)
    certificate.save()
    audit_record(
        action="risk.certificate.uploaded",
        actor=actor,
        obj=certificate,
        changes={
            "coverage": coverage,
            "limit": str(limit),
            "currency": currency,
            "starts_on": starts_on,
            "expires_on": expires_on,
            "file": certificate.file.name if certificate.file else "",
        },
    )
    return certificate


@dataclass
class AlertRun:
    sent: int = 0
    skipped: int = 0


def certificate_expiry_alerts_send(*, today: date) -> AlertRun:
    """Alert at 60, 30 and 7 days before a certificate expires, each threshold exactly once.

    The alert of a threshold is recorded in CertificateAlert (unique per certificate and
    threshold), in the same transaction as its notification, so a rerun is a no-op. When the
    job first sees a certificate after several thresholds have passed (it was uploaded late), it
    sends only the most urgent one and records the others as skipped.
    """
    run = AlertRun()
    horizon = today + timedelta(days=EXPIRY_THRESHOLDS[0])
    certificates = (
        InsuranceCertificate.objects.filter(expires_on__gte=today, expires_on__lte=horizon)
        .select_related("partnership__owner", "uploaded_by")
        .prefetch_related("alerts")
    )
    for certificate in certificates:
        days = certificate.days_left(today)
        done = {a.threshold_days for a in certificate.alerts.all()}
        due = [t for t in EXPIRY_THRESHOLDS if days <= t and t not in done]
        if not due:
            continue
        urgent = min(due)
        with transaction.atomic():
            try:
                for threshold in due:
                    with transaction.atomic():
                        CertificateAlert.objects.create(
                            certificate=certificate,
                            threshold_days=threshold,
                            sent_on=today,
                            skipped=threshold != urgent,
                        )
            except IntegrityError:
                continue  # a concurrent run recorded it first
            notify(
                recipients=_recipients(certificate.partnership),
                title=(
                    f"{certificate.get_coverage_display()} certificate of "
                    f"{certificate.partnership.name} expires "
                    + ("today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}")
                ),
                body=(
                    f"{certificate.insurer}, policy {certificate.policy_number or '—'}, expires on "
                    f"{certificate.expires_on:%d %b %Y}. Ask the partner for the renewed "
                    "certificate."
                ),
                url=_url("partnership-risk", certificate.partnership_id) + "#insurance",
                dedupe_key=f"risk.certificate:{certificate.pk}:{urgent}",
            )
            audit_record(
                action="risk.certificate.expiry_alerted",
                obj=certificate,
                changes={"threshold_days": urgent, "days_left": days, "skipped": sorted(due)[1:]},
                actor_label="system",
            )
        run.sent += 1
        run.skipped += len(due) - 1
    return run


@transaction.atomic
def bond_create(
    *,
    actor,
    partnership: Partnership,
    kind: str,
    issuer: str,
    amount: Decimal,
    currency: str,
    starts_on: date,
    expires_on: date,
    notes: str = "",
) -> Bond:
    errors = {}
    if starts_on and expires_on and expires_on <= starts_on:
        errors["expires_on"] = "A bond cannot expire before (or on the day) it starts."
    if amount is not None and amount <= 0:
        errors["amount"] = "The amount must be more than zero."
    if errors:
        raise ValidationError(errors)
    bond = Bond(
        partnership=partnership,
        kind=kind,
        issuer=issuer.strip(),
        amount=amount,
        currency=currency,
        starts_on=starts_on,
        expires_on=expires_on,
        notes=notes,
    )
    _full_clean(bond, exclude=["partnership"])
    bond.save()
    audit_record(
        action="risk.bond.created",
        actor=actor,
        obj=bond,
        changes={"kind": kind, "amount": str(amount), "currency": currency},
    )
    return bond


@transaction.atomic
def penalty_create(
    *,
    actor,
    partnership: Partnership,
    trigger: str,
    amount: Decimal,
    currency: str,
    unit: str,
    cap: Decimal | None = None,
    description: str = "",
) -> Penalty:
    errors = {}
    if amount is not None and amount <= 0:
        errors["amount"] = "The amount must be more than zero."
    if cap is not None and amount is not None and cap < amount:
        errors["cap"] = "The yearly cap cannot be below the amount of one penalty."
    if errors:
        raise ValidationError(errors)
    penalty = Penalty(
        partnership=partnership,
        trigger=trigger,
        amount=amount,
        currency=currency,
        unit=unit,
        cap=cap,
        description=description,
    )
    _full_clean(penalty, exclude=["partnership"])
    penalty.save()
    audit_record(
        action="risk.penalty.created",
        actor=actor,
        obj=penalty,
        changes={"trigger": trigger, "amount": str(amount), "unit": unit},
    )
    return penalty
