"""Sections that apps later in the dependency chain add to an earlier app's pages.

An earlier app may not import a later one, yet the consensus page shows the applicants'
rebuttal, the decision ledger the requests for redress, and the reviewer's review page the
applicants' answer (``grappe.stages``). A provider registers for a page ("consensus" and
"ledger" of selection, "review" of review) and returns, for the user and the page's object, None
or a dict with the "template" to include and its context.
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
