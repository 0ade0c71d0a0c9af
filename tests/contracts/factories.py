import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Permission

from contracts.models import (
    Agreement,
    AgreementUserObjectPermission,
    Clause,
    ClauseComment,
    ClauseFeedback,
    ClauseVersion,
    IntakeJob,
    Obligation,
    ObligationFulfilment,
    PlaybookClause,
    PlaybookRule,
)
from tests.factories import TenantFactory, same_organization
from tests.partnerships.factories import PartnershipFactory


class AgreementFactory(TenantFactory):
    class Meta:
        model = Agreement

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Master services agreement {n}")
    agreement_type = Agreement.Type.MSA
    effective_date = datetime.date(2024, 1, 1)
    expiry_date = datetime.date(2026, 12, 31)
    term_type = Agreement.TermType.FIXED
    notice_period_days = 90
    value = Decimal("3000000.00")
    annual_value = Decimal("1000000.00")
    currency = "EUR"
    governing_law = "England and Wales"
    parties = factory.LazyFunction(
        lambda: [
            {"name": "Alpha Industries", "role": "customer"},
            {"name": "Supplier Ltd", "role": "supplier"},
        ]
    )


class AgreementUserObjectPermissionFactory(TenantFactory):
    class Meta:
        model = AgreementUserObjectPermission

    content_object = same_organization(AgreementFactory)
    user = factory.SubFactory("tests.tenancy.factories.UserFactory")
    permission = factory.LazyFunction(lambda: Permission.objects.get(codename="review_agreement"))


class ClauseFactory(TenantFactory):
    class Meta:
        model = Clause

    agreement = same_organization(AgreementFactory)
    clause_type = "limitation_of_liability"
    heading = "Limitation of liability"
    text = factory.Sequence(
        lambda n: f"Each party's liability shall not exceed the fees of the last 12 months ({n})."
    )
    order = factory.Sequence(lambda n: n + 1)
    parameters = factory.LazyFunction(lambda: {"cap_multiple": "1"})


class ClauseVersionFactory(TenantFactory):
    class Meta:
        model = ClauseVersion

    clause = same_organization(ClauseFactory)
    number = factory.Sequence(lambda n: n + 100)
    clause_type = "limitation_of_liability"
    text = "Each party's liability shall not exceed the fees paid in the twelve months."


class ClauseCommentFactory(TenantFactory):
    class Meta:
        model = ClauseComment

    clause = same_organization(ClauseFactory)
    body = "Please check the carve-outs."


class ClauseFeedbackFactory(TenantFactory):
    class Meta:
        model = ClauseFeedback

    clause = same_organization(ClauseFactory)
    agreement = factory.LazyAttribute(lambda o: o.clause.agreement)
    heading = "Assignment"
    text = "Neither party may assign this Agreement upon a change of control without consent."
    proposed_type = "assignment_change_of_control"
    corrected_type = "change_of_control"
    confidence = 0.42
    detection_source = "model"


class PlaybookClauseFactory(TenantFactory):
    class Meta:
        model = PlaybookClause
        django_get_or_create = ("organization", "clause_type")

    clause_type = "limitation_of_liability"
    preferred_text = "Liability is capped at 150% of the fees of the preceding 12 months."


class PlaybookRuleFactory(TenantFactory):
    class Meta:
        model = PlaybookRule

    playbook_clause = same_organization(PlaybookClauseFactory)
    name = "Cap at least 1× annual fees"
    parameter = "cap_multiple"
    operator = PlaybookRule.Operator.GTE
    value = 1
    severity = PlaybookRule.Severity.RED_LINE


class IntakeJobFactory(TenantFactory):
    class Meta:
        model = IntakeJob

    partnership = same_organization(PartnershipFactory)
    title = "Uploaded MSA"
    filename = "msa.txt"
    content = b"MASTER SERVICES AGREEMENT"
    size = 25
    sha256 = "0" * 64


class ObligationFactory(TenantFactory):
    class Meta:
        model = Obligation

    agreement = same_organization(AgreementFactory)
    title = factory.Sequence(lambda n: f"Deliver quarterly report {n}")
    due_date = datetime.date(2025, 3, 31)


class ObligationFulfilmentFactory(TenantFactory):
    class Meta:
        model = ObligationFulfilment

    obligation = same_organization(ObligationFactory)
    due_date = datetime.date(2025, 3, 31)
    evidence = "Report delivered to the steering committee."
    evidence_file = factory.django.FileField(filename="evidence.pdf", data=b"%PDF-1.4 evidence")
    evidence_filename = "evidence.pdf"
