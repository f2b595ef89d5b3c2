"""Acceptance checks of segmentation over the development corpus (../shared/corpus/ota).

Every test is skipped, with the reason, when the corpus is absent (set CLAUSELENS_CORPUS to
point elsewhere). Markdown headings are found independently with markdown-it-py (CommonMark +
tables), not with the segmenter's own scanner.
"""

from __future__ import annotations

import difflib
import os
import re
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from clauselens.config import SegmentSettings
from clauselens.pipeline.segment.clauses import segment
from clauselens.schemas import Clause

pytestmark = pytest.mark.corpus

CORPUS = Path(
    os.environ.get("CLAUSELENS_CORPUS", Path(__file__).parents[1].parent / "shared" / "corpus")
)
OTA = CORPUS / "ota"
AUP = OTA / "current" / "claude-ai" / "acceptable-use-policy.md"
SETTINGS = SegmentSettings()


def _require_corpus() -> None:
    if not OTA.is_dir():
        pytest.skip(f"needs the development corpus at {OTA} (../shared/corpus is not present)")


def corpus_files() -> list[Path]:
    if not OTA.is_dir():
        return []
    return sorted([*OTA.glob("current/*/*.md"), *OTA.glob("history/*/*/v*.md")])


def _version_index(path: Path) -> int:
    match = re.match(r"v(\d+)_", path.name)
    assert match is not None
    return int(match.group(1))


def history_pairs() -> list[tuple[Path, Path]]:
    pairs: list[tuple[Path, Path]] = []
    for doc in sorted(OTA.glob("history/*/*")) if OTA.is_dir() else []:
        versions = sorted(doc.glob("v*.md"), key=_version_index)
        pairs.extend(pairwise(versions))
    return pairs


@cache
def clauses_of(path: Path) -> tuple[str, list[Clause]]:
    text = path.read_text(encoding="utf-8")
    return text, segment(text, SETTINGS)


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(OTA)) for p in paths]


#: Without the corpus, one placeholder each, so the tests report the skip reason.
FILES = corpus_files() or [OTA / "absent"]


@pytest.fixture(autouse=True)
def _corpus_present() -> None:
    _require_corpus()


def test_corpus_has_the_documented_files() -> None:
    assert len(FILES) == 131


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_clauses_cover_every_non_whitespace_character_once_in_order(path: Path) -> None:
    text, clauses = clauses_of(path)
    covered = 0
    for clause in clauses:
        assert clause.text == text[clause.start : clause.end] == clause.text.strip()
        assert clause.start >= covered
        assert not text[covered : clause.start].strip()
        covered = clause.end
    assert not text[covered:].strip()


def _aup_clause() -> Clause:
    _, clauses = clauses_of(AUP)
    matches = [c for c in clauses if c.heading_path[-1:] == ["High-Risk Use Case Requirements"]]
    assert len(matches) == 1
    return matches[0]


def test_high_risk_section_is_one_clause_with_its_requirements() -> None:
    text = _aup_clause().text
    assert "Human-in-the-loop" in text
    assert "Disclosure" in text


@pytest.mark.parametrize(
    "domain",
    [
        "Legal",
        "Healthcare",
        "Insurance",
        "Finance",
        "Employment and housing",
        "Academic testing, accreditation and admissions",
        "Media or professional journalistic content",
    ],
)
def test_high_risk_clause_holds_each_high_risk_domain(domain: str) -> None:
    assert f"**{domain}:**" in _aup_clause().text


def test_high_risk_clause_holds_no_additional_use_case_guidelines() -> None:
    text = _aup_clause().text
    assert "Additional Use Case Guidelines" not in text
    assert "consumer-facing chatbots" not in text


def _markdown_heading_offsets(text: str) -> list[int]:
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    offsets = []
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        if token.type == "heading_open" and token.map is not None:
            line = lines[token.map[0]]
            if line.strip():  # a heading whose line is only Unicode spaces has nothing to begin
                offsets.append(starts[token.map[0]] + len(line) - len(line.lstrip()))
    return offsets


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_every_atx_or_setext_heading_line_begins_a_clause(path: Path) -> None:
    text, clauses = clauses_of(path)
    starts = {c.start for c in clauses}
    missing = [text[o : o + 60] for o in _markdown_heading_offsets(text) if o not in starts]
    assert missing == []


def _unsplittable(clause: Clause) -> bool:
    """Over the bound only around one blank-line-free piece (a paragraph or table) that is.

    What else it holds is headings and a lead-in: short single lines or a line ending in ":".
    """
    pieces = [p.strip() for p in re.split(r"\n[ \t\u00a0]*\n", clause.text) if p.strip()]
    big = [p for p in pieces if len(p.split()) > SETTINGS.max_words - 50]
    rest = [p for p in pieces if p not in big]
    return len(big) == 1 and all(p.endswith(":") or len(p.split()) <= 20 for p in rest)


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_no_clause_exceeds_max_words_unless_unsplittable(path: Path) -> None:
    _, clauses = clauses_of(path)
    over = [c for c in clauses if len(c.text.split()) > SETTINGS.max_words]
    assert [c.index for c in over if not _unsplittable(c)] == []


def _changed_ranges(old: str, new: str) -> list[tuple[int, int]]:
    """Char ranges of the new text's changed lines; a deletion spans the gap where it was."""
    old_lines, new_lines = old.split("\n"), new.split("\n")
    starts = [0]
    for line in new_lines:
        starts.append(starts[-1] + len(line) + 1)
    ranges = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        lo, hi = min(starts[j1], len(new)), min(starts[j2], len(new))
        while lo > 0 and new[lo - 1].isspace():
            lo -= 1
        while hi < len(new) and new[hi].isspace():
            hi += 1
        ranges.append((max(0, lo - 1), hi + 1))
    return ranges


PAIRS = history_pairs() or [(OTA / "v0_absent", OTA / "v1_absent")]


@pytest.mark.parametrize(
    "pair",
    PAIRS,
    ids=[f"{a.parent.relative_to(OTA)}:{_version_index(a)}-{_version_index(b)}" for a, b in PAIRS],
)
def test_each_new_clause_is_unchanged_or_overlaps_a_changed_line(pair: tuple[Path, Path]) -> None:
    """A new clause that no changed line touches is a part of a section whose old clause
    changed (the section crossed the word bound and was cut, or was cut differently)."""
    old_path, new_path = pair
    old_text, old_clauses = clauses_of(old_path)
    new_text, new_clauses = clauses_of(new_path)
    known = {c.clause_sha256 for c in old_clauses}
    kept = {c.clause_sha256 for c in new_clauses}
    edited = {_section(c) for c in old_clauses if c.clause_sha256 not in kept}
    ranges = _changed_ranges(old_text, new_text)
    stray = [
        c.heading_path
        for c in new_clauses
        if c.clause_sha256 not in known
        and not any(lo < c.end and c.start < hi for lo, hi in ranges)
        and _section(c) not in edited
    ]
    assert stray == []


def _section(clause: Clause) -> tuple[str, ...]:
    """The section a clause is in: its heading path without a " (part k)" suffix."""
    return tuple(re.sub(r" \(part \d+\)$", "", t) for t in clause.heading_path)
