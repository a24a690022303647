"""Shortlists that apps later in the dependency chain offer for a call, best first.

The hearings shortlist starts from the call's ranking; on the full-proposal stage of a two-stage
call it starts from the teams invited after the letters of intent (``grappe.stages``), whose full
proposals may still be drafts. Neither app imports the other (they share a layer): a provider
registers here at start-up and returns, for a call, a :class:`Source` or None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    codes: tuple[str, ...]  # proposal codes of the call, best first


Provider = Callable[[Any], Source | None]
_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def sources_for(call: Any) -> list[Source]:
    return [source for source in (provider(call) for provider in _PROVIDERS) if source is not None]
