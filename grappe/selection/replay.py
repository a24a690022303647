"""Portfolio runs registered for replay (``core.replay``, docs/accountability.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from grappe.core.replay import Replayer, register
from grappe.selection import ranking_runs, services
from grappe.selection.models import PortfolioRun, RankingRun


def _kept(run: PortfolioRun) -> dict[str, Any]:
    if run.error:
        return {"error": run.error}
    return {"funded": {code: float(amount) for code, amount in (run.result.get("funded") or {}).items()}}


def _today(run: PortfolioRun) -> dict[str, Any] | None:
    if "budget" not in run.parameters:
        return None
    return services.portfolio_inputs(run.call, run.parameters)


def _ranking_today(run: RankingRun) -> dict[str, Any]:
    items = sorted(services.ranking(run.call, record=False), key=lambda row: row.proposal.code)
    return ranking_runs.ranking_inputs(items, services.criteria_of(run.call), run.parameters.get("rules", []))


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
    register(
        "ranking",
        Replayer(
            label=lambda: _("ranking and calibration"),
            get=lambda pk: RankingRun.objects.select_related("call", "inputs").get(pk=pk),
            stored=lambda run: run.inputs,
            gather=_ranking_today,
            recompute=ranking_runs.ranking_outcome,
            kept=lambda run: run.result,
            compare=ranking_runs.compare_ranking,
            version=lambda run: run.engine_version,
            call_of=lambda run: run.call,
            all=lambda: list(
                RankingRun.objects.filter(inputs__isnull=False).order_by("pk").values_list("pk", flat=True)
            ),
        ),
    )
