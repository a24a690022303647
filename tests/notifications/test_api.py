import pytest

from grappe.notifications import services
from grappe.notifications.models import Kind, Notification
from tests.api.conftest import api_client  # noqa: F401


def _notify(person, subject):
    return services.notify(person, Kind.MESSAGE, subject=subject, body="b", link="https://grappe.test/x")


@pytest.fixture
def notes(applicant, reviewer):
    return {
        "mine": [_notify(applicant.person, "One"), _notify(applicant.person, "Two")],
        "theirs": _notify(reviewer.person, "Theirs"),
    }


def test_the_caller_lists_only_their_own(api_client, notes):  # noqa: F811
    response = api_client("applicant").get("/api/v1/notifications")

    assert response.status_code == 200
    assert [n["subject"] for n in response.json()["items"]] == ["One", "Two"]


def test_unread_filter_and_mark_read(api_client, notes):  # noqa: F811
    client = api_client("applicant")
    one, two = notes["mine"]

    response = client.post(
        "/api/v1/notifications/read", {"ids": [one.pk, notes["theirs"].pk]}, content_type="application/json"
    )

    assert response.json() == {"marked": 1}
    assert [n["id"] for n in client.get("/api/v1/notifications?unread=true").json()["items"]] == [two.pk]
    assert Notification.objects.get(pk=notes["theirs"].pk).read_at is None


def test_another_persons_notification_is_404(api_client, notes):  # noqa: F811
    client = api_client("applicant")

    assert client.get(f"/api/v1/notifications/{notes['mine'][0].pk}").status_code == 200
    response = client.get(f"/api/v1/notifications/{notes['theirs'].pk}")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_anonymous_gets_401_and_a_read_token_cannot_mark(api_client, notes):  # noqa: F811
    assert api_client("anonymous").get("/api/v1/notifications").status_code == 401
    response = api_client("applicant", scope="read").post(
        "/api/v1/notifications/read", {}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_unknown_fields_are_refused(api_client, notes):  # noqa: F811
    response = api_client("applicant").post(
        "/api/v1/notifications/read", {"all": True}, content_type="application/json"
    )
    assert response.status_code == 422


def test_out_of_range_numbers_are_refused_not_a_500(api_client, notes):  # noqa: F811
    client = api_client("applicant")

    assert client.get(f"/api/v1/notifications/{2**70}").status_code == 404
    assert client.get("/api/v1/notifications/-3").status_code == 404
    response = client.post("/api/v1/notifications/read", {"ids": [2**70]}, content_type="application/json")
    assert response.status_code == 422


def test_a_link_to_grappe_is_given_at_the_address_the_caller_uses(api_client, applicant):  # noqa: F811
    page = "/accounts/profile/notifications/"
    note = services.notify(applicant.person, Kind.MESSAGE, subject="s", body="b", link=f"http://127.0.0.1:8000{page}")

    response = api_client("applicant").get(f"/api/v1/notifications/{note.pk}")

    assert response.json()["link"] == f"http://testserver{page}"
