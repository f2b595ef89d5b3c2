"""Cutting oversized sections where the text has structure (issue 17, points 1 and 3), on small
synthetic inputs under a small bound."""

from __future__ import annotations

from clauselens.config import SegmentSettings
from clauselens.pipeline.segment.clauses import segment

SMALL = SegmentSettings(max_words=40, min_words=5)


def words(n: int, seed: str = "w") -> str:
    return " ".join(f"{seed}{i}" for i in range(n)) + "."


def openings(text: str) -> list[str]:
    return [c.text.split()[0] for c in segment(text, SMALL)]


class TestInlineHeadings:
    def test_a_one_line_paragraph_is_cut_before_bold_numbered_headings(self) -> None:
        line = " ".join(f"**{n}. Title {n}.** {words(20, n)}" for n in ("I", "II", "III"))
        texts = [c.text for c in segment(f"# Terms\n\n{line}", SMALL)]
        assert [t.split("**")[1] for t in texts[1:]] == ["II. Title II.", "III. Title III."]
        assert texts[0].startswith("# Terms\n\n**I. Title I.**")

    def test_lettered_headings_cut_inside_a_roman_part_still_over_the_bound(self) -> None:
        subs = " ".join(f"**{c}. Sub {c}.** {words(15, c)}" for c in "ABC")
        line = f"**I. One.** {words(5)} {subs} **II. Two.** {words(5, 'v')}"
        heads = [c.text.split(".**")[0] for c in segment(f"# T\n\n{line}", SMALL)]
        assert heads == ["# T\n\n**I. One", "**A. Sub A", "**B. Sub B", "**C. Sub C", "**II. Two"]

    def test_numbered_sections_glued_to_the_sentence_before_are_cut(self) -> None:
        line = "".join(
            f"{n}\\. Part {n}.{n}.1 Rule one. {words(25, f'p{n}')} end." for n in (1, 2, 3)
        )
        starts = openings(f"# Terms\n\n{line}")
        assert starts[1:] == ["2\\.", "3\\."]

    def test_numbered_definitions_are_split_points(self) -> None:
        defs = " ".join(f"(a{i}) “Term{i}” means {words(20, f'd{i}')}" for i in range(3))
        starts = openings(f"# Definitions\n\nIn these terms: {defs}")
        assert starts[1:] == ["(a0)", "(a1)", "(a2)"]

    def test_a_long_paragraph_without_structure_stays_whole(self) -> None:
        text = f"# Terms\n\n{words(200)}"
        assert len(segment(text, SMALL)) == 1


class TestSubsections:
    def test_a_section_over_the_bound_is_cut_at_each_numbered_subsection(self) -> None:
        subs = "\n\n".join(f"1.{i} Rule {i}. {words(12, f's{i}')}" for i in range(1, 12))
        clauses = segment(f"# 1. General\n\n{subs}", SMALL)
        assert [c.text.split()[0] for c in clauses[1:]] == [f"1.{i}" for i in range(2, 12)]

    def test_a_section_over_the_bound_is_cut_at_bold_lead_ins(self) -> None:
        paras = "\n\n".join(f"**Rule {c}.** {words(25, c)}" for c in "ABC")
        clauses = segment(f"# Disputes\n\n{paras}", SMALL)
        assert [c.text.split("\n")[-1][:10] for c in clauses] == [
            "**Rule A.*",
            "**Rule B.*",
            "**Rule C.*",
        ]

    def test_a_section_within_the_bound_is_not_cut(self) -> None:
        paras = "\n\n".join(f"**Rule {c}.** {words(5, c)}" for c in "ABC")
        assert len(segment(f"# Disputes\n\n{paras}", SMALL)) == 1


class TestTables:
    def test_rows_keep_their_order_and_every_character(self) -> None:
        rows = [f"| {words(12, f'r{i}c')} | x |" for i in range(8)]
        table = "| a | b |\n|---|---|\n" + "\n".join(rows)
        clauses = segment(f"# Fees\n\n{table}", SMALL)
        assert "\n".join(c.text for c in clauses) == f"# Fees\n\n{table}"
        assert clauses[0].text.endswith(rows[0]) or rows[0] in clauses[0].text


class TestSeparators:
    def test_a_break_stays_with_the_part_before_it(self) -> None:
        text = f"# Terms\n\n{words(30)}\n\n---\n\n{words(30, 'v')}\n\n---\n\n{words(30, 'u')}"
        clauses = segment(text, SMALL)
        assert len(clauses) == 3
        assert [c.text.endswith("---") for c in clauses] == [True, True, False]

    def test_growing_a_paragraph_past_the_bound_keeps_the_break_with_it(self) -> None:
        def doc(n: int) -> str:
            return f"# Privacy\n\n{words(n)}\n\n---\n\n**Privacy.** {words(5, 'v')}"

        before, after = segment(doc(30), SMALL), segment(doc(38), SMALL)
        assert len(before) == 1
        assert after[0].text.endswith("---")
