"""Issue 18's walk-through: a panel member marked away at an adopted hearing is flagged and its
invitation held; half-day labels are translated."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from grappe.hearings import services
from grappe.hearings.models import Hearing, PanelMember

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
    busy = {services.half_day_of(h.starts_at, services.setup_for(adopted)) for h in hearing.panel.get(
        pk=member.person_id).hearings.filter(call=adopted)}
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
