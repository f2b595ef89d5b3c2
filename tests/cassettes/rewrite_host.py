"""Rewrite cassettes recorded against the fake server to the public API host.

Usage: ``python tests/cassettes/rewrite_host.py`` after recording with
``CLAUSELENS_RECORD_WITH_FAKE=1``. Replaces ``http://127.0.0.1:PORT`` with
``https://api.anthropic.com`` (and the ``host`` header with ``api.anthropic.com``) in every
cassette under this folder.
"""

from __future__ import annotations

import re
from pathlib import Path

LOCAL_URL = re.compile(r"http://127\.0\.0\.1:\d+")
LOCAL_HOST = re.compile(r"127\.0\.0\.1:\d+")


def main() -> None:
    for path in sorted(Path(__file__).parent.rglob("*.yaml")):
        text = path.read_text("utf-8")
        fixed = LOCAL_URL.sub("https://api.anthropic.com", text)
        fixed = LOCAL_HOST.sub("api.anthropic.com", fixed)
        if fixed != text:
            path.write_text(fixed, "utf-8")
            print(f"rewrote {path}")


if __name__ == "__main__":
    main()
