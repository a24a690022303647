"""Sections that apps later in the dependency chain add to selection's pages.

Like ``submissions/sections.py``: ``selection`` may not import a later app, yet the consensus page
shows the applicants' rebuttal and the decision ledger the requests for redress
(``grappe.stages``). A provider registers for a page ("consensus": gets the user and the
proposal; "ledger": the user and the call) and returns None or a dict with the "template" to
include and its context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Provider = Callable[[Any, Any], dict[str, Any] | None]
_providers: dict[str, list[Provider]] = {}


def register(page: str, provider: Provider) -> Provider:
    providers = _providers.setdefault(page, [])
    if provider not in providers:
        providers.append(provider)
    return provider


def sections_for(page: str, user: Any, obj: Any) -> list[dict[str, Any]]:
    return [s for s in (provider(user, obj) for provider in _providers.get(page, [])) if s]
