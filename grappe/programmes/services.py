"""Writes about programmes (funding envelopes)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.money import format_money
from grappe.core.services import diff, log_action, save_versioned
from grappe.programmes.models import ANR_COST_CATEGORIES, CostCategory, Programme


class EnvelopeExceeded(Exception):
    """A reservation would go beyond what is left of the envelope; ``str()`` is translated."""


def ensure_anr_categories() -> list[CostCategory]:
    """The five ANR cost categories, created on first use."""
    out = []
    for position, (code, fr, en) in enumerate(ANR_COST_CATEGORIES):
        category, _created = CostCategory.objects.get_or_create(
            code=code, defaults={"label_fr": fr, "label_en": en, "position": position}
        )
        out.append(category)
    return out


def reserved(programme: Programme, *, exclude_call_id: int | None = None) -> Decimal:
    """What the programme's calls have reserved (the sum of their budgets)."""
    calls = programme.calls.all()
    if exclude_call_id is not None:
        calls = calls.exclude(pk=exclude_call_id)
    return calls.aggregate(total=Sum("budget"))["total"] or Decimal("0")


def check_reservation(programme: Programme, amount: Decimal, *, exclude_call_id: int | None = None) -> None:
    """Raise :class:`EnvelopeExceeded` if reserving ``amount`` more would exceed the envelope.

    Call it inside a transaction after locking the programme row (``select_for_update``) so
    that two calls saved at once cannot both take the last euros.
    """
    left = programme.total_amount - reserved(programme, exclude_call_id=exclude_call_id)
    if amount > left:
        raise EnvelopeExceeded(
            _("This budget (%(amount)s) is more than what is left of the programme's envelope (%(left)s).")
            % {"amount": format_money(amount), "left": format_money(left)}
        )


@transaction.atomic
def create_programme(*, actor: Any, cost_categories: list[CostCategory] | None = None, **fields: Any) -> Programme:
    programme = Programme.objects.create(**fields)
    programme.cost_categories.set(cost_categories or ensure_anr_categories())
    log_action(programme, "programme.created", actor=actor, data={"fields": {k: str(v) for k, v in fields.items()}})
    return programme


@transaction.atomic
def update_programme(
    programme: Programme,
    *,
    actor: Any,
    changes: dict[str, Any],
    expected_version: int,
    cost_categories: list[CostCategory] | None = None,
) -> dict[str, list[Any]]:
    """Save ``changes``; the total may not drop below what calls have already reserved."""
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    total = changes.get("total_amount", locked.total_amount)
    already = reserved(locked)
    if total < already:
        raise EnvelopeExceeded(
            _("The calls of this programme already reserve %(reserved)s: the total cannot be less.")
            % {"reserved": format_money(already)}
        )
    changed = diff(programme, changes)
    m2m = []
    if cost_categories is not None:
        old = sorted(c.code for c in programme.cost_categories.all())
        new = sorted(c.code for c in cost_categories)
        if old != new:
            changed["cost_categories"] = [old, new]
            changes = {**changes, "cost_categories": cost_categories}
            m2m.append("cost_categories")
    if changed:
        save_versioned(programme, {**changes, "updated_at": timezone.now()}, expected_version=expected_version, m2m=m2m)
        log_action(programme, "programme.updated", actor=actor, data={"changed": changed})
    return changed
