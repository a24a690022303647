"""The office approves a consensus, runs the portfolio under a budget and a theme constraint and
adopts it; the board reads a proposal and a consensus (read-only), records the decisions with one
justified departure; the letters are previewed and sent; the funded team reads its decision."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from grappe.calls.models import Question, QuestionKind
from grappe.calls.services import apply_horizon_europe_preset
from grappe.review import services as review
from grappe.review.models import PoolMember, PoolState
from grappe.selection import services as selection
from grappe.selection.models import Award, Decision, Letter, SelectionSettings
from grappe.submissions.models import Answer, ProposalState
from tests.e2e.test_submission import _login
from tests.factories import CallFactory, PersonFactory, ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reviewed_call(office, university):
    call = CallFactory(
        title_en="Acceleration projects",
        budget=Decimal("300000"),
        closes_at=timezone.now() - dt.timedelta(days=1),
        opens_at=timezone.now() - dt.timedelta(days=30),
    )
    apply_horizon_europe_preset(call, actor=office)
    axis = Question.objects.create(
        call=call,
        kind=QuestionKind.SINGLE_CHOICE,
        label_fr="Axe",
        label_en="Axis",
        choices=[{"fr": "Santé", "en": "Health"}, {"fr": "Climat", "en": "Climate"}],
    )
    SelectionSettings.objects.create(call=call, theme_question=axis)
    experts = []
    for _ in range(2):
        person = PersonFactory()
        PoolMember.objects.create(call=call, person=person, state=PoolState.ACCEPTED, max_load=10)
        experts.append(person)
    # Health proposals score higher; the climate one needs the theme constraint.
    for index, (title, theme, score) in enumerate(
        [("Clinical AI", "0", "4.5"), ("Radiology AI", "0", "4.0"), ("Climate AI", "1", "3.5")]
    ):
        proposal = ProposalFactory(
            call=call,
            title=title,
            lead=UserFactory(person__email=f"lead{index}@example.org").person,
            lead_organisation=university,
            requested_amount=Decimal("150000"),
            state=ProposalState.SUBMITTED,
            submitted_at=timezone.now() - dt.timedelta(days=2),
        )
        Answer.objects.create(proposal=proposal, question=axis, value=theme)
        for person in experts:
            assignment = review.add_assignment(call, reviewer=person, proposal=proposal, reason="t", actor=office)
            review.save_review(
                assignment,
                {f"score_{c.pk}": score for c in call.scheme.criteria.all()}
                | {"applicant_comment": "Fine.", "recommendation": "fund"},
                expected_version=1,
                submit=True,
                actor=office,
            )
        if title != "Clinical AI":  # the office approves this one in the browser
            selection.save_consensus(
                proposal,
                {f"score_{c.pk}": score for c in call.scheme.criteria.all()} | {"applicant_comment": "Agreed."},
                expected_version=1,
                approve=True,
                actor=office,
            )
    return call


def test_selection_from_ranking_to_letters(english, shot, reviewed_call, board):
    call = reviewed_call
    office = english()
    office.on("dialog", lambda dialog: dialog.accept())
    _login(office, "office@example.org")
    office.goto(f"/office/calls/{call.code}/selection/")
    shot(office, "40-ranking")
    first = office.locator("main table tbody tr").first
    assert "Clinical AI" in first.inner_text()
    first.get_by_role("link", name="consensus").click()
    office.get_by_label("Comment for the applicants").fill("A strong clinical project.")
    office.get_by_role("button", name="Approve the consensus").click()
    office.wait_for_selector("text=Consensus approved.")

    office.goto(f"/office/calls/{call.code}/selection/portfolio/")
    office.get_by_label("Budget to allocate (EUR)").fill("300000")
    office.get_by_label("at least — Climate").fill("1")
    office.get_by_role("button", name="Compute the portfolio").click()
    office.wait_for_selector("text=Portfolio computed.")
    assert "theme_min:1" in office.locator("#result").inner_text()
    office.get_by_role("button", name="Adopt this run").click()
    office.wait_for_selector("text=adopted: recommendations follow it")
    shot(office, "41-portfolio")

    board_page = english()
    _login(board_page, "board@example.org")
    codes = {p.title: p.code for p in call.proposals.all()}
    board_page.goto(f"/office/calls/{call.code}/selection/")
    board_page.get_by_role("link", name="Radiology AI").click()  # the board reads the whole proposal
    board_page.wait_for_selector("#budget")
    board_page.go_back()
    board_page.locator("main table tbody tr", has_text="Radiology AI").get_by_role("link", name="Approved").click()
    assert "Read-only" in board_page.locator("#read-only").inner_text()
    assert board_page.locator("button[name=save]").count() == 0
    for title in ("Clinical AI", "Climate AI"):  # as recommended
        board_page.goto(f"/selection/proposals/{codes[title]}/decision/")
        board_page.get_by_role("button", name="Record the decision").click()
        board_page.wait_for_selector("text=Decision recorded.")
    board_page.goto(f"/selection/proposals/{codes['Radiology AI']}/decision/")
    board_page.get_by_label("Decision").select_option("rejected")
    board_page.get_by_role("button", name="Record the decision").click()
    board_page.wait_for_selector("text=departs from the recommendation")
    board_page.get_by_label("Justification").fill("Overlaps with a project funded last year.")
    board_page.get_by_role("button", name="Record the decision").click()
    board_page.wait_for_selector("text=Decision recorded.")
    assert sorted(Award.objects.values_list("amount", flat=True)) == [Decimal("150000"), Decimal("150000")]
    assert Decision.objects.get(proposal__code=codes["Radiology AI"]).departs
    board_page.goto(f"/office/calls/{call.code}/selection/decisions/")
    shot(board_page, "42-ledger")

    office.goto(f"/office/calls/{call.code}/selection/letters/")
    office.get_by_role("button", name="Prepare the letters").click()
    office.wait_for_selector("text=3 letters in the outbox.")
    office.locator("#outbox details").first.click()
    shot(office, "43-outbox")
    mail.outbox.clear()
    office.get_by_role("button", name="Send 3 letters").click()
    office.wait_for_selector("text=The letters are being sent by the task worker.")  # immediate tasks in tests
    assert len(mail.outbox) == 3 and Letter.objects.filter(state="sent").count() == 3

    team = english()
    _login(team, "lead0@example.org")
    team.goto(f"/proposals/{codes['Clinical AI']}/")
    outcome = team.locator("#outcome").inner_text()
    assert "Amount granted: 150,000.00 €" in outcome and "A strong clinical project." in outcome
    assert "grant agreement" in team.locator("#next-steps").inner_text()
    shot(team, "44-team-decision")
    assert office.console_errors == [] and board_page.console_errors == [] and team.console_errors == []
