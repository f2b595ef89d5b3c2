"""Dry-run estimates: how many calls a run would make, its tokens by kind and its cost.

Nothing is written and no model is called. The captures are read and segmented in memory.

Method (also in the README):
- Tokens are estimated as characters / 4 of the rendered prompt blocks (system prompt with the
  output schema, document-context block, clause block). With ``count_tokens=True`` (the CLI
  passes it when ANTHROPIC_API_KEY is set) the full requests of ``SAMPLE_CLAUSES`` planned
  clauses per model are counted with the free token-counting endpoint (``counting``) and every
  input figure is scaled by counted / estimated; ``DryRun.methods`` says, per model, which
  method was used (and why it fell back to characters / 4, when it did).
- Calls: the clauses a run would analyse: every clause of a document's first version, then
  those of added and modified provisions (captures of one document are aligned in capture
  order, the first with the store's latest version, as ``pipeline.align`` does), then the rule
  of ``store.queries.pending``: no heading-only clause, each text once, none already analysed
  (or in flight) for the key (clause_sha256, analyzer, model, prompt version).
- Caching, as the analyzer sends requests: the system block is written to the cache once and
  read by every later request; each document's context block is written once per document and
  read by its other clauses. A prefix under the model's minimum cacheable length is not cached.
- Output: the mean output tokens of the store's valid analyses for the model when there are
  any, else ``DEFAULT_OUTPUT_TOKENS``. Re-asks are not included.
- Batches: the same tokens at the batch discount (cache hits in batches are best effort, so the
  batch figure is a lower bound on cost).
- Naive baseline: every clause of every capture sent, no reuse, no cache, no batches.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from clauselens import prompts
from clauselens.analyzers.base import ClauseInput, DocumentContext, cut_for_prompt
from clauselens.config import AlignSettings, Settings, api_key_present
from clauselens.errors import ApiError, CaptureError
from clauselens.models import min_cacheable_tokens
from clauselens.pipeline.ingest.captures import document_id_for
from clauselens.pipeline.ingest.manifest import CaptureMeta, discover
from clauselens.pipeline.segment.clauses import heading_only, outline, segment
from clauselens.pipeline.versions.align import AlignItem, align_clauses
from clauselens.pricing import cost_usd
from clauselens.schemas import Clause, Usage
from clauselens.schemas.changes import NEEDS_ANALYSIS
from clauselens.store import tables as t
from clauselens.store.queries import document_by_id, latest_version
from clauselens.store.queries.pending import (
    AnalyzerKey,
    Verdict,
    done_keys,
    synthetic_done,
    verdict,
)

CHARS_PER_TOKEN = 4
DEFAULT_OUTPUT_TOKENS = 900
SAMPLE_CLAUSES = 3


def tokens(text: str) -> int:
    return -(-len(text) // CHARS_PER_TOKEN)


@dataclass(frozen=True)
class _Doc:
    entity: str
    title: str
    terms_type: str
    clauses: tuple[Clause, ...]


@dataclass
class Estimate:
    model: str
    mode: str  # direct | batches | naive
    calls: int
    usage: Usage
    cost_usd: float


@dataclass
class DryRun:
    captures: int = 0
    clauses_seen: int = 0
    calls: int = 0
    reused: int = 0
    failed_captures: list[str] = field(default_factory=list)
    estimates: list[Estimate] = field(default_factory=list)
    methods: dict[str, str] = field(default_factory=dict)  # model -> how tokens were estimated


def _read_docs(paths: list[Path], settings: Settings, report: DryRun) -> list[_Doc]:
    from clauselens.pipeline.ingest.captures import read_capture

    metas: list[CaptureMeta] = []
    for entry in discover(paths, {}, settings.allow_roots):
        if isinstance(entry, CaptureMeta):
            metas.append(entry)
        else:
            report.failed_captures.append(str(entry))
    docs = []
    for meta in sorted(metas, key=lambda m: (m.entity, m.title, m.captured_at)):
        try:
            _, extracted = read_capture(meta.path, settings)
        except CaptureError as exc:
            report.failed_captures.append(str(exc))
            continue
        clauses = tuple(segment(extracted.text, settings.segment))
        docs.append(_Doc(meta.entity, meta.title, meta.terms_type, clauses))
    report.captures = len(docs)
    return docs


def _mean_output(conn: sa.Connection, model: str) -> int:
    """The mean output tokens of ``model``'s stored valid analyses, synthetic ones left out
    (their usage is the fake server's, not Claude's)."""
    a = t.analyses.c
    rows = conn.execute(
        sa.select(a.provenance)
        .where(a.model == model, a.status == "valid", a.synthetic.is_(False))
        .limit(2000)
    ).scalars()
    outs = [int(p.get("usage", {}).get("output_tokens", 0)) for p in rows]
    outs = [o for o in outs if o]
    return round(sum(outs) / len(outs)) if outs else DEFAULT_OUTPUT_TOKENS


def _items(clauses: tuple[Clause, ...] | list[Clause]) -> list[AlignItem]:
    return [AlignItem(tuple(c.heading_path), c.text, c.clause_sha256) for c in clauses]


def _stored_latest(conn: sa.Connection, doc: _Doc) -> list[AlignItem]:
    """The clauses of the document's latest stored version (empty when it is not tracked)."""
    c = t.clauses.c
    document = document_by_id(conn, document_id_for(doc.entity, doc.title))
    version = latest_version(conn, document.pk) if document is not None else None
    if version is None:
        return []
    rows = conn.execute(
        sa.select(c.heading_path, c.text, c.clause_sha256)
        .where(c.version_pk == version.pk)
        .order_by(c.idx)
    )
    return [AlignItem(tuple(r.heading_path), r.text, r.clause_sha256) for r in rows]


def _needing(previous: list[AlignItem], doc: _Doc, settings: AlignSettings) -> set[int]:
    """Indices of the clauses a run would analyse: all for a first version, else those of added
    and modified provisions (the same alignment, with the same thresholds, as ingest)."""
    if not previous:
        return set(range(len(doc.clauses)))
    pairs = align_clauses(previous, _items(doc.clauses), settings)
    return {p.new for p in pairs if p.new is not None and p.change in NEEDS_ANALYSIS}


def _plan(
    conn: sa.Connection, docs: list[_Doc], done: set[str], settings: AlignSettings
) -> tuple[dict[int, list[Clause]], int]:
    """Clauses to send per document index, each text once; and how many were reused (the
    rule: ``store.queries.pending.verdict``, over captures not yet ingested)."""
    planned: set[str] = set()
    plan: dict[int, list[Clause]] = defaultdict(list)
    reused = 0
    previous: list[AlignItem] = []
    for i, doc in enumerate(docs):
        first = i == 0 or (docs[i - 1].entity, docs[i - 1].title) != (doc.entity, doc.title)
        if first:
            previous = _stored_latest(conn, doc)
        needing = _needing(previous, doc, settings)
        previous = _items(doc.clauses)
        for n, clause in enumerate(doc.clauses):
            found = verdict(
                clause.clause_sha256,
                heading=heading_only(clause.text),
                needed=n in needing,
                done=done,
                planned=planned,
            )
            if found in (Verdict.REUSED, Verdict.REPEAT):
                reused += 1
            elif found is Verdict.SEND:
                planned.add(clause.clause_sha256)
                plan[i].append(clause)
    return plan, reused


def _clause_tokens(clause: Clause, settings: Settings) -> int:
    text, reason = cut_for_prompt(clause.text, settings.segment.prompt_max_chars)
    return tokens(prompts.render_clause(tuple(clause.heading_path), text, bool(reason), reason))


def _doc_tokens(doc: _Doc) -> int:
    return tokens(
        prompts.render_document(doc.entity, doc.title, doc.terms_type, tuple(outline(doc.clauses)))
    )


def _system_tokens() -> int:
    schema = json.dumps(prompts.output_schema("clause"))
    return tokens(prompts.render_system()) + tokens(schema)


def _planned_usage(
    docs: list[_Doc], plan: dict[int, list[Clause]], model: str, out: int, settings: Settings
) -> Usage:
    minimum = min_cacheable_tokens(model)
    system = _system_tokens()
    usage = Usage()
    system_cached = False
    for i, clauses in plan.items():
        doc_block = _doc_tokens(docs[i])
        cacheable = system + doc_block >= minimum
        for n, clause in enumerate(clauses):
            clause_in = _clause_tokens(clause, settings)
            if not cacheable:
                usage += Usage(input_tokens=system + doc_block + clause_in, output_tokens=out)
                continue
            write = (0 if system_cached else system) + (doc_block if n == 0 else 0)
            read = (system if system_cached else 0) + (doc_block if n else 0)
            system_cached = True
            usage += Usage(
                input_tokens=clause_in,
                cache_creation_input_tokens=write,
                cache_read_input_tokens=read,
                output_tokens=out,
            )
    return usage


def _naive_usage(docs: list[_Doc], out: int, settings: Settings) -> tuple[int, Usage]:
    system = _system_tokens()
    calls, usage = 0, Usage()
    for doc in docs:
        doc_block = _doc_tokens(doc)
        for clause in doc.clauses:
            calls += 1
            usage += Usage(
                input_tokens=system + doc_block + _clause_tokens(clause, settings),
                output_tokens=out,
            )
    return calls, usage


def _request(doc: _Doc, clause: Clause, model: str, settings: Settings) -> dict[str, Any]:
    """The full request the analyzer would send for ``clause`` (as ``pipeline.analyze`` builds
    its input)."""
    text, reason = cut_for_prompt(clause.text, settings.segment.prompt_max_chars)
    document = DocumentContext(doc.entity, doc.title, doc.terms_type, tuple(outline(doc.clauses)))
    item = ClauseInput(
        clause_sha256=clause.clause_sha256,
        heading_path=tuple(clause.heading_path),
        text=clause.text,
        prompt_text=text,
        truncated=reason is not None,
        truncation_reason=reason,
        document=document,
    )
    from clauselens.pipeline.runs.counting import analyzer_request  # the SDK, only with a key

    return analyzer_request(settings.model_copy(update={"model": model}), item)


def _sample(docs: list[_Doc], plan: dict[int, list[Clause]]) -> list[tuple[_Doc, Clause]]:
    """Up to ``SAMPLE_CLAUSES`` planned clauses, spread over the plan (else over every clause)."""
    picked = [(docs[i], c) for i, clauses in sorted(plan.items()) for c in clauses]
    picked = picked or [(d, c) for d in docs for c in d.clauses]
    step = max(1, len(picked) // SAMPLE_CLAUSES)
    return picked[::step][:SAMPLE_CLAUSES]


def _token_scale(
    docs: list[_Doc], plan: dict[int, list[Clause]], model: str, settings: Settings
) -> tuple[float, str]:
    """Counted / estimated prompt tokens over a sample, and the sentence saying so."""
    sample = _sample(docs, plan)
    if not sample:
        return 1.0, "characters / 4 (no clause to count)"
    from clauselens.pipeline.runs.counting import count_request_tokens, token_client

    client = token_client(settings)
    try:
        counted = sum(
            count_request_tokens(client, _request(d, c, model, settings)) for d, c in sample
        )
    except ApiError as exc:
        return 1.0, f"characters / 4: token counting failed, {exc}"
    finally:
        client.close()
    estimated = sum(
        _system_tokens() + _doc_tokens(d) + _clause_tokens(c, settings) for d, c in sample
    )
    scale = counted / max(estimated, 1)
    return scale, (
        f"token counting endpoint on {len(sample)} sample clause(s): {counted:,} tokens counted, "
        f"{estimated:,} by characters / 4; input figures scaled by {scale:.3f}"
    )


def _scaled(usage: Usage, scale: float) -> Usage:
    """``usage`` with its prompt figures (not its output) multiplied by ``scale``."""
    return usage.model_copy(
        update={
            "input_tokens": round(usage.input_tokens * scale),
            "cache_creation_input_tokens": round(usage.cache_creation_input_tokens * scale),
            "cache_read_input_tokens": round(usage.cache_read_input_tokens * scale),
        }
    )


def _chars_method() -> str:
    why = "not requested" if api_key_present() else "no ANTHROPIC_API_KEY"
    return f"characters / 4 of the rendered prompt (token counting: {why})"


def dry_run(
    engine: sa.Engine,
    paths: list[Path],
    settings: Settings,
    models: Iterable[str],
    analyzer: str = "claude",
    *,
    count_tokens: bool = False,
) -> DryRun:
    """Estimate a run over ``paths`` for each of ``models`` (see the module docstring).

    ``count_tokens``: count a sample's prompt tokens with the API (needs ANTHROPIC_API_KEY; free)
    and scale the characters / 4 figures by it.
    """
    report = DryRun()
    docs = _read_docs(paths, settings, report)
    report.clauses_seen = sum(len(d.clauses) for d in docs)
    for model in models:
        with engine.connect() as conn:
            key = AnalyzerKey(analyzer, model, prompts.prompt_version())
            done = done_keys(conn, key, synthetic=synthetic_done(settings.base_url))
            out = _mean_output(conn, model)
            plan, reused = _plan(conn, docs, done, settings.align)
        calls = sum(len(v) for v in plan.values())
        report.calls, report.reused = calls, reused
        scale, report.methods[model] = (
            _token_scale(docs, plan, model, settings) if count_tokens else (1.0, _chars_method())
        )
        usage = _scaled(_planned_usage(docs, plan, model, out, settings), scale)
        naive_calls, naive = _naive_usage(docs, out, settings)
        naive = _scaled(naive, scale)
        report.estimates += [
            Estimate(model, "direct", calls, usage, cost_usd(model, usage)),
            Estimate(model, "batches", calls, usage, cost_usd(model, usage, batch=True)),
            Estimate(model, "naive", naive_calls, naive, cost_usd(model, naive)),
        ]
    return report
