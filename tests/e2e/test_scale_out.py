"""A person submits a form on one web server and reads the result on another (PostgreSQL + Redis).

Two gunicorn servers (grappe-web.service) on two ports share PostgreSQL and Redis; the login,
its session and the saved profile made through the first are seen through the second.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password

from grappe.people.models import Person
from tests.conftest import PASSWORD
from tests.deploy import servers
from tests.deploy.test_scale_out import shared_url  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_profile_saved_on_one_web_server_is_read_on_the_other(shared_url, browser, tmp_path, applicant, settings):  # noqa: F811
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # as in production
    applicant.password = make_password(PASSWORD)
    applicant.save(update_fields=["password"])
    with servers.Cluster(tmp_path / "cluster", database_url=shared_url, workers=0, pages=True) as cluster:
        # localhost: Chromium keeps Secure cookies (production's) for it over plain HTTP.
        first, second = (url.replace("127.0.0.1", "localhost") for url in cluster.urls)
        # The proxy tells Django the browser came over HTTPS (no redirect, Secure cookies).
        context = browser.new_context(locale="en-GB", extra_http_headers={"X-Forwarded-Proto": "https"})
        page = context.new_page()

        page.goto(first + "/accounts/login/")
        page.fill("#id_username", "applicant@example.org")
        page.fill("#id_password", PASSWORD)
        page.locator("main").get_by_role("button", name="Log in").click()
        page.wait_for_url(first + "/")
        page.goto(first + "/accounts/profile/")
        page.fill("#id_first_name", "Ada")
        page.locator("form:has(#id_first_name) button[type=submit]").click()  # French or English
        page.wait_for_url(first + "/accounts/profile/")
        page.goto(second + "/accounts/profile/")
        read_on_second = page.input_value("#id_first_name")
        context.close()

    assert page.url == second + "/accounts/profile/"  # the session made on the first server is valid here
    assert read_on_second == "Ada"
    assert Person.objects.get(pk=applicant.person_id).first_name == "Ada"
