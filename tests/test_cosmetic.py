"""cosmetic_form: the one definition of a cosmetic change (links, emphasis, punctuation, case,
whitespace), pinned by examples and by properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

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
