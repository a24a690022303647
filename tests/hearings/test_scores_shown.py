# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""A hearing score that counts in the ranking is never silent (outside tester): with "Average with
the written evaluation's score", a proposal agreed at 4.5 on each criterion (13.50) and heard at
5 on each (15.00) ranks on 14.25; the ranking, the decision page, the ledger and the team's
summary say that the score combines the written evaluation and the hearing, and how."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from grappe.hearings import services
from grappe.hearings.models import Hearing
from grappe.selection import services as selection
from grappe.selection.explain import combined_score, steps_for
from grappe.selection.models import Outcome
from tests.hearings.conftest import hearing_call  # noqa: F401 - fixtures
from tests.hearings.test_services import _reviewed, _save

pytestmark = pytest.mark.django_db

NOTE = "average of the written evaluation (13.50) and the hearing (15.00)"


def _criteria(call, value):
    return {f"score_{c.pk}": value for c in call.scheme.criteria.all()}


@pytest.fixture
def heard(hearing_call, office, pool, proposals):
    proposal = proposals[0]
    for member in pool[:2]:
        _reviewed(hearing_call, member.person, proposal, "4.5", office)
    selection.save_consensus(
        proposal,
        _criteria(hearing_call, "4.5") | {"applicant_comment": "Agreed."},
        expected_version=1,
        approve=True,
        actor=office,
    )
    _save(hearing_call, office, score_mode="average")
    hearing = Hearing.objects.get(proposal=proposal)
    hearing.starts_at = timezone.now() - dt.timedelta(hours=1)
    hearing.ends_at = hearing.starts_at + dt.timedelta(minutes=20)
    hearing.save()
    hearing.panel.set([pool[0].person])
    services.save_score(hearing, pool[0].person, _criteria(hearing_call, "5.0"), actor=office)
    return proposal


def test_the_ranking_and_the_decision_page_say_a_hearing_counted(heard, as_persona):
    client = as_persona("office")

    ranking = client.get(reverse("selection:ranking", args=[heard.call.code]), HTTP_ACCEPT_LANGUAGE="en")
    decision = client.get(reverse("selection:decision", args=[heard.code]), HTTP_ACCEPT_LANGUAGE="en")
    ranking, decision = ranking.content.decode(), decision.content.decode()

    export = client.get(reverse("selection:export", args=[heard.call.code]), HTTP_ACCEPT_LANGUAGE="en")
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).worksheets[0]
    cells = list(sheet.iter_rows(values_only=True))
    line = next(r for r in cells if r[1] == heard.code)
    assert line[cells[0].index("How the score is made")] == NOTE
    assert line[cells[0].index("Score")] == 14.25
    row = ranking.split(f'id="rank-{heard.code}"')[1].split("</tr>")[0]
    assert "4.5 · 4.5 · 4.5" in row and "14.25" in row and NOTE in row
    assert 'id="score-note"' in decision and "14.25" in decision and NOTE in decision


def test_the_ledger_and_the_teams_summary_report_the_score_the_decision_used(heard, as_persona, board, monkeypatch):
    heard.requested_amount = Decimal("100000")
    heard.save()
    selection.record_decision(
        heard,
        outcome=Outcome.FUNDED,
        amount=Decimal("100000"),
        reserve_rank=None,
        justification="Funded after the hearing.",
        expected_version=None,
        actor=board,
    )
    ledger = as_persona("office").get(reverse("selection:ledger", args=[heard.call.code]), HTTP_ACCEPT_LANGUAGE="en")
    ledger = ledger.content.decode()
    with translation.override("en"):
        combined = combined_score(heard)
        steps = steps_for(heard, combined)
    rendered = {}

    class Capture:
        def __init__(self, string):
            rendered["html"] = string

        def write_pdf(self):
            return b"%PDF"

    monkeypatch.setattr("weasyprint.HTML", Capture)
    from grappe.selection.pdf import evaluation_summary

    evaluation_summary(heard, language="en")

    assert "score 14.25" in ledger and NOTE in ledger
    assert combined["score"] == Decimal("14.25") and combined["written"] == Decimal("13.50")
    assert combined["extra"] == Decimal("15.00") and combined["note"] == NOTE
    assert any("used for the ranking and the decision is 14.25" in step.text for step in steps)
    html = rendered["html"]
    assert "Total of the written evaluation" in html and "13.50" in html
    assert 'id="decision-score"' in html and "14.25" in html and "Average of the written evaluation" in html


def test_in_french_the_note_reads_in_french(heard):
    with translation.override("fr"):
        row = selection.row_of(heard)
        assert row.score_note == "moyenne de l’évaluation écrite (13,50) et de l’audition (15,00)"


def test_without_a_hearing_score_the_written_evaluation_alone_counts(hearing_call, proposals, office, pool):
    for member in pool[:2]:
        _reviewed(hearing_call, member.person, proposals[1], "4.0", office)
    _save(hearing_call, office, score_mode="average")
    row = selection.row_of(proposals[1])
    assert row.score_note == "" and combined_score(proposals[1]) is None


def test_the_combined_score_is_rounded_once_from_unrounded_totals(heard, pool, office):
    """Panel totals 15.00, 13.50 and 14.00 (mean 14.1666…), written 13.50: the average is 13.83;
    rounding the hearing's mean first (14.17) gave 13.84."""
    hearing = Hearing.objects.get(proposal=heard)
    hearing.panel.set([member.person for member in pool])
    criteria = list(heard.call.scheme.criteria.order_by("position", "pk"))
    services.save_score(hearing, pool[1].person, _criteria(heard.call, "4.5"), actor=office)
    mixed = {f"score_{c.pk}": value for c, value in zip(criteria, ["4.5", "4.5", "5.0"], strict=True)}
    services.save_score(hearing, pool[2].person, mixed, actor=office)

    row = selection.row_of(heard)

    assert row.score == Decimal("13.83")
    with translation.override("en"):
        assert row.score_note == "average of the written evaluation (13.50) and the hearing (14.17)"
