"""A two-stage call: stage 1 is the reviewed call of tests/selection (three letters of intent, two
good ones at 4.0 asking 100,000 € each, a weak one at 2.0; all ready), stage 2 an open call of
the same programme with a 100,000 € budget. Target 2 × the budget, never under 1.5 ×."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from grappe.calls.models import Question, QuestionKind
from grappe.calls.services import apply_horizon_europe_preset
from grappe.stages import services
from grappe.stages.models import AppealSettings
from tests.factories import CallFactory
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures
from tests.selection.conftest import _scores, decided, priced, ready, reviewed  # noqa: F401 - fixtures

__all__ = ["_scores"]


@pytest.fixture
def stage2(review_call, office):  # noqa: F811 - fixtures
    call = CallFactory(
        programme=review_call.programme,
        title_en="Full proposals",
        budget=Decimal("100000"),
        opens_at=timezone.now() - dt.timedelta(days=1),
        closes_at=timezone.now() + dt.timedelta(days=40),
    )
    apply_horizon_europe_preset(call, actor=office)
    return call


@pytest.fixture
def link(review_call, stage2, office):  # noqa: F811 - fixtures
    return services.link_calls(review_call, stage2, target="2", minimum="1.5", actor=office)


@pytest.fixture
def summary_questions(review_call, stage2):  # noqa: F811 - fixtures
    """Both stages ask "Summary" (long text); stage 2 also asks "Work plan"."""
    first = Question.objects.create(
        call=review_call, kind=QuestionKind.LONG_TEXT, label_fr="Résumé", label_en="Summary"
    )
    second = Question.objects.create(call=stage2, kind=QuestionKind.LONG_TEXT, label_fr="Résumé", label_en="Summary")
    Question.objects.create(call=stage2, kind=QuestionKind.LONG_TEXT, label_fr="Plan de travail", label_en="Work plan")
    return first, second


@pytest.fixture
def window(review_call):  # noqa: F811 - fixtures
    """A rebuttal window open since yesterday until tomorrow, 10 words at most, redress 15 days."""
    now = timezone.now()
    return AppealSettings.objects.create(
        call=review_call,
        rebuttal_opens_at=now - dt.timedelta(days=1),
        rebuttal_closes_at=now + dt.timedelta(days=1),
        rebuttal_word_limit=10,
        redress_days=15,
    )
