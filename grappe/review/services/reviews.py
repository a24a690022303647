"""Reviews, bids and reminders."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.calls.models import Call
from grappe.core.services import ConcurrentEditError, log_action
from grappe.core.validation import clean_text
from grappe.notifications.models import Kind
from grappe.notifications.services import notify
from grappe.people.models import Person
from grappe.review.models import (
    AssignmentState,
    Bid,
    BidLevel,
    Conflict,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewState,
)
from grappe.review.services.common import ReviewError, settings_for
from grappe.submissions.models import Proposal, ProposalState


def _score(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value))
    except InvalidOperation as exc:
        raise ReviewError(_("Scores are numbers from 0 to 5 in half points.")) from exc
    if not score.is_finite() or score < 0 or score > 5 or (score * 2) % 1:
        raise ReviewError(_("Scores are numbers from 0 to 5 in half points."))
    return score


@transaction.atomic
def save_review(
    assignment: ReviewAssignment, data: dict[str, Any], *, expected_version: int, submit: bool, actor: Any
) -> Review:
    """Save a draft or submit. Submitting needs every criterion scored, the applicants' comment and
    a recommendation; edits stay possible until the review deadline.

    A submitted review stays submitted: any later save is validated as a submission (a "draft"
    save of it is refused with what is missing), so a review that counts is always complete.
    """
    if not settings_for(assignment.call).open_for_reviews:
        raise ReviewError(_("The review deadline has passed: the review can no longer be changed."))
    review, _created = Review.objects.select_for_update().get_or_create(assignment=assignment)
    if review.version != expected_version:
        raise ConcurrentEditError(ConcurrentEditError.message)
    submit = submit or review.state == ReviewState.SUBMITTED
    criteria = list(assignment.call.scheme.criteria.all()) if hasattr(assignment.call, "scheme") else []
    scores: dict[str, str] = {}
    comments: dict[str, str] = {}
    for criterion in criteria:
        score = _score(data.get(f"score_{criterion.pk}"))
        if score is not None:
            scores[str(criterion.pk)] = str(score)
        comments[str(criterion.pk)] = clean_text(
            data.get(f"comment_{criterion.pk}"), max_length=5000, label=criterion.label, error=ReviewError
        )
    recommendation = str(data.get("recommendation", ""))
    if recommendation and recommendation not in Recommendation.values:
        raise ReviewError(_("Choose a recommendation from the list."))
    review.scores, review.comments = scores, comments
    review.applicant_comment = clean_text(
        data.get("applicant_comment"), max_length=10000, label=_("The comment for the applicants"), error=ReviewError
    )
    review.confidential_comment = clean_text(
        data.get("confidential_comment"), max_length=5000, label=_("The confidential comment"), error=ReviewError
    )
    review.recommendation = recommendation
    if submit:
        missing = [c.label for c in criteria if str(c.pk) not in scores]
        problems = []
        if missing:
            problems.append(_("Score every criterion (missing: %(list)s).") % {"list": ", ".join(missing)})
        if not review.applicant_comment.strip():
            problems.append(_("Write a comment for the applicants."))
        if not recommendation:
            problems.append(_("Give an overall recommendation."))
        if problems:
            raise ReviewError(problems)
        review.state = ReviewState.SUBMITTED
        review.submitted_at = review.submitted_at or timezone.now()
    review.version += 1
    review.save()
    log_action(
        assignment.proposal, "review.submitted" if submit else "review.saved", actor=actor, data={"review": review.pk}
    )
    return review


def late_reviews(call: Call) -> list[ReviewAssignment]:
    """Active assignments without a submitted review once the deadline has passed."""
    if settings_for(call).open_for_reviews:
        return []
    return list(
        ReviewAssignment.objects.filter(call=call, state=AssignmentState.ACTIVE)
        .exclude(review__state=ReviewState.SUBMITTED)
        .select_related("reviewer", "proposal")
    )


# --- Bids -----------------------------------------------------------------------------------


@transaction.atomic
def save_bids(call: Call, *, reviewer: Person, levels: dict[int, str], actor: Any) -> int:
    """Record the expert's bids (proposal id → level) on non-conflicted submitted proposals."""
    if not settings_for(call).bidding_open:
        raise ReviewError(_("Bidding is closed for this call."))
    allowed = set(
        Proposal.objects.filter(call=call, state=ProposalState.SUBMITTED)
        .exclude(pk__in=Conflict.objects.filter(reviewer=reviewer, waived=False).values("proposal_id"))
        .values_list("pk", flat=True)
    )
    saved = 0
    for proposal_id, level in levels.items():
        if proposal_id not in allowed or level not in BidLevel.values:
            continue
        Bid.objects.update_or_create(
            reviewer=reviewer, proposal_id=proposal_id, defaults={"call": call, "level": level}
        )
        saved += 1
    log_action(call, "review.bids_saved", actor=actor, data={"reviewer": reviewer.code, "count": saved})
    return saved


# --- Reminders ------------------------------------------------------------------------------


def send_reminders(call: Call, *, actor: Any = None) -> int:
    """Email each reviewer who has reviews to finish for ``call`` the list of them; returns how many."""
    pending: dict[int, list[ReviewAssignment]] = {}
    for assignment in (
        ReviewAssignment.objects.filter(call=call, state=AssignmentState.ACTIVE)
        .exclude(review__state=ReviewState.SUBMITTED)
        .select_related("reviewer", "proposal")
        .order_by("proposal__code")
    ):
        pending.setdefault(assignment.reviewer_id, []).append(assignment)
    deadline = settings_for(call).review_deadline
    link = settings.SITE_URL + reverse("review:mine")
    sent = 0
    for items in pending.values():
        person = items[0].reviewer
        if not person.email:
            continue
        notify(
            person,
            Kind.DEADLINE,
            subject=lambda: _("Reminder: reviews to finish for %(call)s") % {"call": call.title},
            template="review/email/reminder.txt",
            context={"call": call, "assignments": items, "deadline": deadline, "link": link},
            link=link,
        )
        sent += 1
    log_action(call, "review.reminders_sent", actor=actor, data={"reviewers": sent})
    return sent
