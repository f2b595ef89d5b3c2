"""Hostile inputs (issue 16): every capture is confined to its folder, read only when it is a
regular file within the limit, extracted within bounds, and segmented in linear time. Each bad
input is one reported failure with its reason; the store is left as it was and the rest go on."""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from clauselens.cli import main
from clauselens.config import ExtractSettings, Settings
from clauselens.errors import CaptureError
from clauselens.pipeline.ingest.captures import (
    CaptureOutcome,
    IngestReport,
    ingest,
    list_documents,
)
from clauselens.pipeline.ingest.cutoff import looks_cut_off
from clauselens.pipeline.ingest.extract import extract, tidy
from clauselens.pipeline.ingest.files import megabytes, read_bounded
from clauselens.pipeline.ingest.progress import Step, reporting
from clauselens.pipeline.runs.records import list_runs
from clauselens.pipeline.segment._blocks import atx
from clauselens.pipeline.segment.clauses import _HEADING_ONLY_LINE, heading_only, segment
from clauselens.pipeline.versions.align import AlignItem, align_clauses
from clauselens.schemas.changes import ChangeClass
from clauselens.store import open_store
from clauselens.store.queries import document_by_id, latest_version, version_text
from clauselens.textnorm import clause_sha256, cosmetic_form
from tests.support.paths import FIXTURES

CONFIGURATION = FIXTURES.parent / "docs" / "configuration.md"  # the settings table
GOOD = b"# Terms\n\nYou agree to these terms of service. We may end your account at any time.\n"
META = {"entity": "Acme", "title": "Terms"}


def counts(engine: sa.Engine) -> tuple[int, int, int]:
    """(documents, versions, captures) in the store, through the library."""
    docs = list_documents(engine)
    return len(docs), sum(d.versions for d in docs), sum(d.captures for d in docs)


def the_failure(report: IngestReport) -> CaptureOutcome:
    (failed,) = report.failed
    return failed


def manifest(folder: Path, *rows: dict[str, str]) -> Path:
    path = folder / "manifest.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def row(title: str, file: str) -> dict[str, str]:
    return {"entity": "Acme", "title": title, "file": file, "captured_at": "2024-01-01T00:00:00Z"}


@pytest.fixture
def captures(tmp_path: Path) -> Path:
    """A manifest's folder holding one good capture, with a secret file beside the folder."""
    folder = tmp_path / "captures"
    folder.mkdir()
    (folder / "good.md").write_bytes(GOOD)
    (tmp_path / "secret.md").write_text("# Secret\n\nThe content of a file outside the folder.\n")
    return folder


class TestConfinement:
    """A file named by a manifest or found in a folder resolves inside it, or is refused."""

    @pytest.mark.parametrize("named", ["../secret.md", "../../../../../../etc/passwd"])
    def test_a_traversal_row_is_refused_and_the_rest_go_in(
        self, named: str, captures: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        path = manifest(captures, row("Good", "good.md"), row("Escape", named))
        report = ingest(engine, [path], settings)
        assert [o.outcome for o in report.outcomes] == ["new_version", "failed"]
        failed = the_failure(report)
        assert failed.message.startswith(f"line 2: refused: {named} resolves to ")
        assert f"outside the manifest's folder {captures.resolve()}" in failed.message
        assert "--allow-root" in failed.message
        assert counts(engine) == (1, 1, 1)

    def test_an_absolute_path_row_is_refused(
        self, captures: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        secret = captures.parent / "secret.md"
        report = ingest(engine, [manifest(captures, row("Abs", str(secret)))], settings)
        message = the_failure(report).message
        assert f"refused: {secret} resolves to {secret.resolve()}, outside" in message
        assert counts(engine) == (0, 0, 0)

    def test_an_absolute_path_inside_the_folder_is_read(
        self, captures: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        inside = str(captures / "good.md")
        report = ingest(engine, [manifest(captures, row("Good", inside))], settings)
        assert report.failed == []

    def test_a_symlink_out_of_the_manifest_folder_is_refused(
        self, captures: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        (captures / "link.md").symlink_to(captures.parent / "secret.md")
        report = ingest(engine, [manifest(captures, row("Link", "link.md"))], settings)
        assert f"resolves to {(captures.parent / 'secret.md').resolve()}" in (
            the_failure(report).message
        )
        assert counts(engine) == (0, 0, 0)

    def test_a_symlink_out_of_a_walked_folder_is_refused(
        self, captures: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        (captures / "link.md").symlink_to(captures.parent / "secret.md")
        report = ingest(engine, [captures], settings)
        assert sorted(o.outcome for o in report.outcomes) == ["failed", "new_version"]
        assert "outside the folder" in the_failure(report).message
        assert [d.title for d in list_documents(engine)] == ["Good"]

    def test_an_allowed_root_lets_the_row_in(
        self, captures: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        path = manifest(captures, row("Secret", "../secret.md"))
        allowed = settings.model_copy(update={"allow_roots": (captures.parent,)})
        assert ingest(engine, [path], allowed).failed == []
        assert counts(engine) == (1, 1, 1)

    def test_allow_root_on_the_command_line(self, captures: Path, db_url: str) -> None:
        path = manifest(captures, row("Secret", "../secret.md"))
        refused = CliRunner().invoke(main, ["--db", db_url, "ingest", str(path)])
        assert refused.exit_code == 1
        assert "refused: ../secret.md resolves to" in refused.output
        allowed = CliRunner().invoke(
            main, ["--db", db_url, "ingest", "--allow-root", str(captures.parent), str(path)]
        )
        assert allowed.exit_code == 0, allowed.output
        assert counts(open_store(db_url)) == (1, 1, 1)


class TestOnlyRegularFiles:
    """Devices, FIFOs and directories are refused by what they are, before they are read."""

    @pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
    def test_dev_zero_is_refused_as_a_device(self, engine: sa.Engine, settings: Settings) -> None:
        report = ingest(engine, [Path("/dev/zero")], settings, META)
        message = the_failure(report).message
        assert message == "a character device, not a regular file: only regular files are read"
        assert counts(engine) == (0, 0, 0)

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
    def test_a_fifo_is_refused_without_waiting_for_a_writer(
        self, tmp_path: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        fifo = tmp_path / "pipe.md"
        os.mkfifo(fifo)

        def write() -> None:  # had ingest read the FIFO, it would have read this text
            try:
                with fifo.open("wb") as fh:
                    fh.write(GOOD)
            except OSError:
                pass

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        report = ingest(engine, [fifo], settings, META)
        while writer.is_alive():  # a reader that comes and goes lets a waiting writer go
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
            writer.join(timeout=0.01)
        assert the_failure(report).message == (
            "a FIFO (named pipe), not a regular file: only regular files are read"
        )
        assert counts(engine) == (0, 0, 0)

    def test_a_directory_named_as_a_file_is_refused(
        self, captures: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        (captures / "folder.md").mkdir()
        report = ingest(engine, [manifest(captures, row("Dir", "folder.md"))], settings)
        assert the_failure(report).message == (
            "a directory, not a regular file: only regular files are read"
        )
        assert counts(engine) == (0, 0, 0)

    def test_a_large_sparse_file_is_refused_from_its_size(
        self, tmp_path: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        sparse = tmp_path / "sparse.md"
        with sparse.open("wb") as fh:
            fh.truncate(25_000_000)
        report = ingest(engine, [sparse], settings, META)
        assert the_failure(report).message == (
            "file is 25.0 MB (25,000,000 bytes), over the capture limit of 20 MB (20,000,000 "
            "bytes; 1 MB = 1,000,000 bytes; setting max_capture_bytes, env "
            "CLAUSELENS_MAX_CAPTURE_BYTES)"
        )
        assert counts(engine) == (0, 0, 0)

    @pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc here")
    def test_the_limit_holds_while_reading_a_file_whose_size_is_unknown(self) -> None:
        """/proc files are regular files of size 0 by stat: only reading tells their size."""
        with pytest.raises(CaptureError, match="file grew while read, past the capture limit"):
            read_bounded(Path("/proc/self/status"), 50)

    def test_the_docs_state_the_limit_the_message_prints(self) -> None:
        line = next(
            ln for ln in CONFIGURATION.read_text().splitlines() if "`max_capture_bytes`" in ln
        )
        figure = line.rstrip(" |").rsplit("|", 1)[-1].strip()
        assert figure == megabytes(Settings().max_capture_bytes) == "20 MB"


def nested_html(depth: int) -> bytes:
    return (
        b"<html><body><main><h1>Deep</h1><p>First paragraph of the page, at the top.</p>"
        + b"<div>" * depth
        + b"<p>Deep text, nested hundreds of levels down, that must be kept.</p>"
        + b"</div>" * depth
        + b"</main></body></html>"
    )


def corrupt_pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ngarbage\n"


class TestBoundedExtraction:
    """Every parser is bounded in depth, size and time; a parser failure fails one capture."""

    def test_400_levels_of_html_are_flattened_and_their_text_kept(
        self, tmp_path: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        page = tmp_path / "deep.html"
        page.write_bytes(nested_html(400))
        report = ingest(engine, [page], settings, META)
        assert report.failed == []
        with engine.connect() as conn:
            doc = document_by_id(conn, report.outcomes[0].document_id or "")
            assert doc is not None
            version = latest_version(conn, doc.pk)
            assert version is not None
            text = version_text(conn, version.pk)
        assert "First paragraph of the page" in text
        assert "Deep text, nested hundreds of levels down" in text

    def test_a_corrupt_pdf_is_one_failure_and_the_store_is_unchanged(
        self, tmp_path: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        pdf = tmp_path / "terms.pdf"
        pdf.write_bytes(corrupt_pdf())
        report = ingest(engine, [pdf], settings, META)
        assert the_failure(report).message.startswith("unreadable PDF: ")
        assert counts(engine) == (0, 0, 0)

    def test_a_pdf_over_the_page_limit_is_refused(self) -> None:
        from io import BytesIO

        from pypdf import PdfWriter

        writer = PdfWriter()
        for _ in range(3):
            writer.add_blank_page(width=612, height=792)
        out = BytesIO()
        writer.write(out)
        with pytest.raises(CaptureError, match="PDF of 3 pages, over the limit of 2 pages"):
            extract(out.getvalue(), "long.pdf", ExtractSettings(max_pdf_pages=2))

    def test_html_with_too_many_tags_is_refused_before_parsing(self) -> None:
        raw = b"<html><body>" + b"<i>x</i>" * 200 + b"</body></html>"
        with pytest.raises(CaptureError, match="over the limit of 100 tags"):
            extract(raw, "tags.html", ExtractSettings(max_html_tags=100))

    def test_text_over_the_character_limit_is_refused(self) -> None:
        with pytest.raises(CaptureError, match="passes 1,000 characters"):
            extract(b"word " * 400, "long.md", ExtractSettings(max_text_chars=1000))

    def test_parsing_past_the_time_limit_is_stopped(self) -> None:
        """Python 3.11.7's html.parser is quadratic on this (each comment searched to the end)."""
        raw = b"<html><body><p>x</p>" + b"<!--a>" * 40_000
        with pytest.raises(CaptureError, match=r"html extraction took over 0\.2 s and was stopped"):
            extract(raw, "slow.html", ExtractSettings(max_seconds=0.2))

    def test_a_recursion_error_in_a_parser_fails_the_capture(self) -> None:
        """Whatever recurses past Python's limit (here markdownify, with the limit lowered)."""
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(len(_stack()) + 120)
        try:
            with pytest.raises(CaptureError, match="nested too deeply to extract"):
                extract(nested_html(90), "deep.html")
        finally:
            sys.setrecursionlimit(limit)

    def test_one_bad_capture_in_a_folder_fails_alone_and_the_run_is_recorded(
        self, tmp_path: Path, db_url: str
    ) -> None:
        folder = tmp_path / "acme"
        folder.mkdir()
        (folder / "terms.md").write_bytes(GOOD)
        (folder / "privacy.md").write_bytes(
            b"# Privacy\n\nWe collect your data and share it with advertising partners.\n"
        )
        (folder / "deep.html").write_bytes(nested_html(400))
        (folder / "broken.pdf").write_bytes(corrupt_pdf())
        result = CliRunner().invoke(main, ["--db", db_url, "run", str(tmp_path)])
        assert result.exit_code == 1, result.output
        assert f"failed capture: {folder / 'broken.pdf'}: unreadable PDF: " in result.output
        engine = open_store(db_url)
        assert sorted(d.title for d in list_documents(engine)) == ["Deep", "Privacy", "Terms"]
        (record,) = list_runs(engine)
        assert record.status == "partial"
        assert record.counts["captures"] == 4
        assert record.counts["failed_captures"] == 1
        assert record.counts["analysed"] == record.counts["to_analyse"] >= 3


def _stack() -> list[object]:
    import inspect

    return inspect.stack(0)


class TestLinearOnHugeLines:
    """Inputs on which a step of ingest was quadratic; each now gives the same result as before
    in one pass. (Timings are in bench/hostile.py; these pin the behaviour.)"""

    def test_a_long_single_line_is_one_clause_cut_only_for_the_prompt(self) -> None:
        text = "The provider may change these terms at any time without notice. " * 60_000
        (clause,) = segment(text)
        assert clause.text == text.strip()
        assert (clause.start, clause.end) == (0, len(text.strip()))
        assert clause.truncated
        assert clause.truncation_reason == (
            f"clause is {len(text.strip()):,} characters, over the model input budget of 30,000"
        )

    def test_a_heading_line_with_a_long_run_of_spaces(self) -> None:
        line = "# Terms" + " " * 100_000 + "of service ##"
        assert atx(line) == (1, "Terms" + " " * 100_000 + "of service")
        (clause,) = segment(line + "\n\nBody text of the section.\n")
        assert clause.heading_path == ["Terms of service"]

    def test_an_anchor_line_with_a_long_run_of_spaces_is_heading_only(self) -> None:
        assert heading_only("[](#terms)**Terms**" + " " * 100_000 + "x")

    def test_trailing_spaces_of_a_long_run_are_tidied(self) -> None:
        assert tidy("Terms" + " " * 100_000 + "\nMore.") == "Terms\nMore.\n"

    def test_a_last_line_ending_in_a_long_word(self) -> None:
        words = "one two three four five six seven eight nine ten eleven twelve "
        cut, reason = looks_cut_off(words + "w" * 100_000)
        assert cut
        assert reason is not None
        assert reason.startswith("the capture ends mid-sentence")
        assert looks_cut_off(words + "x" * 100_000 + "@example.com") == (False, None)

    def test_deeply_nested_links_lose_their_syntax(self) -> None:
        depth = 20_000
        form = cosmetic_form("[" * depth + "Terms" + "](https://example.com)" * depth)
        assert form.startswith("terms")
        assert "[" not in form

    def test_two_versions_of_a_huge_clause_are_aligned_as_modified(self) -> None:
        text = "We may share your data with partners for advertising purposes. " * 16_000
        edited = text[: len(text) // 2] + "We never sell it. " + text[len(text) // 2 :]
        old = AlignItem((), text, clause_sha256(text))
        new = AlignItem((), edited, clause_sha256(edited))
        (pair,) = align_clauses([old], [new])
        assert (pair.old, pair.new, pair.change) == (0, 0, ChangeClass.MODIFIED)


_ATX_REGEX = re.compile(r"[ \t]*(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_HEADING_ONLY_REGEX = re.compile(
    r"""^\s*(
        \#{1,6}(\s.*)?
      | [=\-]{2,}
      | (\*\*|__)[^*_]+(\*\*|__):?
      | \[[^\]]*\]\([^)]*\)
      | \[\]\(\#[^)]*\)(\*\*|__)?[^\n]*?(\*\*|__)?
    )\s*$""",
    re.VERBOSE,
)
_PIECES = ["#", " ", "\t", "a", "*", "**", "_", "[](#x)", "[", "]", "(", ")", "=", "-", "\r"]
_LINE = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


class TestRewritesAgreeWithTheRegexesTheyReplace:
    """On short lines, where the old regexes were fast, the linear code decides the same."""

    @given(_LINE)
    def test_atx(self, line: str) -> None:
        match = _ATX_REGEX.match(line)
        assert atx(line) == (None if match is None else (len(match[1]), match[2] or ""))

    @given(_LINE)
    def test_heading_only_lines(self, line: str) -> None:
        assert bool(_HEADING_ONLY_LINE.match(line)) == bool(_HEADING_ONLY_REGEX.match(line))

    @given(st.text(alphabet=st.sampled_from([" ", "\t", "\n", "\r", "a"])))
    def test_tidy(self, text: str) -> None:
        old = re.sub(r"[ \t]+\n", "\n", text.replace("\r\n", "\n").replace("\r", "\n"))
        assert tidy(text) == re.sub(r"\n{3,}", "\n\n", old).strip("\n") + "\n"


class TestProgress:
    """Ingest reports each capture's steps, so that a long capture shows where it is."""

    def test_each_step_of_a_new_version_is_reported(
        self, tmp_path: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        capture = tmp_path / "terms.md"
        capture.write_bytes(GOOD)
        progress = _Progress()
        ingest(engine, [capture], settings, META, progress)
        assert progress.steps == [
            (str(capture), "reading", None),
            (str(capture), "extracting", len(GOOD)),
            (str(capture), "segmenting", len(GOOD)),
            (str(capture), "aligning", len(GOOD)),
        ]
        assert progress.outcomes == ["new_version"]

    def test_an_installed_progress_hears_an_ingest_inside_a_run(
        self, tmp_path: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        from clauselens.pipeline.runs.run import RunOptions, run

        capture = tmp_path / "terms.md"
        capture.write_bytes(GOOD)
        progress = _Progress()
        with reporting(progress):
            run(engine, [capture], settings, RunOptions(analyzer="offline"), ingest_options=META)
        assert [s for _, s, _ in progress.steps][-1] == "aligning"
        assert progress.outcomes == ["new_version"]

    def test_the_cli_prints_the_steps_of_a_large_capture(self, tmp_path: Path, db_url: str) -> None:
        capture = tmp_path / "big.md"
        capture.write_bytes(b"The provider may change these terms at any time. " * 25_000)
        result = CliRunner().invoke(
            main, ["--db", db_url, "ingest", str(capture), "--entity", "A", "--title", "B"]
        )
        assert result.exit_code == 0, result.output
        for step in ("extracting", "segmenting", "aligning"):
            assert f"ingest: {capture} (1.2 MB): {step}" in result.output


@dataclass
class _Progress:
    steps: list[tuple[str, Step, int | None]] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)

    def step(self, path: str, step: Step, size: int | None) -> None:
        self.steps.append((path, step, size))

    def done(self, outcome: CaptureOutcome) -> None:
        self.outcomes.append(outcome.outcome)


def test_ingest_does_not_count_a_failure_as_ingested(tmp_path: Path) -> None:
    """A refused capture is counted as failed, not among the ingested (issue 16.14)."""
    from click.testing import CliRunner

    from clauselens.cli import main

    (tmp_path / "manifest.jsonl").write_text(
        '{"file": "../../../../etc/passwd", "service": "X", "terms_type": "Terms"}\n'
    )
    db = f"sqlite:///{tmp_path / 'store.db'}"
    result = CliRunner().invoke(main, ["--db", db, "ingest", str(tmp_path / "manifest.jsonl")])
    assert result.exit_code == 1
    assert "ingested 0 of 1 capture(s)" in result.stdout
    assert "1 failed" in result.stdout
