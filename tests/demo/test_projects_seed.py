"""The demo's funded projects, about two years in."""

import random
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from grappe.demo.calls import _programme
from grappe.demo.people import seed_people
from grappe.demo.projects import seed_projects
from grappe.funding.models import Contribution, ExpenseStatement, Instalment, Pledge
from grappe.projects.models import Amendment, Deliverable, Project, Report
from grappe.reporting import computations
from grappe.reporting.computations import Scope, window
from grappe.selection.models import Award

NAMES = (
    "projects_opened",
    "proposals_funded",
    "amount_committed",
    "amount_paid",
    "amount_spent",
    "cofunding_realised",
    "leverage",
)

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


def test_the_demo_history_counts_in_2025_not_in_the_year_it_was_seeded():
    """The demo writes its 2025 history today: the funder's figures count it in 2025 (decision,
    start, statement period, payment, receipt), none of it in 2026; and a demo seeded before its
    rows carried those dates is repaired by seeding again."""
    people = seed_people(random.Random(7), partner_count=6, people_count=30)
    programme = _programme(random.Random(1))
    seed_projects(random.Random(5), people, programme)
    scope = Scope(programme)
    awards = Award.objects.filter(call__programme=programme)
    committed = awards.aggregate(t=Sum("amount"))["t"]

    def figures(year):
        return {name: computations.named(name).figure(scope, window(year))[0] for name in NAMES}

    in_2025, in_2026 = figures(2025), figures(2026)
    assert in_2025["projects_opened"] == in_2025["proposals_funded"] == 8
    assert in_2025["amount_committed"] == committed
    spent = ExpenseStatement.objects.filter(state="accepted").aggregate(t=Sum("total"))["t"]
    assert in_2025["amount_spent"] == spent > 0
    assert in_2025["amount_paid"] <= committed and in_2025["amount_paid"] > 0
    realised = Contribution.objects.filter(year=2025).aggregate(t=Sum("amount"))["t"]
    assert in_2025["cofunding_realised"] == realised
    assert in_2025["leverage"] == (realised / committed).quantize(Decimal("0.01")) > 0
    for name in ("projects_opened", "proposals_funded", "amount_committed", "amount_spent", "cofunding_realised"):
        assert in_2026[name] == 0, name
    # A demo seeded before: rows dated the day they were written.
    now = timezone.now()
    awards.update(committed_on=now.date(), created_at=now)
    Project.objects.update(created_at=now)
    ExpenseStatement.objects.exclude(checked_at=None).update(checked_at=now)
    assert figures(2025)["amount_committed"] == 0
    assert seed_projects(random.Random(5), people, programme) == {"projects": 0}
    assert figures(2025) == in_2025 and figures(2026) == in_2026
