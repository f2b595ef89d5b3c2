"""``ClauseAnalysis``: what an analyzer returns for one clause, exactly as DESIGN.md lists it.

Every object forbids extra keys. The JSON Schema of ``ClauseAnalysis`` is what Claude's
structured outputs are constrained by, so it keeps to the subset the API accepts: no string
length or numeric bounds (those are checked in ``pipeline.validate``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Level = Literal["high", "medium", "low"]
EvidenceType = Literal["explicit_language", "implied", "absent"]

LEVEL_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GovernanceExposure(_Strict):
    level: Level = Field(description="How exposed an organisation relying on this clause is.")
    rationale: str = Field(description="One or two sentences on why.")


class JurisdictionFlag(_Strict):
    jurisdiction: str = Field(description="A jurisdiction, e.g. 'EU', 'US-CA', 'UK'.")
    note: str = Field(description="What about this clause matters in that jurisdiction.")


class InstitutionalAnalysis(_Strict):
    regulatory_landscape: str = Field(description="Regulations and instruments the clause engages.")
    governance_exposure: GovernanceExposure
    jurisdiction_flags: list[JurisdictionFlag]
    contract_and_vendor_implications: str
    compliance_considerations: str


class Agency(_Strict):
    name: str
    jurisdiction: str
    authority: str = Field(description="Why this agency has authority over what the clause does.")


class ClauseAnalysis(_Strict):
    """The structured analysis of one clause."""

    title: str = Field(description="A short provision title (at most 12 words).")
    summary: str = Field(description="What it is: a plain-language summary of the clause.")
    why_it_matters: str
    consumer_impact: str
    institutional_analysis: InstitutionalAnalysis
    applicable_agencies: list[Agency]
    severity: Level
    confidence: Level
    confidence_rationale: str
    evidence_type: EvidenceType
    evidence_quotes: list[str] = Field(
        description="Verbatim passages copied from the clause text that support the analysis."
    )
    categories: list[str] = Field(description="Category codes from the controlled taxonomy.")
    truncation_note: str | None = Field(
        description="Required when the clause was truncated: what could not be assessed. Else null."
    )


class ChangeAnalysis(_Strict):
    """What a modification of one provision between two versions means for users."""

    what_changed: str = Field(description="One sentence on what changed.")
    direction: Literal["more_protective", "less_protective", "neutral"]
    severity: Level
    consumer_impact: str
    evidence_quotes: list[str] = Field(
        description="Verbatim passages from the new text (or the old text for removals)."
    )
