"""The annual report's PDF (WeasyPrint, charts as SVG) and workbook (openpyxl, through
core/exports.py), both drawn from the stored snapshot only: a past year prints its stored numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from grappe.core.exports import header_row, xlsx_row
from grappe.reporting.charts import target_actual_bars
from grappe.reporting.models import Method, Unit


def _dec(value: str | None) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def rows_of(report: Any) -> list[dict[str, Any]]:
    """The stored figures with their names in the active language and decimals restored."""
    english = (translation.get_language() or "fr").startswith("en")
    units = dict(Unit.choices)
    methods = dict(Method.choices)
    out = []
    for f in report.figures:
        row = dict(f)
        row["name"] = (f["name_en"] if english else f["name_fr"]) or f["name_fr"]
        row["definition"] = (f["definition_en"] if english else f["definition_fr"]) or f["definition_fr"]
        row["unit_label"] = str(units.get(f["unit"], f["unit"]))
        row["method_label"] = str(methods.get(f["method"], f["method"]))
        for key in ("baseline", "target", "target_cumulative", "value", "cumulative", "gap", "gap_cumulative"):
            row[key] = _dec(f.get(key))
        row["counted"] = len(report.records.get(f["code"], {}).get("year", []))
        out.append(row)
    return out


def write_pdf(report: Any, out: IO[bytes]) -> None:
    from weasyprint import HTML

    with translation.override(report.language):
        rows = rows_of(report)
        chart = target_actual_bars(
            [(f"{r['code']} {r['name']}", r["target"], r["value"]) for r in rows],
            target_label=_("Target %(year)s") % {"year": report.year},
            actual_label=_("Actual %(year)s") % {"year": report.year},
            title=_("Actual against target, %(year)s") % {"year": report.year},
        )
        html = render_to_string(
            "reporting/report_pdf.html",
            {
                "report": report,
                "programme": report.programme,
                "rows": rows,
                "chart": chart,
                "computed_at": timezone.localtime(report.computed_at) if report.computed_at else None,
                "language": report.language,
            },
        )
    out.write(HTML(string=html).write_pdf())


HEADERS = [
    gettext_noop("Code"),
    gettext_noop("Indicator"),
    gettext_noop("Definition"),
    gettext_noop("Unit"),
    gettext_noop("How obtained"),
    gettext_noop("Baseline"),
    gettext_noop("Target (year)"),
    gettext_noop("Actual (year)"),
    gettext_noop("Gap (year)"),
    gettext_noop("Target (cumulated)"),
    gettext_noop("Actual (cumulated)"),
    gettext_noop("Gap (cumulated)"),
    gettext_noop("Records counted (year)"),
]


def write_xlsx(report: Any, out: IO[bytes]) -> None:
    """One sheet in the layout of the indicator table, one with the ids of the counted records."""
    from openpyxl import Workbook

    with translation.override(report.language):
        rows = rows_of(report)
        book = Workbook(write_only=True)
        sheet = book.create_sheet(str(_("Indicators %(year)s") % {"year": report.year})[:31])
        sheet.append(xlsx_row(sheet, [report.programme.name, report.programme.funders, report.year]))
        header_row(sheet, [_(h) for h in HEADERS])
        for r in rows:
            sheet.append(
                xlsx_row(
                    sheet,
                    [
                        r["code"],
                        r["name"],
                        r["definition"],
                        r["unit_label"],
                        r["method_label"],
                        r["baseline"],
                        r["target"],
                        r["value"],
                        r["gap"],
                        r["target_cumulative"],
                        r["cumulative"],
                        r["gap_cumulative"],
                        r["counted"],
                    ],
                )
            )
        ids = book.create_sheet(str(_("Counted records"))[:31])
        header_row(ids, [_("Code"), _("Record id")])
        for code, periods in report.records.items():
            for value in periods.get("year", []):
                ids.append([code, value])
        book.save(out)
