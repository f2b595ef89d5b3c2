"""The CLAUDETTE unfair-term classifier at inference: shipped JSON weights, numpy scoring.

``data/offline_classifier.json`` holds a TF-IDF vocabulary (sorted), its idf values, one
logistic-regression coefficient vector per category, intercepts and per-category decision
thresholds. Scoring a sentence is a sparse dot product (numpy, over the rows of the
sentence's known features): sub-linear term
frequency times idf, L2-normalised, exactly as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``
computes it. Nothing executable is loaded.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from clauselens.analyzers.offline.features import features
from clauselens.analyzers.offline.normalise import normalise_for_classifier
from clauselens.errors import ConfigError

WEIGHTS_FORMAT = "clauselens-offline-classifier/1"
WEIGHTS_RESOURCE = "data/offline_classifier.json"
CLAUDETTE_CODES = ("A", "CH", "CR", "J", "LAW", "LTD", "TER", "USE")


class ClassifierWeights(BaseModel):
    """The shipped weights file, validated on load."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str
    labels: list[str]
    vocabulary: list[str]
    # The two large arrays are checked as numpy arrays below (shape, numeric, finite): element
    # by element Pydantic validation of ~200,000 floats would dominate the load time.
    idf: list[Any]
    coef: list[Any]
    intercept: list[float]
    thresholds: list[float]
    training: dict[str, Any]

    @model_validator(mode="after")
    def _shapes(self) -> ClassifierWeights:
        if self.format != WEIGHTS_FORMAT:
            raise ValueError(f"format must be {WEIGHTS_FORMAT!r}, got {self.format!r}")
        n_labels, n_terms = len(self.labels), len(self.vocabulary)
        idf = np.asarray(self.idf, dtype=np.float64)
        coef = np.asarray(self.coef, dtype=np.float64)
        if idf.shape != (n_terms,) or coef.shape != (n_terms, n_labels):
            raise ValueError("idf and coef must have one row per term, coef one column per label")
        if not (np.isfinite(idf).all() and np.isfinite(coef).all()):
            raise ValueError("idf and coef must be finite numbers")
        if len(self.intercept) != n_labels or len(self.thresholds) != n_labels:
            raise ValueError("intercept and thresholds must have one value per label")
        return self


@dataclass(frozen=True)
class Prediction:
    """Per-category probabilities of one sentence and the categories over threshold."""

    probabilities: dict[str, float]
    labels: tuple[str, ...]

    @property
    def max_probability(self) -> float:
        return max(self.probabilities.values(), default=0.0)


class ClauseClassifier:
    """Scores sentences for the eight CLAUDETTE categories from ``ClassifierWeights``."""

    def __init__(self, weights: ClassifierWeights) -> None:
        self.weights = weights
        self.labels = tuple(weights.labels)
        self._index = {term: i for i, term in enumerate(weights.vocabulary)}
        self._idf = np.asarray(weights.idf, dtype=np.float64)
        self._coef = np.asarray(weights.coef, dtype=np.float64).reshape(-1, len(self.labels))
        self._intercept = np.asarray(weights.intercept, dtype=np.float64)
        self._thresholds = dict(zip(self.labels, weights.thresholds, strict=True))

    def threshold(self, label: str) -> float:
        return self._thresholds[label]

    def decision(self, normalised: str) -> list[float]:
        """Raw decision values of a sentence already in corpus form."""
        counts = Counter(f for f in features(normalised) if f in self._index)
        if not counts:
            return [float(v) for v in self._intercept]
        rows = np.fromiter((self._index[f] for f in counts), dtype=np.intp, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        weighted = tf * self._idf[rows]
        weighted /= np.sqrt(weighted @ weighted)
        return [float(v) for v in self._intercept + weighted @ self._coef[rows]]

    def predict_normalised(self, normalised: str) -> Prediction:
        probs = {
            label: 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, score))))
            for label, score in zip(self.labels, self.decision(normalised), strict=True)
        }
        hits = tuple(lab for lab in self.labels if probs[lab] >= self._thresholds[lab])
        return Prediction(probabilities=probs, labels=hits)

    def predict(self, text: str) -> Prediction:
        """Classify one sentence of real clause text (normalised here)."""
        return self.predict_normalised(normalise_for_classifier(text))


def parse_weights(raw: str, where: str = WEIGHTS_RESOURCE) -> ClassifierWeights:
    try:
        return ClassifierWeights.model_validate(json.loads(raw))
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{where} is invalid: {exc}") from exc


def weights_text() -> str:
    """The shipped weights file's text (also hashed into the offline prompt version)."""
    return resources.files("clauselens").joinpath(WEIGHTS_RESOURCE).read_text("utf-8")


@cache
def load_classifier() -> ClauseClassifier:
    """The shipped classifier, loaded once per process."""
    return ClauseClassifier(parse_weights(weights_text()))


def load_classifier_from(path: Path) -> ClauseClassifier:
    """A classifier from a weights file on disk (e.g. freshly trained)."""
    return ClauseClassifier(parse_weights(path.read_text("utf-8"), str(path)))
