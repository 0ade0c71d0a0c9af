"""The daily risk job: one task per organization, each sending the certificate alerts, review
reminders and price-review alerts of its own tenant, and a rerun the same day sends nothing."""

from datetime import date, timedelta

import pytest

from risk import tasks
from risk.models import CertificateAlert
from tenancy.context import tenant_scope
from tenancy.models import Notification
from tests.risk.factories import InsuranceCertificateFactory, PriceMechanismFactory, RiskFactory

pytestmark = pytest.mark.django_db


def test_the_daily_job_alerts_once_and_a_rerun_is_a_no_op(org_a, org_b, manager, partnership):
    day = date(2030, 3, 1)
    with tenant_scope(org_a):
        InsuranceCertificateFactory(partnership=partnership, expires_on=day + timedelta(days=30))
        RiskFactory(partnership=partnership, owner=manager, next_review_on=day + timedelta(days=2))
        PriceMechanismFactory(partnership=partnership, next_review_on=day)
    first = tasks.risk_alerts.apply(kwargs={"organization_id": org_a.pk, "today": "2030-03-01"})
    assert first.get() == {
        "certificate_alerts": 1,
        "certificate_thresholds_skipped": 1,
        "review_reminders": 1,
        "price_review_alerts": 1,
    }
    again = tasks.risk_alerts.apply(kwargs={"organization_id": org_a.pk, "today": "2030-03-01"})
    assert set(again.get().values()) == {0}
    with tenant_scope(org_a):
        assert CertificateAlert.objects.count() == 2
        assert Notification.objects.filter(recipient=manager).count() == 3
    other = tasks.risk_alerts.apply(kwargs={"organization_id": org_b.pk, "today": "2030-03-01"})
    assert set(other.get().values()) == {0}


def test_the_scheduled_job_enqueues_one_task_per_organization(org_a, org_b, monkeypatch):
    enqueued = []
    monkeypatch.setattr(
        "tenancy.tasks.enqueue", lambda task, **kw: enqueued.append((task.name, kw))
    )
    assert tasks.risk_alerts_all_tenants() >= 2
    assert {name for name, _ in enqueued} == {"risk.tasks.risk_alerts"}
    assert {kw["organization_id"] for _, kw in enqueued} >= {org_a.pk, org_b.pk}
