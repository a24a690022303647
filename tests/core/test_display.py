"""Values people read are labelled, translated and formatted for their language (issue 11, item 9),
and the language switch returns to a page that exists with GET (item 8)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from grappe.core.context_processors import language_next
from grappe.core.display import colon, label_for, labelled, show_percent, show_value

NBSP = "\u00a0"


def _render(source, **context):
    return Template("{% load grappe %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["—", "yes", "1,234.5", "25 Nov 2026", "—"]),
        ("fr", ["—", "oui", "1\u202f234,5", "25 nov. 2026", "—"]),
    ],
)
def test_values_are_shown_in_words_for_the_language(language, expected):
    with translation.override(language):
        shown = [
            show_value(None),
            show_value(True),
            show_value(1234.5),
            show_value(dt.date(2026, 11, 25)),
            show_value([]),
        ]

    assert shown == expected


def test_the_label_separator_follows_french_typography():
    with translation.override("fr"):
        french = colon()
    with translation.override("en"):
        english = colon()

    assert (french, english) == (f"{NBSP}:", ":")


def test_run_parameters_are_labelled_and_translated():
    parameters = {"max_load": None, "require_external": True, "objective": "fair", "q": 0.5}

    with translation.override("fr"):
        items = labelled(parameters)

    assert items == [
        ("nombre maximal d'évaluations par expert", "—"),
        ("au moins un expert extérieur à l'organisation du porteur", "oui"),
        ("objectif", "équitable envers le projet le moins bien servi"),
        ("équité q", "0,5"),
    ]


def test_an_audit_change_reads_old_then_new_and_an_unknown_key_as_words():
    with translation.override("en"):
        change = show_value({"amount": [None, Decimal("1500.00")]}, "changed")
        unknown = label_for("max_per_theme")

    assert change == "amount: — → 1,500.00"
    assert unknown == "Max per theme"


def test_template_tags_show_labelled_values():
    with translation.override("en"):
        html = _render("{% labelled params %} {{ none|show }} {{ 'max_load'|label }}{% colon %}", params={"seed": 7})

    assert "random seed:</span> <strong>7</strong>" in html
    assert "— most reviews per expert:" in html


def test_language_switch_after_a_failed_form_returns_to_the_page_of_the_form():
    request = RequestFactory().post(
        "/proposals/ABC/details/", HTTP_REFERER="http://testserver/proposals/ABC/?tab=1", HTTP_HOST="testserver"
    )
    foreign = RequestFactory().post("/proposals/ABC/details/", HTTP_REFERER="https://evil.example/x")
    plain = RequestFactory().get("/calls/?page=2")

    assert language_next(request) == "/proposals/ABC/?tab=1"
    assert language_next(foreign) == "/"
    assert language_next(plain) == "/calls/?page=2"


@pytest.mark.django_db
def test_pickers_tell_apart_people_with_the_same_name():
    from grappe.core.templatetags.grappe import people_choices
    from tests.factories import PersonFactory

    first = PersonFactory(first_name="Clara", last_name="Lambert", email="clara.lambert@a.example")
    second = PersonFactory(first_name="Clara", last_name="Lambert", email="c.lambert@b.example")
    other = PersonFactory(first_name="Jade", last_name="Roux")

    names = [name for _person, name in people_choices([first, second, other])]

    assert names == ["Clara Lambert · clara.lambert@a.example", "Clara Lambert · c.lambert@b.example", "Jade Roux"]


def test_help_texts_explain_technical_terms_in_both_languages():
    with translation.override("en"):
        english = _render('{% help_term "gap" %}')
    with translation.override("fr"):
        french = _render('{% help_term "calibration" "Une note calibrée ?" %}')

    assert "0 means it is proven optimal" in english
    assert "La calibration corrige les habitudes" in french


@pytest.mark.parametrize(
    ("language", "share", "expected"),
    [
        ("fr", Decimal("0.100"), "10\u00a0%"),
        ("en", Decimal("0.100"), "10%"),
        ("fr", 0.125, "12,5\u00a0%"),
        ("en", None, "—"),
    ],
)
def test_shares_are_shown_as_percentages_of_the_language(language, share, expected):
    with translation.override(language):
        assert show_percent(share) == expected
