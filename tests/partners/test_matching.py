"""Challenges, suggestions, consent and contact requests; the portal; bad input."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grappe.partners import services
from grappe.partners.models import Challenge, ContactRequest, MatchingConsent, RequestState, SuggestionRun
from grappe.submissions.models import Proposal
from tests.factories import ProposalFactory
from tests.notifications.checks import assert_notified
from tests.partners.conftest import CHALLENGE_TEXT


def suggested_people(challenge):
    run = SuggestionRun.objects.filter(challenge=challenge).latest("created_at")
    return [s.person for s in run.suggestions.filter(person__isnull=False).order_by("rank")]


def test_only_opted_in_researchers_are_suggested_with_explanations(challenge, researcher, shy):
    run = SuggestionRun.objects.get(challenge=challenge)
    assert run.inputs_hash and run.engine_version and run.seed == 1 and run.parameters["backend"] == "tfidf"
    assert suggested_people(challenge) == [researcher]
    suggestion = run.suggestions.get(person=researcher)
    # Shared terms, a term already said by a longer one left out ("federated learning" in "federated learning medical").
    assert any("federated learning" in term for term in suggestion.terms) and suggestion.document


def test_withdrawn_consent_leaves_the_next_run(challenge, researcher, reviewer, shy):
    services.set_consent(researcher, opted_in=False, actor=reviewer)
    services.suggest_for_challenge(challenge, actor=None, seed=2)
    assert suggested_people(challenge) == []
    consent = MatchingConsent.objects.get(person=researcher)
    assert consent.consented_at and consent.withdrawn_at and not consent.opted_in


def test_withdrawn_consent_leaves_the_challenge_page_at_once(client, challenge, researcher, reviewer, partner_contact):
    """The consent text promises "no longer suggested": the partner's page drops the researcher
    before anyone computes the suggestions again."""
    url = reverse("partners:challenge", args=[challenge.code])
    client.force_login(partner_contact)
    assert researcher.full_name in client.get(url).content.decode()

    services.set_consent(researcher, opted_in=False, actor=reviewer)

    assert researcher.full_name not in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("partner_contact", 200),
        ("office", 200),
        ("other_partner_contact", 404),
        ("reviewer", 404),
        ("board", 404),
        ("applicant", 404),
    ],
)
def test_requests_of_a_challenge_per_persona(client, request, challenge, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("partners:challenge_requests", args=[challenge.code])).status_code == status


def test_request_accept_flow(
    client,
    challenge,
    partner_contact,
    reviewer,
    researcher,
    other_partner_contact,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    client.force_login(partner_contact)
    page = client.get(reverse("partners:challenge", args=[challenge.code])).text
    assert researcher.full_name in page and "Shared terms" in page
    url = reverse("partners:challenge_requests", args=[challenge.code])
    assert client.post(url, {"researcher": "NOSUCHCODE", "message": "Hello"}).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"researcher": researcher.code, "message": "Shall we talk?"})
    assert response.status_code == 302
    contact = ContactRequest.objects.get()
    assert contact.suggestion is not None and mailoutbox[-1].to == [researcher.email]
    assert_notified("message", researcher.email)
    # Twice: a clear message, not a second row.
    client.post(url, {"researcher": researcher.code, "message": "Again"})
    assert ContactRequest.objects.count() == 1
    detail = reverse("partners:request", args=[contact.code])
    assert client.post(detail, {"decision": "accept"}).status_code == 404  # the partner cannot answer its own
    client.force_login(other_partner_contact)
    assert client.get(detail).status_code == 404
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(detail, {"decision": "accept", "answer": "With pleasure"}).status_code == 302
    contact.refresh_from_db()
    assert contact.state == RequestState.ACCEPTED and mailoutbox[-1].to == [partner_contact.email]
    assert_notified("message", partner_contact.email)
    assert client.post(detail, {"decision": "decline"}).status_code == 404  # answered already
    assert partner_contact.email in client.get(detail).text  # accepted: the addresses are shown
    page = client.get(reverse("partners:mine")).text
    assert challenge.title in page


def test_researcher_side_and_challenges_that_fit(client, challenge, reviewer, researcher, partner_contact):
    client.force_login(reviewer)
    client.post(reverse("partners:mine"), {"suggest": "1"})
    assert challenge.title in client.get(reverse("partners:mine")).text
    response = client.post(reverse("partners:respond", args=[challenge.code]), {"message": "I can help."})
    contact = ContactRequest.objects.get()
    assert response.status_code == 302 and contact.side == "researcher"
    client.force_login(partner_contact)
    client.post(reverse("partners:request", args=[contact.code]), {"decision": "decline"})
    contact.refresh_from_db()
    assert contact.state == RequestState.DECLINED


def test_visibility(client, challenge, reviewer):
    url = reverse("partners:challenge", args=[challenge.code])
    response = client.get(url)  # members only: a signed-out visitor is asked to log in, then comes back
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('people:login')}?next={url}"
    Challenge.objects.filter(pk=challenge.pk).update(visibility="public")
    assert client.get(url).status_code == 200
    Challenge.objects.filter(pk=challenge.pk).update(end_date=timezone.localdate() - dt.timedelta(days=1))
    assert client.get(url).status_code == 404
    Challenge.objects.filter(pk=challenge.pk).update(visibility="members")
    assert client.get(url).status_code == 404  # closed: only its partner and the office may know it
    client.force_login(reviewer)
    assert client.get(url).status_code == 404  # a signed-in account outside the partner too
    assert client.get(reverse("partners:challenge", args=["NO\x00SUCH"])).status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"text": ""}, "This field is required"),
        ({"text": "word " * 100_000}, "This statement has 100,000 words; the limit is 5,000."),
        ({"language": "de"}, "Choose French or English"),
        (
            {
                "text": "联邦学习用于医学影像分割，保护患者数据隐私，并在多家医院之间进行稳健训练。" * 3
                + " 医学 影像 分割 隐私 训练 医院 数据 模型 学习"
            },
            "does not read as French or English",
        ),
        ({"end_date": "2020-01-01"}, "The end date has passed"),
    ],
)
def test_bad_challenges_are_refused_clearly(client, partner_contact, company, relation, change, message):
    client.force_login(partner_contact)
    data = {
        "title": "Imaging",
        "text": CHALLENGE_TEXT,
        "language": "en",
        "collaboration": "phd",
        "visibility": "members",
        "end_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "keyword_names": "imaging, privacy",
    } | change
    response = client.post(reverse("partners:challenge_new", args=[company.code]), data)
    assert response.status_code == 200 and message in response.text
    assert not Challenge.objects.exists()


def test_publishing_runs_the_engine(client, partner_contact, company, relation, researcher):
    client.force_login(partner_contact)
    data = {
        "title": "Imagerie fédérée",
        "text": CHALLENGE_TEXT,
        "language": "en",
        "collaboration": "joint_project",
        "visibility": "public",
        "end_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "keyword_names": "federated learning",
    }
    response = client.post(reverse("partners:challenge_new", args=[company.code]), data)
    challenge = Challenge.objects.get()
    assert response.status_code == 302 and suggested_people(challenge) == [researcher]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("partner_contact", 200), ("office", 200), ("other_partner_contact", 404), ("applicant", 404), ("board", 404)],
)
def test_portal_per_persona(client, request, company, relation, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("partners:portal", args=[company.code])).status_code == status
    assert client.get(reverse("partners:profile", args=[company.code])).status_code == status
    new = client.get(reverse("partners:challenge_new", args=[company.code])).status_code
    assert new == (200 if persona == "partner_contact" else 404)


def test_public_profile_with_optimistic_locking(client, partner_contact, company, relation):
    client.force_login(partner_contact)
    url = reverse("partners:profile", args=[company.code])
    data = {
        "description": "Imaging",
        "website": "https://exemplix.example",
        "interests": "medical imaging and federated learning for hospitals",
        "keywords": "imaging, federated learning",
        "organisation_version": company.version,
        "profile_version": relation.version,
    }
    assert client.post(url, data).status_code == 302
    response = client.post(url, data | {"description": "Stale"})
    assert "Someone else changed this record" in response.text
    company.refresh_from_db()
    assert company.description == "Imaging"


def test_find_partners_for_a_draft(client, applicant, company, partner_contact, relation):
    services.update_public_profile(
        company,
        description="",
        website="",
        interests="Federated learning for medical imaging in hospitals",
        keywords=[],
        organisation_version=company.version,
        profile_version=relation.version,
        actor=partner_contact,
    )
    proposal = ProposalFactory(lead=applicant.person, title="Federated learning for tumour imaging")
    url = reverse("partners:find_partners", args=[proposal.code])
    client.force_login(applicant)
    client.post(url)
    assert company.name in client.get(url).text
    client.force_login(partner_contact)
    assert client.get(url).status_code == 404
    assert Proposal.objects.count() == 1
