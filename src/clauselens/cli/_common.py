"""What every command shares: Settings on the click context, the store, error mapping, output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, get_args

import click
import sqlalchemy as sa
from rich.console import Console

from clauselens.config import Settings
from clauselens.errors import ClauselensError
from clauselens.models import Effort
from clauselens.store import open_store, open_store_read_only

P = ParamSpec("P")
R = TypeVar("R")


class State:
    """The click context object: Settings built once, the store opened on first use
    (``read_engine``: for reading only, never created nor migrated)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine: sa.Engine | None = None
        self._read_engine: sa.Engine | None = None

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = open_store(self.settings.db_url)
        return self._engine

    @property
    def read_engine(self) -> sa.Engine:
        if self._engine is not None:
            return self._engine
        if self._read_engine is None:
            self._read_engine = open_store_read_only(self.settings.db_url)
        return self._read_engine


def state() -> State:
    obj = click.get_current_context().find_object(State)
    if obj is None:  # pragma: no cover - the group always sets it
        raise click.UsageError("internal: no state on the context")
    return obj


def _set_effort(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        st = state()
        st.settings = st.settings.model_copy(update={"effort": value})


def effort_option(fn: Callable[P, R]) -> Callable[P, R]:
    """``--effort``: the ``output_config.effort`` of Claude requests (over CLAUSELENS_EFFORT and
    the config file); checked against the model's supported levels when a request is built."""
    return click.option(
        "--effort",
        type=click.Choice(get_args(Effort)),
        expose_value=False,
        callback=_set_effort,
        help="Claude effort (env CLAUSELENS_EFFORT; default medium, or the model's own default "
        "where it has no medium).",
    )(fn)


def _add_roots(ctx: click.Context, param: click.Parameter, value: tuple[Path, ...]) -> None:
    if value:
        st = state()
        roots = (*st.settings.allow_roots, *value)
        st.settings = st.settings.model_copy(update={"allow_roots": roots})


def allow_root_option(fn: Callable[P, R]) -> Callable[P, R]:
    """``--allow-root DIR`` (repeatable): a folder that files named by a manifest, or found in a
    folder, may resolve into besides their own (adds to the allow_roots setting)."""
    return click.option(
        "--allow-root",
        "allow_roots",
        multiple=True,
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        expose_value=False,
        callback=_add_roots,
        help="Let manifest rows and folder entries resolve under DIR too (repeatable; by default "
        "only inside the manifest's or folder's own folder; env CLAUSELENS_ALLOW_ROOTS).",
    )(fn)


def handles_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn the project's errors into a one-line message and the error's exit status."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ClauselensError as exc:
            click.echo(f"error: {exc}", err=True)
            for reason in getattr(exc, "reasons", None) or []:
                click.echo(f"  - {reason}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


PIPE_WIDTH = 160


def console() -> Console:
    """Rich console on stdout; when stdout is not a terminal, wide enough that tables are not
    cut (logs and pipes read whole lines)."""
    out = Console()
    return out if out.is_terminal else Console(width=PIPE_WIDTH)
