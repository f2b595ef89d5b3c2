"""Rebuild the shipped classifier weights from the CLAUDETTE corpus, reproducibly.

    python -m clauselens.analyzers.offline.train CORPUS_JSONL [--out PATH]

Model: TF-IDF over word unigrams and bigrams (``features.features``; ``min_df=2``, sub-linear
tf, L2 norm) and one balanced logistic regression per category (liblinear, ``C=10``; C was
chosen on the validation split). Each category's decision threshold maximises F1 on
out-of-fold predictions over the *train* split (5 folds, fixed seed), so the validation split
stays a fair check of the shipped thresholds. Output is JSON (sorted vocabulary, rounded
floats, no timestamps): the same corpus gives the same bytes. Only the train split is used.

scikit-learn is needed here and in ``bench/``, never at inference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from clauselens.analyzers.offline.classifier import CLAUDETTE_CODES, WEIGHTS_FORMAT
from clauselens.analyzers.offline.features import features

C_VALUE = 10.0
MIN_DF = 2
FOLDS = 5
SEED = 0
DECIMALS = 5
_GRID = [round(0.05 + 0.01 * i, 2) for i in range(91)]


def read_corpus(path: Path) -> list[dict[str, Any]]:
    """Rows of the CLAUDETTE JSONL file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def label_matrix(rows: Sequence[dict[str, Any]]) -> Any:
    return np.array([[code in r["label_codes"] for code in CLAUDETTE_CODES] for r in rows], int)


def _model() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=C_VALUE, class_weight="balanced", solver="liblinear", max_iter=5000, random_state=SEED
    )


def _best_threshold(y: Any, p: Any) -> float:
    best, best_f1 = 0.5, -1.0
    for t in _GRID:
        pred = p >= t
        tp = int((pred & (y == 1)).sum())
        denom = int(pred.sum()) + int(y.sum())
        f1 = 2 * tp / denom if denom else 0.0
        if f1 > best_f1:
            best, best_f1 = t, f1
    return best


def _fit_one(x: Any, y: Any) -> tuple[list[float], float, float]:
    """Coefficients, intercept and out-of-fold threshold for one category."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    positives = int(y.sum())
    if positives == 0 or positives == len(y):
        return [0.0] * x.shape[1], -10.0 if positives == 0 else 10.0, 0.5
    model = _model().fit(x, y)
    threshold = 0.5
    if positives >= FOLDS:
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
        oof = cross_val_predict(_model(), x, y, cv=folds, method="predict_proba")[:, 1]
        threshold = _best_threshold(y, oof)
    return list(model.coef_[0]), float(model.intercept_[0]), threshold


def train_weights(rows: Sequence[dict[str, Any]], corpus_sha256: str = "") -> dict[str, Any]:
    """Fit on the rows of the train split; return the weights document."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    train = [r for r in rows if r.get("lexglue_split", "train") == "train"]
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=MIN_DF)
    x = vectorizer.fit_transform([r["text"] for r in train])
    y = label_matrix(train)
    vocab = vectorizer.get_feature_names_out()  # sorted
    per_label = [_fit_one(x, y[:, k]) for k in range(len(CLAUDETTE_CODES))]
    coef_rows = np.array([c for c, _, _ in per_label]).T

    def r(v: float) -> float:
        return round(float(v), DECIMALS) + 0.0

    return {
        "format": WEIGHTS_FORMAT,
        "labels": list(CLAUDETTE_CODES),
        "vocabulary": [str(t) for t in vocab],
        "idf": [r(v) for v in vectorizer.idf_],
        "coef": [[r(v) for v in row] for row in coef_rows],
        "intercept": [r(i) for _, i, _ in per_label],
        "thresholds": [t for _, _, t in per_label],
        "training": {
            "corpus": "CLAUDETTE ToS (Lippi et al. 2019) as split by LexGLUE UNFAIR-ToS",
            "corpus_licence": "CC BY 4.0",
            "corpus_sha256": corpus_sha256,
            "split": "train",
            "sentences": len(train),
            "model": "tfidf word 1-2 grams + one-vs-rest logistic regression (liblinear)",
            "C": C_VALUE,
            "min_df": MIN_DF,
            "class_weight": "balanced",
            "thresholds": f"max F1 on {FOLDS}-fold out-of-fold train predictions, seed {SEED}",
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
