"""Rebuild the shipped classifier weights from the CLAUDETTE corpus, reproducibly.

    python -m clauselens.analyzers.offline.train CORPUS_JSONL [--out PATH]

Every row of the file is used (both LexGLUE splits). Model: TF-IDF over the ``features`` blocks
(``_fitting``) and one linear SVM per category. Every choice is made by cross-validation over the
rows given, in ``INNER_FOLDS`` folds that keep each document whole (fixed seed):

- the feature set (``FEATURE_SETS``: words only, or words and characters) and ``C``
  (``C_GRID``): the pair with the best out-of-fold macro-F1 (at per-category best thresholds);
- per category, Platt scaling of the out-of-fold decision values (folded into the shipped
  coefficients, so the classifier's scores are calibrated probabilities), then the probability
  threshold with the best out-of-fold F1;
- the triage model: a logistic regression of "any unfair category" on a sentence's highest
  calibrated category log-odds and its two neighbours' in the document (``sentence_index``
  order), fitted on the out-of-fold scores; its threshold is the highest that keeps
  ``TRIAGE_KEEP`` of the unfair sentences, read off triage probabilities that are themselves
  out of fold (the regression refitted in the same document folds).

The final model is fitted on all the rows with the chosen settings. ``bench/offline_eval.py``
calls ``train_weights`` inside an outer cross-validation, so those choices never see the rows
they are scored on. Output is JSON (sorted vocabulary, rounded floats, no timestamps): the same
corpus gives the same bytes. scikit-learn is needed here and in ``bench/``, never at inference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from clauselens.analyzers.offline import _fitting as fitting
from clauselens.analyzers.offline.classifier import (
    CLAUDETTE_CODES,
    LOG_ODDS_BOUND,
    WEIGHTS_FORMAT,
    neighbour_scores,
)

INNER_FOLDS = 5
# min_df per block (words, characters); 0 leaves a block out.
FEATURE_SETS: dict[str, tuple[int, int]] = {"words": (2, 0), "words+chars": (2, 3)}
MODEL_FEATURES = {
    "words": "word 1-2 grams",
    "words+chars": "word 1-2 grams and char_wb 3-5 grams, each block L2-normalised",
}
C_GRID = (0.1, 0.3, 1.0, 3.0)
TRIAGE_KEEP = 0.985
DEFAULT_C = 0.3
DECIMALS = 5


@dataclass(frozen=True)
class Choice:
    """Settings chosen by the inner cross-validation (or defaults when it cannot run)."""

    feature_set: str
    c: float
    calibration: list[tuple[float, float]]
    thresholds: list[float]
    triage: Triage
    cv_macro_f1: float | None


@dataclass(frozen=True)
class Triage:
    """The context model of triage (``classifier.TriageWeights``) and its threshold."""

    coef: tuple[float, float, float]
    intercept: float
    threshold: float


NO_CONTEXT = Triage((1.0, 0.0, 0.0), 0.0, 0.5)


def read_corpus(path: Path) -> list[dict[str, Any]]:
    """Rows of the CLAUDETTE JSONL file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def label_matrix(rows: Sequence[dict[str, Any]]) -> Any:
    return np.array([[code in r["label_codes"] for code in CLAUDETTE_CODES] for r in rows], bool)


def neighbours(rows: Sequence[dict[str, Any]]) -> tuple[Any, Any]:
    """Indices of each row's previous and next sentence in its document (-1: none).

    Sentences are ordered by ``sentence_index`` (row order when a row has none).
    """
    places = [(str(r.get("doc", "")), int(r.get("sentence_index", i))) for i, r in enumerate(rows)]
    where = {place: i for i, place in enumerate(places)}
    previous, following = [], []
    for doc, at in places:
        previous.append(where.get((doc, at - 1), -1))
        following.append(where.get((doc, at + 1), -1))
    return np.array(previous, dtype=np.intp), np.array(following, dtype=np.intp)


def fit_triage(own: Any, unfair: Any, context: tuple[Any, Any], folds: Any) -> Triage:
    """The context model on out-of-fold own scores; its threshold from out-of-fold output."""
    x = neighbour_scores(own, *context)
    out_of_fold = np.zeros(len(own))
    for train, test in folds:
        coef, intercept = fitting.fit_logistic(x[train], unfair[train])
        out_of_fold[test] = x[test] @ coef + intercept
    coef, intercept = fitting.fit_logistic(x, unfair)
    threshold = fitting.recall_threshold(fitting.sigmoid(out_of_fold), unfair, TRIAGE_KEEP)
    return Triage((coef[0], coef[1], coef[2]), intercept, threshold)


def _decisions(counts: fitting.Counts, y: Any, train: Any, test: Any) -> dict[Any, Any]:
    """Decision values on ``test`` of models fitted on ``train``, per (feature set, C)."""
    out: dict[Any, Any] = {}
    for name, min_df in FEATURE_SETS.items():
        space = fitting.fit_space(counts, train, min_df)
        x_train = fitting.transform(counts, train, space)
        x_test = fitting.transform(counts, test, space)
        for c in C_GRID:
            columns = []
            for k in range(y.shape[1]):
                coef, intercept = fitting.fit_linear(x_train, y[train, k], c)
                columns.append(x_test @ coef + intercept)
            out[name, c] = np.column_stack(columns)
    return out


def _calibrate(decision: Any, y: Any) -> tuple[list[tuple[float, float]], list[float], float]:
    """Per category: Platt scaling and best-F1 threshold; and the mean of those F1s."""
    calibration, thresholds, f1s = [], [], []
    for k in range(y.shape[1]):
        a, b = fitting.fit_sigmoid(decision[:, k], y[:, k])
        threshold, f1 = fitting.best_threshold(y[:, k], fitting.sigmoid(a * decision[:, k] + b))
        calibration.append((a, b))
        thresholds.append(threshold)
        f1s.append(f1)
    return calibration, thresholds, float(np.mean(f1s))


def choose(
    counts: fitting.Counts, y: Any, groups: Sequence[str], context: tuple[Any, Any]
) -> Choice:
    """Feature set, C, calibration, thresholds and triage from out-of-fold predictions.

    ``context``: each row's previous and next sentence (``neighbours``).
    """
    folds = fitting.group_folds(groups, INNER_FOLDS)
    if not folds:
        n = y.shape[1]
        return Choice("words+chars", DEFAULT_C, [(1.0, 0.0)] * n, [0.5] * n, NO_CONTEXT, None)
    oof = {key: np.zeros(y.shape) for key in [(f, c) for f in FEATURE_SETS for c in C_GRID]}
    for train, test in folds:
        for key, values in _decisions(counts, y, train, test).items():
            oof[key][test] = values
    scored = {key: _calibrate(decision, y) for key, decision in oof.items()}
    name, c = max(scored, key=lambda key: scored[key][2])  # a tie keeps the first in grid order
    calibration, thresholds, macro = scored[name, c]
    slopes, offsets = zip(*calibration, strict=True)
    log_odds = oof[name, c] * np.array(slopes) + np.array(offsets)
    own = np.clip(log_odds, -LOG_ODDS_BOUND, LOG_ODDS_BOUND).max(axis=1)
    triage = fit_triage(own, y.any(axis=1), context, folds)
    return Choice(name, c, calibration, thresholds, triage, macro)


def _round(v: float) -> float:
    return round(float(v), DECIMALS) + 0.0  # + 0.0: no "-0.0" in the file


def train_weights(rows: Sequence[dict[str, Any]], corpus_sha256: str = "") -> dict[str, Any]:
    """Choose settings by inner cross-validation, fit on all ``rows``; the weights document."""
    y = label_matrix(rows)
    groups = [str(r.get("doc", "")) for r in rows]
    counts = fitting.count_features([r["text"] for r in rows])
    choice = choose(counts, y, groups, neighbours(rows))
    everything = np.arange(len(rows))
    space = fitting.fit_space(counts, everything, FEATURE_SETS[choice.feature_set])
    x = fitting.transform(counts, everything, space)
    coef_columns, intercepts = [], []
    for k, (a, b) in enumerate(choice.calibration):
        coef, intercept = fitting.fit_linear(x, y[:, k], choice.c)
        coef_columns.append(a * coef)
        intercepts.append(a * intercept + b)
    coef_rows = np.column_stack(coef_columns)
    return {
        "format": WEIGHTS_FORMAT,
        "labels": list(CLAUDETTE_CODES),
        "vocabulary": [counts.terms[i] for i in space.columns],
        "idf": [_round(v) for v in space.idf],
        "coef": [[_round(v) for v in row] for row in coef_rows],
        "intercept": [_round(v) for v in intercepts],
        "thresholds": choice.thresholds,
        "triage": {
            "coef": [_round(v) for v in choice.triage.coef],
            "intercept": _round(choice.triage.intercept),
            "threshold": _round(np.floor(choice.triage.threshold * 10**DECIMALS) / 10**DECIMALS),
        },
        "training": {
            "corpus": "CLAUDETTE ToS (Lippi et al. 2019) as split by LexGLUE UNFAIR-ToS",
            "corpus_licence": "CC BY 4.0",
            "corpus_sha256": corpus_sha256,
            "split": "train+validation",
            "sentences": len(rows),
            "documents": len(set(groups)),
            "model": f"tf-idf ({MODEL_FEATURES[choice.feature_set]}) + one-vs-rest linear SVM"
            " (liblinear), Platt-calibrated",
            "feature_set": choice.feature_set,
            "min_df": list(FEATURE_SETS[choice.feature_set]),
            "C": choice.c,
            "choices": f"{INNER_FOLDS}-fold document-grouped CV, seed {fitting.SEED}: feature set"
            f" and C by macro-F1, per-category Platt scaling and best-F1 thresholds, a triage"
            f" model of each sentence's and its neighbours' highest log-odds, its threshold"
            f" keeping {TRIAGE_KEEP:.1%} of unfair sentences",
            "cv_macro_f1": None if choice.cv_macro_f1 is None else _round(choice.cv_macro_f1),
        },
    }


def dump_weights(weights: dict[str, Any]) -> str:
    """The canonical JSON text of a weights document."""
    return json.dumps(weights, ensure_ascii=False, separators=(",", ":")) + "\n"


def default_out() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "offline_classifier.json"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="tos50_train_validation.jsonl")
    parser.add_argument("--out", type=Path, default=None, help="weights file to write")
    args = parser.parse_args(argv)
    raw = args.corpus.read_bytes()
    weights = train_weights(read_corpus(args.corpus), hashlib.sha256(raw).hexdigest())
    out: Path = args.out or default_out()
    out.write_text(dump_weights(weights), encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size:,} bytes, {len(weights['vocabulary']):,} terms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
