"""Forms people fill for an hour (issue 11, items 10 and 11): defaults from the call, labelled grid
cells with live totals, word counters, searchable organisation pickers."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from grappe.submissions import services
from grappe.submissions.budget import proposal_years
from grappe.submissions.forms import PartnerForm
from grappe.submissions.models import BudgetLine, PartnerRole, ProposalPartner
from tests.factories import CallFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


PARIS = ZoneInfo("Europe/Paris")


def _paris(year, month, day):
    return dt.datetime(year, month, day, 12, tzinfo=PARIS)


def test_budget_years_start_when_the_call_closes_and_last_its_longest_duration(applicant, university):
    call = CallFactory(opens_at=_paris(2026, 10, 1), closes_at=_paris(2026, 12, 15), min_duration=6, max_duration=18)
    call.programme.start_year, call.programme.end_year = 2025, 2030
    call.programme.save()
    proposal = services.start_proposal(call, actor=applicant, title="T", now=_paris(2026, 11, 1))

    assert proposal_years(proposal) == [2026, 2027, 2028]


def test_budget_years_keep_a_year_that_already_holds_amounts(draft):
    from grappe.programmes.models import CostCategory

    BudgetLine.objects.create(
        proposal=draft,
        category=CostCategory.objects.get(code="personnel"),
        organisation=draft.lead_organisation,
        year=2024,
        amount=Decimal("10"),
    )

    assert proposal_years(draft)[0] == 2024


@pytest.mark.parametrize(("low", "high", "expected"), [(6, 18, 18), (12, 36, 24), (30, 48, 30)])
def test_the_default_duration_lies_within_the_calls_range(applicant, low, high, expected):
    call = CallFactory(min_duration=low, max_duration=high)

    proposal = services.start_proposal(call, actor=applicant, title="T")

    assert proposal.duration_months == expected


def test_every_budget_and_cofunding_cell_has_a_label_and_the_grids_total_live(as_persona, draft, company):
    ProposalPartner.objects.create(proposal=draft, organisation=company, role=PartnerRole.INDUSTRIAL)

    html = as_persona("applicant").get(reverse("submissions:detail", args=[draft.code])).content.decode()

    year = proposal_years(draft)[0]
    assert f'aria-label="Exemplix Santé — Cash — {year}"' in html
    assert f'aria-label="Université Exemple — Staff costs — {year}"' in html
    assert html.count("data-live-totals") == 3  # the co-funding grid, a budget grid per beneficiary
    assert 'data-live-sum="budget-form"' in html


def test_limited_answers_carry_their_word_limit(as_persona, draft, impact_question):
    html = as_persona("applicant").get(reverse("submissions:detail", args=[draft.code])).content.decode()

    assert 'data-word-limit="10"' in html
    assert 'data-words-label="words"' in html


def test_organisation_pickers_are_searchable_by_acronym_and_parent(university):
    OrganisationFactory(name="Laboratoire d'informatique de Paris 6", short_name="LIP6", parent=university)

    html = str(PartnerForm()["organisation"])

    assert "data-searchable" in html
    assert 'data-search="LIP6 Université Exemple"' in html
