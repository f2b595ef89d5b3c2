"""``OfflineAnalyzer``: the local analyzer behind the ``Analyzer`` protocol, and its sync core.

It reads the *full* clause text, not the model-facing ``prompt_text``: the offline rules have no
input budget, so nothing is lost. The validation contract still requires a truncation note
exactly when the input was marked truncated, so the note says that the model-facing copy was cut
and that the offline rules read the whole clause.

``prompt_version`` is a hash of the shipped knowledge base, the classifier weights and
``RULES_CODE_VERSION`` (bumped when the composing code changes meaning), so cached analyses are
keyed to the data that produced them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache

from clauselens.analyzers.base import OFFLINE_MODEL, ChangeResult, ClauseInput, DocumentContext
from clauselens.analyzers.offline.change import offline_change
from clauselens.analyzers.offline.classifier import load_classifier, weights_text
from clauselens.analyzers.offline.compose import compose, not_assessed
from clauselens.analyzers.offline.detect import detect
from clauselens.analyzers.offline.knowledge import (
    Setting,
    knowledge_base_text,
    load_knowledge_base,
)
from clauselens.analyzers.offline.language import detect_language
from clauselens.analyzers.offline.remit import (
    is_business_terms,
    is_content_rules,
    is_privacy_notice,
    opening_condition,
    within_remit,
)
from clauselens.schemas import AnalysisResult, ClauseAnalysis, Provenance
from clauselens.schemas.validate import InvalidAnalysis, validate_analysis

PROMPT_ID = "offline"
# 3: evidence-only engagements, direction vetoes, languages; 4: topic lists are no evidence,
# instruments kept to the region the headings name and the remit the document kind allows,
# data-protection law engaged by a privacy notice's statements about personal data; 5: community
# guidelines engage online-content law only, a definitions section no instrument; 6: severity
# wording (``SeverityRow.needs``), API or developer terms headings are business terms; 7: run-in
# headings quoted last; 8: a heading quoted only when no body sentence backs the same finding,
# without its Markdown marks; the summary skips headings and date lines; a line repeating a
# heading of the clause's path is a heading (``headings``); the classifier does not read a line of
# one or two words; a Markdown table is summarised as a table (``table``); 9: a sentence keeps
# the quotes and brackets that close it, a section label is no sentence; Markdown marks inside a
# link's text and backslash escapes are dropped; a clause's opening regional condition scopes
# its instruments (``remit.opening_condition``); summaries of links, short lead-ins, body title
# lines; quotes from tables as cells; 10: an escaped section label ("3\\.", "2\\.1\\.") is no
# sentence either; 11: knowledge-base patterns read typographic quotes as plain ones; links run
# together are separate words in summaries and titles; 12: a sentence's own regional condition
# and a heading for people outside regions scope instruments (``remit``), a list lead-in counts
# twice for a broad topic (``detect``), why-it-matters quotes a lead-in with its first item;
# 13: a quote from a sentence too long to show whole shows where the rule matched it
# 14-16: quotes placed by the clause's setting, lead-ins quoted with their first item,
# cross-referenced section titles blanked, each instrument and category quoted on a sentence that
# states before one that points elsewhere; 17: named US states scope instruments, a one-letter
# name ends a sentence, one prohibition states a rule in community guidelines, category rules
# read a link's words without its address; 18: a summary whose lead does not hold the sentence
# its categories rest on most adds it, each category has its own consumer impact and contract
# and vendor text, and 19 categories a why-it-matters that says why
RULES_CODE_VERSION = "25"
NOT_ENGLISH = "not_english"  # the stop reason of a clause the offline rules cannot read


@cache
def offline_prompt_version() -> str:
    """Hash of the knowledge base, the classifier weights and the rules code version."""
    digest = hashlib.sha256()
    for part in (RULES_CODE_VERSION, knowledge_base_text(), weights_text()):
        digest.update(hashlib.sha256(part.encode("utf-8")).digest())
    return "offline-" + digest.hexdigest()[:16]


def truncation_note(reason: str | None) -> str:
    return (
        "The model-facing copy of this clause was cut"
        + (f" ({reason})" if reason else "")
        + "; the offline rules read the full clause text, so this analysis covers all of it."
    )


def analyze_clause(
    text: str,
    heading_path: Sequence[str] = (),
    *,
    truncated: bool = False,
    truncation_reason: str | None = None,
    document_title: str = "",
    terms_type: str = "",
) -> ClauseAnalysis:
    """Analyse one clause offline; the result has passed ``validate_analysis``.

    Instruments are kept to those that can govern the clause: the regions its headings or
    ``document_title`` name, if any, and what the kind of document (``terms_type``) allows
    (``remit.within_remit``).
    """
    note = truncation_note(truncation_reason) if truncated else None
    language = detect_language(text)
    if not language.english:
        return validate_analysis(
            not_assessed(text, heading_path, language.name, note), text, truncated
        )
    kb = load_knowledge_base()
    setting = Setting(
        privacy_notice=is_privacy_notice(terms_type),
        content_rules=is_content_rules(terms_type),
        business_terms=is_business_terms(terms_type, document_title, heading_path),
        headings=tuple(heading_path),
    )
    detection = detect(text, load_classifier(), kb, setting=setting)
    body = [s for s in detection.sentences if s not in detection.headings]
    detection.engagements = within_remit(
        detection.engagements, heading_path, terms_type, document_title, opening_condition(body)
    )
    analysis = compose(detection, text, heading_path, kb, note)
    return validate_analysis(analysis, text, truncated)


def analyze_input(clause: ClauseInput) -> AnalysisResult:
    """Sync form of ``OfflineAnalyzer.analyze``: a valid analysis or a recorded failure."""
    started = time.perf_counter()
    analysis: ClauseAnalysis | None = None
    error: str | None = None
    try:
        analysis = analyze_clause(
            clause.text,
            clause.heading_path,
            truncated=clause.truncated,
            truncation_reason=clause.truncation_reason,
            document_title=clause.document.title,
            terms_type=clause.document.terms_type,
        )
    except InvalidAnalysis as exc:
        error = f"{exc.kind}: {exc}"
    provenance = Provenance(
        analyzer="offline",
        model=OFFLINE_MODEL,
        prompt_id=PROMPT_ID,
        prompt_version=offline_prompt_version(),
        stop_reason="offline" if detect_language(clause.text).english else NOT_ENGLISH,
        latency_ms=(time.perf_counter() - started) * 1000,
        generated_at=datetime.now(UTC),
    )
    return AnalysisResult(
        clause_sha256=clause.clause_sha256,
        status="valid" if analysis is not None else "failed",
        analysis=analysis,
        error=error,
        provenance=provenance,
        input_truncated=clause.truncated,
    )


class OfflineAnalyzer:
    """The ``Analyzer`` that needs no network: knowledge base, rules and classifier."""

    name = "offline"
    model = OFFLINE_MODEL

    def __init__(self) -> None:
        load_classifier()
        load_knowledge_base()

    @property
    def prompt_version(self) -> str:
        return offline_prompt_version()

    async def analyze(self, clause: ClauseInput) -> AnalysisResult:
        return analyze_input(clause)

    async def analyze_change(
        self,
        old_text: str,
        new_text: str,
        previous: ClauseAnalysis | None,
        document: DocumentContext,
        heading_path: tuple[str, ...] = (),
    ) -> ChangeResult:
        """The offline estimate of a change (``analyzers.offline.change``)."""
        return offline_change(old_text, new_text)

    async def aclose(self) -> None:
        return None
