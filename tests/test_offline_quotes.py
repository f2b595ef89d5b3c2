"""What the offline analyzer quotes from a sentence too long to show whole: the part where its
rule matched, not an opening that says nothing of it (X's developer agreement lists twelve
restrictions in one sentence; the one about credentials is item (e))."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clauselens.analyzers.offline import analyze_clause
from clauselens.analyzers.offline.knowledge import (
    Engagement,
    Matcher,
    Setting,
    load_knowledge_base,
)
from clauselens.analyzers.offline.quotes import excerpt
from clauselens.schemas.validate import quote_in_text


def landscape_quote(landscape: str, after: str = "") -> str:
    """The first quote of a regulatory landscape after ``after`` (an instrument's label)."""
    return landscape.split(after + "\u201c", 1)[1].split("\u201d", 1)[0]


X_RESTRICTIONS = (
    "You shall not and you shall not attempt to (or allow others to): (a) reverse engineer, "
    "decompile, disassemble, or translate the X API or otherwise attempt to derive source code, "
    "trade secrets, or know-how in or underlying any X API or any portion thereof; (b) "
    "interfere with, modify, disrupt, or disable features or functionality of the X API or "
    "monitoring mechanisms of the X API; (c) provide use of the X API on a service bureau, "
    "rental or managed services basis, or otherwise make available to a third party any token, "
    "key, password, or other login credentials to the X API; (d) remove or alter any "
    "proprietary notices or marks on the X Content."
)


def test_why_it_matters_quotes_the_list_item_the_rule_matched() -> None:
    why = analyze_clause(X_RESTRICTIONS).why_it_matters
    assert "account and credential duties" in why
    assert "password, or other login credentials to the X API" in why
    assert "(found in \u201c... " in why


def test_an_evidence_quote_is_verbatim_where_the_rule_matched() -> None:
    quotes = analyze_clause(X_RESTRICTIONS).evidence_quotes
    credentials = [q for q in quotes if "login credentials" in q]
    assert credentials
    assert credentials[0].startswith("(c) provide use of the X API")
    assert all(quote_in_text(q, X_RESTRICTIONS) for q in quotes)


def test_a_sentence_whose_opening_shows_the_match_is_quoted_from_its_opening() -> None:
    text = (
        "We may suspend or terminate your account at any time and for any reason, including "
        "where we believe that you have breached these terms, that your use creates a risk for "
        "us or others, or that we are required to do so by law or by a court order in any "
        "country where we operate."
    )
    why = analyze_clause(text).why_it_matters
    assert "(found in \u201cWe may suspend or terminate your account" in why


def test_the_regulatory_landscape_quotes_the_words_that_engage_an_instrument() -> None:
    text = (
        "We want people to understand how the service works, what it offers, what it costs and "
        "how to reach us, and we review these pages regularly; complaints about advertising "
        "may also be sent to the Federal Trade Commission."
    )
    landscape = analyze_clause(text).institutional_analysis.regulatory_landscape
    assert "FTC Act s.5 (US), on \u201c... " in landscape
    assert "Federal Trade Commission" in landscape.split("\u201d:")[0]


def test_matcher_span_is_the_earliest_match() -> None:
    matcher = Matcher([r"\bpassword\b", "credentials"])
    text = "keep your credentials and your password safe"
    assert matcher.span(text) == (10, 21)
    assert matcher.span("nothing here") is None
    # a zero-width space, dropped for matching, would shift the position: none is given
    assert matcher.span("your\u200b password") is None
    assert matcher.matches("your\u200b password")


def test_category_span_is_none_where_the_rule_is_vetoed() -> None:
    kb = load_knowledge_base()
    sentence = "We use your messages to train our AI models."
    span = kb.category_span("model_training_on_user_content", sentence)
    assert span is not None
    assert "train" in sentence[span[0] : span[1]]
    forbidden = "You may not use the Services or any content to train AI models."
    assert kb.category_span("model_training_on_user_content", forbidden) is None


link_words = st.sampled_from(["data", "we", "share;", "it:", "with", "partners.", "[see](x.com)"])


@given(
    st.lists(link_words, max_size=120),
    st.integers(0, 900),
    st.integers(1, 40),
    st.sampled_from([120, 160, 400]),
    st.sampled_from(["... ", ""]),
    st.sampled_from([" ...", ""]),
)
def test_an_excerpt_is_words_of_the_text_within_the_limit(
    tokens: list[str], start: int, length: int, limit: int, mark: str, end: str
) -> None:
    text = " ".join(tokens)
    start = min(start, len(text))
    span = (start, min(len(text), start + length))
    quoted = excerpt(text, span, limit, cut_mark=mark, end_mark=end)
    assert len(quoted) <= limit
    body = quoted.removeprefix(mark)
    if end:
        # the end mark is there exactly when the quote stops before the text does
        cut = quoted.endswith(end) and not text.endswith(end)
        body = body.removesuffix(end) if cut else body
        assert cut is (not text.rstrip().endswith(body))
    assert body in text
    if body != text[: len(body)]:
        assert span[0] >= limit
        assert quoted.startswith(mark)
        assert "](" not in body.split(" ", 1)[0] or body.startswith("[")


def test_the_regulatory_landscape_quotes_a_table_as_its_cells() -> None:
    table = (
        "|     |     |     |\n| --- | --- | --- |\n| Why And How We Process Your Information | "
        "Legal Basis | Information Categories Used |\n| To provide the service, we process your "
        "personal data | Contract | Account information |"
    )
    landscape = analyze_clause(table, terms_type="Privacy Policy").institutional_analysis
    quoted = landscape_quote(landscape.regulatory_landscape)
    assert quoted.startswith("Why And How We Process Your Information | Legal Basis")
    assert "| |" not in quoted


def test_an_instrument_is_quoted_at_a_privacy_notice_word_only_in_a_privacy_notice() -> None:
    kb = load_knowledge_base()
    gdpr = next(r for r in kb.kb.regulations if r.id == "gdpr")
    sentence = (
        "The information in this section is for developers; where you rely on a lawful basis "
        "you must say which."
    )
    engagement = Engagement(gdpr, (), (sentence,))
    elsewhere = kb.evidence_span(engagement, sentence, Setting())
    assert elsewhere is not None
    assert sentence[elsewhere[0] : elsewhere[1]] == "lawful basis"
    in_notice = kb.evidence_span(engagement, sentence, Setting(privacy_notice=True))
    assert in_notice is not None
    assert sentence[in_notice[0] : in_notice[1]] == "information"


GOOGLE_LICENCE = (
    "This licence allows Google to:\n\n"
    "*   host, reproduce, distribute, communicate and use your content\n"
    "*   modify your content, such as reformatting or translating it"
)


def test_a_list_lead_in_is_quoted_with_its_first_item() -> None:
    quotes = analyze_clause(GOOGLE_LICENCE).evidence_quotes
    assert quotes[0] == "This licence allows Google to:"
    assert any(
        q.endswith("host, reproduce, distribute, communicate and use your content") for q in quotes
    )
    assert not any("modify your content" in q for q in quotes)
    assert all(quote_in_text(q, GOOGLE_LICENCE) for q in quotes)


def test_a_heading_lead_in_stays_quoted_beside_its_item() -> None:
    text = (
        "#### Don't post the following content:\n\n"
        "*   Content promoting or glorifying suicide, self-harm, or eating disorders\n"
        "*   Graphic images of self-harm"
    )
    quotes = analyze_clause(text, ["Self-harm policy"]).evidence_quotes
    assert any("Don't post the following content:" in q for q in quotes)
    assert any("promoting or glorifying suicide" in q for q in quotes)


def test_sharing_users_are_given_the_ability_to_do_is_not_the_providers() -> None:
    text = (
        "Certain Products provide you with the ability to share unique links to conversations "
        "with third-parties."
    )
    assert "third_party_sharing" not in analyze_clause(text).categories


def test_an_instrument_is_quoted_where_it_is_named_not_where_a_notice_says_information() -> None:
    text = (
        "You can read more about how the information is handled on our help pages. "
        "The information we hold helps us run the service. "
        "Where the GDPR applies, you may object to this processing."
    )
    landscape = analyze_clause(
        text, ["Privacy Policy"], terms_type="Privacy Policy"
    ).institutional_analysis.regulatory_landscape
    gdpr = landscape_quote(landscape, after="GDPR (EU), on ")
    assert gdpr.startswith("Where the GDPR applies")


def test_why_it_matters_quotes_a_statement_before_a_pointer() -> None:
    text = (
        "Learn more about how we use cookies and similar technologies in our Cookies Policy. "
        "We place cookies on your device to remember your settings."
    )
    why = analyze_clause(text, ["Privacy Policy"], terms_type="Privacy Policy").why_it_matters
    assert "(found in \u201cWe place cookies on your device" in why


def test_another_policy_that_describes_a_practice_is_a_pointer() -> None:
    text = (
        "The Meta Privacy Policy describes the information we collect. "
        "We collect the information you provide when you create your Threads profile."
    )
    why = analyze_clause(text, ["Privacy Policy"], terms_type="Privacy Policy").why_it_matters
    assert "(found in \u201cWe collect the information you provide" in why


def test_a_reader_quote_cut_before_its_sentence_ends_says_so() -> None:
    """Bluesky's moderation clause was quoted as "... detect violations of our terms based on
    the text", which reads as the whole sentence; a cut quote now ends with " ...". The
    evidence quotes stay verbatim."""
    text = (
        "This proactive technology includes tools that help us recognize hashes of known "
        "illegal content and that can detect violations of our terms based on the text in and "
        "content of a post."
    )
    analysis = analyze_clause(text, terms_type="Terms of Service")
    assert "safety_enforcement" in analysis.categories
    assert "based on the ...\u201d)" in analysis.why_it_matters
    assert all(quote_in_text(q, text) for q in analysis.evidence_quotes)
    short = "We may remove content that violates these Terms at any time."
    assert " ...\u201d" not in analyze_clause(short, terms_type="Terms of Service").why_it_matters
