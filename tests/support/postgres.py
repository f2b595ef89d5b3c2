"""PostgreSQL for the tests: a fresh database per test on the server named by
``CLAUSELENS_TEST_PG_URL`` (``.ci/postgres.sh`` starts a throwaway one and sets it).

Without that variable (a developer with no PostgreSQL) the PostgreSQL variant of a test is
skipped with the reason; under ``CI=true`` it fails instead, so that CI can never pass by running
SQLite alone.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec

import pytest
import sqlalchemy as sa

PG_URL_VAR = "CLAUSELENS_TEST_PG_URL"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1", "yes"}


def server_url() -> str:
    """The PostgreSQL server's URL; skips the test (fails it in CI) when there is none."""
    url = os.environ.get(PG_URL_VAR, "")
    reason = ""
    if not url:
        reason = f"{PG_URL_VAR} is not set (`source .ci/postgres.sh` starts a throwaway server)"
    elif find_spec("psycopg") is None:
        reason = "the psycopg driver is not installed (pip install -e '.[dev]')"
    if reason:
        if _in_ci():
            pytest.fail(f"PostgreSQL is required in CI: {reason}", pytrace=False)
        pytest.skip(f"PostgreSQL: {reason}")
    return url


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def database_url(server: str, name: str) -> str:
    return sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)


def create_database(server: str, template: str | None = None, prefix: str = "t") -> str:
    """A new empty database (or a copy of ``template``); returns its name."""
    name = f"clauselens_{prefix}_{uuid.uuid4().hex[:12]}"
    engine = _admin(server)
    try:
        with engine.connect() as conn:
            copy = f" TEMPLATE {template}" if template else ""
            conn.exec_driver_sql(f"CREATE DATABASE {name}{copy}")
    finally:
        engine.dispose()
    return name


def drop_database(server: str, name: str) -> None:
    """Drop ``name``, ending any connection a test left open to it."""
    engine = _admin(server)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        engine.dispose()


@contextmanager
def fresh_database(template: str | None = None) -> Iterator[str]:
    """The URL of a new database on the test server, dropped afterwards."""
    server = server_url()
    name = create_database(server, template)
    try:
        yield database_url(server, name)
    finally:
        drop_database(server, name)
