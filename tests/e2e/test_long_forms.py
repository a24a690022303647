"""An applicant filling a proposal for an hour (issue 11, items 8 and 11): live budget totals, a
word counter, a searchable organisation picker, an error summary that takes the focus, and a
language switch after a failed form that asks first and lands on the proposal page."""

from decimal import Decimal

import pytest

from grappe.calls.models import Question, QuestionKind
from tests.e2e.test_submission import _login
from tests.factories import CallFactory, OrganisationFactory, ProposalFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_applicant_fills_a_long_form_and_switches_language_after_an_error(english, shot, applicant, university):
    call = CallFactory(title_en="Acceleration projects", min_duration=6, max_duration=18)
    Question.objects.create(
        call=call, kind=QuestionKind.LONG_TEXT, label_fr="Impact", label_en="Impact", required=True, word_limit=10
    )
    OrganisationFactory(name="Laboratoire d'informatique de Paris 6", short_name="LIP6", parent=university)
    proposal = ProposalFactory(
        call=call, lead=applicant.person, lead_organisation=university, requested_amount=Decimal("0")
    )
    page = english()
    _login(page, "applicant@example.org")
    page.goto(f"/proposals/{proposal.code}/")

    budget = page.locator("#budget table[data-live-totals]").first
    cells = budget.locator("tbody input")
    cells.nth(0).fill("1000")
    cells.nth(1).fill("250.5")
    assert budget.locator("tfoot td").last.inner_text() == "€1,250.50"
    assert page.locator("output[data-with-overheads]").inner_text().startswith("€")

    page.locator("#answers_q1, textarea[data-word-limit]").first.fill("one two three")
    assert page.locator(".word-count").inner_text() == "3 / 10 words"

    picker = page.locator("#details").get_by_label("Search")
    picker.fill("lip6")
    options = page.locator("#details_lead_organisation option").all_inner_texts()
    assert "Laboratoire d'informatique de Paris 6" in options
    assert "Université Exemple" in options  # the option chosen stays
    assert len(options) <= 3

    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Save the details").click()
    page.wait_for_selector(".error-summary")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    page.locator(".error-summary a").first.click()
    assert page.evaluate("document.activeElement.id") == "details_title"
    shot(page, "60-details-error-summary")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="FR").click()
    page.wait_for_selector("html[lang=fr]")
    assert page.url.endswith(f"/proposals/{proposal.code}/")
    assert page.locator("h1").count() == 1
    assert page.console_errors == []
