"""The ``offline`` change analysis: what a modified provision's new wording means, estimated
without a model, and saying so.

It diffs the two texts by sentence (cosmetic forms compared, so reformatted sentences do not
count), runs the offline CLAUDETTE classifier over the added and the removed sentences, and
applies two small keyword lists:

- direction: added sentences in unfair-term categories, or removed user-protective language
  ("opt out", "refund", "notify you", ...), make it ``less_protective``; the reverse makes it
  ``more_protective``; a tie or no signal is ``neutral``.
- severity: ``high`` when a sentence in arbitration, liability, termination or content-removal
  terms was added or removed; ``medium`` for other categories, or when over a third of the words
  changed; otherwise ``low``.
- evidence quotes: the added sentences (verbatim from the new text), else the removed ones
  (verbatim from the old text). Every result passes ``validate_change_analysis``.

``OfflineAnalyzer.analyze_change`` calls ``offline_change``; nothing here imports the SDK.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from clauselens.analyzers.base import OFFLINE_MODEL, ChangeResult
from clauselens.analyzers.offline.classifier import load_classifier
from clauselens.analyzers.offline.normalise import sentences
from clauselens.schemas import ChangeAnalysis, Provenance
from clauselens.schemas.analysis import Level
from clauselens.schemas.validate import InvalidAnalysis, validate_change_analysis
from clauselens.textnorm import cosmetic_form

OFFLINE_CHANGE_PROMPT_ID = "change-offline"
OFFLINE_CHANGE_RULES_VERSION = "change-offline-1"
MAX_QUOTES = 3
SIZEABLE_WORDS = 20  # a change this many words long, and over a third of the clause, is medium
MAX_SPELLED_EDITS = 3

CATEGORY_LABELS = {
    "A": "arbitration",
    "CH": "unilateral change",
    "CR": "content removal",
    "J": "jurisdiction",
    "LAW": "choice of law",
    "LTD": "limitation of liability",
    "TER": "unilateral termination",
    "USE": "contract by using",
}
HIGH_CATEGORIES = frozenset({"A", "LTD", "TER", "CR"})
PROTECTIVE = re.compile(
    r"\b(opt[- ]out|refund|notify you|notice to you|your rights?|right to (?:object|delete|access|"
    r"withdraw|cancel)|we will not|we won[’']t|you may cancel|appeal|delete your|consent)\b",
    re.IGNORECASE,
)
DIRECTION_WORDS = {
    "less_protective": "gives users less protection",
    "more_protective": "gives users more protection",
    "neutral": "has no clear direction for users",
}


@dataclass(frozen=True)
class SentenceDiff:
    added: list[str]
    removed: list[str]
    words_changed: int
    words_total: int


def sentence_diff(old_text: str, new_text: str) -> SentenceDiff:
    """Sentences only in the new / only in the old text (verbatim), and changed word counts."""
    old_forms = {cosmetic_form(s) for s in sentences(old_text)}
    new_forms = {cosmetic_form(s) for s in sentences(new_text)}
    added = [s for s in sentences(new_text) if cosmetic_form(s) not in old_forms]
    removed = [s for s in sentences(old_text) if cosmetic_form(s) not in new_forms]
    a, b = cosmetic_form(old_text).split(), cosmetic_form(new_text).split()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    return SentenceDiff(added, removed, (len(a) - same) + (len(b) - same), max(len(a), len(b)))


def _sentence_counts(diff: SentenceDiff) -> str:
    return (
        f"{len(diff.added)} sentence(s) added and {len(diff.removed)} removed "
        f"({diff.words_changed} of {diff.words_total} words differ)"
    )


def _quoted(words: Sequence[str]) -> str:
    text = " ".join(words)
    return f"“{text[:80]}…”" if len(text) > 80 else f"“{text}”"


_EDIT_WORDING = {
    "replace": lambda a, b: f"{_quoted(a)} became {_quoted(b)}",
    "delete": lambda a, b: f"{_quoted(a)} was removed",
    "insert": lambda a, b: f"{_quoted(b)} was added",
}


def word_edits(old_text: str, new_text: str) -> str:
    """The word-level edits spelled out ("“April 29” became “May 2”"), or "" when there are
    more than ``MAX_SPELLED_EDITS`` of them (then sentence counts say more)."""
    a = [w for w in old_text.split() if cosmetic_form(w)]
    b = [w for w in new_text.split() if cosmetic_form(w)]
    ops = [
        op
        for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        if op[0] != "equal"
        and cosmetic_form(" ".join(a[op[1] : op[2]])) != cosmetic_form(" ".join(b[op[3] : op[4]]))
    ]
    if not ops or len(ops) > MAX_SPELLED_EDITS:
        return ""
    return "; ".join(_EDIT_WORDING[tag](a[i1:i2], b[j1:j2]) for tag, i1, i2, j1, j2 in ops)


def _categories(texts: Sequence[str]) -> set[str]:
    classifier = load_classifier()
    return {label for text in texts for label in classifier.predict(text).labels}


def offline_change_analysis(old_text: str, new_text: str) -> ChangeAnalysis:
    """The offline estimate of a change (validated against both texts)."""
    diff = sentence_diff(old_text, new_text)
    gained, lost = _categories(diff.added), _categories(diff.removed)
    protect_added = sum(bool(PROTECTIVE.search(s)) for s in diff.added)
    protect_removed = sum(bool(PROTECTIVE.search(s)) for s in diff.removed)
    score = (len(gained - lost) - len(lost - gained)) + (protect_removed - protect_added)
    direction = "less_protective" if score > 0 else "more_protective" if score < 0 else "neutral"
    touched = gained | lost
    severity: Level = (
        "high"
        if touched & HIGH_CATEGORIES
        else "medium"
        if touched or diff.words_changed >= max(SIZEABLE_WORDS, diff.words_total / 3)
        else "low"
    )
    labels = ", ".join(CATEGORY_LABELS.get(c, c) for c in sorted(touched))
    edits = word_edits(old_text, new_text)
    what = f"Offline estimate: {edits or _sentence_counts(diff)}" + (
        f"; the changed sentences concern {labels}." if labels else "."
    )
    impact = (
        f"Offline estimate from a word diff and a classifier: the new wording "
        f"{DIRECTION_WORDS[direction]}"
        + (f" on {labels}" if labels else "")
        + ". Read the quoted text; a model or an analyst should confirm."
    )
    quotes = (diff.added or diff.removed)[:MAX_QUOTES]
    payload = {
        "what_changed": what,
        "direction": direction,
        "severity": severity,
        "consumer_impact": impact,
        "evidence_quotes": [q.strip() for q in quotes],
    }
    return validate_change_analysis(payload, old_text, new_text)


def offline_change(old_text: str, new_text: str) -> ChangeResult:
    """The offline change analysis as a ``ChangeResult`` with its provenance."""
    started = time.monotonic()
    try:
        analysis: ChangeAnalysis | None = offline_change_analysis(old_text, new_text)
        error = None
    except InvalidAnalysis as exc:  # pragma: no cover - the rules quote verbatim
        analysis, error = None, str(exc)
    return ChangeResult(
        status="valid" if analysis is not None else "failed",
        analysis=analysis,
        error=error,
        provenance=Provenance(
            analyzer="offline",
            model=OFFLINE_MODEL,
            prompt_id=OFFLINE_CHANGE_PROMPT_ID,
            prompt_version=OFFLINE_CHANGE_RULES_VERSION,
            latency_ms=round((time.monotonic() - started) * 1000, 1),
            generated_at=datetime.now(UTC),
        ),
    )
