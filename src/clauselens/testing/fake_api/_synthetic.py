"""Synthetic answers: schema-valid ``ClauseAnalysis`` / ``ChangeAnalysis`` built from the prompt.

Nothing here is model output. Every summary says so. The analysis is built from the clause text
the fake finds between ``<clause_text>`` tags: the evidence quote is a real sentence of it, the
truncation note is present exactly when the clause block says it was truncated, and categories
come from the taxonomy by simple keywords. Also: the token estimate (chars / 4) and the text
extracted from a request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from clauselens.schemas import load_taxonomy

SYNTHETIC = "SYNTHETIC answer from clauselens' fake API server, not model output."

_CLAUSE = re.compile(r"<clause_text>\n?(.*?)\n?</clause_text>", re.DOTALL)
_OLD = re.compile(r"<old_text>\n?(.*?)\n?</old_text>", re.DOTALL)
_NEW = re.compile(r"<new_text>\n?(.*?)\n?</new_text>", re.DOTALL)
_SENTENCE = re.compile(r"[^.!?\n]*[A-Za-z][^.!?\n]*[.!?]?")

KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"arbitrat", "arbitration"),
    (r"class action|class-action", "class_action_waiver"),
    (r"terminat|suspend", "unilateral_termination"),
    (r"liab", "limitation_of_liability"),
    (r"laws? of|governing law", "choice_of_law"),
    (r"courts? (of|in)|venue", "jurisdiction"),
    (r"(change|modify|update)s? (to )?(these|the) (terms|policy)", "unilateral_change"),
    (r"personal (data|information)|we collect", "first_party_collection"),
    (r"third part|share", "third_party_sharing"),
    (r"cookie|track", "tracking_and_cookies"),
    (r"retain|retention", "data_retention"),
    (r"child|minor|under (13|16|18)", "age_restrictions"),
    (r"\btrain", "model_training_on_user_content"),
    (r"\boutputs?\b", "output_ownership"),
    (r"human", "human_oversight"),
    (r"disclos", "ai_disclosure"),
    (r"high-risk|high risk|medical|legal advice|financial", "high_risk_use_requirements"),
    (r"prohibit|must not|may not|do not use", "prohibited_uses"),
    (r"indemn", "indemnification"),
    (r"as is|warrant", "warranty_disclaimer"),
)
_KEYWORD_PATTERNS = tuple((re.compile(pattern, re.I), code) for pattern, code in KEYWORDS)
_HIGH = re.compile(r"arbitrat|class action|waive|terminat|sell|train|without notice", re.I)
_MEDIUM = re.compile(r"share|liab|prohibit|must|may not|retain", re.I)


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


def block_text(block: Any) -> str:
    if isinstance(block, str):
        return block
    if isinstance(block, Mapping):
        return str(block.get("text", "")) if block.get("type") == "text" else json.dumps(block)
    return ""


def user_text(request: Mapping[str, Any]) -> str:
    """All user-message text of a request, in order."""
    parts: list[str] = []
    for message in request.get("messages") or []:
        if message.get("role") != "user":
            continue
        content = message.get("content")
        blocks = content if isinstance(content, list) else [content]
        parts.extend(block_text(b) for b in blocks)
    return "\n".join(parts)


def _sentences(text: str) -> list[str]:
    found = [m.group(0).strip() for m in _SENTENCE.finditer(text)]
    return [s for s in found if len(s) >= 12 and "&lt;" not in s]


def _categories(text: str) -> list[str]:
    codes = load_taxonomy().codes
    found = [code for pattern, code in _KEYWORD_PATTERNS if pattern.search(text)]
    picked = [c for c in dict.fromkeys(found) if c in codes][:3]
    return picked or ["governing_contract"]


def _severity(text: str) -> str:
    if _HIGH.search(text):
        return "high"
    return "medium" if _MEDIUM.search(text) else "low"


def clause_analysis(request: Mapping[str, Any]) -> dict[str, Any]:
    """A schema-valid, semantically valid ``ClauseAnalysis`` for the clause in ``request``."""
    prompt = user_text(request)
    matches = _CLAUSE.findall(prompt)
    clause = matches[-1] if matches else ""
    truncated = bool(re.search(r"^Truncated: yes", prompt, re.M))
    sentences = _sentences(clause)
    quotes = sentences[:1]
    title = " ".join(clause.split()[:6]).strip(" .,:;") or "Empty clause"
    return {
        "title": f"Synthetic: {title}"[:80],
        "summary": f"{SYNTHETIC} The clause begins: {sentences[0] if sentences else '(empty)'}",
        "why_it_matters": f"{SYNTHETIC} Placeholder text for tests and offline integration checks.",
        "consumer_impact": f"{SYNTHETIC} No real assessment of the consumer impact was made.",
        "institutional_analysis": {
            "regulatory_landscape": f"{SYNTHETIC} No regulatory analysis was made.",
            "governance_exposure": {"level": "low", "rationale": SYNTHETIC},
            "jurisdiction_flags": [],
            "contract_and_vendor_implications": SYNTHETIC,
            "compliance_considerations": SYNTHETIC,
        },
        "applicable_agencies": [],
        "severity": _severity(clause),
        "confidence": "low",
        "confidence_rationale": f"{SYNTHETIC} Built by keyword rules, so confidence is low.",
        "evidence_type": "explicit_language" if quotes else "absent",
        "evidence_quotes": quotes,
        "categories": _categories(clause),
        "truncation_note": (
            f"{SYNTHETIC} The clause was truncated; its remainder was not assessed."
            if truncated
            else None
        ),
    }


def change_analysis(request: Mapping[str, Any]) -> dict[str, Any]:
    """A schema-valid ``ChangeAnalysis`` for the old/new texts in ``request``."""
    prompt = user_text(request)
    old = (_OLD.findall(prompt) or [""])[-1]
    new = (_NEW.findall(prompt) or [""])[-1]
    quotes = _sentences(new)[:1] or _sentences(old)[:1]
    return {
        "what_changed": f"{SYNTHETIC} The text changed from {len(old)} to {len(new)} characters.",
        "direction": "neutral",
        "severity": _severity(new),
        "consumer_impact": SYNTHETIC,
        "evidence_quotes": quotes,
    }


def answer_for(request: Mapping[str, Any]) -> dict[str, Any]:
    """The synthetic answer matching the request's output schema."""
    fmt = (request.get("output_config") or {}).get("format") or {}
    properties = (fmt.get("schema") or {}).get("properties") or {}
    return change_analysis(request) if "what_changed" in properties else clause_analysis(request)
