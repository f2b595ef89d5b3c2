"""The offline analysis's extractive summary, and the helpers that show a clause's sentences
as plain text (Markdown, footnote marks and table pipes stripped; a list lead-in with its first
item)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from clauselens.analyzers.offline.detect import Detection
from clauselens.analyzers.offline.normalise import is_fragment, is_link_line, markdown_plain
from clauselens.analyzers.offline.quotes import quote_form, shorten
from clauselens.analyzers.offline.table import describe_table, in_table
from clauselens.schemas import load_taxonomy

SUMMARY_CHARS = 320
# the label every offline summary opens with: it is extractive and rule-based
SUMMARY_LABEL = "Extractive summary (offline, rule-based): "


def category_labels(categories: Sequence[str]) -> str:
    taxonomy = load_taxonomy()
    return ", ".join(taxonomy.get(c).label.lower() for c in categories)


# a status line ("Last updated: March 20, 2026", "Effective July 23, 2026"), perhaps with links
# after it ("Effective July 23, 2026 | View printable version | See previous versions"): when,
# not what
_DATED = re.compile(
    r"(?i)^(?:last (?:updated|modified|revised)|effective(?: date)?|updated|published|"
    r"version|date)\b[^.]{0,40}(?:\d{4}|\d+ (?:days?|weeks?|months?|years?) ago)\.?"
    r"(?:\s*\|[^|.]{1,60})*$"
)
# a list item's marker: a bullet, "1.", "2)", "a.", "(b)"
_ITEM = re.compile(r"^\s*(?:[-*+\u2022\u25cf\u25aa\u25e6]|\d{1,3}[.)]|\(?[a-z]{1,3}[.)])\s+")
LEAD_ITEMS = 3
# a section label opening a sentence ("XIII. ", "5.1. ", "A. "): numbering, not words
_LABEL = re.compile(r"^(?:[IVXLC]{1,6}|\d{1,3}(?:\.\d{1,3})*|[A-Z])\.\s+(?=\S)")


def _lead(
    detection: Detection, title: str, clause_text: str, count: int = 2
) -> list[tuple[str, set[str]]]:
    """The first ``count`` sentences with prose in them, Markdown stripped; headings (the clause's
    own, run-in ones, bold title lines), date lines and table rows skipped. A lead-in that ends
    with a colon takes the first items of the list under it ("We collect device information
    like: the type of device; details about its operating system; ..."), and ends the lead.
    Each part comes with the sentences it stands for (a lead-in, every item of its list)."""
    sentences = [s for s in detection.sentences if not in_table(clause_text, s)]
    picked: list[tuple[str, set[str]]] = []
    i = 0
    while i < len(sentences) and len(picked) < count:
        sentence, i = sentences[i], i + 1
        plain = _LABEL.sub("", plain_text(sentence))
        leads_list = plain.endswith(":") and i < len(sentences) and _ITEM.match(sentences[i])
        if (
            ((len(plain.split()) < 4 or is_fragment(sentence)) and not leads_list)
            or plain.strip(" :.").lower() == title.lower()
            or detection.is_heading(sentence)
            or _DATED.match(plain)
        ):
            continue
        items: list[str] = []
        under = {sentence}
        while plain.endswith(":") and i < len(sentences) and _ITEM.match(sentences[i]):
            under.add(sentences[i])
            if len(items) < LEAD_ITEMS:
                items.append(plain_text(_ITEM.sub("", sentences[i], count=1)).rstrip(" ;:,."))
            elif items[-1] != "...":
                items.append("...")
            i += 1
        if items:
            picked.append((f"{plain} {'; '.join(items)}", under))
            break
        picked.append((plain, under))
    return picked


def _key_sentence(detection: Detection, categories: Sequence[str], clause_text: str) -> str | None:
    """The body sentence the clause's matched categories rest on most: the most support (a
    sentence found for two categories, or by a rule and the classifier, before one found once),
    one that states before one that points elsewhere, the first on a tie; None without one.
    Headings and table rows are left out (the summary reads a table as a whole)."""
    support = {
        sentence: score
        for sentence, score in detection.support(set(categories)).items()
        if not detection.is_heading(sentence) and not in_table(clause_text, sentence)
    }
    order = {sentence: i for i, sentence in enumerate(detection.sentences)}
    return max(
        support,
        key=lambda s: (not points_elsewhere(s), support[s], -order.get(s, 0)),
        default=None,
    )


# the shortest the lead's first sentence is cut to, to leave room for the key sentence
MIN_FIRST_CHARS = 120


def _with_key(parts: list[tuple[str, set[str]]], key: str | None, detection: Detection) -> str:
    """The lead, or, when the sentence the categories rest on is not in it and comes after its
    first part, that part and the sentence: "Community is the heart of Twitch. ... When we find
    someone has violated our Community Guidelines we take actions that can include removal of
    content". A sentence before the lead was left out of it on purpose (the clause's title, a
    date line, a scrap) and stays out."""
    lead = " ".join(text for text, _ in parts)
    if key is None or not parts or any(key in used for _, used in parts):
        return lead
    order = {sentence: i for i, sentence in enumerate(detection.sentences)}
    if order.get(key, -1) < min(order[s] for s in parts[0][1]):  # a title, a date, a scrap
        return lead
    shown = _LABEL.sub("", plain_text(with_first_item(detection, key)))
    first = parts[0][0]
    room = max(SUMMARY_CHARS - len(shown) - len(" ... "), MIN_FIRST_CHARS)
    return f"{shorten(first, room)} ... {shown}"


# an escaped footnote number inside link text ("[devices\\[11\\]](https://...)")
_FOOTNOTE = re.compile(r"\\\[\d{1,3}\\\]")


def plain_text(text: str) -> str:
    plain = markdown_plain(_FOOTNOTE.sub("", text)).replace("---", " ")
    return " ".join(plain.split()).strip(" -=")


LINKS_LISTED = 6


def _links(detection: Detection) -> str:
    """The summary of a clause whose body is only lines of links (a table of contents, a menu):
    "A list of N links: ..."; else ""."""
    body = [s for s in detection.sentences if not detection.is_heading(s)]
    links = [s for s in detection.sentences if is_link_line(s)]
    if len(links) < 2 or not all(is_link_line(s) for s in body):
        return ""
    names = [plain_text(_ITEM.sub("", s, count=1)) for s in links]
    more = "; ..." if len(names) > LINKS_LISTED else ""
    return f"A list of {len(names)} links: {'; '.join(names[:LINKS_LISTED])}{more}"


def summary(detection: Detection, categories: Sequence[str], title: str, clause_text: str) -> str:
    """What the clause says, in its own words: a list of links as such; a table as its lead-in
    and its rows (``describe_table``); else the first two sentences with prose, or the first
    and the sentence the matched categories rest on most when the lead does not hold it; then
    the matched categories."""
    table = describe_table(clause_text)
    lead = _links(detection)
    if not lead and table:
        lead = " ".join(text for text, _ in _lead(detection, title, clause_text, 1))
    elif not lead:
        key = _key_sentence(detection, categories, clause_text)
        lead = _with_key(_lead(detection, title, clause_text), key, detection)
    if table:  # the sentence that introduces the table, then the table
        lead = f"{lead} Then {table}" if lead else table[0].upper() + table[1:]
    if not lead:  # no sentence with prose (a list, a line of links): say what is there
        # each line on its own, so a heading's underline ("=====") goes with its marks
        lines = (plain_text(quote_form(s)) for s in detection.sentences)
        words = "; ".join(line for line in lines if line).split()
        lead = f"the clause has no full sentence; it reads: {' '.join(words[:40])}"
        lead += "..." if len(words) > 40 else ""
    lead = shorten(lead, SUMMARY_CHARS) + ("..." if len(lead) > SUMMARY_CHARS else "")
    text = SUMMARY_LABEL + lead
    if categories:
        text += f" Matched categories: {category_labels(categories)}."
    return text


# a sentence that sends the reader elsewhere ("You can read more about ...", "(see ...)")
_POINTER = re.compile(
    r"^\W*(?:you can (?:read|learn|find out) more|to (?:learn|read|find out) more|learn more"
    r"|for more (?:information|details)|see\b"
    r"|(?:the|our) [\w ]{0,40}(?:policy|policies|notice|terms) (?:describes?|explains?)\b)"
    r"|\(see\b",
    re.IGNORECASE,
)


def points_elsewhere(sentence: str) -> bool:
    """Whether a sentence sends the reader elsewhere, read without its Markdown."""
    return _POINTER.search(plain_text(sentence)) is not None


def with_first_item(detection: Detection, sentence: str) -> str:
    """A list lead-in ("This includes using our products or services to:") with the first item
    after it, which says what the lead-in is about; any other sentence as it is."""
    item = detection.item_after(sentence)
    return sentence if item is None or detection.is_heading(item) else f"{sentence} {item}"


# a run of table pipes and the empty cells between them ("| | | Why we use | Lawful basis |")
_PIPES = re.compile(r"(?:\s*\|)+\s*")


def cells(text: str) -> str:
    """A table's text as its cells, one " | " between them, no empty cells or outer pipes."""
    return _PIPES.sub(" | ", text).strip(" |") if "|" in text else text
