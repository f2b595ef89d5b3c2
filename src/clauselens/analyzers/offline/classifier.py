"""The CLAUDETTE unfair-term classifier at inference: shipped JSON weights, numpy scoring.

``data/offline_classifier.json`` holds a TF-IDF vocabulary (sorted), its idf values, one
coefficient vector per category, intercepts, per-category decision thresholds and the triage
model (``train.py`` says how each was chosen). Scoring a sentence is a sparse dot product
(numpy, over the rows of the sentence's known features): sub-linear term frequency times idf,
L2-normalised within each feature block (words, characters: ``features.block_of``), as
``_fitting.transform`` computes it in training. The coefficients are Platt-calibrated, so the
sigmoid of a score is a probability. Nothing executable is loaded.

Triage reads a sentence in its context: a sentence's own score is its highest calibrated
category log-odds, and its triage probability is a logistic model of its own score and its two
neighbours' (``TriageWeights``). A list item such as "(iv) your failure to keep your password
secure;" is unfair only through the sentence that introduces it, and the neighbours carry that.
A sentence with no neighbour on one side (the edge of a clause) stands in for it itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from clauselens.analyzers.offline.features import block_of, token_char_features, word_features
from clauselens.analyzers.offline.normalise import normalise_for_classifier
from clauselens.errors import ConfigError

WEIGHTS_FORMAT = "clauselens-offline-classifier/3"
WEIGHTS_RESOURCE = "data/offline_classifier.json"
LOG_ODDS_BOUND = 60.0
CLAUDETTE_CODES = ("A", "CH", "CR", "J", "LAW", "LTD", "TER", "USE")


class TriageWeights(BaseModel):
    """The context model of triage: ``P(unfair) = sigmoid(own, previous, next . coef + b)``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    coef: tuple[float, float, float]
    intercept: float
    threshold: float = Field(ge=0, le=1)


class ClassifierWeights(BaseModel):
    """The shipped weights file, validated on load."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str
    labels: list[str]
    vocabulary: list[str]
    # The two large arrays are checked as numpy arrays below (shape, numeric, finite): element
    # by element Pydantic validation of several hundred thousand floats would dominate the load.
    idf: list[Any]
    coef: list[Any]
    intercept: list[float]
    thresholds: list[float]
    triage: TriageWeights
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
    max_log_odds: float  # the highest category log-odds (within +-60): the own triage score


def neighbour_scores(own: Any, previous: Any, following: Any) -> Any:
    """Rows ``(own, previous, next)`` of a triage model; index -1: no neighbour, use own."""
    own = np.asarray(own, dtype=np.float64)
    previous, following = np.asarray(previous, np.intp), np.asarray(following, np.intp)
    before = np.where(previous >= 0, own[np.maximum(previous, 0)], own)
    after = np.where(following >= 0, own[np.maximum(following, 0)], own)
    return np.column_stack([own, before, after])


class ClauseClassifier:
    """Scores sentences for the eight CLAUDETTE categories from ``ClassifierWeights``."""

    def __init__(self, weights: ClassifierWeights) -> None:
        self.weights = weights
        self.labels = tuple(weights.labels)
        self._index = {term: i for i, term in enumerate(weights.vocabulary)}
        self._idf = np.asarray(weights.idf, dtype=np.float64)
        self._coef = np.asarray(weights.coef, dtype=np.float64).reshape(-1, len(self.labels))
        self._blocks = np.array([block_of(t) for t in weights.vocabulary], dtype=np.intp)
        self._intercept = np.asarray(weights.intercept, dtype=np.float64)
        self._thresholds = dict(zip(self.labels, weights.thresholds, strict=True))
        self._token_rows = lru_cache(maxsize=1 << 16)(self._char_rows)

    def _char_rows(self, token: str) -> tuple[int, ...]:
        return tuple(self._known_rows(token_char_features(token)))

    def threshold(self, label: str) -> float:
        return self._thresholds[label]

    @property
    def triage_threshold(self) -> float:
        """The triage probability below which a sentence counts as clearly fair."""
        return self.weights.triage.threshold

    def context_probabilities(self, own: Any, previous: Any, following: Any) -> Any:
        """Triage probabilities of sentences from their own scores and neighbours (indices)."""
        model = self.weights.triage
        z = neighbour_scores(own, previous, following) @ np.array(model.coef) + model.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -LOG_ODDS_BOUND, LOG_ODDS_BOUND)))

    def triage_probabilities(self, own: Sequence[float]) -> list[float]:
        """Triage probabilities of consecutive sentences (one clause) from their own scores."""
        n = len(own)
        if n == 0:
            return []
        positions = np.arange(n)
        previous, following = positions - 1, np.where(positions + 1 < n, positions + 1, -1)
        return [float(v) for v in self.context_probabilities(own, previous, following)]

    def _known_rows(self, features: Iterable[str]) -> list[int]:
        index = self._index
        return [index[f] for f in features if f in index]

    def _occurrences(self, normalised: str) -> list[int]:
        """Vocabulary rows of a sentence's known ``features``, one per occurrence.

        Character n-grams are looked up once per distinct token (``_token_rows``, cached).
        """
        rows = self._known_rows(word_features(normalised))
        for token in normalised.split():
            rows.extend(self._token_rows(token))
        return rows

    def decision(self, normalised: str) -> list[float]:
        """Decision values (calibrated log-odds) of a sentence already in corpus form."""
        occurrences = self._occurrences(normalised)
        if not occurrences:
            return [float(v) for v in self._intercept]
        rows, counts = np.unique(np.asarray(occurrences, dtype=np.intp), return_counts=True)
        tf = 1.0 + np.log(counts)
        weighted = tf * self._idf[rows]
        blocks = self._blocks[rows]
        squares = np.bincount(blocks, weights=weighted * weighted)
        weighted /= np.sqrt(squares[blocks])
        return [float(v) for v in self._intercept + weighted @ self._coef[rows]]

    def predict_normalised(self, normalised: str) -> Prediction:
        log_odds = [max(-LOG_ODDS_BOUND, min(LOG_ODDS_BOUND, v)) for v in self.decision(normalised)]
        probs = {
            label: 1.0 / (1.0 + math.exp(-score))
            for label, score in zip(self.labels, log_odds, strict=True)
        }
        hits = tuple(lab for lab in self.labels if probs[lab] >= self._thresholds[lab])
        return Prediction(probabilities=probs, labels=hits, max_log_odds=max(log_odds))

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
