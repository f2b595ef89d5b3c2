"""Markdown tables described for the offline summary (``analyzers.offline.table``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clauselens.analyzers.offline import analyze_clause
from clauselens.analyzers.offline.table import describe_table, in_table, read_table

LEGAL_BASES = (
    "10\\. Legal Bases for Processing\n-------------------------------\n\n"
    "| Purpose | Type of Data | Legal Basis |\n"
    "| --- | --- | --- |\n"
    "| To provide the services | *   Identity and Contact Data<br>*   Payment Information | "
    "*   Contract |\n"
    "| To improve our models | *   Inputs and Outputs | *   Legitimate interests |\n"
)


def test_the_header_is_the_row_above_the_separator() -> None:
    table = read_table(LEGAL_BASES)
    assert table is not None
    assert table.header == ["Purpose", "Type of Data", "Legal Basis"]
    assert table.rows[0] == [
        "To provide the services",
        "Identity and Contact Data Payment Information",
        "Contract",
    ]
    assert len(table.rows) == 2


def test_an_empty_header_row_gives_way_to_a_bold_first_row() -> None:
    """ChatGPT's privacy policy: an empty header row, then the real header in bold."""
    text = (
        "|     |     |\n| --- | --- |\n"
        "| **Purpose of processing** | **Legal basis** |\n"
        "| To provide our Services | Contract |\n"
    )
    table = read_table(text)
    assert table is not None
    assert table.header == ["Purpose of processing", "Legal basis"]
    assert table.rows == [["To provide our Services", "Contract"]]


def test_a_part_of_a_long_table_has_no_header() -> None:
    text = "| Austria | 0800 001180 |\n| Belgium | 0800 58 142 |\n"
    assert describe_table(text) == "a table of 2 rows; its first row reads: Austria | 0800 001180"


def test_the_summary_describes_the_table_not_its_pipes() -> None:
    summary = analyze_clause(LEGAL_BASES, ("Privacy Policy", "10. Legal Bases for Processing"))
    lead = summary.summary.removeprefix("Extractive summary (offline, rule-based): ")
    assert lead.startswith(
        "A table of 2 rows under the columns Purpose; Type of Data; Legal Basis; its first row "
        "reads: To provide the services | Identity and Contact Data Payment Information"
    )
    assert "<br" not in lead
    assert "| |" not in lead


def test_a_clause_without_a_table_has_no_description() -> None:
    assert describe_table("We may change these Terms. | is a pipe in prose.") is None
    assert read_table("No table here.") is None


def test_sentences_inside_a_cell_are_in_the_table() -> None:
    text = "Intro sentence.\n| A cell. Another sentence in it. |\nAfter."
    assert in_table(text, "Another sentence in it.")
    assert not in_table(text, "Intro sentence.")
    assert not in_table(text, "After.")


@given(
    st.lists(
        st.lists(st.text(alphabet="abc xyz*<>br-", max_size=12), min_size=1, max_size=4),
        max_size=6,
    )
)
def test_rows_are_counted_and_never_hold_pipes(grid: list[list[str]]) -> None:
    text = "\n".join("| " + " | ".join(row) + " |" for row in grid)
    table = read_table(text)
    if not grid:
        assert table is None
        return
    assert table is not None
    assert len(table.rows) + (1 if table.header else 0) <= len(grid)
    assert all("|" not in cell for row in table.rows for cell in row)
