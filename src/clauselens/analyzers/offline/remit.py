"""Which instruments can govern a clause at all: its region, and the kind of document it is in.

**Region.** Platforms publish regional versions ("Terms of Service for consumers in the European
Economic Area", "Meta AIs Terms of Service (EU)", "Legal grounds for users in the EEA and UK");
a section on the legal bases of processing is written for GDPR, so for the EEA and the UK. When
the headings above a clause (or the document title) name regions, instruments of the other
regions do not govern it: the UK Consumer Rights Act is no test of an EEA consumer clause, nor
the CCPA of a section for EEA and UK users. The innermost heading that names a region decides
("EU and UK GDPR" nested under "U.S. States" is for the EU and the UK); headings that name no
region limit nothing; "Europe" or "European" alone is the EEA and the UK, as the platforms use
it ("Europe Terms of Use" apply in the EEA, Switzerland and the UK). A heading for people
outside some regions ("if you live in the United States or outside the EEA, United Kingdom, and
Switzerland") is for the regions it names otherwise, or for every other region. Within a clause,
a sentence that opens with a condition naming regions ("If you reside in the United Kingdom, you
can also contact ...") is evidence for those regions' instruments only. Text in capitals names
regions too ("NEVADA SPECIFIC DISCLOSURES", "IF YOU'RE A U.S. OR CANADIAN RESIDENT YOU ALSO
AGREE TO ..."), but a bare "US" in capitals does not ("CONTACT US"). A text written for named US
states is for federal law, the law of every state and those states' own law: a section for
Washington residents is no CCPA matter. A section for a region whose law the knowledge base does
not hold ("Supplemental Disclosures for Residents of Canada", "Japan Privacy Disclosures")
engages none of it: the offline analyzer says it did not assess the clause rather than name the
FTC or the EDPB.

**Document kind.** Some instruments govern contract terms (``Regulation.remit``
``"contracts"``: the Federal Arbitration Act) or consumer contracts only (``"consumer_contracts"``:
the Unfair Contract Terms Directive, the UK Consumer Rights Act, the Consumer Rights Directive,
automatic-renewal laws); state consumer-protection statutes protect consumers (``"consumers"``).
A privacy notice informs people about processing; it is not a term of a contract, so neither
contract kind is engaged by it, nor is the law of online content (below): a notice that says
how reports of harmful content are processed states a data-protection matter, not the content
rules themselves. Business terms (commercial, enterprise, developer or API terms)
bind businesses, so consumer instruments are not engaged by them either; nor by a section of
consumer terms headed as applying to business use ("Business use of the Services addendum").
Community guidelines say what users may post and do on a platform: the law they engage is the
law of online content (``"online_content"``: the Digital Services Act's notice-and-action and
moderation duties, the UK Online Safety Act, copyright notice-and-takedown), not the law of the
platform's own contracts or its processing of data. A rule against posting someone's medical
records is no HIPAA matter; one against sexualising minors is no COPPA matter.

**Definitions.** A clause in a definitions section ("Definitions", "Key terms", "Glossary")
says what a word means; it sets no term, so it engages no instrument on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from clauselens.analyzers.offline.knowledge import Engagement
from clauselens.analyzers.offline.normalise import without_link_targets

OTHER_REGION = "other"  # a region the knowledge base has no instrument for (Canada, Brazil, ...)
# US states by name, to their jurisdiction codes ("US-CA"); Georgia is left out (also a country)
_STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC",
    "Florida": "FL", "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN",
    "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME",
    "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY",
    "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK",
    "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC",
    "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT",
    "Virginia": "VA", "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI",
    "Wyoming": "WY",
}  # fmt: skip
_STATE_NAMES = r"\b(?:" + "|".join(sorted(_STATES, key=len, reverse=True)) + r")\b"
_STATE = re.compile(_STATE_NAMES)  # longest names first: "West Virginia" is not Virginia
# the legal bases of processing are GDPR's and the UK GDPR's (Article 6): a section that lists
# them ("Legal basis information") is written for the EEA and the UK even when it names neither
_GDPR_SECTION = r"|[Ll](?:egal|awful) [Bb]as(?:is|es)\b|\bGDPR"
# "Europe" and "European" alone are the EEA and the UK in the platforms' own words: ChatGPT's
# "Europe Terms of Use" apply "if you reside in the European Economic Area (EEA), Switzerland,
# or UK", xAI defines "Europe" as both, LinkedIn's "European Regional Privacy Notice" is for
# "the Designated Countries ... and the United Kingdom" (not the names of EU bodies or laws)
_EUROPE = (
    r"|\bEurope(?:an)?\b"
    r"(?! (?:Union|Economic Area|Commission|Data Protection|Parliament|Court|Accessibility))"
)
_REGIONS = {
    # LinkedIn's "Designated Countries" are the EU, the EEA and Switzerland
    "EU": re.compile(
        r"\b(?:EEA|EU|European (?:Union|Economic Area)|Designated Countries)\b"
        + _EUROPE
        + _GDPR_SECTION
    ),
    "UK": re.compile(r"\b(?:UK|United Kingdom|Great Britain)\b|\bU\.K\." + _EUROPE + _GDPR_SECTION),
    "US": re.compile(r"\b(?:US|USA|United States)\b|\bU\.S\.(?:A\.)?|" + _STATE_NAMES),
    # regions whose law the knowledge base does not hold: a section for them engages none of it
    OTHER_REGION: re.compile(
        r"\b(?:Canadian|Brazilian|Australian|Canada|Qu[eé]bec|Brazil|Mexico|Argentina|Chile|"
        r"Colombia|Peru|Japan|(?:Republic of )?"
        r"Korea|China|Hong Kong|Taiwan|Singapore|India|Indonesia|Philippines|Thailand|Vietnam|"
        r"Malaysia|Australia|New Zealand|South Africa|Nigeria|Kenya|Israel|T[uü]rkiye|Turkey|"
        r"Russia|United Arab Emirates|UAE|Saudi Arabia)\b"
    ),
}
_PRIVACY_NOTICE = re.compile(r"(?i)\b(?:privacy|cookies?)\b")
_CONTENT_RULES = re.compile(
    r"(?i)\b(?:community (?:guidelines|standards|rules)|content (?:policy|policies|guidelines))\b"
)
# every remit but online content (``Regulation.remit``)
_NOT_ONLINE_CONTENT = {"any", "contracts", "consumer_contracts", "consumers"}
_EVERY_REMIT = _NOT_ONLINE_CONTENT | {"online_content"}
# a whole heading naming a definitions section, numbering allowed ("2. Definitions")
_DEFINITIONS = re.compile(
    r"(?i)^[\W\d_]*(?:definitions?|key terms|glossary|defined terms)"
    r"(?: and interpretation)?[\W_]*$"
)
_BUSINESS_TERMS = re.compile(
    r"(?i)\b(?:commercial|business|enterprise|developers?|API|sellers?|merchants?|partners?)\b"
)
# a section that applies to business use only ("Business use of the Services addendum", "Terms
# for enterprise customers"), or a heading naming terms for developers, advertisers or sellers
# in a document filed under a consumer type ("Meta Model API Terms of Service")
_BUSINESS_SECTION = re.compile(
    r"(?i)(?<!non-)(?<!non )\b(?:business|commercial|enterprise) "
    r"(?:use|users?|customers?|accounts?|terms)\b"
    r"|\b(?:API|developers?|advertisers?|sellers?|merchants?) (?:terms|agreement|policy)\b"
)


def region_of(jurisdiction: str) -> str:
    """The region of a knowledge-base jurisdiction code ("US-CA" is in the US)."""
    return jurisdiction.split("-", 1)[0]


def _regions_in(text: str) -> set[str]:
    """The regions a text names; a US state also by its own code ("US-WA")."""
    regions = {region for region, pattern in _REGIONS.items() if pattern.search(text)}
    return regions | {f"US-{_STATES[m.group(0)]}" for m in _STATE.finditer(text)}


def governs(regions: set[str], jurisdiction: str) -> bool:
    """Whether an instrument of this jurisdiction can govern what is written for these regions
    (none: anything). A text for named US states is for federal law, the law of every state,
    and the law of those states only: a section for Washington residents is no CCPA matter."""
    if not regions:
        return True
    region = region_of(jurisdiction)
    if region not in regions:
        return False
    states = {r for r in regions if r.startswith(region + "-")}
    return not states or jurisdiction in states or jurisdiction in (region, "US-states")


# people outside regions: "if you live in the United States or outside the EEA, United Kingdom,
# and Switzerland"; "If you live outside the European Union, EFTA States, or the United Kingdom,
# including if you live in the United States" (not "Transfers of information outside the EEA")
_PEOPLE_OUTSIDE = re.compile(
    r"\b(?:live|living|reside|residing|located|based|users?|people|residents?)\b[^.;]{0,40}?"
    r"\boutside\b"
)
_INCLUDING = re.compile(r"\bincluding\b")


def _caps_regions(text: str) -> set[str]:
    """The regions an all-capitals text names ("IF YOU'RE A U.S. OR CANADIAN RESIDENT"): names
    read in title case, abbreviations as written except a bare "US" (in capitals it is as often
    the pronoun: "CONTACT US")."""
    return _regions_in(text.title()) | _regions_in(re.sub(r"\bUS\b", "", text))


def _cue_regions(cue: str) -> set[str]:
    """The regions one heading or title is written for."""
    if cue.isupper():  # for people outside regions in capitals: read no region rather than theirs
        return set() if _PEOPLE_OUTSIDE.search(cue.lower()) else _caps_regions(cue)
    people_outside = _PEOPLE_OUTSIDE.search(cue)
    if people_outside is None:
        return _regions_in(cue)
    start = cue.index("outside", people_outside.start())
    including = _INCLUDING.search(cue, start)
    excluded = _regions_in(cue[start : including.start() if including else len(cue)])
    named = _regions_in(cue[:start]) | (_regions_in(cue[including.end() :]) if including else set())
    return named or set(_REGIONS) - excluded


def named_regions(cues: Iterable[str]) -> set[str]:
    """Regions named in headings or a title (case matters: "us" is a pronoun). A heading for
    people outside some regions is for the regions it names otherwise, or for every other one."""
    return {region for cue in cues for region in _cue_regions(cue)}


_INVISIBLE = "\u200b\u200d\ufeff"  # zero-width characters some captures open a line with
# a bold lead-in title before the sentence ("**Class Arbitration and Collective Relief Waiver.**")
_LEAD_IN_TITLE = re.compile(r"^\*\*[^*]{1,80}?\.\*\*\s*")
# "If ... applies to you, we ...": the condition ends at the comma before the main clause (or,
# in capitals, at no comma: "IF YOU'RE A U.S. OR CANADIAN RESIDENT YOU ALSO AGREE TO")
_CONDITION = re.compile(
    r"^(?i:if|where|for)\b(.{1,160}?)(?:,\s+(?i:then|we|you|your|our|the|it|this|these"
    r"|they|please)\b|:|(?<=\w)(?=\s+(?i:you|we)\s+(?i:also\s+)?(?i:agree|accept|consent)\b))"
)


def _opening(sentence: str) -> str:
    """A sentence without what may come before its first word: spaces, zero-width characters and
    a bold lead-in title."""
    return _LEAD_IN_TITLE.sub("", sentence.strip().lstrip(_INVISIBLE), count=1)


def opening_condition(body: Sequence[str]) -> str:
    """The condition a clause's first body sentence opens with ("If European Union (EU) or United
    Kingdom (UK) data protection law applies to the processing of your information"), or ""."""
    match = _CONDITION.match(_opening(body[0])) if body else None
    return match.group(1) if match else ""


_OUTSIDE = re.compile(r"\b(?:outside|not (?:located |based |resident )?in)\b")


def sentence_regions(sentence: str) -> set[str]:
    """The regions a sentence's own opening condition names ("If you reside in the United
    Kingdom, you can also contact ..."; a table cell's "| If you are in the UK: Sharing data
    with ..."), or none. Link targets are dropped first (their "https:" is no end of the
    condition), and a condition about leaving a region ("outside of Brazil") names none."""
    plain = without_link_targets(_opening(sentence)).lstrip("|*-•> \t" + _INVISIBLE)
    condition = opening_condition([plain])
    return set() if _OUTSIDE.search(condition.lower()) else named_regions([condition])


def nearest_regions(headings: Sequence[str], title: str = "", opening: str = "") -> set[str]:
    """The regions named by the innermost heading that names any, else by the clause's opening
    condition, else by the title: "EU and UK GDPR" under "U.S. States" is written for the EU and
    the UK; "If European Union (EU) or United Kingdom (UK) data protection law applies ..."
    under "How to exercise your rights" too."""
    for heading in reversed(headings):
        regions = named_regions([heading])
        if regions:
            return regions
    return named_regions([opening]) or named_regions([title])


def is_privacy_notice(terms_type: str) -> bool:
    """Whether a document of this terms type is a privacy (or cookie) notice."""
    return bool(_PRIVACY_NOTICE.search(terms_type))


def is_content_rules(terms_type: str) -> bool:
    """Whether a document of this terms type is community guidelines or a content policy."""
    return bool(_CONTENT_RULES.search(terms_type))


def excluded_remits(terms_type: str, title: str = "", headings: Iterable[str] = ()) -> set[str]:
    """The remits a document of this kind, or a business-use section of it, cannot engage
    (see the module docstring)."""
    headings = list(headings)
    if any(_DEFINITIONS.match(h) for h in headings):
        return set(_EVERY_REMIT)
    if is_content_rules(terms_type):
        return set(_NOT_ONLINE_CONTENT)
    if is_privacy_notice(terms_type):
        return {"contracts", "consumer_contracts", "online_content"}
    if is_business_terms(terms_type, title, headings):
        return {"consumer_contracts", "consumers"}
    return set()


def is_business_terms(terms_type: str, title: str = "", headings: Iterable[str] = ()) -> bool:
    """Whether the text binds a business: commercial, enterprise, developer or API terms, or a
    section of consumer terms for business use (never a privacy notice or content rules, which
    are read as what they are whatever their title says)."""
    if is_privacy_notice(terms_type) or is_content_rules(terms_type):
        return False
    return bool(
        _BUSINESS_TERMS.search(terms_type)
        or _BUSINESS_TERMS.search(title)
        or any(_BUSINESS_SECTION.search(h) for h in headings)
    )


def within_remit(
    engagements: Sequence[Engagement],
    cues: Iterable[str],
    terms_type: str = "",
    title: str = "",
    opening: str = "",
) -> list[Engagement]:
    """The engagements that can govern the clause: the regions its headings, opening condition or
    title name (``nearest_regions``; all when none does), minus the remits the document kind
    excludes. A sentence that opens with a condition naming other regions is no evidence for an
    instrument (``sentence_regions``); an instrument left with none is dropped."""
    cues = list(cues)
    regions = nearest_regions(cues, title, opening)
    excluded = excluded_remits(terms_type, title, cues)
    kept = []
    for e in engagements:
        jurisdiction = e.regulation.jurisdiction
        if not governs(regions, jurisdiction) or e.regulation.remit in excluded:
            continue
        evidence = tuple(s for s in e.sentences if governs(sentence_regions(s), jurisdiction))
        if evidence:
            kept.append(replace(e, sentences=evidence))
    return kept
