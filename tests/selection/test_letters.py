"""Decision letters, reserve promotion and the committee's export."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from grappe.notifications.models import Notification
from grappe.selection import letters, services
from grappe.selection.models import Award, Decision, Letter, LetterTemplate, Outcome

pytestmark = pytest.mark.django_db


def _send(call, office, capture):
    """Queue the sending and let the (immediate, in tests) task worker run it."""
    with capture(execute=True):
        sending = letters.start_sending(call, actor=office)
    sending.refresh_from_db()
    return sending


def test_letters_are_prepared_in_the_lead_language_without_reviewer_names(
    review_call, decided, pool, office, django_capture_on_commit_callbacks
):
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
    sending = _send(review_call, office, django_capture_on_commit_callbacks)
    assert (sending.state, sending.sent, sending.total) == ("done", 3, 3)
    assert len(mail.outbox) == 3 and decided[0].lead.email in mail.outbox[0].to + mail.outbox[1].to + mail.outbox[2].to
    assert letters.prepare(review_call, actor=office) == 0  # sent letters are not prepared again
    # each letter is also in its recipients' notifications, not emailed a second time
    decision = Notification.objects.get(person=decided[0].lead, kind="decision")
    sent = Letter.objects.get(proposal=decided[0], state="sent")
    assert (decision.subject, decision.language, decision.deliveries.count()) == (sent.subject, "fr", 0)
    assert decision.link.endswith(f"/proposals/{decided[0].code}/summary/")


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


def test_outbox_page_prepares_and_sends(as_persona, review_call, decided, django_capture_on_commit_callbacks):
    client = as_persona("office")
    url = reverse("selection:outbox", args=[review_call.code])
    client.post(url, {"action": "prepare"})
    page = client.get(url)
    assert b"Send 3 letters" in page.content and decided[0].code.encode() in page.content
    with django_capture_on_commit_callbacks(execute=True):
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


def test_sent_letters_carry_the_summary(review_call, decided, office, django_capture_on_commit_callbacks):
    letters.prepare(review_call, actor=office)
    mail.outbox.clear()
    _send(review_call, office, django_capture_on_commit_callbacks)
    attachments = [a for m in mail.outbox for a in m.attachments]
    assert len(attachments) == 3 and all(a[2] == "application/pdf" and a[1].startswith(b"%PDF") for a in attachments)


# --- The team reads its decision once the letter is sent -------------------------------------


@pytest.mark.parametrize("persona", ["applicant", "office", "board", "reviewer", "outsider"])
def test_the_team_reads_its_decision_once_the_letter_is_sent(
    as_persona, review_call, decided, office, persona, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    url = reverse("submissions:detail", args=[decided[0].code])
    client = as_persona(persona)
    letters.prepare(review_call, actor=office)
    before = client.get(url)

    _send(review_call, office, capture)
    after = client.get(url)

    assert b'id="outcome"' not in before.content
    if persona in {"applicant", "office"}:
        page = after.content.decode()
        assert 'id="outcome"' in page and "Amount granted: 100,000.00 €" in page
        assert "A convincing plan." in page and "13.50" in page  # comment and weighted total of the consensus
        assert "grant agreement" in page  # what happens next
    elif persona == "board":
        assert b'id="outcome"' not in after.content  # the board reads the decision on its own pages
    else:
        assert after.status_code == 404


def test_a_rejected_team_reads_why_and_what_next(
    as_persona, review_call, decided, office, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    letters.prepare(review_call, actor=office)
    _send(review_call, office, capture)
    lead = decided[2].lead
    from django.test import Client

    from tests.factories import UserFactory

    user = UserFactory(person=lead) if not hasattr(lead, "user") else lead.user
    client = Client()
    client.force_login(user)

    page = client.get(reverse("submissions:detail", args=[decided[2].code])).content.decode()

    assert "Rejected" in page and "future call" in page and "Agreed." in page


def test_the_team_downloads_its_evaluation_summary_only_after_the_letter(
    as_persona, review_call, decided, office, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    url = reverse("selection:summary_pdf", args=[decided[0].code])
    client = as_persona("applicant")
    letters.prepare(review_call, actor=office)
    before = client.get(url).status_code

    _send(review_call, office, capture)

    assert (before, client.get(url).status_code) == (404, 200)
    assert as_persona("outsider").get(url).status_code == 404


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
