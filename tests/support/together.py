"""Start several Python processes so that their work begins at the same moment.

Each child runs ``setup`` (imports: the slow part), says it is ready, waits for a "go" file,
then runs ``code``. The parent creates the file once every child is ready, so the children race
on what ``code`` does, not on how fast they imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from tests.support.paths import ROOT

_CHILD = """
import os, sys, time
{setup}
print("ready", flush=True)
while not os.path.exists({go!r}):
    time.sleep(0.001)
{code}
"""


def run_together(
    setup: str,
    code: str,
    *,
    processes: int,
    folder: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> list[subprocess.CompletedProcess[str]]:
    """Run ``processes`` children (see the module docstring); their outcomes, in start order."""
    folder.mkdir(parents=True, exist_ok=True)
    go = folder / "go"
    script = _CHILD.format(setup=setup, code=code, go=str(go))
    child_env = {**os.environ, **(env or {})}
    child_env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env=child_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for child in children:
        assert child.stdout is not None
        line = child.stdout.readline()
        if line.strip() != "ready":  # the setup failed: let the outcome say why
            break
    go.touch()
    deadline = time.monotonic() + timeout
    outcomes = []
    for child in children:
        out, err = child.communicate(timeout=max(1.0, deadline - time.monotonic()))
        outcomes.append(subprocess.CompletedProcess(child.args, child.returncode, out, err))
    return outcomes
