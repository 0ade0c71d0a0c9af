"""``manage.py ingest_document [--json] FILE_OR_DIRECTORY...``: read EDI files outside the web flow.

For partners' EDI teams and for debugging the parsers: prints, per file, every message of the
interchange normalised (type, number, parties, currency, lines, totals reconciled to the cent,
findings) or the reason the file cannot be read. A directory is read recursively. Nothing is
stored. No input gives a traceback; the exit code is 1 if any file was rejected.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.edi.report import describe

logger = logging.getLogger(__name__)


def _files(names: list[str]) -> list[Path]:
    paths: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            paths.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        else:
            paths.append(path)
    return paths


def report_file(path: Path) -> dict:
    try:
        content = path.read_bytes()
    except OSError as error:
        return {"file": str(path), "status": "rejected", "reason": f"Cannot open the file: "
                f"{error.strerror or error.__class__.__name__}."}  # fmt: skip
    max_bytes = getattr(settings, "INTEGRATIONS_EDI_MAX_BYTES", 64 * 1024 * 1024)
    try:
        return describe(content, name=str(path), max_bytes=max_bytes)
    except Exception as exc:  # noqa: BLE001 - a report, never a traceback; the cause is logged
        logger.exception("ingest_document could not read %s", path)
        return {"file": str(path), "status": "rejected",
                "reason": f"The message could not be read ({exc.__class__.__name__})."}  # fmt: skip


class Command(BaseCommand):
    help = "Read EDIFACT, X12 and UBL files and print the normalised documents (nothing stored)."

    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print one JSON document"
        )

    def handle(self, *args, files: list[str], as_json: bool = False, **options):
        reports = [report_file(path) for path in _files(files)]
        if as_json:
            self.stdout.write(json.dumps(reports, indent=2, ensure_ascii=False))
        else:
            for report in reports:
                self.stdout.write(_human(report))
        rejected = [r for r in reports if r["status"] == "rejected"]
        if rejected:
            raise CommandError(f"{len(rejected)} of {len(reports)} file(s) rejected")


def _human(report: dict) -> str:
    lines = [f"{report['file']}: {report['status']}"]
    if report["status"] == "rejected":
        lines.append(f"  reason: {report['reason']}")
    for message in report.get("messages", []):
        if message["status"] == "rejected":
            lines.append(f"  message {message['position']}: rejected: {message['reason']}")
            continue
        totals = message["totals"]
        lines.append(
            f"  message {message['position']}: {message['doc_type']} "
            f"{message['document_number'] or '(no number)'} from {message['parties']['sender']} "
            f"to {message['parties']['receiver']}, {message['line_count']} line(s), "
            f"{message['currency'] or 'no currency'}; {totals['note']}"
        )
        for finding in message["findings"]:
            lines.append(f"    {finding['severity']}: {finding['message']}")
    return "\n".join(lines) + "\n"
