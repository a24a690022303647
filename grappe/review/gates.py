"""What an expert must do before reading a call's proposals, beyond confirming each assignment.

An app above review registers a gate at start-up: ``gate(person_id, call_id)`` returns ``None``
when the expert may read, else the URL where they do what is missing (the hearings app: sign the
call's confidentiality and no-conflict declaration). Review never imports that app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

Gate = Callable[[int, int], str | None]
_GATES: list[Gate] = []


def register(gate: Gate) -> None:
    if gate not in _GATES:
        _GATES.append(gate)


def blocked(person_id: int | None, call_id: int) -> str | None:
    """Where the expert must go first, or None when nothing stops them from reading."""
    if person_id is None:
        return None
    for gate in _GATES:
        url = gate(person_id, call_id)
        if url:
            return url
    return None


def back_after(url: str, request: Any) -> str:
    """The gate's URL with ``next=`` the page asked for, where the expert returns once done."""
    return f"{url}?{urlencode({'next': request.get_full_path()})}"
