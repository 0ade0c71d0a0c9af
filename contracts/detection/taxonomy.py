"""The clause taxonomy of the contracts module, and how it lines up with CUAD.

The codes are stable identifiers: the Django models use them as choices and the detector's rules
are keyed by them, so renaming one is a data migration. Each type names the CUAD v1 categories
(The Atticus Project's Contract Understanding Atticus Dataset) that measure it, so that the
benchmark in ``bench/clause_detection.py`` can score the detector against expert labels. A type
without a CUAD counterpart (indemnification, force majeure...) is still detected, just not measured.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClauseType:
    code: str
    label: str
    # CUAD category names exactly as spelt in the header of CUAD's labels.csv. A contract counts as
    # positive for this type when any of them has a "Yes" answer or a non-empty excerpt.
    cuad_categories: tuple[str, ...] = ()

    @property
    def cuad_category(self) -> str | None:
        """The main CUAD category, or None when CUAD does not measure this type."""
        return self.cuad_categories[0] if self.cuad_categories else None


TAXONOMY: tuple[ClauseType, ...] = (
    # One CUAD category per type (issue #20): a reviewer sees "change of control" apart from
    # "anti-assignment", "joint IP" apart from "IP assignment", and so on. Codes are stable: where
    # an older code's meaning narrowed (``assignment_change_of_control`` is now the anti-assignment
    # clause only) the code was kept so stored clauses keep their type.
    ClauseType("limitation_of_liability", "Limitation of liability", ("Cap On Liability",)),
    ClauseType("uncapped_liability", "Uncapped liability (carve-outs)", ("Uncapped Liability",)),
    ClauseType("indemnification", "Indemnification"),
    ClauseType(
        "termination_for_convenience",
        "Termination for convenience",
        ("Termination For Convenience",),
    ),
    ClauseType("termination_for_cause", "Termination for cause"),
    ClauseType(
        "exit_transition",
        "Exit and transition assistance",
        ("Post-Termination Services",),
    ),
    ClauseType("data_portability", "Data portability and return"),
    ClauseType("audit_rights", "Audit rights", ("Audit Rights",)),
    ClauseType("compliance", "Compliance with laws"),
    ClauseType("dispute_resolution", "Dispute resolution and arbitration"),
    ClauseType("governing_law", "Governing law", ("Governing Law",)),
    ClauseType("force_majeure", "Force majeure"),
    ClauseType("exclusivity", "Exclusivity", ("Exclusivity",)),
    ClauseType("ip_ownership", "Intellectual property ownership", ("Ip Ownership Assignment",)),
    ClauseType("joint_ip_ownership", "Joint IP ownership", ("Joint Ip Ownership",)),
    ClauseType("licence_grant", "Licence grant", ("License Grant",)),
    ClauseType(
        "perpetual_licence",
        "Irrevocable or perpetual licence",
        ("Irrevocable Or Perpetual License",),
    ),
    ClauseType("confidentiality", "Confidentiality"),
    ClauseType("insurance", "Insurance", ("Insurance",)),
    ClauseType("price_adjustment", "Price adjustment and restrictions", ("Price Restrictions",)),
    ClauseType(
        "most_favoured_customer",
        "Most favoured customer",
        ("Most Favored Nation",),
    ),
    ClauseType(
        "non_solicitation",
        "No-solicit of employees",
        ("No-Solicit Of Employees",),
    ),
    ClauseType(
        "no_solicit_customers",
        "No-solicit of customers",
        ("No-Solicit Of Customers",),
    ),
    ClauseType("assignment_change_of_control", "Assignment", ("Anti-Assignment",)),
    ClauseType("change_of_control", "Change of control", ("Change Of Control",)),
    ClauseType("warranty", "Warranty", ("Warranty Duration",)),
    # Service credits are the procurement form of liquidated damages: a pre-agreed sum owed on a
    # failure, instead of proven damages. CUAD's category is broader (termination fees, penalties).
    ClauseType(
        "service_credits",
        "Service credits and liquidated damages",
        ("Liquidated Damages",),
    ),
    ClauseType("renewal", "Renewal", ("Renewal Term",)),
    ClauseType(
        "notice_period",
        "Notice period to terminate renewal",
        ("Notice Period To Terminate Renewal",),
    ),
    ClauseType("non_compete", "Non-compete", ("Non-Compete",)),
    ClauseType("minimum_commitment", "Minimum commitment", ("Minimum Commitment",)),
    ClauseType("volume_restriction", "Volume restriction", ("Volume Restriction",)),
    ClauseType(
        "revenue_profit_sharing",
        "Revenue or profit sharing",
        ("Revenue/Profit Sharing",),
    ),
    ClauseType("source_code_escrow", "Source code escrow", ("Source Code Escrow",)),
    ClauseType(
        "rofr_rofo_rofn", "Right of first refusal, offer or negotiation", ("Rofr/Rofo/Rofn",)
    ),
    ClauseType("non_disparagement", "Non-disparagement", ("Non-Disparagement",)),
    ClauseType("covenant_not_to_sue", "Covenant not to sue", ("Covenant Not To Sue",)),
    ClauseType(
        "third_party_beneficiary",
        "Third-party beneficiary",
        ("Third Party Beneficiary",),
    ),
    ClauseType("other", "Other"),
)

BY_CODE: dict[str, ClauseType] = {clause_type.code: clause_type for clause_type in TAXONOMY}

CODES: tuple[str, ...] = tuple(BY_CODE)

# For Django's ``choices=``.
CHOICES: tuple[tuple[str, str], ...] = tuple((t.code, t.label) for t in TAXONOMY)

# CUAD categories deliberately left out of the taxonomy, so the mapping is explicit both ways.
# The first group is agreement metadata that ``facts.py`` extracts instead of clause detection.
CUAD_FACT_CATEGORIES: tuple[str, ...] = (
    "Document Name",
    "Parties",
    "Agreement Date",
    "Effective Date",
    "Expiration Date",
)
CUAD_UNMAPPED_CATEGORIES: tuple[str, ...] = (
    # They qualify a licence or an exclusivity rather than being a clause of their own.
    "Competitive Restriction Exception",
    "Non-Transferable License",
    "Affiliate License-Licensor",
    "Affiliate License-Licensee",
    "Unlimited/All-You-Can-Eat-License",
)

# The 24 categories the product shows and the benchmark averages over (docs/clause-detection.md),
# and the ten core ones among them.
CORE_CATEGORIES: tuple[str, ...] = (
    "Cap On Liability",
    "Audit Rights",
    "Termination For Convenience",
    "Exclusivity",
    "Ip Ownership Assignment",
    "Change Of Control",
    "Anti-Assignment",
    "Insurance",
    "Renewal Term",
    "Governing Law",
)
PRODUCT_CATEGORIES: tuple[str, ...] = (
    *CORE_CATEGORIES,
    "Uncapped Liability",
    "Joint Ip Ownership",
    "License Grant",
    "Post-Termination Services",
    "Price Restrictions",
    "Most Favored Nation",
    "No-Solicit Of Customers",
    "No-Solicit Of Employees",
    "Warranty Duration",
    "Liquidated Damages",
    "Non-Compete",
    "Minimum Commitment",
    "Revenue/Profit Sharing",
    "Source Code Escrow",
)
# Every category the trained model scores: the 24, then the others that have a type.
MODEL_CATEGORIES: tuple[str, ...] = tuple(
    dict.fromkeys((*PRODUCT_CATEGORIES, *(c for t in TAXONOMY for c in t.cuad_categories)))
)
BY_CATEGORY: dict[str, ClauseType] = {
    category: clause_type for clause_type in TAXONOMY for category in clause_type.cuad_categories
}
