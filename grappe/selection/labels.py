"""Portfolio parameters, constraints and results in words: names instead of codes, themes by
their label, money and numbers formatted for the language (grappe/core/display.py)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core.display import (
    register_help,
    register_labels,
    register_list_keys,
    register_values,
    show_number,
    show_value,
    with_colon,
)
from grappe.core.money import format_money
from grappe.people.models import Organisation

LABELS = {
    "budget": gettext_lazy("budget"),
    "theme_min": gettext_lazy("at least, per theme"),
    "theme_max": gettext_lazy("at most, per theme"),
    "max_per_lead": gettext_lazy("at most, per lead institution"),
    "min_cofunding_ratio": gettext_lazy("minimum co-funding ratio"),
    "must_fund": gettext_lazy("must fund"),
    "must_exclude": gettext_lazy("must exclude"),
    "min_rate": gettext_lazy("minimum share of a request when funded in part"),
    "weight_by_cost": gettext_lazy("quality weighed by the size of the request"),
    "error": gettext_lazy("error"),
    "funding_decisions": gettext_lazy("funding decisions taken before the run"),
    "committed": gettext_lazy("already committed, deducted from the call's budget"),
    "already_funded": gettext_lazy("already funded (not candidates)"),
    "declined": gettext_lazy("declined by their teams (not candidates)"),
}

HELP = {
    "binding": gettext_lazy(
        "A constraint is binding when it stops the portfolio from being better: loosen it and the total quality "
        "could rise. The others leave room."
    ),
    "calibration": gettext_lazy(
        "Calibration corrects each reviewer's habits (a severe or lenient marker) by comparing their scores with "
        "the other reviewers' on the same proposals; the calibrated score is what the panel would give on average."
    ),
    "constraint_cost": gettext_lazy(
        "The quality the portfolio would gain if this constraint were dropped: 0 means it costs nothing."
    ),
    "baseline": gettext_lazy(
        "The ranked list funded from the top until the budget runs out, ignoring the other constraints."
    ),
}


def register() -> None:
    register_labels(LABELS)
    register_help(HELP)
    register_list_keys("must_fund", "must_exclude", "binding", "already_funded", "declined")
    register_values(
        "funding_decisions",
        {"deducted": gettext_lazy("their proposals left out, their amounts deducted from the budget")},
    )


class Explainer:
    """Words for one call's portfolio runs: theme labels and lead organisations by name."""

    def __init__(self, themes: Mapping[str, str], leads: Mapping[str, str]) -> None:
        self.themes, self.leads = themes, leads

    @classmethod
    def for_runs(cls, runs: list[Any], themes: Mapping[str, str]) -> Explainer:
        codes = {
            name.partition(":")[2]
            for run in runs
            if run is not None
            for name in (run.result or {}).get("binding", [])
            if name.startswith("max_per_lead:")
        }
        leads = dict(Organisation.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
        return cls(themes, leads)

    def theme(self, key: str) -> str:
        return self.themes.get(str(key), str(key))

    def constraint(self, name: str, parameters: Mapping[str, Any]) -> str:  # noqa: PLR0911 - one wording per constraint
        kind, _sep, key = name.partition(":")
        if kind == "budget":
            return _("the budget (%(amount)s)") % {"amount": format_money(parameters.get("budget") or 0)}
        if kind == "theme_min":
            n = (parameters.get("theme_min") or {}).get(key)
            if not key:
                return _("the minimums per theme")
            return _("at least %(n)s funded in “%(theme)s”") % {"n": n, "theme": self.theme(key)}
        if kind == "theme_max":
            n = (parameters.get("theme_max") or {}).get(key)
            if not key:
                return _("the maximums per theme")
            return _("at most %(n)s funded in “%(theme)s”") % {"n": n, "theme": self.theme(key)}
        if kind == "max_per_lead":
            n = parameters.get("max_per_lead")
            if not key:
                return _("at most %(n)s per lead institution") % {"n": n}
            return _("at most %(n)s for %(organisation)s as lead institution") % {
                "n": n,
                "organisation": self.leads.get(key, key),
            }
        if kind == "min_cofunding_ratio":
            return _("co-funding of at least %(ratio)s of the amount") % {
                "ratio": show_number(parameters.get("min_cofunding_ratio") or 0)
            }
        if kind == "must_fund":
            return _("the proposals that must be funded")
        return name

    def parameters(self, parameters: Mapping[str, Any]) -> list[tuple[str, str]]:
        out = []
        for key, value in parameters.items():
            if value in (None, [], {}, ""):
                continue
            if key in {"budget", "committed"}:
                shown = format_money(Decimal(str(value)))
            elif key == "already_funded" and isinstance(value, Mapping):
                shown = ", ".join(f"{code} ({format_money(Decimal(str(amount)))})" for code, amount in value.items())
            elif key in {"theme_min", "theme_max"}:
                shown = " · ".join(f"{with_colon(self.theme(k))} {v}" for k, v in value.items())
            else:
                shown = show_value(value, key)
            out.append((str(LABELS.get(key, key)), shown))
        return out

    def run(self, run: Any) -> dict[str, Any]:
        """The words of one run: its parameters, binding constraints and what each constraint costs."""
        if run is None:
            return {}
        parameters = run.parameters or {}
        result = run.result or {}
        return {
            "parameters": self.parameters(parameters),
            "binding": [self.constraint(name, parameters) for name in result.get("binding", [])],
            "costs": [
                (self.constraint(name, parameters), show_number(value))
                for name, value in (result.get("constraint_costs") or {}).items()
            ],
        }
