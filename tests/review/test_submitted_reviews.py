"""A submitted review stays complete; the consensus counts only complete reviews (issue 10, defect 8)."""

import pytest
from django.urls import reverse

from grappe.review import services
from grappe.review.models import Review, ReviewState
from grappe.selection import services as selection

pytestmark = pytest.mark.django_db


def _full(call, value="4.0"):
    return {f"score_{c.pk}": value for c in call.scheme.criteria.all()} | {
        "applicant_comment": "Solid work.",
        "recommendation": "fund",
    }


@pytest.fixture
def submitted(review_call, proposals, pool, office, reviewer):
    assignment = services.add_assignment(
        review_call, reviewer=reviewer.person, proposal=proposals[0], reason="t", actor=office
    )
    services.confirm_assignment(assignment, actor=reviewer)
    services.save_review(assignment, _full(review_call), expected_version=1, submit=True, actor=reviewer)
    return assignment


def test_saving_an_emptied_submitted_review_as_a_draft_is_refused_and_nothing_changes(submitted, reviewer):
    with pytest.raises(services.ReviewError) as exc:
        services.save_review(submitted, {}, expected_version=2, submit=False, actor=reviewer)

    review = Review.objects.get(assignment=submitted)
    assert exc.value.messages[1:] == ["Write a comment for the applicants.", "Give an overall recommendation."]
    assert exc.value.messages[0].startswith("Score every criterion (missing: ")
    assert (review.state, review.version, len(review.scores), review.applicant_comment) == (
        ReviewState.SUBMITTED,
        2,
        3,
        "Solid work.",
    )


def test_a_submitted_review_edited_before_the_deadline_stays_submitted(submitted, review_call, reviewer, as_persona):
    response = as_persona("reviewer").post(
        reverse("review:review", args=[submitted.pk]), _full(review_call, "3.5") | {"version": "2", "save": ""}
    )

    review = Review.objects.get(assignment=submitted)
    assert response.status_code == 302
    assert (review.state, set(review.scores.values())) == (ReviewState.SUBMITTED, {"3.5"})


def test_the_review_page_offers_no_draft_save_once_submitted(submitted, as_persona):
    page = as_persona("reviewer").get(reverse("review:review", args=[submitted.pk])).content.decode()

    assert 'name="save"' not in page
    assert "Update the submitted review" in page


def test_the_consensus_means_use_only_complete_reviews(submitted, review_call, pool, office):
    other = services.add_assignment(
        review_call, reviewer=pool[1].person, proposal=submitted.proposal, reason="t", actor=office
    )
    # A submitted review missing a score (as the old "Save draft" left them) must not count.
    Review.objects.create(assignment=other, scores={}, state=ReviewState.SUBMITTED, applicant_comment="x")

    row = selection.row_of(submitted.proposal)

    assert [r.assignment_id for r in row.reviews] == [submitted.pk]
    assert set(row.criterion_means.values()) == {selection.Decimal("4.00")}


def test_a_review_saved_from_a_stale_page_overwrites_nothing_and_shows_back_the_typed_text(
    submitted, review_call, as_persona
):
    typed = _full(review_call) | {"applicant_comment": "Typed in the second tab.", "version": "1", "save": ""}

    response = as_persona("reviewer").post(reverse("review:review", args=[submitted.pk]), typed)

    review = Review.objects.get(assignment=submitted)
    assert response.status_code == 409
    assert (review.version, review.applicant_comment) == (2, "Solid work.")
    assert response.context["kept"] == [("Comment for the applicants", "Typed in the second tab.")]
    page = response.content.decode()
    assert 'id="kept-review"' in page and "nothing of yours was saved" in page
    # The form shows the saved review and its current version: the next save goes through.
    assert response.context["values"]["applicant_comment"] == "Solid work." and response.context["version"] == 2
