"""Readers of a submitted proposal who are not its team: the assigned reviewer who confirmed no
conflict, and the board once the call has closed. Each reads the whole proposal as submitted
(answers, attachments, team, partners and co-funding, budget, ethics) and nothing private."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from grappe.calls.models import Call
from grappe.review.models import Conflict, ConflictOrigin, ReviewAssignment
from grappe.submissions import services
from grappe.submissions.models import Answer, EthicsAssessment, Proposal, TeamMember
from tests.conftest import PERSONAS
from tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def _close(call):
    Call.objects.filter(pk=call.pk).update(
        opens_at=timezone.now() - dt.timedelta(days=30), closes_at=timezone.now() - dt.timedelta(days=1)
    )


@pytest.fixture
def submitted(complete_draft, applicant):
    services.submit_proposal(complete_draft, actor=applicant)
    EthicsAssessment.objects.update_or_create(
        proposal=complete_draft,
        defaults={"personal_data": True, "special_categories": ["health"], "explanation": "Pseudonymised."},
    )
    TeamMember.objects.create(proposal=complete_draft, email="pending.invitee@example.org")
    return Proposal.objects.get(pk=complete_draft.pk)


@pytest.fixture
def assignment(submitted, reviewer):
    return ReviewAssignment.objects.create(call=submitted.call, reviewer=reviewer.person, proposal=submitted)


def _confirm(assignment):
    assignment.confirmed_at = timezone.now()
    assignment.save()


def _pages(proposal):
    answer = Answer.objects.get(proposal=proposal, question__kind="pdf")
    return [
        reverse("submissions:detail", args=[proposal.code]),
        reverse("submissions:summary", args=[proposal.code]),
        reverse("submissions:attachment", args=[proposal.code, answer.pk]),
    ]


def test_confirmed_reviewer_reads_the_whole_proposal(as_persona, assignment, submitted):
    _confirm(assignment)
    client = as_persona("reviewer")

    statuses = [client.get(url).status_code for url in _pages(submitted)]
    page = client.get(reverse("submissions:detail", args=[submitted.code])).content.decode()

    assert statuses == [200, 200, 200]
    for text in ["Real impact for the partners.", "doc.pdf", "Exemplix Santé", "43,200.00", "108,000.00"]:
        assert text in page
    assert "Pseudonymised." in page and "Health" in page  # the ethics self-assessment, labelled
    assert "pending.invitee@example.org" not in page  # invitations stay with the team
    assert "Office: eligibility" not in page and "Record the decision" not in page  # office notes stay private


def test_reviewer_reads_nothing_before_confirming_no_conflict(as_persona, assignment, submitted):
    client = as_persona("reviewer")

    assert [client.get(url).status_code for url in _pages(submitted)] == [404, 404, 404]


@pytest.mark.parametrize("origin", [ConflictOrigin.COMPUTED, ConflictOrigin.OFFICE])
def test_conflicted_reviewer_reads_nothing(as_persona, assignment, submitted, reviewer, origin):
    _confirm(assignment)
    Conflict.objects.create(
        call=submitted.call, reviewer=reviewer.person, proposal=submitted, origin=origin, reasons=["x"]
    )

    assert [as_persona("reviewer").get(url).status_code for url in _pages(submitted)] == [404, 404, 404]


def test_waived_conflict_lets_the_reviewer_read(as_persona, assignment, submitted, reviewer):
    _confirm(assignment)
    Conflict.objects.create(
        call=submitted.call, reviewer=reviewer.person, proposal=submitted, origin="computed", waived=True
    )

    assert as_persona("reviewer").get(_pages(submitted)[0]).status_code == 200


def test_removed_assignment_reads_nothing(as_persona, assignment, submitted):
    _confirm(assignment)
    assignment.state = "removed"
    assignment.save()

    assert as_persona("reviewer").get(_pages(submitted)[0]).status_code == 404


def test_confirmation_lists_the_team_and_partner_organisations(as_persona, assignment, submitted, applicant):
    response = as_persona("reviewer").get(reverse("review:review", args=[assignment.pk]))

    page = response.content.decode()
    assert response.templates[0].name == "review/confirm.html"
    assert applicant.person.full_name in page and "Université Exemple" in page and "Exemplix Santé" in page
    assert "pending.invitee@example.org" not in page


# --- The board ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_board_reads_submitted_proposals_of_a_closed_call(as_persona, submitted, persona):
    _close(submitted.call)

    statuses = [as_persona(persona).get(url).status_code for url in _pages(submitted)]

    allowed = {"office", "board", "applicant", "institution_contact"}
    if persona in allowed:
        assert statuses == [200, 200, 200]
    elif persona == "partner_contact":
        assert statuses == [200, 404, 404]  # its own company's commitments only
    else:
        assert statuses == [302 if persona == "anonymous" else 404] * 3


def test_board_reads_nothing_while_the_call_is_open(as_persona, submitted):
    assert [as_persona("board").get(url).status_code for url in _pages(submitted)] == [404, 404, 404]


def test_board_never_reads_a_draft(as_persona, complete_draft):
    _close(complete_draft.call)

    assert as_persona("board").get(reverse("submissions:detail", args=[complete_draft.code])).status_code == 404


@pytest.fixture
def other_teams_draft(submitted):
    return ProposalFactory(
        call=submitted.call,
        title="Secret draft of another team",
        requested_amount=99,
        lead_organisation=submitted.lead_organisation,
    )


def test_board_list_and_exports_leave_drafts_out(as_persona, submitted, other_teams_draft):
    call = submitted.call
    client = as_persona("board")

    listed = [p.code for p in client.get(reverse("submissions:office_list", args=[call.code])).context["page"]]
    text = b"".join(client.get(reverse("submissions:export_csv", args=[call.code])).streaming_content)
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    sheet = load_workbook(
        io.BytesIO(b"".join(client.get(reverse("submissions:export_xlsx", args=[call.code])).streaming_content))
    ).active
    codes = [row[0] for row in sheet.iter_rows(values_only=True)]

    assert listed == [submitted.code]
    assert [row[0] for row in rows[1:]] == [submitted.code]
    assert other_teams_draft.code not in codes and submitted.code in codes
    assert "Secret draft" not in client.get(reverse("submissions:office_list", args=[call.code])).content.decode()


def test_office_list_still_shows_drafts(as_persona, submitted, other_teams_draft):
    response = as_persona("office").get(reverse("submissions:office_list", args=[submitted.call.code]))

    assert sorted(p.code for p in response.context["page"]) == sorted([submitted.code, other_teams_draft.code])


def test_board_list_links_to_proposals_once_the_call_closed(as_persona, submitted):
    url = reverse("submissions:office_list", args=[submitted.call.code])
    link = reverse("submissions:detail", args=[submitted.code])

    before = link in as_persona("board").get(url).content.decode()
    _close(submitted.call)
    after = link in as_persona("board").get(url).content.decode()

    assert (before, after) == (False, True)


@pytest.mark.parametrize("item_count", [1, 4])
def test_board_list_query_count(as_persona, django_assert_num_queries, call, applicant, university, item_count):
    for _ in range(item_count):
        ProposalFactory(
            call=call,
            lead=applicant.person,
            lead_organisation=university,
            state="submitted",
            submitted_at=timezone.now(),
        )
        ProposalFactory(call=call, lead=applicant.person, lead_organisation=university)  # a draft, left out
    _close(call)
    client = as_persona("board")

    with django_assert_num_queries(12):  # constant whatever the number of rows
        response = client.get(reverse("submissions:office_list", args=[call.code]))

    assert len(response.context["page"].object_list) == item_count


def test_the_breadcrumb_leads_each_reader_back_to_their_own_list(as_persona, assignment, submitted):
    _confirm(assignment)
    _close(submitted.call)
    url = reverse("submissions:detail", args=[submitted.code])
    expected = {
        "applicant": reverse("submissions:mine"),
        "office": reverse("submissions:office_list", args=[submitted.call.code]),
        "reviewer": reverse("review:mine"),
        "board": reverse("submissions:office_list", args=[submitted.call.code]),  # the call as the board reads it
    }
    for persona, back in expected.items():
        page = as_persona(persona).get(url).content.decode()
        crumb = page[page.index('class="breadcrumb"') :].split("</p>")[0]
        assert f'href="{back}"' in crumb, persona
