"""Changing a project after it is opened: summary/theme/public flag, team and roles, person-months,
partners shown publicly; deleting safe work-plan items. Allowed and denied per persona."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from grappe.projects import services
from grappe.projects.models import Deliverable, Milestone, Project, ProjectRole, Task, WorkPackage
from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db


def url(project):
    return reverse("projects:settings", args=[project.code])


@pytest.mark.parametrize("persona", PERSONAS)
def test_settings_page_access(as_persona, project, persona):
    response = as_persona(persona).get(url(project))

    expected = {"office": 200, "applicant": 200, "anonymous": 302}.get(persona, 404)
    assert response.status_code == expected
    if persona == "applicant":  # the lead: summary and theme, no public flag, the team read-only
        assert "is_public" not in response.context["project_form"].fields
        assert response.context["add_form"] is None


def test_office_changes_the_public_face_with_a_version(as_persona, project):
    client = as_persona("office")
    data = {"action": "project", "summary": "Nouveau résumé", "theme": "Vigne", "version": project.version}

    assert client.post(url(project), data).status_code == 302
    project.refresh_from_db()
    assert (project.summary, project.theme, project.is_public, project.version) == ("Nouveau résumé", "Vigne", False, 2)

    stale = client.post(url(project), data | {"summary": "Autre"})  # version 1 again
    assert "changed it meanwhile" in stale.content.decode() or stale.context["project_form"].non_field_errors()
    project.refresh_from_db()
    assert project.summary == "Nouveau résumé"


def test_lead_changes_the_summary_but_not_the_public_flag(as_persona, project):
    client = as_persona("applicant")
    data = {"action": "project", "summary": "Par le porteur", "theme": "", "is_public": "", "version": 1}

    assert client.post(url(project), data).status_code == 302
    project.refresh_from_db()
    assert project.summary == "Par le porteur" and project.is_public is True
    assert client.post(url(project), {"action": "partners", "version": 2}).status_code == 404
    assert client.post(url(project), {"action": "add_member", "version": 2}).status_code == 404


@pytest.mark.parametrize("persona", ["board", "institution_contact", "partner_contact", "reviewer"])
def test_others_cannot_post(as_persona, project, persona):
    data = {"action": "project", "summary": "x", "version": 1}

    assert as_persona(persona).post(url(project), data).status_code == 404


def test_office_adds_a_finance_contact_and_hands_the_lead_over(as_persona, project, reviewer, university, applicant):
    client = as_persona("office")
    response = client.post(
        url(project),
        {
            "action": "add_member",
            "email": reviewer.email.upper(),
            "role": "finance",
            "organisation": university.pk,
            "person_months": "2.5",
            "version": 1,
        },
    )
    assert response.status_code == 302
    finance = project.members.get(person=reviewer.person)
    assert (finance.role, finance.person_months) == (ProjectRole.FINANCE, Decimal("2.5"))
    # the finance contact now sees the budget
    assert as_persona("reviewer").get(reverse("funding:budget", args=[project.code])).status_code == 200

    member = project.members.get(role=ProjectRole.MEMBER)
    response = client.post(
        url(project),
        {
            "action": "member",
            "member": member.pk,
            "role": "lead",
            "organisation": "",
            "person_months": "12",
            "version": 2,
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.lead_id == member.person_id
    roles = dict(project.members.values_list("person_id", "role"))
    assert roles[applicant.person.pk] == ProjectRole.MEMBER
    assert roles[member.person_id] == ProjectRole.LEAD


def test_team_refusals_are_form_errors(as_persona, project, applicant):
    client = as_persona("office")
    lead = project.members.get(role=ProjectRole.LEAD)

    unknown = client.post(
        url(project),
        {"action": "add_member", "email": "nobody@example.org", "role": "member", "person_months": "1", "version": 1},
    )
    assert "No one in the directory" in unknown.content.decode()
    removal = client.post(url(project), {"action": "remove_member", "member": lead.pk, "version": 1})
    assert "always has a lead" in removal.content.decode()
    too_much = client.post(
        url(project),
        {"action": "member", "member": lead.pk, "role": "lead", "person_months": "1000", "version": 1},
    )
    assert too_much.context["rows"][0][1].errors["person_months"]
    assert Project.objects.get(pk=project.pk).version == 1  # nothing half-saved


def test_office_removes_a_member(as_persona, project):
    member = project.members.get(role=ProjectRole.MEMBER)

    response = as_persona("office").post(url(project), {"action": "remove_member", "member": member.pk, "version": 1})

    assert response.status_code == 302
    assert not project.members.filter(pk=member.pk).exists()


def test_office_chooses_the_partners_on_the_public_page(as_persona, project, company):
    other = project.partners.exclude(organisation=company).get()
    client = as_persona("office")

    client.post(url(project), {"action": "partners", "shown": [str(other.organisation_id)], "version": 1})

    public = as_persona("anonymous").get(reverse("projects:public", args=[project.code]))
    assert [p.organisation for p in public.context["partners"]] == [other.organisation]


# --- Deleting work-plan items -------------------------------------------------------------------


@pytest.fixture
def plan(project, office):
    day = dt.date(2026, 6, 30)
    wp = services.save_plan_item(
        project, WorkPackage, {"number": 1, "title": "WP", "start_date": day, "end_date": day}, actor=office
    )
    empty = services.save_plan_item(
        project, WorkPackage, {"number": 2, "title": "Vide", "start_date": day, "end_date": day}, actor=office
    )
    task = services.save_plan_item(
        project, Task, {"work_package": wp, "number": 1, "title": "T", "start_date": day, "end_date": day}, actor=office
    )
    owner = project.lead
    draft = services.save_plan_item(
        project, Deliverable, {"label": "D1", "title": "Draft", "due_date": day, "owner": owner}, actor=office
    )
    handed = services.save_plan_item(
        project, Deliverable, {"label": "D2", "title": "Sent", "due_date": day, "owner": owner}, actor=office
    )
    Deliverable.objects.filter(pk=handed.pk).update(state="submitted")
    done = services.save_plan_item(
        project, Milestone, {"work_package": wp, "title": "M", "due_date": day}, actor=office
    )
    Milestone.objects.filter(pk=done.pk).update(achieved_on=day)
    return {"wp": wp, "empty": empty, "task": task, "draft": draft, "handed": handed, "done": done}


def delete(client, project, kind, item):
    return client.post(reverse("projects:delete_item", args=[project.code, kind, item.pk]), follow=True)


def test_safe_items_are_deleted_the_others_are_refused(as_persona, project, plan):
    client = as_persona("applicant")  # the lead manages the work plan

    for kind, name in (("task", "task"), ("deliverable", "draft"), ("work_package", "empty")):
        assert delete(client, project, kind, plan[name]).status_code == 200
    assert not Task.objects.filter(pk=plan["task"].pk).exists()
    assert not Deliverable.objects.filter(pk=plan["draft"].pk).exists()
    assert not WorkPackage.objects.filter(pk=plan["empty"].pk).exists()

    for kind, name, message in (
        ("deliverable", "handed", "handed in"),
        ("milestone", "done", "achieved milestone"),
        ("work_package", "wp", "Delete or move"),
    ):
        response = delete(client, project, kind, plan[name])
        assert message in response.content.decode()
    assert Deliverable.objects.filter(pk=plan["handed"].pk).exists()
    assert WorkPackage.objects.filter(pk=plan["wp"].pk).exists()


@pytest.mark.parametrize("persona", ["board", "institution_contact", "partner_contact", "reviewer", "outsider"])
def test_others_cannot_delete_plan_items(as_persona, project, plan, persona):
    assert delete(as_persona(persona), project, "task", plan["task"]).status_code == 404
    assert Task.objects.filter(pk=plan["task"].pk).exists()


def test_item_of_another_project_is_404(as_persona, project, plan):
    assert (
        as_persona("office")
        .post(reverse("projects:delete_item", args=[project.code, "task", plan["task"].pk + 999]))
        .status_code
        == 404
    )
