"""The audit dossier: one zip with PDFs, signed documents, evidence and a spreadsheet index."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from grappe.funding import services
from grappe.projects import services as projects
from tests.conftest import PERSONAS
from tests.funding.test_statements import make_statement
from tests.projects.conftest import pdf

pytestmark = pytest.mark.django_db


def test_dossier_holds_every_document_and_an_index(as_persona, project, university):
    projects.sign_grant(project.grant, signed_on=dt.date(2026, 1, 20), document=pdf(), expected_version=1, actor=None)
    statement = make_statement(project, university, state="accepted")
    services.schedule_instalment(
        project,
        kind="advance",
        amount=None,
        share=Decimal("0.3"),
        trigger="signature",
        due_date=dt.date(2026, 2, 1),
        actor=None,
    )
    projects.schedule_report(project, title="Year 1", due_date=dt.date(2026, 12, 31), actor=None)

    response = as_persona("office").get(reverse("funding:dossier", args=[project.code]))

    assert response["Content-Type"] == "application/zip"
    assert response.streaming  # chunks from a temporary file, never the whole zip in memory
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    folder = f"03-statements/20260101-UE-{statement.code}"
    assert {n.split("/")[0] for n in names} == {
        "00-index.xlsx",
        "01-grant.pdf",
        "02-signed-documents",
        "03-statements",
        "04-reports",
        "05-payments.pdf",
    }
    assert f"{folder}/statement.pdf" in names
    assert all(archive.read(n).startswith(b"%PDF-") for n in names if n.endswith(".pdf"))
    index = load_workbook(io.BytesIO(archive.read("00-index.xlsx")), read_only=True)
    paths = [row[0] for row in index["Files"].iter_rows(min_row=2, values_only=True)]
    assert sorted(paths) == sorted(n for n in names if n != "00-index.xlsx")


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_office_exports_the_dossier(as_persona, project, persona):
    status = as_persona(persona).get(reverse("funding:dossier", args=[project.code])).status_code

    assert status == {"office": 200, "anonymous": 302}.get(persona, 404)
