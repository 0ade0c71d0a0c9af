"""Tenant export and import: an organization takes all of its data with it, and can bring it back.

`organization_export` writes one zip archive:

    manifest.json                 format, version, the organization, per table its file, row count
                                  and SHA-256, per uploaded file its SHA-256
    users.json                    every user the organization's rows name (e-mail is the key)
    tables/<app.model>.json       the rows of every tenant table, memberships included, as stored
    files/<storage name>          every uploaded file the rows name

`organization_import` restores such an archive into a database that does not hold that
organization: it checks every checksum, verifies the archived audit chain, creates the
organization, matches users by e-mail (creating the missing ones), inserts every row with a new
id (foreign keys remapped; a cycle or self-reference is filled in a second pass), stores the
files, and rebuilds the audit chain over the remapped ids so `verify_audit_chain` holds, then
appends `tenancy.organization.imported` naming the archive and the source chain's last hash (the
link between the two chains). API keys and the outbox are not exported (secrets and transient
mail); ids inside free text and JSON (notification links, audit `changes`) keep their old values.
"""

import base64
import hashlib
import json
import logging
import zipfile
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django_countries.fields import Country

from tenancy.audit import GENESIS_HASH, audit_record, event_hash
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Membership, Organization, TenantModel, User

logger = logging.getLogger(__name__)

FORMAT = "partnerline-organization-export"
VERSION = 1
# Tenant tables that do not travel: secrets (API keys are not tenant models) and what is rebuilt.
EXCLUDED = {AuditEvent}  # exported on their own, re-chained on import


class ArchiveError(Exception):
    """The archive cannot be imported; the message says why, in the user's words."""


def exported_models() -> list[type[models.Model]]:
    """Every tenant model (in a stable order), then memberships; audit events come separately."""
    tenant = sorted(
        (
            model
            for model in apps.get_models()
            if issubclass(model, TenantModel) and not model._meta.proxy and model not in EXCLUDED
        ),
        key=lambda model: model._meta.label_lower,
    )
    return [*tenant, Membership]


def _label(model) -> str:
    return model._meta.label_lower


def _row(instance: models.Model) -> dict:
    row = {}
    for f in instance._meta.concrete_fields:
        value = getattr(instance, f.attname)
        if isinstance(f, models.FileField):
            value = value.name if value else ""
        elif isinstance(value, bytes | memoryview):  # BinaryField (EDI messages as received)
            value = {"base64": base64.b64encode(bytes(value)).decode()}
        elif isinstance(value, Country):  # a CountryField: its ISO code, as stored
            value = value.code
        row[f.attname] = value
    return row


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (audit hashes cover them)."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def _dumps(value) -> bytes:
    return json.dumps(value, cls=_ExactEncoder, sort_keys=True, indent=1).encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _global_reference(f: models.Field, value):
    """Foreign keys to tables outside the organization travel as natural keys."""
    if value is None:
        return None
    if f.related_model is Permission:
        permission = Permission.objects.select_related("content_type").get(pk=value)
        return [permission.content_type.app_label, permission.codename]
    if f.related_model is ContentType:
        content_type = ContentType.objects.get_for_id(value)
        return [content_type.app_label, content_type.model]
    return value  # users: by id inside the archive, matched by e-mail on import


def organization_export(
    *, organization: Organization, destination, now: datetime, progress=None
) -> dict:
    """Write the archive of `organization` to `destination` (a path or a binary file object);
    its manifest says it was exported at `now`."""
    tables: dict[str, list[dict]] = {}
    user_ids: set[int] = set()
    files: set[str] = set()
    with tenant_scope(organization):
        for model in [*exported_models(), AuditEvent]:
            manager = model.objects if model is not Membership else Membership.objects  # type: ignore[attr-defined]
            queryset = manager.filter(organization=organization).order_by("pk")
            rows = []
            for instance in queryset.iterator(chunk_size=2000):
                row = _row(instance)
                for f in model._meta.concrete_fields:  # type: ignore[attr-defined]
                    if not f.is_relation:
                        if isinstance(f, models.FileField) and row[f.attname]:
                            files.add(row[f.attname])
                        continue
                    if f.related_model is User and row[f.attname] is not None:
                        user_ids.add(row[f.attname])
                    if not issubclass(f.related_model, TenantModel):
                        row[f.attname] = _global_reference(f, row[f.attname])
                rows.append(row)
            tables[_label(model)] = rows
            if progress:
                progress(len(tables), len(exported_models()) + 1)
    users = [
        {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "password": user.password,
            "is_active": user.is_active,
            "date_joined": user.date_joined,
        }
        for user in User.objects.filter(pk__in=user_ids).order_by("pk")
    ]
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now,
        "organization": _row(organization),
        "tables": {},
        "files": {},
    }
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        data = _dumps(users)
        archive.writestr("users.json", data)
        manifest["users"] = {"file": "users.json", "rows": len(users), "sha256": _sha256(data)}
        for label, rows in tables.items():
            data = _dumps(rows)
            name = f"tables/{label}.json"
            archive.writestr(name, data)
            manifest["tables"][label] = {"file": name, "rows": len(rows), "sha256": _sha256(data)}  # type: ignore[index]
        for name in sorted(files):
            if not default_storage.exists(name):
                # named by a row, missing in storage
                manifest["files"][name] = None  # type: ignore[index]
                continue
            with default_storage.open(name, "rb") as handle:
                data = handle.read()
            archive.writestr(f"files/{name}", data)
            manifest["files"][name] = _sha256(data)  # type: ignore[index]
        archive.writestr("manifest.json", _dumps(manifest))
    return json.loads(_dumps(manifest))


@dataclass
class ImportResult:
    organization: Organization
    id_maps: dict[str, dict[int, int]] = field(default_factory=dict)
    rows: int = 0
    files: int = 0


def _read_archive(source) -> tuple[dict, dict[str, list], list[dict], dict[str, bytes]]:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        raise ArchiveError("This is not an organization export (not a zip archive).") from None
    with archive:
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except (KeyError, ValueError):
            raise ArchiveError("The archive has no readable manifest.json.") from None
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise ArchiveError("The archive is not a Partnerline organization export, version 1.")

        def checked(name: str, expected: str) -> bytes:
            try:
                data = archive.read(name)
            except KeyError:
                raise ArchiveError(f"The archive lacks {name}.") from None
            if _sha256(data) != expected:
                raise ArchiveError(f"{name} does not match its checksum: the archive is damaged.")
            return data

        users = json.loads(checked("users.json", manifest["users"]["sha256"]))
        tables = {
            label: json.loads(checked(entry["file"], entry["sha256"]))
            for label, entry in manifest["tables"].items()
        }
        files = {
            name: checked(f"files/{name}", digest)
            for name, digest in manifest["files"].items()
            if digest is not None
        }
    return manifest, tables, users, files


def _verify_archived_chain(events: list[dict]) -> str:
    """Recompute the archived chain as it was exported; returns its last hash."""
    previous = GENESIS_HASH
    for row in sorted(events, key=lambda r: r["sequence"]):
        event = AuditEvent(**{k: v for k, v in row.items() if k != "id"})
        event.created_at = datetime.fromisoformat(row["created_at"])
        if row["previous_hash"] != previous or event_hash(event) != row["hash"]:
            raise ArchiveError(
                f"The archived audit trail is broken at event #{row['sequence']}: "
                "it was altered after export."
            )
        previous = row["hash"]
    return previous


@contextmanager
def _keep_timestamps(model_list):
    """Rows keep their stored `updated_at`: auto_now is off while they are inserted."""
    switched = []
    for model in model_list:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                switched.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in switched:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _insert_order(model_list) -> tuple[list, set[tuple[str, str]]]:
    """Models in an order where every required foreign key's target comes first; the nullable
    foreign keys that had to be cut to break a cycle are returned to fill in afterwards."""
    in_set = set(model_list)
    deferred: set[tuple[str, str]] = set()

    def graph():
        return {
            model: {
                f.related_model
                for f in model._meta.concrete_fields
                if f.is_relation
                and f.related_model in in_set
                and f.related_model is not model
                and (_label(model), f.attname) not in deferred
            }
            for model in model_list
        }

    while True:
        try:
            return list(TopologicalSorter(graph()).static_order()), deferred
        except CycleError as error:
            cycle = error.args[1]
            cut = next(
                (
                    (_label(model), f.attname)
                    for model in cycle
                    for f in model._meta.concrete_fields
                    if f.is_relation
                    and f.null
                    and f.related_model in cycle
                    and f.related_model is not model
                ),
                None,
            )
            if cut is None:
                raise
            deferred.add(cut)


def _coerce(f: models.Field, value):
    if value is None or f.is_relation:
        return value
    if isinstance(f, models.BinaryField) and isinstance(value, dict):
        return base64.b64decode(value["base64"])
    return f.to_python(value) if not isinstance(f, models.JSONField) else value


def organization_import(*, source, actor: User | None = None) -> ImportResult:
    """Restore an archive written by `organization_export` (see the module docstring)."""
    manifest, tables, users, files = _read_archive(source)
    org_row = manifest["organization"]
    if Organization.objects.filter(slug=org_row["slug"]).exists():
        raise ConflictError(
            f"An organization with the address “{org_row['slug']}” already exists here; "
            "an export is restored only into a database without it."
        )
    events = tables.pop(_label(AuditEvent), [])
    source_head = _verify_archived_chain(events)
    model_by_label = {_label(model): model for model in exported_models()}
    unknown = set(tables) - set(model_by_label)
    if unknown:
        raise ArchiveError(
            f"The archive holds tables this version does not know: {sorted(unknown)}"
        )

    with transaction.atomic():
        organization = Organization.objects.create(
            **{
                f.attname: _coerce(f, org_row[f.attname])
                for f in Organization._meta.concrete_fields
                if f.attname != "id" and f.attname in org_row
            }
        )
        result = ImportResult(organization=organization)
        user_map: dict[int, int] = {}
        for row in users:
            user = User.objects.filter(email=row["email"]).first()
            if user is None:
                user = User.objects.create(
                    email=row["email"],
                    full_name=row["full_name"],
                    password=row["password"],
                    is_active=row["is_active"],
                    date_joined=datetime.fromisoformat(row["date_joined"]),
                )
            user_map[row["id"]] = user.pk
        result.id_maps[_label(User)] = user_map
        stored_names: dict[str, str] = {}
        for name, data in files.items():
            stored_names[name] = default_storage.save(name, ContentFile(data))
        result.files = len(files)

        order, deferred = _insert_order([model_by_label[label] for label in tables])
        fill_later: list[tuple[type, int, str, int]] = []
        generic_later: list[tuple[type, int, str, int, int]] = []
        permissions: dict[tuple[str, str], int] = {}
        with tenant_scope(organization), _keep_timestamps(order):
            for model in order:
                label = _label(model)
                id_map = result.id_maps.setdefault(label, {})
                rows = sorted(tables.get(label, []), key=lambda r: r["id"])
                self_refs = [
                    f
                    for f in model._meta.concrete_fields
                    if f.is_relation and f.related_model is model
                ]
                instances = []
                for row in rows:  # self-references and cut cycles are filled in afterwards
                    values = {}
                    for f in model._meta.concrete_fields:
                        if f.attname == "id" or f.attname not in row:
                            continue
                        value = row[f.attname]
                        if f.attname == "organization_id":
                            value = organization.pk
                        elif f.is_relation and value is not None:
                            target = f.related_model
                            if target is User:
                                value = user_map[value]
                            elif target is Organization:
                                value = organization.pk
                            elif target is ContentType:
                                value = ContentType.objects.get_by_natural_key(*value).pk
                                generic_id = f.attname.removesuffix("_type_id") + "_id"
                                if generic_id in row:  # a generic reference (`x_type`, `x_id`)
                                    generic_later.append(
                                        (model, row["id"], generic_id, value, row[generic_id])
                                    )
                            elif target is Permission:
                                key = (value[0], value[1])
                                if key not in permissions:
                                    permissions[key] = Permission.objects.get(
                                        content_type__app_label=key[0], codename=key[1]
                                    ).pk
                                value = permissions[key]
                            elif f in self_refs or (label, f.attname) in deferred:
                                fill_later.append((model, row["id"], f.attname, value))
                                value = None
                            else:
                                value = result.id_maps[_label(target)][value]
                        elif isinstance(f, models.FileField):
                            value = stored_names.get(value, value)
                        else:
                            value = _coerce(f, value)
                        values[f.attname] = value
                    instances.append(model(**values))
                # One INSERT per 1,000 rows; PostgreSQL returns the new ids in order.
                model.objects.bulk_create(instances, batch_size=1000)
                for row, instance in zip(rows, instances, strict=True):
                    id_map[row["id"]] = instance.pk
                result.rows += len(instances)
            for model, old_id, attname, old_target in fill_later:
                f = model._meta.get_field(attname.removesuffix("_id"))  # type: ignore[attr-defined]
                new_target = result.id_maps[_label(f.related_model)][old_target]
                model.objects.filter(pk=result.id_maps[_label(model)][old_id]).update(  # type: ignore[attr-defined]
                    **{attname: new_target}
                )
            # Generic references (a content type and an id) point at rows of any table: their
            # ids are mapped once every table is in.
            for model, old_id, attname, content_type_id, old_target in generic_later:
                target_model = ContentType.objects.get_for_id(content_type_id).model_class()
                new_target = result.id_maps[_label(target_model)][old_target]
                model.objects.filter(pk=result.id_maps[_label(model)][old_id]).update(  # type: ignore[attr-defined]
                    **{attname: new_target}
                )
            result.rows += _rechain(events, organization, result, user_map, source_head)
            audit_record(
                action="tenancy.organization.imported",
                actor=actor,
                obj=organization,
                changes={
                    "source_chain_head": source_head,
                    "source_events": len(events),
                    "rows": result.rows,
                    "files": result.files,
                    "exported_at": manifest["exported_at"],
                },
            )
    return result


def _rechain(events, organization, result, user_map, source_head) -> int:
    """Insert the archived audit events with remapped ids, re-hashing the chain in order."""
    by_type = defaultdict(dict)  # type: ignore[var-annotated]
    for label, id_map in result.id_maps.items():
        by_type[label] = id_map
    previous = GENESIS_HASH
    rows = []
    for row in sorted(events, key=lambda r: r["sequence"]):
        object_id = row["object_id"]
        id_map = by_type.get(row["object_type"])
        if id_map and object_id.isdigit() and int(object_id) in id_map:
            object_id = str(id_map[int(object_id)])
        elif row["object_type"] == _label(Organization):
            object_id = str(organization.pk)
        event = AuditEvent(
            organization=organization,
            sequence=row["sequence"],
            actor_id=user_map.get(row["actor_id"]) if row["actor_id"] else None,
            actor_label=row["actor_label"],
            action=row["action"],
            object_type=row["object_type"],
            object_id=object_id,
            object_repr=row["object_repr"],
            changes=row["changes"],
            created_at=datetime.fromisoformat(row["created_at"]),
            previous_hash=previous,
        )
        event.hash = event_hash(event)
        previous = event.hash
        rows.append(event)
    AuditEvent.objects.bulk_create(rows, batch_size=1000)
    result.id_maps[_label(AuditEvent)] = {}
    return len(rows)


def archive_path_for(organization: Organization, folder: Path, *, now: datetime) -> Path:
    stamp = timezone.localtime(now).strftime("%Y%m%dT%H%M%S")
    return folder / f"{organization.slug}-{stamp}.partnerline.zip"


# --- the export job (the page's way in) ------------------------------------------------------


def organization_export_request(*, organization: Organization, actor: User, now: datetime):
    """An org admin asks for an export; the archive is written by a task (progress on the page).
    One export at a time per organization."""
    from tenancy.exports import OrganizationExport
    from tenancy.jobs import JOB_STATES, enqueue

    with transaction.atomic():
        busy = (
            OrganizationExport.objects.select_for_update()
            .filter(status__in=[JOB_STATES.queued, JOB_STATES.running])
            .exists()
        )
        if busy:
            raise ConflictError("An export is already being prepared; wait for it to finish.")
        export = OrganizationExport.objects.create(
            organization=organization, requested_by=actor, created_at=now
        )
        audit_record(action="tenancy.organization_export.requested", actor=actor, obj=export)
        enqueue(
            "tenancy.tasks.organization_export_run",
            organization_id=organization.pk,
            export_id=export.pk,
        )
    return export


def organization_export_run(*, export_id: int, clock: Callable[[], datetime]):
    """The task's body: write the archive into storage and mark the job done (a job already
    finished is left as it is, so a redelivered task does nothing twice). Any failure marks the
    job failed with a reason the admin sees, and nothing half-written is kept. `clock` is read
    when the job starts (its start, the manifest and the file name) and when it ends."""
    from tenancy.exports import OrganizationExport
    from tenancy.jobs import job_fail, unexpected_failure

    try:
        with transaction.atomic():
            return _organization_export_write(export_id=export_id, clock=clock)
    except Exception:  # noqa: BLE001 - reported on the page, logged with its cause
        logger.exception("organization export %s failed", export_id)
        job_fail(
            model=OrganizationExport,
            pk=export_id,
            reason=unexpected_failure("The export could not be written.", try_again=True),
            now=clock(),
        )
        return OrganizationExport.objects.get(pk=export_id)


def _organization_export_write(*, export_id: int, clock: Callable[[], datetime]):
    import tempfile

    from django.core.files import File

    from tenancy.exports import OrganizationExport
    from tenancy.jobs import JOB_LIFECYCLE, JOB_STATES, job_progress_clear, job_progress_set

    export = OrganizationExport.objects.select_for_update().get(pk=export_id)
    if export.is_finished:
        return export
    JOB_LIFECYCLE.check(export.status, JOB_STATES.running)
    now = clock()
    export.status, export.started_at = JOB_STATES.running, now
    export.save(update_fields=["status", "started_at"])
    with tempfile.TemporaryFile() as handle:
        manifest = organization_export(
            organization=export.organization,
            destination=handle,
            now=now,
            progress=lambda done, total: job_progress_set(export, 5 + 85 * done // total),
        )
        size = handle.tell()
        handle.seek(0)
        name = f"{export.organization.slug}-{now:%Y%m%dT%H%M%S}.partnerline.zip"
        export.file.save(name, File(handle), save=False)
    JOB_LIFECYCLE.check(export.status, JOB_STATES.succeeded)
    export.status, export.finished_at = JOB_STATES.succeeded, clock()
    export.progress = 100
    export.result = {
        "size": size,
        "tables": len(manifest["tables"]),
        "rows": sum(entry["rows"] for entry in manifest["tables"].values()),
        "files": len(manifest["files"]),
    }
    export.save(update_fields=["status", "finished_at", "progress", "result", "file"])
    audit_record(
        action="tenancy.organization_export.succeeded",
        actor=None,
        obj=export,
        changes=export.result,
    )
    job_progress_clear(export)
    return export
