"""Change counters kept by the database (tenancy.models.ChangeCounter) and ETags built on them.

A statement-level trigger bumps an organization's counter whenever rows of a watched table
change (performance: measurements and KPIs, counter "measurements"); reading the counter is one
primary-key-sized query, so a repeat read of data that did not change is answered with a 304
before the read's own query runs. Add a table to a counter in a migration with
`tenancy_bump_change_counter('<name>')` triggers (see performance/migrations/0006_*).
"""

import hashlib

from tenancy.models import ChangeCounter


def change_version(*, organization_id: int, name: str) -> int:
    """How many times the organization's `name` rows have changed (0: never since counting)."""
    version = (
        ChangeCounter.objects.filter(organization_id=organization_id, name=name)
        .values_list("version", flat=True)
        .first()
    )
    return version or 0


def versioned_etag(*parts) -> str:
    """A strong ETag over a counter's version and everything else the response depends on."""
    material = "\x1f".join(str(part) for part in parts)
    return '"' + hashlib.sha256(material.encode()).hexdigest()[:32] + '"'


def etag_matches(request, etag: str) -> bool:
    candidates = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
    return etag in candidates or "*" in candidates
