"""Evaluation: how good the analyses are, measured on gold sets.

``gold`` (the labelled sets and their formats), ``analyse`` (gold items through an analyzer with
a run's cache), ``mentions`` (which agencies and regulations an analysis names), ``scoring``
(the figures), ``similarity`` (cross-platform retrieval on ToS;DR points), ``run``
(``run_eval``: every configuration over every set) and ``report`` (the table and the
regression gate). ``clauselens eval`` is the command.
"""

from __future__ import annotations

from clauselens.evaluation.gold import GoldSet, builtin_sets, load_gold
from clauselens.evaluation.report import DEFAULT_TOLERANCE, Regression, compare, render
from clauselens.evaluation.run import Config, EvalOptions, aeval, run_eval

__all__ = [
    "DEFAULT_TOLERANCE",
    "Config",
    "EvalOptions",
    "GoldSet",
    "Regression",
    "aeval",
    "builtin_sets",
    "compare",
    "load_gold",
    "render",
    "run_eval",
]
