"""A hand-written, schema-valid analysis of a stored clause (test data, not model output)."""

from __future__ import annotations

from typing import Any

from clauselens.schemas import ClauseAnalysis
from clauselens.schemas.validate import validate_analysis

SUMMARY = "Sets conditions developers accept to list software in the directory."


def written_analysis(
    clause_text: str, *, severity: str = "medium", summary: str = SUMMARY
) -> ClauseAnalysis:
    """An analysis of ``clause_text`` that passes validation (it quotes the longest line)."""
    quote = max(clause_text.splitlines(), key=len).strip()
    data: dict[str, Any] = {
        "title": "Developer obligations",
        "evidence_quotes": [quote],
        "truncation_note": None,
        "summary": summary,
        "why_it_matters": "Developers take on obligations and the platform keeps discretion.",
        "consumer_impact": "Users get software reviewed against safety requirements.",
        "institutional_analysis": {
            "regulatory_landscape": "FTC Act s.5 (unfair or deceptive practices).",
            "governance_exposure": {
                "rationale": "Enforcement is discretionary.",
                "level": "medium",
            },
            "jurisdiction_flags": [],
            "contract_and_vendor_implications": "Vendors must review the listing terms.",
            "compliance_considerations": "Keep records of the safety review.",
        },
        "applicable_agencies": [],
        "categories": ["user_conduct"],
        "confidence_rationale": "The clause text is explicit and complete.",
        "evidence_type": "explicit_language",
        "severity": severity,
        "confidence": "medium",
    }
    return validate_analysis(data, clause_text, truncated=False)
