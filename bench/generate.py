"""Generate the benchmark data: one large tenant and many small ones, with PostgreSQL COPY.

    python -m bench.generate [--scale 1.0] [--seed 20261101] [--force]

At scale 1 the large tenant has 2,000 partnerships, 10,000 agreements, 100,000 clauses, 40,000
KPIs, 2,000,000 measurements, SLAs on one KPI in four, a year of scorecards, 20,000 change
requests and 4,000 EDIFACT orders and invoices with 200,000 lines; 100 small tenants
sit beside it. Rows go into the real tables of a separate database (`partnerline_bench` on the
server of DATABASE_URL; the development database is never touched), created and migrated here.

The load is a system job: it runs on the login (owner) role with a direct psycopg connection,
sets `app.organization_id` per tenant so row-level security holds even for an owner that is not
a superuser, and skips foreign-key triggers (`session_replication_role = replica`) when the login
role is a superuser: the ids are consistent by construction.

Deterministic: the same seed, scale and end period give the same rows (the SHA-256 of every row
written is the checksum). Every concrete column the generator does not set is filled from the
model's default, so a module adding a field with a default does not break it; a new required
field without a default stops it with the field's name.

Change requests come with one partner guest per partnership (invited through the guardian
permission) and the approvers of both parties, consistent with each request's state.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
BENCH_DATABASE = "partnerline_bench"
SETTINGS = "bench.settings"
DEFAULT_SEED = 20261101
# The last measured month. Fixed, not "last month", so the same seed always gives the same rows.
END_PERIOD = date(2026, 10, 1)
# Every timestamp the generator writes (created_at, updated_at ...): fixed for determinism.
NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
LARGE_SLUG = "bench-large"
SMALL_SLUG = "bench-small-{:03d}"
USER_DOMAIN = "bench.example"

# What the issue asks of the large tenant at scale 1, and how the generator gets there.
TARGETS = {
    "partnerships": 2_000,
    "agreements": 10_000,
    "clauses": 100_000,
    "kpis": 40_000,
    "measurements": 2_000_000,
    "change requests": 20_000,
    "EDI document lines": 200_000,
}
NOT_YET: dict[str, str] = {}


@dataclass(frozen=True)
class TenantShape:
    slug: str
    name: str
    users: int
    partnerships: int
    agreements_per_partnership: int
    clauses_per_agreement: int
    kpis_per_partnership: int
    periods: int
    sla_every: int  # one KPI in `sla_every` has an SLA
    scorecard_periods: int
    currency: str = "EUR"


def tenant_shapes(scale: float) -> list[TenantShape]:
    large = TenantShape(
        slug=LARGE_SLUG,
        name="Bench Large Procurement",
        users=25,
        partnerships=max(1, round(2_000 * scale)),
        agreements_per_partnership=5,
        clauses_per_agreement=10,
        kpis_per_partnership=20,
        periods=50,
        sla_every=4,
        scorecard_periods=12,
    )
    small = [
        TenantShape(
            slug=SMALL_SLUG.format(index),
            name=f"Bench Small {index:03d}",
            users=3,
            partnerships=10,
            agreements_per_partnership=2,
            clauses_per_agreement=5,
            kpis_per_partnership=8,
            periods=24,
            sla_every=4,
            scorecard_periods=3,
            currency=("EUR", "USD", "GBP")[index % 3],
        )
        for index in range(1, max(1, round(100 * scale)) + 1)
    ]
    return [large, *small]


# --- Database URLs and state --------------------------------------------------------------------


def database_url(name: str, base_url: str | None = None) -> str:
    """DATABASE_URL with its database replaced by `name` (same server, same login)."""
    base_url = base_url or os.environ.get("DATABASE_URL", "")
    if not base_url:
        raise SystemExit("DATABASE_URL is not set (run under scripts/with_services.py or `make`).")
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path="/" + name))


def bench_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or database_url(BENCH_DATABASE)


def conninfo(url: str) -> str:
    """psycopg takes postgres:// URLs as they are; Django's `postgresql://` alias too."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def fingerprint(*, scale: float, seed: int, end_period: date) -> str:
    """Changes when the schema (any migration), this generator or its parameters change."""
    digest = hashlib.sha256(f"{scale}:{seed}:{end_period}".encode())
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def read_state(url: str) -> dict | None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    try:
        with psycopg.connect(conninfo(database_url("postgres", url)), autocommit=True) as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [name],
            ).fetchone()
    except psycopg.OperationalError:
        return None
    if not row or not row[0]:
        return None
    try:
        return json.loads(row[0])
    except ValueError:
        return None


def write_state(url: str, state: dict) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(json.dumps(state))
            )
        )


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    if name in {"postgres", "template0", "template1"}:
        raise SystemExit(f"Refusing to recreate the {name} database.")
    with psycopg.connect(conninfo(database_url("postgres", url)), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def setup_django(url: str) -> None:
    """Configure Django on the bench database (no-op when Django is already set up)."""
    import django
    from django.conf import settings

    if settings.configured:
        return
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    sys.path.insert(0, str(ROOT))
    django.setup()


# --- Loading rows with COPY ---------------------------------------------------------------------


class GeneratorError(RuntimeError):
    pass


def _model(label: str):
    from django.apps import apps

    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _db_value(value):
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, Decimal):
        return str(value)
    return value


class Loader:
    """COPYs generated rows into the real tables and keeps a checksum of everything written."""

    def __init__(self, cursor, *, log: Callable[[str], None] = print):
        self.cursor = cursor
        self.log = log
        self.digest = hashlib.sha256()
        self.counts: dict[str, int] = {}
        self.next_ids: dict[str, int] = {}
        self.skipped: set[str] = set()
        self._existing = {
            row[0]
            for row in cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }

    def has(self, model) -> bool:
        return model is not None and model._meta.db_table in self._existing

    def ids(self, model, count: int) -> range:
        """Allocate `count` consecutive ids (tables start empty, so ids start at 1)."""
        table = model._meta.db_table if model is not None else "?"
        start = self.next_ids.get(table, 1)
        self.next_ids[table] = start + count
        return range(start, start + count)

    def _fill(self, model, field_):
        """The value of a column the generator does not set: the model's default."""
        from django.contrib.postgres.fields import ArrayField
        from django.db import models

        if isinstance(field_, ArrayField):
            return list(field_.get_default() or [])  # psycopg writes a list as an array
        if isinstance(field_, models.DateTimeField):
            return None if field_.null and not field_.has_default() else NOW
        if field_.has_default():
            value = field_.get_default()
            if isinstance(value, datetime):
                return NOW
            if isinstance(value, date):
                return NOW.date()
            return _db_value(value)
        if field_.null:
            return None
        if isinstance(field_, models.DateField):
            return NOW.date()
        if field_.blank and isinstance(field_, models.CharField | models.TextField):
            return ""
        raise GeneratorError(
            f"bench/generate.py sets no value for {model.__name__}.{field_.name}, which is "
            "required and has no default: add it to the generator."
        )

    def copy(self, model, columns: list[str], rows: Iterable[tuple]) -> int:
        """COPY `rows` (values of `columns`, by column name) into `model`'s table."""
        if not self.has(model):
            self.skipped.add(model._meta.label if model is not None else "?")
            for _ in rows:  # keep the random streams of later tables unchanged
                pass
            return 0
        from psycopg import sql

        concrete = {f.column: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in concrete]
        if unknown:
            raise GeneratorError(f"{model.__name__} has no column(s) {', '.join(unknown)}")
        rest = [f for f in model._meta.concrete_fields if f.column not in columns]
        tail = tuple(self._fill(model, f) for f in rest)
        all_columns = [*columns, *(f.column for f in rest)]
        table = model._meta.db_table
        self.digest.update(f"{table}:{all_columns}:{tail!r}".encode())
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, all_columns))
        )
        count = 0
        update = self.digest.update
        with self.cursor.copy(statement) as copy:
            write = copy.write_row
            for row in rows:
                update(repr(row).encode())
                write(row + tail)
                count += 1
        self.counts[table] = self.counts.get(table, 0) + count
        return count

    def finish(self) -> None:
        """Move every identity sequence past the ids written."""
        for table in self.counts:
            self.cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(MAX(id), 1))"
                f' FROM "{table}"',
                [table],
            )

    @property
    def checksum(self) -> str:
        return self.digest.hexdigest()


# --- The data -----------------------------------------------------------------------------------

# code, name, perspective, unit, direction, target, amber, red, valid_min, valid_max, mean, sd
KPI_KINDS = [
    ("otd", "On-time delivery", "operational", "%", "h", 95, 92, 88, 0, 100, 95.5, 2.6),
    ("quality_ppm", "Defects", "operational", "ppm", "l", 500, 800, 1200, 0, None, 520, 220),
    ("fill_rate", "Order fill rate", "customer", "%", "h", 98, 96, 93, 0, 100, 98.2, 1.4),
    ("invoice_acc", "Invoice accuracy", "financial", "%", "h", 99, 97, 95, 0, 100, 98.9, 1.1),
    ("savings", "Cost savings", "financial", "EUR", "h", 50000, 40000, 25000, 0, None, 52000, 9000),
    ("response_h", "Incident response", "customer", "h", "l", 4, 6, 8, 0, None, 4.1, 1.3),
    ("lead_time", "Lead time", "operational", "days", "l", 10, 14, 18, 0, None, 10.5, 2.2),
    ("csat", "Customer satisfaction", "customer", "%", "h", 85, 80, 75, 0, 100, 86, 4),
    ("ideas", "Improvement ideas", "innovation_learning", "count", "h", 4, 3, 1, 0, None, 4.2, 1.5),
    ("training", "Training hours", "innovation_learning", "h", "h", 40, 30, 20, 0, None, 42, 9),
]
DIRECTIONS = {"h": "higher_is_better", "l": "lower_is_better"}
STATUSES = (
    ["active"] * 14 + ["under_review"] * 2 + ["negotiating", "due_diligence", "proposed", "exiting"]
)
KINDS = [
    "strategic_partnership",
    "preferred_supplier",
    "alliance",
    "transactional",
    "joint_venture",
]
CATEGORIES = [
    "Components",
    "Logistics",
    "IT services",
    "Packaging",
    "Facilities",
    "Electronics",
    "Chemicals",
    "Pharmacy services",
    "Marketing",
    "Energy",
]
COUNTRIES = ["DE", "GB", "US", "NL", "FR", "SE", "PL", "IT", "ES", "TW", "JP", "IN"]
ROLES = ["org_admin", "procurement_manager", "legal", "finance", "committee_member", "viewer"]
AGREEMENT_TYPES = ["sow", "sla", "dpa", "sow", "amendment", "nda"]
CLAUSE_TEXT = (
    "The Supplier shall perform the Services with reasonable skill and care and in accordance "
    "with Good Industry Practice, the Specification and all applicable laws. Either party may "
    "terminate this Agreement by giving written notice if the other party commits a material "
    "breach which is not remedied within the cure period. Neither party excludes liability for "
    "death or personal injury caused by negligence, fraud or fraudulent misrepresentation."
)
CLAUSE_WORDS = CLAUSE_TEXT.split(" ")


def month_add(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class Result:
    counts: dict[str, int]
    checksum: str
    seconds: float
    skipped: list[str] = field(default_factory=list)


def _clause_types() -> list[str]:
    try:
        from contracts.detection.taxonomy import TAXONOMY
    except ImportError:
        return ["general"]
    return [clause_type.code for clause_type in TAXONOMY]


def _tenant(loader: Loader, shape: TenantShape, *, seed: int, end_period: date) -> None:
    from django.db.models import Model

    m: dict[str, type[Model] | None] = {
        label: _model(label)
        for label in (
            "tenancy.Organization", "tenancy.User", "tenancy.Membership",
            "partnerships.Partner", "partnerships.Partnership",
            "contracts.Agreement", "contracts.Clause",
            "performance.KpiTemplate", "performance.Kpi", "performance.Measurement",
            "performance.Sla", "performance.SlaCreditTier", "performance.SlaBreach",
            "performance.StandingBand", "performance.Scorecard",
        )
    }  # fmt: skip
    rng = random.Random(f"{seed}:{shape.slug}")
    cursor = loader.cursor

    (org_id,) = loader.ids(m["tenancy.Organization"], 1)
    loader.copy(
        m["tenancy.Organization"],
        ["id", "name", "slug", "default_currency", "created_at"],
        [(org_id, shape.name, shape.slug, shape.currency, NOW)],
    )
    # Row-level security: the rows of this tenant are written as this tenant (matters when the
    # login role is an owner without superuser; FORCE ROW LEVEL SECURITY binds owners too).
    cursor.execute("SELECT set_config('app.organization_id', %s, true)", [str(org_id)])

    user_ids = list(loader.ids(m["tenancy.User"], shape.users))
    loader.copy(
        m["tenancy.User"],
        ["id", "email", "full_name", "password", "is_active", "is_staff", "is_superuser"],
        [
            (uid, f"user{i:03d}@{shape.slug}.{USER_DOMAIN}", f"Bench user {i}", "!bench", True,
             False, False)
            for i, uid in enumerate(user_ids)
        ],
    )  # fmt: skip
    memberships = [
        (mid, org_id, uid, ROLES[min(i, len(ROLES) - 1)] if i < 2 else rng.choice(ROLES),
         True, NOW)
        for i, (mid, uid) in enumerate(
            zip(loader.ids(m["tenancy.Membership"], shape.users), user_ids, strict=True)
        )
    ]  # fmt: skip
    loader.copy(
        m["tenancy.Membership"],
        ["id", "organization_id", "user_id", "role", "is_active", "created_at"],
        memberships,
    )
    managers = user_ids[: max(1, len(user_ids) // 2)]
    # Who may approve change requests for the customer (tenancy.permissions: governance.approve).
    approvers = [row[2] for row in memberships if row[3] in ("org_admin", "committee_member")]

    # Partners and partnerships, one partner each.
    n = shape.partnerships
    partner_ids = list(loader.ids(m["partnerships.Partner"], n))
    partnership_ids = list(loader.ids(m["partnerships.Partnership"], n))
    loader.copy(
        m["partnerships.Partner"],
        ["id", "organization_id", "name", "legal_name", "country", "category", "tier"],
        [
            (pid, org_id, f"Partner {i:05d}", f"Partner {i:05d} Ltd", rng.choice(COUNTRIES),
             rng.choice(CATEGORIES), rng.choice(["strategic", "preferred", "approved"]))
            for i, pid in enumerate(partner_ids)
        ],
    )  # fmt: skip
    starts = [date(2019 + rng.randrange(6), rng.randrange(1, 13), 1) for _ in range(n)]
    loader.copy(
        m["partnerships.Partnership"],
        ["id", "organization_id", "partner_id", "name", "code", "kind", "status", "category",
         "owner_id", "start_date", "end_date", "annual_value", "currency", "description"],
        [
            (pid, org_id, partner_ids[i], f"Partnership {i:05d}", f"P{i:05d}", rng.choice(KINDS),
             rng.choice(STATUSES), rng.choice(CATEGORIES), rng.choice(managers), starts[i],
             month_add(starts[i], 12 * rng.randrange(3, 8)),
             f"{rng.randrange(100, 50_000) * 1000}.00", shape.currency, "")
            for i, pid in enumerate(partnership_ids)
        ],
    )  # fmt: skip

    # Agreements: an MSA per partnership, the others under it; clauses under every agreement.
    agreement_model, clause_model = m["contracts.Agreement"], m["contracts.Clause"]
    per = shape.agreements_per_partnership
    agreement_ids = list(loader.ids(agreement_model, n * per)) if agreement_model else []

    def agreements() -> Iterator[tuple]:
        for i, pid in enumerate(partnership_ids):
            msa = agreement_ids[i * per]
            for j in range(per):
                aid = agreement_ids[i * per + j]
                kind = "msa" if j == 0 else AGREEMENT_TYPES[(j - 1) % len(AGREEMENT_TYPES)]
                effective = month_add(starts[i], j * 3)
                expiry = month_add(effective, 12 * rng.randrange(2, 6))
                yield (
                    aid, org_id, pid, kind, f"{kind.upper()} {i:05d}-{j}", f"REF-{i:05d}-{j}",
                    None if j == 0 else msa, msa if kind == "amendment" else None,
                    rng.choice(managers), rng.choice(["executed"] * 6 + ["draft", "expired"]),
                    effective, expiry, "fixed", 90, f"{rng.randrange(50, 5000) * 1000}.00",
                    shape.currency, "England and Wales",
                )  # fmt: skip

    if agreement_model:
        loader.copy(
            agreement_model,
            ["id", "organization_id", "partnership_id", "agreement_type", "title", "reference",
             "parent_id", "amends_id", "owner_id", "status", "effective_date", "expiry_date",
             "term_type", "notice_period_days", "value", "currency", "governing_law"],
            agreements(),
        )  # fmt: skip
    clause_types = _clause_types()
    cpa = shape.clauses_per_agreement

    def clauses() -> Iterator[tuple]:
        words = CLAUSE_WORDS
        ids = iter(loader.ids(clause_model, len(agreement_ids) * cpa))
        for aid in agreement_ids:
            for order in range(cpa):
                ctype = clause_types[rng.randrange(len(clause_types))]
                start = rng.randrange(len(words) - 40)
                text = " ".join(words[start : start + 25 + rng.randrange(15)])
                yield (
                    next(ids), org_id, aid, ctype, ctype.replace("_", " ").capitalize(),
                    text, order, json.dumps({"notice_days": 30 * rng.randrange(1, 7)}),
                    rng.choice(["low", "medium", "medium", "high"]),
                    rng.choice(["pending", "accepted", "accepted", "redline"]),
                )  # fmt: skip

    if clause_model:
        loader.copy(
            clause_model,
            ["id", "organization_id", "agreement_id", "clause_type", "heading", "text", "order",
             "parameters", "risk", "decision"],
            clauses(),
        )  # fmt: skip

    # KPI library and KPIs: the same kinds in every partnership, two variants of each.
    template_model, kpi_model = m["performance.KpiTemplate"], m["performance.Kpi"]
    if template_model is None or kpi_model is None:
        return
    kinds = [
        (f"{kind[0]}_{variant}", f"{kind[1]} ({variant.upper()})", *kind[2:])
        for variant in ("eu", "na")
        for kind in KPI_KINDS
    ]
    template_ids = list(loader.ids(template_model, len(kinds)))
    kpi_columns = ["code", "name", "perspective", "unit", "direction", "target",
                   "amber_threshold", "red_threshold", "valid_min", "valid_max", "weight",
                   "frequency", "source"]  # fmt: skip

    def definition(kind) -> tuple:
        code, name, perspective, unit, direction, target, amber, red, low, high = kind[:10]
        return (code, name, perspective, unit, DIRECTIONS[direction], target, amber, red, low,
                high, 1, "monthly", "manual")  # fmt: skip

    loader.copy(
        template_model,
        ["id", "organization_id", *kpi_columns],
        [(tid, org_id, *definition(kind)) for tid, kind in zip(template_ids, kinds, strict=True)],
    )
    kpp = min(shape.kpis_per_partnership, len(kinds))
    kpi_ids = list(loader.ids(kpi_model, n * kpp))
    # Per KPI: (id, partnership id, kind index, quality offset in standard deviations)
    kpis = []
    for i, pid in enumerate(partnership_ids):
        quality = rng.gauss(0, 0.6)  # some partnerships are worse than others
        first = rng.randrange(len(kinds))
        for j in range(kpp):
            kpis.append((kpi_ids[i * kpp + j], pid, (first + j) % len(kinds), quality))
    loader.copy(
        kpi_model,
        ["id", "organization_id", "partnership_id", "template_id", "owner_id", "is_active",
         *kpi_columns],
        [
            (kid, org_id, pid, template_ids[k], rng.choice(managers), True, *definition(kinds[k]))
            for kid, pid, k, _ in kpis
        ],
    )  # fmt: skip

    # SLAs on one KPI in `sla_every` (decided first: the measurement loop derives the breaches
    # of every month but the last, which the benchmark's breach check finds).
    sla_model, tier_model = m["performance.Sla"], m["performance.SlaCreditTier"]
    sla_kpis = kpis[:: shape.sla_every]
    sla_ids = list(loader.ids(sla_model, len(sla_kpis)))
    slas = {}  # kpi id -> (sla id, kind, window months, fee)
    for sid, (kid, _, k, _) in zip(sla_ids, sla_kpis, strict=True):
        window = 3 if rng.random() < 0.2 else 1
        slas[kid] = (sid, kinds[k], window, rng.randrange(10, 500) * 1000)

    # Measurements: every KPI, every month, period by period (ids grow with time, as in life).
    measurement_model = m["performance.Measurement"]
    periods = [month_add(end_period, -offset) for offset in range(shape.periods - 1, -1, -1)]
    card_periods = periods[-shape.scorecard_periods :]
    card_values: dict[date, list[float | None]] = {}
    breaches: list[tuple] = []  # (sla id, pid, period, measured value, credit %, fee, kind)

    def measurements() -> Iterator[tuple]:
        ids = iter(loader.ids(measurement_model, len(kpis) * len(periods)))
        gauss, uniform = rng.gauss, rng.random
        last = periods[-1]
        windows: dict[int, list[float]] = {kid: [] for kid in slas}
        for period in periods:
            values = card_values[period] = [] if period in card_periods else None
            for kid, pid, k, quality in kpis:
                kind = kinds[k]
                sign = -1 if kind[4] == "h" else 1  # a worse partner is lower, or higher
                value = max(gauss(kind[10] + sign * quality * kind[11], kind[11]), 0.0)
                if kind[9] is not None:
                    value = min(value, float(kind[9]))
                value = round(value, 2)
                status = "pending" if period == last and uniform() < 0.02 else "approved"
                if values is not None:
                    values.append(value if status == "approved" else None)
                if kid in slas:
                    sid, sla_kind, window, fee = slas[kid]
                    history = windows[kid]
                    history.append(value)
                    if period != last:
                        measured = sum(history[-window:]) / len(history[-window:])
                        higher = sla_kind[4] == "h"
                        threshold, red = float(sla_kind[6]), float(sla_kind[7])
                        if (measured <= threshold) if higher else (measured >= threshold):
                            worst = (measured <= red) if higher else (measured >= red)
                            breaches.append((sid, pid, period, measured, 10 if worst else 5,
                                             fee, sla_kind))  # fmt: skip
                yield (next(ids), org_id, pid, kid, period, f"{value:.2f}", status, "api")

    loader.copy(
        measurement_model,
        ["id", "organization_id", "partnership_id", "kpi_id", "period_start", "value", "status",
         "source"],
        measurements(),
    )  # fmt: skip

    # The SLA breaches in `amber`, the first credit tier there too and the second at `red`.
    loader.copy(
        sla_model,
        ["id", "organization_id", "partnership_id", "kpi_id", "name", "target",
         "breach_threshold", "window_months", "period_fee", "currency", "credit_cap_percent",
         "termination_breach_count", "owner_id", "is_active"],
        [
            (sid, org_id, pid, kid, f"SLA {kind[1]}", kind[5], kind[6], window, f"{fee}.00",
             shape.currency, "20.00", 3, rng.choice(managers), True)
            for (kid, pid, _, _), (sid, kind, window, fee) in (
                (entry, slas[entry[0]]) for entry in sla_kpis
            )
        ],
    )  # fmt: skip

    def tiers() -> Iterator[tuple]:
        ids = iter(loader.ids(tier_model, 2 * len(slas)))
        for sid, kind, _, _ in slas.values():
            yield (next(ids), org_id, sid, f"{float(kind[6]):.4f}", "5.00")
            yield (next(ids), org_id, sid, f"{float(kind[7]):.4f}", "10.00")

    loader.copy(
        tier_model, ["id", "organization_id", "sla_id", "threshold", "percent_of_fee"], tiers()
    )
    breach_model = m["performance.SlaBreach"]
    recent = month_add(end_period, -6)

    def breach_rows() -> Iterator[tuple]:
        ids = iter(loader.ids(breach_model, len(breaches)))
        for sid, pid, period, measured, percent, fee, kind in breaches:
            due = month_add(period, 1).toordinal() + 30
            yield (
                next(ids), org_id, sid, pid, period, f"{measured:.4f}", f"{float(kind[6]):.4f}",
                f"{percent}.00", f"{fee * percent / 100:.2f}", shape.currency,
                date.fromordinal(due), "open" if period >= recent else "remediated", NOW,
            )  # fmt: skip

    loader.copy(
        breach_model,
        ["id", "organization_id", "sla_id", "partnership_id", "period_start", "measured_value",
         "breach_threshold", "credit_percent", "service_credit", "currency", "remediation_due",
         "status", "notified_at"],
        breach_rows(),
    )  # fmt: skip
    bands = [("Preferred", 85, 100, "none"), ("Approved", 70, 85, "none"),
             ("Probation", 50, 70, "warn"), ("Blocked", 0, 50, "block_new_sows")]  # fmt: skip
    band_model = m["performance.StandingBand"]
    loader.copy(
        band_model,
        ["id", "organization_id", "name", "min_score", "max_score", "action"],
        [
            (bid, org_id, *band)
            for bid, band in zip(loader.ids(band_model, len(bands)), bands, strict=True)
        ],
    )

    # Scorecards of the last months, computed from the measurements with the module's rules
    # (linear between red and target, weights re-normalised over KPIs with data, rolling score
    # with decay 0.8 over six months), in the shape `performance.services.scorecard_compute`
    # stores, so the pages and the PDF have real breakdowns to render.
    scorecard_model = m["performance.Scorecard"]

    def criterion(kind, value):
        if value is None:
            return None, "na"
        target, amber, red = float(kind[5]), float(kind[6]), float(kind[7])
        if kind[4] == "h":
            score = 100.0 if value >= target else 0.0 if value <= red else (value - red) / (
                target - red) * 100  # fmt: skip
            rag = "green" if value >= target else "amber" if value > amber else "red"
        else:
            score = 100.0 if value <= target else 0.0 if value >= red else (red - value) / (
                red - target) * 100  # fmt: skip
            rag = "green" if value <= target else "amber" if value < amber else "red"
        return score, rag

    def scorecards() -> Iterator[tuple]:
        ids = iter(loader.ids(scorecard_model, n * len(card_periods)))
        for index, pid in enumerate(partnership_ids):
            first, totals = index * kpp, []
            for period in card_periods:
                values = card_values[period][first : first + kpp]
                breakdown, per_perspective, weighted = [], {}, []
                for (_, _, k, _), value in zip(kpis[first : first + kpp], values, strict=True):
                    kind = kinds[k]
                    score, rag = criterion(kind, value)
                    if score is not None:
                        weighted.append(score)
                        per_perspective.setdefault(kind[2], []).append(score)
                    breakdown.append([kind, value, score, rag])
                total = sum(weighted) / len(weighted) if weighted else None
                for row in breakdown:
                    kind, value, score, rag = row
                    share = 1 / len(weighted) if score is not None else None
                    row[:] = [{
                        "code": kind[0], "name": kind[1], "perspective": kind[2], "unit": kind[3],
                        "target": f"{float(kind[5]):.4f}",
                        "value": None if value is None else f"{value:.4f}",
                        "score": None if score is None else f"{score:.2f}", "rag": rag,
                        "weight": "1.00", "effective_weight": None if share is None
                        else f"{share:.4f}",
                        "contribution": None if score is None else f"{score * share:.2f}",
                        "formula": "",
                    }]  # fmt: skip
                totals.append(total)
                recent_totals = totals[-6:][::-1]
                pairs = [(t, 0.8**i) for i, t in enumerate(recent_totals) if t is not None]
                rolling = sum(t * w for t, w in pairs) / sum(w for _, w in pairs) if pairs else None
                previous = totals[-2] if len(totals) > 1 else None
                trend = None if total is None or previous is None else total - previous
                basis = rolling if rolling is not None else total
                standing = next(
                    (b for b in bands if basis is not None and b[1] <= basis <= b[2]), None
                )
                yield (
                    next(ids), org_id, pid, period,
                    "draft" if period == end_period else "published",
                    None if total is None else f"{total:.2f}",
                    None if rolling is None else f"{rolling:.2f}",
                    None if trend is None else f"{trend:.2f}",
                    json.dumps({p: f"{sum(v) / len(v):.2f}" for p, v in per_perspective.items()}),
                    json.dumps([row[0] for row in breakdown]),
                    standing[0] if standing else "", standing[3] if standing else "",
                    None if period == end_period else NOW,
                )  # fmt: skip

    loader.copy(
        scorecard_model,
        ["id", "organization_id", "partnership_id", "period_start", "status", "total",
         "rolling_score", "trend", "perspectives", "breakdown", "standing", "standing_action",
         "published_at"],
        scorecards(),
    )  # fmt: skip

    _governance(
        loader, shape, m=_models("partnerships.PartnershipUserObjectPermission",
                                 "governance.ChangeRequest", "governance.ChangeRequestApprover"),
        rng=random.Random(f"{seed}:{shape.slug}:governance"), org_id=org_id,
        partnership_ids=partnership_ids, msa_ids=agreement_ids[::per], requesters=managers,
        approvers=approvers or managers[:1],
    )  # fmt: skip
    _integrations(
        loader, shape, m=_models("integrations.EdiDocument", "integrations.EdiDocumentLine"),
        rng=random.Random(f"{seed}:{shape.slug}:integrations"), org_id=org_id,
        partnership_ids=partnership_ids, end_period=end_period,
    )  # fmt: skip
    _risk(
        loader, m=_models("risk.Risk", "risk.InsuranceCertificate", "risk.DataBreach",
                          "risk.RiskScore", "partnerships.Partner", "partnerships.SubTierLink"),
        rng=random.Random(f"{seed}:{shape.slug}:risk"), org_id=org_id,
        partnership_ids=partnership_ids, partner_ids=partner_ids, currency=shape.currency,
        owners=managers,
    )  # fmt: skip
    from bench.finance import generate_finance  # issue 15: savings, statements, cost pools

    generate_finance(
        loader, m=_models("finance.SavingsEntry", "finance.GainShareStatement", "finance.CostPool"),
        rng=random.Random(f"{seed}:{shape.slug}:finance"), org_id=org_id,
        partnership_ids=partnership_ids, currency=shape.currency, end_period=end_period,
        month_add=month_add,
    )  # fmt: skip
    _selection(
        loader, m=_models(
            "partnerships.DueDiligenceItem", "partnerships.Exclusivity",
            "partnerships.PartnerCertification", "partnerships.SourcingCase",
            "partnerships.SourcingCandidate", "partnerships.SelectionCriterion",
            "partnerships.CandidateScore", "partnerships.TcoEstimate",
        ),
        rng=random.Random(f"{seed}:{shape.slug}:selection"), org_id=org_id,
        partner_ids=partner_ids, partnership_ids=partnership_ids, reviewers=managers,
        currency=shape.currency,
    )  # fmt: skip


DD_ITEMS = [
    ("financial", "Audited accounts reviewed", True),
    ("compliance", "Litigation history checked", True),
    ("sanctions", "Sanctions screening", True),
    ("operational", "Capacity audit", True),
    ("cybersecurity", "Security questionnaire", True),
    ("esg", "ESG rating", False),
]
REGIONS = ["EU", "North America", "Asia", "UK", "Nordics", "LATAM"]


def _selection(loader, *, m, rng, org_id, partner_ids, partnership_ids, reviewers, currency):
    """Module 1: a due-diligence checklist per partnership (six items, settled except for the
    pipeline), two certificates per partner (one in eight expired), an exclusivity scope for
    one partnership in ten (overlaps arise as in life), and one sourcing need per twenty
    partnerships with three candidates scored on six criteria and costed."""
    n = len(partnership_ids)
    dd = m["partnerships.DueDiligenceItem"]
    loader.copy(
        dd,
        ["id", "organization_id", "partnership_id", "area", "title", "mandatory", "status",
         "reviewer_id", "evidence"],
        (
            (iid, org_id, pid, area, title, mandatory,
             "open" if rng.random() < 0.05 else rng.choice(["passed", "passed", "waived"]),
             rng.choice(reviewers), "")
            for iid, (pid, (area, title, mandatory)) in zip(
                loader.ids(dd, n * len(DD_ITEMS)),
                ((pid, item) for pid in partnership_ids for item in DD_ITEMS),
                strict=True,
            )
        ),
    )  # fmt: skip
    cert = m["partnerships.PartnerCertification"]
    loader.copy(
        cert,
        ["id", "organization_id", "partner_id", "name", "issuer", "valid_until"],
        (
            (cid, org_id, partner_ids[i // 2], ("ISO 9001", "ISO 27001")[i % 2], "TÜV",
             date(2025 if rng.random() < 0.125 else 2028, rng.randrange(1, 13), 1))
            for i, cid in enumerate(loader.ids(cert, len(partner_ids) * 2))
        ),
    )  # fmt: skip
    excl = m["partnerships.Exclusivity"]
    scoped = partnership_ids[::10]
    loader.copy(
        excl,
        ["id", "organization_id", "partnership_id", "categories", "regions", "start_date",
         "end_date"],
        (
            (xid, org_id, pid, [rng.choice(CATEGORIES)], rng.sample(REGIONS, 2),
             date(2024 + rng.randrange(3), 1, 1), date(2028 + rng.randrange(3), 12, 31))
            for xid, pid in zip(loader.ids(excl, len(scoped)), scoped, strict=True)
        ),
    )  # fmt: skip
    cases = max(1, n // 20)
    case_model, cand_model = m["partnerships.SourcingCase"], m["partnerships.SourcingCandidate"]
    crit_model, score_model = m["partnerships.SelectionCriterion"], m["partnerships.CandidateScore"]
    tco_model = m["partnerships.TcoEstimate"]
    case_ids = list(loader.ids(case_model, cases))
    loader.copy(
        case_model,
        ["id", "organization_id", "title", "category", "currency", "horizon_years",
         "discount_rate", "profit_impact", "supply_risk", "status", "chosen_model"],
        [
            (cid, org_id, f"Need {i:04d}", rng.choice(CATEGORIES), currency, 5, "8.00",
             rng.randrange(1, 6), rng.randrange(1, 6), "open", "")
            for i, cid in enumerate(case_ids)
        ],
    )  # fmt: skip
    per = min(3, len(partner_ids))  # distinct partners per need
    cand_ids = list(loader.ids(cand_model, cases * per))
    loader.copy(
        cand_model,
        ["id", "organization_id", "case_id", "partner_id", "risk_score", "notes"],
        [
            (cand, org_id, case_ids[i // per],
             partner_ids[((i // per) * per + i % per) % len(partner_ids)], rng.randrange(1, 101),
             "")
            for i, cand in enumerate(cand_ids)
        ],
    )  # fmt: skip
    crit_ids = list(loader.ids(crit_model, cases * 6))
    weights = ["20.00", "15.00", "15.00", "20.00", "15.00", "15.00"]
    loader.copy(
        crit_model,
        ["id", "organization_id", "case_id", "name", "weight"],
        [
            (crit, org_id, case_ids[i // 6], f"Criterion {i % 6 + 1}", weights[i % 6])
            for i, crit in enumerate(crit_ids)
        ],
    )  # fmt: skip
    loader.copy(
        score_model,
        ["id", "organization_id", "candidate_id", "criterion_id", "score"],
        (
            (sid, org_id, cand, crit_ids[(ci // per) * 6 + k], rng.randrange(1, 6))
            for sid, (ci, cand, k) in zip(
                loader.ids(score_model, cases * per * 6),
                ((ci, cand, k) for ci, cand in enumerate(cand_ids) for k in range(6)),
                strict=True,
            )
        ),
    )  # fmt: skip

    def estimates():
        ids = iter(loader.ids(tco_model, cases * (2 + per)))
        for ci, case_id in enumerate(case_ids):
            for model in ("transactional", "strategic"):
                yield (
                    next(ids),
                    org_id,
                    case_id,
                    model,
                    None,
                    "50000.00",
                    f"{rng.randrange(500, 2000) * 1000}.00",
                    "40000.00",
                    "60000.00",
                    "0.00",
                )
            for cand in cand_ids[ci * per : ci * per + per]:
                yield (next(ids), org_id, case_id, "strategic", cand, "80000.00",
                       f"{rng.randrange(500, 2000) * 1000}.00", "20000.00", "30000.00",
                       "100000.00")  # fmt: skip

    loader.copy(
        tco_model,
        ["id", "organization_id", "case_id", "model", "candidate_id", "acquisition_cost",
         "operating_cost", "transaction_cost", "risk_cost", "switching_cost"],
        estimates(),
    )  # fmt: skip


def _models(*labels: str) -> dict:
    return {label: _model(label) for label in labels}


def _integrations(loader, shape, *, m, rng, org_id, partnership_ids, end_period) -> None:
    """Per partnership an EDIFACT order and its invoice (50 lines each in the large tenant), stored
    as the ingestion service stores them: the message as received, header, normalised lines."""
    from bench import edi

    document_model, line_model = m["integrations.EdiDocument"], m["integrations.EdiDocumentLine"]
    if not loader.has(document_model):
        loader.skipped.add("integrations.EdiDocument")
        return
    lines_per = 50 if shape.slug == LARGE_SLUG else 10
    documents, lines = [], []
    document_ids = iter(loader.ids(document_model, 2 * len(partnership_ids)))
    for i, pid in enumerate(partnership_ids):
        issued = month_add(end_period, -rng.randrange(12)).replace(day=rng.randrange(1, 28))
        pair = edi.message_pair(
            rng, index=org_id * 100_000 + i, lines=lines_per, currency=shape.currency,
            issued=issued, sender=f"{5400000000000 + i:013d}",
            receiver=f"{4300000000000 + org_id:013d}",
        )  # fmt: skip
        for message in pair:
            doc_id, content = next(document_ids), edi.edifact(message)
            received = datetime.combine(issued, datetime.min.time(), tzinfo=UTC)
            documents.append((
                doc_id, org_id, pid, "edifact", message.kind,
                "INVOIC" if message.kind == "invoice" else "ORDERS", "D:96A", "accepted",
                message.sender, message.receiver, message.control, "1", message.number,
                message.order_number if message.kind == "invoice" else "", issued,
                message.currency, str(message.total), str(message.total), str(message.total),
                len(message.lines), 0, 0, f"{message.number}.edi", len(content),
                hashlib.sha256(content).hexdigest(), content, "", "feed", received, received,
            ))  # fmt: skip
            lines += [
                (doc_id, pid, line.number, line.buyer_code, "", line.gtin, line.description,
                 str(line.quantity), line.unit, str(line.unit_price), str(line.amount),
                 message.currency)
                for line in message.lines
            ]  # fmt: skip
    loader.copy(
        document_model,
        ["id", "organization_id", "partnership_id", "standard", "doc_type", "message_type",
         "syntax_version", "status", "sender_id", "receiver_id", "interchange_control_number",
         "message_control_number", "document_number", "order_reference", "issue_date", "currency",
         "declared_total", "document_total", "line_total", "line_count", "error_count",
         "warning_count", "filename", "size", "sha256", "content", "error", "received_via",
         "received_at", "finished_at"],
        documents,
    )  # fmt: skip
    loader.copy(
        line_model,
        ["id", "organization_id", "document_id", "partnership_id", "line_number",
         "buyer_item_code", "seller_item_code", "gtin", "description", "quantity", "unit",
         "unit_price", "line_amount", "currency"],
        ((line_id, org_id, *row) for line_id, row in
         zip(loader.ids(line_model, len(lines)), lines, strict=True)),
    )  # fmt: skip


RISK_CATEGORIES = ["cyber", "supply_continuity", "financial", "regulatory", "geopolitical",
                   "reputational", "concentration", "quality"]  # fmt: skip
COVERAGES = ["product_liability", "cyber", "cargo", "workplace"]


def _risk(loader, *, m, rng, org_id, partnership_ids, partner_ids, currency, owners) -> None:
    """Per partnership five register entries (allocated to either party), two insurance
    certificates (some expiring within 60 days, some expired), a risk score; a data breach for
    one partnership in twenty, a few of them open; a sub-tier supplier graph (one sub-tier
    supplier per ten partners, each partner buying two things, one of them from two sources)
    for the single-point-of-failure search."""
    from datetime import timedelta

    risk_model, cert_model = m["risk.Risk"], m["risk.InsuranceCertificate"]
    breach_model, score_model = m["risk.DataBreach"], m["risk.RiskScore"]
    if not loader.has(risk_model):
        loader.skipped.add("risk.Risk")
        return
    n, today = len(partnership_ids), NOW.date()
    risk_ids = iter(loader.ids(risk_model, 5 * n))

    def risks() -> Iterator[tuple]:
        for pid in partnership_ids:
            for k in range(5):
                category = rng.choice(RISK_CATEGORIES)
                li, im = rng.randrange(1, 6), rng.randrange(1, 6)
                residual = (max(1, li - 1), im) if rng.random() < 0.6 else (None, None)
                allocation = rng.choice(("retained", "transferred", "shared"))
                to = "customer" if allocation == "retained" else "partner"
                basis = "" if allocation == "retained" else "Partner's control and balance sheet."
                yield (
                    next(risk_ids), org_id, pid, f"{category.replace('_', ' ').title()} risk {k}",
                    category, li, im, *residual, allocation, to, basis,
                    "closed" if rng.random() < 0.1 else "open",
                    today + timedelta(days=rng.randrange(-20, 180)), rng.choice(owners),
                )  # fmt: skip

    loader.copy(
        risk_model,
        ["id", "organization_id", "partnership_id", "title", "category", "inherent_likelihood",
         "inherent_impact", "residual_likelihood", "residual_impact", "allocation",
         "allocated_to", "allocation_basis", "status", "next_review_on", "owner_id"],
        risks(),
    )  # fmt: skip
    cert_ids = iter(loader.ids(cert_model, 2 * n))
    loader.copy(
        cert_model,
        ["id", "organization_id", "partnership_id", "coverage", "insurer", "policy_number",
         "limit", "currency", "starts_on", "expires_on", "file"],
        [(next(cert_ids), org_id, pid, COVERAGES[k], f"Insurer {rng.randrange(40)}",
          f"POL-{pid}-{k}", f"{rng.randrange(1, 50) * 500_000}.00", currency,
          (expires := today + timedelta(days=rng.randrange(-60, 400))) - timedelta(days=365),
          expires, "") for pid in partnership_ids for k in range(2)],
    )  # fmt: skip
    breached = partnership_ids[::20]
    breach_ids = iter(loader.ids(breach_model, len(breached)))
    loader.copy(
        breach_model,
        ["id", "organization_id", "partnership_id", "title", "detected_at",
         "notification_deadline", "status"],
        [(next(breach_ids), org_id, pid, "Credential leak",
          (detected := NOW - timedelta(hours=rng.randrange(1, 2000))),
          detected + timedelta(hours=72), "open" if rng.random() < 0.2 else "notified")
         for pid in breached],
    )  # fmt: skip
    supplier_model, link_model = m["partnerships.Partner"], m["partnerships.SubTierLink"]
    if loader.has(link_model):
        suppliers = list(loader.ids(supplier_model, max(3, n // 10)))
        loader.copy(
            supplier_model,
            ["id", "organization_id", "name", "legal_name", "country", "category", "tier"],
            [(sid, org_id, f"Sub-tier supplier {i:04d}", f"Sub-tier supplier {i:04d} GmbH",
              rng.choice(("DE", "CN", "TW", "PL", "MX")), "Sub-tier", "approved")
             for i, sid in enumerate(suppliers)],
        )  # fmt: skip
        edges = []
        for partner in partner_ids:
            first, second, third = rng.sample(suppliers, 3)
            edges += [(partner, first, "Castings"), (partner, second, "Electronics"),
                      (partner, third, "Electronics")]  # fmt: skip
        link_ids = iter(loader.ids(link_model, len(edges)))
        loader.copy(
            link_model,
            ["id", "organization_id", "partner_id", "supplier_id", "supplies", "critical"],
            [(next(link_ids), org_id, p, sup, what, what == "Castings") for p, sup, what in edges],
        )  # fmt: skip
    score_ids = iter(loader.ids(score_model, n))
    loader.copy(
        score_model,
        ["id", "organization_id", "partnership_id", "scored_on", "score", "breakdown",
         "buyer_threshold", "partner_threshold"],
        [(next(score_ids), org_id, pid, today, f"{rng.randrange(0, 10_000) / 100:.2f}",
          json.dumps([]), "60.00", "70.00") for pid in partnership_ids],
    )  # fmt: skip


CR_TITLES = {
    "scope": "Add {} to the statement of work",
    "price": "Index-linked price change for {}",
    "schedule": "Move the {} go-live by a quarter",
    "service_level": "Tighten the {} service level",
    "contract_term": "Extend the {} term by a year",
    "other": "Joint process change for {}",
}
CR_SUBJECTS = ["spare parts", "warehouse B", "the EU lanes", "night shifts", "the helpdesk",
               "returns handling", "packaging", "the data feed", "site 4",
               "the pilot line"]  # fmt: skip
# status, weight: most requests of a mature portfolio are decided and done.
CR_STATUSES = [("implemented", 40), ("approved", 12), ("rejected", 10), ("submitted", 15),
               ("draft", 15), ("withdrawn", 8)]  # fmt: skip


def _governance(loader, shape, *, m, rng, org_id, partnership_ids, msa_ids, requesters,
                approvers) -> None:  # fmt: skip
    """Partner guests (one per partnership, invited through the guardian permission) and
    change requests with the approvers of both parties, in every state of the lifecycle."""
    from datetime import timedelta

    cr_model, approver_model = m["governance.ChangeRequest"], m["governance.ChangeRequestApprover"]
    perm_model = m["partnerships.PartnershipUserObjectPermission"]
    if not loader.has(cr_model):
        loader.skipped.add("governance.ChangeRequest")
        return
    cursor = loader.cursor
    (view_partnership,) = cursor.execute(
        "SELECT p.id FROM auth_permission p JOIN django_content_type c ON c.id = p.content_type_id"
        " WHERE c.app_label = 'partnerships' AND c.model = 'partnership'"
        " AND p.codename = 'view_partnership'"
    ).fetchone()
    user_model, membership_model = _model("tenancy.User"), _model("tenancy.Membership")
    n = len(partnership_ids)
    guest_ids = list(loader.ids(user_model, n))
    loader.copy(
        user_model,
        ["id", "email", "full_name", "password", "is_active", "is_staff", "is_superuser"],
        [(uid, f"guest{i:05d}@partner{i:05d}.{shape.slug}.{USER_DOMAIN}", f"Partner rep {i}",
          "!bench", True, False, False) for i, uid in enumerate(guest_ids)],
    )  # fmt: skip
    loader.copy(
        membership_model,
        ["id", "organization_id", "user_id", "role", "is_active", "created_at"],
        [(mid, org_id, uid, "partner_guest", True, NOW)
         for mid, uid in zip(loader.ids(membership_model, n), guest_ids, strict=True)],
    )  # fmt: skip
    loader.copy(
        perm_model,
        ["id", "organization_id", "user_id", "permission_id", "content_object_id"],
        [(oid, org_id, uid, view_partnership, pid) for oid, uid, pid in
         zip(loader.ids(perm_model, n), guest_ids, partnership_ids, strict=True)],
    )  # fmt: skip

    per = 10 if shape.slug == LARGE_SLUG else 2
    statuses = [status for status, weight in CR_STATUSES for _ in range(weight)]
    categories = list(CR_TITLES)
    cr_ids = list(loader.ids(cr_model, n * per))
    decisions: list[tuple] = []  # (cr id, user id, party, decision, decided at)

    def change_requests() -> Iterator[tuple]:
        number = 0
        for i, pid in enumerate(partnership_ids):
            for j in range(per):
                cr_id, number = cr_ids[i * per + j], number + 1
                category, status = rng.choice(categories), rng.choice(statuses)
                age = timedelta(days=rng.randrange(1, 3 * 365), minutes=rng.randrange(600))
                if status == "draft":
                    age = timedelta(days=rng.randrange(1, 60))
                elif status == "submitted":  # recent; about half are past their decision date
                    age = timedelta(days=rng.randrange(5, 35))
                created = NOW - age
                submitted = decided = implemented = withdrawn = due = None
                if status != "draft":
                    submitted = created + timedelta(days=rng.randrange(0, 5))
                    due = submitted + timedelta(days=14)
                if status in ("approved", "implemented", "rejected"):
                    decided = submitted + timedelta(days=rng.randrange(1, 14))
                if status == "implemented":
                    implemented = decided + timedelta(days=rng.randrange(5, 60))
                if status == "withdrawn":
                    withdrawn = submitted + timedelta(days=rng.randrange(1, 10))
                customers = rng.sample(approvers, k=min(len(approvers), rng.choice((1, 1, 2))))
                people = [(uid, "customer") for uid in customers] + [(guest_ids[i], "partner")]
                refuser = rng.randrange(len(people))
                for k, (uid, party) in enumerate(people):
                    if status in ("approved", "implemented"):
                        decision = "approved"
                    elif status == "rejected":
                        decision = "rejected" if k == refuser else "approved"
                    elif status == "submitted" and rng.random() < 0.4:
                        decision = "approved"
                    else:
                        decision = "pending"
                    when = decided if status in ("approved", "implemented", "rejected") else (
                        submitted + timedelta(hours=rng.randrange(1, 48))
                        if decision == "approved" else None)  # fmt: skip
                    decisions.append((cr_id, uid, party, decision, when))
                subject = rng.choice(CR_SUBJECTS)
                cost = rng.randrange(-200, 800) * 250
                yield (
                    cr_id, org_id, pid, msa_ids[i] if msa_ids and rng.random() < 0.5 else None,
                    number, CR_TITLES[category].format(subject),
                    f"Change request {number} on partnership {i:05d}: {category} change for "
                    f"{subject}.", category, f"{cost}.00", shape.currency,
                    rng.choice((0, 0, 7, 14, 30, -7)), status, rng.choice(requesters), due,
                    submitted, decided, implemented, withdrawn,
                    "Cost impact not justified." if status == "rejected" else "",
                    0, None, created, max(t for t in (created, submitted, decided, implemented,
                                                      withdrawn) if t is not None),
                )  # fmt: skip

    loader.copy(
        cr_model,
        ["id", "organization_id", "partnership_id", "agreement_id", "number", "title",
         "description", "category", "cost_impact", "currency", "schedule_impact_days", "status",
         "requested_by_id", "decision_due", "submitted_at", "decided_at", "implemented_at",
         "withdrawn_at", "rejection_reason", "escalation_level", "escalated_at", "created_at",
         "updated_at"],
        change_requests(),
    )  # fmt: skip
    loader.copy(
        approver_model,
        ["id", "organization_id", "change_request_id", "user_id", "party", "decision",
         "decided_at", "created_at"],
        [(aid, org_id, cr_id, uid, party, decision, when, NOW) for aid, (cr_id, uid, party,
         decision, when) in zip(loader.ids(approver_model, len(decisions)), decisions,
                                strict=True)],
    )  # fmt: skip


def generate(
    connection,
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    end_period: date = END_PERIOD,
    log: Callable[[str], None] = print,
) -> Result:
    """Write every tenant through `connection` (a psycopg connection in a transaction, on the
    login role). Tables must be empty. The caller commits."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        if cursor.execute("SELECT EXISTS (SELECT 1 FROM tenancy_organization)").fetchone()[0]:
            raise GeneratorError(
                "The database already has organizations: generate into an empty one."
            )
        (is_super,) = cursor.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        if is_super:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL synchronous_commit = off")
        loader = Loader(cursor, log=log)
        for index, shape in enumerate(tenant_shapes(scale)):
            tenant_started = time.monotonic()
            _tenant(loader, shape, seed=seed, end_period=end_period)
            if index == 0:
                log(f"  large tenant {shape.slug}: {time.monotonic() - tenant_started:.1f} s")
        loader.finish()
        if is_super:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        cursor.execute("SELECT set_config('app.organization_id', '', true)")
    return Result(
        counts=loader.counts,
        checksum=loader.checksum,
        seconds=time.monotonic() - started,
        skipped=sorted(loader.skipped),
    )


def large_tenant_counts(url: str) -> dict[str, int]:
    """Rows of the large tenant per table, counted in the database (owner connection)."""
    import psycopg

    tables = {
        "partnerships": "partnerships_partnership",
        "agreements": "contracts_agreement",
        "clauses": "contracts_clause",
        "kpis": "performance_kpi",
        "measurements": "performance_measurement",
        "slas": "performance_sla",
        "sla breaches (history)": "performance_slabreach",
        "scorecards": "performance_scorecard",
        "change requests": "governance_changerequest",
        "change-request approvers": "governance_changerequestapprover",
        "EDI documents": "integrations_edidocument",
        "EDI document lines": "integrations_edidocumentline",
        "risks": "risk_risk",
        "insurance certificates": "risk_insurancecertificate",
        "sub-tier links": "partnerships_subtierlink",
        "due-diligence items": "partnerships_duediligenceitem",
        "exclusivity scopes": "partnerships_exclusivity",
        "sourcing needs": "partnerships_sourcingcase",
    }
    counts = {}
    with psycopg.connect(conninfo(url)) as conn:
        (org_id,) = conn.execute(
            "SELECT id FROM tenancy_organization WHERE slug = %s", [LARGE_SLUG]
        ).fetchone()
        conn.execute("SELECT set_config('app.organization_id', %s, true)", [str(org_id)])
        existing = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables")}
        for label, table in tables.items():
            if table in existing:
                counts[label] = conn.execute(
                    f'SELECT count(*) FROM "{table}" WHERE organization_id = %s', [org_id]
                ).fetchone()[0]
    return counts


def ensure_generated(
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    end_period: date = END_PERIOD,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> dict:
    """Create, migrate and fill the bench database unless it already holds this generation."""
    import psycopg

    url = bench_url()
    wanted = fingerprint(scale=scale, seed=seed, end_period=end_period)
    state = read_state(url)
    if not force and state and state.get("fingerprint") == wanted:
        log(f"Bench database is up to date (generated {state['generated_at']}, "
            f"checksum {state['checksum'][:12]}).")  # fmt: skip
        return state
    log(f"Generating the bench database {urlsplit(url).path.lstrip('/')} at scale {scale} "
        f"(seed {seed}) ...")  # fmt: skip
    started = time.monotonic()
    recreate_database(url)
    migrate(url)
    log(f"  created and migrated: {time.monotonic() - started:.1f} s")
    setup_django(url)
    with psycopg.connect(conninfo(url)) as conn:
        result = generate(conn, scale=scale, seed=seed, end_period=end_period, log=log)
        conn.commit()
    log(f"  rows written: {sum(result.counts.values()):,} in {result.seconds:.1f} s")
    vacuum_started = time.monotonic()
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    log(f"  VACUUM ANALYZE: {time.monotonic() - vacuum_started:.1f} s")
    state = {
        "fingerprint": wanted,
        "scale": scale,
        "seed": seed,
        "end_period": end_period.isoformat(),
        "checksum": result.checksum,
        "counts": result.counts,
        "skipped": result.skipped,
        "large_tenant": large_tenant_counts(url),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "generation_seconds": round(time.monotonic() - started, 1),
    }
    write_state(url, state)
    return state


def describe(state: dict) -> list[str]:
    lines = [f"Large tenant ({LARGE_SLUG}), scale {state['scale']}:"]
    large = state.get("large_tenant", {})
    for label, target in TARGETS.items():
        if label in NOT_YET:
            lines.append(f"  {label:<20} not generated ({NOT_YET[label]}); target {target:,}")
        else:
            got = large.get(label)
            shown = "no table" if got is None else f"{got:,}"
            lines.append(f"  {label:<20} {shown:>10}   (target at scale 1: {target:,})")
    for label in ("slas", "sla breaches (history)", "scorecards", "change-request approvers",
                  "EDI documents"):  # fmt: skip
        if label in large:
            lines.append(f"  {label:<20} {large[label]:>10,}")
    lines.append(
        f"All tenants: {sum(state['counts'].values()):,} rows in {len(state['counts'])} tables, "
        f"checksum {state['checksum'][:16]}, {state['generation_seconds']} s"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--force", action="store_true", help="regenerate even if up to date")
    args = parser.parse_args(argv)
    state = ensure_generated(scale=args.scale, seed=args.seed, force=args.force)
    print("\n".join(describe(state)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
