"""``manage.py detect_clauses [--json] FILE...``: run the clause detector on files from disk.

For legal and for debugging the detector: prints, per file, the clauses found (clause type, the
CUAD categories it maps to, span, text, calibrated confidence, whether it needs attention, the
model score and the rules that fired, parameters) and the agreement facts. The JSON format is
documented in docs/clause-detection.md ("detect_clauses --json"). Thin on purpose: it only calls
``extract_document`` and ``detect``. A file that cannot be read reports its reason and the command
moves on; the exit code is 1 if any file failed.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contracts.detection import DocumentError, detect
from contracts.detection.extract import extract_document


class Command(BaseCommand):
    help = "Detect clause types, parameters and agreement facts in contract files (PDF/DOCX/TXT)."

    # Reads files and prints: no database, so no reason to run the system checks first.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print one JSON document"
        )

    def handle(self, *args, files: list[str], as_json: bool = False, **options):
        reports = [self._report(Path(name)) for name in files]
        if as_json:
            self.stdout.write(_dumps(reports))
        else:
            for report in reports:
                self.stdout.write(_human(report))
        failed = [report["file"] for report in reports if "error" in report]
        if failed:
            raise CommandError(f"{len(failed)} of {len(reports)} file(s) could not be analysed")

    def _report(self, path: Path) -> dict[str, object]:
        try:
            data = path.read_bytes()
        except OSError as error:
            return {"file": str(path), "error": f"cannot read {path}: {error.strerror}"}
        try:
            extracted = extract_document(data, path.name)
        except DocumentError as error:
            self.stderr.write(f"{path}: {error}")
            return {"file": str(path), "error": str(error), "error_type": type(error).__name__}
        return {
            "file": str(path),
            "ocr_pages": extracted.ocr_pages,
            **detect(extracted.text).to_dict(),
        }


def _dumps(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _human(report: dict[str, object]) -> str:
    if "error" in report:
        return f"{report['file']}: ERROR {report['error']}\n"
    lines = [f"{report['file']}:"]
    for clause in report["clauses"]:
        text = " ".join(clause["text"].split())
        attention = "!" if clause["needs_attention"] else " "
        lines.append(
            f"  {clause['code']:<30} {clause['start']:>7}-{clause['end']:<7} "
            f"{clause['confidence']:.2f}{attention} {text[:90]}"
        )
        if clause["parameters"]:
            lines.append(f"  {'':<30} parameters: {_dumps(clause['parameters'])}")
    lines.append(f"  facts: {_dumps(report['facts'])}")
    return "\n".join(lines) + "\n"
