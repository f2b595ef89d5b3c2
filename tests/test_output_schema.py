"""The output schema as sent to the API: inside the documented subset, evidence before verdict.

The rules below are those of "JSON Schema limitations" and "Property ordering" on
https://platform.claude.com/docs/en/build-with-claude/structured-outputs (sections
#json-schema-limitations and #property-ordering):

- supported: the basic types (object, array, string, integer, number, boolean, null); ``enum``
  of strings, numbers, booleans or nulls only; ``const``; ``anyOf``; ``allOf`` (not with
  ``$ref``); local ``$ref`` / ``$defs`` / ``definitions``; ``default``; ``required``;
  ``additionalProperties`` (only ``false``); string ``format`` from a fixed list; array
  ``minItems`` of 0 or 1;
- not supported: recursive schemas, complex types inside enums, external ``$ref``, numerical
  constraints (``minimum``, ``maximum``, ``multipleOf`` ...), string constraints (``minLength``,
  ``maxLength``), array constraints beyond ``minItems`` 0/1, ``additionalProperties`` other than
  ``false``;
- property ordering: required properties come first, in schema order, then optional ones. Every
  property is required here, so the answer is generated in exactly the schema's order.

The walk uses an allowlist, stricter than the page where it costs nothing: ``allOf`` and
``pattern`` (supported with limits) are refused because clauselens sends neither. The installed
SDK's ``transform_schema`` (``anthropic/lib/_parse/_transform.py``) encodes the same subset.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.config import Settings
from clauselens.schemas import ClauseAnalysis, load_taxonomy
from clauselens.schemas.validate import InvalidAnalysis, parse_analysis
from clauselens.testing.fake_api import FakeApi
from clauselens.testing.fake_api._synthetic import clause_analysis

# Keywords a schema node may carry (see the module docstring for the source of each).
ALLOWED_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "anyOf",
        "$ref",
        "$defs",
        "definitions",
        "description",
        "title",
        "default",
        "format",
        "minItems",
    }
)
TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})
STRING_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"}
)

EVIDENCE = ("evidence_quotes", "truncation_note")
REASONING = (
    "summary",
    "why_it_matters",
    "consumer_impact",
    "institutional_analysis",
    "applicable_agencies",
    "confidence_rationale",
)
VERDICTS = ("evidence_type", "severity", "confidence")


def schema_nodes(node: dict[str, Any], path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema (not every dict: ``properties`` and ``$defs`` are maps of schemas)."""
    yield path, node
    for key in ("properties", "$defs", "definitions"):
        for name, child in (node.get(key) or {}).items():
            yield from schema_nodes(child, f"{path}/{key}/{name}")
    if isinstance(node.get("items"), dict):
        yield from schema_nodes(node["items"], f"{path}/items")
    for key in ("anyOf", "allOf"):
        for i, child in enumerate(node.get(key) or []):
            yield from schema_nodes(child, f"{path}/{key}/{i}")


def subset_violations(schema: dict[str, Any]) -> list[str]:
    """What in ``schema`` falls outside the documented subset (empty when all is well)."""
    problems: list[str] = []
    for path, node in schema_nodes(schema):
        for key in sorted(set(node) - ALLOWED_KEYWORDS):
            problems.append(f"{path}: keyword {key!r} is outside the supported subset")
        kinds = node.get("type")
        for kind in kinds if isinstance(kinds, list) else [kinds] if kinds else []:
            if kind not in TYPES:
                problems.append(f"{path}: type {kind!r} is not supported")
        if kinds == "object" or "properties" in node:
            if node.get("additionalProperties") is not False:
                problems.append(f"{path}: additionalProperties must be false")
            if list(node.get("required", [])) != list(node.get("properties", {})):
                problems.append(f"{path}: every property must be required, in schema order")
        if node.get("minItems", 0) not in (0, 1):
            problems.append(f"{path}: minItems {node['minItems']} (only 0 or 1)")
        if "format" in node and node["format"] not in STRING_FORMATS:
            problems.append(f"{path}: string format {node['format']!r} is not supported")
        for value in node.get("enum", []):
            if isinstance(value, (dict, list)):
                problems.append(f"{path}: enum holds a complex value {value!r}")
        if "enum" in node and not node["enum"]:
            problems.append(f"{path}: empty enum")
        ref = node.get("$ref")
        if ref is not None and not str(ref).startswith("#/$defs/"):
            problems.append(f"{path}: $ref {ref!r} is not a local $defs reference")
    return problems + recursion(schema)


def _refs(node: dict[str, Any]) -> set[str]:
    return {n["$ref"].rsplit("/", 1)[-1] for _, n in schema_nodes(node) if "$ref" in n}


def recursion(schema: dict[str, Any]) -> list[str]:
    """A cycle in the ``$defs`` reference graph, or a reference to a missing definition."""
    defs: dict[str, Any] = schema.get("$defs", {})
    graph = {name: _refs(body) for name, body in defs.items()}
    problems = [f"$ref to missing $defs/{r}" for r in sorted(_refs(schema) - set(defs))]

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in trail:
            problems.append("recursive $ref: " + " -> ".join((*trail, name)))
            return
        for child in sorted(graph.get(name, ())):
            visit(child, (*trail, name))

    for name in sorted(graph):
        visit(name, ())
    return problems


@pytest.fixture
async def analyzer(claude_settings: Settings) -> AsyncIterator[ClaudeAnalyzer]:
    claude = ClaudeAnalyzer(claude_settings)
    yield claude
    await claude.aclose()


@pytest.fixture
async def sent(
    analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
) -> dict[str, dict[str, Any]]:
    """The output schemas as the fake server received them: one clause, one change request."""
    await analyzer.analyze(high_risk_clause)
    text = high_risk_clause.text
    await analyzer.analyze_change(
        text, text + " We may change this.", None, high_risk_clause.document
    )
    clause_body, change_body = fake_api.message_bodies()
    return {
        "clause": clause_body["output_config"]["format"]["schema"],
        "change": change_body["output_config"]["format"]["schema"],
    }


class TestSupportedSubset:
    @pytest.mark.parametrize("kind", ["clause", "change"])
    async def test_sent_schema_stays_inside_the_documented_subset(
        self, sent: dict[str, dict[str, Any]], kind: str
    ) -> None:
        """Closed objects, all properties required, no unsupported keyword, no recursion."""
        assert subset_violations(sent[kind]) == []

    def test_walk_catches_what_the_api_refuses(self) -> None:
        """The checker itself refuses bounds, open objects, optional fields and recursion."""
        bad = {
            "type": "object",
            "properties": {
                "a": {"type": "string", "maxLength": 5},
                "b": {"type": "array", "items": {"$ref": "#/$defs/N"}, "minItems": 2},
            },
            "required": ["a"],
            "$defs": {
                "N": {
                    "type": "object",
                    "properties": {"next": {"$ref": "#/$defs/N"}},
                    "required": ["next"],
                    "additionalProperties": True,
                }
            },
        }
        found = "\n".join(subset_violations(bad))
        for expected in (
            "'maxLength'",
            "minItems 2",
            "#: additionalProperties must be false",
            "#: every property must be required",
            "#/$defs/N: additionalProperties must be false",
            "recursive $ref: N -> N",
        ):
            assert expected in found


# "Schema complexity limits" on the same page: per request at most 24 optional parameters and
# 16 parameters with union types (anyOf or a type list). The stored excerpts of the page did not
# show that section; the figures are as quoted from it in ENTERPILOT/GoModel PR #963. All our
# properties are required, so only the union count can grow.
MAX_UNION_TYPED = 16


def union_typed(schema: dict[str, Any]) -> list[str]:
    return [
        path
        for path, node in schema_nodes(schema)
        if "anyOf" in node or isinstance(node.get("type"), list)
    ]


class TestComplexity:
    async def test_union_typed_parameters_stay_under_the_documented_limit(
        self, sent: dict[str, dict[str, Any]]
    ) -> None:
        """Each request carries one schema; neither comes near 16 union-typed parameters."""
        for schema in sent.values():
            assert len(union_typed(schema)) <= MAX_UNION_TYPED
        assert union_typed(sent["clause"]) == ["#/properties/truncation_note"]


class TestEvidenceBeforeVerdict:
    async def test_clause_schema_puts_evidence_and_reasoning_before_the_verdicts(
        self, sent: dict[str, dict[str, Any]]
    ) -> None:
        """Every evidence and reasoning field precedes severity, confidence and evidence_type."""
        order = list(sent["clause"]["properties"])
        last_reason = max(order.index(f) for f in (*EVIDENCE, *REASONING))
        first_verdict = min(order.index(f) for f in VERDICTS)
        assert last_reason < first_verdict
        assert order[-3:] == list(VERDICTS)

    async def test_nested_and_change_verdicts_come_last_too(
        self, sent: dict[str, dict[str, Any]]
    ) -> None:
        """governance_exposure gives its rationale before its level; a change quotes first."""
        exposure = sent["clause"]["$defs"]["GovernanceExposure"]["properties"]
        assert list(exposure) == ["rationale", "level"]
        change = list(sent["change"]["properties"])
        assert change[0] == "evidence_quotes"
        assert change[-2:] == ["direction", "severity"]

    def test_model_field_order_is_the_schema_order(self) -> None:
        """The Pydantic field order (and so every dump and export) matches the sent schema."""
        from clauselens import prompts

        assert list(ClauseAnalysis.model_fields) == list(prompts.output_schema()["properties"])


class TestCategories:
    async def test_categories_are_an_enum_of_the_taxonomy_codes(
        self, sent: dict[str, dict[str, Any]]
    ) -> None:
        """The model can only write taxonomy codes: the items are an enum of all of them."""
        items = sent["clause"]["properties"]["categories"]["items"]
        assert items["enum"] == [c.code for c in load_taxonomy().categories]

    def test_unknown_code_is_refused_with_its_name(self) -> None:
        """Validation refuses a code outside the taxonomy and names it for the re-ask."""
        message = {"role": "user", "content": "<clause_text>We may share data.</clause_text>"}
        answer = clause_analysis({"messages": [message]})
        answer["categories"] = ["third_party_sharing", "data_brokering"]
        with pytest.raises(InvalidAnalysis) as raised:
            parse_analysis(answer)
        assert raised.value.kind == "schema_invalid"
        [error] = raised.value.errors
        assert error.startswith("categories.1:")
        assert "'data_brokering' is not a category code of the taxonomy" in error
