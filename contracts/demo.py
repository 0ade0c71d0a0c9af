"""Demo data of the contracts module: a default playbook per organization, and for each demo
partnership an MSA with two SOWs and a realistic clause set, some clauses deviating from the
playbook. Idempotent: everything is looked up (by reference) before it is created."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from contracts import services
from contracts.models import Agreement, Clause, Obligation, PlaybookClause, PlaybookRule
from tenancy.demo import DemoTenant
from tenancy.models import Role

PLAYBOOK = [
    # clause type, required, preferred, fallbacks, red lines, rules
    (
        "limitation_of_liability",
        True,
        "Each party's aggregate liability is capped at 150% of the fees paid or payable in the "
        "twelve months before the claim; no cap for fraud, wilful misconduct, data protection "
        "breaches or IP indemnities.",
        ["A cap of 100% of the annual fees, with the same carve-outs."],
        ["A cap below 12 months' fees.", "No carve-out for data protection breaches."],
        [("Cap at least 1× annual fees", "cap_multiple", "gte", 1, "red_line")],
    ),
    (
        "termination_for_convenience",
        True,
        "The supplier may terminate for convenience on no less than 180 days' written notice.",
        ["90 days' notice, with exit assistance at the then-current rates."],
        ["Supplier termination on less than 90 days' notice."],
        [("Termination notice at least 90 days", "notice_days", "gte", 90, "red_line")],
    ),
    (
        "dispute_resolution",
        False,
        "Negotiation between executives (30 days), mediation (45 days), then LCIA arbitration "
        "seated in London.",
        ["ICC arbitration seated in Geneva or SCC arbitration seated in Stockholm."],
        ["Arbitration seated in the supplier's home jurisdiction outside the allowed list."],
        [
            (
                "Arbitration seat in the allowed list",
                "arbitration_seat",
                "in",
                ["London", "Geneva", "Stockholm"],
                "red_line",
            )
        ],
    ),
    (
        "termination_for_cause",
        False,
        "Either party may terminate for material breach not remedied within 30 days of notice; "
        "three SLA breaches in a rolling quarter count as material breach.",
        ["A cure period of up to 45 days."],
        [],
        [("Cure period at most 45 days", "cure_days", "lte", 45, "warning")],
    ),
    (
        "price_adjustment",
        False,
        "Prices are fixed for the first 24 months, then adjusted at most once a year by CPI "
        "capped at 3%.",
        ["Annual adjustment capped at 5%."],
        ["Unilateral price changes by the supplier."],
        [("Annual increase at most 5%", "percentage", "lte", 5, "warning")],
    ),
    (
        "governing_law",
        True,
        "The laws of England and Wales.",
        ["Swiss law.", "Swedish law."],
        [],
        [],
    ),
    (
        "exit_transition",
        False,
        "Up to 12 months of exit assistance at the then-current rates, with a detailed exit plan "
        "maintained from the start.",
        ["6 months of exit assistance."],
        ["No exit assistance."],
        [("Exit assistance at least 6 months", "term_months", "gte", 6, "warning")],
    ),
]

# Clause sets: (type, text, parameters). The MSA of the first partnership of each organization
# deviates (a low cap, short termination notice, a seat outside the list); the others comply.
MSA_CLAUSES = [
    (
        "limitation_of_liability",
        "Each party's aggregate liability arising out of this Agreement shall not exceed {cap} of "
        "the fees paid or payable in the twelve (12) months preceding the event giving rise to "
        "the claim. The cap does not apply to fraud, wilful misconduct or breach of clause 14 "
        "(Data Protection).",
        "cap",
    ),
    (
        "termination_for_convenience",
        "Either party may terminate this Agreement for convenience by giving not less than "
        "{notice} days' written notice to the other party.",
        "notice",
    ),
    (
        "termination_for_cause",
        "Either party may terminate this Agreement with immediate effect if the other party "
        "commits a material breach which is not remedied within thirty (30) days of written "
        "notice. Three Service Level failures in any rolling quarter constitute a material breach.",
        {"cure_days": 30, "notice_days": 30},
    ),
    (
        "exit_transition",
        "On expiry or termination the Supplier shall provide exit assistance for up to twelve "
        "(12) months in accordance with the Exit Plan.",
        {"term_months": 12},
    ),
    (
        "data_portability",
        "Within thirty (30) days of termination the Supplier shall return all Customer Data in a "
        "commonly used machine-readable format and then securely destroy all copies.",
        {},
    ),
    (
        "audit_rights",
        "The Customer may audit the Supplier's compliance with this Agreement once per year on "
        "thirty (30) days' notice.",
        {},
    ),
    (
        "compliance",
        "Each party shall comply with the GDPR, the UK Bribery Act 2010 and applicable "
        "anti-corruption and sanctions laws.",
        {},
    ),
    (
        "price_adjustment",
        "Prices are fixed until the second anniversary of the Effective Date and thereafter may "
        "be adjusted once per year by CPI, capped at {increase}%.",
        "increase",
    ),
    (
        "governing_law",
        "This Agreement is governed by the laws of England and Wales.",
        {"governing_law": "England and Wales"},
    ),
    (
        "dispute_resolution",
        "Disputes shall be referred to senior executives for thirty (30) days, then to mediation, "
        "and finally resolved by arbitration under the {rules} Rules seated in {seat}.",
        "seat",
    ),
    (
        "confidentiality",
        "Each party shall keep the other's Confidential Information confidential for five (5) "
        "years after termination.",
        {"term_months": 60},
    ),
]


def seed(tenant: DemoTenant) -> None:
    legal = tenant.users[Role.LEGAL]
    procurement = tenant.users[Role.PROCUREMENT_MANAGER]
    _seed_playbook(legal)
    now = timezone.now()
    for index, partnership in enumerate(tenant.partnerships):
        deviating = index == 0
        _seed_partnership(partnership, legal, procurement, deviating, now)


def _seed_playbook(actor) -> None:
    for code, required, preferred, fallbacks, red_lines, rules in PLAYBOOK:
        entry = PlaybookClause.objects.filter(clause_type=code).first()
        if entry is None:
            entry = services.playbook_clause_save(
                actor=actor,
                clause_type=code,
                preferred_text=preferred,
                fallback_texts=fallbacks,
                red_lines=red_lines,
                required=required,
            )
        for name, parameter, operator, value, severity in rules:
            if not PlaybookRule.objects.filter(playbook_clause=entry, name=name).exists():
                services.playbook_rule_create(
                    actor=actor,
                    playbook_clause=entry,
                    name=name,
                    parameter=parameter,
                    operator=operator,
                    value=value,
                    severity=severity,
                )


def _clause_params(kind, deviating):
    if kind == "cap":
        multiple = "0.5" if deviating else "1.5"
        return {"cap": "50%" if deviating else "150%"}, {"cap_multiple": multiple}
    if kind == "notice":
        days = 30 if deviating else 180
        return {"notice": days}, {"notice_days": days}
    if kind == "increase":
        pct = 7 if deviating else 3
        return {"increase": pct}, {"percentage": str(pct)}
    if kind == "seat":
        seat, rules = ("Singapore", "SIAC") if deviating else ("London", "LCIA")
        return (
            {"seat": seat, "rules": rules},
            {"arbitration_seat": seat, "arbitration_rules": rules},
        )
    return {}, dict(kind)


def _seed_partnership(partnership, legal, procurement, deviating, now) -> None:
    reference = f"{partnership.code}-MSA"
    if Agreement.objects.filter(reference=reference).exists():
        return
    start = partnership.start_date or date(2024, 1, 1)
    annual = partnership.annual_value or Decimal("1000000")
    msa = services.agreement_create(
        actor=legal,
        partnership=partnership,
        title=f"Master services agreement: {partnership.name}",
        reference=reference,
        agreement_type=Agreement.Type.MSA,
        parties=[
            {"name": partnership.organization.name, "role": "customer"},
            {
                "name": partnership.partner.legal_name or partnership.partner.name,
                "role": "supplier",
            },
        ],
        owner=procurement,
        effective_date=start,
        expiry_date=date(start.year + 3, start.month, start.day) - _one_day(),
        term_type=Agreement.TermType.AUTO_RENEWING,
        renewal_period_months=12,
        notice_period_days=90,
        value=annual * 3,
        annual_value=annual,
        currency=partnership.currency,
        governing_law="England and Wales",
        jurisdiction="Courts of England (interim relief only)",
        dispute_resolution=[
            {"step": "negotiation", "days": 30},
            {"step": "mediation", "days": 45},
            {
                "step": "arbitration",
                "seat": "Singapore" if deviating else "London",
                "rules": "SIAC" if deviating else "LCIA",
            },
        ],
        liability_cap_type=Agreement.CapType.FEE_MULTIPLE,
        liability_cap_multiple=Decimal("0.5") if deviating else Decimal("1.5"),
    )
    for order, (code, text, kind) in enumerate(MSA_CLAUSES, start=1):
        fill, params = _clause_params(kind, deviating)
        services.clause_create(
            actor=legal,
            agreement=msa,
            clause_type=code,
            text=text.format(**fill),
            heading=code.replace("_", " ").capitalize(),
            order=order,
            parameters=params,
        )
    services.agreement_assign_reviewer(agreement=msa, reviewer=legal, actor=procurement)
    # Compliant MSAs are through review and executed; the deviating one waits in legal's queue.
    if deviating:
        services.agreement_transition(
            agreement=msa, actor=procurement, status="in_legal_review", now=now
        )
    else:
        services.agreement_transition(
            agreement=msa, actor=procurement, status="in_legal_review", now=now
        )
        for clause in Clause.objects.filter(agreement=msa):
            services.clause_decide(clause=clause, actor=legal, decision="accepted", now=now)
        services.agreement_transition(agreement=msa, actor=legal, status="approved", now=now)
        services.agreement_transition(
            agreement=msa, actor=procurement, status="executed", today=start, now=now
        )
    for number, (title, months) in enumerate(
        [("Implementation services", 12), ("Run and maintain services", 24)], start=1
    ):
        sow = services.agreement_create(
            actor=legal,
            partnership=partnership,
            title=f"SOW {number}: {title}",
            reference=f"{partnership.code}-SOW{number}",
            agreement_type=Agreement.Type.SOW,
            parent=msa,
            parties=msa.parties,
            owner=procurement,
            effective_date=start,
            expiry_date=_add_months(start, months * number) - _one_day(),
            term_type=Agreement.TermType.FIXED,
            notice_period_days=30,
            value=annual / 2,
            annual_value=annual / 2,
            currency=partnership.currency,
        )
        services.clause_create(
            actor=legal,
            agreement=sow,
            clause_type="service_credits",
            text="If availability falls below 99.5% in a month the Supplier credits 5% of the "
            "monthly charges for each 0.5% below the target, up to 20%.",
            parameters={"percentage": "5"},
        )
    services.obligation_create(
        actor=procurement,
        agreement=msa,
        title="Quarterly service report",
        responsible_party=Obligation.Party.PARTNER,
        owner=procurement,
        due_date=date(2026, 3, 31),
        recurrence=Obligation.Recurrence.QUARTERLY,
    )
    services.obligation_create(
        actor=procurement,
        agreement=msa,
        title="Annual insurance certificate",
        responsible_party=Obligation.Party.PARTNER,
        owner=legal,
        due_date=date(2026, 1, 31),
        recurrence=Obligation.Recurrence.ANNUALLY,
    )


def _one_day():
    from datetime import timedelta

    return timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    from dateutil.relativedelta import relativedelta

    return day + relativedelta(months=months)
