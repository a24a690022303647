"""Recommendations come from the portfolio run the office adopted, never from an exploratory one;
a proposal without enough reviews or an approved consensus is not ready: never recommended, its
decision needs a justification and its letter is refused unless the office overrides it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from grappe.core.models import AuditLog
from grappe.selection import letters, services
from grappe.selection.models import Decision, Letter, Outcome, PortfolioRun
from tests.conftest import PERSONAS
from tests.factories import PersonFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def _recommendations(call):
    return {row.proposal.code: row.recommendation for row in services.ranking(call)}


def test_no_adopted_run_means_no_funding_recommendation(review_call, ready, office):
    services.run_portfolio(review_call, {"budget": 150000}, actor=office)

    assert set(_recommendations(review_call).values()) == {Outcome.RESERVE, Outcome.REJECTED}


def test_an_exploratory_run_changes_no_recommendation(review_call, ready, office):
    adopted = services.adopt_portfolio_run(
        services.run_portfolio(review_call, {"budget": 150000}, actor=office), actor=office
    )
    funded = next(iter(adopted.result["funded"]))
    before = _recommendations(review_call)

    services.run_portfolio(review_call, {"budget": 150000, "must_exclude": [funded]}, actor=office)

    assert before[funded] == Outcome.FUNDED
    assert _recommendations(review_call) == before
    assert services.row_of(ready[0]).recommendation == before[ready[0].code]


def test_adopting_another_run_moves_the_recommendations_and_is_logged(review_call, ready, office):
    first = services.adopt_portfolio_run(
        services.run_portfolio(review_call, {"budget": 150000}, actor=office), actor=office
    )
    funded = next(iter(first.result["funded"]))
    second = services.run_portfolio(review_call, {"budget": 150000, "must_exclude": [funded]}, actor=office)

    services.adopt_portfolio_run(second, actor=office)

    assert _recommendations(review_call)[funded] == Outcome.RESERVE
    assert list(PortfolioRun.objects.filter(adopted_at__isnull=False)) == [second]
    entries = AuditLog.objects.filter(action="selection.portfolio_adopted").order_by("pk")
    assert [(e.data["run"], e.data["replaces"], e.actor) for e in entries] == [
        (first.pk, None, office),
        (second.pk, first.pk, office),
    ]


def test_a_failed_run_cannot_be_adopted(review_call, ready, office):
    failed = services.run_portfolio(
        review_call, {"budget": 150000, "must_fund": [ready[0].code, ready[1].code]}, actor=office
    )

    with pytest.raises(services.SelectionError, match="cannot be adopted"):
        services.adopt_portfolio_run(failed, actor=office)
    assert not PortfolioRun.objects.filter(adopted_at__isnull=False).exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_office_adopts_a_run(as_persona, review_call, ready, office, persona):
    run = services.run_portfolio(review_call, {"budget": 150000}, actor=office)

    response = as_persona(persona).post(reverse("selection:adopt", args=[review_call.code, run.pk]))

    expected = {"office": 302, "anonymous": 302}.get(persona, 404)
    assert response.status_code == expected
    assert (PortfolioRun.objects.get().adopted_at is not None) == (persona == "office")


def test_the_ledger_shows_who_adopted_which_run_and_when(as_persona, review_call, ready, office):
    run = services.adopt_portfolio_run(
        services.run_portfolio(review_call, {"budget": 150000}, actor=office), actor=office
    )

    page = as_persona("board").get(reverse("selection:ledger", args=[review_call.code])).content.decode()

    assert f"run #{run.pk}, adopted by {office.person.full_name}" in page


# --- Not ready ------------------------------------------------------------------------------


def test_a_proposal_without_reviews_is_not_ready_and_never_recommended(review_call, ready, university, office):
    bare = ProposalFactory(call=review_call, lead=PersonFactory(), lead_organisation=university, state="submitted")
    services.adopt_portfolio_run(services.run_portfolio(review_call, {"budget": 150000}, actor=office), actor=office)

    row = next(r for r in services.ranking(review_call) if r.proposal == bare)

    assert row.recommendation == "" and row.not_ready == [
        "0 of the 2 submitted reviews needed",
        "no approved consensus",
    ]


def test_reviews_without_an_approved_consensus_are_not_ready(review_call, reviewed):
    rows = services.ranking(review_call)

    assert [(r.recommendation, r.not_ready) for r in rows] == [("", ["no approved consensus"])] * 3


def test_the_ranking_and_decision_pages_say_not_ready(as_persona, review_call, reviewed):
    board = as_persona("board")

    ranking = board.get(reverse("selection:ranking", args=[review_call.code])).content.decode()
    decision = board.get(reverse("selection:decision", args=[reviewed[0].code])).content.decode()

    assert ranking.count("not-ready") == 3 and "Reject" not in ranking
    assert "no approved consensus" in decision


def test_portfolio_runs_leave_proposals_not_ready_out(review_call, priced, office):
    services.save_consensus(
        priced[1],
        {f"score_{c.pk}": "4.0" for c in review_call.scheme.criteria.all()} | {"applicant_comment": "Agreed."},
        expected_version=1,
        approve=True,
        actor=office,
    )

    run = services.run_portfolio(review_call, {"budget": 150000}, actor=office)

    assert run.result["candidates"] == 1 and list(run.result["funded"]) == [priced[1].code]


def test_deciding_on_a_proposal_not_ready_needs_a_justification(review_call, reviewed, board):
    with pytest.raises(services.SelectionError, match="not ready"):
        services.record_decision(
            reviewed[2],
            outcome=Outcome.REJECTED,
            amount=None,
            reserve_rank=None,
            justification="",
            expected_version=None,
            actor=board,
        )

    decision = services.record_decision(
        reviewed[2],
        outcome=Outcome.REJECTED,
        amount=None,
        reserve_rank=None,
        justification="Out of the call's scope, said the board",
        expected_version=None,
        actor=board,
    )
    assert decision.recommended == "" and not Letter.objects.exists()


@pytest.fixture
def decided_not_ready(review_call, reviewed, board):
    services.record_decision(
        reviewed[2],
        outcome=Outcome.REJECTED,
        amount=None,
        reserve_rank=None,
        justification="Out of the call's scope, said the board",
        expected_version=None,
        actor=board,
    )
    return Decision.objects.get(proposal=reviewed[2])


def test_letters_of_proposals_not_ready_are_refused_with_the_reason(review_call, decided_not_ready, office):
    prepared = letters.prepare(review_call, actor=office)

    assert prepared == 0 and not Letter.objects.exists()
    assert [(d.proposal.code, reasons) for d, reasons in letters.refused(review_call)] == [
        (decided_not_ready.proposal.code, ["no approved consensus"])
    ]


def test_the_office_overrides_a_refused_letter_with_a_justification(review_call, decided_not_ready, office):
    with pytest.raises(letters.LetterError, match="10 characters"):
        letters.override_readiness(decided_not_ready, justification="short", actor=office)
    letters.override_readiness(
        decided_not_ready, justification="The team asked for the decision before the panel met", actor=office
    )

    prepared = letters.prepare(review_call, actor=office)

    assert prepared == 1 and letters.refused(review_call) == []
    entry = AuditLog.objects.get(action="selection.letter_override")
    assert entry.data["reasons"] == ["no approved consensus"] and entry.actor == office


def test_the_outbox_lists_refused_letters_and_takes_an_override(as_persona, review_call, decided_not_ready):
    office = as_persona("office")
    url = reverse("selection:outbox", args=[review_call.code])

    prepared = office.post(url, {"action": "prepare"}, follow=True).content.decode()
    office.post(
        url,
        {
            "action": "override",
            "proposal": decided_not_ready.proposal.code,
            "justification": "The team asked for the decision early",
        },
    )
    office.post(url, {"action": "prepare"})

    assert "1 letters refused" in prepared and 'id="refused"' in prepared and "no approved consensus" in prepared
    assert Letter.objects.filter(proposal=decided_not_ready.proposal).count() == 1
    assert Decision.objects.get(pk=decided_not_ready.pk).letter_override == "The team asked for the decision early"


def test_the_minimum_number_of_reviews_is_a_ranking_setting(as_persona, review_call, ready):
    as_persona("office").post(reverse("selection:settings", args=[review_call.code]), {"min_reviews": "3"})

    rows = services.ranking(review_call)

    assert services.settings_for(review_call).min_reviews == 3
    assert {tuple(r.not_ready) for r in rows} == {("2 of the 3 submitted reviews needed",)}
    assert Decimal("0") == services.committed(review_call)
