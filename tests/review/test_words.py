"""Review pages in the reader's language (issue 11, items 9 and 17): run parameters labelled,
computed conflict reasons translated, technical terms explained."""

import pytest
from django.urls import reverse
from django.utils import translation

from grappe.review.models import Conflict, ConflictOrigin, EngineRun, RunKind, RunState

pytestmark = pytest.mark.django_db


def test_computed_conflict_reasons_follow_the_readers_language(review_call, proposals, pool):
    conflict = Conflict.objects.create(
        call=review_call,
        reviewer=pool[0].person,
        proposal=proposals[0],
        origin=ConflictOrigin.COMPUTED,
        reasons=["coauthor:5", "team", "Same lab"],
    )

    with translation.override("en"):
        english = conflict.reason_texts
    with translation.override("fr"):
        french = conflict.reason_texts

    assert english == ["co-author of a team member within 5 years", "member of the proposal's team", "Same lab"]
    assert french[1:] == ["membre de l'équipe du projet", "Same lab"]
    assert french[0] != english[0]


def test_run_page_labels_its_parameters_and_explains_the_gap(as_persona, review_call):
    run = EngineRun.objects.create(
        call=review_call,
        kind=RunKind.ASSIGNMENT,
        state=RunState.DONE,
        parameters={"reviews_per_proposal": 3, "max_load": None, "require_external": True, "objective": "fair"},
        statistics={"gap": 0.0, "min_load": 1, "max_load": 3, "solver_seconds": 0.4},
    )

    text = as_persona("office").get(reverse("review:run", args=[run.pk])).content.decode()

    assert "max_load = None" not in text and "require_external" not in text
    assert "most reviews per expert:</span> <strong>—</strong>" in text
    assert "at least one expert from outside the lead&#x27;s organisation:</span> <strong>yes</strong>" in text
    assert "fair to the worst-served proposal" in text
    assert "How far the assignment could still be from the best possible one" in text
