"""The prompt files (package data) and their renderer.

Files: ``system.md`` (role, rubric, taxonomy, regulatory reference list), ``document.md`` (the
document-context block), ``clause.md`` (one clause inside ``<clause_text>`` tags) and
``change.md`` (old and new text of a modified provision) and ``reask.md`` (the follow-up that
lists validation errors). They are ``string.Template`` files:
``${name}`` is a slot, ``$$`` a literal dollar sign.

``prompt_version()`` is a short hash of the files' bytes, the taxonomy and the output schemas,
recorded with every analysis: change any of them and the version changes. The output schema is
part of what the model reads (its descriptions, enums and property order, which is the order the
answer is generated in), so it is hashed as sent, key order included.

Clause text is untrusted: ``neutralise`` rewrites any of our delimiter tags inside it so that it
cannot close (or open) the block it sits in.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from importlib import resources
from string import Template
from typing import Any

from clauselens.schemas import ChangeAnalysis, ClauseAnalysis, load_taxonomy

PROMPT_ID = "clause-analysis"
PROMPT_FILES = ("system.md", "document.md", "clause.md", "change.md", "reask.md")
MAX_OUTLINE_HEADINGS = 120
MAX_OUTLINE_CHARS = 6_000

_TAGS = re.compile(r"<(\s*/?\s*)(clause_text|old_text|new_text|previous_analysis)\b", re.IGNORECASE)


@cache
def _read(name: str) -> str:
    return resources.files("clauselens.prompts").joinpath(name).read_text("utf-8")


@cache
def output_schema(kind: str = "clause") -> dict[str, Any]:
    """The JSON Schema sent as ``output_config.format.schema``: ``clause`` or ``change``."""
    import anthropic  # here, not at the top: an offline run never loads the SDK

    model = ClauseAnalysis if kind == "clause" else ChangeAnalysis
    return anthropic.transform_schema(model)


@cache
def prompt_version() -> str:
    """12 hex digits of SHA-256 over the prompt files, the taxonomy and both output schemas.

    The schemas are serialised in their own key order (no ``sort_keys``): reordering the
    properties changes the generation order, so it must change the version too.
    """
    digest = hashlib.sha256()
    for name in PROMPT_FILES:
        digest.update(name.encode() + b"\0" + _read(name).encode("utf-8") + b"\0")
    digest.update(load_taxonomy().model_dump_json().encode("utf-8"))
    for kind in ("clause", "change"):
        digest.update(json.dumps(output_schema(kind)).encode("utf-8") + b"\0")
    return digest.hexdigest()[:12]


def neutralise(text: str) -> str:
    """Escape our delimiter tags in untrusted text: ``</clause_text>`` -> ``&lt;/clause_text>``."""
    return _TAGS.sub(lambda m: "&lt;" + m.group(1) + m.group(2), text)


def _render(name: str, **values: str) -> str:
    return Template(_read(name)).substitute(values).strip() + "\n"


def _taxonomy_block() -> str:
    lines = []
    for group in ("unfair_terms", "privacy", "ai_policy", "general"):
        lines.append(f"## {group}\n")
        for c in load_taxonomy().categories:
            if c.group == group:
                lines.append(f"- `{c.code}`: {c.label}. {c.description}")
        lines.append("")
    return "\n".join(lines).strip()


@cache
def render_system() -> str:
    """The system prompt; identical for every request."""
    return _render("system.md", taxonomy=_taxonomy_block())


def _outline(headings: tuple[str, ...]) -> str:
    lines: list[str] = []
    size = 0
    for heading in headings[:MAX_OUTLINE_HEADINGS]:
        line = "- " + neutralise(" ".join(heading.split()))
        if size + len(line) > MAX_OUTLINE_CHARS:
            break
        lines.append(line)
        size += len(line) + 1
    left = len(headings) - len(lines)
    if left:
        lines.append(f"- (... {left} more headings not shown)")
    return "\n".join(lines) if lines else "(no headings)"


def render_document(entity: str, title: str, terms_type: str, outline: tuple[str, ...]) -> str:
    """The document-context block; identical for every clause of one document."""
    return _render(
        "document.md",
        entity=neutralise(entity),
        title=neutralise(title),
        terms_type=neutralise(terms_type),
        outline=_outline(outline),
    )


def _heading_path(heading_path: tuple[str, ...]) -> str:
    return neutralise(" > ".join(heading_path)) if heading_path else "(none)"


def render_clause(
    heading_path: tuple[str, ...], text: str, truncated: bool, reason: str | None
) -> str:
    """The clause block: heading path, truncation status and the clause inside its tags."""
    line = f"Truncation reason: {reason or 'not given'}\n" if truncated else ""
    return _render(
        "clause.md",
        heading_path=_heading_path(heading_path),
        truncated="yes, only the first part of the clause is shown" if truncated else "no",
        truncation_line=line,
        clause_text=neutralise(text),
    )


def render_change(
    heading_path: tuple[str, ...], old_text: str, new_text: str, previous: str | None
) -> str:
    """The change block: old and new text in their tags, the previous analysis as JSON."""
    return _render(
        "change.md",
        heading_path=_heading_path(heading_path),
        old_text=neutralise(old_text),
        new_text=neutralise(new_text),
        previous_analysis=neutralise(previous) if previous else "null",
    )


def render_reask(errors: list[str]) -> str:
    """The follow-up user message after an invalid answer, listing every error."""
    return _render("reask.md", errors="\n".join(f"- {e}" for e in errors))


__all__ = [
    "PROMPT_ID",
    "neutralise",
    "output_schema",
    "prompt_version",
    "render_change",
    "render_clause",
    "render_document",
    "render_reask",
    "render_system",
]
