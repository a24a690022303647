"""Registration with email verification, login and throttling, password reset, own profile."""

import re

import pytest
from django.urls import reverse

from grappe.core.models import AuditLog
from grappe.people.models import Person, User

pytestmark = pytest.mark.django_db

REGISTRATION = {
    "first_name": "Marie",
    "last_name": "Curie",
    "email": "Marie.Curie@Example.org",
    "password1": "radium-and-polonium-1898",
    "password2": "radium-and-polonium-1898",
}


def _link(message):
    return re.search(r"https?://\S+", message.body).group(0)


def test_registration_sends_a_link_that_activates_the_account(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("people:register"), REGISTRATION)
    user = User.objects.get(email="marie.curie@example.org")
    inactive_before = user.is_active

    verify = client.get(_link(mailoutbox[0]).replace("http://127.0.0.1:8000", ""))

    user.refresh_from_db()
    assert response.status_code == 200
    assert "marie.curie@example.org" in response.content.decode()
    assert (inactive_before, user.is_active, user.email_verified_at is not None) == (False, True, True)
    assert verify["Location"] == reverse("people:login")
    assert [m.to for m in mailoutbox] == [["marie.curie@example.org"]]
    assert list(AuditLog.objects.order_by("id").values_list("action", flat=True)) == [
        "person.created",
        "account.registered",
        "account.email_verified",
    ]


def test_unverified_account_cannot_log_in(client, mailoutbox):
    client.post(reverse("people:register"), REGISTRATION)

    response = client.post(
        reverse("people:login"), {"username": "marie.curie@example.org", "password": REGISTRATION["password1"]}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_failed_login_of_an_unverified_account_says_so_and_resends_the_email(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people:register"), REGISTRATION)
    credentials = {"username": "marie.curie@example.org", "password": REGISTRATION["password1"]}

    response = client.post(reverse("people:login"), credentials)
    resent = client.post(reverse("people:resend_verification"), follow=True)
    again = client.post(reverse("people:resend_verification"), follow=True)

    assert "Your email address is not confirmed yet" in response.content.decode()
    assert "Send the confirmation email again" in response.content.decode()
    assert "The confirmation email was sent again to marie.curie@example.org" in resent.content.decode()
    assert "Log in with your email address and password first." in again.content.decode()
    assert len(mailoutbox) == 2
    assert _link(mailoutbox[1]).startswith("http://127.0.0.1:8000/accounts/verify/")
    assert AuditLog.objects.filter(action="account.verification_resent").count() == 1


def test_unverified_account_with_a_wrong_password_is_not_revealed(client):
    client.post(reverse("people:register"), REGISTRATION)

    response = client.post(reverse("people:login"), {"username": "marie.curie@example.org", "password": "wrong-one"})

    assert "The email address or the password is wrong." in response.content.decode()
    assert "not confirmed" not in response.content.decode()
    assert "Send the confirmation email again" not in response.content.decode()


def test_registration_in_french_sends_a_french_email(client, mailoutbox, settings, django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "fr"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people:register"), REGISTRATION)

    assert mailoutbox[0].subject == "Confirmez votre adresse e-mail pour Grappe"
    assert mailoutbox[0].body.startswith("Bonjour Marie,")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"email": "applicant@example.org"},
            "email",
            "An account with this email address already exists. Log in or reset your password.",
        ),
        ({"password2": "something-else-entirely"}, "password2", "The two passwords differ."),
        (
            {"password1": "123", "password2": "123"},
            "password1",
            "This password is too short. It must contain at least 8 characters.",
        ),
        ({"first_name": "x" * 101}, "first_name", "Ensure this value has at most 100 characters (it has 101)."),
        ({"email": "nope"}, "email", "Enter a valid email address."),
    ],
)
def test_bad_registration_is_refused_and_nothing_is_saved(client, applicant, mailoutbox, changes, field, message):
    people_before = Person.objects.count()

    response = client.post(reverse("people:register"), {**REGISTRATION, **changes})

    assert response.context["form"].errors[field][0] == message
    assert Person.objects.count() == people_before
    assert User.objects.filter(email__iexact=REGISTRATION["email"]).count() == 0
    assert mailoutbox == []


def test_bad_verification_link_shows_a_clear_error(client):
    response = client.get(reverse("people:verify_email", args=["forged.token"]))

    assert response.status_code == 400
    assert "This confirmation link is not valid." in response.content.decode()


def test_login_by_email_is_case_insensitive_and_sets_the_language(client, applicant):
    applicant.person.preferred_language = "en"
    applicant.person.save()

    response = client.post(
        reverse("people:login"), {"username": "APPLICANT@example.org", "password": "correct horse battery staple"}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(applicant.pk)
    assert response.cookies["django_language"].value == "en"


def test_wrong_password_gives_a_clear_error(client, applicant):
    response = client.post(reverse("people:login"), {"username": "applicant@example.org", "password": "wrong"})

    assert response.context["form"].non_field_errors() == ["The email address or the password is wrong."]


def test_repeated_failures_lock_the_login(client, applicant, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("people:login"), {"username": "applicant@example.org", "password": "wrong"})

    response = client.post(
        reverse("people:login"), {"username": "applicant@example.org", "password": "correct horse battery staple"}
    )

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_login_throttle_ignores_the_email_case(client, applicant, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for spelling in ["applicant@example.org", "Applicant@Example.org", " APPLICANT@EXAMPLE.ORG"]:
        client.post(reverse("people:login"), {"username": spelling, "password": "wrong"})

    response = client.post(
        reverse("people:login"), {"username": "APPLICANT@example.ORG", "password": "correct horse battery staple"}
    )

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_password_reset_and_registration_ignore_the_email_case(client, applicant, mailoutbox):
    client.post(reverse("people:password_reset"), {"email": "APPLICANT@Example.ORG"})
    response = client.post(reverse("people:register"), REGISTRATION | {"email": "Applicant@EXAMPLE.org"})

    assert [m.to for m in mailoutbox] == [["applicant@example.org"]]
    assert response.context["form"].errors["email"] == [
        "An account with this email address already exists. Log in or reset your password."
    ]


def test_password_reset_round_trip(client, applicant, mailoutbox):
    client.post(reverse("people:password_reset"), {"email": "applicant@example.org"})
    link = _link(mailoutbox[0]).replace("http://127.0.0.1:8000", "")
    form_page = client.get(link, follow=True)

    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )

    applicant.refresh_from_db()
    assert response["Location"] == reverse("people:password_reset_complete")
    assert applicant.check_password("a-brand-new-passphrase")
    assert AuditLog.objects.filter(action="account.password_reset", object_id=str(applicant.person.pk)).count() == 1


def test_password_reset_for_unknown_email_reveals_nothing(client, mailoutbox):
    response = client.post(reverse("people:password_reset"), {"email": "nobody@example.org"})

    assert response["Location"] == reverse("people:password_reset_done")
    assert mailoutbox == []


def test_profile_edit_saves_own_data(client, applicant):
    client.force_login(applicant)

    response = client.post(
        reverse("people:profile"),
        {
            "first_name": "Nadia",
            "last_name": "Benhamou",
            "orcid": "https://orcid.org/0000-0002-1825-0097",
            "keywords": "explainability, fairness",
            "languages": ["fr"],
            "preferred_language": "fr",
            "version": "1",
        },
    )

    person = Person.objects.get(pk=applicant.person_id)
    assert response.status_code == 302
    assert (person.first_name, person.orcid, person.version) == ("Nadia", "0000-0002-1825-0097", 2)
    assert sorted(k.name for k in person.keywords.all()) == ["explainability", "fairness"]
    assert response.cookies["django_language"].value == "fr"


def test_profile_cannot_change_the_login_email(client, applicant):
    client.force_login(applicant)

    client.post(
        reverse("people:profile"),
        {
            "first_name": "A",
            "last_name": "B",
            "email": "hijack@example.org",
            "preferred_language": "fr",
            "version": "1",
        },
    )

    applicant.refresh_from_db()
    assert applicant.email == "applicant@example.org"


def test_profile_with_invalid_orcid_saves_nothing(client, applicant):
    client.force_login(applicant)

    response = client.post(
        reverse("people:profile"),
        {"first_name": "Changed", "last_name": "B", "orcid": "1234", "preferred_language": "fr", "version": "1"},
    )

    assert response.context["form"].errors["orcid"] == ["Enter an ORCID iD as 0000-0002-1825-0097 (16 characters)."]
    assert Person.objects.get(pk=applicant.person_id).first_name != "Changed"


def test_logout_needs_a_post(client, applicant):
    client.force_login(applicant)

    client.post(reverse("people:logout"))

    assert "_auth_user_id" not in client.session
