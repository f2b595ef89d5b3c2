"""The similarity index over the store: current provisions, the cached index, the comparisons.

The store is built once per session by an offline run over ``fixtures/ota`` (three platforms, the
ChatGPT terms with five earlier versions); each test works on its own copy of it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from clauselens.errors import NotFoundError
from clauselens.pipeline.segment.clauses import heading_only
from clauselens.pipeline.versions.changes import analysis_origin
from clauselens.review import decisions as review
from clauselens.similarity import DEFAULT_THRESHOLD, SimilarityIndex
from clauselens.similarity.persist import FORMAT
from clauselens.similarity.provisions import (
    CrossPlatform,
    cross_platform,
    cross_platform_all,
    cross_platform_lookup,
    current_items,
    load_or_build,
    refresh_index,
    similar_provisions,
    unique_provisions,
)
from clauselens.store import open_store
from clauselens.store import tables as t
from tests.support.ota_store import OTA_MANIFEST, run_offline

pytestmark = pytest.mark.stores  # SQLite and PostgreSQL (tests/conftest.py)

LATEST_CHATGPT_TERMS = "ota/current/chatgpt/terms-of-service.md"


def manifest_without(tmp: Path, file: str) -> Path:
    """A copy of the fixture manifest without the line for ``file`` (paths made absolute)."""
    out = tmp / "manifest.jsonl"
    lines = []
    for line in OTA_MANIFEST.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["file"] == file:
            continue
        row["file"] = str(OTA_MANIFEST.parent.parent / row["file"])
        lines.append(json.dumps(row))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def current_keys(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return {it.key for it in current_items(conn)}


class TestCurrentItems:
    def test_items_are_the_provisions_of_each_latest_version(self, ota_store: sa.Engine) -> None:
        """One item per provision with a clause in its document's latest version (except the
        clauses that are only heading lines: they say nothing to compare)."""
        v, c, p = t.versions, t.clauses, t.provisions
        with ota_store.connect() as conn:
            latest = {}
            for row in conn.execute(
                sa.select(v.c.id, v.c.document_pk).order_by(v.c.captured_at.desc(), v.c.id.desc())
            ):
                latest.setdefault(row.document_pk, row.id)
            expected = {
                pid
                for pid, text in conn.execute(
                    sa.select(p.c.provision_id, c.c.text)
                    .join(c, c.c.provision_pk == p.c.id)
                    .where(c.c.version_pk.in_(latest.values()))
                )
                if not heading_only(text)
            }
            items = current_items(conn)
        assert {it.key for it in items} == expected
        assert len(items) == len(expected)
        assert {it.entity for it in items} == {"ChatGPT", "Claude.ai", "Bluesky"}

    def test_cosmetic_clauses_take_categories_from_their_origin(self, ota_store: sa.Engine) -> None:
        """A clause whose own text was not analysed carries its origin clause's categories."""
        c, p, a = t.clauses, t.provisions, t.analyses
        with ota_store.connect() as conn:
            items = {it.key: it for it in current_items(conn)}
            analysed = set(conn.execute(sa.select(a.c.clause_sha256)).scalars())
            inherited = 0
            for row in conn.execute(
                sa.select(c.c.id, c.c.clause_sha256, p.c.provision_id).join(
                    p, p.c.id == c.c.provision_pk
                )
            ):
                if row.provision_id not in items or row.clause_sha256 in analysed:
                    continue
                if (
                    items[row.provision_id].text
                    != conn.execute(sa.select(c.c.text).where(c.c.id == row.id)).scalar_one()
                ):
                    continue  # an older clause of the provision
                origin = analysis_origin(conn, row.id)
                sha = conn.execute(sa.select(c.c.clause_sha256).where(c.c.id == origin)).scalar()
                data = conn.execute(
                    sa.select(a.c.analysis).where(a.c.clause_sha256 == sha)
                ).scalar()
                assert items[row.provision_id].categories == tuple(sorted(data["categories"]))
                inherited += 1
        assert inherited > 0


class TestRefresh:
    def test_first_refresh_builds_then_nothing_changes(self, ota_store: sa.Engine) -> None:
        """The first refresh builds from scratch; the next one finds nothing to do."""
        first = refresh_index(ota_store)
        assert first.rebuilt
        assert first.added == first.items == len(current_keys(ota_store))
        second = refresh_index(ota_store)
        assert not second.rebuilt
        assert (second.added, second.removed) == (0, 0)
        assert second.unchanged == first.items
        forced = refresh_index(ota_store, force=True)
        assert (forced.added, forced.removed, forced.rebuilt) == (0, 0, False)

    def test_cache_of_an_older_index_format_is_rebuilt(self, ota_store: sa.Engine) -> None:
        """A cached index of another format (one saved before the word vectors) is rebuilt."""
        refresh_index(ota_store)
        with ota_store.begin() as conn:
            conn.execute(t.similarity_cache.update().values(format="clauselens-similarity-index/1"))
        assert refresh_index(ota_store).rebuilt
        with ota_store.connect() as conn:
            row = conn.execute(
                sa.select(t.similarity_cache.c.format, t.similarity_cache.c.embedder)
            ).one()
        assert row.format == FORMAT
        assert row.embedder.startswith("tfidf tfidf-2:")

    def test_incremental_refresh_after_a_new_version_equals_a_rebuild(
        self, tmp_path: Path, db_url: str
    ) -> None:
        """Ingesting a newer version, then refreshing, gives the keys and scores of a rebuild
        with the same fitted vectoriser."""
        run_offline(db_url, manifest_without(tmp_path, LATEST_CHATGPT_TERMS), tmp_path / "home")
        engine = open_store(db_url)
        refresh_index(engine)
        engine.dispose()
        run_offline(db_url, OTA_MANIFEST, tmp_path / "home")  # brings the latest ChatGPT terms
        engine = open_store(db_url)
        try:
            report = refresh_index(engine)
            assert not report.rebuilt
            assert report.added + report.removed > 0
            assert not report.refit
            incremental = load_or_build(engine)
            with engine.connect() as conn:
                items = current_items(conn)
        finally:
            engine.dispose()
        rebuilt = SimilarityIndex(incremental.embedder)
        rebuilt.build(items, refit=False)
        assert {it.key for it in incremental.items} == {it.key for it in items}
        order = [it.key for it in rebuilt.items]
        for key in order:
            keys = [it.key for it in incremental.items]
            ours = dict(zip(keys, incremental.scores(key), strict=True))
            np.testing.assert_allclose([ours[k] for k in order], rebuilt.scores(key), atol=1e-6)

    def test_edited_categories_reach_the_index(self, ota_store: sa.Engine) -> None:
        """An analyst's edit of an analysis's categories updates that provision's item."""
        refresh_index(ota_store)
        a, c, p = t.analyses, t.clauses, t.provisions
        with ota_store.connect() as conn:
            items = {it.key: it for it in current_items(conn)}
            pk, key = next(
                (row.id, row.provision_id)
                for row in conn.execute(
                    sa.select(a.c.id, p.c.provision_id, c.c.text)
                    .join(c, c.c.id == a.c.clause_pk)
                    .join(p, p.c.id == c.c.provision_pk)
                    .where(a.c.status == "valid")
                    .order_by(a.c.id)
                )
                if row.provision_id in items
                and items[row.provision_id].text == row.text
                and items[row.provision_id].categories != ("arbitration",)
            )
        review.edit(ota_store, int(pk), "ana", {"categories": ["arbitration"]}, "test")
        report = refresh_index(ota_store)
        assert report.added == 1
        by_key = {it.key: it for it in load_or_build(ota_store).items}
        assert by_key[key].categories == ("arbitration",)

    def test_cached_index_survives_a_new_process(self, ota_store: sa.Engine) -> None:
        """Another process finds the index in the store and does not rebuild it."""
        refresh_index(ota_store)
        script = (
            "import json, sys; from clauselens.store import open_store; "
            "from clauselens.similarity.provisions import refresh_index; "
            "r = refresh_index(open_store(sys.argv[1])); "
            "print(json.dumps([r.rebuilt, r.added, r.removed, r.items]))"
        )
        out = subprocess.run(
            [sys.executable, "-c", script, str(ota_store.url)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(out.stdout) == [False, 0, 0, len(current_keys(ota_store))]

    def test_cache_is_json_and_npz_without_pickle(self, ota_store: sa.Engine) -> None:
        """The cached row holds index.json text and an npz readable with allow_pickle=False."""
        import io

        refresh_index(ota_store)
        with ota_store.connect() as conn:
            row = conn.execute(sa.select(t.similarity_cache)).one()
        meta = json.loads(row.meta)
        assert len(meta["items"]) == row.items
        with np.load(io.BytesIO(row.arrays), allow_pickle=False) as npz:
            assert "categories" in npz.files


class TestCrossPlatform:
    def test_every_current_provision_gets_a_comparison(self, ota_store: sa.Engine) -> None:
        """cross_platform_all covers exactly the current provisions."""
        every = cross_platform_all(ota_store)
        assert set(every) == current_keys(ota_store)

    def test_comparison_shape_and_invariants(self, ota_store: sa.Engine) -> None:
        """Other platforms only, at or above the threshold, best first, counts consistent."""
        index = load_or_build(ota_store)
        entity = {it.key: it.entity for it in index.items}
        for key, cp in cross_platform_all(ota_store, top_k=3).items():
            assert set(cp.model_dump()) == {
                "similar_platforms",
                "platforms_total",
                "threshold",
                "method",
                "similar",
            }
            assert cp.platforms_total == 2
            assert cp.threshold == DEFAULT_THRESHOLD
            assert cp.method.startswith("tfidf ")
            assert (cp.similar_platforms, cp.platforms_total) == index.platform_counts(key)
            assert len(cp.similar) <= 3
            assert bool(cp.similar) == (cp.similar_platforms > 0)
            scores = [s.score for s in cp.similar]
            assert scores == sorted(scores, reverse=True)
            assert all(s.score >= DEFAULT_THRESHOLD - 1e-4 for s in cp.similar)
            assert all(s.entity != entity[key] for s in cp.similar)

    def test_single_comparison_equals_the_bulk_one(self, ota_store: sa.Engine) -> None:
        """cross_platform on the engine or the index gives the bulk result for that key."""
        every = cross_platform_all(ota_store)
        key = max(every, key=lambda k: every[k].similar_platforms)
        assert cross_platform(ota_store, key) == every[key]
        assert cross_platform(load_or_build(ota_store), key) == every[key]
        again = CrossPlatform.model_validate_json(every[key].model_dump_json())
        assert again == every[key]

    def test_export_lookup_gives_export_records_their_field(self, ota_store: sa.Engine) -> None:
        """cross_platform_lookup maps every current record id to the export schema's model."""
        every = cross_platform_all(ota_store)
        lookup = cross_platform_lookup(ota_store)
        for key, cp in every.items():
            got = lookup(key)
            assert got is not None
            assert got.similar_platforms == cp.similar_platforms
            assert [s.record_id for s in got.similar] == [s.record_id for s in cp.similar]
        assert lookup("CL-P-missing") is None

    def test_unknown_record_id_is_not_found(self, ota_store: sa.Engine) -> None:
        """An id that is no current provision raises NotFoundError (a usage error)."""
        with pytest.raises(NotFoundError, match="CL-P-missing"):
            cross_platform(ota_store, "CL-P-missing")

    def test_similar_provisions_lists_nearest_with_details(self, ota_store: sa.Engine) -> None:
        """The report marks the nearest provisions below the threshold as not similar."""
        every = cross_platform_all(ota_store)
        key = max(every, key=lambda k: every[k].similar_platforms)
        report = similar_provisions(ota_store, key, top_k=10)
        assert report.provision.record_id == key
        assert report.cross_platform == cross_platform(ota_store, key, top_k=10)
        assert all(m.similar == (m.score >= DEFAULT_THRESHOLD) for m in report.nearest)
        assert all(m.entity != report.provision.entity for m in report.nearest)
        assert all(m.excerpt for m in report.nearest)


class TestUnique:
    def test_unique_lists_exactly_the_provisions_similar_nowhere(
        self, ota_store: sa.Engine
    ) -> None:
        """unique_provisions == the provisions with similar_platforms == 0."""
        every = cross_platform_all(ota_store)
        expected = {k for k, cp in every.items() if cp.similar_platforms == 0}
        found = unique_provisions(ota_store)
        assert {u.record_id for u in found} == expected
        assert expected  # the fixtures have provisions no other platform has

    def test_unique_narrows_to_one_entity(self, ota_store: sa.Engine) -> None:
        """--entity (case-insensitive) keeps that platform's unique provisions only."""
        found = unique_provisions(ota_store, "bluesky")
        assert found
        assert {u.entity for u in found} == {"Bluesky"}
        with pytest.raises(NotFoundError, match="Nowhere"):
            unique_provisions(ota_store, "Nowhere")
