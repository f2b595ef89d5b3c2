"""Turn a ``Detection`` into a full ``ClauseAnalysis``, honestly worded.

Severity comes from the knowledge base's severity table (``severity_table``): the highest level
of any category found, ``low`` when none is found. A row may need wording for its level (the
severity rubric's "without notice", "broad liability exclusion": ``SeverityRow.needs``); a
category found without it takes the level below, and the rationale says so. Texts come from the
per-category entries of the knowledge base (``category_text``: why it matters, the consumer
impact, the contract and vendor implications, each for the first three categories found) and
name what was matched and the sentence it was found in; they say that these are rule and
classifier outputs that need review, never more. The institutional fields name an instrument
only with its evidence (``knowledge.engagements``); with none they say the offline analyzer
did not assess them, and the agency list is empty. Confidence is always ``low``. A clause that
is not in English is not assessed at all (``not_assessed``).
"""

from __future__ import annotations

from collections.abc import Sequence

from clauselens.analyzers.offline.detect import Detection
from clauselens.analyzers.offline.knowledge import CompiledKnowledgeBase, Engagement
from clauselens.analyzers.offline.normalise import without_marks
from clauselens.analyzers.offline.quotes import evidence_quotes, excerpt
from clauselens.analyzers.offline.summary import (
    category_labels,
    cells,
    plain_text,
    points_elsewhere,
    summary,
    with_first_item,
)
from clauselens.schemas import (
    LEVEL_RANK,
    Agency,
    ClauseAnalysis,
    GovernanceExposure,
    InstitutionalAnalysis,
    JurisdictionFlag,
)
from clauselens.schemas.analysis import Level

MAX_TITLE_WORDS = 12
FOUND_IN_CHARS = 160  # a "found in" quote in why-it-matters and consumer impact
CUT_END = " ..."  # after a reader's quote that stops before its sentence does

CONFIDENCE_RATIONALE = (
    "Offline analysis: produced by keyword rules, a knowledge-base lookup and a sentence "
    "classifier trained on the CLAUDETTE corpus, without reading the clause as a whole. "
    "Confidence is always low; an analyst should review it."
)
NOT_ASSESSED_LANDSCAPE = (
    "Not assessed by the offline analyzer: no instrument of its knowledge base has specific "
    "evidence in this clause (a sentence naming it or describing a practice within its remit), "
    "and it names none without that."
)
HEADING_ONLY_RATIONALE = (
    "Low: the clause is only a heading. What it introduces is in the clauses after it; its "
    "categories say what the heading is about, and no instrument is named on a heading alone."
)
# Categories that in community guidelines name what the rules are about, not a practice of the
# provider's towards the user: a rule against doxxing others' health details is no processing
# of sensitive data, one on content unsuitable for minors no age limit on the user. They count
# as low there (the development readers rate such guidelines low far more often than medium).
CONTENT_RULE_TOPICS = {
    "age_restrictions": "is a topic of the rules (content for or about minors), not an age limit "
    "on the user",
    "sensitive_data": "is a topic of the rules (others' sensitive information in content), not "
    "the provider's processing of users' data",
}
# Business (commercial, enterprise, developer or API) terms bind a business that can read,
# negotiate and insure against them, not a consumer: the development readers rate their
# arbitration, liability and change clauses low or medium, high only beside medium.
BUSINESS_TERMS_NOTE = (
    "At most medium here: these are business terms, which bind a business customer rather "
    "than a consumer."
)
NOT_ASSESSED_COMPLIANCE = (
    "Not assessed by the offline analyzer (no knowledge-base instrument has evidence in this "
    "clause)."
)


def clean_title(heading_path: Sequence[str], text: str) -> str:
    """The last heading, stripped of Markdown; else the first words of the text."""
    for heading in reversed(heading_path):
        title = " ".join(without_marks(heading).split()).strip(" :.-=")
        if title:
            return " ".join(title.split()[:MAX_TITLE_WORDS])
    words = without_marks(text).split()[:8]
    return " ".join(words).strip(" :.-=") or "Untitled clause"


def severity(detection: Detection, kb: CompiledKnowledgeBase) -> tuple[Level, list[str]]:
    """The highest level of the categories found, each from the sentences it was found in;
    and, per category that took a lower level, why (a sentence for the rationale). A category
    takes the level below for want of its row's wording; in community guidelines the topics of
    the rules (``CONTENT_RULE_TOPICS``) are low; in business terms nothing is above medium
    (``BUSINESS_TERMS_NOTE``). A clause that is only a heading is low
    (``HEADING_ONLY_RATIONALE``)."""
    if detection.heading_only:
        return "low", []
    found: dict[str, list[str]] = {}
    for finding in detection.findings:
        found.setdefault(finding.category, []).append(finding.sentence)
    levels: list[Level] = []
    lowered: list[str] = []
    for category in detection.categories:
        label = category_labels([category])
        if detection.setting.content_rules and category in CONTENT_RULE_TOPICS:
            levels.append("low")
            lowered.append(
                f"Low here: in community guidelines, {label} {CONTENT_RULE_TOPICS[category]}."
            )
            continue
        level, why = kb.severity(category, found.get(category, []))
        levels.append(level)
        if why is not None:
            lowered.append(
                f"One level lower here: {label} is {kb.kb.severity_of(category)} only {why}, "
                "and this clause has no such wording."
            )
    level = max(levels, key=lambda lvl: LEVEL_RANK[lvl], default="low")
    if detection.setting.business_terms and level == "high":
        lowered.append(BUSINESS_TERMS_NOTE)
        level = "medium"
    return level, lowered


def _found_in(detection: Detection, category: str, kb: CompiledKnowledgeBase) -> str:
    """The sentence a category was found in, as a quote: a body sentence before a heading, one
    that states before one that points elsewhere ("Learn more about how we use cookies in our
    Cookies Policy."), and of those the one with the most support (a rule and the classifier
    together before either alone; Discord's "Your right to terminate." is found by the
    classifier, "we reserve the right to suspend or terminate your account" by both), the first
    on a tie. A sentence too long to quote whole is quoted from the list item or clause where
    the rule matched."""
    support = detection.support({category})
    sentence = max(
        support,
        key=lambda s: (not detection.is_heading(s), not points_elsewhere(s), support[s]),
    )
    shown = cells(plain_text(with_first_item(detection, sentence)))
    span = kb.category_span(category, shown) if len(shown) > FOUND_IN_CHARS else None
    return f"\u201c{excerpt(shown, span, FOUND_IN_CHARS, end_mark=CUT_END)}\u201d"


# the categories whose texts (why it matters, consumer impact, vendor) an analysis gives
EXPLAINED = 3


def _why(explained: dict[str, str], kb: CompiledKnowledgeBase) -> str:
    """Why each explained category matters, with the sentence it was found in."""
    if not explained:
        return (
            "The offline rules matched no category in this clause; that is not evidence that "
            "nothing in it matters, only that no rule or classifier category fired."
        )
    parts = [f"{kb.kb.why(c)} (found in {quote})" for c, quote in explained.items()]
    return "Based on matched rules (to be confirmed by review): " + " ".join(parts)


def _consumer_impact(explained: dict[str, str], kb: CompiledKnowledgeBase) -> str:
    """What each explained category means for a user (``CategoryText.consumer``), with the
    sentence it rests on."""
    if not explained:
        return "No consumer impact was identified by the offline rules; review the clause itself."
    return " ".join(f"{kb.kb.consumer(c)} (Here: {quote})" for c, quote in explained.items())


def _evidence(detection: Detection, engagement: Engagement, kb: CompiledKnowledgeBase) -> str:
    """The sentence that engaged an instrument best, as a quote of at most 120 characters that
    shows the words that engaged it: a body sentence before a heading, and one that states before
    one that points elsewhere ("You can read more about ..."); of those, one saying the
    instrument's own terms before one stating a category it covers, and either before one that
    engaged it only by where the clause sits (any sentence of a privacy notice that says
    "information"); the first on a tie. A list lead-in is quoted with its first item."""
    stated = {f.sentence for f in detection.findings if f.category in engagement.categories}

    def strength(sentence: str) -> tuple[bool, bool, int]:
        by_terms = kb.engaged_by_terms(engagement, sentence.lower())
        level = 2 if by_terms else int(sentence in stated)
        return (not detection.is_heading(sentence), not points_elsewhere(sentence), level)

    text = cells(plain_text(with_first_item(detection, max(engagement.sentences, key=strength))))
    return excerpt(
        text,
        kb.evidence_span(engagement, text, detection.setting) if len(text) > 120 else None,
        120,
        end_mark=CUT_END,
    )


def _institutional(
    detection: Detection,
    categories: Sequence[str],
    level: Level,
    lowered: Sequence[str],
    kb: CompiledKnowledgeBase,
) -> InstitutionalAnalysis:
    regs = [e.regulation for e in detection.engagements]
    if regs:
        landscape = (
            "Knowledge-base matches, each on a sentence of this clause (instruments it may "
            "engage; whether they apply depends on facts the offline rules cannot see): "
            + "; ".join(
                f"{e.regulation.short_name} ({e.regulation.jurisdiction}), on "
                f"\u201c{_evidence(detection, e, kb)}\u201d: {e.regulation.summary}"
                for e in detection.engagements
            )
        )
    else:
        landscape = NOT_ASSESSED_LANDSCAPE
    exposure = level
    if len(regs) >= 3 and LEVEL_RANK[exposure] < LEVEL_RANK["medium"]:
        exposure = "medium"
    rationale = (
        "Set by the offline severity table from the matched categories "
        f"({category_labels(categories)})"
        if categories
        else "No category matched, so the offline severity table gives low"
    ) + f" and {len(regs)} knowledge-base instrument(s) matched; not an assessment of any party."
    if detection.heading_only:
        rationale = HEADING_ONLY_RATIONALE
    for why in lowered:
        rationale += f" {why}"
    by_jurisdiction: dict[str, list[str]] = {}
    for r in regs:
        by_jurisdiction.setdefault(r.jurisdiction, []).append(r.short_name)
    flags = [
        JurisdictionFlag(
            jurisdiction=j,
            note=f"May engage {', '.join(names)} (a knowledge-base trigger with a quoted "
            "sentence of this clause as evidence).",
        )
        for j, names in by_jurisdiction.items()
    ]
    vendor = " ".join(kb.kb.vendor(c) for c in categories[:EXPLAINED]) or (
        "The offline rules found no contract or vendor point to raise; review the clause itself."
    )
    notes = [f"{r.short_name}: {r.enforcement_note}" for r in regs if r.enforcement_note]
    compliance = (
        "Check the clause and the organisation's use of the service against: "
        + ", ".join(r.short_name for r in regs)
        + ". "
        + " ".join(notes)
        if regs
        else NOT_ASSESSED_COMPLIANCE
    )
    return InstitutionalAnalysis(
        regulatory_landscape=landscape,
        governance_exposure=GovernanceExposure(level=exposure, rationale=rationale),
        jurisdiction_flags=flags,
        contract_and_vendor_implications=vendor,
        compliance_considerations=compliance.strip(),
    )


def agencies(detection: Detection, kb: CompiledKnowledgeBase) -> list[Agency]:
    """Agencies of the engaged regulations, once each, with the instruments that bring them in."""
    via: dict[str, list[str]] = {}
    for e in detection.engagements:
        for agency_id in e.regulation.agencies:
            via.setdefault(agency_id, []).append(e.regulation.short_name)
    out = []
    for agency_id, names in via.items():
        if not kb.agency_applies(agency_id, detection.sentences):
            continue
        entry = kb.kb.agency(agency_id)
        authority = f"{entry.authority} Matched via: {', '.join(dict.fromkeys(names))}."
        out.append(Agency(name=entry.name, jurisdiction=entry.jurisdiction, authority=authority))
    return out


def compose(
    detection: Detection,
    clause_text: str,
    heading_path: Sequence[str],
    kb: CompiledKnowledgeBase,
    truncation_note: str | None,
) -> ClauseAnalysis:
    """The full ``ClauseAnalysis`` for a detection."""
    categories = detection.categories
    level, lowered = severity(detection, kb)
    quotes = evidence_quotes(detection, clause_text, kb)
    title = clean_title(heading_path, clause_text)
    explained = {c: _found_in(detection, c, kb) for c in categories[:EXPLAINED]}
    return ClauseAnalysis(
        title=title,
        summary=summary(detection, categories, title, clause_text),
        why_it_matters=_why(explained, kb),
        consumer_impact=_consumer_impact(explained, kb),
        institutional_analysis=_institutional(detection, categories, level, lowered, kb),
        applicable_agencies=agencies(detection, kb),
        severity=level,
        confidence="low",
        confidence_rationale=CONFIDENCE_RATIONALE,
        evidence_type="explicit_language" if quotes else "absent",
        evidence_quotes=quotes,
        categories=list(categories),
        truncation_note=truncation_note,
    )


def not_assessed(
    clause_text: str,
    heading_path: Sequence[str],
    language: str,
    truncation_note: str | None,
) -> ClauseAnalysis:
    """The analysis of a clause the offline rules cannot read (not English): it says so in
    every field. Severity ``medium`` is a placeholder that asks for review, not an assessment;
    the ``not_english`` flag says why."""
    reason = (
        f"Not assessed: the clause looks like {language} text, and the offline rules, "
        "classifier and knowledge base read English only."
    )
    words = plain_text(clause_text).split()
    start = " ".join(words[:30]) + ("..." if len(words) > 30 else "")
    return ClauseAnalysis(
        title=clean_title(heading_path, clause_text),
        summary=f"{reason} It begins: {start}",
        why_it_matters=reason,
        consumer_impact=reason,
        institutional_analysis=InstitutionalAnalysis(
            regulatory_landscape=reason,
            governance_exposure=GovernanceExposure(
                level="medium", rationale=f"{reason} Medium is a placeholder asking for review."
            ),
            jurisdiction_flags=[],
            contract_and_vendor_implications=reason,
            compliance_considerations=reason,
        ),
        applicable_agencies=[],
        severity="medium",
        confidence="low",
        confidence_rationale=f"{reason} An analyst or Claude should read it.",
        evidence_type="absent",
        evidence_quotes=[],
        categories=[],
        truncation_note=truncation_note,
    )
