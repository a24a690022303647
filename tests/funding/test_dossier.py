"""The audit dossier: one zip with PDFs, signed documents, evidence and a spreadsheet index."""

import datetime as dt
import io
import os
import zipfile
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from grappe.funding import services
from grappe.funding.models import DossierBuild
from grappe.funding.services import dossiers
from grappe.projects import services as projects
from tests.conftest import PERSONAS
from tests.funding.test_statements import make_statement
from tests.projects.conftest import pdf

pytestmark = pytest.mark.django_db


def test_dossier_holds_every_document_and_an_index(as_persona, project, university, django_capture_on_commit_callbacks):
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
    report = projects.schedule_report(project, title="Year 1", due_date=dt.date(2026, 12, 31), actor=None)
    report.state = "submitted"
    report.save(update_fields=["state"])
    projects.schedule_report(project, title="Year 2", due_date=dt.date(2027, 12, 31), actor=None)  # a draft
    make_statement(project, university, start=dt.date(2027, 1, 1), end=dt.date(2027, 6, 30), state="draft")

    client = as_persona("office")
    page = reverse("funding:dossier", args=[project.code])
    assert "Build the dossier" in client.get(page).content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the task runs at once (ImmediateBackend)
        assert client.post(page).url == page
    build = DossierBuild.objects.get()
    assert (build.state, build.language) == ("done", "en") and build.size > 0
    shown = client.get(page)
    assert shown.context["ready"] == build and not shown.context["in_progress"]
    response = client.get(reverse("funding:dossier_file", args=[project.code, build.pk]))

    assert response["Content-Type"] == "application/zip"
    assert response.streaming  # read from storage in chunks
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
    # Drafts are work in progress: the submitted report and the accepted statement only.
    assert [n for n in names if n.startswith("04-reports/")] == [f"04-reports/20261231-{report.code}.pdf"]
    assert len({n.split("/")[1] for n in names if n.startswith("03-statements/")}) == 1


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_office_exports_the_dossier(as_persona, project, persona):
    build = DossierBuild.objects.create(project=project, state="done", file=ContentFile(b"PK", name="d.zip"))
    client = as_persona(persona)

    status = client.get(reverse("funding:dossier", args=[project.code])).status_code
    posted = client.post(reverse("funding:dossier", args=[project.code])).status_code
    download = client.get(reverse("funding:dossier_file", args=[project.code, build.pk])).status_code

    expected = {"office": 200, "anonymous": 302}.get(persona, 404)
    assert (status, download) == (expected, expected)
    assert posted == (302 if persona in {"office", "anonymous"} else 404)
    assert DossierBuild.objects.count() == (2 if persona == "office" else 1)


def test_one_build_at_a_time_and_a_dead_worker_fails_it(as_persona, project, office, settings):
    first = services.request_dossier(project, language="fr", actor=office)  # on_commit never runs here
    assert services.request_dossier(project, language="fr", actor=office) == first  # a double click
    DossierBuild.objects.filter(pk=first.pk).update(
        state="running", heartbeat_at=timezone.now() - dt.timedelta(hours=1)
    )

    page = as_persona("office").get(reverse("funding:dossier", args=[project.code]))

    first.refresh_from_db()
    assert first.state == "failed" and "no heartbeat" in first.error
    assert not page.context["in_progress"] and "The last build failed" in page.content.decode()
    assert not dossiers.build(first.pk)  # a failed build is never taken up again


def test_a_new_build_removes_the_older_zip(project, office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.request_dossier(project, language="fr", actor=office)
    first.refresh_from_db()
    path = first.file.path
    with django_capture_on_commit_callbacks(execute=True):
        second = services.request_dossier(project, language="fr", actor=office)

    first.refresh_from_db(), second.refresh_from_db()
    assert (first.file.name, second.state) == ("", "done")
    assert not os.path.exists(path) and os.path.exists(second.file.path)
