"""Every people view, for every persona: allowed (200), hidden (404) or sent to log in (302)."""

import pytest
from django.urls import reverse

from tests.conftest import PERSONAS
from tests.factories import OrganisationFactory

OK, HIDDEN, LOGIN = 200, 404, 302
EVERYONE = set(PERSONAS)
LOGGED_IN = EVERYONE - {"anonymous"}


def _target(request, name):
    """URL arguments resolved from fixtures: ``university``, ``company``, ``applicant`` …"""
    if name == "external":
        return OrganisationFactory(name="Externe SA", relationship="external").code
    if name == "applicant":
        return request.getfixturevalue("applicant").person.code
    return request.getfixturevalue(name).code


# url name, fixture giving the code (or None), personas allowed
TABLE = [
    ("home", None, EVERYONE),
    ("people:directory", None, EVERYONE),
    ("people:public_organisation", "university", EVERYONE),
    ("people:public_organisation", "external", set()),
    ("people:organisation_list", None, {"office", "board"}),
    ("people:organisation_detail", "university", {"office", "board", "institution_contact"}),
    ("people:organisation_detail", "company", {"office", "board", "partner_contact"}),
    ("people:organisation_create", None, {"office"}),
    ("people:organisation_edit", "university", {"office"}),
    ("people:person_list", None, {"office", "board"}),
    ("people:person_detail", "applicant", {"office", "board", "institution_contact", "applicant"}),
    ("people:person_create", None, {"office"}),
    ("people:person_edit", "applicant", {"office"}),
    ("people:profile", None, LOGGED_IN),
    ("activity", None, {"office"}),
]
PUBLIC = {"home", "people:directory", "people:public_organisation"}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("url_name", "target", "allowed"), TABLE, ids=[f"{t[0]}:{t[1]}" for t in TABLE])
def test_view_access(request, as_persona, persona, url_name, target, allowed):
    args = [_target(request, target)] if target else []
    client = as_persona(persona)

    response = client.get(reverse(url_name, args=args))

    if persona in allowed:
        expected = OK
    elif persona == "anonymous" and url_name not in PUBLIC:
        expected = LOGIN
    else:
        expected = HIDDEN
    assert response.status_code == expected


@pytest.mark.parametrize("persona", ["board", "institution_contact", "partner_contact", "applicant", "outsider"])
@pytest.mark.parametrize("url_name", ["people:affiliation_add", "people:role_grant"])
def test_posts_to_office_actions_are_hidden_from_other_personas(as_persona, applicant, university, persona, url_name):
    client = as_persona(persona)

    response = client.post(
        reverse(url_name, args=[applicant.person.code]),
        {"organisation": university.code, "position": "Spy", "kind": "office"},
    )

    assert response.status_code == HIDDEN
    assert applicant.person.roles.count() == 0
    assert applicant.person.affiliations.count() == 1


def test_forged_codes_answer_404(as_persona):
    client = as_persona("office")

    responses = [
        client.get(reverse("people:organisation_detail", args=["NOPE000000"])),
        client.get(reverse("people:person_detail", args=["NOPE000000"])),
        client.get("/directory/..%2F..%2Fetc/"),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]


def test_404_page_is_styled_and_translated(as_persona, settings):
    settings.LANGUAGE_CODE = "fr"
    client = as_persona("anonymous")

    response = client.get("/does-not-exist/")

    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()
    assert "grappe.css" in response.content.decode()
