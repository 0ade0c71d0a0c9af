"""The escalation job in a real Celery worker: it escalates an overdue action item (not a
change request), climbs one level when the deadline passes, and a rerun changes nothing."""

from datetime import timedelta

import pytest

from governance import services, tasks
from governance.models import Escalation, EscalationStep
from tenancy.context import tenant_scope
from tenancy.models import Notification
from tests.governance.conftest import NOW

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _run(org, moment):
    return tasks.escalations_advance.delay(organization_id=org.pk, now=moment.isoformat()).get(
        timeout=60
    )


def test_the_escalation_job_in_a_real_worker_is_idempotent_and_covers_action_items(
    celery_worker_process, org_a, board, partnership
):
    with tenant_scope(org_a):
        action = services.meeting_action_create(
            partnership=partnership,
            actor=board.seats["secretary"].user,
            title="Send the capacity plan",
            owner=board.seats["guest"].user,
            due_date=NOW.date() + timedelta(days=1),
            today=NOW.date(),
        )
    overdue = NOW + timedelta(days=3)
    assert _run(org_a, overdue)["raised"] == 1
    assert _run(org_a, overdue) == {"raised": 0, "advanced": 0, "resolved": 0, "notifications": 0}
    later = overdue + timedelta(days=6)
    assert _run(org_a, later)["advanced"] == 1
    assert _run(org_a, later)["advanced"] == 0
    with tenant_scope(org_a):
        escalation = Escalation.objects.get(action=action)
        assert escalation.rank == 2
        assert list(EscalationStep.objects.values_list("rank", flat=True)) == [1, 2]
        assert (
            Notification.objects.filter(
                dedupe_key=f"governance.escalation:{escalation.pk}:2"
            ).count()
            == 1
        )
