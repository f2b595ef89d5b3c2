"""Which sentences of a clause are headings: they say what a section is about, not what it
provides, so they are weak evidence and no summary.

A sentence is a heading by its form (a Markdown heading, a bold line on its own, a line with
an underline, a short title-cased run-in "Your Right to Terminate.") or because it repeats a
heading of the clause's own heading path: a plain line "What information do we collect?"
that the segmenter took as the section's heading reads like a sentence but is the heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from clauselens.analyzers.offline.normalise import without_marks

_FORM = re.compile(r"^\s*(#{1,6}\s|(\*\*|__)[^*_]+(\*\*|__)\s*$)|\n\s*[-=]{3,}\s*$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)[^*_]+(\*\*|__)\s*$")
EMPHASIS_WORDS = 7
TITLE_CASE_SHARE = 0.75
_NUMBERING = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*|[A-Za-z]|[ivxIVX]{1,4})[.)]\s+")


def heading_key(text: str) -> str:
    """A heading or sentence compared without markup, numbering, case or end punctuation."""
    plain = " ".join(without_marks(text).replace("---", " ").split()).strip(" :.?!-=")
    return _NUMBERING.sub("", plain).casefold()


def heading_form(sentence: str) -> bool:
    """Whether ``sentence`` is a heading by its form alone. A bold line that is a full
    sentence ("**You must be 18 and older to use monetization features.**") is emphasis, not
    a heading."""
    words = without_marks(sentence).split()
    if _FORM.search(sentence):
        return not (_BOLD_LINE.match(sentence) and _emphasised_sentence(words))
    long_words = [w for w in words if len(w) > 3]
    return len(words) <= 6 and bool(long_words) and all(w[0].isupper() for w in long_words)


def _emphasised_sentence(words: Sequence[str]) -> bool:
    """A bold line long enough to be a sentence, ending like one, and not in title case (X's
    "VII. Term; Credit Purchase Terms; Credit Deduction; Suspension, and Termination." is a
    heading)."""
    long_words = [w for w in words if len(w) > 3]
    title_case = sum(w[0].isupper() for w in long_words) > TITLE_CASE_SHARE * len(long_words)
    return len(words) >= EMPHASIS_WORDS and words[-1].endswith((".", "!", "?")) and not title_case


def heading_sentences(sentences: Iterable[str], heading_path: Sequence[str] = ()) -> set[str]:
    """The sentences that are headings: by form, or repeating a heading of ``heading_path``."""
    named = {k for k in map(heading_key, heading_path) if k}
    return {s for s in sentences if heading_form(s) or _part_of_heading(heading_key(s), named)}


def _part_of_heading(key: str, named: set[str]) -> bool:
    """The whole of a named heading, or a sentence of one the splitter cut at its "!" or "?"
    (Twitch's "I have had X Emote for years! Why was it only now removed?")."""
    return bool(key) and any(
        key == k or (len(key) >= 12 and (k.startswith(key) or k.endswith(key))) for k in named
    )
