"""Excel export for the committee: the ranking, and every consensus beside its reviews."""

from __future__ import annotations

import tempfile
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from grappe.calls.models import Call
from grappe.core.exports import header_row, xlsx_row
from grappe.selection.models import Outcome
from grappe.selection.services import criteria_of, ranking


def recommendation_label(code: str) -> str:
    """A stored recommendation ("reserve") in the reader's language ("Liste complémentaire")."""
    return str(Outcome(code).label) if code in Outcome.values else code


def ranking_workbook(call: Call) -> Any:
    criteria = criteria_of(call)
    rows = ranking(call)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Ranking"))
    header_row(
        sheet,
        [
            _("Rank"),
            _("Proposal"),
            _("Title"),
            _("Theme"),
            *[c.label for c in criteria],
            _("Score"),
            _("provisional"),
            _("How the score is made"),
            _("Calibrated"),
            _("Passes the thresholds"),
            _("Requested"),
            _("Recommendation"),
            _("Decision"),
            _("Amount granted (EUR)"),
            _("Tie broken by"),
        ],
    )
    for row in rows:
        decision = row.decision
        sheet.append(
            xlsx_row(
                sheet,
                [
                    row.rank,
                    row.proposal.code,
                    row.proposal.title,
                    row.theme_label,
                    *[float(row.scores[str(c.pk)]) if str(c.pk) in row.scores else None for c in criteria],
                    float(row.score) if row.score is not None else None,
                    _("yes") if row.provisional else _("no"),
                    row.score_note or _("written evaluation"),
                    row.calibrated,
                    _("yes") if row.passes else _("no"),
                    float(row.proposal.requested_amount or 0),
                    recommendation_label(row.recommendation) if row.recommendation else _("not ready"),
                    decision.get_outcome_display() if decision else "",
                    float(decision.amount) if decision and decision.amount else None,
                    row.tie_rule,
                ],
            )
        )
    consensus = book.create_sheet(_("Consensus and reviews"))
    header_row(consensus, [_("Proposal"), _("Source"), *[c.label for c in criteria], _("Comment for the applicants")])
    for row in rows:
        if row.consensus:
            consensus.append(
                xlsx_row(
                    consensus,
                    [
                        row.proposal.code,
                        f"{_('Consensus')} ({row.consensus.get_state_display()})",
                        *[row.consensus.scores.get(str(c.pk)) for c in criteria],
                        row.consensus.applicant_comment,
                    ],
                )
            )
        for index, review in enumerate(row.reviews, start=1):
            consensus.append(
                xlsx_row(
                    consensus,
                    [
                        row.proposal.code,
                        _("Reviewer %(n)s") % {"n": index},
                        *[review.scores.get(str(c.pk)) for c in criteria],
                        review.applicant_comment,
                    ],
                )
            )
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response
    book.save(handle)
    handle.seek(0)
    return handle
