"""Regression tests for the second outside walk-through of issue 14 (branch p14d)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grappe.engine.matching import informative
from grappe.partners import services
from grappe.partners.forms import ChallengeForm, detect_language
from grappe.partners.models import Challenge
from grappe.partners.queries import interest_segments
from tests.factories import ProposalFactory
from tests.partners.conftest import CHALLENGE_TEXT

GERMAN = (
    "Wir suchen Forscherinnen und Forscher für die Segmentierung von Tumoren in MRT-Bildern. "
    "Unsere Teams haben echte Daten aus den Kliniken und wollen robuste Methoden, die auch "
    "mit wenigen Beispielen funktionieren."
)
FRENCH = (
    "Nous cherchons des chercheuses et chercheurs pour la segmentation des tumeurs dans les IRM. "
    "Nos équipes disposent de données réelles et souhaitent des méthodes robustes avec peu d'exemples."
)


def test_languages_are_told_apart():
    assert detect_language(GERMAN) == "de"
    assert detect_language(FRENCH) == "fr"
    assert detect_language(CHALLENGE_TEXT) == "en"
    assert detect_language("deep learning, federated learning, MRI") is None  # too few words to tell


def challenge_data(**change):
    return {
        "title": "Imagerie",
        "text": CHALLENGE_TEXT,
        "language": "en",
        "collaboration": "phd",
        "visibility": "members",
        "end_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "keyword_names": "imaging, privacy",
    } | change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"text": GERMAN, "language": "fr"}, "This text reads as German"),
        ({"text": GERMAN, "language": "en"}, "This text reads as German"),
        ({"text": FRENCH, "language": "en"}, "This text reads as French but its language is set to English"),
        ({"text": CHALLENGE_TEXT, "language": "fr"}, "This text reads as English but its language is set to French"),
    ],
)
def test_a_statement_in_another_language_is_refused(client, partner_contact, company, relation, change, message):
    client.force_login(partner_contact)
    response = client.post(reverse("partners:challenge_new", args=[company.code]), challenge_data(**change))
    assert response.status_code == 200 and message in response.text
    assert not Challenge.objects.exists()


def test_the_refusal_is_translated(client, partner_contact, company, relation):
    client.force_login(partner_contact)
    client.cookies["django_language"] = "fr"
    response = client.post(
        reverse("partners:challenge_new", args=[company.code]), challenge_data(text=GERMAN, language="fr")
    )
    assert response.status_code == 200 and "Ce texte est rédigé en allemand" in response.text


def test_a_french_statement_declared_french_is_published(client, partner_contact, company, relation):
    client.force_login(partner_contact)
    response = client.post(
        reverse("partners:challenge_new", args=[company.code]), challenge_data(text=FRENCH, language="fr")
    )
    assert response.status_code == 302 and Challenge.objects.get().language == "fr"


def test_the_help_text_names_both_limits():
    assert "40,000 characters" in str(ChallengeForm().fields["text"].help_text)


# --- 1. Boilerplate and glued interests -------------------------------------------------------------


def set_interests(company, relation, partner_contact, interests, keywords=()):
    from grappe.people.models import Keyword

    company.refresh_from_db()
    relation.refresh_from_db()
    services.update_public_profile(
        company,
        description="",
        website="",
        interests=interests,
        keywords=[Keyword.objects.get_or_create(name=name)[0] for name in keywords],
        organisation_version=company.version,
        profile_version=relation.version,
        actor=partner_contact,
    )


def test_interests_are_cut_into_segments():
    assert interest_segments("language technology, information extraction; speech\nOCR.") == (
        "language technology",
        "information extraction",
        "speech",
        "OCR",
    )


def test_no_phrase_across_two_interests(applicant, company, partner_contact, relation):
    set_interests(company, relation, partner_contact, "French language technology, information extraction")
    proposal = ProposalFactory(lead=applicant.person, title="Language technology information extraction", abstract="")
    run = services.suggest_partners_for_proposal(proposal, actor=applicant, seed=1)
    (suggestion,) = run.suggestions.all()
    assert "technology information" not in " ".join(suggestion.terms)
    assert "language technology" in suggestion.terms and "information extraction" in suggestion.terms
    assert suggestion.document_code == f"{company.code}:interests"


def test_a_partner_sharing_only_boilerplate_is_not_suggested(applicant, company, partner_contact, relation):
    set_interests(company, relation, partner_contact, "Researchers and teams applied to industrial data")
    proposal = ProposalFactory(
        lead=applicant.person,
        title="Foundation models applied to radiology by researchers and teams",
        abstract="",
    )
    run = services.suggest_partners_for_proposal(proposal, actor=applicant, seed=1)
    assert list(run.suggestions.all()) == []
    # The run says what was kept out, so that a replay gives the same answer.
    side = run.inputs.payload["sides"]["partners"] if hasattr(run.inputs, "payload") else None
    assert side is None or side["informative_only"]


def test_a_partner_explained_by_one_word_is_not_suggested(applicant, company, partner_contact, relation):
    set_interests(company, relation, partner_contact, "Anomaly detection in turbines")
    lone = ProposalFactory(lead=applicant.person, title="Detection of birds by their songs", abstract="")
    run = services.suggest_partners_for_proposal(lone, actor=applicant, seed=1)
    assert [(s.terms, s.score) for s in run.suggestions.all()] == []
    close = ProposalFactory(lead=applicant.person, title="Anomaly detection for turbines", abstract="")
    run = services.suggest_partners_for_proposal(close, actor=applicant, seed=1)
    assert [s.organisation for s in run.suggestions.all()] == [company]


def test_informative_terms():
    assert not informative(["detect"]) and not informative([])
    assert informative(["anomaly detection"]) and informative(["turbines", "anomaly"])


# --- 5. The Why column names interests and links challenges -------------------------------------------


def test_the_why_column_names_interests_and_links_challenges(client, applicant, company, partner_contact, relation):
    set_interests(company, relation, partner_contact, "Medical imaging, tumour segmentation")
    proposal = ProposalFactory(lead=applicant.person, title="Tumour segmentation in medical imaging")
    url = reverse("partners:find_partners", args=[proposal.code])
    client.force_login(applicant)
    client.post(url)
    assert "Their interests: Medical imaging, tumour segmentation" in client.get(url).text

    set_interests(company, relation, partner_contact, "")
    challenge = services.publish_challenge(
        company,
        data={
            "title": "Federated tumour segmentation",
            "text": CHALLENGE_TEXT,
            "language": "en",
            "collaboration": "phd",
            "visibility": "members",
            "end_date": timezone.localdate() + dt.timedelta(days=60),
        },
        keywords=[],
        actor=partner_contact,
    )
    client.post(url)
    page = client.get(url).text
    link = reverse("partners:challenge", args=[challenge.code])
    assert f'Their challenge: <a href="{link}">Federated tumour segmentation</a>' in page


# --- 5. The partner's public profile ------------------------------------------------------------------


def test_the_partner_profile_shows_interests_keywords_and_readable_challenges(
    client, company, partner_contact, relation, applicant
):
    set_interests(company, relation, partner_contact, "Medical imaging; tumour segmentation", ["radiology"])
    data = {
        "text": CHALLENGE_TEXT,
        "language": "en",
        "collaboration": "phd",
        "end_date": timezone.localdate() + dt.timedelta(days=60),
    }
    public = services.publish_challenge(
        company, data={**data, "title": "Open to all", "visibility": "public"}, keywords=[], actor=partner_contact
    )
    members = services.publish_challenge(
        company, data={**data, "title": "Members only", "visibility": "members"}, keywords=[], actor=partner_contact
    )
    url = reverse("partners:public", args=[company.code])
    page = client.get(url).text
    assert "<li>Medical imaging</li><li>tumour segmentation</li>" in page and "radiology" in page
    assert reverse("partners:challenge", args=[public.code]) in page
    assert reverse("partners:challenge", args=[members.code]) not in page  # signed out: public ones only
    client.force_login(applicant)
    page = client.get(url).text
    assert reverse("partners:challenge", args=[members.code]) in page and 'id="contact"' in page
    # The directory page leads there; an organisation that is not a partner has no such page.
    assert url in client.get(reverse("people:public_organisation", args=[company.code])).text


def test_no_partner_profile_for_other_organisations(client, applicant, other_university):
    client.force_login(applicant)
    assert client.get(reverse("partners:public", args=[other_university.code])).status_code == 404
    assert client.get(reverse("partners:public", args=["NO\x00SUCH"])).status_code == 404


# --- 6. Waiting requests -------------------------------------------------------------------------------


def test_a_partner_contact_sees_the_requests_waiting_for_an_answer(
    client, challenge, researcher, reviewer, partner_contact, company
):
    contact = services.send_request(
        challenge, researcher=researcher, side="researcher", message="Hello", actor=reviewer
    )
    client.force_login(partner_contact)
    mine = client.get(reverse("partners:mine")).text
    assert reverse("partners:request", args=[contact.code]) in mine and "waiting for your answer" in mine
    portal = client.get(reverse("partners:portal", args=[company.code])).text
    assert 'id="waiting-requests"' in portal and "1 contact request waits for your answer" in portal
    services.answer_request(contact, accept=True, answer="", actor=partner_contact)
    assert 'id="waiting-requests"' not in client.get(reverse("partners:portal", args=[company.code])).text


# --- 7. Emails and notifications ---------------------------------------------------------------------------


def test_request_emails_name_the_company_the_sender_and_greet(
    client, challenge, researcher, reviewer, partner_contact, company, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contact = services.send_request(
            challenge, researcher=researcher, side="partner", message="Shall we talk?", actor=partner_contact
        )
    (mail,) = [m for m in mailoutbox if researcher.email in m.to]
    assert company.name in mail.subject
    # In the recipient's language (French by default).
    assert f"Bonjour {researcher.full_name}," in mail.body
    assert f"{partner_contact.person.full_name}, de {company.name}" in mail.body and "> Shall we talk?" in mail.body
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_request(contact, accept=True, answer="Gladly", actor=reviewer)
    (mail,) = mailoutbox
    assert f"{researcher.full_name} a accepté votre demande de contact" in mail.subject
    assert f"Bonjour {partner_contact.person.full_name}," in mail.body and "> Gladly" in mail.body


def test_opening_the_request_marks_its_notification_read(
    client, challenge, researcher, reviewer, partner_contact, django_capture_on_commit_callbacks
):
    from grappe.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        contact = services.send_request(
            challenge, researcher=researcher, side="partner", message="Hi", actor=partner_contact
        )
    unread = Notification.objects.filter(person=researcher, read_at__isnull=True)
    assert unread.count() == 1
    client.force_login(reviewer)
    client.get(reverse("partners:request", args=[contact.code]))
    assert unread.count() == 0


# --- 8. French wording on the request page --------------------------------------------------------------


def test_the_request_page_in_french(client, challenge, researcher, reviewer, partner_contact, other_partner_contact):

    contact = services.send_request(
        challenge, researcher=researcher, side="researcher", message="Bonjour", actor=reviewer
    )
    services.answer_request(contact, accept=True, answer="Avec plaisir", actor=partner_contact)
    client.force_login(reviewer)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("partners:request", args=[contact.code])).text
    assert "Envoyée le" in page and "Envoyées" not in page
    assert "<h2>Réponse</h2>" in page
    assert "Par le partenaire" not in page and "Par le chercheur" not in page
    # The sender named, not only the side ("Envoyée par : côté recherche" named nobody).
    assert "côté recherche" not in page
    assert f"{reviewer.person.full_name}" in page and f"qui écrit à {challenge.organisation.name}" in page


def test_a_sender_from_a_company_shows_their_affiliation(
    client, challenge, researcher, reviewer, partner_contact, company
):
    contact = services.send_request(
        challenge, researcher=researcher, side="partner", message="Hi", actor=partner_contact
    )
    client.force_login(reviewer)
    page = client.get(reverse("partners:request", args=[contact.code])).text
    assert f"{partner_contact.person.full_name}, for {company.name}" in page


# --- 10. A long message is kept ------------------------------------------------------------------------------


def test_a_too_long_message_comes_back_with_the_error(client, challenge, reviewer, researcher):
    client.force_login(reviewer)
    message = "Nous aimerions travailler avec vous. " * 100  # 3,699 characters once stripped
    response = client.post(reverse("partners:respond", args=[challenge.code]), {"message": message}, follow=True)
    assert "This message has 3,699 characters; the limit is 3,000." in response.text
    assert message.strip()[:200] in response.text  # the text typed is still in the form
    assert not challenge.requests.exists()


# --- 4. One word inside a keyword phrase --------------------------------------------------------------


def test_one_word_of_a_keyword_phrase_does_not_suggest_a_researcher(
    company, partner_contact, relation, other_university
):
    from grappe.people.models import Keyword
    from tests.factories import PersonFactory

    person = PersonFactory()
    person.keywords.set([Keyword.objects.get_or_create(name="machine learning theory")[0]])
    services.set_consent(person, opted_in=True, actor=None)
    challenge = services.publish_challenge(
        company,
        data={
            "title": "Maintenance des machines IRM",
            "text": "Nous cherchons des méthodes pour prévoir les pannes des machines IRM dans les hôpitaux.",
            "language": "fr",
            "collaboration": "phd",
            "visibility": "members",
            "end_date": timezone.localdate() + dt.timedelta(days=60),
        },
        keywords=[],
        actor=partner_contact,
    )
    run = services.suggest_for_challenge(challenge, actor=partner_contact, seed=1)
    assert not run.suggestions.filter(person=person).exists()


# --- 2. Scores as a share of each list's best ---------------------------------------------------------------


def test_each_list_shows_a_share_of_its_best(client, challenge, partner_contact):
    client.force_login(partner_contact)
    page = client.get(reverse("partners:challenge", args=[challenge.code])).text
    assert "100 % of the best" in page and "scores do not compare" in page


def test_a_refused_message_to_a_suggested_researcher_is_kept(client, challenge, partner_contact, researcher):
    client.force_login(partner_contact)
    message = "x" * 3001
    response = client.post(
        reverse("partners:challenge_requests", args=[challenge.code]),
        {"message": message, "researcher": researcher.code},
        follow=True,
    )
    assert "This message has 3,001 characters; the limit is 3,000." in response.text
    assert f"{message}</textarea>" in response.text and "<details open>" in response.text


# --- 9. The office's list and Excel export ----------------------------------------------------------------


def test_min_above_max_is_a_form_error(as_persona, company, relation):
    client = as_persona("office")
    response = client.get(reverse("partners:list"), {"min_contribution": "50000", "max_contribution": "1000"})
    assert response.status_code == 200
    assert "The maximum (1,000) is below the minimum (50,000)" in response.text


def test_the_export_formats_amounts_freezes_the_header_and_gives_agreement_ends(as_persona, company, relation):
    import io

    from openpyxl import load_workbook

    from grappe.partners.models import Agreement

    today = timezone.localdate()
    Agreement.objects.create(
        profile=relation,
        kind="nda",
        title="NDA",
        ip_clause="none",
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=90),
    )
    relation.annual_fee = "25000"
    relation.save()
    export = as_persona("office").get(reverse("partners:export"))
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert sheet.freeze_panes == "B2" and sheet.column_dimensions["A"].width >= 30
    assert row["First active agreement to end on"].value.date() == today + dt.timedelta(days=90)
    assert row["Annual fee (EUR)"].value == 25000 and row["Annual fee (EUR)"].number_format == "#,##0.00"
    assert row["Realised (EUR)"].number_format == "#,##0.00"


def test_a_phrase_ending_with_a_genre_word_does_not_explain(applicant, company, partner_contact, relation):
    set_interests(company, relation, partner_contact, "Foundation models applied to radiology")
    proposal = ProposalFactory(lead=applicant.person, title="Foundation models applied to pathology", abstract="")
    run = services.suggest_partners_for_proposal(proposal, actor=applicant, seed=1)
    (suggestion,) = run.suggestions.all()
    assert "foundation models" in suggestion.terms
    assert not any("applied" in term for term in suggestion.terms)
