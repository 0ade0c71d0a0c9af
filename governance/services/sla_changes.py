"""Changes to an SLA's terms, agreed through a change request (issue #18).

A service-level change request may carry the new terms of one of its partnership's SLAs from a
month on (`SlaChange`). The change request follows governance's own flow (approvers of both
parties, decision rights); when its last required approver approves it, the SLA's new version
is created by performance's service (`performance.services.sla_version_create`), named after
the request. Approval, not implementation, creates it: the approval is the agreement of both
parties on the new terms, and the effective month already says when they apply; waiting for
"Mark implemented" would let the breach check judge months after that date by the old terms.
Governance calls performance here, never the other way round (the import contracts).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from governance.models import ChangeRequest, SlaChange
from performance.models import Sla
from tenancy.audit import audit_record
from tenancy.errors import ConflictError
from tenancy.models import User


def _terms(
    *,
    effective_from: date,
    target: Decimal,
    breach_threshold: Decimal,
    window_months: int,
    tiers,
    period_fee: Decimal | None,
) -> dict[str, Any]:
    return {
        "effective_from": effective_from,
        "target": target,
        "breach_threshold": breach_threshold,
        "window_months": window_months,
        "tiers": [(Decimal(str(t)), Decimal(str(p))) for t, p in tiers],
        "period_fee": period_fee,
    }


def _stored_terms(change: SlaChange) -> dict[str, Any]:
    return _terms(
        effective_from=change.effective_from,
        target=change.target,
        breach_threshold=change.breach_threshold,
        window_months=change.window_months,
        tiers=[(t["threshold"], t["percent_of_fee"]) for t in change.tiers],
        period_fee=change.period_fee,
    )


@transaction.atomic
def sla_change_propose(
    *,
    change_request: ChangeRequest,
    actor: User | None,
    sla: Sla,
    effective_from: date,
    target: Decimal,
    breach_threshold: Decimal,
    window_months: int = 1,
    tiers=(),
    period_fee: Decimal | None = None,
) -> SlaChange:
    """Propose (or replace, on a draft) the new terms of one SLA of the request's partnership.

    The terms are checked now by performance's rules (a month not yet judged, valid thresholds
    and tiers); the request becomes a service-level change."""
    from governance.services.change_requests import _lock, _require_draft
    from performance.services import sla_version_check

    change_request = _lock(change_request)
    _require_draft(change_request, "its SLA change is edited")
    if sla.partnership_id != change_request.partnership_id:
        raise ValidationError({"sla": "Choose an SLA of the change request's partnership."})
    terms = _terms(
        effective_from=effective_from,
        target=target,
        breach_threshold=breach_threshold,
        window_months=window_months,
        tiers=tiers,
        period_fee=period_fee,
    )
    checked = sla_version_check(sla=sla, **terms)
    change = SlaChange.objects.filter(change_request=change_request).first() or SlaChange(
        organization=change_request.organization, change_request=change_request
    )
    change.sla = sla
    change.effective_from = effective_from
    change.target = target
    change.breach_threshold = breach_threshold
    change.window_months = checked["window_months"]
    change.period_fee = period_fee
    change.tiers = [
        {"threshold": f"{t.normalize():f}", "percent_of_fee": f"{p.normalize():f}"}
        for t, p in checked["tiers"]
    ]
    change.save()
    if change_request.category != ChangeRequest.Category.SERVICE_LEVEL:
        change_request.category = ChangeRequest.Category.SERVICE_LEVEL
        change_request.save(update_fields=["category", "updated_at"])
    audit_record(
        action="governance.change_request.sla_change_proposed",
        actor=actor,
        obj=change_request,
        changes={
            "sla": sla.pk,
            "effective_from": f"{effective_from:%Y-%m}",
            "target": str(target),
            "breach_threshold": str(breach_threshold),
            "window_months": change.window_months,
            "period_fee": None if period_fee is None else str(period_fee),
            "tiers": change.tiers,
        },
    )
    return change


@transaction.atomic
def sla_change_request_create(
    *,
    actor: User | None,
    sla: Sla,
    title: str,
    now: datetime,
    effective_from: date,
    target: Decimal,
    breach_threshold: Decimal,
    window_months: int = 1,
    tiers=(),
    period_fee: Decimal | None = None,
    **fields,
) -> ChangeRequest:
    """A draft service-level change request of the SLA's partnership proposing its new terms
    (both written or neither). `fields`: the request's other fields (description, decision
    due, cost impact, …)."""
    from governance.services.change_requests import change_request_create

    fields.pop("partnership", None)
    fields.pop("category", None)
    change_request = change_request_create(
        actor=actor,
        partnership=sla.partnership,
        title=title,
        now=now,
        category=ChangeRequest.Category.SERVICE_LEVEL,
        **fields,
    )
    sla_change_propose(
        change_request=change_request,
        actor=actor,
        sla=sla,
        effective_from=effective_from,
        target=target,
        breach_threshold=breach_threshold,
        window_months=window_months,
        tiers=tiers,
        period_fee=period_fee,
    )
    return change_request


@transaction.atomic
def sla_change_withdraw(*, change_request: ChangeRequest, actor: User | None) -> None:
    """A draft no longer proposes an SLA change."""
    from governance.services.change_requests import _lock, _require_draft

    change_request = _lock(change_request)
    _require_draft(change_request, "its SLA change is edited")
    deleted, _ = SlaChange.objects.filter(change_request=change_request).delete()
    if deleted:
        audit_record(
            action="governance.change_request.sla_change_withdrawn", actor=actor, obj=change_request
        )


@transaction.atomic
def change_request_save_with_sla_change(
    *,
    change_request: ChangeRequest,
    actor: User | None,
    now: datetime,
    sla_change: dict[str, Any] | None,
    **fields,
) -> ChangeRequest:
    """Edit a draft and the SLA change it proposes (None: it proposes none), together."""
    from governance.services.change_requests import change_request_update

    change_request = change_request_update(
        change_request=change_request, actor=actor, now=now, **fields
    )
    if sla_change is None:
        sla_change_withdraw(change_request=change_request, actor=actor)
    else:
        sla_change_propose(change_request=change_request, actor=actor, **sla_change)
    return change_request


def sla_change_blockers(change_request: ChangeRequest) -> list[str]:
    """Why the proposed SLA change could not become a version now (empty: it could): a breach
    recorded since its month, a newer version, terms no longer valid."""
    from performance.services import sla_version_check

    reasons = []
    for change in SlaChange.objects.filter(
        change_request=change_request, version__isnull=True
    ).select_related("sla__kpi"):
        try:
            sla_version_check(sla=change.sla, **_stored_terms(change))
        except ValidationError as error:
            reasons.extend(f"SLA change: {m}" for m in error.messages)
        except ConflictError as error:
            reasons.append(f"SLA change: {error.message}")
    return reasons


def sla_change_apply(
    *, change_request: ChangeRequest, actor: User | None, now: datetime
) -> list[SlaChange]:
    """Create the SLA version each proposed change of an approved request describes. Called
    inside the approval's transaction: when performance refuses (a month judged meanwhile),
    the approval is refused with the reason and nothing is written."""
    from performance.services import sla_version_create

    applied = []
    for change in (
        SlaChange.objects.select_for_update(of=("self",))
        .filter(change_request=change_request, version__isnull=True)
        .select_related("sla")
    ):
        change.version = sla_version_create(
            sla=change.sla,
            actor=actor,
            now=now,
            source_reference=change_request.reference,
            **_stored_terms(change),
        )
        change.save(update_fields=["version"])
        applied.append(change)
    if applied:
        audit_record(
            action="governance.change_request.sla_change_applied",
            actor=actor,
            obj=change_request,
            changes={
                "versions": [
                    {"sla": c.sla_id, "version": c.version_id, "from": f"{c.effective_from:%Y-%m}"}
                    for c in applied
                ]
            },
        )
    return applied
