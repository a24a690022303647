"""Writes shared by every app: the audit trail and optimistic locking."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from grappe.core.models import AuditLog


class ConcurrentEditError(Exception):
    """Someone else saved the object since the form was opened."""

    message = _(
        "Someone else changed this record while you were editing it. "
        "Your changes were not saved: reload the page to see the current version, then redo them."
    )
    # Where the page shows back what was typed (includes/kept.html) beside the saved version.
    kept_message = _(
        "Someone else saved this while you were editing it: nothing of yours was saved, nothing of theirs "
        "was overwritten. The form now shows the saved version; what you typed is below it: copy what "
        "you still need, then save."
    )
    # Where the form is shown again as typed, with the version it was opened at.
    in_form_message = _(
        "Someone else saved this while you were editing it: nothing of yours was saved, nothing of theirs "
        "was overwritten. What you typed is still in the form: copy what you need, reload the page to see "
        "the saved version, then enter it again."
    )


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any]:
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, default=str))


def log_action(obj: models.Model, action: str, *, actor: Any, data: dict[str, Any] | None = None) -> AuditLog:
    """Record ``action`` (dotted, e.g. ``"organisation.updated"``) on ``obj`` by ``actor``.

    ``actor`` is a user or ``None`` for the system (commands, the demo seed). ``data`` is
    stored as JSON (dates, decimals and UUIDs are converted to strings).
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditLog.objects.create(
        actor=user,
        actor_repr=str(user) if user else "system",
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        data=_jsonable(data),
    )


def diff(instance: models.Model, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields of ``changes`` whose value differs from ``instance``: ``{field: [old, new]}``."""
    out: dict[str, list[Any]] = {}
    for name, new in changes.items():
        old = getattr(instance, name)
        if old != new:
            out[name] = [old, new]
    return out


@transaction.atomic
def save_versioned(
    instance: models.Model, changes: dict[str, Any], *, expected_version: int, m2m: Iterable[str] = ()
) -> None:
    """Apply ``changes`` to ``instance`` only if its ``version`` is still ``expected_version``.

    The check and the increment are one UPDATE, so two people saving at once cannot
    overwrite each other: the second gets :class:`ConcurrentEditError` and nothing is saved.
    """
    model = type(instance)
    plain = {k: v for k, v in changes.items() if k not in set(m2m)}
    updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1, **plain
    )
    if updated != 1:
        raise ConcurrentEditError()
    for name, value in changes.items():
        if name in set(m2m):
            getattr(instance, name).set(value)
        else:
            setattr(instance, name, value)
    instance.version = expected_version + 1  # type: ignore[attr-defined]
