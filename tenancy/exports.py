"""An organization's data export, started from a page and downloaded when its job is done."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.jobs import Job


class OrganizationExport(Job):
    """One archive of everything the organization owns (tenancy/portability.py), written by the
    `tenancy.tasks.organization_export_run` task; `result` holds the file name, size and counts."""

    job_action_prefix = "tenancy.organization_export"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    file = models.FileField(upload_to="exports/", blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="export_by_organization")
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return f"Export of {self.created_at:%d %b %Y %H:%M}"
