"""Category codes as vectors: each item's taxonomy codes become an L2-normalised one-hot row.

The column vocabulary only grows (a new code gets the next column), so rows already computed stay
valid when new items bring new codes. The index blends the category cosine into the text score
(see ``clauselens.similarity.index``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from clauselens.similarity.embedder import FloatArray


class CategoryCodes:
    """A growing code → column map and the rows it produces."""

    def __init__(self, codes: Iterable[str] = ()) -> None:
        self.columns: dict[str, int] = {}
        self.learn([tuple(codes)])

    def learn(self, rows: Iterable[Sequence[str]]) -> None:
        for codes in rows:
            for code in codes:
                self.columns.setdefault(code, len(self.columns))

    def vectors(self, rows: Sequence[Sequence[str]], width: int | None = None) -> FloatArray:
        """One row per item; unknown codes are ignored; a row with no known code is all zeros."""
        out = np.zeros((len(rows), width or len(self.columns)), dtype=np.float32)
        for i, codes in enumerate(rows):
            cols = [self.columns[c] for c in set(codes) if c in self.columns]
            if cols:
                out[i, cols] = 1.0 / np.sqrt(len(cols))
        return out

    def ordered(self) -> list[str]:
        return sorted(self.columns, key=self.columns.__getitem__)
