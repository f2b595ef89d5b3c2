"""Export formats and commands: JSON/JSONL against the schema, byte-identical reruns, stable ids
across a rebuilt store, CSV/Parquet round trips through pandas, the missing-pyarrow message, and
``clauselens schema``. Store helpers and fixtures come from ``test_export.py``."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest
from click.testing import CliRunner

from clauselens.cli import main
from clauselens.export import COLUMN_NAMES, export_json_schema, to_dataframe
from clauselens.store import tables as t
from test_export import add_analysis, ingest_fixtures, ingested_template, store

__all__ = ["ingested_template", "store"]  # fixtures used here

GENERATED_AT = "2026-09-02T00:00:00Z"


def run(url: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["--db", url, *args], catch_exceptions=False)


def export_bytes(url: str, tmp_path: Path, fmt: str, name: str, *extra: str) -> bytes:
    out = tmp_path / name
    result = run(url, "export", "--format", fmt, "--out", str(out), *extra)
    assert result.exit_code == 0, result.stderr
    return out.read_bytes()


class TestJson:
    def test_json_document_and_each_record_validate(self, store: Any) -> None:
        """--format json: the header, then records that each validate against the schema."""
        result = run(store["url"], "export", "--status", "all", "--generated-at", GENERATED_AT)
        assert result.exit_code == 0
        doc = json.loads(result.stdout_bytes)
        assert list(doc) == ["schema_version", "generated_at", "records"]
        assert doc["schema_version"] == "clauselens.export/3"
        assert doc["generated_at"] == GENERATED_AT
        assert len(doc["records"]) == 5
        jsonschema.validate(doc, export_json_schema(document=True))
        validator = jsonschema.Draft202012Validator(export_json_schema())
        for record in doc["records"]:
            validator.validate(record)
        assert "exported 5 record(s)" in result.stderr

    def test_jsonl_lines_validate(self, store: Any) -> None:
        """--format jsonl: one schema-valid record a line, in the same order as JSON."""
        result = run(store["url"], "export", "--format", "jsonl", "--status", "all")
        lines = result.stdout_bytes.decode().splitlines()
        validator = jsonschema.Draft202012Validator(export_json_schema())
        for line in lines:
            validator.validate(json.loads(line))
        whole = json.loads(run(store["url"], "export", "--status", "all").stdout_bytes)
        assert [json.loads(line) for line in lines] == whole["records"]

    def test_empty_export_is_valid_json(self, store: Any) -> None:
        """No matching record still gives a valid document with an empty list."""
        result = run(store["url"], "export", "--entity", "nobody")
        assert json.loads(result.stdout_bytes)["records"] == []


class TestDeterminism:
    @pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
    def test_two_exports_of_one_store_are_byte_identical(
        self, store: Any, tmp_path: Path, fmt: str
    ) -> None:
        """With --generated-at fixed, the same store exports to the same bytes."""
        fixed = ("--generated-at", GENERATED_AT, "--status", "all")
        first = export_bytes(store["url"], tmp_path, fmt, "a", *fixed)
        second = export_bytes(store["url"], tmp_path, fmt, "b", *fixed)
        assert first == second
        assert len(first) > 1000

    def test_rebuilt_store_gives_the_same_record_ids_and_bytes(self, tmp_path: Path) -> None:
        """Ingesting the same captures into a new database gives identical ids (and bytes)."""
        outputs = []
        for name in ("one", "two"):
            url = f"sqlite:///{tmp_path / name}.db"
            engine = ingest_fixtures(url)
            with engine.begin() as conn:
                clauses = list(conn.execute(t.clauses.select().order_by(t.clauses.c.id)))
                for clause in clauses:
                    add_analysis(conn, clause, "offline")
            engine.dispose()
            outputs.append(export_bytes(url, tmp_path, "jsonl", f"{name}.jsonl"))
        ids = [[json.loads(x)["record_id"] for x in out.splitlines()] for out in outputs]
        assert len(ids[0]) > 50
        assert ids[0] == ids[1]
        assert all(i.startswith("CL-P-") and len(i) == 15 for i in ids[0])
        assert outputs[0] == outputs[1]


class TestTables:
    def test_csv_round_trips_through_pandas(self, store: Any, tmp_path: Path) -> None:
        """CSV read back with pandas has every column and the same values as to_dataframe."""
        export_bytes(store["url"], tmp_path, "csv", "out.csv", "--status", "all")
        back = pd.read_csv(tmp_path / "out.csv", keep_default_na=False, na_values=[""])
        df = to_dataframe(store["engine"], status="all")
        assert tuple(back.columns) == COLUMN_NAMES == tuple(df.columns)
        assert list(back["record_id"]) == list(df["record_id"])
        assert list(back["analysis_severity"]) == list(df["analysis_severity"])
        assert list(back["review_status"]) == list(df["review_status"])
        categories = [json.loads(v) for v in back["categories"]]
        assert categories == [json.loads(v) for v in df["categories"]]

    def test_parquet_round_trips_through_pandas(self, store: Any, tmp_path: Path) -> None:
        """Parquet read back equals to_dataframe, datetimes and all."""

        export_bytes(store["url"], tmp_path, "parquet", "out.parquet", "--status", "all")
        back = pd.read_parquet(tmp_path / "out.parquet")
        df = to_dataframe(store["url"], status="all")
        pd.testing.assert_frame_equal(back, df, check_dtype=False)

    def test_dataframe_flattens_nested_fields(self, store: Any) -> None:
        """Nested fields become prefixed columns; datetimes are UTC timestamps."""
        df = to_dataframe(store["engine"])
        assert {"analysis_severity", "review_status", "provenance_source_url"} <= set(df.columns)
        assert "analysis_institutional_analysis_governance_exposure_level" in df.columns
        assert str(df["provenance_generated_at"].dtype).startswith("datetime64")
        assert df["cross_platform_similar_platforms"].notna().all()
        assert df["cross_platform_method"].str.startswith("tfidf").all()

    def test_empty_dataframe_has_every_column(self, store: Any) -> None:
        """No records still gives the full column set."""
        assert tuple(to_dataframe(store["engine"], entity="nobody").columns) == COLUMN_NAMES

    def test_parquet_without_pyarrow_says_how_to_install_it(
        self, store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without pyarrow: exit 2, a message naming the extra, and no file written."""
        monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
        out = tmp_path / "out.parquet"
        result = run(store["url"], "export", "--format", "parquet", "--out", str(out))
        assert result.exit_code == 2
        assert "pip install 'clauselens[parquet]'" in result.stderr
        assert not out.exists()
        assert list(tmp_path.glob(".out.parquet*")) == []


class TestSchemaCommand:
    def test_schema_prints_the_versioned_json_schema(self, tmp_path: Path) -> None:
        """`clauselens schema` prints the record schema; --out writes the same text."""
        url = f"sqlite:///{tmp_path / 's.db'}"
        printed = run(url, "schema")
        assert printed.exit_code == 0
        assert json.loads(printed.stdout) == export_json_schema()
        out = tmp_path / "schema.json"
        assert run(url, "schema", "--out", str(out)).exit_code == 0
        assert out.read_text() == printed.stdout


class TestFileMode:
    def test_an_export_file_is_an_ordinary_file_not_a_private_one(
        self, store: Any, tmp_path: Path
    ) -> None:
        """Written through a temporary file (0600 by default), it ends with the mode any
        file the user writes gets: 0666 less the umask."""
        out = tmp_path / "records.json"
        mask = os.umask(0o022)
        os.umask(mask)
        result = run(store["url"], "export", "--status", "all", "--out", str(out))
        assert result.exit_code == 0, result.stderr
        assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
