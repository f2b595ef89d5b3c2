"""What an Open Terms Archive commit records: message kinds and document paths (properties)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clauselens.pipeline.ingest.ota.records import TECHNICAL_UPGRADE, document_of, record_kind

NAME = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\"), min_size=1
).filter(lambda s: s.strip() == s and not s.startswith("."))


@given(NAME, NAME)
def test_a_top_level_markdown_file_in_a_folder_names_its_service_and_terms_type(
    service: str, terms_type: str
) -> None:
    assert document_of(f"{service}/{terms_type}.md") == (service, terms_type)


@given(st.lists(NAME, min_size=1, max_size=4).filter(lambda parts: len(parts) != 2))
def test_files_at_other_depths_are_not_documents(parts: list[str]) -> None:
    assert document_of("/".join(parts) + ".md") is None


def test_readme_licence_and_hidden_folders_are_not_documents() -> None:
    for path in ("README.md", "LICENSE", ".github/workflows.md", "Acme/Terms.txt"):
        assert document_of(path) is None


@given(NAME)
def test_each_message_wording_gives_its_kind(rest: str) -> None:
    kinds = {
        "First record of": "first",
        "Start tracking": "first",
        "Record new changes of": "change",
        "Update": "change",
        "Apply technical or declaration upgrade on": "technical",
        "Refilter": "technical",
    }
    for words, kind in kinds.items():
        assert record_kind(f"{words} {rest}").kind == kind


def test_only_technical_records_carry_a_change_reason() -> None:
    assert record_kind("Refilter Acme Terms").change_reason == TECHNICAL_UPGRADE
    assert record_kind("Record new changes of Acme Terms").change_reason is None
    assert record_kind("Fix a typo by hand").kind == "other"


def test_snapshot_links_and_engine_version_are_read_from_the_body() -> None:
    message = (
        "Record new changes of Acme Terms\n\nassembling:\n"
        "- https://github.com/OpenTermsArchive/x-snapshots/commit/abc1234\n"
        "- https://github.com/OpenTermsArchive/x-snapshots/commit/def5678\n\n"
        "X-engine-version: 14.0.0\n"
    )
    found = record_kind(message)
    assert [link[-7:] for link in found.snapshots] == ["abc1234", "def5678"]
    assert found.engine_version == "14.0.0"
