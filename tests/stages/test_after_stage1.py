"""After the stage-1 decision: a letter of intent is no longer withdrawn (an invited team declines
the invitation instead, and the office sees it); the hearings of stage 2 start from the invited
teams' full proposals; the recommendation replays bit for bit from its stored inputs."""

import zlib

import pytest
from django.urls import reverse

from grappe.core import replay
from grappe.core.models import StoredInput
from grappe.hearings import services as hearings
from grappe.hearings.models import Hearing
from grappe.stages import services
from grappe.stages.models import StageDecision
from grappe.submissions import services as submissions
from grappe.submissions.models import ProposalState

pytestmark = pytest.mark.django_db


@pytest.fixture
def told(link, ready, office):
    """ready[0] (the applicant's) and ready[1] invited, ready[2] not; the teams told."""
    services.recommend_shortlist(link, actor=office)
    services.follow_recommendation(link, actor=office)
    services.send_notices(link, actor=office, notify=False)
    return {d.proposal_id: d for d in StageDecision.objects.select_related("full_proposal")}


def test_a_letter_is_withdrawn_until_the_stage1_decision_only(link, ready, office, applicant):
    services.recommend_shortlist(link, actor=office)
    services.decide(ready[0], invited=True, expected_version=None, actor=office)

    with pytest.raises(submissions.SubmissionError, match="can no longer be withdrawn"):
        submissions.withdraw_proposal(ready[0], actor=applicant)

    ready[0].refresh_from_db()
    assert ready[0].state == ProposalState.SUBMITTED


def test_the_withdraw_button_gives_way_to_declining_the_invitation(told, ready, client, applicant):
    client.force_login(applicant)
    page = client.get(reverse("submissions:detail", args=[ready[0].code])).content.decode()
    assert reverse("submissions:withdraw", args=[ready[0].code]) not in page
    assert reverse("stages:decline", args=[ready[0].code]) in page

    response = client.post(reverse("submissions:withdraw", args=[ready[0].code]), follow=True)

    assert "If your team does not go on, decline the invitation to stage 2" in response.content.decode()
    assert response.context["proposal"].state == ProposalState.SUBMITTED


def test_the_french_message_is_translated(told, ready, client, applicant):
    client.force_login(applicant)
    response = client.post(
        reverse("submissions:withdraw", args=[ready[0].code]), follow=True, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert "ne peut plus être retirée" in response.content.decode()


def test_an_invited_team_declines_and_the_office_sees_it(told, ready, link, client, applicant, office):
    client.force_login(applicant)
    response = client.post(reverse("stages:decline", args=[ready[0].code]), follow=True)

    decision = StageDecision.objects.get(proposal=ready[0])
    assert decision.declined_at is not None and decision.declined_by == applicant
    assert decision.full_proposal.state == ProposalState.WITHDRAWN
    assert "Invitation declined" in response.content.decode()
    again = client.post(reverse("stages:decline", args=[ready[0].code]), follow=True)
    assert "The invitation was declined on" in again.content.decode()

    client.force_login(office)
    page = client.get(reverse("stages:page", args=[link.stage1.code])).content.decode()
    assert "the team declined on" in page and 'id="declined-count">1<' in page


def test_a_team_not_invited_cannot_decline(told, ready, office):
    with pytest.raises(services.StageError, match="Only a team invited"):
        services.decline_invitation(ready[2], actor=office)


@pytest.mark.parametrize("persona", ["office", "board", "reviewer", "institution_contact", "anonymous"])
def test_only_the_lead_declines(told, ready, as_persona, persona):
    response = as_persona(persona).post(reverse("stages:decline", args=[ready[0].code]))

    assert response.status_code == (302 if persona == "anonymous" else 404)
    assert StageDecision.objects.get(proposal=ready[0]).declined_at is None


def test_stage2_hearings_start_from_the_invited_teams_best_first(told, ready, link, office):
    first, second = told[ready[0].pk].full_proposal, told[ready[1].pk].full_proposal
    assert first.state == ProposalState.DRAFT  # the full proposal may still be a draft

    (source,) = hearings.shortlists.sources_for(link.stage2)
    order = [c["code"] for c in services.latest_run(link).inputs]
    expected = [
        d.full_proposal.code
        for d in sorted((told[ready[0].pk], told[ready[1].pk]), key=lambda d: order.index(d.proposal.code))
    ]
    assert source.codes == tuple(expected)
    assert hearings.shortlist_from(link.stage2, "invited", 1, actor=office) == 1
    assert Hearing.objects.get().proposal.code == expected[0]
    # Codes of invited teams are accepted too; a letter (another call) or a stranger's code is not.
    assert hearings.shortlist(link.stage2, [first.code, second.code], actor=office) == 1
    with pytest.raises(hearings.HearingError, match="not submitted proposals of this call"):
        hearings.shortlist(link.stage2, [ready[2].code], actor=office)
    with pytest.raises(hearings.HearingError, match="no such shortlist"):
        hearings.shortlist_from(link.stage2, "nothing", 1, actor=office)


def test_a_declined_invitation_leaves_the_hearings_source(told, ready, link, applicant):
    services.decline_invitation(ready[0], actor=applicant)

    (source,) = hearings.shortlists.sources_for(link.stage2)

    assert source.codes == (told[ready[1].pk].full_proposal.code,)
    assert hearings.shortlists.sources_for(link.stage1) == []


def test_the_stage_page_links_the_office_to_the_stage2_hearings(told, link, as_persona):
    url = reverse("hearings:desk", args=[link.stage2.code])

    office_page = as_persona("office").get(reverse("stages:page", args=[link.stage1.code])).content.decode()
    board_page = as_persona("board").get(reverse("stages:page", args=[link.stage1.code])).content.decode()
    desk = as_persona("office").get(url).content.decode()

    assert url in office_page and url not in board_page
    assert "teams invited after the letters of intent" in desk


def test_the_recommendation_replays_bit_for_bit(link, ready, office, client):
    run = services.recommend_shortlist(link, actor=office)

    assert run.stored_inputs_id == run.inputs_hash
    result = replay.replay("shortlist", run.pk)
    assert result.reproduced is True and result.line.startswith("Reproduced bit for bit")
    client.force_login(office)
    page = client.get(reverse("stages:page", args=[link.stage1.code])).content.decode()
    assert reverse("replay", args=["shortlist", run.pk]) in page


def test_an_altered_recommendation_input_says_inputs_differ(link, ready, office):
    run = services.recommend_shortlist(link, actor=office)
    payload = replay.load_inputs(run.stored_inputs).payload
    payload["parameters"]["budget"] = "1.00"  # someone edits the stored inputs
    StoredInput.objects.filter(pk=run.stored_inputs_id).update(data=zlib.compress(replay.canonical(payload)))

    result = replay.replay("shortlist", run.pk)

    assert result.reproduced is False and result.inputs_intact is False
    assert result.line.startswith("Inputs differ")
    assert result.differences  # a budget of 1 € invites only the best letter
