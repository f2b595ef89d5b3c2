"""Export after the main job: every current provision has a record, including provisions whose
latest change was cosmetic (their analysis carries over from the earlier text)."""

from __future__ import annotations

import sqlalchemy as sa

from clauselens.config import Settings
from clauselens.export import ExportStats, iter_records
from clauselens.pipeline.runs.run import RunOptions, run
from clauselens.pipeline.segment.clauses import heading_only
from clauselens.store import tables as t
from tests.support.paths import FIXTURES


def test_every_current_provision_is_exported_after_a_run(
    engine: sa.Engine, settings: Settings
) -> None:
    run(engine, [FIXTURES / "ota"], settings, RunOptions(analyzer="offline"))
    c, ch = t.clauses.c, t.changes.c
    with engine.connect() as conn:
        cosmetic = conn.execute(
            sa.select(sa.func.count()).where(ch.change_class.in_(["cosmetic", "moved"]))
        ).scalar_one()
        latest = 0
        for (doc_pk,) in conn.execute(sa.select(t.documents.c.id)):
            version_pk = conn.execute(
                sa.select(t.versions.c.id)
                .where(t.versions.c.document_pk == doc_pk)
                .order_by(t.versions.c.captured_at.desc())
                .limit(1)
            ).scalar_one()
            texts = conn.execute(sa.select(c.text).where(c.version_pk == version_pk)).scalars()
            latest += sum(1 for text in texts if not heading_only(text))
    assert cosmetic > 0  # the fixtures' history has cosmetic changes to carry over
    stats = ExportStats()
    records = list(iter_records(engine, stats=stats))
    assert stats.unanalysed == 0
    assert stats.headings > 0
    assert len(records) == stats.exported == latest
