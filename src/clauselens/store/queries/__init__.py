"""The query layer: the one place that answers the store's shared questions.

Every stage asks these functions rather than writing its own SQL for the same question.

Documents, captures, versions (``documents.py``):

- ``find_document``: which document does "CL-D-...", "Entity/Title" or a unique part name?
- ``document_by_id`` / ``document_by_pk`` / ``all_documents``: a document by its ids; all of them.
- ``latest_version``: which version of a document is the latest (``captured_at``, then id)?
- ``latest_versions``: the same for every document at once, as a subquery to join with.
- ``newest_first`` / ``oldest_first``: the one order of versions, as ORDER BY terms.
- ``versions_of``: a document's versions, first to latest.
- ``version_in_force`` / ``first_version_after``: the version in force at a time; the next.
- ``previous_version`` / ``next_version``: the version just before / after a version.
- ``version_by_pk`` / ``version_text``: a version; its extracted text.
- ``latest_capture``: a document's most recent capture.
- ``capture_with_content``: the most recent capture with given raw bytes (SHA-256), any document.
- ``provisions_by_id``: provisions by their ids ("CL-P-...").

Analyses (``analyses.py``):

- ``standing_analysis`` / ``standing_analyses``: which analysis stands for a clause text (an
  analyst's edit, else claude, else offline, else a synthetic one; the newest), for one text or
  many at once?
- ``standing_data``: what does one fetched analysis row say as it stands (edit, else original)?
- ``standing_order`` / ``standing_key``: the same rule as ORDER BY terms / a Python sort key.
- ``standing_severity`` / ``edited`` / ``standing_candidates``: SQL pieces of that rule.
- ``analyzer_rank`` / ``ANALYZER_RANK``: which analyzer's work outranks which (synthetic last)?
- ``results_for_key``: the stored result of each clause text under one analysis key (eval).

Pending work (``pending.py``, imported by name):

- ``verdict`` / ``done_keys`` / ``clauses_needing_analysis``: which clauses need analysis for an
  analyzer key (the one rule, for runs, one document and the estimate; a valid analysis, an
  uncollected batch and another run's claim in force all count as done or in flight)?

Runs (``runs.py``, imported by name):

- what has a run stored under its id (counts, usage, cost, failures, batches)?

Superseded texts (``superseded.py``, imported by name):

- ``known_texts``: which clause texts are held by some clause, and which are in force in a
  latest version (superseded: held, in force nowhere)?
- ``superseded_by``: which version of a document replaced a text (its number and date)?

The review queue (``review.py``, imported by name):

- which analyses wait for an analyst, filtered, ordered and paged in SQL?
"""

from clauselens.store.queries.analyses import (
    ANALYZER_RANK,
    analyzer_rank,
    edited,
    standing_analyses,
    standing_analysis,
    standing_candidates,
    standing_data,
    standing_key,
    standing_order,
    standing_severity,
)
from clauselens.store.queries.documents import (
    all_documents,
    capture_with_content,
    document_by_id,
    document_by_pk,
    find_document,
    first_version_after,
    latest_capture,
    latest_version,
    latest_versions,
    newest_first,
    next_version,
    oldest_first,
    previous_version,
    provisions_by_id,
    version_by_pk,
    version_in_force,
    version_text,
    versions_of,
)

__all__ = [
    "ANALYZER_RANK",
    "all_documents",
    "analyzer_rank",
    "capture_with_content",
    "document_by_id",
    "document_by_pk",
    "edited",
    "find_document",
    "first_version_after",
    "latest_capture",
    "latest_version",
    "latest_versions",
    "newest_first",
    "next_version",
    "oldest_first",
    "previous_version",
    "provisions_by_id",
    "standing_analyses",
    "standing_analysis",
    "standing_candidates",
    "standing_data",
    "standing_key",
    "standing_order",
    "standing_severity",
    "version_by_pk",
    "version_in_force",
    "version_text",
    "versions_of",
]
