"""Lines that look like headings but are page furniture: what is never an implicit heading.

- Interface lines: a language selector ("English", "Français"), a table of contents ("Table of
  Contents", "On this page"), calls to action ("Find more solutions", "Learn more", "Back to
  top", "Was this page helpful?"), links to archived copies ("Previous versions").
- Date lines: "Updated: ...", "Last modified on ...", "Effective 1 May 2024", or a bare date.
- List clauses: a line that ends like a clause of a running sentence (``;``, ``; and``,
  ``, or``, a trailing conjunction) continues a list; it never opens a section.

A Markdown heading with such a title still starts a clause (every Markdown heading does) but
adds no element to the heading path.
"""

from __future__ import annotations

import re

#: Language names as they appear in language selectors (English names and endonyms).
_LANGUAGES = frozenset(
    [
        "english",
        "français",
        "francais",
        "deutsch",
        "español",
        "espanol",
        "italiano",
        "português",
        "portugues",
        "nederlands",
        "polski",
        "türkçe",
        "turkce",
        "русский",
        "українська",
        "日本語",
        "中文",
        "简体中文",
        "繁體中文",
        "한국어",
        "العربية",
        "עברית",
        "हिन्दी",
        "svenska",
        "dansk",
        "norsk",
        "suomi",
        "čeština",
        "cestina",
        "magyar",
        "română",
        "romana",
        "ελληνικά",
        "български",
        "bahasa indonesia",
        "melayu",
        "tiếng việt",
        "ไทย",
        "filipino",
        "hrvatski",
        "slovenčina",
        "slovenščina",
        "french",
        "german",
        "spanish",
        "italian",
        "portuguese",
        "dutch",
        "polish",
        "turkish",
        "russian",
        "ukrainian",
        "japanese",
        "chinese",
        "korean",
        "arabic",
        "hebrew",
        "hindi",
        "swedish",
        "danish",
        "norwegian",
        "finnish",
        "czech",
        "hungarian",
        "romanian",
        "greek",
        "bulgarian",
        "indonesian",
        "malay",
        "vietnamese",
        "thai",
    ]
)

_INTERFACE = re.compile(
    r"""(?ix)
    (?:table\s+of\s+contents|contents|on\s+this\s+page|in\s+this\s+(?:article|page|section)
      |jump\s+to(?:\s+\w+)?|skip\s+to(?:\s+\w+){0,2}|back\s+to\s+top|go\s+to\s+top
      |(?:find|learn|read|see|view|show|discover|explore|get)\s+(?:more|all|less)\b.*
      |(?:was\s+)?this\s+(?:page|article|information)\s+(?:was\s+)?helpful\??
      |print(?:\s+this\s+page)?|download(?:\s+(?:as\s+)?pdf)?|share(?:\s+this\s+page)?
      |related\s+(?:articles|pages|topics|links)|need\s+(?:more\s+)?help\??
      |(?:sign|log)\s*(?:in|up|out)|select\s+(?:a\s+)?(?:language|region|country)
      |language|choose\s+(?:a\s+)?language
      |(?:previous|prior|past|archived|older)\s+versions?(?:\s+of\s+th(?:ese|is)\s+\w+)?)
    """
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = rf"(?:\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
_DATE += rf"|{_MONTH}\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}})"
_DATE_LINE = re.compile(
    rf"""(?ix)
    (?:(?:last\s+)?(?:updated|modified|revised|amended|reviewed|effective)(?:\s+(?:on|as\s+of|date|from))?\b.*
      |(?:date\s+of\s+)?(?:last\s+)?(?:update|revision|modification)\s*:.*
      |(?:version|effective\s+date|published)\s*:.*
      |{_DATE})
    """
)
_LIST_CLAUSE = re.compile(r"(?i)(?:[;,]\s*(?:and|or|and/or)?|\b(?:and|or|nor|and/or))$")


def is_interface_line(title: str) -> bool:
    """A language selector, table-of-contents or call-to-action line."""
    text = title.strip(" .:")
    return text.lower() in _LANGUAGES or bool(_INTERFACE.fullmatch(text))


def is_date_line(title: str) -> bool:
    """A line that only dates the page ("Updated: ...", "Effective 1 May 2024", a bare date).

    It holds a digit: "Effective Date" alone can title a section about when terms apply."""
    text = title.strip(" .")
    return any(c.isdigit() for c in text) and bool(_DATE_LINE.fullmatch(text))


def is_noise(title: str) -> bool:
    """Page furniture that never heads a section."""
    return is_interface_line(title) or is_date_line(title)


def ends_as_list_clause(text: str) -> bool:
    """Whether a line ends like a clause of a list or sentence (``;``, ``; and``, ``, or``)."""
    return bool(_LIST_CLAUSE.search(text.rstrip(" *_")))
