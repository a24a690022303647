# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""Uploads: the size limit while the body arrives, sizes per language, the PDF check; and the
other small defects of issue 10 (waiver justification, closed countdown)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from grappe.core.uploads import format_megabytes, is_pdf
from grappe.review.models import Conflict, ConflictOrigin
from grappe.submissions.models import Answer
from tests.factories import CallFactory
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures
from tests.submissions.conftest import PDF, call, document_question, draft, impact_question  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, True),
        (b"<html><!-- %PDF-1.7 --><script>alert(1)</script></html>", False),
        (b"<!-- " + PDF + b" -->", False),
        (b"%PDF-1.4\nnot really a PDF\n%%EOF\n", False),
        (b"MZ\x90\x00" + PDF, False),
        (PDF[:300], False),
    ],
)
def test_a_pdf_is_recognised_by_its_header_and_structure(content, expected):
    assert is_pdf(io.BytesIO(content)) is expected


@pytest.mark.parametrize(
    ("size", "english", "french"),
    [(21 * 1024 * 1024, "21", "21"), (int(21.5 * 1024 * 1024), "21.5", "21,5"), (1024 * 1024 + 1, "1.1", "1,1")],
)
def test_sizes_are_written_per_language(size, english, french):
    with translation.override("en"):
        in_english = format_megabytes(size)
    with translation.override("fr"):
        in_french = format_megabytes(size)

    assert (in_english, in_french) == (english, french)


def test_the_french_size_message_has_no_dot_zero(as_persona, draft, document_question, settings):
    settings.GRAPPE_MAX_UPLOAD_MB = 1
    client = as_persona("applicant")
    client.cookies["django_language"] = "fr"
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024), content_type="application/pdf")

    response = client.post(
        reverse("submissions:answers", args=[draft.code]),
        {"version": "1", f"q{document_question.pk}": big},
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.context["answers_form"].errors[f"q{document_question.pk}"] == [
        "Ce fichier fait 1,1 Mo ; la limite est de 1 Mo."
    ]


class _CountingStream(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.received = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.received += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.received += len(line)
        return line


def test_an_upload_beyond_the_limit_is_refused_before_its_file_is_read(settings):
    settings.GRAPPE_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.pdf", b"0" * (6 * 1024 * 1024), content_type="application/pdf")
    request = RequestFactory().post("/", {"version": "1", "doc": big})
    body = request.environ["wsgi.input"].read() if hasattr(request.environ["wsgi.input"], "read") else b""
    stream = _CountingStream(body)
    request.environ["wsgi.input"] = stream
    request._stream = stream

    files = request.FILES

    assert dict(files) == {}
    assert stream.received < 1024 * 1024
    assert request.upload_refused == "This file is 6 MB; the limit is 1 MB."  # the request, to the nearest tenth


def test_a_refused_upload_saves_nothing_and_says_why(as_persona, draft, document_question, settings):
    settings.GRAPPE_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (3 * 1024 * 1024), content_type="application/pdf")

    response = as_persona("applicant").post(
        reverse("submissions:answers", args=[draft.code]),
        {"version": "1", f"q{document_question.pk}": big},
        follow=True,
    )

    assert response.status_code == 413
    assert "This file is 3 MB; the limit is 1 MB." in response.context["conflict"]["message"]
    assert not Answer.objects.filter(proposal=draft).exists()


def test_a_refused_upload_shows_back_the_answers_typed_beside_it(
    as_persona, draft, document_question, impact_question, settings
):
    """A 21 MB PDF against a 20 MB limit: the text answer typed beside it (before or after the file
    in the form) comes back in the form, and the page asks for the file again."""
    settings.GRAPPE_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (2 * 1024 * 1024), content_type="application/pdf")

    response = as_persona("applicant").post(
        reverse("submissions:answers", args=[draft.code]),
        {"version": "1", f"q{document_question.pk}": big, f"q{impact_question.pk}": "Typed beside the file"},
    )

    assert response.status_code == 413
    assert not Answer.objects.filter(proposal=draft).exists()
    assert response.context["answers_form"][f"q{impact_question.pk}"].value() == "Typed beside the file"
    page = response.content.decode()
    assert "Typed beside the file" in page
    assert "This file is 2 MB; the limit is 1 MB." in page and "Choose the file again" in page


@pytest.mark.parametrize(
    ("justification", "message"),
    [
        ("x" * 1_000_000, "Justification: Ensure this value has at most 2000 characters (it has 1000000)."),
        (
            "Same lab\x00 but no joint work",
            "Justification: This text contains invisible control characters (such as NUL): remove them.",
        ),
    ],
)
def test_a_waiver_justification_is_validated(as_persona, review_call, proposals, pool, justification, message):
    conflict = Conflict.objects.create(
        call=review_call, reviewer=pool[0].person, proposal=proposals[0], origin=ConflictOrigin.COMPUTED, reasons=["x"]
    )

    response = as_persona("office").post(
        reverse("review:waive", args=[review_call.code, conflict.pk]), {"justification": justification}, follow=True
    )

    conflict.refresh_from_db()
    assert [str(m) for m in response.context["messages"]] == [message]
    assert (conflict.waived, conflict.waiver_justification) == (False, "")


def test_a_closed_call_says_closed_not_zero_minutes_left(client, db):
    from datetime import timedelta

    from django.utils import timezone

    closed = CallFactory(state="published", closes_at=timezone.now() - timedelta(hours=1))

    page = client.get(reverse("calls:detail", args=[closed.code])).content.decode()

    assert "countdown-closed" in page
    assert "0 minutes left" not in page
