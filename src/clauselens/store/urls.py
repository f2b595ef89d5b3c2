"""Store URLs: which database a URL names and whether its driver is installed.

SQLite is built in. PostgreSQL goes through psycopg 3, shipped in the ``postgres`` extra
(``pip install 'clauselens[postgres]'``): a ``postgresql://`` or ``postgres://`` URL without a
driver named means psycopg, and a URL whose driver is missing is a ``ConfigError`` (exit 2) that
says what to install, not an import traceback.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError

from clauselens.errors import ConfigError

# The driver each backend's URL means when it names none, and the module that driver imports.
_DEFAULT_DRIVERS = {"postgresql": "psycopg", "postgres": "psycopg"}
_DRIVER_MODULES = {"psycopg": "psycopg", "psycopg2": "psycopg2", "pysqlite": "sqlite3"}
_INSTALL_HINT = {"postgresql": "pip install 'clauselens[postgres]'"}


def parse_url(url: str) -> sa.URL:
    """The SQLAlchemy URL of ``url``, its PostgreSQL driver made explicit (psycopg)."""
    try:
        parsed = sa.engine.make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"not a store URL: {url!r} ({exc})") from exc
    driver = _DEFAULT_DRIVERS.get(parsed.drivername)
    if driver is not None:
        parsed = parsed.set(drivername=f"postgresql+{driver}")
    return parsed


def backend(url: str) -> str:
    """``sqlite`` or ``postgresql`` (or another SQLAlchemy backend name)."""
    return parse_url(url).get_backend_name()


def create_engine(url: str, **kwargs: Any) -> sa.Engine:
    """``sa.create_engine`` for a store URL; a missing driver is a ``ConfigError``."""
    parsed = parse_url(url)
    name = parsed.get_backend_name()
    module = _DRIVER_MODULES.get(parsed.get_driver_name())
    if module is not None and find_spec(module) is None:
        hint = _INSTALL_HINT.get(name, f"pip install {module}")
        raise ConfigError(
            f"a {name} store needs the {module} driver, which is not installed: {hint}"
        )
    try:
        return sa.create_engine(parsed, **kwargs)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"the driver of {parsed.drivername} is not installed: {exc}") from exc


def display_url(url: str) -> str:
    """``url`` for messages: its password, if any, masked."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
