"""The one way Grappe writes spreadsheets (CSV and Excel): every exported value passes here.

Text typed by users (titles, comments, names, criterion labels…) may start with a character
that spreadsheet programs read as the start of a formula. Following the OWASP "CSV Injection"
guidance, text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
neutralised:

- in CSV, it is prefixed with a single quote (``'=1+1``) and every field is quoted, so no
  program evaluates it and the text stays readable;
- in Excel, it is written as a text cell with Excel's "quote prefix" flag (the cell shows
  ``=1+1`` exactly, as text; openpyxl would otherwise write it as a live formula).

Numbers, dates and booleans are written as they are (a negative amount stays a number).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.http import FileResponse
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(workbook: bytes | IO[bytes], filename: str) -> FileResponse:
    """A workbook (its bytes or an open file) sent as a download named ``filename``."""
    handle = io.BytesIO(workbook) if isinstance(workbook, bytes) else workbook
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def is_formula_like(value: object) -> bool:
    """Whether a spreadsheet program could read ``value`` as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def neutralise(value: Any) -> Any:
    """``value`` made safe for a CSV cell: formula-like text gets a leading single quote."""
    return "'" + value if is_formula_like(value) else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Stream ``rows`` as CSV text (UTF-8 mark first, every field quoted, formulas neutralised)."""
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    yield "\ufeff"  # so that spreadsheet programs read UTF-8
    for row in rows:
        yield writer.writerow(["" if value is None else neutralise(value) for value in row])


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """A value for a write-only sheet: formula-like text becomes a text cell, the rest stays plain
    (plain values are much cheaper than styled cells)."""
    if not is_formula_like(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for ``sheet.append``, each value through :func:`xlsx_cell`."""
    return [xlsx_cell(sheet, value) for value in values]


def styled_cell(sheet: Any, value: Any) -> WriteOnlyCell:
    """A cell to style (font, fill, number format), formula-like text kept as text."""
    cell = WriteOnlyCell(sheet, value=value)
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def header_row(sheet: Any, names: list[str]) -> None:
    """Append ``names`` to ``sheet`` as a bold header row."""
    bold = Font(bold=True)
    row = []
    for name in names:
        cell = styled_cell(sheet, str(name))
        cell.font = bold
        row.append(cell)
    sheet.append(row)
