"""Insurance requirements and certificates, bonds and penalties, and the certificate expiry
alerts, pinned rule by rule (found by `make mutation MUTATION_ARGS=risk.insurance`,
docs/mutation.md: bonds had no service test at all). Each refusal on its field in the user's
words, what is stored (trimmed), each audit event, and the alert's words, link and recipients."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from risk import services
from risk.models import Bond, CertificateAlert, InsuranceCertificate, InsuranceRequirement, Penalty
from tenancy.models import AuditEvent, Notification
from tests.partnerships.factories import PartnershipFactory
from tests.risk.factories import InsuranceCertificateFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _event(action):
    [event] = AuditEvent.objects.filter(action=action)
    return event


# -- requirements -----------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [None, D(0), D(-1)])
def test_a_required_limit_must_be_more_than_zero(scope, manager, partnership, limit):
    with pytest.raises(ValidationError) as refused:
        services.insurance_requirement_set(
            actor=manager,
            partnership=partnership,
            coverage="product_liability",
            minimum_limit=limit,
            currency="EUR",
        )
    assert refused.value.message_dict == {
        "minimum_limit": ["The minimum limit must be more than zero."]
    }


def test_a_coverage_has_one_requirement_that_a_second_setting_changes(scope, manager, partnership):
    kwargs = {"actor": manager, "partnership": partnership, "coverage": "product_liability"}
    first = services.insurance_requirement_set(**kwargs, minimum_limit=D("5000000"), currency="EUR")
    again = services.insurance_requirement_set(**kwargs, minimum_limit=D("0.01"), currency="USD")
    assert again.pk == first.pk and InsuranceRequirement.objects.count() == 1
    again.refresh_from_db()
    assert (again.minimum_limit, again.currency) == (D("0.01"), "USD")
    events = AuditEvent.objects.filter(action="risk.insurance_requirement.set").order_by("pk")
    assert [(e.actor, e.object_id) for e in events] == [(manager, str(first.pk))] * 2
    assert events.last().changes == {
        "minimum_limit": ["5000000.00", "0.01"],
        "currency": ["EUR", "USD"],
    }


# -- certificates -----------------------------------------------------------------------------


def _upload(manager, partnership, **extra):
    fields = {
        "coverage": "product_liability",
        "insurer": "  Allied Mutual ",
        "policy_number": " PL-7 ",
        "limit": D("10000000"),
        "currency": "EUR",
        "starts_on": date(2030, 1, 1),
        "expires_on": date(2030, 12, 31),
        **extra,
    }
    return services.certificate_upload(actor=manager, partnership=partnership, **fields)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"expires_on": date(2030, 1, 1)},
            {"expires_on": ["A certificate cannot expire before (or on the day) it starts."]},
        ),
        ({"limit": D(0)}, {"limit": ["The limit must be more than zero."]}),
        (
            {"limit": D(-1), "expires_on": date(2029, 1, 1)},
            {
                "limit": ["The limit must be more than zero."],
                "expires_on": ["A certificate cannot expire before (or on the day) it starts."],
            },
        ),
    ],
)
def test_a_bad_certificate_is_refused_on_its_fields(scope, manager, partnership, fields, errors):
    with pytest.raises(ValidationError) as refused:
        _upload(manager, partnership, **fields)
    assert refused.value.message_dict == errors
    assert not InsuranceCertificate.objects.exists()


def test_a_certificate_is_stored_trimmed_with_its_file_and_audited(
    scope, manager, partnership, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    certificate = _upload(
        manager, partnership, file=SimpleUploadedFile("cert.pdf", b"%PDF-1.4 certificate")
    )
    certificate.refresh_from_db()
    assert (certificate.insurer, certificate.policy_number, certificate.uploaded_by) == (
        "Allied Mutual",
        "PL-7",
        manager,
    )
    assert (certificate.limit, certificate.currency, certificate.coverage) == (
        D("10000000.00"),
        "EUR",
        "product_liability",
    )
    assert (certificate.starts_on, certificate.expires_on) == (date(2030, 1, 1), date(2030, 12, 31))
    assert certificate.file.read() == b"%PDF-1.4 certificate"
    event = _event("risk.certificate.uploaded")
    assert (event.actor, event.object_id) == (manager, str(certificate.pk))
    assert event.changes == {
        "coverage": "product_liability",
        "limit": "10000000",
        "currency": "EUR",
        "starts_on": "2030-01-01",
        "expires_on": "2030-12-31",
        "file": certificate.file.name,
    }


def test_a_certificate_without_a_file_says_so_in_its_event(scope, manager, partnership):
    _upload(manager, partnership)
    assert _event("risk.certificate.uploaded").changes["file"] == ""


# -- bonds and penalties ----------------------------------------------------------------------


def _bond(manager, partnership, **extra):
    fields = {
        "kind": "performance_bond",
        "issuer": " Rhine Bank ",
        "amount": D("250000"),
        "currency": "EUR",
        "starts_on": date(2030, 1, 1),
        "expires_on": date(2031, 1, 1),
        "notes": "Released on acceptance.",
        **extra,
    }
    return services.bond_create(actor=manager, partnership=partnership, **fields)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"expires_on": date(2030, 1, 1)},
            {"expires_on": ["A bond cannot expire before (or on the day) it starts."]},
        ),
        ({"amount": D(0)}, {"amount": ["The amount must be more than zero."]}),
        (
            {"amount": D(-5), "expires_on": date(2029, 6, 1)},
            {
                "amount": ["The amount must be more than zero."],
                "expires_on": ["A bond cannot expire before (or on the day) it starts."],
            },
        ),
    ],
)
def test_a_bad_bond_is_refused_on_its_fields(scope, manager, partnership, fields, errors):
    with pytest.raises(ValidationError) as refused:
        _bond(manager, partnership, **fields)
    assert refused.value.message_dict == errors
    assert not Bond.objects.exists()


def test_a_bond_is_stored_trimmed_and_audited(scope, manager, partnership):
    bond = _bond(manager, partnership, amount=D("0.01"), expires_on=date(2030, 1, 2))
    bond.refresh_from_db()
    assert (bond.kind, bond.issuer, bond.amount, bond.currency) == (
        "performance_bond",
        "Rhine Bank",
        D("0.01"),
        "EUR",
    )
    assert (bond.starts_on, bond.expires_on, bond.notes, bond.partnership) == (
        date(2030, 1, 1),
        date(2030, 1, 2),
        "Released on acceptance.",
        partnership,
    )
    event = _event("risk.bond.created")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(bond.pk),
        {"kind": "performance_bond", "amount": "0.01", "currency": "EUR"},
    )


def _penalty(manager, partnership, **extra):
    fields = {
        "trigger": "late_delivery",
        "amount": D("1000"),
        "currency": "EUR",
        "unit": "per_day",
        **extra,
    }
    return services.penalty_create(actor=manager, partnership=partnership, **fields)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"amount": D(0)}, {"amount": ["The amount must be more than zero."]}),
        (
            {"cap": D("999.99")},
            {"cap": ["The yearly cap cannot be below the amount of one penalty."]},
        ),
    ],
)
def test_a_bad_penalty_is_refused_on_its_field(scope, manager, partnership, fields, errors):
    with pytest.raises(ValidationError) as refused:
        _penalty(manager, partnership, **fields)
    assert refused.value.message_dict == errors
    assert not Penalty.objects.exists()


def test_a_penalty_capped_at_one_penalty_is_stored_and_audited(scope, manager, partnership):
    penalty = _penalty(manager, partnership, cap=D(1000), description="LDs per clause 14.")
    penalty.refresh_from_db()
    assert (penalty.trigger, penalty.amount, penalty.currency, penalty.unit) == (
        "late_delivery",
        D(1000),
        "EUR",
        "per_day",
    )
    assert (penalty.cap, penalty.description, penalty.partnership) == (
        D(1000),
        "LDs per clause 14.",
        partnership,
    )
    event = _event("risk.penalty.created")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(penalty.pk),
        {"trigger": "late_delivery", "amount": "1000", "unit": "per_day"},
    )


# -- expiry alerts ----------------------------------------------------------------------------


def test_an_alert_names_the_cover_the_partner_the_days_and_links_to_the_insurance(
    scope, manager, partnership
):
    certificate = InsuranceCertificateFactory(
        partnership=partnership, expires_on=date(2030, 3, 1), policy_number="PL-9"
    )
    run = services.certificate_expiry_alerts_send(today=date(2030, 1, 1))  # 59 days before
    assert (run.sent, run.skipped) == (1, 0)
    [note] = Notification.objects.all()
    assert (note.recipient, note.title) == (
        manager,
        "Product liability certificate of Alder drive-train expires in 59 days",
    )
    assert note.body == (
        "Allied Mutual, policy PL-9, expires on 01 Mar 2030. Ask the partner for the renewed "
        "certificate."
    )
    assert note.url == f"/o/alpha/partnerships/{partnership.pk}/risk/#insurance"
    assert note.dedupe_key == f"risk.certificate:{certificate.pk}:60"
    [alert] = CertificateAlert.objects.all()
    assert (alert.threshold_days, alert.sent_on, alert.skipped) == (60, date(2030, 1, 1), False)
    event = _event("risk.certificate.expiry_alerted")
    assert (event.actor, event.actor_label, event.object_id, event.changes) == (
        None,
        "system",
        str(certificate.pk),
        {"threshold_days": 60, "days_left": 59, "skipped": []},
    )


def test_the_last_day_alert_says_one_day_and_records_the_thresholds_it_skipped(scope, partnership):
    certificate = InsuranceCertificateFactory(
        partnership=partnership, expires_on=date(2030, 1, 11), policy_number=""
    )
    run = services.certificate_expiry_alerts_send(today=date(2030, 1, 10))
    assert (run.sent, run.skipped) == (1, 2)
    note = Notification.objects.get()
    assert note.title.endswith("expires in 1 day")
    assert note.body.startswith("Allied Mutual, policy —, expires on 11 Jan 2030.")
    assert sorted(
        CertificateAlert.objects.filter(certificate=certificate).values_list(
            "threshold_days", "skipped"
        )
    ) == [(7, False), (30, True), (60, True)]
    assert _event("risk.certificate.expiry_alerted").changes == {
        "threshold_days": 7,
        "days_left": 1,
        "skipped": [30, 60],
    }


def test_only_certificates_expiring_from_today_to_sixty_days_on_are_alerted(scope, partnership):
    for expires in (date(2030, 1, 9), date(2030, 1, 10), date(2030, 3, 11), date(2030, 3, 12)):
        InsuranceCertificateFactory(partnership=partnership, expires_on=expires)
    run = services.certificate_expiry_alerts_send(today=date(2030, 1, 10))
    assert run.sent == 2  # expiring today and in exactly 60 days
    titles = sorted(n.title.rsplit(" expires ", 1)[1] for n in Notification.objects.all())
    assert titles == ["in 60 days", "today"]


def test_an_unowned_partnerships_alert_goes_to_the_org_admins(scope, org_a, owner):
    unowned = PartnershipFactory(organization=org_a, owner=None)
    InsuranceCertificateFactory(partnership=unowned, expires_on=date(2030, 2, 1))
    services.certificate_expiry_alerts_send(today=date(2030, 1, 10))
    assert [n.recipient for n in Notification.objects.all()] == [owner]


# -- second round: what the first pinned round left alive ------------------------------------


def test_each_partnership_and_coverage_has_its_own_requirement(scope, manager, partnership, org_a):
    other = PartnershipFactory(organization=org_a, owner=manager)
    for where, coverage in (
        (partnership, "product_liability"),
        (partnership, "cyber"),
        (other, "cyber"),
    ):
        services.insurance_requirement_set(
            actor=manager, partnership=where, coverage=coverage, minimum_limit=D(1), currency="EUR"
        )
    assert InsuranceRequirement.objects.count() == 3


def test_amounts_below_one_unit_are_still_amounts(scope, manager, partnership):
    assert _upload(manager, partnership, limit=D("0.50"), currency="USD").limit == D("0.50")
    assert _penalty(manager, partnership, amount=D("0.50")).amount == D("0.50")
    certificate = InsuranceCertificate.objects.get()
    assert certificate.currency == "USD"


def test_what_is_left_out_is_stored_empty_in_the_given_currency(scope, manager, partnership):
    certificate = services.certificate_upload(
        actor=manager, partnership=partnership, coverage="cyber", insurer="Allied",
        limit=D(1), currency="GBP", starts_on=date(2030, 1, 1), expires_on=date(2031, 1, 1),
    )  # fmt: skip
    bond = services.bond_create(
        actor=manager, partnership=partnership, kind="bank_guarantee", issuer="Rhine Bank",
        amount=D(1), currency="CHF", starts_on=date(2030, 1, 1), expires_on=date(2031, 1, 1),
    )  # fmt: skip
    penalty = services.penalty_create(
        actor=manager, partnership=partnership, trigger="quality_failure", amount=D(1),
        currency="JPY", unit="per_incident",
    )  # fmt: skip
    for row in (certificate, bond, penalty):
        row.refresh_from_db()
    assert (certificate.policy_number, certificate.currency) == ("", "GBP")
    assert (bond.notes, bond.currency) == ("", "CHF")
    assert (penalty.description, penalty.currency, penalty.cap) == ("", "JPY", None)


def test_an_uploaded_certificate_keeps_its_file_name(
    scope, manager, partnership, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    certificate = _upload(manager, partnership, file=SimpleUploadedFile("cert.pdf", b"%PDF-1.4"))
    assert certificate.file.name.endswith(".pdf") and "cert" in certificate.file.name
    assert InsuranceCertificate.objects.get().file.name == certificate.file.name


def test_one_run_alerts_every_certificate_due_and_counts_every_skipped_threshold(
    scope, partnership
):
    done = InsuranceCertificateFactory(partnership=partnership, expires_on=date(2030, 2, 28))
    services.certificate_expiry_alerts_send(today=date(2030, 1, 10))  # 49 days: the 60 alert
    for expires in (date(2030, 3, 1), date(2030, 1, 16), date(2030, 1, 17)):
        InsuranceCertificateFactory(partnership=partnership, expires_on=expires)
    run = services.certificate_expiry_alerts_send(today=date(2030, 1, 10))
    # 50 days: one alert. 6 and 7 days: one alert each, 60 and 30 skipped for both.
    assert (run.sent, run.skipped) == (3, 4)
    assert CertificateAlert.objects.filter(certificate=done).count() == 1


def test_a_certificate_file_is_stored_in_the_organizations_own_folder(
    scope, manager, partnership, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path  # the folder the file lands in, read back below
    certificate = _upload(
        manager,
        partnership,
        file=SimpleUploadedFile("pl-2030.pdf", b"%PDF-1.4 certificate", "application/pdf"),
    )
    stored = InsuranceCertificate.objects.get(pk=certificate.pk)
    assert stored.file.name.startswith(f"risk/certificates/{scope.pk}/pl-2030")
    assert (tmp_path / stored.file.name).read_bytes() == b"%PDF-1.4 certificate"
