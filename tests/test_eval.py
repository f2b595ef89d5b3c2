"""``clauselens eval``: the gold sets, the scores, the cache, the gate, the Claude path.

Scores are checked on hand-built analyses whose right answers are counted by hand here; the
gold sets are checked for the shape the issue asks (sizes, coverage, the reference provision).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.offline import OfflineAnalyzer
from clauselens.cli import main
from clauselens.config import Settings
from clauselens.evaluation import Config, EvalOptions, builtin_sets, load_gold, run_eval
from clauselens.evaluation import run as eval_run
from clauselens.evaluation.gold import (
    BUILTIN,
    CategorySentence,
    GoldProvision,
    gold_folder,
    json_schema,
    knowledge_base_ids,
)
from clauselens.evaluation.mentions import named_in
from clauselens.evaluation.scoring import score_categories, score_provisions
from clauselens.schemas import AnalysisResult, ClauseAnalysis
from clauselens.testing.fake_api import FakeApi
from tests.support.analyses import written_analysis

GOLD = gold_folder()
EXAMPLES = GOLD / "examples"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


class TestGoldSets:
    def test_categories_cover_every_claudette_category_fair_and_unfair(self) -> None:
        [gold] = builtin_sets(["categories"])
        items = [i for i in gold.items if isinstance(i, CategorySentence)]
        codes = Counter(c for i in items for c in i.categories)
        assert len(items) >= 400
        assert len(codes) == 8
        assert min(codes.values()) >= 9
        assert sum(1 for i in items if not i.categories) >= 150

    def test_the_mapping_table_maps_every_claudette_code_once(self) -> None:
        lines = (GOLD / "claudette_mapping.csv").read_text(encoding="utf-8").splitlines()[1:]
        codes = [line.split(",")[0] for line in lines]
        assert sorted(codes) == ["A", "CH", "CR", "J", "LAW", "LTD", "TER", "USE"]

    def test_provisions_span_fifteen_services_plain_and_regulated(self) -> None:
        [gold] = builtin_sets(["provisions"])
        items = [i for i in gold.items if isinstance(i, GoldProvision)]
        assert len(items) >= 60
        assert len({i.service for i in items}) >= 15
        kinds = Counter(i.kind for i in items)
        assert kinds["plain"] >= 10
        assert kinds["hook"] >= 30
        assert all(i.rationale.strip() for i in items)
        assert all(i.agencies.wrong or i.regulations.wrong for i in items)

    def test_the_reference_provision_states_what_a_governance_record_states(self) -> None:
        [gold] = builtin_sets(["reference"])
        [ref] = [i for i in gold.items if isinstance(i, GoldProvision)]
        assert ref.service == "Claude.ai"
        assert any("High-Risk Use Case" in h for h in ref.heading_path) or (
            "High-Risk Use Case" in ref.text
        )
        assert ref.severity == ["high"]
        assert {"hipaa", "ftc_act_s5", "hbnr", "fdca_devices", "eu_ai_act"} <= set(
            ref.regulations.plausible
        )
        assert {"ftc", "hhs_ocr"} <= set(ref.agencies.plausible)
        assert {"high_risk_use_requirements", "human_oversight"} <= set(ref.categories.required)

    @pytest.mark.parametrize("kind", ["categories", "provisions", "similarity"])
    def test_committed_schemas_are_the_models_schemas(self, kind: str) -> None:
        path = GOLD / "schemas" / f"{kind}.schema.json"
        assert json.loads(path.read_text(encoding="utf-8")) == json_schema(kind)  # type: ignore[arg-type]

    @pytest.mark.parametrize("kind", ["categories", "provisions", "similarity"])
    def test_every_built_in_and_example_line_validates_against_its_schema(self, kind: str) -> None:
        schema = json.loads((GOLD / "schemas" / f"{kind}.schema.json").read_text())
        files = [EXAMPLES / f"{kind}.jsonl"] + [
            GOLD / name for name, k in BUILTIN.values() if k == kind
        ]
        if kind == "provisions":
            files += [GOLD / f"{name}_second_reader.jsonl" for name in SECOND_READINGS]
        for path in files:
            for line in path.read_text(encoding="utf-8").splitlines():
                jsonschema.validate(json.loads(line), schema)
            assert load_gold(path).kind == kind

    def test_a_bad_gold_line_is_refused_with_its_line_number(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.jsonl"
        row = json.loads((EXAMPLES / "provisions.jsonl").read_text().splitlines()[0])
        row["agencies"]["wrong"].append("ftc")  # also plausible
        bad.write_text(json.dumps(row) + "\n")
        result = invoke("eval", "--gold", str(bad))
        assert result.exit_code == 2
        assert "bad.jsonl:1" in result.stderr
        assert "ftc" in result.stderr


def _result(analysis: ClauseAnalysis | None, sha: str = "0" * 64) -> AnalysisResult:
    from datetime import UTC, datetime

    from clauselens.schemas import Provenance

    return AnalysisResult(
        clause_sha256=sha,
        status="valid" if analysis else "failed",
        analysis=analysis,
        error=None if analysis else "failed",
        provenance=Provenance(
            analyzer="offline",
            model="m",
            prompt_id="p",
            prompt_version="v",
            generated_at=datetime.now(UTC),
        ),
    )


def _with(text: str, **update: Any) -> ClauseAnalysis:
    return written_analysis(text).model_copy(update=update)


class TestScores:
    def test_category_precision_recall_and_f1_counted_by_hand(self) -> None:
        """Two codes. Item 1 gold {arbitration}, predicted {arbitration, jurisdiction};
        item 2 gold {jurisdiction}, predicted {}; item 3 gold {}, a failure.
        arbitration: tp 1; jurisdiction: fp 1, fn 1. Micro P 1/2, R 1/2."""
        items = [
            CategorySentence(id="1", text="a", categories=["arbitration"]),
            CategorySentence(id="2", text="b", categories=["jurisdiction"]),
            CategorySentence(id="3", text="c", categories=[]),
        ]
        text = "Disputes go to arbitration."
        results = [
            _result(_with(text, categories=["arbitration", "jurisdiction", "user_conduct"])),
            _result(_with(text, categories=[])),
            _result(None),
        ]
        figures, per_code = score_categories(items, results)
        assert figures["category_micro_precision"] == pytest.approx(0.5)
        assert figures["category_micro_recall"] == pytest.approx(0.5)
        assert per_code["arbitration"]["f1"] == pytest.approx(1.0)
        assert per_code["jurisdiction"]["f1"] == pytest.approx(0.0)
        assert figures["category_macro_f1"] == pytest.approx(0.5)
        assert figures["failure_rate"] == pytest.approx(1 / 3)

    def test_wrong_and_plausible_agencies_counted_by_hand(self) -> None:
        """Gold: plausible FTC, wrong HHS OCR and FDA. The analysis names FTC, HHS OCR and an
        agency outside the knowledge base: 1 wrong of 2 recognised, plausible recall 1."""
        [item] = load_gold(EXAMPLES / "provisions.jsonl").items[:1]
        assert isinstance(item, GoldProvision)
        item = item.model_copy(
            update={
                "agencies": item.agencies.model_copy(
                    update={"plausible": ["ftc"], "wrong": ["hhs_ocr", "fda"]}
                )
            }
        )
        base = written_analysis(item.text)
        agency = base.applicable_agencies
        from clauselens.schemas.analysis import Agency

        named = [
            Agency(name="Federal Trade Commission (FTC)", jurisdiction="US", authority="x"),
            Agency(name="HHS Office for Civil Rights", jurisdiction="US", authority="x"),
            Agency(name="Some Ministry", jurisdiction="XX", authority="x"),
        ]
        analysis = base.model_copy(update={"applicable_agencies": [*agency, *named]})
        figures, rows = score_provisions([item], [_result(analysis)])
        assert figures["agencies_wrong_share"] == pytest.approx(0.5)
        assert figures["agencies_plausible_share"] == pytest.approx(0.5)
        assert figures["agencies_plausible_recall"] == pytest.approx(1.0)
        assert figures["agencies_items_with_wrong"] == pytest.approx(1.0)
        assert rows[0]["agencies_wrong"] == "hhs_ocr"

    def test_summary_overlap_with_the_rationale_counted_by_hand(self) -> None:
        """Rationale content words: subscr, renew, year, notice (4). A summary holding
        "subscriptions" and "renewal" (and "automatically", not in the rationale) has recall
        2/4 and precision 2/3; one with none of them 0 and 0; the mean is over the items."""
        [item] = load_gold(EXAMPLES / "provisions.jsonl").items[:1]
        assert isinstance(item, GoldProvision)
        item = item.model_copy(update={"rationale": "Subscriptions renew yearly unless notice."})
        base = written_analysis(item.text)
        said = base.model_copy(update={"summary": "Subscriptions automatically renewal."})
        unrelated = base.model_copy(update={"summary": "Disputes go to arbitration."})
        figures, _ = score_provisions([item, item], [_result(said), _result(unrelated)])
        assert figures["summary_rationale_recall"] == pytest.approx((2 / 4 + 0) / 2)
        assert figures["summary_rationale_precision"] == pytest.approx((2 / 3 + 0) / 2)

    def test_a_longer_name_is_not_also_its_shorter_part(self) -> None:
        text = "Disputes go to arbitration."
        base = written_analysis(text)
        ia = base.institutional_analysis.model_copy(
            update={"regulatory_landscape": "UK GDPR and Section 5 of the FTC Act."}
        )
        found = named_in(base.model_copy(update={"institutional_analysis": ia}))
        assert {"uk_gdpr", "ftc_act_s5"} <= found.regulations
        assert "gdpr" not in found.regulations


class NamesEverything(OfflineAnalyzer):
    """A degraded analyzer: the offline answer plus every agency of the knowledge base."""

    async def analyze(self, clause: ClauseInput) -> AnalysisResult:
        from clauselens.analyzers.offline.knowledge import (
            knowledge_base_text,
            parse_knowledge_base,
        )
        from clauselens.schemas.analysis import Agency

        result = await super().analyze(clause)
        assert result.analysis is not None
        kb = parse_knowledge_base(knowledge_base_text())
        every = [
            Agency(name=a.name, jurisdiction=a.jurisdiction, authority="x") for a in kb.agencies
        ]
        analysis = result.analysis.model_copy(update={"applicable_agencies": every})
        return result.model_copy(update={"analysis": analysis})

    @property
    def prompt_version(self) -> str:
        return "degraded-" + super().prompt_version


class TestEvalCommand:
    def test_offline_report_then_a_second_eval_analyses_nothing(self) -> None:
        first = invoke(
            "eval", "--set", "provisions", "--set", "categories", "--limit", "12", "--json"
        )
        assert first.exit_code == 0, first.output
        report = json.loads(first.stdout)
        [run] = report["runs"]
        assert run["analyzer"] == "offline"
        assert not report["synthetic"]
        assert run["sets"]["provisions"]["items"] == 12
        assert 0 <= run["sets"]["provisions"]["agencies_wrong_share"] <= 1
        second = invoke("eval", "--set", "provisions", "--set", "categories", "--limit", "12")
        assert second.exit_code == 0
        assert "nothing to analyse" in second.stderr
        assert "provisions (provisions, 12 items)" in second.stdout

    def test_the_gate_catches_an_analyzer_that_names_every_agency(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        baseline = tmp_path / "baseline.json"
        honest = invoke("eval", "--set", "provisions", "--out", str(baseline))
        assert honest.exit_code == 0
        same = invoke("eval", "--set", "provisions", "--baseline", str(baseline))
        assert same.exit_code == 0, same.stderr
        monkeypatch.setattr(
            eval_run, "build", lambda settings, config, env: (NamesEverything(), None)
        )
        degraded = invoke("eval", "--set", "provisions", "--baseline", str(baseline))
        assert degraded.exit_code == 1
        assert "agencies_wrong_share" in degraded.stderr

    def test_your_own_gold_files_in_every_format(self) -> None:
        args = ["eval", "--json"]
        for kind in ("categories", "provisions", "similarity"):
            args += ["--gold", str(EXAMPLES / f"{kind}.jsonl")]
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert set(report["gold"]) == {"categories", "provisions", "similarity"}
        assert report["similarity"]["similarity"]["items"] == 4


class TestClaudeEval:
    def test_with_the_fake_server_the_report_is_marked_synthetic(
        self, fake_api: FakeApi, api_key: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
        args = ["eval", "--analyzer", "claude", "--set", "reference", "--set", "provisions"]
        refused = invoke(*args, "--limit", "2")
        assert refused.exit_code == 2
        assert "--yes" in refused.stderr
        assert not fake_api.message_bodies()
        result = invoke(*args, "--limit", "2", "--yes", "--effort", "low", "--effort", "high")
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("SYNTHETIC")
        assert "effort=low" in result.stdout
        assert "effort=high" in result.stdout
        bodies = fake_api.message_bodies()
        assert sorted(b["output_config"]["effort"] for b in bodies) == ["high"] * 3 + ["low"] * 3
        again = invoke(*args, "--limit", "2", "--yes", "--effort", "low")
        assert again.exit_code == 0
        assert len(fake_api.message_bodies()) == len(bodies)  # stored: nothing sent again


SECOND_READINGS = {"provisions": "provisions", "provisions_holdout": "holdout"}


@pytest.mark.parametrize(("file", "set_name"), SECOND_READINGS.items())
def test_a_second_reading_is_of_gold_clauses_verbatim(file: str, set_name: str) -> None:
    """A second reader's labels are of clauses of the first reading, text unchanged."""
    [first] = builtin_sets([set_name])
    second = load_gold(GOLD / f"{file}_second_reader.jsonl")
    texts = {item.id: item.text for item in first.items if isinstance(item, GoldProvision)}
    assert len(second.items) >= 40
    for item in second.items:
        assert isinstance(item, GoldProvision)
        assert texts[item.id] == item.text


@pytest.mark.parametrize("set_name", ["provisions", "holdout"])
def test_a_standard_reading_is_of_every_clause_verbatim(set_name: str) -> None:
    """The reading under gold/STANDARD.md labels the same clauses as the set, in order."""
    [first, standard] = builtin_sets([set_name, f"{set_name}_standard"])
    assert [i.id for i in standard.items] == [i.id for i in first.items]
    assert [i.text for i in standard.items] == [i.text for i in first.items]


def test_knowledge_base_ids_are_the_ones_gold_files_may_use() -> None:
    agencies, regulations = knowledge_base_ids()
    assert "ftc" in agencies
    assert "hipaa" in regulations


def test_run_eval_from_python(settings: Settings) -> None:
    sets = [load_gold(EXAMPLES / "categories.jsonl")]
    report = run_eval(settings, sets, EvalOptions([Config("offline")]))
    assert report["runs"][0]["sets"]["categories"]["items"] == 3
