"""Specifications of SLA changes agreed through change requests: a service-level change request
proposes an SLA's new terms from a month on; approving it (every required approver of both
parties) creates the SLA's new version, and each month is judged by the version in force."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from governance import services
from governance.models import ChangeRequest, SlaChange
from performance import services as performance
from performance.models import SlaBreach, SlaVersion
from tenancy.errors import ConflictError
from tests.governance.conftest import NOW
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import MeasurementFactory

pytestmark = pytest.mark.django_db

DECEMBER = date(2029, 12, 1)  # the month before NOW (2030-01-10): the new terms apply at once


@pytest.fixture
def sla(scope, manager, partnership):
    """Delivery SLA agreed in January 2029: breach at 95 % or below, 5 % of EUR 10,000 at 95."""
    return make_sla(manager, partnership)


def make_sla(manager, partnership):
    kpi = performance.kpi_create(
        actor=manager,
        partnership=partnership,
        code="otd_pct",
        name="On-time delivery",
        perspective="operational",
        unit="%",
        direction="higher_is_better",
        target=Decimal("98"),
        red_threshold=Decimal("90"),
        weight=Decimal("1"),
    )
    sla = performance.sla_create(
        actor=manager,
        partnership=partnership,
        kpi=kpi,
        name="Delivery SLA",
        target=Decimal("98"),
        breach_threshold=Decimal("95"),
        period_fee=Decimal("10000.00"),
        currency="EUR",
        tiers=[(Decimal("95"), Decimal("5"))],
    )
    SlaVersion.objects.filter(sla=sla).update(effective_from=date(2029, 1, 1))
    return sla


def propose(manager, sla, **terms):
    """Stricter terms: breach at 97 % or below, 3 % of the fee at 97."""
    values = {
        "effective_from": DECEMBER,
        "target": Decimal("99"),
        "breach_threshold": Decimal("97"),
        "window_months": 1,
        "tiers": [(Decimal("97"), Decimal("3"))],
    }
    values.update(terms)
    return services.sla_change_request_create(
        actor=manager, sla=sla, title="Stricter delivery SLA", now=NOW, **values
    )


def submitted(manager, change_request, approvers):
    for user in approvers:
        services.change_request_approver_add(
            change_request=change_request, user=user, actor=manager
        )
    return services.change_request_submit(change_request=change_request, actor=manager, now=NOW)


def approve_all(change_request, approvers):
    for user in approvers:
        change_request = services.change_request_approve(
            change_request=change_request, approver=user, now=NOW
        )
    return change_request


def measure(sla, month, value):
    MeasurementFactory(
        organization=sla.organization, kpi=sla.kpi, period_start=month, value=Decimal(value)
    )


def test_an_approved_sla_change_judges_months_from_its_date_by_the_new_terms_only(
    scope, manager, committee, guest, sla
):
    measure(sla, date(2029, 11, 1), "96")  # old terms: no breach
    measure(sla, DECEMBER, "96")  # new terms: a breach, credited 3 % of 10,000
    change_request = submitted(manager, propose(manager, sla), [committee, guest])
    change_request = approve_all(change_request, [committee, guest])
    assert change_request.status == ChangeRequest.Status.APPROVED

    version = SlaVersion.objects.get(sla=sla, effective_from=DECEMBER)
    assert (version.breach_threshold, version.source_reference) == (
        Decimal("97"),
        change_request.reference,
    )
    assert SlaChange.objects.get(change_request=change_request).version == version
    sla.refresh_from_db()
    assert sla.breach_threshold == Decimal("97")  # in force now

    performance.sla_breach_check(period_from=date(2029, 10, 1), period_to=DECEMBER, now=NOW)
    breaches = list(SlaBreach.objects.filter(sla=sla).values_list("period_start", "service_credit"))
    assert breaches == [(DECEMBER, Decimal("300.00"))]


def test_no_version_exists_until_every_required_approver_has_approved(
    scope, manager, committee, guest, sla
):
    change_request = submitted(manager, propose(manager, sla), [committee, guest])
    approve_all(change_request, [committee])
    assert SlaVersion.objects.filter(sla=sla).count() == 1
    sla.refresh_from_db()
    assert sla.breach_threshold == Decimal("95")


def test_a_rejected_sla_change_changes_nothing(scope, manager, committee, guest, sla):
    change_request = submitted(manager, propose(manager, sla), [committee, guest])
    services.change_request_reject(
        change_request=change_request, approver=guest, reason="Too strict", now=NOW
    )
    assert SlaVersion.objects.filter(sla=sla).count() == 1


def test_implementing_an_approved_sla_change_creates_no_second_version(
    scope, manager, committee, guest, sla
):
    change_request = approve_all(
        submitted(manager, propose(manager, sla), [committee, guest]), [committee, guest]
    )
    services.change_request_implement(change_request=change_request, actor=manager, now=NOW)
    assert SlaVersion.objects.filter(sla=sla).count() == 2


def test_future_terms_wait_for_their_month(scope, manager, committee, guest, sla):
    approve_all(
        submitted(
            manager, propose(manager, sla, effective_from=date(2030, 3, 1)), [committee, guest]
        ),
        [committee, guest],
    )
    sla.refresh_from_db()
    assert sla.breach_threshold == Decimal("95")
    assert SlaVersion.objects.get(sla=sla, effective_from=date(2030, 3, 1)).applied_at is None


def test_new_terms_from_a_month_already_judged_are_refused_when_proposed(scope, manager, sla):
    measure(sla, DECEMBER, "90")
    performance.sla_breach_check(period_from=DECEMBER, period_to=DECEMBER, now=NOW)
    with pytest.raises(ConflictError) as refused:
        propose(manager, sla)
    assert refused.value.code == "sla_already_judged"
    assert not ChangeRequest.objects.exists()  # the request and its change, or neither


def test_submission_is_blocked_when_the_proposed_month_was_judged_since_drafting(
    scope, manager, committee, guest, sla
):
    change_request = propose(manager, sla)
    measure(sla, DECEMBER, "90")
    performance.sla_breach_check(period_from=DECEMBER, period_to=DECEMBER, now=NOW)
    with pytest.raises(ConflictError) as refused:
        submitted(manager, change_request, [committee, guest])
    assert refused.value.code == "submission_blocked"
    assert "already recorded for 2029-12" in refused.value.message


def test_the_last_approval_is_refused_when_the_month_was_judged_meanwhile(
    scope, manager, committee, guest, sla
):
    change_request = submitted(manager, propose(manager, sla), [committee, guest])
    approve_all(change_request, [committee])
    measure(sla, DECEMBER, "90")
    performance.sla_breach_check(period_from=DECEMBER, period_to=DECEMBER, now=NOW)
    with pytest.raises(ConflictError) as refused:
        approve_all(change_request, [guest])
    assert refused.value.code == "sla_already_judged"
    change_request.refresh_from_db()
    assert change_request.status == ChangeRequest.Status.SUBMITTED
    assert change_request.approvers.get(user=guest).decision == "pending"
    assert SlaVersion.objects.filter(sla=sla).count() == 1
    # The approver sends it back for a later month.
    services.change_request_request_changes(
        change_request=change_request, approver=guest, reason="From January", now=NOW
    )
    services.sla_change_propose(
        change_request=change_request,
        actor=manager,
        sla=sla,
        effective_from=date(2030, 1, 1),
        target=Decimal("99"),
        breach_threshold=Decimal("97"),
    )


def test_the_sla_must_be_one_of_the_change_requests_partnership(scope, org_a, manager, sla):
    change_request = propose(manager, sla)
    other = make_sla(manager, PartnershipFactory(organization=org_a))
    with pytest.raises(ValidationError) as refused:
        services.sla_change_propose(
            change_request=change_request,
            actor=manager,
            sla=other,
            effective_from=DECEMBER,
            target=Decimal("99"),
            breach_threshold=Decimal("97"),
        )
    assert "sla" in refused.value.message_dict


def test_only_a_draft_changes_its_proposed_sla_terms(scope, manager, committee, guest, sla):
    change_request = submitted(manager, propose(manager, sla), [committee, guest])
    with pytest.raises(ConflictError) as refused:
        services.sla_change_propose(
            change_request=change_request,
            actor=manager,
            sla=sla,
            effective_from=DECEMBER,
            target=Decimal("99"),
            breach_threshold=Decimal("96"),
        )
    assert refused.value.code == "not_a_draft"


def test_proposing_new_sla_terms_makes_the_request_a_service_level_change(
    scope, manager, partnership, sla
):
    change_request = services.change_request_create(
        actor=manager, partnership=partnership, title="Delivery", now=NOW, category="other"
    )
    services.sla_change_propose(
        change_request=change_request,
        actor=manager,
        sla=sla,
        effective_from=DECEMBER,
        target=Decimal("99"),
        breach_threshold=Decimal("97"),
    )
    change_request.refresh_from_db()
    assert change_request.category == ChangeRequest.Category.SERVICE_LEVEL
