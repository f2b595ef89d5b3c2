"""Which language a clause is written in, from its function words (no model, no download).

The offline rules, the classifier and the knowledge base read English only. A clause whose
words are mostly the function words of another language is not English: the analyzer then says
it did not assess it rather than answering "low, no category". Function words (articles,
pronouns, prepositions, conjunctions) are frequent in any prose and rarely shared between these
languages, so their shares tell the languages apart on a few dozen words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_WORDS = 12  # fewer words (a heading, an address): not enough to tell
MIN_SHARE = 0.12  # the winning language's function words must be at least this share


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the of and to in is that for you your we our with on by this are be or as it not "
        "any may will from at an have us which"
    ),
    "de": _words(
        "der die das und zu den von mit sie ist des nicht im dem für auf ein eine einer wir "
        "uns oder sind werden ihre ihr bei durch wenn"
    ),
    "fr": _words(
        "le la les des et du un une est pour que qui dans par sur vous nous votre vos ne pas "
        "au aux ou sont être avec ces cette"
    ),
    "es": _words(
        "el la los las de en que del para por con un una usted su sus se es no al como "
        "nuestro nuestros este esta"
    ),
    "it": _words(
        "il lo la gli le di che per con non un una sono della delle dei nel nella al alla "
        "si suo sua tuo tua questo questa"
    ),
    "nl": _words(
        "de het een en van in is dat op te voor met zijn niet u uw wij ons we aan door bij "
        "als of deze ook"
    ),
    "pt": _words(
        "os as de do da dos das em que para por com um uma não se seu sua você nós "
        "nosso nossa ao pelo pela"
    ),
}

NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "nl": "Dutch",
    "pt": "Portuguese",
}
_WORD = re.compile(r"[^\W\d_]{2,}")  # one-letter tokens are hex and initials as often as words
_LINK = re.compile(r"\]\([^)]*\)|https?://\S+|www\.\S+|\S+@\S+")


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, or "und" when there are too few words to tell
    share: float  # share of the words that are this language's function words

    @property
    def name(self) -> str:
        return NAMES.get(self.code, "undetermined")

    @property
    def english(self) -> bool:
        """Whether the offline rules can read it (undetermined counts as English)."""
        return self.code in ("en", "und")


def detect_language(text: str) -> Language:
    """The language whose function words make up the largest share of ``text``'s words."""
    words = [w.lower() for w in _WORD.findall(_LINK.sub(" ", text))]
    if len(words) < MIN_WORDS:
        return Language("und", 0.0)
    shares = {
        code: sum(w in vocab for w in words) / len(words) for code, vocab in FUNCTION_WORDS.items()
    }
    best = max(shares, key=lambda code: (shares[code], code == "en"))
    if shares[best] < MIN_SHARE:
        return Language("und", shares[best])
    if best != "en" and shares[best] < 2 * shares["en"]:  # mixed or unclear: read as English
        return Language("en", shares["en"])
    return Language(best, shares[best])
