"""Scheduling runs registered for replay (``core.replay``, docs/accountability.md)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from grappe.core.replay import Replayer, register
from grappe.hearings import services
from grappe.hearings.models import SchedulingRun


def register_replayers() -> None:
    register(
        "hearings",
        Replayer(
            label=lambda: _("hearing scheduling run"),
            get=lambda pk: SchedulingRun.objects.select_related("call", "stored_inputs").get(pk=pk),
            stored=lambda run: run.stored_inputs,
            gather=services.schedule_inputs_today,
            recompute=services.schedule_outcome,
            kept=lambda run: run.result,
            compare=services.compare_schedules,
            version=lambda run: run.engine_version,
            call_of=lambda run: run.call,
            all=lambda: list(
                SchedulingRun.objects.filter(stored_inputs__isnull=False).order_by("pk").values_list("pk", flat=True)
            ),
        ),
    )
