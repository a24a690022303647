import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grappe.notifications import services
from grappe.notifications.models import Kind, Mode, Notification, Preference
from tests.conftest import PERSONAS

LOGGED_IN = [p for p in PERSONAS if p != "anonymous"]


def _notify(person, subject="Hello", kind=Kind.MESSAGE):
    return services.notify(person, kind, subject=subject, body="Body of " + subject, link="https://grappe.test/x")


@pytest.mark.parametrize("persona", LOGGED_IN)
def test_each_persona_sees_only_their_own_notifications(as_persona, request, persona, outsider):
    me = request.getfixturevalue(persona).person
    _notify(me, "Mine")
    if persona != "outsider":
        _notify(outsider.person, "Not yours")

    response = as_persona(persona).get(reverse("notifications:list"))

    assert response.status_code == 200
    assert "Mine" in response.text and "Not yours" not in response.text


def test_anonymous_is_sent_to_log_in(client):
    for url in (reverse("notifications:list"), reverse("notifications:preferences")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", LOGGED_IN)
def test_another_persons_notification_is_404_and_stays_unread(as_persona, persona, board, office):
    theirs = _notify((office if persona != "office" else board).person, "Private")
    client = as_persona(persona)

    assert client.get(reverse("notifications:detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read"), {"id": theirs.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notification_marks_it_read(as_persona, applicant):
    mine = _notify(applicant.person, "Read me")

    response = as_persona("applicant").get(reverse("notifications:detail", args=[mine.pk]))

    mine.refresh_from_db()
    assert response.status_code == 200 and "Body of Read me" in response.text
    assert mine.read_at is not None


def test_mark_one_and_mark_all_read(as_persona, applicant, reviewer):
    first, second, third = (_notify(applicant.person, s) for s in ("One", "Two", "Three"))
    theirs = _notify(reviewer.person, "Theirs")
    client = as_persona("applicant")

    response = client.post(reverse("notifications:mark_read"), {"id": first.pk, "next": "/notifications/?unread=1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?unread=1"
    assert list(Notification.objects.filter(read_at__isnull=True).order_by("pk")) == [second, third, theirs]

    response = client.post(reverse("notifications:mark_read"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications:list")  # never off-site
    assert list(Notification.objects.filter(read_at__isnull=True)) == [theirs]


def test_a_malformed_id_is_a_clear_error_not_a_500(as_persona, applicant):
    response = as_persona("applicant").post(reverse("notifications:mark_read"), {"id": "1; drop"}, follow=True)

    assert response.status_code == 200 and "This notification does not exist." in response.text


def test_header_loads_the_unread_count_after_the_page(as_persona, applicant, client, django_assert_num_queries):
    for subject in ("A", "B"):
        _notify(applicant.person, subject)
    me = as_persona("applicant")

    assert 'hx-get="/notifications/unread/"' in me.get("/").text
    assert 'class="notif-count">2<' in me.get("/notifications/unread/").text
    with django_assert_num_queries(2):  # session and user; the count is cached
        me.get("/notifications/unread/")
    services.mark_read(applicant.person)
    assert me.get("/notifications/unread/").text.strip() == ""
    assert client.get("/notifications/unread/").text.strip() == ""  # anonymous: nothing, no redirect


def test_the_list_takes_a_constant_number_of_queries(as_persona, applicant):
    client = as_persona("applicant")
    _notify(applicant.person, "first")
    client.get(reverse("notifications:list"))  # warm the session and the unread count
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notifications:list"))
    for n in range(40):
        _notify(applicant.person, f"more {n}", kind=Kind.DEADLINE if n % 2 else Kind.DECISION)
    client.get(reverse("notifications:list"))  # the unread count, forgotten by the new ones, cached again
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("notifications:list"))

    assert "more 39" in response.text
    assert len(many) == len(few), [q["sql"][:150] for q in many.captured_queries]


def test_the_list_pages(as_persona, applicant, settings):
    settings.GRAPPE_PAGE_SIZE = 5
    for n in range(7):
        _notify(applicant.person, f"Item {n}")

    client = as_persona("applicant")
    first, second = client.get("/notifications/"), client.get("/notifications/?page=2")

    assert "Item 6" in first.text and "Item 1" not in first.text
    assert "Item 1" in second.text and "Item 0" in second.text
    assert client.get("/notifications/?page=oops").status_code == 200


def test_preferences_are_saved_and_mandatory_kinds_offer_no_off(as_persona, applicant):
    client = as_persona("applicant")
    page = client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    assert 'name="deadline" value="off"' not in page.text and 'name="message" value="off"' in page.text

    choices = dict.fromkeys(Kind.values, Mode.IMMEDIATE) | {"message": "off", "deadline": "daily"}
    response = client.post(reverse("notifications:preferences"), choices)

    assert response.status_code == 302
    assert dict(Preference.objects.filter(person=applicant.person).values_list("kind", "mode")) == {
        "message": "off",
        "deadline": "daily",
    }


def test_turning_off_a_mandatory_kind_is_refused_and_nothing_is_saved(as_persona, applicant):
    choices = dict.fromkeys(Kind.values, Mode.IMMEDIATE) | {"message": "daily", "decision": "off"}

    response = as_persona("applicant").post(reverse("notifications:preferences"), choices)

    assert response.status_code == 200 and "Select a valid choice" in response.text
    assert not Preference.objects.exists()


def test_a_link_to_grappe_follows_the_address_the_reader_uses(as_persona, applicant):
    # Written when SITE_URL named another port (a demo seeded before being served on 8130).
    page = reverse("notifications:preferences")
    ours = services.notify(
        applicant.person, Kind.MESSAGE, subject="Ours", body="b", link=f"http://127.0.0.1:8000{page}?a=1"
    )
    theirs = services.notify(applicant.person, Kind.MESSAGE, subject="Out", body="b", link="https://doi.org/10.1/x")
    client = as_persona("applicant")

    assert f'href="{page}?a=1"' in client.get(reverse("notifications:detail", args=[ours.pk])).text
    assert 'href="https://doi.org/10.1/x"' in client.get(reverse("notifications:detail", args=[theirs.pk])).text
