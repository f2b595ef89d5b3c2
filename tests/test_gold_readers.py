"""gold/tools/majority.py and agreement.py: several readers of the same clauses, compared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clauselens.evaluation.gold import GoldProvision, load_gold
from tests.support.gold_tools import gold_tool


def _reading(tmp_path: Path, name: str, agencies: dict[str, list[str]], ids: list[str]) -> Path:
    rows = [
        {
            "id": i,
            "text": f"We may share your data with advertisers ({i}).",
            "service": "Alpha",
            "kind": "hook",
            "categories": {"required": ["third_party_sharing"]},
            "severity": ["medium"],
            "agencies": agencies,
            "regulations": {"plausible": ["gdpr"], "wrong": []},
            "rationale": name,
        }
        for i in ids
    ]
    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_more_than_half_decides_and_a_split_is_neither(tmp_path: Path) -> None:
    """ftc: P, P, N -> plausible; hhs_ocr: W, W, N -> wrong; fda: P, W, N -> neither; an id in
    one reading only (fcc) is outvoted; a clause missing from one reading is left out."""
    first = _reading(
        tmp_path, "first", {"plausible": ["ftc", "fda"], "wrong": ["hhs_ocr", "fcc"]}, ["A", "B"]
    )
    second = _reading(
        tmp_path, "second", {"plausible": ["ftc"], "wrong": ["hhs_ocr", "fda"]}, ["A"]
    )
    third = _reading(tmp_path, "third", {"plausible": [], "wrong": []}, ["A", "B"])
    out = tmp_path / "majority.jsonl"
    assert gold_tool("majority").main([str(first), str(second), str(third), "--out", str(out)]) == 0
    [item] = load_gold(out).items
    assert isinstance(item, GoldProvision)
    assert item.id == "A"
    assert item.rationale == "first"
    assert item.agencies.plausible == ["ftc"]
    assert item.agencies.wrong == ["hhs_ocr"]
    assert item.regulations.plausible == ["gdpr"]


def test_agreement_counts_what_both_readers_share(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ftc: P and P; fda: P and neither; hhs_ocr: W and W; fcc: W and neither. Of the ids either
    reader calls plausible both do for 1 of 2, and of those either calls wrong 1 of 2."""
    first = _reading(
        tmp_path, "first", {"plausible": ["ftc", "fda"], "wrong": ["hhs_ocr", "fcc"]}, ["A"]
    )
    second = _reading(tmp_path, "second", {"plausible": ["ftc"], "wrong": ["hhs_ocr"]}, ["A"])
    assert gold_tool("agreement").main([str(first), str(second)]) == 0
    out = capsys.readouterr().out
    assert "plausible: both readers for 1 of the 2 ids either calls plausible (50.0%)" in out
    assert "wrong: both readers for 1 of the 2 ids either calls wrong (50.0%)" in out
