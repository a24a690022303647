"""Opening a project from an award: everything carried over in one step, refusals, the form."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from grappe.core.models import AuditLog
from grappe.funding.models import PlannedBudget, Pledge
from grappe.projects.models import Grant, Project, ProjectMember, ProjectPartner
from grappe.projects.services import ProjectError, add_months
from tests.projects.conftest import open_from

pytestmark = pytest.mark.django_db


def test_open_carries_the_proposal_over(award, office, university, company):
    project = open_from(award, office, university, public_partner_ids={company.pk})

    assert (project.title, project.acronym, project.summary) == ("Grapes of Wrath AI", "GWAI", "An abstract.")
    assert project.lead == award.proposal.lead
    roles = sorted((m.person_id == award.proposal.lead_id, m.role) for m in project.members.all())
    assert roles == [(False, "member"), (True, "lead")]
    assert sorted((p.organisation.name, p.shown_publicly) for p in project.partners.all()) == sorted(
        [(company.name, True), (f"Autre Industrie {award.proposal.code}", False)]
    )
    grant = Grant.objects.get(project=project)
    assert (grant.start_date, grant.end_date) == (dt.date(2026, 1, 1), dt.date(2027, 12, 31))
    assert grant.max_amount == Decimal("150000.00") and grant.managing_institution == university
    assert grant.overhead_rate == Decimal("0.0800")
    assert PlannedBudget.objects.filter(project=project).count() == 4
    total = sum(b.amount for b in PlannedBudget.objects.filter(project=project))
    assert total == Decimal("125001.00") and isinstance(total, Decimal)
    assert sorted(Pledge.objects.filter(project=project).values_list("amount", flat=True)) == [
        Decimal("5000.00"),
        Decimal("10000.00"),
        Decimal("10000.00"),
        Decimal("20000.00"),
    ]
    assert list(AuditLog.objects.filter(object_id=str(project.pk)).values_list("action", flat=True).order_by("id")) == [
        "project.opened",
        "funding.budget_carried_over",
    ]


def test_open_twice_is_refused_and_nothing_is_added(project, award, office, university):
    with pytest.raises(ProjectError, match="already opened"):
        open_from(award, office, university)

    assert Project.objects.count() == 1 and ProjectMember.objects.count() == 2


def test_open_past_the_programme_is_refused_naming_the_limit(award, office, university):
    with pytest.raises(ProjectError, match="after the programme \\(2028-12-31\\)"):
        open_from(award, office, university, start_date=dt.date(2027, 6, 1))

    assert not Project.objects.exists() and not PlannedBudget.objects.exists() and not ProjectPartner.objects.exists()


def test_finance_contact_becomes_a_project_member(award, office, university, institution_contact):
    project = open_from(award, office, university, finance_contact=institution_contact.person)

    assert project.members.get(role="finance").person == institution_contact.person


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (dt.date(2026, 1, 1), 24, dt.date(2027, 12, 31)),
        (dt.date(2026, 3, 15), 12, dt.date(2027, 3, 14)),
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 27)),
    ],
)
def test_add_months(start, months, end):
    assert add_months(start, months) == end


def test_office_opens_a_project_with_the_form(as_persona, award, university, company, institution_contact):
    url = reverse("funding:open", args=[award.proposal.code])
    data = {
        "start_date": "2026-02-01",
        "managing_institution": str(university.pk),
        "finance_contact": institution_contact.person.email,
        "public_partners": [str(company.pk)],
        "rf_version": "RF 2023",
        "regime": "marginal",
    }

    response = as_persona("office").post(url, data)

    project = Project.objects.get()
    assert response.status_code == 302 and response.url == reverse("projects:detail", args=[project.code])
    assert project.grant.end_date == dt.date(2028, 1, 31)
    assert as_persona("office").get(url).status_code == 404  # the award has its project now


def test_open_form_errors(as_persona, award, university):
    url = reverse("funding:open", args=[award.proposal.code])
    data = {
        "start_date": "2028-06-01",
        "managing_institution": str(university.pk),
        "finance_contact": "nobody@x.org",
        "rf_version": "RF",
        "regime": "marginal",
    }

    response = as_persona("office").post(url, data)

    form = response.context["form"]
    assert form.errors["finance_contact"] == [
        "No one with this email is in the directory: add the person first, or leave the field empty."
    ]
    data["finance_contact"] = ""
    response = as_persona("office").post(url, data)
    assert response.context["form"].non_field_errors() == [
        "A 24-month project starting then would end on 2030-05-31, after the programme (2028-12-31)."
    ]
    assert not Project.objects.exists()


@pytest.mark.parametrize("persona", ["board", "institution_contact", "partner_contact", "applicant", "outsider"])
def test_only_the_office_opens_projects(as_persona, award, university, persona):
    client = as_persona(persona)

    assert client.get(reverse("funding:awards")).status_code == 404
    response = client.post(reverse("funding:open", args=[award.proposal.code]), {"start_date": "2026-01-01"})

    assert response.status_code == 404 and not Project.objects.exists()


def test_awards_page_lists_the_waiting_awards(as_persona, award):
    response = as_persona("office").get(reverse("funding:awards"))

    assert [a.proposal.code for a in response.context["page"]] == [award.proposal.code]


def test_once_a_project_is_open_its_decision_and_award_are_fixed(project, office, as_persona):
    """Changing the decision deleted the award the project refers to: a server error (outside
    walk-through). It is now refused in words, and the pages no longer offer it."""
    from django.utils import timezone

    from grappe.calls.models import Call
    from grappe.selection import services as selection
    from grappe.selection.models import Award, Decision

    proposal = project.proposal
    Call.objects.filter(pk=proposal.call_id).update(closes_at=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(selection.SelectionError, match="project has been opened"):
        selection.record_decision(
            proposal,
            outcome="rejected",
            amount=None,
            reserve_rank=None,
            justification="Changed our mind entirely.",
            expected_version=None,
            actor=office,
        )
    with pytest.raises(selection.SelectionError, match="project has been opened"):
        selection.team_declines(proposal, reason="We no longer want it.", actor=office)
    assert Decision.objects.get(proposal=proposal).outcome == "funded"
    assert Award.objects.filter(proposal=proposal).exists()
    ledger = as_persona("office").get(reverse("selection:ledger", args=[proposal.call.code])).content.decode()
    assert reverse("selection:team_declines", args=[proposal.code]) not in ledger


def test_the_decision_ledger_links_a_funded_decision_to_its_project(project, as_persona):
    ledger = as_persona("office").get(reverse("selection:ledger", args=[project.proposal.call.code])).content.decode()
    assert reverse("projects:detail", args=[project.code]) in ledger
