"""The CLAUDETTE classifier: corpus-form normalisation, shipped weights, reproducible training."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clauselens.analyzers.offline import _fitting
from clauselens.analyzers.offline.classifier import (
    ClassifierWeights,
    ClauseClassifier,
    load_classifier,
    load_classifier_from,
    neighbour_scores,
)
from clauselens.analyzers.offline.detect import detect
from clauselens.analyzers.offline.normalise import (
    markdown_plain,
    normalise_for_classifier,
    sentences,
)
from clauselens.analyzers.offline.train import (
    FEATURE_SETS,
    neighbours,
    read_corpus,
    train_weights,
)
from clauselens.analyzers.offline.train import main as train_main
from clauselens.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "fixtures" / "offline" / "claudette_sample.jsonl"


class TestNormalise:
    @pytest.mark.parametrize(
        ("raw", "corpus"),
        [
            (
                'Please read these Terms of Service ("Agreement") carefully.',
                "please read these terms of service -lrb- `` agreement '' -rrb- carefully .",
            ),
            (
                "Your paid account will remain in effect until it's cancelled.",
                "your paid account will remain in effect until it 's cancelled .",
            ),
            ("We don't monitor forums, e.g. chats.", "we do n't monitor forums , e.g. chats ."),
            (
                "Pay $100 or 15% of fees; see www.adr.org.",
                "pay $ 100 or 15 % of fees ; see www.adr.org .",
            ),
            ("Laws of the U.S. apply [in part].", "laws of the u.s. apply -lsb- in part -rsb- ."),
            ("**Bold** text with a [link](https://x.y).", "bold text with a link ."),
            ("“Curly” quotes and third-party terms.", "`` curly '' quotes and third-party terms ."),
        ],
    )
    def test_real_text_takes_the_corpus_form(self, raw: str, corpus: str) -> None:
        """Real clause text is lower-cased and PTB-tokenised like the CLAUDETTE release."""
        assert normalise_for_classifier(raw) == corpus

    def test_sentences_are_verbatim_substrings(self) -> None:
        """Sentence splitting returns exact substrings of the input."""
        text = "First rule. Second rule, e.g. this one!\n\n* A list item\n* Another"
        parts = sentences(text)
        assert len(parts) == 4
        assert all(p in text for p in parts)

    @pytest.mark.parametrize(
        ("text", "first"),
        [
            ("You are at least our “Minimum Age.” The Services are not for children.",
             "You are at least our “Minimum Age.”"),
            ('Call it the "Notice." It must be signed.', 'Call it the "Notice."'),
            ("Fees apply (see Pricing.) Refunds are rare.", "Fees apply (see Pricing.)"),
        ],
    )  # fmt: skip
    def test_a_sentence_keeps_the_quote_or_bracket_that_closes_it(
        self, text: str, first: str
    ) -> None:
        """LinkedIn's summary ended "at least our “Minimum Age." with the quote left behind."""
        assert sentences(text)[0] == first

    @pytest.mark.parametrize(
        ("text", "parts"),
        [
            ("**VII. Term; Credit Purchase Terms; Credit Deduction; Suspension, and Termination.**",
             1),
            ("2.1. You must obtain your own key. 2.2. We offer our API free of charge.", 2),
            ("We use it. A. Smith agrees.", 2),
            # GitHub's linked headings, their labels escaped
            ("### [3\\. Development and Improvement Using Your Input and Output](#3-dev)\n\n"
             "We use your Inputs to generate Outputs.", 2),
            ("2\\.1\\. You must obtain your own key. 2\\.2\\. We offer our API free.", 2),
        ],
    )  # fmt: skip
    def test_a_section_label_is_no_sentence_of_its_own(self, text: str, parts: int) -> None:
        """X's "**VII. Term; ...**" was cut after "VII.", so its heading read as a sentence;
        GitHub's "### [3\\. Development ...](#...)" was cut after "3\\.", and the rest of its
        link opened the summary ("Development and ...](3-development-...) We use ...")."""
        assert len(sentences(text)) == parts
        assert all(len(p) > 4 for p in sentences(text))

    @pytest.mark.parametrize(
        ("text", "parts"),
        [
            ("Any content that promotes it is prohibited on X. This includes links.", 2),
            ("You can share posts with X. All of them stay public.", 2),
            ("Franklin D. Roosevelt said so. Thomas G. Lane agreed.", 2),
            ("J. R. R. Tolkien wrote it. We read it.", 2),
        ],
    )
    def test_a_one_letter_name_ends_a_sentence_and_an_initial_does_not(
        self, text: str, parts: int
    ) -> None:
        """X's rules ("... is strictly prohibited on X. This includes ...") were read as one
        sentence: a capital letter before a full stop counted as an initial wherever it stood.
        An initial follows a capitalised name or another initial."""
        assert len(sentences(text)) == parts

    def test_backslash_escapes_read_as_the_character(self) -> None:
        """Microsoft's "4\\. Using the Services and Support" and GitHub's "privacy\\[at\\]github"
        were summarised with their backslashes."""
        assert markdown_plain("4\\. Using the Services") == "4. Using the Services"
        assert markdown_plain("privacy\\[at\\]github\\[dot\\]com") == "privacy[at]github[dot]com"
        assert markdown_plain("a\\_b and **c**") == "a_b and c"

    def test_marks_inside_a_link_are_dropped_with_the_link(self) -> None:
        """Spotify's "[**Account privacy page**](url)" was summarised with its asterisks."""
        text = "[**Account privacy page**](https://x.y/privacy) – control the processing."
        assert markdown_plain(text) == "Account privacy page – control the processing."


class TestShippedClassifier:
    def test_loads_without_scikit_learn(self) -> None:
        """Loading and scoring the shipped weights needs numpy only, not the training stack.

        (Its load time is measured by ``bench/offline_eval.py``, not asserted here.)
        """
        probe = (
            "import sys\n"
            "from clauselens.analyzers.offline.classifier import load_classifier\n"
            "load_classifier().predict('We may terminate your account at any time.')\n"
            "print(sorted(m for m in ('sklearn', 'scipy', 'joblib') if m in sys.modules))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "[]"

    def test_obvious_termination_clause_is_flagged(self) -> None:
        """A plain unilateral-termination sentence is classified TER."""
        prediction = load_classifier().predict(
            "We may terminate your account at any time, for any reason, without notice."
        )
        assert "TER" in prediction.labels

    def test_neutral_sentence_is_not_flagged(self) -> None:
        """A neutral sentence gets no category."""
        assert load_classifier().predict("You can contact our support team by email.").labels == ()


class TestTraining:
    def test_same_corpus_gives_the_same_bytes(self, tmp_path: Path) -> None:
        """Training twice on the same sample writes byte-identical weights."""
        a, b = tmp_path / "a.json", tmp_path / "b.json"
        assert train_main([str(SAMPLE), "--out", str(a)]) == 0
        assert train_main([str(SAMPLE), "--out", str(b)]) == 0
        assert a.read_bytes() == b.read_bytes()

    def test_trained_weights_reload_and_classify(self, tmp_path: Path) -> None:
        """Freshly trained weights load through the same validated path as the shipped ones."""
        out = tmp_path / "w.json"
        train_main([str(SAMPLE), "--out", str(out)])
        classifier = load_classifier_from(out)
        assert classifier.labels == ("A", "CH", "CR", "J", "LAW", "LTD", "TER", "USE")
        assert 0.0 <= classifier.triage_threshold <= 1.0

    def test_every_row_is_used(self, tmp_path: Path) -> None:
        """Training uses both LexGLUE splits: the sample's validation row counts too."""
        rows = read_corpus(SAMPLE)
        assert {r["lexglue_split"] for r in rows} == {"train", "validation"}
        assert train_weights(rows)["training"]["sentences"] == len(rows)

    def test_choices_come_from_grouped_cross_validation(self) -> None:
        """With several documents the settings are chosen by inner CV, and that is recorded."""
        rows = [dict(r, doc=f"doc{i % 3}") for i, r in enumerate(read_corpus(SAMPLE))]
        training = train_weights(rows)["training"]
        assert training["documents"] == 3
        assert training["cv_macro_f1"] is not None
        assert training["feature_set"] in FEATURE_SETS

    def test_inference_matches_the_training_matrix(self) -> None:
        """The numpy scorer gives the decision values of the TF-IDF model it was trained as."""
        rows = read_corpus(SAMPLE)
        weights = train_weights(rows)
        texts = [r["text"] for r in rows]
        counts = _fitting.count_features(texts)
        everything = np.arange(len(texts))
        min_df = FEATURE_SETS[weights["training"]["feature_set"]]
        x = _fitting.transform(counts, everything, _fitting.fit_space(counts, everything, min_df))
        expected = x @ np.array(weights["coef"]) + np.array(weights["intercept"])
        scorer = ClauseClassifier(ClassifierWeights.model_validate(weights))
        got = np.array([scorer.decision(t) for t in texts])
        assert np.abs(got - expected).max() < 1e-3

    def test_weights_without_a_triage_model_are_rejected(self, tmp_path: Path) -> None:
        """A weights file must carry its triage model and threshold."""
        weights = train_weights(read_corpus(SAMPLE))
        del weights["triage"]
        out = tmp_path / "w.json"
        out.write_text(json.dumps(weights), encoding="utf-8")
        with pytest.raises(ConfigError):
            load_classifier_from(out)


class TestTriageContext:
    @given(st.lists(st.floats(-60, 60), min_size=1, max_size=12))
    def test_a_clause_edge_stands_in_for_its_missing_neighbour(self, own: list[float]) -> None:
        """Each sentence's row is (own, previous, next); at an edge the sentence itself fills in."""
        n = len(own)
        previous = [i - 1 for i in range(n)]
        following = [i + 1 if i + 1 < n else -1 for i in range(n)]
        rows = neighbour_scores(own, previous, following)
        for i in range(n):
            assert rows[i, 0] == own[i]
            assert rows[i, 1] == own[i - 1 if i else i]
            assert rows[i, 2] == own[i + 1 if i + 1 < n else i]

    @given(st.lists(st.floats(-60, 60), min_size=1, max_size=12))
    def test_clause_probabilities_are_the_context_model_in_clause_order(
        self, own: list[float]
    ) -> None:
        """``triage_probabilities`` reads one clause's sentences as consecutive neighbours."""
        classifier = load_classifier()
        n = len(own)
        expected = classifier.context_probabilities(
            own, [i - 1 for i in range(n)], [i + 1 if i + 1 < n else -1 for i in range(n)]
        )
        got = classifier.triage_probabilities(own)
        assert np.allclose(got, expected)
        assert all(0.0 <= p <= 1.0 for p in got)

    def test_a_likely_unfair_neighbour_never_lowers_a_sentence(self) -> None:
        """The shipped context model weighs every input up: more unfair context, higher score."""
        assert all(w > 0 for w in load_classifier().weights.triage.coef)

    def test_a_list_item_is_read_with_the_sentence_that_introduces_it(self) -> None:
        """A liability list item scores higher after its lead-in than on its own."""
        item = "your failure to keep your password secure;"
        lead = "We are not liable for any loss or damage arising from:"
        clause = detect(f"{lead}\n\n* {item}")
        alone = detect(item)
        classifier = load_classifier()
        in_clause = classifier.triage_probabilities(
            [classifier.predict(s).max_log_odds for s in clause.sentences]
        )
        assert len(clause.sentences) == 2
        assert in_clause[1] > alone.triage_score

    def test_neighbours_follow_sentence_order_within_a_document(self) -> None:
        """Training reads neighbours by ``sentence_index`` inside a document, never across."""
        rows = [
            {"doc": "a", "sentence_index": 1},
            {"doc": "b", "sentence_index": 0},
            {"doc": "a", "sentence_index": 0},
            {"doc": "a", "sentence_index": 2},
        ]
        previous, following = neighbours(rows)
        assert previous.tolist() == [2, -1, -1, 0]
        assert following.tolist() == [3, -1, 0, -1]
