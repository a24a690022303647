"""Indicators (an annual report's snapshot) registered for replay (``core.replay``,
docs/accountability.md): the figures recomputed from the records and values the snapshot stored."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from grappe.core.replay import Replayer, register
from grappe.reporting import queries
from grappe.reporting.models import AnnualReport


def _recompute(payload: dict[str, Any]) -> dict[str, Any]:
    figures, records = queries.figures_from_inputs(payload)
    return {"figures": figures, "records": records}


def _today(report: AnnualReport) -> dict[str, Any] | None:
    if report.computed_at is None:
        return None
    return queries.snapshot_inputs(report.programme, report.year, as_of=report.computed_at)


def register_replayers() -> None:
    register(
        "indicators",
        Replayer(
            label=lambda: _("annual report's indicators"),
            get=lambda pk: AnnualReport.objects.select_related("programme", "inputs").get(pk=pk),
            stored=lambda report: report.inputs,
            gather=_today,
            recompute=_recompute,
            kept=lambda report: {"figures": report.figures, "records": report.records},
            compare=queries.compare_figures,
            version=lambda report: report.engine_version,
            call_of=lambda report: report.programme,
            all=lambda: list(
                AnnualReport.objects.filter(inputs__isnull=False).order_by("pk").values_list("pk", flat=True)
            ),
        ),
    )
