"""The office's proposal list and exports for a call of 10,000 proposals.

Prints: SQL queries and time of the list page (first and last page, and with 100 proposals
for comparison), and time, peak Python memory and size of the CSV and Excel exports.
Run: ``make bench`` (SQLite in a temporary directory) or with ``DATABASE_URL`` set.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal

PROPOSALS = int(os.environ.get("BENCH_PROPOSALS", "10000"))


def _setup() -> None:
    os.environ.setdefault("GRAPPE_VAR_DIR", tempfile.mkdtemp(prefix="grappe-bench-"))
    os.environ["GRAPPE_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_call(name: str):
    """A closed call of a fresh programme, to fill with bench data."""
    from django.utils import timezone

    from grappe.calls.models import Call
    from grappe.programmes.models import Programme

    programme = Programme.objects.create(
        name=name, funders="Bench", total_amount=Decimal("1e9"), start_year=2026, end_year=2028
    )
    return Call.objects.create(
        programme=programme,
        call_type="research",
        title_fr=name,
        title_en=name,
        opens_at=timezone.now() - timezone.timedelta(days=30),
        closes_at=timezone.now() - timezone.timedelta(days=1),
        budget=Decimal("1e8"),
        max_amount=Decimal("1e6"),
        state="closed",
    )


def _populate(count: int):
    from django.utils import timezone

    from grappe.people.models import Organisation, Person, Relationship, Role, RoleKind, User
    from grappe.programmes.models import CostCategory
    from grappe.submissions.models import BudgetLine, CoFunding, Proposal, ProposalPartner

    rng = random.Random(1)
    call = bench_call("Bench")
    orgs = Organisation.objects.bulk_create(
        Organisation(
            name=f"Org {i}",
            kind="university" if i < 20 else "sme",
            relationship=Relationship.MEMBER if i < 20 else Relationship.PARTNER,
        )
        for i in range(80)
    )
    people = Person.objects.bulk_create(
        Person(first_name=f"P{i}", last_name="Bench", email=f"p{i}@bench.example") for i in range(500)
    )
    office_person = Person.objects.create(first_name="Office", last_name="Bench", email="office@bench.example")
    office = User.objects.create_user(email="office@bench.example", password="x", person=office_person)
    Role.objects.create(person=office_person, kind=RoleKind.OFFICE)
    category = CostCategory.objects.get(code="personnel")
    now = timezone.now()
    proposals = Proposal.objects.bulk_create(
        Proposal(
            call=call,
            title=f"Proposal {i} on trustworthy AI",
            acronym=f"B{i}",
            lead=rng.choice(people),
            lead_organisation=orgs[i % 20],
            requested_amount=Decimal(rng.randint(50, 500) * 1000),
            state="submitted",
            submitted_at=now,
            eligible=True,
        )
        for i in range(count)
    )
    partners = ProposalPartner.objects.bulk_create(
        ProposalPartner(proposal=p, organisation=orgs[20 + (i % 60)]) for i, p in enumerate(proposals)
    )
    CoFunding.objects.bulk_create(
        CoFunding(partner=pp, year=year, kind=kind, amount=Decimal("1000.00"))
        for pp in partners
        for year in (2026, 2027)
        for kind in ("cash", "in_kind")
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(
            proposal=p, category=category, organisation=p.lead_organisation, year=year, amount=Decimal("20000.00")
        )
        for p in proposals
        for year in (2026, 2027)
    )
    return call, office


def _measure_page(client, url: str) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    return len(queries), elapsed


def _drain(client, url: str) -> int:
    return sum(len(chunk) for chunk in client.get(url).streaming_content)


def _measure_export(client, url: str) -> tuple[float, float, int]:
    """Wall time of one export, then its peak Python memory in a second, traced run."""
    start = time.perf_counter()
    size = _drain(client, url)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    _drain(client, url)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 1e6, size


def main() -> None:
    _setup()
    from django.test import Client
    from django.urls import reverse

    rows = []
    for count in (100, PROPOSALS):
        started = time.perf_counter()
        call, office = _populate(count)
        load = time.perf_counter() - started
        client = Client()
        client.force_login(office, backend="grappe.people.backends.EmailBackend")
        url = reverse("submissions:office_list", args=[call.code])
        client.get(url)  # warm up
        q1, t1 = _measure_page(client, url)
        last = (count + 23) // 24
        q2, t2 = _measure_page(client, f"{url}?page={last}")
        q3, t3 = _measure_page(client, f"{url}?q=trustworthy&eligibility=yes&page=3")
        rows.append((count, load, q1, t1, q2, t2, q3, t3))
        if count == PROPOSALS:
            csv_t, csv_mem, csv_size = _measure_export(client, reverse("submissions:export_csv", args=[call.code]))
            x_t, x_mem, x_size = _measure_export(client, reverse("submissions:export_xlsx", args=[call.code]))
        _cleanup()

    print(f"Proposal list of one call (SQLite={'sqlite' in os.environ.get('DATABASE_URL', 'sqlite')}), office view")
    print(
        f"{'proposals':>10} {'seed s':>7} {'q p1':>5} {'ms p1':>7} {'q last':>6} {'ms last':>8} {'q filt':>6} {'ms filt':>8}"
    )
    for count, load, q1, t1, q2, t2, q3, t3 in rows:
        print(f"{count:>10} {load:>7.1f} {q1:>5} {t1 * 1000:>7.0f} {q2:>6} {t2 * 1000:>8.0f} {q3:>6} {t3 * 1000:>8.0f}")
    print(
        f"CSV export, {PROPOSALS} proposals: {csv_t:.2f} s, peak Python memory {csv_mem:.1f} MB, {csv_size / 1e6:.1f} MB"
    )
    print(f"Excel export, {PROPOSALS} proposals: {x_t:.2f} s, peak Python memory {x_mem:.1f} MB, {x_size / 1e6:.1f} MB")
    sys.stdout.flush()


def _cleanup() -> None:
    from grappe.calls.models import Call
    from grappe.people.models import Organisation, Person, Role, User
    from grappe.programmes.models import Programme
    from grappe.submissions.models import Proposal

    Proposal.objects.all().delete()
    Call.objects.all().delete()
    Programme.objects.all().delete()
    Role.objects.all().delete()
    User.objects.all().delete()
    Person.objects.all().delete()
    Organisation.objects.all().delete()


if __name__ == "__main__":
    main()
