"""Checking clauses against the playbook: pure functions over clause parameters and rules.

A deviation is computed, never stored, so it cannot go stale when a clause, the agreement's
annual fees or a rule changes. It is *open* unless the clause was rejected (struck from the
agreement). The normalised parameters a rule can test are documented in `PARAMETERS`.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

PARAMETERS = {
    "cap_multiple": "Liability cap as a multiple of annual fees (1 = 12 months' fees)",
    "cap_amount": "Liability cap as a fixed amount",
    "notice_days": "Notice period in days",
    "cure_days": "Remediation / cure period in days",
    "arbitration_seat": "Seat of arbitration",
    "arbitration_rules": "Arbitration rules (ICC, LCIA ...)",
    "governing_law": "Governing law",
    "percentage": "The main percentage (price increase cap, service credit ...)",
    "renewal_months": "Renewal term in months",
    "term_months": "Duration in months (warranty, non-solicitation ...)",
    "uncapped": "The clause leaves liability uncapped (true/false)",
}


@dataclass(frozen=True)
class Deviation:
    clause_id: int | None  # None: the clause is missing from the agreement
    clause_type: str
    rule_id: int | None
    rule_name: str
    severity: str  # "red_line" | "warning"
    message: str
    actual: object = None
    is_open: bool = True
    waived: bool = False  # a red line accepted with a written justification

    @property
    def is_red_line(self) -> bool:
        return self.severity == "red_line"


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _plain(value: Decimal) -> str:
    """A multiple as text without trailing zeros and in plain notation (10, never "1E+1")."""
    return f"{value.normalize():f}"


def normalise_detected_parameters(code: str, raw: dict) -> dict:
    """The detector's parameters (JSON form) turned into the playbook's normalised keys."""
    params: dict = {}
    notice = raw.get("notice_period")
    if isinstance(notice, dict) and notice.get("days") is not None:
        params["notice_days"] = int(notice["days"])
    elif raw.get("days") and code in (
        "termination_for_convenience",
        "termination_for_cause",
        "notice_period",
    ):
        params["notice_days"] = int(raw["days"][0])
    if code == "termination_for_cause" and raw.get("days"):
        params["cure_days"] = int(raw["days"][0])
    if code == "limitation_of_liability":
        multiple = _decimal(raw.get("fee_multiple"))
        months = raw.get("fees_months")
        if multiple is not None and months:
            params["cap_multiple"] = _plain(multiple * Decimal(months) / 12)
        elif multiple is not None:
            params["cap_multiple"] = _plain(multiple)
        elif months:
            params["cap_multiple"] = _plain(Decimal(months) / 12)
        amounts = raw.get("amounts") or []
        if amounts and isinstance(amounts[0], dict):
            params["cap_amount"] = amounts[0].get("amount")
            params["cap_currency"] = amounts[0].get("currency")
    for key in ("arbitration_seat", "arbitration_rules", "governing_law"):
        if raw.get(key):
            params[key] = raw[key]
    if raw.get("percentages"):
        params["percentage"] = str(raw["percentages"][0])
    renewal = raw.get("renewal_term")
    if isinstance(renewal, dict):
        months = {"month": 1, "year": 12}.get(renewal.get("unit"))
        if months:
            params["renewal_months"] = renewal["value"] * months
    terms = raw.get("terms") or []
    if terms and isinstance(terms[0], dict) and code != "limitation_of_liability":
        months = {"month": 1, "year": 12}.get(terms[0].get("unit"))
        if months:
            params["term_months"] = terms[0]["value"] * months
    return params


def effective_parameters(parameters: dict, *, annual_value: Decimal | None) -> dict:
    """The clause's parameters plus what follows from the agreement (a fixed cap as a multiple)."""
    params = dict(parameters or {})
    amount = _decimal(params.get("cap_amount"))
    if "cap_multiple" not in params and amount is not None and annual_value:
        params["cap_multiple"] = str((amount / annual_value).quantize(Decimal("0.01")))
    return params


def _fmt(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def check_rule(*, operator: str, expected, actual) -> bool:
    """True when `actual` satisfies the rule. A missing value fails every rule."""
    if operator == "present":
        return actual not in (None, "", [])
    if actual in (None, "", []):
        return False
    if operator in ("gte", "lte"):
        a, e = _decimal(actual), _decimal(expected)
        if a is None or e is None:
            return False
        return a >= e if operator == "gte" else a <= e
    if operator in ("in", "not_in"):
        allowed = [str(v).strip().lower() for v in (expected or [])]
        hit = str(actual).strip().lower() in allowed
        return hit if operator == "in" else not hit
    if operator == "eq":
        a, e = _decimal(actual), _decimal(expected)
        if a is not None and e is not None:
            return a == e
        return str(actual).strip().lower() == str(expected).strip().lower()
    return False


OPERATOR_WORDS = {
    "gte": "at least",
    "lte": "at most",
    "eq": "equal to",
    "in": "one of",
    "not_in": "none of",
    "present": "stated",
}


def rule_message(*, parameter: str, operator: str, expected, actual) -> str:
    label = parameter.replace("_", " ")
    if actual in (None, "", []):
        return f"The clause does not state the {label}; the playbook requires it to be " + (
            "stated." if operator == "present" else f"{OPERATOR_WORDS[operator]} {_fmt(expected)}."
        )
    return (
        f"{label.capitalize()} is {_fmt(actual)}; the playbook requires "
        f"{OPERATOR_WORDS.get(operator, operator)} {_fmt(expected)}."
    )


def clause_deviations(clause, rules, *, annual_value) -> list[Deviation]:
    """Deviations of one clause against the active rules of its type."""
    params = effective_parameters(clause.parameters, annual_value=annual_value)
    is_open = clause.decision != "rejected"
    waiver = bool(getattr(clause, "red_line_waiver", ""))
    found = []
    for rule in rules:
        if not rule.is_active:
            continue
        actual = params.get(rule.parameter)
        if check_rule(operator=rule.operator, expected=rule.value, actual=actual):
            continue
        found.append(
            Deviation(
                clause_id=clause.pk,
                clause_type=clause.clause_type,
                rule_id=rule.pk,
                rule_name=rule.name,
                severity=rule.severity,
                message=rule_message(
                    parameter=rule.parameter,
                    operator=rule.operator,
                    expected=rule.value,
                    actual=actual,
                ),
                actual=actual,
                is_open=is_open and not (waiver and rule.severity == "red_line"),
                waived=waiver and rule.severity == "red_line",
            )
        )
    return found


def agreement_deviations(agreement, clauses, playbook) -> list[Deviation]:
    """All deviations of an agreement. `playbook` maps clause type -> PlaybookClause with its
    rules prefetched; `clauses` are the agreement's clauses (any order)."""
    deviations = []
    present = {c.clause_type for c in clauses if c.decision != "rejected"}
    for clause in clauses:
        entry = playbook.get(clause.clause_type)
        if entry is None:
            continue
        deviations.extend(
            clause_deviations(clause, entry.rules.all(), annual_value=agreement.annual_value)
        )
    if agreement.agreement_type == "msa":
        for code, entry in sorted(playbook.items()):
            if entry.required and code not in present:
                deviations.append(
                    Deviation(
                        clause_id=None,
                        clause_type=code,
                        rule_id=None,
                        rule_name="Required clause",
                        severity="red_line",
                        message=f"The agreement has no {entry.get_clause_type_display().lower()}"
                        " clause; the playbook requires one.",
                    )
                )
    return deviations
