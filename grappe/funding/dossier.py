"""The audit dossier of a project: one zip with the grant record and amendments, signed
documents, expense statements with their evidence, reports and payments, as PDFs (WeasyPrint),
plus a spreadsheet index of every file."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from typing import IO, Any

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from grappe.core.exports import header_row, xlsx_row
from grappe.funding.models import ExpenseStatement, StatementState
from grappe.projects.models import Grant, Project, ReportState


def _pdf(part: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string("funding/dossier_pdf.html", {"part": part, **context})
    return bytes(HTML(string=html).write_pdf())


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)[:120] or "file"


def _euros(amount: Any) -> str:
    return formats.number_format(amount, 2, use_l10n=True, force_grouping=True) + "\u00a0€"


def to_file(project: Project, *, language: str = "fr") -> IO[bytes]:
    """The zip in a temporary file (on disk past 8 MB), rewound (the bench measures this; the
    task worker calls :func:`write` into its own temporary file, ``services.dossiers.build``)."""
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    write(project, out, language=language)
    out.seek(0)
    return out  # type: ignore[return-value]


def write(project: Project, out: IO[bytes], *, language: str = "fr") -> None:
    """Write the zip into ``out``. Stored files are copied in chunks, PDFs rendered one at a
    time in ``language``: memory stays at one PDF, whatever the number of files. Drafts (a statement
    or a report not handed in) are the team's work in progress, not a record: they stay out."""
    grant = Grant.objects.select_related("managing_institution").get(project=project)
    index: list[tuple[str, str, str]] = []  # path, what, details
    with translation.override(language), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        base = {"project": project, "grant": grant, "now": timezone.now()}

        def add(path: str, data: bytes, what: str, details: str = "") -> None:
            archive.writestr(path, data)
            index.append((path, what, details))

        def copy(path: str, stored: Any, what: str, details: str = "") -> None:
            with stored.open("rb") as handle, archive.open(path, "w", force_zip64=True) as target:
                shutil.copyfileobj(handle, target, 1024 * 1024)
            index.append((path, what, details))

        amendments = list(grant.amendments.select_related("document"))
        add("01-grant.pdf", _pdf("grant", base | {"amendments": amendments}), _("grant record and amendments"))
        for doc in grant.documents.all():
            copy(f"02-signed-documents/{doc.pk}-{_safe(doc.file_name)}", doc.file, _("signed document"), doc.title)
        statements = list(
            ExpenseStatement.objects.filter(project=project)
            .exclude(state=StatementState.DRAFT)
            .select_related("beneficiary")
            .prefetch_related("lines__category", "evidence")
        )
        for s in statements:
            who = _safe(s.beneficiary.short_name or s.beneficiary.name)
            folder = f"03-statements/{s.period_start:%Y%m%d}-{who}-{s.code}"
            add(
                f"{folder}/statement.pdf",
                _pdf("statement", base | {"statement": s}),
                _("expense statement"),
                f"{s.get_state_display()}, {_euros(s.total)}",
            )
            for e in s.evidence.all():
                copy(f"{folder}/evidence/{e.pk}-{_safe(e.file_name)}", e.file, _("evidence"), s.code)
        for r in project.reports.exclude(state=ReportState.DRAFT):
            answers = [(section, r.answers.get(str(i), "")) for i, section in enumerate(r.sections)]
            add(
                f"04-reports/{r.due_date:%Y%m%d}-{r.code}.pdf",
                _pdf("report", base | {"report": r, "answers": answers}),
                _("report"),
                r.get_state_display(),
            )
        instalments = list(project.instalments.all())
        add("05-payments.pdf", _pdf("payments", base | {"instalments": instalments}), _("payments"))
        workbook = Workbook(write_only=True)
        files = workbook.create_sheet(_("Files"))
        header_row(files, [_("path"), _("what"), _("details")])
        for row in index:
            files.append(xlsx_row(files, row))
        money = workbook.create_sheet(_("Statements"))
        header_row(
            money, [_("code"), _("beneficiary"), _("period start"), _("period end"), _("state"), _("total (EUR)")]
        )
        for s in statements:
            money.append(
                xlsx_row(
                    money, [s.code, s.beneficiary.name, s.period_start, s.period_end, s.get_state_display(), s.total]
                )
            )
        paid = workbook.create_sheet(_("Payments"))
        header_row(paid, [_("kind"), _("amount (EUR)"), _("condition"), _("due"), _("paid on")])
        for i in instalments:
            paid.append(
                xlsx_row(paid, [i.get_kind_display(), i.amount, i.get_trigger_display(), i.due_date, i.paid_on])
            )
        buffer = io.BytesIO()
        workbook.save(buffer)
        archive.writestr("00-index.xlsx", buffer.getvalue())
