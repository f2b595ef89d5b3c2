"""The shipped regulatory knowledge base: valid, every reference resolves, triggers behave."""

from __future__ import annotations

import json

import pytest

from clauselens.analyzers.offline.knowledge import (
    knowledge_base_text,
    load_knowledge_base,
    parse_knowledge_base,
    reference_errors,
)
from clauselens.errors import ConfigError
from clauselens.evaluation.mentions import find_ids, regulation_patterns
from clauselens.schemas import load_taxonomy


class TestShippedKnowledgeBase:
    def test_every_reference_resolves(self) -> None:
        """Agency ids, category codes, term-set names and regexes of the shipped file resolve."""
        assert reference_errors(load_knowledge_base().kb) == []

    def test_issue_instruments_are_present(self) -> None:
        """The instruments the issue names are all in the knowledge base."""
        ids = {r.id for r in load_knowledge_base().kb.regulations}
        expected = {
            "ftc_act_s5", "hipaa", "hbnr", "coppa", "glba", "ferpa", "ccpa_cpra", "bipa",
            "state_auto_renewal", "faa", "gdpr", "eprivacy", "dsa", "dma", "eu_ai_act", "uctd",
            "crd", "uk_osa", "uk_gdpr", "dmca_512",
        }  # fmt: skip
        assert expected <= ids

    def test_every_regulation_has_an_agency_or_an_enforcement_note(self) -> None:
        """No regulation is left without a statement of who enforces it."""
        for reg in load_knowledge_base().kb.regulations:
            assert reg.agencies or reg.enforcement_note, reg.id

    def test_severity_table_only_names_taxonomy_codes(self) -> None:
        """The severity rule table is keyed by taxonomy category codes."""
        codes = load_taxonomy().codes
        for row in load_knowledge_base().kb.severity_table:
            assert set(row.categories) <= codes


class TestValidationOnLoad:
    def _mutated(self, change: str) -> str:
        data = json.loads(knowledge_base_text())
        if change == "agency":
            data["regulations"][0]["agencies"].append("no_such_agency")
        elif change == "category":
            data["regulations"][0]["triggers"]["categories"].append("no_such_category")
        elif change == "regex":
            data["category_rules"][0]["patterns"].append("(unclosed")
        elif change == "lifted_by":
            data["category_rules"][0]["lifted_by"] = ["(unclosed"]
        elif change == "unless_sets":
            data["category_rules"][0]["unless_sets"] = ["no_such_set"]
        elif change in ("section_heading", "section_regex"):
            rule = next(r for r in data["category_rules"] if r.get("in_notice_section"))
            if change == "section_heading":
                rule["in_notice_section"]["heading"]["term_sets"] = ["no_such_set"]
            else:
                rule["in_notice_section"]["terms"].append("(unclosed")
        elif change == "extra":
            data["agencies"][0]["unexpected"] = True
        elif change == "consumer_text":
            data["category_text"] = [
                t for t in data["category_text"] if t["category"] != "arbitration"
            ]
        elif change in ("content_rules", "under_heading"):
            gdpr = next(r for r in data["regulations"] if r["id"] == "gdpr")
            broken = {"term_sets": ["no_such_set"], "terms": []}
            if change == "content_rules":
                gdpr["triggers"]["in_content_rules"] = broken
            else:
                gdpr["triggers"]["in_privacy_notice"]["under_heading"] = broken
        return json.dumps(data)

    @pytest.mark.parametrize(
        "change",
        [
            "agency",
            "category",
            "regex",
            "lifted_by",
            "unless_sets",
            "extra",
            "content_rules",
            "under_heading",
            "section_heading",
            "section_regex",
            "consumer_text",
        ],
    )
    def test_a_broken_reference_is_a_config_error(self, change: str) -> None:
        """An unknown agency, unknown category, bad regex or extra key fails on load."""
        with pytest.raises(ConfigError):
            parse_knowledge_base(self._mutated(change))


class TestEngagement:
    def test_health_terms_engage_hipaa_and_health_data_hbnr(self) -> None:
        """Patient care engages HIPAA; the breach rule for personal health records needs health
        data, not the word "medical"."""
        kb = load_knowledge_base()
        care = {
            e.regulation.id
            for e in kb.engagements(
                ["The service must not be used for medical diagnosis or patient care."], {}
            )
        }
        assert "hipaa" in care
        assert "hbnr" not in care
        data = kb.engagements(["We store the health data your fitness tracker records."], {})
        assert "hbnr" in {e.regulation.id for e in data}

    def test_a_category_engages_on_the_sentence_it_was_found_in(self) -> None:
        """Arbitration found in a sentence engages the Federal Arbitration Act and 93/13/EEC,
        with that sentence as the evidence."""
        sentence = "Some sentence."
        engaged = {
            e.regulation.id: e
            for e in load_knowledge_base().engagements([sentence], {sentence: {"arbitration"}})
        }
        assert {"faa", "uctd"} <= set(engaged)
        assert engaged["uctd"].sentences == (sentence,)

    def test_no_evidence_no_engagement(self) -> None:
        """A plain sentence with no category and no trigger term engages nothing, and the mere
        words "consumer" or "UK" are not evidence of any instrument."""
        kb = load_knowledge_base()
        assert kb.engagements(["Our offices are open Monday to Friday."], {}) == []
        plain = "This policy applies to consumers in the UK who use our website."
        assert kb.engagements([plain], {}) == []

    def test_a_category_outside_an_instruments_scope_does_not_engage_it(self) -> None:
        """An opt-out of arbitration is not a data-protection matter: the GDPR's categories
        count only in a sentence about personal data."""
        kb = load_knowledge_base()
        opt_out = "You may opt out of this arbitration agreement within 30 days."
        ids = {
            e.regulation.id for e in kb.engagements([opt_out], {opt_out: {"user_choice_control"}})
        }
        assert "gdpr" not in ids
        data = "You may opt out of the use of your personal data for advertising."
        ids = {e.regulation.id for e in kb.engagements([data], {data: {"user_choice_control"}})}
        assert "gdpr" in ids

    def test_requires_limits_engagement(self) -> None:
        """The TCPA needs marketing, automation or consent as well as texts or calls."""
        kb = load_knowledge_base()
        channel = "We will send a text message with a link to confirm your address."
        assert "tcpa" not in {e.regulation.id for e in kb.engagements([channel], {})}
        marketing = "We may send you marketing text messages."
        assert "tcpa" in {e.regulation.id for e in kb.engagements([marketing], {})}


def test_no_category_text_names_an_instrument() -> None:
    """A category's why-it-matters, consumer impact and vendor text are shown wherever the
    category is found, with or without an instrument's evidence: naming one there would name it
    on the category alone."""
    for text in parse_knowledge_base(knowledge_base_text()).category_text:
        assert not find_ids(text.why, regulation_patterns()), text.category
        assert not find_ids(text.consumer, regulation_patterns()), text.category
        assert not find_ids(text.vendor, regulation_patterns()), text.category


def test_no_regulation_summary_names_another_instrument() -> None:
    """A summary is quoted when its instrument is engaged: naming another there (HBNR's "not
    covered by HIPAA") would name an instrument the clause gave no evidence for."""
    kb = parse_knowledge_base(knowledge_base_text())
    for regulation in kb.regulations:
        assert find_ids(regulation.summary, regulation_patterns()) <= {regulation.id}, regulation.id


@pytest.mark.parametrize(
    ("eu", "uk"), [("gdpr", "uk_gdpr"), ("uctd", "uk_cra"), ("eprivacy", "pecr")]
)
def test_a_uk_twin_is_engaged_wherever_its_eu_counterpart_is(eu: str, uk: str) -> None:
    """UK GDPR, the Consumer Rights Act's unfair-terms part and PECR mirror the EU instruments:
    the same categories and term sets engage them (a region heading still keeps them apart)."""
    regulations = {r.id: r for r in load_knowledge_base().kb.regulations}
    assert set(regulations[eu].triggers.categories) <= set(regulations[uk].triggers.categories)
    assert set(regulations[eu].triggers.term_sets) <= set(regulations[uk].triggers.term_sets)
    sentence = "We may terminate your account at any time and we are not liable for any loss."
    found = {sentence: {"unilateral_termination", "limitation_of_liability"}}
    engaged = {e.regulation.id for e in load_knowledge_base().engagements([sentence], found)}
    assert ("uctd" in engaged) == ("uk_cra" in engaged)
