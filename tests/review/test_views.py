"""Review pages: who may see what (404 for the rest), the reviewer's flow, the office's desk and
runs, manual changes, and constant query counts."""

import pytest
from django.urls import reverse

from grappe.review import services
from grappe.review.models import (
    AssignmentState,
    Bid,
    Conflict,
    ConflictOrigin,
    EngineRun,
    PoolMember,
    ReviewAssignment,
    ReviewState,
    RunKind,
)
from tests.conftest import PERSONAS
from tests.factories import PersonFactory, ProposalFactory
from tests.notifications.checks import assert_notified

pytestmark = pytest.mark.django_db

OFFICE_PAGES = ["review:desk", "review:assignments"]


@pytest.fixture
def assignment(review_call, proposals, pool, office, reviewer):
    return services.add_assignment(
        review_call, reviewer=reviewer.person, proposal=proposals[2], reason="test", actor=office
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", OFFICE_PAGES)
def test_office_pages(as_persona, review_call, persona, page):
    response = as_persona(persona).get(reverse(page, args=[review_call.code]))
    if persona == "anonymous":
        assert response.status_code == 302
    elif persona in ("office", "board"):
        assert response.status_code == 200
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_office_actions_are_for_the_office_only(as_persona, review_call, persona):
    response = as_persona(persona).post(reverse("review:compute_conflicts", args=[review_call.code]))
    expected = {"office": 302, "anonymous": 302}.get(persona, 404)
    assert response.status_code == expected
    if persona == "board":
        assert not Conflict.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_review_page_only_for_the_assigned_reviewer(as_persona, assignment, persona):
    response = as_persona(persona).get(reverse("review:review", args=[assignment.pk]))
    if persona == "anonymous":
        assert response.status_code == 302
    elif persona == "reviewer":
        assert response.status_code == 200
        assert b"Before you read this proposal" in response.content
    else:
        assert response.status_code == 404  # the office manages reviews but does not write them


@pytest.mark.parametrize("persona", PERSONAS)
def test_run_page(as_persona, review_call, office, persona):
    run = EngineRun.objects.create(call=review_call, kind=RunKind.AFFINITY, created_by=office)
    response = as_persona(persona).get(reverse("review:run", args=[run.pk]))
    expected = {"office": 200, "board": 200, "anonymous": 302}.get(persona, 404)
    assert response.status_code == expected


def test_reviewer_confirms_then_reviews_and_sees_others_after_submitting(as_persona, assignment, review_call, office):
    other = services.add_assignment(
        review_call,
        reviewer=PoolMember.objects.exclude(person=assignment.reviewer).first().person,
        proposal=assignment.proposal,
        reason="x",
        actor=office,
    )
    services.save_review(
        other,
        {f"score_{c.pk}": "4" for c in review_call.scheme.criteria.all()}
        | {"applicant_comment": "Other reviewer's view", "recommendation": "fund"},
        expected_version=1,
        submit=True,
        actor=office,
    )
    client = as_persona("reviewer")
    url = reverse("review:review", args=[assignment.pk])
    assert client.post(reverse("review:confirm", args=[assignment.pk]), {"no_conflict": "on"}).status_code == 302
    assert b"Before you read" in client.get(url).content  # one box is not enough
    client.post(reverse("review:confirm", args=[assignment.pk]), {"no_conflict": "on", "confidential": "on"})
    page = client.get(url)
    assert b"Your review" in page.content and b"Other reviewer" not in page.content
    data = {f"score_{c.pk}": "4.5" for c in review_call.scheme.criteria.all()}
    data |= {"applicant_comment": "Solid.", "recommendation": "fund_if", "version": "1", "submit": ""}
    response = client.post(url, data)
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.review.state == ReviewState.SUBMITTED
    assert b"Other reviewer&#x27;s view" in client.get(url).content


def test_bad_score_is_refused_with_a_message_and_nothing_saved(as_persona, assignment, review_call):
    services.confirm_assignment(assignment, actor=None)
    client = as_persona("reviewer")
    data = {f"score_{c.pk}": "9" for c in review_call.scheme.criteria.all()} | {"version": "1", "submit": ""}
    response = client.post(reverse("review:review", args=[assignment.pk]), data, follow=True)
    assert b"half points" in response.content
    assert (
        not hasattr(ReviewAssignment.objects.get(pk=assignment.pk), "review")
        or not ReviewAssignment.objects.get(pk=assignment.pk).review.scores
    )


def test_declaring_a_conflict_hides_the_proposal(as_persona, assignment):
    client = as_persona("reviewer")
    response = client.post(reverse("review:declare", args=[assignment.pk]), {"reason": "My former PhD student"})
    assert response.status_code == 302
    assert Conflict.objects.filter(origin=ConflictOrigin.DECLARED, reviewer=assignment.reviewer).exists()
    assert client.get(reverse("review:review", args=[assignment.pk])).status_code == 404
    assert assignment.proposal.code.encode() not in client.get(reverse("review:mine")).content


def test_a_computed_conflict_hides_an_assignment_too(as_persona, assignment, review_call):
    Conflict.objects.create(
        call=review_call,
        reviewer=assignment.reviewer,
        proposal=assignment.proposal,
        origin=ConflictOrigin.COMPUTED,
        reasons=["x"],
    )
    assert as_persona("reviewer").get(reverse("review:review", args=[assignment.pk])).status_code == 404


def test_declining_a_review_offers_replacements_to_the_office(as_persona, assignment):
    as_persona("reviewer").post(reverse("review:decline", args=[assignment.pk]), {"reason": "Away"})
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.DECLINED
    page = as_persona("office").get(reverse("review:replace", args=[assignment.pk]))
    assert page.status_code == 200
    assert as_persona("applicant").get(reverse("review:replace", args=[assignment.pk])).status_code == 404


def test_invitation_answer_only_by_the_invitee(as_persona, review_call, office, reviewer):
    member = services.invite(review_call, email=reviewer.person.email, actor=office)
    url = reverse("review:invitation", args=[member.token])
    assert as_persona("applicant").get(url).status_code == 404
    response = as_persona("reviewer").post(url, {"accept": "0", "reason": ""})
    assert response.status_code == 200 and b"why you decline" in response.content
    as_persona("reviewer").post(url, {"accept": "1"})
    member.refresh_from_db()
    assert member.state == "accepted"


def test_publication_import_page(as_persona, reviewer, pool):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = as_persona("reviewer")
    reviewer.person.publications.all().delete()
    upload = SimpleUploadedFile("pubs.bib", b"@article{a, title={Tactile grasping}, author={Doe, J}, year={2022}}")
    response = client.post(reverse("review:publications"), {"fmt": "bibtex", "file": upload}, follow=True)
    assert response.templates[0].name == "review/publication_import.html"
    assert (
        'id="import-counts"' in response.content.decode() and "Every entry was imported." in response.content.decode()
    )
    pub = reviewer.person.publications.get()
    assert as_persona("applicant").post(reverse("review:delete_publication", args=[pub.pk])).status_code == 404
    assert client.post(reverse("review:delete_publication", args=[pub.pk])).status_code == 302
    bad = SimpleUploadedFile("pubs.bib", b"\xff\xfe not text")
    response = client.post(reverse("review:publications"), {"fmt": "bibtex", "file": bad})
    assert b"UTF-8" in response.content


def test_a_publication_file_too_large_says_its_size_and_the_limit(as_persona, reviewer, pool, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.GRAPPE_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("pubs.bib", b"@article{a, title={x}}\n" * 150_000)
    response = as_persona("reviewer").post(reverse("review:publications"), {"fmt": "bibtex", "file": big})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["This file is 3.3 MB; the limit is 1 MB."]


def test_office_runs_and_publishes_from_the_pages(
    as_persona, review_call, proposals, pool, django_capture_on_commit_callbacks
):
    client = as_persona("office")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("review:start_affinity", args=[review_call.code]), {"backend": "tfidf"})
        response = client.post(
            reverse("review:start_assignment", args=[review_call.code]),
            {"reviews_per_proposal": "1", "objective": "fair", "q": "0.5", "seed": "3", "bid_weight": "0.25"},
        )
    run = EngineRun.objects.get(kind=RunKind.ASSIGNMENT)
    assert response.url == reverse("review:run", args=[run.pk])
    page = client.get(response.url)
    assert page.status_code == 200 and b"Publish and notify reviewers" in page.content
    assert proposals[0].code.encode() in page.content
    assert as_persona("board").post(reverse("review:publish", args=[run.pk])).status_code == 404
    client.post(reverse("review:publish", args=[run.pk]))
    assert ReviewAssignment.objects.filter(call=review_call).count() == 3


def test_manual_add_refused_for_a_conflict_with_a_message(as_persona, review_call, proposals, pool, office):
    services.declare_conflict(
        review_call,
        reviewer=pool[1].person,
        proposal=proposals[0],
        reason="x",
        origin=ConflictOrigin.OFFICE,
        actor=office,
    )
    response = as_persona("office").post(
        reverse("review:add_assignment", args=[review_call.code]),
        {"proposal": proposals[0].code, "reviewer": pool[1].person.code, "reason": "try"},
        follow=True,
    )
    assert b"conflict of interest" in response.content
    assert not ReviewAssignment.objects.exists()


@pytest.mark.parametrize("count", [1, 4])
def test_desk_and_assignments_query_counts(
    as_persona, django_assert_num_queries, review_call, office, university, count
):
    for _ in range(count):
        proposal = ProposalFactory(call=review_call, lead_organisation=university, state="submitted")
        person = PersonFactory()
        PoolMember.objects.create(call=review_call, person=person, state="accepted")
        services.add_assignment(review_call, reviewer=person, proposal=proposal, reason="x", actor=office)
    client = as_persona("office")
    with django_assert_num_queries(22):  # one to fail the runs whose worker died, one per count of the pool
        client.get(reverse("review:desk", args=[review_call.code]))
    with django_assert_num_queries(10):  # a page of proposals (count, page, assignments) and the choices
        client.get(reverse("review:assignments", args=[review_call.code]))


def test_assignments_come_a_page_of_proposals_at_a_time(as_persona, review_call, university, settings):
    settings.GRAPPE_PAGE_SIZE = 2
    made = sorted(
        (ProposalFactory(call=review_call, lead_organisation=university, state="submitted") for _ in range(3)),
        key=lambda p: p.code,
    )
    client = as_persona("office")
    url = reverse("review:assignments", args=[review_call.code])
    first, second = client.get(url).content.decode(), client.get(url + "?page=2").content.decode()
    assert f"<strong>{made[0].code}</strong>" in first and f"<strong>{made[2].code}</strong>" not in first
    assert f"<strong>{made[2].code}</strong>" in second and f"<strong>{made[0].code}</strong>" not in second
    # Every proposal stays in the "add a reviewer" list, whatever the page.
    assert all(f'<option value="{p.code}">' in second for p in made)


@pytest.mark.parametrize("count", [1, 4])
def test_my_reviews_query_count(
    as_persona, django_assert_num_queries, review_call, office, reviewer, university, count
):
    PoolMember.objects.create(call=review_call, person=reviewer.person, state="accepted", max_load=10)
    for _ in range(count):
        proposal = ProposalFactory(call=review_call, lead_organisation=university, state="submitted")
        services.add_assignment(review_call, reviewer=reviewer.person, proposal=proposal, reason="x", actor=office)
    client = as_persona("reviewer")
    with django_assert_num_queries(6):  # app permissions ask the roles only, no ModelBackend query
        client.get(reverse("review:mine"))


def _open_bidding(call):
    settings = services.settings_for(call)
    settings.bidding_open = True
    settings.save()


def test_bidding_page_hides_conflicted_proposals_and_saves(as_persona, review_call, proposals, pool, office, reviewer):
    url = reverse("review:bids", args=[review_call.code])
    assert as_persona("reviewer").get(url).status_code == 404  # closed
    _open_bidding(review_call)
    services.declare_conflict(
        review_call,
        reviewer=reviewer.person,
        proposal=proposals[0],
        reason="x",
        origin=ConflictOrigin.OFFICE,
        actor=office,
    )
    client = as_persona("reviewer")
    page = client.get(url)
    assert proposals[0].code.encode() not in page.content and proposals[1].code.encode() in page.content
    client.post(
        url, {f"bid_{proposals[1].pk}": "eager", f"bid_{proposals[0].pk}": "eager", f"bid_{proposals[2].pk}": "bogus"}
    )
    assert list(Bid.objects.values_list("proposal_id", "level")) == [(proposals[1].pk, "eager")]
    assert as_persona("applicant").get(url).status_code == 404  # not in the pool


def test_bids_steer_the_assignment(review_call, proposals, pool, office, django_capture_on_commit_callbacks):
    _open_bidding(review_call)
    # The legal expert (pool[0]) bids eagerly on the robot proposal and refuses the legal one.
    services.save_bids(
        review_call,
        reviewer=pool[0].person,
        levels={proposals[1].pk: "eager", proposals[2].pk: "not_willing"},
        actor=office,
    )
    services.save_bids(review_call, reviewer=pool[2].person, levels={proposals[2].pk: "eager"}, actor=office)
    with django_capture_on_commit_callbacks(execute=True):
        services.start_run(review_call, kind=RunKind.AFFINITY, parameters={}, actor=office)
        ignored = services.start_run(
            review_call, kind=RunKind.ASSIGNMENT, parameters={"reviews_per_proposal": 1, "bid_weight": 0}, actor=office
        )
        heeded = services.start_run(
            review_call,
            kind=RunKind.ASSIGNMENT,
            parameters={"reviews_per_proposal": 1, "bid_weight": 0.9},
            actor=office,
        )
    pairs = lambda run: {(p.reviewer_id, p.proposal_id) for p in run.pairs.all()}  # noqa: E731
    assert (pool[0].person.pk, proposals[2].pk) in pairs(ignored)
    assert (pool[0].person.pk, proposals[1].pk) in pairs(heeded)
    heeded.refresh_from_db()
    assert heeded.statistics["bids_honoured"] >= 2 and heeded.statistics["bids_against"] == 0


def test_reminders_by_button_and_command(as_persona, assignment, review_call):
    from django.core import mail
    from django.core.management import call_command

    mail.outbox.clear()
    assert as_persona("board").post(reverse("review:remind", args=[review_call.code])).status_code == 404
    as_persona("office").post(reverse("review:remind", args=[review_call.code]))
    assert len(mail.outbox) == 1 and assignment.proposal.code in mail.outbox[0].body
    assert_notified("deadline", mail.outbox[0].to[0])
    call_command("send_review_reminders", "--call", review_call.code, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 2


def test_reviews_export(as_persona, assignment, review_call):
    import io

    from openpyxl import load_workbook

    services.save_review(
        assignment,
        {f"score_{c.pk}": "4" for c in review_call.scheme.criteria.all()}
        | {"applicant_comment": "Good", "recommendation": "fund"},
        expected_version=1,
        submit=True,
        actor=None,
    )
    url = reverse("review:export_reviews", args=[review_call.code])
    assert as_persona("reviewer").get(url).status_code == 404
    response = as_persona("board").get(url)
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "Proposal" and rows[1][0] == assignment.proposal.code
    assert 4.0 in rows[1] and "Good" in rows[1]


def test_desk_counts_loads_once_per_assignment(as_persona, assignment, pool, review_call):
    from grappe.review.models import Publication

    for year in (2020, 2021, 2022):  # more publications must not multiply the load
        Publication.objects.create(person=assignment.reviewer, title=f"Paper {year}", year=year, source="manual")
    page = as_persona("office").get(reverse("review:desk", args=[review_call.code]))
    member = next(m for m in page.context["pool"] if m.person_id == assignment.reviewer_id)
    assert (member.load, member.done, member.publications) == (1, 0, 4)


def test_desk_shows_the_pool_history_across_calls(as_persona, review_call, pool):
    from tests.factories import CallFactory

    for state in ("accepted", "accepted", "declined"):
        PoolMember.objects.create(call=CallFactory(), person=pool[1].person, state=state)
    page = as_persona("office").get(reverse("review:desk", args=[review_call.code]))
    member = next(m for m in page.context["pool"] if m.person_id == pool[1].person_id)
    assert (member.other_calls, member.other_declines) == (2, 1)
    assert b"2 reviewed, 1 declined" in page.content


OFFICE_ACTIONS = [
    ("review:settings", {"conflict_window_years": "2"}),
    ("review:invite", {"email": "x@example.org", "last_name": "X", "max_load": "3"}),
    ("review:compute_conflicts", {}),
    ("review:start_affinity", {"backend": "tfidf"}),
    ("review:start_assignment", {"reviews_per_proposal": "1", "objective": "fair", "q": "0.5", "bid_weight": "0"}),
    ("review:add_assignment", {"reason": "x"}),
    ("review:add_conflict", {"reason": "x"}),
    ("review:remind", {}),
]


@pytest.mark.parametrize(
    "persona", ["board", "institution_contact", "partner_contact", "applicant", "reviewer", "outsider"]
)
@pytest.mark.parametrize(("name", "data"), OFFICE_ACTIONS)
def test_every_office_action_answers_404_to_others(as_persona, review_call, persona, name, data):
    from grappe.core.models import AuditLog

    before = AuditLog.objects.count()
    assert as_persona(persona).post(reverse(name, args=[review_call.code]), data).status_code == 404
    assert AuditLog.objects.count() == before


def test_office_records_a_conflict_which_removes_the_assignment(as_persona, assignment, review_call):
    response = as_persona("office").post(
        reverse("review:add_conflict", args=[review_call.code]),
        {"proposal": assignment.proposal.code, "reviewer": assignment.reviewer.code, "reason": "Same lab"},
        follow=True,
    )
    assert b"Conflict recorded." in response.content
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.REMOVED
    assert Conflict.objects.get(origin=ConflictOrigin.OFFICE).reasons == ["Same lab"]


def test_a_garbage_version_on_a_review_is_a_conflict_message(as_persona, assignment):
    services.confirm_assignment(assignment, actor=None)
    response = as_persona("reviewer").post(
        reverse("review:review", args=[assignment.pk]), {"version": "abc", "applicant_comment": "x"}, follow=True
    )
    assert response.status_code == 409 and b"nothing of yours was saved" in response.content
    assert response.context["kept"] == [("Comment for the applicants", "x")]


def test_the_review_form_shows_a_stored_whole_score_as_selected(as_persona, assignment, review_call):
    from grappe.review.models import Review

    services.confirm_assignment(assignment, actor=None)
    Review.objects.create(assignment=assignment, scores={str(c.pk): "4" for c in review_call.scheme.criteria.all()})
    page = as_persona("reviewer").get(reverse("review:review", args=[assignment.pk]))
    assert page.content.count(b'value="4.0" selected') == 3


@pytest.mark.parametrize("count", [3, 7])
def test_run_page_shows_the_weakest_proposals_first_a_page_at_a_time(
    as_persona, django_assert_max_num_queries, review_call, office, university, settings, count
):
    from grappe.review.models import ProposedPair, RunState

    settings.GRAPPE_PAGE_SIZE = 2
    run = EngineRun.objects.create(call=review_call, kind=RunKind.ASSIGNMENT, state=RunState.DONE, created_by=office)
    reviewers = [PersonFactory() for _ in range(2)]
    proposals = []
    for i in range(count):
        proposal = ProposalFactory(call=review_call, lead_organisation=university, state="submitted")
        proposals.append(proposal)
        for reviewer in reviewers:  # totals 0.9, 0.8, … : the last proposal is the weakest
            ProposedPair.objects.create(run=run, reviewer=reviewer, proposal=proposal, affinity=0.45 - i * 0.05)
    client = as_persona("office")
    url = reverse("review:run", args=[run.pk])
    with django_assert_max_num_queries(14):
        first = client.get(url).content.decode()
    weakest, second = proposals[-1].code, proposals[-2].code
    assert weakest in first and second in first and proposals[0].code not in first
    assert first.index(weakest) < first.index(second)
    last = client.get(url, {"page": (count + 1) // 2}).content.decode()
    assert proposals[0].code in last and weakest not in last
    # Every reviewer's load counts the whole run, not the page.
    assert f"{reviewers[0].full_name} <strong>{count}</strong>" in first
