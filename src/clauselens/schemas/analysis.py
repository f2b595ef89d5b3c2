"""``ClauseAnalysis``: what an analyzer returns for one clause, with the fields DESIGN.md lists.

Every object forbids extra keys. The JSON Schema of ``ClauseAnalysis`` is what Claude's
structured outputs are constrained by, so it keeps to the subset the API accepts: no string
length or numeric bounds (those are checked in ``schemas.validate``); every property required.
See https://platform.claude.com/docs/en/build-with-claude/structured-outputs#json-schema-limitations
(``tests/test_output_schema.py`` walks the schema actually sent).

Field order is generation order. Structured outputs are produced in the schema's property order
(required properties first, in the order given; every property here is required):
https://platform.claude.com/docs/en/build-with-claude/structured-outputs#property-ordering.
So the evidence (the quotes, what truncation hid) and the reasoning come before the verdicts
(``evidence_type``, ``severity``, ``confidence``), which are then written with the evidence in
front of the model rather than justified after the fact. ``ChangeAnalysis`` follows the same rule.

``categories`` holds codes of the controlled taxonomy (``data/taxonomy.json``): its JSON Schema
is an ``enum`` of the codes, so the model can only pick one of them, and validation refuses any
other code with a message naming it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from clauselens.schemas.taxonomy import load_taxonomy

Level = Literal["high", "medium", "low"]
EvidenceType = Literal["explicit_language", "implied", "absent"]

LEVEL_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2}


def _known_category(code: str) -> str:
    """Refuse a code that is not in the taxonomy, naming it (the message reaches a re-ask)."""
    if code not in load_taxonomy().codes:
        raise ValueError(
            f"{code!r} is not a category code of the taxonomy; "
            "use only the codes listed under 'Category taxonomy'"
        )
    return code


class _TaxonomyEnum:
    """JSON Schema of a category code: a string ``enum`` of the taxonomy's codes, in file order.

    Built when a schema is generated (not at import), from the same ``load_taxonomy()`` that
    validation uses, so the schema and the validator cannot disagree.
    """

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["enum"] = [c.code for c in load_taxonomy().categories]
        return schema


CategoryCode = Annotated[str, AfterValidator(_known_category), _TaxonomyEnum()]
"""A category code of ``data/taxonomy.json``: validated against it, an ``enum`` in JSON Schema."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GovernanceExposure(_Strict):
    rationale: str = Field(description="One or two sentences on why.")
    level: Level = Field(description="How exposed an organisation relying on this clause is.")


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
    """The structured analysis of one clause: evidence, then reasoning, then verdicts."""

    title: str = Field(description="A short provision title (at most 12 words).")
    # Evidence: what the clause says, and what the model could not see.
    evidence_quotes: list[str] = Field(
        description="Verbatim passages copied from the clause text that support the analysis."
    )
    truncation_note: str | None = Field(
        description="Required when the clause was truncated: what could not be assessed. Else null."
    )
    # Reasoning, written with the evidence above.
    summary: str = Field(description="What it is: a plain-language summary of the clause.")
    why_it_matters: str
    consumer_impact: str
    institutional_analysis: InstitutionalAnalysis
    applicable_agencies: list[Agency]
    categories: list[CategoryCode] = Field(
        description="Category codes from the controlled taxonomy."
    )
    confidence_rationale: str
    # Verdicts, last.
    evidence_type: EvidenceType
    severity: Level
    confidence: Level


class ChangeAnalysis(_Strict):
    """What a modification of one provision between two versions means for users.

    Evidence first (the quotes), then what changed and its effect, then the verdicts.
    """

    evidence_quotes: list[str] = Field(
        description="Verbatim passages from the new text (or the old text for removals)."
    )
    what_changed: str = Field(description="One sentence on what changed.")
    consumer_impact: str
    direction: Literal["more_protective", "less_protective", "neutral"]
    severity: Level
