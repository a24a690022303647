"""The fixed cast of personas every view test uses, allowed and denied.

- ``office``: the cluster office (programme managers), sees and edits everything.
- ``board``: the steering board, reads the directory's internal pages.
- ``institution_contact``: research office of the member ``university``.
- ``partner_contact``: contact of the industrial partner ``company``.
- ``applicant``: a researcher affiliated to ``university``, no role.
- ``reviewer``: a researcher of another organisation, no role yet.
- ``outsider``: an account with no affiliation and no role.
- anonymous: the plain ``client``.
"""

import os

import pytest
from django.test import Client

from grappe.people.models import RoleKind
from tests.factories import (
    AffiliationFactory,
    CompanyFactory,
    OrganisationFactory,
    RoleFactory,
    UserFactory,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read English messages unless they ask for French."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def university(db):
    return OrganisationFactory(name="Université Exemple", short_name="UE")


@pytest.fixture
def other_university(db):
    return OrganisationFactory(name="Institut Autre", short_name="IA")


@pytest.fixture
def company(db):
    return CompanyFactory(name="Exemplix Santé")


def _user_with_role(kind=None, organisation=None, affiliation=None, email=None):
    kwargs = {"person__email": email} if email else {}
    user = UserFactory(**kwargs)
    if affiliation is not None:
        AffiliationFactory(person=user.person, organisation=affiliation)
    if kind is not None:
        RoleFactory(person=user.person, kind=kind, organisation=organisation)
    return user


@pytest.fixture
def office(university):
    return _user_with_role(RoleKind.OFFICE, affiliation=university, email="office@example.org")


@pytest.fixture
def board(university):
    return _user_with_role(RoleKind.BOARD, affiliation=university, email="board@example.org")


@pytest.fixture
def institution_contact(university):
    return _user_with_role(
        RoleKind.INSTITUTION_CONTACT, organisation=university, affiliation=university, email="contact@example.org"
    )


@pytest.fixture
def partner_contact(company):
    return _user_with_role(
        RoleKind.PARTNER_CONTACT, organisation=company, affiliation=company, email="partner@example.org"
    )


@pytest.fixture
def applicant(university):
    return _user_with_role(affiliation=university, email="applicant@example.org")


@pytest.fixture
def reviewer(other_university):
    return _user_with_role(affiliation=other_university, email="reviewer@example.org")


@pytest.fixture
def outsider(db):
    return _user_with_role(email="outsider@example.org")


PERSONAS = [
    "office",
    "board",
    "institution_contact",
    "partner_contact",
    "applicant",
    "reviewer",
    "outsider",
    "anonymous",
]


@pytest.fixture
def as_persona(request, db):
    """``as_persona(name)`` gives a client logged in as that persona (anonymous: logged out)."""

    def make(name):
        client = Client()
        if name != "anonymous":
            client.force_login(request.getfixturevalue(name))
        return client

    return make


DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


def pytest_collection_modifyitems(config, items):
    """With ``GRAPPE_TESTS_DATABASE_ONLY=1`` (CI's second pass, on PostgreSQL), keep only what the
    database can change: the tests that use it, and the crash tests (they kill a server
    mid-transaction). Tests that never touch the database (the engine, validators, settings) give
    the same answer on both and ran in the SQLite pass; so did the deployment tests (systemd units,
    nginx), except those marked ``postgres``."""
    if os.environ.get("GRAPPE_TESTS_DATABASE_ONLY") != "1":
        return
    kept, dropped = [], []
    for item in items:
        uses_database = item.get_closest_marker("django_db") is not None or bool(
            DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        deployment = item.nodeid.startswith("tests/deploy/")
        wanted = item.get_closest_marker("postgres") is not None or (
            not deployment and (uses_database or item.get_closest_marker("crash") is not None)
        )
        (kept if wanted else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
