"""Reading an eval report: the table a person reads, and the regression gate.

The gate compares a report with an earlier one (``--baseline``) figure by figure, for each
configuration (analyzer, model, effort) and set the two have in common. A figure in ``GATED``
regresses when it moves the wrong way by more than the tolerance (absolute, 0.02 by default:
two points of a share). Figures absent from either side are not compared; the gate says which
configurations and sets it could not compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clauselens.evaluation.intervals import RATIOS

DEFAULT_TOLERANCE = 0.02

# figure: +1 when higher is better, -1 when lower is better
GATED: dict[str, int] = {
    "category_micro_f1": 1,
    "category_macro_f1": 1,
    "detection_f1": 1,
    "severity_agreement": 1,
    "agencies_wrong_share": -1,
    "regulations_wrong_share": -1,
    "agencies_items_with_wrong": -1,
    "regulations_items_with_wrong": -1,
    "agencies_plausible_recall": 1,
    "regulations_plausible_recall": 1,
    "agencies_plausible_share": 1,
    "regulations_plausible_share": 1,
    "evidence_quote_validity": 1,
    "summary_rationale_recall": 1,
    "summary_rationale_precision": 1,
    "failure_rate": -1,
    "recall_at_10": 1,
    "mrr": 1,
}

# (column title, figure, format) per kind of set
COLUMNS: dict[str, list[tuple[str, str, str]]] = {
    "categories": [
        ("items", "items", "d"),
        ("micro P", "category_micro_precision", "f"),
        ("micro R", "category_micro_recall", "f"),
        ("micro F1", "category_micro_f1", "f"),
        ("macro F1", "category_macro_f1", "f"),
        ("detect F1", "detection_f1", "f"),
        ("failed", "failure_rate", "%"),
        ("$/item", "cost_usd_per_item", "$"),
    ],
    "provisions": [
        ("items", "items", "d"),
        ("cat P", "category_micro_precision", "f"),
        ("cat R", "category_micro_recall", "f"),
        ("cat macro F1", "category_macro_f1", "f"),
        ("severity ok", "severity_agreement", "%"),
        ("agency wrong", "agencies_wrong_share", "%"),
        ("agency recall", "agencies_plausible_recall", "%"),
        ("reg wrong", "regulations_wrong_share", "%"),
        ("reg recall", "regulations_plausible_recall", "%"),
        ("quotes ok", "evidence_quote_validity", "%"),
        ("summary R/P", "", "overlap"),
        ("failed", "failure_rate", "%"),
        ("re-asked", "reask_rate", "%"),
        ("tokens in/out", "", "tokens"),
        ("$/item", "cost_usd_per_item", "$"),
    ],
}


def _cell(figures: dict[str, Any], key: str, fmt: str) -> str:
    if fmt == "tokens":
        i, o = figures.get("input_tokens_per_item"), figures.get("output_tokens_per_item")
        return "-" if i is None or o is None else f"{i:.0f}/{o:.0f}"
    if fmt == "overlap":
        r, p = figures.get("summary_rationale_recall"), figures.get("summary_rationale_precision")
        return "-" if r is None or p is None else f"{r:.3f}/{p:.3f}"
    value = figures.get(key)
    if value is None:
        return "-"
    if fmt == "d":
        return str(int(value))
    if fmt == "%":
        return f"{100 * value:.1f}%"
    if fmt == "$":
        return f"{value:.4f}"
    return f"{value:.3f}"


# (label, figure, format) of the intervals line under a provisions table: the table's columns
# that ``intervals`` gives an interval for
INTERVALS = [column for column in COLUMNS["provisions"] if column[1] in RATIOS]


def _intervals(figures: dict[str, Any]) -> str:
    """ "cat P 0.801-0.925 · severity ok 58.3-81.7% · ..." for the figures that have one."""
    parts = []
    for label, key, fmt in INTERVALS:
        low, high = figures.get(f"{key}_ci_low"), figures.get(f"{key}_ci_high")
        if low is None or high is None:
            continue
        if fmt == "%":
            parts.append(f"{label} {100 * low:.1f}-{100 * high:.1f}%")
        else:
            parts.append(f"{label} {low:.3f}-{high:.3f}")
    return " \u00b7 ".join(parts)


def _names(figures: dict[str, Any]) -> str:
    """ "agencies 80.1% plausible, 0.6% wrong, 19.3% neither · regulations ..." (empty when
    nothing was named)."""
    parts = []
    for kind in ("agencies", "regulations"):
        plausible, wrong = (
            figures.get(f"{kind}_plausible_share"),
            figures.get(f"{kind}_wrong_share"),
        )
        if plausible is None or wrong is None:
            continue
        neither = 1.0 - plausible - wrong
        parts.append(
            f"{kind} {100 * plausible:.1f}% plausible, {100 * wrong:.1f}% wrong, "
            f"{100 * neither:.1f}% neither"
        )
    return " \u00b7 ".join(parts)


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(head), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def config_label(run: dict[str, Any]) -> str:
    effort = f" effort={run['effort']}" if run.get("effort") else ""
    return f"{run['analyzer']} {run['model']}{effort}"


def render(report: dict[str, Any]) -> str:
    """The report as plain-text tables: one per set, one row per configuration."""
    lines: list[str] = []
    if report.get("synthetic"):
        lines += [
            "SYNTHETIC: answers came from clauselens' fake Messages API, not from Claude; "
            "these figures measure the plumbing, not a model.",
            "",
        ]
    for name, gold in report["gold"].items():
        kind = gold["kind"]
        lines.append(f"{name} ({kind}, {gold['items']} items)")
        if kind == "similarity":
            f = report["similarity"][name]
            head = ["method", "recall@10", "rel@10", "MRR"]
            rows = [
                ["default index", *(f"{f[k]:.3f}" for k in ("recall_at_10", "rel_at_10", "mrr"))],
                [
                    "baseline (sklearn TF-IDF)",
                    *(
                        f"{f[k]:.3f}"
                        for k in ("baseline_recall_at_10", "baseline_rel_at_10", "baseline_mrr")
                    ),
                ],
            ]
        else:
            head = ["configuration"] + [c[0] for c in COLUMNS[kind]]
            rows = [
                [config_label(run)] + [_cell(run["sets"][name], k, f) for _, k, f in COLUMNS[kind]]
                for run in report["runs"]
                if name in run["sets"]
            ]
        lines += _table(head, rows)
        if kind == "provisions":
            for run in report["runs"]:
                spans = _intervals(run["sets"].get(name, {}))
                if spans:
                    lines.append(f"95% intervals, items resampled ({config_label(run)}): {spans}")
                names = _names(run["sets"].get(name, {}))
                if names:
                    lines.append(f"of the names it gives ({config_label(run)}): {names}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


@dataclass(frozen=True)
class Regression:
    configuration: str
    set: str
    figure: str
    baseline: float
    now: float

    def __str__(self) -> str:
        return (
            f"{self.configuration} / {self.set}: {self.figure} {self.baseline:.3f} -> "
            f"{self.now:.3f}"
        )


def _runs(report: dict[str, Any]) -> dict[tuple[str, str, str | None], dict[str, Any]]:
    return {(r["analyzer"], r["model"], r.get("effort")): r for r in report.get("runs", [])}


def _worse(figure: str, before: float, now: float, tolerance: float) -> bool:
    return GATED[figure] * (now - before) < -tolerance


def compare(
    report: dict[str, Any], baseline: dict[str, Any], tolerance: float = DEFAULT_TOLERANCE
) -> tuple[list[Regression], list[str]]:
    """Regressions of ``report`` against ``baseline``, and what could not be compared."""
    regressions: list[Regression] = []
    skipped: list[str] = []
    now_runs, base_runs = _runs(report), _runs(baseline)
    for key, base in base_runs.items():
        run = now_runs.get(key)
        label = config_label(base)
        if run is None:
            skipped.append(f"{label}: not in this report")
            continue
        for set_name, before in base["sets"].items():
            figures = run["sets"].get(set_name)
            if figures is None:
                skipped.append(f"{label} / {set_name}: not in this report")
                continue
            for figure in GATED:
                b, n = before.get(figure), figures.get(figure)
                if b is not None and n is not None and _worse(figure, b, n, tolerance):
                    regressions.append(Regression(label, set_name, figure, b, n))
    for set_name, before in baseline.get("similarity", {}).items():
        figures = report.get("similarity", {}).get(set_name)
        if figures is None:
            skipped.append(f"similarity / {set_name}: not in this report")
            continue
        for figure in ("recall_at_10", "mrr"):
            b, n = before.get(figure), figures.get(figure)
            if b is not None and n is not None and _worse(figure, b, n, tolerance):
                regressions.append(Regression("similarity", set_name, figure, b, n))
    return regressions, skipped
