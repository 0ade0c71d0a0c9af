"""What each module is for: drives the overview page of modules whose screens are not built yet."""

from dataclasses import dataclass

from django.shortcuts import render


@dataclass(frozen=True)
class Module:
    code: str
    title: str
    summary: str
    capabilities: tuple[str, ...]


MODULES = {
    "contracts": Module(
        "contracts",
        "Contracts & legal review",
        "Agreements, clause playbook, legal review, obligations, renewal and notice dates.",
        (
            "MSA / SOW / JV / amendment hierarchy",
            "Clauses reviewed against the playbook",
            "Obligations",
            "Renewal and notice alerts",
        ),
    ),
    "performance": Module(
        "performance",
        "Performance",
        "Balanced-scorecard KPIs, SLAs and breaches, scorecards, QBRs and corrective actions.",
        (
            "KPIs and measurements",
            "SLAs, breaches and service credits",
            "Scorecards and PDFs",
            "Quarterly business reviews",
            "Root cause and corrective actions",
        ),
    ),
    "risk": Module(
        "risk",
        "Risk & compliance",
        "Risk register and allocation between the parties, insurance, bonds and compliance.",
        (
            "Risk register with owner, likelihood, impact and allocation",
            "Cyber and data-breach responsibility",
            "Insurance certificates and bonds with expiry alerts",
            "Penalties and price-adjustment mechanisms",
            "Compliance: anti-bribery, labour, environment, GDPR, SOX",
        ),
    ),
    "governance": Module(
        "governance",
        "Governance",
        "Joint steering committee, decisions, decision rights, change requests and escalations.",
        (
            "Steering committee meetings, minutes and decisions",
            "RACI and decision rights",
            "Change requests approved by both parties",
            "Escalation paths with deadlines",
        ),
    ),
    "finance": Module(
        "finance",
        "Finance",
        "Shared cost model, gain-sharing, pricing and rebates, payment terms, FX and savings.",
        (
            "Shared cost model and gain-share",
            "Pricing tiers and rebates, payment terms",
            "FX exposure",
            "Savings against a baseline, verified by finance",
        ),
    ),
    "integrations": Module(
        "integrations",
        "Integrations",
        "EDI, API and CSV data exchange, master data, discrepancy monitoring, DR tests.",
        (
            "EDIFACT, X12 and UBL orders, invoices and deliveries",
            "Master data, data ownership and retention",
            "Three-way match and discrepancy monitoring",
            "Disaster-recovery tests",
        ),
    ),
    "exit_planning": Module(
        "exit_planning",
        "Exit planning",
        "Exit triggers, wind-down plans, knowledge transfer, data return and post-mortems.",
        (
            "Exit triggers and wind-down plans",
            "Knowledge transfer and asset transfer",
            "Data return or destruction with evidence",
            "Stakeholder notices and post-mortems that update the playbook",
        ),
    ),
}


def module_overview(request, org_slug, module: str):
    from partnerships.selectors import partnership_portfolio
    from tenancy.views import paginate, require_permission

    require_permission(request, f"{module}.view")
    return render(
        request,
        "modules/overview.html",
        {
            "module": MODULES[module],
            "page": paginate(request, partnership_portfolio(membership=request.membership)),
        },
    )
