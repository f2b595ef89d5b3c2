"""The offline analyzer: knowledge base, rules and a CLAUDETTE classifier; no network.

Public API: ``OfflineAnalyzer`` (the ``Analyzer``, clauses and changes); ``analyze_clause``,
``analyze_input`` and ``offline_change_analysis`` (sync); ``triage``, ``TriageDecision`` and
``triaged_result``; ``normalise_for_classifier``; ``load_classifier``; ``offline_prompt_version``.
"""

from clauselens.analyzers.offline.analyzer import (
    OfflineAnalyzer,
    analyze_clause,
    analyze_input,
    offline_prompt_version,
)
from clauselens.analyzers.offline.change import offline_change_analysis
from clauselens.analyzers.offline.classifier import load_classifier
from clauselens.analyzers.offline.normalise import normalise_for_classifier
from clauselens.analyzers.offline.triage import (
    TriageDecision,
    triage,
    triaged_result,
)

__all__ = [
    "OfflineAnalyzer",
    "TriageDecision",
    "analyze_clause",
    "analyze_input",
    "load_classifier",
    "normalise_for_classifier",
    "offline_change_analysis",
    "offline_prompt_version",
    "triage",
    "triaged_result",
]
