"""Words the offline rules read in another sense than the one a category or instrument means:
a notice period is no age limit, a device-diagnostics app no health record. Each case comes
from a corpus clause; each control is the sense the rule is for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clauselens.analyzers.offline import analyze_clause
from clauselens.analyzers.offline.normalise import without_section_titles
from clauselens.evaluation.mentions import named_in


@pytest.mark.parametrize(
    ("text", "age"),
    [
        (
            "If we change this Agreement, we\u2019ll provide you with at least 15 days\u2019 "
            "advance notice before the changes take effect.",
            False,
        ),
        ("Meta will give you at least 10 business days\u2019 written notice.", False),
        ("We will notify you at least 14 days before the date of the change.", False),
        (
            "Advertisers tell us the kind of audience they want to see their ads (for example, "
            "people between the age of 18-35 who live close to the advertiser\u2019s store).",
            False,
        ),
        ("You must be at least 13 years old to use the Service.", True),
        ("If you are under 18, you must have your parent's permission.", True),
    ],
)
def test_a_notice_period_is_no_age_limit(text: str, age: bool) -> None:
    assert ("age_restrictions" in analyze_clause(text).categories) == age


@pytest.mark.parametrize(
    ("text", "health"),
    [
        (
            "The following products, apps and services are covered by the Microsoft Services "
            "Agreement.\n\n*   Bing Maps\n*   Device Health App\n*   Dictate",
            False,
        ),
        ("If you connect a health app, we collect the steps and heart rate it records.", True),
    ],
)
def test_a_device_diagnostics_app_is_no_health_record(text: str, health: bool) -> None:
    regulations = named_in(analyze_clause(text, terms_type="Terms of Service")).regulations
    assert ("hbnr" in regulations) == health


@pytest.mark.parametrize(
    ("text", "conduct"),
    [
        (
            "You will not be charged after you cancel your paid subscription. Unless we "
            "specify otherwise, you will not receive a refund for the rest of the period.",
            False,
        ),
        (
            "If your account is suspended from streaming, you will not be able to go live. "
            "If it is suspended from chatting, you will not be able to send Whispers.",
            False,
        ),
        (
            "You will not post spam or unsolicited messages. You must not impersonate other "
            "people or organisations.",
            True,
        ),
    ],
)
def test_what_happens_to_a_user_is_no_rule_of_conduct(text: str, conduct: bool) -> None:
    """ "You will not be charged" and "you will not be able to" say what happens to the user,
    not what the user may do."""
    assert ("user_conduct" in analyze_clause(text).categories) == conduct


@pytest.mark.parametrize(
    ("text", "category", "found"),
    [
        (
            "To make an access, deletion, correction, or opt-out request, please send an email "
            "to our privacy team.",
            "user_access_rights",
            True,
        ),
        (
            "Our Privacy Choices page explains how you may be able to review, update, or delete "
            "information that we may have about you.",
            "user_access_rights",
            True,
        ),
        (
            "Some third parties can also set cookies when you visit our sites, for example "
            "companies that perform site analytics for us.",
            "third_party_sharing",
            True,
        ),
        ("We may also employ third-party cookies to gather data.", "third_party_sharing", True),
        (
            "We will also attempt to prevent websites from accessing third-party cookies.",
            "third_party_sharing",
            False,
        ),
        ("You can request a refund within 14 days.", "user_access_rights", False),
    ],
)
def test_rights_requests_and_third_party_cookies_in_plain_words(
    text: str, category: str, found: bool
) -> None:
    assert (category in analyze_clause(text).categories) == found


@pytest.mark.parametrize(
    ("text", "prohibited"),
    [
        (
            "We don\u2019t allow content or behaviour that reveals personally identifiable "
            "information.\nThis includes, but is not limited to:\n\n*   Personal identity "
            "documents\n*   Private contact information such as residential addresses",
            True,
        ),
        (
            "Don\u2019t post content on YouTube if it includes any of the following:\n\n*   "
            "Claims that vaccines cause chronic side effects.\n*   Claims that a substance "
            "prevents an illness.",
            True,
        ),
        (
            "TikTok isn't a place to encourage violence or hate. That\u2019s why we don\u2019t "
            "allow the presence of violent and hateful organizations on our platform.",
            True,
        ),
        (
            "We do not allow advertisers to target you based on sensitive data. We don't "
            "allow third parties to access your messages.",
            False,
        ),
    ],
)
def test_a_platforms_content_rules_are_prohibited_uses(text: str, prohibited: bool) -> None:
    """What a platform does not allow users to post is a use of the service it forbids; what
    it does not allow advertisers to do is not."""
    assert (
        "prohibited_uses" in analyze_clause(text, terms_type="Community Guidelines").categories
    ) == prohibited


HOW_WE_USE = [
    "Privacy Policy",
    "How do we use your information?",
    "Providing personalized features",
]
WE_CAN = (
    "For example we can:\n\n*   Automatically fill in registration information, like your "
    "phone number, from one Product when you sign up for an account on a different Product"
)


@pytest.mark.parametrize(
    ("headings", "terms_type", "found"),
    [
        (HOW_WE_USE, "Privacy Policy", True),
        (["Privacy Policy", "Your choices", "Settings"], "Privacy Policy", False),
        (HOW_WE_USE, "Terms of Service", False),
    ],
)
def test_a_privacy_notices_section_on_how_it_uses_information_is_first_party_use(
    headings: list[str], terms_type: str, found: bool
) -> None:
    """Under "How do we use your information?", what the provider says it can do is its own
    use of personal data, in words no pattern of the rule has."""
    analysis = analyze_clause(WE_CAN, headings, terms_type=terms_type)
    assert ("first_party_collection" in analysis.categories) == found


@pytest.mark.parametrize(
    ("text", "retention", "severity"),
    [
        ("Reviewed chats are retained for up to three years.", True, "medium"),
        (
            "After Cynthia reads the message, the content is deleted after one hour. If she "
            "never reads it, it\u2019s deleted after 14 days.",
            True,
            "low",
        ),
        ("It may take up to 90 days to delete content after we begin the process.", True, "low"),
        ("You can delete your account at any time in your settings.", False, "low"),
    ],
)
def test_retention_periods_in_plain_words(text: str, retention: bool, severity: str) -> None:
    """A period for which data is kept or after which it is deleted is retention; only keeping
    data earns the retention row's medium level (a deletion period is informational)."""
    analysis = analyze_clause(text, terms_type="Privacy Policy")
    assert ("data_retention" in analysis.categories) == retention
    assert analysis.severity == severity


@pytest.mark.parametrize(
    ("text", "removal", "severity"),
    [
        (
            "We remove content that depicts activities likely to be imitated and that could "
            "cause significant physical harm.",
            True,
            "low",
        ),
        (
            "We may remove content if we reasonably believe its spread could result in injury "
            "of others.",
            True,
            "medium",
        ),
        (
            "If we reasonably believe that your content breaches these terms, then we reserve "
            "the right to take down some or all of that content.",
            True,
            "medium",
        ),
        (
            "The licences granted by you continue until the Content is removed as described below.",
            False,
            "low",
        ),
        ("We restrict the redistribution of X Content to third parties.", False, "low"),
    ],
)
def test_content_removal_in_plain_words(text: str, removal: bool, severity: str) -> None:
    """Removing content is the category whoever words it; it earns the medium level only at
    the provider's discretion (it reasonably believes, reserves the right, at any time)."""
    analysis = analyze_clause(text, terms_type="Terms of Service")
    assert ("content_removal" in analysis.categories) == removal
    assert analysis.severity == severity


@pytest.mark.parametrize(
    ("text", "structure"),
    [
        (
            "These Threads Terms of Use (the \u201cTerms\u201d) primarily govern your use of "
            "the Threads Service.",
            True,
        ),
        (
            "This Reddit User Agreement (\u201cTerms\u201d) applies to your access to and use "
            "of the websites and mobile apps.",
            True,
        ),
        ("These photos show how the terms of trade govern prices.", False),
    ],
)
def test_what_terms_govern_in_the_providers_own_words(text: str, structure: bool) -> None:
    """A contract naming itself ("These Threads Terms of Use", "This Reddit User Agreement")
    and what it governs is the contract's scope."""
    assert ("governing_contract" in analyze_clause(text).categories) == structure


@pytest.mark.parametrize(
    ("text", "collection"),
    [
        (
            "WhatsApp shares information described in the [Information We Collect]"
            "(#privacy-policy-information-we-collect) section of this Privacy Policy globally.",
            False,
        ),
        (
            "Please contact us if you are aware that we may have inadvertently collected "
            "personal information from a child under the age of 13.",
            False,
        ),
        ("The information we collect depends on the features you use.", True),
    ],
)
def test_a_section_name_or_a_mistake_is_no_collection(text: str, collection: bool) -> None:
    """ "Information We Collect" as the name of a linked section, and data collected by mistake
    that the provider asks to hear about, say nothing of what it collects."""
    categories = analyze_clause(text, terms_type="Privacy Policy").categories
    assert ("first_party_collection" in categories) == collection


def test_childrens_data_engages_the_ftc_act() -> None:
    text = "We do not knowingly collect personal information from children under 13."
    analysis = analyze_clause(text, terms_type="Privacy Policy")
    assert "children_data" in analysis.categories
    assert "ftc_act_s5" in named_in(analysis).regulations


@pytest.mark.parametrize(
    ("category", "sentence"),
    [
        (
            "limitation_of_liability",
            "Any payments not received by the date due shall be subject to a late fee of 1.5% per "
            "month, or the maximum charge permitted by law, whichever is less.",
        ),
        (
            "account_and_security",
            "When a user registers, we collect only limited information, such as username, "
            "password, and birthday.",
        ),
        (
            "safety_enforcement",
            "We perform analytics in order to identify, monitor and analyse trends and usage.",
        ),
        (
            "third_party_sharing",
            "(h) buy, sell, or transfer API keys or any type of account from, to, or with a third "
            "party; or",
        ),
        (
            "indemnification",
            "The provider will indemnify, defend, and hold Customer harmless against any "
            "liabilities, damages, and costs in a third-party claim.",
        ),
        (
            "first_party_collection",
            "To learn more about how we use your data, please see our Privacy Policy.",
        ),
        (
            "third_party_sharing",
            "Misinformation about government involvement in the census, including that an "
            "individual's census information will be shared with another government agency.",
        ),
        (
            "warranty_disclaimer",
            "Posting your own prompts to social media is generally permissible, as is "
            "livestreaming "
            "your usage.",
        ),
        (
            "warranty_disclaimer",
            "We keep content for as long as is necessary to process it for the purpose for "
            "which it was collected.",
        ),
        (
            "third_party_sharing",
            "Should the account holder wish to share this information with their community they "
            "are free to do so.",
        ),
        (
            "content_removal",
            "coordinating and/or encouraging others to misuse X reporting features to harass "
            "others or hope to cause their account(s) or post(s) to be restricted or removed.",
        ),
        (
            "international_transfer",
            "Under these laws, the Licensed Material may not be sold, leased, downloaded, moved, "
            "exported, re-exported, or transferred across borders without a license.",
        ),
    ],
)
def test_words_of_one_category_said_of_another_matter_are_not_it(
    category: str, sentence: str
) -> None:
    assert category not in analyze_clause(sentence).categories


@pytest.mark.parametrize(
    ("category", "sentence"),
    [
        ("account_and_security", "You are responsible for keeping your password confidential."),
        ("safety_enforcement", "We monitor usage to detect violations of our policies."),
        (
            "limitation_of_liability",
            "In no event will we be liable for late fees charged by your bank.",
        ),
        (
            "third_party_sharing",
            "We may sell or transfer your account information to a third party.",
        ),
        ("warranty_disclaimer", "The Services are provided as is, without any guarantee."),
        (
            "indemnification",
            "Customer will indemnify the provider as set out in Section 9 (Indemnification).",
        ),
        (
            "international_transfer",
            "We may transfer your personal data to countries other than your own, subject to "
            "export control laws.",
        ),
        (
            "indemnification",
            "Customer will indemnify, defend, and hold the provider and its affiliates harmless.",
        ),
    ],
)
def test_the_same_words_said_of_the_matter_still_are(category: str, sentence: str) -> None:
    assert category in analyze_clause(sentence).categories


@pytest.mark.parametrize(
    "sentence",
    [
        "You can delete this data at any time in your settings.",
        "You can export your ChatGPT history and data in your account's data controls.",
    ],
)
def test_a_user_told_they_can_delete_or_export_their_data_has_an_access_right(
    sentence: str,
) -> None:
    assert "user_access_rights" in analyze_clause(sentence).categories


def test_deleting_other_things_is_no_access_right() -> None:
    text = "You can delete a post you made by opening its menu."
    assert "user_access_rights" not in analyze_clause(text).categories


def test_a_ban_on_unauthorised_collection_is_no_collection_but_engages_data_protection() -> None:
    text = (
        "1.  Create, compile or distribute disinformation or manipulative content; unsolicited "
        "advertising or promotional materials; or unauthorized collections of personal data;"
    )
    analysis = analyze_clause(text, terms_type="Acceptable Use Policy")
    assert "first_party_collection" not in analysis.categories
    assert "gdpr" in named_in(analysis).regulations


def test_a_child_able_to_share_data_with_other_users_is_not_the_providers_sharing() -> None:
    text = (
        "The child will be able to use Microsoft services and communicate or share data with "
        "other users."
    )
    assert "third_party_sharing" not in analyze_clause(text).categories


@pytest.mark.parametrize(
    ("category", "sentence"),
    [
        (
            "output_accuracy_disclaimer",
            "We are not responsible for Outputs, and you are responsible for checking Outputs for "
            "accuracy and suitability.",
        ),
        (
            "user_choice_control",
            "Here's how you can control how we process your information, and how to request "
            "access to it.",
        ),
    ],
)
def test_terms_said_in_plain_words_are_found(category: str, sentence: str) -> None:
    assert category in analyze_clause(sentence).categories


@pytest.mark.parametrize(
    "text",
    [
        "Our IP rights\n-------------\n\nWe and our affiliates own all rights, title, and "
        "interest in and to the Services. You may only use our name and logo in accordance "
        "with our Brand Guidelines.",
        "We own all rights, title and interest in the Services. Trademarks remain ours.",
    ],
)
def test_all_rights_title_and_interest_is_intellectual_property(text: str) -> None:
    assert "intellectual_property" in analyze_clause(text).categories


def test_employment_information_in_a_list_of_data_collected_names_no_employment_law() -> None:
    text = (
        "In the last 12 months, we collected the following categories of personal information:\n\n"
        "*   Professional or employment-related information, but only if you provide it to us.\n"
        "*   Geolocation information based on your IP address.\n\n"
        "We do not engage in profiling of consumers in furtherance of automated decisions that "
        "produce legal or similarly significant effects."
    )
    assert "title_vii" not in named_in(analyze_clause(text)).regulations


def test_a_not_allowed_label_over_a_list_is_a_second_prohibition() -> None:
    text = (
        "**Not Allowed**\n\n"
        "*   Sending bulk, aggressive, high-volume unsolicited replies;\n"
        "*   posting with excessive, unrelated hashtags in a single post.\n\n"
        "**Engagement Spam:** We prohibit inauthentic use of X engagement features."
    )
    assert "prohibited_uses" in analyze_clause(text).categories
    # the label alone is no rule: a clause needs two prohibitions
    label_and_list = text.partition("**Engagement")[0]
    assert "prohibited_uses" not in analyze_clause(label_and_list).categories


SECTION_REFERENCES = [
    (
        "indemnification",
        "The following Sections survive termination: Section 6 (Fees), Section 8 "
        "(Indemnification) and Section 9 (Limitation of Liability).",
    ),
    (
        "limitation_of_liability",
        "The following Sections survive termination: Section 6 (Fees), Section 8 "
        "(Indemnification) and Section 9 (Limitation of Liability).",
    ),
    (
        "arbitration",
        "For any actions not subject to Section 11 (Arbitration), the courts of Dublin have "
        "exclusive jurisdiction.",
    ),
    (
        "third_party_sharing",
        "The following details supplement Section 2 (What data do we collect?) and Section 4 "
        "(Who do we share your data with?).",
    ),
]


@pytest.mark.parametrize(("category", "sentence"), SECTION_REFERENCES)
def test_the_title_of_a_cross_referenced_section_is_not_its_term(
    category: str, sentence: str
) -> None:
    assert category not in analyze_clause(sentence).categories


@given(st.text(alphabet="Section 12.3 (Arbitration) clause a-z()\n", max_size=200))
def test_blanking_section_titles_keeps_every_other_character_in_place(text: str) -> None:
    blanked = without_section_titles(text)
    assert len(blanked) == len(text)
    assert all(b in (t, " ") for b, t in zip(blanked, text, strict=True))


def test_a_section_title_is_blanked_and_its_number_kept() -> None:
    text = "see Section 8 (Indemnification) and article 2(1)"
    assert without_section_titles(text) == "see Section 8 " + " " * 17 + " and article 2(1)"


def test_a_restriction_list_that_forbids_permitting_others_is_a_prohibition() -> None:
    text = (
        "Restrictions. When accessing or using the Products, you will not, and will not permit "
        "any other person to:\n\n"
        "(a) Use the Products in a manner that violates any applicable laws;\n\n"
        "(b) Attempt to reverse engineer or decompile the Products."
    )
    assert "prohibited_uses" in analyze_clause(text).categories


@pytest.mark.parametrize(
    ("text", "named", "agency"),
    [
        (
            "Facilitate the destruction or disruption of critical infrastructure such as power "
            "grids, water treatment facilities, medical devices, or air traffic control systems.",
            None,
            "fda",
        ),
        (
            "Obtain unauthorized access to critical systems such as voting machines, healthcare "
            "databases, and financial markets.",
            None,
            "hhs_ocr",
        ),
        (
            "Health bots are not medical devices and are only intended for fitness and wellness "
            "purposes.",
            "fdca_devices",
            "fda",
        ),
        (
            "Make automated decisions about individuals that materially impact them (e.g., "
            "decisions regarding their employment, healthcare, finances, housing or insurance) "
            "or where errors could be dangerous (e.g., decisions related to the management of "
            "critical infrastructure).",
            "hipaa",
            "hhs_ocr",
        ),
    ],
)
def test_medical_devices_under_attack_are_no_device_regulation(
    text: str, named: str | None, agency: str
) -> None:
    """Claude's acceptable-use policy forbids disrupting "critical infrastructure such as power
    grids, ..., medical devices" and unauthorised access to "healthcare databases": the devices
    and databases are targets of an attack, not the provider's products or records, and the
    FD&C Act's device rules and HIPAA were named on them. A device disclaimer still names the
    FDA, and healthcare decisions still name HIPAA when the sentence also mentions critical
    infrastructure without an attack on it."""
    found = named_in(analyze_clause(f"You may not use the Services to:\n\n*   {text}"))
    if named is None:
        assert not found.regulations & {"fdca_devices", "hipaa"}
        assert agency not in found.agencies
    else:
        assert named in found.regulations
        assert agency in found.agencies


def test_one_prohibition_is_a_rule_in_community_guidelines() -> None:
    """X's "We prohibit behavior and content that harasses, shames, or degrades others, as
    defined below." stands alone in its section and got no category: prohibitions need two
    sentences, so that a stray "you may not" in a contract is no list of prohibited uses.
    Community guidelines are rules for users; there one prohibition states one."""
    text = "We prohibit behavior and content that harasses, shames, or degrades others."
    rules = analyze_clause(text, ("Abuse and harassment",), terms_type="Community Guidelines")
    assert {"prohibited_uses", "user_conduct"} <= set(rules.categories)
    terms = analyze_clause(text, ("Abuse and harassment",), terms_type="Terms of Service")
    assert not {"prohibited_uses", "user_conduct"} & set(terms.categories)


@pytest.mark.parametrize(
    ("text", "prohibition"),
    [
        (
            "You must not access, deploy or use the Services to conduct or facilitate any "
            "activity that is unlawful. For example, you may not access, deploy or use the "
            "Services to facilitate cybercrime.",
            True,
        ),
        (
            "You agree not to use the Services to harass others. You will not use our "
            "platform to send spam.",
            True,
        ),
        (
            "You agree not to use any false or misleading information when signing up. You "
            "will not use a name that is not yours.",
            False,
        ),
    ],
)
def test_a_prohibition_on_access_or_use_of_the_service(text: str, prohibition: bool) -> None:
    """Perplexity's acceptable-use policy ("You must not access, deploy or use the Services to
    ...", twice) got no prohibited uses: only "must not use" right after was read. A promise
    not to use false details when signing up forbids no use of the service."""
    found = analyze_clause(text, terms_type="Terms of Service").categories
    assert ("prohibited_uses" in found) is prohibition


@pytest.mark.parametrize(
    ("text", "security"),
    [
        (
            "You must always have in effect and maintain administrative, physical, and "
            "technical safeguards that prevent any unauthorised processing of Platform Data.",
            True,
        ),
        ("Perplexity has implemented safeguards to maintain the security of the Services.", True),
        ("GitHub uses administrative, technical, and physical security controls.", True),
        ("We support the responsible reporting of security vulnerabilities.", True),
        (
            "We process your data for our legitimate interests while applying appropriate "
            "safeguards that protect your privacy.",
            False,
        ),
        (
            "When we transfer personal data internationally, we implement appropriate legal "
            "safeguards to help protect your rights.",
            False,
        ),
        ("You may not bypass security controls such as endpoint protection.", False),
    ],
)
def test_safeguards_and_security_controls_are_data_security(text: str, security: bool) -> None:
    """Meta's developer terms ("administrative, physical, and technical safeguards") and
    Perplexity's ("safeguards to maintain the security of the Services") had no data security:
    only encryption, "security measures", unauthorised access and breaches were read. The
    safeguards of a legal basis or a transfer are GDPR's, not security; bypassing security
    controls is a prohibition."""
    assert ("data_security" in analyze_clause(text).categories) is security


@pytest.mark.parametrize(
    ("text", "category", "found"),
    [
        (
            "Like other technology companies, Google regularly receives requests from "
            "governments and courts around the world to disclose user data.",
            "third_party_sharing",
            True,
        ),
        (
            "For example, sharing with law enforcement, in emergency situations where we learn "
            "that a person's life is at risk.",
            "third_party_sharing",
            True,
        ),
        (
            "Law enforcement agencies can request information through our portal.",
            "third_party_sharing",
            False,
        ),
        (
            "Windows Hello provides instant access to your devices through biometric "
            "authentication.",
            "sensitive_data",
            True,
        ),
        ("Hello provides instant access to your devices.", "sensitive_data", False),
    ],
)
def test_disclosure_to_governments_and_biometric_authentication(
    text: str, category: str, found: bool
) -> None:
    """YouTube's "requests from governments and courts ... to disclose user data" had no data
    sharing, and Windows Hello's "biometric authentication" no sensitive data: sharing was read
    only with third parties or in "we share your data", and biometric data only as "biometric
    data" or "biometric information"."""
    assert (category in analyze_clause(text, terms_type="Privacy Policy").categories) is found


def test_advice_not_to_share_is_no_sharing_by_the_provider() -> None:
    """Copilot's "You shouldn't share any information with Copilot that you don't want us to
    review" is advice to the user, and it was read as the provider sharing data."""
    advice = "You shouldn't share any information with Copilot that you don't want us to review."
    assert "third_party_sharing" not in analyze_clause(advice).categories
    sharing = "We share information with third parties that help us review content."
    assert "third_party_sharing" in analyze_clause(sharing).categories


@pytest.mark.parametrize(
    ("text", "category", "found"),
    [
        ("We also collect information you provide when you:", "first_party_collection", True),
        (
            "If you try Spotify logged out, we will collect limited information about your "
            "usage of the Spotify Service.",
            "first_party_collection",
            True,
        ),
        ("We will not collect your contacts.", "first_party_collection", False),
        (
            "We may also use payment information to verify that you meet age requirements.",
            "first_party_collection",
            True,
        ),
        (
            "When you're signed in, you can always review and update information by visiting the "
            "services you use.",
            "user_access_rights",
            True,
        ),
        ("You can review and update your display name at any time.", "user_access_rights", False),
        (
            "When your device detects an audio activation command, Google records your voice "
            "and audio plus a few seconds before the activation.",
            "first_party_collection",
            True,
        ),
        (
            "Your phone number can be used to help people find you and make the ads you see "
            "more relevant to you.",
            "targeted_advertising",
            True,
        ),
        ("We make search results more relevant to you.", "targeted_advertising", False),
        (
            "If you withdraw from this contract, we shall reimburse to you all payments "
            "received from you.",
            "payment_and_renewal",
            True,
        ),
        (
            "If Twitch is acquired, we may transfer the information we have collected from "
            "users as part of that merger or acquisition.",
            "third_party_sharing",
            True,
        ),
        ("Twitch was founded before its acquisition by Amazon.", "third_party_sharing", False),
    ],
)
def test_practices_in_the_words_of_google_meta_spotify_and_twitch(
    text: str, category: str, found: bool
) -> None:
    """ "We also collect", "we will collect", "Google records your voice", ads made "more
    relevant", payments reimbursed on withdrawal and data passed on in a merger had no
    category (Meta's, Spotify's, Google's and Twitch's privacy notices and terms)."""
    assert (category in analyze_clause(text, terms_type="Privacy Policy").categories) is found


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "For example, if we disable an account for violating our terms or policies, we "
            "preserve information about that user to prevent them from opening a new account.",
            "data_retention",
        ),
        (
            "For example, we might preserve your information after you delete your account when "
            "we receive a valid legal request, such as a preservation order.",
            "data_retention",
        ),
        (
            "Information controlled by Meta Platforms Ireland Limited will be transferred or "
            "transmitted to, or stored and processed in:\n\n*   Places we have infrastructure or "
            "data centers, including the United States, Ireland, Denmark and Sweden",
            "international_transfer",
        ),
        (
            "Information collected by Twitch may be stored and processed in your region, in the "
            "United States (for instance in our major data centers), or in any other country "
            "where Twitch or its affiliates, subsidiaries, partners, or service providers are "
            "located or maintain facilities.",
            "international_transfer",
        ),
        (
            "In compliance with the Data Privacy Frameworks, Pinterest, Inc. commits to resolve "
            "DPF Principles-related complaints about our collection and use of your information.",
            "international_transfer",
        ),
        (
            "GitHub is subject to the investigatory and enforcement powers of the Federal Trade "
            "Commission (FTC). Under Section 5 of the Federal Trade Commission Act, an "
            "organization's failure to abide by commitments to implement the DPF Principles may "
            "be challenged as deceptive by the FTC.",
            "international_transfer",
        ),
    ],
)
def test_keeping_and_moving_data_in_other_words(text: str, category: str) -> None:
    """Meta's retention section says "we preserve information" and its transfers section lists
    the countries under a lead-in, and Twitch's transfers section says where information is
    stored without the word "transfer": none had a category."""
    assert category in analyze_clause(text, terms_type="Privacy Policy").categories


def test_preserving_in_a_list_of_disclosures_or_content_on_record_is_no_retention() -> None:
    listed = "We may access, preserve and share your information with regulators or others."
    assert "data_retention" not in analyze_clause(listed, terms_type="Privacy Policy").categories
    merger = "If we are involved in a merger, your information may be transferred to the buyer."
    assert "international_transfer" not in analyze_clause(merger).categories
    payment = "Some transactions might be processed in another country."
    assert "international_transfer" not in analyze_clause(payment).categories


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Copilot tries to give you good answers, but it can make mistakes.", True),
        ("Sometimes, Copilot may give you wrong information.", True),
        ("You might see Responses that seem convincing but are incomplete or inaccurate.", True),
        (
            "Always use your judgment and check the information you get from Copilot before "
            "you make decisions or act.",
            True,
        ),
        ("We may make changes to these terms at any time.", False),
        ("Check your account settings before you share a post.", False),
    ],
)
def test_an_assistant_that_can_make_mistakes_is_an_accuracy_disclaimer(
    text: str, found: bool
) -> None:
    """Copilot's "How you use Copilot" says in four ways that its answers may be wrong and must
    be checked; it had no category, because the rules read accuracy only as "outputs may be
    inaccurate"."""
    categories = analyze_clause(text, terms_type="Terms of Service").categories
    assert ("output_accuracy_disclaimer" in categories) is found


def test_a_catalogue_withdrawn_is_no_removal_of_users_content() -> None:
    """Spotify's "Spotify or the applicable owners may remove access to particular songs,
    videos, podcasts, audiobooks and other Content without notice" is about its catalogue; it
    was read as the removal of users' content and named the DSA's regulators."""
    catalogue = (
        "Spotify has no obligation to provide any specific content through the Spotify Service, "
        "and Spotify or the applicable owners may remove access to particular songs, videos, "
        "podcasts, audiobooks and other Content without notice."
    )
    assert "content_removal" not in analyze_clause(catalogue).categories
    users = "We may remove videos and other content you post without notice."
    assert "content_removal" in analyze_clause(users).categories


@pytest.mark.parametrize(
    "text",
    [
        "Prompts that can include questions, messages, media and other information you or "
        "others share with or send to AI at Meta.",
        "Recommendations are also based on information you share with Spotify, like your "
        "general location, your device, your language and your age.",
        "This may be combined with the other information you share with X and that X receives.",
    ],
)
def test_what_users_share_with_the_provider_is_no_sharing_by_it(text: str) -> None:
    """What a user shares with the provider itself ("information you share with Spotify") is
    what it collects, not data it passes on; Meta's list of what AI at Meta collects had
    third-party sharing on its first item."""
    assert "third_party_sharing" not in analyze_clause(text).categories


def test_what_users_share_with_third_parties_and_what_the_provider_shares_still_count() -> None:
    direct = "Information you share with third-party partners is governed by their own terms."
    assert "third_party_sharing" in analyze_clause(direct).categories
    both = "We share the information you share with us with our advertising partners."
    assert "third_party_sharing" in analyze_clause(both).categories


@pytest.mark.parametrize(
    ("text", "category", "found"),
    [
        (
            "Google uses your activity to provide, develop, and improve its services "
            "(including training generative AI models).",
            "model_training_on_user_content",
            True,
        ),
        (
            "Google uses your activity to provide, develop, and improve its services.",
            "first_party_collection",
            True,
        ),
        ("You use your data as you wish.", "first_party_collection", False),
        (
            "We respond to legal requests where we are required by law to do so.",
            "third_party_sharing",
            True,
        ),
        (
            "To the extent Company transfers Company EU Data to Meta Ireland, the SCCs are not "
            "required.",
            "international_transfer",
            True,
        ),
        (
            "We require every reviewer who is allowed access to your information to meet "
            "privacy and security standards.",
            "data_security",
            True,
        ),
    ],
)
def test_practices_stated_by_the_provider_s_name_or_in_short_forms(
    text: str, category: str, found: bool
) -> None:
    """Gemini's "Google uses your activity to ... improve its services (including training
    generative AI models)" had no category: collection was read only as "we ...", and training
    only on content, prompts, data and the like, not activity. Meta's "We respond to legal
    requests", "the SCCs" and "privacy and security standards" were not read either."""
    assert (category in analyze_clause(text, terms_type="Privacy Policy").categories) is found


@pytest.mark.parametrize(
    ("text", "category", "found"),
    [
        (
            "Service providers help us provide our Products. We share the information we have "
            "about you to receive these services.",
            "third_party_sharing",
            True,
        ),
        ("You can share the information with us at any time.", "third_party_sharing", False),
        (
            "The product key and data about the software and your device are sent to Microsoft "
            "to help validate your licence.",
            "first_party_collection",
            True,
        ),
        ("The invoice is sent to your billing address.", "first_party_collection", False),
    ],
)
def test_sharing_the_information_and_data_sent_to_the_provider(
    text: str, category: str, found: bool
) -> None:
    """Meta's "We share the information we have about you to receive these services" had no
    data sharing (only "your" or "personal" information was read after "we share"), and
    Windows activation's "data about the software and your device are sent to Microsoft" no
    collection."""
    assert (category in analyze_clause(text, terms_type="Privacy Policy").categories) is found


@pytest.mark.parametrize(
    ("text", "category", "found"),
    [
        (
            "We share [Information You Provide](#info-you-provide), [Automatically Collected "
            "Information](#auto-collect-info), and [Information From Other Sources]"
            "(#info-from-other) with these service providers.",
            "third_party_sharing",
            True,
        ),
        (
            "We [monitor and enforce](https://openai.com/transparency-and-content-moderation/) "
            "policies with privacy safeguards in place.",
            "safety_enforcement",
            True,
        ),
        (
            "We help you understand your choices. [Learn more](https://help.example.com/"
            "how-your-data-is-used-to-improve-model-performance).",
            "model_training_on_user_content",
            False,
        ),
        (
            "Your data will be stored as described in [Information We Collect]"
            "(#privacy-policy-information-we-collect).",
            "first_party_collection",
            False,
        ),
    ],
)
def test_the_rules_read_a_link_s_words_and_not_its_address(
    text: str, category: str, found: bool
) -> None:
    """TikTok's "We share [Information You Provide](#info-you-provide), ... with these service
    providers" had no sharing: the addresses between the verb and "with" made the window too
    long, and the full stops in an address ended it. An address's words
    ("...-improve-model-performance") are no statement of the clause, and a link to the
    section "Information We Collect" is still no collection."""
    assert (category in analyze_clause(text, terms_type="Privacy Policy").categories) is found


def test_an_opt_out_of_training_says_the_content_is_used_for_training() -> None:
    """ChatGPT's "If you do not want us to use your Content to train our models, you have the
    option to opt out" was read as a promise not to train (its training category came only from
    a link's address)."""
    opt_out = (
        "If you do not want us to use your Content to train our models, you have the option to "
        "opt out by updating your account settings."
    )
    assert "model_training_on_user_content" in analyze_clause(opt_out).categories
    promise = "We do not use your Content to train our models."
    assert "model_training_on_user_content" not in analyze_clause(promise).categories


@pytest.mark.parametrize(
    ("text", "category", "found"),
    [
        (
            "3. **How You Can\u2019t Use the Threads Service**\n\nYou agree that you will not, and "
            "nor will you cause or permit any third party to, do any of the following: (i) "
            "exploit the Service for any commercial purpose; (ii) introduce any viruses.",
            "prohibited_uses",
            True,
        ),
        (
            "If you choose not to provide required data, you cannot use the related product.",
            "prohibited_uses",
            False,
        ),
        (
            "Provided that we have acted with professional diligence, we do not accept "
            "responsibility for losses not caused by our breach of these Terms.",
            "limitation_of_liability",
            True,
        ),
        (
            "Movies & TV will collect data about what movies and TV shows you watch.",
            "first_party_collection",
            True,
        ),
        ("You will collect data from your own users.", "first_party_collection", False),
    ],
)
def test_prohibitions_liability_and_collection_in_other_words(
    text: str, category: str, found: bool
) -> None:
    """Threads' "How You Can't Use the Threads Service" and its "you will not, and nor will you
    cause or permit ...", Meta's "we do not accept responsibility for losses" and Microsoft's
    "Movies & TV will collect data" had none of these categories."""
    assert (category in analyze_clause(text, terms_type="Terms of Service").categories) is found


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "For example, they might put one of our Business Tools, the Meta Pixel, on their "
            "website.",
            "tracking_and_cookies",
        ),
        (
            "Similar information related to your physical or mental health: if you use fitness "
            "products and apps that we offer, we collect data that you provide, like your "
            "height and weight.",
            "sensitive_data",
        ),
    ],
)
def test_pixels_and_health_in_other_words(text: str, category: str) -> None:
    """Meta's partners section names the Meta Pixel (not "tracking pixel"), Google's privacy
    notice "information related to your physical or mental health": neither had a category."""
    assert category in analyze_clause(text, terms_type="Privacy Policy").categories


def test_a_pixel_phone_is_no_tracking() -> None:
    text = "We provide devices (like Google Nest and Pixel)."
    assert "tracking_and_cookies" not in analyze_clause(text, terms_type="Terms").categories


def test_information_users_must_provide_is_collected() -> None:
    """GitHub's "Required Information" says what the provider collects by what the user must
    give it; a payment method the user must provide is no collection of that kind."""
    required = "You must provide a valid email address in order to complete the signup process."
    assert "first_party_collection" in analyze_clause(required, terms_type="Terms").categories
    payment = "To use ProShop, you must provide a payment method."
    assert "first_party_collection" not in analyze_clause(payment, terms_type="Terms").categories


def test_activity_saved_to_the_account_is_collected() -> None:
    """Google's notices say what they keep as "your searches ... are saved in your account";
    a recording saved on the user's own device is not collected."""
    saved = (
        "And if you have Web & App Activity turned on, your searches and activity from other "
        "Google services are saved in your account so you can get more personalised experiences."
    )
    found = analyze_clause(saved, terms_type="Privacy Policy").categories
    assert "first_party_collection" in found
    local = "If you choose to record a session, the recording will be saved locally on your device."
    found = analyze_clause(local, terms_type="Privacy Policy").categories
    assert "first_party_collection" not in found


def test_an_account_the_provider_may_disable_is_terminated_by_it() -> None:
    """Google's "detect abuse": on abuse "we may disable your account or take other appropriate
    action" had no category (the rule wanted "at any time" or "for any reason"); the user's own
    account closing is not the provider's."""
    ours = (
        "When we detect spam, malware, illegal content and other forms of abuse on our systems "
        "in violation of our policies, we may disable your account or take other appropriate "
        "action."
    )
    found = analyze_clause(ours, terms_type="Privacy Policy").categories
    assert "unilateral_termination" in found
    theirs = "You may close your account at any time in your settings."
    assert "unilateral_termination" not in analyze_clause(theirs, terms_type="Terms").categories


def test_a_link_the_provider_removed_is_content_removal() -> None:
    """YouTube's "My external brand deal link was just removed from my Short": a link is content
    the provider took down, like a post or a video."""
    text = (
        "If a brand deal link was removed from your Short, the link may have failed YouTube's "
        "automated safety check or it was flagged for a policy violation."
    )
    found = analyze_clause(text, terms_type="Community Guidelines").categories
    assert "content_removal" in found


@pytest.mark.parametrize(
    "text",
    [
        "The following types of content are not allowed on YouTube. This is not a complete list.",
        "Here are some examples of content that's not allowed on YouTube:\n\n*   Videos of "
        "beheadings.",
    ],
)
def test_content_that_is_not_allowed_is_a_rule_for_users(text: str) -> None:
    """YouTube's guidelines say "content ... not allowed on YouTube", not "we don't allow": 21
    corpus clauses of guidelines had no category."""
    found = analyze_clause(text, terms_type="Community Guidelines").categories
    assert {"prohibited_uses", "user_conduct"} & set(found)


def test_what_a_partner_is_not_allowed_to_do_is_no_content_rule() -> None:
    text = "Our partners are not allowed to sell your personal information."
    found = analyze_clause(text, terms_type="Privacy Policy").categories
    assert "user_conduct" not in found
    # Twitch's introduction says what the guidelines cover, not a rule
    overview = "These guidelines set the guardrails for what behavior is and is not allowed."
    found = analyze_clause(overview, terms_type="Community Guidelines").categories
    assert not {"prohibited_uses", "user_conduct"} & set(found)


def test_partners_that_receive_information_about_you_are_shared_with() -> None:
    """Meta's "With integrated partners": "these integrated partners receive information about
    you and your activity" (sharing said from the partner's side); information the provider
    receives from partners is collection, not sharing."""
    theirs = "If you do, these integrated partners receive information about you and your activity."
    found = analyze_clause(theirs, terms_type="Privacy Policy").categories
    assert "third_party_sharing" in found
    ours = "Technical service partners: We sometimes receive information about you from partners."
    found = analyze_clause(ours, terms_type="Privacy Policy").categories
    assert "third_party_sharing" not in found


def test_assigning_the_agreement_is_no_data_sharing() -> None:
    """YouTube's "Assignment" ("YouTube may transfer all or part of this Agreement to an Affiliate
    or, if YouTube is sold, to a third party") and Mistral's and Microsoft's like it were read as
    sharing personal data with a third party; a transfer of data in a sale still is."""
    contract = (
        "YouTube may transfer all or part of this Agreement to an Affiliate or, if YouTube is "
        "sold, to a third party."
    )
    assert "third_party_sharing" not in analyze_clause(contract, terms_type="Terms").categories
    data = "We may transfer your personal information to a third party if we are sold."
    found = analyze_clause(data, terms_type="Privacy Policy").categories
    assert "third_party_sharing" in found


def test_not_responsible_for_decisions_the_user_makes_limits_liability() -> None:
    """Microsoft's "Health Bots": "Microsoft is not responsible for any decision you make based on
    information you receive from health bots" had no category."""
    text = (
        "Microsoft is not responsible for any decision you make based on information you "
        "receive from health bots."
    )
    found = analyze_clause(text, terms_type="Terms of Service").categories
    assert "limitation_of_liability" in found
    ours = "You are responsible for any decision you make based on our reports."
    found = analyze_clause(ours, terms_type="Terms of Service").categories
    assert "limitation_of_liability" not in found


@pytest.mark.parametrize(
    ("text", "termination"),
    [
        # xAI's enterprise terms: the discretion words come first
        (
            "At any time in its sole discretion upon 30 days\u2019 notice, either Party may "
            "terminate this Agreement and/or SpaceXAI may terminate Customer account(s), "
            "provided that (i) any such termination by Customer shall not relieve Customer from "
            "any minimum commitments as agreed in any Order Forms, and (ii) any such termination "
            "by SpaceXAI will entitle Customer to receive a pro-rata refund of any prepaid, "
            "unused fees for the terminated portion of the Subscription Term.",
            True,
        ),
        # X's developer agreement: the provider may suspend or terminate "your use"
        (
            "**J. Usage Levels Under Agreement.** X may, at any time, review your use of its "
            "Licensed Materials under this Agreement, and suspend or terminate your use and "
            "require you to file an application for Enterprise access (as described at "
            "[**https://docs.x.com/enterprise-api/introduction**](https://docs.x.com/"
            "enterprise-api/introduction)) in order for X to consider your proposed continued "
            "use of Licensed Materials.",
            True,
        ),
        ("At any time, you may terminate your account in your settings.", False),
        ("You may stop using the API and terminate your use of it whenever you like.", False),
    ],
)
def test_the_providers_termination_said_in_other_orders(text: str, termination: bool) -> None:
    found = analyze_clause(text, terms_type="Developer Terms").categories
    assert ("unilateral_termination" in found) is termination


def test_you_cannot_post_is_a_rule_for_users() -> None:
    """X's "Non-Consensual Nudity": "you can't post or share explicit images ..." and "You cannot
    share ..." had no category. Outside guidelines one such sentence is not enough, and sharing
    a password stays an account duty."""
    text = (
        "Under this policy, you can\u2019t post or share explicit images or videos that were "
        "taken without the consent of the people involved."
    )
    found = analyze_clause(text, terms_type="Community Guidelines").categories
    assert "user_conduct" in found
    password = "You cannot share your account password with anyone."
    found = analyze_clause(password, terms_type="Terms of Service").categories
    assert found == ["account_and_security"]


def test_training_on_a_users_chats_in_a_privacy_notice_engages_data_protection() -> None:
    """Gemini's "Gemini Live transcripts": "transcripts of your Live chats are used to improve
    Google services, including AI models" named the FTC and the AI Office but no data-protection
    law: the sentence says neither "data" nor "information"."""
    text = (
        "If [Keep Activity](https://myactivity.google.com/product/gemini) is on, transcripts of "
        "your Live chats are used to improve Google services, including AI models."
    )
    named = named_in(analyze_clause(text, terms_type="Privacy Policy"))
    assert {"gdpr", "uk_gdpr"} <= set(named.regulations)
    # the provider's own chat feature, said of no one's chats, is no personal data
    feature = "Live chats are available in 40 languages and are used to improve Google services."
    named = named_in(analyze_clause(feature, terms_type="Privacy Policy"))
    assert "gdpr" not in named.regulations


def test_a_warranty_disclaimer_in_consumer_terms_engages_unfair_terms_law() -> None:
    """LinkedIn's "4.1 No Warranty" named nothing: excluding the consumer's rights when the
    service underperforms is on the Unfair Contract Terms Directive's annex (1(b)), and the
    readers count the Directive and the UK Consumer Rights Act on such clauses. Business terms
    still engage neither."""
    text = (
        "LINKEDIN AND ITS AFFILIATES MAKE NO REPRESENTATION OR WARRANTY ABOUT THE SERVICES, AND "
        "PROVIDE THE SERVICES ON AN \u201cAS IS\u201d AND \u201cAS AVAILABLE\u201d BASIS."
    )
    named = named_in(analyze_clause(text, terms_type="Terms of Service"))
    assert {"uctd", "uk_cra"} <= set(named.regulations)
    named = named_in(analyze_clause(text, terms_type="Commercial Terms"))
    assert not {"uctd", "uk_cra"} & set(named.regulations)


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        # X's partner program terms: governed by another agreement, not by a law
        ("These TMP Partner Terms are subject to, and governed by, the Agreement.", False),
        # Twitch: governed by the agreement and a law
        (
            "You agree that any dispute will be governed by this Agreement and the laws of the "
            "State of California, without regard to any conflict of laws principles.",
            True,
        ),
    ],
)
def test_terms_governed_by_another_agreement_choose_no_law(text: str, choice: bool) -> None:
    found = analyze_clause(text, terms_type="Developer Terms").categories
    assert ("choice_of_law" in found) is choice


def test_assigning_the_agreement_is_contract_structure() -> None:
    """YouTube's, Spotify's and Pinterest's "Assignment" sections had no category."""
    text = (
        "YouTube may transfer all or part of this Agreement to an Affiliate or, if YouTube is "
        "sold, to a third party."
    )
    assert "governing_contract" in analyze_clause(text, terms_type="Terms of Service").categories


def test_notices_by_electronic_mail_are_no_electronic_marketing() -> None:
    """X's Ads agreement: notices delivered "by electronic mail" named the ePrivacy Directive
    and PECR (their marketing-communications words); unsolicited commercial electronic mail
    still engages them."""
    notices = (
        "Any notice required by this Agreement shall be delivered (a) by personal delivery or "
        "(b) by electronic mail when the recipient acknowledges having received the email."
    )
    named = named_in(analyze_clause(notices, terms_type="Developer Terms"))
    assert not {"eprivacy", "pecr"} & set(named.regulations)
    spam = "You must not use the Services to send unsolicited commercial electronic mail."
    named = named_in(analyze_clause(spam, terms_type="Terms of Service"))
    assert {"eprivacy", "pecr"} <= set(named.regulations)


def test_a_provider_that_is_no_lender_engages_no_credit_law() -> None:
    """Perplexity's shopping terms: "We are not a lender and do not provide loans." named the
    ECOA and the FCRA (the CFPB and the DOJ); credit decisions still engage them."""
    text = "We are not a lender and do not provide loans."
    named = named_in(analyze_clause(text, terms_type="Terms of Service"))
    assert not {"ecoa", "fcra"} & set(named.regulations)
    credit = "We may check your credit score before we approve loans for purchases."
    named = named_in(analyze_clause(credit, terms_type="Terms of Service"))
    assert {"ecoa", "fcra"} <= set(named.regulations)


def test_non_marketing_communications_are_no_electronic_marketing() -> None:
    text = "We use your email address to send service and other non-marketing communications."
    named = named_in(analyze_clause(text, terms_type="Privacy Policy"))
    assert "eprivacy" not in named.regulations
    marketing = "We use your email address to send you marketing emails about our products."
    named = named_in(analyze_clause(marketing, terms_type="Privacy Policy"))
    assert "eprivacy" in named.regulations


def test_a_privacy_notices_category_sentence_is_about_personal_data() -> None:
    """Meta's "Your connections": "Based on her friend's activity, we might show Fiona an ad for
    the art fair" is targeted advertising in a privacy notice, so the data-protection law it
    falls under applies though the sentence says neither "data" nor "information"; in terms of
    service the same words still need them."""
    text = (
        "For example, Fiona\u2019s friend likes an Instagram account for a local art fair. Based "
        "on her friend\u2019s activity, we might show Fiona an ad for the art fair."
    )
    analysis = analyze_clause(text, terms_type="Privacy Policy")
    assert "targeted_advertising" in analysis.categories
    named = named_in(analysis)
    assert {"gdpr", "uk_gdpr", "ccpa_cpra"} <= set(named.regulations)
    analysis = analyze_clause(text, terms_type="Terms of Service")
    assert "targeted_advertising" in analysis.categories
    assert not {"gdpr", "ccpa_cpra"} & set(named_in(analysis).regulations)


@pytest.mark.parametrize(
    ("category", "terms_type", "text", "found"),
    [
        # Spotify's platform rules open "Illegal content" with a motto, not a choice of law
        (
            "choice_of_law",
            "Community Guidelines",
            "The law is the law. No matter who you are, it is your responsibility to comply "
            "with applicable laws and regulations.",
            False,
        ),
        (
            "choice_of_law",
            "Terms of Service",
            "These Terms are governed by the laws of the State of California.",
            True,
        ),
        # the categories set (CLAUDETTE): a choice of law needs no "govern"
        (
            "choice_of_law",
            "Terms of Service",
            "Oculus is based in the United States and our services are subject to US law.",
            True,
        ),
        # Reddit's developer terms withhold a right to train on users' content
        (
            "model_training_on_user_content",
            "Developer Terms",
            "Except for the Reddit License, no other rights or licenses are granted or implied, "
            "including any right to use User Content for other purposes, such as for training a "
            "machine learning or artificial intelligence model, without the express permission "
            "of rightsholders in the applicable User Content.",
            False,
        ),
        (
            "model_training_on_user_content",
            "Developer Terms",
            "We may use the content you submit to train and improve our AI models.",
            True,
        ),
        # Meta's privacy notice: the provider fighting spam is no rule for users
        (
            "user_conduct",
            "Privacy Policy",
            "We work to:\n\n*   Detect and prevent spam and other bad experiences\n*   "
            "Investigate suspicious activity and protect you from impersonation and harassment",
            False,
        ),
        (
            "user_conduct",
            "Terms of Service",
            "*   Don\u2019t send spam or engage in phishing.\n*   Don\u2019t impersonate or "
            "harass other people.",
            True,
        ),
        # an appeal against a refused privacy request is no moderation enforcement
        (
            "safety_enforcement",
            "Privacy Policy",
            "If we deny your request, you may appeal our decision by contacting us at "
            "privacy@example.com.",
            False,
        ),
        (
            "safety_enforcement",
            "Terms of Service",
            "If your account has been suspended, you may appeal the decision using the in-app "
            "appeal tool.",
            True,
        ),
        # Google's privacy policy tells users about service changes; users change settings
        (
            "unilateral_change",
            "Privacy Policy",
            "Or we may let you know about upcoming changes or improvements to our services.",
            False,
        ),
        (
            "unilateral_change",
            "Privacy Policy",
            "You can remove accounts or change sync settings at any time.",
            False,
        ),
        (
            "unilateral_change",
            "Privacy Policy",
            "We may change this Privacy Policy from time to time.",
            True,
        ),
    ],
)
def test_whose_act_the_words_describe_decides_the_category(
    category: str, terms_type: str, text: str, found: bool
) -> None:
    """Five senses read off random corpus clauses (the seventeenth round's reading): the words of
    a category said of something else, each beside a control that is the category."""
    assert (category in analyze_clause(text, terms_type=terms_type).categories) is found


@pytest.mark.parametrize(
    ("text", "structure"),
    [
        ("\u201cMinimum Age\u201d means 16 years old.", True),
        ("Certain words and phrases we use in these Terms have a particular meaning:", True),
        ("Microsoft Ireland Operations Limited is your contracting entity.", True),
        ("Our Services are provided to you by: OpenAI Ireland Limited.", True),
        ("These section titles and brief summaries are not legally binding.", True),
        # quoted words that define nothing
        ("Tap \u201cAccept\u201d to continue, or \u201cDecline\u201d to leave.", False),
        ("We mean it when we say we care about your privacy.", False),
    ],
)
def test_definitions_and_parties_are_contract_structure(text: str, structure: bool) -> None:
    """The taxonomy's "contract structure" is definitions, scope, parties, precedence and
    severability; definitions and the contracting party had no rule (GitHub's, Meta's and
    Copilot's definitions sections, Microsoft's contracting entities)."""
    categories = analyze_clause(text, terms_type="Terms of Service").categories
    assert ("governing_contract" in categories) is structure


@pytest.mark.parametrize(
    ("text", "enforcement"),
    [
        ("*   Find and address violations of our terms or policies.", True),
        (
            "We develop advanced technical systems to detect potential misuse of our Products "
            "and harmful conduct towards others.",
            True,
        ),
        ("We take action against serious violations of this Contract.", True),
        # fraud prevention and addressing a request are not the enforcement of content rules
        ("We may also use this data to help detect and prevent fraud.", False),
        ("We address your questions about a violation notice within 30 days.", False),
    ],
)
def test_finding_and_addressing_violations_is_safety_enforcement(
    text: str, enforcement: bool
) -> None:
    """Google's Gemini review ("to address violations of the Google Terms of Service"), Meta's
    "Promote the safety ..." ("systems to detect potential misuse of our Products, harmful
    conduct towards others") had no enforcement category."""
    categories = analyze_clause(text, terms_type="Privacy Policy").categories
    assert ("safety_enforcement" in categories) is enforcement


@pytest.mark.parametrize(
    ("text", "terms_type", "categories"),
    [
        (
            "**Sexual violence is not tolerated on Twitch and will result in immediate suspension "
            "of your account.** For example, you may not show, promote, or engage in "
            "non-consensual sex acts.",
            "Community Guidelines",
            {"user_conduct", "prohibited_uses"},
        ),
        (
            "Here are some examples of content not allowed on YouTube.\n\n*   Videos featuring "
            "minors involved in dangerous activities.",
            "Community Guidelines",
            {"user_conduct", "prohibited_uses"},
        ),
    ],
)
def test_rules_for_users_in_plain_words(text: str, terms_type: str, categories: set[str]) -> None:
    """Twitch's "Adult Sexual Violence" and YouTube's child-safety examples had no category."""
    found = set(analyze_clause(text, terms_type=terms_type).categories)
    assert found & {"user_conduct", "prohibited_uses"} == categories


@pytest.mark.parametrize(
    ("text", "retention"),
    [
        (
            "For example, we keep profile information, photos you\u2019ve posted (and not "
            "deleted) and security information for the lifetime of your account.",
            True,
        ),
        ("We keep your search history until you clear the search in your activity log.", True),
        # the user keeping their own copies is no retention by the provider
        ("You will need to store those photos until you decide to delete them.", False),
    ],
)
def test_the_provider_keeping_data_for_a_period_is_retention(text: str, retention: bool) -> None:
    """Meta's "If we need it to operate or provide our Products" (under "How long do we keep
    your information?") had no category: "profile information" and "search history" were not
    among the words the retention rule knew."""
    categories = analyze_clause(text, terms_type="Privacy Policy").categories
    assert ("data_retention" in categories) is retention


@pytest.mark.parametrize(
    ("text", "licence"),
    [
        (
            "This licence covers your content if that content is protected by intellectual "
            "property rights.",
            True,
        ),
        ("This licence lasts for as long as your content is protected by copyright.", True),
        (
            "This licence is:\n\n*   worldwide, which means that it\u2019s valid anywhere in "
            "the world",
            True,
        ),
        ("This licence is for the limited purpose of:\n\n*   operating the services", True),
        # the licence Google gives users to its software runs the other way
        (
            "The licence that we give you is:\n\n*   worldwide, which means that it\u2019s valid "
            "anywhere in the world",
            False,
        ),
    ],
)
def test_a_licence_over_users_content_split_into_sections_is_a_content_licence(
    text: str, licence: bool
) -> None:
    """Google's terms split their content licence into sections ("What's covered", "Scope",
    "Purpose", "Duration"); only "Rights" ("This licence allows Google to ...") had the
    category."""
    categories = analyze_clause(text, terms_type="Terms of Service").categories
    assert ("content_license" in categories) is licence


def test_arbitration_proceedings_named_among_others_are_no_arbitration_clause() -> None:
    """Claude's Brazilian disclosures keep data "to ... exercise rights, including in judicial,
    administrative and arbitration proceedings": an arbitration category and high severity in
    a privacy notice. An agreement to arbitrate still is one."""
    kept = (
        "We may retain data to safeguard and exercise rights, including in judicial, "
        "administrative and arbitration proceedings."
    )
    assert "arbitration" not in analyze_clause(kept, terms_type="Privacy Policy").categories
    clause = "You and the Company agree that any Claim will be settled by binding arbitration."
    assert "arbitration" in analyze_clause(clause, terms_type="Terms of Service").categories
