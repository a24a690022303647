"""Impact reporting on a large cluster: BENCH_REPORTING_PROPOSALS (5,000) submitted proposals,
BENCH_REPORTING_PROJECTS (500) funded projects with money and outputs, BENCH_REPORTING_ENROLMENTS
(50,000) training enrolments.

Measured through the user's path: the board's dashboard as an HTTP request (Django test client,
best of 3 after a warm-up, with its number of queries), a drill-down page, and the annual report
as the board asks for it (POST; under GRAPPE_ENV=test the task runs at once in the request, so
the time is the task's: computing every indicator with its counted ids, the PDF and the workbook).
Run: ``python -m bench.bench_reporting`` (SQLite in a temporary directory) or with ``DATABASE_URL``.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

from bench.bench_submissions import _setup

PROPOSALS = int(os.environ.get("BENCH_REPORTING_PROPOSALS", "5000"))
PROJECTS = int(os.environ.get("BENCH_REPORTING_PROJECTS", "500"))
PARIS = ZoneInfo("Europe/Paris")
ENROLMENTS = int(os.environ.get("BENCH_REPORTING_ENROLMENTS", "50000"))


def _populate():
    from django.utils import timezone

    from grappe.calls.models import Call
    from grappe.funding.models import Contribution, ExpenseStatement, Instalment
    from grappe.partners.models import PartnerProfile
    from grappe.people.models import Organisation, Person, Relationship, Role, RoleKind, User
    from grappe.programmes.models import Programme
    from grappe.projects.models import Output, Project
    from grappe.selection.models import Award
    from grappe.submissions.models import Proposal, ProposalPartner
    from grappe.training.models import Enrolment, TrainingProgramme

    programme = Programme.objects.create(
        name="Bench", funders="Bench", total_amount=Decimal("1e10"), start_year=2025, end_year=2029
    )
    now = timezone.now()
    calls = [
        Call.objects.create(
            programme=programme,
            call_type="research",
            title_fr=f"Appel {c}",
            title_en=f"Call {c}",
            opens_at=now - dt.timedelta(days=60),
            closes_at=now - dt.timedelta(days=30),
            budget=Decimal("1e9"),
            max_amount=Decimal("1e7"),
            state="closed",
        )
        for c in range(10)
    ]
    orgs = Organisation.objects.bulk_create(
        Organisation(
            name=f"Org {i}",
            kind="university" if i < 30 else "sme",
            relationship=Relationship.MEMBER if i < 30 else Relationship.PARTNER,
        )
        for i in range(90)
    )
    PartnerProfile.objects.bulk_create(
        PartnerProfile(organisation=o, member_since=dt.date(2025 + i % 2, 3, 1)) for i, o in enumerate(orgs[30:])
    )
    people = Person.objects.bulk_create(
        (Person(first_name=f"P{i}", last_name="Bench", email=f"p{i}@b.example") for i in range(ENROLMENTS // 2 + 501)),
        batch_size=5000,
    )
    board_person = Person.objects.create(first_name="Board", last_name="Bench", email="board@b.example")
    board = User.objects.create_user(email="board@b.example", password="x", person=board_person)
    Role.objects.create(person=board_person, kind=RoleKind.BOARD)
    submitted_at = dt.datetime(2026, 3, 1, 12, tzinfo=PARIS)
    proposals = Proposal.objects.bulk_create(
        (
            Proposal(
                call=calls[i % 10],
                title=f"Proposal {i}",
                lead=people[i % 500],
                lead_organisation=orgs[i % 30],
                requested_amount=Decimal("500000"),
                state="submitted",
                submitted_at=submitted_at,
                eligible=i % 7 != 0,
            )
            for i in range(PROPOSALS)
        ),
        batch_size=2000,
    )
    # Each proposal with one industrial partner among the 60 (the dashboard narrowed to a partner).
    ProposalPartner.objects.bulk_create(
        (ProposalPartner(proposal=p, organisation=orgs[30 + i % 60]) for i, p in enumerate(proposals)), batch_size=5000
    )
    funded = proposals[:PROJECTS]
    awards = Award.objects.bulk_create(Award(proposal=p, call=p.call, amount=Decimal("500000.00")) for p in funded)
    projects = Project.objects.bulk_create(
        Project(award=a, proposal=p, call=p.call, title=p.title, lead=p.lead)
        for a, p in zip(awards, funded, strict=True)
    )
    Contribution.objects.bulk_create(
        (
            Contribution(
                project=pr,
                organisation=orgs[30 + i % 60],
                year=y,
                kind=k,
                amount=Decimal("20000"),
                received_on=dt.date(y, 6, 1),
            )
            for i, pr in enumerate(projects)
            for y in (2025, 2026)
            for k in ("cash", "in_kind")
        ),
        batch_size=5000,
    )
    ExpenseStatement.objects.bulk_create(
        (
            ExpenseStatement(
                project=pr,
                beneficiary=orgs[i % 30],
                period_start=dt.date(y, 1, 1),
                period_end=dt.date(y, 12, 31),
                state="accepted",
                total=Decimal("90000"),
                checked_at=dt.datetime(y, 12, 20, tzinfo=PARIS),
            )
            for i, pr in enumerate(projects)
            for y in (2025, 2026)
        ),
        batch_size=5000,
    )
    Instalment.objects.bulk_create(
        Instalment(
            project=pr,
            kind="advance",
            amount=Decimal("150000"),
            trigger="signature",
            due_date=dt.date(2025, 9, 1),
            paid_on=dt.date(2025, 9, 2),
        )
        for pr in projects
    )
    Output.objects.bulk_create(
        (
            Output(project=pr, kind=kind, title=f"{kind} {i}", year=2025 + i % 2, identifier=f"10.1/{i}")
            for i, pr in enumerate(projects)
            for kind in ("publication", "publication", "software", "dataset")
        ),
        batch_size=5000,
    )
    trainings = [
        TrainingProgramme.objects.create(
            title=f"Training {i}",
            kind="master",
            institution=orgs[i],
            hours=Decimal("24"),
            trained_min_hours=Decimal("6"),
            aware_min_hours=Decimal("2"),
        )
        for i in range(20)
    ]
    Enrolment.objects.bulk_create(
        (
            Enrolment(
                programme=trainings[i % 20],
                person=people[i % len(people)],
                academic_year=2024 + i % 3,
                enrolled_on=dt.date(2024 + i % 3, 10, 1),
                outcome=("trained", "aware", "none")[i % 3],
                completed_on=dt.date(2025 + i % 2, 1 + i % 12, 1) if i % 3 != 2 else None,
            )
            for i in range(ENROLMENTS)
        ),
        batch_size=5000,
    )
    return programme, board


def _timed(client, url, method="get", data=None, *, sql=False):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        response = getattr(client, method)(url, data or {})
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert response.status_code in (200, 302), response.status_code
    if sql:
        return elapsed, len(queries), sum(float(q["time"]) for q in queries.captured_queries), cpu
    return elapsed, len(queries)


def main() -> None:
    _setup()
    from django.http import QueryDict
    from django.test import Client
    from django.urls import reverse

    from grappe.partners.models import PartnerProfile
    from grappe.reporting.forms import ScopeForm
    from grappe.reporting.models import AnnualReport
    from grappe.reporting.queries import scope_choices

    started = time.perf_counter()
    programme, board = _populate()
    print(
        f"Impact reporting: {PROPOSALS:,} proposals, {PROJECTS:,} projects, {ENROLMENTS:,} enrolments "
        f"(filled in {time.perf_counter() - started:.0f} s)"
    )
    client = Client()
    client.force_login(board, backend="grappe.people.backends.EmailBackend")
    dashboard = reverse("reporting:dashboard", args=[programme.code])
    # Cold: the first request of this process (templates compiled, modules imported, as after a
    # restart; for the rows after the first, the first request with these parameters); warm: best
    # of 5 after it, with the CPU time of this process (Python, and SQLite's work; not
    # PostgreSQL's, which runs in its own process), which depends less on the machine's load. Then the same narrowed to an institution and a partner.
    institution = programme.calls.first().proposals.first().lead_organisation
    partner = PartnerProfile.objects.order_by("pk").first().organisation
    for label, query in (
        ("2026", "?year=2026"),
        ("2026, one institution", f"?year=2026&institution={institution.code}"),
        ("2026, one partner", f"?year=2026&partner={partner.code}"),
        ("2025 as of 15/02/2026", "?year=2025&as_of=2026-02-15"),
    ):
        url = dashboard + query
        form = ScopeForm(QueryDict(query[1:]), programme=programme, choices=scope_choices(programme))
        assert form.is_valid(), (label, form.errors)  # the narrowing is applied, not ignored
        cold, *_rest = _timed(client, url, sql=True)
        elapsed, queries, sql, cpu = min(_timed(client, url, sql=True) for _ in range(5))
        print(
            f"  dashboard (board, {label}): cold {cold:5.2f} s, warm {elapsed:5.2f} s "
            f"(CPU of this process {cpu:4.2f} s), {queries} queries, {sql:4.2f} s in SQL"
        )
    drill = reverse("reporting:drill", args=[programme.code, "people_trained"]) + "?year=2026"
    elapsed, queries = min(_timed(client, drill) for _ in range(3))
    print(f"  drill-down: people trained in 2026 (first page)      {elapsed:6.2f} s  {queries} queries")
    reports = reverse("reporting:reports", args=[programme.code])
    elapsed, _queries = _timed(client, reports, "post", {"year": "2026", "fresh": "0"})
    report = AnnualReport.objects.get(programme=programme)
    ids = sum(len(v) for periods in report.records.values() for v in periods.values())
    print(
        f"  annual report 2026 (snapshot, PDF, Excel), task       {elapsed:6.2f} s  state {report.state}, "
        f"{ids:,} record ids stored, PDF {report.pdf.size / 1024:.0f} KB, Excel {report.xlsx.size / 1024:.0f} KB"
    )
    again, _q = _timed(client, reports, "post", {"year": "2026", "fresh": "0"})
    print(f"  the same year again (the stored snapshot)             {again:6.2f} s")


if __name__ == "__main__":
    main()
