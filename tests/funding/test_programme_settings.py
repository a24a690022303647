"""The office sets a programme's reminder offsets, spending tolerances, reallocation threshold and
report template in a form (not only in /admin/); the others get a 404."""

import pytest
from django.urls import reverse

from grappe.funding import services
from grappe.funding.forms import ReminderRulesForm
from grappe.funding.models import FundingRules
from grappe.projects import services as projects
from grappe.projects.models import ReminderRules, ReportTemplate
from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db


def url(programme):
    return reverse("funding:programme_settings", args=[programme.code])


@pytest.mark.parametrize("persona", PERSONAS)
def test_access(as_persona, project, persona):
    response = as_persona(persona).get(url(project.call.programme))

    assert response.status_code == {"office": 200, "anonymous": 302}.get(persona, 404)
    if persona not in {"office", "anonymous"}:
        assert as_persona(persona).post(url(project.call.programme), {"part": "funding"}).status_code == 404


def test_office_saves_the_three_parts(as_persona, project, office):
    programme = project.call.programme
    client = as_persona("office")
    page = client.get(url(programme))
    assert page.context["forms"]["reminders"].initial["days_before"] == "30, 7, 1"  # the defaults

    client.post(url(programme), {"part": "reminders", "days_before": "1, 14,14", "late_every_days": "3", "version": 1})
    client.post(
        url(programme),
        {
            "part": "funding",
            "underspend_tolerance": "25",
            "overspend_tolerance": "12.5",
            "reallocation_threshold": "10",
            "version": 1,
        },
    )
    client.post(url(programme), {"part": "template", "sections": "Résultats | Results\n\nImpact\n", "version": 1})

    rules = ReminderRules.objects.get(programme=programme)
    assert (rules.days_before, rules.late_every_days, rules.version) == ([14, 1], 3, 2)
    assert {k: str(v) for k, v in services.rules_for(project).items()} == {
        "underspend_tolerance": "0.250",
        "overspend_tolerance": "0.125",
        "reallocation_threshold": "0.100",
    }
    assert ReportTemplate.objects.get(programme=programme).sections == [
        {"fr": "Résultats", "en": "Results"},
        {"fr": "Impact", "en": "Impact"},
    ]
    assert projects.sections_for(project)[0]["en"] == "Results"
    # A stale form (version 1 again) is refused, nothing saved
    stale = client.post(url(programme), {"part": "reminders", "days_before": "2", "late_every_days": "3", "version": 1})
    assert stale.context["forms"]["reminders"].non_field_errors()
    assert ReminderRules.objects.get(programme=programme).days_before == [14, 1]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"part": "reminders", "days_before": "7, soon", "late_every_days": "3"}, "days_before", "whole numbers"),
        ({"part": "reminders", "days_before": "400", "late_every_days": "3"}, "days_before", "from 1 to 365"),
        (
            {"part": "reminders", "days_before": "7", "late_every_days": "-1"},
            "late_every_days",
            "greater than or equal",
        ),
        (
            {
                "part": "funding",
                "underspend_tolerance": "120",
                "overspend_tolerance": "1",
                "reallocation_threshold": "1",
            },
            "underspend_tolerance",
            "less than or equal to 100",
        ),
        ({"part": "template", "sections": "| English only"}, "sections", "Line 1"),
    ],
)
def test_bad_input_is_a_form_error(as_persona, project, data, field, message):
    response = as_persona("office").post(url(project.call.programme), data | {"version": 1})

    assert message in " ".join(response.context["forms"][data["part"]].errors[field])
    assert not FundingRules.objects.exists() and not ReminderRules.objects.exists()


def test_the_page_shows_who_changed_what_and_when(as_persona, project):
    programme = project.call.programme
    client = as_persona("office")
    assert client.get(url(programme)).context["history"] == []
    client.post(url(programme), {"part": "reminders", "days_before": "14, 1", "late_every_days": "7", "version": 1})
    client.post(url(programme), {"part": "reminders", "days_before": "14, 1", "late_every_days": "3", "version": 2})

    page = client.get(url(programme))

    newest, first = page.context["history"]
    assert newest.part == "reminders" and newest.actor != "system"
    assert [name for name, _old, _new in newest.changes] == [
        str(ReminderRulesForm.base_fields["late_every_days"].label)
    ]
    assert newest.changes[0][1:] == ("7", "3")
    assert len(first.changes) == 2  # from the defaults: both fields
    assert "History of these settings" in page.content.decode()


def test_history_shows_values_as_the_form_does(as_persona, project):
    programme = project.call.programme
    client = as_persona("office")
    client.post(url(programme), {"part": "template", "sections": "Résultats | Results", "version": 1})
    client.post(
        url(programme),
        {
            "part": "funding",
            "underspend_tolerance": "25",
            "overspend_tolerance": "10",
            "reallocation_threshold": "5",
            "version": 1,
        },
    )

    page = client.get(url(programme))

    funding, template = page.context["history"]
    assert ("25 %" in [new for _n, _old, new in funding.changes]) and template.changes[0][2] == "Résultats | Results"
    assert page.context["forms"]["funding"].initial["overspend_tolerance"] == "10"  # never “1E+1”
