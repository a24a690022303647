"""The technical admin (superuser): the whole Django admin, and in the app exactly the rights of
the roles it holds."""

import pytest
import rules
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from grappe.people.models import RoleKind
from grappe.review import services as review
from grappe.review.models import Review
from tests.factories import RoleFactory, UserFactory
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(is_superuser=True, is_staff=True)


def test_a_superuser_without_roles_has_no_app_permission(superuser):
    app_perms = sorted(rules.permissions.permissions)

    granted = [perm for perm in app_perms if superuser.has_perm(perm)]

    # What any signed-in account may do (its own profile and API tokens, the directory, its own projects and proposals).
    assert granted == [
        "api.create_token",
        "people.edit_own_profile",
        "people.view_directory",
        "projects.list_projects",
        "submissions.start_proposal",
    ]


def test_a_superuser_with_the_office_role_has_the_office_rights(superuser):
    RoleFactory(person=superuser.person, kind=RoleKind.OFFICE)

    assert superuser.has_perm("people.create_person")
    assert superuser.has_perm("people.see_person", UserFactory().person)


@pytest.mark.parametrize(
    "url_name", ["people:organisation_list", "people:person_list", "people:person_create", "calls:office_list"]
)
def test_office_pages_are_hidden_from_a_superuser_without_roles(client, superuser, url_name):
    client.force_login(superuser)

    response = client.get(reverse(url_name))

    assert response.status_code == 404


def test_a_superuser_cannot_write_another_reviewers_review(client, superuser, review_call, proposals, pool, office):  # noqa: F811
    assignment = review.add_assignment(
        review_call, reviewer=pool[0].person, proposal=proposals[0], reason="by hand", actor=office
    )
    assignment.confirmed_at = timezone.now()
    assignment.save()
    scores = {f"score_{c.pk}": "4.0" for c in review_call.scheme.criteria.all()}
    client.force_login(superuser)

    page = client.get(reverse("review:review", args=[assignment.pk]))
    response = client.post(
        reverse("review:review", args=[assignment.pk]),
        scores | {"applicant_comment": "Forged", "recommendation": "fund", "version": "1", "submit": "1"},
    )

    assert (page.status_code, response.status_code) == (404, 404)
    assert Review.objects.filter(assignment=assignment).count() == 0


def _admin_urls():
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        yield reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        if model_admin.has_add_permission.__func__ is admin.ModelAdmin.has_add_permission:
            yield reverse(f"admin:{meta.app_label}_{meta.model_name}_add")


def test_the_superuser_keeps_the_whole_django_admin(client, superuser, university):
    client.force_login(superuser)

    statuses = {url: client.get(url).status_code for url in ["/admin/", *_admin_urls()]}
    change = client.get(reverse("admin:people_organisation_change", args=[university.pk]))

    assert set(statuses.values()) == {200}
    assert change.status_code == 200
    assert "Save" in change.content.decode()


def test_no_app_permission_takes_the_name_of_an_admin_model_permission():
    admin_perms = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
        if p.content_type.model_class() in admin.site._registry
    }

    assert admin_perms & set(rules.permissions.permissions) == set()
