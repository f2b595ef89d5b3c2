"""``clauselens similar`` and ``clauselens unique`` over a store built from ``fixtures/ota``."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from click.testing import CliRunner

from clauselens.cli import main
from clauselens.similarity import DEFAULT_THRESHOLD
from clauselens.similarity.provisions import cross_platform_all, unique_provisions


def invoke(engine: sa.Engine, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", str(engine.url), *args])
    return result.exit_code, result.stdout, result.stderr


def most_shared(engine: sa.Engine) -> str:
    every = cross_platform_all(engine)
    return max(every, key=lambda k: (every[k].similar_platforms, k))


class TestSimilarCommand:
    def test_prints_platform_line_and_ranked_matches(self, ota_store: sa.Engine) -> None:
        """The text output has the "similar on N of M" line and one ranked row per match."""
        key = most_shared(ota_store)
        cp = cross_platform_all(ota_store)[key]
        code, out, _ = invoke(ota_store, "similar", key, "--top", "3")
        assert code == 0
        assert key in out
        line = f"similar on {cp.similar_platforms} of {cp.platforms_total} other platforms"
        assert f"{line} (threshold {DEFAULT_THRESHOLD:g})" in out
        assert re.search(r"^\s*1\s+[01]\.\d{4}\*?\s+\S", out, re.M)
        assert re.search(r"^\s*3\s+[01]\.\d{4}", out, re.M)
        assert not re.search(r"^\s*4\s+[01]\.\d{4}", out, re.M)
        assert cp.similar[0].record_id in out

    def test_json_has_provision_comparison_and_nearest(self, ota_store: sa.Engine) -> None:
        """--json prints the report; its cross_platform equals the bulk comparison."""
        key = most_shared(ota_store)
        code, out, _ = invoke(ota_store, "similar", key, "--json", "--top", "5")
        assert code == 0
        data = json.loads(out)
        assert set(data) == {"provision", "cross_platform", "nearest"}
        assert data["provision"]["record_id"] == key
        assert data["cross_platform"] == cross_platform_all(ota_store)[key].model_dump(mode="json")
        assert len(data["nearest"]) == 5
        assert {"record_id", "entity", "document", "heading_path", "excerpt", "score"} <= set(
            data["nearest"][0]
        )

    def test_unknown_record_id_exits_2_with_a_message(self, ota_store: sa.Engine) -> None:
        """An id that is no current provision is a usage error."""
        code, _, err = invoke(ota_store, "similar", "CL-P-nothere")
        assert code == 2
        assert "no current provision with record id 'CL-P-nothere'" in err


class TestUniqueCommand:
    def test_lists_unique_provisions_by_document(self, ota_store: sa.Engine) -> None:
        """Every unique provision's record id is printed, with the count line."""
        found = unique_provisions(ota_store)
        code, out, _ = invoke(ota_store, "unique")
        assert code == 0
        for u in found:
            assert u.record_id in out
        assert f"{len(found)} unique provision(s)" in out

    def test_json_and_entity_filter(self, ota_store: sa.Engine) -> None:
        """--entity narrows the list; --json prints the records."""
        code, out, _ = invoke(ota_store, "unique", "--entity", "Claude.ai", "--json")
        assert code == 0
        data = json.loads(out)
        assert data == [
            u.model_dump(mode="json") for u in unique_provisions(ota_store, "Claude.ai")
        ]
        assert data
        assert {d["entity"] for d in data} == {"Claude.ai"}

    def test_unknown_entity_exits_2(self, ota_store: sa.Engine) -> None:
        """An entity with no current provision is a usage error naming the known ones."""
        code, _, err = invoke(ota_store, "unique", "--entity", "Nowhere")
        assert code == 2
        assert "Bluesky" in err
