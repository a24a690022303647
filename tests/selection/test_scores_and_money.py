# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""The outside tester's selection findings: totals from unrounded means, a portfolio that takes the
funding decisions already taken into account, amounts with their cents on the ledger."""

from decimal import Decimal

import pytest
from django.urls import reverse

from grappe.core.replay import replay
from grappe.review import services as review
from grappe.selection import services
from grappe.selection.models import Award, Outcome, PortfolioRun
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures
from tests.selection.conftest import decided, priced, reviewed  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _review(call, member, proposal, values, office):
    criteria = services.criteria_of(call)
    assignment = review.add_assignment(call, reviewer=member.person, proposal=proposal, reason="t", actor=office)
    review.save_review(
        assignment,
        {f"score_{c.pk}": v for c, v in zip(criteria, values, strict=True)}
        | {"applicant_comment": "ok", "recommendation": "fund"},
        expected_version=1,
        submit=True,
        actor=office,
    )


def test_a_provisional_total_sums_the_unrounded_criterion_means(review_call, proposals, pool, office):
    """Excellence 4/4/4.5, Impact 5/4/5, Quality 4/4/4.5: 25/6 + 28/6 + 25/6 = 13.00 exactly, not
    4.17 + 4.67 + 4.17 = 13.01; tied with a proposal at 13.00, the first tie rule (Excellence)
    puts it below that proposal."""
    for member in pool:
        member.max_load = 3
        member.save()
    tested, other = proposals[0], proposals[1]
    for member, values in zip(pool, [("4", "5", "4"), ("4", "4", "4"), ("4.5", "5", "4.5")], strict=True):
        _review(review_call, member, tested, values, office)
    for member in pool:
        _review(review_call, member, other, ("4.5", "4", "4.5"), office)

    ranked = services.ranking(review_call)
    rows = {row.proposal: row for row in ranked}

    assert services.criteria_of(review_call)[0].label.startswith("Excellence")
    assert rows[tested].score == Decimal("13.00") and rows[other].score == Decimal("13.00")
    assert rows[other].rank < rows[tested].rank
    assert rows[tested].tie_rule and "criterion" in rows[tested].tie_rule.lower()
    # Summing the rounded means gave the outside tester 13.01.
    assert sum(round(v, 2) for v in rows[tested].criterion_means.values()) == Decimal("13.01")


def test_the_ranking_page_shows_the_exact_total_and_rounded_means(as_persona, review_call, proposals, pool, office):
    for member in pool:
        member.max_load = 3
        member.save()
    for member, values in zip(pool, [("4", "5", "4"), ("4", "4", "4"), ("4.5", "5", "4.5")], strict=True):
        _review(review_call, member, proposals[0], values, office)

    page = as_persona("office").get(reverse("selection:ranking", args=[review_call.code]), HTTP_ACCEPT_LANGUAGE="fr")
    row = page.content.decode().split(f'id="rank-{proposals[0].code}"')[1].split("</tr>")[0]

    assert "4,17 · 4,67 · 4,17" in row and "<strong>13,00</strong>" in row and "13,01" not in row


def test_a_portfolio_run_leaves_funded_proposals_out_and_allocates_what_is_left(
    as_persona, review_call, decided, office
):
    """``decided``: the first proposal is funded 100,000 € of the call's 150,000 €. A run allocates
    the 50,000 € left among the others; it never names the funded one "the best left out"."""
    funded = decided[0]
    page = as_persona("office").get(reverse("selection:portfolio", args=[review_call.code]), HTTP_ACCEPT_LANGUAGE="en")
    content = page.content.decode()

    with pytest.raises(services.SelectionError, match="more than what is left"):
        services.run_portfolio(review_call, {"budget": 150000}, actor=office)
    run = services.run_portfolio(review_call, {"budget": 50000}, actor=office)
    replayed = replay("portfolio", run.pk)
    services.adopt_portfolio_run(run, actor=office)
    kept = services.row_of(funded)  # the adopted run keeps the funded proposal funded

    assert 'id="id_budget"' in content and 'value="50000.00"' in content and 'id="already-decided"' in content
    assert "committing 100,000.00 €" in content
    codes = [c[0] for c in run.inputs.payload["candidates"]] if hasattr(run.inputs, "payload") else None
    assert run.parameters["funding_decisions"] == "deducted"
    assert run.parameters["committed"] == 100000.0 and run.parameters["already_funded"] == {funded.code: 100000.0}
    assert (kept.recommendation, kept.recommended_amount) == (Outcome.FUNDED, Decimal("100000.00"))
    assert funded.code not in (run.result.get("funded") or {})
    assert run.result.get("best_left_out") != funded.code
    assert codes is None or funded.code not in codes
    assert replayed.reproduced is True


def test_the_portfolio_page_refuses_a_budget_beyond_what_is_left(as_persona, review_call, decided):
    client = as_persona("office")
    response = client.post(
        reverse("selection:portfolio", args=[review_call.code]),
        {"budget": "150000"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "more than what is left of the call" in response.content.decode()
    assert PortfolioRun.objects.filter(call=review_call, parameters__budget=150000.0).count() == 1  # the fixture's


def test_the_ledger_shows_cents_so_rows_add_up_to_the_total(as_persona, review_call, decided):
    Award.objects.filter(proposal=decided[0]).update(amount=Decimal("322714.45"))
    from grappe.selection.models import Decision

    Decision.objects.filter(proposal=decided[0]).update(amount=Decimal("322714.45"))
    review_call.budget = Decimal("1000000")
    review_call.save()
    page = as_persona("office").get(reverse("selection:ledger", args=[review_call.code]), HTTP_ACCEPT_LANGUAGE="fr")
    content = page.content.decode()

    assert "322\u202f714,45" in content
    assert "Engagé 322\u202f714,45" in content or "322\u202f714,45 €" in content
    assert "322\u202f714 €" not in content
