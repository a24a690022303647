"""Affinity and assignment runs registered for replay (``core.replay``, docs/accountability.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from grappe.core.replay import Replayer, register
from grappe.review.models import EngineRun, RunKind, RunState
from grappe.review.services import conflicts, runs


def _get(kind: str):  # type: ignore[no-untyped-def]
    def get(pk: int) -> EngineRun:
        return EngineRun.objects.select_related("call", "inputs").get(pk=pk, kind=kind)

    return get


def _affinity_today(run: EngineRun) -> dict[str, Any]:
    backend = run.parameters.get("backend", "tfidf")
    return runs.affinity_inputs(runs._submitted(run.call), runs._accepted_experts(run.call), backend)


def _assignment_today(run: EngineRun) -> dict[str, Any] | None:
    if "reviews_per_proposal" not in run.parameters:
        return None
    call = run.call
    return runs.assignment_inputs(call, runs._submitted(call), runs._accepted_experts(call), run.parameters, run.seed)


def _assignment_kept(run: EngineRun) -> dict[str, Any]:
    if run.state == RunState.FAILED:
        return {"failed": run.error}
    pairs = run.pairs.values_list("reviewer__code", "proposal__code")
    return {"pairs": sorted([r, p] for r, p in pairs)}


def _recompute_assignment(payload: dict[str, Any]) -> dict[str, Any]:
    return runs.assignment_outcome(payload, runs.assignment_from_inputs(payload))


def _recompute_affinity(payload: dict[str, Any], version: str | None = None) -> dict[str, Any]:
    return runs.affinity_outcome(payload, runs.affinity_from_inputs(payload, engine_version=version).scores)


def register_replayers() -> None:
    common: dict[str, Any] = {
        "stored": lambda run: run.inputs,
        "version": lambda run: run.engine_version,
        "call_of": lambda run: run.call,
    }

    def every(kind: str):  # type: ignore[no-untyped-def]
        return lambda: list(
            EngineRun.objects.filter(kind=kind, inputs__isnull=False).order_by("pk").values_list("pk", flat=True)
        )

    register(
        "affinity",
        Replayer(
            label=lambda: _("affinity run"),
            get=_get(RunKind.AFFINITY),
            gather=_affinity_today,
            recompute=_recompute_affinity,
            recompute_as=_recompute_affinity,
            kept=lambda run: {"scores_digest": run.statistics.get("scores_digest"), "top": run.statistics.get("top")},
            compare=runs.compare_affinity,
            all=every(RunKind.AFFINITY),
            **common,
        ),
    )
    register(
        "assignment",
        Replayer(
            label=lambda: _("assignment run"),
            get=_get(RunKind.ASSIGNMENT),
            gather=_assignment_today,
            recompute=_recompute_assignment,
            kept=_assignment_kept,
            compare=runs.compare_assignment,
            all=every(RunKind.ASSIGNMENT),
            **common,
        ),
    )
    register(
        "conflicts",
        Replayer(
            label=lambda: _("conflict detection"),
            get=_get(RunKind.CONFLICTS),
            gather=lambda run: conflicts.conflict_inputs(run.call),
            recompute=lambda payload: conflicts.conflicts_outcome(conflicts.conflicts_from_inputs(payload)),
            kept=lambda run: {"pairs": run.statistics.get("pairs"), "digest": run.statistics.get("digest")},
            compare=conflicts.compare_conflicts,
            all=every(RunKind.CONFLICTS),
            **common,
        ),
    )
