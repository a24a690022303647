"""Personal access tokens: created on the profile (shown once, stored hashed), scoped, expiring,
revocable by their owner and by the office, last use recorded."""

import datetime as dt
import hashlib
import re

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from grappe.api import services
from grappe.api.models import AccessToken
from tests.conftest import PERSONAS


def _bearer(raw):
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_token_is_created_on_the_profile_and_shown_once(as_persona, applicant):
    client = as_persona("applicant")
    response = client.post("/accounts/profile/api-tokens/", {"name": "Lab script", "scope": "read", "days": "30"})
    assert response.status_code == 200
    raw = re.search(r"grp_[0-9a-f]{12}_[A-Za-z0-9_-]+", response.content.decode()).group(0)
    token = AccessToken.objects.get(user=applicant)
    assert raw not in str(token.__dict__)  # only its hash is kept
    assert token.secret_hash == hashlib.sha256(raw.split("_", 2)[2].encode()).hexdigest()
    again = client.get("/accounts/profile/api-tokens/").content.decode()
    assert "Lab script" in again and raw not in again
    assert _bearer(raw).get("/api/v1/me").json()["code"] == applicant.person.code
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(("name", "days"), [("", "30"), ("ok", "0"), ("ok", "100000"), ("ok", "many")])
def test_bad_token_forms_are_refused(as_persona, applicant, name, days):
    response = as_persona("applicant").post(
        "/accounts/profile/api-tokens/", {"name": name, "scope": "write", "days": days}
    )
    assert response.status_code == 200 and "field-error" in response.content.decode()
    assert not AccessToken.objects.exists()


def test_expired_revoked_and_malformed_tokens_answer_401(applicant, office):
    token, raw = services.create_token(applicant, name="t", scope="read", days=1, actor=applicant)
    assert _bearer(raw).get("/api/v1/me").status_code == 200
    with freeze_time(timezone.now() + dt.timedelta(days=2)):
        assert _bearer(raw).get("/api/v1/me").status_code == 401
    services.revoke_token(token, actor=office)
    response = _bearer(raw).get("/api/v1/me")
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer", "Bearer grp_x", "Basic abc", f"Bearer {raw}x", "Bearer " + "a" * 500):
        assert Client(HTTP_AUTHORIZATION=header).get("/api/v1/calls").status_code == 401, header


def test_owner_and_office_revoke_others_do_not_know_the_token(as_persona, applicant):
    token, _raw = services.create_token(applicant, name="t", scope="read", days=5, actor=applicant)
    url = f"/accounts/profile/api-tokens/{token.pk}/revoke/"
    for persona in ("reviewer", "board", "institution_contact"):
        assert as_persona(persona).post(url).status_code == 404
    assert as_persona("anonymous").post(url).status_code == 302  # to the login page
    assert as_persona("office").post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    other, _raw = services.create_token(applicant, name="u", scope="read", days=5, actor=applicant)
    assert as_persona("applicant").post(f"/accounts/profile/api-tokens/{other.pk}/revoke/").status_code == 302
    other.refresh_from_db()
    assert other.revoked_by == applicant


@pytest.mark.parametrize("persona", PERSONAS)
def test_token_pages_per_persona(as_persona, persona, applicant, django_assert_max_num_queries):
    for n in range(3):
        services.create_token(applicant, name=f"t{n}", scope="read", days=5, actor=applicant)
    client = as_persona(persona)
    own = client.get("/accounts/profile/api-tokens/")
    assert own.status_code == (302 if persona == "anonymous" else 200)
    with django_assert_max_num_queries(12):
        office = client.get("/office/api-tokens/?show=all")
    assert office.status_code == {"office": 200, "anonymous": 302}.get(persona, 404)
    if persona == "office":
        assert office.content.decode().count("grp_") == 3
