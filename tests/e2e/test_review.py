"""The office runs an assignment and publishes it; a reviewer declares a conflict on one
proposal (it leaves their list and its page answers 404) and submits a review of another."""

import datetime as dt

import pytest
from django.utils import timezone

from grappe.calls.services import apply_horizon_europe_preset
from grappe.review.models import ConflictOrigin, PoolMember, PoolState, Publication, ReviewAssignment, ReviewState
from grappe.submissions.models import ProposalState
from tests.e2e.test_submission import _login
from tests.factories import CallFactory, PersonFactory, ProposalFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def call_under_review(office, reviewer, university):
    call = CallFactory(
        title_en="Acceleration projects",
        closes_at=timezone.now() - dt.timedelta(days=1),
        opens_at=timezone.now() - dt.timedelta(days=30),
    )
    apply_horizon_europe_preset(call, actor=office)
    for title in ["Graph neural networks for molecules", "Robot grasping with touch", "Legal language models"]:
        ProposalFactory(
            call=call,
            title=title,
            abstract=f"{title}: methods and evaluation.",
            lead=PersonFactory(),
            lead_organisation=university,
            state=ProposalState.SUBMITTED,
            submitted_at=timezone.now() - dt.timedelta(days=2),
        )
    topics = ["Legal language models and court decisions", "Graph neural networks", "Robot grasping and touch"]
    for person, topic in zip([reviewer.person, PersonFactory(), PersonFactory()], topics, strict=True):
        Publication.objects.create(person=person, title=topic, year=2025, source="manual")
        PoolMember.objects.create(call=call, person=person, state=PoolState.ACCEPTED, max_load=2)
    return call


def test_office_assigns_and_reviewer_reviews(english, shot, call_under_review):
    call = call_under_review
    office_page = english()
    office_page.on("dialog", lambda dialog: dialog.accept())
    _login(office_page, "office@example.org")
    office_page.goto(f"/office/calls/{call.code}/review/")
    office_page.get_by_role("button", name="Compute affinity").click()
    office_page.wait_for_selector("text=Affinity computation started")
    office_page.goto(f"/office/calls/{call.code}/review/")
    office_page.get_by_label("reviews per proposal").fill("2")
    office_page.get_by_role("button", name="Run the assignment").click()
    office_page.wait_for_selector("text=Publish and notify reviewers")
    shot(office_page, "30-assignment-run")
    assert office_page.locator("text=Per proposal, weakest first").count() == 1
    office_page.get_by_role("button", name="Publish and notify reviewers").click()
    office_page.wait_for_selector("text=assignments published")
    shot(office_page, "31-review-desk")
    assert ReviewAssignment.objects.filter(call=call).count() == 6
    assert office_page.console_errors == []

    page = english()
    _login(page, "reviewer@example.org")
    page.goto("/reviews/")
    links = page.locator("main table a")
    assert links.count() == 2
    shot(page, "32-my-reviews")
    first, second = links.nth(0).inner_text(), links.nth(1).inner_text()
    conflicted_url = links.nth(0).get_attribute("href")
    links.nth(0).click()
    page.get_by_label("Reason").first.fill("I supervised the lead's thesis")
    page.get_by_role("button", name="Declare the conflict").click()
    page.wait_for_selector("text=Conflict declared")
    assert page.locator("main table a").count() == 1
    assert first not in page.locator("main").inner_text()
    assert page.goto(conflicted_url).status == 404
    page.console_errors.clear()  # the browser logs that 404, as it should

    page.goto("/reviews/")
    page.get_by_role("link", name=second).click()
    reviewed = call.proposals.get(code=second.split(" — ")[0])
    assert reviewed.lead.full_name in page.locator("#confirm-team").inner_text()  # who the reviewer confirms about
    assert page.goto(f"/proposals/{reviewed.code}/").status == 404  # not before confirming
    page.console_errors.clear()  # the browser logs that 404, as it should
    page.go_back()
    page.get_by_label("I have no conflict of interest").check()
    page.get_by_label("I will keep the proposal").check()
    page.get_by_role("button", name="Confirm and read").click()
    whole = page.locator("#read-proposal").get_attribute("href")
    reader = english()
    reader.context.add_cookies(page.context.cookies())
    reader.goto(whole)
    assert reader.locator("#budget").count() == 1 and reader.locator("#ethics").count() == 1
    assert reader.locator("#office").count() == 0  # the office's eligibility notes stay private
    shot(reader, "34-reviewer-reads-the-proposal")
    reader.context.close()
    for select in page.locator("select[name^=score_]").all():
        select.select_option("4.5")
    page.get_by_label("Comment for the applicants").fill("A clear and feasible plan.")
    page.get_by_label("Overall recommendation").select_option("fund")
    shot(page, "33-review-form")
    page.get_by_role("button", name="Submit the review").click()
    page.wait_for_selector("text=Review submitted.")
    review = ReviewAssignment.objects.get(reviewer__user__email="reviewer@example.org", state="active").review
    assert review.state == ReviewState.SUBMITTED and set(review.scores.values()) == {"4.5"}
    assert ConflictOrigin.DECLARED in set(call.conflicts.values_list("origin", flat=True))
    assert page.console_errors == []
