"""Atom feeds of changes: ``/feeds/changes.atom`` and ``clauselens feed``, parsed with
feedparser (a well-kept feed parser) and checked against the store's changes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from clauselens.cli import main
from clauselens.export.changes import ChangeFilters
from clauselens.export.feed import atom_feed, static_record_link
from clauselens.schemas.published import ChangeEntry
from clauselens.store import tables as t
from clauselens.web import ServeConfig, create_app
from tests.support.published import build_published_store, copy_store

BASE = "http://127.0.0.1:8000"
SUBSTANTIVE = ("added", "removed", "modified")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def client(published: sa.Engine) -> TestClient:
    return TestClient(create_app(published, ServeConfig(reviewer="ana")), base_url=BASE)


def parsed(client: TestClient, query: str = "") -> feedparser.FeedParserDict:
    response = client.get(f"/feeds/changes.atom{query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def terms(entry: feedparser.FeedParserDict, scheme: str) -> list[str]:
    return [tag.term for tag in entry.get("tags", []) if tag.scheme == f"urn:clauselens:{scheme}"]


def stored_counts(engine: sa.Engine) -> Counter[str]:
    ch = t.changes.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(ch.change_class).where(ch.change_class.in_(SUBSTANTIVE)))
        return Counter(rows.scalars())


class TestServedFeed:
    def test_one_entry_per_substantive_change(
        self, client: TestClient, published: sa.Engine
    ) -> None:
        """Every added, removed or modified change is an entry; cosmetic ones are not."""
        feed = parsed(client, "?limit=500")
        assert feed.version == "atom10"
        classes = Counter(terms(e, "change-class")[0] for e in feed.entries)
        assert classes == stored_counts(published)
        assert sum(classes.values()) > 0

    def test_entries_are_valid_and_ids_unique(self, client: TestClient) -> None:
        """Each entry has an id, a title, dates, a summary, content; no two share an id."""
        feed = parsed(client, "?limit=500")
        ids = [e.id for e in feed.entries]
        assert len(ids) == len(set(ids))
        for e in feed.entries:
            assert e.id.startswith("urn:clauselens:change:CL-P-")
            assert e.title
            assert e.summary
            assert e.updated_parsed
            assert e.published_parsed
            assert "Impact:" in e.content[0].value
        dates = [e.updated_parsed for e in feed.entries]
        assert dates == sorted(dates, reverse=True)

    def test_entry_links_open_the_record_page(self, client: TestClient) -> None:
        """A change of a current provision links its record page on this server."""
        feed = parsed(client, "?limit=500")
        linked = [e for e in feed.entries if e.get("link")]
        assert linked
        for e in linked[:5]:
            assert e.link.startswith(f"{BASE}/records/CL-P-")
            assert client.get(e.link).status_code == 200

    @pytest.mark.parametrize(
        ("param", "scheme"), [("severity", "severity"), ("class", "change-class")]
    )
    def test_filters_keep_exactly_the_matching_entries(
        self, client: TestClient, param: str, scheme: str
    ) -> None:
        """A filtered feed is the unfiltered feed's entries that match, no more, no fewer."""
        everything = parsed(client, "?limit=500&class=added&class=removed&class=modified")
        values = Counter(v for e in everything.entries for v in terms(e, scheme))
        assert values
        for value, count in values.items():
            feed = parsed(client, f"?limit=500&{param}={value}")
            assert len(feed.entries) == count
            assert all(value in terms(e, scheme) for e in feed.entries)

    def test_entity_category_and_since_filters(self, client: TestClient) -> None:
        """Entity (case-insensitive), category and since narrow the feed to what matches."""
        everything = parsed(client, "?limit=500").entries
        entity = everything[0].title.split("] ", 1)[1].split(" · ", 1)[0]
        same = [e for e in everything if f"] {entity} · " in e.title]
        assert len(parsed(client, f"?limit=500&entity={entity.upper()}").entries) == len(same)
        category = next(c for e in everything for c in terms(e, "category"))
        tagged = [e for e in everything if category in terms(e, "category")]
        assert len(parsed(client, f"?limit=500&category={category}").entries) == len(tagged)
        assert parsed(client, "?since=2100-01-01").entries == []

    @pytest.mark.parametrize(
        "query",
        ["?severity=huge", "?class=unchanged", "?since=yesterday", "?limit=0", "?category=nope"],
    )
    def test_bad_filters_are_400(self, client: TestClient, query: str) -> None:
        """A filter that cannot be applied is refused with the reason."""
        response = client.get(f"/feeds/changes.atom{query}")
        assert response.status_code == 400
        assert response.text

    def test_feed_needs_the_token_when_one_is_set(self, published: sa.Engine) -> None:
        """Bound elsewhere, the feed needs the token (a feed reader sends it as a bearer)."""
        app = create_app(published, ServeConfig(reviewer="ana", token="t0k", allowed_hosts=None))
        client = TestClient(app, base_url=BASE)
        response = client.get("/feeds/changes.atom", follow_redirects=False)
        assert response.status_code == 401
        authorised = client.get("/feeds/changes.atom", headers={"authorization": "Bearer t0k"})
        assert authorised.status_code == 200
        assert not feedparser.parse(authorised.content).bozo


class TestStableIds:
    def test_a_rebuilt_store_gives_the_same_ids(self, published: sa.Engine, tmp_path: Path) -> None:
        """The main job run again from scratch gives every change the same entry id."""
        rebuilt = copy_store(build_published_store(tmp_path / "again"), tmp_path, "rebuilt.db")
        try:
            ids = []
            for engine in (published, rebuilt):
                app = create_app(engine, ServeConfig(reviewer="ana"))
                feed = parsed(TestClient(app, base_url=BASE), "?limit=500")
                ids.append(sorted(e.id for e in feed.entries))
            assert ids[0] == ids[1]
            assert ids[0]
        finally:
            rebuilt.dispose()


class TestFeedCommand:
    def test_writes_a_feed_with_links_beside_the_site(
        self, published: sa.Engine, tmp_path: Path
    ) -> None:
        """`clauselens feed --out FILE`: entries link records/CL-P-....html (relative)."""
        out = tmp_path / "changes.atom"
        result = CliRunner().invoke(
            main, ["--db", str(published.url), "feed", "--out", str(out), "--severity", "low"]
        )
        assert result.exit_code == 0, result.output
        feed = feedparser.parse(out.read_bytes())
        assert not feed.bozo
        assert feed.entries
        assert all(terms(e, "severity") == ["low"] for e in feed.entries)
        linked = [e.link for e in feed.entries if e.get("link")]
        assert linked
        assert all(link.startswith("records/CL-P-") for link in linked)

    def test_base_url_makes_links_absolute(self, published: sa.Engine, tmp_path: Path) -> None:
        """With --base-url the entries and the self link are absolute."""
        out = tmp_path / "changes.atom"
        args = ["--db", str(published.url), "feed", "--out", str(out)]
        result = CliRunner().invoke(main, [*args, "--base-url", "https://example.org/cl/"])
        assert result.exit_code == 0, result.output
        feed = feedparser.parse(out.read_bytes())
        links = [e.link for e in feed.entries if e.get("link")]
        assert links
        assert all(link.startswith("https://example.org/cl/records/") for link in links)

    def test_same_store_same_bytes(self, published: sa.Engine, tmp_path: Path) -> None:
        """Written twice from the same store, the feed is byte for byte the same."""
        outs = [tmp_path / "a.atom", tmp_path / "b.atom"]
        for out in outs:
            CliRunner().invoke(main, ["--db", str(published.url), "feed", "--out", str(out)])
        assert outs[0].read_bytes() == outs[1].read_bytes()


def xml_char(ch: str) -> bool:
    """XML 1.0's ``Char`` production."""
    code = ord(ch)
    return (
        ch in "\t\n\r"
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


_TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=80)


class TestHostileText:
    @given(impact=_TEXT, heading=_TEXT, entity=_TEXT)
    def test_any_text_gives_a_well_formed_feed(
        self, impact: str, heading: str, entity: str
    ) -> None:
        """Whatever a captured clause or an analysis holds, the feed stays well-formed XML and
        the text comes through (less the characters XML cannot carry)."""
        entry = ChangeEntry(
            change_id="CL-P-0123456789:0123456789abcdef:modified",
            date=datetime(2026, 1, 2, tzinfo=UTC),
            entity=entity,
            document_id="CL-D-01234567",
            document_title="Terms",
            record_id="CL-P-0123456789",
            change_class="modified",
            relation=None,
            severity="high",
            impact=impact,
            what_changed=impact,
            direction=None,
            analyzer="offline",
            heading_path=[heading],
            categories=[],
            has_record=True,
        )
        body = atom_feed(
            [entry], ChangeFilters.of(), record_link=static_record_link("https://x.test")
        )
        root = ET.fromstring(body)
        summary = root.find(f"{ATOM}entry/{ATOM}summary")
        assert summary is not None
        kept = "".join(ch for ch in impact if xml_char(ch))
        line_ends = kept.replace("\r\n", "\n").replace("\r", "\n")  # XML's end-of-line rule
        assert (summary.text or "") == line_ends
