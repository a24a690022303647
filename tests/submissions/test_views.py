import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from grappe.submissions import services
from grappe.submissions.models import Answer, BudgetLine, CoFunding, Proposal, ProposalPartner
from tests.conftest import PERSONAS
from tests.factories import CompanyFactory
from tests.submissions.conftest import PDF


@pytest.fixture
def submitted(complete_draft, applicant):
    services.submit_proposal(complete_draft, actor=applicant)
    return Proposal.objects.get(pk=complete_draft.pk)


# persona -> status for GET /proposals/<code>/
DRAFT_ACCESS = {"office": 200, "applicant": 200}
SUBMITTED_ACCESS = {"office": 200, "applicant": 200, "institution_contact": 200, "partner_contact": 200}


@pytest.mark.parametrize("persona", PERSONAS)
def test_draft_is_seen_by_its_team_and_the_office_only(as_persona, complete_draft, persona):
    response = as_persona(persona).get(reverse("submissions:detail", args=[complete_draft.code]))

    expected = DRAFT_ACCESS.get(persona, 302 if persona == "anonymous" else 404)
    assert response.status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_submitted_proposal_is_seen_by_contacts_of_involved_organisations(as_persona, submitted, persona):
    response = as_persona(persona).get(reverse("submissions:detail", args=[submitted.code]))

    expected = SUBMITTED_ACCESS.get(persona, 302 if persona == "anonymous" else 404)
    assert response.status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_attachment_download_is_authorised(as_persona, submitted, persona):
    answer = Answer.objects.get(proposal=submitted, question__kind="pdf")

    response = as_persona(persona).get(reverse("submissions:attachment", args=[submitted.code, answer.pk]))

    allowed = {"office", "applicant", "institution_contact"}
    expected = 200 if persona in allowed else (302 if persona == "anonymous" else 404)
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_partner_contact_sees_only_its_own_commitments(as_persona, submitted):
    other = CompanyFactory(name="Autre Entreprise")
    partner = ProposalPartner.objects.create(proposal=submitted, organisation=other)
    CoFunding.objects.create(partner=partner, year=2026, kind="cash", amount=Decimal("777.00"))

    response = as_persona("partner_contact").get(reverse("submissions:detail", args=[submitted.code]))

    names = [p.organisation.name for p in response.context["partners"]]
    assert names == ["Exemplix Santé"]
    assert "Autre Entreprise" not in response.content.decode()
    assert response.context["budget"] is None
    assert "Scientific document" not in response.content.decode()


@pytest.mark.parametrize("persona", ["institution_contact", "partner_contact", "reviewer", "outsider", "office"])
def test_only_team_members_edit_a_draft(as_persona, draft, persona):
    response = as_persona(persona).post(
        reverse("submissions:edit_details", args=[draft.code]),
        {"title": "Hijacked", "requested_amount": "1", "duration_months": "12", "version": "1"},
    )

    assert response.status_code == 404
    assert Proposal.objects.get(pk=draft.pk).title == "Frugal LLMs"


def test_forged_proposal_code_answers_404(as_persona):
    response = as_persona("applicant").get(reverse("submissions:detail", args=["FORGED1234"]))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-5", "Ensure this value is greater than or equal to 0."), ("lots", "Enter a number.")],
)
def test_bad_amounts_are_refused(as_persona, draft, amount, message):
    response = as_persona("applicant").post(
        reverse("submissions:edit_details", args=[draft.code]),
        {"title": "T", "requested_amount": amount, "duration_months": "12", "version": "1"},
    )

    assert response.context["details_form"].errors["requested_amount"] == [message]
    assert Proposal.objects.get(pk=draft.pk).version == 1


def test_negative_budget_cell_is_refused(as_persona, draft):
    from grappe.programmes.models import CostCategory

    personnel = CostCategory.objects.get(code="personnel")
    cell = f"cell_{personnel.pk}_{draft.lead_organisation_id}_2026"

    response = as_persona("applicant").post(
        reverse("submissions:budget", args=[draft.code]), {"version": "1", cell: "-10"}
    )

    assert response.context["budget_form"].errors[cell] == ["Ensure this value is greater than or equal to 0."]
    assert BudgetLine.objects.filter(proposal=draft).count() == 0


def test_budget_is_saved_and_totals_computed(as_persona, draft):
    from grappe.programmes.models import CostCategory

    personnel = CostCategory.objects.get(code="personnel")
    cell = f"cell_{personnel.pk}_{draft.lead_organisation_id}_2027"

    as_persona("applicant").post(reverse("submissions:budget", args=[draft.code]), {"version": "1", cell: "1234.56"})
    response = as_persona("applicant").get(reverse("submissions:detail", args=[draft.code]))

    budget = response.context["budget"]
    assert (budget.direct, budget.overhead, budget.total) == (Decimal("1234.56"), Decimal("98.76"), Decimal("1333.32"))


def test_a_non_pdf_named_pdf_is_refused(as_persona, draft, document_question):
    upload = SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")

    response = as_persona("applicant").post(
        reverse("submissions:answers", args=[draft.code]), {"version": "1", f"q{document_question.pk}": upload}
    )

    assert response.context["answers_form"].errors[f"q{document_question.pk}"] == [
        "This file is not a PDF (whatever its name says): export your document as PDF."
    ]
    assert not Answer.objects.filter(proposal=draft).exists()


def test_an_oversized_file_is_refused(as_persona, draft, document_question, settings):
    settings.GRAPPE_MAX_UPLOAD_MB = 1
    upload = SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024 + 10), content_type="application/pdf")

    response = as_persona("applicant").post(
        reverse("submissions:answers", args=[draft.code]), {"version": "1", f"q{document_question.pk}": upload}
    )

    assert response.context["answers_form"].errors[f"q{document_question.pk}"] == [
        "This file is 1.1 MB; the limit is 1 MB."
    ]
    assert not Answer.objects.filter(proposal=draft).exists()


def test_a_real_pdf_is_stored_privately(as_persona, draft, document_question, settings):
    upload = SimpleUploadedFile("paper.pdf", PDF, content_type="application/pdf")

    as_persona("applicant").post(
        reverse("submissions:answers", args=[draft.code]), {"version": "1", f"q{document_question.pk}": upload}
    )

    answer = Answer.objects.get(proposal=draft, question=document_question)
    assert (answer.file_name, answer.file_size) == ("paper.pdf", len(PDF))
    assert answer.file.path.startswith(str(settings.MEDIA_ROOT))
    assert not settings.MEDIA_URL or answer.file.name.startswith("proposals/")


def test_word_limit_is_enforced(as_persona, draft, impact_question):
    response = as_persona("applicant").post(
        reverse("submissions:answers", args=[draft.code]), {"version": "1", f"q{impact_question.pk}": "word " * 11}
    )

    assert response.context["answers_form"].errors[f"q{impact_question.pk}"] == [
        "This answer has 11 words; the limit is 10."
    ]


def test_submit_view_lists_every_failure_with_links(as_persona, draft, impact_question):
    response = as_persona("applicant").post(reverse("submissions:submit", args=[draft.code]))

    content = response.content.decode()
    assert response.status_code == 200
    assert f'href="#q{impact_question.pk}"' in content
    assert 'href="#partners"' in content
    assert Proposal.objects.get(pk=draft.pk).state == "draft"


def test_co_applicant_sees_the_submitted_proposal_read_only(as_persona, submitted, reviewer):
    from grappe.submissions.models import TeamMember

    TeamMember.objects.create(proposal=submitted, person=reviewer.person, email=reviewer.email, state="accepted")
    client = as_persona("reviewer")

    page = client.get(reverse("submissions:detail", args=[submitted.code]))
    post = client.post(
        reverse("submissions:edit_details", args=[submitted.code]),
        {"title": "Changed", "requested_amount": "1", "duration_months": "12", "version": str(submitted.version)},
    )

    assert page.status_code == 200
    assert page.context["editable"] is False
    assert post.status_code == 404


def test_concurrent_edit_keeps_the_first_and_shows_back_what_the_second_typed(as_persona, draft):
    """Two tabs: the second save overwrites nothing, and the abstract it typed comes back to copy."""
    client = as_persona("applicant")
    url = reverse("submissions:edit_details", args=[draft.code])
    data = {"title": "First", "requested_amount": "50000", "duration_months": "12", "version": "1"}
    client.post(url, data)

    response = client.post(url, {**data, "abstract": "A new abstract typed in the second tab."})

    assert Proposal.objects.get(pk=draft.pk).abstract == ""
    assert response.status_code == 409
    assert response.context["conflict"]["section"] == "details"
    assert ("Abstract", "A new abstract typed in the second tab.") in response.context["conflict"]["kept"]
    page = response.content.decode()
    assert 'id="kept-details"' in page and "A new abstract typed in the second tab." in page
    assert "nothing of yours was saved" in page
    # The form shows the saved version, with its new version number: saving it again works.
    form = response.context["details_form"]
    assert form["title"].value() == "First" and form["version"].value() == 2


def test_concurrent_answers_come_back_and_the_file_is_asked_again(as_persona, draft, impact_question):
    client = as_persona("applicant")
    url = reverse("submissions:answers", args=[draft.code])
    client.post(url, {f"q{impact_question.pk}": "Saved first", "version": "1"})

    response = client.post(url, {f"q{impact_question.pk}": "Typed in the other tab", "version": "1"})

    assert response.status_code == 409
    assert Answer.objects.get(proposal=draft, question=impact_question).value == "Saved first"
    assert ("Impact", "Typed in the other tab") in response.context["conflict"]["kept"]
    assert 'id="kept-questions"' in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_office_proposal_list_access(as_persona, call, persona):
    response = as_persona(persona).get(reverse("submissions:office_list", args=[call.code]))

    expected = 200 if persona in {"office", "board"} else (302 if persona == "anonymous" else 404)
    assert response.status_code == expected


def test_office_list_filters_and_totals(as_persona, submitted, call, company):
    client = as_persona("office")

    response = client.get(
        reverse("submissions:office_list", args=[call.code]), {"partner": company.code, "eligibility": "yes"}
    )

    assert [p.code for p in response.context["page"]] == [submitted.code]
    totals = response.context["totals"]
    assert (totals["count"], totals["requested"], totals["cash"]) == (1, Decimal("108000.00"), Decimal("43200.00"))


def test_csv_export_has_one_row_per_proposal_with_totals(as_persona, submitted, call):
    response = as_persona("office").get(reverse("submissions:export_csv", args=[call.code]))

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Code", "Acronym", "Title"]
    assert rows[1][0] == submitted.code
    assert rows[1][-4:] == ["108000.00", "100000.00", "43200.00", "0.00"]


def test_excel_export_opens_with_totals(as_persona, submitted, call):
    response = as_persona("office").get(reverse("submissions:export_xlsx", args=[call.code]))

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "Code"
    assert rows[2][0] == submitted.code
    assert rows[-1][0] == "Total"
    assert rows[-1][10] == 108000


@pytest.mark.parametrize("persona", ["board", "applicant", "institution_contact"])
def test_exports_are_office_and_board_only(as_persona, call, persona):
    response = as_persona(persona).get(reverse("submissions:export_csv", args=[call.code]))

    assert response.status_code == (200 if persona == "board" else 404)


def test_office_overrides_eligibility_with_a_reason(as_persona, submitted):
    client = as_persona("office")

    client.post(reverse("submissions:override", args=[submitted.code]), {"decision": "ineligible", "reason": ""})
    unchanged = Proposal.objects.get(pk=submitted.pk).eligibility_override
    client.post(
        reverse("submissions:override", args=[submitted.code]), {"decision": "ineligible", "reason": "Duplicate"}
    )

    assert unchanged is None
    assert Proposal.objects.get(pk=submitted.pk).final_eligibility is False


@pytest.mark.parametrize("item_count", [1, 4])
def test_office_list_query_count(
    as_persona, django_assert_num_queries, call, applicant, university, company, item_count
):
    from tests.factories import ProposalFactory

    for _ in range(item_count):
        proposal = ProposalFactory(call=call, lead=applicant.person, lead_organisation=university, state="submitted")
        ProposalPartner.objects.create(proposal=proposal, organisation=company)
    client = as_persona("office")

    with django_assert_num_queries(12):
        client.get(reverse("submissions:office_list", args=[call.code]))


@pytest.mark.parametrize("item_count", [1, 4])
def test_my_proposals_query_count(as_persona, django_assert_num_queries, call, applicant, university, item_count):
    from tests.factories import ProposalFactory

    for _ in range(item_count):
        ProposalFactory(call=call, lead=applicant.person, lead_organisation=university)
    client = as_persona("applicant")

    with django_assert_num_queries(6):  # app permissions ask the roles only, no ModelBackend query
        client.get(reverse("submissions:mine"))


def test_saving_details_keeps_the_lead_organisation(as_persona, draft, university):
    client = as_persona("applicant")
    page = client.get(reverse("submissions:detail", args=[draft.code]))
    form = page.context["details_form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["keywords"] = ""

    client.post(reverse("submissions:edit_details", args=[draft.code]), data)

    assert f'value="{university.code}" selected' in page.content.decode()
    assert Proposal.objects.get(pk=draft.pk).lead_organisation == university


EDIT_ENDPOINTS = [
    "submissions:edit_details",
    "submissions:invite",
    "submissions:add_partner",
    "submissions:cofunding",
    "submissions:budget",
    "submissions:answers",
    "submissions:ethics",
    "submissions:submit",
    "submissions:withdraw",
    "submissions:reopen",
]


@pytest.mark.parametrize(
    "persona", ["office", "board", "institution_contact", "partner_contact", "reviewer", "outsider"]
)
@pytest.mark.parametrize("url_name", EDIT_ENDPOINTS)
def test_only_the_team_writes_to_a_draft(as_persona, complete_draft, persona, url_name):
    before = Proposal.objects.get(pk=complete_draft.pk)

    response = as_persona(persona).post(reverse(url_name, args=[complete_draft.code]), {"version": "1", "title": "X"})

    after = Proposal.objects.get(pk=complete_draft.pk)
    assert response.status_code == 404
    assert (after.version, after.state, after.title) == (before.version, before.state, before.title)


@pytest.mark.parametrize("url_name", EDIT_ENDPOINTS)
def test_anonymous_writes_are_sent_to_log_in(client, complete_draft, url_name):
    response = client.post(reverse(url_name, args=[complete_draft.code]), {"version": "1"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", PERSONAS)
def test_printable_summary_access(as_persona, submitted, persona):
    response = as_persona(persona).get(reverse("submissions:summary", args=[submitted.code]))

    expected = (
        200 if persona in {"office", "applicant", "institution_contact"} else 302 if persona == "anonymous" else 404
    )
    assert response.status_code == expected
    if expected == 200:
        assert submitted.code in response.content.decode()


@pytest.mark.parametrize("persona", ["office", "applicant", "outsider"])
def test_invitation_page_is_only_for_the_invited_address(as_persona, draft, persona):
    from grappe.submissions.models import TeamMember

    member = TeamMember.objects.create(proposal=draft, email="outsider@example.org")

    response = as_persona(persona).get(reverse("submissions:invitation", args=[member.token]))

    assert response.status_code == (200 if persona == "outsider" else 404)


def test_co_applicant_cannot_manage_the_team(as_persona, draft, reviewer):
    from grappe.submissions.models import TeamMember

    TeamMember.objects.create(proposal=draft, person=reviewer.person, email=reviewer.email, state="accepted")

    response = as_persona("reviewer").post(
        reverse("submissions:invite", args=[draft.code]), {"email": "friend@example.org", "role": "member"}
    )

    assert response.status_code == 404
    assert not TeamMember.objects.filter(email="friend@example.org").exists()


def test_an_amount_above_the_call_s_maximum_is_saved_with_a_warning(as_persona, draft):
    response = as_persona("applicant").post(
        reverse("submissions:edit_details", args=[draft.code]),
        {"title": "T", "requested_amount": "999999", "duration_months": "12", "version": "1"},
        follow=True,
    )
    draft.refresh_from_db()
    assert draft.requested_amount == 999999 and draft.version == 2  # the draft is not lost
    [warning] = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert "999" in warning and "200" in warning
    within = as_persona("applicant").post(
        reverse("submissions:edit_details", args=[draft.code]),
        {"title": "T", "requested_amount": "50000", "duration_months": "12", "version": "2"},
        follow=True,
    )
    assert not [m for m in within.context["messages"] if m.level_tag == "warning"]
