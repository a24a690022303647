"""The outcomes audit as Excel (through core.exports) and as PDF (WeasyPrint)."""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook

from grappe.accountability.queries import Audit
from grappe.core.exports import header_row, xlsx_row


def audit_xlsx(audit: Audit) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Outcomes"))
    header_row(
        sheet,
        [
            _("Breakdown"),
            _("Group"),
            _("Proposals"),
            _("Funded"),
            _("Success rate"),
            _("Gap to the whole"),
            _("Adjusted p-value (success)"),
            _("Mean score"),
            _("Score gap"),
            _("Adjusted p-value (score)"),
            _("Reading"),
        ],
    )
    sheet.append(
        xlsx_row(
            sheet, [_("Whole call"), "", audit.proposals, audit.funded, round(audit.rate, 4), "", "", audit.mean_score]
        )
    )
    for breakdown in audit.breakdowns:
        for row in breakdown.rows:
            sheet.append(
                xlsx_row(
                    sheet,
                    [
                        breakdown.title,
                        row.label,
                        row.proposals,
                        row.funded,
                        round(row.rate, 4),
                        round(row.rate_gap, 4),
                        row.rate_p,
                        None if row.mean_score is None else round(row.mean_score, 3),
                        None if row.score_gap is None else round(row.score_gap, 3),
                        row.score_p,
                        row.verdict,
                    ],
                )
            )
    reviewers = book.create_sheet(_("Reviewers"))
    header_row(reviewers, [_("Reviewer"), _("Reviews"), _("Severity (calibration)")])
    for reviewer in audit.reviewers:
        reviewers.append(xlsx_row(reviewers, [reviewer.name, reviewer.reviews, reviewer.leniency]))
    conflicts = book.create_sheet(_("Conflicts"))
    header_row(conflicts, [_("What"), _("Proposal"), _("Reviewer"), _("Justification")])
    for label, key in ((_("Computed"), "computed"), (_("Declared"), "declared"), (_("Added by the office"), "office")):
        conflicts.append(xlsx_row(conflicts, [label, audit.conflicts[key]]))
    for conflict in audit.conflicts["waived"]:
        conflicts.append(
            xlsx_row(
                conflicts,
                [_("Waived"), conflict.proposal.code, conflict.reviewer.full_name, conflict.waiver_justification],
            )
        )
    for review in audit.conflicts["late"]:
        conflicts.append(
            xlsx_row(
                conflicts,
                [
                    _("Review written before a conflict was found"),
                    review.assignment.proposal.code,
                    review.assignment.reviewer.full_name,
                ],
            )
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def audit_pdf(audit: Audit) -> bytes:
    from weasyprint import HTML

    html = render_to_string("accountability/audit_pdf.html", {"audit": audit})
    return bytes(HTML(string=html).write_pdf())
