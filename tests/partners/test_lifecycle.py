"""Editing and closing a challenge; the funnel counts only what followed a request; upcoming
events in the portal; the matchmaking consent in the person's history of consents."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from grappe.core.models import AuditLog
from grappe.partners import queries, services
from grappe.partners.models import Challenge, ContactRequest, MatchingConsent, RequestSide, SuggestionRun
from grappe.privacy.models import Consent
from grappe.privacy.services import current_consents, record_consent
from grappe.submissions.models import ProposalPartner, TeamMember
from grappe.training.models import Audience, Registration, RegistrationState
from tests.factories import AffiliationFactory, PersonFactory, ProposalFactory
from tests.partners.conftest import CHALLENGE_TEXT
from tests.training.conftest import make_programme, make_session


def edit_data(challenge, **changes):
    data = {
        "title": challenge.title,
        "text": CHALLENGE_TEXT,
        "language": "en",
        "collaboration": "phd",
        "visibility": "members",
        "end_date": challenge.end_date.isoformat(),
        "keyword_names": "",
        "version": challenge.version,
    }
    return data | changes


# --- Edit and close -------------------------------------------------------------------------------


def test_owner_edits_and_the_engine_matches_again(client, challenge, partner_contact):
    client.force_login(partner_contact)
    url = reverse("partners:challenge_edit", args=[challenge.code])
    assert client.get(url).status_code == 200
    runs = SuggestionRun.objects.filter(challenge=challenge).count()
    response = client.post(url, edit_data(challenge, title="Federated imaging, revised", keyword_names="MRI"))
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert challenge.title == "Federated imaging, revised" and challenge.version == 2
    assert [k.name for k in challenge.keywords.all()] == ["MRI"]
    assert SuggestionRun.objects.filter(challenge=challenge).count() == runs + 1
    entry = AuditLog.objects.filter(action="partners.challenge_updated").latest("pk")
    assert entry.data["title"] == ["Federated medical imaging", "Federated imaging, revised"]


def test_a_stale_edit_is_refused_and_nothing_saved(client, challenge, partner_contact, office):
    client.force_login(office)
    client.post(reverse("partners:challenge_edit", args=[challenge.code]), edit_data(challenge, title="Office's"))
    client.force_login(partner_contact)
    response = client.post(
        reverse("partners:challenge_edit", args=[challenge.code]), edit_data(challenge, title="Contact's")
    )
    assert response.status_code == 200 and "changed" in response.content.decode().lower()
    challenge.refresh_from_db()
    assert challenge.title == "Office's"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("partner_contact", 302), ("office", 302), ("other_partner_contact", 404), ("reviewer", 404), ("board", 404)],
)
def test_who_may_close(client, request, challenge, persona, status):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse("partners:challenge_close", args=[challenge.code]), {"version": 1})
    assert response.status_code == status
    challenge.refresh_from_db()
    assert (challenge.closed_at is not None) == (status == 302)
    edit = client.get(reverse("partners:challenge_edit", args=[challenge.code]))
    assert edit.status_code == (302 if status == 302 else 404)


def test_anonymous_cannot_close(client, challenge):
    response = client.post(reverse("partners:challenge_close", args=[challenge.code]), {"version": 1})
    assert response.status_code == 302 and "login" in response["Location"]
    assert Challenge.objects.get(pk=challenge.pk).closed_at is None


def test_a_closed_challenge_is_no_longer_open_anywhere(client, challenge, partner_contact, reviewer, researcher):
    services.close_challenge(challenge, expected_version=1, actor=partner_contact)
    challenge.refresh_from_db()
    assert not challenge.is_open and challenge.end_date > timezone.localdate()
    assert AuditLog.objects.filter(action="partners.challenge_closed").exists()
    assert challenge not in queries.open_challenges(reviewer)
    client.force_login(reviewer)
    assert challenge.title not in client.get(reverse("partners:challenges")).content.decode()
    assert client.get(reverse("partners:challenge", args=[challenge.code])).status_code == 404
    run = services.suggest_for_researcher(researcher, user=reviewer, seed=1)
    assert not run.suggestions.filter(challenge=challenge).exists()
    with pytest.raises(services.PartnerError):
        services.send_request(challenge, researcher=researcher, side=RequestSide.PARTNER, message="Hi", actor=None)
    with pytest.raises(services.PartnerError, match="already closed"):
        services.close_challenge(challenge, expected_version=challenge.version, actor=partner_contact)
    client.force_login(partner_contact)  # its partner still reads it, marked closed
    page = client.get(reverse("partners:challenge", args=[challenge.code])).content.decode()
    assert "closed on" in page and "Close the challenge" not in page


def test_closing_with_a_stale_version_is_refused(client, challenge, partner_contact):
    client.force_login(partner_contact)
    client.post(reverse("partners:challenge_edit", args=[challenge.code]), edit_data(challenge, title="New"))
    response = client.post(reverse("partners:challenge_close", args=[challenge.code]), {"version": 1}, follow=True)
    assert "changed" in response.content.decode().lower()
    assert Challenge.objects.get(pk=challenge.pk).closed_at is None


# --- The funnel counts what followed the request ------------------------------------------------------


def _proposal_with(researcher, company):
    proposal = ProposalFactory(state="submitted")
    ProposalPartner.objects.create(proposal=proposal, organisation=company)
    return TeamMember.objects.create(proposal=proposal, person=researcher, email=researcher.email or "r@x.org")


def test_funnel_ignores_a_team_joined_before_the_request(challenge, researcher, company, partner_contact):
    earlier = _proposal_with(researcher, company)
    request = services.send_request(
        challenge, researcher=researcher, side=RequestSide.PARTNER, message="Shall we talk?", actor=partner_contact
    )
    TeamMember.objects.filter(pk=earlier.pk).update(invited_at=request.created_at - dt.timedelta(days=30))
    ContactRequest.objects.filter(pk=request.pk).update(state="accepted")
    _per_partner, (row,) = queries.funnel(Challenge.objects.filter(pk=challenge.pk))
    assert (row.contacted, row.accepted, row.proposal) == (1, 1, 0)
    later = _proposal_with(researcher, company)
    TeamMember.objects.filter(pk=later.pk).update(invited_at=request.created_at + dt.timedelta(days=1))
    _per_partner, (row,) = queries.funnel(Challenge.objects.filter(pk=challenge.pk))
    assert row.proposal == 1


# --- Upcoming events in the portal ----------------------------------------------------------------------


def test_portal_shows_the_events_that_concern_the_partner(
    client, partner_contact, company, relation, university, django_assert_max_num_queries
):
    open_to_companies = make_session(
        make_programme(university, title="IA pour l'industrie", audience=Audience.PROFESSIONALS)
    )
    students_only = make_session(make_programme(university, title="Mineure réservée", audience=Audience.STUDENTS))
    past = make_session(make_programme(university, title="Déjà passé", audience=Audience.PUBLIC), days=-3)
    hidden = make_session(
        make_programme(university, title="Atelier interne", audience=Audience.STUDENTS, is_published=False)
    )
    colleague = PersonFactory()
    AffiliationFactory(person=colleague, organisation=company)
    Registration.objects.create(
        session=hidden,
        person=colleague,
        first_name="A",
        last_name="B",
        email="a@b.org",
        state=RegistrationState.CONFIRMED,
        token="t1",
    )
    client.force_login(partner_contact)
    with django_assert_max_num_queries(40):
        page = client.get(reverse("partners:portal", args=[company.code])).content.decode()
    assert "IA pour l&#x27;industrie" in page and "Atelier interne" in page and "1 of your people registered" in page
    assert "Mineure réservée" not in page and "Déjà passé" not in page
    events = queries.upcoming_events(company)
    assert events == sorted(events, key=lambda s: s.starts_at)
    assert {s.pk for s in events} == {open_to_companies.pk, hidden.pk}
    assert students_only.pk not in {s.pk for s in events} and past.pk not in {s.pk for s in events}


def test_events_cost_one_query_whatever_their_number(company, university, django_assert_num_queries):
    programme = make_programme(university, audience=Audience.PUBLIC)
    for days in range(3, 15):
        make_session(programme, days=days)
    with django_assert_num_queries(1):
        events = queries.upcoming_events(company)
        [(s.course.programme.title, s.course.programme.institution.name) for s in events]
    assert len(events) == queries.EVENTS_SHOWN


# --- Consent with its text version, in the history of consents -------------------------------------------


def test_matchmaking_consent_is_in_the_history_with_its_text_version(client, reviewer):
    person = reviewer.person
    client.force_login(reviewer)
    client.post(reverse("partners:mine"), {"opted_in": "on"})
    consent = MatchingConsent.objects.get(person=person)
    row = Consent.objects.get(person=person, kind="matchmaking")
    assert consent.opted_in and row.given and row.text_version == consent.text_version == "2026-11-26"
    assert current_consents(person)["matchmaking"] == row
    page = client.get(reverse("privacy:mine")).content.decode()
    assert "2026-11-26" in page
    # Withdrawn from the privacy page: partners stops suggesting at once.
    record_consent(person, "matchmaking", given=False, actor=reviewer)
    assert not MatchingConsent.objects.get(person=person).opted_in
    assert [c.given for c in Consent.objects.filter(person=person, kind="matchmaking")] == [False, True]
    download = client.get(reverse("privacy:mine_download"))
    archive = zipfile.ZipFile(
        io.BytesIO(b"".join(download.streaming_content if download.streaming else [download.content]))
    )
    data = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith(".json"))))
    assert data["matchmaking"]["suggested_to_partners"] is False
    assert [c["given"] for c in data["consents"] if c["kind"] == "matchmaking"] == [False, True]


def test_a_refused_history_row_undoes_the_choice(monkeypatch, reviewer):
    from grappe.privacy import services as privacy_services

    def broken(**kwargs):
        raise RuntimeError("no history, no consent")

    monkeypatch.setattr(privacy_services.Consent.objects, "create", broken)
    with pytest.raises(RuntimeError):
        services.set_consent(reviewer.person, opted_in=True, actor=reviewer)
    assert not MatchingConsent.objects.filter(person=reviewer.person, opted_in=True).exists()
