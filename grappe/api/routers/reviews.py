"""Reviews assigned to the caller: read them, write them before the deadline (If-Match)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router

from grappe.api.auth import require_user, require_write
from grappe.api.common import ERRORS, WRITE_ERRORS, etag, expected_version
from grappe.api.pagination import page
from grappe.api.problems import ApiProblem
from grappe.api.routers.directory import PageQuery
from grappe.api.schemas import ReviewOut, ReviewPage, ReviewPut
from grappe.core.access import get_for_user_or_404
from grappe.people.rules import roles_of
from grappe.review import services
from grappe.review.models import (
    AssignmentState,
    Conflict,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewSettings,
    ReviewState,
)

router = Router(tags=["reviews"])


def review_out(assignment: ReviewAssignment) -> dict[str, Any]:
    review: Review | None = getattr(assignment, "review", None)
    settings = _settings(assignment)
    return {
        "assignment": assignment.pk,
        "proposal": assignment.proposal.code,
        "proposal_title": assignment.proposal.title,
        "call": assignment.call.code,
        "confirmed": assignment.confirmed_at is not None,
        "deadline": settings.review_deadline,
        "open": settings.open_for_reviews,
        "state": review.state if review else ReviewState.DRAFT,
        "scores": review.scores if review else {},
        "comments": review.comments if review else {},
        "applicant_comment": review.applicant_comment if review else "",
        "confidential_comment": review.confidential_comment if review else "",
        "recommendation": review.recommendation if review else "",
        "submitted_at": review.submitted_at if review else None,
        "version": review.version if review else 1,
    }


def _settings(assignment: ReviewAssignment) -> ReviewSettings:
    """The call's review settings, read without writing (none yet: the defaults, always open)."""
    try:
        return assignment.call.review_settings
    except ReviewSettings.DoesNotExist:
        return ReviewSettings(call=assignment.call)


def _assignments() -> Any:
    return ReviewAssignment.objects.select_related("proposal", "call", "call__review_settings", "review")


@router.get("/reviews", response={200: ReviewPage, **ERRORS})
def list_reviews(request: HttpRequest, filters: Query[PageQuery]) -> Any:
    """The caller's active review assignments with their review (as on "My reviews")."""
    require_user(request)
    person_id = roles_of(request.user).person_id
    # review.review_proposal for every row in one query: active, the caller's, no standing conflict.
    conflicted = Conflict.objects.filter(
        reviewer_id=OuterRef("reviewer_id"), proposal_id=OuterRef("proposal_id"), waived=False
    )
    assignments = _assignments().filter(reviewer_id=person_id, state=AssignmentState.ACTIVE).exclude(Exists(conflicted))
    return page(assignments, cursor=filters.cursor, limit=filters.limit, item=review_out)


def _assignment(request: HttpRequest, pk: int) -> ReviewAssignment:
    return get_for_user_or_404(request.user, _assignments(), "review.review_proposal", pk=pk)


@router.get("/reviews/{assignment}", response={200: ReviewOut, **ERRORS})
def get_review(request: HttpRequest, response: HttpResponse, assignment: int) -> Any:
    """One review, by its assignment's number; the ``ETag`` is the review's version."""
    found = _assignment(request, assignment)
    out = review_out(found)
    response["ETag"] = etag(out["version"])
    return out


@router.put("/reviews/{assignment}", response={200: ReviewOut, **WRITE_ERRORS})
def put_review(
    request: HttpRequest,
    response: HttpResponse,
    assignment: int,
    body: ReviewPut,
    if_match: str | None = Header(None, alias="If-Match"),
) -> Any:
    """Save the review (``submit``: submit it), with the rules of the review page: after the
    conflict confirmation, before the deadline; a stale ``If-Match`` answers 412."""
    user = require_write(request)
    found = _assignment(request, assignment)
    if found.confirmed_at is None:
        raise ApiProblem(409, _("Confirm on the review page that you have no conflict of interest first."))
    version = expected_version(request, if_match)
    field_errors = _review_errors(found, body)
    if field_errors:
        raise ApiProblem(422, _("Some values are missing or invalid."), kind="invalid", errors=field_errors)
    data: dict[str, Any] = {f"score_{key}": value for key, value in body.scores.items()}
    data.update({f"comment_{key}": value for key, value in body.comments.items()})
    data.update(
        applicant_comment=body.applicant_comment,
        confidential_comment=body.confidential_comment,
        recommendation=body.recommendation,
    )
    if not _settings(found).open_for_reviews:
        raise ApiProblem(409, _("The review deadline has passed: the review can no longer be changed."))
    try:
        services.save_review(found, data, expected_version=version, submit=body.submit, actor=user)
    except services.ReviewError as exc:
        errors = [{"loc": ["body"], "msg": str(msg), "type": "invalid"} for msg in exc.messages]
        raise ApiProblem(422, " ".join(exc.messages), kind="invalid", errors=errors) from exc
    out = review_out(_assignment(request, assignment))
    response["ETag"] = etag(out["version"])
    return out


def _review_errors(assignment: ReviewAssignment, body: ReviewPut) -> list[dict[str, Any]]:
    """The review's errors per field (docs/api.md): criteria the call does not have, scores that
    are not 0–5 in halves, a recommendation not in the list, and — to submit — what is missing."""
    criteria = list(assignment.call.scheme.criteria.all()) if hasattr(assignment.call, "scheme") else []
    known = {str(c.pk) for c in criteria}
    ids = ", ".join(sorted(known, key=int)) or "—"
    errors: list[dict[str, Any]] = []

    def add(loc: list[str], msg: str) -> None:
        errors.append({"loc": ["body", *loc], "msg": msg, "type": "invalid"})

    for part in ("scores", "comments"):
        for key in getattr(body, part):
            if key not in known:
                unknown = _("This call has no criterion %(key)s (its criteria: %(ids)s).")
                add([part, key], unknown % {"key": key, "ids": ids})
    for key, value in body.scores.items():
        if key in known and value not in (None, "") and not _is_score(value):
            add(["scores", key], _("Scores are numbers from 0 to 5 in half points."))
    if body.recommendation and body.recommendation not in Recommendation.values:
        add(["recommendation"], _("Choose a recommendation from the list."))
    if body.submit or Review.objects.filter(assignment=assignment, state=ReviewState.SUBMITTED).exists():
        for criterion in criteria:
            if body.scores.get(str(criterion.pk)) in (None, ""):
                missing = _("Score every criterion (missing: %(list)s).") % {"list": criterion.label}
                add(["scores", str(criterion.pk)], missing)
        if not body.applicant_comment.strip():
            add(["applicant_comment"], _("Write a comment for the applicants."))
        if not body.recommendation:
            add(["recommendation"], _("Give an overall recommendation."))
    return errors


def _is_score(value: str) -> bool:
    try:
        score = Decimal(str(value))
    except InvalidOperation:
        return False
    return score.is_finite() and 0 <= score <= 5 and not (score * 2) % 1
