"""HTML → Markdown, within bounds: how many tags, how deep.

``markdownify`` recurses once per level of nesting (about three Python frames a level), so a page
nested a few hundred levels deep would hit Python's recursion limit. Elements deeper than
``ExtractSettings.max_html_depth`` are unwrapped before conversion: their text stays, in order,
separated by spaces, and only their own markup goes. The tree is walked with explicit stacks, never
by recursion. Every tag costs about a kilobyte once parsed, so a page with more tags than
``max_html_tags`` is refused before it is parsed.
"""

from __future__ import annotations

import html
import logging

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PageElement, PreformattedString

from clauselens.config import ExtractSettings
from clauselens.errors import CaptureError

log = logging.getLogger(__name__)

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


def _is_chrome(tag: Tag) -> bool:
    """Page chrome marked by ARIA role rather than by tag name."""
    return tag.get("role") in ("navigation", "banner", "contentinfo")


def depth(root: Tag) -> int:
    """How deep elements nest below ``root`` (its children are at depth 1)."""
    deepest, todo = 0, [(root, 0)]
    while todo:
        node, level = todo.pop()
        deepest = max(deepest, level)
        todo.extend((child, level + 1) for child in node.children if isinstance(child, Tag))
    return deepest


def _start_tag(tag: Tag) -> str:
    attrs = "".join(
        f' {name}="{html.escape(" ".join(value) if isinstance(value, list) else str(value))}"'
        for name, value in tag.attrs.items()
    )
    return f"<{tag.name}{attrs}>"


def flattened(root: Tag, limit: int) -> str:
    """``root`` as HTML again, with every element deeper than ``limit`` unwrapped."""
    out: list[str] = []
    # (element, its depth) to write, or (None, literal markup) for an end tag or a separator.
    todo: list[tuple[PageElement, int] | tuple[None, str]] = [(root, 0)]
    while todo:
        item = todo.pop()
        if item[0] is None:
            out.append(item[1])
            continue
        node, level = item
        if isinstance(node, Tag):
            if not level:  # the document itself has no tag
                pass
            elif level <= limit:
                out.append(_start_tag(node))
                if node.contents or not node.can_be_empty_element:
                    todo.append((None, f"</{node.name}>"))
            else:
                out.append(" ")
                todo.append((None, " "))
            todo.extend((child, level + 1) for child in reversed(node.contents))
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            out.append(html.escape(str(node), quote=False))  # comments, doctype: dropped
    return "".join(out)


def html_to_markdown(text: str, name: str, limits: ExtractSettings) -> str:
    """Markdown of an HTML page's main content, without scripts, styles and page chrome."""
    from markdownify import MarkdownConverter

    tags = text.count("<")
    if tags > limits.max_html_tags:
        raise CaptureError(
            name,
            f"HTML with {tags:,} '<' (tags), over the limit of {limits.max_html_tags:,} tags "
            "(setting extract.max_html_tags)",
        )
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all(list(_DROP_TAGS)):
        tag.decompose()
    for tag in soup.find_all(_is_chrome):
        tag.decompose()
    deepest = depth(soup)
    if deepest > limits.max_html_depth:
        log.warning(
            "%s: HTML nested %d levels deep; elements below level %d unwrapped (their text kept)",
            name,
            deepest,
            limits.max_html_depth,
        )
        soup = BeautifulSoup(flattened(soup, limits.max_html_depth), "html.parser")
    root = soup.find("main") or soup.find("article") or soup.body or soup
    markdown: str = MarkdownConverter(heading_style="ATX", bullets="*").convert_soup(root)
    return markdown
