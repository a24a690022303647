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

from django.utils.translation import gettext as _

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
    """The score ranked on: the extra score replaces, is averaged with, or added to the written one.
    Both come unrounded; the result is rounded to the hundredth once, at the end."""
    if extra.mode == "replace" or (written is None and extra.mode != "add"):
        combined = extra.score
    elif written is None:
        return None
    elif extra.mode == "average":
        combined = (written + extra.score) / 2
    elif extra.mode == "add":
        combined = written + extra.score
    else:
        combined = written
    return combined.quantize(Decimal("0.01"), ROUND_HALF_UP)


def explain(written: Decimal | None, extra: ExtraScore) -> str:
    """How the score ranked on was made, in the active language, e.g. "average of the written
    evaluation (13,50) and the hearing (15,00)": shown wherever that score is (ranking, decision
    page, chain of records, the team's summary), so a hearing that counted is never silent."""
    from grappe.core.display import show_score

    parts = {
        "written": show_score(written, 2),
        "label": extra.label or _("other score"),
        "extra": show_score(extra.score, 2),
    }
    if extra.mode == "replace" or (written is None and extra.mode != "add"):
        if written is None:
            return _("the %(label)s's score (%(extra)s); no written evaluation score") % parts
        return _("the %(label)s's score (%(extra)s), which replaces the written evaluation's (%(written)s)") % parts
    if written is None:
        return _("no written evaluation score: the %(label)s's (%(extra)s) is not added to anything") % parts
    if extra.mode == "average":
        return _("average of the written evaluation (%(written)s) and the %(label)s (%(extra)s)") % parts
    if extra.mode == "add":
        return _("written evaluation (%(written)s) + %(label)s (%(extra)s)") % parts
    return ""
