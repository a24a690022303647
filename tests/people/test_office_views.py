"""The office's forms: create and edit, bad input, concurrent edits, roles and affiliations."""

import pytest
from django.urls import reverse

from grappe.core.models import AuditLog
from grappe.people.models import Organisation, Person, Role, RoleKind

VALID_ORGANISATION = {
    "name": "Institut Nouveau",
    "short_name": "IN",
    "kind": "research",
    "sector": "research",
    "country": "FR",
    "website": "https://in.example",
    "ror": "https://ror.org/02en5vm52",
    "siren": "130 023 385",
    "relationship": "member",
    "relationship_start": "2025-04-01",
    "description": "",
}


def test_office_creates_an_organisation_with_normalised_identifiers(as_persona):
    client = as_persona("office")

    response = client.post(reverse("people:organisation_create"), VALID_ORGANISATION)

    organisation = Organisation.objects.get(name="Institut Nouveau")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:organisation_detail", args=[organisation.code])
    assert (organisation.ror, organisation.siren) == ("02en5vm52", "130023385")
    assert AuditLog.objects.filter(action="organisation.created", object_id=str(organisation.pk)).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ror", "02en5vm53", "This ROR identifier has a wrong checksum: please copy it again from ror.org."),
        ("siren", "130023386", "This SIREN number has a wrong check digit (Luhn): please check it."),
        ("name", "x" * 201, "Ensure this value has at most 200 characters (it has 201)."),
        ("kind", "castle", "Select a valid choice. castle is not one of the available choices."),
        ("relationship_end", "2020-01-01", "The end date must not be before the start date."),
        ("parent", "999999", "Select a valid choice. That choice is not one of the available choices."),
    ],
)
def test_bad_organisation_input_shows_the_error_and_saves_nothing(as_persona, field, value, message):
    client = as_persona("office")

    response = client.post(reverse("people:organisation_create"), {**VALID_ORGANISATION, field: value})

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert not Organisation.objects.filter(name__in=["Institut Nouveau", "x" * 201]).exists()
    assert not AuditLog.objects.exists()


def test_duplicate_organisation_name_is_refused_whatever_the_case(as_persona, university):
    client = as_persona("office")

    response = client.post(reverse("people:organisation_create"), {**VALID_ORGANISATION, "name": "université EXEMPLE"})

    assert response.context["form"].errors["name"] == ["An organisation with this name already exists."]
    assert Organisation.objects.filter(name__iexact="université exemple").count() == 1


def test_error_messages_are_translated_in_french(as_persona, settings):
    settings.LANGUAGE_CODE = "fr"
    client = as_persona("office")

    response = client.post(reverse("people:organisation_create"), {**VALID_ORGANISATION, "siren": "130023386"})

    assert response.context["form"].errors["siren"] == [
        "Ce numéro SIREN a une clé de contrôle erronée (Luhn) : vérifiez-le."
    ]


def test_concurrent_edit_is_refused_with_a_clear_message(as_persona, university):
    client = as_persona("office")
    url = reverse("people:organisation_edit", args=[university.code])
    data = {**VALID_ORGANISATION, "name": university.name, "ror": "", "siren": "", "version": "1"}
    client.post(url, {**data, "short_name": "FIRST"})

    response = client.post(url, {**data, "short_name": "SECOND"})

    university.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Someone else changed this record while you were editing it. Your changes were not saved: "
        "reload the page to see the current version, then redo them."
    ]
    assert (university.short_name, university.version) == ("FIRST", 2)


def test_tampered_version_is_a_form_error(as_persona, university):
    client = as_persona("office")
    url = reverse("people:organisation_edit", args=[university.code])

    response = client.post(url, {**VALID_ORGANISATION, "ror": "", "siren": "", "version": "abc"})

    assert response.status_code == 200
    assert "version" in response.context["form"].errors
    university.refresh_from_db()
    assert university.name == "Université Exemple"


def test_organisation_cannot_become_its_own_ancestor(as_persona, university):
    from tests.factories import OrganisationFactory

    lab = OrganisationFactory(name="Labo", parent=university)
    client = as_persona("office")

    response = client.post(
        reverse("people:organisation_edit", args=[university.code]),
        {**VALID_ORGANISATION, "name": university.name, "ror": "", "siren": "", "parent": lab.pk, "version": "1"},
    )

    assert response.context["form"].errors["parent"] == ["An organisation cannot be its own parent or ancestor."]


def test_office_creates_a_person_with_keywords(as_persona):
    client = as_persona("office")

    response = client.post(
        reverse("people:person_create"),
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "Ada@Example.org",
            "orcid": "0000-0002-1825-0097",
            "keywords": "NLP, robotics ,, NLP",
            "languages": ["fr", "en"],
            "preferred_language": "en",
        },
    )

    person = Person.objects.get(last_name="Lovelace")
    assert response.status_code == 302
    assert (person.email, person.orcid, person.languages) == ("ada@example.org", "0000-0002-1825-0097", ["fr", "en"])
    assert sorted(k.name for k in person.keywords.all()) == ["NLP", "robotics"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("orcid", "0000-0002-1825-0098", "This ORCID iD has a wrong check digit: please copy it again from orcid.org."),
        ("email", "applicant@EXAMPLE.org", "Another person already has this email address."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("languages", ["xx"], "Select a valid choice. xx is not one of the available choices."),
    ],
)
def test_bad_person_input_is_refused(as_persona, applicant, field, value, message):
    client = as_persona("office")
    data = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.org", "preferred_language": "fr"}

    response = client.post(reverse("people:person_create"), {**data, field: value})

    assert response.context["form"].errors[field] == [message]
    assert not Person.objects.filter(last_name="Lovelace").exists()


def test_office_grants_and_revokes_a_partner_contact_role(as_persona, applicant, company):
    client = as_persona("office")
    person = applicant.person

    client.post(
        reverse("people:role_grant", args=[person.code]), {"kind": "partner_contact", "organisation": company.code}
    )
    role = Role.objects.get(person=person)
    client.post(reverse("people:role_revoke", args=[person.code, role.pk]))

    assert (role.kind, role.organisation) == (RoleKind.PARTNER_CONTACT, company)
    assert Role.objects.filter(person=person).count() == 0
    assert list(AuditLog.objects.filter(object_id=str(person.pk)).values_list("action", flat=True)) == [
        "role.revoked",
        "role.granted",
    ]


def test_contact_role_without_organisation_shows_an_inline_error(as_persona, applicant):
    client = as_persona("office")

    response = client.post(reverse("people:role_grant", args=[applicant.person.code]), {"kind": "institution_contact"})

    assert response.status_code == 200
    assert response.context["role_form"].errors["organisation"] == ["Choose the organisation this contact represents."]
    assert Role.objects.filter(person=applicant.person).count() == 0


def test_forged_organisation_code_in_role_form_is_refused(as_persona, applicant):
    client = as_persona("office")

    response = client.post(
        reverse("people:role_grant", args=[applicant.person.code]),
        {"kind": "partner_contact", "organisation": "FORGED"},
    )

    assert response.context["role_form"].errors["organisation"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]


def test_office_cannot_remove_its_own_office_role(as_persona, office):
    client = as_persona("office")
    role = office.person.roles.get()

    client.post(reverse("people:role_revoke", args=[office.person.code, role.pk]))

    assert office.person.roles.count() == 1


def test_role_of_another_person_cannot_be_revoked_through_this_person(as_persona, applicant, board):
    client = as_persona("office")
    board_role = board.person.roles.get()

    response = client.post(reverse("people:role_revoke", args=[applicant.person.code, board_role.pk]))

    assert response.status_code == 404
    assert board.person.roles.count() == 1


def test_office_adds_and_ends_an_affiliation(as_persona, applicant, company):
    client = as_persona("office")
    person = applicant.person

    client.post(
        reverse("people:affiliation_add", args=[person.code]),
        {"organisation": company.code, "position": "Consultant", "start_date": "2026-01-01"},
    )
    affiliation = person.affiliations.get(organisation=company)
    client.post(reverse("people:affiliation_end", args=[person.code, affiliation.pk]))

    affiliation.refresh_from_db()
    assert affiliation.position == "Consultant"
    assert affiliation.is_current is True  # ends today, so still current until tonight
    assert affiliation.end_date is not None


def test_affiliation_with_reversed_dates_is_refused(as_persona, applicant, company):
    client = as_persona("office")

    response = client.post(
        reverse("people:affiliation_add", args=[applicant.person.code]),
        {"organisation": company.code, "position": "X", "start_date": "2026-01-01", "end_date": "2025-01-01"},
    )

    assert response.context["affiliation_form"].errors["end_date"] == [
        "The end date must not be before the start date."
    ]
    assert applicant.person.affiliations.count() == 1


def test_directory_filters_by_kind_and_search(as_persona, university, company):
    client = as_persona("anonymous")

    response = client.get(reverse("people:directory"), {"kind": "sme", "q": "exemplix"})

    assert [o.name for o in response.context["page"]] == ["Exemplix Santé"]


def test_person_list_filters_by_organisation_and_account(as_persona, applicant, university, reviewer):
    from tests.factories import AffiliationFactory

    AffiliationFactory(organisation=university)  # someone without an account
    client = as_persona("office")

    response = client.get(reverse("people:person_list"), {"organisation": university.code, "account": "yes"})

    emails = sorted(p.email for p in response.context["page"])
    assert emails == ["applicant@example.org", "office@example.org"]
