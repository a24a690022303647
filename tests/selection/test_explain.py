# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""Explaining a decision to its applicants (issue 19): which steps an algorithm assisted, that
people decided each, a departure with the justification the office chose to share; never a
reviewer's name, another proposal or the internal justification."""

import io

import pytest
from django.urls import reverse
from django.utils import translation

from grappe.review.models import EngineRun, ReviewAssignment, RunKind, RunState
from grappe.selection import letters, services
from grappe.selection.explain import steps_for
from grappe.selection.models import Outcome
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures
from tests.selection.conftest import decided, priced, reviewed  # noqa: F401 - fixtures

INTERNAL = "Internal: the board prefers the robotics lab for strategic reasons."
SHARED = "The budget left after the first proposal could not cover this one in full."


def _depart(proposal, board):
    """Reject proposal 1, which the adopted portfolio put on the reserve list."""
    return services.record_decision(
        proposal,
        outcome=Outcome.REJECTED,
        amount=None,
        reserve_rank=None,
        justification=INTERNAL,
        shared_justification=SHARED,
        expected_version=None,
        actor=board,
    )


def test_the_steps_say_what_was_assisted_and_that_people_decided(decided, review_call):
    steps = steps_for(decided[0])

    assert [s.title for s in steps] == ["Choosing the reviewers", "Evaluation", "Selection"]
    reviewers, evaluation, selection = steps
    assert not reviewers.assisted and "without an algorithm" in reviewers.text  # added by hand in the fixture
    assert evaluation.assisted and "calibration" in evaluation.text and "changes no score" in evaluation.text
    assert selection.assisted and "optimisation algorithm" in selection.text
    assert "funding, 100,000.00 €" in selection.text and "People decided" in selection.text
    assert "follows the suggestion" in selection.text and not selection.departed


def test_reviewers_suggested_by_an_engine_run_are_said_so(decided, review_call):
    run = EngineRun.objects.create(call=review_call, kind=RunKind.ASSIGNMENT, state=RunState.DONE)
    ReviewAssignment.objects.filter(proposal=decided[0]).update(run=run)

    reviewers = steps_for(decided[0])[0]

    assert reviewers.assisted and "An algorithm suggested reviewers" in reviewers.text
    assert "office checked the suggestion and assigned" in reviewers.text


def test_a_departure_is_said_with_the_shared_justification_only(decided, board):
    _depart(decided[1], board)

    selection = steps_for(decided[1])[2]

    assert selection.departed and "departs from the suggestion" in selection.text
    assert "reserve list" in selection.text  # what was suggested for this proposal
    assert selection.shared == SHARED


def test_a_departure_without_a_shared_justification_says_it_is_kept_internal(as_persona, decided, board, office):
    services.record_decision(
        decided[1],
        outcome=Outcome.REJECTED,
        amount=None,
        reserve_rank=None,
        justification=INTERNAL,
        expected_version=None,
        actor=board,
    )
    response = as_persona("board").get(reverse("selection:summary_pdf", args=[decided[1].code]) + "?lang=en")

    text = _pdf_text(response)
    assert "departs from the suggestion" in text and "kept its justification internal" in text
    assert INTERNAL not in text


def test_the_steps_in_french(decided):
    with translation.override("fr"):
        steps = steps_for(decided[0])

    assert steps[0].title == "Choix des experts"
    assert "algorithme" in steps[2].text and "Des personnes ont décidé" in steps[2].text


def _pdf_text(response):
    from pypdf import PdfReader

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_summary_pdf_explains_and_leaks_no_reviewer_nor_other_proposal(as_persona, decided, board, pool):
    _depart(decided[1], board)

    text = _pdf_text(as_persona("board").get(reverse("selection:summary_pdf", args=[decided[1].code]) + "?lang=en"))

    assert "How this decision was made" in text and "Choosing the reviewers" in text
    assert "assisted by an algorithm, decided by people" in text
    assert "departs from the suggestion" in text and " ".join(SHARED.split()) in text
    assert INTERNAL not in text and "robotics lab" not in text
    for member in pool:
        assert member.person.full_name not in text
    for other in (decided[0], decided[2]):
        assert other.code not in text and other.title not in text


@pytest.mark.parametrize(
    "language, expected", [("en", "How this decision was made"), ("fr", "Comment cette décision a été prise")]
)
def test_the_summary_pdf_in_both_languages(as_persona, decided, language, expected):
    text = _pdf_text(
        as_persona("board").get(reverse("selection:summary_pdf", args=[decided[0].code]) + f"?lang={language}")
    )

    assert expected in text


def test_the_applicants_page_of_their_decision_explains_it(
    as_persona, review_call, decided, office, board, pool, django_capture_on_commit_callbacks
):
    _depart(decided[1], board)
    # The letter of proposal 0 (led by the applicant persona) is sent: the team reads its decision.
    letters.prepare(review_call, actor=office)
    with django_capture_on_commit_callbacks(execute=True):
        letters.start_sending(review_call, actor=office)

    page = as_persona("applicant").get(reverse("submissions:detail", args=[decided[0].code])).content.decode()

    start = page.index('id="how-decided"')
    section = page[start : page.index("</section>", start)]
    assert "Choosing the reviewers" in section and "calibration" in section and "optimisation algorithm" in section
    assert "follows the suggestion" in section
    for member in pool:
        assert member.person.full_name not in section
    for other in (decided[1], decided[2]):
        assert other.code not in section
    assert SHARED not in page and INTERNAL not in page  # another proposal's justifications


def test_the_shared_justification_is_recorded_from_the_decision_page(as_persona, decided, board):
    client = as_persona("board")
    url = reverse("selection:decision", args=[decided[1].code])

    response = client.post(
        url,
        {"outcome": "rejected", "justification": INTERNAL, "shared_justification": SHARED, "version": "1"},
    )

    assert response.status_code == 302
    decided[1].decision.refresh_from_db()
    assert decided[1].decision.shared_justification == SHARED
    assert 'id="id_shared_justification"' in client.get(url).content.decode()


def test_a_shared_justification_with_control_characters_is_refused(as_persona, decided):
    client = as_persona("board")
    url = reverse("selection:decision", args=[decided[1].code])

    response = client.post(
        url,
        {"outcome": "rejected", "justification": INTERNAL, "shared_justification": "bad\x00text", "version": "1"},
        follow=True,
    )

    assert response.status_code == 200
    decided[1].decision.refresh_from_db()
    assert decided[1].decision.outcome == Outcome.RESERVE


def test_the_applicants_summary_pdf_follows_the_language_they_read(
    as_persona, review_call, decided, office, django_capture_on_commit_callbacks
):
    """The lead's preferred language is French (the default); a team member reading the site in
    English downloads the summary in English, and the office still gets the letter's language."""
    letters.prepare(review_call, actor=office)
    with django_capture_on_commit_callbacks(execute=True):
        letters.start_sending(review_call, actor=office)
    url = reverse("selection:summary_pdf", args=[decided[0].code])
    applicant = as_persona("applicant")

    english = applicant.get(url, HTTP_ACCEPT_LANGUAGE="en")
    applicant.cookies["django_language"] = "fr"
    french = applicant.get(url, HTTP_ACCEPT_LANGUAGE="fr")

    assert "evaluation-" in english["Content-Disposition"] and english["Content-Disposition"].endswith('-en.pdf"')
    assert "How this decision was made" in _pdf_text(english)
    assert french["Content-Disposition"].endswith('-fr.pdf"')
    lead = decided[0].lead
    office_pdf = as_persona("office").get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert office_pdf["Content-Disposition"].endswith(f'-{lead.preferred_language}.pdf"')
