"""Refusals that apps later in the dependency chain add to an earlier app's action.

An earlier app may not import a later one (docs/architecture.md), yet a later app sometimes
restricts an earlier one's action: a call's second stage takes proposals only from the teams
invited after the first (``grappe.stages``). The earlier app asks ``refusal(name, ...)`` before
acting; each registered guard returns ``None`` (no objection) or the translated reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Guard = Callable[..., str | None]
_guards: dict[str, list[Guard]] = {}


def register(name: str, guard: Guard) -> Guard:
    """Add ``guard`` to the action ``name`` (once; in the app's ``AppConfig.ready``)."""
    guards = _guards.setdefault(name, [])
    if guard not in guards:
        guards.append(guard)
    return guard


def refusal(name: str, *args: Any, **kwargs: Any) -> str | None:
    """The first registered guard's reason to refuse the action, or None."""
    for guard in _guards.get(name, []):
        reason = guard(*args, **kwargs)
        if reason:
            return reason
    return None
