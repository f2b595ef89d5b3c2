"""Shared test fixtures. Each test runs with a temporary home and store and no API key.

Hypothesis runs under one of two profiles, chosen here so that ``python -m pytest -q`` picks it:
``ci`` when the environment has ``CI=true`` (derandomised: every run tries the same examples),
``dev`` otherwise (random examples). Both print the seed and a reproduction blob on failure and
set no deadline (timings belong in ``bench/``). ``HYPOTHESIS_PROFILE=ci|dev`` overrides the choice.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings

from clauselens.config import Settings, load_settings
from clauselens.store import open_store
from tests.support.postgres import (
    create_database,
    database_url,
    drop_database,
    fresh_database,
    server_url,
)

# Both start from hypothesis' own defaults: on import it loads its built-in "ci" profile whenever
# a CI variable is present (even empty), and a profile registered now would inherit from that.
_DEFAULTS = hypothesis_settings.get_profile("default")
hypothesis_settings.register_profile(
    "ci",
    _DEFAULTS,
    derandomize=True,
    database=None,
    print_blob=True,
    deadline=None,
    max_examples=200,
)
hypothesis_settings.register_profile(
    "dev", _DEFAULTS, derandomize=False, print_blob=True, deadline=None
)


def _hypothesis_profile() -> str:
    chosen = os.environ.get("HYPOTHESIS_PROFILE")
    if chosen:
        return chosen
    return "ci" if os.environ.get("CI", "").lower() in {"true", "1", "yes"} else "dev"


hypothesis_settings.load_profile(_hypothesis_profile())


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the user's home, store, key or base URL."""
    monkeypatch.setenv("CLAUSELENS_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    for var in (
        "CLAUSELENS_DB",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "CLAUSELENS_MODEL",
        "CLAUSELENS_EFFORT",
    ):
        monkeypatch.delenv(var, raising=False)


# --- the store: SQLite, or PostgreSQL for modules marked ``stores`` ---
# A module marked ``pytest.mark.stores`` runs each test that uses a store (``db_url``,
# ``settings``, ``engine``, ``ota_store``) once per backend: ``[sqlite]`` and ``[postgresql]``,
# the latter on a fresh database of the server in CLAUSELENS_TEST_PG_URL (tests/support/postgres.py:
# skipped without one, failed under CI=true). Every other test uses SQLite alone.

STORE_BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "stores"
    ):
        metafunc.parametrize("store_backend", STORE_BACKENDS, indirect=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line saying how many store tests ran on each backend (CI's log shows both)."""
    outcomes = ("passed", "skipped", "failed", "error")
    counts = {b: dict.fromkeys(outcomes, 0) for b in STORE_BACKENDS}
    for outcome in outcomes:
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if outcome == "passed" and report.when != "call":
                continue
            for backend in STORE_BACKENDS:
                if f"[{backend}" in nodeid:
                    counts[backend][outcome] += 1
    if any(sum(c.values()) for c in counts.values()):
        parts = [
            f"{b}: " + (", ".join(f"{n} {o}" for o, n in c.items() if n) or "none")
            for b, c in counts.items()
        ]
        terminalreporter.write_line("store tests by backend: " + "; ".join(parts))


@pytest.fixture
def store_backend(request: pytest.FixtureRequest) -> str:
    """The backend of this test's store: ``sqlite`` unless the module is marked ``stores``."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def new_db_url(store_backend: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """``new_db_url(name)``: the URL of another empty store on the test's backend (a SQLite file
    named ``name``, or a fresh PostgreSQL database), gone after the test."""
    with ExitStack() as stack:

        def make(name: str) -> str:
            if store_backend == "sqlite":
                return f"sqlite:///{tmp_path / f'{name}.db'}"
            return stack.enter_context(fresh_database())

        yield make


@pytest.fixture
def db_url(new_db_url: Callable[[str], str]) -> str:
    return new_db_url("store")


@pytest.fixture
def settings(db_url: str) -> Settings:
    return load_settings({"db_url": db_url})


@pytest.fixture
def engine(settings: Settings) -> Iterator[sa.Engine]:
    eng = open_store(settings.db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def ran_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store built once per session by an offline run over ``fixtures/ota``."""
    from tests.support.ota_store import OTA_MANIFEST, run_offline  # the run stack, only if used

    folder = tmp_path_factory.mktemp("ran")
    db = folder / "store.db"
    run_offline(f"sqlite:///{db}", OTA_MANIFEST, folder / "home")
    return db


@pytest.fixture(scope="session")
def ran_pg_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The ``ran_db`` store on PostgreSQL, built once: a template database each test copies."""
    from tests.support.ota_store import OTA_MANIFEST, run_offline

    server = server_url()
    name = create_database(server, prefix="ran")
    try:
        run_offline(database_url(server, name), OTA_MANIFEST, tmp_path_factory.mktemp("ran-pg"))
        yield name
    finally:
        drop_database(server, name)


@pytest.fixture
def ota_store(
    store_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[sa.Engine]:
    """A private copy of the ``ran_db`` store (tests may change it), on the test's backend."""
    if store_backend == "sqlite":
        copy = tmp_path / "ota-store.db"
        shutil.copyfile(request.getfixturevalue("ran_db"), copy)
        eng = open_store(f"sqlite:///{copy}")
        yield eng
        eng.dispose()
        return
    with fresh_database(template=request.getfixturevalue("ran_pg_template")) as url:
        eng = open_store(url)
        yield eng
        eng.dispose()


# --- fake Messages API ---
# Fixtures for tests that drive the real Anthropic SDK against clauselens' fake server
# (clauselens.testing.fake_api). One server per session; every test gets it reset.
# Imports are kept in this section so that it stays self-contained.

from clauselens.analyzers.base import ClauseInput  # noqa: E402
from clauselens.testing.fake_api import FakeApi  # noqa: E402
from tests.support.clauses import aup_section, make_clause  # noqa: E402
from tests.support.keys import FAKE_API_KEY  # noqa: E402


@pytest.fixture(scope="session")
def _fake_api_server() -> Iterator[FakeApi]:
    with FakeApi() as api:
        yield api


@pytest.fixture
def fake_api(_fake_api_server: FakeApi) -> Iterator[FakeApi]:
    """The fake Messages API with an empty script, request log and prompt cache."""
    _fake_api_server.reset()
    yield _fake_api_server
    _fake_api_server.reset()


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A recognisable fake key in ANTHROPIC_API_KEY, so tests can search for leaks."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_API_KEY)
    return FAKE_API_KEY


@pytest.fixture
def claude_settings(settings: Settings, fake_api: FakeApi, api_key: str) -> Settings:
    """Settings pointing at the fake server, with short transient-retry waits."""
    return settings.model_copy(
        update={
            "base_url": fake_api.base_url,
            "retry_initial_wait": 0.01,
            "retry_max_backoff": 0.05,
            "retry_max_wait": 10.0,
            "request_timeout": 5.0,
        }
    )


@pytest.fixture
def high_risk_clause() -> ClauseInput:
    """The real "High-Risk Use Case Requirements" section of Anthropic's Usage Policy."""
    return make_clause(
        aup_section("High-Risk Use Case Requirements", "Additional Use Case Guidelines")
    )


@pytest.fixture
def clause_factory() -> Callable[..., ClauseInput]:
    """``make_clause`` as a fixture: ``clause_factory(text, heading_path, max_chars=...)``."""
    return make_clause


@pytest.fixture(scope="session")
def published_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published store (``tests.support.published``), built once a session."""
    from tests.support.published import build_published_store

    return build_published_store(tmp_path_factory.mktemp("published"))


@pytest.fixture
def published(published_template: Path, tmp_path: Path) -> Iterator[sa.Engine]:
    """A private copy of the published store for one test."""
    from tests.support.published import copy_store

    eng = copy_store(published_template, tmp_path)
    yield eng
    eng.dispose()
