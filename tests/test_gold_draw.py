"""gold/tools/draw.py: a fresh sealed draw is uniform, capped per service, and new."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.gold_tools import gold_tool

SENTENCE = "Users agree that the service may change these terms and end accounts at any time. "


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Two services, one document each: six long sections and one short one."""
    rows = []
    for service in ("Alpha", "Beta"):
        folder = tmp_path / "ota" / "current" / service.lower()
        folder.mkdir(parents=True)
        sections = [f"## {service} section {i}\n\n{SENTENCE * 3}{i}\n" for i in range(6)]
        sections.append("## Contact\n\nWrite to us.\n")
        (folder / "terms.md").write_text("\n".join(sections), encoding="utf-8")
        rows.append(
            {
                "service": service,
                "terms_type": "Terms of Service",
                "captured_at": "2026-07-01T00:00:00+00:00",
                "file": f"ota/current/{service.lower()}/terms.md",
                "kind": "current",
            }
        )
    (tmp_path / "ota" / "manifest.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    return tmp_path


def test_a_draw_is_reproducible_capped_and_skips_short_and_taken_clauses(corpus: Path) -> None:
    draw = gold_tool("draw")
    alpha = (corpus / "ota/current/alpha/terms.md").read_text(encoding="utf-8")
    taken_text = alpha[alpha.index("## Alpha section 2") : alpha.index("## Alpha section 3")]
    taken = draw.taken_spans(
        [{"document": "alpha/terms.md", "text": taken_text}], {"alpha/terms.md": alpha}
    )
    pool = draw.candidates(draw.current_documents(corpus), taken)
    assert all(len(c["text"].split()) >= draw.MIN_WORDS for c in pool)
    assert not any("Alpha section 2" in c["text"] for c in pool)
    assert len(pool) == 11  # 6 + 6 long sections, one taken
    first = draw.draw(pool, "HX", 7, 30)
    assert first == draw.draw(pool, "HX", 7, 30)
    assert [item["id"] for item in first] == [f"HX{i:02d}" for i in range(1, 7)]
    assert sorted(item["service"] for item in first) == ["Alpha"] * 3 + ["Beta"] * 3
    for item in first:
        source = (corpus / "ota/current" / item["document"]).read_text(encoding="utf-8")
        assert item["text"] in source
    assert [i["text"] for i in draw.draw(pool, "HX", 8, 30)] != [i["text"] for i in first]
