"""Benchmark the offline analyzer: classifier quality, triage figures and speed.

    python bench/offline_eval.py [--corpus ../shared/corpus]

1. Per-category precision, recall and F1 (and micro/macro) on the CLAUDETTE validation split,
   for the shipped classifier and for a TF-IDF + LinearSVC baseline trained here on the train
   split (sentence level, the same eight labels). Micro/macro are over the eight unfair
   categories (sentences with no label count only through false positives).
2. Triage: the share of unfair validation sentences (each treated as a clause) that would still
   be sent to Claude, and the share of the corpus's real clauses (``ota/current``) it would skip.
3. Speed (process CPU time): load time of the classifier and of the knowledge base, sentences
   per second for the classifier, clauses per second for triage and for the full analysis.

Needs ``../shared/corpus`` (and scikit-learn for the baseline); it is a benchmark, not a test.
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
from clauselens.analyzers.offline.classifier import CLAUDETTE_CODES, load_classifier
from clauselens.analyzers.offline.detect import detect
from clauselens.analyzers.offline.knowledge import load_knowledge_base
from clauselens.analyzers.offline.triage import decide
from clauselens.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def prf(y: Any, p: Any) -> tuple[float, float, float]:
    tp = int((y & p).sum())
    precision = tp / int(p.sum()) if p.sum() else 0.0
    recall = tp / int(y.sum()) if y.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def scores(y: Any, p: Any) -> dict[str, tuple[float, float, float]]:
    out = {code: prf(y[:, k], p[:, k]) for k, code in enumerate(CLAUDETTE_CODES)}
    out["micro"] = prf(y.ravel(), p.ravel())
    per = [out[c] for c in CLAUDETTE_CODES]
    out["macro"] = tuple(float(np.mean([s[i] for s in per])) for i in range(3))  # type: ignore[assignment]
    return out


def baseline_predictions(train: list[dict[str, Any]], valid: list[dict[str, Any]]) -> Any:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    x_train = vectorizer.fit_transform([r["text"] for r in train])
    x_valid = vectorizer.transform([r["text"] for r in valid])
    y_train = labels(train)
    columns = [
        LinearSVC(C=1.0, random_state=0).fit(x_train, y_train[:, k]).predict(x_valid)
        for k in range(len(CLAUDETTE_CODES))
    ]
    return np.column_stack(columns).astype(bool)


def labels(rows: Sequence[dict[str, Any]]) -> Any:
    return np.array([[c in r["label_codes"] for c in CLAUDETTE_CODES] for r in rows], dtype=bool)


def print_table(ours: dict[str, Any], base: dict[str, Any], support: Any) -> None:
    print("\nCLAUDETTE validation split, sentence level")
    head = f"{'offline P':>9}{'R':>7}{'F1':>7} | {'SVM P':>7}{'R':>7}{'F1':>7}"
    print(f"{'category':<9}{'n':>5} | {head}")
    print("-" * 66)
    for key in [*CLAUDETTE_CODES, "micro", "macro"]:
        n = str(int(support[CLAUDETTE_CODES.index(key)])) if key in CLAUDETTE_CODES else ""
        o, b = ours[key], base[key]
        left = f"{o[0]:>9.3f}{o[1]:>7.3f}{o[2]:>7.3f}"
        right = f"{b[0]:>7.3f}{b[1]:>7.3f}{b[2]:>7.3f}"
        print(f"{key:<9}{n:>5} | {left} | {right}")
    ratio = ours["macro"][2] / base["macro"][2] if base["macro"][2] else float("inf")
    print(f"macro-F1 offline / baseline = {ratio:.3f}")


def share(label: str, part: int, whole: int) -> None:
    print(f"{label:<40}{part}/{whole} = {part / whole:.1%}")


def corpus_clauses(ota: Path) -> list[tuple[tuple[str, ...], str]]:
    out: list[tuple[tuple[str, ...], str]] = []
    try:
        from clauselens.pipeline.segment.clauses import segment
    except ImportError:
        segment = None  # type: ignore[assignment]
        print("(segmenter not importable: splitting corpus files on blank lines)")
    for path in sorted(ota.glob("*/*.md")):
        text = path.read_text("utf-8")
        if segment is not None:
            out += [(tuple(c.heading_path), c.text) for c in segment(text)]
        else:
            out += [((), p) for p in text.split("\n\n") if p.strip()]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = parser.parse_args(argv)
    jsonl = args.corpus / "claudette" / "tos50_train_validation.jsonl"
    if not jsonl.is_file():
        print(f"needs the development corpus at {args.corpus}", file=sys.stderr)
        return 2
    rows = [json.loads(line) for line in jsonl.read_text("utf-8").splitlines() if line.strip()]
    train = [r for r in rows if r["lexglue_split"] == "train"]
    valid = [r for r in rows if r["lexglue_split"] == "validation"]

    load_classifier.cache_clear()
    load_knowledge_base.cache_clear()
    t0 = time.process_time()
    classifier = load_classifier()
    t_clf = time.process_time() - t0
    t0 = time.process_time()
    load_knowledge_base()
    t_kb = time.process_time() - t0

    y = labels(valid)
    t0 = time.process_time()
    preds = [classifier.predict(r["text"]) for r in valid]
    t_pred = time.process_time() - t0
    ours = np.array([[c in p.labels for c in CLAUDETTE_CODES] for p in preds], dtype=bool)
    base = baseline_predictions(train, valid)
    print_table(scores(y, ours), scores(y, base), y.sum(axis=0))

    threshold = Settings().triage_threshold
    unfair = [r for r in valid if r["unfair"]]
    sent = sum(decide(detect(r["text"]), threshold).send for r in unfair)
    fair = [r for r in valid if not r["unfair"]]
    fair_sent = sum(decide(detect(r["text"]), threshold).send for r in fair)
    clauses = corpus_clauses(args.corpus / "ota" / "current")
    t0 = time.process_time()
    decisions = [decide(detect(text), threshold) for _, text in clauses]
    t_triage = time.process_time() - t0
    t0 = time.process_time()
    for heading, text in clauses:
        analyze_clause(text, heading)
    t_full = time.process_time() - t0
    skipped = sum(not d.send for d in decisions)

    print(f"\nTriage (threshold {threshold})")
    share("unfair validation sentences still sent", sent, len(unfair))
    share("fair validation sentences sent", fair_sent, len(fair))
    share("corpus clauses skipped (ota/current)", skipped, len(clauses))
    words = [len(text.split()) for _, text in clauses]
    skipped_words = sum(w for w, d in zip(words, decisions, strict=True) if not d.send)
    share("  their words, of all corpus words", skipped_words, sum(words))
    print("\nSpeed (CPU time of this process, so other load on the machine does not count)")
    print(f"classifier load                         {t_clf * 1000:.0f} ms")
    print(f"knowledge base load                     {t_kb * 1000:.0f} ms")
    print(f"classifier, validation sentences        {len(valid) / t_pred:,.0f} sentences/s")
    print(f"triage, corpus clauses                  {len(clauses) / t_triage:,.0f} clauses/s")
    print(f"full offline analysis, corpus clauses   {len(clauses) / t_full:,.0f} clauses/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
