"""What the outside walk-through of 2026-11-26 found (docs/partners.md): explanations by keywords,
other companies' staff, French wording, quoted messages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from grappe.notifications.models import Notification
from grappe.partners import services
from grappe.partners.forms import ChallengeForm
from grappe.partners.models import ContactRequest, RequestState, SuggestionRun
from grappe.people.models import Keyword
from tests.factories import AffiliationFactory, CompanyFactory, PersonFactory
from tests.partners.conftest import publish


def latest_people(challenge):
    run = SuggestionRun.objects.filter(challenge=challenge).latest("created_at", "pk")
    return run, [s.person for s in run.suggestions.filter(person__isnull=False).order_by("rank")]


@pytest.fixture
def keyword_only(db, other_university):
    """An opted-in researcher without publications, known by their expertise keywords."""
    person = PersonFactory()
    AffiliationFactory(person=person, organisation=other_university)
    person.keywords.set(
        [Keyword.objects.get_or_create(name=name)[0] for name in ("federated learning", "medical imaging")]
    )
    services.set_consent(person, opted_in=True, actor=None)
    return person


def test_a_researcher_without_publications_is_explained_by_expertise_keywords(
    client, challenge, partner_contact, keyword_only
):
    services.suggest_for_challenge(challenge, actor=partner_contact, seed=3)
    run, people = latest_people(challenge)
    assert keyword_only in people
    suggestion = run.suggestions.get(person=keyword_only)
    assert suggestion.from_keywords and suggestion.document == "federated learning, medical imaging"
    assert not run.suggestions.exclude(person=keyword_only).filter(from_keywords=True).exists()
    client.force_login(partner_contact)
    page = client.get(reverse("partners:challenge", args=[challenge.code])).text
    assert "Expertise keywords: federated learning, medical imaging" in page
    assert "Closest publication: <em>federated learning" not in page
    assert page.count("Closest publication:") == 1  # the researcher with publications keeps it


@pytest.fixture
def rival_researcher(db):
    """Opted in, with publications that fit, but on another company's staff."""
    person = PersonFactory()
    AffiliationFactory(person=person, organisation=CompanyFactory(name="Rival Imaging SAS"))
    publish(person, "Federated learning for medical imaging segmentation of tumours in MRI")
    services.set_consent(person, opted_in=True, actor=None)
    return person


def test_other_companies_staff_are_left_out_unless_the_challenge_asks(
    client, challenge, partner_contact, researcher, rival_researcher
):
    assert challenge.academic_only  # the default
    services.suggest_for_challenge(challenge, actor=partner_contact, seed=4)
    run, people = latest_people(challenge)
    assert researcher in people and rival_researcher not in people
    assert run.parameters["academic_only"] is True
    # A former employee of a company is academic again.
    rival_researcher.affiliations.update(end_date=timezone.localdate() - dt.timedelta(days=1))
    services.suggest_for_challenge(challenge, actor=partner_contact, seed=5)
    assert rival_researcher in latest_people(challenge)[1]
    rival_researcher.affiliations.update(end_date=None)

    client.force_login(partner_contact)
    edit = reverse("partners:challenge_edit", args=[challenge.code])
    form = client.get(edit).text
    assert 'name="academic_only"' in form and "checked" in form.split('name="academic_only"')[1].split(">")[0]
    data = {
        "title": challenge.title,
        "text": challenge.text,
        "language": "en",
        "collaboration": "phd",
        "visibility": "members",
        "end_date": challenge.end_date.isoformat(),
        "keyword_names": "",
        "version": challenge.version,
    }  # the box left unticked: every researcher
    assert client.post(edit, data).status_code == 302
    challenge.refresh_from_db()
    run, people = latest_people(challenge)  # the edit matched again
    assert not challenge.academic_only and run.parameters["academic_only"] is False
    assert rival_researcher in people and researcher in people
    assert "including staff of other companies" in client.get(reverse("partners:challenge", args=[challenge.code])).text


def test_french_wording_of_requests_and_the_statement_form(client, challenge, reviewer, researcher):
    with translation.override("fr"):
        assert str(RequestState.ACCEPTED.label) == "Acceptée" and str(RequestState.DECLINED.label) == "Déclinée"
        widget = str(ChallengeForm().fields["text"].widget.attrs["data-words-label"])
        assert widget == "mots"
        form = ChallengeForm(
            data={
                "title": "Imagerie",
                "text": "mot " * 100_000,
                "language": "fr",
                "collaboration": "phd",
                "visibility": "members",
                "end_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
                "keyword_names": "",
            }
        )
        assert not form.is_valid()
        error = form.errors["text"][0]
        assert error.replace("\xa0", " ").replace("\u202f", " ") == (
            "Cet énoncé compte 100 000 mots ; la limite est de 5 000."
        )
    client.force_login(reviewer)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("partners:mine"), HTTP_ACCEPT_LANGUAGE="fr").text
    assert "Aucune demande de contact" in page and "Aucun." not in page
    assert 'data-words-label="words"' in _english_form()


def _english_form():
    with translation.override("en"):
        return str(ChallengeForm()["text"])


def test_contact_request_emails_quote_the_message_as_text(
    client, challenge, partner_contact, reviewer, researcher, mailoutbox, django_capture_on_commit_callbacks
):
    message = "Dear colleague,\n<b>Shall we talk</b> about MRI?\n\nBest, %(link)s"
    client.force_login(partner_contact)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("partners:challenge_requests", args=[challenge.code]),
            {"researcher": researcher.code, "message": message},
        )
    body = mailoutbox[-1].body
    assert "> Dear colleague,\n> <b>Shall we talk</b> about MRI?\n>\n> Best, %(link)s" in body
    assert ContactRequest.objects.get().code in body  # the link is still there
    notification = Notification.objects.filter(person=researcher).latest("pk")
    client.force_login(reviewer)
    page = client.get(reverse("notifications:detail", args=[notification.pk])).text
    assert "&lt;b&gt;Shall we talk&lt;/b&gt;" in page and "<b>Shall we talk</b>" not in page
    contact = ContactRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("partners:request", args=[contact.code]), {"decision": "accept", "answer": "Gladly.\nCall me."}
        )
    assert "> Gladly.\n> Call me." in mailoutbox[-1].body


def test_an_answer_without_message_sends_the_short_email(
    client, challenge, partner_contact, reviewer, researcher, mailoutbox, django_capture_on_commit_callbacks
):
    contact = services.send_request(
        challenge, researcher=researcher, side="partner", message="Hello", actor=partner_contact
    )
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("partners:request", args=[contact.code]), {"decision": "decline"})
    assert "\n>" not in mailoutbox[-1].body


def test_a_partner_known_by_its_keywords_is_shown_so(client, applicant, company, partner_contact, relation):
    from tests.factories import ProposalFactory

    services.update_public_profile(
        company,
        description="",
        website="",
        interests="",
        keywords=[Keyword.objects.get_or_create(name=name)[0] for name in ("federated learning", "tumour imaging")],
        organisation_version=company.version,
        profile_version=relation.version,
        actor=partner_contact,
    )
    proposal = ProposalFactory(lead=applicant.person, title="Federated learning for tumour imaging")
    url = reverse("partners:find_partners", args=[proposal.code])
    client.force_login(applicant)
    client.post(url)
    page = client.get(url).text
    assert company.name in page and "Their keywords: federated learning, tumour imaging" in page
