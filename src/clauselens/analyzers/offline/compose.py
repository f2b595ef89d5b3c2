"""Turn a ``Detection`` into a full ``ClauseAnalysis``, honestly worded.

Severity comes from the knowledge base's severity table (``severity_table``): the highest level
of any category found, ``low`` when none is found. Texts come from the per-category and
per-group entries of the knowledge base and name what was matched; they say that these are rule
and classifier outputs that need review, never more. Confidence is always ``low``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from clauselens.analyzers.offline.detect import Detection
from clauselens.analyzers.offline.knowledge import CompiledKnowledgeBase
from clauselens.schemas import (
    LEVEL_RANK,
    Agency,
    ClauseAnalysis,
    GovernanceExposure,
    InstitutionalAnalysis,
    JurisdictionFlag,
    load_taxonomy,
)
from clauselens.schemas.analysis import Level
from clauselens.schemas.validate import quote_in_text

MAX_QUOTES = 8
MAX_QUOTE_CHARS = 400
MAX_TITLE_WORDS = 12
SUMMARY_CHARS = 320

CONFIDENCE_RATIONALE = (
    "Offline analysis: produced by keyword rules, a knowledge-base lookup and a sentence "
    "classifier trained on the CLAUDETTE corpus, without reading the clause as a whole. "
    "Confidence is always low; an analyst should review it."
)
_MARKUP = re.compile(r"[*_#`>]+|\[([^\]]*)\]\([^)]*\)")


def clean_title(heading_path: Sequence[str], text: str) -> str:
    """The last heading, stripped of Markdown; else the first words of the text."""
    for heading in reversed(heading_path):
        title = " ".join(_MARKUP.sub(r"\1", heading).split()).strip(" :.-=")
        if title:
            return " ".join(title.split()[:MAX_TITLE_WORDS])
    words = _MARKUP.sub(r"\1", text).split()[:8]
    return " ".join(words).strip(" :.-=") or "Untitled clause"


def _shorten(sentence: str, limit: int) -> str:
    if len(sentence) <= limit:
        return sentence
    cut = sentence.rfind(" ", 0, limit)
    return sentence[: cut if cut > limit // 2 else limit].rstrip()


_HEADING_LINE = re.compile(r"^\s*(#{1,6}\s|(\*\*|__)[^*_]+(\*\*|__)\s*$)|\n\s*[-=]{3,}\s*$")


def _is_heading(sentence: str) -> bool:
    """A heading line says what the section is about, not what it provides: weak evidence."""
    return bool(_HEADING_LINE.search(sentence))


def evidence_quotes(detection: Detection, clause_text: str) -> list[str]:
    """The sentences behind findings and KB triggers: verbatim, deduplicated, checked; body
    sentences before heading lines."""
    ordered = [f.sentence for f in detection.findings]
    ordered += [s for e in detection.engagements for s in e.sentences]
    ordered.sort(key=_is_heading)
    quotes: list[str] = []
    for sentence in dict.fromkeys(ordered):
        quote = _shorten(sentence, MAX_QUOTE_CHARS)
        if quote_in_text(quote, clause_text) and quote not in quotes:
            quotes.append(quote)
        if len(quotes) == MAX_QUOTES:
            break
    return quotes


def severity(categories: Sequence[str], kb: CompiledKnowledgeBase) -> Level:
    levels = [kb.kb.severity_of(c) for c in categories]
    return max(levels, key=lambda lvl: LEVEL_RANK[lvl], default="low")


def _labels(categories: Sequence[str]) -> str:
    taxonomy = load_taxonomy()
    return ", ".join(taxonomy.get(c).label.lower() for c in categories)


def _lead(detection: Detection, title: str) -> str:
    """The first two sentences with prose in them, Markdown stripped, the heading skipped."""
    picked: list[str] = []
    for sentence in detection.sentences:
        plain = " ".join(_MARKUP.sub(r"\1", sentence).replace("---", " ").split()).strip(" -=")
        if len(plain.split()) < 4 or plain.strip(" :.").lower() == title.lower():
            continue
        picked.append(plain)
        if len(picked) == 2:
            break
    return " ".join(picked)


def _summary(detection: Detection, categories: Sequence[str], title: str) -> str:
    lead = _lead(detection, title)
    lead = _shorten(lead, SUMMARY_CHARS) + ("..." if len(lead) > SUMMARY_CHARS else "")
    text = f"Extractive summary (offline, rule-based): {lead or '(no sentence text)'}"
    if categories:
        text += f" Matched categories: {_labels(categories)}."
    return text


def _why(categories: Sequence[str], kb: CompiledKnowledgeBase) -> str:
    if not categories:
        return (
            "The offline rules matched no category in this clause; that is not evidence that "
            "nothing in it matters, only that no rule or classifier category fired."
        )
    parts = [kb.kb.why(c) for c in categories[:4] if kb.kb.why(c)]
    return "Based on matched rules (to be confirmed by review): " + " ".join(parts)


def _groups(categories: Sequence[str]) -> list[str]:
    taxonomy = load_taxonomy()
    return list(dict.fromkeys(taxonomy.get(c).group for c in categories))


def _consumer_impact(categories: Sequence[str], kb: CompiledKnowledgeBase) -> str:
    groups = _groups(categories)
    if not groups:
        return "No consumer impact was identified by the offline rules; review the clause itself."
    return " ".join(kb.kb.group(g).consumer for g in groups)


def _institutional(
    detection: Detection, categories: Sequence[str], level: Level, kb: CompiledKnowledgeBase
) -> InstitutionalAnalysis:
    regs = [e.regulation for e in detection.engagements]
    if regs:
        landscape = (
            "Knowledge-base matches (instruments the clause may engage; whether they apply "
            "depends on facts the offline rules cannot see): "
            + "; ".join(f"{r.short_name} ({r.jurisdiction}): {r.summary}" for r in regs)
        )
    else:
        landscape = "No instrument in the offline knowledge base was triggered by this clause."
    exposure = level
    if len(regs) >= 3 and LEVEL_RANK[exposure] < LEVEL_RANK["medium"]:
        exposure = "medium"
    rationale = (
        f"Set by the offline severity table from the matched categories ({_labels(categories)})"
        if categories
        else "No category matched, so the offline severity table gives low"
    ) + f" and {len(regs)} knowledge-base instrument(s) matched; not an assessment of any party."
    by_jurisdiction: dict[str, list[str]] = {}
    for r in regs:
        by_jurisdiction.setdefault(r.jurisdiction, []).append(r.short_name)
    flags = [
        JurisdictionFlag(
            jurisdiction=j,
            note=f"May engage {', '.join(names)} (knowledge-base keyword/category match).",
        )
        for j, names in by_jurisdiction.items()
    ]
    groups = _groups(categories)
    vendor = " ".join(kb.kb.group(g).vendor for g in groups) or (
        "The offline rules found no contract or vendor point to raise; review the clause itself."
    )
    notes = [f"{r.short_name}: {r.enforcement_note}" for r in regs if r.enforcement_note]
    compliance = (
        "Check the clause and the organisation's use of the service against: "
        + ", ".join(r.short_name for r in regs)
        + ". "
        + " ".join(notes)
        if regs
        else "No compliance point was derived by the offline rules."
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
    level = severity(categories, kb)
    quotes = evidence_quotes(detection, clause_text)
    title = clean_title(heading_path, clause_text)
    return ClauseAnalysis(
        title=title,
        summary=_summary(detection, categories, title),
        why_it_matters=_why(categories, kb),
        consumer_impact=_consumer_impact(categories, kb),
        institutional_analysis=_institutional(detection, categories, level, kb),
        applicable_agencies=agencies(detection, kb),
        severity=level,
        confidence="low",
        confidence_rationale=CONFIDENCE_RATIONALE,
        evidence_type="explicit_language" if quotes else "absent",
        evidence_quotes=quotes,
        categories=list(categories),
        truncation_note=truncation_note,
    )
