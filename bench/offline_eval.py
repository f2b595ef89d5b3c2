"""Benchmark the offline analyzer: classifier quality and triage under cross-validation, speed.

    python bench/offline_eval.py [--corpus ../shared/corpus] [--folds 5]

1. Document-grouped cross-validation over the whole development file (both LexGLUE splits,
   ``--folds`` folds by ``doc``, fixed seed). In each fold the offline classifier is trained by
   ``train.train_weights`` on the training folds only, which makes every choice (feature set, C,
   calibration, per-category and triage thresholds) by its own inner cross-validation over those
   folds; the scored fold is seen once, for scoring. The baseline is a TF-IDF (word 1-2 grams) +
   LinearSVC (C=1) per category, fitted on the same training folds. Printed: macro-F1 over the
   eight categories per fold and their mean, then per-category P/R/F1 over all held-out
   predictions (each sentence predicted once, by the fold that held it out).
2. Triage, sentence level: a held-out sentence is "skipped" when its triage probability (the
   fold's context model over its own and its two neighbours' highest category log-odds, the
   neighbours read in document order) is under the threshold. The whole curve (threshold ->
   unfair sentences kept, sentences skipped) over all held-out predictions, then the figures at
   the shipped rule: each fold's own threshold, chosen by its inner cross-validation (keep 98.5%
   of unfair sentences).
3. The shipped classifier (trained on every row) on the corpus's real clauses (``ota/current``):
   the share triage would skip; and speed (process CPU time): load times, sentences per second,
   clauses per second for triage and for the full analysis.

Needs ``../shared/corpus`` and scikit-learn; it is a benchmark, not a test. About four minutes
on a two-core machine, nearly all of it the five nested trainings.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from clauselens.analyzers.offline import analyze_clause
from clauselens.analyzers.offline._fitting import group_folds
from clauselens.analyzers.offline.classifier import (
    CLAUDETTE_CODES,
    ClassifierWeights,
    ClauseClassifier,
    load_classifier,
)
from clauselens.analyzers.offline.detect import detect
from clauselens.analyzers.offline.knowledge import load_knowledge_base
from clauselens.analyzers.offline.train import (
    default_out,
    label_matrix,
    neighbours,
    train_weights,
)
from clauselens.analyzers.offline.triage import decide

ROOT = Path(__file__).resolve().parents[1]
CURVE = [0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.01, 0.0125, 0.015, 0.02, 0.025]
CURVE += [0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5]


def prf(y: Any, p: Any) -> tuple[float, float, float]:
    tp = int((y & p).sum())
    precision = tp / int(p.sum()) if p.sum() else 0.0
    recall = tp / int(y.sum()) if y.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def macro_f1(y: Any, p: Any) -> float:
    return float(np.mean([prf(y[:, k], p[:, k])[2] for k in range(y.shape[1])]))


def baseline(train: Sequence[dict[str, Any]], test: Sequence[dict[str, Any]]) -> Any:
    """Decision values of the TF-IDF + LinearSVC baseline (a category is predicted above 0)."""
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    x_train = vectorizer.fit_transform([r["text"] for r in train])
    x_test = vectorizer.transform([r["text"] for r in test])
    y_train = label_matrix(train)
    columns = [
        LinearSVC(C=1.0, random_state=0).fit(x_train, y_train[:, k]).decision_function(x_test)
        for k in range(len(CLAUDETTE_CODES))
    ]
    return np.column_stack(columns)


def cross_validate(rows: list[dict[str, Any]], n_folds: int) -> dict[str, Any]:
    """Held-out predictions of both methods, and each fold's shipped triage threshold."""
    y = label_matrix(rows)
    ours, base = np.zeros(y.shape, bool), np.zeros(y.shape, bool)
    score, own_score, base_score = np.zeros(len(rows)), np.zeros(len(rows)), np.zeros(len(rows))
    folds = group_folds([r["doc"] for r in rows], n_folds)
    per_fold = []
    for i, (train_idx, test_idx) in enumerate(folds, 1):
        started = time.perf_counter()
        train, test = [rows[j] for j in train_idx], [rows[j] for j in test_idx]
        weights = ClassifierWeights.model_validate(train_weights(train))
        classifier = ClauseClassifier(weights)
        predictions = [classifier.predict(r["text"]) for r in test]
        ours[test_idx] = [[c in p.labels for c in CLAUDETTE_CODES] for p in predictions]
        own = np.array([p.max_log_odds for p in predictions])
        own_score[test_idx] = own
        score[test_idx] = classifier.context_probabilities(own, *neighbours(test))
        decision = baseline(train, test)
        base[test_idx] = decision > 0
        base_score[test_idx] = decision.max(axis=1)
        per_fold.append((i, test_idx, weights, time.perf_counter() - started))
        print(f"  fold {i}/{len(folds)} trained and scored in {per_fold[-1][3]:.0f} s", flush=True)
    return {
        "y": y,
        "ours": ours,
        "base": base,
        "score": score,
        "own_score": own_score,
        "base_score": base_score,
        "folds": per_fold,
    }


def print_folds(rows: list[dict[str, Any]], cv: dict[str, Any]) -> None:
    y, ours, base = cv["y"], cv["ours"], cv["base"]
    print("\nMacro-F1 (8 categories) per held-out fold")
    print(
        f"{'fold':<5}{'docs':>5}{'sents':>7}{'unfair':>7} | {'offline':>8}{'SVM':>8}{'diff':>8}"
        f" | inner choice"
    )
    mine, theirs = [], []
    for i, idx, weights, _ in cv["folds"]:
        a, b = macro_f1(y[idx], ours[idx]), macro_f1(y[idx], base[idx])
        mine.append(a)
        theirs.append(b)
        docs = len({rows[j]["doc"] for j in idx})
        absent = [c for k, c in enumerate(CLAUDETTE_CODES) if not y[idx, k].any()]
        t = weights.training
        note = f"{t['feature_set']}, C={t['C']:g}, triage {weights.triage.threshold:.4g}"
        note += f"; no {','.join(absent)} in fold" if absent else ""
        print(
            f"{i:<5}{docs:>5}{len(idx):>7}{int(y[idx].any(axis=1).sum()):>7} | "
            f"{a:>8.3f}{b:>8.3f}{a - b:>+8.3f} | {note}"
        )
    gap = np.mean(mine) - np.mean(theirs)
    print(
        f"{'mean':<24} | {np.mean(mine):>8.3f}{np.mean(theirs):>8.3f}{gap:>+8.3f}"
        f" | sd {np.std(mine):.3f} / {np.std(theirs):.3f}"
    )
    wins = sum(a > b for a, b in zip(mine, theirs, strict=True))
    print(f"offline above the SVM in {wins} of {len(mine)} folds")


def print_categories(cv: dict[str, Any]) -> None:
    y, ours, base = cv["y"], cv["ours"], cv["base"]
    print("\nPer category, all held-out predictions pooled (each sentence scored once)")
    head = f"{'offline P':>9}{'R':>7}{'F1':>7} | {'SVM P':>7}{'R':>7}{'F1':>7}"
    print(f"{'category':<9}{'n':>5} | {head}")
    print("-" * 66)
    rows = [(c, y[:, k], ours[:, k], base[:, k]) for k, c in enumerate(CLAUDETTE_CODES)]
    rows.append(("micro", y.ravel(), ours.ravel(), base.ravel()))
    for name, gold, o, b in rows:
        left, right = prf(gold, o), prf(gold, b)
        print(
            f"{name:<9}{int(gold.sum()) if name != 'micro' else '':>5} | "
            + "".join(f"{v:>7.3f}" if j else f"{v:>9.3f}" for j, v in enumerate(left))
            + " | "
            + "".join(f"{v:>7.3f}" for v in right)
        )
    a, b = macro_f1(y, ours), macro_f1(y, base)
    print(f"{'macro':<9}{'':>5} | {'':>16}{a:>7.3f} | {'':>14}{b:>7.3f}")


def print_triage(cv: dict[str, Any]) -> None:
    y, score = cv["y"], cv["score"]
    unfair = y.any(axis=1)
    print("\nTriage, sentence level, all held-out predictions: skipped = probability < threshold")
    print(f"{'threshold':>10}{'unfair kept':>13}{'skipped':>9}")
    for t in CURVE:
        kept, skipped = (score[unfair] >= t).mean(), (score < t).mean()
        print(f"{t:>10.4g}{kept:>13.1%}{skipped:>9.1%}")
    print("\nRanking only: sentences skipped at a given share of unfair ones kept, the threshold")
    print("read off the held-out scores themselves (a comparison of scores, not a usable rule);")
    print("offline: triage probability in context; alone: the sentence's own highest log-odds;")
    print("SVM: highest decision value over the eight categories")
    print(f"{'unfair kept':>12}{'offline':>9}{'alone':>7}{'SVM':>7}")
    for keep in (0.95, 0.97, 0.98, 0.985, 0.99):
        skips = []
        for s in (score, cv["own_score"], cv["base_score"]):
            t = np.sort(s[unfair])[int(np.floor((1 - keep) * unfair.sum() + 1e-9))]
            skips.append((s < t).mean())
        cells = "".join(f"{v:>{w}.1%}" for v, w in zip(skips, (9, 7, 7), strict=True))
        print(f"{keep:>12.1%}{cells}")
    print("\nAt the shipped rule (each fold's threshold from its inner CV, keep 98.5% there)")
    print(f"{'fold':<5}{'threshold':>10}{'unfair kept':>13}{'skipped':>9}")
    send = np.zeros(len(score), bool)
    for i, idx, weights, _ in cv["folds"]:
        send[idx] = score[idx] >= weights.triage.threshold
        kept = send[idx][unfair[idx]].mean()
        print(f"{i:<5}{weights.triage.threshold:>10.4g}{kept:>13.1%}{1 - send[idx].mean():>9.1%}")
    kept_n, total_unfair = int(send[unfair].sum()), int(unfair.sum())
    skipped_n = int((~send).sum())
    print(
        f"{'all':<15}{kept_n}/{total_unfair} = {kept_n / total_unfair:.1%} kept, "
        f"{skipped_n}/{len(score)} = {skipped_n / len(score):.1%} skipped"
    )


def corpus_clauses(ota: Path) -> list[tuple[tuple[str, ...], str]]:
    from clauselens.pipeline.segment.clauses import segment

    out: list[tuple[tuple[str, ...], str]] = []
    for path in sorted(ota.glob("*/*.md")):
        out += [(tuple(c.heading_path), c.text) for c in segment(path.read_text("utf-8"))]
    return out


def print_shipped(rows: list[dict[str, Any]], ota: Path) -> None:
    load_classifier.cache_clear()
    load_knowledge_base.cache_clear()
    t0 = time.process_time()
    classifier = load_classifier()
    t_clf = time.process_time() - t0
    t0 = time.process_time()
    load_knowledge_base()
    t_kb = time.process_time() - t0
    t0 = time.process_time()
    for r in rows:
        classifier.predict(r["text"])
    t_pred = time.process_time() - t0
    clauses = corpus_clauses(ota)
    t0 = time.process_time()
    decisions = [decide(detect(text)) for _, text in clauses]
    t_triage = time.process_time() - t0
    t0 = time.process_time()
    for heading, text in clauses:
        analyze_clause(text, heading)
    t_full = time.process_time() - t0
    skipped = [not d.send for d in decisions]
    words = [len(text.split()) for _, text in clauses]
    skipped_words = sum(w for w, s in zip(words, skipped, strict=True) if s)
    size = default_out().stat().st_size
    t = classifier.weights.training
    print(
        f"\nShipped classifier: {t['sentences']} sentences of {t['documents']} documents, "
        f"{t['feature_set']}, C={t['C']:g}, {len(classifier.weights.vocabulary):,} terms, "
        f"triage threshold {classifier.triage_threshold:.4g}, {size / 1e6:.2f} MB"
    )
    print(
        f"corpus clauses skipped (ota/current)    {sum(skipped)}/{len(clauses)} = "
        f"{sum(skipped) / len(clauses):.1%}; their words {skipped_words / sum(words):.1%}"
    )
    print("Speed (CPU time of this process, so other load on the machine does not count)")
    print(f"classifier load                         {t_clf * 1000:.0f} ms")
    print(f"knowledge base load                     {t_kb * 1000:.0f} ms")
    print(f"classifier, corpus sentences            {len(rows) / t_pred:,.0f} sentences/s")
    print(f"triage, corpus clauses                  {len(clauses) / t_triage:,.0f} clauses/s")
    print(f"full offline analysis, corpus clauses   {len(clauses) / t_full:,.0f} clauses/s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--folds", type=int, default=5, help="outer folds (documents)")
    args = parser.parse_args(argv)
    jsonl = args.corpus / "claudette" / "tos50_train_validation.jsonl"
    if not jsonl.is_file():
        print(f"needs the development corpus at {args.corpus}", file=sys.stderr)
        return 2
    rows = [json.loads(line) for line in jsonl.read_text("utf-8").splitlines() if line.strip()]
    started = time.perf_counter()
    print(
        f"{len(rows)} sentences, {len({r['doc'] for r in rows})} documents, "
        f"{args.folds}-fold document-grouped cross-validation (seed 0)"
    )
    cv = cross_validate(rows, args.folds)
    print_folds(rows, cv)
    print_categories(cv)
    print_triage(cv)
    print_shipped(rows, args.corpus / "ota" / "current")
    print(f"\nbench wall time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
