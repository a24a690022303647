"""The language cookie follows the LANGUAGE_COOKIE_* settings wherever Grappe sets it (Secure in production)."""

from django.urls import reverse

from tests.conftest import PASSWORD


def test_login_sets_a_secure_language_cookie_when_cookies_must_be_secure(client, applicant, settings):
    settings.LANGUAGE_COOKIE_SECURE = True  # as GRAPPE_ENV=production sets it

    response = client.post(reverse("people:login"), {"username": "applicant@example.org", "password": PASSWORD})

    cookie = response.cookies["django_language"]
    assert response.status_code == 302
    assert (cookie["secure"], cookie["samesite"], cookie["path"]) == (True, "Lax", "/")


def test_profile_save_sets_a_secure_language_cookie_when_cookies_must_be_secure(client, applicant, settings):
    settings.LANGUAGE_COOKIE_SECURE = True
    client.force_login(applicant)

    response = client.post(
        reverse("people:profile"),
        {
            "first_name": "Nadia",
            "last_name": "Benhamou",
            "languages": ["fr"],
            "preferred_language": "en",
            "version": "1",
        },
    )

    cookie = response.cookies["django_language"]
    assert response.status_code == 302
    assert (cookie.value, cookie["secure"]) == ("en", True)


def test_production_settings_make_the_language_cookie_secure(tmp_path):
    from tests.core.test_settings import _run

    result = _run(
        [
            "shell",
            "-v",
            "0",
            "-c",
            "from django.conf import settings as s; print(s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE)",
        ],
        GRAPPE_ENV="production",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="grappe.example.org",
        GRAPPE_VAR_DIR=str(tmp_path),
    )

    assert result.stdout.split() == ["True", "Lax"], result.stderr
