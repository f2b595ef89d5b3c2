"""Alignment of consecutive versions: the pure algorithm (exact, cosmetic, similar, moves,
splits, merges) and its application to the store (provisions, idempotence, late versions)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from clauselens.config import AlignSettings, Settings
from clauselens.evaluation.alignment import LabelledPair, locate, prepare, score
from clauselens.pipeline.ingest.captures import ingest
from clauselens.pipeline.versions.align import (
    AlignItem,
    _word_sample,
    align_clauses,
    align_version,
)
from clauselens.pipeline.versions.changes import ChangeClass, Pair
from clauselens.store import open_store
from clauselens.store import tables as t
from clauselens.textnorm import clause_sha256
from tests.support.paths import FIXTURES

CHATGPT = FIXTURES / "ota" / "history" / "chatgpt" / "terms-of-service"
A = "Registration. You must be at least 13 years old to use the Services and provide accurate data."
B = "Termination. We may suspend or terminate your access at any time if you breach these Terms."
C = "Disputes. Any dispute will be resolved by the courts of Ireland, and you waive jury trials."
D = "Content. You own your input and we assign to you all our right, title and interest in output."


def item(text: str, *path: str) -> AlignItem:
    return AlignItem(tuple(path), text, clause_sha256(text))


def classes(pairs: list[Pair]) -> list[tuple[int | None, int | None, str, str | None]]:
    return [(p.old, p.new, p.change.value, p.relation) for p in pairs]


class TestAlignClauses:
    def test_identical_versions_are_all_unchanged(self) -> None:
        items = [item(A, "1"), item(B, "2"), item(C, "3")]
        assert classes(align_clauses(items, items)) == [
            (0, 0, "unchanged", None),
            (1, 1, "unchanged", None),
            (2, 2, "unchanged", None),
        ]

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.sampled_from([A, B, C, D, "", "x"]), max_size=12))
    def test_aligning_a_version_with_itself_yields_all_unchanged(self, texts: list[str]) -> None:
        items = [item(x) for x in texts]
        pairs = align_clauses(items, items)
        assert [(p.old, p.new) for p in pairs] == [(i, i) for i in range(len(items))]
        assert {p.change for p in pairs} <= {ChangeClass.UNCHANGED}

    def test_duplicates_pair_in_order(self) -> None:
        old = [item(A), item(B), item(A)]
        new = [item(A), item(B), item(A), item(C)]
        assert classes(align_clauses(old, new))[:3] == [
            (0, 0, "unchanged", None),
            (1, 1, "unchanged", None),
            (2, 2, "unchanged", None),
        ]

    def test_moved_clause_is_the_one_off_the_longest_ordered_run(self) -> None:
        old = [item(A), item(B), item(C), item(D)]
        new = [item(B), item(C), item(D), item(A)]
        assert classes(align_clauses(old, new))[-1] == (0, 3, "moved", None)
        assert [p.change for p in align_clauses(old, new)].count(ChangeClass.MOVED) == 1

    def test_cosmetic_edit_is_cosmetic_and_keeps_position(self) -> None:
        old = [item(A), item(B)]
        new = [item(A), item("**" + B.upper() + "**")]
        assert classes(align_clauses(old, new))[1] == (1, 1, "cosmetic", "format")

    def test_edited_clause_is_modified(self) -> None:
        edited = B.replace("may suspend", "may, at our sole discretion, suspend")
        pairs = align_clauses([item(A), item(B)], [item(A), item(edited)])
        assert classes(pairs)[1] == (1, 1, "modified", None)
        assert pairs[1].similarity is not None
        assert 0.8 < pairs[1].similarity < 1

    def test_unrelated_clauses_are_added_and_removed(self) -> None:
        pairs = align_clauses([item(A), item(B)], [item(A), item(D)])
        assert set(classes(pairs)) == {
            (0, 0, "unchanged", None),
            (None, 1, "added", None),
            (1, None, "removed", None),
        }

    def test_split_keeps_the_provision_on_the_closer_part_and_adds_the_other(self) -> None:
        """One old clause → two new clauses, one part edited: the first part carries the
        provision (modified, relation split); the other part is a new provision (added, relation
        split, naming the old clause)."""
        edited = B.replace("any time", "any moment")
        pairs = align_clauses(
            [item(A + "\n\n" + B, "Terms")], [item(A, "Terms"), item(edited, "Terms")]
        )
        by_new = {p.new: p for p in pairs}
        assert {(p.change, p.relation, p.carries) for p in pairs} == {
            (ChangeClass.MODIFIED, "split", True),
            (ChangeClass.ADDED, "split", False),
        }
        assert all(p.old == 0 for p in by_new.values())

    def test_split_with_the_same_words_is_a_boundary_move(self) -> None:
        """One old clause → two new clauses with exactly its sentences: the text only moved."""
        pairs = align_clauses([item(A + "\n\n" + B, "Terms")], [item(A, "Terms"), item(B, "Terms")])
        assert {(p.old, p.new, p.change, p.relation, p.carries) for p in pairs} == {
            (0, 0, ChangeClass.MOVED, "boundaries", True),
            (0, 1, ChangeClass.MOVED, "boundaries", False),
        }

    def test_merge_keeps_one_provision_and_removes_the_other(self) -> None:
        edited = B.replace("any time", "any moment")
        pairs = align_clauses([item(A, "T"), item(B, "T")], [item(A + "\n\n" + edited, "T")])
        assert {(p.old, p.new, p.change.value, p.relation) for p in pairs} == {
            (0, 0, "modified", "merge"),
            (1, 0, "removed", "merge"),
        }

    def test_merge_with_the_same_words_is_a_boundary_move(self) -> None:
        pairs = align_clauses([item(A, "T"), item(B, "T")], [item(A + "\n\n" + B, "T")])
        assert {(p.old, p.new, p.change.value, p.relation) for p in pairs} == {
            (0, 0, "moved", "boundaries"),
            (1, None, "moved", "boundaries"),
        }

    def test_result_is_deterministic(self) -> None:
        old = [item(A), item(B), item(C), item(D)]
        new = [item(D), item(C.replace("Ireland", "France")), item(A + " " + B)]
        assert align_clauses(old, new) == align_clauses(list(old), list(new))


class TestClassRules:
    """Cosmetic reasons and boundary moves as alignment records them."""

    def test_renumbered_section_is_cosmetic_with_its_reason(self) -> None:
        old = [item("e. Claims\n\n" + C, "e. Claims")]
        new = [item("f. **Claims**\n\n" + C, "f. Claims")]
        assert classes(align_clauses(old, new)) == [(0, 0, "cosmetic", "renumbered")]

    def test_spelling_correction_is_cosmetic_with_its_reason(self) -> None:
        old = [item(C.replace("Ireland", "Lichtenstein"))]
        new = [item(C.replace("Ireland", "Liechtenstein"))]
        assert classes(align_clauses(old, new)) == [(0, 0, "cosmetic", "spelling")]

    def test_link_text_change_is_cosmetic_with_its_reason(self) -> None:
        old = [item(A + " See the [Connectors Terms](https://x.com/t).")]
        new = [item(A + " See the [App Terms](https://x.com/t).")]
        assert classes(align_clauses(old, new)) == [(0, 0, "cosmetic", "links")]

    def test_reworded_sentence_stays_modified(self) -> None:
        old, new = [item(C)], [item(C.replace("Ireland", "France"))]
        assert classes(align_clauses(old, new)) == [(0, 0, "modified", None)]

    def test_cosmetic_edit_out_of_place_is_moved_with_its_reason(self) -> None:
        old = [item(A), item(B), item("e. Claims\n\n" + C)]
        new = [item("f. Claims\n\n" + C), item(A), item(B)]
        by_new = {p.new: p for p in align_clauses(old, new)}
        assert (by_new[0].change, by_new[0].relation) == (ChangeClass.MOVED, "renumbered")

    def test_section_moved_with_shifting_boundaries_is_a_move(self) -> None:
        """The Discord v2→v3 shape: a section moves in front of another one's body, under its
        heading, and a date line becomes its own clause: no sentence is new or gone."""
        head, body = "Last Updated: March 15, 2024", "Welcome! " + A
        old = [item(head + "\n\n" + body, "Updated"), item(B, "x"), item(C, "y")]
        new = [item(head, "Updated"), item(C + "\n\n" + body, "y"), item(B, "x")]
        pairs = align_clauses(old, new)
        assert {p.change for p in pairs} <= {ChangeClass.MOVED, ChangeClass.UNCHANGED}
        assert any(p.relation == "boundaries" for p in pairs)

    def test_boundary_moves_off_shows_added_removed_or_modified(self) -> None:
        head, body = "Last Updated: March 15, 2024", "Welcome! " + A
        old = [item(head + "\n\n" + body, "Updated"), item(B, "x"), item(C, "y")]
        new = [item(head, "Updated"), item(C + "\n\n" + body, "y"), item(B, "x")]
        pairs = align_clauses(old, new, AlignSettings(boundary_moves=False))
        assert {ChangeClass.ADDED, ChangeClass.MODIFIED} & {p.change for p in pairs}

    def test_a_moved_sentence_with_a_changed_word_is_not_a_boundary_move(self) -> None:
        head, body = "Last Updated: March 15, 2024", "Welcome! " + A
        old = [item(head + "\n\n" + body, "Updated"), item(B, "x"), item(C, "y")]
        edited = C.replace("Ireland", "France")
        new = [item(head, "Updated"), item(edited + "\n\n" + body, "y"), item(B, "x")]
        pairs = align_clauses(old, new)
        assert not any(p.relation == "boundaries" and p.new == 1 for p in pairs)

    def test_position_weight_prefers_the_nearer_of_two_equal_candidates(self) -> None:
        """Two copies of a section (a document joining two pages), both edited: with a position
        term each copy pairs with its own, however the scores of the crossed pairs compare."""
        old = [item(C + " Copy one applies here."), item(A), item(B), item(C + " Copy two.")]
        new = [item(C + " Copy two, revised."), item(A), item(B), item(C + " Copy one changed.")]
        crossed = {(p.old, p.new) for p in align_clauses(old, new, AlignSettings())}
        near = {(p.old, p.new) for p in align_clauses(old, new, AlignSettings(position_weight=40))}
        assert (3, 0) in crossed
        assert {(0, 0), (3, 3)} <= near


class TestAlignmentEvaluation:
    """``evaluation.alignment``: labelled pairs found by text, and their scores."""

    def test_locate_finds_a_text_by_hash_form_or_closeness(self) -> None:
        items = [item(A), item(B), item(C)]
        assert locate(B, items) == 1
        assert locate("**" + C.upper() + "**", items) == 2
        assert locate(C.replace("Ireland", "Irland"), items) == 2
        assert locate(D, items) is None

    def test_locate_takes_the_occurrence_nearest_the_labelled_position(self) -> None:
        items = [item(A), item(B), item(C), item(A)]
        assert locate(A, items, 0.0) == 0
        assert locate(A, items, 0.8) == 3

    def test_score_counts_true_and_false_pairs_and_classes(self, tmp_path: Path) -> None:
        doc = tmp_path / "svc" / "terms"
        doc.mkdir(parents=True)
        (doc / "v0_a.md").write_text(f"# A\n\n{A}\n\n# B\n\n{B}\n", "utf-8")
        (doc / "v1_b.md").write_text(f"# A\n\n{A}\n\n# B\n\n{B.replace('any', 'no')}\n", "utf-8")

        def labelled(old: str, new: str, same: bool, cls: str | None) -> LabelledPair:
            return LabelledPair("x", "svc/terms", "v0_a.md", "v1_b.md", old, new, same, cls, None)

        pairs = [
            labelled(f"# A\n\n{A}", f"# A\n\n{A}", True, "unchanged"),
            labelled(f"# B\n\n{B}", f"# B\n\n{B.replace('any', 'no')}", True, "modified"),
            labelled(f"# A\n\n{A}", f"# B\n\n{B.replace('any', 'no')}", False, None),
            labelled("a text no version has, long enough to miss", f"# A\n\n{A}", True, "moved"),
        ]
        version_pairs, found = prepare(pairs, tmp_path)
        scores = score(version_pairs, AlignSettings())
        assert found == 3
        assert (scores.tp, scores.fp, scores.fn, scores.tn) == (2, 0, 0, 1)
        assert scores.class_accuracy == 1.0


def ingest_versions(engine: sa.Engine, settings: Settings, files: list[Path]) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i, path in enumerate(files):
        options = {
            "entity": "ChatGPT",
            "title": "Terms of Service",
            "terms_type": "Terms of Service",
            "captured_at": start + timedelta(days=30 * i),
        }
        report = ingest(engine, [path], settings, options)
        assert report.failed == []


def store_state(engine: sa.Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Clauses with their provision ids, and change rows, in a store-independent form."""
    c, p, ch, v = t.clauses, t.provisions, t.changes, t.versions
    with engine.connect() as conn:
        clauses = conn.execute(
            sa.select(v.c.captured_at, c.c.idx, p.c.provision_id)
            .join(v, v.c.id == c.c.version_pk)
            .join(p, p.c.id == c.c.provision_pk)
            .order_by(v.c.captured_at, c.c.idx)
        ).all()
        rows = conn.execute(
            sa.select(ch.c.at, p.c.provision_id, ch.c.change_class, ch.c.relation)
            .join(p, p.c.id == ch.c.provision_pk)
            .order_by(ch.c.at, p.c.provision_id, ch.c.change_class)
        ).all()
    return [tuple(r) for r in clauses], [tuple(r) for r in rows]


class TestAlignVersion:
    def test_provision_ids_are_the_same_in_two_fresh_stores(
        self, tmp_path: Path, settings: Settings
    ) -> None:
        files = sorted(CHATGPT.glob("v*.md"))
        states = []
        for name in ("one", "two"):
            engine = open_store(f"sqlite:///{tmp_path / name}.db")
            ingest_versions(engine, settings, files)
            states.append(store_state(engine))
            engine.dispose()
        assert states[0] == states[1]
        assert states[0][1], "the history has changes"

    def test_realigning_changes_nothing(self, engine: sa.Engine, settings: Settings) -> None:
        ingest_versions(engine, settings, sorted(CHATGPT.glob("v*.md"))[:3])
        before = store_state(engine)
        with engine.begin() as conn:
            for pk in conn.execute(sa.select(t.versions.c.id)).scalars():
                align_version(conn, pk)
        assert store_state(engine) == before

    def test_a_late_older_version_gives_the_same_store_as_in_order(
        self, tmp_path: Path, settings: Settings
    ) -> None:
        files = sorted(CHATGPT.glob("v*.md"))[:4]
        in_order = open_store(f"sqlite:///{tmp_path / 'a'}.db")
        ingest_versions(in_order, settings, files)
        late = open_store(f"sqlite:///{tmp_path / 'b'}.db")
        start = datetime(2025, 1, 1, tzinfo=UTC)
        for i in (0, 2, 3, 1):  # version 2 arrives last
            opts = {
                "entity": "ChatGPT",
                "title": "Terms of Service",
                "terms_type": "Terms of Service",
                "captured_at": start + timedelta(days=30 * i),
            }
            assert ingest(late, [files[i]], settings, opts).failed == []
        assert store_state(late) == store_state(in_order)
        with late.connect() as conn:
            orphans = conn.execute(
                sa.select(sa.func.count())
                .select_from(t.provisions)
                .where(t.provisions.c.id.not_in(sa.select(t.clauses.c.provision_pk)))
            ).scalar_one()
        assert orphans == 0
        json.dumps(store_state(late), default=str)  # plain data


VOCABULARY = [f"w{i}" for i in range(30)] + ["arbitration", "termination", "x"]


@settings(max_examples=200, deadline=None)
@given(
    part=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=40),
    whole=st.lists(st.sampled_from(VOCABULARY), min_size=0, max_size=60),
)
def test_the_word_sample_rejects_only_what_the_full_word_check_rejects(
    part: list[str], whole: list[str]
) -> None:
    """``_contained`` stops early when a whole shares none of the part's sample words; that
    happens only when the whole misses over 20% of the part's words, which the full check
    rejects anyway, so the early stop changes no result."""
    words, known = frozenset(part), frozenset(whole)
    sample = _word_sample(words)
    assert sample <= words
    if known.isdisjoint(sample):
        assert len(words - known) > 0.2 * len(words)
