"""N+1 guards: list pages run the same number of queries whatever the number of rows."""

import pytest
from django.urls import reverse

from grappe.core.services import log_action
from tests.factories import AffiliationFactory, CompanyFactory, PersonFactory


def _people(count, organisation):
    for i in range(count):
        person = PersonFactory()
        AffiliationFactory(person=person, organisation=organisation)
        from grappe.people.services import keywords_from_names

        person.keywords.set(keywords_from_names([f"topic {i}", "shared"]))


@pytest.mark.parametrize("item_count", [1, 5])
def test_directory_query_count(as_persona, django_assert_num_queries, item_count):
    for _ in range(item_count):
        CompanyFactory()
    client = as_persona("anonymous")

    with django_assert_num_queries(3):
        client.get(reverse("people:directory"))


@pytest.mark.parametrize("item_count", [1, 5])
def test_organisation_list_query_count(as_persona, django_assert_num_queries, item_count, university):
    for _ in range(item_count):
        CompanyFactory(parent=university)
    client = as_persona("office")

    with django_assert_num_queries(7):
        client.get(reverse("people:organisation_list"))


@pytest.mark.parametrize("item_count", [1, 5])
def test_person_list_query_count(as_persona, django_assert_num_queries, item_count, university):
    _people(item_count, university)
    client = as_persona("office")

    with django_assert_num_queries(9):
        client.get(reverse("people:person_list"))


@pytest.mark.parametrize("item_count", [1, 5])
def test_organisation_detail_query_count(as_persona, django_assert_num_queries, item_count, university):
    _people(item_count, university)
    client = as_persona("institution_contact")

    with django_assert_num_queries(10):  # app permissions ask the roles only, no ModelBackend query
        client.get(reverse("people:organisation_detail", args=[university.code]))


@pytest.mark.parametrize("item_count", [1, 5])
def test_activity_query_count(as_persona, django_assert_num_queries, item_count, office, university):
    for i in range(item_count):
        log_action(university, "organisation.updated", actor=office, data={"i": i})
    client = as_persona("office")

    with django_assert_num_queries(7):
        client.get(reverse("activity"))
