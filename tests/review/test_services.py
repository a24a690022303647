"""The review services: pool, publications, conflicts, engine runs, publication, manual changes, reviews."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from grappe.core.models import AuditLog
from grappe.core.services import ConcurrentEditError
from grappe.review import services
from grappe.review.models import (
    Affinity,
    AssignmentState,
    Conflict,
    ConflictOrigin,
    EngineRun,
    PoolState,
    ReviewAssignment,
    ReviewState,
    RunKind,
    RunState,
)
from grappe.submissions.models import InvitationState, ProposalPartner, TeamMember
from tests.factories import AffiliationFactory, PersonFactory, RoleFactory
from tests.notifications.checks import assert_notified

pytestmark = pytest.mark.django_db

BIBTEX = r"""
@article{curie2024,
  title = {Graph {Neural} Networks for Chemistry},
  author = {Curie, Marie and Doe, Jane},
  year = {2024},
  doi = {10.1000/xyz},
  abstract = {We predict properties.}
}
@inproceedings{old,
  title = {An old paper},
  author = {Curie, Marie},
  year = {2001}
}
@misc{notitle, author = {Nobody}}
"""


def test_invite_creates_the_person_and_sends_the_link(review_call, office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        member = services.invite(
            review_call, email="New.Expert@Example.org", first_name="Ada", last_name="Lovelace", actor=office
        )
    assert member.person.email == "new.expert@example.org"
    assert member.state == PoolState.INVITED
    assert len(mail.outbox) == 1
    assert member.token in mail.outbox[0].body
    assert assert_notified("invitation", "new.expert@example.org").person == member.person
    with pytest.raises(services.ReviewError, match="already in this call's pool"):
        services.invite(review_call, email="new.expert@example.org", actor=office)
    with pytest.raises(services.ReviewError, match="first and last name"):
        services.invite(review_call, email="unknown@example.org", actor=office)


def test_decline_needs_a_reason(review_call, office, reviewer):
    member = services.invite(review_call, email=reviewer.person.email, actor=office)
    with pytest.raises(services.ReviewError):
        services.respond(member, accept=False, reason=" ", actor=reviewer)
    services.respond(member, accept=False, reason="On leave", actor=reviewer)
    member.refresh_from_db()
    assert (member.state, member.decline_reason) == (PoolState.DECLINED, "On leave")


def test_bibtex_and_jsonl_imports(reviewer):
    person = reviewer.person
    assert services.import_publications(person, content=BIBTEX, fmt="bibtex", actor=reviewer) == 2
    first = person.publications.get(year=2024)
    assert first.title == "Graph Neural Networks for Chemistry"
    assert first.authors == ["Curie, Marie", "Doe, Jane"]
    assert first.doi == "10.1000/xyz"
    assert services.import_publications(person, content=BIBTEX, fmt="bibtex", actor=reviewer) == 0  # no duplicates
    jsonl = '{"id": "a1", "content": {"title": {"value": "Tactile grasping"}, "abstract": "Robots.", "year": 2023}}\n'
    assert services.import_publications(person, content=jsonl, fmt="jsonl", actor=reviewer) == 1
    with pytest.raises(services.ReviewError, match="line 1: not valid JSON"):
        services.import_publications(person, content="not json\n", fmt="jsonl", actor=reviewer)
    with pytest.raises(services.ReviewError, match="No publication"):
        services.import_publications(person, content="@misc{x, author={A}}", fmt="bibtex", actor=reviewer)


def test_conflicts_from_affiliation_team_partner_and_coauthorship(
    review_call, proposals, pool, university, company, office
):
    reviewer_person = pool[0].person
    graph_person = pool[1].person
    robot_person = pool[2].person
    # An affiliation that ended 2 years ago with the lead organisation: conflict with every proposal.
    AffiliationFactory(
        person=reviewer_person, organisation=university, end_date=timezone.localdate() - dt.timedelta(days=730)
    )
    # A partner contact of the company named in proposal 1.
    ProposalPartner.objects.create(proposal=proposals[1], organisation=company)
    RoleFactory(person=graph_person, kind="partner_contact", organisation=company)
    # Co-authorship with a team member of proposal 2.
    coauthor = PersonFactory(first_name="Jane", last_name="Doe")
    TeamMember.objects.create(
        proposal=proposals[2], person=coauthor, email="jane@example.org", state=InvitationState.ACCEPTED
    )
    robot_person.publications.create(
        title="Joint work", year=timezone.now().year - 1, authors=["Doe, Jane"], source="manual"
    )
    robot_person.publications.create(title="Old joint work", year=2001, authors=["Lead, Old"], source="manual")

    count = services.compute_conflicts(review_call, actor=office)

    conflicts = {(c.reviewer_id, c.proposal_id): c.reason_texts for c in Conflict.objects.all()}
    assert count == len(conflicts) == 5
    assert all((reviewer_person.pk, p.pk) in conflicts for p in proposals)
    assert "partner company" in conflicts[(graph_person.pk, proposals[1].pk)][0]
    assert "co-author" in conflicts[(robot_person.pk, proposals[2].pk)][0]
    assert (robot_person.pk, proposals[0].pk) not in conflicts


def test_old_affiliation_outside_the_window_is_no_conflict(review_call, proposals, pool, university, office):
    AffiliationFactory(
        person=pool[0].person, organisation=university, end_date=timezone.localdate() - dt.timedelta(days=365 * 5)
    )
    assert services.compute_conflicts(review_call, actor=office) == 0
    settings = services.settings_for(review_call)
    settings.conflict_window_years = 6
    settings.save()
    assert services.compute_conflicts(review_call, actor=office) == 3


def test_waiver_needs_a_justification_and_survives_recomputation(review_call, proposals, pool, university, office):
    AffiliationFactory(person=pool[0].person, organisation=university)
    services.compute_conflicts(review_call, actor=office)
    conflict = Conflict.objects.filter(reviewer=pool[0].person).first()
    with pytest.raises(services.ReviewError, match="justification"):
        services.waive_conflict(conflict, justification="ok", actor=office)
    services.waive_conflict(conflict, justification="Different department, no joint work", actor=office)
    services.compute_conflicts(review_call, actor=office)
    again = Conflict.objects.get(reviewer=pool[0].person, proposal=conflict.proposal)
    assert again.waived and again.waiver_justification.startswith("Different")
    assert AuditLog.objects.filter(action="review.conflict_waived").exists()


def _run_affinity_and_assignment(call, office, **parameters):
    services.start_run(call, kind=RunKind.AFFINITY, parameters={"backend": "tfidf"}, actor=office)
    params = {
        "reviews_per_proposal": 1,
        "max_load": None,
        "objective": "max-affinity",
        "q": 0.5,
        "seed": 1,
        **parameters,
    }
    return services.start_run(call, kind=RunKind.ASSIGNMENT, parameters=params, actor=office)


def test_affinity_and_assignment_runs_are_stored_with_their_ledger(
    review_call, proposals, pool, office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = _run_affinity_and_assignment(review_call, office)
    run.refresh_from_db()
    assert run.state == RunState.DONE, run.error
    assert Affinity.objects.filter(call=review_call).count() == 9
    best = Affinity.objects.filter(proposal=proposals[0]).order_by("-score").first()
    assert best.reviewer == pool[1].person  # the graph expert for the graph proposal
    assert best.document.startswith("Graph neural networks")
    assert "graph" in " ".join(best.terms) and "and" not in best.terms
    pairs = {(p.reviewer_id, p.proposal_id) for p in run.pairs.all()}
    assert pairs == {
        (pool[1].person.pk, proposals[0].pk),
        (pool[2].person.pk, proposals[1].pk),
        (pool[0].person.pk, proposals[2].pk),
    }
    assert len(run.inputs_hash) == 64 and run.engine_version and run.seed == 1
    assert run.statistics["gap"] == 0 and run.statistics["pairs"] == 3
    affinity_run = EngineRun.objects.get(call=review_call, kind=RunKind.AFFINITY)
    assert affinity_run.parameters["backend"] == "tfidf" and affinity_run.state == RunState.DONE


def test_conflicts_are_never_assigned_and_infeasibility_is_explained(
    review_call, proposals, pool, university, office, django_capture_on_commit_callbacks
):
    services.declare_conflict(
        review_call,
        reviewer=pool[1].person,
        proposal=proposals[0],
        reason="Former student",
        origin=ConflictOrigin.OFFICE,
        actor=office,
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = _run_affinity_and_assignment(review_call, office)
    run.refresh_from_db()
    assert (pool[1].person.pk, proposals[0].pk) not in {(p.reviewer_id, p.proposal_id) for p in run.pairs.all()}
    services.set_max_loads(review_call, members=[m.pk for m in pool], max_load=3, actor=office)  # capacity 9 = needed
    with django_capture_on_commit_callbacks(execute=True):
        failed = _run_affinity_and_assignment(review_call, office, reviews_per_proposal=3)
    failed.refresh_from_db()
    assert failed.state == RunState.FAILED
    assert proposals[0].code in failed.error and "needs 3" in failed.error


def test_publish_creates_assignments_and_notifies(
    review_call, proposals, pool, office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = _run_affinity_and_assignment(review_call, office)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.publish_run(run, actor=office) == 3
    assert ReviewAssignment.objects.filter(call=review_call, state=AssignmentState.ACTIVE).count() == 3
    assert len(mail.outbox) == 3
    assert any(proposals[0].code in m.body for m in mail.outbox)
    for message in mail.outbox:
        assert_notified("assignment", message.to[0])
    with pytest.raises(services.ReviewError, match="already published"):
        services.publish_run(run, actor=office)


def test_manual_changes_check_conflicts_and_loads(review_call, proposals, pool, office):
    expert = pool[0].person
    with pytest.raises(services.ReviewError, match="why"):
        services.add_assignment(review_call, reviewer=expert, proposal=proposals[0], reason="", actor=office)
    services.add_assignment(review_call, reviewer=expert, proposal=proposals[0], reason="expert asked", actor=office)
    services.add_assignment(review_call, reviewer=expert, proposal=proposals[1], reason="expert asked", actor=office)
    with pytest.raises(services.ReviewError, match="maximum"):
        services.add_assignment(review_call, reviewer=expert, proposal=proposals[2], reason="one more", actor=office)
    services.declare_conflict(
        review_call,
        reviewer=pool[1].person,
        proposal=proposals[2],
        reason="co-founder",
        origin=ConflictOrigin.OFFICE,
        actor=office,
    )
    with pytest.raises(services.ReviewError, match="conflict of interest"):
        services.add_assignment(review_call, reviewer=pool[1].person, proposal=proposals[2], reason="try", actor=office)
    assignment = ReviewAssignment.objects.get(reviewer=expert, proposal=proposals[0])
    services.remove_assignment(assignment, reason="rebalance", actor=office)
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.REMOVED
    assert AuditLog.objects.filter(action="review.assignment_removed", data__reason="rebalance").exists()


def test_replacement_suggestions_skip_conflicts_and_full_experts(
    review_call, proposals, pool, office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.start_run(review_call, kind=RunKind.AFFINITY, parameters={}, actor=office)
    declined = services.add_assignment(
        review_call, reviewer=pool[1].person, proposal=proposals[0], reason="x", actor=office
    )
    services.decline_assignment(declined, reason="travelling", actor=office)
    services.declare_conflict(
        review_call,
        reviewer=pool[2].person,
        proposal=proposals[0],
        reason="friend",
        origin=ConflictOrigin.OFFICE,
        actor=office,
    )
    suggested = [person for person, _score in services.replacement_suggestions(declined)]
    assert suggested == [pool[0].person]


def _criteria_data(call, score="3.5"):
    return {f"score_{c.pk}": score for c in call.scheme.criteria.all()} | {
        "applicant_comment": "Clear and ambitious.",
        "recommendation": "fund",
    }


def test_review_draft_submit_and_edit_until_the_deadline(review_call, proposals, pool, office, reviewer):
    assignment = services.add_assignment(
        review_call, reviewer=reviewer.person, proposal=proposals[2], reason="x", actor=office
    )
    draft = services.save_review(
        assignment, {"applicant_comment": "Partial"}, expected_version=1, submit=False, actor=reviewer
    )
    assert draft.state == ReviewState.DRAFT and draft.version == 2
    with pytest.raises(services.ReviewError) as missing:
        services.save_review(assignment, {"applicant_comment": ""}, expected_version=2, submit=True, actor=reviewer)
    assert len(missing.value.messages) == 3
    with pytest.raises(services.ReviewError, match="half points"):
        services.save_review(
            assignment, _criteria_data(review_call, "3.3"), expected_version=2, submit=True, actor=reviewer
        )
    with pytest.raises(ConcurrentEditError):
        services.save_review(assignment, _criteria_data(review_call), expected_version=1, submit=True, actor=reviewer)
    review = services.save_review(
        assignment, _criteria_data(review_call), expected_version=2, submit=True, actor=reviewer
    )
    assert review.state == ReviewState.SUBMITTED and set(review.scores.values()) == {"3.5"}
    settings = services.settings_for(review_call)
    settings.review_deadline = timezone.now() - dt.timedelta(minutes=1)
    settings.save()
    with pytest.raises(services.ReviewError, match="deadline"):
        services.save_review(assignment, _criteria_data(review_call), expected_version=3, submit=True, actor=reviewer)
    assert services.late_reviews(review_call) == []
