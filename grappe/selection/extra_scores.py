"""Scores from outside the written evaluation that enter a call's ranking (the hearings' scores).

An app above selection registers a provider at start-up (``AppConfig.ready``); the ranking asks
each provider, once per ranking, for the call's proposals. A provider returns, per proposal id,
an :class:`ExtraScore`: the score (on the scale of the weighted total) and how it combines with
the written evaluation's score. Selection never imports the provider's app (the layers forbid it).
The provider must invalidate the ranking (``ranking_store.invalidate``) when what it reads changes.
See docs/decisions/0015-hearing-scores-in-the-ranking.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MODES = ("replace", "average", "add")


@dataclass(frozen=True)
class ExtraScore:
    score: Decimal
    mode: str  # one of MODES
    label: str = ""


Provider = Callable[[Any, list[int]], dict[int, ExtraScore]]
_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def collect(call: Any, proposal_ids: list[int]) -> dict[int, ExtraScore]:
    found: dict[int, ExtraScore] = {}
    for provider in _PROVIDERS:
        found.update(provider(call, proposal_ids))
    return found


def combine(written: Decimal | None, extra: ExtraScore) -> Decimal | None:
    """The score ranked on: the extra score replaces, is averaged with, or added to the written one."""
    if extra.mode == "replace" or (written is None and extra.mode != "add"):
        return extra.score
    if written is None:
        return None
    if extra.mode == "average":
        return ((written + extra.score) / 2).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if extra.mode == "add":
        return written + extra.score
    return written
