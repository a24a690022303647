import datetime

import pytest

from grappe.core.models import AuditLog
from grappe.core.services import ConcurrentEditError
from grappe.people import services
from grappe.people.models import Organisation, OrganisationKind, Person, Role, RoleKind
from tests.factories import OrganisationFactory, PersonFactory


def test_create_organisation_logs_the_creation(office):
    organisation = services.create_organisation(
        actor=office, name="Nouvel Institut", kind=OrganisationKind.RESEARCH, ror="02en5vm52"
    )

    entry = AuditLog.objects.get(action="organisation.created")
    assert (entry.object_id, entry.actor, entry.object_repr) == (str(organisation.pk), office, "Nouvel Institut")
    assert entry.data["fields"]["ror"] == "02en5vm52"


def test_update_organisation_records_old_and_new_values(office, university):
    changed = services.update_organisation(
        university, actor=office, changes={"name": "Université Renommée"}, expected_version=1
    )

    university.refresh_from_db()
    assert changed == {"name": ["Université Exemple", "Université Renommée"]}
    assert (university.name, university.version) == ("Université Renommée", 2)
    assert AuditLog.objects.get(action="organisation.updated").data == {
        "changed": {"name": ["Université Exemple", "Université Renommée"]}
    }


def test_update_organisation_with_a_stale_version_saves_nothing(office, university):
    services.update_organisation(university, actor=office, changes={"short_name": "A"}, expected_version=1)
    stale = Organisation.objects.get(pk=university.pk)
    stale.version = 1

    with pytest.raises(ConcurrentEditError):
        services.update_organisation(stale, actor=office, changes={"short_name": "B"}, expected_version=1)

    university.refresh_from_db()
    assert (university.short_name, university.version) == ("A", 2)
    assert AuditLog.objects.filter(action="organisation.updated").count() == 1


def test_update_without_change_does_not_bump_the_version(office, university):
    changed = services.update_organisation(
        university, actor=office, changes={"name": university.name}, expected_version=1
    )

    university.refresh_from_db()
    assert (changed, university.version) == ({}, 1)
    assert not AuditLog.objects.filter(action="organisation.updated").exists()


def test_update_person_changes_keywords_and_account_email(office, applicant):
    person = applicant.person

    changed = services.update_person(
        person,
        actor=office,
        changes={"email": "New.Address@Example.org"},
        expected_version=1,
        keywords=["Robotics", "NLP"],
    )

    applicant.refresh_from_db()
    assert changed["email"] == ["applicant@example.org", "new.address@example.org"]
    assert changed["keywords"] == [[], ["NLP", "Robotics"]]
    assert applicant.email == "new.address@example.org"
    assert sorted(k.name for k in person.keywords.all()) == ["NLP", "Robotics"]


def test_keywords_are_shared_case_insensitively(db):
    first = services.keywords_from_names(["Deep Learning", "NLP"])
    second = services.keywords_from_names(["deep learning", " nlp ", "Vision"])

    assert [k.pk for k in second[:2]] == [k.pk for k in first]
    assert [k.name for k in second] == ["Deep Learning", "NLP", "Vision"]


def test_grant_role_is_idempotent_and_logged(office):
    person = PersonFactory()

    services.grant_role(person, RoleKind.BOARD, actor=office)
    services.grant_role(person, RoleKind.BOARD, actor=office)

    assert Role.objects.filter(person=person).count() == 1
    assert AuditLog.objects.filter(action="role.granted").count() == 1


def test_contact_role_needs_an_organisation(office):
    with pytest.raises(ValueError):
        services.grant_role(PersonFactory(), RoleKind.PARTNER_CONTACT, actor=office)

    assert Role.objects.filter(kind=RoleKind.PARTNER_CONTACT).count() == 0


def test_revoke_role_logs_and_deletes(office, company):
    person = PersonFactory()
    role = services.grant_role(person, RoleKind.PARTNER_CONTACT, actor=office, organisation=company)

    services.revoke_role(role, actor=office)

    assert Role.objects.filter(person=person).count() == 0
    assert AuditLog.objects.get(action="role.revoked").data == {"role": "partner_contact", "organisation": company.name}


def test_end_affiliation_sets_the_end_date(office, applicant, university):
    affiliation = applicant.person.affiliations.get()

    services.end_affiliation(affiliation, actor=office, end_date=datetime.date(2026, 1, 31))

    affiliation.refresh_from_db()
    assert affiliation.end_date == datetime.date(2026, 1, 31)
    assert affiliation.is_current is False


def test_register_user_links_an_existing_person_without_account(db, mailoutbox):
    person = PersonFactory(email="known@example.org")

    user = services.register_user(
        email="Known@Example.org", password="x-long-password-1", first_name="K", last_name="N", language="en"
    )

    assert (user.person_id, user.is_active, user.email) == (person.pk, False, "known@example.org")
    assert Person.objects.filter(email__iexact="known@example.org").count() == 1


def test_register_user_refuses_a_taken_email(applicant):
    with pytest.raises(services.AccountError):
        services.register_user(
            email="APPLICANT@example.org", password="x-long-password-1", first_name="A", last_name="B", language="fr"
        )


def test_verify_email_twice_is_refused(db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.register_user(
            email="new@example.org", password="x-long-password-1", first_name="N", last_name="U", language="en"
        )
    token = services.verification_token(user)

    services.verify_email(token)
    with pytest.raises(services.AccountError) as exc:
        services.verify_email(token)

    assert str(exc.value) == "This email address is already confirmed: you can log in."
    assert len(mailoutbox) == 1


def test_verify_email_rejects_a_forged_token(db):
    with pytest.raises(services.AccountError) as exc:
        services.verify_email("not-a-token")

    assert str(exc.value) == "This confirmation link is not valid."


def test_organisation_name_is_unique_whatever_the_case(db):
    from django.db import IntegrityError

    OrganisationFactory(name="Institut Unique")

    with pytest.raises(IntegrityError):
        OrganisationFactory(name="INSTITUT UNIQUE")
