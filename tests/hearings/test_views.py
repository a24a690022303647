"""Hearing pages: allowed and denied per persona, bad input refused with a message, constant
queries as the shortlist and the pool grow."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grappe.hearings import services
from grappe.hearings.models import Hearing, HearingSetup, PaymentDetails
from grappe.review.models import PoolMember, PoolState
from tests.conftest import PERSONAS
from tests.factories import PersonFactory, ProposalFactory, UserFactory
from tests.hearings.conftest import setup_data

pytestmark = pytest.mark.django_db

OFFICE_PAGES = ["hearings:desk", "hearings:honoraria", "hearings:payment_file"]


@pytest.mark.parametrize("name", OFFICE_PAGES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_office_pages_are_the_office_s_alone(hearing_call, as_persona, persona, name):
    response = as_persona(persona).get(reverse(name, args=[hearing_call.code]))
    expected = {"office": 200, "anonymous": 302}.get(persona, 404)
    assert response.status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_hearing_page_is_for_the_office_its_team_and_its_panel(hearing_call, as_persona, persona, proposals):
    hearing = Hearing.objects.get(proposal=proposals[0])  # the applicant persona leads it
    response = as_persona(persona).get(reverse("hearings:hearing", args=[hearing.pk]))
    expected = {"office": 200, "applicant": 200, "anonymous": 302}.get(persona, 404)
    assert response.status_code == expected


def test_the_panel_sees_its_hearing_once_on_it(hearing_call, client, reviewer, proposals):
    hearing = Hearing.objects.get(proposal=proposals[1])
    client.force_login(reviewer)
    assert client.get(reverse("hearings:hearing", args=[hearing.pk])).status_code == 404
    hearing.panel.add(reviewer.person)
    assert client.get(reverse("hearings:hearing", args=[hearing.pk])).status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_expert_page_is_for_experts(hearing_call, as_persona, persona):
    response = as_persona(persona).get(reverse("hearings:expert"))
    expected = {"reviewer": 200, "anonymous": 302}.get(persona, 404)  # the reviewer is in the pool
    assert response.status_code == expected


def test_bad_setup_shows_a_message_and_keeps_the_setup(hearing_call, client, office):
    client.force_login(office)
    setup = HearingSetup.objects.get(call=hearing_call)
    closes = timezone.localtime(hearing_call.closes_at).date()
    data = setup_data(hearing_call, first_day=(closes - dt.timedelta(days=3)).isoformat(), version=setup.version)
    response = client.post(reverse("hearings:setup", args=[hearing_call.code]), data, follow=True)
    assert "Hearings come after the call closes" in response.content.decode()
    assert HearingSetup.objects.get(call=hearing_call).first_day == setup.first_day


def test_a_team_enters_its_constraints_and_a_stale_form_is_refused(hearing_call, client, applicant, proposals):
    hearing = Hearing.objects.get(proposal=proposals[0])
    key = services.half_days(services.setup_for(hearing_call))[0][0]
    client.force_login(applicant)
    url = reverse("hearings:hearing", args=[hearing.pk])
    client.post(url, {"unavailable": [key], "version": hearing.version})
    assert Hearing.objects.get(pk=hearing.pk).unavailable == [key]
    response = client.post(url, {"unavailable": [], "version": hearing.version}, follow=True)
    assert "changed" in response.content.decode() or "modifi" in response.content.decode()
    assert Hearing.objects.get(pk=hearing.pk).unavailable == [key]


def test_the_office_schedules_from_the_desk(hearing_call, client, office):
    client.force_login(office)
    response = client.post(reverse("hearings:run", args=[hearing_call.code]), {"seed": "3"}, follow=True)
    assert response.status_code == 200 and "Adopt this schedule" in response.content.decode()


def test_an_expert_saves_payment_details_and_the_office_reads_them(hearing_call, client, reviewer, office):
    client.force_login(reviewer)
    data = {"iban": "FR7630006000011234567890189", "bic": "BNPAFRPP", "address": "1 rue", "version": "1"}
    client.post(reverse("hearings:expert"), data)
    assert PaymentDetails.objects.get(person=reviewer.person).version == 2
    page = client.get(reverse("hearings:expert")).content.decode()
    assert "FR7630006000011234567890189" in page  # their own
    client.force_login(office)
    assert (
        "FR7630006000011234567890189"
        in client.get(reverse("hearings:honoraria", args=[hearing_call.code])).content.decode()
    )


def _grow(call, n):
    for _ in range(n):
        proposal = ProposalFactory(call=call, state="submitted", submitted_at=timezone.now())
        Hearing.objects.create(call=call, proposal=proposal)
        person = PersonFactory()
        PoolMember.objects.create(call=call, person=person, state=PoolState.ACCEPTED)
        services.add_panel_member(call, person, actor=None)


@pytest.mark.parametrize("name", ["hearings:desk", "hearings:honoraria"])
def test_office_pages_query_count_is_constant(hearing_call, client, office, django_assert_max_num_queries, name):
    client.force_login(office)
    url = reverse(name, args=[hearing_call.code])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _grow(hearing_call, 8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_anonymous_user_is_not_an_expert(client):
    UserFactory()
    assert client.get(reverse("hearings:expert")).status_code == 302


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_declaration_page_is_for_the_call_s_experts(hearing_call, as_persona, persona):
    response = as_persona(persona).get(reverse("hearings:declaration", args=[hearing_call.code]))
    expected = {"reviewer": 200, "anonymous": 302}.get(persona, 404)
    assert response.status_code == expected


def test_signing_needs_the_box_ticked(hearing_call, client, reviewer):
    from grappe.hearings.models import Declaration

    client.force_login(reviewer)
    url = reverse("hearings:declaration", args=[hearing_call.code])
    response = client.post(url, {}, follow=True, REMOTE_ADDR="192.0.2.9")
    assert "Tick the box" in response.content.decode()
    assert not Declaration.objects.exists()
    client.post(url, {"agree": "on"}, REMOTE_ADDR="192.0.2.9")
    assert Declaration.objects.get().ip == "192.0.2.9"


def test_the_team_sees_its_hearing_time_only_once_invited(hearing_call, as_persona, office, proposals):
    """Before the invitations the slot may move: the team's hearing page shows no time and no .ics,
    like its proposal page; the office sees the time, marked provisional; once invited, all see it."""
    services.adopt_run(services.run_schedule(hearing_call, actor=office), actor=office)
    hearing = Hearing.objects.get(proposal=proposals[0])  # the applicant persona leads it
    when = f"{timezone.localtime(hearing.starts_at):%H:%M}"
    team, desk = as_persona("applicant"), as_persona("office")
    url, ics = reverse("hearings:hearing", args=[hearing.pk]), reverse("hearings:ics", args=[hearing.pk])

    before = team.get(url).content.decode()
    assert hearing.starts_at and when not in before and 'id="not-fixed"' in before and ics not in before
    assert team.get(ics).status_code == 404
    proposal_page = team.get(reverse("submissions:detail", args=[proposals[0].code])).content.decode()
    assert "the office will send the time with the invitation" in proposal_page
    office_page = desk.get(url).content.decode()
    assert when in office_page and 'id="provisional"' in office_page

    services.send_invitations(hearing_call, actor=office)

    after = team.get(url).content.decode()
    assert when in after and 'id="provisional"' not in after and ics in after
    assert team.get(ics).status_code == 200
    assert (
        "Your team is invited to a hearing on"
        in team.get(reverse("submissions:detail", args=[proposals[0].code])).content.decode()
    )
