"""Relationship-health surveys."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from partnerships.models import Partnership
from performance.models import (
    HealthSurveyResponse,
)
from performance.periods import quarter_start
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.models import User


@transaction.atomic
def health_survey_submit(
    *,
    actor: User,
    partnership: Partnership,
    period_start: date,
    side: str,
    collaboration: int,
    communication: int,
    cultural_alignment: int,
    comment: str = "",
) -> HealthSurveyResponse:
    """One person's ratings (1-5) of the relationship for the quarter of `period_start`: one
    answer per person and quarter, a second refused under the quarter's field."""
    quarter = quarter_start(period_start)
    if HealthSurveyResponse.objects.filter(
        partnership=partnership, period_start=quarter, respondent=actor
    ).exists():
        raise ValidationError({"period_start": "You already rated this quarter."})
    response = HealthSurveyResponse(
        organization=require_organization(),
        partnership=partnership,
        period_start=quarter,
        side=side,
        respondent=actor,
        collaboration=collaboration,
        communication=communication,
        cultural_alignment=cultural_alignment,
        comment=comment,
    )
    response.full_clean()
    response.save()
    audit_record(action="performance.health_survey.submitted", actor=actor, obj=response)
    return response
