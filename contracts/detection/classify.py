"""Explainable clause classification: weighted patterns per clause type.

Each clause type has a handful of rules. A rule is a regular expression over the lower-cased
segment, scoped to the heading (the clause title, or the title of the article it sits in) or to
the body, with a weight. A segment gets a clause type when the weights of the rules that fire add
up to ``THRESHOLD``; the rules that fired are returned so legal can see *why* ("heading says
'Limitation of Liability'; body: 'aggregate liability ... shall not exceed'").

Why rules and not a model: they are auditable, they run in CI without torch, and they are good
enough for the contract-level question procurement asks first ("is there a liability cap at
all?"). ``bench/clause_detection.py`` measures them against CUAD; read
``docs/clause-detection.md`` before changing a weight, and tune on the development split only.

Weights follow three rough levels: 1.5 means "this alone settles it" (a heading "Insurance", the
phrase "governed by the laws of"), 1.0 a strong body phrase, 0.5 supporting evidence that needs a
second rule. Heading rules also apply, at half weight, to the enclosing article's title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .segment import Segment

THRESHOLD = 1.0
CONTEXT_FACTOR = 0.5


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    weight: float
    scope: str  # "heading" or "body"
    # Body rules only: the sentence around the match must (not) contain these.
    requires: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    code: str
    confidence: float
    rule: str  # the names of the rules that fired, strongest first, "; "-separated
    score: float


def _h(name: str, pattern: str, weight: float = 1.5) -> Rule:
    return Rule(f"heading: {name}", re.compile(pattern), weight, "heading")


def _b(
    name: str,
    pattern: str,
    weight: float = 1.0,
    requires: str | None = None,
    unless: str | None = None,
) -> Rule:
    return Rule(
        f"body: {name}",
        re.compile(pattern),
        weight,
        "body",
        re.compile(requires) if requires else None,
        re.compile(unless) if unless else None,
    )


_S = r"[^.;]"  # within one sentence (roughly: "U.S." and "Section 2.1" end it early)
_NUMBER_WORDS = (
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|forty-five|fifty|sixty|ninety|one hundred)"
)
_PERIOD = (
    rf"{_NUMBER_WORDS}\s*(?:\(\d+\)\s*)?[\s-]*(?:business\s+|calendar\s+)?(?:days?|months?|years?)"
)
# "may terminate" as opposed to "upon termination for any reason" (the aftermath of any ending).
_MAY = r"\bmay\b|right|entitled|option|elect|terminable|discretion|\bcan\b|ability|will\s+have"
_AFTERMATH = (
    r"(?:upon|after|following|on|of|in\s+the\s+event\s+of)\s+(?:the\s+|this\s+|"
    r"any\s+)?(?:expiration\s+or\s+|earlier\s+|early\s+)?(?:termination|expiration|"
    r"cancell?ation)|terminated\s+(?:by\s+\w+\s+)?for\s+any\s+reason|surviv"
)
# Termination on notice is for convenience unless the sentence names a cause or the end of term.
_FOR_CAUSE = (
    r"breach|default|fail|insolv|bankrupt|cure|violat|for\s+cause|force\s+majeure|"
    r"not\s+to\s+renew|non-?renewal|(?:prior\s+to|before)\s+the\s+(?:end|expiration)|"
    r"end\s+of\s+the\s+(?:then[- ]current\s+|initial\s+)?term|\bif\b|in\s+the\s+event"
)
# "shall not be considered the exclusive provider", "fees are exclusive of taxes".
_NOT_EXCLUSIVE = (
    r"non-?\s?exclusive|not\s+(?:\w+\s+){0,5}exclusive|no\s+(?:\w+\s+){0,2}exclusiv|"
    r"nothing\s+(?:\w+\s+){0,8}exclusive|exclusive\s+of\s+(?:any\s+|all\s+)?(?:\w+\s+)?tax|"
    r"reserves\s+the\s+right|whereas"
)
_INSURANCE = r"insur|polic(?:y|ies)"
_NEGATION = r"\bnot\b|\bno\b|\bnor\b|\bneither\b|refrain|prohibit"

RULES: dict[str, tuple[Rule, ...]] = {
    "limitation_of_liability": (
        _h(
            "limitation of liability",
            r"limit\w*\s+(?:of|on)\s+(?:\w+\s+)?liabilit|liability\s+(?:cap|limit)|"
            r"exclusion\s+of\s+(?:certain\s+)?damages|limitation\s+of\s+(?:damages|"
            r"remedies)|consequential\s+damages|damages\s+limitation",
        ),
        _b(
            "liability ... shall not exceed",
            rf"liabilit{_S}{{0,200}}(?:shall|will|"
            rf"may)\s+not\s+(?:in\s+the\s+aggregate\s+)?exceed|"
            rf"liabilit{_S}{{0,120}}(?:limited|capped)\s+(?:to|at)",
            1.5,
        ),
        _b(
            "aggregate / maximum liability",
            r"(?:aggregate|total|maximum|cumulative|entire)\s+liabilit",
            1.0,
        ),
        _b(
            "in no event liable",
            rf"(?:in\s+no\s+event|under\s+no\s+circumstances?){_S}{{0,150}}\bliable",
            1.0,
        ),
        _b(
            "no liability for consequential damages",
            rf"(?:not|no)\s+(?:be\s+)?liab\w*{_S}{{0,200}}(?:consequential|indirect|"
            rf"incidental|special|punitive|exemplary|lost\s+profits)",
            1.0,
        ),
        _b(
            "exclusion of consequential damages",
            r"(?:consequential|indirect|incidental|punitive)\s+(?:or\s+\w+\s+)?damages",
            0.5,
        ),
        _b(
            "time bar on claims",
            rf"(?:action|claim|suit){_S}{{0,100}}(?:may|shall|"
            rf"can)\s+(?:not\s+)?be\s+(?:brought|commenced){_S}{{0,80}}(?:more\s+than|"
            rf"after|within)",
            1.0,
        ),
    ),
    "indemnification": (
        _h("indemnification", r"indemn|hold\s+harmless"),
        _b(
            "shall indemnify",
            r"(?:shall|will|agrees?\s+to|undertakes?\s+to|"
            r"must)\s+(?:\w+\s+){0,3}(?:defend,?\s+)?indemnif",
            1.5,
        ),
        _b("hold harmless", r"hold\s+(?:\w+\s+){0,3}harmless", 1.0),
        _b("indemnified party", r"indemnified\s+part|indemnifying\s+part", 0.5),
    ),
    "termination_for_convenience": (
        _h(
            "termination for convenience",
            r"termination\s+(?:for|at)\s+convenience|termination\s+without\s+cause|convenience",
        ),
        _b(
            "terminate for convenience / without cause",
            r"terminat\w*\s+(?:\w+\s+){0,8}(?:for\s+(?:its\s+|their\s+)?convenience|"
            r"without\s+cause|with\s+or\s+without\s+cause|for\s+non-cause|"
            r"for\s+any\s+reason|for\s+no\s+reason|in\s+its\s+(?:sole|absolute|"
            r"unfettered)\s+(?:and\s+absolute\s+)?discretion|at\s+will)|(?:sole|absolute|"
            r"unfettered)\s+(?:and\s+absolute\s+)?discretion,?\s+(?:\w+\s+){0,3}terminat",
            1.5,
            requires=_MAY,
            unless=_AFTERMATH,
        ),
        _b(
            "for any or no reason",
            r"for\s+any\s+reason\s+or\s+(?:for\s+)?no\s+reason|"
            r"without\s+(?:any\s+)?(?:reason|cause)|voluntarily\s+withdraw",
            1.0,
            requires=r"terminat|withdraw",
            unless=_AFTERMATH,
        ),
        _b(
            "may terminate on notice",
            rf"terminat\w*{_S}{{0,150}}?(?:upon|by\s+giving|with|on|after|by\s+providing|"
            rf"by|giving)\s+(?:at\s+least\s+|not\s+less\s+than\s+|"
            rf"no\s+less\s+than\s+)?(?:\w+\s+){{0,2}}{_PERIOD}['’]?\s+(?:\w+\s+){{0,3}}(?:notice|"
            rf"notification)",
            1.0,
            requires=_MAY,
            unless=_FOR_CAUSE,
        ),
        _b(
            "on notice, as a listed ground",
            rf"^\s*\(?[a-z0-9]{{1,3}}\)\s*(?:by\s+(?:either|any|"
            rf"\w+)\s+(?:\w+\s+){{0,2}})?(?:upon|on|by\s+giving|"
            rf"with)\s+(?:at\s+least\s+)?{_PERIOD}['’]?\s+(?:\w+\s+){{0,3}}notice",
            1.0,
            unless=_FOR_CAUSE,
        ),
        _b(
            "terminate at any time",
            rf"terminat\w*{_S}{{0,80}}at\s+any\s+time|at\s+any\s+time{_S}{{0,80}}terminat",
            0.6,
            requires=_MAY,
            unless=_FOR_CAUSE,
        ),
        _b(
            "terminate on prior notice",
            rf"terminat\w*{_S}{{0,100}}(?:upon|on|by|with|"
            rf"after)\s+(?:\w+\s+){{0,3}}(?:prior|advance)\s+(?:written\s+)?notice",
            0.6,
            requires=_MAY,
            unless=_FOR_CAUSE,
        ),
    ),
    "termination_for_cause": (
        _h(
            "termination for cause",
            r"termination\s+(?:for|upon|on)\s+(?:cause|breach|default)|"
            r"events?\s+of\s+default|default",
        ),
        _b(
            "terminate on breach",
            rf"terminat{_S}{{0,200}}(?:material(?:ly)?\s+breach|breach|default|"
            rf"fails?\s+to\s+(?:perform|cure|pay|comply))",
            1.0,
        ),
        _b(
            "breach ... terminate",
            rf"(?:material(?:ly)?\s+breach|breach|default){_S}{{0,200}}terminat",
            1.0,
        ),
        _b(
            "terminate on insolvency",
            rf"terminat{_S}{{0,250}}(?:insolven|bankrupt|receiver|liquidat|winding[- ]up|"
            rf"assignment\s+for\s+the\s+benefit\s+of\s+creditors)",
            1.0,
        ),
        _b(
            "cure period",
            r"(?:cure|remedy)\s+(?:such|the|any|said)\s+(?:breach|default|failure)",
            0.5,
        ),
    ),
    "exit_transition": (
        _h(
            "effect of termination",
            r"effects?\s+of\s+(?:termination|expiration|expiry)|"
            r"consequences?\s+of\s+termination|(?:rights|obligations|"
            r"duties)\s+(?:up)?on\s+(?:termination|expiration)|transition|"
            r"post[- ]termination|wind[- ]?down|after\s+termination|upon\s+termination|"
            r"on\s+termination",
            1.5,
        ),
        _b(
            "obligations after termination",
            rf"(?:upon|after|following|on|subsequent\s+to|"
            rf"in\s+the\s+event\s+of)\s+(?:the\s+)?(?:any\s+)?(?:expiration\s+or\s+)?(?:early\s+)?(?:termination|"
            rf"expiration|expiry|cancellation){_S}{{0,200}}(?:shall|will|must|"
            rf"agrees?\s+to)\s+(?:\w+\s+){{0,3}}(?:return|deliver|continue|provide|pay|"
            rf"destroy|transfer|sell|purchase|repurchase|assist|cooperate|fulfill|fill|"
            rf"remit|have\s+the\s+right)",
            1.0,
        ),
        _b(
            "transition assistance",
            r"transition\s+(?:services|assistance|period|plan)|transitional\s+services|"
            r"migration\s+assistance",
            1.5,
        ),
        _b(
            "sell-off / wind-down",
            r"sell[- ]off|wind[- ]down|last[- ]time[- ]buy|run[- ]off\s+period|"
            r"dispose\s+of\s+(?:its\s+|any\s+)?(?:remaining\s+)?inventor",
            1.0,
        ),
        _b(
            "survives termination",
            r"surviv\w*\s+(?:the\s+|any\s+)?(?:expiration|termination|expiry)",
            0.5,
        ),
    ),
    "data_portability": (
        _h(
            "return of data",
            r"return\s+of\s+(?:customer\s+)?(?:data|materials|information|property)|"
            r"data\s+portability|data\s+return",
        ),
        _b(
            "data portability",
            r"data\s+portability|portable\s+format|machine[- ]readable\s+format|"
            r"industry[- ]standard\s+format",
            1.5,
        ),
        _b(
            "return customer data",
            rf"(?:return|deliver|export|provide){_S}{{0,80}}\b(?:customer|client|licensee|"
            rf"company)\s+data\b",
            1.0,
        ),
        _b(
            "data on termination",
            rf"\bdata\b{_S}{{0,120}}(?:termination|expiration){_S}{{0,120}}(?:return|"
            rf"deliver|export|destroy|delete)",
            0.8,
        ),
    ),
    "audit_rights": (
        _h(
            "audit",
            r"audit|inspection|books\s+and\s+records|records|right\s+to\s+inspect|examination",
        ),
        _b(
            "right to audit",
            rf"(?:right|entitled|permit|allow|access|may|"
            rf"shall\s+be\s+subject)\s+(?:\w+\s+){{0,8}}(?:to\s+)?(?:audit|inspect|examine|"
            rf"review)\b{_S}{{0,150}}(?:books|records|accounts|facilit|premises|plant|"
            rf"operations|site|documentation)",
            1.5,
        ),
        _b(
            "audit of books and records",
            rf"\baudit\w*{_S}{{0,150}}(?:books|records|accounts)|(?:books|records|"
            rf"accounts){_S}{{0,150}}\baudit",
            1.5,
        ),
        _b(
            "independent accountant examines",
            rf"(?:independent|"
            rf"certified)\s+(?:\w+\s+){{0,3}}accountant{_S}{{0,150}}(?:examin|audit|"
            rf"inspect|review)",
            1.5,
        ),
        _b(
            "inspect premises or records",
            rf"(?:inspect|examin)\w*{_S}{{0,80}}(?:books|records|facilit|premises|plants?|"
            rf"manufacturing)",
            1.0,
        ),
        _b("audit", r"\baudit(?:s|ed|ing)?\b", 0.5),
    ),
    "compliance": (
        _h(
            "compliance with laws",
            r"compliance|anti[- ]?corruption|anti[- ]?bribery|export\s+control|applicable\s+laws?",
        ),
        _b(
            "comply with applicable laws",
            rf"compl(?:y|ies|iance)\s+with\s+(?:all\s+)?(?:applicable|relevant|"
            rf"governmental|federal|state|local){_S}{{0,40}}(?:laws|statutes|regulations|"
            rf"rules)",
            1.0,
        ),
        _b(
            "anti-corruption law",
            r"foreign\s+corrupt\s+practices|\bfcpa\b|bribery\s+act|anti[- ]?corruption|"
            r"anti[- ]?bribery",
            1.5,
        ),
        _b(
            "export control law",
            r"export\s+(?:control|administration)\s+(?:laws|regulations|act)|\bitar\b|\bear\b",
            1.0,
        ),
    ),
    "dispute_resolution": (
        _h("dispute resolution", r"dispute|arbitration|jurisdiction|venue|mediation|forum"),
        _b("arbitration", r"\barbitrat(?:ion|or|ors|ed)\b", 1.0),
        _b(
            "submission to courts",
            r"(?:exclusive|non-exclusive|nonexclusive)\s+jurisdiction|"
            r"submit\w*\s+(?:\w+\s+){0,4}(?:to\s+the\s+)?jurisdiction|venue\s+(?:shall|"
            r"will)\s+(?:be|lie)",
            1.0,
        ),
        _b(
            "mediation",
            r"\bmediat(?:ion|or)\b|escalat\w*\s+(?:\w+\s+){0,3}(?:to\s+)?(?:senior|executive)",
            0.8,
        ),
        _b(
            "arbitral institution",
            r"\bicc\b|\blcia\b|\bjams\b|uncitral|american\s+arbitration\s+association|"
            r"international\s+chamber\s+of\s+commerce",
            1.0,
        ),
    ),
    "governing_law": (
        _h(
            "governing law",
            r"governing\s+laws?|applicable\s+laws?\b(?!\s+and\s+regulations)|"
            r"choice\s+of\s+laws?|law\s+and\s+jurisdiction|controlling\s+law|construction",
        ),
        _b(
            "governed by the laws of",
            rf"(?:govern(?:ed|s)?|constru(?:ed|e)|interpreted|enforced|"
            rf"subject\s+to){_S}{{0,120}}\blaws?\s+(?:in\s+force\s+)?(?:of|"
            rf"in)\s+(?:the\s+)?(?:state|commonwealth|province|republic|people|country|"
            rf"kingdom|federal|united|\w+)",
            1.5,
            unless=r"tax\s+laws|securities\s+laws",
        ),
        _b("laws of the State of", r"laws?\s+of\s+the\s+(?:state|commonwealth|province)\s+of", 0.5),
    ),
    "force_majeure": (
        _h(
            "force majeure",
            r"force\s+majeure|excused\s+performance|acts?\s+of\s+god|unavoidable\s+delay",
        ),
        _b("force majeure", r"force\s+majeure", 1.5),
        _b("act of god", r"acts?\s+of\s+god", 1.0),
        _b(
            "beyond reasonable control",
            r"beyond\s+(?:the\s+)?(?:its|their|his|such\s+party['’]s|a\s+party['’]s|"
            r"the\s+party['’]s)?\s*(?:reasonable\s+)?control",
            0.6,
        ),
    ),
    "exclusivity": (
        _h(
            "exclusivity",
            r"(?<!non-)(?<!non)exclusiv(?!e\s+licen)|sole\s+(?:source|supplier|"
            r"distributor)|requirements",
        ),
        _b(
            "exclusive appointment",
            r"(?<!non-)(?<!non)(?<!non\s)\bexclusive\s+(?:\w+\s+){0,2}(?:distributor|"
            r"supplier|provider|reseller|agent|right|rights|basis|licensee|partner|dealer|"
            r"representative|marketing|manufacturer|source|sales|arrangement|relationship|"
            r"territory|collaborat)",
            1.0,
            unless=_NOT_EXCLUSIVE,
        ),
        _b(
            "exclusively",
            r"\bexclusively\s+(?:from|to|through|with|by|for)\b",
            0.8,
            unless=r"governed|jurisdiction|courts?\b|venue|arbitrat",
        ),
        _b(
            "all requirements from",
            r"(?:all|one\s+hundred\s+percent|100%)\s+(?:of\s+)?(?:its|their|"
            r"the)\s+(?:\w+\s+){0,2}(?:requirements|needs)",
            1.0,
        ),
        _b(
            "no dealing with others",
            rf"(?:shall|will|may)\s+not{_S}{{0,80}}(?:purchase|buy|sell|distribute|market|"
            rf"license|appoint|grant|contract|enter\s+into|engage|supply|promote|"
            rf"procure){_S}{{0,120}}(?:any\s+other|other\s+(?:third\s+part|suppliers|"
            rf"distributors|manufacturers|vendors)|any\s+third\s+part|competing|"
            rf"competitive|similar\s+products)",
            1.0,
        ),
        _b(
            "sole and exclusive",
            r"sole\s+and\s+exclusive\s+(?:\w+\s+){0,2}(?:distributor|supplier|provider|"
            r"reseller|agent|right|licensee|source)",
            1.0,
            unless=_NOT_EXCLUSIVE,
        ),
    ),
    "ip_ownership": (
        _h(
            "intellectual property ownership",
            r"ownership|intellectual\s+property|inventions|proprietary\s+rights|"
            r"work\s+product|improvements|title\s+to|assignment\s+of\s+(?:rights|"
            r"inventions|intellectual)",
            0.8,
        ),
        _b(
            "hereby assigns",
            rf"(?:hereby\s+|shall\s+|will\s+|"
            rf"agrees?\s+to\s+)(?:irrevocably\s+)?assigns?{_S}{{0,150}}(?:right,?\s+title|"
            rf"intellectual\s+property|inventions?|patents?|copyrights?|ownership)",
            1.5,
        ),
        _b(
            "shall be the property of",
            r"(?:shall|will)\s+(?:be\s+(?:and\s+remain\s+)?|"
            r"become\s+)(?:the\s+)?(?:sole\s+and\s+exclusive\s+|sole\s+|"
            r"exclusive\s+)?(?:property|owner)\s+of",
            1.0,
        ),
        _b(
            "jointly owned",
            r"joint(?:ly)?\s+own|co-?own|joint\s+(?:intellectual\s+property|inventions?|ip\b)",
            1.5,
        ),
        _b("work made for hire", r"works?\s+(?:made\s+)?for\s+hire", 1.5),
        _b(
            "shall own / vest",
            rf"(?:shall|will)\s+(?:solely\s+|exclusively\s+|jointly\s+)?(?:own|vest\s+in|"
            rf"retain\s+(?:all\s+)?(?:right|"
            rf"ownership)){_S}{{0,150}}(?:intellectual\s+property|inventions?|"
            rf"improvements?|developments?|results|work\s+product|deliverables|data|"
            rf"patents?|copyrights?)",
            1.0,
        ),
    ),
    "licence_grant": (
        _h(
            "licence grant",
            r"licen[cs]e(?!\s+fees?)(?!d\s+products?)|grant\s+of\s+rights|"
            r"rights\s+granted|sublicen",
        ),
        _b(
            "grants a licence",
            rf"grants?\b{_S}{{0,150}}\blicen[cs]e\b|"
            rf"\blicen[cs]e\b{_S}{{0,40}}(?:is\s+)?(?:hereby\s+)?granted",
            1.5,
        ),
        _b(
            "licence qualifiers",
            r"(?:non-?exclusive|exclusive|royalty[- ]free|fully[- ]paid|perpetual|"
            r"irrevocable|worldwide|non-?transferable|"
            r"limited)\s*,?\s+(?:\w+[\s,-]+){0,3}licen[cs]e\b",
            1.0,
        ),
        _b(
            "right to use or distribute",
            rf"grants?\b{_S}{{0,80}}\bright\s+to\s+(?:use|sell|distribute|market|reproduce|"
            rf"make|manufacture|copy|display|modify|resell|sublicense)",
            1.0,
        ),
        _b("sublicense", r"\bsub-?licen[cs]e", 0.5),
    ),
    "confidentiality": (
        _h("confidentiality", r"confidential|non-?disclosure|secrecy"),
        _b(
            "keep in confidence",
            r"(?:keep|hold|maintain|"
            r"treat)\s+(?:\w+\s+){0,6}(?:in\s+)?(?:strict(?:est)?\s+)?confiden",
            1.5,
        ),
        _b(
            "not disclose",
            rf"not\s+(?:\w+\s+){{0,3}}(?:disclose|divulge|"
            rf"reveal){_S}{{0,120}}(?:confidential|proprietary|information|terms)",
            1.0,
        ),
        _b("confidential information", r"confidential\s+information", 0.5),
    ),
    "insurance": (
        _h("insurance", r"insurance|insured"),
        _b(
            "maintain insurance",
            rf"(?:maintain|carry|obtain|procure|purchase|keep|have)\b{_S}{{0,150}}insurance",
            1.5,
        ),
        _b(
            "liability insurance",
            r"(?:general|product(?:s)?|professional|public|employer['’]?s|auto(?:mobile)?|"
            r"umbrella|excess|cyber|"
            r"errors\s+and\s+omissions)\s+(?:\w+\s+){0,2}(?:liability\s+)?insurance",
            1.5,
        ),
        _b(
            "additional insured",
            r"additional(?:ly)?\s+insured|certificates?\s+of\s+insurance|"
            r"insurance\s+(?:policy|policies|coverage|certificate)|insurer",
            1.0,
        ),
    ),
    "price_adjustment": (
        _h(
            "price adjustment",
            r"price\s+(?:adjustment|changes?|increase|revision|protection|review)|"
            r"adjustment\s+of\s+(?:prices|fees)|changes?\s+(?:in|to)\s+(?:prices|pricing|"
            r"fees)",
        ),
        _b(
            "prices may not be increased",
            rf"(?:not|no)\s+(?:\w+\s+){{0,4}}(?:increase|raise|change|adjust|"
            rf"modify){_S}{{0,60}}(?:prices?|fees|rates|charges|pricing)|(?:prices?|fees|"
            rf"rates|charges|pricing){_S}{{0,80}}(?:shall|will|"
            rf"may)\s+not\s+(?:be\s+)?(?:increase|raise|change|adjust|exceed)",
            1.0,
        ),
        _b(
            "price increase capped",
            rf"(?:increase|adjustment)s?{_S}{{0,80}}(?:shall|will|may)\s+not\s+exceed|"
            rf"(?:cpi|consumer\s+price\s+index|producer\s+price\s+index|inflation)",
            1.0,
        ),
        _b(
            "prices fixed",
            rf"(?:prices?|fees|rates|pricing){_S}{{0,60}}(?:fixed|firm|"
            rf"remain\s+(?:in\s+effect|unchanged|constant))",
            1.0,
        ),
        _b(
            "price change on notice",
            rf"(?:increase|adjust|change|modify|revise){_S}{{0,60}}(?:prices?|fees|rates|"
            rf"pricing){_S}{{0,100}}(?:notice|once|annually|per\s+(?:year|calendar\s+year))",
            0.6,
        ),
    ),
    "most_favoured_customer": (
        _h(
            "most favoured customer",
            r"most\s+favou?red|best\s+pric|price\s+protection|favou?rable\s+terms",
        ),
        _b(
            "most favoured nation/customer",
            r"most\s+favou?red\s+(?:nation|customer|client|licensee|pricing|terms|status)",
            1.5,
        ),
        _b(
            "terms no less favourable",
            r"(?:no|not)\s+less\s+favou?rable|at\s+least\s+as\s+favou?rable|"
            r"more\s+favou?rable\s+(?:prices?|terms|pricing|rates)|"
            r"lowest\s+(?:net\s+)?(?:price|rate|fee)|better\s+(?:prices?|terms|pricing)",
            1.0,
            requires=(
                r"(?:other|third|any)\s+(?:customer|client|part|licensee|distributor|"
                r"purchaser|buyer|similarly|person)|offer|grant"
            ),
        ),
    ),
    "non_solicitation": (
        _h(
            "non-solicitation",
            r"non-?solicit|no[- ]solicit|solicitation|no[- ]hire|non-?hire|"
            r"hiring\s+of\s+employees|employment\s+of\s+(?:personnel|employees)",
        ),
        _b(
            "not solicit or hire employees",
            rf"\b(?:solicit\w*|recruit\w*|hire|hiring|employ|induce\w*|"
            rf"entice\w*)\b{_S}{{0,120}}\b(?:employees?|personnel|staff)\b",
            1.2,
            requires=_NEGATION,
            unless=r"labor\s+dispute|benefit\s+plan|erisa",
        ),
        _b(
            "not solicit customers",
            rf"\b(?:solicit\w*|induce\w*|entice\w*|"
            rf"divert\w*)\b{_S}{{0,120}}\b(?:customers?|clients?|accounts)\b",
            1.0,
            requires=_NEGATION,
            unless=r"exclusiv",
        ),
    ),
    "assignment_change_of_control": (
        _h(
            "assignment",
            r"assign(?:ment|ability|able)?\b(?!\s+of\s+(?:inventions|intellectual|"
            r"rights\s+in))|change\s+(?:of|in)\s+control|successors|"
            r"transfer(?:ability)?\b(?!\s+pric)",
        ),
        _b(
            "may not assign",
            rf"(?:not|no\s+party\s+may|neither\s+party\s+(?:may|"
            rf"shall))\s+(?:\w+\s+){{0,6}}(?:assign|transfer|delegate)|(?:not\s+be|"
            rf"non-?)(?:assignable|transferable)|"
            rf"assign\w*{_S}{{0,150}}without\s+(?:the\s+)?(?:express\s+)?(?:prior\s+)?(?:written\s+)?(?:consent|"
            rf"approval)",
            1.5,
            unless=(
                r"licen[cs]e\s+(?:is|are|shall\s+be)\s+non-?transferable|"
                r"non-?transferable\s+(?:\w+\s+){0,3}licen[cs]e"
            ),
        ),
        _b(
            "change of control",
            r"change\s+(?:of|in)\s+(?:the\s+)?control|(?:merger|consolidation|acquisition|"
            r"reorganization)[^.;]{0,120}(?:assign|deemed|terminat)|"
            r"sale\s+of\s+(?:all\s+or\s+)?substantially\s+all",
            1.2,
        ),
        _b("consent required to assign", rf"(?:consent|approval){_S}{{0,100}}assign", 0.8),
    ),
    "warranty": (
        _h(
            "warranty",
            r"(?<!representations\sand\s)(?<!representations\s&\s)warrant(?!ies\s+of\s+authority)",
            1.0,
        ),
        _b(
            "warranty period",
            rf"warranty\s+period|"
            rf"warrant\w*{_S}{{0,200}}(?:for\s+(?:a\s+)?(?:period\s+of\s+)?{_PERIOD}|"
            rf"period\s+of\s+{_PERIOD})|{_PERIOD}{_S}{{0,80}}(?:warranty|guarantee)",
            1.5,
        ),
        _b(
            "free from defects",
            r"free\s+(?:from|of)\s+(?:any\s+)?(?:material\s+)?defects?|"
            r"defects?\s+in\s+(?:\w+\s+){0,2}(?:materials?|workmanship|design)",
            1.0,
        ),
        _b(
            "warrants that the goods",
            r"warrants?\s+(?:\w+\s+){0,3}that\s+(?:the\s+|all\s+|each\s+)?(?:products?|"
            r"goods|services|software|deliverables|equipment|work|units)",
            1.0,
        ),
        _b(
            "disclaimer of warranties",
            r"disclaim\w*\s+(?:\w+\s+){0,4}warrant|implied\s+warrant|merchantability",
            0.5,
        ),
    ),
    "service_credits": (
        _h(
            "service credits",
            r"service\s+(?:level\s+)?credits?|liquidated\s+damages|service\s+levels?|"
            r"penalt(?:y|ies)|termination\s+fee",
        ),
        _b(
            "service credits",
            r"service\s+(?:level\s+)?credits?|credits?\s+(?:\w+\s+){0,3}(?:against|"
            r"towards?|on)\s+(?:the\s+)?(?:next\s+)?(?:invoice|fees|charges)",
            1.5,
        ),
        _b("liquidated damages", r"liquidated\s+damages", 1.5),
        _b(
            "termination fee",
            r"(?:early\s+)?termination\s+(?:fee|charge|payment|penalty)|break\s+fee|"
            r"cancell?ation\s+(?:fee|charge)",
            1.0,
        ),
        _b(
            "penalty",
            r"(?:as\s+a\s+|pay\s+a\s+)penalty|late\s+(?:delivery\s+)?(?:fee|charge|penalt)",
            0.8,
        ),
    ),
    "renewal": (
        _h("renewal", r"renewal|extension|term\s+and\s+(?:renewal|extension)|renew"),
        _b(
            "automatic renewal",
            r"automatic(?:ally)?\s+(?:be\s+)?(?:renew|extend|continu)|auto-?renew|"
            r"evergreen|(?:renew|extend)\w*\s+automatically",
            1.5,
        ),
        _b(
            "successive renewal terms",
            rf"(?:renew|extend)\w*{_S}{{0,100}}(?:for\s+)?(?:an?\s+|one\s+or\s+more\s+|"
            rf"\w+\s+)?(?:additional|successive|further|subsequent|consecutive|like|"
            rf"renewal)\s+(?:\w+\s+){{0,4}}(?:terms?|periods?|years?)|(?:additional|"
            rf"successive|renewal|further)\s+(?:terms?|"
            rf"periods?)\s+of\s+(?:up\s+to\s+)?{_PERIOD}",
            1.5,
        ),
        _b(
            "option to renew",
            r"option\s+to\s+(?:renew|extend)|right\s+to\s+(?:renew|extend)|"
            r"may\s+(?:be\s+)?(?:renew|extend)",
            1.0,
        ),
        _b("renewal term", r"renewal\s+(?:term|period)", 1.0),
        _b("year to year", r"year[- ]to[- ]year|month[- ]to[- ]month|from\s+year\s+to\s+year", 1.0),
    ),
    "notice_period": (
        _h("non-renewal notice", r"non-?renewal|notice\s+of\s+(?:termination|non-?renewal)", 0.5),
        _b(
            "notice of non-renewal",
            rf"(?:notice|notif\w+){_S}{{0,120}}(?:non-?renewal|"
            rf"not\s+(?:to\s+)?(?:be\s+)?(?:renew|extend)|(?:intent|intention|election|"
            rf"decision|desire)\s+(?:not\s+to|to\s+not)\s+(?:renew|extend|continue)|"
            rf"terminate\s+(?:this\s+agreement\s+)?(?:at|upon|as\s+of)\s+the\s+(?:end|"
            rf"expiration))|(?:non-?renewal|not\s+to\s+renew){_S}{{0,120}}notice",
            1.5,
            requires=_PERIOD,
            unless=_INSURANCE,
        ),
        _b(
            "notice before end of term",
            rf"(?:{_PERIOD}['’]?\s+(?:\w+\s+){{0,3}}(?:notice|notification){_S}{{0,160}}|"
            rf"(?:notice|notif\w*){_S}{{0,100}}{_PERIOD}['’]?\s+)(?:prior\s+to|before|"
            rf"preceding|in\s+advance\s+of)\s+(?:the\s+)?(?:end|expiration|expiry|"
            rf"conclusion|termination|lapse|anniversary|renewal)",
            1.2,
            requires=r"renew|extend|successive|automatic|expir|term\b",
            unless=_INSURANCE,
        ),
        _b(
            "unless terminated before end",
            rf"unless{_S}{{0,200}}{_PERIOD}{_S}{{0,100}}(?:prior\s+to|before|preceding|"
            rf"in\s+advance\s+of){_S}{{0,40}}(?:end|expiration|expiry|conclusion)",
            1.2,
            unless=_INSURANCE,
        ),
        _b(
            "notice in a renewal or evergreen clause",
            rf"{_PERIOD}['’]?\s+(?:\w+\s+){{0,4}}(?:notice|notification)|(?:notice|"
            rf"notif\w*){_S}{{0,60}}{_PERIOD}",
            1.0,
            requires=(
                r"renew|extension|extended|successive|automatic|year[- ]to[- ]year|"
                r"month[- ]to[- ]month|indefinitely|continue\s+(?:\w+\s+){0,4}until"
            ),
            unless=_INSURANCE + r"|breach|default|insolv|bankrupt|cure",
        ),
    ),
    "non_compete": (
        _h(
            "non-compete",
            r"non-?compet|not\s+(?:to\s+)?compete|competing\s+(?:products?|business|"
            r"activities)|competition|restrictive\s+covenants?|competitive\s+(?:products?|"
            r"activities)",
        ),
        _b(
            "shall not compete",
            rf"not\s+(?:\w+\s+){{0,6}}(?:compete|competition)|(?:not|"
            rf"no)\b{_S}{{0,120}}(?:competing|competitive|compete)\b",
            1.0,
        ),
        _b(
            "not engage in a similar business",
            rf"(?:not|refrain)\s+(?:from\s+)?(?:\w+\s+){{0,6}}(?:engag\w+|participat\w+|"
            rf"invest\w*|develop\w*|manufactur\w+|sell\w*|market\w*|"
            rf"distribut\w+){_S}{{0,150}}(?:similar|competi|same\s+(?:type|kind)|substitut)",
            1.0,
        ),
        _b(
            "restricted territory or period",
            r"(?:restricted|non-?compet\w*)\s+(?:period|territory|area)",
            1.0,
        ),
    ),
    "minimum_commitment": (
        _h(
            "minimum commitment",
            r"minimum\s+(?:\w+\s+)?(?:purchase|order|commitment|volume|quantit|"
            r"requirement|sales|royalt|performance|payment)|purchase\s+commitment|forecast",
        ),
        _b(
            "minimum purchase or payment",
            r"minimum\s+(?:\w+\s+){0,2}(?:purchase|order|commitment|volume|quantity|"
            r"quantities|sales|royalt\w*|payments?|fees?|revenue|units|number)",
            1.2,
        ),
        _b(
            "shall purchase at least",
            rf"(?:shall|will|agrees?\s+to|must)\s+(?:\w+\s+){{0,2}}(?:purchase|order|buy|"
            rf"sell|acquire|pay){_S}{{0,80}}(?:at\s+least|not\s+less\s+than|"
            rf"no\s+less\s+than|a\s+minimum\s+of)",
            1.2,
        ),
        _b("take or pay", r"take[- ]or[- ]pay|shortfall", 1.0),
    ),
}

# Sentences that define a term ('"Confidential Information" means ...') mention every topic in the
# agreement and govern none of them; they only count when a heading also matches.
_DEFINITION = re.compile(
    r'^\s*(?:\d[\d.]*\s*)?(?:\([a-z0-9]+\)\s*)?["“][^"”]{1,80}["”]\s+(?:shall\s+)?(?:means?|has|have|refers?|includes?|shall\s+have)\b'
)


def classify(segment: Segment) -> list[Classification]:
    """The clause types of one segment, strongest first."""
    return classify_with_hits(segment)[0]


def classify_with_hits(segment: Segment) -> tuple[list[Classification], set[str]]:
    """The clause types of one segment, and every rule that fired on it ("code/rule name", and
    "code" alone for each type that reached the threshold): the trained model's rule features."""
    hits: set[str] = set()
    body = segment.text.lower()
    heading = segment.heading.lower()
    context = segment.context.lower()
    is_definition = bool(_DEFINITION.match(body))
    results = []
    for code, rules in RULES.items():
        fired: list[tuple[float, str]] = []
        body_score = 0.0
        heading_score = 0.0
        for rule in rules:
            if rule.scope == "heading":
                if heading and rule.pattern.search(heading):
                    hits.add(f"{code}/{rule.name}")
                    heading_score = rule.weight
                    fired.append((rule.weight, f"{rule.name} ({segment.heading[:80]!r})"))
                elif context and rule.pattern.search(context):
                    hits.add(f"{code}/{rule.name} in article")
                    heading_score = rule.weight * CONTEXT_FACTOR
                    fired.append(
                        (heading_score, f"{rule.name} in article ({segment.context[:80]!r})")
                    )
                continue
            match = _search(rule, body)
            if match is not None:
                hits.add(f"{code}/{rule.name}")
                body_score += rule.weight
                snippet = " ".join(body[match[0] : match[1]].split())
                if len(snippet) > 90:
                    snippet = snippet[:60] + " ... " + snippet[-25:]
                fired.append((rule.weight, f"{rule.name} ({snippet!r})"))
        if is_definition:
            body_score = 0.0 if heading_score < 1.0 else body_score * 0.5
        score = heading_score + body_score
        # A heading alone ("Insurance") with an empty body is a title, not a clause.
        if score >= THRESHOLD and (body_score > 0 or len(body) > 200):
            hits.add(code)
            fired.sort(key=lambda item: -item[0])
            results.append(
                Classification(
                    code=code,
                    confidence=round(1 - 0.5**score, 2),
                    rule="; ".join(name for _, name in fired),
                    score=score,
                )
            )
    results.sort(key=lambda c: -c.score)
    return results, hits


def rule_names() -> list[str]:
    """Every feature name ``classify_with_hits`` can report, in a stable order."""
    names = []
    for code, rules in RULES.items():
        names.append(code)
        for rule in rules:
            names.append(f"{code}/{rule.name}")
            if rule.scope == "heading":
                names.append(f"{code}/{rule.name} in article")
    return names


def _search(rule: Rule, body: str) -> tuple[int, int] | None:
    for match in rule.pattern.finditer(body):
        if rule.requires is None and rule.unless is None:
            return match.span()
        sentence = _sentence_around(body, match.start(), match.end())
        if rule.requires is not None and not rule.requires.search(sentence):
            continue
        if rule.unless is not None and rule.unless.search(sentence):
            continue
        return match.span()
    return None


def _sentence_around(body: str, start: int, end: int) -> str:
    left = max(body.rfind(". ", 0, start), body.rfind("; ", 0, start), body.rfind("\n\n", 0, start))
    right_candidates = [i for i in (body.find(". ", end), body.find("; ", end)) if i != -1]
    right = min(right_candidates) if right_candidates else len(body)
    return body[left + 1 : right + 1]
