# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""The chain of records behind each decision (issue 19): reviews → consensus → ranking → portfolio
suggestion → decision, with who and when and one click to each record the board may open; the
ledger keeps a constant number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grappe.selection.models import Consensus, ConsensusState, Decision, Outcome, PortfolioRun
from tests.conftest import PERSONAS
from tests.factories import PersonFactory, ProposalFactory
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures
from tests.selection.conftest import decided, priced, reviewed  # noqa: F401 - fixtures


def _chain_of(page, code):
    start = page.index(f'id="decision-{code}"')
    return page[start : page.index("</ol>", start)]


def test_the_ledger_shows_each_decisions_chain_with_who_and_when(as_persona, review_call, decided, pool, office, board):
    page = as_persona("board").get(reverse("selection:ledger", args=[review_call.code])).content.decode()

    chain = _chain_of(page, decided[0].code)
    run = PortfolioRun.objects.get(adopted_at__isnull=False)
    assert "2 reviews" in chain and pool[1].person.full_name in chain
    assert f"approved by {office.person.full_name}" in chain
    assert "Rank 1 of 3" in chain
    assert f"Portfolio run #{run.pk}" in chain and f"adopted by {office.person.full_name}" in chain
    assert "suggested: Funded 100,000.00 €" in chain
    assert f"{board.person.full_name}, " in chain  # who decided, and when
    links = re.findall(r'href="([^"]+)"', chain)
    assert links == [
        reverse("selection:consensus", args=[decided[0].code]) + "#reviews",
        reverse("selection:consensus", args=[decided[0].code]),
        reverse("selection:ranking", args=[review_call.code]) + f"#rank-{decided[0].code}",
        reverse("selection:portfolio", args=[review_call.code]) + f"?run={run.pk}",
        reverse("selection:decision", args=[decided[0].code]),
    ]


@pytest.mark.parametrize("persona", ["office", "board"])
def test_the_board_and_office_open_every_linked_record(as_persona, review_call, decided, persona):
    client = as_persona(persona)
    page = client.get(reverse("selection:ledger", args=[review_call.code])).content.decode()

    for link in re.findall(r'href="([^"]+)"', _chain_of(page, decided[1].code)):
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in {"office", "board"}])
def test_nobody_else_opens_the_ledger_or_its_records(as_persona, review_call, decided, persona):
    client = as_persona(persona)
    urls = [
        reverse("selection:ledger", args=[review_call.code]),
        reverse("selection:ranking", args=[review_call.code]),
        reverse("selection:portfolio", args=[review_call.code]),
        reverse("selection:decision", args=[decided[1].code]),
        reverse("selection:consensus", args=[decided[1].code]),
    ]
    for url in urls:
        assert client.get(url).status_code == (302 if persona == "anonymous" else 404), url


def test_the_decision_page_shows_its_chain(as_persona, decided):
    page = as_persona("board").get(reverse("selection:decision", args=[decided[2].code])).content.decode()

    assert 'id="chain"' in page and "Rank 3 of 3" in page and "Rejected" in page


def _ledger_queries(client, call):
    url = reverse("selection:ledger", args=[call.code])
    client.get(url)  # the ranking is computed and stored once
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_ledger_keeps_a_constant_number_of_queries(as_persona, review_call, decided, university, office, board):
    client = as_persona("board")
    before = _ledger_queries(client, review_call)
    run = PortfolioRun.objects.get(adopted_at__isnull=False)
    for _n in range(6):
        proposal = ProposalFactory(
            call=review_call,
            lead=PersonFactory(),
            lead_organisation=university,
            state="submitted",
            submitted_at=timezone.now(),
        )
        Consensus.objects.create(
            proposal=proposal,
            state=ConsensusState.APPROVED,
            approved_by=office,
            approved_at=timezone.now(),
            rapporteur=PersonFactory(),
        )
        Decision.objects.create(proposal=proposal, outcome=Outcome.REJECTED, decided_by=board, portfolio_run=run)

    after = _ledger_queries(client, review_call)

    assert Decision.objects.count() == 9
    assert after == before


def test_a_consensus_approved_without_its_approver_shows_the_audit_logs_entry(as_persona, review_call, decided, office):
    """Older consensus reports (or the demo's before it signed them) do not carry their approver:
    the chain reads who and when from the audit log instead of "not recorded"."""
    Consensus.objects.filter(proposal=decided[0]).update(approved_by=None, approved_at=None)

    page = as_persona("board").get(reverse("selection:ledger", args=[review_call.code])).content.decode()

    chain = _chain_of(page, decided[0].code)
    assert f"approved by {office.person.full_name}" in chain and "(from the audit log)" in chain
    assert "not recorded" not in chain


def test_a_consensus_with_no_trace_at_all_says_so_plainly(as_persona, review_call, decided):
    from grappe.core.models import AuditLog

    Consensus.objects.filter(proposal=decided[0]).update(approved_by=None, approved_at=None)
    AuditLog.objects.filter(action="selection.consensus_approved", object_id=str(decided[0].pk)).delete()

    page = as_persona("board").get(reverse("selection:ledger", args=[review_call.code])).content.decode()

    assert "approved before Grappe recorded who approves" in _chain_of(page, decided[0].code)


def test_the_ledger_names_no_untranslated_system_actor_in_french(as_persona, review_call, decided):
    from grappe.selection import services

    run = services.run_portfolio(review_call, {"budget": 50000}, actor=None)  # what the decisions left
    services.adopt_portfolio_run(run, actor=None)
    client = as_persona("office")
    client.cookies["django_language"] = "fr"

    page = client.get(reverse("selection:ledger", args=[review_call.code]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "adopté par system" not in page and "le système" in page


def test_an_imported_decision_explains_itself_and_agrees_with_its_recommendation(as_persona, review_call):
    """A decision entered as history (no review, consensus, ranking or run behind it): the chain
    and the recommendation block both say so, instead of "0 reviews" beside "not ready"."""
    proposal = ProposalFactory(call=review_call, state="submitted", submitted_at=timezone.now())
    Decision.objects.create(
        proposal=proposal, outcome=Outcome.FUNDED, amount=1000, recommended=Outcome.FUNDED, recommended_amount=1000
    )
    client = as_persona("board")

    ledger = client.get(reverse("selection:ledger", args=[review_call.code])).content.decode()
    page = client.get(reverse("selection:decision", args=[proposal.code])).content.decode()

    chain = _chain_of(ledger, proposal.code)
    assert "Imported decision" in chain and "0 reviews" not in chain and "threshold" not in chain
    assert "Recommendation recorded with the decision: Funded" in chain
    start = page.index('id="recommendation"')
    block = page[start : page.index("</dd>", start)]
    assert "imported decision" in block and "Funded" in block and "Not ready" not in block
