"""Write export records: JSON, JSONL, CSV, Parquet; to a file (atomically) or a stream.

JSON and JSONL are written record by record (memory stays flat whatever the count): JSON is
``{"schema_version", "generated_at", "records": [...]}`` with one record a line inside the
array. CSV is flattened through pandas a chunk of records at a time. Parquet needs the whole
table (pyarrow, from the optional extra ``parquet``). The same records give the same bytes.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Literal

from clauselens.errors import MissingDependencyError
from clauselens.export._frame import flatten, frame
from clauselens.schemas.export import EXPORT_SCHEMA_VERSION, ExportRecord

Format = Literal["json", "jsonl", "csv", "parquet"]
FORMATS: tuple[Format, ...] = ("json", "jsonl", "csv", "parquet")
CSV_CHUNK = 2000


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, the form Pydantic writes in the records."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def write_jsonl(records: Iterable[ExportRecord], out: IO[bytes], generated_at: datetime) -> int:
    count = 0
    for record in records:
        out.write(record.model_dump_json().encode("utf-8") + b"\n")
        count += 1
    return count


def write_json(records: Iterable[ExportRecord], out: IO[bytes], generated_at: datetime) -> int:
    head = (
        f'{{"schema_version": {json.dumps(EXPORT_SCHEMA_VERSION)}, '
        f'"generated_at": {json.dumps(iso(generated_at))}, "records": ['
    )
    out.write(head.encode("utf-8"))
    count = 0
    for record in records:
        out.write(b",\n" if count else b"\n")
        out.write(record.model_dump_json().encode("utf-8"))
        count += 1
    out.write(b"\n]}\n" if count else b"]}\n")
    return count


def _batches(records: Iterable[ExportRecord], size: int) -> Iterator[list[ExportRecord]]:
    it = iter(records)
    while batch := list(islice(it, size)):
        yield batch


def write_csv(records: Iterable[ExportRecord], out: IO[bytes], generated_at: datetime) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    count = 0
    header = True
    for batch in _batches(records, CSV_CHUNK):
        frame(map(flatten, batch), typed=False).to_csv(
            text, index=False, header=header, lineterminator="\n"
        )
        header = False
        count += len(batch)
    if header:  # no records: the header alone
        frame([], typed=False).to_csv(text, index=False, lineterminator="\n")
    text.flush()
    text.detach()
    return count


def require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError("pyarrow", "parquet", "Parquet export") from exc


def write_parquet(records: Iterable[ExportRecord], out: IO[bytes], generated_at: datetime) -> int:
    require_pyarrow()
    df = frame(map(flatten, records))
    df.to_parquet(out, engine="pyarrow", index=False)
    return len(df)


WRITERS: dict[str, Callable[[Iterable[ExportRecord], IO[bytes], datetime], int]] = {
    "json": write_json,
    "jsonl": write_jsonl,
    "csv": write_csv,
    "parquet": write_parquet,
}


def _umask() -> int:
    """The process umask: from /proc on Linux (no change to process state), else by setting
    it and straight back."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """A file written beside ``path`` and renamed onto it only when writing succeeded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; an export is an ordinary file
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
