# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""The lead's page of a decided proposal says nothing of an outcome the team was not told; once a
project is open from the award (a call of before Grappe sent no letter), the page shows the outcome
and links to the project; the amount awarded stands beside the budget; an empty self-assessment
says so (outside tester, item 6)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from grappe.submissions.models import EthicsAssessment
from tests.conftest import PERSONAS
from tests.projects.conftest import award, open_from  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

DECIDED = "A decision is recorded on this proposal"
NOT_TOLD = "The programme office will write to the team with the outcome."


def _page(client, proposal):
    return client.get(reverse("submissions:detail", args=[proposal.code])).content.decode()


def test_before_the_team_is_told_nothing_hints_at_the_outcome(as_persona, award):
    page = _page(as_persona("applicant"), award.proposal)

    assert NOT_TOLD in page
    assert DECIDED not in page and 'id="outcome"' not in page and 'id="awarded"' not in page
    assert "tell the programme office" not in page


def test_once_a_project_is_open_the_lead_reads_the_outcome_and_finds_the_project(as_persona, award, office, university):
    award.amount = Decimal("120000")  # the budget's total is 135,001.08 €
    award.save()
    project = open_from(award, office, university)

    page = _page(as_persona("applicant"), award.proposal)

    assert 'id="outcome"' in page and "Funded" in page
    assert reverse("projects:detail", args=[project.code]) in page
    assert NOT_TOLD not in page and DECIDED not in page  # the team can no longer decline
    awarded = page.split('id="awarded"')[1].split("</dd>")[0]
    assert "120,000.00" in awarded and "below the total of the budget" in awarded


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_summary_pdf_once_a_project_is_open(as_persona, award, office, university, persona):
    open_from(award, office, university)

    response = as_persona(persona).get(reverse("selection:summary_pdf", args=[award.proposal.code]))

    # The board reads it once the call is closed; the award's call is still open.
    expected = {"office": 200, "applicant": 200, "anonymous": 302}.get(persona, 404)
    assert response.status_code == expected


def test_the_office_reads_the_amount_awarded_and_no_lead_notice(as_persona, award):
    award.amount = Decimal("120000")
    award.save()

    page = _page(as_persona("office"), award.proposal)

    assert 'id="awarded"' in page and NOT_TOLD not in page and DECIDED not in page


def test_an_empty_self_assessment_says_it_is_not_filled_in(as_persona, award):
    EthicsAssessment.objects.filter(proposal=award.proposal).delete()

    page = _page(as_persona("applicant"), award.proposal)

    ethics = page.split('id="ethics"')[1].split("</section>")[0]
    assert "Not filled in." in ethics
