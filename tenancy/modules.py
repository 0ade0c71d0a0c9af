"""The module registry: the one list of Partnerline's modules.

Everything that lists modules reads `MODULES`: INSTALLED_APPS and the beat schedule merge
(config/settings/base.py), URL mounting (config/urls.py), the permission table
(tenancy/permissions.py), the navigation (templates/base.html through
tenancy.context_processors) and the partnership workspace's tabs (`workspace_tabs`). A new
module adds one entry here and nothing anywhere else.

Visibility: a role sees a module's link (and may open its pages) when the role is in `roles`;
a partner guest when `guest` is true (and then only what is shared with their partnerships).
Navigation shows exactly what the member may open: it asks the permission helper, which reads
these attributes.

This file is imported by the settings: it imports nothing from Django at module level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest

# Roles inside the organization (tenancy.models.Role values, spelled out so the settings can
# import this file before the apps are loaded).
STAFF_ROLES = frozenset(
    {"org_admin", "procurement_manager", "legal", "finance", "committee_member", "viewer"}
)


@dataclass(frozen=True)
class Tab:
    """A tab of the partnership workspace: its label and a URL name taking
    (org_slug, partnership_id). `guest`: a partner guest sees it (when they see the module);
    false for the buyer's internal pages (due diligence, strategy)."""

    label: str
    url_name: str
    guest: bool = True


@dataclass(frozen=True)
class Module:
    code: str  # the Django app label and the permission prefix (`<code>.view`)
    title: str
    nav_label: str
    home_url: str  # URL name of the module's home page, taking org_slug
    summary: str = ""
    capabilities: tuple[str, ...] = ()
    tabs: tuple[Tab, ...] = ()  # its tabs in the partnership workspace, in order
    roles: frozenset[str] = field(default=STAFF_ROLES)  # roles that see and open it
    guest: bool = False  # partner guests see it (scoped to their partnerships)

    @property
    def app(self) -> str:
        return self.code

    def visible_to_role(self, role: str) -> bool:
        if role == "partner_guest":
            return self.guest
        return role in self.roles


_MODULES = (
    Module(
        "partnerships",
        "Partnerships",
        "Partnerships",
        "partnership-list",
        summary="Partners, partnerships, strategic fit, due diligence, TCO and stakeholders.",
        tabs=(
            Tab("Overview", "partnership-detail"),
            Tab("Due diligence", "partnership-due-diligence", guest=False),
            Tab("Strategy", "partnership-strategy", guest=False),
            Tab("Onboarding", "partnership-onboarding", guest=False),
        ),
        guest=True,
    ),
    Module(
        "contracts",
        "Contracts & legal review",
        "Contracts",
        "contracts-home",
        summary="Agreements, clause playbook, legal review, obligations, renewal and notice dates.",
        capabilities=(
            "MSA / SOW / JV / amendment hierarchy",
            "Clauses reviewed against the playbook",
            "Obligations",
            "Renewal and notice alerts",
        ),
        tabs=(Tab("Contracts", "partnership-contracts"),),
        guest=True,
    ),
    Module(
        "risk",
        "Risk & compliance",
        "Risk",
        "risk-home",
        summary="Risk register and allocation between the parties, insurance, bonds and "
        "compliance.",
        capabilities=(
            "Risk register with owner, likelihood, impact and allocation",
            "Cyber and data-breach responsibility",
            "Insurance certificates and bonds with expiry alerts",
            "Penalties and price-adjustment mechanisms",
            "Compliance: anti-bribery, labour, environment, GDPR, SOX",
        ),
        tabs=(Tab("Risk", "partnership-risk"),),
    ),
    Module(
        "governance",
        "Governance",
        "Governance",
        "governance-home",
        summary="Joint steering committee, decisions, decision rights, change requests and "
        "escalations.",
        capabilities=(
            "Steering committee meetings, minutes and decisions",
            "RACI and decision rights",
            "Change requests approved by both parties",
            "Escalation paths with deadlines",
        ),
        tabs=(Tab("Governance", "partnership-governance"),),
        guest=True,
    ),
    Module(
        "finance",
        "Finance",
        "Finance",
        "finance-home",
        summary="Shared cost model, gain-sharing, pricing and rebates, payment terms, FX and "
        "savings.",
        capabilities=(
            "Shared cost model and gain-share",
            "Pricing tiers and rebates, payment terms",
            "FX exposure",
            "Savings against a baseline, verified by the other party",
        ),
        tabs=(Tab("Finance", "partnership-finance"),),
        # Guests verify the buyer's savings and see the shared cost model and statements.
        guest=True,
    ),
    Module(
        "integrations",
        "Integrations",
        "Integrations",
        "integrations-home",
        summary="EDI, API and CSV data exchange, master data, discrepancy monitoring, DR tests.",
        capabilities=(
            "EDIFACT, X12 and UBL orders, invoices and deliveries",
            "Master data, data ownership and retention",
            "Three-way match and discrepancy monitoring",
            "Disaster-recovery tests",
        ),
        tabs=(Tab("Integrations", "partnership-integrations"),),
        # A guest sees, read-only, the EDI documents their company sent, their findings and
        # the discrepancies disputed with them (integrations/views.py keeps the rest internal).
        guest=True,
    ),
    Module(
        "performance",
        "Performance",
        "Performance",
        "performance-home",
        summary="Balanced-scorecard KPIs, SLAs and breaches, scorecards, QBRs and corrective "
        "actions.",
        capabilities=(
            "KPIs and measurements",
            "SLAs, breaches and service credits",
            "Scorecards and PDFs",
            "Quarterly business reviews",
            "Root cause and corrective actions",
        ),
        tabs=(Tab("Performance", "partnership-performance"), Tab("QBRs", "partnership-qbrs")),
        guest=True,
    ),
    Module(
        "exit_planning",
        "Exit planning",
        "Exit planning",
        "exit-planning-home",
        summary="Exit triggers, wind-down plans, knowledge transfer, data return and post-mortems.",
        capabilities=(
            "Exit triggers and wind-down plans",
            "Knowledge transfer and asset transfer",
            "Data return or destruction with evidence",
            "Stakeholder notices and post-mortems that update the playbook",
        ),
        tabs=(Tab("Exit plan", "partnership-exit"),),
        # Guests see what is shared with the partner (wind-down, knowledge transfer, data,
        # assets, the joint post-mortem); readiness, triggers and playbook changes stay internal.
        guest=True,
    ),
    Module(
        "innovation",
        "Innovation & joint programmes",
        "Innovation",
        "innovation-home",
        summary="Improvement initiatives scored by both parties, pilots, sourcing models, task "
        "forces, knowledge sharing and joint supplier development.",
        capabilities=(
            "Initiatives from either party, weighted evaluation by both, decision",
            "Realised benefit in the savings ledger",
            "Pilots with KPI success criteria and a go / no-go decision",
            "Sourcing models, task forces and knowledge-sharing sessions",
            "Joint supplier development with target KPIs",
        ),
        tabs=(Tab("Innovation", "partnership-innovation"),),
        # Guests submit and score initiatives of their partnerships and see the joint work;
        # the buyer's internal notes, evaluation comments and lessons learned stay internal.
        guest=True,
    ),
)

# code -> Module, in navigation order.
MODULES: dict[str, Module] = {module.code: module for module in _MODULES}

# The kernel app: mounted first, holds the dashboard, notifications, API keys.
KERNEL_APP = "tenancy"


def module_apps() -> list[str]:
    """The Django apps of the modules, in order (INSTALLED_APPS, URL mounting, demo data)."""
    return [module.app for module in MODULES.values()]


def nav_modules(request: HttpRequest) -> list[dict[str, Any]]:
    """The modules the request's member may open, for the navigation bar."""
    from django.urls import NoReverseMatch, reverse

    from tenancy.permissions import has_permission

    membership = getattr(request, "membership", None)
    organization = getattr(request, "organization", None)
    if membership is None or organization is None:
        return []
    items = []
    for module in MODULES.values():
        if not has_permission(membership, f"{module.code}.view"):
            continue
        try:
            url = reverse(module.home_url, args=[organization.slug])
        except NoReverseMatch:
            continue
        items.append(
            {
                "code": module.code,
                "label": module.nav_label,
                "url": url,
                "current": request.path.startswith(url),
            }
        )
    return items


def workspace_tabs(request: Any, partnership: Any) -> list[dict[str, Any]]:
    """The partnership workspace's tabs the member may open; a tab whose page does not exist
    yet is left out. Every module's partnership page renders them."""
    from django.urls import NoReverseMatch, reverse

    from tenancy.permissions import has_permission

    membership = getattr(request, "membership", None)
    tabs = []
    for module in MODULES.values():
        if not module.tabs or not has_permission(membership, f"{module.code}.view"):
            continue
        for tab in module.tabs:
            if not tab.guest and getattr(membership, "is_guest", False):
                continue
            try:
                url = reverse(tab.url_name, args=[request.organization.slug, partnership.pk])
            except NoReverseMatch:
                continue
            tabs.append({"label": tab.label, "url": url, "current": request.path == url})
    return tabs
