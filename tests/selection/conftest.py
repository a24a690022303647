"""The review call of tests/review with submitted reviews: proposals 0 and 1 good, 2 weak."""

from decimal import Decimal

import pytest

from grappe.review import services as review
from grappe.selection import services
from grappe.selection.models import Outcome
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures


def _scores(call, value):
    return {f"score_{c.pk}": value for c in call.scheme.criteria.all()}


@pytest.fixture
def reviewed(review_call, proposals, pool, office):  # noqa: F811 - fixtures
    """Two reviews per proposal: proposal 0 gets 4.5 and 4.0, proposal 1 gets 4.0 and 4.5,
    proposal 2 gets 2.0 and 2.5 (below the Horizon Europe thresholds)."""
    plan = {0: ["4.5", "4.0"], 1: ["4.0", "4.5"], 2: ["2.0", "2.5"]}
    pool[1].max_load = pool[2].max_load = pool[0].max_load = 3
    for member in pool:
        member.save()
    for index, values in plan.items():
        for member, value in zip(pool[:2] if index != 0 else pool[1:], values, strict=True):
            assignment = review.add_assignment(
                review_call, reviewer=member.person, proposal=proposals[index], reason="t", actor=office
            )
            review.save_review(
                assignment,
                _scores(review_call, value) | {"applicant_comment": "ok", "recommendation": "fund"},
                expected_version=1,
                submit=True,
                actor=office,
            )
    return proposals


@pytest.fixture
def priced(review_call, reviewed):  # noqa: F811 - fixtures
    """Every proposal asks 100,000 €; the call has 150,000 €: one of the two good ones fits."""
    from decimal import Decimal

    for proposal in reviewed:
        proposal.requested_amount = Decimal("100000")
        proposal.save()
    review_call.budget = Decimal("150000")
    review_call.save()
    return reviewed


@pytest.fixture
def ready(review_call, priced, office):  # noqa: F811 - fixtures
    """``priced`` with an approved consensus for each proposal (4.0 for the two good ones, 2.0 for
    the weak one): every proposal is ready to be recommended."""
    from grappe.selection import services

    for proposal, value in zip(priced, ["4.0", "4.0", "2.0"], strict=True):
        services.save_consensus(
            proposal,
            _scores(review_call, value) | {"applicant_comment": "Agreed."},
            expected_version=1,
            approve=True,
            actor=office,
        )
    return priced


@pytest.fixture
def decided(review_call, priced, office, board):  # noqa: F811 - fixtures
    reviewed = priced
    data = {f"score_{c.pk}": "4.5" for c in review_call.scheme.criteria.all()}
    services.save_consensus(
        reviewed[0], data | {"applicant_comment": "A convincing plan."}, expected_version=1, approve=True, actor=office
    )
    for proposal, value in ((reviewed[1], "4.0"), (reviewed[2], "2.0")):
        scores = {f"score_{c.pk}": value for c in review_call.scheme.criteria.all()}
        services.save_consensus(
            proposal, scores | {"applicant_comment": "Agreed."}, expected_version=1, approve=True, actor=office
        )
    services.adopt_portfolio_run(services.run_portfolio(review_call, {"budget": 150000}, actor=office), actor=office)
    services.record_decision(
        reviewed[0],
        outcome=Outcome.FUNDED,
        amount=Decimal("100000"),
        reserve_rank=None,
        justification="",
        expected_version=None,
        actor=board,
    )
    services.record_decision(
        reviewed[1],
        outcome=Outcome.RESERVE,
        amount=None,
        reserve_rank=1,
        justification="",
        expected_version=None,
        actor=board,
    )
    services.record_decision(
        reviewed[2],
        outcome=Outcome.REJECTED,
        amount=None,
        reserve_rank=None,
        justification="",
        expected_version=None,
        actor=board,
    )
    return reviewed
