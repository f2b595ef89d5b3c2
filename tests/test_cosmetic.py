"""cosmetic_form: the one definition of a cosmetic change (links, emphasis, punctuation, case,
whitespace), and cosmetic_reason: why a pair is cosmetic (format, links, renumbered, spelling),
pinned by examples and by properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clauselens.config import AlignSettings
from clauselens.pipeline.versions.cosmetic import cosmetic_reason
from clauselens.textnorm import cosmetic_form, is_cosmetic_change

WORDS = st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), min_size=1, max_size=25)
SEPARATORS = st.sampled_from([" ", "  ", "\n", "\t", " \n "])
URLS = st.from_regex(r"https?://[a-z]{1,10}\.(com|org)/[a-z0-9/_?=&.-]{0,20}", fullmatch=True)


class TestExamples:
    def test_link_target_change_is_cosmetic(self) -> None:
        """A link keeps its text; only its target changed."""
        assert is_cosmetic_change(
            "see our [Privacy Policy](https://x.com/privacy?lang=en).",
            "see our [Privacy Policy](https://x.com/privacy).",
        )

    def test_anchor_link_moved_off_a_heading_is_cosmetic(self) -> None:
        """GitHub's `[Summary](#summary)` became `[](#summary)Summary` (a real edit)."""
        assert is_cosmetic_change("[Summary](#summary)\n---", "[](#summary)Summary\n---")

    def test_emphasis_case_and_punctuation_are_cosmetic(self) -> None:
        assert is_cosmetic_change("**Your content.** You own it", "_your content_: you OWN it!")

    def test_invisible_word_joiners_are_cosmetic(self) -> None:
        assert is_cosmetic_change("[Usage Policies\u2060\u2060](u)", "[Usage Policies\u2060](u)")

    def test_heading_markup_is_cosmetic(self) -> None:
        assert is_cosmetic_change("### Summary", "Summary\n=======")

    def test_changed_word_is_not_cosmetic(self) -> None:
        assert not is_cosmetic_change("We may notify you.", "We will notify you.")

    def test_changed_number_or_amount_is_not_cosmetic(self) -> None:
        assert not is_cosmetic_change("Updated: August 2023", "Updated: November 2024")
        assert not is_cosmetic_change("a fee of $10", "a fee of €10")

    def test_link_text_change_is_not_cosmetic(self) -> None:
        assert not is_cosmetic_change("[Terms](https://a)", "[Service Terms](https://a)")


class TestProperties:
    @given(st.text(max_size=300))
    def test_idempotent(self, text: str) -> None:
        once = cosmetic_form(text)
        assert cosmetic_form(once) == once

    @given(WORDS, st.lists(SEPARATORS, min_size=25, max_size=25))
    def test_whitespace_changes_never_change_it(self, words: list[str], seps: list[str]) -> None:
        spaced = "".join(w + s for w, s in zip(words, seps, strict=False))
        assert cosmetic_form(spaced) == cosmetic_form(" ".join(words))

    @given(WORDS, st.data())
    def test_emphasis_links_and_case_never_change_it(
        self, words: list[str], data: st.DataObject
    ) -> None:
        styled = []
        for word in words:
            style = data.draw(st.sampled_from(["plain", "bold", "italic", "link", "upper"]))
            if style == "bold":
                styled.append(f"**{word}**")
            elif style == "italic":
                styled.append(f"_{word}_")
            elif style == "link":
                styled.append(f"[{word}]({data.draw(URLS)})")
            elif style == "upper":
                styled.append(word.upper())
            else:
                styled.append(word)
        assert cosmetic_form(" ".join(styled)) == cosmetic_form(" ".join(words))

    @given(WORDS, st.data())
    def test_changing_a_word_changes_it(self, words: list[str], data: st.DataObject) -> None:
        i = data.draw(st.integers(0, len(words) - 1))
        other = data.draw(
            st.from_regex(r"[a-z]{1,8}", fullmatch=True).filter(lambda w: w != words[i])
        )
        changed = [*words[:i], other, *words[i + 1 :]]
        assert cosmetic_form(" ".join(changed)) != cosmetic_form(" ".join(words))


class TestReasons:
    """``cosmetic_reason``: each rule on small synthetic pairs, and what it refuses."""

    def test_format_only_edit_is_format(self) -> None:
        assert cosmetic_reason("**Your content.** You own it.", "_Your content_: you own it") == (
            "format"
        )

    def test_heading_level_change_is_format(self) -> None:
        """A document-wide change of heading level shows, clause by clause, as this."""
        assert cosmetic_reason("### 2. Claims\n\nText here.", "#### 2. Claims\n\nText here.") == (
            "format"
        )

    def test_br_line_breaks_in_a_table_are_format(self) -> None:
        assert cosmetic_reason("| a<br> <br>b |", "| a<br>b |") == "format"

    def test_changed_link_target_is_links(self) -> None:
        assert cosmetic_reason(
            "See [Terms](https://a.com/en/t).", "See [Terms](https://a.com/t)."
        ) == ("links")

    def test_changed_link_text_is_links(self) -> None:
        old = "Read our [Connectors Terms](https://a.com/t) before use."
        new = "Read our [App Developer Terms](https://a.com/t) before use."
        assert cosmetic_reason(old, new) == "links"

    def test_link_text_that_changes_a_modal_is_not_cosmetic(self) -> None:
        old = "You [may opt out](https://a.com/o) at any time."
        new = "You [must opt out](https://a.com/o) at any time."
        assert cosmetic_reason(old, new) is None

    def test_words_outside_links_changed_is_not_links(self) -> None:
        old = "Read our [Terms](https://a.com/t) before use."
        new = "Read our [Terms](https://a.com/t) after use."
        assert cosmetic_reason(old, new) is None

    def test_renumbered_heading_with_identical_body_is_renumbered(self) -> None:
        old = "e. Claims\n\nYou must bring claims within one year."
        new = "f. **Claims**\n\nYou must bring claims within one year."
        assert cosmetic_reason(old, new) == "renumbered"

    def test_renumbered_markdown_heading_is_renumbered(self) -> None:
        old = "9\\. Privacy\n-----------\n\nWe process data as described."
        new = "10\\. Privacy\n------------\n\nWe process data as described."
        assert cosmetic_reason(old, new) == "renumbered"

    def test_renumbered_heading_with_a_changed_body_is_not_cosmetic(self) -> None:
        old = "1. Claims\n\nYou must bring claims within one year."
        new = "2. Claims\n\nYou must bring claims within two years."
        assert cosmetic_reason(old, new) is None

    def test_number_inside_a_sentence_is_not_a_renumbering(self) -> None:
        assert cosmetic_reason("Refunds within 14 days.", "Refunds within 30 days.") is None

    def test_spelling_correction_is_spelling(self) -> None:
        old = "Users in Lichtenstein may request anonymisation."
        new = "Users in Liechtenstein may request anonymization."
        assert cosmetic_reason(old, new) == "spelling"

    def test_a_different_word_within_two_edits_is_not_spelling(self) -> None:
        """include -> exclude is two edits but one per five characters allows only one."""
        assert cosmetic_reason("These terms include fees.", "These terms exclude fees.") is None

    def test_a_negating_prefix_is_not_spelling(self) -> None:
        assert cosmetic_reason("Any lawful use.", "Any unlawful use.") is None

    def test_a_changed_modal_is_not_spelling(self) -> None:
        assert cosmetic_reason("We will notify you.", "We shall notify you.") is None

    def test_a_short_word_change_is_not_spelling(self) -> None:
        assert cosmetic_reason("Data stored in the UK.", "Data stored in the US.") is None

    def test_spelling_off_when_no_edits_are_allowed(self) -> None:
        settings = AlignSettings(spelling_max_edits=0)
        assert cosmetic_reason("in Lichtenstein", "in Liechtenstein", settings) is None

    def test_class_rules_off_keeps_only_equal_forms(self) -> None:
        settings = AlignSettings(class_rules=False)
        assert cosmetic_reason("e. Claims\n\nText.", "f. Claims\n\nText.", settings) is None
        assert cosmetic_reason("**Claims** Text.", "Claims Text.", settings) == "format"

    @given(WORDS, st.data())
    def test_a_changed_digit_or_guarded_word_is_never_cosmetic(
        self, words: list[str], data: st.DataObject
    ) -> None:
        i = data.draw(st.integers(0, len(words) - 1))
        swap = data.draw(st.sampled_from([("may", "must"), ("will", "shall"), ("13", "18")]))
        old = " ".join([*words[:i], swap[0], *words[i:]])
        new = " ".join([*words[:i], swap[1], *words[i:]])
        assert cosmetic_reason(old, new) is None
