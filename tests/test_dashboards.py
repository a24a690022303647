"""Home dashboards (issue 11, item 16): the office sees its calls, their stage and the work waiting,
each a link; reviewers and applicants see what concerns them; a fixed number of queries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grappe.review.models import Conflict, ConflictOrigin, EngineRun, PoolMember, ReviewAssignment, RunKind, RunState
from grappe.review.services.common import settings_for
from grappe.submissions.models import ProposalState
from tests.factories import CallFactory, ProposalFactory
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_call(review_call, proposals, pool, office):  # noqa: F811 - fixtures
    """Reviews late, a run to publish, a declared conflict."""
    review_settings = settings_for(review_call)
    review_settings.review_deadline = timezone.now() - dt.timedelta(days=1)
    review_settings.save()
    ReviewAssignment.objects.create(call=review_call, reviewer=pool[0].person, proposal=proposals[1])
    EngineRun.objects.create(call=review_call, kind=RunKind.ASSIGNMENT, state=RunState.DONE)
    Conflict.objects.create(
        call=review_call, reviewer=pool[1].person, proposal=proposals[2], origin=ConflictOrigin.DECLARED, reasons=["x"]
    )
    return review_call


def test_office_home_lists_calls_with_stage_and_links_to_the_waiting_work(as_persona, busy_call):
    text = as_persona("office").get(reverse("home")).content.decode()

    desk = reverse("review:desk", args=[busy_call.code])
    assert "The office's calls" in text
    assert "Expert review" in text
    assert f'href="{desk}#progress">1 late reviews' in text
    assert f'href="{desk}#runs">1 assignment runs waiting to be published' in text
    conflicts = reverse("review:conflicts", args=[busy_call.code]) + "?origin=declared&amp;state=standing"
    assert f'href="{conflicts}">1 conflicts declared by reviewers to examine' in text


def test_office_home_points_to_portfolio_runs_until_one_is_adopted(as_persona, busy_call, office):
    from grappe.selection import services as selection

    portfolio = reverse("selection:portfolio", args=[busy_call.code])
    run = selection.run_portfolio(busy_call, {"budget": 100000}, actor=office)
    before = as_persona("office").get(reverse("home")).content.decode()

    type(run).objects.filter(pk=run.pk).update(adopted_at=timezone.now())  # as adopt_portfolio_run leaves it
    after = as_persona("office").get(reverse("home")).content.decode()

    assert f'href="{portfolio}">1 portfolio runs, none adopted yet' in before
    assert "none adopted yet" not in after


def test_office_dashboard_costs_the_same_queries_for_one_or_many_calls(
    as_persona, busy_call, django_assert_num_queries
):
    client = as_persona("office")
    client.get(reverse("home"))
    with django_assert_num_queries(20) as one:
        client.get(reverse("home"))
    for _ in range(4):
        CallFactory()

    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("home"))


def test_reviewer_home_lists_invitations_and_reviews_to_write(as_persona, busy_call, pool, reviewer):  # noqa: F811
    PoolMember.objects.filter(person=reviewer.person).update(state="invited")

    text = as_persona("reviewer").get(reverse("home")).content.decode()

    assert "Your reviews" in text
    assert reverse("review:invitation", args=[PoolMember.objects.get(person=reviewer.person).token]) in text
    assignment = ReviewAssignment.objects.get(reviewer=reviewer.person)
    assert reverse("review:review", args=[assignment.pk]) in text


def test_applicant_home_lists_drafts_with_their_deadline(as_persona, applicant, university):
    draft = ProposalFactory(call=CallFactory(), lead=applicant.person, state=ProposalState.DRAFT, title="My draft")

    text = as_persona("applicant").get(reverse("home")).content.decode()

    assert "Your proposals in preparation" in text
    assert reverse("submissions:detail", args=[draft.code]) in text
    assert "The office" not in text


def test_anonymous_home_has_no_dashboard(client, db):
    text = client.get(reverse("home")).content.decode()

    assert "Your reviews" not in text and "The office" not in text


def test_the_board_gets_no_office_to_do_list(as_persona, busy_call):
    text = as_persona("board").get(reverse("home")).content.decode()

    assert "The office's calls" not in text


def test_a_call_with_decisions_is_shown_as_decided(as_persona, busy_call):
    from grappe.selection.models import Decision, Outcome

    proposal = busy_call.proposals.filter(state="submitted").first()
    Decision.objects.create(proposal=proposal, outcome=Outcome.REJECTED)
    text = as_persona("office").get(reverse("home")).content.decode()
    assert "Decisions recorded" in text and "reviewers to assign" not in text


def _decide(proposal, board):
    from grappe.selection import services as selection

    selection.record_decision(
        proposal,
        outcome="rejected",
        amount=None,
        reserve_rank=None,
        justification="Rejected by the board after its reading.",
        expected_version=None,
        actor=board,
    )


@pytest.mark.parametrize("persona", ["office", "board", "applicant", "reviewer", "outsider"])
def test_the_board_home_counts_the_decisions_left_to_it(as_persona, busy_call, proposals, board, persona):  # noqa: F811
    CallFactory()  # an open call: nothing for the board to decide yet
    _decide(proposals[2], board)

    text = as_persona(persona).get(reverse("home")).content.decode()

    ranking = reverse("selection:ranking", args=[busy_call.code])
    if persona == "board":
        assert "2 proposals wait for the board's decision." in text
        assert f'href="{ranking}">2 decisions waiting: {busy_call.title}' in text
        assert as_persona("board").get(ranking).status_code == 200
    else:
        assert "Decisions waiting" not in text


def test_the_board_home_costs_the_same_queries_for_one_or_many_calls(
    as_persona, busy_call, django_assert_num_queries, university
):
    client = as_persona("board")
    client.get(reverse("home"))
    with django_assert_num_queries(11) as one:
        client.get(reverse("home"))
    for _ in range(3):
        call = CallFactory(
            closes_at=timezone.now() - dt.timedelta(days=2), opens_at=timezone.now() - dt.timedelta(days=9)
        )
        ProposalFactory(call=call, lead_organisation=university, state=ProposalState.SUBMITTED)

    with django_assert_num_queries(len(one.captured_queries)):
        text = client.get(reverse("home")).content.decode()
    assert "6 proposals wait for the board's decision." in text


def test_the_letters_of_intent_of_a_two_stage_call_are_not_the_boards_to_decide(as_persona, busy_call, proposals):  # noqa: F811
    from grappe.stages.models import TwoStageCall

    TwoStageCall.objects.create(stage1=busy_call, stage2=CallFactory(programme=busy_call.programme))

    text = as_persona("board").get(reverse("home")).content.decode()

    assert reverse("selection:ranking", args=[busy_call.code]) not in text
    assert "No decision waiting" in text
