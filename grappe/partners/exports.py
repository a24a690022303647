"""Excel export of the office's partner list (through ``grappe.core.exports``)."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from grappe.core.exports import header_row, styled_cell
from grappe.partners.models import Agreement
from grappe.people.models import Organisation

MONEY = "#,##0.00"
DATE = "dd/mm/yyyy"
WIDTHS = [40, 12, 16, 22, 18, 9, 14, 16, 10, 18, 18, 16, 16, 18]


def partners_workbook(partners: QuerySet[Organisation]) -> Any:
    """A temporary file holding one row per partner (as filtered), with its money in euros."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Partners"))
    sheet.freeze_panes = "B2"  # the header row and the partner's name stay in view
    for i, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    today = timezone.localdate()
    next_end = Agreement.objects.filter(
        profile__organisation_id=OuterRef("pk"), start_date__lte=today, end_date__gte=today
    ).order_by("end_date")
    partners = partners.annotate(next_agreement_end=Subquery(next_end.values("end_date")[:1]))
    header_row(
        sheet,
        [
            _("Partner"),
            _("Code"),
            _("Level"),
            _("Sector"),
            _("Size"),
            _("Country"),
            _("Member since"),
            _("Annual fee (EUR)"),
            _("Active agreements"),
            _("First active agreement to end on"),
            _("Pledged in proposals (EUR)"),
            _("Pledged to projects (EUR)"),
            _("Realised (EUR)"),
            _("of which cash (EUR)"),
        ],
    )
    for org in partners.iterator(chunk_size=500):
        profile = getattr(org, "partner_profile", None)
        values = [
            org.name,
            org.code,
            profile.get_level_display() if profile else "",
            org.get_sector_display(),
            org.get_kind_display(),
            org.country.code,
            profile.member_since if profile else None,
            profile.annual_fee if profile and profile.annual_fee is not None else None,
            org.active_agreements,
            org.next_agreement_end,
            org.proposal_pledged,
            org.project_pledged,
            org.realised,
            org.realised_cash,
        ]
        row = []
        for value in values:
            cell = styled_cell(sheet, float(value) if isinstance(value, Decimal) else value)
            if isinstance(value, Decimal):
                cell.number_format = MONEY
            elif isinstance(value, dt.date):
                cell.number_format = DATE
            row.append(cell)
        sheet.append(row)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response
    book.save(handle)
    handle.seek(0)
    return handle
