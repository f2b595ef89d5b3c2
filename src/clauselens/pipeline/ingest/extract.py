"""Extract: raw capture bytes → the text clauselens segments (Markdown).

The format is detected from content (magic bytes, markup), with the file extension only as a
hint. HTML becomes Markdown with ``markdownify`` after scripts, styles, navigation and other
page chrome are dropped; PDF text comes from ``pypdf``. Text is decoded strictly: UTF-8 (with or
without BOM) or UTF-16 with a BOM; anything else is refused with the byte offset of the first
bad sequence, rather than silently guessed.

Every problem is a ``CaptureError`` saying what is wrong with which file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from bs4 import Tag

from clauselens.errors import CaptureError

EXTRACTOR_VERSION = "extract/1"

_HTML_HINT = re.compile(rb"^\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
_HTML_TAGS = re.compile(rb"</(p|div|h[1-6]|li|ul|ol|table|section|article|span|a)>", re.IGNORECASE)
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "svg",
    "iframe",
    "template",
    "button",
)
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


def _from_text(raw: bytes, name: str) -> str:
    return decode(raw, name)


def _from_html(raw: bytes, name: str) -> str:
    from bs4 import BeautifulSoup
    from markdownify import MarkdownConverter

    soup = BeautifulSoup(decode(raw, name), "html.parser")
    for tag in soup.find_all(list(_DROP_TAGS)):
        tag.decompose()
    for tag in soup.find_all(_is_chrome):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    markdown: str = MarkdownConverter(heading_style="ATX", bullets="*").convert_soup(root)
    return markdown


def _is_chrome(tag: Tag) -> bool:
    """Page chrome marked by ARIA role rather than by tag name."""
    return tag.get("role") in ("navigation", "banner", "contentinfo")


def _from_pdf(raw: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as exc:
        raise CaptureError(name, f"unreadable PDF: {exc}") from exc
    return "\n\n".join(pages)


_EXTRACTORS: dict[str, Callable[[bytes, str], str]] = {
    "markdown": _from_text,
    "text": _from_text,
    "html": _from_html,
    "pdf": _from_pdf,
}


def extract(raw: bytes, name: str = "") -> Extracted:
    """Detect the format of ``raw`` and extract its text; refuse empty results."""
    if not raw.strip():
        raise CaptureError(name, "empty file (no text to analyse)")
    fmt = detect_format(raw, name)
    text = tidy(_EXTRACTORS[fmt](raw, name))
    if not text.strip():
        raise CaptureError(name, f"no text could be extracted from this {fmt} file")
    return Extracted(format=fmt, text=text)
