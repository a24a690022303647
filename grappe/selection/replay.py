"""Portfolio runs registered for replay (``core.replay``, docs/accountability.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from grappe.core.replay import Replayer, register
from grappe.selection import services
from grappe.selection.models import PortfolioRun


def _kept(run: PortfolioRun) -> dict[str, Any]:
    if run.error:
        return {"error": run.error}
    return {"funded": {code: float(amount) for code, amount in (run.result.get("funded") or {}).items()}}


def _today(run: PortfolioRun) -> dict[str, Any] | None:
    if "budget" not in run.parameters:
        return None
    return services.portfolio_inputs(run.call, run.parameters)


def register_replayers() -> None:
    register(
        "portfolio",
        Replayer(
            label=lambda: _("portfolio run"),
            get=lambda pk: PortfolioRun.objects.select_related("call", "inputs").get(pk=pk),
            stored=lambda run: run.inputs,
            gather=_today,
            recompute=services.portfolio_outcome,
            kept=_kept,
            compare=services.compare_portfolio,
            version=lambda run: run.engine_version,
            call_of=lambda run: run.call,
            all=lambda: list(
                PortfolioRun.objects.filter(inputs__isnull=False).order_by("pk").values_list("pk", flat=True)
            ),
        ),
    )
