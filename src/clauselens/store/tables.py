"""The store's tables (SQLAlchemy Core). ``migrations.py`` creates and evolves them.

Words follow DESIGN.md: documents, captures (immutable, raw bytes in ``blobs`` by SHA-256),
versions, clauses, provisions, analyses, flags, review_events (append-only), runs, batches,
claims, rate_windows, changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC; SQLite's naive values come back as UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: clauselens stores timezone-aware times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData()

# ``analyses.top_priority`` of an analysis with no flag: after every flagged one in the queue.
NO_FLAG_PRIORITY = 10_000

# The largest row id a table can hold on every backend (``sa.Integer`` is 32-bit on PostgreSQL):
# an id above it names nothing, and asking the database for it is an error, not "no row".
MAX_ROW_ID = 2**31 - 1

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("document_id", sa.String(32), nullable=False, unique=True),
    sa.Column("entity", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("terms_type", sa.Text, nullable=False),
    sa.Column("first_tracked", UTCDateTime(), nullable=False),
    sa.Column("last_verified", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("entity", "title", name="uq_documents_entity_title"),
)

blobs = sa.Table(
    "blobs",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

captures = sa.Table(
    "captures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("document_pk", sa.ForeignKey("documents.id"), nullable=False, index=True),
    sa.Column("content_sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), nullable=False),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("captured_at", UTCDateTime(), nullable=False),
    sa.Column("source_url", sa.Text),
    sa.Column("archive_url", sa.Text),
    sa.Column("source_path", sa.Text),
    sa.Column("metadata_source", sa.String(16), nullable=False),
    # Where captured_at came from: manifest | option | file_name | file_mtime (NULL: ingested
    # before it was recorded). ``pipeline.ingest.manifest``.
    sa.Column("captured_at_source", sa.String(16)),
    sa.Column("text_sha256", sa.String(64), nullable=False),
    sa.Column("version_pk", sa.ForeignKey("versions.id"), index=True),
    sa.Column("ingested_at", UTCDateTime(), nullable=False),
    # Where a capture synced from a versions repository came from (repository, commit, path,
    # snapshot links, engine version, declared URLs): ``pipeline.ingest.ota``. NULL otherwise.
    sa.Column("provenance", sa.JSON),
    # Why the capture's text differs from the previous one when the document itself did not
    # change (``technical upgrade``): its version's differences are cosmetic with this reason.
    sa.Column("change_reason", sa.String(32)),
    sa.UniqueConstraint(
        "document_pk", "content_sha256", "captured_at", name="uq_captures_doc_content_time"
    ),
)

versions = sa.Table(
    "versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("document_pk", sa.ForeignKey("documents.id"), nullable=False, index=True),
    sa.Column("capture_pk", sa.Integer, nullable=False),
    sa.Column("captured_at", UTCDateTime(), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("text_sha256", sa.String(64), nullable=False),
    sa.Column("extractor", sa.String(64), nullable=False),
    sa.Column("looks_cut_off", sa.Boolean, nullable=False, default=False),
    sa.Column("cut_off_reason", sa.Text),
    sa.Column("segmented_with", sa.String(64)),
    sa.Column("aligned", sa.Boolean, nullable=False, default=False),
    # Every column but ``text``, in version order per document: "the latest / previous / next
    # version" is answered from the index alone. SQLite keeps a row's columns in order, so
    # reading any column after ``text`` from the table walks the text's overflow pages (tens per
    # version): a query that ranked a document's versions read each of its texts.
    sa.Index(
        "ix_versions_order",
        "document_pk",
        "captured_at",
        "id",
        "capture_pk",
        "text_sha256",
        "extractor",
        "looks_cut_off",
        "cut_off_reason",
        "segmented_with",
        "aligned",
    ),
)

clauses = sa.Table(
    "clauses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version_pk", sa.ForeignKey("versions.id"), nullable=False, index=True),
    sa.Column("idx", sa.Integer, nullable=False),
    sa.Column("heading_path", sa.JSON, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("clause_sha256", sa.String(64), nullable=False, index=True),
    sa.Column("truncated", sa.Boolean, nullable=False, default=False),
    sa.Column("truncation_reason", sa.Text),
    sa.Column("provision_pk", sa.ForeignKey("provisions.id"), index=True),
    sa.UniqueConstraint("version_pk", "idx", name="uq_clauses_version_idx"),
)

provisions = sa.Table(
    "provisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("provision_id", sa.String(32), nullable=False, unique=True),
    sa.Column("document_pk", sa.ForeignKey("documents.id"), nullable=False, index=True),
    sa.Column("first_version_pk", sa.ForeignKey("versions.id"), nullable=False),
)

analyses = sa.Table(
    "analyses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("clause_sha256", sa.String(64), nullable=False),
    sa.Column("analyzer", sa.String(16), nullable=False),
    sa.Column("model", sa.String(64), nullable=False),
    sa.Column("prompt_version", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # valid | failed
    sa.Column("analysis", sa.JSON),  # ClauseAnalysis as produced
    sa.Column("reviewed_analysis", sa.JSON),  # an analyst's edit, when there is one
    sa.Column("error", sa.Text),
    sa.Column("provenance", sa.JSON, nullable=False),
    sa.Column("input_truncated", sa.Boolean, nullable=False, default=False),
    sa.Column("triaged_out", sa.Boolean, nullable=False, default=False),
    sa.Column("triage_reason", sa.Text),
    sa.Column("severity", sa.String(8)),
    sa.Column("confidence", sa.String(8)),
    sa.Column("review_status", sa.String(16), nullable=False, default="pending"),
    sa.Column("reviewed_by", sa.Text),
    sa.Column("reviewed_at", UTCDateTime()),
    sa.Column("clause_pk", sa.ForeignKey("clauses.id")),  # the clause it was first made for
    sa.Column("run_id", sa.String(40), index=True),
    sa.Column("generated_at", UTCDateTime(), nullable=False),
    # Answered by clauselens' fake API server (``provenance.synthetic``), so SQL can leave it out.
    sa.Column("synthetic", sa.Boolean, nullable=False, default=False, server_default=sa.false()),
    # The most urgent flag's priority (kept by ``review.flags``), so the queue sorts on an index.
    sa.Column(
        "top_priority",
        sa.Integer,
        nullable=False,
        default=NO_FLAG_PRIORITY,
        server_default=str(NO_FLAG_PRIORITY),
    ),
    # Where it sits in the review queue (kept by ``store.placement``): what its clause says
    # (``substance.Substance``: 0 operative text, 1 a preamble, 2 nothing of substance) and
    # whether its clause came with a later version (``placement.Novelty``).
    sa.Column("substance", sa.SmallInteger, nullable=False, default=0, server_default="0"),
    sa.Column("novelty", sa.SmallInteger, nullable=False, default=2, server_default="2"),
    # Its text is no longer in force: no latest version of any document holds it (kept by
    # ``store.placement``, rule in ``store.queries.superseded``). The queue lists it last.
    sa.Column("superseded", sa.Boolean, nullable=False, default=False, server_default=sa.false()),
    # Another analysis of the same text stands for it (an analyst's edit, Claude over offline,
    # the newest: ``store.queries.analyses``; kept by ``store.placement``). The queue lists it
    # after every analysis that stands.
    sa.Column("outranked", sa.Boolean, nullable=False, default=False, server_default=sa.false()),
    # How many other platforms have a provision similar to the one it stands for, as of the last
    # comparison (kept by ``similarity.uniqueness``; 0: unique). NULL: not compared (its text is
    # no current provision, only one platform is tracked, or no run compared it yet).
    sa.Column("similar_platforms", sa.Integer, nullable=True),
    sa.UniqueConstraint(
        "clause_sha256", "analyzer", "model", "prompt_version", name="uq_analyses_key"
    ),
    # The review queue (``store.queries.review``): filtered by status, in queue order.
    # It holds clause_pk too, so the entity filter is answered from it.
    sa.Index(
        "ix_analyses_queue",
        "review_status",
        "superseded",
        "outranked",
        "substance",
        "top_priority",
        "severity",
        "novelty",
        "similar_platforms",
        "id",
        "clause_pk",
    ),
    sa.Index(
        "ix_analyses_queue_any",
        "superseded",
        "outranked",
        "substance",
        "top_priority",
        "severity",
        "novelty",
        "similar_platforms",
        "id",
        "clause_pk",
    ),
    sa.Index("ix_analyses_clause_pk", "clause_pk"),
)

flags = sa.Table(
    "flags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("analysis_pk", sa.ForeignKey("analyses.id"), nullable=False, index=True),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.UniqueConstraint("analysis_pk", "code", name="uq_flags_analysis_code"),
    sa.Index("ix_flags_code", "code", "analysis_pk"),  # the review queue's flag filter, counts
)

review_events = sa.Table(
    "review_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("analysis_pk", sa.ForeignKey("analyses.id"), nullable=False, index=True),
    sa.Column("action", sa.String(16), nullable=False),  # approve | edit | reject
    sa.Column("reviewer", sa.Text, nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("before", sa.JSON),
    sa.Column("after", sa.JSON),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("finished_at", UTCDateTime()),
    sa.Column("analyzer", sa.String(16), nullable=False),
    sa.Column("model", sa.String(64), nullable=False),
    sa.Column("prompt_version", sa.String(32), nullable=False),
    sa.Column("via", sa.String(16), nullable=False, default="messages"),
    sa.Column("status", sa.String(16), nullable=False),  # running|succeeded|partial|failed|waiting
    sa.Column("options", sa.JSON, nullable=False),
    sa.Column("counts", sa.JSON, nullable=False),
    sa.Column("usage", sa.JSON, nullable=False),
    sa.Column("cost_usd", sa.Float, nullable=False, default=0.0),
    sa.Column("paths", sa.JSON, nullable=False),
)

batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("batch_id", sa.String(80), nullable=False, unique=True),
    sa.Column("run_id", sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("submitted_at", UTCDateTime(), nullable=False),
    sa.Column("collected_at", UTCDateTime()),
    sa.Column("requests", sa.JSON, nullable=False),  # custom_id -> {clause_pk, clause_sha256}
)

# A clause text claimed for its analysis key by a run just before its request is sent, so that
# another run does not pay for it too (``pipeline.analyze.claims``): a lease held by one process
# of the run (``holder``) until ``expires_at``; an expired claim can be taken over.
claims = sa.Table(
    "claims",
    metadata,
    sa.Column("clause_sha256", sa.String(64), primary_key=True),
    sa.Column("analyzer", sa.String(16), primary_key=True),
    sa.Column("model", sa.String(64), primary_key=True),
    sa.Column("prompt_version", sa.String(32), primary_key=True),
    sa.Column("run_id", sa.String(40), nullable=False, index=True),
    sa.Column("holder", sa.String(80), nullable=False, index=True),
    sa.Column("claimed_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
)

# The requests and tokens one API key has spent in one minute, counted by every worker that
# shares the key (``pipeline.runs.shared_limit``): a row per key and minute window. ``api_key``
# is a digest of the key, never the key.
rate_windows = sa.Table(
    "rate_windows",
    metadata,
    sa.Column("api_key", sa.String(40), primary_key=True),
    sa.Column("window_start", UTCDateTime(), primary_key=True),
    sa.Column("requests", sa.Integer, nullable=False),
    sa.Column("tokens", sa.BigInteger, nullable=False),
)

changes = sa.Table(
    "changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("document_pk", sa.ForeignKey("documents.id"), nullable=False, index=True),
    sa.Column("from_version_pk", sa.ForeignKey("versions.id"), nullable=False),
    sa.Column("to_version_pk", sa.ForeignKey("versions.id"), nullable=False),
    sa.Column("provision_pk", sa.ForeignKey("provisions.id"), nullable=False),
    sa.Column("change_class", sa.String(16), nullable=False),
    sa.Column("relation", sa.String(16)),  # split | merge | moved | cosmetic (pipeline.align)
    sa.Column("old_clause_pk", sa.ForeignKey("clauses.id")),
    sa.Column("new_clause_pk", sa.ForeignKey("clauses.id")),
    sa.Column("similarity", sa.Float),
    sa.Column("change_analysis", sa.JSON),
    sa.Column("change_provenance", sa.JSON),  # Provenance of change_analysis
    sa.Column("analyzer", sa.String(16)),
    sa.Column("severity", sa.String(8)),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint(
        "to_version_pk", "provision_pk", "change_class", name="uq_changes_version_provision"
    ),
)

similarity_cache = sa.Table(
    "similarity_cache",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),  # "default": one index per store
    sa.Column("format", sa.String(64), nullable=False),  # similarity.persist.FORMAT
    sa.Column("embedder", sa.String(80), nullable=False),  # embedder name and version
    sa.Column("fingerprint", sa.String(64), nullable=False),  # store state it was refreshed at
    sa.Column("items", sa.Integer, nullable=False),
    sa.Column("meta", sa.Text, nullable=False),  # index.json (JSON, no pickle)
    sa.Column("arrays", sa.LargeBinary, nullable=False),  # arrays.npz (allow_pickle=False)
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

# The last commit synced from a versions repository (``pipeline.ingest.ota.sync``), one row per
# repository folder and scope (the --service/--terms-type filters it was synced with).
sync_state = sa.Table(
    "sync_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("repository", sa.Text, nullable=False),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("remote_url", sa.Text),
    sa.Column("last_commit", sa.String(64), nullable=False),
    sa.Column("last_commit_at", UTCDateTime(), nullable=False),
    sa.Column("synced_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("repository", "scope", name="uq_sync_state_repository_scope"),
)
