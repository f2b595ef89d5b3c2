"""The offline analyzer: every analysis validates, stays honest, and is driven by the KB."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clauselens.analyzers.base import OFFLINE_MODEL, ClauseInput, DocumentContext
from clauselens.analyzers.offline import (
    OfflineAnalyzer,
    analyze_clause,
    analyze_input,
    offline_prompt_version,
)
from clauselens.analyzers.offline.knowledge import load_knowledge_base
from clauselens.schemas.validate import quote_in_text, validate_analysis
from clauselens.textnorm import clause_sha256

ROOT = Path(__file__).resolve().parents[1]
OTA = ROOT / "fixtures" / "ota" / "current"
AUP = OTA / "claude-ai" / "acceptable-use-policy.md"
TRIGGER_WORDS = [
    "we",
    "may",
    "terminate",
    "your",
    "account",
    "at",
    "any",
    "time",
    "arbitration",
    "health",
    "data",
    "children",
    "cookies",
    "liable.",
    "Governed",
    "by",
    "laws",
    "of",
    "California.",
    "(a)",
    "“quoted”",
    "**bold**",
    "-",
    "item\n\n",
]
DOC = DocumentContext(entity="Anthropic", title="Usage Policy", terms_type="Acceptable Use Policy")


def high_risk_section() -> str:
    text = AUP.read_text("utf-8")
    start = text.index("**High-Risk Use Case Requirements**")
    return text[start : text.index("**Additional Use Case Guidelines**")].strip()


def fixture_clauses() -> list[tuple[tuple[str, ...], str]]:
    """Clauses of the fixture policies (segmented when the segmenter imports, else paragraphs)."""
    out: list[tuple[tuple[str, ...], str]] = []
    for path in sorted(OTA.glob("*/*.md")):
        text = path.read_text("utf-8")
        try:
            from clauselens.pipeline.segment.clauses import segment

            out += [(tuple(c.heading_path), c.text) for c in segment(text)]
        except ImportError:  # pragma: no cover - before the segmenter lands
            out += [((), p) for p in text.split("\n\n") if p.strip()]
    return out


def _input(text: str, truncated: bool = False) -> ClauseInput:
    return ClauseInput(
        clause_sha256=clause_sha256(text),
        heading_path=("Usage Policy", "High-Risk Use Case Requirements"),
        text=text,
        prompt_text=text[:200] if truncated else text,
        truncated=truncated,
        truncation_reason="cut for the test" if truncated else None,
        document=DOC,
    )


class TestEveryAnalysisValidates:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        text=st.text(max_size=600),
        heading=st.lists(st.text(max_size=40), max_size=3),
        truncated=st.booleans(),
    )
    def test_random_text(self, text: str, heading: list[str], truncated: bool) -> None:
        """Any text, heading path and truncation flag yields a valid, low-confidence analysis."""
        analysis = analyze_clause(text, heading, truncated=truncated, truncation_reason="r")
        validate_analysis(analysis, text, truncated)
        assert analysis.confidence == "low"
        assert (analysis.truncation_note is not None) == truncated

    @settings(max_examples=100, deadline=None)
    @given(
        words=st.lists(
            st.sampled_from(TRIGGER_WORDS),
            max_size=80,
        )
    )
    def test_clause_like_text(self, words: list[str]) -> None:
        """Text built from trigger words still validates, with every quote in the clause."""
        text = " ".join(words)
        analysis = analyze_clause(text)
        assert all(quote_in_text(q, text) for q in analysis.evidence_quotes)

    def test_every_fixture_clause(self) -> None:
        """Every clause of the fixture policies gets a valid, low-confidence analysis."""
        clauses = fixture_clauses()
        assert len(clauses) > 20
        for heading, text in clauses:
            analysis = analyze_clause(text, heading)
            validate_analysis(analysis, text, truncated=False)
            assert analysis.confidence == "low"
            assert len(analysis.title.split()) <= 12


class TestHonesty:
    def test_quotes_are_explicit_language(self) -> None:
        """Quotes mean explicit_language; none means absent."""
        found = analyze_clause("We may terminate your account at any time for any reason.")
        assert found.evidence_type == "explicit_language"
        assert found.evidence_quotes
        nothing = analyze_clause("Hello there.")
        assert nothing.evidence_type == "absent"
        assert nothing.evidence_quotes == []
        assert nothing.severity == "low"

    def test_rationale_says_it_is_a_rule_output(self) -> None:
        """The confidence rationale says the analysis is a rule/classifier output to review."""
        rationale = analyze_clause("Some clause text here.").confidence_rationale
        assert "Offline" in rationale
        assert "review" in rationale

    def test_truncated_input_gets_a_note_about_the_full_text(self) -> None:
        """A truncated input gets a note saying the offline rules read the whole clause."""
        result = analyze_input(_input(high_risk_section(), truncated=True))
        assert result.analysis is not None
        assert result.input_truncated
        assert "full clause" in (result.analysis.truncation_note or "")

    def test_explicit_arbitration_is_high_severity(self) -> None:
        """The severity table puts explicit arbitration at high."""
        analysis = analyze_clause(
            "Any dispute shall be resolved by binding arbitration, and you waive any class action."
        )
        assert "arbitration" in analysis.categories
        assert analysis.severity == "high"


class TestHighRiskUseCaseRequirements:
    def test_names_health_and_consumer_regulations_with_agencies(self) -> None:
        """The high-risk section engages a health and a consumer-protection instrument."""
        text = high_risk_section()
        analysis = analyze_clause(text, ("Usage Policy", "**High-Risk Use Case Requirements**"))
        landscape = analysis.institutional_analysis.regulatory_landscape
        assert "HIPAA" in landscape or "Health Breach Notification Rule" in landscape
        assert "FTC Act s.5" in landscape
        names = " | ".join(a.name for a in analysis.applicable_agencies)
        assert "HHS Office for Civil Rights" in names
        assert "Federal Trade Commission" in names
        assert analysis.title == "High-Risk Use Case Requirements"

    def test_body_sentences_come_before_the_heading_line_as_evidence(self) -> None:
        """The heading names the section; the sentences under it are the evidence."""
        text = high_risk_section()
        assert text.startswith("**High-Risk Use Case Requirements**")
        quotes = analyze_clause(text, ("Usage Policy",)).evidence_quotes
        assert quotes
        assert not quotes[0].startswith("**High-Risk Use Case Requirements**")
        assert any("qualified professional" in q for q in quotes)

    def test_engagement_comes_from_knowledge_base_triggers(self) -> None:
        """The health engagements are explained by a KB term in the text (healthcare), each
        with its sentence; the word "consumers" alone engages no consumer-protection law."""
        kb = load_knowledge_base()
        text = high_risk_section()
        engaged = {e.regulation.id: e for e in kb.engagements([text], {})}
        assert "hipaa" in engaged
        assert engaged["hipaa"].sentences == (text,)
        assert "ftc_act_s5" not in engaged


class TestProtocol:
    async def test_offline_analyzer_returns_offline_provenance(self) -> None:
        """The async analyzer returns a valid result whose provenance says offline."""
        analyzer = OfflineAnalyzer()
        result = await analyzer.analyze(_input(high_risk_section()))
        await analyzer.aclose()
        assert result.status == "valid"
        assert result.provenance.analyzer == "offline"
        assert result.provenance.model == OFFLINE_MODEL
        assert result.provenance.prompt_version == analyzer.prompt_version
        assert analyzer.name == "offline"

    def test_prompt_version_is_a_stable_hash(self) -> None:
        """The prompt version is a hash of the shipped data, the same on every call."""
        version = offline_prompt_version()
        assert version.startswith("offline-")
        assert version == offline_prompt_version()


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "#", "**"])
def test_empty_like_clauses_validate(text: str) -> None:
    """Clauses with no words still get a valid analysis with a title."""
    analysis = analyze_clause(text)
    validate_analysis(analysis, text, truncated=False)
    assert analysis.title


def test_no_analyzer_module_imports_a_pipeline_stage() -> None:
    """Analyzers sit under the stages: nothing in ``clauselens.analyzers`` imports
    ``clauselens.pipeline`` (at module level or inside a function)."""
    import ast

    package = ROOT / "src" / "clauselens" / "analyzers"
    offenders = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("clauselens.pipeline")]
    assert offenders == []


def test_the_offline_analyzer_analyses_a_change_without_a_model() -> None:
    """``OfflineAnalyzer.analyze_change`` (the ``Analyzer`` protocol) returns a valid,
    offline-labelled change analysis quoting the new text."""
    import asyncio

    old = "We may suspend your account after notice to you."
    new = "We may suspend your account at any time, without notice, at our sole discretion."
    result = asyncio.run(OfflineAnalyzer().analyze_change(old, new, None, DOC))
    assert result.status == "valid"
    assert result.analysis is not None
    assert result.provenance.analyzer == "offline"
    assert all(q in new for q in result.analysis.evidence_quotes)
