"""Issue 18's walk-through: a panel member marked away at an adopted hearing is flagged and its
invitation held; half-day labels are translated."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from grappe.hearings import services
from grappe.hearings.models import Hearing, PanelMember
from tests.hearings.conftest import setup_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def adopted(hearing_call, office):
    services.adopt_run(services.run_schedule(hearing_call, actor=office), actor=office)
    return hearing_call


def _first_member_and_hearing(call):
    hearing = Hearing.objects.filter(call=call).order_by("starts_at").first()
    person = hearing.panel.order_by("pk").first()
    return PanelMember.objects.get(call=call, person=person), hearing


def test_away_at_an_adopted_hearing_warns_and_holds_its_invitation(adopted, office, client):
    member, hearing = _first_member_and_hearing(adopted)
    half = services.half_day_of(hearing.starts_at, services.setup_for(adopted))
    client.force_login(office)

    response = client.post(
        reverse("hearings:availability", args=[adopted.code, member.pk]), {"unavailable": [half]}, follow=True
    )

    page = response.content.decode()
    assert "is away when they sit on the panel of these hearings" in page and hearing.proposal.code in page
    assert 'id="away-warning"' in page
    away = services.away_on_panels(adopted)
    assert hearing.pk in away and all(people == [member.person] for people in away.values())
    sent = client.post(reverse("hearings:invite", args=[adopted.code]), follow=True).content.decode()
    assert "Invitations held because a panel member is away" in sent
    assert Hearing.objects.get(pk=hearing.pk).invited_at is None
    assert Hearing.objects.filter(call=adopted, invited_at__isnull=False).count() == 3 - len(away)
    assert all(hearing.proposal.code not in m.subject for m in mail.outbox)


def test_a_member_free_again_releases_the_invitation(adopted, office):
    member, hearing = _first_member_and_hearing(adopted)
    half = services.half_day_of(hearing.starts_at, services.setup_for(adopted))
    services.set_member_unavailable(member, [half], actor=office)
    held = len(services.away_on_panels(adopted))
    assert held and services.send_invitations(adopted, actor=office) == 3 - held

    services.set_member_unavailable(member, [], actor=office)

    assert services.away_on_panels(adopted) == {}
    assert services.send_invitations(adopted, actor=office) == held


def test_away_elsewhere_gives_no_warning(adopted, office, client):
    member, hearing = _first_member_and_hearing(adopted)
    busy = {
        services.half_day_of(h.starts_at, services.setup_for(adopted))
        for h in hearing.panel.get(pk=member.person_id).hearings.filter(call=adopted)
    }
    free = [k for k, _label in services.half_days(services.setup_for(adopted)) if k not in busy]
    client.force_login(office)

    page = client.post(
        reverse("hearings:availability", args=[adopted.code, member.pk]), {"unavailable": free[:1]}, follow=True
    ).content.decode()

    assert "is away when they sit" not in page and 'id="away-warning"' not in page


def test_half_day_labels_are_translated(hearing_call):
    with translation.override("fr"):
        labels = [label for _key, label in services.half_days(services.setup_for(hearing_call))]
    assert labels[0].endswith("matin") and labels[1].endswith("après-midi")


def test_the_team_proposal_page_links_to_its_hearing(hearing_call, proposals, client, applicant, as_persona):
    hearing = Hearing.objects.get(proposal=proposals[0])
    url = reverse("submissions:detail", args=[proposals[0].code])
    client.force_login(applicant)

    page = client.get(url).content.decode()
    office = as_persona("office").get(url).content.decode()

    assert reverse("hearings:hearing", args=[hearing.pk]) in page and 'id="hearing"' in page
    assert 'id="hearing"' not in office


def test_panel_members_get_their_schedule_and_find_it_on_the_expert_page(adopted, office, reviewer, client):
    person = reviewer.person
    hearing = Hearing.objects.filter(call=adopted, panel=person).order_by("starts_at").first()
    services.send_invitations(adopted, actor=office)

    (message,) = [m for m in mail.outbox if person.email in m.to and m.attachments[0][0].startswith("hearing-")]
    assert hearing.proposal.code in message.body and reverse("hearings:expert") in message.body
    assert any(name == f"hearing-{hearing.proposal.code}.ics" for name, _c, _k in message.attachments)
    client.force_login(reviewer)
    page = client.get(reverse("hearings:expert")).content.decode()
    assert 'id="my-hearings"' in page and reverse("hearings:hearing", args=[hearing.pk]) in page
    assert ">read<" not in page and page.count(">Calls<") == 1  # the menu's, not a second heading


def test_after_signing_the_declaration_the_member_returns_to_the_hearing(adopted, office, reviewer, client):
    setup = services.setup_for(adopted)
    services.save_setup(adopted, setup_data(adopted, contracts="on"), expected_version=setup.version, actor=office)
    hearing = Hearing.objects.filter(call=adopted, panel=reviewer.person).first()
    client.force_login(reviewer)
    url = reverse("hearings:hearing", args=[hearing.pk])

    gate = client.get(url)
    assert gate.status_code == 302 and "next=" in gate["Location"]
    form = client.get(gate["Location"]).content.decode()
    assert f'name="next" value="{url}"' in form
    signed = client.post(reverse("hearings:declaration", args=[adopted.code]), {"agree": "on", "next": url})
    assert signed["Location"] == url
    other = client.get(reverse("hearings:declaration", args=[adopted.code]) + "?next=https://evil.example/")
    assert 'href="https://evil' not in other.content.decode()  # only a page of this site


def test_titles_are_cut_at_a_word_boundary():
    assert services.short_title("Short title") == "Short title"
    assert (
        services.short_title("Graph neural networks for molecular property prediction")
        == "Graph neural networks for molecular…"
    )


def test_an_infeasible_panel_names_who_is_away(hearing_call, office, pool):
    setup = services.setup_for(hearing_call)
    every = [k for k, _label in services.half_days(setup)]
    for member in PanelMember.objects.filter(call=hearing_call)[:2]:
        services.set_member_unavailable(member, every, actor=office)
    run = services.run_schedule(hearing_call, actor=office)

    assert run.error
    names = [m.person.full_name for m in PanelMember.objects.filter(call=hearing_call)[:2]]
    assert "conflicts: —" not in run.error
    assert any(name in run.error for name in names), run.error


@pytest.mark.parametrize("persona", ["office", "board", "reviewer", "applicant", "anonymous"])
def test_only_the_office_sets_the_rates_of_any_call(review_call, persona, as_persona):
    response = as_persona(persona).post(
        reverse("hearings:rates", args=[review_call.code]),
        {"fee_per_review": "120", "fee_per_half_day": "250", "version": "1"},
    )
    setup = services.setup_for(review_call)
    if persona == "office":
        assert response.status_code == 302 and (setup.fee_per_review, setup.fee_per_half_day) == (120, 250)
    else:
        assert response.status_code == (302 if persona == "anonymous" else 404)
        assert setup.fee_per_review == 0


def test_bad_rates_are_refused_with_a_message(review_call, office, client):
    client.force_login(office)
    page = client.post(
        reverse("hearings:rates", args=[review_call.code]),
        {"fee_per_review": "-3", "fee_per_half_day": "abc", "version": "1"},
        follow=True,
    ).content.decode()
    assert "an amount from 0 to 99,999.99" in page
    assert services.setup_for(review_call).fee_per_review == 0
    french = client.post(
        reverse("hearings:rates", args=[review_call.code]),
        {"fee_per_review": "150,50", "fee_per_half_day": "300", "version": "1"},
    )
    assert french.status_code == 302 and str(services.setup_for(review_call).fee_per_review) == "150.50"


def test_honoraria_tell_two_experts_of_one_name_apart(hearing_call, pool, office, client):
    from grappe.people.models import Affiliation
    from tests.factories import OrganisationFactory

    twin = pool[2].person
    twin.first_name, twin.last_name = pool[1].person.first_name, pool[1].person.last_name
    twin.save()
    Affiliation.objects.create(person=twin, organisation=OrganisationFactory(name="Institut Twin"), position="PI")
    client.force_login(office)

    page = client.get(reverse("hearings:honoraria", args=[hearing_call.code])).content.decode()

    assert "Institut Twin" in page


def test_a_weekend_hearing_day_is_warned_about(hearing_call, office, client):
    import datetime as dt

    closes = services.call_last_date(hearing_call)
    saturday = closes + dt.timedelta(days=10 + (5 - (closes + dt.timedelta(days=10)).weekday()) % 7)
    client.force_login(office)
    data = setup_data(hearing_call, first_day=saturday.isoformat(), last_day=saturday.isoformat())
    data["version"] = str(services.setup_for(hearing_call).version)

    page = client.post(reverse("hearings:setup", args=[hearing_call.code]), data, follow=True).content.decode()

    assert "fall on a weekend" in page


def test_french_score_options_use_a_decimal_comma(adopted, reviewer, client):
    import datetime as dt

    from django.utils import timezone

    hearing = Hearing.objects.filter(call=adopted, panel=reviewer.person).first()
    Hearing.objects.filter(pk=hearing.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(reviewer)

    page = client.get(reverse("hearings:hearing", args=[hearing.pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert ">4,5</option>" in page and ">4.5</option>" not in page


def test_the_french_setup_shows_rates_with_a_decimal_comma_and_saves_them(hearing_call, office, client):
    client.force_login(office)
    page = client.get(reverse("hearings:desk", args=[hearing_call.code]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'value="150,00"' in page
    data = setup_data(hearing_call, fee_per_review="150,00", fee_per_half_day="300,00")
    data["version"] = str(services.setup_for(hearing_call).version)
    client.post(reverse("hearings:setup", args=[hearing_call.code]), data)
    assert str(services.setup_for(hearing_call).fee_per_review) == "150.00"
