"""The portfolio page names constraints in words: organisations by name, themes by label, money
formatted (issue 11, item 9), with help beside the technical terms (item 17)."""

import pytest
from django.urls import reverse

from grappe.selection import services
from grappe.selection.labels import Explainer

pytestmark = pytest.mark.django_db


def test_binding_constraints_read_as_sentences_with_names():
    explainer = Explainer(themes={"1": "AI and health"}, leads={"5CJZ": "Sorbonne Université"})
    parameters = {"budget": 6000000.0, "max_per_lead": 5, "theme_min": {"1": 10}, "must_fund": []}

    words = [explainer.constraint(name, parameters) for name in ["budget", "max_per_lead:5CJZ", "theme_min:1"]]
    shown = explainer.parameters(parameters)

    assert words == [
        "the budget (6,000,000.00 €)",
        "at most 5 for Sorbonne Université as lead institution",
        "at least 10 funded in “AI and health”",
    ]
    assert shown == [
        ("budget", "6,000,000.00 €"),
        ("at most, per lead institution", "5"),
        ("at least, per theme", "AI and health: 10"),
    ]


def test_portfolio_page_shows_no_codes_and_explains_its_terms(as_persona, review_call, ready, office):
    run = services.run_portfolio(review_call, {"budget": 150000, "max_per_lead": 1}, actor=office)

    html = as_persona("office").get(reverse("selection:portfolio", args=[review_call.code]) + f"?run={run.pk}")

    text = html.content.decode()
    assert "max_per_lead" not in text.replace('name="max_per_lead"', "").replace('id="id_max_per_lead"', "").replace(
        'for="id_max_per_lead"', ""
    )
    assert "at most 1 for Université Exemple as lead institution" in text
    assert "A constraint is binding when it stops the portfolio from being better" in text
