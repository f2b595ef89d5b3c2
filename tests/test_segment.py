"""Unit tests of ``clauselens.pipeline.segment.clauses`` on small inline and real snippets."""

from __future__ import annotations

import pytest

from clauselens.config import SegmentSettings
from clauselens.pipeline.segment.clauses import SEGMENTER_VERSION, heading_only, outline, segment
from clauselens.schemas import Clause
from clauselens.textnorm import clause_sha256

SMALL = SegmentSettings(max_words=40, min_words=5)


def prose(n: int, seed: str = "w") -> str:
    """A sentence of n distinct words ending with a period."""
    return " ".join(f"{seed}{i}" for i in range(n)) + "."


def paths(clauses: list[Clause]) -> list[list[str]]:
    return [c.heading_path for c in clauses]


def starting_with(clauses: list[Clause], prefix: str) -> Clause:
    return next(c for c in clauses if c.text.startswith(prefix))


class TestBasics:
    def test_empty_text_has_no_clauses(self) -> None:
        assert segment("") == []

    def test_whitespace_only_text_has_no_clauses(self) -> None:
        assert segment(" \n\t\n\u00a0 \n") == []

    def test_clause_text_is_its_span_stripped(self) -> None:
        text = "\n\n# Title\n\nBody text here.  \n\n"
        for c in segment(text):
            assert c.text == text[c.start : c.end] == c.text.strip()

    def test_clause_hash_is_of_its_text(self) -> None:
        for c in segment(f"# A\n\n{prose(20)}\n\n# B\n\n{prose(20)}"):
            assert c.clause_sha256 == clause_sha256(c.text)

    def test_indexes_count_from_zero_in_order(self) -> None:
        clauses = segment(f"# A\n\n{prose(20)}\n\n# B\n\n{prose(20)}\n\n# C\n\nx")
        assert [c.index for c in clauses] == list(range(len(clauses)))

    def test_same_text_gives_same_clauses(self) -> None:
        text = f"# A\n\n{prose(30)}\n\n**Bold**\n\n{prose(30)}"
        assert segment(text) == segment(text)

    def test_segmenter_version_is_a_non_empty_string(self) -> None:
        assert isinstance(SEGMENTER_VERSION, str)
        assert SEGMENTER_VERSION


class TestMarkdownHeadings:
    def test_atx_levels_nest_in_heading_path(self) -> None:
        clauses = segment(f"# Top\n\n{prose(20)}\n\n## Sub\n\n{prose(20)}\n\n# Next\n\n{prose(9)}")
        assert paths(clauses) == [["Top"], ["Top", "Sub"], ["Next"]]

    def test_setext_equals_is_level_one_and_dashes_level_two(self) -> None:
        text = f"Top\n===\n\n{prose(20)}\n\nSub\n---\n\n{prose(20)}"
        assert paths(segment(text)) == [["Top"], ["Top", "Sub"]]

    def test_dashes_after_a_blank_line_are_a_thematic_break_not_a_heading(self) -> None:
        text = f"# Top\n\nIntro line\n\n---\n\n{prose(20)}"
        assert paths(segment(text)) == [["Top"]]

    def test_spaced_dashes_under_a_line_are_a_thematic_break_not_a_heading(self) -> None:
        text = f"# Top\n\n{prose(20)}\nNot a heading\n- - -\n\n{prose(20)}"
        assert all("Not a heading" not in p for c in segment(text) for p in c.heading_path)

    def test_every_markdown_heading_begins_a_clause_even_without_body(self) -> None:
        text = f"# Title\n\n## Part\n\n### Item\n\n{prose(10)}"
        clauses = segment(text)
        assert [c.start for c in clauses] == [text.index(h) for h in ("# T", "## P", "### I")]

    def test_atx_heading_inside_a_list_item_begins_a_clause(self) -> None:
        text = f"Intro {prose(20)}\n\n*   ### Be safe\n    \n    {prose(20)}"
        assert starting_with(segment(text), "*   ### Be safe").heading_path == ["Be safe"]

    def test_heading_titles_are_cleaned_of_emphasis_links_and_escapes(self) -> None:
        second = "## 2\\. [Data](http://x) _use_"
        text = f"**Top** Rules\n=====\n\n{prose(20)}\n\n{second}\n\n{prose(9)}"
        assert paths(segment(text)) == [["Top Rules"], ["Top Rules", "2. Data use"]]


class TestImplicitHeadings:
    def test_bold_line_begins_a_clause_with_a_clean_title(self) -> None:
        text = f"# Doc\n\n{prose(30)}\n\n**Bold Title**\n\n{prose(30)}"
        clause = starting_with(segment(text, SMALL), "**Bold Title**")
        assert clause.heading_path == ["Doc", "Bold Title"]

    def test_underscore_bold_line_is_a_heading(self) -> None:
        text = f"# Doc\n\n{prose(30)}\n\n__Under Title__\n\n{prose(30)}"
        assert starting_with(segment(text, SMALL), "__Under").heading_path[-1] == "Under Title"

    def test_numbered_headings_nest_by_depth(self) -> None:
        text = f"1. Intro\n\n{prose(30)}\n\n1.1 Scope\n\n{prose(30)}\n\n2. Terms\n\n{prose(30)}"
        expected = [["1. Intro"], ["1. Intro", "1.1 Scope"], ["2. Terms"]]
        assert paths(segment(text, SMALL)) == expected

    def test_section_and_article_lines_are_headings(self) -> None:
        text = f"Section 3\n\n{prose(30)}\n\nArticle 5 Liability\n\n{prose(30)}"
        assert paths(segment(text, SMALL)) == [["Section 3"], ["Article 5 Liability"]]

    def test_parenthesised_and_lettered_lines_are_headings(self) -> None:
        text = f"A. General\n\n{prose(30)}\n\n(a) Scope of use\n\n{prose(30)}"
        assert paths(segment(text, SMALL)) == [["A. General"], ["A. General", "(a) Scope of use"]]

    def test_numbered_full_sentence_is_a_list_item_not_a_heading(self) -> None:
        text = f"# Doc\n\n{prose(30)}\n\n1. You must follow the rules at all times.\n\n{prose(30)}"
        assert all(len(p) == 1 for p in paths(segment(text, SMALL)))

    def test_run_of_short_numbered_lines_is_a_list_not_headings(self) -> None:
        text = f"# Doc\n\n{prose(30)}\n\n1. Apples\n\n2. Pears\n\n3. Plums\n\n{prose(30)}"
        assert all(len(p) == 1 for p in paths(segment(text, SMALL)))

    def test_short_plain_line_before_a_paragraph_is_a_heading(self) -> None:
        text = f"# Doc\n\n{prose(30)}\n\nPlain Heading Here\n\n{prose(30)}"
        clause = starting_with(segment(text, SMALL), "Plain")
        assert clause.heading_path == ["Doc", "Plain Heading Here"]

    def test_short_plain_line_at_the_end_is_not_a_heading(self) -> None:
        text = f"# Doc\n\n{prose(30)}\n\nThanks for reading"
        assert paths(segment(text, SMALL)) == [["Doc"]]

    def test_plain_sentence_with_a_period_is_not_a_heading(self) -> None:
        text = f"# Doc\n\n{prose(30)}\n\nThis is short.\n\n{prose(30)}"
        assert all(len(p) == 1 for p in paths(segment(text, SMALL)))

    def test_bodyless_implicit_heading_joins_the_next_clause_as_its_parent(self) -> None:
        rules = f"First Rule\n\n{prose(30)}\n\nSecond Rule\n\n{prose(30)}"
        text = f"# Doc\n\n{prose(30)}\n\nGroup Title\n\n{rules}"
        clauses = segment(text, SMALL)
        first = starting_with(clauses, "Group Title")
        assert first.heading_path == ["Doc", "Group Title", "First Rule"]
        second = starting_with(clauses, "Second")
        assert second.heading_path == ["Doc", "Group Title", "Second Rule"]

    def test_markdown_heading_closes_implicit_headings_above_its_level(self) -> None:
        text = f"# Doc\n\n**Bold**\n\n{prose(30)}\n\n## Next\n\n{prose(30)}"
        assert starting_with(segment(text, SMALL), "## Next").heading_path == ["Doc", "Next"]


class TestSizes:
    def test_section_with_implicit_subheadings_that_fits_is_one_clause(self) -> None:
        text = f"# Doc\n\n**One**\n\n{prose(10)}\n\n**Two**\n\n{prose(10)}"
        assert len(segment(text)) == 1

    def test_long_section_splits_into_numbered_parts_within_the_bound(self) -> None:
        text = "# Long\n\n" + "\n\n".join(prose(15, f"p{i}w") for i in range(12))
        clauses = segment(text, SMALL)
        assert len(clauses) > 1
        assert all(len(c.text.split()) <= SMALL.max_words for c in clauses)
        assert [c.heading_path for c in clauses] == [
            [f"Long (part {k})"] for k in range(1, len(clauses) + 1)
        ]

    def test_list_stays_with_its_lead_in(self) -> None:
        items = "\n".join(f"* item {i}" for i in range(4))
        text = f"# Doc\n\n{prose(30)}\n\nThe following apply:\n\n{items}\n\n{prose(30)}"
        holder = next(c for c in segment(text, SMALL) if "The following apply:" in c.text)
        assert "* item 3" in holder.text

    def test_long_list_splits_at_items_and_keeps_lead_in_with_first_item(self) -> None:
        items = "\n".join(f"* {prose(12, f'i{i}w')}" for i in range(8))
        text = f"# Doc\n\nThese rules apply:\n\n{items}"
        clauses = segment(text, SMALL)
        holder = next(c for c in clauses if "These rules apply:" in c.text)
        assert "* i0w0" in holder.text
        assert all(len(c.text.split()) <= SMALL.max_words for c in clauses)

    def test_pipe_table_over_the_bound_is_split_by_rows_with_its_header_first(self) -> None:
        rows = [f"| {prose(10, f'r{i}c')} | x |" for i in range(10)]
        table = "| a | b |\n| --- | --- |\n" + "\n".join(rows)
        text = f"# Doc\n\n{prose(20)}\n\n{table}\n\n{prose(20)}"
        parts = [c.text for c in segment(text, SMALL) if "| x |" in c.text]
        assert len(parts) > 1
        assert "| a | b |\n| --- | --- |\n" + rows[0] in parts[0]
        assert all(row in part for row in rows for part in parts if row.split()[1] in part)

    def test_pipe_table_within_the_bound_stays_whole(self) -> None:
        rows = "\n".join(f"| {prose(3, f'r{i}c')} | x |" for i in range(3))
        table = f"| a | b |\n| --- | --- |\n{rows}"
        text = f"# Doc\n\n{prose(10)}\n\n{table}"
        assert any(table in c.text for c in segment(text, SMALL))

    def test_html_table_is_never_split(self) -> None:
        rows = "\n\n".join(f"<tr><td>{prose(10, f'r{i}c')}</td></tr>" for i in range(10))
        table = f"<table>\n{rows}\n</table>"
        text = f"# Doc\n\n{prose(20)}\n\n{table}\n\n{prose(20)}"
        assert any(table in c.text for c in segment(text, SMALL))

    def test_single_paragraph_over_the_bound_stays_whole(self) -> None:
        big = prose(200)
        assert any(big in c.text for c in segment(f"# Doc\n\n{big}", SMALL))

    def test_headless_fragment_below_min_words_merges_into_a_neighbour(self) -> None:
        paras = [prose(35, f"p{i}w") for i in range(4)] + ["tail end"]
        clauses = segment("# Doc\n\n" + "\n\n".join(paras), SMALL)
        assert all(len(c.text.split()) >= SMALL.min_words for c in clauses)

    def test_fenced_code_is_not_scanned_for_headings(self) -> None:
        text = f"# Doc\n\n{prose(20)}\n\n```\n# not a heading\n```\n\n{prose(20)}"
        assert paths(segment(text)) == [["Doc"]]


class TestTruncation:
    def test_clause_over_the_prompt_budget_is_flagged_with_the_reason(self) -> None:
        settings = SegmentSettings(prompt_max_chars=500)
        clause = segment(f"# Doc\n\n{prose(200)}", settings)[0]
        assert clause.truncated
        assert clause.truncation_reason == (
            f"clause is {len(clause.text):,} characters, over the model input budget of 500"
        )

    def test_truncated_clause_keeps_its_full_text(self) -> None:
        text = f"# Doc\n\n{prose(200)}"
        clause = segment(text, SegmentSettings(prompt_max_chars=500))[0]
        assert clause.text == text

    def test_clause_within_the_budget_is_not_truncated(self) -> None:
        clause = segment(f"# Doc\n\n{prose(20)}")[0]
        assert (clause.truncated, clause.truncation_reason) == (False, None)


class TestStability:
    def test_growing_one_paragraph_changes_only_the_clause_that_holds_it(self) -> None:
        paras = [prose(40, f"p{i}w") for i in range(60)]
        before = "# Long\n\n" + "\n\n".join(paras)
        paras[30] = paras[30][:-1] + " and three more."
        after = "# Long\n\n" + "\n\n".join(paras)
        edit = after.index("p30w0")
        old = {c.clause_sha256 for c in segment(before)}
        new = segment(after)
        changed = [c for c in new if c.clause_sha256 not in old]
        assert len(new) > 1
        assert [c.start <= edit < c.end for c in changed] == [True]

    def test_parts_before_an_edit_keep_their_hashes_under_a_small_bound(self) -> None:
        paras = [prose(12, f"p{i}w") for i in range(30)]
        before = "# Long\n\n" + "\n\n".join(paras)
        paras[20] = paras[20][:-1] + " grown by a few words."
        after = "# Long\n\n" + "\n\n".join(paras)
        edit = after.index("p20w0")
        old = {c.clause_sha256 for c in segment(before, SMALL)}
        assert all(c.clause_sha256 in old for c in segment(after, SMALL) if c.end < edit - 200)

    def test_short_preamble_stays_in_the_first_clause_when_that_section_grows(self) -> None:
        """A preamble under min_words joins the next section's first clause whatever its size."""
        before = f"Last updated: June.\n\n**Privacy**\n\n{prose(20)}"
        after = f"Last updated: June.\n\n**Privacy**\n\n{prose(38)}"
        for text in (before, after):
            assert segment(text, SMALL)[0].text.startswith("Last updated: June.\n\n**Privacy**")

    def test_section_a_preamble_joins_is_split_within_the_bound_less_the_preamble(self) -> None:
        """The clause that takes a short preamble still fits max_words."""
        body = "\n\n".join(prose(12, f"p{i}w") for i in range(8))
        clauses = segment(f"Last updated: June.\n\n**Privacy**\n\n{body}", SMALL)
        assert clauses[0].text.startswith("Last updated: June.")
        assert all(len(c.text.split()) <= SMALL.max_words for c in clauses)

    def test_thematic_break_after_a_growing_preamble_stays_out_of_the_next_section(self) -> None:
        """Found by the property test: the break moved into "Privacy" once the preamble split."""
        tail = "\n\n---\n\n**Privacy**\n\n**Privacy**"
        for n in (38, 40):
            privacy = next(c for c in segment(prose(n) + tail, SMALL) if "Privacy" in c.text)
            assert "---" not in privacy.text


class TestOutline:
    def test_outline_lists_distinct_paths_in_order_without_part_suffixes(self) -> None:
        body = "\n\n".join(prose(15, f"p{i}w") for i in range(8))
        clauses = segment(f"# A\n\n{body}\n\n## B\n\n{prose(9)}", SMALL)
        assert outline(clauses) == ["A", "A > B"]

    def test_outline_skips_clauses_without_heading(self) -> None:
        assert outline(segment(f"{prose(20)}\n\n# A\n\n{prose(20)}")) == ["A"]


class TestHugeInput:
    def test_one_huge_paragraph_is_one_clause(self) -> None:
        """A 2 MB paragraph is one clause (its time, 5 and 10 MB, is in ``bench/segment.py``)."""
        text = "word " * 400_000
        [clause] = segment(text)
        assert (clause.start, clause.end) == (0, len(text) - 1)


class TestHeadingOnly:
    @pytest.mark.parametrize(
        "text",
        [
            "## Termination",
            "Community Guidelines\n====================",
            "**4\\. Using the Platform**\n--------------------------",
            "[](#)\n-----",
            "#### Effective: September 29, 2025",
            "### Privacy controls\n\n#### Your choices",
        ],
    )
    def test_heading_lines_alone_are_heading_only(self, text: str) -> None:
        assert heading_only(text)

    @pytest.mark.parametrize(
        "text",
        [
            "## Terms\n\nWe may terminate your account at any time.",
            "Updated: April 29, 2025",
            "**Disclosure:** If model outputs are presented directly to consumers, say so.",
            "You agree to arbitrate all disputes.",
        ],
    )
    def test_a_clause_with_body_text_is_not(self, text: str) -> None:
        assert not heading_only(text)
