"""The demo's funded projects, about two years in."""

import random

import pytest
from django.db.models import Sum

from grappe.demo.calls import _programme
from grappe.demo.people import seed_people
from grappe.demo.projects import seed_projects
from grappe.funding.models import Contribution, ExpenseStatement, Instalment, Pledge
from grappe.projects.models import Amendment, Deliverable, Project, Report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_seed_projects_two_years_in():
    people = seed_people(random.Random(7), partner_count=6, people_count=30)
    programme = _programme(random.Random(1))

    assert seed_projects(random.Random(5), people, programme) == {"projects": 8}

    assert Project.objects.count() == 8 and Amendment.objects.count() == 1
    assert all(p.grant.state == "signed" for p in Project.objects.select_related("grant"))
    late = [d for d in Deliverable.objects.all() if d.is_late]
    assert len(late) == 16 and {d.state for d in late} == {"draft", "submitted"}
    assert set(ExpenseStatement.objects.values_list("state", flat=True)) == {"accepted", "returned"}
    assert Instalment.objects.exclude(paid_on=None).count() == 16
    assert set(Report.objects.values_list("state", flat=True)) == {"accepted", "draft"}
    below = [
        p
        for p in Pledge.objects.filter(year=2025)
        if (
            Contribution.objects.filter(
                project=p.project, organisation=p.organisation, year=2025, kind=p.kind
            ).aggregate(t=Sum("amount"))["t"]
        )
        < p.amount
    ]
    assert below
    assert seed_projects(random.Random(5), people, programme) == {"projects": 0}
