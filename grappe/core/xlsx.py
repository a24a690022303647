"""Helpers for the write-only Excel workbooks of the exports."""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font


def header_row(sheet: Any, names: list[str]) -> None:
    """Append ``names`` to ``sheet`` as a bold header row."""
    bold = Font(bold=True)
    row = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        row.append(cell)
    sheet.append(row)
