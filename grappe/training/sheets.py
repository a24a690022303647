"""Reading uploaded spreadsheets (Excel .xlsx or CSV) row by row, safely.

- An .xlsx is a zip archive. Before openpyxl opens it, the archive's table of contents is read:
  it must hold ``[Content_Types].xml`` and ``xl/workbook.xml``, its entries may not uncompress
  to more than ``MAX_UNCOMPRESSED`` bytes in all nor any entry by more than ``MAX_RATIO`` times
  its compressed size (a zip bomb claims gigabytes from kilobytes). The sizes announced in the
  table are also enforced while reading (``zipfile`` stops at the announced size and checks the
  CRC), so a lying table cannot get past either.
- openpyxl reads in read-only mode (rows streamed from the XML, constant memory).
- A CSV is UTF-8 (with or without a byte-order mark) or Windows-1252; the separator is the comma,
  the semicolon (French Excel) or the tab, whichever the header line holds most of.
- Dates are read as ``dd/mm/yyyy``, ``yyyy-mm-dd`` or an Excel serial number (days since
  30 December 1899), or taken as they are when openpyxl gives a date.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200
EXCEL_EPOCH = dt.date(1899, 12, 30)


class SheetError(Exception):
    """The file cannot be read as a spreadsheet; the message says why, for the person."""


def kind_of(head: bytes, name: str) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if name.lower().endswith((".csv", ".txt")) and b"\x00" not in head:
        return "csv"
    raise SheetError(_("This file is not a spreadsheet: upload an Excel workbook (.xlsx) or a CSV file (.csv)."))


def check_xlsx(stream: IO[bytes]) -> None:
    """Refuse an archive that is not a workbook or that would uncompress beyond the limits."""
    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SheetError(_("This file is not a readable Excel workbook (.xlsx).")) from exc
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise SheetError(_("This file is a zip archive, not an Excel workbook (.xlsx)."))
    total = sum(info.file_size for info in infos)
    too_packed = any(info.file_size > MAX_RATIO * max(info.compress_size, 1024) for info in infos)
    if total > MAX_UNCOMPRESSED or too_packed:
        raise SheetError(
            _("This workbook would uncompress to %(size)s MB (or is packed suspiciously tight): refused.")
            % {"size": total // (1024 * 1024)}
        )
    stream.seek(0)


def rows(stream: IO[bytes], name: str) -> Iterator[list[Any]]:
    """Every row of the first sheet (header first) as a list of cell values."""
    stream.seek(0)
    kind = kind_of(stream.read(2048), name)
    stream.seek(0)
    if kind == "csv":
        yield from _csv_rows(stream)
        return
    check_xlsx(stream)
    from openpyxl import load_workbook

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, ValueError, XML errors)
        raise SheetError(_("This file is not a readable Excel workbook (.xlsx).")) from exc
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    except zipfile.BadZipFile as exc:
        raise SheetError(_("This workbook is damaged: a part of it does not match its table of contents.")) from exc
    finally:
        book.close()


def _csv_rows(stream: IO[bytes]) -> Iterator[list[Any]]:
    head = stream.read(64 * 1024)
    stream.seek(0)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the sample
            encoding = "cp1252"
    first = head.decode(encoding, errors="replace").splitlines()[0] if head else ""
    delimiter = max([",", ";", "\t"], key=first.count)
    text = codecs.getreader(encoding)(stream, errors="replace")
    try:
        yield from csv.reader(_lines(text), delimiter=delimiter)
    except csv.Error as exc:
        raise SheetError(_("This CSV file cannot be read: %(error)s") % {"error": exc}) from exc


def _lines(text: Any) -> Iterator[str]:
    while True:
        line = text.readline()
        if not line:
            return
        yield line


def parse_date(value: Any) -> dt.date | None:  # noqa: PLR0911 - one return per accepted form
    """A date from a cell: a date, dd/mm/yyyy, yyyy-mm-dd or an Excel serial; None if unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(value)
    text = str(value or "").strip()
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar day, no time
        except ValueError:
            continue
    try:
        return _serial(float(text))
    except ValueError:
        return None


def _serial(number: float) -> dt.date | None:
    if not 1 <= number <= 2958465:  # 1900-01-01 .. 9999-12-31
        return None
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
