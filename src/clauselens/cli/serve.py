"""``clauselens serve``: the review web page, record pages, feeds and the read-only API on this
machine (127.0.0.1 by default).

Bound to a non-loopback address, the page asks for an access token before anything else: the
token is ``CLAUSELENS_SERVE_TOKEN`` (or ``serve_token`` in the config file) when set, else a
random one printed at start.
"""

from __future__ import annotations

import getpass
import secrets

import click

from clauselens.cli._common import handles_errors, state
from clauselens.web import ServeConfig, create_app, is_loopback, loopback_hosts, url_host


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--reviewer", help="Who is reviewing (default: CLAUSELENS_REVIEWER, else login).")
@handles_errors
def command(host: str, port: int, reviewer: str | None) -> None:
    """Serve the review page (the queue, each item, approve/edit/reject, keyboard shortcuts),
    the record pages (/records/), the Atom feed of changes (/feeds/changes.atom) and the
    read-only JSON API (/api/v1, described at /api/v1/openapi.json)."""
    import uvicorn

    settings = state().settings
    who = reviewer or settings.reviewer or getpass.getuser()
    host = host.strip("[]")  # "--host [::1]" binds "::1"; the URL below brackets it again
    if is_loopback(host):
        config = ServeConfig(reviewer=who, allowed_hosts=loopback_hosts(host))
    else:
        token = settings.serve_token or secrets.token_urlsafe(18)
        config = ServeConfig(reviewer=who, token=token, allowed_hosts=None)
        click.echo(
            f"Bound to {host}, reachable from other machines: sign in with the access token\n"
            f"  {token if not settings.serve_token else '(the one in CLAUSELENS_SERVE_TOKEN)'}"
        )
    app = create_app(state().engine, config)
    click.echo(
        f"Review page: http://{url_host(host)}:{port}/  (reviewing as {who}; Ctrl+C to stop)\n"
        f"Record pages: /records/ · changes feed: /feeds/changes.atom · API: /api/v1/openapi.json"
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
