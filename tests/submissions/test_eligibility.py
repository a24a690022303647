from decimal import Decimal

from grappe.submissions.eligibility import check_eligibility
from grappe.submissions.models import Answer, CoFunding


def _messages(proposal):
    return [(f.rule, f.message, f.section) for f in check_eligibility(proposal)]


def test_complete_draft_has_no_failure(complete_draft):
    assert check_eligibility(complete_draft) == []


def test_every_failure_is_listed_at_once(draft, impact_question, document_question):
    draft.abstract = ""
    draft.duration_months = 6
    draft.requested_amount = Decimal("5000")
    draft.save()

    failures = _messages(draft)

    assert failures == [
        ("basics", "Write the abstract.", "details"),
        ("min_partners", "At least 1 industrial partner(s) are needed; the proposal has 0.", "partners"),
        (
            "min_cofunding",
            "Partners' co-funding must reach 30 % of the amount requested (1,500.00 €); it is 0.00 €.",
            "partners",
        ),
        (
            "amount_in_range",
            "The amount requested (5,000.00 €) must lie between 10,000.00 € and 200,000.00 €.",
            "details",
        ),
        ("duration_in_range", "The duration (6 months) must lie between 12 and 36 months.", "details"),
        (
            "budget_matches",
            "The budget table adds up to 0.00 € (direct costs 0.00 € + overheads 0.00 €), "
            "but the amount requested is 5,000.00 €: make them agree.",
            "budget",
        ),
        ("required_attachments", "Attach the required file “Scientific document”.", f"q{document_question.pk}"),
        ("required_questions", "Answer the required question “Impact”.", f"q{impact_question.pk}"),
    ]


def test_lead_from_a_non_member_fails(complete_draft, company):
    complete_draft.lead_organisation = company  # an industrial partner, not a member

    failures = _messages(complete_draft)

    assert failures == [
        ("lead_is_member", "The lead's organisation (Exemplix Santé) must be a member of the cluster.", "details")
    ]


def test_lead_from_an_entity_of_a_member_passes(complete_draft, university):
    from tests.factories import OrganisationFactory

    complete_draft.lead_organisation = OrganisationFactory(name="LIP6", parent=university, relationship="external")

    assert _messages(complete_draft) == []


def test_cofunding_counts_cash_and_in_kind(complete_draft):
    CoFunding.objects.filter(partner__proposal=complete_draft).update(amount=Decimal("20000"))
    partner = complete_draft.partners.get()
    CoFunding.objects.create(partner=partner, year=2027, kind="in_kind", amount=Decimal("12400"))

    assert _messages(complete_draft) == []  # 32 400 € = 30 % of 108 000 €


def test_budget_off_by_one_cent_fails(complete_draft):
    complete_draft.requested_amount = Decimal("108000.01")

    assert [f[0] for f in _messages(complete_draft)] == ["budget_matches"]


def test_empty_answer_counts_as_missing(complete_draft, impact_question):
    Answer.objects.filter(question=impact_question).update(value="")

    assert [f[0] for f in _messages(complete_draft)] == ["required_questions"]
