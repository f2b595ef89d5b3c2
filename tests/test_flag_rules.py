"""Flag rules: each fires on its condition and not otherwise; rules are validated data."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from clauselens.cli import main
from clauselens.errors import ConfigError
from clauselens.review.flags import load_flag_rules, parse_flag_rules, recompute_flags
from clauselens.schemas import AttemptRecord, ClauseAnalysis
from clauselens.store import tables as t
from tests.support.review_seed import ARBITRATION, add_document, analysis_of, save_analysis

QUOTE = "must be brought exclusively in the state or federal courts located in Delaware"
SHIPPED = Path(__file__).resolve().parents[1] / "src/clauselens/data/flag_rules.json"


def codes(engine: sa.Engine, pk: int) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.flags.c.code).where(t.flags.c.analysis_pk == pk))
        return set(rows.scalars())


def reasons(engine: sa.Engine, pk: int) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.flags.c.code, t.flags.c.reason).where(t.flags.c.analysis_pk == pk)
        )
        return {r.code: r.reason for r in rows}


def quiet(**changes: Any) -> ClauseAnalysis:
    """An analysis no rule flags: medium severity, high confidence, by Claude."""
    base: dict[str, Any] = {"categories": ["jurisdiction"], "confidence": "high"}
    return analysis_of(QUOTE, **{**base, **changes})


Stored = Callable[..., int]


@pytest.fixture
def stored(engine: sa.Engine) -> Stored:
    """Store one analysis of the Bluesky venue clause; keyword options shape the setup."""

    def make(
        analysis: ClauseAnalysis | None = None,
        *,
        text: str = ARBITRATION,
        cut_off: bool = False,
        prompt_max_chars: int = 30_000,
        **extra: Any,
    ) -> int:
        [clause] = add_document(
            engine,
            "Bluesky",
            "Terms of Service",
            [(["13.", "Venue"], text)],
            cut_off=cut_off,
            prompt_max_chars=prompt_max_chars,
        )
        return save_analysis(engine, clause, analysis if analysis is not None else quiet(), **extra)

    return make


class TestEachRule:
    def test_a_quiet_analysis_has_no_flag(self, engine: sa.Engine, stored: Stored) -> None:
        """Medium severity, high confidence, complete input: nothing to flag."""
        assert codes(engine, stored()) == set()

    def test_failed(self, engine: sa.Engine, stored: Stored) -> None:
        """A failed analysis is flagged with its error."""
        pk = stored(
            None, status="failed", error="schema_invalid: severity", provenance={"attempts": 3}
        )
        assert codes(engine, pk) == {"failed"}
        assert reasons(engine, pk)["failed"] == (
            "analysis failed after 3 attempt(s): schema_invalid: severity"
        )

    def test_refusal_or_max_tokens_on_the_final_stop(
        self, engine: sa.Engine, stored: Stored
    ) -> None:
        """A refusal stop reason is flagged (with the failure it caused)."""
        pk = stored(None, status="failed", error="refused", provenance={"stop_reason": "refusal"})
        assert codes(engine, pk) == {"failed", "refusal_or_max_tokens"}

    def test_refusal_or_max_tokens_in_an_earlier_attempt(
        self, engine: sa.Engine, stored: Stored
    ) -> None:
        """A valid answer after a max_tokens attempt is still flagged."""
        attempt = AttemptRecord(attempt=1, kind="max_tokens", message="ran out of room")
        pk = stored(provenance={"failed_attempts": [attempt.model_dump()], "attempts": 2})
        assert codes(engine, pk) == {"refusal_or_max_tokens"}

    @pytest.mark.parametrize(
        ("severity", "confidence", "expected"),
        [
            ("high", "medium", {"high_severity_unsure"}),
            ("high", "low", {"high_severity_unsure", "low_confidence"}),
            ("high", "high", set()),
            ("medium", "medium", set()),
        ],
    )
    def test_high_severity_unsure(
        self,
        engine: sa.Engine,
        stored: Stored,
        severity: str,
        confidence: str,
        expected: set[str],
    ) -> None:
        """Fires only for high severity with less than high confidence."""
        pk = stored(quiet(severity=severity, confidence=confidence))
        assert codes(engine, pk) == expected

    @pytest.mark.parametrize(("confidence", "fires"), [("low", True), ("medium", False)])
    def test_low_confidence(
        self, engine: sa.Engine, stored: Stored, confidence: str, fires: bool
    ) -> None:
        """Fires for low confidence only, with the rationale in the reason."""
        pk = stored(quiet(confidence=confidence))
        assert codes(engine, pk) == ({"low_confidence"} if fires else set())

    def test_truncated_input(self, engine: sa.Engine, stored: Stored) -> None:
        """A truncated input is flagged with the clause's truncation reason."""
        pk = stored(
            quiet(truncation_note="The end of the clause was not seen."),
            text=f"{ARBITRATION}\n\n{ARBITRATION}",
            prompt_max_chars=500,
            input_truncated=True,
        )
        assert codes(engine, pk) == {"truncated_input"}
        assert "over the model input budget of 500" in reasons(engine, pk)["truncated_input"]

    def test_capture_cut_off(self, engine: sa.Engine, stored: Stored) -> None:
        """A clause from a version that looks cut off is flagged with the version's reason."""
        pk = stored(cut_off=True)
        assert codes(engine, pk) == {"capture_cut_off"}
        assert reasons(engine, pk)["capture_cut_off"].endswith("ends with an ellipsis")

    def test_reasked(self, engine: sa.Engine, stored: Stored) -> None:
        """A valid answer that needed a re-ask is flagged."""
        attempt = AttemptRecord(attempt=1, kind="semantic_invalid", message="quote not found")
        pk = stored(provenance={"reasked": True, "failed_attempts": [attempt.model_dump()]})
        assert codes(engine, pk) == {"reasked"}

    def test_triaged_out(self, engine: sa.Engine, stored: Stored) -> None:
        """An analysis triaged out before a model call is flagged with the triage reason."""
        pk = stored(triaged_out=True, triage_reason="boilerplate contact section")
        assert codes(engine, pk) == {"triaged_out"}

    def test_offline_analyzer(self, engine: sa.Engine, stored: Stored) -> None:
        """Every offline analysis is flagged (here with high confidence, to isolate the rule)."""
        assert codes(engine, stored(analyzer="offline")) == {"offline_analyzer"}


class TestDisagreement:
    def pair(
        self, engine: sa.Engine, offline: ClauseAnalysis, claude: ClauseAnalysis
    ) -> tuple[int, int]:
        [clause] = add_document(
            engine, "Bluesky", "Terms of Service", [(["13.", "Venue"], ARBITRATION)]
        )
        first = save_analysis(engine, clause, offline, analyzer="offline")
        return first, save_analysis(engine, clause, claude)

    def test_severity_two_levels_apart_flags_both(self, engine: sa.Engine) -> None:
        """High vs low severity flags both analyses, whichever was saved first."""
        off, cla = self.pair(engine, quiet(severity="low"), quiet(severity="high"))
        assert "analyzer_disagreement" in codes(engine, off)
        assert "analyzer_disagreement" in codes(engine, cla)
        assert reasons(engine, cla)["analyzer_disagreement"] == (
            "the offline analyzer disagrees: severity high vs low"
        )

    def test_no_shared_category_flags(self, engine: sa.Engine) -> None:
        """Same severity but disjoint categories is a disagreement."""
        _, cla = self.pair(engine, quiet(categories=["arbitration"]), quiet())
        assert "no shared category (jurisdiction vs arbitration)" in reasons(engine, cla).get(
            "analyzer_disagreement", ""
        )

    def test_close_enough_is_not_a_disagreement(self, engine: sa.Engine) -> None:
        """One level apart with a shared category: no flag."""
        off, cla = self.pair(
            engine,
            quiet(severity="low", categories=["jurisdiction", "arbitration"]),
            quiet(severity="medium"),
        )
        assert "analyzer_disagreement" not in codes(engine, off) | codes(engine, cla)


class TestRulesAreData:
    def rules(self, mutate: Callable[[dict[str, Any]], None]) -> str:
        data = json.loads(SHIPPED.read_text())
        mutate(data)
        return json.dumps(data)

    def test_shipped_rules_cover_every_flag_of_the_design(self) -> None:
        """The ten flags of issue 6, issue 13's synthetic_answer and issue 15's not_english."""
        rules = load_flag_rules()
        assert {r.code for r in rules.rules} == {
            "low_confidence", "high_severity_unsure", "truncated_input", "capture_cut_off",
            "reasked", "failed", "refusal_or_max_tokens", "offline_analyzer", "triaged_out",
            "analyzer_disagreement", "synthetic_answer", "not_english",
        }  # fmt: skip

    @pytest.mark.parametrize(
        ("mutate", "message"),
        [
            (lambda d: d["rules"][0].update(kind="nope"), "unknown kind 'nope'"),
            (
                lambda d: d["rules"][2]["params"].update(severity="critical"),
                "severity",
            ),
            (lambda d: d["rules"][0].update(reason="{missing}"), "uses missing"),
            (lambda d: d["rules"].append(dict(d["rules"][0])), "duplicate rule codes: failed"),
        ],
    )
    def test_invalid_rules_are_refused_on_load(
        self, mutate: Callable[[dict[str, Any]], None], message: str
    ) -> None:
        """Unknown kinds, bad parameters, unknown template fields and duplicates are errors."""
        with pytest.raises(ConfigError, match=message):
            parse_flag_rules(self.rules(mutate))

    def test_recompute_applies_changed_rules(self, engine: sa.Engine, stored: Stored) -> None:
        """Raising the low-confidence threshold to medium and dropping a rule changes flags."""
        medium = stored(quiet(confidence="medium"))
        offline = stored(analyzer="offline")

        def change(data: dict[str, Any]) -> None:
            for rule in data["rules"]:
                if rule["code"] == "low_confidence":
                    rule["params"]["confidence"] = "medium"
            data["rules"] = [r for r in data["rules"] if r["code"] != "offline_analyzer"]

        report = recompute_flags(engine, parse_flag_rules(self.rules(change)))
        assert report.analyses == 2
        assert codes(engine, medium) == {"low_confidence"}
        assert codes(engine, offline) == set()

    def test_cli_recompute_with_a_rules_file(
        self, engine: sa.Engine, stored: Stored, db_url: str, tmp_path: Path
    ) -> None:
        """`clauselens flags recompute --rules FILE` recomputes and reports counts."""
        pk = stored(quiet(confidence="medium"))
        path = tmp_path / "rules.json"
        path.write_text(
            self.rules(
                lambda d: [
                    r["params"].update(confidence="medium")
                    for r in d["rules"]
                    if r["code"] == "low_confidence"
                ]
            )
        )
        result = CliRunner().invoke(
            main, ["--db", db_url, "flags", "recompute", "--rules", str(path)]
        )
        assert result.exit_code == 0, result.output
        assert "Recomputed flags of 1 analyses: low_confidence 1." in result.output
        assert codes(engine, pk) == {"low_confidence"}

    def test_cli_lists_rules_by_priority(self, db_url: str) -> None:
        """`clauselens flags rules` shows the most urgent rule first."""
        result = CliRunner().invoke(main, ["--db", db_url, "flags", "rules"])
        assert result.output.split()[1] == "failed"


def test_saving_a_retry_replaces_the_failure_flag(engine: sa.Engine, stored: Stored) -> None:
    """When a stored failure is replaced by a valid analysis, its flags follow."""
    venue = [(["13.", "Venue"], ARBITRATION)]
    [clause] = add_document(engine, "Bluesky", "Terms of Service", venue)
    failed = save_analysis(engine, clause, None, status="failed", error="timeout")
    assert codes(engine, failed) == {"failed"}
    valid = save_analysis(engine, clause, quiet())
    assert valid == failed
    assert codes(engine, valid) == set()
