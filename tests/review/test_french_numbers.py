# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""Scores, rates and counts read in the reader's language on the review and selection pages
(outside tester: "2.0", "Excellence: 4.0", "reviews: 5 · 4.0 · 5", "taux 0,0800", "1.00")."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from grappe.calls.forms import RulesForm
from grappe.calls.models import EligibilityRule, RuleKind
from grappe.core.display import show_percent, show_score
from grappe.review.models import ReviewAssignment
from tests.factories import UserFactory
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures
from tests.selection.conftest import reviewed  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
COLON = "\u00a0:"


def test_the_review_page_shows_scores_in_french(reviewed, pool):
    """pool[0] reviewed proposal 1 at 4.0, pool[1] at 4.5: once submitted, each reads the other's."""
    person = pool[0].person
    assignment = ReviewAssignment.objects.get(proposal=reviewed[1], reviewer=person)
    assignment.confirmed_at = timezone.now()
    assignment.save()
    client = Client()
    client.force_login(getattr(person, "user", None) or UserFactory(person=person))

    page = client.get(reverse("review:review", args=[assignment.pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    others = page.split("review-other", 1)[1]
    assert re.search(rf"{COLON} <strong>4,5</strong>", others), others[:400]
    assert ">4,5</option>" in page and ">4.0</option>" not in page and ">2.0</option>" not in page
    assert 'value="4.0" selected' in page  # the value posted stays the stored one


def test_the_consensus_page_shows_the_reviews_and_mean_in_french(reviewed, as_persona):
    """Proposal 0: reviews 4.5 and 4.0 on each criterion, mean 4.25."""
    url = reverse("selection:consensus", args=[reviewed[0].code])
    page = as_persona("office").get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "4,5 · 4 — " in page and "4,25" in page
    assert "4.0 ·" not in page and "· 4.0" not in page


def test_rates_scores_and_counts_in_each_language(review_call):
    EligibilityRule.objects.create(call=review_call, kind=RuleKind.MIN_PARTNERS, parameter=Decimal("1.00"))
    with translation.override("fr"):
        assert show_percent(Decimal("0.0800")) == "8\u00a0%"
        assert show_percent(Decimal("0.075")) == "7,5\u00a0%"
        assert [show_score(v) for v in ("4.0", 5, "4.50", Decimal(25) / 6)] == ["4", "5", "4,5", "4,17"]
        assert show_score("13", 2) == "13,00"
        form = RulesForm(call=review_call)
        rule = EligibilityRule.objects.get(call=review_call)
        assert str(rule) == "Au moins 1 partenaire industriel"
    with translation.override("en"):
        assert show_percent(Decimal("0.08")) == "8%"
    assert 'value="1"' in str(form["param_min_partners"])
