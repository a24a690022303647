"""A call open now with the usual rules, and the applicant's draft for it."""

from decimal import Decimal

import pytest

from grappe.calls.models import EligibilityRule, Question, QuestionKind, RuleKind
from grappe.programmes.models import CostCategory
from grappe.submissions.models import CoFunding, ContributionKind, PartnerRole, ProposalPartner
from tests.factories import CallFactory, ProposalFactory


def _blank_pdf() -> bytes:
    """A real one-page PDF (the upload check opens it with pypdf)."""
    import io

    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(out)
    return out.getvalue()


PDF = _blank_pdf()


@pytest.fixture
def call(db):
    call = CallFactory(title_en="Acceleration 2026")
    for kind, parameter in [
        (RuleKind.LEAD_IS_MEMBER, None),
        (RuleKind.MIN_PARTNERS, Decimal("1")),
        (RuleKind.MIN_COFUNDING, Decimal("30")),
        (RuleKind.AMOUNT_IN_RANGE, None),
        (RuleKind.DURATION_IN_RANGE, None),
        (RuleKind.BUDGET_MATCHES, None),
        (RuleKind.REQUIRED_ATTACHMENTS, None),
        (RuleKind.REQUIRED_QUESTIONS, None),
    ]:
        EligibilityRule.objects.create(call=call, kind=kind, parameter=parameter)
    return call


@pytest.fixture
def impact_question(call):
    return Question.objects.create(
        call=call, kind=QuestionKind.LONG_TEXT, label_fr="Impact", label_en="Impact", required=True, word_limit=10
    )


@pytest.fixture
def document_question(call):
    return Question.objects.create(
        call=call, kind=QuestionKind.PDF, label_fr="Document", label_en="Scientific document", required=True
    )


@pytest.fixture
def draft(call, applicant, university):
    return ProposalFactory(
        call=call,
        lead=applicant.person,
        lead_organisation=university,
        title="Frugal LLMs",
        requested_amount=Decimal("0"),
    )


@pytest.fixture
def complete_draft(draft, company, impact_question, document_question):
    """A draft that passes every rule: 100 000 € direct + 8 % = 108 000 €, 40 % co-funding, answers."""
    from django.core.files.base import ContentFile

    from grappe.submissions.models import Answer, BudgetLine

    draft.requested_amount = Decimal("108000.00")
    draft.save()
    partner = ProposalPartner.objects.create(proposal=draft, organisation=company, role=PartnerRole.INDUSTRIAL)
    CoFunding.objects.create(partner=partner, year=2026, kind=ContributionKind.CASH, amount=Decimal("43200.00"))
    personnel = CostCategory.objects.get(code="personnel")
    BudgetLine.objects.create(
        proposal=draft, category=personnel, organisation=draft.lead_organisation, year=2026, amount=Decimal("100000.00")
    )
    Answer.objects.create(proposal=draft, question=impact_question, value="Real impact for the partners.")
    answer = Answer(proposal=draft, question=document_question, file_name="doc.pdf", file_size=len(PDF))
    answer.file.save("doc.pdf", ContentFile(PDF), save=False)
    answer.save()
    return draft
