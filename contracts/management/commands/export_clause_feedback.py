"""``manage.py export_clause_feedback [--organization SLUG] [--output FILE]``: reviewers'
corrections of detected clause types, as JSON Lines training data.

One line per correction: the segment's text and heading as the detector saw them, the type it
proposed (with its confidence and whether the model or the rules decided), the type legal chose,
and the CUAD categories of both, so that the lines can be appended to CUAD-style training data
and the model retrained (docs/clause-detection.md, "Feedback"). Each organization's corrections
are read inside its own tenant scope.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contracts.detection.taxonomy import BY_CODE
from contracts.models import ClauseFeedback
from tenancy.context import tenant_scope
from tenancy.models import Organization


def feedback_line(row: ClauseFeedback, organization: Organization) -> dict[str, object]:
    def categories(code: str) -> list[str]:
        clause_type = BY_CODE.get(code)
        return list(clause_type.cuad_categories) if clause_type else []

    return {
        "organization": organization.slug,
        "id": row.pk,
        "created_at": row.created_at.isoformat(),
        "heading": row.heading,
        "text": row.text,
        "proposed_type": row.proposed_type,
        "proposed_cuad_categories": categories(row.proposed_type),
        "corrected_type": row.corrected_type,
        "corrected_cuad_categories": categories(row.corrected_type),
        "confidence": row.confidence,
        "detection_source": row.detection_source,
    }


class Command(BaseCommand):
    help = "Export reviewers' corrections of detected clause types as JSON Lines training data."

    def add_arguments(self, parser):
        parser.add_argument("--organization", metavar="SLUG", help="one organization only")
        parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")

    def handle(self, *args, organization: str | None = None, output: str | None = None, **opts):
        organizations = Organization.objects.order_by("slug")
        if organization:
            organizations = organizations.filter(slug=organization)
            if not organizations.exists():
                raise CommandError(f"No organization with the address “{organization}”.")
        lines = []
        for org in organizations:
            with tenant_scope(org):
                rows = ClauseFeedback.objects.filter(organization=org).order_by("created_at", "pk")
                lines.extend(
                    json.dumps(feedback_line(row, org), ensure_ascii=False) for row in rows
                )
        if output:
            Path(output).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        else:
            for line in lines:
                self.stdout.write(line)
        count = len(lines)
        self.stderr.write(f"{count} correction(s) exported")
