"""The alliance's joint programmes: sourcing models, task forces, knowledge-sharing sessions
and joint supplier development. The buyer's team runs them (every service here refuses a
partner guest, who sees the joint work); a task force's members, a session's attendees and a
programme's investments name the partner's people and money as the buyer records them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from innovation.models import (
    SOURCING_MODEL_LIFECYCLE,
    SUPPLIER_PROGRAMME_LIFECYCLE,
    TASK_FORCE_LIFECYCLE,
    KnowledgeSession,
    Party,
    SessionAttendee,
    SessionMaterial,
    SourcingModel,
    SupplierInvestment,
    SupplierProgramme,
    SupplierTargetKpi,
    TaskForce,
    TaskForceMember,
    TaskForceMilestone,
)
from innovation.services._common import (
    MATERIAL_EXTENSIONS,
    MATERIAL_MAX_BYTES,
    OFFICE_EXTENSIONS,
    _buyer_only,
    _full_clean,
    _lock,
    _text,
)
from partnerships.models import Partnership
from performance.models import Kpi
from tenancy.audit import audit_record, changed_fields
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.uploads import ArchiveRefused, check_office_archive

# -- sourcing models ---------------------------------------------------------------------------


def _names(value) -> list[str]:
    """Free names from a list or from text, one per line or separated by commas; a name given
    again in other capitals ("alder gmbh" after "Alder GmbH") is the same one, kept as first
    spelt."""
    if isinstance(value, str):
        value = value.replace(",", "\n").splitlines()
    names: dict[str, str] = {}
    for item in value or []:
        name = _text(str(item))
        if name:
            names.setdefault(name.casefold(), name)
    return list(names.values())


@transaction.atomic
def sourcing_model_create(
    *,
    actor: User,
    partnership: Partnership,
    name: str,
    kind: str,
    description: str = "",
    participants=(),
    categories=(),
) -> SourcingModel:
    _buyer_only(actor, "set up a joint sourcing model")
    row = SourcingModel(
        partnership=partnership,
        name=_text(name),
        kind=kind,
        description=_text(description),
        participants=_names(participants),
        categories=_names(categories),
    )
    if len(row.participants) < 2:
        raise ValidationError(
            {"participants": "A co-developed sourcing model has at least two participants."}
        )
    _full_clean(row, exclude=["partnership"])
    row.save()
    audit_record(action="innovation.sourcing_model.created", actor=actor, obj=row)
    return row


@transaction.atomic
def sourcing_model_update(*, model: SourcingModel, actor: User, **fields: Any) -> SourcingModel:
    _buyer_only(actor, "change a joint sourcing model")
    status = fields.pop("status", None)
    for key in ("participants", "categories"):
        if key in fields:
            fields[key] = _names(fields[key])
    allowed = {
        k: v
        for k, v in fields.items()
        if k in ("name", "kind", "description", "participants", "categories")
    }
    if "participants" in allowed and len(allowed["participants"]) < 2:
        raise ValidationError(
            {"participants": "A co-developed sourcing model has at least two participants."}
        )
    changes = changed_fields(model, allowed)
    if status is not None and status != model.status:
        SOURCING_MODEL_LIFECYCLE.check(model.status, status)
        changes["status"] = [model.status, status]
        model.status = status
    _full_clean(model, exclude=["partnership"])
    model.save()
    if changes:
        audit_record(
            action="innovation.sourcing_model.updated",
            actor=actor,
            obj=model,
            changes=changes,  # as changed_fields recorded them: lists stay lists
        )
    return model


# -- task forces -------------------------------------------------------------------------------


@transaction.atomic
def task_force_create(
    *, actor: User, partnership: Partnership, name: str, category: str, mandate: str
) -> TaskForce:
    _buyer_only(actor, "set up a task force")
    row = TaskForce(
        partnership=partnership, name=_text(name), category=_text(category), mandate=_text(mandate)
    )
    _full_clean(row, exclude=["partnership"])
    row.save()
    audit_record(action="innovation.task_force.created", actor=actor, obj=row)
    return row


@transaction.atomic
def task_force_member_add(
    *, task_force: TaskForce, actor: User, name: str, party: str, role: str = ""
) -> TaskForceMember:
    _buyer_only(actor, "staff a task force")
    _lock(task_force)  # a page opened before the close adds nothing after it
    if task_force.status == TaskForce.Status.CLOSED:
        raise ConflictError("The task force is closed.", code="closed")
    row = TaskForceMember(task_force=task_force, name=_text(name), party=party, role=_text(role))
    _full_clean(row, exclude=["task_force"])
    row.save()
    audit_record(
        action="innovation.task_force.member_added",
        actor=actor,
        obj=task_force,
        changes={"member": row.name, "party": party},
    )
    return row


@transaction.atomic
def task_force_milestone_add(
    *, task_force: TaskForce, actor: User, title: str, due_on: date
) -> TaskForceMilestone:
    _buyer_only(actor, "plan a task force's milestones")
    _lock(task_force)  # a page opened before the close adds nothing after it
    if task_force.status == TaskForce.Status.CLOSED:
        raise ConflictError("The task force is closed.", code="closed")
    row = TaskForceMilestone(task_force=task_force, title=_text(title), due_on=due_on)
    _full_clean(row, exclude=["task_force"])
    row.save()
    audit_record(
        action="innovation.task_force.milestone_added",
        actor=actor,
        obj=task_force,
        changes={"milestone": row.title},
    )
    return row


@transaction.atomic
def task_force_milestone_done(
    *, milestone: TaskForceMilestone, actor: User, today: date
) -> TaskForceMilestone:
    _buyer_only(actor, "mark a task force's milestone done")
    _lock(milestone)  # done once, even from two pages
    if milestone.done_on is not None:
        raise ConflictError("This milestone is done already.", code="done")
    milestone.done_on = today
    milestone.save(update_fields=["done_on"])
    audit_record(
        action="innovation.task_force.milestone_done",
        actor=actor,
        obj=milestone.task_force,
        changes={"milestone": milestone.title},
    )
    return milestone


@transaction.atomic
def task_force_activate(*, task_force: TaskForce, actor: User) -> TaskForce:
    """A task force works across both organizations: it starts with members of each."""
    _buyer_only(actor, "start a task force")
    _lock(task_force)  # a closed task force is not reopened from a page opened before the close
    TASK_FORCE_LIFECYCLE.check(task_force.status, TaskForce.Status.ACTIVE)
    parties = set(task_force.members.values_list("party", flat=True))
    if parties != {Party.BUYER, Party.PARTNER}:
        raise ConflictError("A task force starts with members of both parties.", code="one_sided")
    task_force.status = TaskForce.Status.ACTIVE
    task_force.save(update_fields=["status"])
    audit_record(action="innovation.task_force.activated", actor=actor, obj=task_force)
    return task_force


@transaction.atomic
def task_force_close(*, task_force: TaskForce, actor: User, outcomes: str) -> TaskForce:
    _buyer_only(actor, "close a task force")
    _lock(task_force)
    TASK_FORCE_LIFECYCLE.check(task_force.status, TaskForce.Status.CLOSED)
    outcomes = _text(outcomes)
    if not outcomes:
        raise ValidationError({"outcomes": "Record the task force's outcomes when closing it."})
    task_force.status, task_force.outcomes = TaskForce.Status.CLOSED, outcomes
    task_force.save(update_fields=["status", "outcomes"])
    audit_record(action="innovation.task_force.closed", actor=actor, obj=task_force)
    return task_force


# -- knowledge-sharing sessions ----------------------------------------------------------------


@transaction.atomic
def session_create(
    *,
    actor: User,
    partnership: Partnership,
    title: str,
    held_on: date,
    agenda: str = "",
    follow_ups: str = "",
) -> KnowledgeSession:
    _buyer_only(actor, "schedule a knowledge-sharing session")
    row = KnowledgeSession(
        partnership=partnership,
        title=_text(title),
        held_on=held_on,
        agenda=_text(agenda),
        follow_ups=_text(follow_ups),
    )
    _full_clean(row, exclude=["partnership"])
    row.save()
    audit_record(action="innovation.session.created", actor=actor, obj=row)
    return row


@transaction.atomic
def session_follow_ups_set(
    *, session: KnowledgeSession, actor: User, follow_ups: str
) -> KnowledgeSession:
    _buyer_only(actor, "record a session's follow-ups")
    session.follow_ups = _text(follow_ups)
    _full_clean(session, exclude=["partnership"])
    session.save(update_fields=["follow_ups"])
    audit_record(action="innovation.session.follow_ups", actor=actor, obj=session)
    return session


@transaction.atomic
def session_attendee_add(
    *, session: KnowledgeSession, actor: User, name: str, party: str
) -> SessionAttendee:
    _buyer_only(actor, "record a session's attendees")
    row = SessionAttendee(session=session, name=_text(name), party=party)
    _full_clean(row, exclude=["session"])
    row.save()
    audit_record(
        action="innovation.session.attendee_added",
        actor=actor,
        obj=session,
        changes={"attendee": row.name, "party": party},
    )
    return row


@transaction.atomic
def session_material_add(
    *, session: KnowledgeSession, actor: User, title: str, upload
) -> SessionMaterial:
    """A material of the session: size and type checked, Office files through the tenancy
    upload helper (no decompression bombs, no XML entities)."""
    _buyer_only(actor, "add a session's material")
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith(MATERIAL_EXTENSIONS):
        raise ValidationError(
            {"file": "Upload a PDF, an Office file, a text, CSV or an image (PNG, JPG)."}
        )
    if upload.size > MATERIAL_MAX_BYTES:
        raise ValidationError({"file": "A material is at most 20 MB."})
    if name.endswith(OFFICE_EXTENSIONS):
        content = upload.read()
        upload.seek(0)
        try:
            check_office_archive(content, name="The file")
        except ArchiveRefused as error:
            raise ValidationError({"file": str(error)}) from error
    row = SessionMaterial(
        session=session, title=_text(title) or upload.name, file=upload, uploaded_by=actor
    )
    _full_clean(row, exclude=["session"])
    row.save()
    audit_record(
        action="innovation.session.material_added",
        actor=actor,
        obj=session,
        changes={"material": row.title},
    )
    return row


# -- joint supplier development ----------------------------------------------------------------


@transaction.atomic
def programme_create(
    *, actor: User, partnership: Partnership, supplier_name: str, title: str, goal: str = ""
) -> SupplierProgramme:
    _buyer_only(actor, "start a supplier development programme")
    row = SupplierProgramme(
        partnership=partnership,
        supplier_name=_text(supplier_name),
        title=_text(title),
        goal=_text(goal),
    )
    _full_clean(row, exclude=["partnership"])
    row.save()
    audit_record(action="innovation.programme.created", actor=actor, obj=row)
    return row


@transaction.atomic
def programme_transition(
    *, programme: SupplierProgramme, actor: User, status: str
) -> SupplierProgramme:
    _buyer_only(actor, "move a supplier development programme")
    _lock(programme)  # a completion and a stop of the same programme never both pass
    SUPPLIER_PROGRAMME_LIFECYCLE.check(programme.status, status)
    previous = programme.status
    programme.status = status
    programme.save(update_fields=["status"])
    audit_record(
        action="innovation.programme.moved",
        actor=actor,
        obj=programme,
        changes={"status": [previous, status]},
    )
    return programme


@transaction.atomic
def investment_add(
    *,
    programme: SupplierProgramme,
    actor: User,
    party: str,
    description: str,
    amount: Decimal,
    currency: str,
    invested_on: date,
) -> SupplierInvestment:
    _buyer_only(actor, "record an investment in a programme")
    _lock(programme)
    if programme.status in (SupplierProgramme.Status.COMPLETED, SupplierProgramme.Status.STOPPED):
        raise ConflictError("The programme is over.", code="over")
    row = SupplierInvestment(
        programme=programme,
        party=party,
        description=_text(description),
        amount=amount,
        currency=currency,
        invested_on=invested_on,
    )
    _full_clean(row, exclude=["programme"])
    row.save()
    audit_record(
        action="innovation.programme.investment_added",
        actor=actor,
        obj=programme,
        changes={"party": party, "amount": str(amount), "currency": currency},
    )
    return row


@transaction.atomic
def target_kpi_add(
    *, programme: SupplierProgramme, actor: User, kpi: Kpi, baseline: Decimal, target: Decimal
) -> SupplierTargetKpi:
    _buyer_only(actor, "set a programme's target KPIs")
    if kpi.partnership_id != programme.partnership_id:
        raise ValidationError({"kpi": "Choose a KPI of this partnership."})
    if baseline == target:
        raise ValidationError({"target": "A target differs from the baseline."})
    row = SupplierTargetKpi(programme=programme, kpi=kpi, baseline=baseline, target=target)
    _full_clean(row, exclude=["programme", "kpi"])
    row.save()
    audit_record(
        action="innovation.programme.target_added",
        actor=actor,
        obj=programme,
        changes={"kpi": kpi.code, "baseline": str(baseline), "target": str(target)},
    )
    return row
