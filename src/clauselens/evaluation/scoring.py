"""Scores: what an analyzer's answers get right against a gold set.

Every figure is a plain ratio over the set, so two reports can be compared figure by figure.

Categories (``categories`` sets): per code, precision, recall and F1 over the codes the set
uses; micro (pooled counts) and macro (mean over codes) averages; and detection (any of the
set's codes predicted versus any labelled). Analyses that failed count as predicting nothing.

Provisions (``provisions`` sets), over the items with a valid analysis (failures are their own
rate):
- categories: a predicted code is right when required or acceptable; precision = right /
  predicted; recall = required codes predicted / required codes. Micro pools the counts; macro
  averages per code over the codes that are required somewhere or predicted;
- severity agreement: share of analyses whose severity is one the gold item accepts;
- agencies and regulations: ``wrong_share`` = named ids the gold item calls wrong / named
  recognised ids (lower is better); ``plausible_share`` = named ids it calls plausible / named
  ids (the rest of the names are neither: the labels leave them open, so a low wrong share is
  not a high plausible one); ``plausible_recall`` = plausible ids named / plausible ids;
  ``items_with_wrong`` = share of analyses naming at least one wrong id;
- evidence: share of evidence quotes found verbatim (whitespace-insensitive) in the clause;
- summary: the mean over items of the summary's content-word recall and precision against the
  reader's rationale (``overlap``: a rough proxy for whether it says what the clause does);
- rates: failure, re-ask, triaged out; tokens (input, output, thinking) and cost per item;
- for category precision, severity agreement and the agency and regulation shares, a 95%
  interval from resampling the items (``<figure>_ci_low`` / ``_ci_high``; ``intervals``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from clauselens.evaluation.gold import CategorySentence, GoldProvision
from clauselens.evaluation.intervals import item_intervals
from clauselens.evaluation.mentions import named_in
from clauselens.evaluation.overlap import overlap
from clauselens.schemas import AnalysisResult, ClauseAnalysis

Figures = dict[str, float | int | None]


@dataclass
class _Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def prf(self) -> tuple[float | None, float | None, float | None]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else None
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        f = 2 * p * r / (p + r) if p is not None and r is not None and p + r else None
        if p is not None and r is not None and not p + r:
            f = 0.0
        return p, r, f


def _mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def _prf_figures(prefix: str, per_code: dict[str, _Counts]) -> Figures:
    pooled = _Counts(
        sum(c.tp for c in per_code.values()),
        sum(c.fp for c in per_code.values()),
        sum(c.fn for c in per_code.values()),
    )
    p, r, f = pooled.prf()
    scores = [c.prf() for c in per_code.values()]
    return {
        f"{prefix}micro_precision": p,
        f"{prefix}micro_recall": r,
        f"{prefix}micro_f1": f,
        f"{prefix}macro_precision": _mean(s[0] for s in scores),
        f"{prefix}macro_recall": _mean(s[1] for s in scores),
        f"{prefix}macro_f1": _mean(s[2] if s[2] is not None else 0.0 for s in scores),
    }


def _predicted(result: AnalysisResult | None) -> ClauseAnalysis | None:
    return result.analysis if result is not None and result.status == "valid" else None


def score_categories(
    items: Sequence[CategorySentence], results: Sequence[AnalysisResult | None]
) -> tuple[Figures, dict[str, Figures]]:
    """Set figures and per-code figures (precision, recall, F1, support)."""
    codes = sorted({c for item in items for c in item.categories})
    per_code = {code: _Counts() for code in codes}
    detect = _Counts()
    for item, result in zip(items, results, strict=True):
        analysis = _predicted(result)
        predicted = set(analysis.categories) & set(codes) if analysis else set()
        gold = set(item.categories)
        for code in codes:
            per_code[code].tp += code in predicted and code in gold
            per_code[code].fp += code in predicted and code not in gold
            per_code[code].fn += code not in predicted and code in gold
        detect.tp += bool(predicted) and bool(gold)
        detect.fp += bool(predicted) and not gold
        detect.fn += not predicted and bool(gold)
    figures = _prf_figures("category_", per_code)
    p, r, f = detect.prf()
    figures.update({"detection_precision": p, "detection_recall": r, "detection_f1": f})
    figures.update(_rates(results))
    support = Counter(c for item in items for c in item.categories)
    table: dict[str, Figures] = {}
    for code, counts in per_code.items():
        p, r, f = counts.prf()
        table[code] = {"precision": p, "recall": r, "f1": f, "support": support[code]}
    return figures, table


def _quote_valid(quote: str, text: str) -> bool:
    squash = re.compile(r"\s+")
    return squash.sub(" ", quote).strip().lower() in squash.sub(" ", text).lower()


def score_provisions(
    items: Sequence[GoldProvision], results: Sequence[AnalysisResult | None]
) -> tuple[Figures, list[dict[str, Any]]]:
    """Set figures and one row per item (what was named right and wrong)."""
    per_code: dict[str, _Counts] = {}
    quotes = quotes_ok = 0
    rows: list[dict[str, Any]] = []
    # the counts of each valid item (``intervals.COLUMNS``): the set's figures are their sums
    per_item: list[dict[str, int]] = []
    overlaps: list[tuple[float, float]] = []
    for item, result in zip(items, results, strict=True):
        analysis = _predicted(result)
        row: dict[str, Any] = {"id": item.id}
        rows.append(row)
        if analysis is None:
            row["status"] = "failed"
            continue
        predicted = set(analysis.categories)
        ok = set(item.categories.required) | set(item.categories.acceptable)
        tally: dict[str, int] = {
            "valid": 1,
            "category_right": len(predicted & ok),
            "category_predicted": len(predicted),
            "severity_ok": analysis.severity in item.severity,
        }
        per_item.append(tally)
        for code in predicted | set(item.categories.required):
            counts = per_code.setdefault(code, _Counts())
            counts.tp += code in predicted and code in ok
            counts.fp += code in predicted and code not in ok
            counts.fn += code not in predicted and code in item.categories.required
        for quote in analysis.evidence_quotes:
            quotes += 1
            quotes_ok += _quote_valid(quote, item.text)
        said = overlap(analysis.summary, item.rationale)
        if said is not None:
            overlaps.append(said)
        found = named_in(analysis)
        for kind, ids, gold in (
            ("agencies", found.agencies, item.agencies),
            ("regulations", found.regulations, item.regulations),
        ):
            wrong = ids & set(gold.wrong)
            tally[f"{kind}_named"] = len(ids)
            tally[f"{kind}_wrong"] = len(wrong)
            tally[f"{kind}_plausible_named"] = len(ids & set(gold.plausible))
            tally[f"{kind}_plausible"] = len(gold.plausible)
            row[f"{kind}_wrong"] = ", ".join(sorted(wrong)) or None
            row[f"{kind}_missed"] = ", ".join(sorted(set(gold.plausible) - ids)) or None
        row["severity"] = analysis.severity
        row["categories"] = ", ".join(sorted(predicted)) or None
    figures = _prf_figures("category_", per_code)
    total: Counter[str] = Counter()
    for tally in per_item:
        total.update(tally)
    valid = len(per_item)
    figures["severity_agreement"] = total["severity_ok"] / valid if valid else None
    for kind in ("agencies", "regulations"):
        n, n_wrong = total[f"{kind}_named"], total[f"{kind}_wrong"]
        plaus, plaus_total = total[f"{kind}_plausible_named"], total[f"{kind}_plausible"]
        items_wrong = sum(tally[f"{kind}_wrong"] > 0 for tally in per_item)
        figures[f"{kind}_named_per_item"] = n / valid if valid else None
        figures[f"{kind}_wrong_share"] = n_wrong / n if n else (0.0 if valid else None)
        figures[f"{kind}_plausible_share"] = total[f"{kind}_plausible_named"] / n if n else None
        figures[f"{kind}_plausible_recall"] = plaus / plaus_total if plaus_total else None
        figures[f"{kind}_items_with_wrong"] = items_wrong / valid if valid else None
    figures["evidence_quote_validity"] = quotes_ok / quotes if quotes else None
    for i, name in enumerate(("recall", "precision")):
        values = [said[i] for said in overlaps]
        figures[f"summary_rationale_{name}"] = sum(values) / len(values) if values else None
    for figure, interval in item_intervals(per_item).items():
        low, high = interval if interval is not None else (None, None)
        figures[f"{figure}_ci_low"], figures[f"{figure}_ci_high"] = low, high
    figures.update(_rates(results))
    return figures, rows


def _rates(results: Sequence[AnalysisResult | None]) -> Figures:
    done = [r for r in results if r is not None]
    n = len(done)
    if not n:
        return {"items": len(results), "failure_rate": None}
    usage = [r.provenance.usage for r in done]
    return {
        "items": len(results),
        "failure_rate": sum(r.status != "valid" for r in done) / n,
        "reask_rate": sum(r.provenance.reasked for r in done) / n,
        "triaged_rate": sum(r.triaged_out for r in done) / n,
        "input_tokens_per_item": sum(
            u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens
            for u in usage
        )
        / n,
        "output_tokens_per_item": sum(u.output_tokens for u in usage) / n,
        "thinking_tokens_per_item": sum(u.thinking_tokens or 0 for u in usage) / n,
        "cost_usd_per_item": sum(r.provenance.cost_usd for r in done) / n,
    }
