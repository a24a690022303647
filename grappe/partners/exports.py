"""Excel export of the office's partner list (through ``grappe.core.exports``)."""

from __future__ import annotations

import tempfile
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook

from grappe.core.exports import header_row, xlsx_row
from grappe.people.models import Organisation


def partners_workbook(partners: QuerySet[Organisation]) -> Any:
    """A temporary file holding one row per partner (as filtered), with its money in euros."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Partners"))
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
            _("Pledged in proposals (EUR)"),
            _("Pledged to projects (EUR)"),
            _("Realised (EUR)"),
            _("of which cash (EUR)"),
        ],
    )
    for org in partners.iterator(chunk_size=500):
        profile = getattr(org, "partner_profile", None)
        sheet.append(
            xlsx_row(
                sheet,
                [
                    org.name,
                    org.code,
                    profile.get_level_display() if profile else "",
                    org.get_sector_display(),
                    org.get_kind_display(),
                    org.country.code,
                    profile.member_since if profile else None,
                    float(profile.annual_fee) if profile and profile.annual_fee is not None else None,
                    org.active_agreements,
                    float(org.proposal_pledged),
                    float(org.project_pledged),
                    float(org.realised),
                    float(org.realised_cash),
                ],
            )
        )
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response
    book.save(handle)
    handle.seek(0)
    return handle
