"""Selection pages: who may see and do what, the flows, and constant query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from grappe.selection.models import Award, Consensus, Decision, PortfolioRun
from tests.conftest import PERSONAS
from tests.factories import PersonFactory, ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["selection:ranking", "selection:portfolio", "selection:ledger"])
def test_call_pages(as_persona, review_call, persona, page):
    response = as_persona(persona).get(reverse(page, args=[review_call.code]))
    expected = {"office": 200, "board": 200, "anonymous": 302}.get(persona, 404)
    assert response.status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_consensus_page_for_the_office_the_board_and_the_rapporteur(as_persona, reviewed, persona, reviewer):
    url = reverse("selection:consensus", args=[reviewed[2].code])
    Consensus.objects.create(proposal=reviewed[2], rapporteur=reviewer.person)
    response = as_persona(persona).get(url)
    expected = {"office": 200, "board": 200, "reviewer": 200, "anonymous": 302}.get(persona, 404)
    assert response.status_code == expected


def test_board_reads_the_consensus_and_reviews_but_cannot_change_them(as_persona, reviewed):
    proposal = reviewed[0]
    Consensus.objects.create(proposal=proposal, applicant_comment="Strong and feasible.")
    url = reverse("selection:consensus", args=[proposal.code])
    client = as_persona("board")

    page = client.get(url).content.decode()
    data = {f"score_{c.pk}": "1.0" for c in proposal.call.scheme.criteria.all()} | {"version": "1", "save": ""}
    status = client.post(url, data).status_code

    assert 'id="read-only"' in page and "Strong and feasible." in page
    assert 'name="save"' not in page and 'name="approve"' not in page
    assert "Reviewer 1" in page and "Reviewer 2" in page  # the reviews, read-only
    assert status == 404
    assert Consensus.objects.get(proposal=proposal).scores == {}


@pytest.mark.parametrize("persona", PERSONAS)
def test_decision_page_for_the_office_and_the_board(as_persona, reviewed, persona):
    response = as_persona(persona).get(reverse("selection:decision", args=[reviewed[0].code]))
    expected = {"office": 200, "board": 200, "anonymous": 302}.get(persona, 404)
    assert response.status_code == expected


@pytest.mark.parametrize("persona", ["board", "reviewer", "applicant", "outsider"])
def test_only_the_office_runs_portfolios_and_changes_settings(as_persona, review_call, persona):
    client = as_persona(persona)
    status = client.post(reverse("selection:portfolio", args=[review_call.code]), {"budget": "1000"}).status_code
    assert status == 404
    assert client.post(reverse("selection:settings", args=[review_call.code]), {}).status_code == 404
    assert not PortfolioRun.objects.exists()


def test_rapporteur_drafts_but_cannot_approve(as_persona, reviewed, reviewer):
    proposal = reviewed[1]  # the rapporteur is one of its reviewers, with their review submitted
    Consensus.objects.create(proposal=proposal, rapporteur=reviewer.person)
    data = {f"score_{c.pk}": "4.5" for c in proposal.call.scheme.criteria.all()}
    data |= {"applicant_comment": "Agreed.", "version": "1", "approve": ""}
    as_persona("reviewer").post(reverse("selection:consensus", args=[proposal.code]), data)
    consensus = Consensus.objects.get(proposal=proposal)
    assert consensus.state == "draft" and consensus.scores
    data["version"] = str(consensus.version)
    as_persona("office").post(reverse("selection:consensus", args=[proposal.code]), data)
    assert Consensus.objects.get(proposal=proposal).state == "approved"


def test_office_runs_a_portfolio_and_the_board_decides(as_persona, review_call, ready):
    reviewed = ready
    office = as_persona("office")
    response = office.post(
        reverse("selection:portfolio", args=[review_call.code]), {"budget": "150000", "min_rate": "1"}
    )
    run = PortfolioRun.objects.get()
    assert response.url.endswith(f"?run={run.pk}") and len(run.result["funded"]) == 1
    office.post(reverse("selection:adopt", args=[review_call.code, run.pk]))
    page = office.get(response.url)
    assert b"Binding constraints" in page.content
    bad = office.post(reverse("selection:portfolio", args=[review_call.code]), {"budget": "abc"}, follow=True)
    assert "is not a number" in bad.content.decode()
    funded_code = next(iter(run.result["funded"]))
    board = as_persona("board")
    response = board.post(
        reverse("selection:decision", args=[funded_code]),
        {"outcome": "funded", "amount": "100000", "justification": ""},
    )
    assert response.status_code == 302
    assert Award.objects.get().amount == Decimal("100000")
    other = next(p for p in reviewed[:2] if p.code != funded_code)
    response = board.post(
        reverse("selection:decision", args=[other.code]), {"outcome": "funded", "amount": "50000"}, follow=True
    )
    assert b"departs from the recommendation" in response.content
    assert not Decision.objects.filter(proposal=other).exists()
    ledger = office.get(reverse("selection:ledger", args=[review_call.code]))
    assert funded_code.encode() in ledger.content


@pytest.mark.parametrize("count", [1, 4])
def test_ranking_query_count(as_persona, django_assert_num_queries, review_call, university, count):
    for _ in range(count):
        ProposalFactory(call=review_call, lead=PersonFactory(), lead_organisation=university, state="submitted")
    client = as_persona("office")
    # computed: the generation, the ranking's reads, the extra scores (hearings), and the ranking
    # kept in the ledger once (selection/ranking_runs.py: reviewers' codes, its inputs, its run)
    with django_assert_num_queries(35):  # and its run read back, for its Replay button
        client.get(reverse("selection:ranking", args=[review_call.code]))
    with django_assert_num_queries(12):  # stored (selection/ranking_store.py): nothing recomputed
        client.get(reverse("selection:ranking", args=[review_call.code]))


def test_decision_page_after_a_decision(as_persona, review_call, reviewed):
    board = as_persona("board")
    url = reverse("selection:decision", args=[reviewed[0].code])
    board.post(url, {"outcome": "reserve", "reserve_rank": "1"})
    page = board.get(url)
    assert page.status_code == 200 and b"Record the decision" in page.content


def test_garbage_in_hidden_fields_is_refused_without_a_500(as_persona, reviewed):
    office = as_persona("office")
    consensus_url = reverse("selection:consensus", args=[reviewed[0].code])
    response = office.post(consensus_url, {"version": "abc", "rapporteur": "x'; drop"}, follow=True)
    assert response.status_code == 200
    consensus = Consensus.objects.get(proposal=reviewed[0])
    assert consensus.rapporteur is None  # not one of the proposal's reviewers
    response = office.post(
        reverse("selection:decision", args=[reviewed[0].code]),
        {"outcome": "reserve", "reserve_rank": "1", "version": "zz"},
        follow=True,
    )
    assert response.status_code == 200


def test_the_consensus_form_shows_whole_scores_as_selected(as_persona, reviewed):
    # Reviews of 4.5 and 4.0 → mean 4.25 → starts at 4.5; a stored "5" shows as "5.0".
    page = as_persona("office").get(reverse("selection:consensus", args=[reviewed[0].code]))
    assert page.content.count(b'value="4.5" selected') == 3
    consensus = Consensus.objects.create(
        proposal=reviewed[0], scores={str(c.pk): "5" for c in reviewed[0].call.scheme.criteria.all()}
    )
    page = as_persona("office").get(reverse("selection:consensus", args=[reviewed[0].code]))
    assert page.content.count(b'value="5.0" selected') == 3
    assert consensus.pk
