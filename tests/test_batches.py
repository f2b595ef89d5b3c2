"""The Message Batches mode against the fake server: submit, collect in any order, re-ask,
split, resume after an interruption, and the CLI path (``run --via batches`` / ``--resume``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from clauselens.cli import main
from clauselens.config import Settings, load_settings
from clauselens.pipeline.analyze.work import WorkItem
from clauselens.pipeline.runs import batches
from clauselens.pipeline.runs.run import Callbacks, RunOptions, RunSummary, run
from clauselens.schemas import AnalysisResult
from clauselens.store import open_store
from clauselens.store import tables as t
from clauselens.testing.fake_api import FakeApi, Reply

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEVELOPER_TERMS = FIXTURES / "ota/current/claude-ai/developer-terms.md"
META = {"entity": "Claude.ai", "title": "Developer Terms", "terms_type": "Developer Terms"}
KEY = "sk-ant-test-batches-0000"


@pytest.fixture(scope="module")
def _batch_server() -> Iterator[FakeApi]:
    with FakeApi(batch_polls=2) as api:
        yield api


@pytest.fixture
def api(_batch_server: FakeApi, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    """The fake server (batches stay in progress for two polls), reset, with key and URL set."""
    _batch_server.reset()
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", _batch_server.base_url)
    monkeypatch.setattr(batches, "POLL_INTERVAL", 0.01)
    yield _batch_server
    _batch_server.reset()


@pytest.fixture
def batch_settings(api: FakeApi, db_url: str) -> Settings:
    return load_settings({"db_url": db_url})


@pytest.fixture
def store(batch_settings: Settings) -> Iterator[sa.Engine]:
    engine = open_store(batch_settings.db_url)
    yield engine
    engine.dispose()


def submit(engine: sa.Engine, settings: Settings) -> RunSummary:
    options = RunOptions(analyzer="claude", via="batches")
    return run(engine, [DEVELOPER_TERMS], settings, options, ingest_options=META)


def analyses(engine: sa.Engine) -> list[Any]:
    a = t.analyses.c
    query = sa.select(a.clause_sha256, a.status, a.clause_pk, a.provenance).order_by(a.id)
    with engine.connect() as conn:
        return list(conn.execute(query))


def clause_hashes(engine: sa.Engine) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(t.clauses.c.id, t.clauses.c.clause_sha256)).all())


def paths(api: FakeApi) -> list[str]:
    return [f"{r.method} {r.path}" for r in api.requests]


def created_ids(api: FakeApi) -> list[list[str]]:
    """The custom ids of each ``POST /v1/messages/batches``, in submission order."""
    bodies = [r.body for r in api.requests if r.path == "/v1/messages/batches"]
    return [[q["custom_id"] for q in body["requests"]] for body in bodies]


class TestCollect:
    def test_results_out_of_order_map_back_to_their_clauses(
        self, api: FakeApi, store: sa.Engine, batch_settings: Settings
    ) -> None:
        """Shuffled results each land on the clause their custom_id names, once, valid."""
        summary = submit(store, batch_settings)
        assert summary.status == "waiting"
        assert len(summary.batch_ids) == 1
        sent = created_ids(api)[0]

        client = anthropic.Anthropic(api_key=KEY, base_url=api.base_url)
        for _ in range(3):
            client.messages.batches.retrieve(summary.batch_ids[0])
        returned = [r.custom_id for r in client.messages.batches.results(summary.batch_ids[0])]
        client.close()
        assert sorted(returned) == sorted(sent)
        assert returned != sent  # the fake really shuffles

        done = batches.resume_run(store, summary.run_id, batch_settings)
        assert done.status == "succeeded"
        assert done.counts["analysed"] == len(sent)
        rows = analyses(store)
        hashes = clause_hashes(store)
        assert len(rows) == len({r.clause_sha256 for r in rows}) == len(sent)
        for row in rows:
            assert row.status == "valid"
            batch_id, cid = row.provenance["request_id"].split("/")
            assert batch_id == summary.batch_ids[0]
            assert cid == f"c{row.clause_pk}-{hashes[row.clause_pk][:12]}"
            assert hashes[row.clause_pk] == row.clause_sha256
        assert "POST /v1/messages" not in paths(api)

    def test_batch_answers_are_costed_at_the_batch_discount(
        self, api: FakeApi, store: sa.Engine, batch_settings: Settings
    ) -> None:
        """A stored batch answer's cost is half the Messages API price of its usage."""
        from clauselens.pricing import cost_usd
        from clauselens.schemas import Usage

        summary = submit(store, batch_settings)
        batches.resume_run(store, summary.run_id, batch_settings)
        row = analyses(store)[0]
        usage = Usage.model_validate(row.provenance["usage"])
        full = cost_usd(summary.model, usage)
        assert full > 0
        assert row.provenance["cost_usd"] == pytest.approx(full / 2, rel=1e-6)

    @pytest.mark.parametrize("fault", ["schema_invalid", "bad_quote", "refusal", "server_error"])
    def test_a_failed_batch_request_is_redone_through_the_messages_api(
        self, fault: str, api: FakeApi, store: sa.Engine, batch_settings: Settings
    ) -> None:
        """The batch attempt is kept first in failed_attempts; one Messages call redoes it."""
        summary = submit(store, batch_settings)
        api.script(fault)  # consumed by the first request when the batch ends
        done = batches.resume_run(store, summary.run_id, batch_settings)
        assert done.status == "succeeded"
        assert paths(api).count("POST /v1/messages") == 1
        redone = [r for r in analyses(store) if r.provenance["failed_attempts"]]
        assert len(redone) == 1
        provenance = redone[0].provenance
        assert redone[0].status == "valid"
        assert provenance["attempts"] == 2
        kind = provenance["failed_attempts"][0]["kind"]
        expected = {
            "schema_invalid": "schema_invalid",
            "bad_quote": "semantic_invalid",
            "refusal": "refusal",
            "server_error": "batch_errored",
        }
        assert kind == expected[fault]
        assert all(r.status == "valid" for r in analyses(store))
        (redo,) = api.message_bodies()
        if kind.endswith("_invalid"):  # a re-ask: the batch's own answer, then its errors
            assert redo["messages"][-2]["role"] == "assistant"
            assert redo["messages"][-2]["content"] == provenance["failed_attempts"][0]["raw_output"]
            assert "fix" in json.dumps(redo["messages"][-1]).lower()
        else:  # nothing to re-ask about: the request is sent afresh
            assert redo["messages"][-1]["role"] == "user"
            assert len(redo["messages"]) == 1

    @pytest.mark.parametrize(
        ("reply", "kind"),
        [
            (
                Reply(kind="ok", stop_reason="model_context_window_exceeded"),
                "model_context_window_exceeded",
            ),
            (Reply(kind="ok", stop_reason="pause_turn"), "pause_turn"),
            (Reply(kind="refusal", refusal_category="cyber"), "refusal"),
            (Reply(kind="text", text=" "), "empty_answer"),
        ],
    )
    def test_every_stop_but_end_turn_is_judged_a_failed_attempt(
        self, reply: Reply, kind: str, api: FakeApi, store: sa.Engine, batch_settings: Settings
    ) -> None:
        """A batch answer that did not end its turn, or ended it blank, is recorded with its
        reason (a refusal with its category) and redone afresh, never re-asked."""
        summary = submit(store, batch_settings)
        api.script(reply)
        done = batches.resume_run(store, summary.run_id, batch_settings)
        assert done.status == "succeeded"
        [redone] = [r for r in analyses(store) if r.provenance["failed_attempts"]]
        first = redone.provenance["failed_attempts"][0]
        assert first["kind"] == kind
        if kind == "refusal":
            assert "(category cyber)" in first["message"]
        (redo,) = api.message_bodies()
        assert [m["role"] for m in redo["messages"]] == ["user"]

    def test_a_canceled_batch_is_redone_through_the_messages_api(
        self, api: FakeApi, store: sa.Engine, batch_settings: Settings
    ) -> None:
        """Every canceled request is redone; each clause ends with one valid analysis."""
        summary = submit(store, batch_settings)
        client = anthropic.Anthropic(api_key=KEY, base_url=api.base_url)
        client.messages.batches.cancel(summary.batch_ids[0])
        client.close()
        done = batches.resume_run(store, summary.run_id, batch_settings)
        assert done.status == "succeeded"
        assert paths(api).count("POST /v1/messages") == 8
        kinds = {r.provenance["failed_attempts"][0]["kind"] for r in analyses(store)}
        assert kinds == {"batch_canceled"}

    def test_a_batch_the_api_no_longer_knows_fails_the_run_without_a_traceback(
        self, api: FakeApi, store: sa.Engine, batch_settings: Settings
    ) -> None:
        """A 404 on retrieval is reported in the summary; the batch stays uncollected."""
        summary = submit(store, batch_settings)
        with store.begin() as conn:
            conn.execute(t.batches.update().values(batch_id="msgbatch_gone"))
        out = batches.resume_run(store, summary.run_id, batch_settings)
        assert out.status == "failed"
        assert out.fatal is not None
        assert "404" in out.fatal
        assert batches.waiting_runs(store) == [summary.run_id]

    def test_a_messages_run_cannot_be_resumed(
        self, api: FakeApi, store: sa.Engine, batch_settings: Settings
    ) -> None:
        from clauselens.errors import UsageError

        options = RunOptions(analyzer="claude")
        direct = run(store, [DEVELOPER_TERMS], batch_settings, options, ingest_options=META)
        with pytest.raises(UsageError, match="Message Batches"):
            batches.resume_run(store, direct.run_id, batch_settings)


class TestSubmit:
    def test_requests_are_split_when_the_per_batch_limit_is_lowered(
        self, api: FakeApi, store: sa.Engine, batch_settings: Settings, monkeypatch: Any
    ) -> None:
        """Eight clauses at three requests a batch make three batches, all collected."""
        monkeypatch.setattr(batches, "MAX_BATCH_REQUESTS", 3)
        summary = submit(store, batch_settings)
        assert [len(ids) for ids in created_ids(api)] == [3, 3, 2]
        assert len(summary.batch_ids) == 3
        done = batches.resume_run(store, summary.run_id, batch_settings)
        assert done.status == "succeeded"
        assert done.counts["analysed"] == 8
        assert all(b.collected_at for b in batches.list_batches(store, summary.run_id))

    def test_requests_are_split_by_json_size(
        self, api: FakeApi, store: sa.Engine, batch_settings: Settings, monkeypatch: Any
    ) -> None:
        """No create body is over the byte limit; every request is sent exactly once."""
        limit = 40_000
        monkeypatch.setattr(batches, "MAX_BATCH_BYTES", limit)
        submit(store, batch_settings)
        bodies = [r.raw_body for r in api.requests if r.path == "/v1/messages/batches"]
        assert len(bodies) > 1
        assert all(len(body) <= limit for body in bodies)
        ids = [cid for group in created_ids(api) for cid in group]
        assert len(ids) == len(set(ids)) == 8

    def test_custom_ids_match_the_api_pattern(
        self, api: FakeApi, store: sa.Engine, batch_settings: Settings
    ) -> None:
        submit(store, batch_settings)
        assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", cid) for cid in created_ids(api)[0])

    def test_a_rerun_with_nothing_new_submits_no_batch(
        self, api: FakeApi, store: sa.Engine, batch_settings: Settings
    ) -> None:
        """Once collected, the same capture again needs no batch and no call."""
        batches.resume_run(store, submit(store, batch_settings).run_id, batch_settings)
        api.reset()
        again = submit(store, batch_settings)
        assert again.status == "succeeded"
        assert again.batch_ids == []
        assert api.requests == []


class TestResume:
    def test_an_interrupted_collection_resumes_without_duplicates(
        self, api: FakeApi, store: sa.Engine, batch_settings: Settings
    ) -> None:
        """A collection stopped after three results and resumed stores each clause once."""
        summary = submit(store, batch_settings)
        seen: list[str] = []

        def stop_after_three(item: WorkItem, result: AnalysisResult) -> None:
            seen.append(result.clause_sha256)
            if len(seen) == 3:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            batches.resume_run(
                store, summary.run_id, batch_settings, Callbacks(on_result=stop_after_three)
            )
        assert batches.waiting_runs(store) == [summary.run_id]
        first = list(seen)

        def record(item: WorkItem, result: AnalysisResult) -> None:
            seen.append(result.clause_sha256)

        done = batches.resume_run(
            store, summary.run_id, batch_settings, Callbacks(on_result=record)
        )
        assert done.status == "succeeded"
        assert len(seen) == 8
        assert len(set(seen)) == 8
        assert set(first) <= {r.clause_sha256 for r in analyses(store)}
        assert len(analyses(store)) == 8
        assert done.counts["analysed"] == 8
        assert batches.waiting_runs(store) == []

    def test_collecting_a_finished_run_again_changes_nothing(
        self, api: FakeApi, store: sa.Engine, batch_settings: Settings
    ) -> None:
        summary = submit(store, batch_settings)
        first = batches.resume_run(store, summary.run_id, batch_settings)
        calls = len(api.requests)
        second = batches.resume_run(store, summary.run_id, batch_settings)
        assert len(api.requests) == calls
        assert (second.status, second.counts) == (first.status, first.counts)
        assert second.cost_usd == pytest.approx(first.cost_usd)

    def test_a_timeout_leaves_the_run_waiting(
        self, api: FakeApi, store: sa.Engine, batch_settings: Settings
    ) -> None:
        """With a timeout shorter than the poll interval, the run is still waiting."""
        summary = submit(store, batch_settings)
        out = batches.resume_run(
            store, summary.run_id, batch_settings, poll_interval=5.0, timeout=0.1
        )
        assert out.status == "waiting"
        assert analyses(store) == []


class TestCli:
    def test_run_via_batches_then_resume(self, api: FakeApi, db_url: str) -> None:
        """`run --via batches` leaves a waiting run; `run --resume` finishes it."""
        runner = CliRunner()
        meta = ["--entity", META["entity"], "--title", META["title"]]
        args = ["--db", db_url, "run", "--analyzer", "claude", "--via", "batches"]
        submitted = runner.invoke(main, [*args, str(DEVELOPER_TERMS), *meta])
        assert submitted.exit_code == 0, submitted.output
        match = re.search(r"--resume (run-\S+)`", submitted.output)
        assert match, submitted.output
        run_id = match.group(1)

        listed = runner.invoke(main, ["--db", db_url, "batches", "list", "--json"])
        assert listed.exit_code == 0
        assert run_id in listed.output

        resumed = runner.invoke(main, ["--db", db_url, "run", "--resume", run_id])
        assert resumed.exit_code == 0, resumed.output
        assert "succeeded" in resumed.output

        nothing = runner.invoke(main, ["--db", db_url, "batches", "collect"])
        assert nothing.exit_code == 0
        assert "No run is waiting" in nothing.output

    def test_batches_collect_finishes_every_waiting_run(self, api: FakeApi, db_url: str) -> None:
        runner = CliRunner()
        args = ["--db", db_url, "run", "--analyzer", "claude", "--via", "batches"]
        meta = ["--entity", META["entity"], "--title", META["title"]]
        assert runner.invoke(main, [*args, str(DEVELOPER_TERMS), *meta]).exit_code == 0
        collected = runner.invoke(main, ["--db", db_url, "batches", "collect"])
        assert collected.exit_code == 0, collected.output
        assert "succeeded" in collected.output


# --- batches inside the main job: triage, clauses in flight, change analyses ---

CHATGPT_HISTORY = FIXTURES / "ota" / "history" / "chatgpt" / "terms-of-service"
PAIR = sorted(CHATGPT_HISTORY.glob("v*.md"))[:2]
CHATGPT = {"entity": "ChatGPT", "title": "Terms of Service"}


def batched(api: FakeApi) -> int:
    """Requests sent inside batches so far."""
    return sum(
        len(r.body["requests"])
        for r in api.requests
        if r.method == "POST" and r.path.endswith("/messages/batches")
    )


def test_a_later_run_does_not_pay_for_clauses_in_flight(
    store: sa.Engine, batch_settings: Settings, api: FakeApi
) -> None:
    waiting = run(
        store, [DEVELOPER_TERMS], batch_settings, RunOptions(via="batches"), ingest_options=META
    )
    assert waiting.status == "waiting"
    again = run(store, [DEVELOPER_TERMS], batch_settings, RunOptions(), ingest_options=META)
    assert api.message_bodies() == []
    assert again.counts["analysed"] == 0


def test_triage_keeps_empty_clauses_out_of_the_batch(
    store: sa.Engine, batch_settings: Settings, api: FakeApi
) -> None:
    options = RunOptions(via="batches", triage=True)
    summary = run(store, [DEVELOPER_TERMS], batch_settings, options, ingest_options=META)
    a = t.analyses.c
    with store.connect() as conn:
        triaged = set(conn.execute(sa.select(a.clause_sha256).where(a.triaged_out)).scalars())
    sent = {
        request["custom_id"].rsplit("-", 1)[1]
        for r in api.requests
        if r.method == "POST" and r.path.endswith("/messages/batches")
        for request in r.body["requests"]
    }
    assert triaged
    assert len(sent) == batched(api) == summary.counts["submitted"]
    assert summary.counts["triaged"] == len(triaged)
    assert summary.counts["to_analyse"] == len(sent) + len(triaged)
    assert not {sha[:12] for sha in triaged} & sent


def test_change_analyses_follow_the_collected_batches(
    store: sa.Engine, batch_settings: Settings, api: FakeApi
) -> None:
    first = run(store, PAIR[:1], batch_settings, RunOptions(via="batches"), ingest_options=CHATGPT)
    batches.resume_run(store, first.run_id, batch_settings, poll_interval=0.01)
    second = run(store, PAIR[1:], batch_settings, RunOptions(via="batches"), ingest_options=CHATGPT)
    done = batches.resume_run(store, second.run_id, batch_settings, poll_interval=0.01)
    ch = t.changes.c
    with store.connect() as conn:
        modified = (
            conn.execute(sa.select(ch.analyzer).where(ch.change_class == "modified"))
            .scalars()
            .all()
        )
    assert modified
    assert set(modified) == {"claude"}
    assert done.counts["change_analyses"] == len(modified)


def test_a_forgotten_batch_finishes_its_run_and_its_clauses_go_out_again(
    store: sa.Engine, batch_settings: Settings, api: FakeApi
) -> None:
    waiting = run(
        store, [DEVELOPER_TERMS], batch_settings, RunOptions(via="batches"), ingest_options=META
    )
    (batch_id,) = waiting.batch_ids
    done = batches.forget_batch(store, batch_id)
    assert done.status == "partial"  # its clauses were never analysed
    assert batches.waiting_runs(store) == []
    again = run(store, [DEVELOPER_TERMS], batch_settings, RunOptions(), ingest_options=META)
    assert again.counts["analysed"] == waiting.counts["to_analyse"]
    result = CliRunner().invoke(
        main, ["--db", batch_settings.db_url, "batches", "forget", batch_id]
    )
    assert result.exit_code == 2
    assert "already collected" in result.output


CHATGPT_AUP = FIXTURES / "ota/current/chatgpt/acceptable-use-policy.md"
CHATGPT_AUP_META = {"entity": "ChatGPT", "title": "Usage Policies"}
COUNTED = (
    "captures",
    "new_versions",
    "failed_captures",
    "clauses_seen",
    "to_analyse",
    "reused",
    "headings",
    "analysed",
    "triaged",
    "failed",
    "flagged",
    "change_analyses",
)


def counted_run(
    engine: sa.Engine, paths: list[Path], settings: Settings, meta: dict[str, str], via: str
) -> RunSummary:
    """A --triage Claude run; a batches run is submitted, then collected."""
    options = RunOptions(
        analyzer="claude", triage=True, via="batches" if via == "batches" else "messages"
    )
    summary = run(engine, paths, settings, options, ingest_options=meta)
    if via == "batches":
        summary = batches.resume_run(engine, summary.run_id, settings)
    return summary


def test_messages_and_batches_count_the_same_run_the_same_way(
    batch_settings: Settings, api: FakeApi, tmp_path: Path
) -> None:
    """The same captures with --triage, via messages in one store and via batches in another:
    every count agrees (change analyses of a second version included)."""
    summaries: dict[str, list[RunSummary]] = {}
    for via in ("messages", "batches"):
        engine = open_store(f"sqlite:///{tmp_path / via}.db")
        summaries[via] = [
            counted_run(engine, [DEVELOPER_TERMS], batch_settings, META, via),
            counted_run(engine, PAIR[:1], batch_settings, CHATGPT, via),
            counted_run(engine, PAIR[1:], batch_settings, CHATGPT, via),
            counted_run(engine, [CHATGPT_AUP], batch_settings, CHATGPT_AUP_META, via),
        ]
        engine.dispose()
    for direct, batched_run in zip(summaries["messages"], summaries["batches"], strict=True):
        assert direct.status == batched_run.status == "succeeded"
        assert {k: direct.counts[k] for k in COUNTED} == {k: batched_run.counts[k] for k in COUNTED}
        sent = direct.counts["to_analyse"] - direct.counts["triaged"]
        assert batched_run.counts["submitted"] == sent
    developer_terms, _, second_version, with_headings = summaries["messages"]
    assert developer_terms.counts["triaged"] > 0
    assert with_headings.counts["headings"] > 0
    assert second_version.counts["change_analyses"] > 0
