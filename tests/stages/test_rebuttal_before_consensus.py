"""With a rebuttal window, the consensus waits for the applicants' answer: it is not approved
before the window closes, and the proposal's reviewers and rapporteur read the answer on their
review page and on the consensus page first; nobody else does."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grappe.review.models import ReviewAssignment
from grappe.selection import services as selection
from grappe.selection.models import Consensus, ConsensusState
from grappe.stages import services
from grappe.stages.models import AppealSettings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _data(proposal):
    scores = {f"score_{c.pk}": "4.0" for c in proposal.call.scheme.criteria.all()}
    return scores | {"applicant_comment": "Agreed after the answer."}


def test_the_consensus_is_not_approved_while_the_window_is_open(window, reviewed, office):
    with pytest.raises(selection.SelectionError, match="may answer their reviews until"):
        selection.save_consensus(reviewed[0], _data(reviewed[0]), expected_version=1, approve=True, actor=office)
    # A draft is fine meanwhile.
    draft = selection.save_consensus(reviewed[0], _data(reviewed[0]), expected_version=1, approve=False, actor=office)
    assert draft.state == ConsensusState.DRAFT


def test_the_consensus_is_not_approved_before_the_window_opens(window, reviewed, office):
    AppealSettings.objects.filter(pk=window.pk).update(
        rebuttal_opens_at=timezone.now() + dt.timedelta(days=2),
        rebuttal_closes_at=timezone.now() + dt.timedelta(days=9),
    )
    with pytest.raises(selection.SelectionError, match="may answer their reviews until"):
        selection.save_consensus(reviewed[0], _data(reviewed[0]), expected_version=1, approve=True, actor=office)


def test_the_consensus_is_approved_once_the_window_closed(window, reviewed, office):
    AppealSettings.objects.filter(pk=window.pk).update(
        rebuttal_opens_at=timezone.now() - dt.timedelta(days=9),
        rebuttal_closes_at=timezone.now() - dt.timedelta(minutes=1),
    )
    consensus = selection.save_consensus(
        reviewed[0], _data(reviewed[0]), expected_version=1, approve=True, actor=office
    )
    assert consensus.state == ConsensusState.APPROVED


def test_the_consensus_page_says_why_and_keeps_the_draft(window, reviewed, client, office):
    client.force_login(office)
    url = reverse("selection:consensus", args=[reviewed[0].code])

    page = client.get(url).content.decode()
    response = client.post(url, _data(reviewed[0]) | {"version": "1", "approve": "1"}, follow=True)

    assert 'id="rebuttal-pending"' in page
    assert "may answer their reviews until" in response.content.decode()
    assert not Consensus.objects.filter(proposal=reviewed[0], state=ConsensusState.APPROVED).exists()


def _confirmed(proposal, person):
    """The reviewer's assignment, confirmed (no conflict): the review page shows the proposal."""
    ReviewAssignment.objects.filter(proposal=proposal, reviewer=person).update(confirmed_at=timezone.now())
    return ReviewAssignment.objects.get(proposal=proposal, reviewer=person)


def _reviewer_client(person):
    client = Client()
    client.force_login(getattr(person, "user", None) or UserFactory(person=person))
    return client


def test_the_proposals_reviewers_read_the_answer_on_their_review_page(window, reviewed, applicant, pool):
    services.save_rebuttal(reviewed[0], text="We ran the ablation.", send=True, expected_version=1, actor=applicant)
    assignment = _confirmed(reviewed[0], pool[1].person)

    page = _reviewer_client(pool[1].person).get(reverse("review:review", args=[assignment.pk])).content.decode()

    assert "We ran the ablation." in page and 'id="rebuttal"' in page


def test_another_proposals_reviewer_reads_no_answer(window, reviewed, applicant, pool):
    services.save_rebuttal(reviewed[0], text="We ran the ablation.", send=True, expected_version=1, actor=applicant)
    other = _confirmed(reviewed[1], pool[0].person)  # not a reviewer of proposal 0
    client = _reviewer_client(pool[0].person)

    page = client.get(reverse("review:review", args=[other.pk])).content.decode()

    assert "We ran the ablation." not in page
    assert client.get(reverse("selection:consensus", args=[reviewed[0].code])).status_code == 404
    assert (
        client.get(
            reverse(
                "review:review", args=[ReviewAssignment.objects.get(proposal=reviewed[0], reviewer=pool[1].person).pk]
            )
        ).status_code
        == 404
    )


def test_without_a_window_the_review_page_shows_nothing_of_it(reviewed, pool):
    assignment = _confirmed(reviewed[0], pool[1].person)

    page = _reviewer_client(pool[1].person).get(reverse("review:review", args=[assignment.pk])).content.decode()

    assert "Your review" in page and 'id="rebuttal"' not in page
