"""Text forms the offline analyzer works on: classifier tokens and sentence spans.

The CLAUDETTE corpus is lower-cased and tokenised in the Penn Treebank style of Stanford
CoreNLP: brackets become ``-lrb-``/``-rrb-``, opening double quotes ````` and closing ones
``''``, punctuation and clitics (``n't``, ``'s``) stand apart, abbreviations such as ``u.s.`` or
``e.g.`` keep their dots. ``normalise_for_classifier`` turns real (Markdown) clause text into that
form, so the classifier sees at inference what it saw in training.

``sentence_spans`` cuts a clause into sentences and list items as character spans of the
original text: evidence quotes are taken from those spans, so they are verbatim by construction.
"""

from __future__ import annotations

import re
import unicodedata

_BRACKETS = {"(": "-lrb-", ")": "-rrb-", "[": "-lsb-", "]": "-rsb-", "{": "-lcb-", "}": "-rcb-"}
_ABBREVIATIONS = frozenset(
    [
        "inc",
        "ltd",
        "co",
        "corp",
        "llc",
        "plc",
        "etc",
        "vs",
        "no",
        "nos",
        "art",
        "arts",
        "sec",
        "para",
        "p",
        "pp",
        "dr",
        "mr",
        "mrs",
        "ms",
        "st",
        "jr",
        "sr",
        "approx",
        "dept",
        "fig",
        "cf",
        "al",
    ]
)
_ATOMS = frozenset(["``", "''", "--", "...", "'s", "n't", "'re", "'ll", "'ve", "'m", "'d"])
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|(?<!\w)_(?!\s))")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*", re.MULTILINE)
_MD_RULE = re.compile(r"^\s*([-=*_])\1{2,}\s*$", re.MULTILINE)
_BULLET = re.compile(r"^\s*(?:[-+•●▪◦]|\d{1,3}[.)])\s+", re.MULTILINE)
_CLITIC = re.compile(r"(?i)^(.+?)(n't|'s|'re|'ll|'ve|'m|'d)$")
_ABBREV_DOTTED = re.compile(r"^(?:[a-z]\.){2,}$|^[a-z]\.$")
_URLISH = re.compile(r"^(?:https?://|www\.)|@|^[\w-]+(?:\.[\w-]+)+/?$")
_LEAD_PUNCT = re.compile(r"^(``|[\"'`$#(\[{])")
_TRAIL_PUNCT = re.compile(r"(''|[,;:!?%)\]}\"'])$")


def _prepare(text: str) -> str:
    """Unicode and Markdown clean-up that keeps words and punctuation."""
    text = unicodedata.normalize("NFKC", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    text = _MD_RULE.sub(" ", text)
    text = _BULLET.sub(" ", text)
    text = _MD_EMPHASIS.sub("", text)
    text = text.replace("’", "'").replace("‘", "`").replace("“", ' " ').replace("”", ' " ')
    text = re.sub(r"\s*[—–]\s*", " -- ", text)
    text = text.replace("...", " ... ").replace("…", " ... ")
    return text.lower()


def _split_token(token: str) -> list[str]:
    """Split one whitespace token into PTB tokens (without the quote-direction pass)."""
    lead: list[str] = []
    trail: list[str] = []
    while token:
        if token in _ATOMS:
            lead.append(token)
            token = ""
            break
        if token in _BRACKETS:
            lead.append(token)
            token = ""
            break
        m = _LEAD_PUNCT.match(token)
        if m and len(token) > len(m.group(1)):
            lead.append(m.group(1))
            token = token[len(m.group(1)) :]
            continue
        if token.endswith(".") and len(token) > 1 and not _keeps_dot(token):
            trail.insert(0, ".")
            token = token[:-1]
            continue
        m = _TRAIL_PUNCT.search(token)
        if m and len(token) > len(m.group(1)):
            trail.insert(0, m.group(1))
            token = token[: -len(m.group(1))]
            continue
        break
    core: list[str] = []
    if token:
        m = _CLITIC.match(token)
        core = [m.group(1), m.group(2)] if m else [token]
    return lead + core + trail


def _keeps_dot(token: str) -> bool:
    bare = token[:-1]
    return bool(
        bare in _ABBREVIATIONS or _ABBREV_DOTTED.match(token) or ("." in bare and len(bare) <= 6)
    )


def normalise_for_classifier(text: str) -> str:
    """Lower-case and PTB-tokenise ``text`` the way the CLAUDETTE corpus was released."""
    tokens: list[str] = []
    for raw in _prepare(text).split():
        if _URLISH.search(raw) and not raw.endswith((",", ";", ")")):
            tokens.extend(_split_token(raw) if raw.endswith(".") else [raw])
            continue
        tokens.extend(_split_token(raw))
    out: list[str] = []
    open_double = True
    for tok in tokens:
        if tok == '"':
            out.append("``" if open_double else "''")
            open_double = not open_double
        else:
            out.append(_BRACKETS.get(tok, tok))
    if out and out[-1] != "." and out[-1].endswith(".") and not _ABBREV_DOTTED.match(out[-1]):
        out[-1:] = [out[-1][:-1], "."]
    return " ".join(out)


_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?P<closers>[\"'”’)\]]*)\s+(?=[\"'“‘(\[]*[A-Za-z0-9*])"
    r"|\n\s*\n|\n(?=\s*(?:[-*+•]|\d{1,3}[.)])\s)"
)
"""A sentence break: the quotes and brackets that close a sentence stay with it."""
# a sentence so far that is only a section label ("**VII.", "2.1.", "b."): not a sentence yet
_LABEL_ONLY = re.compile(r"^\W*(?:[IVXLCivxlc]{1,6}|\d{1,3}(?:\\?\.\d{1,3})*|[A-Za-z])\\?\.$")
# an abbreviation, or an initial: a capital after a capitalised name or another initial
# ("Franklin D. Roosevelt", "J. R. R."), not the one-letter name of a platform ("posts on X. We")
_ABBREV_BEFORE = re.compile(
    r"(?i:\b(?:e\.g|i\.e|etc|inc|ltd|co|vs|no|u\.s|art|sec)\.)$"
    r"|(?:^|\b[A-Z][\w'’-]*\s+|\b[A-Z]\.\s?)[A-Z]\.$"
)


_MARKDOWN_MARKS = re.compile(r"(?<!\\)[*_#`>]+")
# a backslash escape ("4\\.", "\\[content warning\\]"): the character it escapes
_LINK_RUN_ON = re.compile(r"!?\[[^\]]*\]\([^)]*\)(?=[\[A-Z])")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def without_marks(text: str) -> str:
    """``text`` without Markdown marks: emphasis, heading and quote marks and code ticks dropped,
    links kept as their text (marks inside a link's text go too: ``[**Page**](url)`` is Page),
    a link run into the next link or a capitalised word kept apart from it (a help centre's
    breadcrumbs "[All Collections](...)[Connectors](...)Directory Terms" are "All Collections
    Connectors Directory Terms"), backslash escapes as the character they escape ("4\\." is
    "4.")."""
    text = _MD_LINK.sub(r"\1", _LINK_RUN_ON.sub(r"\g<0> ", text))
    return _MARKDOWN_ESCAPE.sub(r"\1", _MARKDOWN_MARKS.sub("", text))


def markdown_plain(text: str) -> str:
    """``text`` as words a reader sees: ``<br>`` breaks as spaces, Markdown marks dropped (a link
    keeps its text), whitespace collapsed."""
    return " ".join(without_marks(_HTML_BREAK.sub(" ", text)).split())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences and list items of ``text`` (trimmed, non-empty)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        before = text[start : m.start()]
        if (_ABBREV_BEFORE.search(before) or _LABEL_ONLY.match(before)) and "\n" not in m.group(0):
            continue
        spans.append((start, m.start() + len(m.group("closers") or "")))
        start = m.end()
    spans.append((start, len(text)))
    trimmed: list[tuple[int, int]] = []
    for a, b in spans:
        seg = text[a:b]
        lead = len(seg) - len(seg.lstrip())
        tail = len(seg.rstrip())
        if tail > lead and re.search(r"\w", seg):
            trimmed.append((a + lead, a + tail))
    return trimmed


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` as verbatim substrings."""
    return [text[a:b] for a, b in sentence_spans(text)]


_LINK_ONLY = re.compile(r"^\s*(?:[-+*•●▪◦]|\d{1,3}[.)])?\s*(?:!?\[[^\]]*\]\([^)]*\)[\s,;|·]*)+$")
_FRAGMENT_WORDS = 6


def is_link_line(sentence: str) -> bool:
    """A line that is only Markdown links (a table of contents, a menu): it states nothing."""
    return bool(_LINK_ONLY.match(sentence))


def is_fragment(sentence: str) -> bool:
    """A short title-like piece (at most six words, no closing punctuation), or only links."""
    if is_link_line(sentence):
        return True
    plain = _MD_EMPHASIS.sub("", _MD_LINK.sub(r"\1", _BULLET.sub("", sentence))).strip()
    plain = plain.lstrip("*").strip()
    return len(plain.split()) <= _FRAGMENT_WORDS and not plain.endswith((".", ";", ":", "!", "?"))


_TERMS_WORDS = re.compile(
    r"(?i)\b(?:may|must|shall|will|agree\w*|not|never|prohibit\w*|don't|can't|cannot|only|"
    r"required?|responsible|liab\w*)\b"
)


def topic_lines(parts: list[str]) -> set[str]:
    """Sentences that name topics rather than state terms, so are no evidence of any rule.

    Link-only lines always. Short title-like fragments too when they make up at least half of
    the clause and nothing else in it states a term (no "may", "must", "not", "agree", ...): a
    list of help links, a table of contents, an imprint. "How to download your personal data"
    there engages no data-protection law. Under a lead-in that states a term ("You may not use
    the Services for:"), the items are the terms, and they stay evidence.
    """
    fragment = {p: is_fragment(p) for p in parts}
    fragments = [p for p in parts if fragment[p]]
    statements = [p for p in parts if not fragment[p]]
    if 2 * len(fragments) >= len(parts) and not any(_TERMS_WORDS.search(p) for p in statements):
        return set(fragments)
    return {p for p in parts if is_link_line(p)}


# a Markdown link's address ("[Information You Provide](#info-you-provide)")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")


def without_link_targets(text: str) -> str:
    """``text`` with each Markdown link's address emptied ("[Information You Provide]()"): the
    rules read a link's words, not its address, whose words are not the clause's and whose full
    stops would end a sentence window. The empty "()" keeps "a link to a section" recognisable."""
    return _LINK_TARGET.sub("]()", text)


# "Section 8 (Indemnification)": a cross-reference names another section's topic, not a term
_SECTION_TITLE = re.compile(
    r"\b((?:sections?|clauses?|paragraphs?|articles?)\s+\d+(?:\.\d+)*[a-z]?\s+)\(([^()\n]{1,80})\)",
    re.IGNORECASE,
)


def without_section_titles(text: str) -> str:
    """``text`` with the titles of cross-referenced sections blanked out, keeping every other
    character where it was: "Section 8 (Indemnification)" in a survival clause is no indemnity,
    and "Section 11 (Arbitration)" no arbitration clause."""
    return _SECTION_TITLE.sub(
        lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))), text
    )
