"""Usage blocks for the docs, generated from the CLI's own ``--help`` by cog.

.venv/bin/cog -r -I docs docs/*.md        # regenerate after changing a command
.venv/bin/cog --check -I docs docs/*.md   # CI: fails when a page has drifted
"""

from __future__ import annotations

import cog  # type: ignore[import-not-found]
from click.testing import CliRunner

from clauselens.cli import main

WIDTH = 100


def usage(*command: str) -> None:
    """Write ``clauselens COMMAND --help`` as a code block."""
    result = CliRunner().invoke(
        main, [*command, "--help"], prog_name="clauselens", terminal_width=WIDTH
    )
    if result.exit_code != 0:
        raise SystemExit(f"clauselens {' '.join(command)} --help failed: {result.output}")
    cog.outl("```")
    cog.out(result.output)
    cog.outl("```")
