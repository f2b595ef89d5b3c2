"""Record pages: ``/records/...`` of ``clauselens serve`` and the static site of
``clauselens export --format html``, both rendered from the export record."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from clauselens import review
from clauselens.cli import main
from clauselens.errors import UsageError
from clauselens.export import iter_records, record_by_id
from clauselens.schemas.export import ExportRecord
from clauselens.web import ServeConfig, create_app
from clauselens.web.pages import entity_slug
from clauselens.web.site import SITE_MARKER, write_site
from tests.support.published import analysis_pk_of

BASE = "http://127.0.0.1:8000"
HREF = re.compile(r'href="([^"]*)"')
INLINE_TAG = re.compile(r"</?(?:strong|code|a|span|mark|em)\b[^>]*>")


@pytest.fixture
def client(published: sa.Engine) -> TestClient:
    return TestClient(create_app(published, ServeConfig(reviewer="ana")), base_url=BASE)


def text_of(html: str) -> str:
    """The page's visible text, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", INLINE_TAG.sub("", html))).split())


def first_record(engine: sa.Engine, *, compared: bool = True) -> ExportRecord:
    return next(iter_records(engine, cross_platform=compared))


def expected_parts(record: ExportRecord) -> list[str]:
    """What a record page must say, taken from the export record."""
    a, ia = record.analysis, record.analysis.institutional_analysis
    return [
        a.title,
        a.summary,
        a.why_it_matters,
        a.consumer_impact,
        ia.regulatory_landscape,
        ia.governance_exposure.rationale,
        ia.contract_and_vendor_implications,
        ia.compliance_considerations,
        *(f"{j.jurisdiction}: {j.note}" for j in ia.jurisdiction_flags),
        *(f"{g.name} ({g.jurisdiction}): {g.authority}" for g in a.applicable_agencies),
        record.record_id,
        record.document_id,
        record.provenance.content_sha256,
        record.provenance.clause_sha256,
        record.citation,
        *(q.question for q in record.faq),
        *(q.answer for q in record.faq),
    ]


class TestServedPage:
    def test_page_says_everything_the_export_record_says(
        self, client: TestClient, published: sa.Engine
    ) -> None:
        """Every field of the record's analysis, provenance, citation and FAQ is on its page."""
        record = first_record(published)
        response = client.get(f"/records/{record.record_id}")
        assert response.status_code == 200
        page = text_of(response.text)
        for part in expected_parts(record):
            assert " ".join(part.split()) in page, part

    def test_page_follows_an_analysts_edit(self, client: TestClient, published: sa.Engine) -> None:
        """An edit made in review shows on the page, as it does in the export."""
        record = first_record(published, compared=False)
        pk = analysis_pk_of(published, record.provenance.clause_sha256, "offline")
        agency = {"name": "Office of Tests", "jurisdiction": "EU", "authority": "Test Act art. 9"}
        review.edit(published, pk, "ana", {"applicable_agencies": [agency], "severity": "high"})
        page = text_of(client.get(f"/records/{record.record_id}").text)
        assert "Office of Tests (EU): Test Act art. 9" in page
        assert "Severity High" in page
        assert "edited by an analyst" in page

    def test_evidence_type_reads_as_what_it_means(
        self, client: TestClient, published: sa.Engine
    ) -> None:
        """ "absent" means the analysis found no language in the clause to quote; the page said
        "Not in the document", which reads as if the clause were missing."""
        record = first_record(published, compared=False)
        pk = analysis_pk_of(published, record.provenance.clause_sha256, "offline")
        review.edit(published, pk, "ana", {"evidence_type": "absent", "evidence_quotes": []})
        page = text_of(client.get(f"/records/{record.record_id}").text)
        assert "Evidence: No supporting language in the clause" in page
        assert "Not in the document" not in page

    def test_similar_provisions_link_to_their_pages(
        self, client: TestClient, published: sa.Engine
    ) -> None:
        """The "On other platforms" panel links each similar provision's record page."""
        record = next(
            r for r in iter_records(published) if r.cross_platform and r.cross_platform.similar
        )
        assert record.cross_platform is not None
        html = client.get(f"/records/{record.record_id}").text
        for similar in record.cross_platform.similar:
            assert f'href="/records/{similar.record_id}"' in html
        count = record.cross_platform.similar_platforms
        assert f"Similar provision on {count} of" in text_of(html)

    def test_hostile_analysis_text_is_shown_as_text(
        self, client: TestClient, published: sa.Engine
    ) -> None:
        """Markup inside an analysis is escaped, never rendered."""
        record = first_record(published, compared=False)
        pk = analysis_pk_of(published, record.provenance.clause_sha256, "offline")
        review.edit(published, pk, "ana", {"summary": "<script>alert(1)</script> done"})
        html = client.get(f"/records/{record.record_id}").text
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; done" in html

    def test_rejected_record_is_not_published(
        self, client: TestClient, published: sa.Engine
    ) -> None:
        """A rejected analysis is left out of the pages as it is of the default export."""
        record = first_record(published, compared=False)
        pk = analysis_pk_of(published, record.provenance.clause_sha256, "offline")
        review.reject(published, pk, "ana", "wrong")
        assert client.get(f"/records/{record.record_id}").status_code == 404
        assert record_by_id(published, record.record_id, cross_platform=False) is None

    @pytest.mark.parametrize("record_id", ["CL-P-0000000000", "nothing", "%3Cscript%3E"])
    def test_unknown_record_is_404(self, client: TestClient, record_id: str) -> None:
        """An id that names no published record is a 404, never a 500."""
        assert client.get(f"/records/{record_id}").status_code == 404

    def test_page_is_served_under_the_strict_policy_with_its_stylesheet(
        self, client: TestClient, published: sa.Engine
    ) -> None:
        """The page carries the CSP, runs no script, and its stylesheet is served."""
        record = first_record(published, compared=False)
        response = client.get(f"/records/{record.record_id}")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert "<script" not in response.text
        assert 'href="/static/record.css"' in response.text
        css = client.get("/static/record.css")
        assert css.status_code == 200
        assert "@media print" in css.text

    def test_indexes_list_every_entity_and_its_records(
        self, client: TestClient, published: sa.Engine
    ) -> None:
        """/records/ links each entity's index; an entity's index links each of its records."""
        records = list(iter_records(published, cross_platform=False))
        home = client.get("/records/").text
        for entity in {r.entity for r in records}:
            href = f"/records/entity/{entity_slug(entity)}"
            assert f'href="{href}"' in home
            index = client.get(href).text
            for r in records:
                if r.entity == entity:
                    assert f'href="/records/{r.record_id}"' in index
        assert client.get("/records/entity/nobody-000000").status_code == 404

    def test_pages_need_the_token_when_one_is_set(self, published: sa.Engine) -> None:
        """Bound elsewhere (a token), record pages are behind the login like the review page."""
        app = create_app(published, ServeConfig(reviewer="ana", token="s3cret", allowed_hosts=None))
        client = TestClient(app, base_url=BASE)
        record = first_record(published, compared=False)
        response = client.get(f"/records/{record.record_id}", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


def local_targets(folder: Path, page: Path) -> list[Path]:
    """The files a page's relative links point to."""
    out = []
    for href in HREF.findall(page.read_text(encoding="utf-8")):
        parts = urlsplit(unescape(href))
        if parts.scheme or parts.netloc:
            continue
        out.append((page.parent / parts.path).resolve())
    return out


class TestStaticSite:
    def test_site_has_a_page_per_record_and_an_index_per_entity(
        self, published: sa.Engine, tmp_path: Path
    ) -> None:
        """One page per exported record, one index per entity, and the home index."""
        out = tmp_path / "site"
        stats = write_site(published, out, cross_platform=False)
        records = list(iter_records(published, cross_platform=False))
        assert stats.exported == len(records) > 0
        pages = sorted(p.stem for p in (out / "records").glob("*.html"))
        assert pages == sorted(r.record_id for r in records)
        entities = sorted(p.stem for p in (out / "entities").glob("*.html"))
        assert entities == sorted({entity_slug(r.entity) for r in records})
        assert (out / "index.html").exists()
        assert (out / "static" / "record.css").exists()

    def test_every_relative_link_resolves_to_a_file(
        self, published: sa.Engine, tmp_path: Path
    ) -> None:
        """The site works without a server: every link inside it names a file of it."""
        out = tmp_path / "site"
        write_site(published, out)
        pages = list(out.rglob("*.html"))
        assert pages
        for page in pages:
            for target in local_targets(out, page):
                assert target.is_file(), f"{page.relative_to(out)} links {target}"

    def test_static_page_is_the_served_page_but_for_links(
        self, published: sa.Engine, client: TestClient, tmp_path: Path
    ) -> None:
        """The static page and the served page say the same thing."""
        out = tmp_path / "site"
        write_site(published, out)
        record = first_record(published)
        static = (out / "records" / f"{record.record_id}.html").read_text(encoding="utf-8")
        served = client.get(f"/records/{record.record_id}").text
        assert text_of(HREF.sub("", static)) == text_of(HREF.sub("", served))

    def test_site_replaces_its_previous_version(self, published: sa.Engine, tmp_path: Path) -> None:
        """Writing again replaces the site: a record no longer selected has no page left."""
        out = tmp_path / "site"
        write_site(published, out, cross_platform=False)
        before = {p.name for p in (out / "records").iterdir()}
        entity = first_record(published, compared=False).entity
        from clauselens.export import ExportFilters

        write_site(published, out, ExportFilters.of(entity=entity), cross_platform=False)
        after = {p.name for p in (out / "records").iterdir()}
        assert after < before
        assert (out / SITE_MARKER).exists()

    def test_site_refuses_a_folder_it_did_not_write(
        self, published: sa.Engine, tmp_path: Path
    ) -> None:
        """A non-empty folder without the marker is never overwritten."""
        out = tmp_path / "mine"
        out.mkdir()
        (out / "notes.txt").write_text("keep me")
        with pytest.raises(UsageError, match="not empty"):
            write_site(published, out, cross_platform=False)
        assert (out / "notes.txt").read_text() == "keep me"

    def test_cli_writes_the_site(self, published: sa.Engine, tmp_path: Path) -> None:
        """`clauselens export --format html --out DIR` writes the site and says where."""
        url = str(published.url)
        out = tmp_path / "cli-site"
        result = CliRunner().invoke(
            main, ["--db", url, "export", "--format", "html", "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert "index.html" in result.output
        assert any((out / "records").glob("CL-P-*.html"))

    def test_cli_refuses_stdout_for_html(self, published: sa.Engine) -> None:
        """A site is a folder: `--out -` is a usage error."""
        result = CliRunner().invoke(
            main, ["--db", str(published.url), "export", "--format", "html"]
        )
        assert result.exit_code == 2
        assert "--out DIR" in result.output


class TestEntitySlug:
    @given(st.text(min_size=1, max_size=60), st.text(min_size=1, max_size=60))
    def test_distinct_entities_get_distinct_safe_names(self, a: str, b: str) -> None:
        """A slug is a safe file name, and two entities never share one (but by hash clash)."""
        for name in (a, b):
            assert re.fullmatch(r"[a-z0-9-]+", entity_slug(name))
        assert (entity_slug(a) == entity_slug(b)) == (a == b)
