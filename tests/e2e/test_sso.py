"""In chromium: sign in through the local OpenID Connect provider, then link ORCID from the profile."""

import pytest

from grappe.people.models import User
from grappe.sso.models import Identity
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_walk import AXE, AXE_RUN, OVERFLOW
from tests.sso.conftest import idp, oidc_idp, orcid_idp, saml_files, sso_settings  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def check_page(page, name, widths=(1280, 390)):
    """No serious accessibility problem, nothing wider than a phone; a screenshot at each width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate(AXE_RUN) == []
        overflow = page.evaluate(OVERFLOW)
        assert overflow["wide"] == [], overflow
        page.screenshot(path=str(SCREENSHOTS / f"sso-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_sign_in_with_the_institution_then_link_orcid(page, live_server, sso_settings, idp, orcid_idp):  # noqa: F811
    sso_settings.SITE_URL = live_server.url
    idp.interactive = orcid_idp.interactive = True
    orcid_idp.user = {"sub": "0000-0002-1825-0097", "given_name": "Ada", "family_name": "Lovelace"}

    page.context.add_init_script(path=str(AXE))  # axe-core in every page, before its own scripts
    page.goto("/accounts/login/")
    check_page(page, "login-with-providers")
    page.get_by_role("link", name="Se connecter avec Université Test").click()
    page.wait_for_selector("text=Test identity provider")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("button", name="Déconnexion").is_visible()

    user = User.objects.get(email="ada@univ-test.example")
    assert user.email_verified_at is not None

    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Gérer mes identités liées").click()
    page.get_by_role("link", name="Lier ORCID").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("text=ORCID est lié à votre compte.")
    check_page(page, "identities")
    user.person.refresh_from_db()
    assert user.person.orcid == "0000-0002-1825-0097"
    assert sorted(Identity.objects.filter(user=user).values_list("provider", flat=True)) == ["oidc", "orcid"]
    assert page.console_errors == []


def test_password_login_off_shows_only_the_providers(page, live_server, sso_settings):  # noqa: F811
    sso_settings.GRAPPE_PASSWORD_LOGIN = False
    page.context.add_init_script(path=str(AXE))
    page.goto("/accounts/login/")
    assert page.locator("input[type=password]").count() == 0
    assert page.get_by_role("link", name="Se connecter avec ORCID").is_visible()
    check_page(page, "login-providers-only")


def test_an_unknown_orcid_types_only_its_address(page, live_server, sso_settings, orcid_idp):  # noqa: F811
    sso_settings.SITE_URL = live_server.url
    orcid_idp.interactive = True
    orcid_idp.user = {"sub": "0000-0002-1825-0097", "given_name": "Grace", "family_name": "Hopper"}
    page.context.add_init_script(path=str(AXE))
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Se connecter avec ORCID").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("text=Créer votre compte avec ORCID")
    assert page.get_by_text("Grace Hopper").is_visible() and page.get_by_label("Prénom").count() == 0
    page.get_by_label("E-mail").fill("pas-une-adresse")
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_selector(".field-error")
    check_page(page, "orcid-newcomer-error")
    page.get_by_label("E-mail").fill("grace@navy.example")
    check_page(page, "orcid-newcomer")
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_selector("text=Bienvenue ! Nous avons envoyé un lien à grace@navy.example")
    user = User.objects.get(email="grace@navy.example")
    assert user.email_verified_at is None and user.person.orcid == "0000-0002-1825-0097"
    assert Identity.objects.get(user=user).provider == "orcid"
    assert page.console_errors == []
