"""The outcomes audit as Excel (through core.exports) and as PDF (WeasyPrint)."""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook

from grappe.accountability.queries import NO_DECISION, Audit
from grappe.core.exports import header_row, xlsx_row


def _two(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


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
            sheet,
            [_("Whole call"), "", audit.proposals, audit.funded, round(audit.rate, 4), "", "", _two(audit.mean_score)],
        )
    )
    if not audit.decisions:
        sheet.append(xlsx_row(sheet, [str(NO_DECISION)]))
    for breakdown in audit.breakdowns if audit.decisions else []:
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
                        _two(row.mean_score),
                        _two(row.score_gap),
                        row.score_p,
                        row.verdict,
                    ],
                )
            )
    reviewers = book.create_sheet(_("Reviewers"))
    header_row(reviewers, [_("Reviewer"), _("Reviews"), _("Leniency (calibration; + scores higher than the others)")])
    for reviewer in audit.reviewers:
        leniency = reviewer.leniency if reviewer.leniency is not None else _("too few reviews")
        reviewers.append(xlsx_row(reviewers, [reviewer.name, reviewer.reviews, leniency]))
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

    language = get_language() or "fr"
    html = render_to_string("accountability/audit_pdf.html", {"audit": audit, "LANGUAGE_CODE": language.split("-")[0]})
    return bytes(HTML(string=html).write_pdf())
