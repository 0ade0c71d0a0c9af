"""Decision rights: which change requests need which approvers of both parties.

The organization's rules (or, while it has stored none, the defaults below) are evaluated on a
change request's category and size when it is submitted; the approvers they require are taken
from the partnership's steering committee (executive sponsors, programme leads, voting members)
and recorded on the request with the rule that required them."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from governance.models import ChangeRequest, Committee, DecisionRightRule, Party
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User

Measure = DecisionRightRule.Measure
Approvers = DecisionRightRule.Approvers
RULE_FIELDS = ("name", "measure", "threshold", "approvers", "is_active", "position")


@dataclass(frozen=True)
class Rule:
    name: str
    measure: str
    threshold: Decimal | None
    approvers: str

    @property
    def measure_label(self) -> str:
        return Measure(self.measure).label

    @property
    def approvers_label(self) -> str:
        return Approvers(self.approvers).label


DEFAULT_RULES = (
    Rule(
        "Budget change above 50,000",
        Measure.BUDGET_AMOUNT,
        Decimal(50_000),
        Approvers.EXECUTIVE_SPONSORS,
    ),
    Rule(
        "Budget change above 10% of the agreement's value",
        Measure.BUDGET_PERCENT,
        Decimal(10),
        Approvers.EXECUTIVE_SPONSORS,
    ),
    Rule("Scope change", Measure.SCOPE, None, Approvers.COMMITTEE),
    Rule(
        "Timeline slip above 30 days", Measure.SCHEDULE_DAYS, Decimal(30), Approvers.PROGRAMME_LEADS
    ),
)


def effective_rules() -> list:
    """The organization's active rules; the defaults while it has stored none at all."""
    stored = list(DecisionRightRule.objects.order_by("position", "pk"))
    if not stored:
        return list(DEFAULT_RULES)
    return [r for r in stored if r.is_active]


def base_value(change_request: ChangeRequest) -> Decimal | None:
    """What a percentage is of: the agreement's value, else the partnership's annual value."""
    agreement = change_request.agreement
    if agreement is not None and agreement.value:
        return agreement.value
    return change_request.partnership.annual_value or None


def rule_applies(rule, change_request: ChangeRequest, base: Decimal | None) -> bool:
    cost = abs(change_request.cost_impact or Decimal(0))
    if rule.measure == Measure.BUDGET_AMOUNT:
        return cost > (rule.threshold or 0)
    if rule.measure == Measure.BUDGET_PERCENT:
        return base is not None and base > 0 and cost * 100 > base * (rule.threshold or 0)
    if rule.measure == Measure.SCOPE:
        return change_request.category == ChangeRequest.Category.SCOPE
    if rule.measure == Measure.SCHEDULE_DAYS:
        return change_request.schedule_impact_days > (rule.threshold or 0)
    return False


@dataclass(frozen=True)
class Requirement:
    user: User
    party: str
    reason: str


WHO = {
    Approvers.EXECUTIVE_SPONSORS: ("executive sponsor", "is_executive_sponsor"),
    Approvers.PROGRAMME_LEADS: ("programme lead", "is_programme_lead"),
    Approvers.COMMITTEE: ("voting member of the committee", "has_vote"),
}


def required_approvers(
    change_request: ChangeRequest, *, today: date
) -> tuple[list[Requirement], list[str]]:
    """The approvers the rules require ({user, party, reason}) and why any cannot be found:
    the committee's members who sit on it `today` (within their term, still able to take
    part; see `committees.seated_members`)."""
    base = base_value(change_request)
    applying = [r for r in effective_rules() if rule_applies(r, change_request, base)]
    if not applying:
        return [], []
    committee = Committee.objects.filter(partnership_id=change_request.partnership_id).first()
    if committee is None:
        # No steering committee is no bypass of the sponsor rules: the executive sponsors are
        # then the partnership's own (ours and the partner's).
        return _required_without_committee(change_request, applying)
    from governance.services.committees import seated_members

    members = seated_members(committee, on=today)
    found: dict[int, Requirement] = {}
    blockers = []
    for rule in applying:
        label, flag = WHO[rule.approvers]
        chosen = [m for m in members if getattr(m, flag)]
        for party, whose in ((Party.CUSTOMER, "our"), (Party.PARTNER, "the partner's")):
            if not any(m.party == party for m in chosen):
                blockers.append(
                    f"“{rule.name}” needs {whose} {label}: the partnership's steering committee "
                    "has none."
                )
        for member in chosen:
            found.setdefault(
                member.user_id,
                Requirement(member.user, member.party, f"{label.capitalize()}: {rule.name}"),
            )
    return list(found.values()), blockers


def _partnership_sponsors(partnership) -> dict[str, User | None]:
    """The executive sponsors named on the partnership: ours (a member who may approve) and the
    partner's (the guest of this partnership with the partner sponsor's e-mail)."""
    from governance.services.change_requests import _invited, _memberships, _party_of

    ours = partnership.executive_sponsor
    theirs = None
    if partnership.partner_sponsor_email:
        theirs = User.objects.filter(email__iexact=partnership.partner_sponsor_email).first()
    found: dict[str, User | None] = {Party.CUSTOMER: None, Party.PARTNER: None}
    candidates = [u for u in (ours, theirs) if u is not None]
    memberships = _memberships(candidates)
    invited = _invited(partnership, candidates)
    for user in candidates:
        try:
            party = _party_of(memberships.get(user.pk), invited=user.pk in invited)
        except ValidationError:
            continue
        if (user is ours and party == Party.CUSTOMER) or (
            user is theirs and party == Party.PARTNER
        ):
            found[party] = user
    return found


def _required_without_committee(
    change_request: ChangeRequest, applying: list
) -> tuple[list[Requirement], list[str]]:
    found: dict[int, Requirement] = {}
    blockers = []
    sponsors = None
    for rule in applying:
        label, _ = WHO[rule.approvers]
        if rule.approvers != Approvers.EXECUTIVE_SPONSORS:
            # Programme leads and voting members exist only on a committee: until there is
            # one, the approvers chosen by hand (of both parties) decide those changes.
            continue
        if sponsors is None:
            sponsors = _partnership_sponsors(change_request.partnership)
        for party, whose in ((Party.CUSTOMER, "our"), (Party.PARTNER, "the partner's")):
            user = sponsors[party]
            if user is None:
                blockers.append(
                    f"“{rule.name}” needs {whose} {label}: the partnership names none who can "
                    "approve (and it has no steering committee)."
                )
                continue
            found.setdefault(
                user.pk, Requirement(user, party, f"{label.capitalize()}: {rule.name}")
            )
    return list(found.values()), blockers


# --- rules --------------------------------------------------------------------------------


def _validate_rule(rule: DecisionRightRule) -> None:
    needs_threshold = rule.measure != Measure.SCOPE
    if needs_threshold and (rule.threshold is None or rule.threshold < 0):
        raise ValidationError({"threshold": "Give the threshold (zero or more)."})
    if rule.measure == Measure.BUDGET_PERCENT and rule.threshold and rule.threshold > 100:
        raise ValidationError({"threshold": "A share is at most 100%."})
    if not needs_threshold:
        rule.threshold = None
    rule.full_clean()


@transaction.atomic
def decision_right_rule_create(*, actor: User | None, **fields) -> DecisionRightRule:
    rule = DecisionRightRule(
        organization=require_organization(),
        **{k: v for k, v in fields.items() if k in RULE_FIELDS},
    )
    _validate_rule(rule)
    rule.save()
    audit_record(
        action="governance.decision_rule.created",
        actor=actor,
        obj=rule,
        changes={"measure": rule.measure, "threshold": rule.threshold, "approvers": rule.approvers},
    )
    return rule


@transaction.atomic
def decision_right_rule_update(
    *, rule: DecisionRightRule, actor: User | None, **fields
) -> DecisionRightRule:
    rule = DecisionRightRule.objects.select_for_update().get(pk=rule.pk)
    changes = changed_fields(rule, {k: v for k, v in fields.items() if k in RULE_FIELDS})
    _validate_rule(rule)
    rule.save()
    if changes:
        audit_record(
            action="governance.decision_rule.updated", actor=actor, obj=rule, changes=changes
        )
    return rule


@transaction.atomic
def decision_right_rule_delete(*, rule: DecisionRightRule, actor: User | None) -> None:
    if DecisionRightRule.objects.count() == 1:
        raise ConflictError(
            "This is the last rule: deactivate it instead (with no rules at all, the defaults "
            "apply).",
            code="last_rule",
        )
    name = rule.name
    rule.delete()
    audit_record(action="governance.decision_rule.deleted", actor=actor, changes={"rule": name})


@transaction.atomic
def decision_rights_install_defaults(*, actor: User | None) -> list[DecisionRightRule]:
    """Store the default rules, so they can be edited (only while none are stored)."""
    if DecisionRightRule.objects.exists():
        raise ConflictError("The organization already has its rules.", code="rules_exist")
    return [
        decision_right_rule_create(
            actor=actor,
            name=rule.name,
            measure=rule.measure,
            threshold=rule.threshold,
            approvers=rule.approvers,
            position=index,
        )
        for index, rule in enumerate(DEFAULT_RULES)
    ]
