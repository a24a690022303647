# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""Why a reviewer was suggested, and their poor-match flag (issue 19): the explanation the affinity
run computed is on the review page; only the assigned reviewer flags (others 404); the office sees
the flags and each affinity run's rate of flagged poor matches."""

import pytest
from django.urls import reverse

from grappe.core.models import AuditLog
from grappe.review import services
from grappe.review.models import Affinity, EngineRun, MatchFlag, ReviewAssignment, RunKind
from tests.conftest import PERSONAS
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def suggested(review_call, proposals, pool, office, reviewer, django_capture_on_commit_callbacks):
    """An affinity run, then the reviewer persona (legal language models) assigned to the legal
    proposal, confirmed."""
    with django_capture_on_commit_callbacks(execute=True):
        as_office = services.start_run(
            review_call, kind=RunKind.AFFINITY, parameters={"backend": "tfidf"}, actor=office
        )
    as_office.refresh_from_db()
    assignment = services.add_assignment(
        review_call, reviewer=reviewer.person, proposal=proposals[2], reason="t", actor=office
    )
    services.confirm_assignment(assignment, actor=None)
    return assignment


def test_the_reviewer_reads_why_they_were_suggested(as_persona, suggested):
    page = as_persona("reviewer").get(reverse("review:review", args=[suggested.pk])).content.decode()

    start = page.index('id="why-me"')
    section = page[start : page.index("</section>", start)]
    assert "Why you were suggested" in section
    assert "Language models for legal text and court decisions" in section  # the closest publication
    assert "court" in section or "legal" in section  # a shared term
    assert "This is a poor match for me" in section


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_assigned_reviewer_flags(as_persona, suggested, persona):
    response = as_persona(persona).post(reverse("review:flag_match", args=[suggested.pk]), {"comment": "no"})

    if persona == "reviewer":
        assert response.status_code == 302
        assert MatchFlag.objects.filter(assignment=suggested).exists()
    else:
        assert response.status_code == (302 if persona == "anonymous" else 404)
        assert not MatchFlag.objects.exists()


def test_another_reviewers_assignment_is_404(as_persona, suggested, review_call, proposals, pool, office):
    theirs = services.add_assignment(
        review_call, reviewer=pool[1].person, proposal=proposals[0], reason="t", actor=office
    )

    response = as_persona("reviewer").post(reverse("review:flag_match", args=[theirs.pk]), {"comment": "x"})

    assert response.status_code == 404 and not MatchFlag.objects.exists()


def test_a_flag_is_stored_with_the_run_and_shown_to_the_office_with_the_rate(as_persona, suggested, review_call):
    client = as_persona("reviewer")
    client.post(reverse("review:flag_match", args=[suggested.pk]), {"comment": "I work on contracts, not courts."})
    run = EngineRun.objects.get(kind=RunKind.AFFINITY)

    flag = MatchFlag.objects.get(assignment=suggested)
    assert flag.affinity_run == run and flag.affinity is not None and flag.comment == "I work on contracts, not courts."
    assert AuditLog.objects.filter(action="review.poor_match_flagged").exists()
    assert (
        "You flagged this as a poor match" in client.get(reverse("review:review", args=[suggested.pk])).content.decode()
    )

    page = as_persona("office").get(reverse("review:run", args=[run.pk])).content.decode()
    assert "1 of 1 assignments flagged by their reviewer as a poor match (100.0 %)" in page
    assert "I work on contracts, not courts." in page and suggested.proposal.code in page
    assert services.flag_rate(run).rate == 1.0


def test_flagging_twice_keeps_one_flag_and_withdrawing_removes_it(as_persona, suggested):
    client = as_persona("reviewer")
    url = reverse("review:flag_match", args=[suggested.pk])
    client.post(url, {"comment": "first"})
    client.post(url, {"comment": "second"})

    assert MatchFlag.objects.get().comment == "second"
    client.post(url, {"action": "withdraw"})
    assert not MatchFlag.objects.exists()


def test_a_bad_comment_is_refused_with_a_message(as_persona, suggested):
    response = as_persona("reviewer").post(
        reverse("review:flag_match", args=[suggested.pk]), {"comment": "x" * 1001}, follow=True
    )

    assert response.status_code == 200 and not MatchFlag.objects.exists()
    assert "1000" in response.content.decode() or "1,000" in response.content.decode()


def test_the_rate_counts_the_assignments_made_before_the_next_run(suggested, review_call, proposals, pool, office):
    first = EngineRun.objects.get(kind=RunKind.AFFINITY)
    services.flag_poor_match(suggested, comment="", actor=None)
    later = EngineRun.objects.create(
        call=review_call, kind=RunKind.AFFINITY, state="done", finished_at=first.finished_at.replace(year=2099)
    )
    services.add_assignment(review_call, reviewer=pool[1].person, proposal=proposals[0], reason="t", actor=office)

    assert (services.flag_rate(first).flagged, services.flag_rate(first).assignments) == (1, 2)
    assert (services.flag_rate(later).flagged, services.flag_rate(later).assignments) == (0, 2)
    assert ReviewAssignment.objects.count() == 2


def test_an_assignment_by_hand_without_affinity_says_so(as_persona, review_call, proposals, pool, office, reviewer):
    assignment = services.add_assignment(
        review_call, reviewer=reviewer.person, proposal=proposals[0], reason="t", actor=office
    )
    services.confirm_assignment(assignment, actor=None)

    page = as_persona("reviewer").get(reverse("review:review", args=[assignment.pk])).content.decode()

    assert "The office assigned you by hand" in page


def test_an_expert_explained_by_their_keywords_reads_so(as_persona, suggested):
    """A pair whose closest "document" is the expert's keyword list says so (not "closest
    publication")."""
    affinity = Affinity.objects.get(reviewer=suggested.reviewer, proposal=suggested.proposal)
    Affinity.objects.filter(pk=affinity.pk).update(from_keywords=True, document="legal NLP, court decisions")

    page = as_persona("reviewer").get(reverse("review:review", args=[suggested.pk])).content.decode()

    section = page[page.index('id="why-me"') :]
    section = section[: section.index("</section>")]
    assert "Your expertise keywords" in section and "Closest publication" not in section
    assert "legal NLP, court decisions" in section


def _why(client, assignment):
    page = client.get(reverse("review:review", args=[assignment.pk])).content.decode()
    start = page.index('id="why-me"')
    return page[start : page.index("</section>", start)]


def test_an_assignment_by_hand_says_so_even_when_the_engine_scored_the_pair(as_persona, suggested):
    """The office added ``suggested`` by hand after an affinity run scored every pair: the page says
    it was by hand, and shows the affinity as information only."""
    assert Affinity.objects.filter(reviewer=suggested.reviewer, proposal=suggested.proposal).exists()

    section = _why(as_persona("reviewer"), suggested)

    assert "The office assigned you by hand" in section
    assert "The engine compared" not in section
    assert "For information, the engine's affinity" in section


def test_an_assignment_from_a_published_run_says_the_engine_compared(as_persona, suggested):
    ReviewAssignment.objects.filter(pk=suggested.pk).update(run=EngineRun.objects.get(kind=RunKind.AFFINITY))

    section = _why(as_persona("reviewer"), suggested)

    assert "The engine compared the proposal" in section and "by hand" not in section


def test_an_assignment_from_a_run_added_again_by_hand_is_by_hand(as_persona, suggested, office):
    ReviewAssignment.objects.filter(pk=suggested.pk).update(run=EngineRun.objects.get(kind=RunKind.AFFINITY))
    suggested.refresh_from_db()
    services.remove_assignment(suggested, reason="The office changes its mind.", actor=office)

    again = services.add_assignment(
        suggested.call, reviewer=suggested.reviewer, proposal=suggested.proposal, reason="Back.", actor=office
    )

    assert again.pk == suggested.pk and again.run_id is None and again.by_hand
