"""Uploaded files: the size limit enforced while the body arrives, sizes written per language,
and the PDF check.

**Size.** ``LimitedUploadHandler`` is the first of ``FILE_UPLOAD_HANDLERS``. A request whose
``Content-Length`` exceeds the limit (``GRAPPE_MAX_UPLOAD_MB`` plus a small allowance for the other
fields) is refused before any file byte is read; a body without a length (chunked) is cut as soon
as the bytes received pass the limit. Django then stops reading the body
(``StopUpload(connection_reset=True)``): nothing beyond the limit is received or stored. A body of
at most twice the limit is the exception: the refused file's bytes are read past without being
kept (``SkipFile``), so the other fields of the form (answers typed beside the file) arrive and the
page shows them back. The view finds ``request.upload_refused`` and answers with the message (``refuse_cut_upload``
puts it on the form, beside what was typed); the
page also checks the file's size in the browser (``data-max-bytes``, grappe.js) and does not send
the form while a file is too large.
A browser that sends the whole file anyway may show a reset connection instead of the page: the
price of not receiving 200 MB.

**PDF.** A file is taken as a PDF when it starts with ``%PDF-1.x`` or ``%PDF-2.x`` (ISO 32000: the
header is the file's first line; as PDF readers do, up to 4 leading bytes of a byte-order mark or
whitespace are tolerated, nothing else), its last kilobyte holds ``%%EOF``, and pypdf opens it and
counts at least one page. A ``%PDF-`` written inside an HTML comment, or a text file announcing
itself as a PDF, is refused.
"""

from __future__ import annotations

import io
import math
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.utils.formats import number_format
from django.utils.translation import gettext as _

FORM_ALLOWANCE = 256 * 1024  # the other fields of a form posted with a file
PDF_LEADING_BYTES = 4
SKIP_FACTOR = 2  # see LimitedUploadHandler.handle_raw_input


def upload_limit_bytes() -> int:
    return settings.GRAPPE_MAX_UPLOAD_MB * 1024 * 1024


def format_megabytes(size: int, *, nearest: bool = False) -> str:
    """A size in MB for a message, in the active language: "21", "21.5" ("21,5" in French),
    rounded up to the tenth (a file just over the limit never reads as the limit itself), or to
    the nearest tenth (``nearest``: a request's size, a little more than its file's)."""
    tenths = size * 10 / (1024 * 1024)
    value = (math.floor(tenths + 0.5) if nearest else math.ceil(tenths)) / 10
    if value == int(value):
        return number_format(int(value))
    return number_format(value, 1)


def too_large_message(size: int, *, nearest: bool = False) -> str:
    return _("This file is %(size)s MB; the limit is %(limit)s MB.") % {
        "size": format_megabytes(size, nearest=nearest),
        "limit": settings.GRAPPE_MAX_UPLOAD_MB,
    }


def file_input_attrs() -> dict[str, Any]:
    """The attributes of a PDF input that checks the size in the browser before sending (grappe.js)."""
    return {
        "accept": "application/pdf",
        "data-max-bytes": upload_limit_bytes(),
        "data-too-large": too_large_hint(),
    }


def too_large_hint() -> str:
    """What the browser says of a file over the limit, before sending it."""
    return _("This file is larger than %(limit)s MB: it cannot be sent.") % {"limit": settings.GRAPPE_MAX_UPLOAD_MB}


def refuse_cut_upload(request: Any, form: Any, field: str | None = None) -> bool:
    """True when the request's upload was cut while it arrived (too large): the reason, with the
    file's size and the configured limit, becomes an error of ``form`` (on ``field``), which
    keeps the values typed in the fields sent before the file. The view then writes nothing."""
    refused = getattr(request, "upload_refused", None)
    if not refused:
        return False
    form.is_valid()  # the other fields' errors too, and the values typed are shown again
    if field is not None:
        form.errors.pop(field, None)  # "This field is required.": the file was sent, then cut
    form.add_error(field, refused)
    return True


class LimitedUploadHandler(FileUploadHandler):
    """Refuse an upload beyond the limit while it arrives (see the module's docstring)."""

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding: str | None = None
    ) -> None:
        self.limit = upload_limit_bytes() + FORM_ALLOWANCE
        self.received = 0
        # A body up to twice the limit is read to its end (the file's bytes dropped) so that the
        # answers typed beside the file are shown back; a larger one is cut at once.
        self.skippable = bool(content_length) and content_length <= SKIP_FACTOR * self.limit
        if content_length and content_length > self.limit:
            self._refuse(content_length)

    def _refuse(self, size: int) -> None:
        if self.request is not None:
            # The size read is the request's (the file and the form's other fields, a few KB more).
            self.request.upload_refused = too_large_message(size, nearest=True)  # type: ignore[attr-defined]

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        if getattr(self.request, "upload_refused", None):
            if self.skippable:
                raise SkipFile  # its bytes are read past, not kept: the fields after it still arrive
            raise StopUpload(connection_reset=True)
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse(self.received)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def is_pdf(upload: Any) -> bool:
    """True when the file is a PDF by its content, whatever its name says (module docstring)."""
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        head = upload.read(1024)
        start = head.find(b"%PDF-")
        leading = head[:start] if start >= 0 else b""
        if start < 0 or start > PDF_LEADING_BYTES or leading.strip(b"\xef\xbb\xbf \t\r\n\x00") != b"":
            return False
        version = head[start + 5 : start + 8]
        if len(version) < 3 or version[:1] not in b"12" or version[1:2] != b"." or not version[2:3].isdigit():
            return False
        upload.seek(0)
        data = upload.read()
        if b"%%EOF" not in data[-1024:]:
            return False
        return _pypdf_pages(data) > 0
    finally:
        upload.seek(position)


def _pypdf_pages(data: bytes) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return len(PdfReader(io.BytesIO(data), strict=False).pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError):
        return 0
