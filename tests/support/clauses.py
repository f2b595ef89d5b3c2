"""Analyzer inputs made from real fixture text (Anthropic's Usage Policy)."""

from __future__ import annotations

from clauselens.analyzers.base import ClauseInput, DocumentContext, cut_for_prompt
from clauselens.textnorm import clause_sha256
from tests.support.paths import FIXTURES

AUP_DOCUMENT = DocumentContext(
    entity="Anthropic",
    title="Usage Policy",
    terms_type="Acceptable Use Policy",
    outline=(
        "Universal Usage Standards",
        "High-Risk Use Case Requirements",
        "Additional Use Case Guidelines",
    ),
    document_id="anthropic-usage-policy",
)


def aup_section(heading: str, next_heading: str) -> str:
    """A section of fixtures/ota/current/claude-ai/acceptable-use-policy.md (real text)."""
    text = (FIXTURES / "ota/current/claude-ai/acceptable-use-policy.md").read_text("utf-8")
    start = text.index(f"**{heading}**")
    return text[start : text.index(f"**{next_heading}**", start)].strip()


def make_clause(
    text: str,
    heading_path: tuple[str, ...] = ("High-Risk Use Case Requirements",),
    *,
    max_chars: int = 30_000,
    document: DocumentContext = AUP_DOCUMENT,
) -> ClauseInput:
    """A ClauseInput for ``text`` (cut for the prompt when over ``max_chars``)."""
    prompt_text, reason = cut_for_prompt(text, max_chars)
    return ClauseInput(
        clause_sha256=clause_sha256(text),
        heading_path=heading_path,
        text=text,
        prompt_text=prompt_text,
        truncated=reason is not None,
        truncation_reason=reason,
        document=document,
    )
