"""Who sees which project page: allowed (200), hidden (404), or sent to log in (302)."""

import pytest
from django.urls import reverse

from tests.conftest import PERSONAS
from tests.projects.conftest import make_award, open_from

pytestmark = pytest.mark.django_db
INSIDERS = {"office", "board", "institution_contact", "applicant"}
TABLE = [
    ("projects:public", set(PERSONAS)),
    ("projects:detail", INSIDERS | {"partner_contact"}),
    ("funding:budget", INSIDERS),
    ("funding:cofunding", INSIDERS | {"partner_contact"}),
]
PUBLIC = {"projects:public"}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("url_name", "allowed"), TABLE, ids=[t[0] for t in TABLE])
def test_project_page_access(as_persona, project, persona, url_name, allowed):
    response = as_persona(persona).get(reverse(url_name, args=[project.code]))

    if persona in allowed:
        expected = 200
    elif persona == "anonymous" and url_name not in PUBLIC:
        expected = 302
    else:
        expected = 404
    assert response.status_code == expected


def test_hidden_project_has_no_public_page(as_persona, project):
    project.is_public = False
    project.save()

    assert as_persona("anonymous").get(reverse("projects:public", args=[project.code])).status_code == 404
    assert as_persona("office").get(reverse("projects:public", args=[project.code])).status_code == 200


def test_public_page_shows_only_agreed_partners(as_persona, project, company):
    response = as_persona("anonymous").get(reverse("projects:public", args=[project.code]))

    assert [p.organisation for p in response.context["partners"]] == [company]
    assert "Autre Industrie" not in response.content.decode()


def test_partner_contact_sees_only_their_own_pledges(as_persona, project, company):
    response = as_persona("partner_contact").get(reverse("funding:cofunding", args=[project.code]))

    assert sorted((r.organisation, r.year, r.pledged) for r in response.context["rows"]) == [
        (company, 2026, 20000),
        (company, 2027, 10000),
    ]
    assert "Autre Industrie" not in response.content.decode()
    assert response.context["full"] is False


def test_finance_contact_sees_the_budget(as_persona, award, office, university, reviewer):
    project = open_from(award, office, university, finance_contact=reviewer.person)

    assert as_persona("reviewer").get(reverse("funding:budget", args=[project.code])).status_code == 200


def test_budget_page_totals(as_persona, project):
    planned = as_persona("applicant").get(reverse("funding:budget", args=[project.code])).context["planned"]

    assert planned.columns == [2026, 2027]
    assert [(c.code, values, total) for c, values, total in planned.rows] == [
        ("personnel", [50000, 50000], 100000),
        ("general", [12500.50, 12500.50], 25001),
    ]
    assert str(planned.total) == "125001.00"


@pytest.mark.parametrize("persona", ["applicant", "institution_contact", "partner_contact", "reviewer"])
def test_list_shows_the_projects_one_may_open(as_persona, project, persona):
    codes = [p.code for p in as_persona(persona).get(reverse("projects:list")).context["page"]]

    assert codes == ([] if persona == "reviewer" else [project.code])


@pytest.mark.parametrize("item_count", [1, 3])
def test_project_lists_keep_a_constant_query_count(
    as_persona, django_assert_num_queries, applicant, university, other_university, company, office, item_count
):
    for n in range(item_count):
        open_from(make_award(applicant, university, other_university, company, title=f"P{n}"), office, university)
    client = as_persona("applicant")
    public = as_persona("anonymous")

    with django_assert_num_queries(6):
        assert len(client.get(reverse("projects:list")).context["page"]) == item_count
    with django_assert_num_queries(2):
        assert len(public.get(reverse("projects:public_list")).context["page"]) == item_count
