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
