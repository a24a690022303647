"""Excel export of every review of a call, for the committee (write-only workbook, bounded memory)."""

from __future__ import annotations

import tempfile
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from grappe.calls.models import Call
from grappe.core.exports import header_row, xlsx_row
from grappe.review.models import AssignmentState, ReviewAssignment


def reviews_workbook(call: Call) -> Any:
    """A temporary file holding the workbook: one row per active assignment, its review if any."""
    criteria = list(call.scheme.criteria.all()) if hasattr(call, "scheme") else []
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Reviews"))
    headers = [
        _("Proposal"),
        _("Title"),
        _("Reviewer"),
        _("State"),
        *[c.label for c in criteria],
        _("Recommendation"),
        _("Comment for the applicants"),
        _("Confidential comment for the committee"),
        _("Submitted at (Paris)"),
    ]
    header_row(sheet, headers)
    assignments = (
        ReviewAssignment.objects.filter(call=call, state=AssignmentState.ACTIVE)
        .select_related("proposal", "reviewer", "review")
        .order_by("proposal__code", "reviewer__last_name")
    )
    for assignment in assignments.iterator(chunk_size=500):
        review = getattr(assignment, "review", None)
        scores = review.scores if review else {}
        comments = review.comments if review else {}
        sheet.append(
            xlsx_row(
                sheet,
                [
                    assignment.proposal.code,
                    assignment.proposal.title,
                    assignment.reviewer.full_name,
                    review.get_state_display() if review else _("Not started"),
                    *[float(scores[str(c.pk)]) if str(c.pk) in scores else None for c in criteria],
                    review.get_recommendation_display() if review else "",
                    review.applicant_comment if review else "",
                    "\n".join(
                        [review.confidential_comment if review else ""]
                        + [f"{c.label}: {comments[str(c.pk)]}" for c in criteria if comments.get(str(c.pk))]
                    ).strip(),
                    timezone.localtime(review.submitted_at).replace(tzinfo=None)
                    if review and review.submitted_at
                    else None,
                ],
            )
        )
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response
    book.save(handle)
    handle.seek(0)
    return handle
