"""The offline analyzer says only what its evidence supports (issue 15): direction of a
provision, instruments and agencies only with evidence, non-English text not assessed, and
summaries that are never placeholders."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clauselens.analyzers.base import ClauseInput, DocumentContext
from clauselens.analyzers.offline import OfflineAnalyzer, analyze_clause
from clauselens.analyzers.offline.compose import NOT_ASSESSED_LANDSCAPE
from clauselens.analyzers.offline.detect import detect
from clauselens.analyzers.offline.language import detect_language
from clauselens.analyzers.offline.quotes import quote_form
from clauselens.analyzers.offline.remit import (
    OTHER_REGION,
    excluded_remits,
    governs,
    named_regions,
    nearest_regions,
    opening_condition,
    sentence_regions,
)
from clauselens.evaluation.mentions import named_in
from clauselens.textnorm import clause_sha256

REMIT_CASES = [
    (
        "Don't rely on the Services for medical, legal, financial or other professional advice. "
        "Any content regarding those topics is for informational purposes only.",
        "Health Breach",
        False,
    ),
    (
        "If you connect a fitness tracker, we collect your health data, such as heart rate and "
        "sleep, and store it in your personal health record.",
        "Health Breach",
        True,
    ),
    (
        "If we have a dispute with you, we will send an email or text message with our "
        "individualized demand, including a description of the claim.",
        "TCPA",
        False,
    ),
    (
        "We may send you marketing text messages using an automated system; reply STOP to opt "
        "out at any time.",
        "TCPA",
        True,
    ),
    ("You may not rent, lease or sell access to the API.", "Fair Housing", False),
    ("Landlords may not use the service for tenant screening.", "Fair Housing", True),
    ("We prohibit the sexual exploitation of children.", "COPPA", False),
    ("We do not knowingly collect personal information from children under 13.", "COPPA", True),
    ("Customer must help us diagnose any reported non-conformity.", "Food, Drug", False),
    (
        "Customer will indemnify Meta against any claim; no settlement may include an "
        "admission of fault by Meta.",
        "FERPA",
        False,
    ),
    ("If you use a school account, your school can access your data.", "FERPA", False),
    (
        "We process student education records on behalf of schools as a school official.",
        "FERPA",
        True,
    ),
    (
        "Nothing in these Terms creates a partnership, joint venture, agency or employment "
        "relationship between the parties.",
        "Title VII",
        False,
    ),
    (
        "You may not use the Services to make automated decisions about hiring or employment "
        "without human review.",
        "Title VII",
        True,
    ),
    (
        "You must comply with all applicable export control and securities laws.",
        "Advisers Act",
        False,
    ),
    ("Do not use the Services to provide personalised investment advice.", "Advisers Act", True),
    ("Only authorised staff have access to nonpublic personal information.", "GLBA", False),
    (
        "As a financial institution we protect the nonpublic personal information of our "
        "loan applicants.",
        "GLBA",
        True,
    ),
]


def landscape_in(text: str, terms_type: str) -> str:
    """The regulatory landscape of ``text`` as a clause of a document of ``terms_type``."""
    analysis = analyze_clause(text, terms_type=terms_type, document_title=terms_type)
    return analysis.institutional_analysis.regulatory_landscape


class TestDirection:
    def test_users_forbidden_to_train_on_the_service_is_not_training_on_user_content(
        self,
    ) -> None:
        forbidden = analyze_clause(
            "You may not use the Services or any Netflix content to train, fine-tune or "
            "develop artificial intelligence models."
        )
        assert "model_training_on_user_content" not in forbidden.categories
        training = analyze_clause(
            "We may use the content you provide to train and improve our AI models."
        )
        assert "model_training_on_user_content" in training.categories

    @pytest.mark.parametrize(
        ("text", "training"),
        [
            (
                "We welcome research that helps improve safety or bias problems in our models.",
                False,
            ),
            (
                "Partners use these reports to improve their businesses and our pricing models.",
                False,
            ),
            ("Customer may not use image Outputs to train any competing image model.", False),
            ("Scraping the Services or Content to train a machine learning model.", False),
            ("We use your conversations to improve our models unless you opt out.", True),
            ("We train our AI models on the messages and files you upload.", True),
            (
                # X's developer agreement: the prohibition leads a list, training is item (k)
                "You shall not and you shall not attempt to (or allow others to): (a) reverse "
                "engineer, decompile, disassemble, or translate the X API or otherwise attempt "
                "to derive source code, trade secrets, or know-how in or underlying any X API; "
                "(b) interfere with features or functionality of the X API or monitoring "
                "mechanisms of the X API; (c) remove or alter any proprietary notices or marks "
                "on the X Content; (k) use the X API or X Content to fine-tune or train a "
                "foundation or frontier model.",
                False,
            ),
            (
                "We use the following to train and improve our AI models: the prompts you "
                "enter, the files you upload, and the feedback you give.",
                True,
            ),
        ],
    )
    def test_training_on_user_content_needs_the_users_content(
        self, text: str, training: bool
    ) -> None:
        """Improving a model is training on user content only when the users' content is what
        the model learns from, and only when it is the provider who does it."""
        categories = analyze_clause(text).categories
        assert ("model_training_on_user_content" in categories) == training

    @pytest.mark.parametrize(
        ("text", "sharing"),
        [
            (
                "The Threads Service allows you to upload, access and share content and "
                "information with other individuals using the Threads Service.",
                False,
            ),
            ("Many of our services let you share information with other people.", False),
            (
                "People who use our Products can share information about you with the audience "
                "they choose.",
                False,
            ),
            (
                "Third Party Content means content and information that has been shared to a "
                "Third Party Server by users of a Third Party Service.",
                False,
            ),
            ("We share your personal information with advertisers and partners.", True),
            (
                "You promise not to disclose, publish, or disseminate any Confidential "
                "Information to any third party.",
                False,
            ),
            ("We will not share your personal information with third parties.", True),
            (
                "Advertisers, measurement and other partners share information with us, such as "
                "hashed email addresses.",
                False,
            ),
            (
                "When you share content with your friends, we may also share information about "
                "you with third parties.",
                True,
            ),
        ],
    )
    def test_users_sharing_with_each_other_is_not_third_party_sharing(
        self, text: str, sharing: bool
    ) -> None:
        """Third-party sharing is the provider passing users' data on (or promising not to);
        users sharing their own content with other users, users bound not to disclose, and
        partners sharing data with the provider are not, unless the sentence also has the
        provider share."""
        categories = analyze_clause(text, terms_type="Terms of Service").categories
        assert ("third_party_sharing" in categories) == sharing

    def test_a_licence_to_the_user_is_not_users_granting_rights(self) -> None:
        to_user = analyze_clause(
            "We grant you a limited, non-exclusive, royalty-free, worldwide licence to use "
            "the app on your devices."
        )
        assert "content_license" not in to_user.categories
        from_user = analyze_clause(
            "You grant us a worldwide, non-exclusive, royalty-free licence to host, copy and "
            "display the content you post."
        )
        assert "content_license" in from_user.categories

    @pytest.mark.parametrize(
        ("category", "text"),
        [
            # Facebook's and Llama API's "Updating our Terms"
            ("unilateral_change",
             "As a result, we may need to update these Terms from time to time to accurately "
             "reflect our services and practices to promote a safe and secure experience on our "
             "Products and services, and/or to comply with applicable law."),
            # Google's "Licence > Rights": what the licence allows, under its own heading
            ("content_license",
             "This licence allows Google to:\n\n*   host, reproduce, distribute, communicate and "
             "use your content"),
            # GitHub's "License Grant to Us": a right, not a licence, in the words
            ("content_license",
             "You grant GitHub and our Affiliates the right to store, host, archive, parse, "
             "display, and make copies of Your Content as necessary to provide the Service."),
            # YouTube's and Meta's privacy policies: ads chosen by activity, in plain words
            ("targeted_advertising",
             "For example, if you watch videos about baking on YouTube, you may see more ads that "
             "relate to baking as you browse the web."),
            ("targeted_advertising",
             "Based on her friend's activity, we might show Fiona an ad for the art fair."),
            ("targeted_advertising",
             "We show ads and recommend content based on your interests."),
            # Threads' and Pinterest's retention sections say "keep", not "retain"
            ("data_retention",
             "How long do we keep your information?\n\nWe keep information as long as we need "
             "it to provide our Products."),
            ("data_retention",
             "Following termination of your account, we may keep your User Content for a "
             "reasonable period of time for backup, archival or audit purposes."),
            # Google's and Gemini's privacy choices in plain words
            ("user_choice_control",
             "If you turn this setting off, your future chats won't be used to improve our "
             "services."),
            ("user_choice_control",
             "Many of our services let you share information with other people, and you have "
             "control over how you share."),
            # Meta's privacy policy lists what it logs
            ("first_party_collection",
             "For example, we log:\n\n*   What apps, posts and videos you view or interact with "
             "on our Products"),
            # Google's generative AI terms: the disclaimer says "content", not "output"
            ("output_accuracy_disclaimer",
             "The Services may sometimes provide inaccurate or offensive content that doesn't "
             "represent Google's views."),
            # Le Chat's usage policy and YouTube's guidelines: what follows a violation
            ("safety_enforcement",
             "Violations of this Usage Policy may result in temporary suspension or permanent "
             "termination of your account."),
            ("safety_enforcement",
             "If your thumbnail violates other policies, we remove the thumbnail and may issue a "
             "strike."),
            # Reddit's developer terms
            ("prohibited_uses",
             "You will not, and will not attempt to, or permit or enable others to:\n\n*   use "
             "the Reddit Services and Data to encourage or promote illegal activity."),
            # Meta's Commercial Terms: a licence with no "worldwide" or "royalty-free"
            ("content_license",
             "As described in our Terms, you grant us a license to content that is covered by "
             "intellectual property rights (like photos or videos) you share."),
        ],
    )  # fmt: skip
    def test_plain_wording_of_a_category_is_found(self, category: str, text: str) -> None:
        assert category in analyze_clause(text, terms_type="Terms of Service").categories

    def test_the_user_ending_their_own_account_is_not_unilateral_termination(self) -> None:
        own = analyze_clause(
            "You may terminate your account at any time by visiting your account settings."
        )
        assert "unilateral_termination" not in own.categories

    def test_a_heading_for_terminations_by_the_user_is_not_unilateral_termination(self) -> None:
        """YouTube's "**Terminations by You**" section (the user deleting their channel) read as
        the provider closing accounts at its discretion, with the UCTD and the CRA. A term
        ending by either side still reads as termination."""
        by_you = analyze_clause(
            "**Terminations by You**\n-----------------------\n\nYou may stop using the Service "
            "at any time.",
            ("Terminations by You",),
            terms_type="Terms of Service",
        )
        assert "unilateral_termination" not in by_you.categories
        either = analyze_clause(
            "Your subscription continues until terminated by you or by us, and we may terminate "
            "it at any time for any reason.",
            terms_type="Terms of Service",
        )
        assert "unilateral_termination" in either.categories

    @pytest.mark.parametrize(
        ("category", "text"),
        [
            # X's and Snapchat's hateful-conduct rules list protected characteristics
            ("sensitive_data",
             "Hateful conduct: You may not attack other people on the basis of race, ethnicity, "
             "national origin, "
             "sexual orientation, gender, religious affiliation, age or disability."),
            # Spotify's guidelines: phishing is the user's wrong, not the provider's processing
            ("sensitive_data",
             "Phishing or related attempts to deceptively solicit or collect sensitive "
             "information."),
            # Microsoft's code of conduct defines phishing
            ("sensitive_data",
             "Phishing is sending emails or other electronic communications to fraudulently or "
             "unlawfully induce recipients to reveal personal or sensitive information, such as "
             "passwords."),
            # Twitch's guidelines: a takedown notice received is no collection of data
            ("first_party_collection",
             "If we receive a complete DMCA notification against content you've shared, we will "
             "remove or disable access to the claimed infringing material."),
            # Microsoft's children's section: consent received, not data
            ("first_party_collection",
             "When we receive parental consent or authorisation, the child's account is treated "
             "much like any other account."),
            # Microsoft's pointer to another section
            ("first_party_collection",
             "See the [How we use personal data](#howweuse) section for more information about "
             "how we provide age appropriate experiences."),
            # Perplexity's usage policy: what users may not do
            ("first_party_collection",
             "Compromise the privacy of others (e.g., collecting, disclosing or otherwise "
             "processing personal data without complying with applicable legal requirements)."),

            # X's privacy policy: a password as one of the fields of an account
            ("account_and_security",
             "This includes a display name, a username, a password, an email address or phone "
             "number and a date of birth."),
            # Discord's and Perplexity's arbitration opt-out is part of the arbitration term
            ("user_choice_control",
             "You can decline this Agreement to Arbitrate by emailing an opt-out notice within "
             "30 days."),
            # Microsoft's children's section: the parent changes consent, not the provider terms
            ("unilateral_change",
             "Parents can change or revoke consent at any time."),
            # Snapchat's and X's guidelines: AI-generated imagery in a harassment or fake-profile
            # rule is no AI-content disclosure
            ("ai_disclosure",
             "We consider harassment to include mocking, shaming or sharing humiliating imagery "
             "(including manipulated or AI-generated imagery)."),
            # Discord's privacy policy: the user deleting their own messages
            ("content_removal",
             "You can edit or delete any message you have sent or content you have posted at any "
             "time."),
        ],
    )  # fmt: skip
    def test_words_of_a_category_in_another_sense_are_not_it(
        self, category: str, text: str
    ) -> None:
        assert category not in analyze_clause(text).categories

    @pytest.mark.parametrize(
        ("category", "text"),
        [
            ("sensitive_data",
             "We process information about your racial or ethnic origin only with your explicit "
             "consent."),
            ("sensitive_data",
             "You may not use the data to target or profile people based on their sexual "
             "orientation or to discriminate against them."),
            ("first_party_collection",
             "We receive information about you from advertisers and other partners."),

            ("account_and_security",
             "You are responsible for keeping your password confidential."),
            ("account_and_security", "You must not use a weak or reused password."),
            ("user_choice_control", "You can opt out of personalised ads in your settings."),
            ("unilateral_change", "We may change these terms at any time."),
            ("unilateral_change",
             "You can change your settings at any time, and we may update this policy."),
            ("content_removal", "We may remove any content at any time for any reason."),
            ("targeted_advertising", "We show you relevant ads based on your activity."),
            ("ai_disclosure", "You must label AI-generated content that depicts real people."),
        ],
    )  # fmt: skip
    def test_the_category_stays_where_the_words_mean_it(self, category: str, text: str) -> None:
        assert category in analyze_clause(text).categories

    def test_a_rule_that_leads_in_a_list_counts_with_its_items(self) -> None:
        """Instagram's "Content that: * Attempts to buy, sell or trade prescription drugs ..."
        missed user conduct: a broad topic needs two sentences, and only the lead-in matched.
        A lead-in with items after it states the rule they list; alone it is still one (in
        terms of service, where a rule needs two; in community guidelines one is enough)."""
        listed = analyze_clause(
            "Prescription drugs\n\nContent that:\n\n*   Attempts to buy, sell or trade "
            "prescription drugs.\n*   Asks for prescription drugs.",
            terms_type="Terms of Service",
        )
        assert "user_conduct" in listed.categories
        alone = analyze_clause("Prescription drugs\n\nContent that:", terms_type="Terms of Service")
        assert "user_conduct" not in alone.categories

    def test_a_contact_point_for_data_protection_is_not_collection(self) -> None:
        """Discord's "you can also contact VeraSafe, Discord's appointed representative for
        data protection matters related to the processing of personal data" read as the
        company collecting data, and named the FTC. A statement of processing still is."""
        contact = analyze_clause(
            "If you reside in the United Kingdom, you can also contact VeraSafe, our appointed "
            "representative for data protection matters related to the processing of personal "
            "data.",
            terms_type="Privacy Policy",
        )
        assert "first_party_collection" not in contact.categories
        assert "ftc" not in named_in(contact).agencies
        processing = analyze_clause(
            "We process your personal data to provide the service.", terms_type="Privacy Policy"
        )
        assert "first_party_collection" in processing.categories


class TestEvidence:
    def test_no_evidence_names_no_instrument_and_no_agency(self) -> None:
        analysis = analyze_clause(
            "Questions about these terms can be sent to our team at the address below. "
            "We read every message and answer within a few working days."
        )
        assert analysis.applicable_agencies == []
        assert analysis.institutional_analysis.regulatory_landscape == NOT_ASSESSED_LANDSCAPE
        assert "Not assessed" in analysis.institutional_analysis.compliance_considerations

    def test_every_named_instrument_quotes_its_sentence(self) -> None:
        analysis = analyze_clause(
            "Any dispute will be resolved by binding arbitration. You waive any right to a "
            "class action."
        )
        landscape = analysis.institutional_analysis.regulatory_landscape
        assert "Federal Arbitration Act" in landscape
        assert "\u201cAny dispute will be resolved by binding arbitration" in landscape

    def test_the_ai_office_needs_a_general_purpose_model_in_the_clause(self) -> None:
        """Human oversight in an AI clause engages the AI Act, but the AI Office supervises
        general-purpose AI models: it is named only when the clause is about them."""
        plain = analyze_clause(
            "Outputs of our AI features used in hiring must be reviewed by a qualified human "
            "before any decision is made."
        )
        names = {a.name for a in plain.applicable_agencies}
        assert not any("AI Office" in n for n in names)
        gpai = analyze_clause(
            "Providers of general-purpose AI models must ensure human oversight of outputs "
            "used in high-risk AI systems."
        )
        assert any("AI Office" in a.name for a in gpai.applicable_agencies)

    def test_training_on_user_content_engages_the_ai_act(self) -> None:
        """Providers of general-purpose AI models must publish a summary of their training
        content (AI Act Art. 53(1)(d)): training on users' content is within the Act's remit;
        users forbidden to train on the service's content is not."""
        training = named_in(
            analyze_clause("We train our AI models on the messages and files you upload.")
        )
        assert "eu_ai_act" in training.regulations
        assert "eu_ai_office" in training.agencies
        forbidden = named_in(
            analyze_clause(
                "You may not use the Services or any Netflix content to train, fine-tune or "
                "develop artificial intelligence models."
            )
        )
        assert "eu_ai_act" not in forbidden.regulations


class TestTopicLists:
    def test_a_list_of_help_topics_engages_no_law(self) -> None:
        """Topic titles with no statement of terms (an imprint's help links) are no evidence."""
        analysis = analyze_clause(
            "Registered in Ireland (Companies Registration Office)\n\nCompany No. 462932\n\n"
            "For help or information about how to make a report:\n\n"
            "*   How to download your personal data\n*   Information about privacy rights\n"
            "*   Reporting a copyright infringement\n*   Reporting a hacked account\n"
        )
        assert analysis.applicable_agencies == []
        assert analysis.institutional_analysis.regulatory_landscape == NOT_ASSESSED_LANDSCAPE

    def test_a_table_of_contents_of_links_engages_no_law(self) -> None:
        analysis = analyze_clause(
            "[Introduction](https://example.com/terms#intro)\n\n"
            "[Your personal data](https://example.com/terms#data)\n\n"
            "[EEA instructions on withdrawal](https://example.com/terms#withdrawal)"
        )
        assert analysis.applicable_agencies == []
        assert analysis.categories == []

    def test_items_under_a_lead_in_that_states_a_term_stay_evidence(self) -> None:
        """Short items under "You may not ..." are the terms themselves."""
        analysis = analyze_clause(
            "You may not use the Services for:\n\n*   biometric identification\n"
            "*   facial recognition databases\n*   spam"
        )
        assert "BIPA" in analysis.institutional_analysis.regulatory_landscape


class TestRemit:
    ARBITRATION = (
        "You and we agree that any dispute will be resolved by binding individual arbitration, "
        "and you waive the right to participate in a class action."
    )

    def test_a_clause_of_a_regional_version_is_tested_against_that_region_only(self) -> None:
        """EEA consumer terms are not read against US law; unscoped ones may be."""
        unscoped = analyze_clause(self.ARBITRATION, ("Terms of Service",))
        landscape = unscoped.institutional_analysis.regulatory_landscape
        assert "Federal Arbitration Act" in landscape
        assert "Unfair Contract Terms" in landscape
        eea = analyze_clause(
            self.ARBITRATION, ("Terms of Service for consumers in the European Economic Area",)
        )
        landscape = eea.institutional_analysis.regulatory_landscape
        assert "Federal Arbitration Act" not in landscape
        assert "Unfair Contract Terms" in landscape

    def test_a_privacy_notice_engages_no_contract_terms_law(self) -> None:
        """ "By using the service you agree" in a privacy notice is information, not a term."""
        text = (
            "By accessing or using our services, you agree that we may transfer your personal "
            "data to servers in the United States."
        )
        assert "Unfair Contract Terms" in landscape_in(text, "Terms of Service")
        assert "Unfair Contract Terms" not in landscape_in(text, "Privacy Policy")

    def test_a_privacy_notice_statement_about_information_engages_data_protection(self) -> None:
        """A privacy notice is the transparency information GDPR requires: its statements
        about people's information engage GDPR; the same words in terms of service do not."""
        text = "We keep the places you label, like home and work, until you delete them."
        text += " This information helps us show you relevant suggestions."
        notice = analyze_clause(text, terms_type="Privacy Policy", document_title="Privacy")
        assert "GDPR" in notice.institutional_analysis.regulatory_landscape
        terms = analyze_clause(text, terms_type="Terms of Service", document_title="Terms")
        assert "GDPR" not in terms.institutional_analysis.regulatory_landscape
        us_only = analyze_clause(
            text,
            ("Privacy notice for United States residents",),
            terms_type="Privacy Policy",
            document_title="Privacy",
        )
        assert "GDPR" not in us_only.institutional_analysis.regulatory_landscape

    def test_business_terms_engage_no_consumer_contract_law(self) -> None:
        """Commercial terms bind businesses: no unfair-terms directive, but still arbitration."""
        analysis = analyze_clause(
            self.ARBITRATION, terms_type="Commercial Terms", document_title="Enterprise Terms"
        )
        landscape = analysis.institutional_analysis.regulatory_landscape
        assert "Unfair Contract Terms" not in landscape
        assert "Federal Arbitration Act" in landscape
        assert excluded_remits("Developer Terms") == {"consumer_contracts", "consumers"}
        assert excluded_remits("Terms of Service") == set()
        addendum = ("Terms of Use", "Business use of the Services addendum")
        assert excluded_remits("Terms of Service", "Terms", addendum) == {
            "consumer_contracts",
            "consumers",
        }
        assert excluded_remits("Terms of Service", "Terms", ("Consumer rights",)) == set()
        api = ("Meta Model API Terms of Service", "Data Security Terms")
        assert excluded_remits("Terms of Service", "Terms", api) == {
            "consumer_contracts",
            "consumers",
        }
        for heading in ("Non-commercial use only", "Non commercial use"):
            assert excluded_remits("Terms of Service", "Terms", (heading,)) == set()

    def test_region_cues_are_case_sensitive_and_one_region_only(self) -> None:
        assert named_regions(["Contact us"]) == set()
        assert named_regions(["Terms (EU)"]) == {"EU"}
        assert named_regions(["Information for EU and UK users"]) == {"EU", "UK"}

    def test_europe_alone_is_the_eea_and_the_uk(self) -> None:
        """ChatGPT's "Europe Terms of Use" apply "if you reside in the European Economic Area
        (EEA), Switzerland, or UK", and LinkedIn's "European Regional Privacy Notice" is for the
        Designated Countries and the UK: a UK clause there names the ICO and the CMA, and no
        US instrument. The names of EU bodies and laws name no region."""
        assert named_regions(["Europe privacy policy"]) == {"EU", "UK"}
        assert named_regions(["LinkedIn European Regional Privacy Notice"]) == {"EU", "UK"}
        heading = "Transfers of your data outside the Designated Countries and the UK"
        assert named_regions([heading]) == {"EU", "UK"}
        assert named_regions(["European Union users"]) == {"EU"}
        assert named_regions(["European Commission adequacy decisions"]) == set()
        assert named_regions(["European Accessibility Act (EAA)"]) == set()

    def test_a_heading_in_capitals_names_its_regions(self) -> None:
        """Bluesky's "NEVADA SPECIFIC DISCLOSURES" is for Nevada (no CCPA), Reddit's
        "Additional Information for Brazilian Users" for a region the knowledge base has no law
        for; "CONTACT US" names none."""
        assert named_regions(["NEVADA SPECIFIC DISCLOSURES"]) == {"US", "US-NV"}
        assert named_regions(["INFORMATION FOR EEA AND UK USERS"]) == {"EU", "UK"}
        assert named_regions(["CONTACT US"]) == set()
        # people outside regions, in capitals: no region is read rather than the wrong one
        assert named_regions(["FOR USERS OUTSIDE THE EEA"]) == set()
        assert sentence_regions("IF YOU LIVE OUTSIDE THE EEA, YOU MAY CONTACT US.") == set()
        assert named_regions(["Additional Information for Brazilian Users"]) == {"other"}

    @pytest.mark.parametrize(
        ("sentence", "regions"),
        [
            ("If you reside in the United Kingdom, you can also contact us by post.", {"UK"}),
            ("| **If you are in the UK:**<br><br>Sharing data with our parent company", {"UK"}),
            (
                "If you are in [the European Economic Area](https://x.y/eea) or the United "
                "Kingdom, you may lodge a complaint.",
                {"EU", "UK"},
            ),
            ("If your data is shared outside of Brazil, we will protect it.", set()),
            ("If you are outside the EEA, we may share data with partners.", set()),
            ("We share your information with partners in the United Kingdom.", set()),
            (
                "If you are located in Washington or a state with similar consumer health data "
                "laws, please read our Consumer Health Data Privacy Policy.",
                {"US", "US-WA"},
            ),
            # Discord's arbitration notice: in capitals, after a zero-width joiner, no comma
            (
                "\u200dIF YOU\u2019RE A U.S. OR CANADIAN RESIDENT YOU ALSO AGREE TO THE "
                "FOLLOWING \u201cAGREEMENT TO ARBITRATE\u201d.",
                {"US", "other"},
            ),
            ("IF YOU LIVE IN THE UNITED KINGDOM, YOU MAY CONTACT US.", {"UK"}),
            # after a bold lead-in title (Discord's arbitration rules and class waiver)
            (
                "**Class Arbitration and Collective Relief Waiver.** IF YOU\u2019RE A U.S. "
                "RESIDENT, EXCEPT AS PROVIDED HEREIN, YOU AND DISCORD AGREE THAT EACH MAY BRING "
                "CLAIMS ONLY IN OUR INDIVIDUAL CAPACITY.",
                {"US"},
            ),
            (
                "**\u200dArbitration Rules.** For residents of the state of California, the "
                "arbitration will be administered by ADR Services, Inc.",
                {"US", "US-CA"},
            ),
            ("IF YOU HAVE ANY QUESTIONS, PLEASE CONTACT US.", set()),
            ("If you agree to these Terms, you may use the Services.", set()),
        ],
    )  # fmt: skip
    def test_a_sentence_opening_with_a_region_is_for_that_region(
        self, sentence: str, regions: set[str]
    ) -> None:
        assert sentence_regions(sentence) == regions

    def test_an_arbitration_notice_for_us_and_canadian_residents_engages_no_eu_or_uk_law(
        self,
    ) -> None:
        notice = (
            "\u200dIF YOU\u2019RE A U.S. OR CANADIAN RESIDENT YOU ALSO AGREE TO THE FOLLOWING "
            "\u201cAGREEMENT TO ARBITRATE\u201d WHICH CONTAINS MANDATORY ARBITRATION PROVISIONS."
        )
        regulations = named_in(analyze_clause(notice, terms_type="Terms of Service")).regulations
        assert "faa" in regulations
        assert not regulations & {"uctd", "uk_cra"}

    def test_a_sentence_for_one_region_is_no_evidence_for_another(self) -> None:
        """LinkedIn's table row "If you are in the UK: Sharing data with our parent company,
        Microsoft for its AI training purposes" named the EU's AI Act and AI Office, the CCPA and
        the FTC; without the condition the same sentence still engages the AI Act."""
        row = (
            "we share certain member data with our parent company so that it can train its "
            "generative AI models."
        )
        lead = "Each row below is one purpose.\n\n"
        for_uk = named_in(
            analyze_clause(f"{lead}If you are in the UK: {row}", terms_type="Privacy Policy")
        )
        assert "uk_gdpr" in for_uk.regulations
        assert not for_uk.regulations & {"eu_ai_act", "ccpa_cpra", "ftc_act_s5"}
        assert "eu_ai_office" not in for_uk.agencies
        anywhere = named_in(analyze_clause(f"{lead}We {row[3:]}", terms_type="Privacy Policy"))
        assert "eu_ai_act" in anywhere.regulations

    @pytest.mark.parametrize(
        ("regions", "jurisdiction", "governed"),
        [
            (set(), "US-CA", True),
            ({"US"}, "US-CA", True),
            ({"US", "US-WA"}, "US-CA", False),
            ({"US", "US-WA"}, "US", True),
            ({"US", "US-WA"}, "US-states", True),
            ({"US", "US-CA"}, "US-CA", True),
            ({"US", "US-CA"}, "US-IL", False),
            ({"EU", "US", "US-CA"}, "EU", True),
            ({"UK"}, "US", False),
        ],
    )
    def test_a_text_for_named_states_is_for_their_law_and_federal_law(
        self, regions: set[str], jurisdiction: str, governed: bool
    ) -> None:
        assert governs(regions, jurisdiction) is governed

    def test_a_sentence_for_washington_residents_is_no_ccpa_evidence(self) -> None:
        """Claude's privacy policy: "If you are located in Washington or a state with similar
        consumer health data laws, please read our Consumer Health Data Privacy Policy" named the
        CCPA and the California agencies (its condition ended at ", please", which was not read
        as the end of a condition, and a state other than California counted as the whole US)."""
        for state, ccpa in (("Washington", False), ("Nevada", False), ("California", True)):
            text = (
                "This Privacy Policy explains how we collect and use your personal data.\n\n"
                f"If you are located in {state}, please read our Consumer Health Data Privacy "
                "Policy, which explains how we process your health data."
            )
            named = named_in(analyze_clause(text, terms_type="Privacy Policy"))
            assert ("ccpa_cpra" in named.regulations) is ccpa, state
            assert ("cppa" in named.agencies) is ccpa, state
            assert "ftc_act_s5" in named.regulations, state
        assert named_regions(["West Virginia residents"]) == {"US", "US-WV"}

    @pytest.mark.parametrize(
        ("heading", "regions"),
        [
            (
                "Reddit User Agreement if you live in the United States or outside the EEA, "
                "United Kingdom, and Switzerland",
                {"US"},
            ),
            (
                "If you live outside the European Union, EFTA States, or the United Kingdom, "
                "including if you live in the United States",
                {"US"},
            ),
            ("Terms for users outside the EEA", {"US", "UK", OTHER_REGION}),
            ("Transferring information outside the EEA", {"EU"}),
        ],
    )
    def test_a_heading_for_people_outside_regions_is_for_the_others(
        self, heading: str, regions: set[str]
    ) -> None:
        """Reddit's user agreement "if you live in the United States or outside the EEA, United
        Kingdom, and Switzerland" was read as written for the EEA and the UK too (the CMA and
        the EU's consumer authorities on its indemnity). A transfer outside a region is still
        that region's matter."""
        assert named_regions([heading]) == regions

    def test_consumer_terms_for_people_outside_europe_engage_no_european_law(self) -> None:
        heading = (
            "Reddit User Agreement if you live in the United States or outside the EEA, "
            "United Kingdom, and Switzerland"
        )
        text = (
            "You agree to defend, indemnify, and hold us harmless from any claim arising out of "
            "your use of the Services or your violation of these Terms."
        )
        named = named_in(
            analyze_clause(text, (heading, "12. Indemnity"), terms_type="Terms of Service")
        )
        assert not named.regulations & {"uctd", "uk_cra"}
        anywhere = named_in(analyze_clause(text, ("12. Indemnity",), terms_type="Terms of Service"))
        assert "uctd" in anywhere.regulations

    def test_a_legal_bases_section_is_for_the_eea_and_the_uk(self) -> None:
        """Legal bases of processing are GDPR's (Article 6): such a section is not read
        against US law even when its headings name no region."""
        assert named_regions(["Legal basis information"]) == {"EU", "UK"}
        assert named_regions(["The lawful bases we rely on"]) == {"EU", "UK"}
        assert named_regions(["Legal notices"]) == set()
        text = "Why and how we process your information: to measure the reach of ads."
        section = ("Legal basis information", "Legitimate interests")
        notice = analyze_clause(text, section, terms_type="Privacy Policy", document_title="P")
        landscape = notice.institutional_analysis.regulatory_landscape
        assert "GDPR (EU)" in landscape
        assert "FTC" not in landscape

    def test_a_privacy_notice_engages_no_online_content_law(self) -> None:
        """How reports of harmful content are processed is a data-protection statement; the
        content rules themselves are in the terms and guidelines."""
        text = "We review content reported to us as illegal content and may share it with police."
        assert "DSA" in landscape_in(text, "Terms of Service")
        notice = landscape_in(text, "Privacy Policy")
        assert "DSA" not in notice
        assert "Online Safety" not in notice
        assert excluded_remits("Privacy Policy") >= {"online_content", "contracts"}

    def test_a_section_for_named_regions_drops_the_others(self) -> None:
        """A section for EEA and UK users is not read against California law."""
        text = (
            "We process your personal data on the legal basis of our legitimate interests, and "
            "you may object to that processing or ask us to delete your personal data."
        )
        scoped = analyze_clause(text, ("Legal grounds for users in the EEA and UK",))
        landscape = scoped.institutional_analysis.regulatory_landscape
        assert "GDPR" in landscape
        assert "California" not in landscape

    @pytest.mark.parametrize(("text", "instrument", "named"), REMIT_CASES)
    def test_an_instrument_needs_words_within_its_remit(
        self, text: str, instrument: str, named: bool
    ) -> None:
        """A word is evidence only inside an instrument's remit: the breach rule for health
        records needs health data, the TCPA marketing or automation, COPPA children's data,
        FERPA education records, Title VII employment decisions; leasing software is not
        housing, diagnosing a fault is not a medical device, an admission of fault is not a
        school admission, securities laws are not investment advice."""
        landscape = analyze_clause(text).institutional_analysis.regulatory_landscape
        assert (instrument in landscape) == named

    def test_community_guidelines_engage_the_law_of_online_content_only(self) -> None:
        """A rule about what users may post is no HIPAA or GLBA matter; the DSA still applies."""
        text = (
            "Do not share other people's private information, such as their medical records, "
            "bank account numbers or home address. We will remove content that does and may "
            "suspend the account that posted it."
        )
        assert "HIPAA" in landscape_in(text, "Terms of Service")
        guidelines = analyze_clause(
            text, terms_type="Community Guidelines", document_title="Community Guidelines"
        )
        landscape = guidelines.institutional_analysis.regulatory_landscape
        assert "HIPAA" not in landscape
        assert "Gramm-Leach-Bliley" not in landscape
        assert "DSA (EU)" in landscape
        agencies = {a.name for a in guidelines.applicable_agencies}
        assert "EU Digital Services Coordinators" in agencies
        assert not any("Health" in name for name in agencies)

    @pytest.mark.parametrize(
        "rule",
        [
            "We don't allow content that shows or promotes dangerous challenges.",
            "Content that attempts to buy, sell or trade weight loss products.",
            # a removal ("are removed") engages the DSA in any document: content removal
            "Posts that glorify violent attacks are not allowed and the account may be suspended.",
        ],
    )
    def test_a_content_rule_in_community_guidelines_engages_online_content_law(
        self, rule: str
    ) -> None:
        """Community guidelines are the content restrictions a platform's terms must state
        (DSA Article 14): each rule there engages the DSA and the UK Online Safety Act, quoted
        as its evidence; the same sentence in other documents does not."""
        guidelines = analyze_clause(
            rule, ("Safety",), terms_type="Community Guidelines", document_title="Rules"
        )
        landscape = guidelines.institutional_analysis.regulatory_landscape
        assert "DSA (EU)" in landscape
        assert "UK Online Safety Act" in landscape
        assert rule[:40] in landscape
        assert "Ofcom" in {a.name for a in guidelines.applicable_agencies}
        assert "DSA" not in landscape_in(rule, "Acceptable Use Policy")

    def test_a_community_guideline_without_a_rule_engages_nothing(self) -> None:
        """A guidelines page that states no restriction (an overview) is no evidence."""
        overview = "Our guidelines evolve over time and are written by our policy team."
        analysis = analyze_clause(overview, terms_type="Community Guidelines")
        assert analysis.applicable_agencies == []

    def test_an_infringement_rule_in_guidelines_is_outside_the_online_safety_act(self) -> None:
        """The UK Act's illegal content leaves out intellectual property (section 59(10)), so an
        emote rule against unauthorised use of others' artwork engages the DSA only."""
        rule = "It's a violation of our policies to create emotes that include unauthorized use of "
        rule += "another person's artwork or logos."
        landscape = landscape_in(rule, "Community Guidelines")
        assert "DSA (EU)" in landscape
        assert "Online Safety" not in landscape

    def test_unauthorised_uses_of_anothers_content_are_outside_the_online_safety_act(
        self,
    ) -> None:
        """Twitch's emote rule says "uses", in the plural; the exclusion reads both."""
        rule = "It's a violation of our policies to create emotes that include unauthorized uses "
        rule += "of another person's content, brand, image, or other rights."
        landscape = landscape_in(rule, "Community Guidelines")
        assert "DSA (EU)" in landscape
        assert "Online Safety" not in landscape

    def test_a_privacy_notice_section_about_information_engages_data_protection(self) -> None:
        """Under a heading about people's information, what is done with it ("we log when
        ...") is a GDPR matter even when the sentence does not say "information" and states no
        category; elsewhere in the notice it is not. (A sentence of the notice that states a
        category, "it is deleted after 14 days", is about personal data wherever it is.)"""
        text = "We log when the recipient opens the message."
        section = ("How long do we keep your information?", "Vanish mode")
        notice = analyze_clause(text, section, terms_type="Privacy Policy", document_title="P")
        assert "GDPR (EU)" in notice.institutional_analysis.regulatory_landscape
        assert text in notice.institutional_analysis.regulatory_landscape
        elsewhere = analyze_clause(text, ("Vanish mode",), terms_type="Privacy Policy")
        assert elsewhere.applicable_agencies == []
        terms = analyze_clause(text, section, terms_type="Terms of Service")
        assert "GDPR" not in terms.institutional_analysis.regulatory_landscape
        deleted = "If the recipient never opens the message, it is deleted after 14 days."
        retention = analyze_clause(deleted, ("Vanish mode",), terms_type="Privacy Policy")
        assert "data_retention" in retention.categories
        assert "GDPR (EU)" in retention.institutional_analysis.regulatory_landscape

    def test_a_definition_engages_no_instrument(self) -> None:
        """Under "Key terms" a sentence says what a word means; it sets no term."""
        text = (
            "Unique identifiers: a unique identifier is a string of characters that can be used "
            "to uniquely identify a browser, app or device, such as cookies used to remember "
            "your preferences."
        )
        section = ("Related privacy practices",)
        used = analyze_clause(text, section, terms_type="Privacy Policy", document_title="Privacy")
        assert "GDPR" in used.institutional_analysis.regulatory_landscape
        defined = analyze_clause(
            text,
            (*section, "Key terms", "Unique identifiers"),
            terms_type="Privacy Policy",
            document_title="Privacy",
        )
        assert defined.institutional_analysis.regulatory_landscape.startswith("Not assessed")
        assert defined.applicable_agencies == []
        assert excluded_remits("Terms", "Terms", ("2. Definitions",)) >= {"any", "contracts"}
        assert excluded_remits("Terms", "Terms", ("Definitions of personal data",)) == set()

    def test_copyright_takedown_is_outside_the_online_safety_act(self) -> None:
        """The UK Act's illegal content leaves out intellectual-property infringement."""
        takedown = analyze_clause(
            "If we decide to remove or disable access to the material after a copyright "
            "complaint, we will notify the affected user and explain how to file a "
            "counter-notice."
        )
        assert "Online Safety" not in takedown.institutional_analysis.regulatory_landscape

    def test_a_transfer_out_of_the_eea_is_outside_california_law(self) -> None:
        """Discord's "we may be liable for the transfer of personal data from the EU,
        Switzerland, or the UK to a third party" named the CCPA and California's agencies:
        data leaving Europe is EU transfer law's concern. Other transfers to third parties still
        count."""
        transfer = (
            "In certain circumstances, we may be liable for the transfer of personal data from "
            "the EU, Switzerland, or the UK to a third party outside those countries."
        )
        named = named_in(analyze_clause(transfer, terms_type="Privacy Policy"))
        assert "ccpa_cpra" not in named.regulations
        assert not named.agencies & {"ca_ag", "cppa"}
        assert "gdpr" in named.regulations
        sharing = (
            "We may transfer your personal information to third parties, such as advertising "
            "partners, to show you ads on other websites."
        )
        assert (
            "ccpa_cpra"
            in named_in(analyze_clause(sharing, terms_type="Privacy Policy")).regulations
        )


def test_the_landscape_and_why_quote_the_body_sentence_not_the_heading() -> None:
    """When a heading line and a body sentence both match, the analyst reads the body."""
    text = (
        "### How we share information with third parties\n\nWe share your email address and "
        "device identifiers with advertising partners."
    )
    analysis = analyze_clause(
        text,
        ("How we share information with third parties",),
        terms_type="Privacy Policy",
        document_title="Privacy Policy",
    )
    landscape = analysis.institutional_analysis.regulatory_landscape
    assert "FTC Act s.5 (US), on \u201cWe share your email address" in landscape
    assert "on \u201cHow we share" not in landscape
    assert "(found in \u201cWe share your email address" in analysis.why_it_matters


def test_a_run_in_heading_is_not_quoted_beside_the_term_it_names() -> None:
    """ "Our Right to Terminate." names the section; the sentence after it is the term, and
    the evidence of the same finding."""
    text = (
        "1.  Your Right to Terminate. You may terminate your Account at any time.\n"
        "2.  Our Right to Terminate. We may suspend, restrict, or terminate your Account at any "
        "time, without prior notice, if you break these Terms."
    )
    analysis = analyze_clause(text)
    quotes = analysis.evidence_quotes
    assert "unilateral_termination" in analysis.categories
    assert quotes[0].startswith("We may suspend, restrict, or terminate your Account")
    assert "Our Right to Terminate." not in quotes


def test_a_heading_is_quoted_when_it_is_the_only_evidence() -> None:
    """A clause that is a heading and nothing else keeps it as its evidence, without the
    Markdown underline, and the quote is still verbatim."""
    text = "Information that we collect as you use our services\n" + "-" * 51
    analysis = analyze_clause(text)
    assert "first_party_collection" in analysis.categories
    assert analysis.evidence_quotes == ["Information that we collect as you use our services"]


@pytest.mark.parametrize(
    ("sentence", "quote"),
    [
        ("### Right of withdrawal", "Right of withdrawal"),
        ("Using our Services\n------------------", "Using our Services"),
        ("**Limitation of Liability**.", "**Limitation of Liability**."),
        ("We may end your access.", "We may end your access."),
        ("#hashtag rules apply.", "#hashtag rules apply."),
    ],
)
def test_quote_form_drops_heading_marks_only(sentence: str, quote: str) -> None:
    assert quote_form(sentence) == quote


def test_the_summary_skips_headings_and_date_lines() -> None:
    """A numbered Markdown heading, a bold title line and a "Last updated" line say what and
    when, not what the clause provides; the summary starts at the first term."""
    text = (
        "**Meta Global Processor Terms**\n\n"
        "**Last Updated:** March 20, 2026\n\n"
        "**1\\. Who your contract is with**\n---------------------------------\n\n"
        "The company you are contracting with depends on where you live. "
        "We may change these terms at any time."
    )
    summary = analyze_clause(text).summary
    lead = summary.removeprefix("Extractive summary (offline, rule-based): ")
    assert lead.startswith("The company you are contracting with depends on where you live.")
    assert "Last Updated" not in summary
    assert "Processor Terms" not in summary


class TestSeverity:
    """The severity rubric of the prompt (``prompts/system.md``), read offline: a change or an
    end "without notice" and a broad liability exclusion are high; the same with notice, or a
    capped liability, are a bounded effect (medium); describing what is collected informs."""

    @pytest.mark.parametrize(
        ("text", "level"),
        [
            ("We may modify these Terms at any time without notice.", "high"),
            (
                "We may modify these Terms. If we do, we will notify you at least 30 days "
                "before the changes take effect.",
                "medium",
            ),
            ("We may suspend your account at our sole discretion.", "high"),
            ("In no event will we be liable for any indirect or consequential damages.", "high"),
            ("Our total liability to you is limited to the amount you paid us.", "medium"),
            ("We collect the name and email address you give us when you sign up.", "low"),
        ],
    )
    def test_the_level_follows_the_wording(self, text: str, level: str) -> None:
        assert analyze_clause(text).severity == level

    def test_a_lowered_level_says_why(self) -> None:
        analysis = analyze_clause(
            "We may modify these Terms. We will notify you 30 days before changes take effect."
        )
        rationale = analysis.institutional_analysis.governance_exposure.rationale
        assert "One level lower here: unilateral change is high only when" in rationale
        kept = analyze_clause("We may modify these Terms at any time without notice.")
        assert "lower" not in kept.institutional_analysis.governance_exposure.rationale

    def test_in_community_guidelines_the_topics_of_the_rules_are_low(self) -> None:
        """Instagram's "Cannabis" rules restrict some content "to adults 18 years of age and
        older", YouTube's hate-speech rules list protected traits: in guidelines these are what
        the rules are about, not an age limit on the user or the provider's processing of
        sensitive data (the development readers rate such clauses low). In terms, an age limit
        is still medium."""
        text = (
            "For the following content, we restrict visibility to adults 18 years of age and "
            "older: content that promotes cannabis products."
        )
        guideline = analyze_clause(text, terms_type="Community Guidelines")
        assert "age_restrictions" in guideline.categories
        assert guideline.severity == "low"
        rationale = guideline.institutional_analysis.governance_exposure.rationale
        assert "Low here: in community guidelines, age restrictions is a topic" in rationale
        terms = "You must be at least 18 years of age to use the Services."
        assert analyze_clause(terms, terms_type="Terms of Service").severity == "medium"

    @pytest.mark.parametrize(
        ("terms_type", "title", "headings"),
        [
            ("Developer Terms", "X Developer Terms", ()),
            ("Commercial Terms", "Le Chat Commercial Terms", ()),
            ("Terms of Service", "Llama API Terms of Service", ("Meta Model API Terms",)),
        ],
    )
    def test_business_terms_are_at_most_medium(
        self, terms_type: str, title: str, headings: tuple[str, ...]
    ) -> None:
        """X's developer agreement waives class actions and excludes liability "in no event":
        high for a consumer, but these bind a business (the development readers rate such
        clauses low or medium)."""
        text = (
            "YOU AND X AGREE THAT EACH MAY BRING CLAIMS AGAINST THE OTHER ONLY IN YOUR OR ITS "
            "INDIVIDUAL CAPACITY, AND NOT AS A PLAINTIFF OR CLASS MEMBER IN ANY PURPORTED CLASS "
            "OR REPRESENTATIVE PROCEEDING."
        )
        business = analyze_clause(text, headings, document_title=title, terms_type=terms_type)
        assert "class_action_waiver" in business.categories
        assert business.severity == "medium"
        rationale = business.institutional_analysis.governance_exposure.rationale
        assert "At most medium here: these are business terms" in rationale
        consumer = analyze_clause(text, document_title="X Terms", terms_type="Terms of Service")
        assert consumer.severity == "high"


class TestLanguage:
    GERMAN = (
        "Wir verarbeiten Ihre personenbezogenen Daten nur, wenn Sie uns Ihre Einwilligung "
        "gegeben haben oder wenn die Verarbeitung für die Erfüllung eines Vertrags mit Ihnen "
        "erforderlich ist."
    )

    def test_german_text_is_not_assessed_and_says_so(self) -> None:
        analysis = analyze_clause(self.GERMAN)
        assert analysis.summary.startswith("Not assessed: the clause looks like German text")
        assert analysis.categories == []
        assert analysis.applicable_agencies == []
        assert analysis.confidence == "low"

    async def test_the_result_carries_the_not_english_stop_and_is_flagged(self) -> None:
        from clauselens.review.flags import load_flag_rules

        clause = ClauseInput(
            clause_sha256=clause_sha256(self.GERMAN),
            heading_path=("Datenschutz",),
            text=self.GERMAN,
            prompt_text=self.GERMAN,
            truncated=False,
            truncation_reason=None,
            document=DocumentContext("Beispiel", "Datenschutz", "Privacy Policy"),
        )
        result = await OfflineAnalyzer().analyze(clause)
        assert result.provenance.stop_reason == "not_english"
        rule = next(r for r in load_flag_rules().rules if r.code == "not_english")
        assert "not_english" in rule.params["stop_reasons"]

    @pytest.mark.parametrize(
        ("text", "code"),
        [
            ("We collect the information you give us when you create an account with us.", "en"),
            ("Nous collectons les informations que vous nous donnez en créant un compte.", "fr"),
            ("Recopilamos la información que usted nos da al crear una cuenta en el sitio.", "es"),
            ("Call us", "und"),
            (
                "Usage Policy ====== Effective September 15, 2025 [Previous Version]"
                "(https://example.com/legal/archive/7197103a-5e27-4ee4-93b1-f2d4c39ba1e7)",
                "und",
            ),
            (
                "Os seus dados pessoais são tratados pela empresa para a prestação do serviço "
                "e para o cumprimento das obrigações legais.",
                "pt",
            ),
        ],
    )  # fmt: skip
    def test_detects_the_language_of_ordinary_sentences(self, text: str, code: str) -> None:
        assert detect_language(text).code == code


class TestSummaries:
    def test_a_list_lead_in_is_quoted_with_its_first_item(self) -> None:
        """Claude's usage policy was explained as found in "This includes using our products or
        services to:", which does not say what is forbidden; the first item does. A lead-in
        that ends the clause is quoted alone."""
        lead = "This includes using our products or services to:"
        item = "Incite, facilitate, or promote violent extremism or terrorism"
        listed = analyze_clause(
            f"Do Not Incite Violence\n\n{lead}\n\n*   {item}\n*   Harass people"
        )
        assert f"found in \u201c{lead} {item}" in listed.why_it_matters
        last = "You can opt out of personalised ads as follows:"
        alone = analyze_clause(f"Your choices\n\n{last}")
        assert f"found in \u201c{last}\u201d" in alone.why_it_matters

    @pytest.mark.parametrize(
        ("text", "told"),
        [
            ("You must be at least 13 years old to use Pinterest.", "at what age"),
            ("This proactive technology includes tools that help us recognize hashes of known "
             "illegal content and can detect violations of our terms in the text of a post.",
             "how its rules are enforced"),
        ],
    )  # fmt: skip
    def test_usage_rules_of_a_non_ai_service_are_not_said_to_shape_ai_outputs(
        self, text: str, told: str
    ) -> None:
        """Age limits and enforcement are in the AI-policy group of the taxonomy, but a social
        network's age limit has nothing to do with AI outputs: the consumer impact says what the
        clause decides, not what an AI service's usage rules would."""
        analysis = analyze_clause(text, terms_type="Terms of Service")
        assert {"age_restrictions", "safety_enforcement"} & set(analysis.categories)
        assert "AI outputs" not in analysis.consumer_impact
        assert told in analysis.consumer_impact

    def test_a_clause_without_sentences_gets_a_summary_of_what_is_there(self) -> None:
        analysis = analyze_clause("[Home](/) | [Privacy](/privacy) | [Terms](/terms) | [Help]")
        assert "(no sentence text)" not in analysis.summary
        assert "Privacy" in analysis.summary

    @given(st.text(alphabet=st.characters(categories=["L", "N", "P", "Zs"]), min_size=1))
    def test_no_summary_is_a_placeholder(self, text: str) -> None:
        if not text.strip():
            return
        summary = analyze_clause(text).summary
        assert "(no sentence text)" not in summary
        assert summary.strip()


def test_a_plain_line_repeating_the_section_heading_is_a_heading() -> None:
    """Instagram's privacy policy opens a section with the plain line "What information do we
    collect?", which the segmenter takes as its heading: why-it-matters, the landscape and the
    quotes cite the sentences under it, as they would under a Markdown heading."""
    text = (
        "What information do we collect?\n\n"
        "The information we collect and process about you depends on how you use our Products. "
        "When you use our Products, we collect some information about you even if you don't "
        "have an account."
    )
    path = ("Privacy Policy", "What information do we collect?")
    analysis = analyze_clause(text, path, terms_type="Privacy Policy")
    assert "(found in \u201cThe information we collect" in analysis.why_it_matters
    assert "on \u201cWhat information" not in analysis.institutional_analysis.regulatory_landscape
    assert "What information do we collect?" not in analysis.evidence_quotes
    without_path = analyze_clause(text, (), terms_type="Privacy Policy")
    assert "(found in \u201cWhat information do we collect?" in without_path.why_it_matters


@pytest.mark.parametrize("label", ["CHANGE LOG", "Your Content", "### remove", "*   Change."])
def test_a_one_or_two_word_label_gives_the_classifier_nothing_to_read(label: str) -> None:
    """Instagram's community-standards pages carry a "CHANGE LOG" menu item: the classifier,
    trained on sentences, read it as a unilateral change in every one of them."""
    text = f"{label}\n\nWe aim to prevent potential offline violence on our platforms."
    findings = detect(text).findings
    assert not [f for f in findings if f.sentence == label and f.source == "classifier"]


def test_the_classifier_still_reads_a_short_sentence() -> None:
    findings = detect("We may change these Terms at any time.").findings
    assert any(f.category == "unilateral_change" for f in findings)


def test_an_age_limit_written_as_and_older_is_an_age_restriction() -> None:
    """TikTok: "You must be 18 and older to use monetization features." A bold sentence is
    emphasis, so the summary keeps it."""
    text = (
        "TikTok offers tools that enable creators to earn money and cash rewards. "
        "**You must be 18 and older to use monetization features.**"
    )
    analysis = analyze_clause(text)
    assert "age_restrictions" in analysis.categories
    assert "You must be 18 and older to use monetization features." in analysis.summary
    assert "age_restrictions" not in analyze_clause("We refund 18 or more items.").categories


def test_the_innermost_heading_naming_a_region_decides() -> None:
    """Bluesky nests "EU and UK GDPR" in its list under "U.S. States": the section is for the
    EU and the UK, so US law is not named on it."""
    assert nearest_regions(["Privacy Policy", "U.S. States", "EU and UK GDPR"]) == {"EU", "UK"}
    assert nearest_regions(["Privacy Policy", "U.S. States", "Appeals"]) == {"US"}
    assert nearest_regions(["Contact us"], "Terms (EU)") == {"EU"}
    assert nearest_regions(["Contact us"]) == set()


def test_a_section_for_a_region_outside_the_knowledge_base_names_none_of_its_law() -> None:
    """Claude's "Supplemental Disclosures for Residents of Canada" named the FTC, California's
    agencies, the EDPB and the ICO; the knowledge base holds no Canadian law, so it names none.
    A heading that names such a region beside one it covers keeps the covered region's law."""
    text = (
        "By expressly consenting to this Privacy Policy, you consent to the collection, use, "
        "processing, and disclosure of your personal data in accordance with this Privacy Policy."
    )
    section = ("Privacy Policy", "Supplemental Disclosures for Residents of Canada")
    canada = analyze_clause(text, section, terms_type="Privacy Policy", document_title="Privacy")
    assert canada.applicable_agencies == []
    assert canada.institutional_analysis.regulatory_landscape.startswith("Not assessed")
    everywhere = analyze_clause(text, section[:1], terms_type="Privacy Policy")
    assert "GDPR (EU)" in everywhere.institutional_analysis.regulatory_landscape
    assert nearest_regions(["Users in Brazil and the EU"]) == {"EU", OTHER_REGION}


@pytest.mark.parametrize(
    ("first", "condition", "regions"),
    [
        ("If European Union (EU) or United Kingdom (UK) data protection law applies to the "
         "processing of your information, we provide the controls described in this policy.",
         "European Union (EU) or United Kingdom (UK) data protection law applies to the "
         "processing of your information", {"EU", "UK"}),
        ("If you live in the EEA, Switzerland or the UK, we take additional steps.",
         " you live in the EEA, Switzerland or the UK", {"EU", "UK"}),
        ("If you're an EEA-based consumer, then EEA consumer laws provide you with a guarantee.",
         " you're an EEA-based consumer", {"EU"}),
        ("For example, we may share your data with our partners.", " example", set()),
        ("We keep your data, if you agree, for a year.", "", set()),
    ],
)  # fmt: skip
def test_a_clause_opening_with_a_regional_condition_is_for_that_region(
    first: str, condition: str, regions: set[str]
) -> None:
    """Google's "How to exercise your rights" names no region in its headings; its first
    sentence is conditioned on EU or UK law, so US state privacy agencies are not named on it.
    A heading naming a region still decides first."""
    assert opening_condition([first, "You also have the right to object."]).strip() == (
        condition.strip()
    )
    assert nearest_regions(["How to exercise your rights"], "", condition) == regions
    assert nearest_regions(["U.S. States"], "", condition) == {"US"}


def test_us_agencies_are_not_named_on_a_clause_for_eu_and_uk_law() -> None:
    text = (
        "If European Union (EU) or United Kingdom (UK) data protection law applies to the "
        "processing of your information, you can exercise your rights to request access to, "
        "update, remove and restrict the processing of your information. You also have the right "
        "to object to the processing of your information or export your information."
    )
    unconditioned = text.replace(
        "If European Union (EU) or United Kingdom (UK) data protection law applies to the "
        "processing of your information, you",
        "You",
    )
    names = analyze_clause(
        unconditioned, ["How to exercise your rights"], terms_type="Privacy Policy"
    )
    assert any("Federal Trade Commission" in a.name for a in names.applicable_agencies)
    analysis = analyze_clause(text, ["How to exercise your rights"], terms_type="Privacy Policy")
    assert analysis.applicable_agencies
    assert not any(a.jurisdiction.startswith("US") for a in analysis.applicable_agencies)


def test_governing_law_and_courts_in_their_consumer_wording() -> None:
    """Le Chat's EEA terms: "governed by the substantive law of your country of residence",
    "the competent courts of Paris, France, and French law will apply"."""
    text = (
        "**Governing law and venue.** As an EEA consumer, you may bring claims before the courts "
        "of your country of residence and such claims shall be governed by the substantive law "
        "of your country of residence. You may also bring a claim before the competent courts "
        "of Paris, France, and French law will apply to such claims."
    )
    categories = analyze_clause(text).categories
    assert "choice_of_law" in categories
    assert "jurisdiction" in categories
    disclosure = (
        "We may disclose data if directed to do so by any competent court of law, regulatory "
        "authority, or law enforcement."
    )
    assert "jurisdiction" not in analyze_clause(disclosure).categories


def test_for_more_information_is_no_statement_about_personal_information() -> None:
    """In a privacy notice, "information" engages data-protection law; the idiom "for more
    information" (a list of links, "What If I Have Questions or Need More Information?") does
    not."""
    pointer = "Please see our Artificial Intelligence section for more information."
    statement = "We use the information you give us to provide the service."
    assert not named_in(analyze_clause(pointer, terms_type="Privacy Policy")).regulations
    assert "gdpr" in named_in(analyze_clause(statement, terms_type="Privacy Policy")).regulations


def test_training_on_user_content_has_its_own_consumer_impact() -> None:
    """It sits in the AI-policy group, whose consumer text is about usage rules; LinkedIn's
    notice on training its models was told it "sets what the service may be used for"."""
    text = "We may use your content and conversations to train and improve our AI models."
    impact = analyze_clause(text, terms_type="Privacy Policy").consumer_impact
    assert "go into training the provider's models" in impact
    assert "what the service may be used for" not in impact
    rule = analyze_clause(
        "You may not use the Services to build weapons. Do not use them to harass others."
    )
    assert "what the service may be used for" in rule.consumer_impact


def test_why_it_matters_quotes_the_best_supported_sentence() -> None:
    """Discord's "Term & Termination": the classifier alone reads termination into "Your right
    to terminate." (the user's); the provider's right is where rule and classifier agree."""
    text = (
        "Your right to terminate. You're free to stop using the services at any time.\n\n"
        "Our right to terminate. Subject to applicable law, we reserve the right to suspend or "
        "terminate your account and/or your access to some or all of our services with or "
        "without notice, at our discretion for any reason."
    )
    why = analyze_clause(text).why_it_matters
    assert "(found in \u201cSubject to applicable law, we reserve the right to suspend" in why


def test_processor_terms_and_data_protection_law_engage_the_gdpr() -> None:
    """Llama API's "European Region Terms": Meta processes Company EU Data "as a Processor"
    as "required under European Data Protection Requirements". A payment processor is no
    data processor."""
    processor = (
        "To the extent that Meta Processes Company EU Data as a Processor on behalf of Company, "
        "the Parties shall comply with these terms as required under European Data Protection "
        "Requirements."
    )
    payments = "Payments are handled by our payment processor, Stripe."
    regulations = named_in(analyze_clause(processor, terms_type="Terms of Service")).regulations
    assert {"gdpr", "uk_gdpr"} <= set(regulations)
    assert not named_in(analyze_clause(payments, terms_type="Terms of Service")).regulations


@pytest.mark.parametrize(
    "text",
    [
        "You grant us a worldwide, royalty-free, sublicensable licence to use, copy and display "
        "any content you post.",
        "You agree to indemnify and hold us harmless from any claims arising from your use of "
        "the Services.",
        "Your subscription renews automatically each month and we will charge your payment "
        "method until you cancel.",
    ],
)
def test_consumer_unfair_terms_law_reads_licences_indemnities_and_renewals(text: str) -> None:
    """The CPC network's action on social media terms (2018-2019) took up broad licences to
    user content and consumer indemnities; automatic extension is in the Directive's annex
    (1)(h). Business terms are outside its remit."""
    consumer = named_in(analyze_clause(text, terms_type="Terms of Service")).regulations
    business = named_in(analyze_clause(text, terms_type="Developer Terms")).regulations
    assert {"uctd", "uk_cra"} <= set(consumer)
    assert not {"uctd", "uk_cra"} & set(business)


def test_a_severability_clause_naming_an_arbitrator_engages_no_arbitration_law() -> None:
    """Microsoft's "Miscellaneous": "If a court or arbitrator holds that we can't enforce a part
    of these Terms ..." named the Federal Arbitration Act by its word "arbitrator"."""
    text = (
        "If a court or arbitrator holds that we can't enforce a part of these Terms as written, "
        "those terms shall be deemed replaced with similar terms."
    )
    assert "faa" not in named_in(analyze_clause(text, terms_type="Terms of Service")).regulations
    clause = "Any dispute will be resolved by binding individual arbitration."
    assert "faa" in named_in(analyze_clause(clause, terms_type="Terms of Service")).regulations


@pytest.mark.parametrize(
    "text",
    [
        "We may assign or transfer our rights or obligations under these Terms to any affiliate.",
        "Spotify may assign any or all of these Terms without your consent.",
        "We reserve the right to transfer our rights under these Terms to another entity.",
    ],
)
def test_the_providers_right_to_assign_the_contract_engages_unfair_terms_law(text: str) -> None:
    """The Directive's annex (1)(p) and the Consumer Rights Act's Schedule 2 (paragraph 19)
    list a term letting the trader transfer its rights and obligations without the consumer's
    agreement; the user's own bar on assigning is not that term."""
    assert {"uctd", "uk_cra"} <= set(
        named_in(analyze_clause(text, terms_type="Terms of Service")).regulations
    )
    barred = "You may not assign or transfer any of your rights or obligations under these Terms."
    mutual = "Neither party may assign this Agreement without the other party's consent."
    for other in (barred, mutual):
        regulations = named_in(analyze_clause(other, terms_type="Terms of Service")).regulations
        assert not {"uctd", "uk_cra"} & set(regulations), other


def test_disclosing_personal_data_is_sharing_and_receiving_requests_no_collection() -> None:
    """Google's "For legal reasons": "We will share personal information outside of Google if
    ..." had no sharing category (no third party, no "with" named), and the FTC only through
    "requests that we receive from governments", read as collection. A cross-reference to a
    section ("the Reasons we share personal data section") is no disclosure."""
    for text in (
        "We will share personal information outside of Google if we have a good-faith belief "
        "that disclosure of the information is reasonably necessary.",
        "Furthermore, we may disclose your personal data in these jurisdictions in response to "
        "legal processes.",
    ):
        assert "third_party_sharing" in analyze_clause(text, terms_type="Privacy Policy").categories
    pointer = "Please refer to the Reasons we share personal data section for more information."
    assert "third_party_sharing" not in analyze_clause(pointer).categories
    for counted in (
        "We publish the number and type of requests that we receive from governments.",
        # Google's "Data transfers", X's abuse policy
        "When we receive formal written complaints, we respond by contacting the person who made "
        "the complaint.",
        "However, we will still take action against these accounts if we receive reports about "
        "posts that are in violation of our rules.",
    ):
        assert "first_party_collection" not in analyze_clause(counted).categories, counted
    assert (
        "first_party_collection" in analyze_clause("We receive your data from partners.").categories
    )


@pytest.mark.parametrize(
    ("category", "text"),
    [
        # Grok's "Paid Accounts" and Le Chat's price changes
        ("payment_and_renewal", "For paid subscriptions, we will automatically charge your "
         "payment method on each periodic renewal until you cancel."),
        ("payment_and_renewal", "We may change our prices from time to time."),
        # Google's "Age requirements", its link and curly apostrophe as captured
        ("age_restrictions", "If you’re under the [age required to manage your own Google "
         "Account](https://support.google.com/accounts/answer/1350409), you must have your "
         "parent or legal guardian’s permission to use a Google Account."),
        ("age_restrictions", "You must have parental or legal guardian permission, where "
         "required, if you are a minor creating an account."),
        ("age_restrictions", "Minors need their parent or legal guardian’s permission."),
        ("age_restrictions", "If you do not know whether you have reached the age of majority "
         "where you live, please ask your parent."),
        # Facebook's "Ensuring access to our Products", the place named 140 characters on
        ("international_transfer", "We need to transfer, store and distribute content and data "
         "to our data centers, partners, service providers, vendors and systems around the "
         "world, including outside your country of residence."),
        # Claude's "Ownership of the Services": two sentences, the second with "or"
        ("intellectual_property", "We and our Providers retain all our respective rights, "
         "title, and interest, including intellectual property rights, in and to the Services. "
         "Our Terms do not grant you any right, title, or interest in or to our Services."),
        # Claude's usage policy: a "Do Not ..." heading over "This includes using ... to:"
        ("prohibited_uses", "Do Not Develop or Design Weapons\n\nThis includes using our "
         "products or services to:\n\n*   Produce, modify, design, or illegally acquire weapons, "
         "explosives, dangerous materials or other systems designed to cause harm"),
        # TikTok's and YouTube's guidelines: what users may not post
        ("user_conduct", "We don’t allow content that shows or promotes suicide or self-harm. "
         "We don’t allow content that promotes disordered eating."),
        ("user_conduct", "Don’t post content on YouTube if it encourages violence. Don’t post "
         "content that incites hatred."),
        # what the contract covers and what outlives it (TikTok's, Pinterest's, Bluesky's)
        ("governing_contract", "These Terms govern your use of TikTok services, which includes "
         "TikTok and other services we provide."),
        ("governing_contract", "Certain provisions of these Terms will continue to apply after "
         "termination."),
        # TikTok's "Notice and Appeals"
        ("safety_enforcement", "If you think we made a mistake, you can appeal our decision "
         "to remove your content."),
        # Twitch's "Claims" and X's terms: a contractual time bar on claims
        ("limitation_of_liability", "TO THE EXTENT PERMITTED BY APPLICABLE LAW, YOU AND TWITCH "
         "AGREE THAT ANY CAUSE OF ACTION ARISING OUT OF OR RELATED TO THE TWITCH SERVICES MUST "
         "COMMENCE WITHIN ONE (1) YEAR AFTER THE CAUSE OF ACTION ACCRUES."),
        ("limitation_of_liability", "You and X agree that you must initiate any proceeding or "
         "action asserting a federal claim within one (1) year of the date of the occurrence of "
         "the event or facts giving rise to a dispute."),
    ],
)  # fmt: skip
def test_a_term_missed_in_its_usual_wording_is_found(category: str, text: str) -> None:
    """Each of these clauses of the corpus had no category for what it plainly says."""
    assert category in analyze_clause(text, terms_type="Terms of Service").categories


@pytest.mark.parametrize(
    "text",
    [
        # Meta's legal-basis tables, in 50 clauses: who a basis covers, not an age limit
        "For all registered users of the Meta Products, including those under the age of majority.",
        "It is in the interests of all WhatsApp users under the age of majority to receive "
        "these notifications.",
    ],
)
def test_who_a_legal_basis_covers_is_no_age_limit(text: str) -> None:
    assert "age_restrictions" not in analyze_clause(text, terms_type="Privacy Policy").categories


def test_a_list_lead_in_takes_its_first_items() -> None:
    """Facebook: "We collect device information like:" was a summary on its own."""
    text = (
        "We collect device information like:\n\n"
        "*   The type of device\n*   Details about its operating system\n"
        "*   Battery level\n*   Signal strength\n*   Browser type"
    )
    lead = analyze_clause(text, terms_type="Privacy Policy").summary
    assert (
        "We collect device information like: The type of device; Details about its operating "
        "system; Battery level; ..."
    ) in lead


def test_a_clause_of_links_is_summarised_as_a_list_of_links() -> None:
    """Google's "Contents" was summarised as "Your relationship with Google Content in Google
    services": the two lines of four words or more, run together."""
    names = ["Introduction", "Your relationship with Google", "Using Google services"]
    names += ["Content in Google services", "About these terms", "Withdrawal", "Contact"]
    text = "Contents\n--------\n\n" + "\n\n".join(
        f"[{n}](https://x.y/#{i})" for i, n in enumerate(names)
    )
    summary = analyze_clause(text, ["Terms"]).summary
    assert "A list of 7 links: Introduction; Your relationship with Google;" in summary
    assert "About these terms; Withdrawal; ..." in summary
    assert "Contact" not in summary
    prose = analyze_clause("[Manage your settings](https://x.y) to control ads. We use cookies.")
    assert "A list of" not in prose.summary


def test_a_quote_from_a_table_reads_as_its_cells() -> None:
    """Le Chat's "Why do we use your personal data?" was explained by a quote starting
    "| | | | | | | | | Why we use your personal data": the empty header cells of the table."""
    text = (
        "|     |     |     |\n| --- | --- | --- |\n"
        "| **Why we use your personal data** | **Categories of personal data** "
        "| **Lawful basis** |\n"
        "| To provide the products | We collect your account data and your usage data | Contract |"
    )
    why = analyze_clause(
        text, ["Why do we use your personal data?"], terms_type="Privacy"
    ).why_it_matters
    assert "first-party" in why or "collection or use of personal data" in why
    assert "| |" not in why
    assert "“|" not in why
    assert "Why we use your personal data | Categories of personal data | Lawful basis |" in why


def test_a_summary_does_not_open_with_a_section_label() -> None:
    """Telegram's API terms: "2.1. You must obtain your own api_id ..." """
    text = "2.1. You must obtain your own key for your app. 2.2. We offer our API free of charge."
    summary = analyze_clause(text, ["2. Using the API"]).summary
    assert "You must obtain your own key for your app. We offer our API free of charge." in summary
    assert "2.1" not in summary


def test_a_linked_heading_with_an_escaped_label_is_no_summary() -> None:
    """GitHub's "### [3\\. Development and Improvement ...](#3-development-...)": its summary
    opened with the heading's link cut after the label."""
    text = (
        "### [3\\. Development and Improvement Using Your Input and Output]"
        "(#3-development-and-improvement-using-your-input-and-output)\n\n"
        "We use your Inputs to generate Outputs and provide the AI Features."
    )
    heading = ("J. AI Features", "3. Development and Improvement Using Your Input and Output")
    summary = analyze_clause(text, heading, terms_type="Terms of Service").summary
    assert "We use your Inputs to generate Outputs" in summary
    assert "](" not in summary
    assert "Development and Improvement" not in summary


def test_a_subheading_line_in_the_body_is_no_summary() -> None:
    """X's "Curation policy" summary began "Impartiality, accuracy and standards We aim to ...":
    a title line of the body, run into the first sentence."""
    text = (
        "### Curation policy\n\nImpartiality, accuracy and standards\n\n"
        "We aim to uphold high standards of accuracy, impartiality and fairness in our curation. "
        "Moments are intended to feature compelling, original, and diverse content."
    )
    summary = analyze_clause(text, ["Moments", "Curation policy"]).summary
    assert "Impartiality, accuracy and standards" not in summary
    assert "We aim to uphold high standards" in summary


def test_a_liability_carve_out_is_not_quoted_as_the_limitation() -> None:
    """Google's "For all users": "These terms don't limit liability for:" protects the user; the
    limitation is the sentence after it."""
    text = (
        "### For all users\n\nThese terms don't limit [liability](https://x.y/#liability) for:\n\n"
        "*   fraud or fraudulent misrepresentation\n"
        "*   death or personal injury caused by negligence\n*   gross negligence\n"
        "*   willful misconduct\n\nOther than the liabilities described above, Google is liable "
        "only for its breaches of these terms or applicable [service-specific additional "
        "terms](https://x.y/terms), subject to applicable law."
    )
    path = ["In case of problems or disagreements", "Liabilities", "For all users"]
    analysis = analyze_clause(text, path, terms_type="Terms of Service")
    assert "limitation_of_liability" in analysis.categories
    assert "Google is liable only for its breaches" in analysis.why_it_matters
    assert "don't limit liability" not in analysis.why_it_matters


def test_a_short_lead_in_still_takes_its_items() -> None:
    """Google's licence "Scope": "This licence is:" was skipped as too short, and the summary ran
    two bare items together; and a nested lead-in item keeps no colon before the separator."""
    text = (
        "### Scope\n\nThis licence is:\n\n"
        "*   worldwide, which means that it's valid anywhere in the world\n"
        "*   non-exclusive, which means that you can licence your content to others:\n"
        "*   royalty-free, which means that there are no fees"
    )
    summary = analyze_clause(text, ["Licence", "Scope"]).summary
    assert (
        "This licence is: worldwide, which means that it's valid anywhere in the world; "
        "non-exclusive, which means that you can licence your content to others; royalty-free"
    ) in summary


@pytest.mark.parametrize(
    "line",
    [
        "Updated: 23 days ago",
        "Last updated: March 20, 2026",
        # Instagram's privacy policy: the date with the page's links after it
        "Effective July 23, 2026 | [View printable version](https://x.y/p) | "
        "[See previous versions](https://x.y/v)",
    ],
)
def test_date_lines_are_no_summary(line: str) -> None:
    summary = analyze_clause(f"{line}\n\nWe may change these terms at any time.").summary
    assert line.split(" | ", maxsplit=1)[0] not in summary
    assert "We may change these terms at any time." in summary


def test_text_messages_as_data_are_no_tcpa_matter() -> None:
    """Perplexity lists "contents of mail, email, or text messages" among sensitive data (a
    CPRA category); the TCPA governs sending calls and texts."""
    listed = (
        "Sensitive data you choose to provide could reveal contents of mail, email, or text "
        "messages. You may withdraw your consent at any time."
    )
    sent = "By providing your number you agree to receive marketing text messages from us."
    assert "tcpa" not in named_in(analyze_clause(listed, terms_type="Privacy Policy")).regulations
    assert "tcpa" in named_in(analyze_clause(sent, terms_type="Privacy Policy")).regulations


def test_the_data_privacy_frameworks_recourse_is_no_arbitration_clause() -> None:
    """Privacy notices under the EU-U.S. Data Privacy Framework tell individuals they "may be
    entitled to invoke binding arbitration": an option the Framework gives them, not a term
    sending their disputes to arbitration (which the severity table makes high)."""
    dpf = (
        "Under certain conditions, you may be entitled to invoke binding arbitration to resolve "
        "your complaint."
    )
    imposed = "Any dispute between you and us will be resolved by binding arbitration."
    analysis = analyze_clause(dpf, terms_type="Privacy Policy")
    assert "arbitration" not in analysis.categories
    assert analysis.severity != "high"
    assert "arbitration" in analyze_clause(imposed).categories


def test_in_no_event_shall_we_exclude_is_a_carve_out_not_a_broad_exclusion() -> None:
    """Le Chat: "In no event shall we exclude or limit liability for ..." protects the consumer;
    it does not make the limitation of liability broad (high)."""
    carve_out = (
        "We are not liable for indirect losses. In no event shall we exclude or limit liability "
        "for death or personal injury caused by our negligence."
    )
    broad = "In no event will we be liable for any indirect or consequential damages."
    assert analyze_clause(carve_out).severity == "medium"
    assert analyze_clause(broad).severity == "high"


DIRECTION_CASES = [
    # (category, texts that are not it, a text that is it, terms type); each from a document
    (
        # GitHub's forking licence is to other users, not the provider
        "content_license",
        [
            "By making a repository public, you grant other Users a nonexclusive, worldwide "
            "license to use, display and reproduce (by forking) Your Content through the Service."
        ],
        "You grant us a worldwide, non-exclusive, royalty-free license to host Your Content.",
        "Terms of Service",
    ),
    (
        # Google's and YouTube's "Legal guarantee": liability accepted is no limitation of it
        "limitation_of_liability",
        [
            "Under this guarantee, we’re [liable](https://policies.google.com/terms#footnote-"
            "liability) for any [lack of conformity](https://policies.google.com/terms#footnote-"
            "lack-conformity) that you discover:",
        ],
        "We are liable for any loss only up to the amount you paid us in the past 12 months.",
        "Terms of Service",
    ),
    (
        # Le Chat's and X's business terms: the provider's licence to the customer or developer
        "content_license",
        [
            "Subject to Customer's compliance with these Terms, Mistral AI hereby grants Customer "
            "and each of its End Users a non-exclusive, limited, non-transferable, and revocable "
            "license to install and use the Mistral AI App.",
            "X hereby grants to Company a limited, non-exclusive, non-transferable, "
            "non-sublicensable license to use the Ads API.",
        ],
        "Customer hereby grants to SpaceXAI a non-exclusive, worldwide, royalty-free license to "
        "use Customer Content to provide the Services.",
        "Commercial Terms",
    ),
    (
        # Le Chat: staff who need access to your data are not your access right
        "user_access_rights",
        [
            "**Our Team Members.** Authorized members of our teams who need to access your "
            "personal data, strictly to perform their jobs",
            # Facebook's "Audience settings are different from app permissions"
            "Your audience settings are different from the permissions you give to individual "
            "apps and websites to access your information.",
        ],
        "You can access your personal data and download a copy of it at any time.",
        "Privacy Policy",
    ),
    (
        # acceptable use policies' hacking bans; Snapchat's liability exclusion for data loss
        "data_security",
        [
            "You may not gain or attempt to gain unauthorized access to another user's systems, "
            "or circumvent any security measures of the Services.",
            "We will not be liable for any loss of data or any unauthorized access to or use of "
            "your content or data.",
            # Twitch's "Limitation of Liability"
            "IN NO EVENT SHALL TWITCH BE LIABLE FOR ANY DAMAGES RESULTING FROM THEFT, "
            "DESTRUCTION, OR UNAUTHORIZED ACCESS TO TWITCH'S RECORDS, PROGRAMS, OR SERVICES.",
        ],
        "We use encryption and security measures to protect your data.",
        "Privacy Policy",
    ),
    (
        # Grok's choice of law; Microsoft's promise not to use email for ads
        "prohibited_uses",
        [
            "Unless prohibited by your country's applicable law, the laws of the State of Texas "
            "will govern these Terms. Unless prohibited by applicable law, all disputes will be "
            "resolved in Texas.",
            "We do not use what you say in email to target advertising to you. We never use your "
            "files for ads.",
        ],
        "You may not use the Services to harass others. Do not use the Services to spam.",
        "Terms of Service",
    ),
    (
        # Pinterest: a clause about minors sets no age limit
        "age_restrictions",
        ["Minors or their authorised representatives can also email us about unwanted photos."],
        "Minors must be at least 13 years old to use the Services.",
        "Terms of Service",
    ),
    (
        # ChatGPT's denial; Perplexity's rule against users collecting data without consent
        "first_party_collection",
        [
            "We do not knowingly collect Personal Data from children under 13.",
            "Compromise the privacy of others (e.g., collecting, disclosing or otherwise "
            "processing personal data without consent).",
            # where data is processed (ChatGPT's and Discord's transfers), how long it is kept
            # (Bluesky), where to learn more (Spotify), how it is protected (Gemini): each its own
            # category, or a pointer, and no collection
            "OpenAI processes your Personal Data on servers located outside of the EEA, "
            "Switzerland and the UK for the purposes described in this policy.",
            "We keep the Personal Data we collect for as long as you use the Bluesky App Services.",
            "To learn more about how Spotify collects, uses, shares and protects your personal "
            "data, please see the Spotify Privacy Policy.",
            "We use encryption to keep your data private while in transit.",
            # Twitch's "Prohibited Conduct", a list item under "YOU AGREE NOT TO"
            "v. defame, harass, abuse, threaten, or defraud users of the Twitch Services, or "
            "collect or attempt to collect, personal information about users or third parties "
            "without their consent;",
        ],
        "We collect your email address and the content of your messages.",
        "Terms of Service",
    ),
    (
        # Le Chat's "Our enforcement": closing an account removes no content by itself
        "content_removal",
        [
            "Violations of this Usage Policy may result in temporary suspension or permanent "
            "termination of your account in accordance with our Terms of Service."
        ],
        "We may remove any content you post at any time and for any reason.",
        "Terms of Service",
    ),
    (
        # Microsoft Rewards: discretion over points is no power to close accounts
        "unilateral_termination",
        [
            "From time to time, Microsoft may offer or award you additional Points in its sole "
            "discretion and with or without prior notice, including for what Microsoft determines "
            "to be good-faith Searches and other interactions with Microsoft services."
        ],
        "We may suspend your access at any time and for any reason.",
        "Terms of Service",
    ),
    (
        # TikTok's Search: a risk of harm that is no high-risk use of the service
        "high_risk_use_requirements",
        [
            "In some situations, such as when there's an elevated risk of harm to users or "
            "communities, we may limit visibility of certain search results."
        ],
        "Our High-Risk Use Case Requirements apply to specific consumer-facing use cases that "
        "pose an elevated risk of harm.",
        "Acceptable Use Policy",
    ),
    (
        # Grok's enterprise terms: the provider's own indemnity of its customer
        "indemnification",
        [
            "SpaceXAI will defend Customer and its Affiliates from and against any third-party "
            "claim and indemnify and hold them harmless against any resulting costs.",
            # ChatGPT's terms: the provider's indemnity of its Enterprise customers
            "OpenAI's indemnification obligations to Enterprise customers under the Agreement "
            "include claims that Customer's use of Output infringes a third party's rights.",
        ],
        "Customer will defend SpaceXAI and its Affiliates from and against any third-party claim "
        "and indemnify and hold them harmless against any resulting Losses.",
        "Commercial Terms",
    ),
    (
        # Instagram's rules on money muling: money moved to third parties is no personal data
        "third_party_sharing",
        [
            "Offers or asks for money muling by offering employment to accept and transfer money "
            "to third parties using the victim's bank account.",
            # ChatGPT's "Your rights": the user's right to port data is no sharing
            "Transfer your Personal Data to a third party (right to data portability).",
            # Le Chat's credentials, Spotify's assignment: what the user may not pass on
            "You may not make your account credentials (including any API keys) available to "
            "third parties, share individual login credentials between multiple users.",
            "You may not assign these Terms, in whole or in part, nor transfer or sublicense "
            "your rights under these Terms to any third party.",
            # Perplexity's API terms: a mutual duty of confidentiality
            "Each party (the “Receiving Party”) shall keep confidential and not disclose to any "
            "third party all information and materials provided by the other party.",
            # Twitch's liability cap: products sold on third-party sites are not personal data
            "THESE LIMITATIONS OF LIABILITY ALSO APPLY WITH RESPECT TO DAMAGES INCURRED BY YOU "
            "BY REASON OF ANY PRODUCTS OR SERVICES SOLD OR PROVIDED ON ANY THIRD PARTY SITES.",
        ],
        "We share your information with third parties such as advertisers.",
        "Privacy Policy",
    ),
    (
        # X's copyright policy: "under 17 U.S.C. § 512(f)" is a statute, not an age
        "age_restrictions",
        [
            "Please be aware that under 17 U.S.C. § 512(f), you may be liable for any damages if "
            "you knowingly materially misrepresent that material is infringing."
        ],
        "You must be over 17 years old to use the Services.",
        "Terms of Service",
    ),
    (
        # Microsoft's software licence: a right to access the services is no data-access right
        "user_access_rights",
        [
            "You may not transfer the software, any software licences or any rights to access or "
            "use the Services.",
            # Pinterest's termination
            "We may terminate or suspend your right to access or use Pinterest for any violation.",
        ],
        "You have the right to access and delete your personal data.",
        "Terms of Service",
    ),
    (
        # Llama API's data commitments: a promise not to train
        "model_training_on_user_content",
        ["Meta does not train its AI models on Llama API Customer Content or Customer Data."],
        "We do not train our models on your content unless you opt in to share it with us. "
        "We may use your conversations to train and improve our AI models.",
        "Privacy Policy",
    ),
    (
        # Facebook's "Updating our Terms": the user's own way out, a link's words lost in capture
        "unilateral_termination",
        [
            "If you do not agree to our updated Terms or wish to terminate your agreement to this "
            "contract, you can your account at any time."
        ],
        "We may suspend or terminate your account at any time without notice.",
        "Terms of Service",
    ),
    (
        # Ownership kept by its owner is not data kept by the provider
        "data_retention",
        [
            "You retain ownership of your User Content when you post it to the Service.",
            "We retain all intellectual property rights in our content.",
            "You retain any [intellectual property rights](https://example.com/ip) that you hold.",
            "Customer (i) retains all ownership rights in Customer Data and (ii) owns all Output.",
        ],
        "You retain ownership of your content, and we retain your data for 30 days after you "
        "close your account.",
        "Terms of Service",
    ),
    (
        # Microsoft's severability: a court or an arbitrator may hold a term unenforceable
        "arbitration",
        [
            "If a court or arbitrator holds that we can't enforce a part of these Terms as "
            "written, those terms shall be deemed replaced with similar terms."
        ],
        "Any dispute will be resolved by binding individual arbitration.",
        "Terms of Service",
    ),
    (
        # Discord's "Contact us": an invitation to ask about processing is no processing
        "first_party_collection",
        [
            "Email us at privacy@example.com with any questions about this Privacy Policy or "
            "how we process your information."
        ],
        "We collect the information you provide when you create an account.",
        "Privacy Policy",
    ),
    (
        # Facebook's "Deleting Your Content": the user's own deletion, then backups
        "content_removal",
        [
            "You can delete individual content you share, post, and upload at any time.",
            "After the content is deleted, it may take us up to another 90 days to remove it "
            "from backups and disaster recovery systems.",
            "You can remove accounts from an Accounts Center at any time.",
            # GitHub's licence grant: the licences end with the user's own removal
            "These licenses end when you remove Your Content, unless other Users have forked it.",
        ],
        "We may remove any content you post at any time and for any reason.",
        "Terms of Service",
    ),
    (
        # Copilot's terms: access revoked, no content named (the classifier read it as removal)
        "content_removal",
        [
            "Unless prohibited by law, we may limit, suspend, or permanently revoke your access "
            "to or use of Copilot (and potentially all other Services) in our sole discretion, "
            "at any time and without notice."
        ],
        "We may remove any content you post at any time and for any reason.",
        "Terms of Service",
    ),
    (
        # Instagram's guidelines, in 19 clauses: a head count is no age
        "age_restrictions",
        ["Our global team of over 15,000 reviewers work every day to keep people safe."],
        "You must be over 13 to use the Services.",
        "Community Guidelines",
    ),
    (
        # Le Chat's "Your Data": fine-tuning data and a fine-tuned model are the user's own
        "model_training_on_user_content",
        [
            "You may provide input to the Mistral AI Products, such as prompts, content, or "
            "fine-tuning data, and receive output from the Mistral AI Products.",
            "For the avoidance of doubt, the Fine-Tuned Model does not constitute an Output.",
        ],
        "We may use your content to fine-tune our models.",
        "Terms of Service",
    ),
]


@pytest.mark.parametrize(
    ("category", "not_it", "it", "terms_type"),
    DIRECTION_CASES,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(DIRECTION_CASES)],
)
def test_categories_read_who_does_what(
    category: str, not_it: list[str], it: str, terms_type: str
) -> None:
    """A category's rule reads the direction of the provision (who may do what to whom): each
    text on the left was the category by its words alone."""
    for text in not_it:
        assert category not in analyze_clause(text, terms_type=terms_type).categories, text
    assert category in analyze_clause(it, terms_type=terms_type).categories


def test_a_users_prohibited_lending_or_cookie_copying_is_no_credit_or_tracking() -> None:
    """LinkedIn's "Don'ts": "Rent, lease, loan, trade ... the Services" named the ECOA and the
    FCRA (with the CFPB and the DOJ) on the verb "loan", and "copying cookies" (using another's
    account) read as tracking, with the ePrivacy Directive and PECR; X's login data "shared with
    a malicious third-party application" read as tracking and sharing. Credit offered and
    cookies set are still what they were."""
    dont = (
        "You agree that you will not: use or attempt to use another's account (such as sharing "
        "log-in credentials or copying cookies); rent, lease, loan, trade, sell/re-sell or "
        "otherwise monetize the Services or related data or access to the same, without "
        "LinkedIn's consent."
    )
    analysis = analyze_clause(dont, terms_type="Terms of Service")
    assert "tracking_and_cookies" not in analysis.categories
    assert not {"ecoa", "fcra", "eprivacy", "pecr"} & set(named_in(analysis).regulations)
    # X's guidelines, in six clauses: a user's login data leaked is neither sharing nor tracking
    leaked = analyze_clause(
        "Account compromise may occur when your login data (such as credentials, passwords, "
        "tokens, keys, cookies) are shared with a potential malicious third-party application "
        "or website.",
        terms_type="Community Guidelines",
    )
    assert not {"tracking_and_cookies", "third_party_sharing"} & set(leaked.categories)
    loans = analyze_clause("We use your data to decide on loans you apply for.")
    assert {"ecoa", "fcra"} <= set(named_in(loans).regulations)
    cookies = analyze_clause(
        "We use cookies to remember your settings.", terms_type="Privacy Policy"
    )
    assert "tracking_and_cookies" in cookies.categories
    assert {"eprivacy", "pecr"} <= set(named_in(cookies).regulations)


def test_a_deadline_for_complaints_is_no_time_bar_on_claims() -> None:
    """Snapchat's "You must submit any complaints within six months" is the platform's own
    complaint window, not a bar on legal claims; the time-bar pattern leaves it alone."""
    window = "You must submit any complaints within six months of the actions being taken."
    assert "limitation_of_liability" not in analyze_clause(window).categories


def test_a_gatekeeper_using_data_across_its_services_engages_the_dma() -> None:
    """Meta's and Google's notices use data "across the Meta Company Products" or "across Google
    services": what the Digital Markets Act limits for designated gatekeepers (Article 5(2)).
    The same words from a provider that names no gatekeeper engage nothing of it."""
    for text in (
        "We use information to provide consistent and seamless experiences across the Meta "
        "Company Products.",
        "We use the information that we collect to customise our services for you across "
        "Google services.",
    ):
        assert "dma" in named_in(analyze_clause(text, terms_type="Privacy Policy")).regulations
    other = "We may use your information to improve features across our products."
    assert "dma" not in named_in(analyze_clause(other, terms_type="Privacy Policy")).regulations


def test_tailored_ads_are_commercial_for_the_ftc() -> None:
    """Microsoft's "Third-Party Cookies": a targeted-advertising sentence about "ads" (not
    "advertising") fell outside the FTC Act's commercial scope."""
    text = (
        "These cookies help us and third parties show you ads and content tailored to your "
        "interests, based on your social media profiles and activity on our websites."
    )
    analysis = analyze_clause(text, terms_type="Privacy Policy")
    assert "targeted_advertising" in analysis.categories
    assert "ftc_act_s5" in named_in(analysis).regulations


@pytest.mark.parametrize(
    "text",
    [
        # Meta AI's EU terms: social scoring (AI Act Article 5(1)(c))
        "Evaluate or classify individuals based on social behavior or personal traits that leads "
        "to detrimental or unfavorable treatment.",
        # predictive policing (Article 5(1)(d)); biometric categorisation (Article 5(1)(g))
        "Make predictions about the likelihood that an individual will commit a criminal "
        "offense based solely on their personality traits.",
        "Use biometric categorization systems to infer a person's race or political opinions.",
    ],
)
def test_a_practice_the_ai_act_prohibits_engages_it(text: str) -> None:
    """Acceptable use policies forbid practices the AI Act prohibits (Article 5), and the
    national market surveillance authorities enforce those prohibitions (Article 74); no rule
    named the Act on them."""
    analysis = analyze_clause(text, terms_type="Acceptable Use Policy")
    assert "eu_ai_act" in named_in(analysis).regulations
    agencies = {agency.name for agency in analysis.applicable_agencies}
    assert "EU national market surveillance authorities (AI Act)" in agencies


def test_biometric_identity_checks_are_no_prohibited_ai_practice() -> None:
    """Checking an ID against a selfie is not a practice Article 5 lists."""
    text = "We may use your biometric data to verify your identity when you sign up."
    assert (
        "eu_ai_act" not in named_in(analyze_clause(text, terms_type="Privacy Policy")).regulations
    )


@pytest.mark.parametrize(
    ("text", "terms_type"),
    [
        # TikTok's guidelines: the content-rule triggers read "don't", and missed "don’t"
        (
            "We don't allow content that shows, promotes, or provides instructions for suicide "
            "or self-harm.",
            "Community Guidelines",
        ),
        ("Don't post content on YouTube if its purpose is to encourage violence.", "Community "
         "Guidelines"),
        ("We won't sell your personal information to third parties.", "Privacy Policy"),
        ("If you're under the age of 13, you may not use the Services.", "Terms of Service"),
        ("We're liable for any lack of conformity that you discover.", "Terms of Service"),
    ],
)  # fmt: skip
def test_typographic_apostrophes_read_like_plain_ones(text: str, terms_type: str) -> None:
    """Most captured documents write "don’t" with a typographic apostrophe, some put no-break
    spaces between words, and the knowledge base's patterns write "don't" and plain spaces: all
    must give the same categories and instruments."""
    plain = analyze_clause(text, terms_type=terms_type)
    # and no-break spaces (X's and YouTube's "**Content Spam:**\xa0You may not ...") as spaces,
    # and zero-width spaces (ChatGPT's "WILL NOT EXCEED \u200b\u200bTHE GREATER") as nothing
    variants = (text.replace("'", "’"), text.replace(" ", "\u00a0"), text.replace(" ", " \u200b"))
    for variant in variants:
        typeset = analyze_clause(variant, terms_type=terms_type)
        assert typeset.categories == plain.categories, variant
        assert named_in(typeset).regulations == named_in(plain).regulations, variant
        assert named_in(typeset).agencies == named_in(plain).agencies, variant


def test_a_content_rule_with_a_typographic_apostrophe_engages_the_law_of_online_content() -> None:
    text = "We don’t allow content that promotes or provides instructions for self-harm."
    regulations = named_in(analyze_clause(text, terms_type="Community Guidelines")).regulations
    assert {"dsa", "uk_osa"} <= regulations


def test_deception_users_may_not_engage_in_is_no_ftc_matter() -> None:
    """Anthropic's usage policy forbids users to "Create or disseminate deceptive or misleading
    information"; the word named the FTC Act on 12 corpus clauses of users' prohibitions. The
    Act is about the provider's own practices: it is named on the practices it covers, or where
    a clause names the FTC."""
    rule = "Create or disseminate deceptive or misleading information about a group or person."
    assert "ftc_act_s5" not in named_in(analyze_clause(rule, terms_type="Usage Policy")).regulations
    named = "Our compliance is subject to the investigatory and enforcement powers of the FTC."
    assert "ftc_act_s5" in named_in(analyze_clause(named, terms_type="Privacy Policy")).regulations


def test_what_the_provider_cannot_offer_is_no_content_rule() -> None:
    """X's counter-notice help ends "We cannot offer any legal advice.": the provider's own
    limit, not a rule for users' content, so it engages no law of online content; a user who
    may not offer something is under a content rule."""
    ours = "We cannot offer any legal advice."
    assert not named_in(analyze_clause(ours, terms_type="Community Guidelines")).regulations
    theirs = "You may not offer sexual services in exchange for money."
    regulations = named_in(analyze_clause(theirs, terms_type="Community Guidelines")).regulations
    assert {"dsa", "uk_osa"} <= regulations


def test_links_run_together_read_as_separate_words() -> None:
    """A help centre's breadcrumbs and Meta's link lists put one link straight after another:
    "All CollectionsConnectorsGeneral..." and "on FacebookHow to manage" read as one word each.
    A link's plural ("[GPT](url)s") stays one word."""
    crumbs = (
        "[All Collections](https://support.claude.com/en/)[Connectors](https://support.claude.com"
        "/en/collections/1)[General](https://support.claude.com/en/collections/2)Anthropic "
        "Software Directory Terms"
    )
    analysis = analyze_clause(crumbs, terms_type="Developer Terms")
    assert "All Collections Connectors General Anthropic Software Directory Terms" in (
        analysis.summary
    )
    assert "CollectionsConnectors" not in analysis.title
    plural = analyze_clause("Builders can share their [GPT](https://openai.com/gpts)s with others.")
    assert "GPTs" in plural.summary


def test_a_use_the_provider_forbids_is_low_severity_on_its_own() -> None:
    """What users may not do with the service (an acceptable use policy's prohibitions) is low
    severity for the user unless another category raises it; both label sets of the
    development clauses put most such clauses at low."""
    rules = (
        "You may not use the Services to develop weapons. You may not use the Services to "
        "generate spam."
    )
    analysis = analyze_clause(rules, terms_type="Acceptable Use Policy")
    assert analysis.categories == ["prohibited_uses"]
    assert analysis.severity == "low"
    with_removal = rules + " We may remove your content at any time without notice."
    assert analyze_clause(with_removal, terms_type="Acceptable Use Policy").severity != "low"


def test_what_the_provider_does_not_share_is_no_user_conduct() -> None:
    """Facebook's and Snapchat's "We don't share information that directly identifies you" is
    the provider's own practice, not a rule for users (the imperative "Don't share" is)."""
    text = (
        "We don’t share information that directly identifies you with advertisers. We do not "
        "share private content and communications with our service providers."
    )
    assert "user_conduct" not in analyze_clause(text, terms_type="Privacy Policy").categories
