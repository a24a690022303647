# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""A browser's ``<input type="number">`` reads only a dot-decimal value: in French "2,0" showed an
empty field and saving the form silently changed the stored value (ranking settings, outside
tester). Every number input of Grappe, in a form class or written by hand in a template, carries
an unlocalised value in every language."""

import copy
import pathlib
import re
from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

import grappe
from grappe.core.forms import Form, harden
from tests.core.test_forms import _all_form_classes
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures

NUMBER_INPUT = re.compile(r"<input\b[^>]*\btype=\"number\"[^>]*>", re.S)
VALUE = re.compile(r'\bvalue="([^"]*)"')


def _values(html):
    return [m.group(1) for tag in NUMBER_INPUT.findall(html) for m in [VALUE.search(tag)] if m]


def _parses(value):
    if value == "":
        return True
    try:
        float(value)
    except ValueError:
        return False
    return True


def test_a_localised_number_field_still_renders_a_dot_decimal_in_french():
    class Settings(Form):
        spread = forms.DecimalField(localize=True, widget=forms.NumberInput, decimal_places=1)
        share = forms.FloatField(widget=forms.NumberInput(attrs={"step": "0.1"}))

    with translation.override("fr"):
        form = Settings(initial={"spread": Decimal("2.0"), "share": 0.25})
        values = _values(str(form["spread"]) + str(form["share"]))

    assert values == ["2.0", "0.25"]


def test_every_number_input_of_every_form_class_renders_a_float_in_french():
    """Walks the fields declared by every form class of Grappe (fields added in ``__init__`` go
    through the same ``harden``): each number input, given a decimal, writes a value a browser
    parses."""
    checked, bad = 0, []
    with translation.override("fr"):
        for form_class in _all_form_classes():
            for name, declared in form_class.base_fields.items():
                if not isinstance(declared.widget, forms.NumberInput):
                    continue
                field = copy.deepcopy(declared)
                harden(field)
                sample = (
                    2
                    if isinstance(field, forms.IntegerField)
                    and not isinstance(field, forms.FloatField | forms.DecimalField)
                    else Decimal("1234.5")
                )
                html = field.widget.render(name, field.prepare_value(sample))
                checked += 1
                if not all(_parses(v) for v in _values(html)):
                    bad.append(f"{form_class.__module__}.{form_class.__qualname__}.{name}: {html}")
    assert checked > 10
    assert bad == []


def test_every_number_input_written_in_a_template_is_unlocalised():
    """A value written by hand (``value="{{ x }}"``) is localised by the template engine: each
    variable in the value of a number input goes through ``|unlocalize``."""
    bad = []
    for path in pathlib.Path(grappe.__path__[0]).rglob("*.html"):
        for tag in NUMBER_INPUT.findall(path.read_text()):
            found = re.search(r'\bvalue="((?:[^"{]|\{[^}]*\})*)"', tag)
            for variable in re.findall(r"\{\{(.*?)\}\}", found.group(1) if found else ""):
                if "unlocalize" not in variable:
                    bad.append(f"{path.name}: {variable.strip()}")
    assert bad == []


@pytest.mark.django_db
def test_ranking_settings_and_portfolio_show_their_numbers_to_a_french_browser(as_persona, review_call):
    from grappe.selection import services

    settings = services.settings_for(review_call)
    settings.disagreement = Decimal("2.5")
    settings.save()
    client = as_persona("office")

    ranking = client.get(reverse("selection:ranking", args=[review_call.code]), HTTP_ACCEPT_LANGUAGE="fr")
    portfolio = client.get(reverse("selection:portfolio", args=[review_call.code]), HTTP_ACCEPT_LANGUAGE="fr")

    assert 'lang="fr"' in ranking.content.decode()
    assert 'id="id_disagreement" value="2.5"' in ranking.content.decode()
    values = _values(ranking.content.decode()) + _values(portfolio.content.decode())
    assert values and all(_parses(v) for v in values), values
