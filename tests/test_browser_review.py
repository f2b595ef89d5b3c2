"""The review page in headless Chromium (Debian's package) driven by Playwright.

The server runs with uvicorn in a thread on a free 127.0.0.1 port over a temporary store. An
analyst clears the queue with the keyboard: approve one item, edit another through the form,
reject the last; the store and the audit trail are checked afterwards. A clause carrying script
and img payloads must show as text, with no dialog ever opening.

Skipped only when /usr/bin/chromium is absent and CI is not set; in CI it must run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, sync_playwright

from clauselens import review
from clauselens.web import ServeConfig, create_app
from tests.support.browser import ARGS, ARTIFACTS, CHROMIUM, running
from tests.support.review_seed import add_document, analysis_of, save_analysis, seed_queue

PHONE = {"width": 390, "height": 844}
#: A clause written for these tests: Markdown, links good and bad, and raw HTML that must not run.
MARKDOWN_CLAUSE = (
    "You **must not** misuse the [Services](https://example.org/services).\n\n"
    "- Never follow [this link](javascript:alert(2)) or "
    '<a href="javascript:alert(3)">that one</a>.\n'
    "- Raw <img src=x onerror=alert(4)> and <script>alert(5)</script> stay text.\n"
    "- Accounts may be suspended without notice."
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]


@pytest.fixture
def seeded(engine: sa.Engine) -> dict[str, int]:
    return seed_queue(engine)


@pytest.fixture
def server(engine: sa.Engine, seeded: dict[str, int]) -> Iterator[str]:
    """The review app on a free loopback port; yields its base URL."""
    with running(create_app(engine, ServeConfig(reviewer="analyst-1"))) as base:
        yield base


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@dataclass
class Seen:
    """What the page did that it must not: open dialogs, throw errors."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def page(browser: Browser, seen: Seen) -> Iterator[Page]:
    """A page that records every dialog (none may open) and every page error."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.on("dialog", lambda d: (seen.dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: seen.errors.append(str(e)))
    yield pg
    context.close()


class TestKeyboardReview:
    def test_analyst_clears_the_queue_with_the_keyboard(
        self, server: str, page: Page, seen: Seen, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Enter opens, a approves, e + form edits, r + note rejects; the store agrees."""
        page.goto(f"{server}/")
        assert page.locator("#queue tbody tr").count() == 3
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/item/{seeded['unsure']}?**")

        # a: approve, and land on the next pending item
        page.keyboard.press("a")
        page.wait_for_url(f"**/item/{seeded['plain']}?**")
        assert "approved" in page.locator(".done").inner_text()
        page.locator("mark").first.wait_for()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "review-item.png"))

        # e: open the edit form (the title field gets focus), retitle, raise severity, submit
        page.keyboard.press("e")
        title = page.locator('input[name="f.title"]')
        assert title.evaluate("el => el === document.activeElement")
        page.keyboard.press("Control+a")
        page.keyboard.type("Delaware venue for non-arbitrable disputes")
        page.select_option('select[name="f.severity"]', "high")
        page.locator('#edit-form input[name="note"]').fill("venue clause is more severe")
        page.locator('input[name="f.title"]').focus()
        page.keyboard.press("Control+Enter")
        page.wait_for_url(f"**/item/{seeded['hostile']}?**")

        # r: focus the note, type why, submit with Ctrl+Enter: the queue is clear
        page.keyboard.press("r")
        page.keyboard.type("test clause, not policy text")
        page.keyboard.press("Control+Enter")
        page.wait_for_url(f"{server}/?**")
        assert "The queue is clear." in page.content()

        approved = review.history(engine, seeded["unsure"])
        assert [(e.action, e.reviewer) for e in approved] == [("approve", "analyst-1")]
        [edited] = review.history(engine, seeded["plain"])
        assert edited.action == "edit"
        assert edited.note == "venue clause is more severe"
        assert {p: (b, a) for p, b, a in edited.changes()} == {
            "title": (
                "Delaware courts for non-arbitrable disputes",
                "Delaware venue for non-arbitrable disputes",
            ),
            "severity": ("medium", "high"),
        }
        item = review.get_item(engine, seeded["plain"])
        assert (item.item.review_status, item.item.severity) == ("edited", "high")
        assert item.original is not None
        assert item.original["severity"] == "medium"
        [rejected] = review.history(engine, seeded["hostile"])
        assert (rejected.action, rejected.note) == ("reject", "test clause, not policy text")
        assert seen.dialogs == []
        assert seen.errors == []

    def test_j_and_k_move_between_items(
        self, server: str, page: Page, seeded: dict[str, int]
    ) -> None:
        """On an item, j goes to the next item of the queue and k back."""
        page.goto(f"{server}/item/{seeded['unsure']}")
        page.keyboard.press("j")
        page.wait_for_url(f"**/item/{seeded['plain']}?**")
        page.keyboard.press("k")
        page.wait_for_url(f"**/item/{seeded['unsure']}?**")


class TestUndo:
    def test_z_undoes_the_approval_just_made(
        self, server: str, page: Page, seen: Seen, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """a approves and moves on; z on the next page reverts it and goes back to the item."""
        page.goto(f"{server}/item/{seeded['unsure']}?status=pending")
        page.keyboard.press("a")
        page.wait_for_url(f"**/item/{seeded['plain']}?**")
        assert page.locator("#undo-form button").is_visible()
        page.keyboard.press("z")
        page.wait_for_url(f"**/item/{seeded['unsure']}?**done=reverted**")
        assert page.locator(".badges .status").inner_text() == "pending"
        assert [e.action for e in review.history(engine, seeded["unsure"])] == [
            "approve",
            "revert",
        ]
        assert seen.errors == []

    def test_the_offer_goes_after_a_few_seconds(
        self, server: str, page: Page, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """The page's clock is moved past ``undo_seconds``: no button, and z does nothing."""
        page.clock.install()
        page.goto(f"{server}/item/{seeded['unsure']}?status=pending")
        page.keyboard.press("a")
        page.wait_for_url(f"**/item/{seeded['plain']}?**")
        assert page.locator("#undo-form").count() == 1
        page.clock.run_for(11_000)
        assert page.locator("#undo-form").count() == 0
        page.keyboard.press("z")
        page.wait_for_timeout(300)
        assert f"/item/{seeded['plain']}?" in page.url
        assert [e.action for e in review.history(engine, seeded["unsure"])] == ["approve"]


@pytest.fixture
def markdown_item(engine: sa.Engine, seeded: dict[str, int]) -> int:
    """An analysis of ``MARKDOWN_CLAUSE`` quoting its last sentence."""
    [clause] = add_document(engine, "Example", "Markdown Terms", [(["Use"], MARKDOWN_CLAUSE)])
    quote = "Accounts may be suspended without notice."
    return save_analysis(engine, clause, analysis_of(quote, title="Suspension without notice"))


@pytest.fixture
def phone(browser: Browser, seen: Seen) -> Iterator[Page]:
    """A page 390 px wide (a phone), recording dialogs and errors like ``page``."""
    context = browser.new_context(viewport=PHONE)
    pg = context.new_page()
    pg.on("dialog", lambda d: (seen.dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: seen.errors.append(str(e)))
    yield pg
    context.close()


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: nothing cut off)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))


class TestNarrowScreen:
    def test_queue_fits_a_phone(self, server: str, phone: Page, seeded: dict[str, int]) -> None:
        """At 390 px no horizontal scroll, and every row shows its title, severity and status."""
        phone.goto(f"{server}/")
        assert overflow(phone) == 0
        rows = phone.locator("#queue tbody tr")
        assert rows.count() == 3
        for n in range(3):
            for part in ("td.title a", ".level", ".status"):
                box = rows.nth(n).locator(part).first.bounding_box()
                assert box is not None
                assert box["x"] >= 0
                assert box["x"] + box["width"] <= PHONE["width"]
        ARTIFACTS.mkdir(exist_ok=True)
        phone.screenshot(path=str(ARTIFACTS / "review-queue-390.png"), full_page=True)

    def test_item_fits_a_phone(self, server: str, phone: Page, markdown_item: int) -> None:
        """The item page is one column without horizontal scroll."""
        phone.goto(f"{server}/item/{markdown_item}")
        assert overflow(phone) == 0
        ARTIFACTS.mkdir(exist_ok=True)
        phone.screenshot(path=str(ARTIFACTS / "review-item-390.png"), full_page=True)


class TestClauseMarkdown:
    def test_markdown_is_rendered_and_raw_html_is_text(
        self, server: str, phone: Page, seen: Seen, markdown_item: int
    ) -> None:
        """Bold and a web link render; javascript: links, img and script from the clause do not:
        they show as text, nothing runs, no dialog opens."""
        phone.goto(f"{server}/item/{markdown_item}")
        clause = phone.locator("#clause-text")
        assert clause.locator("strong").inner_text() == "must not"
        assert clause.locator("li").count() == 3
        [link] = clause.locator("a").all()
        assert link.get_attribute("href") == "https://example.org/services"
        assert "noopener" in (link.get_attribute("rel") or "")
        assert phone.locator('main a[href^="javascript:"], main [onerror]').count() == 0
        assert clause.locator("img, script").count() == 0
        text = clause.inner_text()
        assert "<img src=x onerror=alert(4)>" in text
        assert "<script>alert(5)</script>" in text
        assert '<a href="javascript:alert(3)">that one</a>' in text
        assert clause.locator("mark").inner_text() == "Accounts may be suspended without notice."
        font = clause.evaluate("el => getComputedStyle(el).fontFamily")
        assert "Georgia" not in font
        phone.wait_for_timeout(300)
        assert seen.dialogs == []
        assert seen.errors == []

    def test_t_shows_the_raw_text_and_back(
        self, server: str, phone: Page, markdown_item: int
    ) -> None:
        """t swaps the rendered clause for its stored text (quotes still marked), and back."""
        phone.goto(f"{server}/item/{markdown_item}")
        raw = phone.locator("#clause-raw")
        assert raw.is_hidden()
        phone.keyboard.press("t")
        assert raw.is_visible()
        assert phone.locator("#clause-text").is_hidden()
        assert "You **must not** misuse the [Services](https://example.org/services)." in (
            raw.inner_text()
        )
        assert raw.locator("mark").inner_text() == "Accounts may be suspended without notice."
        assert phone.locator("#raw-toggle").get_attribute("aria-pressed") == "true"
        phone.keyboard.press("t")
        assert raw.is_hidden()
        assert phone.locator("#clause-text").is_visible()


class TestHostileClause:
    def test_no_script_runs_and_the_payload_shows_as_text(
        self, server: str, page: Page, seen: Seen, seeded: dict[str, int]
    ) -> None:
        """Script and onerror payloads never run: no dialog, no injected element."""
        page.goto(f"{server}/")
        page.goto(f"{server}/item/{seeded['hostile']}")
        page.locator("#edit-panel").evaluate("el => el.open = true")
        clause = page.locator("#clause-text").inner_text()
        assert "<script>alert(1)</script>" in clause
        assert '"><img src=x onerror=alert(1)>' in clause
        assert page.locator("h1").inner_text().endswith('"><img src=x onerror=alert(1)>')
        assert page.locator("main img").count() == 0
        assert page.locator("main script").count() == 0
        page.wait_for_timeout(300)
        assert seen.dialogs == []
        page.evaluate("() => window.alert('control')")  # the listener does see dialogs
        assert seen.dialogs == ["control"]
