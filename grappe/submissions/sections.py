"""Sections that apps later in the dependency chain add to the proposal page.

``submissions`` may not import ``selection`` (core <- … <- submissions <- review <- selection), yet
the team must read its decision on the proposal page. Such an app registers a provider here
(in its ``AppConfig.ready``); the page renders what each provider returns for the user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# A provider gets (user, proposal) and returns None (nothing to show) or a dict with the
# "template" to include and the context it needs.
Provider = Callable[[Any, Any], dict[str, Any] | None]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def sections_for(user: Any, proposal: Any) -> list[dict[str, Any]]:
    return [section for section in (provider(user, proposal) for provider in _providers) if section]
