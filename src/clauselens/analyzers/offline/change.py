"""The ``offline`` change analysis: what a modified provision's new wording means, estimated
without a model, saying so, and saying only what the diff shows.

It diffs the two texts by sentence (cosmetic forms compared, so reformatted sentences do not
count) and pairs each changed new sentence with the old sentence it most resembles (an edited
sentence); the rest were added or removed whole. The offline CLAUDETTE classifier reads both
sides of every edited sentence and every whole sentence:

- a category *appears* when the new side has it and the old side did not (an added sentence, or
  an edit that turned a sentence into one); it *disappears* the other way round. A category on
  both sides of an edit (a product renamed in a sentence about unilateral change) is not part of
  the change. Each appearing or disappearing category is reported with the words that brought it
  in or took it out (the edit's added or removed words, or the whole sentence), quoted.
- severity: ``high`` when an arbitration, liability, termination or content-removal category
  appears or disappears; ``medium`` for another category, or when a third of the words (and at
  least ``SIZEABLE_WORDS``) changed; otherwise ``low``.
- direction: categories appearing, or user-protective words ("opt out", "refund", "notify you",
  ...) removed, make it ``less_protective``; the reverse ``more_protective``; a tie ``neutral``.
- evidence quotes: the changed passages (verbatim from the new text, or the old one for
  removals). Every result passes ``validate_change_analysis``.

``OfflineAnalyzer.analyze_change`` calls ``offline_change``; nothing here imports the SDK.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from rapidfuzz import fuzz, process

from clauselens.analyzers.base import OFFLINE_MODEL, ChangeResult
from clauselens.analyzers.offline.classifier import load_classifier
from clauselens.analyzers.offline.normalise import sentences
from clauselens.schemas import ChangeAnalysis, Provenance
from clauselens.schemas.analysis import Level
from clauselens.schemas.validate import InvalidAnalysis, validate_change_analysis
from clauselens.textnorm import cosmetic_form

OFFLINE_CHANGE_PROMPT_ID = "change-offline"
OFFLINE_CHANGE_RULES_VERSION = "change-offline-3"
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


def _within(sentence: str, other: str) -> bool:
    """The sentence's words stand, whole words in order, in the other text's cosmetic form."""
    return f" {cosmetic_form(sentence)} " in f" {other} "


def sentence_diff(old_text: str, new_text: str) -> SentenceDiff:
    """Sentences only in the new / only in the old text (verbatim), and changed word counts.

    A sentence whose words stand in the other text, even across a sentence boundary that moved
    (``**Removal**.`` against ``**Removal.**``), is in both: the comparison is on cosmetic forms.
    """
    old_whole, new_whole = cosmetic_form(old_text), cosmetic_form(new_text)
    added = [s for s in sentences(new_text) if not _within(s, old_whole)]
    removed = [s for s in sentences(old_text) if not _within(s, new_whole)]
    a, b = old_whole.split(), new_whole.split()
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


def _categories(text: str) -> set[str]:
    return set(load_classifier().predict(text).labels)


#: Lowest similarity (rapidfuzz ``ratio`` of cosmetic forms) at which a new sentence is an edit of
#: an old one rather than a sentence added in its place.
EDITED_MIN = 60.0


@dataclass(frozen=True)
class Shift:
    """A category that appears (``+``) or disappears (``-``) with the quoted words."""

    sign: str
    category: str
    words: str


def _changed_words(old: str, new: str) -> tuple[str, str]:
    """The old sentence's removed words and the new sentence's added words, each verbatim."""
    a, b = old.split(), new.split()
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            removed.append(" ".join(a[i1:i2]))
            added.append(" ".join(b[j1:j2]))
    return " … ".join(w for w in removed if w), " … ".join(w for w in added if w)


def _edits(diff: SentenceDiff) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """Edited sentence pairs (old, new), sentences added whole, sentences removed whole."""
    removed = list(diff.removed)
    edited, added = [], []
    for sentence in diff.added:
        best = process.extractOne(
            cosmetic_form(sentence),
            [cosmetic_form(r) for r in removed],
            scorer=fuzz.ratio,
            score_cutoff=EDITED_MIN,
        )
        if best is None:
            added.append(sentence)
        else:
            edited.append((removed.pop(int(best[2])), sentence))
    return edited, added, removed


def category_shifts(diff: SentenceDiff) -> list[Shift]:
    """Categories that appear or disappear with the change, each with its triggering words."""
    edited, added, removed = _edits(diff)
    shifts: list[Shift] = []
    for old, new in edited:
        before, after = _categories(old), _categories(new)
        lost_words, new_words = _changed_words(old, new)
        shifts += [Shift("+", c, new_words or new) for c in sorted(after - before)]
        shifts += [Shift("-", c, lost_words or old) for c in sorted(before - after)]
    shifts += [Shift("+", c, s) for s in added for c in sorted(_categories(s))]
    shifts += [Shift("-", c, s) for s in removed for c in sorted(_categories(s))]
    return shifts


def _shift_words(shifts: Sequence[Shift], sign: str) -> str:
    labels: dict[str, str] = {}
    for shift in shifts:
        if shift.sign == sign:
            labels.setdefault(CATEGORY_LABELS.get(shift.category, shift.category), shift.words)
    return "; ".join(f"{label} ({_quoted(words.split())})" for label, words in labels.items())


def _protective_balance(diff: SentenceDiff) -> int:
    """Protective wording removed minus protective wording added (in the changed words)."""
    edited, added, removed = _edits(diff)
    lost = sum(bool(PROTECTIVE.search(s)) for s in removed)
    gained = sum(bool(PROTECTIVE.search(s)) for s in added)
    for old, new in edited:
        lost_words, new_words = _changed_words(old, new)
        lost += bool(PROTECTIVE.search(lost_words))
        gained += bool(PROTECTIVE.search(new_words))
    return lost - gained


def _quotes(diff: SentenceDiff, old_text: str, new_text: str) -> list[str]:
    """Changed passages, verbatim: the edited or added new sentences, else the removed ones."""
    return [q.strip() for q in (diff.added or diff.removed)[:MAX_QUOTES]]


def offline_change_analysis(old_text: str, new_text: str) -> ChangeAnalysis:
    """The offline estimate of a change (validated against both texts)."""
    diff = sentence_diff(old_text, new_text)
    shifts = category_shifts(diff)
    appear = {s.category for s in shifts if s.sign == "+"}
    disappear = {s.category for s in shifts if s.sign == "-"}
    score = len(appear - disappear) - len(disappear - appear) + _protective_balance(diff)
    direction = "less_protective" if score > 0 else "more_protective" if score < 0 else "neutral"
    touched = appear | disappear
    severity: Level = (
        "high"
        if touched & HIGH_CATEGORIES
        else "medium"
        if touched or diff.words_changed >= max(SIZEABLE_WORDS, diff.words_total / 3)
        else "low"
    )
    edits = word_edits(old_text, new_text)
    gained, lost = _shift_words(shifts, "+"), _shift_words(shifts, "-")
    categories = "".join(
        [
            f" Categories that appear: {gained}." if gained else "",
            f" Categories that disappear: {lost}." if lost else "",
        ]
    )
    what = f"Offline estimate: {edits or _sentence_counts(diff)}." + (
        categories or " No unfair-term category appears or disappears with the change."
    )
    labels = ", ".join(CATEGORY_LABELS.get(c, c) for c in sorted(touched))
    impact = (
        "Offline estimate from a word diff and a classifier, not a model: the change "
        + (
            f"{DIRECTION_WORDS[direction]} on {labels}."
            if labels
            else "does not touch a term the classifier recognises"
            + (f"; it {DIRECTION_WORDS[direction]}." if direction != "neutral" else ".")
        )
        + " Read the quoted text; a model or an analyst should confirm."
    )
    payload = {
        "what_changed": what,
        "direction": direction,
        "severity": severity,
        "consumer_impact": impact,
        "evidence_quotes": _quotes(diff, old_text, new_text),
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
