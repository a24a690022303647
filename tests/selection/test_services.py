"""Selection services: ranking, thresholds, ties, calibration, consensus, portfolio, decisions."""

from decimal import Decimal

import pytest

from grappe.core.services import ConcurrentEditError
from grappe.selection import services
from grappe.selection.models import Award, ConsensusState, Outcome, PortfolioRun

pytestmark = pytest.mark.django_db


def _consensus(proposal, value, office, approve=True):
    data = {f"score_{c.pk}": value for c in proposal.call.scheme.criteria.all()} | {"applicant_comment": "Agreed."}
    return services.save_consensus(proposal, data, expected_version=1, approve=approve, actor=office)


def test_ranking_orders_by_score_then_tie_rules_and_thresholds_last(review_call, reviewed):
    rows = services.ranking(review_call)
    assert [r.proposal for r in rows] == [reviewed[0], reviewed[1], reviewed[2]] or [r.proposal for r in rows][
        2
    ] == reviewed[2]
    assert rows[0].score == rows[1].score == Decimal("12.75")  # 3 criteria × 4.25
    assert rows[1].tie_rule  # the tie is explained
    assert rows[0].provisional and rows[0].passes
    assert not rows[2].passes and rows[2].failed
    assert all(r.calibrated is not None for r in rows)


def test_an_approved_consensus_replaces_the_review_means(review_call, reviewed, office):
    _consensus(reviewed[1], "5", office)
    rows = services.ranking(review_call)
    assert rows[0].proposal == reviewed[1]
    assert rows[0].score == Decimal("15.00") and not rows[0].provisional


def test_tie_rules_follow_the_configured_order(review_call, reviewed, office):
    criteria = list(review_call.scheme.criteria.all())
    # Same weighted score, different profiles: proposal 0 stronger on excellence, 1 on impact.
    for proposal, first, second in ((reviewed[0], "5", "4"), (reviewed[1], "4", "5")):
        data = {f"score_{c.pk}": "4.5" for c in criteria} | {"applicant_comment": "x"}
        data[f"score_{criteria[0].pk}"], data[f"score_{criteria[1].pk}"] = first, second
        services.save_consensus(proposal, data, expected_version=1, approve=True, actor=office)
    settings = services.settings_for(review_call)
    settings.tie_rules = ["criterion_2", "criterion_1"]
    settings.save()
    rows = services.ranking(review_call)
    assert rows[0].proposal == reviewed[1] and "second criterion" in rows[1].tie_rule
    settings.tie_rules = ["criterion_1"]
    settings.save()
    rows = services.ranking(review_call)
    assert rows[0].proposal == reviewed[0] and "first criterion" in rows[1].tie_rule


def test_consensus_validation_versions_and_approval(review_call, reviewed, office):
    proposal = reviewed[0]
    with pytest.raises(services.SelectionError, match="half points"):
        services.save_consensus(
            proposal,
            {"score_" + str(review_call.scheme.criteria.first().pk): "4.2"},
            expected_version=1,
            approve=False,
            actor=office,
        )
    draft = services.save_consensus(proposal, {}, expected_version=1, approve=False, actor=office)
    assert draft.state == ConsensusState.DRAFT
    with pytest.raises(services.SelectionError, match="before approving"):
        services.save_consensus(proposal, {}, expected_version=2, approve=True, actor=office)
    with pytest.raises(ConcurrentEditError):
        services.save_consensus(proposal, {}, expected_version=1, approve=False, actor=office)


def test_portfolio_run_is_kept_with_its_result_or_its_error(review_call, priced, office):
    reviewed = priced
    for proposal in reviewed:
        _consensus(proposal, "4.0" if proposal != reviewed[2] else "2.0", office)
    run = services.run_portfolio(review_call, {"budget": 150000}, actor=office)
    assert run.error == "" and len(run.result["funded"]) == 1  # one of the two passing proposals fits
    assert run.inputs_hash and run.engine_version
    failed = services.run_portfolio(
        review_call, {"budget": 150000, "must_fund": [reviewed[0].code, reviewed[1].code]}, actor=office
    )
    assert "must-fund" in failed.error
    assert PortfolioRun.objects.count() == 2


def test_decisions_follow_or_justify_and_commit_money(review_call, priced, office, board):
    reviewed = priced
    for proposal in reviewed:
        _consensus(proposal, "4.0" if proposal != reviewed[2] else "2.0", office)
    run = services.adopt_portfolio_run(
        services.run_portfolio(review_call, {"budget": 150000}, actor=office), actor=office
    )
    funded_code = next(iter(run.result["funded"]))
    funded = next(p for p in reviewed[:2] if p.code == funded_code)
    other = next(p for p in reviewed[:2] if p.code != funded_code)

    decision = services.record_decision(
        funded,
        outcome=Outcome.FUNDED,
        amount=Decimal("100000"),
        reserve_rank=None,
        justification="",
        expected_version=None,
        actor=board,
    )
    assert not decision.departs and Award.objects.get(proposal=funded).amount == Decimal("100000")
    with pytest.raises(services.SelectionError, match="departs from the recommendation"):
        services.record_decision(
            other,
            outcome=Outcome.FUNDED,
            amount=Decimal("40000"),
            reserve_rank=None,
            justification="",
            expected_version=None,
            actor=board,
        )
    with pytest.raises(services.SelectionError, match="call's budget"):
        services.record_decision(
            other,
            outcome=Outcome.FUNDED,
            amount=Decimal("60000"),
            reserve_rank=None,
            justification="Strategic priority of the board",
            expected_version=None,
            actor=board,
        )
    reserve = services.record_decision(
        other,
        outcome=Outcome.RESERVE,
        amount=None,
        reserve_rank=1,
        justification="",
        expected_version=None,
        actor=board,
    )
    assert not reserve.departs
    with pytest.raises(ConcurrentEditError):
        services.record_decision(
            other,
            outcome=Outcome.REJECTED,
            amount=None,
            reserve_rank=None,
            justification="Changed our mind entirely",
            expected_version=99,
            actor=board,
        )
    services.record_decision(
        funded,
        outcome=Outcome.REJECTED,
        amount=None,
        reserve_rank=None,
        justification="The team withdrew its partner",
        expected_version=None,
        actor=board,
    )
    assert not Award.objects.exists()
    assert services.committed(review_call) == 0


def test_a_call_budget_cannot_go_below_what_awards_commit(review_call, priced, office, board):
    from grappe.calls.services import BudgetBelowCommitments, update_call

    services.run_portfolio(review_call, {"budget": 150000}, actor=office)
    services.record_decision(
        priced[0],
        outcome=Outcome.FUNDED,
        amount=Decimal("100000"),
        reserve_rank=None,
        justification="Strategic priority of the board",
        expected_version=None,
        actor=board,
    )
    review_call.refresh_from_db()

    with pytest.raises(BudgetBelowCommitments) as error:
        update_call(
            review_call, actor=office, changes={"budget": Decimal("50000")}, expected_version=review_call.version
        )
    changed = update_call(
        review_call, actor=office, changes={"budget": Decimal("100000")}, expected_version=review_call.version
    )

    assert str(error.value) == (
        "The budget cannot be 50,000.00 €: awards already commit 100,000.00 € of this call's budget."
    )
    assert changed == {"budget": [Decimal("150000.00"), Decimal("100000")]}
