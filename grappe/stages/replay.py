"""Stage-2 recommendations registered for replay (``core.replay``, docs/accountability.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from grappe.core.replay import Replayer, register
from grappe.stages import services
from grappe.stages.models import ShortlistRun


def _today(run: ShortlistRun) -> dict[str, Any]:
    return services.shortlist_payload(run.link)


def register_replayers() -> None:
    register(
        "shortlist",
        Replayer(
            label=lambda: _("stage-2 recommendation"),
            get=lambda pk: ShortlistRun.objects.select_related("link__stage1", "link__stage2", "stored_inputs").get(
                pk=pk
            ),
            stored=lambda run: run.stored_inputs,
            gather=_today,
            recompute=services.shortlist_outcome,
            kept=lambda run: run.result,
            compare=services.compare_shortlists,
            version=lambda run: run.version,
            call_of=lambda run: run.link.stage1,
            all=lambda: list(
                ShortlistRun.objects.filter(stored_inputs__isnull=False).order_by("pk").values_list("pk", flat=True)
            ),
        ),
    )
