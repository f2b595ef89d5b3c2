"""The regulatory knowledge base (``data/knowledge_base.json``): loaded, validated, queried.

The file holds agencies (jurisdiction and a one-line statement of authority), regulations (their
agencies and the clause features that engage them: taxonomy categories and keyword patterns, the
latter partly shared through named ``term_sets``), and the offline analyzer's rule data: regex
rules per category, the severity table, per-category and per-group texts, and triage risk
signals. Everything is validated on load (``extra="forbid"``) and every reference must resolve:
agency ids, category codes (against the taxonomy), term-set names, and every regex compiles.

Patterns are matched case-insensitively. A regulation is engaged by a clause only on evidence:
a sentence of the clause that matches one of its terms, or a sentence in which one of its
categories was found and that also matches its ``scope`` terms when it lists any (in a privacy
notice, for the data-protection instruments that say so, ``scope_met_in_privacy_notice``, the
scope is met: a category's sentence there is about personal data whatever its words; a category
found elsewhere in the clause, or a category alone, never engages it); and, if it lists
``requires``, some sentence of the clause matches one of those terms too. The evidence
sentences are the engagement's quotes. An agency with ``requires`` is named only when a
sentence of the clause matches it (the AI Office supervises general-purpose AI models, not
every AI clause). A category rule's ``unless`` patterns (and the term sets its ``unless_sets``
name) veto it in a sentence where they match: the direction of a provision (who may do what
to whom) decides whether it is the category (users forbidden to train on the service's content
is not the service training on theirs); its ``lifted_by`` patterns lift the veto where the
provider acts in the same sentence (users share with each other, and the provider shares with
partners); its ``in_notice_section`` finds it in a privacy notice's section whose heading says
so ("How we use your information": "For example we can: ..."). A category's text may carry a
``consumer`` impact of its own, for a category its group's text does not fit.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from clauselens.errors import ConfigError
from clauselens.schemas import load_taxonomy
from clauselens.schemas.analysis import Level

LEVELS: tuple[Level, ...] = ("low", "medium", "high")

KB_RESOURCE = "data/knowledge_base.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TermSelector(_Strict):
    term_sets: list[str] = []
    terms: list[str] = []


class AgencyEntry(_Strict):
    id: str
    name: str
    jurisdiction: str
    authority: str
    requires: TermSelector | None = None


class NoticeTrigger(TermSelector):
    """In a privacy notice, a sentence that says this engages the instrument: the notice is the
    transparency information it requires (GDPR Articles 13 and 14)."""

    # under a heading that says the selector's words ("How long do we keep your information?"),
    # the section is about people's information: a sentence that says this about it ("we log",
    # "it is deleted after 14 days") engages the instrument too
    under_heading: TermSelector | None = None


class Triggers(TermSelector):
    categories: list[str] = []
    scope: TermSelector | None = None  # what a category's sentence must also say
    # in a privacy notice a category's sentence is about personal data whatever its words ("Based
    # on her friend's activity, we might show Fiona an ad"): the scope is met there
    scope_met_in_privacy_notice: bool = False
    # a sentence that says this is no evidence for the instrument (outside its remit)
    unless: TermSelector | None = None
    in_privacy_notice: NoticeTrigger | None = None
    # in community guidelines, a sentence that says this (a restriction on what users may post,
    # or what the platform does about it) engages the instrument: the guidelines are the
    # content restrictions of the terms and conditions it governs (DSA Article 14(1))
    in_content_rules: TermSelector | None = None


class Regulation(_Strict):
    id: str
    name: str
    short_name: str
    jurisdiction: str
    kind: str
    summary: str
    agencies: list[str]
    enforcement_note: str | None = None
    triggers: Triggers
    requires: TermSelector | None = None
    # what it governs: any text, contract terms, consumer contracts, dealings with consumers, or
    # what users may post on an online platform (``remit.py``)
    remit: Literal["any", "contracts", "consumer_contracts", "consumers", "online_content"] = "any"


class SectionTrigger(TermSelector):
    """In a privacy notice, under a heading that says ``heading`` ("How we use your
    information"), the first body sentence that says these words (the provider saying what it
    does: "For example we can: ...") states the category, though no pattern of its rule does."""

    heading: TermSelector


class CategoryRule(_Strict):
    category: str
    patterns: list[str]
    unless: list[str] = []
    # named term sets whose patterns veto like ``unless`` (a pattern an instrument's trigger
    # ``unless`` needs too is written once, as a term set both name)
    unless_sets: list[str] = []
    # a sentence that also matches one of these keeps the category despite ``unless`` (users
    # share with each other, and in the same sentence the provider shares with partners)
    lifted_by: list[str] = []
    # a broad topic (user conduct, IP) is the clause's only when this many sentences say so (a
    # list lead-in such as "Content that:" with items after it counts twice: ``detect``)
    min_sentences: int = 1
    in_notice_section: SectionTrigger | None = None


class SeverityRow(_Strict):
    level: Level
    categories: list[str]
    # the wording that earns the row's level (the severity rubric's "without notice", "broad
    # liability exclusion"): a category of the row found in no sentence with any of these
    # words takes the level below (``CompiledKnowledgeBase.severity``); empty: always the level
    needs: list[str] = []
    needs_note: str = ""  # that wording in words, for the rationale of a lowered level


class CategoryText(_Strict):
    category: str
    why: str
    consumer: str  # what it means for a user, in plain words (the consumer impact)
    vendor: str  # what an organisation relying on the service should check


class KnowledgeBase(_Strict):
    version: str
    disclaimer: str
    agencies: list[AgencyEntry]
    term_sets: dict[str, list[str]]
    regulations: list[Regulation]
    category_rules: list[CategoryRule]
    severity_table: list[SeverityRow]
    category_text: list[CategoryText]
    risk_signals: list[str]

    def agency(self, agency_id: str) -> AgencyEntry:
        return next(a for a in self.agencies if a.id == agency_id)

    def severity_of(self, category: str) -> Level:
        for row in self.severity_table:
            if category in row.categories:
                return row.level
        return "low"

    def why(self, category: str) -> str:
        """The category's why-it-matters text."""
        return next(t.why for t in self.category_text if t.category == category)

    def consumer(self, category: str) -> str:
        """The category's consumer-impact text."""
        return next(t.consumer for t in self.category_text if t.category == category)

    def vendor(self, category: str) -> str:
        """The category's contract and vendor text."""
        return next(t.vendor for t in self.category_text if t.category == category)


def _compile(pattern: str, where: str, errors: list[str]) -> re.Pattern[str] | None:
    if _UPPER_ESCAPE.search(pattern):
        errors.append(
            f"{where}: pattern {pattern!r} uses an upper-case escape (patterns are lowered)"
        )
        return None
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        errors.append(f"{where}: pattern {pattern!r} does not compile: {exc}")
        return None


def reference_errors(kb: KnowledgeBase) -> list[str]:
    """Every reference of the knowledge base that does not resolve (empty when all do)."""
    errors: list[str] = []
    codes = load_taxonomy().codes
    agency_ids = [a.id for a in kb.agencies]
    reg_ids = [r.id for r in kb.regulations]
    for kind, ids in (("agency", agency_ids), ("regulation", reg_ids)):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            errors.append(f"duplicate {kind} ids: {', '.join(dupes)}")
    for name, patterns in kb.term_sets.items():
        for p in patterns:
            _compile(p, f"term_sets.{name}", errors)
    for reg in kb.regulations:
        where = f"regulations.{reg.id}"
        errors += [f"{where}: unknown agency {a!r}" for a in reg.agencies if a not in agency_ids]
        errors += [
            f"{where}: unknown category {c!r}" for c in reg.triggers.categories if c not in codes
        ]
        for sel in (
            reg.triggers,
            reg.requires,
            reg.triggers.scope,
            reg.triggers.unless,
            reg.triggers.in_privacy_notice,
            reg.triggers.in_privacy_notice and reg.triggers.in_privacy_notice.under_heading,
            reg.triggers.in_content_rules,
        ):
            if sel is None:
                continue
            errors += [
                f"{where}: unknown term set {t!r}" for t in sel.term_sets if t not in kb.term_sets
            ]
            for p in sel.terms:
                _compile(p, where, errors)
        if not reg.agencies and not reg.enforcement_note:
            errors.append(f"{where}: no agency and no enforcement_note")
    for agency in kb.agencies:
        if agency.requires is not None:
            errors += [
                f"agencies.{agency.id}: unknown term set {t!r}"
                for t in agency.requires.term_sets
                if t not in kb.term_sets
            ]
            for p in agency.requires.terms:
                _compile(p, f"agencies.{agency.id}", errors)
    for rule in kb.category_rules:
        if rule.category not in codes:
            errors.append(f"category_rules: unknown category {rule.category!r}")
        for p in [*rule.patterns, *rule.unless, *rule.lifted_by]:
            _compile(p, f"category_rules.{rule.category}", errors)
        section = rule.in_notice_section
        term_sets = [
            *rule.unless_sets,
            *(section.term_sets + section.heading.term_sets if section else []),
        ]
        errors += [
            f"category_rules.{rule.category}: unknown term set {t!r}"
            for t in term_sets
            if t not in kb.term_sets
        ]
        for p in section.terms + section.heading.terms if section else []:
            _compile(p, f"category_rules.{rule.category}.in_notice_section", errors)
    seen: list[str] = [c for row in kb.severity_table for c in row.categories]
    errors += [f"severity_table: unknown category {c!r}" for c in seen if c not in codes]
    errors += [f"severity_table: {c!r} listed twice" for c in set(seen) if seen.count(c) > 1]
    errors += [
        f"severity_table: the {row.level} row of {', '.join(row.categories)} needs a needs_note"
        for row in kb.severity_table
        if row.needs and not row.needs_note
    ]
    errors += [
        f"category_text: unknown category {t.category!r}"
        for t in kb.category_text
        if t.category not in codes
    ]
    texts = {t.category for t in kb.category_text}
    errors += [f"category_text: no text for category {c!r}" for c in sorted(codes - texts)]
    for p in kb.risk_signals:
        _compile(p, "risk_signals", errors)
    return errors


def knowledge_base_text() -> str:
    return resources.files("clauselens").joinpath(KB_RESOURCE).read_text("utf-8")


def parse_knowledge_base(raw: str) -> KnowledgeBase:
    """Parse and validate knowledge-base JSON text; raises ``ConfigError`` on any problem."""
    try:
        kb = KnowledgeBase.model_validate(json.loads(raw))
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{KB_RESOURCE} is invalid: {exc}") from exc
    errors = reference_errors(kb)
    if errors:
        raise ConfigError(f"{KB_RESOURCE} has unresolved references: " + "; ".join(errors))
    return kb


_UPPER_ESCAPE = re.compile(r"\\[ABDSWZ]")
_WORD_START = re.compile(r"\w")


class Matcher:
    """Case-insensitive "does any pattern match" over text, fast.

    Python's ``re`` scans much faster for a pattern that starts with a literal than for one
    that starts with ``\\b`` or carries ``IGNORECASE``. So the text is lower-cased once, the
    patterns are compiled lower-cased, and a leading ``\\b`` is checked by hand on each
    candidate match (retrying one character later when it fails), which keeps the meaning.
    """

    def __init__(self, patterns: list[str]) -> None:
        bounded = [p[2:].lower() for p in patterns if p.startswith("\\b")]
        free = [p.lower() for p in patterns if not p.startswith("\\b")]
        self._bounded = _union(bounded)
        self._free = _union(free)

    def __bool__(self) -> bool:
        return self._bounded is not None or self._free is not None

    def matches(self, lowered: str) -> bool:
        """Whether any pattern matches ``lowered`` (text already passed through ``str.lower``).
        Typographic quotes read as plain ones ("don’t" as "don't") and no-break spaces as spaces,
        as the patterns write them; zero-width characters are not read."""
        if _TYPESET.search(lowered):
            lowered = lowered.translate(_PLAIN_TEXT)
        if self._free is not None and self._free.search(lowered):
            return True
        return self._bounded_match(lowered) is not None

    def span(self, lowered: str) -> tuple[int, int] | None:
        """Where in ``lowered`` the earliest match is, or None when nothing matches or the
        position cannot be told (a zero-width character before it, dropped for matching)."""
        plain = lowered.translate(_PLAIN_TEXT) if _TYPESET.search(lowered) else lowered
        if len(plain) != len(lowered):
            return None
        found = [m.span() for m in (self._free_match(plain), self._bounded_match(plain)) if m]
        return min(found) if found else None

    def _free_match(self, lowered: str) -> re.Match[str] | None:
        return self._free.search(lowered) if self._free is not None else None

    def _bounded_match(self, lowered: str) -> re.Match[str] | None:
        if self._bounded is None:
            return None
        pos = 0
        while (m := self._bounded.search(lowered, pos)) is not None:
            # Every branch of this union starts with \b, and \b depends only on the position,
            # so a failed boundary at m.start() rules out every branch there.
            if _at_boundary(lowered, m.start()):
                return m
            pos = m.start() + 1
        return None


# typographic quotes, no-break and thin spaces and non-breaking hyphens as the plain characters
# the patterns write; zero-width spaces, word joiners and soft hyphens ("EXCEED \u200b\u200bTHE
# GREATER") dropped. Only ``matches`` sees the result (a yes or no), never a quote.
_PLAIN_TEXT = str.maketrans(
    {
        "\u200b": None,
        "\u2060": None,
        "\ufeff": None,
        "\u00ad": None,
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2010": "-",
        "\u2011": "-",
    }
)
_TYPESET = re.compile("[’‘“”\u00a0\u202f\u2009\u2010\u2011\u200b\u2060\ufeff\u00ad]")


def _union(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def _at_boundary(text: str, i: int) -> bool:
    before = i > 0 and bool(_WORD_START.match(text[i - 1]))
    after = i < len(text) and bool(_WORD_START.match(text[i]))
    return before != after


@dataclass(frozen=True)
class Setting:
    """Where a clause sits, for the triggers that depend on the kind of document."""

    privacy_notice: bool = False  # part of a privacy (or cookie) notice
    content_rules: bool = False  # part of community guidelines or a content policy
    business_terms: bool = False  # binds a business (commercial, developer or API terms)
    headings: tuple[str, ...] = ()  # the headings above it, outermost first


@dataclass(frozen=True)
class _RegulationMatchers:
    terms: Matcher
    scope: Matcher | None
    requires: Matcher | None
    unless: Matcher | None
    notice: Matcher | None
    notice_heading: Matcher | None
    content_rules: Matcher | None


def _where_matchers(
    m: _RegulationMatchers, setting: Setting, headings: Sequence[str]
) -> list[Matcher]:
    """The triggers of an instrument that apply because of where the clause sits: in community
    guidelines, ``in_content_rules``; in a privacy notice, ``in_privacy_notice``, and its
    ``under_heading`` when a heading above says the notice's words (lower-cased ``headings``)."""
    out = []
    if setting.content_rules and m.content_rules:
        out.append(m.content_rules)
    if setting.privacy_notice and m.notice:
        out.append(m.notice)
        if m.notice_heading and any(m.notice.matches(h) for h in headings):
            out.append(m.notice_heading)
    return out


@dataclass(frozen=True)
class Engagement:
    """A regulation a clause engages, and the sentences (verbatim) that engaged it."""

    regulation: Regulation
    categories: tuple[str, ...]
    sentences: tuple[str, ...]


class CompiledKnowledgeBase:
    """The knowledge base with its patterns compiled, ready to match clause text."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.sha256 = hashlib.sha256(kb.model_dump_json().encode("utf-8")).hexdigest()
        self.min_sentences = {r.category: r.min_sentences for r in kb.category_rules}
        self.category_matchers = {
            r.category: (
                Matcher(r.patterns),
                Matcher(self._terms(TermSelector(term_sets=r.unless_sets, terms=r.unless))),
                Matcher(r.lifted_by),
            )
            for r in kb.category_rules
        }
        self.section_triggers = {
            r.category: (
                Matcher(self._terms(r.in_notice_section.heading)),
                Matcher(self._terms(r.in_notice_section)),
            )
            for r in kb.category_rules
            if r.in_notice_section is not None
        }
        self.risk_matcher = Matcher(kb.risk_signals)
        self._triggers = {reg.id: self._matchers(reg) for reg in kb.regulations}
        self._severity_needs = {
            c: (Matcher(row.needs), row.needs_note)
            for row in kb.severity_table
            if row.needs
            for c in row.categories
        }
        self._agency_requires = {
            a.id: Matcher(self._terms(a.requires)) for a in kb.agencies if a.requires is not None
        }

    def _matchers(self, reg: Regulation) -> _RegulationMatchers:
        def compiled(sel: TermSelector | None) -> Matcher | None:
            return Matcher(self._terms(sel)) if sel is not None else None

        notice = reg.triggers.in_privacy_notice
        return _RegulationMatchers(
            terms=Matcher(self._terms(reg.triggers)),
            scope=compiled(reg.triggers.scope),
            requires=compiled(reg.requires),
            unless=compiled(reg.triggers.unless),
            notice=compiled(notice),
            notice_heading=compiled(notice.under_heading if notice else None),
            content_rules=compiled(reg.triggers.in_content_rules),
        )

    def _terms(self, sel: TermSelector) -> list[str]:
        out = list(sel.terms)
        for name in sel.term_sets:
            out.extend(self.kb.term_sets[name])
        return out

    def severity(self, category: str, sentences: Sequence[str]) -> tuple[Level, str | None]:
        """The level of ``category`` found in ``sentences``; and, when it was lowered because
        none of them has the wording its row needs (``SeverityRow.needs``), why."""
        level = self.kb.severity_of(category)
        if category not in self._severity_needs:
            return level, None
        needs, note = self._severity_needs[category]
        if any(needs.matches(s.lower()) for s in sentences):
            return level, None
        return LEVELS[max(LEVELS.index(level) - 1, 0)], note

    def category_in(self, category: str, lowered: str) -> bool:
        """Whether the rule of ``category`` finds it in a lower-cased sentence."""
        matcher, _, _ = self.category_matchers[category]
        return matcher.matches(lowered) and not self.vetoed(category, lowered)

    def section_sentence(
        self, category: str, sentences: Sequence[str], setting: Setting
    ) -> str | None:
        """The first of ``sentences`` (a clause's body) that states ``category`` because of the
        section it is in (``CategoryRule.in_notice_section``), or None."""
        heading, says = self.section_triggers[category]
        if not setting.privacy_notice or not any(
            heading.matches(h.lower()) for h in setting.headings
        ):
            return None
        for sentence in sentences:
            lowered = sentence.lower()
            if says.matches(lowered) and not self.vetoed(category, lowered):
                return sentence
        return None

    def category_span(self, category: str, sentence: str) -> tuple[int, int] | None:
        """Where in ``sentence`` the rule of ``category`` finds it (the earliest match), or None
        when it does not, or when the position cannot be told."""
        lowered = sentence.lower()
        if category not in self.category_matchers or len(lowered) != len(sentence):
            return None
        matcher, _, _ = self.category_matchers[category]
        span = matcher.span(lowered)
        return None if span is None or self.vetoed(category, lowered) else span

    def evidence_span(
        self, engagement: Engagement, sentence: str, setting: Setting = Setting()
    ) -> tuple[int, int] | None:
        """Where in ``sentence`` the earliest words that engage ``engagement``'s instrument are
        (one of its terms, one of the categories it was engaged through, or a trigger that
        holds where the clause sits, per ``setting``), or None."""
        lowered = sentence.lower()
        if len(lowered) != len(sentence):
            return None
        m = self._triggers[engagement.regulation.id]
        headings = [h.lower() for h in setting.headings]
        spans = [
            matcher.span(lowered) for matcher in (m.terms, *_where_matchers(m, setting, headings))
        ]
        spans += [self.category_span(c, sentence) for c in engagement.categories]
        found = [span for span in spans if span is not None]
        return min(found) if found else None

    def engaged_by_terms(self, engagement: Engagement, lowered: str) -> bool:
        """Whether a lower-cased sentence says one of ``engagement``'s instrument's own terms."""
        return self._triggers[engagement.regulation.id].terms.matches(lowered)

    def vetoed(self, category: str, lowered: str) -> bool:
        """Whether the sentence runs the other way (``unless``, not ``lifted_by``): true for
        the classifier's findings too, so neither source reads a licence to the user as one
        from the user."""
        rule = self.category_matchers.get(category)
        if rule is None:
            return False
        _, unless, lifted_by = rule
        return unless.matches(lowered) and not lifted_by.matches(lowered)

    def engagements(
        self,
        sentences: Sequence[str],
        found: Mapping[str, Collection[str]],
        setting: Setting = Setting(),
    ) -> list[Engagement]:
        """Regulations engaged by the clause's sentences, in file order. ``found`` gives, per
        sentence, the categories found in it (by rule or classifier); ``setting``: where the
        clause sits (``Triggers.in_privacy_notice`` and ``in_content_rules`` depend on it)."""
        lowered = [s.lower() for s in sentences]
        headings = [h.lower() for h in setting.headings]
        out: list[Engagement] = []
        for reg in self.kb.regulations:
            m = self._triggers[reg.id]
            terms, scope, unless = m.terms, m.scope, m.unless
            scope_met = setting.privacy_notice and reg.triggers.scope_met_in_privacy_notice
            kind_matchers = _where_matchers(m, setting, headings)
            wanted = set(reg.triggers.categories)
            evidence: list[str] = []
            cats: dict[str, None] = {}
            for sentence, low in zip(sentences, lowered, strict=True):
                if unless is not None and unless.matches(low):
                    continue
                in_sentence = wanted.intersection(found.get(sentence, ()))
                by_category = bool(in_sentence) and (
                    scope is None or scope_met or scope.matches(low)
                )
                if by_category:
                    cats.update(dict.fromkeys(sorted(in_sentence)))
                if (
                    by_category
                    or (terms and terms.matches(low))
                    or any(k.matches(low) for k in kind_matchers)
                ):
                    evidence.append(sentence)
            if not evidence:
                continue
            if m.requires is not None and not any(m.requires.matches(low) for low in lowered):
                continue
            out.append(Engagement(reg, tuple(cats), tuple(dict.fromkeys(evidence))))
        return out

    def agency_applies(self, agency_id: str, sentences: Sequence[str]) -> bool:
        """Whether an agency's own condition (``requires``), if any, holds in the clause."""
        needed = self._agency_requires.get(agency_id)
        return needed is None or any(needed.matches(s.lower()) for s in sentences)


@cache
def load_knowledge_base() -> CompiledKnowledgeBase:
    """The shipped knowledge base, validated and compiled once per process."""
    return CompiledKnowledgeBase(parse_knowledge_base(knowledge_base_text()))
