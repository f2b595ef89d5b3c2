"""The review item page's "On other platforms" panel, through Starlette's TestClient."""

from __future__ import annotations

import html

import sqlalchemy as sa
from starlette.testclient import TestClient

from clauselens.similarity import DEFAULT_THRESHOLD
from clauselens.similarity.provisions import cross_platform_all, load_or_build
from clauselens.store import tables as t
from clauselens.web import ServeConfig, create_app
from tests.support.review_seed import ARBITRATION, VENUE_HEADINGS, add_document, seed_queue

BASE = "http://127.0.0.1:8000"


def client_for(engine: sa.Engine) -> TestClient:
    return TestClient(create_app(engine, ServeConfig(reviewer="ana")), base_url=BASE)


def analysis_of_provision(engine: sa.Engine, provision_id: str) -> int:
    """The analysis made for the current clause of ``provision_id``."""
    a, c, p = t.analyses, t.clauses, t.provisions
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(a.c.id)
                .join(c, c.c.id == a.c.clause_pk)
                .join(p, p.c.id == c.c.provision_pk)
                .where(p.c.provision_id == provision_id)
                .order_by(a.c.id.desc())
            )
            .scalars()
            .first()
        )


def shared_provision(engine: sa.Engine) -> str:
    """A provision whose own clause was analysed and that other platforms share."""
    every = cross_platform_all(engine)
    a, c, p = t.analyses, t.clauses, t.provisions
    with engine.connect() as conn:
        analysed = set(
            conn.execute(
                sa.select(p.c.provision_id)
                .join(c, c.c.provision_pk == p.c.id)
                .join(a, a.c.clause_pk == c.c.id)
            ).scalars()
        )
    return max((k for k in every if k in analysed), key=lambda k: every[k].similar_platforms)


class TestSimilarPanel:
    def test_panel_shows_platform_count_and_matches(self, ota_store: sa.Engine) -> None:
        """The item page says "similar on N of M platforms (threshold T)" and lists matches."""
        key = shared_provision(ota_store)
        cp = cross_platform_all(ota_store)[key]
        page = client_for(ota_store).get(f"/item/{analysis_of_provision(ota_store, key)}").text
        assert 'id="similar-panel"' in page
        assert "On other platforms" in page
        count = f"similar on {cp.similar_platforms} of {cp.platforms_total} other platforms"
        assert count in page
        assert (
            f'(threshold {DEFAULT_THRESHOLD}; provision <span class="nowrap">{key}</span>)' in page
        )
        for match in cp.similar:
            assert match.record_id in page
            assert f"<strong>{html.escape(match.entity)}</strong>" in page

    def test_panel_escapes_entities_and_text(self, ota_store: sa.Engine) -> None:
        """An entity name with markup is shown as text, not as HTML."""
        key = shared_provision(ota_store)
        target = cross_platform_all(ota_store)[key].similar[0]
        d, p = t.documents, t.provisions
        with ota_store.begin() as conn:
            doc_pk = conn.execute(
                sa.select(p.c.document_pk).where(p.c.provision_id == target.record_id)
            ).scalar_one()
            conn.execute(d.update().where(d.c.id == doc_pk).values(entity="<b>Evil</b> Co"))
        page = client_for(ota_store).get(f"/item/{analysis_of_provision(ota_store, key)}").text
        assert "&lt;b&gt;Evil&lt;/b&gt; Co" in page
        assert "<b>Evil</b>" not in page

    def test_app_keeps_the_index_until_the_store_changes(self, ota_store: sa.Engine) -> None:
        """Two page views reuse one in-memory index."""
        key = shared_provision(ota_store)
        pk = analysis_of_provision(ota_store, key)
        app = create_app(ota_store, ServeConfig(reviewer="ana"))
        client = TestClient(app, base_url=BASE)
        client.get(f"/item/{pk}")
        first = app.state.similarity.get()
        client.get(f"/item/{pk}")
        assert app.state.similarity.get() is first
        assert len(first) == len(load_or_build(ota_store))

    def test_clause_without_current_provision_says_why(self, engine: sa.Engine) -> None:
        """An analysis whose clause was modified in a later version gets a note, not an error."""
        seeded = seed_queue(engine)
        modified = ARBITRATION.replace("Delaware", "California")
        add_document(engine, "Bluesky", "Terms of Service", [(VENUE_HEADINGS, modified)])
        page = client_for(engine).get(f"/item/{seeded['plain']}")
        assert page.status_code == 200
        assert "not the one that stands for a provision of the latest version" in page.text

    def test_superseded_analysis_is_not_compared(self, ota_store: sa.Engine) -> None:
        """The analysis of a clause modified since gets the note; a cosmetic change keeps it."""
        ch, a, c = t.changes, t.analyses, t.clauses
        with ota_store.connect() as conn:
            latest_to = {
                cls: conn.execute(
                    sa.select(a.c.id)
                    .join(c, c.c.id == ch.c.old_clause_pk)
                    .join(a, a.c.clause_sha256 == c.c.clause_sha256)
                    .where(ch.c.change_class == cls)
                    .order_by(ch.c.to_version_pk.desc(), ch.c.id)
                )
                .scalars()
                .first()
                for cls in ("modified", "cosmetic")
            }
        client = client_for(ota_store)
        modified = client.get(f"/item/{latest_to['modified']}").text
        assert "not the one that stands for a provision" in modified
        cosmetic = client.get(f"/item/{latest_to['cosmetic']}").text
        assert "other platforms</strong>" in cosmetic
