"""Two runs on one store: migrations safe when processes start at once, and clauses claimed
before their request is sent, so that nothing is paid twice (issue 16, point 6)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from clauselens.store import open_store
from tests.support.together import run_together

OPEN_STORE = "from clauselens.store import open_store"


class TestMigrationsAtOnce:
    def test_processes_opening_a_fresh_store_at_once_all_succeed(self, tmp_path: Path) -> None:
        """Four processes open (and so migrate) a store file that does not exist yet at the
        same moment: each succeeds and every migration is recorded once."""
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        outcomes = run_together(OPEN_STORE, f"open_store({url!r})", processes=4, folder=tmp_path)
        assert [o.returncode for o in outcomes] == [0] * 4, [o.stderr for o in outcomes]
        engine = open_store(url)
        with engine.connect() as conn:
            names = conn.execute(sa.text("SELECT name FROM _migrations")).scalars().all()
        engine.dispose()
        assert len(names) == len(set(names)) > 0
