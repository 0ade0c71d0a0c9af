"""schemathesis over the whole API, against the app served by this test run.

Every operation of /api/schema/, as the demo organization's admin with an API key, with the
checks not_a_server_error, response_schema_conformance, status_code_conformance and
content_type_conformance, in three runs:

1. the schema's examples and the coverage phase, then fuzzing, with each `{id}` set to one of the
   demo's real rows (`real_ids`), so the cases reach the operation's rules instead of a 404;
2. the stateful phase, which chains operations by itself (it creates a record and goes on with
   the id it gets back);
3. revoking an API key, alone and last (it would revoke the key the other runs use).

Each run has its own time budget, and the test checks in schemathesis' summary that every phase
asked for ran (a phase out of time is marked skipped, and used to pass unnoticed).

Any finding fails the test; nothing is excluded. Each run is bounded by schemathesis' own time
budget (`--max-time`), so the test takes about three minutes of one CI process (CI runs without
coverage since 28 November 2026, so the same budget tries about 1.4 times the cases it did).
The seed is fixed so a red build is reproducible; set SCHEMATHESIS_SEED to explore other inputs
locally.
"""

import os
import re
import subprocess
import sys
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import resolve
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from tenancy.access.throttling import TenantRateThrottle
from tenancy.context import tenant_scope
from tenancy.models import Organization, Role, User
from tenancy.services import api_key_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.heavy(seconds=180)]

CHECKS = (
    "not_a_server_error,response_schema_conformance,status_code_conformance,"
    "content_type_conformance"
)
# Seconds per run (schemathesis' --max-time); SCHEMATHESIS_MAX_TIME scales the first three.
MAX_TIME_SECONDS = int(os.environ.get("SCHEMATHESIS_MAX_TIME", "60"))
FUZZING_MAX_TIME = MAX_TIME_SECONDS * 3 // 4
STATEFUL_MAX_TIME = MAX_TIME_SECONDS * 3 // 4
REVOKE_MAX_TIME = 10
OPERATION_LINE = re.compile(r"^\s+- (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /")
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261126")


def test_schemathesis_finds_no_server_error_and_no_schema_deviation(
    live_server, tmp_path, monkeypatch
):
    # The rate limits have their own tests (tests/tenancy/test_rate_limits_and_headers.py);
    # here they would turn most of the fuzzing budget into 429s and leave operations untested.
    monkeypatch.setattr(
        TenantRateThrottle,
        "THROTTLE_RATES",
        {"api_key": "1000000/min", "organization": "1000000/min"},
    )
    call_command("seed_demo", stdout=StringIO())
    organization = Organization.objects.get(slug="northwind")
    admin = User.objects.get(
        memberships__organization=organization, memberships__role=Role.ORG_ADMIN
    )
    _, key = api_key_create(
        organization=organization, user=admin, name="schemathesis", now=timezone.now()
    )
    # Revoking an API key is fuzzed too, but on its own afterwards: once the fuzzer has revoked
    # the very key it authenticates with, every later request would only test the 401.
    revoke = r"/api-keys/\{id\}/revoke/"
    everything_else = ["--exclude-path-regex", revoke]
    ids = real_ids(organization)
    # Most `{id}` paths find a demo row (row-level security once hid them all but two).
    assert len(ids) > 200, sorted(ids)
    # Each phase has its own time budget: sharing one, the coverage phase (which reaches the
    # operations' rules now that the ids are real) could use all of it and leave fuzzing out.
    _run_schemathesis(
        live_server, tmp_path, key, everything_else, phases="examples,coverage", ids=ids
    )
    _run_schemathesis(
        live_server,
        tmp_path,
        key,
        everything_else,
        phases="fuzzing",
        ids=ids,
        max_time=FUZZING_MAX_TIME,
    )
    # The stateful phase chains the operations itself (it creates a record and goes on with the
    # id it gets back), so it gets no fixed ids.
    _run_schemathesis(
        live_server,
        tmp_path,
        key,
        everything_else,
        phases="stateful",
        max_time=STATEFUL_MAX_TIME,
    )
    # One operation: its coverage phase and a few seconds of fuzzing say all there is to say (the
    # whole budget went to 1,500 cases of the same 401 once the key had revoked itself).
    _run_schemathesis(
        live_server,
        tmp_path,
        key,
        ["--include-path-regex", revoke],
        phases="coverage,fuzzing",
        max_time=REVOKE_MAX_TIME,
    )


def real_ids(organization) -> dict[str, int]:
    """For each path with an `{id}`, the id of one of the demo organization's rows that the
    operation serves, so the fuzzer reaches the operation's rules rather than its 404 (random
    ids never exist; junk ids and other tenants' ids have their own tests in tests/isolation/)."""
    generator = SchemaGenerator()
    ids = {}
    for path in generator.get_schema(request=None, public=True)["paths"]:
        if "{id}" not in path:
            continue
        example = path.replace("{org_slug}", organization.slug).replace("{id}", "1")
        example = re.sub(r"\{\w+\}", "1", example)
        view = resolve(example).func
        model = getattr(getattr(view, "cls", None), "model", None)
        if model is None:
            continue
        with tenant_scope(organization):  # row-level security shows no row outside it
            pk = model.objects.order_by("pk").values_list("pk", flat=True).first()
        if pk is not None:
            ids[path] = pk
    return ids


def _run_schemathesis(
    live_server, tmp_path, key, selection, *, phases, max_time=MAX_TIME_SECONDS, ids=None
):
    config = tmp_path / "schemathesis.toml"
    lines = ["[parameters]", 'org_slug = "northwind"', ""]
    for path, pk in sorted((ids or {}).items()):
        lines += ["[[operations]]", f'include-path = "{path}"', f"parameters = {{ id = {pk} }}", ""]
    config.write_text("\n".join(lines))
    # The schema is fetched here, with time to spare, and given as a file: schemathesis' own
    # loader gives up after 10 seconds, which a loaded machine's first schema build can take.
    schema = tmp_path / "schema.json"
    if not schema.exists():
        request = urllib.request.Request(
            f"{live_server.url}/api/schema/?format=json",
            headers={"Authorization": f"Bearer {key}"},
        )
        with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 - our server
            schema.write_bytes(response.read())
    executable = Path(sys.executable).with_name("schemathesis")
    command = [
        str(executable),
        "--no-color",
        "--config-file",
        str(config),
        "run",
        str(schema),
        "--url",
        live_server.url,
        *selection,
        "--header",
        f"Authorization: Bearer {key}",
        "--checks",
        CHECKS,
        "--phases",
        phases,
        "--max-examples",
        "10",
        "--max-time",
        str(max_time),
        "--workers",
        "1",
        "--seed",
        SEED,
        "--request-timeout",
        "30",
        "--output-truncate",
        "true",
    ]
    result = subprocess.run(
        command,
        cwd=tmp_path,  # schemathesis' and hypothesis' caches stay out of the repository
        capture_output=True,
        text=True,
        timeout=max_time + 240,
        check=False,
    )
    # The warnings list every operation they concern; leave those lists out so the failures
    # themselves (printed first) survive the report's length limit.
    kept = [line for line in result.stdout.splitlines() if not OPERATION_LINE.match(line)]
    report = "\n".join(kept)[:30000] + result.stderr[-5000:]
    assert result.returncode == 0, report
    tested = re.search(r"Tested: (\d+)", result.stdout)
    assert tested and int(tested[1]) > 0, report  # a schema read as nothing tests nothing
    # Each phase asked for ran and passed: the summary marks it ✅ (⏭ is skipped, "not
    # applicable" or out of time).
    for phase in phases.split(","):
        if phase == "examples":  # only where the schema has examples
            continue
        assert re.search(rf"^\s*✅ {phase.title()}\s*$", result.stdout, re.M), (
            f"the {phase} phase did not run:\n{report}"
        )
    # Operations that only ever got a 401 (the key stopped working) or a 429 were not tested at
    # all. A 403 is an answer: some actions are not the org admin's (a guest verifies savings).
    assert "401 Unauthorized" not in result.stdout, report
    assert "Rate limited" not in result.stdout, report
