"""KPIs and the KPI template library."""

from __future__ import annotations

from django.db import transaction

from partnerships.models import Partnership
from performance.models import (
    Kpi,
    KpiTemplate,
)
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.models import User
from tenancy.services import require_staff

KPI_FIELDS = (
    "code",
    "name",
    "description",
    "perspective",
    "unit",
    "direction",
    "target",
    "amber_threshold",
    "red_threshold",
    "weight",
    "frequency",
    "source",
    "formula",
    "valid_min",
    "valid_max",
)


@transaction.atomic
def kpi_template_create(*, actor: User | None, **fields) -> KpiTemplate:
    template = KpiTemplate(
        organization=require_organization(), **{k: v for k, v in fields.items() if k in KPI_FIELDS}
    )
    template.full_clean()
    template.save()
    audit_record(action="performance.kpi_template.created", actor=actor, obj=template)
    return template


@transaction.atomic
def kpi_template_delete(*, template: KpiTemplate, actor: User | None) -> None:
    """KPIs made from a template keep their own copy of its fields, so deleting it is safe."""
    audit_record(action="performance.kpi_template.deleted", actor=actor, obj=template)
    template.delete()


@transaction.atomic
def kpi_create(
    *,
    actor: User | None,
    partnership: Partnership,
    template: KpiTemplate | None = None,
    owner: User | None = None,
    **fields,
) -> Kpi:
    """Create a partnership's KPI, from a library template (fields override it) or from scratch;
    its owner, who answers for the figures, is the creator unless another is named."""
    values = {}
    if template is not None:
        values = {name: getattr(template, name) for name in KPI_FIELDS}
    values.update({k: v for k, v in fields.items() if k in KPI_FIELDS and v is not None})
    kpi = Kpi(
        organization=require_organization(),
        partnership=partnership,
        template=template,
        owner=owner or actor,
        **values,
    )
    require_staff(kpi, "owner")
    kpi.full_clean()
    kpi.save()
    audit_record(action="performance.kpi.created", actor=actor, obj=kpi, changes={"code": kpi.code})
    return kpi


@transaction.atomic
def kpi_update(*, kpi: Kpi, actor: User | None, **fields) -> Kpi:
    allowed = {k: v for k, v in fields.items() if k in KPI_FIELDS + ("owner", "is_active")}
    changes = changed_fields(kpi, allowed)
    require_staff(kpi, "owner", changes=changes)
    kpi.full_clean()
    kpi.save()
    if changes:
        audit_record(
            action="performance.kpi.updated",
            actor=actor,
            obj=kpi,
            changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
        )
    return kpi
