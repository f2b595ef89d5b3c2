"""Which lines start sections: list clauses and page furniture do not, and no heading path holds
an empty element (issue 17, points 2 and 4). Inputs are small synthetic documents."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clauselens.pipeline.segment._noise import ends_as_list_clause, is_date_line, is_noise
from clauselens.pipeline.segment.clauses import segment


def body(n: int, seed: str = "w") -> str:
    return " ".join(f"{seed}{i}" for i in range(n)) + "."


class TestSectionsWrittenAsLists:
    """Threads' and Grok's enterprise terms number their sections as list items whose text is
    a bold title, with the section's own items nested under them. (A section within the word
    bound is one clause whatever its headings, so these are long.)"""

    def test_a_bold_numbered_item_over_nested_items_heads_a_section(self) -> None:
        text = (
            "# Terms\n\n"
            "1.  **Understanding the Service**\n    \n"
            f"    1.  {body(600)}\n    2.  {body(600, 'x')}\n    \n"
            "2.  **Who Can Use the Service**\n    \n"
            f"    1.  {body(600, 'y')}\n"
        )
        paths = [c.heading_path for c in segment(text)]
        assert paths[-2:] == [
            ["Terms", "1. Understanding the Service"],
            ["Terms", "2. Who Can Use the Service"],
        ]

    def test_a_titled_item_nested_in_another_nests_under_it(self) -> None:
        text = (
            "# Terms\n\n"
            "1.  **Content**\n    \n"
            f"    1.  {body(900)}\n"
            "    2.  **Permissions you give to us**\n        \n"
            f"        1.  {body(900, 'p')}\n    \n"
            "2.  **Privacy**\n    \n"
            f"    1.  {body(400, 'q')}\n"
        )
        paths = [c.heading_path for c in segment(text)]
        assert ["Terms", "1. Content", "2. Permissions you give to us"] in paths
        assert paths[-1] == ["Terms", "2. Privacy"]

    def test_bold_items_with_nothing_nested_are_a_list(self) -> None:
        text = f"# Uses\n\n1.  **Reading**\n2.  **Writing**\n3.  **Sharing**\n\n{body(30)}"
        assert [c.heading_path for c in segment(text)] == [["Uses"]]

    def test_previous_versions_is_page_furniture(self) -> None:
        assert is_noise("Previous versions")
        text = (
            "# Enterprise Terms\n\n**Previous versions**\n\n"
            "*   [May 12, 2026](https://example.com/v1)\n\n"
            f"{body(40)}"
        )
        assert all("Previous versions" not in c.heading_path for c in segment(text))


class TestListItemsAreNotHeadings:
    def test_a_list_item_ending_with_semicolon_and_heads_nothing(self) -> None:
        text = (
            "# License\n\nYou may:\n\n1.  Use the API as approved;\n"
            "2.  Copy a reasonable amount of content;\n"
            "3.  Modify Content only to format it for display on your Services; and\n"
            "4.  Use and display the marks as set forth here.\n\n"
            f"**B. License to Us.** {body(30)}\n\n**C. Terms.** {body(30)}"
        )
        assert all("Modify" not in " ".join(c.heading_path) for c in segment(text))

    def test_a_lone_numbered_item_ending_with_a_conjunction_is_body(self) -> None:
        text = f"# Terms\n\n3. Keep the service available to all users, or\n\n{body(40)}"
        clauses = segment(text)
        assert [c.heading_path for c in clauses] == [["Terms"]]

    def test_an_item_between_list_items_is_not_a_heading_even_when_short(self) -> None:
        text = f"# Uses\n\n1. Reading\n2. Writing\n3. Sharing\n\n{body(30)}"
        assert [c.heading_path for c in segment(text)] == [["Uses"]]

    def test_a_numbered_heading_with_its_own_body_still_heads_a_section(self) -> None:
        text = f"1. Introduction\n\n{body(30)}\n\n2. Your Account\n\n{body(30, 'v')}"
        assert [c.heading_path for c in segment(text)] == [["1. Introduction"], ["2. Your Account"]]

    @pytest.mark.parametrize(
        "line", ["Services; and", "your data, or", "the content;", "publish and/or", "rights and"]
    )
    def test_list_clause_endings_are_recognised(self, line: str) -> None:
        assert ends_as_list_clause(line)

    @pytest.mark.parametrize("line", ["Data Retention", "Terms and Conditions", "Contact Us"])
    def test_titles_do_not_end_as_list_clauses(self, line: str) -> None:
        assert not ends_as_list_clause(line)


class TestNoiseLines:
    @pytest.mark.parametrize(
        "line",
        [
            "English",
            "Deutsch",
            "Table of Contents",
            "On this page",
            "Find more solutions",
            "Learn more about our products",
            "Back to top",
            "Was this page helpful?",
            "Updated: 13 March 2026",
            "Last modified on July 4, 2025",
            "Effective January 1, 2024",
            "2025-03-01",
        ],
    )
    def test_furniture_lines_are_noise(self, line: str) -> None:
        assert is_noise(line)

    @pytest.mark.parametrize(
        "line", ["Effective Date", "Changes to These Terms", "Languages We Support In", "Updates"]
    )
    def test_section_titles_are_not_noise(self, line: str) -> None:
        assert not is_noise(line)

    def test_a_date_line_needs_a_digit(self) -> None:
        assert not is_date_line("Last updated")

    @pytest.mark.parametrize(
        "line", ["English", "Updated: March 13, 2026", "Table of Contents", "Find more solutions"]
    )
    def test_a_noise_line_before_body_does_not_start_a_section(self, line: str) -> None:
        text = f"# Privacy Policy\n\n{line}\n\n{body(30)}\n\n## Data\n\n{body(20, 'v')}"
        clauses = segment(text)
        assert [c.heading_path for c in clauses] == [["Privacy Policy"], ["Privacy Policy", "Data"]]
        assert line in clauses[0].text

    def test_a_markdown_date_heading_starts_a_clause_without_a_path_element(self) -> None:
        text = f"# Terms\n\n{body(20)}\n\n#### Last Updated: March 15, 2024\n\n{body(20, 'v')}"
        clauses = segment(text)
        assert [c.text.split("\n")[0] for c in clauses] == [
            "# Terms",
            "#### Last Updated: March 15, 2024",
        ]
        assert clauses[1].heading_path == ["Terms"]


class TestEmptyHeadingElements:
    def test_an_empty_atx_heading_takes_the_title_line_after_it(self) -> None:
        text = f"# Policy\n\n### \n\nNote About Harm\n\n{body(30)}"
        clauses = segment(text)
        assert clauses[-1].heading_path == ["Policy", "Note About Harm"]
        assert clauses[-1].text.startswith("### ")

    def test_an_empty_heading_skips_an_invisible_anchor_for_its_title(self) -> None:
        text = f"# Ads\n\n### \n\n[\u200b](#intro)\n\nIntroduction and Scope\n\n{body(30)}"
        assert segment(text)[-1].heading_path == ["Ads", "Introduction and Scope"]

    def test_an_empty_heading_above_a_paragraph_adds_no_path_element(self) -> None:
        text = f"# Policy\n\n{body(20)}\n\n###\n\n{body(30, 'v')}"
        clauses = segment(text)
        assert [c.heading_path for c in clauses] == [["Policy"], ["Policy"]]
        assert clauses[1].text.startswith("###")

    def test_a_line_ending_in_a_phone_number_is_a_row_not_a_heading(self) -> None:
        """YouTube's withdrawal contacts: "Slovakia 0800-500-932" headed the rest of the list,
        and "Sweden 020-012-5241 > Vatican City 800599102" nested under it."""
        rows = ["Austria 0800-001-180", "Slovakia 0800-500-932", "Vatican City 800599102"]
        text = "# Terms\n\nCountry Phone number\n\n" + "\n\n".join(
            f"{row}\n\n{body(600, str(i))}" for i, row in enumerate(rows)
        )
        paths = {" > ".join(c.heading_path) for c in segment(text)}
        assert not any("0800" in p or "800599102" in p for p in paths), paths
        assert "Terms > Country Phone number (part 1)" in paths

    def test_zero_width_characters_do_not_make_a_title(self) -> None:
        text = f"**\u200b\u200d**\n\n{body(30)}"
        assert all(all(t.strip() for t in c.heading_path) for c in segment(text))


HEADING_LINES = st.sampled_from(
    ["#", "### ", "## \u200b", "**\u200d**", "[\u200b](#a)", "English", "Updated: 1 May 2024"]
)
TITLES = st.sampled_from(["Data", "Your Rights", "Note About Harm", "", "\u200b"])


@given(st.lists(st.tuples(HEADING_LINES, TITLES, st.integers(0, 30)), max_size=8))
def test_no_heading_path_has_an_empty_element(parts: list[tuple[str, str, int]]) -> None:
    text = "\n\n".join(f"{h}\n\n{t}\n\n{body(n)}" for h, t, n in parts)
    for clause in segment(text):
        assert all(element.strip() for element in clause.heading_path)
