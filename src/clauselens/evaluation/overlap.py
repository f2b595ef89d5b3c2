"""How much of a reader's rationale a summary says: content-word overlap.

A gold item's rationale is the reader's account of the clause ("Enterprise terms: one-year
subscriptions auto-renew unless 30 days' notice, fees are non-cancellable ..."), often followed
by the instruments it engages. The overlap of a summary with it is a proxy, and a rough one:
recall is the share of the rationale's content words the summary holds, precision the share of
the summary's content words the rationale holds. Content words are the lower-case words of
three letters or more, not in ``STOP``, without a common ending (``_ENDING``) and cut to their
first ``STEM`` letters: "renew", "renews" and "renewals" are one word, so are "subscription"
and "subscribers". A longer summary buys recall with precision; read the two together.
The offline analyzer's constant label (``SUMMARY_LABEL``) is not read.
"""

from __future__ import annotations

import re

from clauselens.analyzers.offline.summary import SUMMARY_LABEL

STEM = 6
_STOP_WORDS = (
    "the and for with from that this these those are was were been being its their they them "
    "you your our ours may can will not any all such which who whom than into via per use uses "
    "used using also more most about under only other others each some both has have had does "
    "did there here when where what how why whether would could should must shall unless"
)
STOP = frozenset(_STOP_WORDS.split())
_WORD = re.compile(r"[a-z]+")
_ENDING = re.compile(r"(?:ations?|ings?|ments?|als?|ers?|ed|es|ly|s)$")


def _stem(word: str) -> str:
    bare = _ENDING.sub("", word)
    return (bare if len(bare) >= 4 else word)[:STEM]


def content_words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in STOP}


def overlap(summary: str, rationale: str) -> tuple[float, float] | None:
    """(recall, precision) of ``summary`` against ``rationale``; None when either has no content
    word."""
    said, meant = content_words(summary.removeprefix(SUMMARY_LABEL)), content_words(rationale)
    if not said or not meant:
        return None
    common = len(said & meant)
    return common / len(meant), common / len(said)
