"""Decision letters, reserve promotion and the committee's export."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from grappe.selection import letters, services
from grappe.selection.models import Award, Decision, Letter, LetterTemplate, Outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(review_call, priced, office, board):
    reviewed = priced
    data = {f"score_{c.pk}": "4.5" for c in review_call.scheme.criteria.all()}
    services.save_consensus(
        reviewed[0], data | {"applicant_comment": "A convincing plan."}, expected_version=1, approve=True, actor=office
    )
    services.run_portfolio(review_call, {"budget": 150000}, actor=office)
    services.record_decision(
        reviewed[0],
        outcome=Outcome.FUNDED,
        amount=Decimal("100000"),
        reserve_rank=None,
        justification="",
        expected_version=None,
        actor=board,
    )
    services.record_decision(
        reviewed[1],
        outcome=Outcome.RESERVE,
        amount=None,
        reserve_rank=1,
        justification="",
        expected_version=None,
        actor=board,
    )
    services.record_decision(
        reviewed[2],
        outcome=Outcome.REJECTED,
        amount=None,
        reserve_rank=None,
        justification="",
        expected_version=None,
        actor=board,
    )
    return reviewed


def test_letters_are_prepared_in_the_lead_language_without_reviewer_names(review_call, decided, pool, office):
    decided[0].lead.preferred_language = "en"
    decided[0].lead.save()
    assert letters.prepare(review_call, actor=office) == 3
    funded = Letter.objects.get(proposal=decided[0])
    assert funded.language == "en" and "is funded" in funded.subject
    assert "100,000.00" in funded.body and "A convincing plan." in funded.body and "4.5/5" in funded.body
    for member in pool:
        assert member.person.full_name not in funded.body
    decided[0].lead.preferred_language = "fr"
    decided[0].lead.save()
    letters.prepare(review_call, actor=office)
    assert "- Excellence : 4,5/5" in Letter.objects.get(proposal=decided[0]).body  # French number format
    reserve = Letter.objects.get(proposal=decided[1])
    assert "liste complémentaire" in reserve.subject and "position 1" in reserve.body
    assert letters.prepare(review_call, actor=office) == 3  # drafts are replaced, not duplicated
    assert Letter.objects.count() == 3
    mail.outbox.clear()
    assert letters.send(review_call, actor=office) == 3
    assert len(mail.outbox) == 3 and decided[0].lead.email in mail.outbox[0].to + mail.outbox[1].to + mail.outbox[2].to
    assert letters.prepare(review_call, actor=office) == 0  # sent letters are not prepared again


def test_templates_refuse_unknown_placeholders(review_call, office):
    template = letters.templates_for(review_call)[(Outcome.FUNDED, "fr")]
    with pytest.raises(letters.LetterError, match=r"Unknown placeholder \{reviewer\}"):
        letters.save_template(template, subject="x", body="Hello {reviewer}", actor=office)
    with pytest.raises(letters.LetterError, match="brace"):
        letters.save_template(template, subject="x {call", body="y", actor=office)
    letters.save_template(template, subject="Bravo {applicant}", body="{comments}", actor=office)
    assert LetterTemplate.objects.get(pk=template.pk).subject == "Bravo {applicant}"


def test_a_team_declining_promotes_the_reserve_list(review_call, decided, board):
    with pytest.raises(services.SelectionError, match="why"):
        services.team_declines(decided[0], reason="no", actor=board)
    promoted = services.team_declines(decided[0], reason="The lead moved abroad", actor=board)
    assert promoted.proposal == decided[1] and promoted.outcome == Outcome.FUNDED
    assert "Promoted from the reserve list" in promoted.justification
    assert Decision.objects.get(proposal=decided[0]).outcome == Outcome.DECLINED
    assert list(Award.objects.values_list("proposal_id", flat=True)) == [decided[1].pk]
    with pytest.raises(services.SelectionError, match="Only a funded proposal"):
        services.team_declines(decided[0], reason="The lead moved abroad", actor=board)


@pytest.mark.parametrize("persona", ["board", "reviewer", "applicant"])
def test_outbox_is_for_the_office(as_persona, review_call, persona):
    assert as_persona(persona).get(reverse("selection:outbox", args=[review_call.code])).status_code == 404


def test_outbox_page_prepares_and_sends(as_persona, review_call, decided):
    client = as_persona("office")
    url = reverse("selection:outbox", args=[review_call.code])
    client.post(url, {"action": "prepare"})
    page = client.get(url)
    assert b"Send 3 letters" in page.content and decided[0].code.encode() in page.content
    client.post(url, {"action": "send"})
    assert not Letter.objects.filter(state="draft").exists()
    bad = client.post(
        url,
        {"action": "template", "outcome": "funded", "language": "en", "subject": "x", "body": "{nope}"},
        follow=True,
    )
    assert b"Unknown placeholder" in bad.content


def test_ranking_export(as_persona, review_call, decided):
    assert as_persona("applicant").get(reverse("selection:export", args=[review_call.code])).status_code == 404
    response = as_persona("board").get(reverse("selection:export", args=[review_call.code]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ranking, consensus = book.worksheets
    rows = list(ranking.iter_rows(values_only=True))
    assert rows[0][0] == "Rank" and rows[1][1] == decided[0].code
    assert any(r[1].startswith("Consensus") for r in consensus.iter_rows(min_row=2, values_only=True))
    assert any(r[1] == "Reviewer 1" for r in consensus.iter_rows(min_row=2, values_only=True))


def test_evaluation_summary_pdf_names_no_reviewer(as_persona, review_call, decided, pool):
    from pypdf import PdfReader

    url = reverse("selection:summary_pdf", args=[decided[0].code])
    assert as_persona("reviewer").get(url).status_code == 404
    response = as_persona("board").get(url + "?lang=en")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Evaluation summary" in text and decided[0].code in text and "A convincing plan." in text
    assert "Funded" in text
    for member in pool:
        assert member.person.full_name not in text


def test_sent_letters_carry_the_summary(review_call, decided, office):
    letters.prepare(review_call, actor=office)
    mail.outbox.clear()
    letters.send(review_call, actor=office)
    attachments = [a for m in mail.outbox for a in m.attachments]
    assert len(attachments) == 3 and all(a[2] == "application/pdf" and a[1].startswith(b"%PDF") for a in attachments)


def test_ranking_export_writes_recommendations_in_the_readers_language(as_persona, review_call, decided, settings):
    settings.LANGUAGE_CODE = "fr"
    client = as_persona("board")
    client.cookies["django_language"] = "fr"

    response = client.get(reverse("selection:export", args=[review_call.code]))

    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0].iter_rows(values_only=True)
    )
    recommendations = {row[rows[0].index("Recommandation")] for row in rows[1:]}
    assert recommendations <= {"Financé", "Liste complémentaire", "Rejeté"}
    assert "reserve" not in recommendations and "rejected" not in recommendations
