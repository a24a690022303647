"""Labels and value wordings of a matchmaking run's stored parameters and statistics (the challenge
page's "Engine run" fold-out), shown through the ``grappe`` template tags (grappe/core/display.py).
The engine's own parameters (backend, aggregation, terms…) are labelled by review's labels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from grappe.core.display import register_formatter, register_labels, register_values, show_number
from grappe.engine.bridge import BRIDGE_VERSION

LABELS = {
    "phrases": _("phrases"),
    "french": _("French texts"),
    "kept": _("suggestions kept per list"),
    "opted_in_only": _("only people who agreed to be suggested"),
    "academic_only": _("academic researchers only"),
    "researchers": _("researchers compared"),
    "teams": _("teams compared"),
    "challenges": _("challenges compared"),
    "partners": _("partners compared"),
    "seconds": _("time taken"),
}

# The steps of a run or an index build, as ``statistics["seconds"]`` names them.
STEPS = {
    "load": _("reading the profiles and indexes"),
    "engine": _("matching"),
    "build": _("building the index"),
}

VALUES = {
    "phrases": {"within a title, an abstract or a keyword": _("within a title, an abstract or a keyword")},
    "french": {
        f"brought into English terms ({BRIDGE_VERSION} table, cognate endings)": _(
            "brought into English terms (French–English table and cognate word endings)"
        )
    },
}


def seconds(value: Any) -> str:
    """``{"load": 0.137, "engine": 0.05}`` → "reading the profiles and indexes 0.137 s, matching
    0.05 s", numbers in the reader's language ("0,137 s" in French)."""
    if not isinstance(value, Mapping):
        return _("%(n)s s") % {"n": show_number(value)} if isinstance(value, int | float) else str(value)
    return ", ".join(
        _("%(step)s: %(n)s s") % {"step": STEPS.get(step, step), "n": show_number(float(n))}
        for step, n in value.items()
    )


def register() -> None:
    register_labels(LABELS)
    for key, values in VALUES.items():
        register_values(key, values)
    register_formatter("seconds", seconds)
