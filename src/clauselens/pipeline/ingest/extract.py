"""Extract: raw capture bytes → the text clauselens segments (Markdown).

The format is detected from content (magic bytes, markup), with the file extension only as a
hint. HTML becomes Markdown with ``markdownify`` after scripts, styles, navigation and other
page chrome are dropped (``_html``); PDF text comes from ``pypdf``. Text is decoded strictly: UTF-8
(with or without BOM) or UTF-16 with a BOM; anything else is refused with the byte offset of the
first bad sequence, rather than silently guessed.

Every parser is bounded (``Settings.extract``): the input by the capture limit, HTML by its tags
and nesting depth, PDF by its pages, every extracted text by ``max_text_chars``, and HTML and PDF
parsing by ``max_seconds`` of wall-clock time. A parser that gives up on a damaged file (a corrupt
PDF, nesting past Python's recursion limit) fails that capture only.

Every problem is a ``CaptureError`` saying what is wrong with which file.
"""

from __future__ import annotations

import io
import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from clauselens.config import ExtractSettings
from clauselens.errors import CaptureError

# 2: HTML nested deeper than ExtractSettings.max_html_depth is flattened (it failed before).
EXTRACTOR_VERSION = "extract/2"

_HTML_HINT = re.compile(rb"^\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
_HTML_TAGS = re.compile(rb"</(p|div|h[1-6]|li|ul|ol|table|section|article|span|a)>", re.IGNORECASE)
_BLANKS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Extracted:
    format: str
    text: str
    extractor: str = EXTRACTOR_VERSION


def detect_format(raw: bytes, name: str = "") -> str:
    """``pdf``, ``html``, ``markdown`` or ``text``; raises for binary content."""
    head = raw[:8192]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CaptureError(name, "binary content (NUL bytes), not a text, HTML or PDF document")
    if _HTML_HINT.match(head) or len(_HTML_TAGS.findall(head)) >= 3:
        return "html"
    lower = name.lower()
    if lower.endswith((".txt", ".text")):
        return "text"
    return "markdown"


def decode(raw: bytes, name: str) -> str:
    """Decode text strictly; refuse what is not UTF-8 or BOM-marked UTF-16."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CaptureError(name, f"invalid UTF-16 at byte {exc.start}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaptureError(
            name,
            f"not valid UTF-8 (first bad byte at offset {exc.start}); re-encode the file as UTF-8",
        ) from exc


def tidy(text: str) -> str:
    """Normalise line endings, drop trailing spaces on lines and runs of blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Spaces and tabs before each line break go (a regex would retry every space of a long
    # run: quadratic); the last line keeps them, as it always has, until the strip below.
    lines = text.split("\n")
    text = "\n".join([*(line.rstrip(" \t") for line in lines[:-1]), lines[-1]])
    return _BLANKS.sub("\n\n", text).strip("\n") + "\n"


def _from_text(raw: bytes, name: str, limits: ExtractSettings) -> str:
    return decode(raw, name)


def _from_html(raw: bytes, name: str, limits: ExtractSettings) -> str:
    from clauselens.pipeline.ingest._html import html_to_markdown

    return html_to_markdown(decode(raw, name), name, limits)


def _from_pdf(raw: bytes, name: str, limits: ExtractSettings) -> str:
    from pypdf import PdfReader

    pages: list[str] = []
    size = 0
    try:
        reader = PdfReader(io.BytesIO(raw))
        count = len(reader.pages)
        if count > limits.max_pdf_pages:
            raise CaptureError(
                name,
                f"PDF of {count:,} pages, over the limit of {limits.max_pdf_pages:,} pages "
                "(setting extract.max_pdf_pages)",
            )
        for number, page in enumerate(reader.pages, start=1):
            pages.append(page.extract_text() or "")
            size += len(pages[-1])
            if size > limits.max_text_chars:
                raise CaptureError(name, f"{_over_text(limits)} by page {number} of the PDF")
    except CaptureError:
        raise
    # pypdf raises many kinds of error on a damaged file (PdfReadError, ValueError, KeyError,
    # TypeError, AssertionError, zlib.error, RecursionError, ...): each means this capture cannot
    # be read, not that clauselens is broken.
    except Exception as exc:
        raise CaptureError(name, f"unreadable PDF: {type(exc).__name__}: {exc}") from exc
    return "\n\n".join(pages)


def _over_text(limits: ExtractSettings) -> str:
    return (
        f"the extracted text passes {limits.max_text_chars:,} characters "
        "(setting extract.max_text_chars)"
    )


_EXTRACTORS: dict[str, Callable[[bytes, str, ExtractSettings], str]] = {
    "markdown": _from_text,
    "text": _from_text,
    "html": _from_html,
    "pdf": _from_pdf,
}
#: Formats whose parsing is timed (decoding text is linear and needs no clock).
_TIMED = frozenset({"html", "pdf"})


class _Expired(BaseException):
    """Raised by the alarm of ``_time_limit``. A ``BaseException``, so that a parser's own
    ``except Exception`` cannot swallow it."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ``_Expired`` inside the block once ``seconds`` of wall-clock time have passed.

    A SIGALRM timer: in the main thread on Unix (the CLI, scripts, notebooks). Elsewhere (another
    thread, Windows), or when the process already has a timer of its own, the block runs without
    one; the other bounds (size, tags, depth, pages) still hold.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or signal.getitimer(signal.ITIMER_REAL)[0]:
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def extract(
    raw: bytes,
    name: str = "",
    limits: ExtractSettings = ExtractSettings(),  # noqa: B008 - frozen
) -> Extracted:
    """Detect the format of ``raw`` and extract its text within ``limits``; refuse empty results."""
    if not raw.strip():
        raise CaptureError(name, "empty file (no text to analyse)")
    fmt = detect_format(raw, name)
    try:
        if fmt in _TIMED:
            with _time_limit(limits.max_seconds):
                text = _EXTRACTORS[fmt](raw, name, limits)
        else:
            text = _EXTRACTORS[fmt](raw, name, limits)
    except _Expired:
        raise CaptureError(
            name,
            f"{fmt} extraction took over {limits.max_seconds:g} s and was stopped "
            "(setting extract.max_seconds); the file may be malformed",
        ) from None
    except RecursionError as exc:
        raise CaptureError(
            name, f"{fmt} nested too deeply to extract (Python's recursion limit)"
        ) from exc
    if len(text) > limits.max_text_chars:
        raise CaptureError(name, _over_text(limits))
    text = tidy(text)
    if not text.strip():
        raise CaptureError(name, f"no text could be extracted from this {fmt} file")
    return Extracted(format=fmt, text=text)
