"""The office's settings of a programme for its projects: reminder offsets, report templates
(and, through ``funding``, the spending tolerances and the reallocation threshold). One row per
programme, created on the first save; defaults apply while there is none."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from grappe.core.services import ConcurrentEditError, log_action
from grappe.programmes.models import Programme


def current_version(model: type[models.Model], programme: Programme) -> int:
    """The version the form reads: the row's, or 1 while the programme uses the defaults."""
    row = model._default_manager.filter(programme=programme).only("version").first()
    return row.version if row is not None else 1  # type: ignore[attr-defined]


@transaction.atomic
def save_programme_rules(
    model: type[models.Model], programme: Programme, values: dict[str, Any], *, expected_version: int, actor: Any
) -> models.Model:
    """Create or change ``programme``'s row of ``model`` (ReminderRules, ReportTemplate,
    FundingRules). The programme row is locked, so two first saves cannot both create one; a
    stale version is refused with nothing saved."""
    Programme.objects.select_for_update().get(pk=programme.pk)
    row = model._default_manager.filter(programme=programme).first()
    version = row.version if row is not None else 1  # type: ignore[attr-defined]
    if version != expected_version:
        raise ConcurrentEditError()
    before = {k: getattr(row, k) for k in values} if row is not None else {}
    if row is None:
        row = model(programme=programme)
    for name, value in values.items():
        setattr(row, name, value)
    row.version = version + 1  # type: ignore[attr-defined]
    row.save()
    log_action(
        programme,
        f"programme.{model._meta.model_name}_saved",
        actor=actor,
        data={"before": {k: str(v) for k, v in before.items()}, "after": {k: str(v) for k, v in values.items()}},
    )
    return row
