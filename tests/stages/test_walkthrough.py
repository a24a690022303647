"""Issue 18's walk-through on stages: a declined invitation cannot be reopened; a stage-1
reviewer on scheduled stage-2 hearing panels is not excluded silently."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grappe.hearings.models import Hearing
from grappe.review.models import ReviewAssignment
from grappe.stages import services
from grappe.stages.models import ReviewerChoice, StageDecision
from grappe.submissions import services as submissions
from grappe.submissions.models import ProposalState

pytestmark = pytest.mark.django_db


@pytest.fixture
def told(link, ready, office):
    services.recommend_shortlist(link, actor=office)
    services.follow_recommendation(link, actor=office)
    services.send_notices(link, actor=office, notify=False)
    return {d.proposal_id: d for d in StageDecision.objects.select_related("full_proposal")}


def test_a_declined_invitation_cannot_be_reopened(told, ready, client, applicant):
    full = told[ready[0].pk].full_proposal
    services.decline_invitation(ready[0], actor=applicant)
    client.force_login(applicant)

    page = client.get(reverse("submissions:detail", args=[full.code])).content.decode()
    response = client.post(reverse("submissions:reopen", args=[full.code]), follow=True)

    assert reverse("submissions:reopen", args=[full.code]) not in page
    assert "declined the invitation to stage 2" in response.content.decode()
    full.refresh_from_db()
    assert full.state == ProposalState.WITHDRAWN


def test_a_full_proposal_withdrawn_without_declining_can_be_reopened(told, ready, client, applicant):
    full = told[ready[0].pk].full_proposal
    submissions.withdraw_proposal(full, actor=applicant)
    client.force_login(applicant)

    page = client.get(reverse("submissions:detail", args=[full.code])).content.decode()
    submissions.reopen_proposal(full, actor=applicant)

    assert reverse("submissions:reopen", args=[full.code]) in page
    full.refresh_from_db()
    assert full.state == ProposalState.DRAFT


def _panel_of_stage2(told, ready, link, person):
    full = told[ready[0].pk].full_proposal
    hearing = Hearing.objects.create(
        call=link.stage2,
        proposal=full,
        starts_at=timezone.now() + dt.timedelta(days=40),
        ends_at=timezone.now() + dt.timedelta(days=40, minutes=20),
    )
    hearing.panel.add(person)
    return hearing


def test_excluding_a_member_of_scheduled_stage2_panels_is_refused_with_the_hearings(told, ready, link, office, client):
    reviewer = ReviewAssignment.objects.filter(call=link.stage1).first().reviewer
    services.choose_reviewer(link, reviewer, keep=True, actor=office)
    hearing = _panel_of_stage2(told, ready, link, reviewer)
    client.force_login(office)

    response = client.post(
        reverse("stages:reviewer", args=[link.stage1.code]), {"reviewer": reviewer.code, "keep": "no"}, follow=True
    )

    page = response.content.decode()
    assert "sits on the panel of scheduled hearings of stage 2" in page and hearing.proposal.code in page
    assert ReviewerChoice.objects.get(link=link, reviewer=reviewer).keep is True


def test_excluding_a_reviewer_on_no_panel_goes_through(told, ready, link, office):
    reviewer = ReviewAssignment.objects.filter(call=link.stage1).first().reviewer
    Hearing.objects.create(call=link.stage2, proposal=told[ready[0].pk].full_proposal)  # not scheduled

    services.choose_reviewer(link, reviewer, keep=False, actor=office)

    assert ReviewerChoice.objects.get(link=link, reviewer=reviewer).keep is False


@pytest.mark.parametrize("url", ["stages:decline", "submissions:submit", "submissions:withdraw", "submissions:reopen"])
def test_a_get_answers_404_to_a_stranger_and_405_to_the_lead(told, ready, url, as_persona, applicant, client):
    code = ready[0].code if url == "stages:decline" else told[ready[0].pk].full_proposal.code
    assert as_persona("reviewer").get(reverse(url, args=[code])).status_code == 404
    client.force_login(applicant)
    assert client.get(reverse(url, args=[code])).status_code == 405


def test_the_late_redress_page_shows_only_the_explanation(client, applicant, decided):
    from tests.stages.test_views import _sent_letter

    _sent_letter(decided[0], 31)
    client.force_login(applicant)
    url = reverse("stages:redress", args=[decided[0].code])

    page = client.get(url).content.decode()
    posted = client.post(url, {"grounds": "The panel skipped a criterion entirely."}).content.decode()

    assert "it has passed" in page and "File the request" not in page and "<textarea" not in page
    assert posted.count("it has passed") == 1 and "The panel skipped a criterion entirely." in posted
    assert "File the request" not in posted


def test_an_open_redress_page_still_offers_the_form(client, applicant, decided):
    from tests.stages.test_views import _sent_letter

    _sent_letter(decided[0], 2)
    client.force_login(applicant)

    page = client.get(reverse("stages:redress", args=[decided[0].code])).content.decode()

    assert "File the request" in page and "it has passed" not in page


def test_after_sending_the_answer_the_proposal_page_no_longer_invites_to_answer(window, reviewed, applicant, client):
    client.force_login(applicant)
    url = reverse("submissions:detail", args=[reviewed[0].code])
    before = client.get(url).content.decode()
    services.save_rebuttal(reviewed[0], text="We disagree politely.", send=True, expected_version=1, actor=applicant)

    after = client.get(url).content.decode()

    assert "answer them until" in before
    assert "Your answer to the reviews was sent on" in after and "answer them until" not in after
    assert "Read your answer" in after


def test_the_french_stage_badge_says_invited_without_a_date(told, link, as_persona):
    page = (
        as_persona("office")
        .get(reverse("stages:page", args=[link.stage1.code]), HTTP_ACCEPT_LANGUAGE="fr")
        .content.decode()
    )

    assert "invitée</span>" in page and "invité le</span>" not in page


def test_a_reviewer_not_rapporteur_reads_the_answer_on_the_review_page_not_the_consensus(
    window, reviewed, applicant, pool
):
    from django.test import Client

    from tests.factories import UserFactory

    services.save_rebuttal(reviewed[0], text="We ran the ablation.", send=True, expected_version=1, actor=applicant)
    other = Client()
    other.force_login(UserFactory(person=pool[1].person))  # reviews proposal 0, not its rapporteur

    assert other.get(reverse("selection:consensus", args=[reviewed[0].code])).status_code == 404


def test_a_decision_without_a_recorded_person_shows_no_dash(told, link, as_persona):
    StageDecision.objects.update(decided_by=None)

    page = as_persona("office").get(reverse("stages:page", args=[link.stage1.code])).content.decode()

    assert '<span class="small muted">— ·' not in page
