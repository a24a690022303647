"""The programme ledger and the project list at 500 projects × 5 years × 6 beneficiaries.

Each project: a grant, 60 planned budget lines (2 categories × 6 beneficiaries × 5 years), 20
pledges and 20 contributions (2 partners × 5 years × cash/in kind), 30 accepted expense
statements (6 beneficiaries × 5 years) with one line each, 3 instalments (one paid).
Prints the SQL queries and the time of each page at 50 and at BENCH_PROJECTS projects.
Run: ``python -m bench.bench_projects`` (SQLite in a temporary directory) or with ``DATABASE_URL``.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from decimal import Decimal

from bench.bench_submissions import _measure_page, _setup

PROJECTS = int(os.environ.get("BENCH_PROJECTS", "500"))
YEARS = [2026, 2027, 2028, 2029, 2030]


def _populate(count: int):
    from django.utils import timezone

    from grappe.calls.models import Call
    from grappe.funding.models import Contribution, ExpenseLine, ExpenseStatement, Instalment, PlannedBudget, Pledge
    from grappe.people.models import Organisation, Person, Relationship, Role, RoleKind, User
    from grappe.programmes.models import CostCategory, Programme
    from grappe.projects.models import Grant, Project, ProjectMember, ProjectPartner
    from grappe.selection.models import Award
    from grappe.submissions.models import Proposal

    programme = Programme.objects.create(
        name="Bench", funders="Bench", total_amount=Decimal("1e10"), start_year=2026, end_year=2031
    )
    now = timezone.now()
    calls = [
        Call.objects.create(
            programme=programme,
            call_type="research",
            title_fr=f"Call {c}",
            title_en=f"Call {c}",
            opens_at=now - dt.timedelta(days=30),
            closes_at=now,
            budget=Decimal("1e9"),
            max_amount=Decimal("1e7"),
            state="closed",
        )
        for c in range(5)
    ]
    orgs = Organisation.objects.bulk_create(
        Organisation(
            name=f"Org {i}",
            kind="university" if i < 30 else "sme",
            relationship=Relationship.MEMBER if i < 30 else Relationship.PARTNER,
        )
        for i in range(90)
    )
    people = Person.objects.bulk_create(
        Person(first_name=f"P{i}", last_name="Bench", email=f"p{i}@b.example") for i in range(200)
    )
    office_person = Person.objects.create(first_name="Office", last_name="Bench", email="office@b.example")
    office = User.objects.create_user(email="office@b.example", password="x", person=office_person)
    Role.objects.create(person=office_person, kind=RoleKind.OFFICE)
    staff, general = CostCategory.objects.get(code="personnel"), CostCategory.objects.get(code="general")
    proposals = Proposal.objects.bulk_create(
        Proposal(
            call=calls[i % 5],
            title=f"Project {i}",
            lead=people[i % 200],
            lead_organisation=orgs[i % 30],
            requested_amount=Decimal("1000000"),
            state="submitted",
            duration_months=60,
        )
        for i in range(count)
    )
    awards = Award.objects.bulk_create(Award(proposal=p, call=p.call, amount=Decimal("1000000.00")) for p in proposals)
    projects = Project.objects.bulk_create(
        Project(award=a, proposal=p, call=p.call, title=p.title, lead=p.lead)
        for a, p in zip(awards, proposals, strict=True)
    )
    Grant.objects.bulk_create(
        Grant(
            project=pr,
            managing_institution=orgs[i % 30],
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2030, 12, 31),
            max_amount=Decimal("1000000.00"),
        )
        for i, pr in enumerate(projects)
    )
    ProjectMember.objects.bulk_create(
        ProjectMember(project=pr, person=pr.lead, role="lead", organisation=orgs[i % 30])
        for i, pr in enumerate(projects)
    )
    partners = [(pr, orgs[30 + (i % 60)], orgs[30 + ((i + 1) % 60)]) for i, pr in enumerate(projects)]
    ProjectPartner.objects.bulk_create(
        ProjectPartner(project=pr, organisation=o) for pr, a, b in partners for o in (a, b)
    )
    beneficiaries = [[orgs[(i + k) % 30] for k in range(6)] for i in range(count)]
    PlannedBudget.objects.bulk_create(
        (
            PlannedBudget(project=pr, category=c, organisation=o, year=y, amount=Decimal("15000.00"))
            for i, pr in enumerate(projects)
            for o in beneficiaries[i]
            for y in YEARS
            for c in (staff, general)
        ),
        batch_size=5000,
    )
    for model in (Pledge, Contribution):
        extra = {"received_on": dt.date(2026, 6, 1)} if model is Contribution else {}
        model.objects.bulk_create(
            (
                model(project=pr, organisation=o, year=y, kind=k, amount=Decimal("5000.00"), **extra)
                for pr, a, b in partners
                for o in (a, b)
                for y in YEARS
                for k in ("cash", "in_kind")
            ),
            batch_size=5000,
        )
    statements = ExpenseStatement.objects.bulk_create(
        (
            ExpenseStatement(
                project=pr,
                beneficiary=o,
                period_start=dt.date(y, 1, 1),
                period_end=dt.date(y, 12, 31),
                state="accepted",
                total=Decimal("6000.00"),
            )
            for i, pr in enumerate(projects)
            for o in beneficiaries[i]
            for y in YEARS
        ),
        batch_size=5000,
    )
    ExpenseLine.objects.bulk_create(
        (ExpenseLine(statement=s, category=staff, amount=Decimal("6000.00")) for s in statements), batch_size=5000
    )
    Instalment.objects.bulk_create(
        Instalment(
            project=pr,
            kind=k,
            amount=Decimal("300000.00"),
            trigger="signature",
            due_date=dt.date(2026, 2, 1),
            paid_on=dt.date(2026, 2, 2) if k == "advance" else None,
        )
        for pr in projects
        for k in ("advance", "intermediate", "balance")
    )
    return programme, office


def _cleanup() -> None:
    from grappe.calls.models import Call
    from grappe.people.models import Organisation, Person, Role, User
    from grappe.programmes.models import Programme
    from grappe.projects.models import Project
    from grappe.selection.models import Award
    from grappe.submissions.models import Proposal

    Project.objects.all().delete()
    Award.objects.all().delete()
    Proposal.objects.all().delete()
    Call.objects.all().delete()
    Programme.objects.all().delete()
    Role.objects.all().delete()
    User.objects.all().delete()
    Person.objects.all().delete()
    Organisation.objects.all().delete()


def main() -> None:
    _setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    rows = []
    for count in (50, PROJECTS):
        started = time.perf_counter()
        programme, office = _populate(count)
        load = time.perf_counter() - started
        client = Client()
        client.force_login(office, backend="grappe.people.backends.EmailBackend")
        ledger = reverse("funding:ledger", args=[programme.code])
        listing = reverse("projects:list")
        client.get(ledger)  # warm up
        client.get(listing)
        q1, t1 = min((_measure_page(client, ledger) for _ in range(3)), key=lambda r: r[1])
        q2, t2 = min((_measure_page(client, listing) for _ in range(3)), key=lambda r: r[1])
        last = (count + 23) // 24
        q3, t3 = min((_measure_page(client, f"{listing}?page={last}") for _ in range(3)), key=lambda r: r[1])
        rows.append((count, load, q1, t1, q2, t2, q3, t3))
        _cleanup()

    print(f"Programme ledger and project list ({connection.vendor}), office view, best of 3")
    print(
        f"{'projects':>9} {'seed s':>7} {'q ledger':>8} {'ms ledger':>9} {'q list':>6} {'ms list':>7} {'q last':>6} {'ms last':>7}"
    )
    for count, load, q1, t1, q2, t2, q3, t3 in rows:
        print(f"{count:>9} {load:>7.1f} {q1:>8} {t1 * 1000:>9.0f} {q2:>6} {t2 * 1000:>7.0f} {q3:>6} {t3 * 1000:>7.0f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
