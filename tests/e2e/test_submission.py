"""An applicant prepares a proposal with a co-applicant and submits it before the deadline."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from grappe.calls.models import Call, EligibilityRule, Question, QuestionKind, RuleKind
from grappe.submissions.models import Proposal
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _blank_pdf() -> bytes:
    """A real one-page PDF (the upload check opens it with pypdf)."""
    import io

    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(out)
    return out.getvalue()


PDF = _blank_pdf()


def _login(page, email):
    page.goto("/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", "correct horse battery staple")
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    page.get_by_role("button", name="EN").click()  # the account's preferred language is French
    page.wait_for_selector("html[lang=en]")


@pytest.fixture
def open_call(db):
    call = CallFactory(title_en="Acceleration projects", title_fr="Projets d'accélération")
    for kind, parameter in [
        (RuleKind.MIN_PARTNERS, Decimal("1")),
        (RuleKind.BUDGET_MATCHES, None),
        (RuleKind.REQUIRED_ATTACHMENTS, None),
    ]:
        EligibilityRule.objects.create(call=call, kind=kind, parameter=parameter)
    Question.objects.create(
        call=call, kind=QuestionKind.PDF, label_fr="Document", label_en="Scientific document", required=True
    )
    return call


def test_applicant_prepares_and_submits_a_proposal(english, shot, open_call, applicant, reviewer, company, tmp_path):
    page = english()
    _login(page, "applicant@example.org")

    page.goto(f"/calls/{open_call.code}/")
    shot(page, "10-call-page")
    page.get_by_role("link", name="Apply").click()
    page.get_by_label("Working title").fill("Frugal language models for hospitals")
    page.get_by_role("button", name="Create the draft").click()
    page.wait_for_selector("text=Draft created")
    code = Proposal.objects.get().code

    page.locator("#team").get_by_label("Email").fill("reviewer@example.org")
    page.locator("#team").get_by_role("button", name="Invite").click()
    page.wait_for_selector("text=Invitation sent to reviewer@example.org")

    page.get_by_label("Abstract").fill("We make language models small enough for hospital servers.")
    page.get_by_label("Amount requested (EUR)").fill("108000")
    page.get_by_role("button", name="Save the details").click()
    page.wait_for_selector("text=Details saved.")

    page.locator("#partners").get_by_label("Organisation").select_option(label=company.name)
    page.locator("#partners").get_by_role("button", name="Add").click()
    page.wait_for_selector("text=Partner added")

    page.locator("#budget input.money").first.fill("100000")
    page.get_by_role("button", name="Save the budget").click()
    page.wait_for_selector("text=Budget saved.")

    page.get_by_role("button", name="Submit the proposal").click()
    page.wait_for_selector("text=fix the points below")
    shot(page, "11-eligibility-errors")
    failures = page.locator("#eligibility li").all_inner_texts()
    assert failures == ["Attach the required file “Scientific document”."]

    pdf = tmp_path / "document.pdf"
    pdf.write_bytes(PDF)
    page.locator("#questions input[type=file]").set_input_files(str(pdf))
    page.get_by_role("button", name="Save the answers").click()
    page.wait_for_selector("text=Answers saved.")
    page.get_by_role("button", name="Submit the proposal").click()
    page.wait_for_selector("text=Proposal submitted.")
    shot(page, "12-submitted")
    assert Proposal.objects.get(code=code).state == "submitted"
    assert page.console_errors == []

    co = english()
    _login(co, "reviewer@example.org")
    co.goto("/proposals/")
    co.get_by_role("link", name="Answer").click()
    co.get_by_role("button", name="Accept").click()
    co.wait_for_selector("text=You joined the team")
    assert co.locator("form[action$='/details/']").count() == 0
    assert co.locator("#details").inner_text().count("108,000.00 €") == 1
    shot(co, "13-co-applicant-read-only")


def test_a_submission_after_the_deadline_is_refused(english, shot, open_call, applicant, company):
    from tests.submissions.conftest import PDF as _  # noqa: F401 - same bytes as the unit tests

    page = english()
    _login(page, "applicant@example.org")
    page.goto(f"/calls/{open_call.code}/apply/")
    page.get_by_label("Working title").fill("Late proposal")
    page.get_by_role("button", name="Create the draft").click()
    page.wait_for_selector("text=Draft created")

    Call.objects.filter(pk=open_call.pk).update(closes_at=timezone.now() - datetime.timedelta(seconds=1))
    page.get_by_role("button", name="Submit the proposal").click()

    page.wait_for_selector("text=The deadline has passed")
    shot(page, "14-deadline-refused")
    assert Proposal.objects.get().state == "draft"


def test_a_file_over_the_limit_stops_the_submit_and_keeps_what_was_typed(english, open_call, applicant, settings):
    """The forms are novalidate: the size check in grappe.js must stop the submit itself."""
    settings.GRAPPE_MAX_UPLOAD_MB = 1
    Question.objects.create(call=open_call, kind=QuestionKind.LONG_TEXT, label_fr="Impact", label_en="Impact")
    page = english()
    _login(page, "applicant@example.org")
    page.goto(f"/calls/{open_call.code}/apply/")
    page.fill("#id_title", "Too large")
    page.get_by_role("button", name="Create the draft").click()
    page.wait_for_selector("#questions")
    page.locator("#questions textarea").fill("Typed before choosing the file")
    big = {"name": "big.pdf", "mimeType": "application/pdf", "buffer": PDF + b"0" * (2 * 1024 * 1024)}
    page.locator("#questions input[type=file]").set_input_files(big)
    url = page.url

    page.get_by_role("button", name="Save the answers").click()
    page.wait_for_timeout(500)

    assert page.url == url  # not sent
    assert page.locator("#questions textarea").input_value() == "Typed before choosing the file"
    assert page.locator("#questions input[type=file]").evaluate("e => e.validationMessage")
    assert not Proposal.objects.get(title="Too large").answers.exists()
