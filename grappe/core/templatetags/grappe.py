from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import reverse

from grappe.core import display

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``{{ mapping|get_item:key }}``: a dictionary lookup with a variable key."""
    if mapping is None:
        return None
    return mapping.get(key)


@register.filter
def show(value: Any, key: str | None = None) -> str:
    """``{{ value|show }}``: a stored value in words ("—", yes/no, localised numbers and dates);
    ``{{ value|show:"max_load" }}`` uses the formatter registered for that key."""
    return display.show_value(value, key)


@register.filter
def score(value: Any, places: int | None = None) -> str:
    """``{{ row.score|score:2 }}`` → "13,00"; ``{{ mean|score }}`` → "4,17", "4,5", "4": a score
    rounded for reading, in the current language."""
    return display.show_score(value, places)


@register.filter
def percent(value: Any, rule: str = "") -> str:
    """``{{ 0.08|percent }}`` → "8 %" (French), "8%" (English); ``{{ audit.rate|percent:"rate" }}``
    → "1,3 %", "4,0 %", "27 %" (one decimal under 10 %, as the audits show rates)."""
    return display.show_percent(value, rule)


@register.filter
def rate_number(value: Any) -> str:
    """``{{ gap_points|rate_number }}`` → "0,5", "12": points as the audits show them."""
    return display.rate_number(value)


@register.filter
def label(key: Any) -> str:
    """``{{ key|label }}``: the translated label of a stored key (``max_load`` → "most reviews per expert")."""
    return display.label_for(key)


@register.simple_tag
def colon() -> str:
    """``{% colon %}``: ":" in English, no-break space and ":" in French."""
    return display.colon()


@register.simple_tag(takes_context=True)
def call_page(context: Any, call: Any) -> str:
    """``{% call_page call %}``: the address of the call's page the viewer may open: its settings
    for the office (who manages calls), its own page for everyone else (the board: never a 404)."""
    user = context.get("user")
    manages = user is not None and user.has_perm("calls.manage_call", call)
    return reverse("calls:configure" if manages else "calls:detail", args=[call.code])


@register.simple_tag(takes_context=True)
def may(context: Any, perm: str, obj: Any = None) -> bool:
    """``{% may "selection.view_selection" call as can_rank %}``: whether the viewer has ``perm`` (on
    ``obj``), for a link shown only to who may open it."""
    user = context.get("user")
    return bool(user is not None and user.has_perm(perm, obj))


@register.inclusion_tag("includes/labelled.html")
def labelled(mapping: Any, css: str = "") -> dict[str, Any]:
    """``{% labelled run.parameters %}``: a stored dictionary as a list of labelled values."""
    return {"items": display.labelled(mapping), "css": css}


@register.filter
def people_choices(people: Iterable[Any]) -> list[tuple[Any, str]]:
    """``{% for person, name in persons|people_choices %}``: each person with a name that tells them
    apart in a picker (two "Clara Lambert" show their email)."""
    people = [getattr(p, "person", p) for p in people]
    counts: dict[str, int] = {}
    for person in people:
        counts[person.full_name] = counts.get(person.full_name, 0) + 1
    return [
        (
            person,
            f"{person.full_name} · {person.email or person.code}" if counts[person.full_name] > 1 else person.full_name,
        )
        for person in people
    ]


@register.inclusion_tag("includes/help.html")
def help_term(term: str, label: str = "") -> dict[str, Any]:
    """``{% help_term "gap" %}``: a short explanation of a technical term, beside it, behind a "?"
    (or behind ``label``, e.g. "What is a calibrated score?")."""
    return {"text": display.help_text(term), "term": term, "label": label}
