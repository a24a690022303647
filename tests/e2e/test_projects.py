"""The office opens a project from an award; the lead submits a deliverable and an expense
statement with evidence; the office returns the statement with a comment; the partner contact
sees only their own contributions."""

import datetime as dt

import pytest

from grappe.funding.models import ExpenseStatement
from grappe.projects import services as projects
from grappe.projects.models import Deliverable, Project
from tests.e2e.test_submission import _login
from tests.projects.conftest import PDF, award  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_project_life_in_the_browser(english, award, office, applicant, partner_contact, company, shot, tmp_path):  # noqa: F811
    evidence = tmp_path / "receipt.pdf"
    evidence.write_bytes(PDF)

    # The office opens the project from the award, in one step.
    page = english()
    _login(page, office.email)
    page.goto("/office/awards/")
    page.get_by_role("link", name="Open the project").click()
    page.fill("#id_start_date", "2026-01-01")
    page.get_by_label(company.name).check()
    page.locator("main form").get_by_role("button", name="Open the project").click()
    page.wait_for_selector("text=Project opened")
    project = Project.objects.get()
    assert page.url.endswith(f"/projects/{project.code}/internal/")
    shot(page, "project-opened")
    deliverable = projects.save_plan_item(
        project,
        Deliverable,
        {"label": "D1.1", "title": "Data plan", "due_date": dt.date(2027, 6, 30), "owner": applicant.person},
        reviewers=[],
        actor=office,
    )

    # The lead submits the deliverable, then files a statement with evidence.
    lead = english()
    _login(lead, applicant.email)
    lead.goto(f"/projects/{project.code}/deliverables/{deliverable.code}/")
    lead.set_input_files("#id_document", str(evidence))
    lead.get_by_role("button", name="Submit", exact=True).click()
    lead.wait_for_selector("text=Deliverable saved.")
    assert Deliverable.objects.get().state == "submitted"
    lead.goto(f"/projects/{project.code}/statements/new/")
    lead.select_option("#id_beneficiary", label="Université Exemple")
    lead.fill("#id_period_start", "2026-01-01")
    lead.fill("#id_period_end", "2026-06-30")
    lead.get_by_role("button", name="Create").click()
    lead.fill("#id_amount_personnel", "21000.50")
    lead.get_by_role("button", name="Save the lines").click()
    lead.wait_for_selector("text=Statement saved.")
    lead.set_input_files("#id_file", str(evidence))
    lead.get_by_role("button", name="Add the evidence").click()
    lead.get_by_role("button", name="Submit the statement").click()
    lead.wait_for_selector("text=Statement submitted: the office will check it.")
    statement = ExpenseStatement.objects.get()
    assert (statement.state, str(statement.total)) == ("submitted", "21000.50")

    # The office returns it with a comment, which the lead reads.
    page.goto(f"/projects/{project.code}/statements/{statement.code}/")
    page.select_option("#id_decision", "return")
    page.fill("#id_comment", "Add the payslips for March.")
    page.locator("main form").filter(has_text="Check the statement").get_by_role("button", name="Record").click()
    page.wait_for_selector("text=Statement returned with your comment.")
    lead.reload()
    assert lead.get_by_text("Add the payslips for March.").is_visible()
    shot(lead, "statement-returned")

    # The partner contact sees only their own pledges.
    partner = english()
    _login(partner, partner_contact.email)
    partner.goto(f"/projects/{project.code}/cofunding/")
    rows = partner.locator("main table").first.locator("tbody tr")
    assert rows.count() == 2
    assert "Autre Industrie" not in partner.content()
    assert page.console_errors == [] and lead.console_errors == [] and partner.console_errors == []
