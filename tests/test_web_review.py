"""The review web page through Starlette's TestClient: pages, actions, CSRF, escaping, token."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from starlette.testclient import TestClient

from clauselens import review
from clauselens.cli import main
from clauselens.store import tables as t
from clauselens.web import ServeConfig, create_app, is_loopback
from clauselens.web.clause import render_clause
from clauselens.web.csrf import AUTH_COOKIE, CSRF_COOKIE, auth_value
from clauselens.web.forms import form_values, highlight
from clauselens.web.routes import web_url
from clauselens.web.throttle import FailedAttempts, client_key
from tests.support.review_seed import seed_queue

BASE = "http://127.0.0.1:8000"


class FakeClock:
    """A clock the test moves (seconds), so windows pass without sleeping."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seeded(engine: sa.Engine) -> dict[str, int]:
    return seed_queue(engine)


@pytest.fixture
def client(engine: sa.Engine, seeded: dict[str, int]) -> TestClient:
    return TestClient(create_app(engine, ServeConfig(reviewer="ana")), base_url=BASE)


def csrf(client: TestClient) -> str:
    """Visit the queue (which sets the CSRF cookie) and return the token."""
    client.get("/")
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    return token


_ACTION = re.compile(r"/item/([^/?]+)/(approve|edit|reject)")


def shown_event(client: TestClient, pk: object) -> str:
    """The latest event the item page carries in its action forms ("0" when it is not found)."""
    found = re.search(r'name="last_event" value="(\d+)"', client.get(f"/item/{pk}").text)
    return found.group(1) if found else "0"


def post(client: TestClient, path: str, **data: Any) -> Any:
    """POST as the page does: with the CSRF token and, for an action, the latest event of the
    item as its page shows it now (unless ``data`` names one)."""
    action = _ACTION.match(path)
    if action and "last_event" not in data:
        data["last_event"] = shown_event(client, action.group(1))
    return client.post(path, data={"csrf_token": csrf(client), **data}, follow_redirects=False)


class TestPages:
    def test_queue_shows_items_and_counts_by_flag(
        self, client: TestClient, seeded: dict[str, int]
    ) -> None:
        """The queue lists pending items and one count chip per flag."""
        page = client.get("/")
        assert page.status_code == 200
        assert "Human review of high-risk outputs" in page.text
        assert re.search(r"low_confidence <b>2</b>", page.text)
        assert re.search(r"high_severity_unsure <b>1</b>", page.text)

    def test_queue_filters_by_flag_and_entity(
        self, client: TestClient, seeded: dict[str, int]
    ) -> None:
        """?flag= and ?entity= narrow the table."""
        by_flag = client.get("/?flag=high_severity_unsure").text
        assert "Human review of high-risk outputs" in by_flag
        assert "Delaware courts" not in by_flag
        by_entity = client.get("/?entity=Bluesky").text
        assert "Delaware courts" in by_entity
        assert "Human review of high-risk outputs" not in by_entity

    def test_item_shows_clause_with_marked_quotes_flags_provenance(
        self, client: TestClient, seeded: dict[str, int]
    ) -> None:
        """The item page marks the evidence quote in the clause and shows flag reasons."""
        page = client.get(f"/item/{seeded['unsure']}").text
        assert "<mark>a qualified professional in that field must review the content</mark>" in page
        assert "severity high with only medium confidence" in page
        assert "claude-sonnet-5-5" in page
        assert 'name="f.institutional_analysis.governance_exposure.level"' in page

    def test_unknown_item_is_404(self, client: TestClient) -> None:
        """A missing id is a 404."""
        assert client.get("/item/999").status_code == 404

    @pytest.mark.parametrize(
        "raw",
        ["99999999999999999999999", "2147483648", "9" * 5000, "0", "007x", "%C2%B2", "-1"],
    )
    def test_item_ids_out_of_range_or_malformed_are_404(
        self, client: TestClient, engine: sa.Engine, seeded: dict[str, int], raw: str
    ) -> None:
        """An id no row can have is a 404 page for GET and for every action, never a 500."""
        assert client.get(f"/item/{raw}").status_code == 404
        for action in ("approve", "edit", "reject"):
            assert post(client, f"/item/{raw}/{action}", note="x").status_code == 404

    @pytest.mark.parametrize("raw", ["%C2%B2", "9" * 5000, "99999999999999999999", "-3", "x"])
    def test_malformed_query_numbers_are_ignored(self, client: TestClient, raw: str) -> None:
        """?page= and the confirmation's ?id= fall back instead of failing (``"²".isdigit()``)."""
        assert client.get(f"/?page={raw}").status_code == 200
        page = client.get(f"/?done=approved&id={raw}")
        assert page.status_code == 200
        assert "approved." not in page.text

    def test_security_headers_are_set(self, client: TestClient) -> None:
        """Every page carries a strict CSP and anti-framing headers."""
        headers = client.get("/").headers
        assert headers["content-security-policy"].startswith(
            "default-src 'self'; script-src 'self'"
        )
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"

    def test_static_assets_are_served_from_the_package(self, client: TestClient) -> None:
        """CSS and JS come from /static; no page refers to another host."""
        assert client.get("/static/review.js").status_code == 200
        assert client.get("/static/review.css").status_code == 200
        assert not re.search(r"""(src|href)=["']https?://""", client.get("/").text)


def first_analysis_of(engine: sa.Engine, entity: str, title: str) -> tuple[int, sa.Row[Any]]:
    """The first analysis of a document's clauses, with the capture of their version."""
    a, c, v, d, cap = t.analyses.c, t.clauses.c, t.versions.c, t.documents.c, t.captures.c
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(a.id, cap.source_url, cap.archive_url, cap.content_sha256, cap.captured_at)
            .join(t.clauses, c.id == a.clause_pk)
            .join(t.versions, v.id == c.version_pk)
            .join(t.documents, d.id == v.document_pk)
            .join(t.captures, cap.id == v.capture_pk)
            .where(d.entity == entity, d.title == title)
            .order_by(a.id)
        ).first()
    assert row is not None
    return row.id, row


class TestProvenance:
    def test_item_page_shows_where_the_clause_was_captured(self, ota_store: sa.Engine) -> None:
        """Source URL, archive URL (the capture at its commit), SHA-256 and capture time."""
        pk, capture = first_analysis_of(ota_store, "Claude.ai", "Developer Terms")
        assert capture.archive_url.startswith(
            "https://github.com/OpenTermsArchive/genai-eu-versions/blob/"
        )
        client = TestClient(create_app(ota_store, ServeConfig(reviewer="ana")), base_url=BASE)
        page = client.get(f"/item/{pk}").text
        card = page[page.index('id="provenance"') :]
        for shown in (
            f'<a href="{capture.source_url}" rel="noopener noreferrer">',
            f'<a href="{capture.archive_url}" rel="noopener noreferrer">',
            capture.content_sha256,
            capture.captured_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "offline",
        ):
            assert shown in card

    def test_missing_archive_url_says_why(self, client: TestClient, seeded: dict[str, int]) -> None:
        """A capture with no archive URL says so and why, instead of showing nothing."""
        page = client.get(f"/item/{seeded['plain']}").text
        assert review.NO_ARCHIVE_URL in page

    def test_only_web_urls_become_links(self) -> None:
        """A javascript: source URL from a manifest is shown as text, never linked."""
        assert web_url("javascript:alert(1)") is None
        assert web_url(" https://example.org/terms ") == "https://example.org/terms"
        assert web_url(None) is None


class TestActions:
    def test_approve_goes_to_the_next_pending_item(
        self, client: TestClient, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Approving the first item records the event and redirects to the next pending."""
        response = post(client, f"/item/{seeded['unsure']}/approve?status=pending", note="ok")
        assert response.status_code == 303
        assert re.match(r"/item/\d+\?status=pending&done=approved", response.headers["location"])
        [event] = review.history(engine, seeded["unsure"])
        assert (event.action, event.reviewer, event.note) == ("approve", "ana", "ok")

    def test_edit_form_changes_only_what_changed(
        self, client: TestClient, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Submitting the form with one select changed stores a one-field edit."""
        pk = seeded["plain"]
        analysis = review.get_item(engine, pk).analysis
        assert analysis is not None
        form = {**form_values(analysis), "f.severity": "high"}
        assert post(client, f"/item/{pk}/edit", **form).status_code == 303
        [event] = review.history(engine, pk)
        assert event.changes() == [("severity", "medium", "high")]

    def test_invalid_edit_shows_the_reasons_and_stores_nothing(
        self, client: TestClient, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """A quote not in the clause is refused with a 422 naming the problem."""
        pk = seeded["plain"]
        response = post(client, f"/item/{pk}/edit", **{"f.evidence_quotes": "made-up words"})
        assert response.status_code == 422
        assert "does not occur verbatim in the clause text" in response.text
        assert review.history(engine, pk) == []

    def test_reject_without_a_note_is_refused(
        self, client: TestClient, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """The note is required server-side too."""
        assert post(client, f"/item/{seeded['plain']}/reject", note=" ").status_code == 422
        assert post(client, f"/item/{seeded['plain']}/reject", note="why").status_code == 303
        assert review.get_item(engine, seeded["plain"]).item.review_status == "rejected"

    def test_last_action_lands_on_the_queue(
        self, client: TestClient, seeded: dict[str, int]
    ) -> None:
        """When nothing is pending, the analyst lands on the (empty) queue."""
        for pk in seeded.values():
            response = post(client, f"/item/{pk}/approve?status=pending")
        assert response.headers["location"].startswith("/?status=pending&done=approved")
        assert "The queue is clear." in client.get(response.headers["location"]).text


class TestUndo:
    def approve(self, client: TestClient, pk: int) -> tuple[str, int]:
        """Approve ``pk``; the page landed on and the event id it offers to undo."""
        location = post(client, f"/item/{pk}/approve?status=pending").headers["location"]
        found = re.search(r"&event=(\d+)", location)
        assert found
        return location, int(found.group(1))

    def test_the_page_after_an_action_offers_to_undo_it(
        self, client: TestClient, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Approve, then Undo from the next page: a revert event, and the item is pending."""
        pk = seeded["unsure"]
        landed, event = self.approve(client, pk)
        page = client.get(landed).text
        assert f'action="/item/{pk}/undo?status=pending"' in page
        assert f'name="event" value="{event}"' in page
        undone = post(client, f"/item/{pk}/undo?status=pending", event=str(event))
        assert undone.status_code == 303
        assert undone.headers["location"] == f"/item/{pk}?status=pending&done=reverted&id={pk}"
        assert [e.action for e in review.history(engine, pk)] == ["approve", "revert"]
        assert review.get_item(engine, pk).item.review_status == "pending"
        assert "undo-form" not in client.get(landed).text  # the latest is now the revert
        assert "undone" in client.get(undone.headers["location"]).text

    def test_no_undo_once_another_action_followed(
        self, client: TestClient, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """After the next action on the item, the old offer is gone and refused if replayed."""
        pk = seeded["unsure"]
        landed, event = self.approve(client, pk)
        post(client, f"/item/{pk}/reject", note="on second thoughts")
        assert "undo-form" not in client.get(landed).text
        refused = post(client, f"/item/{pk}/undo", event=str(event))
        assert refused.status_code == 409
        assert "is not the latest action" in refused.text
        assert [e.action for e in review.history(engine, pk)] == ["approve", "reject"]

    @pytest.mark.parametrize("event", ["", "x", "9" * 40])
    def test_undo_without_a_valid_event_is_400(
        self, client: TestClient, engine: sa.Engine, seeded: dict[str, int], event: str
    ) -> None:
        """The form must name the event it undoes."""
        pk = seeded["unsure"]
        self.approve(client, pk)
        assert post(client, f"/item/{pk}/undo", event=event).status_code == 400
        assert [e.action for e in review.history(engine, pk)] == ["approve"]


class TestCsrf:
    @pytest.mark.parametrize("action", ["approve", "edit", "reject", "undo"])
    @pytest.mark.parametrize("token", [None, "forged"])
    def test_post_without_the_session_token_is_403(
        self,
        client: TestClient,
        engine: sa.Engine,
        seeded: dict[str, int],
        action: str,
        token: str | None,
    ) -> None:
        """A missing or wrong CSRF field is refused and nothing changes."""
        csrf(client)
        data = {"note": "x", "f.severity": "high"}
        if token:
            data["csrf_token"] = token
        response = client.post(f"/item/{seeded['plain']}/{action}", data=data)
        assert response.status_code == 403
        assert review.history(engine, seeded["plain"]) == []

    def test_token_without_the_cookie_is_403(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """A token copied into another session (no cookie) is refused."""
        app = create_app(engine, ServeConfig(reviewer="ana"))
        token = csrf(TestClient(app, base_url=BASE))
        other = TestClient(app, base_url=BASE)
        response = other.post(
            f"/item/{seeded['plain']}/approve", data={"csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 403


class TestEscaping:
    def test_hostile_clause_and_analysis_show_as_text(
        self, client: TestClient, seeded: dict[str, int]
    ) -> None:
        """Script and img payloads from the clause, heading, entity and analysis are escaped."""
        page = client.get(f"/item/{seeded['hostile']}").text
        assert "<script>alert(1)</script>" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
        assert "Example &lt;b&gt;Corp&lt;/b&gt;" in page
        queue = client.get("/").text
        assert "<img src=x" not in queue
        assert "<b>Corp</b>" not in queue

    def test_highlight_escapes_before_marking(self) -> None:
        """Quotes match across whitespace and curly quotes; everything else stays escaped."""
        html = str(highlight('a <b>x</b>\n  "it’s" <i>', ['<b>x</b> "it\'s"']))
        assert html == "a <mark>&lt;b&gt;x&lt;/b&gt;\n  &#34;it’s&#34;</mark> &lt;i&gt;"


class TestClauseRendering:
    def test_markdown_renders_and_raw_html_stays_text(self) -> None:
        """Emphasis, lists and web links render; tags from the clause are escaped text."""
        html = str(
            render_clause("**Bold** <b>x</b>\n\n- [a](https://e.org) <script>y</script>", [])
        )
        assert "<strong>Bold</strong> &lt;b&gt;x&lt;/b&gt;" in html
        assert '<a href="https://e.org" rel="noopener noreferrer nofollow">a</a>' in html
        assert "&lt;script&gt;y&lt;/script&gt;" in html
        assert "<script" not in html
        assert "<b>" not in html

    @pytest.mark.parametrize(
        "source",
        [
            "[x](javascript:alert(1))",
            "[x](JAVASCRIPT:alert(1))",
            "[x](data:text/html,hi)",
            "<javascript:alert(1)>",
            "[x](/relative/path)",
            "![x](https://e.org/p.png)",
        ],
    )
    def test_no_link_but_to_the_web_and_no_image(self, source: str) -> None:
        """Other schemes and relative links stay text; images are never fetched."""
        html = str(render_clause(source, []))
        assert "<img" not in html
        assert not re.search(r'href="(?!https://e\.org)', html)

    def test_quotes_are_marked_without_breaking_the_markup(self) -> None:
        """A quote across emphasis (verbatim: markers included) closes and reopens its mark
        around the tags."""
        html = str(render_clause("You **must not** sell data.", ["must not** sell"]))
        assert html == (
            "<p>You <strong><mark>must not</mark></strong><mark> sell</mark> data.</p>\n"
        )

    def test_quote_on_a_list_marker_keeps_the_list(self) -> None:
        """A quote starting with "1." marks the item's text, and the list stays a list."""
        html = str(render_clause("1. Pay on time.\n2. Keep records.", ["1. Pay on time."]))
        assert html.startswith("<ol>\n<li><mark>Pay on time.</mark></li>")

    def test_quote_inside_a_link_destination_does_not_break_the_link(self) -> None:
        """Bounds inside ``](...)`` move past it: the href is intact."""
        html = str(render_clause("See [terms](https://e.org/terms) now.", ["e.org/terms) now"]))
        assert '<a href="https://e.org/terms" rel="noopener noreferrer nofollow">terms</a>' in html
        assert "\ue000" not in html
        assert "\ue001" not in html

    def test_headings_sit_below_the_page_headings(self) -> None:
        """# in a clause is an h3 (the page has h1 and h2)."""
        assert str(render_clause("# Terms", [])) == "<h3>Terms</h3>\n"

    def test_item_page_renders_the_clause_and_keeps_the_raw_text(
        self, client: TestClient, seeded: dict[str, int]
    ) -> None:
        """Rendered Markdown first; the stored text (hidden) with the same quote marked."""
        page = client.get(f"/item/{seeded['unsure']}").text
        rendered = page[page.index('id="clause-text"') : page.index('id="clause-raw"')]
        assert "<strong>individuals or consumers</strong>" in rendered
        assert "<mark>a qualified professional in that field must review the content</mark>" in (
            rendered
        )
        raw = page[page.index('id="clause-raw"') :]
        assert raw.startswith('id="clause-raw" hidden>')
        assert "**individuals or consumers**" in raw


class TestToken:
    @pytest.fixture
    def gated(self, engine: sa.Engine, seeded: dict[str, int]) -> TestClient:
        config = ServeConfig(reviewer="ana", token="s3cret-token", allowed_hosts=None)
        return TestClient(create_app(engine, config), base_url="http://192.0.2.10:8000")

    def test_pages_send_to_login_until_the_token_is_given(self, gated: TestClient) -> None:
        """Without the access cookie a page redirects to the login form."""
        response = gated.get("/", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2F"

    def test_changes_are_refused_without_the_token(
        self, gated: TestClient, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """A POST with a valid CSRF token but no access cookie is 403."""
        gated.get("/login")
        token = gated.cookies.get(CSRF_COOKIE)
        response = gated.post(f"/item/{seeded['plain']}/approve", data={"csrf_token": token})
        assert response.status_code == 403
        assert review.history(engine, seeded["plain"]) == []

    def test_wrong_token_is_refused_right_one_lets_in(
        self, gated: TestClient, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Login checks the token; afterwards actions work and carry the given name."""
        gated.get("/login")
        token = gated.cookies.get(CSRF_COOKIE)
        wrong = gated.post("/login", data={"csrf_token": token, "token": "guess"})
        assert wrong.status_code == 403
        right = gated.post(
            "/login?next=/item/2",
            data={"csrf_token": token, "token": "s3cret-token", "reviewer": "bo"},
            follow_redirects=False,
        )
        assert right.status_code == 303
        assert right.headers["location"] == "/item/2"
        approved = gated.post(
            f"/item/{seeded['plain']}/approve",
            data={"csrf_token": token, "last_event": shown_event(gated, seeded["plain"])},
            follow_redirects=False,
        )
        assert approved.status_code == 303
        assert review.history(engine, seeded["plain"])[0].reviewer == "bo"

    def test_login_never_redirects_off_site(self, gated: TestClient) -> None:
        """``next`` pointing at another host falls back to the queue."""
        gated.get("/login")
        response = gated.post(
            "/login?next=//evil.example/",
            data={"csrf_token": gated.cookies.get(CSRF_COOKIE), "token": "s3cret-token"},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"

    def test_loopback_server_refuses_foreign_host_headers(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """A DNS-rebinding page (Host: evil.example) cannot reach a loopback server."""
        app = create_app(engine, ServeConfig(reviewer="ana"))
        assert TestClient(app, base_url="http://evil.example").get("/").status_code == 400

    @pytest.mark.parametrize("base", ["http://[::1]:8000", "http://localhost:8000"])
    def test_loopback_server_accepts_its_own_names(
        self, engine: sa.Engine, seeded: dict[str, int], base: str
    ) -> None:
        """Host: [::1]:8000 (how a browser sends an IPv6 literal) is a loopback name."""
        app = create_app(engine, ServeConfig(reviewer="ana"))
        assert TestClient(app, base_url=base).get("/").status_code == 200

    @pytest.mark.parametrize(
        ("host", "loopback"),
        [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False),
         ("192.168.1.5", False), ("example.org", False)],
    )  # fmt: skip
    def test_is_loopback(self, host: str, loopback: bool) -> None:
        """Only loopback addresses skip the token."""
        assert is_loopback(host) is loopback


class TestTokenThrottle:
    TOKEN = "s3cret-token"

    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    def app(self, engine: sa.Engine, seeded: dict[str, int], clock: FakeClock) -> Any:
        config = ServeConfig(
            reviewer="ana", token=self.TOKEN, allowed_hosts=None, token_attempts=5, token_window=60
        )
        return create_app(engine, config, clock=clock)

    def client(self, app: Any, address: str) -> TestClient:
        return TestClient(app, base_url="http://192.0.2.10:8000", client=(address, 50000))

    def login(self, client: TestClient, token: str) -> Any:
        client.get("/login")
        data = {"csrf_token": client.cookies.get(CSRF_COOKIE), "token": token}
        return client.post("/login", data=data, follow_redirects=False)

    def test_many_wrong_tokens_are_refused_and_the_right_one_works_after_the_window(
        self, app: Any, clock: FakeClock
    ) -> None:
        """After 5 wrong tokens an address gets 429 + Retry-After, even with the right token,
        until the window has passed; another address is not affected."""
        guesser = self.client(app, "198.51.100.7")
        answers = [self.login(guesser, f"guess-{n}") for n in range(40)]
        assert [a.status_code for a in answers] == [403] * 5 + [429] * 35
        assert answers[-1].headers["retry-after"] == "60"
        assert self.login(guesser, self.TOKEN).status_code == 429
        assert self.login(self.client(app, "203.0.113.9"), self.TOKEN).status_code == 303
        clock.now += 30
        assert self.login(guesser, self.TOKEN).headers["retry-after"] == "30"
        clock.now += 30
        assert self.login(guesser, self.TOKEN).status_code == 303

    def test_wrong_access_cookies_count_as_guesses(self, app: Any, clock: FakeClock) -> None:
        """The cookie is a public function of the token, so forging it is guessing too."""
        guesser = self.client(app, "198.51.100.7")
        statuses = []
        for n in range(8):
            guesser.cookies.set(AUTH_COOKIE, auth_value(f"guess-{n}"))
            statuses.append(guesser.get("/", follow_redirects=False).status_code)
        assert statuses == [303] * 5 + [429] * 3
        guesser.cookies.set(AUTH_COOKIE, auth_value(self.TOKEN))
        assert guesser.get("/").status_code == 429
        clock.now += 60
        assert guesser.get("/").status_code == 200

    def test_a_right_token_clears_earlier_failures(self, app: Any) -> None:
        """Four typos, then the right token: the count starts again."""
        analyst = self.client(app, "198.51.100.7")
        assert [self.login(analyst, "typo").status_code for _ in range(4)] == [403] * 4
        assert self.login(analyst, self.TOKEN).status_code == 303
        assert [self.login(analyst, "typo").status_code for _ in range(5)] == [403] * 5


class TestFailedAttempts:
    def test_failures_leave_the_window_one_by_one(self) -> None:
        """A sliding window: each failure stops counting ``window`` seconds after it."""
        clock = FakeClock()
        attempts = FailedAttempts(limit=2, window=10, clock=clock)
        attempts.fail("a")
        clock.now += 4
        attempts.fail("a")
        assert attempts.retry_after("a") == 6
        clock.now += 6
        assert attempts.retry_after("a") == 0
        attempts.fail("a")
        assert attempts.retry_after("a") == 4

    def test_ipv6_clients_count_by_their_64_network(self) -> None:
        """Two addresses of one /64 are one client; IPv4 addresses are themselves."""
        assert client_key("2001:db8:1:2::5") == client_key("2001:db8:1:2:ffff::9")
        assert client_key("2001:db8:1:2::5") != client_key("2001:db8:1:3::5")
        assert client_key("192.0.2.1") == "192.0.2.1"
        assert client_key(None) == "unknown"

    def test_memory_is_bounded(self) -> None:
        """Past ``max_clients`` the least recently failing client is forgotten."""
        attempts = FailedAttempts(limit=1, window=60, clock=FakeClock(), max_clients=2)
        for key in ("a", "b", "a", "c"):
            attempts.fail(key)
        assert (attempts.retry_after("a"), attempts.retry_after("b")) == (60, 0)
        assert attempts.retry_after("c") == 60


class TestServeCommand:
    def run_serve(
        self, db_url: str, monkeypatch: pytest.MonkeyPatch, *args: str
    ) -> tuple[str, dict[str, Any]]:
        seen: dict[str, Any] = {}

        def fake_run(app: Any, **kwargs: Any) -> None:
            seen.update(kwargs, config=app.state.config, app=app)

        monkeypatch.setattr("uvicorn.run", fake_run)
        result = CliRunner().invoke(main, ["--db", db_url, "serve", *args])
        assert result.exit_code == 0, result.output
        return result.output, seen

    def test_default_binds_loopback_without_a_token(
        self, db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`clauselens serve` binds 127.0.0.1:8000 and asks for no token."""
        output, seen = self.run_serve(db_url, monkeypatch, "--reviewer", "ana")
        assert (seen["host"], seen["port"]) == ("127.0.0.1", 8000)
        assert seen["config"].token is None
        assert "http://127.0.0.1:8000/" in output

    @pytest.mark.parametrize(
        ("host", "bound", "url"),
        [("::1", "::1", "http://[::1]:8000/"), ("[::1]", "::1", "http://[::1]:8000/"),
         ("127.0.0.2", "127.0.0.2", "http://127.0.0.2:8000/")],
    )  # fmt: skip
    def test_printed_url_answers(
        self, db_url: str, monkeypatch: pytest.MonkeyPatch, host: str, bound: str, url: str
    ) -> None:
        """The URL printed for a loopback address (IPv6 in brackets) is one the app accepts."""
        output, seen = self.run_serve(db_url, monkeypatch, "--host", host)
        assert seen["host"] == bound
        assert f"Review page: {url} " in output
        assert seen["config"].token is None
        assert TestClient(seen["app"], base_url=url).get("/").status_code == 200
        assert TestClient(seen["app"], base_url="http://evil.example").get("/").status_code == 400

    def test_other_hosts_get_a_printed_token(
        self, db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Binding 0.0.0.0 prints a fresh token and gates the app with it."""
        monkeypatch.delenv("CLAUSELENS_SERVE_TOKEN", raising=False)
        output, seen = self.run_serve(db_url, monkeypatch, "--host", "0.0.0.0")
        token = seen["config"].token
        assert token
        assert token in output

    def test_settings_token_is_used_and_not_printed(
        self, db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """CLAUSELENS_SERVE_TOKEN is the token; it is not echoed."""
        monkeypatch.setenv("CLAUSELENS_SERVE_TOKEN", "from-env-token")
        output, seen = self.run_serve(db_url, monkeypatch, "--host", "0.0.0.0")
        assert seen["config"].token == "from-env-token"
        assert "from-env-token" not in output
