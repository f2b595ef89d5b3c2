"""The governance digest: what it gathers for a period, and its Markdown and HTML forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from clauselens import review
from clauselens.cli import main
from clauselens.errors import UsageError
from clauselens.export import iter_records
from clauselens.export.changes import ChangeFilters, published_changes
from clauselens.export.digest import (
    SEVERITY_ORDER,
    build_digest,
    parse_since,
    render_html,
    render_markdown,
)
from tests.support.published import analysis_pk_of

NOW = datetime(2026, 12, 1, tzinfo=UTC)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class TestPeriod:
    @given(n=st.integers(1, 9999), unit=st.sampled_from(["d", "w", "h"]))
    def test_spans_count_back_from_now(self, n: int, unit: str) -> None:
        """``7d``, ``2w``, ``36h``: that long before now."""
        hours = {"d": 24, "w": 24 * 7, "h": 1}[unit] * n
        assert parse_since(f"{n}{unit}", NOW) == NOW - timedelta(hours=hours)

    def test_dates_are_taken_as_given(self) -> None:
        assert parse_since("2026-11-01", NOW) == datetime(2026, 11, 1, tzinfo=UTC)

    @pytest.mark.parametrize("value", ["7 days", "d7", "-3d", "soon"])
    def test_other_values_are_refused(self, value: str) -> None:
        with pytest.raises(UsageError):
            parse_since(value, NOW)


class TestContent:
    def test_changes_are_the_periods_published_changes_by_severity(
        self, published: sa.Engine
    ) -> None:
        """Every substantive change of the period is in the digest once, under its severity,
        groups most severe first."""
        since = datetime(2026, 1, 1, tzinfo=UTC)
        digest = build_digest(published, since, now=NOW)
        with published.connect() as conn:
            expected, _ = published_changes(conn, ChangeFilters.of(since=since), limit=10_000)
        got = [e.change_id for entries in digest.changes.values() for e in entries]
        assert sorted(got) == sorted(e.change_id for e in expected)
        assert got
        assert list(digest.changes) == [s for s in SEVERITY_ORDER if s in digest.changes]
        for level, entries in digest.changes.items():
            assert all((e.severity or "unrated") == level for e in entries)
            assert all(e.date >= since for e in entries)

    def test_a_quiet_period_has_no_changes(self, published: sa.Engine) -> None:
        digest = build_digest(published, NOW - timedelta(hours=1), now=NOW)
        assert digest.changes == {}
        assert "No substantive change in this period." in render_markdown(digest)

    def test_entities_narrow_every_section(self, published: sa.Engine) -> None:
        """With --entity, changes, high provisions, unique ones and the backlog are its own."""
        entity = next(iter_records(published, cross_platform=False)).entity
        digest = build_digest(published, EPOCH, entities=[entity], now=NOW)
        entries = [e for group in digest.changes.values() for e in group]
        assert all(e.entity == entity for e in entries)
        assert all(h.entity == entity for h in digest.high_provisions)
        assert all(u.entity == entity for u in digest.unique)
        assert [b.entity for b in digest.backlog] == [entity]

    def test_high_provisions_are_high_records(self, published: sa.Engine) -> None:
        digest = build_digest(published, EPOCH, now=NOW)
        high = {r.record_id for r in iter_records(published, severity="high", cross_platform=False)}
        assert {h.record_id for h in digest.high_provisions} == high
        assert high

    def test_backlog_names_the_oldest_pending_item(self, published: sa.Engine) -> None:
        """The backlog's oldest item is pending; approved, it gives way to the next."""
        first = build_digest(published, "7d", now=NOW).backlog[0]
        assert first.oldest_pending is not None
        review.approve(published, first.oldest_pending.analysis_id, "ana")
        second = build_digest(published, "7d", now=NOW).backlog[0]
        assert second.pending == first.pending - 1
        assert second.oldest_pending is not None
        assert second.oldest_pending.analysis_id != first.oldest_pending.analysis_id


class TestForms:
    def test_html_is_one_self_contained_file(self, published: sa.Engine) -> None:
        """No script, stylesheet link, image or other fetched asset: it reads in any mail client."""
        html = render_html(build_digest(published, EPOCH, now=NOW))
        assert not re.search(r"<script|<link|<img|<iframe|src=|@import|url\(", html, re.I)
        assert "Substantive changes by severity" in html

    def test_html_escapes_what_analyses_say(self, published: sa.Engine) -> None:
        """An analysis title carrying markup is shown as text."""
        record = next(iter_records(published, severity="high", cross_platform=False))
        pk = analysis_pk_of(published, record.provenance.clause_sha256, "offline")
        review.edit(published, pk, "ana", {"title": "<img src=x onerror=alert(1)>"})
        html = render_html(build_digest(published, EPOCH, now=NOW))
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html

    def test_record_base_links_record_pages(self, published: sa.Engine) -> None:
        digest = build_digest(published, EPOCH, now=NOW)
        md = render_markdown(digest, record_base="https://example.org/cl/")
        html = render_html(digest, record_base="https://example.org/cl/")
        some = next(e for group in digest.changes.values() for e in group).record_id
        assert f"(https://example.org/cl/records/{some})" in md
        assert f'href="https://example.org/cl/records/{some}"' in html

    def test_cli_writes_the_digest(self, published: sa.Engine, tmp_path: Path) -> None:
        out = tmp_path / "digest.html"
        args = [
            "--db",
            str(published.url),
            "digest",
            "--since",
            "2000-01-01",
            "--now",
            "2026-12-01",
        ]
        result = CliRunner().invoke(main, [*args, "--format", "html", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "change(s)" in result.output
        assert "<h1" in out.read_text(encoding="utf-8")
        md = CliRunner().invoke(main, [*args, "--entity", "nobody-at-all"])
        assert md.exit_code != 0  # an unknown entity is said, not silently empty
