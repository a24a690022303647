"""The permission predicates as a table: persona × permission → allowed."""

import pytest

from tests.conftest import PERSONAS

# Permissions on the member ``university`` (the institution contact's organisation).
ORGANISATION_TABLE = {
    "people.view_organisation_private": {"office", "board", "institution_contact"},
    "people.edit_organisation": {"office"},
    "people.view_public_organisation": set(PERSONAS),
}
GLOBAL_TABLE = {
    "people.list_organisations": {"office", "board"},
    "people.list_people": {"office", "board"},
    "people.create_organisation": {"office"},
    "people.create_person": {"office"},
    "people.manage_roles": {"office"},
    "core.view_activity": {"office"},
}


def _user(request, persona):
    if persona == "anonymous":
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser()
    return request.getfixturevalue(persona)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("perm", sorted(ORGANISATION_TABLE))
def test_organisation_permissions(request, university, persona, perm):
    user = _user(request, persona)

    allowed = user.has_perm(perm, university)

    assert allowed == (persona in ORGANISATION_TABLE[perm])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("perm", sorted(GLOBAL_TABLE))
def test_global_permissions(request, persona, perm):
    user = _user(request, persona)

    allowed = user.has_perm(perm)

    assert allowed == (persona in GLOBAL_TABLE[perm])


@pytest.mark.parametrize("persona", PERSONAS)
def test_view_person_of_university(request, applicant, persona):
    """The applicant is affiliated to ``university``: its contact may see them, a partner may not."""
    user = _user(request, persona)

    allowed = user.has_perm("people.see_person", applicant.person)

    assert allowed == (persona in {"office", "board", "institution_contact", "applicant"})


def test_contact_of_a_group_sees_its_entities(institution_contact, university):
    from tests.factories import OrganisationFactory

    lab = OrganisationFactory(name="Laboratoire X", parent=university)

    assert institution_contact.has_perm("people.view_organisation_private", lab) is True


def test_ended_affiliation_no_longer_shows_the_person_to_the_contact(institution_contact, university):
    import datetime

    from tests.factories import AffiliationFactory, PersonFactory

    person = PersonFactory()
    AffiliationFactory(person=person, organisation=university, end_date=datetime.date(2020, 1, 1))

    assert institution_contact.has_perm("people.see_person", person) is False


def test_inactive_user_has_no_role(office):
    office.is_active = False

    assert office.has_perm("people.list_people") is False
