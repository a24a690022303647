"""Matchmaking across French and English (engine 0.5), and the challenge, request and portal pages
as a French partner reads them."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from grappe.core.replay import replay
from grappe.partners import queries, services
from grappe.partners.models import ContactRequest, RequestSide, Suggestion
from grappe.partners.replay import matchmaking_outcome
from tests.factories import AffiliationFactory, PersonFactory
from tests.partners.conftest import publish

FRENCH_TEXT = (
    "Nous cherchons des équipes de recherche en vision par ordinateur pour guider des robots "
    "collaboratifs dans nos usines : détection de défauts, saisie d'objets et contrôle qualité "
    "par apprentissage profond."
)


def french_challenge(company, partner_contact, title="Vision robotique en usine", text=FRENCH_TEXT):
    return services.publish_challenge(
        company,
        data={
            "title": title,
            "text": text,
            "language": "fr",
            "collaboration": "phd",
            "visibility": "members",
            "end_date": timezone.localdate() + dt.timedelta(days=60),
        },
        keywords=[],
        actor=partner_contact,
    )


def opted_in(university, *titles):
    person = PersonFactory()
    AffiliationFactory(person=person, organisation=university)
    publish(person, *titles)
    services.set_consent(person, opted_in=True, actor=None)
    return person


@pytest.fixture
def vision(other_university):
    return opted_in(
        other_university,
        "Computer vision for robot grasping in factories",
        "Defect detection with deep learning for quality control",
    )


@pytest.fixture
def genomics(other_university):
    return opted_in(other_university, "Genome sequencing of rare variants", "Statistical genomics at scale")


def test_a_french_challenge_suggests_the_researcher_with_english_expertise(
    company, partner_contact, relation, vision, genomics
):
    challenge = french_challenge(company, partner_contact)
    run = services.suggest_for_challenge(challenge, actor=partner_contact, seed=1)
    people = list(run.suggestions.filter(person__isnull=False).order_by("rank"))
    assert [s.person for s in people][:1] == [vision]
    assert genomics not in {s.person for s in people}
    # Why it matched, in the challenge's own French words (readable on a French page).
    assert "vision par ordinateur" in people[0].terms
    written = f"{challenge.title} {challenge.text}".lower()
    assert all(term in written for term in people[0].terms), people[0].terms
    assert run.engine_version == "0.5.0"
    assert run.parameters["french"].startswith("brought into English terms")


def test_a_french_profile_finds_an_english_challenge(client, company, partner_contact, relation, reviewer):
    publish(
        reviewer.person,
        "Robotique collaborative et vision par ordinateur",
        "Détection de défauts par apprentissage profond dans les usines",
    )
    services.set_consent(reviewer.person, opted_in=True, actor=reviewer)
    english = services.publish_challenge(
        company,
        data={
            "title": "Computer vision for factory robotics",
            "text": "We look for teams in computer vision to guide collaborative robots: defect detection in factories.",
            "language": "en",
            "collaboration": "phd",
            "visibility": "members",
            "end_date": timezone.localdate() + dt.timedelta(days=60),
        },
        keywords=[],
        actor=partner_contact,
    )
    other = french_challenge(
        company, partner_contact, title="Génomique des maladies rares", text="Séquençage du génome des patients."
    )
    run = services.suggest_for_researcher(reviewer.person, user=reviewer, seed=1)
    suggested = [s.challenge for s in run.suggestions.order_by("rank")]
    assert suggested == [english]
    assert other not in suggested
    client.force_login(reviewer)
    client.post(reverse("partners:mine"), {"suggest": "1"})
    assert english.title in client.get(reverse("partners:mine")).text


def test_the_engine_run_reads_as_words_on_a_french_page(client, company, partner_contact, relation, vision):
    challenge = french_challenge(company, partner_contact)
    services.suggest_for_challenge(challenge, actor=partner_contact, seed=1)
    client.force_login(partner_contact)
    page = client.get(reverse("partners:challenge", args=[challenge.code]), HTTP_ACCEPT_LANGUAGE="fr").text
    ledger = page[page.index("run-ledger") :]
    ledger = ledger[: ledger.index("</details>")]
    assert "seconds" not in ledger and "backend" not in ledger and "{" not in ledger
    assert "termes (TF-IDF)" in ledger  # the backend named in words
    assert "temps de calcul" in ledger
    assert re.search(r"mise en correspondance.{0,40}\d+,\d+\s*s", ledger)  # French decimals, in seconds
    assert "chercheurs comparés" in ledger
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d", ledger)  # no ISO time ("2026-11-26T10:50")
    assert "UTC" not in ledger


def test_no_researcher_is_a_plain_message_not_a_numbered_item(client, company, partner_contact, relation, genomics):
    challenge = french_challenge(company, partner_contact)
    services.suggest_for_challenge(challenge, actor=partner_contact, seed=1)
    client.force_login(partner_contact)
    page = client.get(reverse("partners:challenge", args=[challenge.code]), HTTP_ACCEPT_LANGUAGE="fr").text
    assert 'id="no-researcher"' in page
    assert '<li class="empty">' not in page
    assert '<ol class="suggestions">' not in page


def test_the_request_page_names_who_sent_it(client, company, partner_contact, relation, vision, other_university):
    challenge = french_challenge(company, partner_contact)
    run = services.suggest_for_challenge(challenge, actor=partner_contact, seed=1)
    suggestion = Suggestion.objects.get(run=run, person=vision)
    # A request of the research side whose sending account is not known (the demo's, or a deleted account).
    contact = ContactRequest.objects.create(
        challenge=challenge, researcher=vision, side=RequestSide.RESEARCHER, message="Bonjour", suggestion=suggestion
    )
    client.force_login(partner_contact)
    page = client.get(reverse("partners:request", args=[contact.code]), HTTP_ACCEPT_LANGUAGE="fr").text
    sender = page[page.index('id="request-sender"') :].split("</dd>")[0]
    assert vision.full_name in sender and other_university.name in sender and company.name in sender
    assert "côté recherche" not in page
    contact.side = RequestSide.PARTNER
    contact.sent_by = partner_contact
    contact.save()
    page = client.get(reverse("partners:request", args=[contact.code]), HTTP_ACCEPT_LANGUAGE="fr").text
    sender = page[page.index('id="request-sender"') :].split("</dd>")[0]
    assert f"{partner_contact.person.full_name}, pour {company.name}" in sender


def test_the_portal_shows_a_funded_proposal_as_funded(client, project, company, partner_contact, relation):
    proposal = project.proposal
    assert proposal in queries.proposals_of(company)
    client.force_login(partner_contact)
    page = client.get(reverse("partners:portal", args=[company.code]), HTTP_ACCEPT_LANGUAGE="fr").text
    row = page[page.index(reverse("submissions:detail", args=[proposal.code])) :].split("</tr>")[0]
    assert "Financé" in row and "Déposé" not in row


def test_replay_of_a_run_and_of_a_run_made_by_engine_0_4(company, partner_contact, relation, vision, office):
    challenge = french_challenge(company, partner_contact)
    run = services.suggest_for_challenge(challenge, actor=partner_contact, seed=1)
    assert run.ranked["researchers"]
    outcome = replay("matchmaking", run.pk, actor=office)
    assert outcome.reproduced, outcome.differences
    # A run made by engine 0.4 is recomputed as 0.4 computed it (French words not brought into
    # English), and reproduces; the line names both versions.
    from grappe.core.replay import load_inputs, resolve

    payload, _intact, _complete = resolve(load_inputs(run.inputs).payload)
    as_0_4 = matchmaking_outcome(payload, "0.4.0")
    assert as_0_4 != run.ranked  # the French challenge's scores differ between the two engines
    assert matchmaking_outcome(payload, "0.5.0") == run.ranked
    run.engine_version, run.ranked = "0.4.0", as_0_4
    run.save()
    outcome = replay("matchmaking", run.pk, actor=office)
    assert outcome.reproduced, outcome.differences
    assert "0.4.0" in outcome.line and "0.5.0" in outcome.line
