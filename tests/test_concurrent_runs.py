"""Two runs on one store: migrations safe when processes start at once, and clauses claimed
before their request is sent, so that nothing is paid twice (issue 16, point 6)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from clauselens import prompts
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.config import Settings
from clauselens.pipeline.analyze.claims import CHUNK, ChangeClaimer, Claimer
from clauselens.pipeline.analyze.work import document_context_for, pending_work
from clauselens.pipeline.ingest.captures import ingest
from clauselens.pipeline.runs.records import get_run
from clauselens.pipeline.runs.run import Callbacks, RunOptions, RunSummary, run
from clauselens.pipeline.versions.change_analysis import ChangeAnalysisReport, analyze_changes
from clauselens.store import open_store
from clauselens.store import tables as t
from clauselens.store.queries.pending import AnalyzerKey
from clauselens.testing.fake_api import FakeApi
from tests.support.dead_run import dead_run
from tests.support.keys import FAKE_API_KEY
from tests.support.paths import FIXTURES
from tests.support.together import run_together

AUP = FIXTURES / "ota" / "current" / "claude-ai" / "acceptable-use-policy.md"
DEV_TERMS = FIXTURES / "ota" / "current" / "claude-ai" / "developer-terms.md"
META = {"entity": "Claude.ai", "title": "Usage Policy"}
OPEN_STORE = "from clauselens.store import open_store"
# What a run imports, imported before the start signal, so that neither process starts ahead.
pytestmark = pytest.mark.stores  # SQLite and PostgreSQL (tests/conftest.py)
CLI_IMPORTS = "import clauselens.cli, clauselens.cli.run, clauselens.analyzers.claude"


def count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def claude_key(settings: Settings) -> AnalyzerKey:
    return AnalyzerKey("claude", settings.model, prompts.prompt_version())


def pending_texts(engine: sa.Engine, settings: Settings) -> list[str]:
    """The AUP ingested; the clause texts a Claude run would send for it."""
    report = ingest(engine, [AUP], settings, META)
    with engine.connect() as conn:
        work = pending_work(conn, report.versions, claude_key(settings), settings)
    return [item.input.clause_sha256 for item in work.items]


class TestMigrationsAtOnce:
    def test_processes_opening_a_fresh_store_at_once_all_succeed(
        self, tmp_path: Path, db_url: str
    ) -> None:
        """Four processes open (and so migrate) a store that does not exist yet (a new file, an
        empty database) at the same moment: each succeeds and every migration is recorded once."""
        url = db_url
        outcomes = run_together(OPEN_STORE, f"open_store({url!r})", processes=4, folder=tmp_path)
        assert [o.returncode for o in outcomes] == [0] * 4, [o.stderr for o in outcomes]
        engine = open_store(url)
        with engine.connect() as conn:
            names = conn.execute(sa.text("SELECT name FROM _migrations")).scalars().all()
        engine.dispose()
        assert len(names) == len(set(names)) > 0


class TestClaims:
    def test_a_text_claimed_by_one_run_is_not_taken_by_another(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        shas = pending_texts(engine, settings)
        first = Claimer(engine, claude_key(settings), "run-a")
        second = Claimer(engine, claude_key(settings), "run-b")
        assert first.take(shas[:3]) == set(shas[:3])
        assert second.take(shas[:5]) == set(shas[3:5])

    def test_more_texts_than_one_statement_names_are_all_claimed(self, engine: sa.Engine) -> None:
        """A batch may hold 100,000 requests, more than a SQLite statement may name (32,766
        values where the library keeps its default): they are claimed ``CHUNK`` at a time."""
        shas = [f"{n:064x}" for n in range(2 * CHUNK + 1)]
        key = AnalyzerKey("claude", "claude-sonnet-5-5", "test0001")
        assert Claimer(engine, key, "run-a").take(shas) == set(shas)
        assert Claimer(engine, key, "run-b").take(shas) == set()

    def test_an_expired_claim_is_taken_over(self, engine: sa.Engine, settings: Settings) -> None:
        shas = pending_texts(engine, settings)
        then = datetime.now(UTC) - timedelta(hours=1)
        killed = Claimer(engine, claude_key(settings), "run-killed", lease=60, clock=lambda: then)
        assert killed.take(shas) == set(shas)
        later = Claimer(engine, claude_key(settings), "run-later", lease=60)
        assert later.take(shas) == set(shas)

    def test_a_renewed_claim_outlives_its_first_lease(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        start = datetime.now(UTC) - timedelta(seconds=90)
        clock = [start]
        holder = Claimer(engine, claude_key(settings), "run-a", lease=60, clock=lambda: clock[0])
        shas = pending_texts(engine, settings)[:2]
        holder.take(shas)
        clock[0] = start + timedelta(seconds=50)
        holder.renew()  # now in force until start + 110 s: 20 s from now
        assert Claimer(engine, claude_key(settings), "run-b").take(shas) == set()

    def test_a_text_analysed_since_the_plan_is_not_claimed(
        self, engine: sa.Engine, claude_settings: Settings
    ) -> None:
        """A run planned these texts, then another run analysed them: its claim lets them go."""
        planned = pending_texts(engine, claude_settings)
        run(engine, [AUP], claude_settings, RunOptions(), ingest_options=META)
        late = Claimer(engine, claude_key(claude_settings), "run-late")
        assert planned
        assert late.take(planned) == set()
        assert count(engine, t.claims) == 0


def _two_runs_at_once(
    settings: Settings, db_url: str, paths: list[Path], ingest_options: dict[str, str] | None = META
) -> tuple[RunSummary, RunSummary]:
    """Two runs over ``paths``, each with an engine of its own, both planned (every clause to
    analyse) before either sends a request."""
    planned = threading.Barrier(2)
    summaries: list[RunSummary] = []
    errors: list[BaseException] = []

    def one() -> None:
        engine = open_store(db_url)
        try:
            callbacks = Callbacks(on_start=lambda _: planned.wait(timeout=60))
            options = RunOptions(concurrency=4)
            summaries.append(
                run(engine, paths, settings, options, callbacks, ingest_options=ingest_options)
            )
        except BaseException as exc:
            errors.append(exc)
            planned.abort()
        finally:
            engine.dispose()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    first, second = summaries
    return first, second


class TestTwoRuns:
    def test_two_runs_planned_together_send_each_clause_once(
        self, engine: sa.Engine, db_url: str, claude_settings: Settings, fake_api: FakeApi
    ) -> None:
        """Both runs planned every clause; the claims split them, and the server receives
        as many requests as one run alone makes, each analysis stored once."""
        texts = pending_texts(engine, claude_settings)
        first, second = _two_runs_at_once(claude_settings, db_url, [AUP])
        requests = len(fake_api.message_bodies())
        assert first.counts["to_analyse"] == second.counts["to_analyse"] == len(texts)
        assert requests == len(texts) == count(engine, t.analyses)
        assert first.counts["analysed"] + second.counts["analysed"] == len(texts)
        for summary in (first, second):
            assert summary.status == "succeeded"
            assert summary.counts["analysed"] + summary.counts["claimed_elsewhere"] == len(texts)
        assert count(engine, t.claims) == 0

    def test_a_run_leaves_the_clauses_another_live_run_holds(
        self, engine: sa.Engine, claude_settings: Settings, fake_api: FakeApi
    ) -> None:
        texts = pending_texts(engine, claude_settings)
        Claimer(engine, claude_key(claude_settings), "run-elsewhere").take(texts[:4])
        summary = run(engine, [AUP], claude_settings, RunOptions(), ingest_options=META)
        assert len(fake_api.message_bodies()) == summary.counts["analysed"] == len(texts) - 4
        assert count(engine, t.claims) == 4  # the other run's, untouched

    def test_a_killed_runs_claims_expire_and_a_later_run_takes_them(
        self, engine: sa.Engine, claude_settings: Settings, fake_api: FakeApi
    ) -> None:
        """A run on another machine (its process cannot be checked) claimed every clause and
        was killed; once its leases have run out, the next run sends them all."""
        texts = pending_texts(engine, claude_settings)
        lease = claude_settings.claim_lease
        then = datetime.now(UTC) - timedelta(seconds=2 * lease)
        key = claude_key(claude_settings)
        Claimer(engine, key, "run-killed", lease=lease, clock=lambda: then).take(texts)
        summary = run(engine, [AUP], claude_settings, RunOptions(), ingest_options=META)
        assert len(fake_api.message_bodies()) == summary.counts["analysed"] == len(texts)
        assert count(engine, t.claims) == 0

    def test_a_dead_runs_claims_end_when_the_next_run_starts(
        self, engine: sa.Engine, claude_settings: Settings, fake_api: FakeApi
    ) -> None:
        """A run killed on this machine holds claims still in force; the next run finds its
        process gone, ends them at once and sends every clause, and records the dead run as
        interrupted."""
        texts = pending_texts(engine, claude_settings)
        dead = dead_run(
            engine, model=claude_settings.model, prompt_version=prompts.prompt_version()
        )
        Claimer(engine, claude_key(claude_settings), dead).take(texts)
        summary = run(engine, [AUP], claude_settings, RunOptions(), ingest_options=META)
        assert len(fake_api.message_bodies()) == summary.counts["analysed"] == len(texts)
        assert get_run(engine, dead).status == "interrupted"
        with engine.connect() as conn:
            status = conn.execute(sa.select(t.runs.c.status).where(t.runs.c.id == dead))
            assert status.scalar_one() == "interrupted"  # recorded, not only shown

    def test_a_run_of_another_pid_namespace_is_not_judged_dead(
        self, engine: sa.Engine, claude_settings: Settings, fake_api: FakeApi
    ) -> None:
        """A container sharing this host's name has process ids of its own: a run recorded
        there keeps its claims (they expire with their lease if it was killed)."""
        texts = pending_texts(engine, claude_settings)
        other = dead_run(
            engine,
            model=claude_settings.model,
            prompt_version=prompts.prompt_version(),
            pidns="pid:[1]",
        )
        Claimer(engine, claude_key(claude_settings), other).take(texts[:4])
        summary = run(engine, [AUP], claude_settings, RunOptions(), ingest_options=META)
        assert len(fake_api.message_bodies()) == summary.counts["analysed"] == len(texts) - 4
        assert get_run(engine, other).status == "running"
        assert count(engine, t.claims) == 4


class TestTwoProcesses:
    def test_two_cli_runs_started_at_once_on_a_fresh_store_pay_like_one(
        self, tmp_path: Path, new_db_url: Callable[[str], str]
    ) -> None:
        """``clauselens run`` twice at once on a store that does not exist yet: both migrate,
        ingest and finish; the server receives what one run alone sends."""
        paths = [str(AUP), str(DEV_TERMS)]
        code = (
            "from clauselens.cli import main\n"
            f"main(['run', *{paths!r}, '--analyzer', 'claude', '--concurrency', '4'])"
        )
        with FakeApi(latency=0.2) as api:
            env = {"ANTHROPIC_API_KEY": FAKE_API_KEY, "ANTHROPIC_BASE_URL": api.base_url}
            alone = run_together(
                CLI_IMPORTS,
                code,
                processes=1,
                folder=tmp_path / "alone",
                env={**env, "CLAUSELENS_DB": new_db_url("alone")},
            )
            one_run = len(api.message_bodies())
            api.reset()
            both = run_together(
                CLI_IMPORTS,
                code,
                processes=2,
                folder=tmp_path / "both",
                env={**env, "CLAUSELENS_DB": new_db_url("both")},
            )
            two_runs = len(api.message_bodies())
        assert [o.returncode for o in alone + both] == [0, 0, 0], [o.stderr for o in both]
        assert two_runs == one_run > 0


class TestTwoBatchRuns:
    def test_a_batches_run_submits_only_what_another_run_has_not_claimed(
        self, engine: sa.Engine, claude_settings: Settings, fake_api: FakeApi
    ) -> None:
        """Claims in force are left out of the batch; the batch's own claims end when its row
        is stored (the uncollected batch keeps later runs off its clauses from then on)."""
        texts = pending_texts(engine, claude_settings)
        Claimer(engine, claude_key(claude_settings), "run-elsewhere").take(texts[:3])
        options = RunOptions(via="batches")
        summary = run(engine, [AUP], claude_settings, options, ingest_options=META)
        (created,) = [r.body for r in fake_api.requests if r.path == "/v1/messages/batches"]
        assert summary.status == "waiting"
        assert len(created["requests"]) == summary.counts["submitted"] == len(texts) - 3
        assert summary.counts["to_analyse"] == len(texts) - 3
        assert count(engine, t.claims) == 3  # the other run's only: the batch's ended with it


def _dead_claude_run(engine: sa.Engine, settings: Settings, pidns: str | None = None) -> str:
    """A dead run under the Claude analysis key of ``settings`` (its claims are these runs')."""
    return dead_run(
        engine, model=settings.model, prompt_version=prompts.prompt_version(), pidns=pidns
    )


# --- change analyses (issue 16, point 6 extension) --------------------------------------------

ADDED = " This sentence was added in the later version of the policy."


def edited_every(text: str, nth: int) -> str:
    """``text`` with a sentence added to every ``nth`` long paragraph: a later version whose
    clauses holding those paragraphs are modified."""
    paragraphs = text.split("\n\n")
    long = [i for i, p in enumerate(paragraphs) if len(p) > 200 and not p.startswith("*")]
    for i in long[::nth]:
        paragraphs[i] += ADDED
    return "\n\n".join(paragraphs)


def two_versions(folder: Path) -> Path:
    """A manifest of the real Usage Policy and a later version of it with edits in several
    sections (derived here, so every modified provision is known)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = AUP.read_text("utf-8")
    (folder / "v0.md").write_text(text, "utf-8")
    (folder / "v1.md").write_text(edited_every(text, 1), "utf-8")
    rows = [
        {**META, "file": f"v{i}.md", "captured_at": f"2025-10-0{i + 1}T00:00:00Z"} for i in range(2)
    ]
    manifest = folder / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(row) + "\n" for row in rows), "utf-8")
    return manifest


def change_requests(api: FakeApi) -> int:
    """Requests for a change analysis among those the server received."""
    return sum(
        "what_changed" in json.dumps(body.get("output_config")) for body in api.message_bodies()
    )


def modified_changes(engine: sa.Engine) -> list[int]:
    ch = t.changes.c
    with engine.connect() as conn:
        query = sa.select(ch.id).where(ch.change_class == "modified").order_by(ch.id)
        return list(conn.execute(query).scalars())


def analysed_by(engine: sa.Engine) -> dict[int, str | None]:
    """Change pk → the run id that paid for its change analysis."""
    ch = t.changes.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(ch.id, ch.change_provenance).where(ch.change_class == "modified")
        )
        return {pk: (prov or {}).get("run_id") for pk, prov in rows}


class TestChangeClaims:
    def test_a_change_claimed_by_one_run_is_not_taken_by_another(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        ingest(engine, [two_versions(tmp_path / "captures")], settings)
        first_pk, second_pk, *_ = modified_changes(engine)
        first = ChangeClaimer(engine, "claude", "run-a")
        second = ChangeClaimer(engine, "claude", "run-b")
        assert first.take(first_pk)
        assert not second.take(first_pk)
        assert second.take(second_pk)

    def test_a_change_analysed_since_the_plan_is_not_claimed(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        """A run planned the changes, then another analysed them: its claim lets them go."""
        ingest(engine, [two_versions(tmp_path / "captures")], settings)
        pks = modified_changes(engine)
        with engine.begin() as conn:
            conn.execute(
                t.changes.update().where(t.changes.c.id == pks[0]).values(analyzer="claude")
            )
        late = ChangeClaimer(engine, "claude", "run-late")
        assert not late.take(pks[0])
        assert late.take(pks[1])
        late.release_all()
        assert count(engine, t.claims) == 0

    def test_two_change_analyses_at_once_send_each_change_once(
        self,
        engine: sa.Engine,
        settings: Settings,
        claude_settings: Settings,
        fake_api: FakeApi,
        tmp_path: Path,
    ) -> None:
        """Two runs' change analyses of one version, both planned before either sends: the
        server receives one request a modified change, and each is stored once."""
        report = ingest(engine, [two_versions(tmp_path / "captures")], settings)
        version = max(report.versions)
        pks = modified_changes(engine)

        async def both() -> list[ChangeAnalysisReport]:
            analyzers = [ClaudeAnalyzer(claude_settings) for _ in range(2)]
            try:
                with engine.connect() as conn:
                    document = document_context_for(conn, version)
                return await asyncio.gather(
                    *(
                        analyze_changes(
                            engine,
                            analyzer,
                            version,
                            document=document,
                            run_id=run_id,
                            claims=ChangeClaimer(engine, "claude", run_id),
                        )
                        for analyzer, run_id in zip(analyzers, ("run-a", "run-b"), strict=True)
                    )
                )
            finally:
                for analyzer in analyzers:
                    await analyzer.aclose()

        first, second = asyncio.run(both())
        assert len(pks) > 2
        assert change_requests(fake_api) == len(pks)
        assert first.analysed + second.analysed == len(pks)
        assert first.claimed_elsewhere + second.claimed_elsewhere == len(pks)
        assert None not in analysed_by(engine).values()
        assert count(engine, t.claims) == 0

    def test_two_runs_at_once_pay_for_each_change_like_one(
        self,
        tmp_path: Path,
        settings: Settings,
        claude_settings: Settings,
        new_db_url: Callable[[str], str],
    ) -> None:
        """Two ``run`` over the same two versions at once (a slow server, so that both reach
        their change analyses while the other's are in flight): the change requests the server
        receives equal one run's alone."""
        with FakeApi(latency=0.2) as api:
            slow = claude_settings.model_copy(update={"base_url": api.base_url})
            alone = open_store(new_db_url("alone"))
            run(alone, [two_versions(tmp_path / "a")], slow, RunOptions(concurrency=4))
            one_run = change_requests(api)
            expected = len(modified_changes(alone))
            alone.dispose()
            api.reset()
            url = new_db_url("both")
            _two_runs_at_once(slow, url, [two_versions(tmp_path / "b")], ingest_options=None)
            two_runs = change_requests(api)
        both = open_store(url)
        paid_by = set(analysed_by(both).values())
        claims_left = count(both, t.claims)
        both.dispose()
        assert one_run == expected > 2
        assert two_runs == one_run
        assert None not in paid_by
        assert claims_left == 0
