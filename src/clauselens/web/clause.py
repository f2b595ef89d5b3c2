"""The clause as an analyst reads it: its Markdown rendered safely, the evidence quotes marked.

Clause text is untrusted (it was captured from the web). markdown-it-py renders it in CommonMark
mode with tables, and with:

- raw HTML off: ``<script>`` or ``<img onerror=...>`` in a clause is shown as text;
- images off: a clause cannot make the page fetch anything (the CSP would refuse it anyway);
- links only to ``http``, ``https`` and ``mailto`` (``javascript:``, ``data:``, relative paths
  stay text), each with ``rel="noopener noreferrer nofollow"``;
- headings two levels down (``#`` is ``<h3>``), under the page's own ``<h1>`` and ``<h2>``.

The quotes are found in the raw text (``forms.quote_spans``, as in the raw view) and their
bounds marked there with two private-use characters, which Markdown treats as letters; after
rendering they become ``<mark>`` tags. A mark that would cross an element boundary is closed
before the tag and opened again after it, so the HTML stays well formed. A quote that starts on
a line's block marker (``#``, ``-``, ``1.``, ``>``) is marked from after it, and a bound inside a
link's destination moves past it, so the marks do not change the structure. Marking is exact in
the raw view; in the rendered view a quote across emphasis markers can shift by a character.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

from clauselens.web.forms import quote_spans

START, END = "\ue000", "\ue001"
LINK_SCHEMES = ("http", "https", "mailto")
LINK_REL = "noopener noreferrer nofollow"
HEADING_SHIFT = 2

_BLOCK_MARKERS = re.compile(r"[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d{1,9}[.)][ \t]+)+")
_LINK_DESTINATION = re.compile(r"\]\([^)]*\)|<[a-zA-Z][a-zA-Z0-9+.-]*:[^<>\s]*>")
_TAG_OR_SENTINEL = re.compile(f"(<[^>]*>|[{START}{END}])")
_EMPTY_MARK = re.compile(r"<mark>(\s*)</mark>")


class _ClauseMarkdown(MarkdownIt):
    """CommonMark with tables; no raw HTML, no images, links to web and mail addresses only."""

    def __init__(self) -> None:
        super().__init__("commonmark", {"html": False, "linkify": False, "typographer": False})
        self.enable("table")
        self.disable("image")
        self.add_render_rule("link_open", _link_open)
        self.add_render_rule("heading_open", _heading)
        self.add_render_rule("heading_close", _heading)

    def validateLink(self, url: str) -> bool:
        return urlsplit(url.strip()).scheme.lower() in LINK_SCHEMES


def _link_open(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    tokens[idx].attrSet("rel", LINK_REL)
    return self.renderToken(tokens, idx, options, env)


def _heading(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    token.tag = f"h{min(6, int(token.tag[1:]) + HEADING_SHIFT)}"
    return self.renderToken(tokens, idx, options, env)


_MARKDOWN = _ClauseMarkdown()


def _start_after_markers(text: str, start: int) -> int:
    """A quote starting on a line's block marker starts after the marker."""
    line = text.rfind("\n", 0, start) + 1
    if text[line:start].strip(" \t"):
        return start
    found = _BLOCK_MARKERS.match(text, line)
    return max(start, found.end()) if found else start


def _outside_destinations(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Bounds that fall inside a link destination move to its end."""
    destinations = [m.span() for m in _LINK_DESTINATION.finditer(text)]

    def moved(at: int) -> int:
        return next((end for start, end in destinations if start < at < end), at)

    return [(moved(s), moved(e)) for s, e in spans]


def _with_sentinels(text: str, quotes: list[str]) -> str:
    spans = [(_start_after_markers(text, s), e) for s, e in quote_spans(text, quotes)]
    out: list[str] = []
    position = 0
    for start, end in _outside_destinations(text, spans):
        if start >= end or start < position:
            continue
        out += [text[position:start], START, text[start:end], END]
        position = end
    out.append(text[position:])
    return "".join(out)


def _marks(html: str) -> str:
    """Sentinels → ``<mark>`` tags that never cross an element boundary."""
    out: list[str] = []
    marking = False

    def toggle(sentinel: str) -> None:
        nonlocal marking
        if sentinel == START and not marking:
            out.append("<mark>")
        elif sentinel == END and marking:
            out.append("</mark>")
        marking = sentinel == START

    for piece in _TAG_OR_SENTINEL.split(html):
        if piece in (START, END):
            toggle(piece)
        elif piece.startswith("<"):
            for sentinel in re.findall(f"[{START}{END}]", piece):  # in an attribute: no mark
                toggle(sentinel)
            tag = piece.replace(START, "").replace(END, "")
            out.append(f"</mark>{tag}<mark>" if marking else tag)
        else:
            out.append(piece)
    if marking:
        out.append("</mark>")
    return _EMPTY_MARK.sub(r"\1", "".join(out))


def render_clause(text: str, quotes: list[str]) -> Markup:
    """``text`` as safe HTML from its Markdown, with each quoted passage in ``<mark>``."""
    clean = text.replace(START, "").replace(END, "")
    return Markup(_marks(_MARKDOWN.render(_with_sentinels(clean, quotes))))
