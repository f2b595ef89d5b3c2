"""Change analysis: what a modified provision's new wording means for users.

``analyze_changes(engine, analyzer, version_pk)`` gives every ``modified`` change of a version a
validated ``ChangeAnalysis`` (stored in ``changes.change_analysis`` with ``analyzer``, ``severity``
and ``change_provenance``). Any object with the ``ChangeAnalyzer`` shape works:
``analyzers.claude.ClaudeAnalyzer`` (the change prompt, old text, new text and the previous
analysis) or ``OfflineChangeAnalyzer`` here.

The offline change analysis is an estimate, and says so. It diffs the two texts by sentence
(cosmetic forms compared, so reformatted sentences do not count), runs the offline CLAUDETTE
classifier over the added and the removed sentences, and applies two small keyword lists:

- direction: added sentences in unfair-term categories, or removed user-protective language
  ("opt out", "refund", "notify you", ...), make it ``less_protective``; the reverse makes it
  ``more_protective``; a tie or no signal is ``neutral``.
- severity: ``high`` when a sentence in arbitration, liability, termination or content-removal
  terms was added or removed; ``medium`` for other categories, or when over a third of the words
  changed; otherwise ``low``.
- evidence quotes: the added sentences (verbatim from the new text), else the removed ones
  (verbatim from the old text). Every result passes ``validate_change_analysis``.
"""

from __future__ import annotations

import asyncio
import difflib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import sqlalchemy as sa

from clauselens.analyzers.base import OFFLINE_MODEL, DocumentContext
from clauselens.analyzers.claude import ChangeResult
from clauselens.analyzers.offline.classifier import load_classifier
from clauselens.analyzers.offline.normalise import sentences
from clauselens.pipeline.analyze.persist import ANALYZER_RANK
from clauselens.pipeline.versions import changes
from clauselens.pipeline.versions.cosmetic import cosmetic_form
from clauselens.schemas import ChangeAnalysis, ClauseAnalysis, Provenance, Usage
from clauselens.schemas.analysis import Level
from clauselens.schemas.validate import InvalidAnalysis, validate_change_analysis
from clauselens.store import tables as t

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


class ChangeAnalyzer(Protocol):
    """What ``analyze_changes`` needs of an analyzer (``ClaudeAnalyzer`` has this shape)."""

    @property
    def name(self) -> str: ...

    async def analyze_change(
        self,
        old_text: str,
        new_text: str,
        previous: ClauseAnalysis | None,
        document: DocumentContext,
        heading_path: tuple[str, ...] = (),
    ) -> ChangeResult: ...


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


class OfflineChangeAnalyzer:
    """The ``offline`` change analyzer: no network, every result says it is an estimate."""

    name = "offline"
    model = OFFLINE_MODEL

    async def analyze_change(
        self,
        old_text: str,
        new_text: str,
        previous: ClauseAnalysis | None,
        document: DocumentContext,
        heading_path: tuple[str, ...] = (),
    ) -> ChangeResult:
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


@dataclass
class ChangeAnalysisReport:
    """What ``analyze_changes`` did: change rows analysed, skipped (already done) and failed."""

    analysed: int = 0
    skipped: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (change pk, error)
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0


@dataclass(frozen=True)
class _Job:
    change_pk: int
    old_text: str
    new_text: str
    heading_path: tuple[str, ...]
    previous: ClauseAnalysis | None


def previous_analysis(conn: sa.Connection, clause_pk: int) -> ClauseAnalysis | None:
    """The analysis standing for a clause (an analyst's edit first, claude before offline)."""
    a, c = t.analyses, t.clauses
    sha = sa.select(c.c.clause_sha256).where(c.c.id == changes.analysis_origin(conn, clause_pk))
    row = conn.execute(
        sa.select(a.c.analysis, a.c.reviewed_analysis)
        .where(a.c.clause_sha256 == sha.scalar_subquery(), a.c.status == "valid")
        .order_by((a.c.analyzer == "claude").desc(), a.c.generated_at.desc())
        .limit(1)
    ).first()
    data = (row.reviewed_analysis or row.analysis) if row is not None else None
    return ClauseAnalysis.model_validate(data) if isinstance(data, dict) else None


def _jobs(
    conn: sa.Connection, analyzer: str, version_pk: int, redo: bool
) -> tuple[list[_Job], int]:
    ch, new = t.changes, t.clauses
    rows = conn.execute(
        sa.select(ch.c.id, ch.c.analyzer, ch.c.old_clause_pk, new.c.heading_path)
        .join(new, new.c.id == ch.c.new_clause_pk)
        .where(ch.c.to_version_pk == version_pk, ch.c.change_class == "modified")
        .order_by(ch.c.id)
    ).all()
    jobs, skipped = [], 0
    rank = ANALYZER_RANK.get(analyzer, len(ANALYZER_RANK))
    for pk, done_by, old_pk, path in rows:
        if (
            done_by is not None
            and not redo
            and ANALYZER_RANK.get(done_by, len(ANALYZER_RANK)) <= rank
        ):
            skipped += 1
            continue
        old_text, new_text = changes.provision_texts(conn, int(pk))
        previous = previous_analysis(conn, int(old_pk))
        jobs.append(_Job(int(pk), old_text, new_text, tuple(path or ()), previous))
    return jobs, skipped


async def analyze_changes(
    engine: sa.Engine,
    analyzer: ChangeAnalyzer,
    version_pk: int,
    *,
    document: DocumentContext,
    redo: bool = False,
    concurrency: int = 4,
) -> ChangeAnalysisReport:
    """A change analysis for every modified provision of ``version_pk`` not yet analysed.

    A row analysed by ``claude`` is never overwritten by ``offline``; ``redo`` re-analyses.
    Each result is committed as it completes; a failed one is reported and left empty.
    """
    with engine.connect() as conn:
        jobs, skipped = _jobs(conn, analyzer.name, version_pk, redo)
    report = ChangeAnalysisReport(skipped=skipped)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(job: _Job) -> None:
        async with gate:
            result = await analyzer.analyze_change(
                job.old_text, job.new_text, job.previous, document, job.heading_path
            )
        report.usage += result.provenance.usage
        report.cost_usd += result.provenance.cost_usd
        if result.analysis is None:
            report.failed.append((job.change_pk, result.error or "no analysis"))
            return
        with engine.begin() as conn:
            conn.execute(
                t.changes.update()
                .where(t.changes.c.id == job.change_pk)
                .values(
                    change_analysis=result.analysis.model_dump(mode="json"),
                    change_provenance=result.provenance.model_dump(mode="json"),
                    analyzer=analyzer.name,
                    severity=result.analysis.severity,
                )
            )
        report.analysed += 1

    await asyncio.gather(*(one(job) for job in jobs))
    return report
