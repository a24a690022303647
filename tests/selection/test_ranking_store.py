"""The stored ranking: served from the cache while nothing changes, recomputed after every change
that affects it (reviews, assignments, conflicts, consensus, settings, decisions, awards,
portfolio runs, eligibility, criteria), never after a change that rolled back."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from grappe.core import generations
from grappe.review import services as review
from grappe.review.models import Review, ReviewAssignment
from grappe.selection import ranking_store, services
from grappe.selection.models import Outcome
from grappe.submissions import services as submissions
from tests.factories import CallFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def _score(call, code):
    return next(row.score for row in ranking_store.ranking(call) if row.proposal.code == code)


def _codes(call):
    return [row.proposal.code for row in ranking_store.ranking(call)]


def test_a_stored_ranking_is_served_without_recomputing(review_call, reviewed, django_assert_num_queries):
    first = ranking_store.ranking(review_call)
    with django_assert_num_queries(1):  # the call's generation, nothing else
        again = ranking_store.ranking(review_call)
    assert [r.proposal.code for r in again] == [r.proposal.code for r in first]
    assert [r.score for r in again] == [r.score for r in first]


def test_a_submitted_review_and_a_removed_assignment_change_the_ranking(review_call, reviewed, pool, office):
    proposal = reviewed[2]
    assert _score(review_call, proposal.code) == Decimal("6.75")  # (2.0 + 2.5) / 2 × 3 criteria
    assignment = review.add_assignment(
        review_call, reviewer=pool[2].person, proposal=proposal, reason="t", actor=office
    )
    data = {f"score_{c.pk}": "5.0" for c in review_call.scheme.criteria.all()}
    review.save_review(
        assignment,
        data | {"applicant_comment": "ok", "recommendation": "fund"},
        expected_version=1,
        submit=True,
        actor=office,
    )
    assert _score(review_call, proposal.code) == Decimal("9.50")  # (2 + 2.5 + 5) / 3 × 3, from the unrounded mean
    review.remove_assignment(assignment, reason="wrong expert", actor=office)
    assert _score(review_call, proposal.code) == Decimal("6.75")


def test_a_declared_conflict_takes_the_review_out(review_call, reviewed, pool, office):
    proposal = reviewed[2]
    assignment = ReviewAssignment.objects.filter(proposal=proposal, state="active").select_related("reviewer").first()
    before = _score(review_call, proposal.code)
    review.declare_conflict(
        review_call, reviewer=assignment.reviewer, proposal=proposal, reason="my student", origin="declared", actor=None
    )
    left = Review.objects.filter(assignment__proposal=proposal, assignment__state="active").get()
    assert _score(review_call, proposal.code) != before
    assert _score(review_call, proposal.code) == Decimal(left.scores[next(iter(left.scores))]) * 3


def test_consensus_settings_and_eligibility_change_the_ranking(review_call, reviewed, office):
    proposal = reviewed[0]
    ranking_store.ranking(review_call)
    data = {f"score_{c.pk}": "3.0" for c in review_call.scheme.criteria.all()} | {"applicant_comment": "Agreed."}
    services.save_consensus(proposal, data, expected_version=1, approve=True, actor=office)
    assert _score(review_call, proposal.code) == Decimal("9.00")

    settings = services.settings_for(review_call)
    before = ranking_store.ranking(review_call)
    assert not any(row.disagreement for row in before)
    settings.disagreement = Decimal("0.5")
    settings.save()
    assert any(row.disagreement for row in ranking_store.ranking(review_call))

    submissions.override_eligibility(reviewed[1], actor=office, eligible=False, reason="Not a member of the cluster")
    assert reviewed[1].code not in _codes(review_call)


def test_portfolio_runs_decisions_and_awards_change_the_ranking(review_call, ready, office, board):
    priced = ready
    assert {row.recommendation for row in ranking_store.ranking(review_call)} == {"reserve", "rejected"}
    run = services.run_portfolio(review_call, {"budget": 150000}, actor=office)
    assert {row.recommendation for row in ranking_store.ranking(review_call)} == {"reserve", "rejected"}
    services.adopt_portfolio_run(run, actor=office)  # recommendations follow the adopted run only
    funded = next(iter(run.result["funded"]))
    rows = {row.proposal.code: row for row in ranking_store.ranking(review_call)}
    assert rows[funded].recommendation == Outcome.FUNDED
    assert rows[funded].decision is None

    proposal = next(p for p in priced if p.code == funded)
    other_call = CallFactory(programme=review_call.programme)
    other_version = ranking_store.version(other_call)
    services.record_decision(
        proposal,
        outcome=Outcome.FUNDED,
        amount=Decimal("100000"),
        reserve_rank=None,
        justification="",
        expected_version=None,
        actor=board,
    )
    rows = {row.proposal.code: row for row in ranking_store.ranking(review_call)}
    assert rows[funded].decision.outcome == Outcome.FUNDED
    # The award counts in the "new partners" rule of the programme's other calls.
    assert ranking_store.version(other_call) != other_version


def test_criteria_change_the_ranking(review_call, reviewed):
    criterion = review_call.scheme.criteria.order_by("position").first()
    before = _score(review_call, reviewed[0].code)
    criterion.weight = Decimal("2")
    criterion.save()
    assert _score(review_call, reviewed[0].code) > before


def test_a_rolled_back_change_keeps_the_generation(review_call, reviewed, office):
    version = ranking_store.version(review_call)
    with pytest.raises(RuntimeError), transaction.atomic():
        settings = services.settings_for(review_call)
        settings.disagreement = Decimal("0.5")
        settings.save()
        raise RuntimeError
    assert ranking_store.version(review_call) == version


def test_a_new_draft_bumps_nothing_and_other_calls_keep_theirs(review_call, reviewed, applicant, university):
    version = ranking_store.version(review_call)
    ProposalFactory(call=review_call, lead=applicant.person, lead_organisation=university, state="draft")
    assert ranking_store.version(review_call) == version
    other = CallFactory(programme=review_call.programme)
    ProposalFactory(call=other, lead=applicant.person, lead_organisation=university, state="submitted")
    assert ranking_store.version(review_call) == version


def test_generations_are_created_then_renewed():
    assert generations.read("a", "b") == (0, 0)
    generations.bump("a")
    first = generations.read("a", "b")
    assert first[0] != 0 and first[1] == 0
    generations.bump("a", "b", "a")
    second = generations.read("a", "b")
    assert second[0] != first[0] and second[1] != 0


def test_the_ranking_page_shows_a_decision_made_after_it_was_stored(as_persona, review_call, reviewed):
    board = as_persona("board")
    page = reverse("selection:ranking", args=[review_call.code])
    assert "#1</span>" not in board.get(page).content.decode()
    board.post(
        reverse("selection:decision", args=[reviewed[0].code]),
        {"outcome": "reserve", "reserve_rank": "1", "justification": "Not ready yet, kept on the list by the board."},
    )
    assert "#1</span>" in board.get(page).content.decode()


def test_a_draft_review_bumps_nothing_until_submitted(review_call, reviewed, pool, office):
    proposal = reviewed[2]
    assignment = review.add_assignment(
        review_call, reviewer=pool[2].person, proposal=proposal, reason="t", actor=office
    )
    version = ranking_store.version(review_call)
    data = {f"score_{c.pk}": "5.0" for c in review_call.scheme.criteria.all()} | {"applicant_comment": "ok"}
    review.save_review(assignment, data, expected_version=1, submit=False, actor=office)
    assert ranking_store.version(review_call) == version
    review.save_review(assignment, data | {"recommendation": "fund"}, expected_version=2, submit=True, actor=office)
    assert ranking_store.version(review_call) != version
    # A submitted review that goes back to draft leaves the ranking: that bumps too.
    submitted = Review.objects.get(assignment=assignment)
    version = ranking_store.version(review_call)
    submitted.state = "draft"
    submitted.save()
    assert ranking_store.version(review_call) != version
