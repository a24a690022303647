"""CSV and Excel exports of a call's proposals, streamed in bounded memory."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from grappe.core.exports import csv_lines, styled_cell, xlsx_cell
from grappe.core.money import money
from grappe.submissions.models import Proposal

CHUNK = 500


def columns() -> list[tuple[str, Any]]:
    """(header, value getter) for every exported column."""
    return [
        (_("Code"), lambda p: p.code),
        (_("Acronym"), lambda p: p.acronym),
        (_("Title"), lambda p: p.title),
        (_("State"), lambda p: p.get_state_display()),
        (
            _("Submitted at (Paris)"),
            lambda p: timezone.localtime(p.submitted_at).replace(tzinfo=None) if p.submitted_at else None,
        ),
        (_("Eligible"), lambda p: {True: _("yes"), False: _("no"), None: ""}[p.final_eligibility]),
        (_("Lead"), lambda p: p.lead.full_name),
        (_("Lead organisation"), lambda p: p.lead_organisation.name if p.lead_organisation_id else ""),
        (_("Partners"), lambda p: p.partner_count),
        (_("Duration (months)"), lambda p: p.duration_months),
        (_("Amount requested (EUR)"), lambda p: money(p.requested_amount)),
        (_("Direct costs (EUR)"), lambda p: money(p.direct_costs)),
        (_("Co-funding in cash (EUR)"), lambda p: money(p.cash)),
        (_("Co-funding in kind (EUR)"), lambda p: money(p.in_kind)),
    ]


def _rows(queryset: QuerySet[Proposal]) -> Iterator[list[Any]]:
    cols = columns()
    for proposal in queryset.iterator(chunk_size=CHUNK):
        yield [getter(proposal) for _header, getter in cols]


def csv_chunks(queryset: QuerySet[Proposal]) -> Iterator[str]:
    header = [str(header) for header, _getter in columns()]
    return csv_lines(itertools.chain([header], _rows(queryset)))


def write_xlsx(queryset: QuerySet[Proposal], *, title: str) -> tempfile._TemporaryFileWrapper[bytes]:
    """A formatted workbook in a temporary file (openpyxl's write-only mode keeps memory flat)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Proposals")[:31])
    cols = columns()
    money_cols = {i for i, (header, _g) in enumerate(cols) if "EUR" in str(header)}
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="5B21B6")
    sheet.freeze_panes = "A3"
    for i, width in enumerate([12, 12, 50, 12, 20, 9, 24, 30, 9, 10, 16, 16, 16, 16]):
        sheet.column_dimensions[chr(65 + i)].width = width
    title_cell = styled_cell(sheet, title)
    title_cell.font = Font(bold=True, size=13)
    sheet.append([title_cell])
    headers = []
    for header, _getter in cols:
        cell = styled_cell(sheet, str(header))
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        headers.append(cell)
    sheet.append(headers)
    totals = dict.fromkeys(money_cols, Decimal("0"))
    for row in _rows(queryset):
        cells: list[Any] = []
        for i, value in enumerate(row):
            if i in money_cols:
                cell = styled_cell(sheet, value)
                cell.number_format = "#,##0.00"
                totals[i] += value or Decimal("0")
            elif hasattr(value, "hour"):
                cell = styled_cell(sheet, value)
                cell.number_format = "dd/mm/yyyy hh:mm:ss"
            else:
                cell = xlsx_cell(sheet, value)
            cells.append(cell)
        sheet.append(cells)
    total_row = []
    for i in range(len(cols)):
        value = totals.get(i, _("Total") if i == 0 else None)
        cell = styled_cell(sheet, value)
        cell.font = Font(bold=True)
        if i in money_cols:
            cell.number_format = "#,##0.00"
        total_row.append(cell)
    sheet.append(total_row)
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
    workbook.save(handle)
    handle.seek(0)
    return handle
