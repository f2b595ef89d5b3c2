"""Quotes from a clause: verbatim evidence sentences, and excerpts that show where a rule
matched a sentence too long to quote whole (X's developer agreement lists twelve restrictions
in one sentence; the one about credentials is item (e), past any opening a quote can show)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from clauselens.analyzers.offline.detect import Detection
from clauselens.analyzers.offline.knowledge import CompiledKnowledgeBase
from clauselens.schemas.validate import quote_in_text

MAX_QUOTES = 8
MAX_QUOTE_CHARS = 400
QUOTES_PER_SENTENCE = 3

Span = tuple[int, int]


def shorten(sentence: str, limit: int) -> str:
    if len(sentence) <= limit:
        return sentence
    cut = sentence.rfind(" ", 0, limit)
    return sentence[: cut if cut > limit // 2 else limit].rstrip()


_ATX_MARK = re.compile(r"^#{1,6}[ \t]+")
_SETEXT_RULE = re.compile(r"\s*\n\s*[-=]{3,}\s*$")


def quote_form(sentence: str) -> str:
    """A sentence as a quote: a heading line without its Markdown marks (the leading ``#``s,
    the underline below it), so the quote reads as the words of the clause; still verbatim."""
    return _SETEXT_RULE.sub("", _ATX_MARK.sub("", sentence)).strip() or sentence


def evidence_quotes(detection: Detection, clause_text: str, kb: CompiledKnowledgeBase) -> list[str]:
    """The sentences behind findings and KB triggers: verbatim, deduplicated, checked; body
    sentences in the clause's order, then heading lines. A heading is evidence only for a
    category or instrument that no body sentence supports: where one does, the heading above
    it adds nothing. A sentence too long to quote whole is quoted where each rule matched it
    (``excerpt``), at most ``QUOTES_PER_SENTENCE`` times."""
    backing: dict[str, list[str]] = {}
    where: dict[str, Callable[[str], Span | None]] = {}
    for finding in detection.findings:
        key = f"category:{finding.category}"
        backing.setdefault(key, []).append(finding.sentence)
        where[key] = partial(kb.category_span, finding.category)
    for engagement in detection.engagements:
        key = f"instrument:{engagement.regulation.id}"
        backing.setdefault(key, []).extend(engagement.sentences)
        where[key] = partial(kb.evidence_span, engagement, setting=detection.setting)
    heading = detection.is_heading
    needed = {s for group in backing.values() if all(map(heading, group)) for s in group}
    # a list lead-in ("This licence allows Google to:") says what it is about in its first
    # item, quoted when there is room after the sentences the rules matched
    found_in = {s for group in backing.values() for s in group}
    items = {
        item
        for s in found_in
        if (item := detection.item_after(s)) is not None and item not in found_in
    }
    for group in backing.values():
        group.extend([i for s in group if (i := detection.item_after(s)) in items])
    pairs = [(s, key) for key, group in backing.items() for s in group]
    pairs = [(s, key) for s, key in pairs if s in needed or not heading(s)]
    pairs.sort(key=lambda pair: (heading(pair[0]), clause_text.find(pair[0])))
    # per sentence, its distinct verbatim quotes and where each starts in it
    candidates: dict[str, dict[str, int]] = {}
    for sentence, key in dict.fromkeys(pairs):
        form = quote_form(sentence)
        span = where[key](form) if len(form) > MAX_QUOTE_CHARS else None
        quote = excerpt(form, span, MAX_QUOTE_CHARS, cut_mark="")
        if quote_in_text(quote, clause_text):
            candidates.setdefault(sentence, {}).setdefault(quote, form.find(quote))
    # one quote of every sentence a rule matched first, then more of a long sentence, then
    # the first item of each lead-in, while there is room; in the clause's order, and a
    # sentence's quotes in its own
    chosen: dict[str, tuple[int, int]] = {}
    passes = [(rank, False) for rank in range(QUOTES_PER_SENTENCE)] + [(0, True)]
    for rank, of_items in passes:
        for order, (sentence, found) in enumerate(candidates.items()):
            if (sentence in items) != of_items:
                continue
            if rank < len(found) and len(chosen) < MAX_QUOTES:
                quote = list(found)[rank]
                chosen.setdefault(quote, (order, found[quote]))
    return sorted(chosen, key=chosen.__getitem__)


def excerpt(
    text: str, span: Span | None, limit: int, cut_mark: str = "... ", end_mark: str = ""
) -> str:
    """``text`` cut to ``limit`` characters: its opening, or where a rule matched it (``span``)
    when the opening would not show the match (``_from_match``), after ``cut_mark``; and, when
    the quote stops before the end of ``text``, ``end_mark`` after it (a reader's quote says
    that it is cut; an evidence quote, which must be verbatim, passes none)."""
    if len(text) <= limit:
        return text
    room = limit - len(end_mark)
    if span is not None and span[0] >= limit:
        quote = shorten(_from_match(text, *span, limit), room - len(cut_mark))
        shown = cut_mark + quote
    else:
        quote = shorten(text, room)
        shown = quote
    return shown + end_mark if end_mark and not text.rstrip().endswith(quote) else shown


# where a part of a sentence starts: after a list item's or clause's separator
_PART_START = re.compile(r"[;:]\s+|\.\s+(?=\S)")
_LINK = re.compile(r"\[[^\]\n]*\]\([^)\s]*\)")


def _from_match(text: str, start: int, end: int, limit: int) -> str:
    """A quote of ``text`` where a rule matched it (``start``, ``end``) past what its opening
    shows: from the start of the list item or clause holding the match (after the last ";" or
    ":" before it, within five eighths of ``limit``) or from a word a quarter of ``limit``
    before it, to the end of that item (the next ";") unless that leaves too little to read:
    "(k) use the X API or X Content to fine-tune or train a foundation or frontier model",
    not the opening of X's twelve-item list of restrictions."""
    parts = [m.end() for m in _PART_START.finditer(text, 0, start)]
    if parts and start - parts[-1] <= limit * 5 // 8:
        begin = parts[-1]
    else:
        begin = max(text.rfind(" ", 0, start - limit // 4), 0)
    # never inside a Markdown link: from its "[" on
    begin = next((m.start() for m in _LINK.finditer(text) if m.start() < begin < m.end()), begin)
    stop = text.find(";", end)
    if stop - begin < limit // 2:
        stop = -1
    return text[begin : stop if stop > 0 else None].strip()
