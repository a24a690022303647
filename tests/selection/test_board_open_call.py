"""The board reads a call's selection as it reads its proposals: once the call is closed. While the
call is open, every selection page and export answers the board 404, as the proposal page does
(``submissions.rules.is_board_reader``); the office reads them at any time."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grappe.calls.models import CallState
from grappe.selection.models import Consensus
from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db

CALL_PAGES = ["selection:ranking", "selection:portfolio", "selection:ledger", "selection:export"]
PROPOSAL_PAGES = ["submissions:detail", "selection:decision", "selection:consensus", "selection:summary_pdf"]


def _reopen(call):
    call.state = CallState.PUBLISHED
    call.closes_at = timezone.now() + dt.timedelta(days=3)
    call.save()


@pytest.fixture
def open_call(review_call, reviewed):
    """The reviewed call of tests/selection, its deadline moved to three days from now."""
    Consensus.objects.create(proposal=reviewed[0], applicant_comment="Strong and feasible.")
    _reopen(review_call)
    return review_call


@pytest.mark.parametrize("page", CALL_PAGES)
def test_the_board_gets_404_on_the_selection_of_an_open_call(as_persona, open_call, page):
    url = reverse(page, args=[open_call.code])
    assert as_persona("board").get(url).status_code == 404
    assert as_persona("office").get(url).status_code == 200


@pytest.mark.parametrize("page", PROPOSAL_PAGES)
def test_the_board_gets_404_on_each_page_of_a_proposal_of_an_open_call(as_persona, open_call, reviewed, page):
    url = reverse(page, args=[reviewed[0].code])
    assert as_persona("board").get(url).status_code == 404
    assert as_persona("office").get(url).status_code == 200


def test_the_board_cannot_decide_nor_release_on_an_open_call(as_persona, open_call, reviewed):
    board = as_persona("board")
    decide = board.post(reverse("selection:decision", args=[reviewed[0].code]), {"outcome": "rejected"})
    declines = board.post(reverse("selection:team_declines", args=[reviewed[0].code]), {"reason": "x" * 20})
    assert (decide.status_code, declines.status_code) == (404, 404)


@pytest.mark.parametrize("page", CALL_PAGES)
def test_the_board_reads_the_selection_once_the_deadline_passed(as_persona, review_call, reviewed, page):
    response = as_persona("board").get(reverse(page, args=[review_call.code]))
    assert response.status_code == 200
    if page == "selection:ranking":
        assert reviewed[0].title in response.content.decode()


@pytest.mark.parametrize("page", PROPOSAL_PAGES)
def test_the_board_reads_each_page_of_a_proposal_once_the_deadline_passed(as_persona, reviewed, page):
    Consensus.objects.create(proposal=reviewed[0], applicant_comment="Strong and feasible.")
    assert as_persona("board").get(reverse(page, args=[reviewed[0].code])).status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_opens_the_summary_pdf_of_a_closed_call(as_persona, reviewed, persona):
    response = as_persona(persona).get(reverse("selection:summary_pdf", args=[reviewed[0].code]))
    # The lead (applicant) reads it only once the letter of a decision is sent; anonymous: to log in.
    expected = {"office": 200, "board": 200, "anonymous": 302}.get(persona, 404)
    assert response.status_code == expected


def test_the_board_is_not_sent_to_the_selection_of_an_open_call(as_persona, open_call, review_call):
    board = as_persona("board")
    calls = board.get(reverse("calls:office_list")).content.decode()
    desk = board.get(reverse("review:desk", args=[open_call.code])).content.decode()
    ranking = reverse("selection:ranking", args=[open_call.code])
    assert ranking not in calls and ranking not in desk
    assert ranking in as_persona("office").get(reverse("review:desk", args=[open_call.code])).content.decode()


@pytest.mark.parametrize("persona", ["board", "reviewer", "applicant", "outsider"])
def test_the_post_only_selection_addresses_answer_404_to_a_get_by_whoever_may_not_use_them(
    as_persona, review_call, reviewed, persona
):
    from grappe.selection.models import PortfolioRun

    run = PortfolioRun.objects.create(call=review_call, parameters={"budget": 1})
    client = as_persona(persona)
    urls = [
        reverse("selection:settings", args=[review_call.code]),
        reverse("selection:adopt", args=[review_call.code, run.pk]),
    ]
    if persona != "board":  # the board records a team declining (a POST; its GET is 405)
        urls.append(reverse("selection:team_declines", args=[reviewed[0].code]))
    assert [client.get(url).status_code for url in urls] == [404] * len(urls)
    assert as_persona("office").get(urls[0]).status_code == 405


@pytest.mark.parametrize("page", ["stages:page", "accountability:audit"])
def test_the_boards_other_call_pages_link_to_the_selection_only_once_the_call_is_closed(as_persona, open_call, page):
    from tests.review.test_links_per_persona import dead_links

    client = as_persona("board")
    url = reverse(page, args=[open_call.code])
    if client.get(url).status_code == 404:  # the page itself is closed to the board while open
        return
    assert reverse("selection:ranking", args=[open_call.code]) not in client.get(url).content.decode()
    assert dead_links(client, url) == []
