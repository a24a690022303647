"""Two-stage calls: the shortlist recommendation (R4.5), decisions beside it, notices, the data
carried into the full proposal, stage-1 reviewers kept or excluded, stage 2 closed to others."""

from decimal import Decimal

import pytest
from django.core import mail

from grappe.review import services as review
from grappe.review.models import PoolMember, PoolState, ReviewAssignment
from grappe.stages import services
from grappe.stages.models import ShortlistRun, StageDecision
from grappe.stages.shortlist import Candidate, shortlist
from grappe.submissions import services as submissions
from grappe.submissions.models import Answer, ProposalState
from tests.factories import CallFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _c(code, score, amount, passes=True, ready=True):
    return Candidate(code=code, score=Decimal(score), amount=Decimal(amount), passes=passes, ready=ready)


def test_shortlist_stops_at_the_target_but_keeps_ties():
    items = [_c("A", "14", "100"), _c("B", "13", "100"), _c("C", "13", "100"), _c("D", "12", "100")]
    result = shortlist(items, budget=Decimal("100"), target=Decimal("2"), minimum=Decimal("1.5"))
    # A + B reach 2 × the budget; C has B's score, so the cut does not separate them.
    assert result.invite == ["A", "B", "C"]
    assert result.requested == Decimal("300")
    assert result.ratio == Decimal("3.00")
    assert result.reached_target and result.reached_minimum


def test_shortlist_leaves_out_failing_and_not_ready_and_says_when_the_pool_is_too_small():
    items = [_c("A", "14", "100"), _c("B", "13", "500", passes=False), _c("C", "12", "500", ready=False)]
    result = shortlist(items, budget=Decimal("100"), target=Decimal("3"), minimum=Decimal("2.5"))
    assert result.invite == ["A"]
    assert not result.reached_minimum
    assert result.candidates == 1


def test_recommendation_is_stored_with_inputs_parameters_and_version(link, ready, office):
    run = services.recommend_shortlist(link, actor=office)
    good = {ready[0].code, ready[1].code}
    assert run.invited == good
    assert run.parameters == {"budget": "100000.00", "target_factor": "2.00", "minimum_factor": "1.50"}
    assert run.version == "shortlist-1"
    assert len(run.inputs_hash) == 64
    assert {i["code"] for i in run.inputs} == {p.code for p in ready}
    assert run.result["ratio"] == "2.00"


def test_decision_departing_from_the_recommendation_needs_a_justification(link, ready, office):
    with pytest.raises(services.StageError, match="Compute the recommendation first"):
        services.decide(ready[2], invited=True, expected_version=None, actor=office)
    services.recommend_shortlist(link, actor=office)
    with pytest.raises(services.StageError, match="justify it"):
        services.decide(ready[2], invited=True, justification="short", expected_version=None, actor=office)
    assert not StageDecision.objects.exists()
    decision = services.decide(
        ready[2], invited=True, justification="Strategic for the cluster's axis.", expected_version=None, actor=office
    )
    assert decision.departs and decision.recommended is False


def test_notices_carry_stage1_data_into_a_draft_full_proposal(
    link, ready, office, summary_questions, django_capture_on_commit_callbacks
):
    first_question, second_question = summary_questions
    Answer.objects.create(proposal=ready[0], question=first_question, value="We build molecules.")
    services.recommend_shortlist(link, actor=office)
    services.decide(ready[0], invited=True, expected_version=None, actor=office)
    services.decide(ready[2], invited=False, expected_version=None, actor=office)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_notices(link, actor=office) == 2
    assert services.send_notices(link, actor=office) == 0  # a second click tells nobody twice
    invited = StageDecision.objects.get(proposal=ready[0])
    full = invited.full_proposal
    assert full.call == link.stage2 and full.state == ProposalState.DRAFT
    assert (full.title, full.lead, full.requested_amount) == (ready[0].title, ready[0].lead, ready[0].requested_amount)
    assert full.team.filter(person=ready[0].lead).exists()
    assert Answer.objects.get(proposal=full, question=second_question).value == "We build molecules."
    assert StageDecision.objects.get(proposal=ready[2]).full_proposal is None
    assert len(mail.outbox) == 2
    # In the lead's language (French by default): the invitation and the notice.
    assert sorted(m.subject for m in mail.outbox) == [
        f"Invitation à l'étape 2 : {ready[0].title}",
        f"Votre lettre d'intention : {ready[2].title}",
    ]
    # The team not invited may request redress from the notice on; the invited one has no need.
    assert services.redress_deadline(ready[2]) is not None
    assert services.redress_deadline(ready[0]) is None
    invitation = next(m for m in mail.outbox if m.subject.startswith("Invitation"))
    assert f"/proposals/{full.code}/" in invitation.body
    # Told: the decision no longer changes.
    with pytest.raises(services.StageError, match="no longer changes"):
        services.decide(ready[2], invited=True, justification="Changed our mind.", expected_version=1, actor=office)


def test_stage2_takes_invited_teams_only(link, applicant):
    with pytest.raises(submissions.SubmissionError, match="only from the teams invited"):
        submissions.start_proposal(link.stage2, actor=applicant, title="Trying my luck")
    assert not link.stage2.proposals.exists()


def test_stage_reviews_stay_apart_and_reviewers_are_kept_or_excluded(link, ready, office, pool):
    kept, excluded = pool[0].person, pool[1].person
    services.choose_reviewer(link, kept, keep=True, actor=office)
    assert PoolMember.objects.get(call=link.stage2, person=kept).state == PoolState.ACCEPTED
    services.choose_reviewer(link, excluded, keep=False, actor=office)
    with pytest.raises(review.ReviewError, match="excluded from stage 2"):
        review.invite(link.stage2, email=excluded.email, actor=office)
    assert not PoolMember.objects.filter(call=link.stage2, person=excluded).exists()
    # Stage-1 assignments are not stage-2 ones.
    assert not ReviewAssignment.objects.filter(call=link.stage2).exists()
    with pytest.raises(services.StageError, match="did not review at stage 1"):
        services.choose_reviewer(link, PersonFactory(), keep=True, actor=office)


def test_linking_refuses_bad_pairs(review_call, stage2, office):
    with pytest.raises(services.StageError, match="its own second stage"):
        services.link_calls(review_call, review_call, actor=office)
    with pytest.raises(services.StageError, match="same programme"):
        services.link_calls(review_call, CallFactory(), actor=office)
    with pytest.raises(services.StageError, match="between 1 and 10"):
        services.link_calls(review_call, stage2, target="2", minimum="3", actor=office)
    with pytest.raises(services.StageError, match="numbers"):
        services.link_calls(review_call, stage2, target="abc", actor=office)
    services.link_calls(review_call, stage2, actor=office)
    with pytest.raises(services.StageError, match="already a stage"):
        services.link_calls(review_call, stage2, actor=office)
    assert not ShortlistRun.objects.exists()


def test_following_the_recommendation_decides_the_undecided_only(link, ready, office):
    with pytest.raises(services.StageError, match="Compute the recommendation first"):
        services.follow_recommendation(link, actor=office)
    services.recommend_shortlist(link, actor=office)
    services.decide(
        ready[0], invited=False, justification="Already funded elsewhere.", expected_version=None, actor=office
    )
    assert services.follow_recommendation(link, actor=office) == 2
    assert {d.proposal_id: d.invited for d in StageDecision.objects.all()} == {
        ready[0].pk: False,
        ready[1].pk: True,
        ready[2].pk: False,
    }
    assert services.follow_recommendation(link, actor=office) == 0
