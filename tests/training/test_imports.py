"""Bulk import of enrolments: mapping, per-row errors, idempotent apply, hostile files."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grappe.training.models import Enrolment, EnrolmentImport, ImportState, LearnerProfile
from tests.training.conftest import xlsx

HEADER = ["Email", "Prénom", "Nom", "Programme", "Institution", "Date", "Heures", "Genre"]


def _upload(client, name, content):
    response = client.post("/office/training/imports/", {"sheet": SimpleUploadedFile(name, content)})
    return response, EnrolmentImport.objects.order_by("-id").first()


def _check_and_apply(client, record, mapping=None):
    mapping = mapping or {k: str(v) for k, v in record.mapping.items()}
    client.post(f"/office/training/imports/{record.code}/", {"action": "map", **mapping})
    record.refresh_from_db()
    summary = record.summary
    client.post(f"/office/training/imports/{record.code}/", {"action": "apply"})
    record.refresh_from_db()
    return summary, record


def test_rows_checked_then_applied_once(client, office, programme, university):
    client.force_login(office)
    rows = [
        HEADER,
        ["a@example.org", "Ada", "L", programme.code, "UE", "15/09/2025", "24", "F"],
        ["b@example.org", "Bob", "M", programme.title, "Université Exemple", "2025-10-01", "3", ""],
        ["c@example.org", "Cy", "N", programme.code, "UE", 45930, "", "M"],  # Excel serial: 2025-09-30
        ["a@example.org", "Ada", "L", programme.code, "UE", "20/09/2025", "24", "F"],  # duplicate of row 2
        ["d@example.org", "Di", "O", programme.code, "Nowhere U", "01/10/2025", "", ""],
        ["e@example.org", "Ed", "", "NOPE", "UE", "31/02/2025", "x", "?"],
    ]
    content = xlsx(rows)

    _, record = _upload(client, "enrolments.xlsx", content)
    summary, record = _check_and_apply(client, record)

    assert record.mapping == {
        "email": 0,
        "first_name": 1,
        "last_name": 2,
        "programme": 3,
        "institution": 4,
        "enrolled_on": 5,
        "hours": 6,
        "gender": 7,
    }
    assert (summary["rows"], summary["new"], summary["errors"]) == (6, 3, 3)
    errors = {n: " ".join(e) for n, e in summary["error_rows"]}
    assert "Duplicate of row 2" in errors[5]
    assert "Unknown institution" in errors[6]
    assert all(
        text in errors[7]
        for text in ("Last name is empty", "Unknown programme", "not a date", "not a number of hours", "not a gender")
    )
    assert record.state == ImportState.APPLIED
    assert sorted(Enrolment.objects.values_list("enrolled_on", flat=True))[0].isoformat() == "2025-09-15"
    assert Enrolment.objects.filter(outcome="trained").count() == 1
    assert LearnerProfile.objects.count() == 2

    _, again = _upload(client, "enrolments.xlsx", content)
    summary_again, _ = _check_and_apply(client, again)

    assert (summary_again["new"], summary_again["existing"]) == (0, 3)
    assert Enrolment.objects.count() == 3


def test_missing_required_column_is_a_form_error(client, office, programme):
    client.force_login(office)
    _, record = _upload(client, "e.csv", b"Email;Nom\na@example.org;L\n")

    response = client.post(
        f"/office/training/imports/{record.code}/", {"action": "map", "email": "0", "last_name": "1"}
    )

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert EnrolmentImport.objects.get().state == ImportState.UPLOADED


def test_zip_bomb_and_plain_zip_and_garbage_refused(client, office):
    client.force_login(office)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("xl/workbook.xml", b"\x00" * (50 * 1024 * 1024))
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("hello.txt", "hi")

    answers = [
        _upload(client, "bomb.xlsx", bomb.getvalue())[0].content.decode(),
        _upload(client, "plain.xlsx", plain.getvalue())[0].content.decode(),
        _upload(client, "photo.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00")[0].content.decode(),
    ]

    assert "packed suspiciously tight" in answers[0]
    assert "not an Excel workbook" in answers[1]
    assert "not a spreadsheet" in answers[2]
    assert EnrolmentImport.objects.count() == 0


@pytest.mark.parametrize("persona", ["applicant", "partner_contact", "board"])
def test_import_denied(as_persona, persona):
    assert as_persona(persona).get("/office/training/imports/").status_code == 404


@pytest.mark.parametrize("address", ["bar", "a@bar", "a b@example.org", "@example.org"])
def test_a_row_without_a_valid_address_is_an_error(client, office, programme, university, address):
    client.force_login(office)
    content = xlsx([HEADER, [address, "Ada", "L", programme.code, "UE", "15/09/2025", "24", "F"]])

    _, record = _upload(client, "enrolments.xlsx", content)
    summary, record = _check_and_apply(client, record)

    assert summary["errors"] == 1
    assert "is not an email address" in " ".join(summary["error_rows"][0][1])
    assert not Enrolment.objects.exists()
