"""A decided proposal stays in the selection; no decision before the call closes (issue 10, defect 2)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grappe.selection import services
from grappe.selection.models import Award, Decision, Outcome
from grappe.submissions import services as submissions
from grappe.submissions.models import ProposalState

pytestmark = pytest.mark.django_db


def _fund(proposal, actor):
    return services.record_decision(
        proposal,
        outcome=Outcome.FUNDED,
        amount=Decimal("100000"),
        reserve_rank=None,
        justification="Funded by the board after review.",
        expected_version=None,
        actor=actor,
    )


def test_the_lead_cannot_withdraw_a_funded_proposal_and_the_award_stays_reachable(priced, applicant, board, office):
    funded = priced[0]
    _fund(funded, board)

    with pytest.raises(submissions.SubmissionError) as exc:
        submissions.withdraw_proposal(funded, actor=applicant)

    funded.refresh_from_db()
    assert str(exc.value) == (
        "A decision is recorded on this proposal: it stays in the selection. If the team gives up its "
        "funding, tell the programme office, which records that the team declines."
    )
    assert funded.state == ProposalState.SUBMITTED
    assert Award.objects.get(proposal=funded).amount == Decimal("100000")
    # The way out for a team that gives up: the office's "team declines", which releases the award.
    services.team_declines(funded, reason="The team gives up the funding.", actor=office)
    assert (Decision.objects.get(proposal=funded).outcome, Award.objects.filter(proposal=funded).exists()) == (
        Outcome.DECLINED,
        False,
    )


def test_a_rejected_proposal_cannot_be_withdrawn_either(priced, applicant, board):
    services.record_decision(
        priced[0],
        outcome=Outcome.REJECTED,
        amount=None,
        reserve_rank=None,
        justification="Rejected by the board after review.",
        expected_version=None,
        actor=board,
    )

    with pytest.raises(submissions.SubmissionError):
        submissions.withdraw_proposal(priced[0], actor=applicant)

    priced[0].refresh_from_db()
    assert priced[0].state == ProposalState.SUBMITTED


def test_a_decided_proposal_cannot_be_reopened_even_if_the_call_opens_again(review_call, priced, applicant, board):
    funded = priced[0]
    _fund(funded, board)
    review_call.closes_at = timezone.now() + dt.timedelta(days=3)  # the office moved the deadline
    review_call.save()

    with pytest.raises(submissions.SubmissionError, match="A decision is recorded on this proposal"):
        submissions.reopen_proposal(funded, actor=applicant)

    funded.refresh_from_db()
    assert (funded.state, Award.objects.filter(proposal=funded).count()) == (ProposalState.SUBMITTED, 1)


def test_no_decision_while_the_call_is_open(review_call, priced, board):
    review_call.closes_at = timezone.now() + dt.timedelta(days=3)
    review_call.save()

    with pytest.raises(services.SelectionError) as exc:
        _fund(priced[0], board)

    assert exc.value.messages == ["The call is still open: decisions are recorded once it has closed."]
    assert (Decision.objects.count(), Award.objects.count()) == (0, 0)


def test_an_undecided_proposal_can_still_be_withdrawn_after_the_deadline(priced, applicant):
    submissions.withdraw_proposal(priced[0], actor=applicant)

    priced[0].refresh_from_db()
    assert priced[0].state == ProposalState.WITHDRAWN


def test_the_proposal_page_says_why_withdrawing_is_not_offered(priced, as_persona, board):
    from grappe.selection.models import Letter, LetterState

    _fund(priced[0], board)
    url = reverse("submissions:detail", args=[priced[0].code])

    before = as_persona("applicant").get(url).content.decode()
    Letter.objects.create(
        proposal=priced[0], outcome=Outcome.FUNDED, language="en", subject="s", body="b", state=LetterState.SENT
    )
    told = as_persona("applicant").get(url).content.decode()

    # Before the letter, why without hinting at the outcome; once told, how to give the funding up.
    assert "it can no longer be withdrawn nor reopened" in before and "gives up its funding" not in before
    assert "it stays in the selection" in told and "gives up its funding" in told
    assert reverse("submissions:withdraw", args=[priced[0].code]) not in before + told


def test_the_decision_page_says_the_call_is_still_open(review_call, priced, as_persona):
    review_call.closes_at = timezone.now() + dt.timedelta(days=3)
    review_call.save()

    page = as_persona("office").get(reverse("selection:decision", args=[priced[0].code])).content.decode()

    assert "decisions are recorded once it has closed" in page
    assert 'name="outcome"' not in page
