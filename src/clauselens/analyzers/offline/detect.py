"""What the offline rules find in a clause: categories, the sentences behind them, KB matches.

One pass per clause: the clause is cut into sentences (verbatim spans); each sentence is scored
by the CLAUDETTE classifier and matched against the category rules and risk signals of the
knowledge base; then the knowledge base says which regulations the sentences and categories
engage. Every finding keeps the exact sentence that triggered it, so evidence quotes verify.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from clauselens.analyzers.offline.classifier import ClauseClassifier, load_classifier
from clauselens.analyzers.offline.headings import heading_sentences
from clauselens.analyzers.offline.knowledge import (
    CompiledKnowledgeBase,
    Engagement,
    Setting,
    load_knowledge_base,
)
from clauselens.analyzers.offline.normalise import (
    sentences,
    topic_lines,
    without_link_targets,
    without_section_titles,
)
from clauselens.schemas import load_taxonomy


@dataclass(frozen=True)
class Finding:
    """One category found in one sentence, by the classifier or by a rule."""

    category: str
    sentence: str
    source: str  # "classifier" or "rule"
    score: float


@dataclass
class Detection:
    """Everything the offline rules found in one clause."""

    sentences: list[str]
    findings: list[Finding] = field(default_factory=list)
    engagements: list[Engagement] = field(default_factory=list)
    risk_sentences: list[str] = field(default_factory=list)
    triage_score: float = 0.0  # the highest triage probability of a sentence in its context
    headings: set[str] = field(default_factory=set)  # the sentences that are headings
    setting: Setting = Setting()  # noqa: RUF009 (frozen) where the clause sits

    def item_after(self, sentence: str) -> str | None:
        """The sentence after a list lead-in ("Content that:", one ending in a colon that is not
        the clause's last), or None when ``sentence`` is no such lead-in."""
        if not sentence.rstrip().endswith(":") or sentence not in self.sentences[:-1]:
            return None
        return self.sentences[self.sentences.index(sentence) + 1]

    def leads_a_list(self, sentence: str) -> bool:
        """Whether ``sentence`` introduces a list: it is a lead-in with an item after it, or
        the sentence after it is a short one that is ("We don't allow content that reveals
        personal information." then "This includes, but is not limited to:")."""
        if self.item_after(sentence) is not None:
            return True
        if sentence not in self.sentences[:-1]:
            return False
        after = self.sentences[self.sentences.index(sentence) + 1]
        return len(after.split()) <= SHORT_LEAD_IN_WORDS and self.item_after(after) is not None

    def support(self, categories: Collection[str]) -> dict[str, float]:
        """Per sentence, the summed scores of its findings of these categories (a sentence found
        by a rule and the classifier, or for two categories, has more), in the order found."""
        found: dict[str, float] = {}
        for finding in self.findings:
            if finding.category in categories:
                found[finding.sentence] = found.get(finding.sentence, 0.0) + finding.score
        return found

    def is_heading(self, sentence: str) -> bool:
        """Whether ``sentence`` is one of the clause's heading lines (``headings``)."""
        return sentence in self.headings

    @property
    def heading_only(self) -> bool:
        """Whether every sentence of the clause is a heading ("How long do we keep your
        information?" cut off from the section under it): it says what follows is about, and
        provides nothing itself."""
        return bool(self.sentences) and all(map(self.is_heading, self.sentences))

    @property
    def categories(self) -> list[str]:
        """Categories in order of first finding, without repeats."""
        return list(dict.fromkeys(f.category for f in self.findings))


_WORD = re.compile(r"[^\W\d_]{2,}")
MIN_CLASSIFIED_WORDS = 3
SHORT_LEAD_IN_WORDS = 8  # "This includes, but is not limited to:", "What to avoid:"


def _readable(sentence: str) -> bool:
    """Whether the classifier has enough to read: a line of one or two words ("CHANGE LOG" in
    Instagram's page menus, "Your Content", "### remove") is a label, and the CLAUDETTE
    classifier, trained on sentences, reads "change" or "content" in it as a term. Rules
    still read it."""
    return len(_WORD.findall(sentence)) >= MIN_CLASSIFIED_WORDS


def detect(
    text: str,
    classifier: ClauseClassifier | None = None,
    kb: CompiledKnowledgeBase | None = None,
    *,
    setting: Setting = Setting(),  # noqa: B008 (frozen)
) -> Detection:
    """Run the classifier, category rules, risk signals and KB triggers over ``text``
    (``setting``: where the clause sits, for the triggers that depend on the document kind)."""
    classifier = classifier or load_classifier()
    kb = kb or load_knowledge_base()
    by_code = load_taxonomy().by_claudette_code()
    result = Detection(sentences=sentences(text), setting=setting)
    result.headings = heading_sentences(result.sentences, setting.headings)
    topics = topic_lines(result.sentences)
    own: list[float] = []
    for sentence in result.sentences:
        prediction = classifier.predict(sentence)
        own.append(prediction.max_log_odds)
        if sentence in topics:
            continue
        lowered = without_section_titles(without_link_targets(sentence).lower())
        for code in prediction.labels if _readable(sentence) else ():
            category = by_code[code].code
            if kb.vetoed(category, lowered):
                continue
            prob = prediction.probabilities[code]
            result.findings.append(Finding(category, sentence, "classifier", prob))
        for category in kb.category_matchers:
            if kb.category_in(category, lowered):
                result.findings.append(Finding(category, sentence, "rule", 1.0))
        if kb.risk_matcher.matches(lowered):
            result.risk_sentences.append(sentence)
    result.triage_score = max(classifier.triage_probabilities(own), default=0.0)
    body = [s for s in result.sentences if s not in topics and not result.is_heading(s)]
    for category in kb.section_triggers.keys() - set(result.categories):
        stated = kb.section_sentence(category, body, setting)
        if stated is not None:
            result.findings.append(Finding(category, stated, "rule", 1.0))
    support = Counter(f.category for f in result.findings)
    # a sentence that introduces a list ("Content that:", or a rule then "This includes:") with
    # items after it states the rule the items list
    support.update(f.category for f in result.findings if result.leads_a_list(f.sentence))
    # community guidelines are rules for users: one prohibition there states one
    needed = dict(kb.min_sentences)
    if setting.content_rules:
        needed.update(prohibited_uses=1, user_conduct=1)
    result.findings = [
        f for f in result.findings if support[f.category] >= needed.get(f.category, 1)
    ]
    found: dict[str, set[str]] = {}
    for finding in result.findings:
        found.setdefault(finding.sentence, set()).add(finding.category)
    # a clause that is only a heading provides nothing: no instrument on its words alone
    evidence = [] if result.heading_only else [s for s in result.sentences if s not in topics]
    result.engagements = kb.engagements(evidence, found, setting)
    return result
