import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from grappe.core.models import AuditLog
from grappe.core.services import ConcurrentEditError
from grappe.submissions import services
from grappe.submissions.models import InvitationState, Proposal, ProposalState, TeamMember
from tests.notifications.checks import assert_notified


def test_start_proposal_makes_the_actor_lead_with_their_organisation(call, applicant, university):
    proposal = services.start_proposal(call, actor=applicant, title="New idea")

    member = proposal.team.get()
    assert (proposal.lead, proposal.lead_organisation, proposal.state) == (applicant.person, university, "draft")
    assert (member.role, member.state) == ("lead", "accepted")


def test_start_proposal_on_a_closed_call_is_refused(call, applicant):
    call.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    call.save()

    with pytest.raises(services.SubmissionError) as exc:
        services.start_proposal(call, actor=applicant, title="Too late")

    assert str(exc.value) == "This call is not open for proposals."
    assert Proposal.objects.count() == 0


def test_submit_at_the_last_second_is_accepted_and_one_second_late_is_refused(complete_draft, applicant):
    deadline = complete_draft.call.closes_at

    with pytest.raises(services.SubmissionError) as late:
        services.submit_proposal(complete_draft, actor=applicant, now=deadline)
    services.submit_proposal(complete_draft, actor=applicant, now=deadline - datetime.timedelta(seconds=1))

    complete_draft.refresh_from_db()
    assert str(late.value).startswith("The deadline has passed (")
    assert (complete_draft.state, complete_draft.submitted_at) == (
        "submitted",
        deadline - datetime.timedelta(seconds=1),
    )
    assert complete_draft.eligible is True


def test_submit_with_failures_changes_nothing(draft, applicant, impact_question):
    before = Proposal.objects.get(pk=draft.pk)

    with pytest.raises(services.SubmissionError) as exc:
        services.submit_proposal(draft, actor=applicant)

    after = Proposal.objects.get(pk=draft.pk)
    assert len(exc.value.failures) >= 3
    assert (after.state, after.submitted_at, after.version) == (before.state, None, before.version)
    assert not AuditLog.objects.filter(action="proposal.submitted").exists()


def test_submit_sends_a_receipt_with_the_exact_time(
    complete_draft, applicant, mailoutbox, django_capture_on_commit_callbacks
):
    at = complete_draft.call.closes_at - datetime.timedelta(hours=1, seconds=7)

    with django_capture_on_commit_callbacks(execute=True):
        services.submit_proposal(complete_draft, actor=applicant, now=at)

    local = timezone.localtime(at)
    assert [m.to for m in mailoutbox] == [[applicant.email]]
    assert local.strftime("%d/%m/%Y %H:%M:%S") in mailoutbox[0].body
    assert mailoutbox[0].subject == f"Accusé de réception : projet {complete_draft.code} déposé"  # the lead's language
    receipt = assert_notified("receipt", applicant.email)
    assert (receipt.person, receipt.subject) == (applicant.person, mailoutbox[0].subject)


def test_withdraw_then_reopen_until_the_deadline(complete_draft, applicant):
    services.submit_proposal(complete_draft, actor=applicant)
    services.withdraw_proposal(complete_draft, actor=applicant)
    reopened = services.reopen_proposal(complete_draft, actor=applicant)

    assert (reopened.state, reopened.submitted_at) == ("draft", None)
    actions = list(
        AuditLog.objects.filter(object_id=str(complete_draft.pk)).order_by("id").values_list("action", flat=True)
    )
    assert actions[-3:] == ["proposal.submitted", "proposal.withdrawn", "proposal.reopened"]


def test_reopen_after_the_deadline_is_refused(complete_draft, applicant):
    services.submit_proposal(complete_draft, actor=applicant)
    later = complete_draft.call.closes_at + datetime.timedelta(minutes=1)

    with pytest.raises(services.SubmissionError) as exc:
        services.reopen_proposal(complete_draft, actor=applicant, now=later)

    assert str(exc.value) == "The call is closed: the proposal can no longer be reopened."


def test_two_editors_never_overwrite_each_other(draft, applicant):
    first = Proposal.objects.get(pk=draft.pk)
    second = Proposal.objects.get(pk=draft.pk)

    services.update_proposal(first, actor=applicant, changes={"title": "Mine"}, expected_version=1)
    with pytest.raises(ConcurrentEditError):
        services.update_proposal(second, actor=applicant, changes={"title": "Theirs"}, expected_version=1)

    assert Proposal.objects.get(pk=draft.pk).title == "Mine"


def test_budget_save_with_a_stale_version_keeps_the_old_table(complete_draft, applicant):
    from grappe.programmes.models import CostCategory

    personnel = CostCategory.objects.get(code="personnel")
    key = (personnel.pk, complete_draft.lead_organisation_id, 2026)

    with pytest.raises(ConcurrentEditError):
        services.save_budget(complete_draft, actor=applicant, values={key: Decimal("1")}, expected_version=99)

    assert list(complete_draft.budget_lines.values_list("amount", flat=True)) == [Decimal("100000.00")]


def test_invitation_is_answered_only_by_the_invited_address(
    draft, applicant, reviewer, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member = services.invite_member(
            draft, actor=applicant, email="REVIEWER@example.org", role="member", organisation=None
        )

    with pytest.raises(services.SubmissionError):
        services.respond_to_invitation(member, actor=outsider, accept=True)
    services.respond_to_invitation(member, actor=reviewer, accept=True)

    member.refresh_from_db()
    assert (member.state, member.person) == (InvitationState.ACCEPTED, reviewer.person)
    assert mailoutbox[0].to == ["reviewer@example.org"]
    assert "/proposals/invitations/" in mailoutbox[0].body
    assert_notified("invitation", "reviewer@example.org")


def test_inviting_the_same_address_twice_is_refused(draft, applicant):
    services.invite_member(draft, actor=applicant, email="x@example.org", role="member", organisation=None)

    with pytest.raises(services.SubmissionError) as exc:
        services.invite_member(draft, actor=applicant, email="X@example.org", role="co_lead", organisation=None)

    assert str(exc.value) == "x@example.org is already in the team."
    assert TeamMember.objects.filter(proposal=draft).count() == 2


def test_override_eligibility_requires_a_reason_and_is_logged(complete_draft, office):
    with pytest.raises(services.SubmissionError):
        services.override_eligibility(complete_draft, actor=office, eligible=False, reason="  ")

    services.override_eligibility(complete_draft, actor=office, eligible=False, reason="Lead not permanent staff")

    complete_draft.refresh_from_db()
    assert (complete_draft.final_eligibility, complete_draft.eligibility_override_reason) == (
        False,
        "Lead not permanent staff",
    )
    assert AuditLog.objects.get(action="proposal.eligibility_overridden").data == {
        "from": None,
        "to": False,
        "computed": None,
        "reason": "Lead not permanent staff",
    }


def test_edits_after_submission_are_refused(complete_draft, applicant):
    services.submit_proposal(complete_draft, actor=applicant)
    complete_draft.refresh_from_db()

    with pytest.raises(services.SubmissionError):
        services.update_proposal(
            complete_draft, actor=applicant, changes={"title": "X"}, expected_version=complete_draft.version
        )

    assert Proposal.objects.get(pk=complete_draft.pk).state == ProposalState.SUBMITTED
