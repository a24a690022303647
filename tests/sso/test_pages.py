"""The login page's buttons, the password switch, and one's linked identities (allowed and denied)."""

import pytest

from grappe.sso.models import Identity
from tests.conftest import PASSWORD, PERSONAS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_without_providers_the_login_page_is_as_before(settings, client):
    settings.GRAPPE_SSO_PROVIDERS = {}
    body = client.get("/accounts/login/").content.decode()
    assert "/sso/" not in body and "Log in with" not in body
    assert 'name="password"' in body and "/accounts/register/" in body


def test_each_configured_provider_has_a_button(sso_settings, client):
    body = client.get("/accounts/login/?next=/accounts/profile/").content.decode()
    for key, label in [("oidc", "Université Test"), ("orcid", "ORCID"), ("saml", "Renater")]:
        assert f"/sso/{key}/login/?next=/accounts/profile/" in body
        assert f"Log in with {label}" in body
    sso_settings.GRAPPE_SSO_PROVIDERS = {"orcid": sso_settings.GRAPPE_SSO_PROVIDERS["orcid"]}
    body = client.get("/accounts/login/").content.decode()
    assert "/sso/orcid/login/" in body and "/sso/oidc/login/" not in body and "/sso/saml/login/" not in body


def test_sign_in_returns_to_the_page_asked_for_and_never_elsewhere(sso_settings, client):
    from tests.sso.test_oidc import callback_of

    client.get("/sso/oidc/login/?next=/accounts/profile/")
    session_next = client.session["grappe_sso_flow"]["next"]
    assert session_next == "/accounts/profile/"
    client.get("/sso/oidc/login/?next=https://evil.example/")
    assert client.session["grappe_sso_flow"]["next"] == "/"
    assert callback_of(client)  # the provider still answers


def test_password_login_off_hides_and_refuses_passwords(settings, client, applicant):
    settings.GRAPPE_PASSWORD_LOGIN = False
    settings.GRAPPE_SSO_PROVIDERS = {}
    page = client.get("/accounts/login/").content.decode()
    assert 'name="password"' not in page and "/accounts/register/" not in page
    response = client.post("/accounts/login/", {"username": applicant.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert client.get("/accounts/register/").status_code == 404
    assert client.post("/accounts/register/", {"email": "x@example.org"}).status_code == 404
    assert client.get("/accounts/password-reset/").status_code == 404
    assert "/accounts/register/" not in client.get("/").content.decode()


def test_password_login_off_keeps_the_break_glass_for_technical_admins(settings, client, applicant):
    settings.GRAPPE_PASSWORD_LOGIN = False
    admin = UserFactory(is_staff=True, is_superuser=True)
    response = client.post("/admin/login/?next=/admin/", {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(admin.pk)
    other = type(client)()
    other.post("/admin/login/?next=/admin/", {"username": applicant.email, "password": PASSWORD})
    assert "_auth_user_id" not in other.session


def test_password_login_on_still_works(settings, client, applicant):
    settings.GRAPPE_PASSWORD_LOGIN = True
    response = client.post("/accounts/login/", {"username": applicant.email, "password": PASSWORD})
    assert response.status_code == 302


def test_self_registration_off_hides_the_form(settings, client):
    settings.GRAPPE_SELF_REGISTRATION = False
    assert client.get("/accounts/register/").status_code == 404
    assert "/accounts/register/" not in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_sees_only_their_own_identities(sso_settings, as_persona, persona, reviewer, request):
    theirs = Identity.objects.create(user=reviewer, provider="oidc", subject="reviewer-at-idp", email="r@x.example")
    client = as_persona(persona)
    response = client.get("/accounts/identities/")
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert client.post(f"/accounts/identities/{theirs.pk}/unlink/").status_code == 302
    elif persona == "reviewer":
        assert response.status_code == 200 and "r@x.example" in response.content.decode()
    else:
        assert response.status_code == 200 and "r@x.example" not in response.content.decode()
        assert client.post(f"/accounts/identities/{theirs.pk}/unlink/").status_code == 404
    if persona != "reviewer":
        assert Identity.objects.filter(pk=theirs.pk).exists()


def test_unlinking_keeps_the_last_way_in(sso_settings, client, applicant):
    sso_settings.GRAPPE_PASSWORD_LOGIN = False
    first = Identity.objects.create(user=applicant, provider="oidc", subject="a-1")
    second = Identity.objects.create(user=applicant, provider="orcid", subject="0000-0002-1825-0097")
    client.force_login(applicant)
    client.post(f"/accounts/identities/{second.pk}/unlink/")
    assert not Identity.objects.filter(pk=second.pk).exists()
    response = client.post(f"/accounts/identities/{first.pk}/unlink/", follow=True)
    assert "last way to log in" in response.content.decode()
    assert "Forgotten password" not in response.content.decode()  # password login is off here
    assert Identity.objects.filter(pk=first.pk).exists()
    sso_settings.GRAPPE_PASSWORD_LOGIN = True  # the password is a way in again
    client.post(f"/accounts/identities/{first.pk}/unlink/")
    assert not Identity.objects.exists()


def test_an_account_without_password_keeps_its_only_identity(sso_settings, client, applicant):
    applicant.set_unusable_password()
    applicant.save()
    only = Identity.objects.create(user=applicant, provider="saml", subject="idp!a")
    client.force_login(applicant)
    response = client.post(f"/accounts/identities/{only.pk}/unlink/", follow=True)
    assert Identity.objects.filter(pk=only.pk).exists()
    assert "Forgotten password" in response.content.decode()  # password login is on: the way to set one


def test_the_profile_leads_to_the_identities(client, applicant):
    client.force_login(applicant)
    assert "/accounts/identities/" in client.get("/accounts/profile/").content.decode()
