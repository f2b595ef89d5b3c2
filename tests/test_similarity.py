"""Tests for clauselens.similarity: cross-platform queries, platform counts, updates, persistence.

The texts are short handmade policy sentences written for these tests (no ../shared needed).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from clauselens.similarity import (
    Item,
    RefitPolicy,
    SimilarityIndex,
    TfidfEmbedder,
    TfidfParams,
    load_index,
    save_index,
)
from clauselens.similarity import index as index_module
from clauselens.similarity.index import BULK_FROM
from clauselens.similarity.vectors import WordVectors, shipped_vectors

TEXTS = {
    "terminate": "We may suspend or terminate your account at any time without notice.",
    "arbitration": "Any dispute is resolved by binding arbitration and you waive class actions.",
    "change": "We may change these terms at any time; continued use means you accept the changes.",
    "liability": "Our total liability to you is limited to the amount you paid us last year.",
    "cookies": "We use cookies and similar technologies to track your activity across websites.",
    "law": "These terms are governed by the laws of the State of California.",
    "delete": "You can delete your account and we erase your personal data within thirty days.",
    "sell": "We do not sell your personal information to third parties for advertising.",
}


def corpus() -> list[Item]:
    """Three platforms, each stating a subset of the handmade provisions in its own words."""
    items = []
    for entity, topics in {
        "alpha": ["terminate", "arbitration", "change", "cookies"],
        "beta": ["terminate", "liability", "law", "delete"],
        "gamma": ["arbitration", "change", "sell", "law"],
    }.items():
        for topic in topics:
            text = TEXTS[topic].replace("We ", f"{entity.title()} ").replace("Our ", "Its ")
            items.append(Item(f"{entity}:{topic}", entity, "Terms of Service", text))
    return items


def built(items: list[Item] | None = None) -> SimilarityIndex:
    index = SimilarityIndex()
    index.build(items if items is not None else corpus())
    return index


def results(index: SimilarityIndex, key: str) -> list[tuple[str, float]]:
    return [(m.key, round(m.score, 5)) for m in index.query(key, top_k=20)]


class TestQuery:
    def test_results_never_include_the_query_platform(self) -> None:
        """Querying by key returns only items whose entity differs from the key's entity."""
        index = built()
        for item in index.items:
            assert all(m.entity != item.entity for m in index.query(item.key, top_k=50))

    def test_identical_text_on_another_platform_ranks_first_with_score_one(self) -> None:
        """A verbatim copy on another platform is the best match, with cosine ~1."""
        items = [*corpus(), Item("delta:copy", "delta", "Usage Policy", corpus()[0].text)]
        index = built(items)
        best = index.query(corpus()[0].key, top_k=3)[0]
        assert best.key == "delta:copy"
        assert best.score == pytest.approx(1.0, abs=1e-5)

    def test_same_topic_on_other_platform_is_top_match(self) -> None:
        """The paraphrase of the same provision on another platform outranks other provisions."""
        index = built()
        assert index.query("alpha:terminate", top_k=1)[0].key == "beta:terminate"

    def test_free_text_query_excludes_only_the_named_entity(self) -> None:
        """A free text is compared with every item, minus the entity named in exclude_entity."""
        index = built()
        text = "Disputes go to binding arbitration; class actions are waived."
        assert {m.entity for m in index.query(text, top_k=20)} >= {"alpha", "gamma"}
        assert all(m.entity != "gamma" for m in index.query(text, exclude_entity="gamma"))

    def test_categories_raise_the_score_of_items_that_share_them(self) -> None:
        """With equal text, the item sharing the query's categories scores higher."""
        text = "The service may be discontinued."
        items = [
            Item("q", "a", "d", text, ("unilateral_termination",)),
            Item("same", "b", "d", text + " Notice.", ("unilateral_termination",)),
            Item("other", "c", "d", text + " Notice.", ("arbitration",)),
        ]
        scores = {m.key: m.score for m in built(items).query("q")}
        assert scores["same"] > scores["other"]


class TestPlatformCounts:
    def test_counts_platforms_with_an_item_at_or_above_the_threshold(self) -> None:
        """similar_platforms counts other entities with a match >= threshold; total excludes own."""
        index = built()
        assert index.platform_counts("alpha:terminate", threshold=0.3) == (1, 2)
        assert index.platform_counts("alpha:change", threshold=0.3) == (1, 2)
        assert index.platform_counts("gamma:sell", threshold=0.9) == (0, 2)
        assert index.platform_counts("alpha:terminate", threshold=0.0) == (2, 2)

    def test_free_text_without_entity_counts_every_platform(self) -> None:
        """For a text with no entity, platforms_total is every entity in the index."""
        assert built().platform_counts("governed by the laws of California", 0.2) == (2, 3)


class TestIncrementalUpdates:
    def test_add_and_remove_match_a_rebuild_with_the_same_vectoriser(self) -> None:
        """build(A) + add(B) + remove(C) answers like build(A + B - C) with the same embedder."""
        items = corpus()
        first, second = items[:7], items[7:]
        index = SimilarityIndex(refit_policy=RefitPolicy(auto=False))
        index.build(first)
        index.add(second)
        index.remove(["beta:law", "missing-key"])
        rebuilt = SimilarityIndex(index.embedder)
        rebuilt.build([it for it in items if it.key != "beta:law"], refit=False)
        for item in rebuilt.items:
            assert results(index, item.key) == results(rebuilt, item.key)

    def test_update_replaces_an_item_by_key(self) -> None:
        """Adding an item whose key exists replaces its text, entity and row."""
        index = built()
        index.update([Item("beta:terminate", "beta", "Terms", TEXTS["cookies"])])
        assert len(index) == len(corpus())
        assert index.query("alpha:cookies", top_k=1)[0].key == "beta:terminate"

    def test_policy_refits_when_new_vocabulary_drifts(self) -> None:
        """An add whose tokens are mostly unknown to the vocabulary triggers a refit."""
        index = SimilarityIndex(refit_policy=RefitPolicy(min_added=1, max_unknown_share=0.5))
        index.build(corpus())
        version = index.embedder.version
        index.add([Item("x", "delta", "d", "zorblax quuxified flimflam tokens everywhere")])
        assert index.embedder.version != version


class TestPersistence:
    def test_save_load_roundtrip_gives_identical_results(self, tmp_path: Path) -> None:
        """A loaded index returns the same matches and scores as the saved one."""
        index = built([*corpus(), Item("c", "delta", "d", "x", ("arbitration",))])
        loaded = load_index(save_index(index, tmp_path / "idx"))
        assert loaded.embedder.version == index.embedder.version
        for item in index.items:
            assert index.query(item.key, top_k=20) == loaded.query(item.key, top_k=20)
        text = "terminate accounts without notice"
        assert index.query(text) == loaded.query(text)

    def test_saved_files_hold_no_pickle(self, tmp_path: Path) -> None:
        """The npz part loads with allow_pickle=False."""
        folder = save_index(built(), tmp_path / "idx")
        with np.load(folder / "arrays.npz", allow_pickle=False) as npz:
            assert "data" in npz.files


class TestWordVectors:
    def test_sentence_vectors_are_unit_rows_and_zero_without_known_words(self) -> None:
        """Each text with a known word gets a unit row; a text of unknown words a zero row."""
        rows = shipped_vectors().sentence_vectors([TEXTS["terminate"], "zzqx qqzz", ""])
        assert np.linalg.norm(rows[0]) == pytest.approx(1.0, abs=1e-5)
        assert not rows[1].any()
        assert not rows[2].any()

    def test_a_paraphrase_in_other_words_is_closer_than_another_topic(self) -> None:
        """Suspending an account is nearer to disabling a profile than to cookies."""
        terminate, disable, cookies = shipped_vectors().sentence_vectors(
            [
                "We may suspend or terminate your account.",
                "Your profile can be disabled or deleted by us.",
                "We use cookies to measure advertising.",
            ]
        )
        assert terminate @ disable > terminate @ cookies + 0.2

    def test_vectors_round_trip_through_npz_bytes(self) -> None:
        """to_bytes / from_bytes keeps words, vectors (float16) and the version."""
        wv = shipped_vectors()
        again = WordVectors.from_bytes(wv.to_bytes())
        assert again.words == wv.words
        assert again.version == wv.version
        assert "ota/current" in again.meta["sources"]

    def test_training_is_deterministic(self) -> None:
        """The same texts give byte-identical vectors (one worker, fixed seed)."""
        pytest.importorskip("gensim")
        from clauselens.similarity.train_vectors import train

        texts = [text for text in TEXTS.values() for _ in range(5)]
        assert train(texts).to_bytes() == train(texts).to_bytes()


class TestSemanticFusion:
    def test_score_is_the_weighted_sum_of_lexical_and_semantic_cosines(self) -> None:
        """With weight s, an index score is (1 - s) * lexical cosine + s * word-vector cosine."""
        items = corpus()
        fused = SimilarityIndex(TfidfEmbedder(TfidfParams(semantic_weight=0.3)))
        fused.build(items)
        lexical = SimilarityIndex(TfidfEmbedder(TfidfParams(semantic_weight=0.0)))
        lexical.build(items)
        sem = shipped_vectors().sentence_vectors([it.text for it in items])
        for i, item in enumerate(items):
            expected = 0.7 * lexical.scores(item.key) + 0.3 * (sem @ sem[i])
            own = fused.scores(item.key) < 0
            np.testing.assert_allclose(
                fused.scores(item.key)[~own], np.clip(expected[~own], 0, 1), atol=1e-5
            )

    def test_word_vectors_raise_a_paraphrase_and_lower_an_unrelated_text(self) -> None:
        """A paraphrase in other words gains score from the word vectors; cookies lose it."""
        items = [
            Item("q", "a", "d", "We may suspend or terminate your account."),
            Item("para", "b", "d", "Your profile can be disabled or deleted by us."),
            Item("other", "c", "d", "We may use cookies on your account pages."),
        ]
        scores = {}
        for weight in (0.0, 0.3):
            index = SimilarityIndex(TfidfEmbedder(TfidfParams(semantic_weight=weight)))
            index.build(items)
            scores[weight] = {m.key: m.score for m in index.query("q")}
        assert scores[0.3]["para"] > scores[0.0]["para"] + 0.03
        assert scores[0.3]["other"] < scores[0.0]["other"]

    def test_index_saved_with_other_word_vectors_does_not_load(self, tmp_path: Path) -> None:
        """Loading refuses an index whose word vectors are not the shipped ones (so caches
        rebuild instead of mixing vectors)."""
        folder = save_index(built(), tmp_path / "idx")
        meta = json.loads((folder / "index.json").read_text(encoding="utf-8"))
        meta["embedder"]["params"]["vectors"] = "sif-1:0000000000000000"
        (folder / "index.json").write_text(json.dumps(meta), encoding="utf-8")
        with pytest.raises(ValueError, match="word vectors"):
            load_index(folder)


WORDS = ["account", "terminate", "data", "sell", "cookies", "law", "arbitration", "notice", "we"]
item_lists = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.lists(st.sampled_from(WORDS), min_size=0, max_size=8).map(" ".join),
    ),
    min_size=1,
    max_size=15,
)


@settings(max_examples=60, deadline=None)
@given(rows=item_lists, top_k=st.integers(0, 12), pick=st.integers(0, 100))
def test_query_results_are_bounded_sorted_and_from_other_entities(
    rows: list[tuple[str, str]], top_k: int, pick: int
) -> None:
    """Scores lie in [0, 1], come sorted descending, respect top_k and skip the own entity."""
    items = [Item(f"k{i}", entity, "doc", text) for i, (entity, text) in enumerate(rows)]
    index = SimilarityIndex(TfidfEmbedder())
    index.build(items)
    query = items[pick % len(items)]
    matches = index.query(query.key, top_k=top_k)
    scores = [m.score for m in matches]
    assert len(matches) <= top_k
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert all(m.entity != query.entity for m in matches)
    similar, total = index.platform_counts(query.key, threshold=0.5)
    assert 0 <= similar <= total == len({it.entity for it in items} - {query.entity})


def test_scores_of_many_keys_equal_one_key_at_a_time() -> None:
    """The bulk scores_of gives, row by row, what scores gives per key (categories included)."""
    items = [*corpus(), Item("c", "delta", "d", TEXTS["arbitration"], ("arbitration",))]
    items[1] = Item(items[1].key, items[1].entity, "d", items[1].text, ("arbitration",))
    index = built(items)
    keys = [it.key for it in items]
    bulk = index.scores_of(keys)
    for key, row in zip(keys, bulk, strict=True):
        np.testing.assert_allclose(row, index.scores(key), atol=1e-6)


bulk_item_lists = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c"]),
        st.lists(st.sampled_from(WORDS), min_size=0, max_size=10).map(" ".join),
    ),
    min_size=BULK_FROM,
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(rows=bulk_item_lists, cells=st.sampled_from([0, 40, 400, 10**6]))
def test_bulk_scores_equal_one_key_at_a_time(rows: list[tuple[str, str]], cells: int) -> None:
    """From ``BULK_FROM`` keys on, scores_of splits the postings into dense frequent features
    and sparse rare ones (``cells`` moves the split: none, some, all dense); every row still
    equals what scores gives for its key."""
    items = [Item(f"k{i}", entity, "doc", text) for i, (entity, text) in enumerate(rows)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index_module, "BULK_DENSE_CELLS", cells)
        patch.setattr(index_module, "BULK_MIN_DF", 2)
        index = built(items)
        keys = [it.key for it in items]
        bulk = index.scores_of(keys)
    for key, row in zip(keys, bulk, strict=True):
        np.testing.assert_allclose(row, index.scores(key), atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(texts=st.lists(st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join), min_size=1))
def test_fit_transform_equals_fit_then_transform(texts: list[str]) -> None:
    """Building an index counts its texts once (``fit_transform``); the rows are exactly those
    of ``fit`` followed by ``transform``."""
    once = TfidfEmbedder()
    rows = sparse.csr_matrix(once.fit_transform(texts))
    twice = TfidfEmbedder()
    twice.fit(texts)
    again = sparse.csr_matrix(twice.transform(texts))
    assert once.version == twice.version
    assert rows.shape == again.shape
    assert (rows != again).nnz == 0
