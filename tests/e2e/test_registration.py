"""A visitor switches to English, registers, confirms the email, logs in and edits the profile."""

import re

import pytest
from django.core import mail

from grappe.people.models import Person, User

pytestmark = pytest.mark.django_db(transaction=True)


def test_visitor_registers_verifies_logs_in_and_edits_profile(page, live_server, shot):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("button", name="EN").click()
    page.wait_for_selector("html[lang=en]")
    shot(page, "01-home-en")

    page.get_by_role("link", name="Register").first.click()
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Email").fill("grace.hopper@example.org")
    page.locator("#id_password1").fill("cobol-compilers-1959")
    page.locator("#id_password2").fill("cobol-compilers-1959")
    shot(page, "02-register-filled")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_selector("text=Check your email")
    shot(page, "03-register-done")

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/verify/\S+/", mail.outbox[0].body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    page.wait_for_selector("text=is confirmed")
    page.get_by_label("Email").fill("grace.hopper@example.org")
    page.locator("#id_password").fill("cobol-compilers-1959")
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_selector("text=Your profile")

    page.goto("/accounts/profile/")
    page.get_by_label("ORCID iD").fill("0000-0002-1825-0098")
    page.get_by_role("button", name="Save my profile").click()
    page.wait_for_selector("text=wrong check digit")
    shot(page, "04-profile-error")
    page.get_by_label("ORCID iD").fill("0000-0002-1825-0097")
    page.get_by_label("Expertise keywords").fill("compilers, programming languages")
    page.get_by_role("button", name="Save my profile").click()
    page.wait_for_selector("text=Your profile is saved.")
    shot(page, "05-profile-saved")

    person = Person.objects.get(email="grace.hopper@example.org")
    assert User.objects.get(person=person).is_active is True
    assert person.orcid == "0000-0002-1825-0097"
    assert sorted(k.name for k in person.keywords.all()) == ["compilers", "programming languages"]
    assert page.console_errors == []
