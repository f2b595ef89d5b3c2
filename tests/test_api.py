"""The read-only JSON API under /api/v1: every response is checked against the OpenAPI
document the server publishes (jsonschema over its component schemas), which is itself checked
with openapi-spec-validator. Paging, ETags, errors and access are pinned one behaviour a test."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from starlette.testclient import TestClient

from clauselens import review
from clauselens.export import iter_records, record_by_id
from clauselens.export.changes import ChangeFilters, published_changes
from clauselens.store import tables as t
from clauselens.web import ServeConfig, create_app
from clauselens.web.api import api_mount
from tests.support.published import analysis_pk_of

BASE = "http://127.0.0.1:8000"
API = "/api/v1"


class Checked:
    """A client whose every API response is validated against the published OpenAPI document:
    the status is one the operation declares, and a JSON body matches its schema."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.doc = client.get(f"{API}/openapi.json").json()
        self.templates = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path)
            for path in self.doc["paths"]
        ]

    def operation(self, path: str) -> dict[str, Any] | None:
        for pattern, template in self.templates:
            if pattern.match(path):
                return dict(self.doc["paths"][template]["get"])
        return None

    def get(self, url: str, **kwargs: Any) -> Any:
        response = self.client.get(url, **kwargs)
        path = url.split("?", 1)[0]
        operation = self.operation(path)
        if operation is None:  # no such route: the 404 body is still an ErrorBody
            self.validate(response.json(), "ErrorBody")
            assert response.status_code == 404
            return response
        declared = operation["responses"]
        assert str(response.status_code) in declared, (url, response.status_code)
        content = declared[str(response.status_code)].get("content")
        if content:
            ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            self.validate(response.json(), ref)
        else:
            assert not response.content
        return response

    def validate(self, body: Any, name: str) -> None:
        schema = {"$ref": f"#/components/schemas/{name}", "components": self.doc["components"]}
        Draft202012Validator(schema).validate(body)


@pytest.fixture
def api(published: sa.Engine) -> Checked:
    return Checked(TestClient(create_app(published, ServeConfig(reviewer="ana")), base_url=BASE))


def all_pages(api: Checked, url: str) -> list[dict[str, Any]]:
    """Every item of a paged list, following next_cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    sep = "&" if "?" in url else "?"
    for _ in range(1000):
        response = api.get(url + (f"{sep}cursor={cursor}" if cursor else ""))
        assert response.status_code == 200
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("paging never ended")


class TestDocument:
    def test_openapi_document_is_valid(self, api: Checked) -> None:
        """The published document is valid OpenAPI 3.1."""
        assert api.doc["openapi"].startswith("3.1")
        validate_spec(api.doc)

    def test_document_lists_every_route(self, api: Checked) -> None:
        """Each API route of the app is in the document, and nothing else is."""
        routes = {
            f"{API}{r.path}"
            for r in api_mount().routes
            if r.path not in ("/openapi.json", "/{rest:path}")  # type: ignore[attr-defined]
        }
        assert routes == set(api.doc["paths"])


class TestLists:
    def test_documents_page_through_every_document(
        self, api: Checked, published: sa.Engine
    ) -> None:
        """Small pages give every document once, in a fixed order."""
        items = all_pages(api, f"{API}/documents?limit=2")
        with published.connect() as conn:
            stored = set(conn.execute(sa.select(t.documents.c.document_id)).scalars())
        assert sorted(i["document_id"] for i in items) == sorted(stored)
        keys = [(i["entity"].lower(), i["title"].lower(), i["document_id"]) for i in items]
        assert keys == sorted(keys)

    def test_versions_of_each_document(self, api: Checked) -> None:
        """A document's versions are numbered from 1, oldest first, paged."""
        for doc in all_pages(api, f"{API}/documents"):
            single = api.get(f"{API}/documents/{doc['document_id']}").json()
            assert single == doc
            versions = all_pages(api, f"{API}/documents/{doc['document_id']}/versions?limit=1")
            assert [v["number"] for v in versions] == list(range(1, doc["versions"] + 1))
            dates = [v["captured_at"] for v in versions]
            assert dates == sorted(dates)

    def test_records_pages_are_the_export(self, api: Checked, published: sa.Engine) -> None:
        """Paged records are the export's records, in its order, none twice."""
        items = all_pages(api, f"{API}/records?limit=37")
        expected = [r.record_id for r in iter_records(published, cross_platform=False)]
        assert [i["record_id"] for i in items] == expected

    def test_one_record_is_its_export_record(self, api: Checked, published: sa.Engine) -> None:
        """/records/{id} answers exactly what the export builds for it."""
        first = next(iter_records(published))
        body = api.get(f"{API}/records/{first.record_id}").json()
        again = record_by_id(published, first.record_id)
        assert again is not None
        assert body == again.model_dump(mode="json")

    def test_changes_pages_are_the_published_changes(
        self, api: Checked, published: sa.Engine
    ) -> None:
        """Paged changes are every published change once, newest first."""
        items = all_pages(api, f"{API}/changes?limit=4")
        with published.connect() as conn:
            expected, _ = published_changes(conn, ChangeFilters.of(), limit=10_000)
        assert [i["change_id"] for i in items] == [e.change_id for e in expected]
        assert items

    def test_change_filters_apply(self, api: Checked) -> None:
        """class, severity and entity filters keep only matching changes."""
        cosmetic = all_pages(api, f"{API}/changes?class=cosmetic&limit=200")
        assert cosmetic
        assert {c["change_class"] for c in cosmetic} == {"cosmetic"}
        low = all_pages(api, f"{API}/changes?severity=low")
        assert low
        assert {c["severity"] for c in low} == {"low"}

    def test_similar_and_unique(self, api: Checked, published: sa.Engine) -> None:
        """similar reports on the provision asked for; unique lists provisions with no match."""
        record_id = next(iter_records(published, cross_platform=False)).record_id
        report = api.get(f"{API}/records/{record_id}/similar?top=3").json()
        assert report["provision"]["record_id"] == record_id
        assert len(report["nearest"]) <= 3
        unique = all_pages(api, f"{API}/unique?limit=10")
        for item in unique[:3]:
            cp = api.get(f"{API}/records/{item['record_id']}").json()["cross_platform"]
            assert cp["similar_platforms"] == 0

    def test_review_counts_follow_decisions(self, api: Checked, published: sa.Engine) -> None:
        """An approval moves one analysis from pending to approved in the counts."""
        before = api.get(f"{API}/review/counts").json()
        assert before["pending"] == before["by_status"]["pending"] > 0
        oldest = before["oldest_pending"]
        review.approve(published, oldest["analysis_id"], "ana")
        after = api.get(f"{API}/review/counts").json()
        assert after["by_status"]["pending"] == before["by_status"]["pending"] - 1
        assert after["by_status"]["approved"] == before["by_status"]["approved"] + 1
        assert after["oldest_pending"]["analysis_id"] != oldest["analysis_id"]


class TestCaching:
    def test_matching_etag_gives_304(self, api: Checked) -> None:
        """A client holding the current body gets 304 and no body."""
        first = api.get(f"{API}/documents")
        etag = first.headers["etag"]
        again = api.get(f"{API}/documents", headers={"if-none-match": etag})
        assert again.status_code == 304
        assert again.headers["etag"] == etag

    def test_etag_changes_when_the_answer_does(self, api: Checked, published: sa.Engine) -> None:
        """After an analyst's edit the record's ETag is new, and the old one gets 200."""
        record = next(iter_records(published, cross_platform=False))
        url = f"{API}/records/{record.record_id}"
        etag = api.get(url).headers["etag"]
        pk = analysis_pk_of(published, record.provenance.clause_sha256, "offline")
        review.edit(published, pk, "ana", {"summary": "An analyst's new summary."})
        response = api.get(url, headers={"if-none-match": etag})
        assert response.status_code == 200
        assert response.headers["etag"] != etag
        assert response.json()["analysis"]["summary"] == "An analyst's new summary."


class TestErrors:
    @pytest.mark.parametrize(
        "url",
        [
            f"{API}/documents/CL-D-00000000",
            f"{API}/documents/CL-D-00000000/versions",
            f"{API}/records/CL-P-0000000000",
            f"{API}/records/CL-P-0000000000/similar",
            f"{API}/nothing/here",
        ],
    )
    def test_unknown_is_404(self, api: Checked, url: str) -> None:
        """What does not exist is a 404 with a JSON error body."""
        assert api.get(url).status_code == 404

    @pytest.mark.parametrize(
        "query",
        [
            "/documents?limit=0",
            "/documents?limit=abc",
            "/records?severity=huge",
            "/records?status=maybe",
            "/changes?class=unchanged",
            "/changes?since=soon",
            "/changes?cursor=%%%",
            "/records?cursor=bm90IGpzb24",
        ],
    )
    def test_bad_parameter_is_400(self, api: Checked, query: str) -> None:
        """A parameter that cannot be applied is a 400 with the reason."""
        response = api.get(f"{API}{query}")
        assert response.status_code == 400
        assert response.json()["error"]["message"]

    @settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(cursor=st.text(max_size=40))
    def test_any_cursor_is_answered_never_a_500(self, api: Checked, cursor: str) -> None:
        """Whatever a client sends as a cursor, the answer is 200 or 400."""
        for path in ("/documents", "/changes", "/unique", "/records"):
            response = api.client.get(f"{API}{path}", params={"cursor": cursor, "limit": 1})
            assert response.status_code in (200, 400), (path, cursor, response.text)


class TestAccess:
    @pytest.fixture
    def gated(self, published: sa.Engine) -> TestClient:
        config = ServeConfig(reviewer="ana", token="s3cret", allowed_hosts=None, token_attempts=3)
        return TestClient(create_app(published, config), base_url=BASE)

    def test_token_required_beyond_loopback(self, gated: TestClient) -> None:
        """Without the token: 401 with a Bearer challenge, not a redirect to the login form."""
        response = gated.get(f"{API}/documents", follow_redirects=False)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")

    def test_bearer_token_opens_the_api(self, gated: TestClient) -> None:
        """The token as a bearer credential gives the answer."""
        response = gated.get(f"{API}/documents", headers={"authorization": "Bearer s3cret"})
        assert response.status_code == 200
        assert response.json()["items"]

    def test_wrong_bearer_tokens_are_limited(self, gated: TestClient) -> None:
        """Wrong tokens count as failed attempts: past the limit the client gets 429."""
        wrong = {"authorization": "Bearer guess"}
        statuses = [gated.get(f"{API}/documents", headers=wrong).status_code for _ in range(4)]
        assert statuses[:3] == [401, 401, 401]
        assert statuses[3] == 429

    def test_loopback_server_refuses_other_hosts(self, published: sa.Engine) -> None:
        """The API keeps the page's DNS-rebinding guard: a foreign Host header is refused."""
        client = TestClient(create_app(published, ServeConfig(reviewer="ana")), base_url=BASE)
        response = client.get(f"{API}/documents", headers={"host": "evil.example"})
        assert response.status_code == 400
