"""Letters prepared and sent once, whatever the clicks and the workers do; sending runs in the task
worker (issue 10, defect 6)."""

import threading

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from grappe.selection import letters
from grappe.selection.models import Letter, LetterSending, LetterState

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_second_draft_for_a_proposal(review_call, decided, office):
    letters.prepare(review_call, actor=office)
    first = Letter.objects.filter(proposal=decided[0]).get()

    with pytest.raises(IntegrityError), transaction.atomic():
        Letter.objects.create(proposal=decided[0], outcome=first.outcome, language="fr", subject="x", body="y")

    assert Letter.objects.filter(proposal=decided[0]).count() == 1


def test_send_is_queued_for_the_worker_not_done_in_the_request(as_persona, review_call, decided, office):
    letters.prepare(review_call, actor=office)
    mail.outbox.clear()

    response = as_persona("office").post(reverse("selection:outbox", args=[review_call.code]), {"action": "send"})

    sending = LetterSending.objects.get()
    assert response.status_code == 302
    assert (sending.state, sending.total, len(mail.outbox)) == ("queued", 3, 0)
    assert Letter.objects.filter(state=LetterState.DRAFT).count() == 3


def test_a_double_click_on_send_queues_one_sending(review_call, decided, office):
    letters.prepare(review_call, actor=office)
    letters.start_sending(review_call, actor=office)

    with pytest.raises(letters.LetterError, match="The letters are already being sent"):
        letters.start_sending(review_call, actor=office)
    with pytest.raises(letters.LetterError, match="prepare again once the sending has finished"):
        letters.prepare(review_call, actor=office)

    assert LetterSending.objects.count() == 1


def test_a_sending_task_run_twice_mails_and_marks_each_letter_once(review_call, decided, office):
    letters.prepare(review_call, actor=office)
    sending = letters.start_sending(review_call, actor=office)
    mail.outbox.clear()

    first = letters.send(sending.pk)
    second = letters.send(sending.pk)

    sending.refresh_from_db()
    assert (first, second, len(mail.outbox)) == (3, 0, 3)
    assert (sending.state, sending.sent, sending.progress) == ("done", 3, 100)
    assert Letter.objects.filter(state=LetterState.SENT, sending=sending).count() == 3


def test_a_letter_claimed_by_another_sending_is_not_mailed_again(review_call, decided, office):
    letters.prepare(review_call, actor=office)
    sending = letters.start_sending(review_call, actor=office)
    taken = Letter.objects.filter(proposal=decided[0]).get()
    Letter.objects.filter(pk=taken.pk).update(state=LetterState.SENDING)  # another worker holds it
    mail.outbox.clear()

    letters.send(sending.pk)

    assert len(mail.outbox) == 2
    assert Letter.objects.get(pk=taken.pk).state == LetterState.SENDING


def test_the_outbox_shows_the_progress_while_sending(as_persona, review_call, decided, office):
    letters.prepare(review_call, actor=office)
    sending = letters.start_sending(review_call, actor=office)
    LetterSending.objects.filter(pk=sending.pk).update(state="running", sent=1)

    page = as_persona("office").get(reverse("selection:outbox", args=[review_call.code])).content.decode()

    assert "The task worker is sending the letters: 1 of 3 sent." in page
    assert 'hx-trigger="every 2s"' in page
    assert 'value="send"' not in page


def test_a_failed_sending_is_restarted_with_its_interrupted_letters_back_in_the_outbox(
    review_call, decided, office, django_capture_on_commit_callbacks
):
    letters.prepare(review_call, actor=office)
    failed = letters.start_sending(review_call, actor=office)
    interrupted = Letter.objects.filter(proposal=decided[0]).get()
    Letter.objects.filter(pk=interrupted.pk).update(state=LetterState.SENDING, sending=failed)
    LetterSending.objects.filter(pk=failed.pk).update(state="failed", error="The worker stopped.")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        again = letters.restart_sending(failed, actor=office)

    again.refresh_from_db()
    assert (again.restarted_from_id, again.state, again.sent, len(mail.outbox)) == (failed.pk, "done", 3, 3)
    assert Letter.objects.filter(state=LetterState.SENT).count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time (IMMEDIATE)")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_prepares_leave_one_draft_per_proposal(review_call, decided, office):
    barrier = threading.Barrier(2)
    errors = []

    def click():
        try:
            barrier.wait()
            letters.prepare(review_call, actor=office)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Letter.objects.filter(state=LetterState.DRAFT).count() == 3
