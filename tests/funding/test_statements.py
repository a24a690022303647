"""Expense statements with evidence, the office's check, planned against actual with tolerances,
reallocations under and above the threshold, and who may do what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from grappe.core.models import AuditLog
from grappe.core.services import ConcurrentEditError
from grappe.funding import queries, services
from grappe.funding.models import Evidence, ExpenseStatement, FundingRules, PlannedBudget, Reallocation
from grappe.programmes.models import CostCategory
from grappe.projects.models import ProjectRole
from tests.conftest import PERSONAS
from tests.projects.conftest import dates, fake, pdf, png

pytestmark = pytest.mark.django_db


def _categories():
    return {c.code: c for c in CostCategory.objects.all()}


def make_statement(
    project, university, *, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), lines=None, state=None
):
    statement = services.create_statement(
        project, beneficiary=university, period_start=start, period_end=end, actor=None
    )
    cats = _categories()
    lines = lines or {"personnel": "40000", "general": "3000"}
    statement = services.save_lines(
        statement,
        {cats[k]: (Decimal(v), Decimal("0"), "") for k, v in lines.items()},
        expected_version=1,
        actor=None,
    )
    if state in ("submitted", "accepted", "returned"):
        services.add_evidence(statement, upload=pdf(), content_type="application/pdf", actor=None)
        statement = services.submit_statement(statement, expected_version=statement.version, actor=None)
    if state in ("accepted", "returned"):
        statement = services.check_statement(
            statement,
            accept=state == "accepted",
            comment="Missing payslips for March.",
            expected_version=statement.version,
            actor=None,
        )
    return statement


def _url(statement):
    return reverse("funding:statement", args=[statement.project.code, statement.code])


def _lines_data(statement, **amounts):
    data = {"action": "lines", "version": str(statement.version)}
    for code in ("personnel", "equipment", "buildings", "services", "general"):
        data[f"amount_{code}"] = amounts.get(code, "")
    return data


@pytest.mark.parametrize(
    ("language", "saved", "submitted", "returned"),
    [
        ("en", "Statement saved.", "Statement submitted: the office will check it.", "Statement returned with your comment."),
        ("fr", "État enregistré.", "État transmis : le bureau va le vérifier.", "État renvoyé avec votre commentaire."),
    ],
)  # fmt: skip
def test_each_step_says_what_happened(as_persona, project, university, language, saved, submitted, returned):
    statement = make_statement(project, university)
    lead, office = as_persona("applicant"), as_persona("office")
    for client in (lead, office):
        client.cookies["django_language"] = language

    def said(response):
        return [str(m) for m in response.context["messages"]]

    assert said(lead.post(_url(statement), _lines_data(statement, personnel="1500,00"), follow=True)) == [saved]
    statement.refresh_from_db()
    assert statement.total == Decimal("1500.00")
    evidence = said(lead.post(_url(statement), {"action": "evidence", "file": png()}, follow=True))
    assert evidence == [{"en": "Evidence added.", "fr": "Justificatif ajouté."}[language]]
    assert said(lead.post(_url(statement), {"action": "submit", "version": "3"}, follow=True)) == [submitted]
    assert said(
        office.post(
            _url(statement),
            {"action": "check", "version": "4", "decision": "return", "comment": "Missing payslips for March."},
            follow=True,
        )
    ) == [returned]


def test_lead_files_a_statement_office_returns_then_accepts(as_persona, project, university):
    lead, office = as_persona("applicant"), as_persona("office")

    response = lead.post(
        reverse("funding:new_statement", args=[project.code]),
        {"beneficiary": university.pk, "period_start": "2026-01-01", "period_end": "2026-12-31"},
    )
    statement = ExpenseStatement.objects.get()
    assert response.url == _url(statement)
    lead.post(_url(statement), _lines_data(statement, personnel="40000.10", general="2999.90"))
    lead.post(_url(statement), {"action": "evidence", "file": png()})
    lead.post(_url(statement), {"action": "submit", "version": "2"})
    statement.refresh_from_db()
    assert (statement.state, statement.total) == ("submitted", Decimal("43000.00"))

    office.post(
        _url(statement),
        {"action": "check", "version": "3", "decision": "return", "comment": "Missing payslips for March."},
    )
    statement.refresh_from_db()
    assert (statement.state, statement.office_comment) == ("returned", "Missing payslips for March.")
    assert "Missing payslips for March." in lead.get(_url(statement)).content.decode()

    lead.post(_url(statement), {"action": "submit", "version": "4"})
    office.post(_url(statement), {"action": "check", "version": "5", "decision": "accept", "comment": ""})
    statement.refresh_from_db()
    assert statement.state == "accepted"
    assert list(
        AuditLog.objects.filter(action__startswith="funding.statement").values_list("action", flat=True).order_by("id")
    ) == [
        "funding.statement_created",
        "funding.statement_lines_saved",
        "funding.statement_submitted",
        "funding.statement_returned",
        "funding.statement_submitted",
        "funding.statement_accepted",
    ]


@pytest.mark.parametrize(
    ("amounts", "field", "message"),
    [
        ({"personnel": "100.001"}, "amount_personnel", "Give the amount in euros with at most 2 decimals (cents)."),
        ({"personnel": "-1"}, "amount_personnel", "The amount cannot be negative."),
        (
            {"personnel": "150000", "general": "0.01"},
            None,
            "150,000.01 € is more than what is left of the grant after the accepted statements (150,000.00 €).",
        ),
    ],
)
def test_statement_lines_errors_name_the_limit_and_save_nothing(
    as_persona, project, university, amounts, field, message
):
    statement = services.create_statement(
        project, beneficiary=university, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30), actor=None
    )

    response = as_persona("applicant").post(_url(statement), _lines_data(statement, **amounts))

    form = response.context["lines_form"]
    assert (form.errors[field] if field else form.non_field_errors()) == [dates(message)]
    assert ExpenseStatement.objects.get().version == 1 and not statement.lines.exists()


def test_evidence_must_be_a_pdf_or_an_image(as_persona, project, university):
    statement = services.create_statement(
        project, beneficiary=university, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30), actor=None
    )

    response = as_persona("applicant").post(_url(statement), {"action": "evidence", "file": fake("receipt.jpg")})

    assert response.context["evidence_form"].errors["file"] == [
        "Evidence must be a PDF or an image (PNG or JPEG), whatever its name says."
    ]
    assert not statement.evidence.exists()


def test_evidence_too_large_says_its_size_and_the_limit(as_persona, project, university, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.GRAPPE_MAX_UPLOAD_MB = 1
    statement = services.create_statement(
        project, beneficiary=university, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30), actor=None
    )
    big = SimpleUploadedFile("receipt.pdf", b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024), content_type="application/pdf")

    response = as_persona("applicant").post(_url(statement), {"action": "evidence", "file": big})

    assert response.context["evidence_form"].errors["file"] == ["This file is 3 MB; the limit is 1 MB."]
    assert not statement.evidence.exists()


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2025-12-01", "2026-06-30", "The date must be inside the project: from <2026-01-01> to <2027-12-31>."),
        ("2026-06-01", "2026-03-01", "The end must come after the start."),
        ("2026-06-01", "2026-09-30", "This period overlaps another statement of this beneficiary."),
    ],
)
def test_statement_periods(as_persona, project, university, start, end, message):
    make_statement(project, university, end=dt.date(2026, 6, 30))

    response = as_persona("applicant").post(
        reverse("funding:new_statement", args=[project.code]),
        {"beneficiary": university.pk, "period_start": start, "period_end": end},
    )

    assert response.context["form"].errors["period_end"] == [dates(message)]
    assert ExpenseStatement.objects.count() == 1


def test_submission_needs_evidence_and_acceptance_stays_within_the_grant(project, university):
    statement = make_statement(project, university)
    with pytest.raises(services.FundingError, match="Attach the evidence"):
        services.submit_statement(statement, expected_version=statement.version, actor=None)
    statement = make_statement(
        project, university, start=dt.date(2027, 1, 1), end=dt.date(2027, 6, 30), state="submitted"
    )
    grant = project.grant
    grant.max_amount = Decimal("40000")
    grant.save()

    with pytest.raises(services.FundingError, match=r"beyond the grant's maximum \(40,000\.00 €\)"):
        services.check_statement(statement, accept=True, comment="", expected_version=statement.version, actor=None)

    assert ExpenseStatement.objects.get(pk=statement.pk).state == "submitted"


def test_stale_statement_version_is_refused(as_persona, project, university):
    statement = make_statement(project, university)

    response = as_persona("applicant").post(_url(statement), _lines_data(statement, personnel="1") | {"version": "1"})

    form = response.context["lines_form"]
    assert ExpenseStatement.objects.get().total == Decimal("43000.00")
    # What was typed comes back in the form, with a message that does not send the person off to reload it.
    assert form["amount_personnel"].value() == "1"
    assert form.non_field_errors() == [str(ConcurrentEditError.in_form_message)]
    assert "What you typed is still in the form" in response.content.decode()


def test_planned_against_actual_flags_by_the_tolerances(project, university):
    make_statement(project, university, lines={"personnel": "56000", "general": "1000"}, state="accepted")
    FundingRules.objects.create(
        programme=project.call.programme, overspend_tolerance=Decimal("0.1"), underspend_tolerance=Decimal("0.5")
    )
    rules = services.rules_for(project)

    rows = queries.planned_vs_actual(project, rules, today=dt.date(2027, 3, 1))

    got = [(r.category.code, r.year, r.planned, r.actual, r.flag) for r in rows]
    assert got == [
        ("personnel", 2026, Decimal("50000.00"), Decimal("56000.00"), "over"),
        ("general", 2026, Decimal("12500.50"), Decimal("1000.00"), "under"),
        ("personnel", 2027, Decimal("50000.00"), Decimal("0"), ""),
        ("general", 2027, Decimal("12500.50"), Decimal("0"), ""),
    ]


def test_small_reallocation_is_applied_large_one_waits_for_the_office(as_persona, project, university):
    cats = _categories()
    lead = as_persona("applicant")
    data = {
        "beneficiary": university.pk,
        "year": "2026",
        "from_category": cats["personnel"].pk,
        "to_category": cats["equipment"].pk,
        "reason": "A GPU instead of interns.",
    }

    lead.post(reverse("funding:reallocate", args=[project.code]), data | {"amount": "6250.05"})  # 5 % of 125,001
    lead.post(reverse("funding:reallocate", args=[project.code]), data | {"amount": "6250.06"})

    assert list(Reallocation.objects.order_by("id").values_list("state", flat=True)) == ["applied", "pending"]
    cell = PlannedBudget.objects.get(project=project, organisation=university, category=cats["equipment"], year=2026)
    assert cell.amount == Decimal("6250.05")
    pending = Reallocation.objects.get(state="pending")
    assert (
        as_persona("applicant")
        .post(reverse("funding:decide_reallocation", args=[project.code, pending.pk]), {"decision": "accept"})
        .status_code
        == 404
    )
    as_persona("office").post(
        reverse("funding:decide_reallocation", args=[project.code, pending.pk]), {"decision": "accept"}
    )
    cell.refresh_from_db()
    assert cell.amount == Decimal("12500.11")
    assert PlannedBudget.objects.get(
        project=project, organisation=university, category=cats["personnel"], year=2026
    ).amount == Decimal("37499.89")


def test_reallocation_beyond_what_is_planned_is_refused(as_persona, project, university):
    cats = _categories()
    data = {
        "beneficiary": university.pk,
        "year": "2026",
        "from_category": cats["personnel"].pk,
        "to_category": cats["equipment"].pk,
        "reason": "A bigger machine.",
        "amount": "50000.01",
    }

    response = as_persona("applicant").post(reverse("funding:reallocate", args=[project.code]), data)

    assert response.context["form"].non_field_errors() == [
        "Only 50,000.00 € is planned in this category for this beneficiary and year."
    ]
    assert not Reallocation.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_statement_page_access(as_persona, project, university, persona):
    statement = make_statement(project, university, state="submitted")

    response = as_persona(persona).get(_url(statement))

    expected = {"office": 200, "board": 200, "institution_contact": 200, "applicant": 200, "anonymous": 302}
    assert response.status_code == expected.get(persona, 404)


@pytest.mark.parametrize("persona", ["board", "institution_contact", "applicant"])
def test_only_the_office_checks_statements(as_persona, project, university, persona):
    statement = make_statement(project, university, state="submitted")

    response = as_persona(persona).post(_url(statement), {"action": "check", "version": "3", "decision": "accept"})

    assert response.status_code == 404 and ExpenseStatement.objects.get().state == "submitted"


@pytest.mark.parametrize("item_count", [1, 3])
def test_budget_page_keeps_a_constant_query_count(
    as_persona, django_assert_num_queries, project, university, item_count
):
    for n in range(item_count):
        make_statement(
            project, university, start=dt.date(2026, n + 1, 1), end=dt.date(2026, n + 1, 28), state="accepted"
        )
    client = as_persona("applicant")

    with django_assert_num_queries(12):
        response = client.get(reverse("funding:budget", args=[project.code]))

    assert len(response.context["statements"]) == item_count


@pytest.mark.parametrize("persona", ["applicant", "finance", "office"])
def test_a_draft_never_submitted_is_deleted_with_its_evidence(as_persona, project, university, reviewer, persona):
    if persona == "finance":  # the reviewer persona made finance contact of the project
        project.members.create(person=reviewer.person, role=ProjectRole.FINANCE, organisation=university)
    statement = make_statement(project, university)
    services.add_evidence(statement, upload=pdf(), content_type="application/pdf", actor=None)
    client = as_persona("reviewer" if persona == "finance" else persona)
    assert client.get(_url(statement)).context["can_delete"]

    stale = client.post(_url(statement), {"action": "delete", "version": "1"})
    assert "Someone else changed" in stale.content.decode() and ExpenseStatement.objects.exists()  # stale: kept
    response = client.post(_url(statement), {"action": "delete", "version": str(statement.version)})

    assert response.url == reverse("funding:budget", args=[project.code])
    assert not ExpenseStatement.objects.exists() and not Evidence.objects.exists()
    assert AuditLog.objects.filter(action="funding.statement_deleted").exists()


@pytest.mark.parametrize("persona", ["board", "institution_contact", "partner_contact", "reviewer", "outsider"])
def test_others_cannot_delete_a_draft(as_persona, project, university, persona):
    statement = make_statement(project, university)

    response = as_persona(persona).post(_url(statement), {"action": "delete", "version": str(statement.version)})

    assert response.status_code == 404 and ExpenseStatement.objects.exists()


@pytest.mark.parametrize("state", ["submitted", "returned", "accepted"])
def test_a_statement_once_submitted_is_never_deleted(as_persona, project, university, state):
    statement = make_statement(project, university, state=state)
    client = as_persona("office")
    assert not client.get(_url(statement)).context["can_delete"]

    response = client.post(_url(statement), {"action": "delete", "version": str(statement.version)})

    assert response.status_code == 404 and ExpenseStatement.objects.get().state == state
    with pytest.raises(services.FundingError):
        services.delete_statement(statement, expected_version=statement.version, actor=None)


def test_the_planned_budget_has_a_column_for_every_year_of_the_grant(project):
    """An amendment extending the project to the next year showed no column for it (outside
    walk-through): the years follow the grant, empty until planned."""
    from grappe.projects.models import Grant, Project

    planned = queries.planned_by_category_year(project)
    assert planned.columns == [2026, 2027]
    Grant.objects.filter(project=project).update(end_date=dt.date(2028, 6, 30))
    extended = queries.planned_by_category_year(Project.objects.get(pk=project.pk))
    assert extended.columns == [2026, 2027, 2028]
    assert all(values[-1] == 0 for _category, values, _total in extended.rows)


@pytest.mark.parametrize("extra_kb", [100, 600])
def test_evidence_too_large_says_so(as_persona, project, university, settings, extra_kb):
    """A 21 MB evidence file answered "This field is required" (outside walk-through): the upload
    handler cuts a body over the limit before the form sees the file; the page names the size."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.projects.conftest import PDF

    settings.GRAPPE_MAX_UPLOAD_MB = 1
    statement = services.create_statement(
        project, beneficiary=university, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30), actor=None
    )
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (1024 * 1024 + extra_kb * 1024), content_type="application/pdf")

    response = as_persona("applicant").post(_url(statement), {"action": "evidence", "file": big})

    [error] = response.context["evidence_form"].errors["file"]
    assert error.startswith("This file is ") and error.endswith(" MB; the limit is 1 MB."), error
    assert not statement.evidence.exists()
    assert 'data-max-bytes="1048576"' in response.content.decode()  # the browser refuses it first


def test_contribution_evidence_too_large_records_nothing(as_persona, project, company, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.projects.conftest import PDF

    settings.GRAPPE_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (2 * 1024 * 1024), content_type="application/pdf")
    data = {"organisation": company.pk, "year": "2026", "kind": "cash", "amount": "1000", "received_on": "2026-03-01"}

    response = as_persona("applicant").post(reverse("funding:cofunding", args=[project.code]), data | {"file": big})

    assert response.context["form"].errors["file"][0].endswith("the limit is 1 MB.")
    assert not project.contributions.exists()
