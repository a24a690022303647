"""Scheduling 60 hearings with 8 panel members over 3 days (target: under 5 s), through the
service the office uses (``hearings.services.run_schedule``: reading the shortlist, the panel,
conflicts, building the problem, solving, storing the run).

Two rooms in parallel, 3 panel members per hearing, 10 + 10 minutes and a 5-minute break, 09:00–12:30
and 14:00–18:00 (51 times a day… 17 a day × 3 days = 51 times, 102 places); one member away for
a morning, another for an afternoon; a third of the teams unavailable for one half-day; 20
conflicts of interest. Run: ``python -m bench.bench_hearings``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time

from bench.bench_submissions import _setup, bench_call


def main() -> None:
    _setup()
    from django.utils import timezone

    from grappe.hearings import services
    from grappe.hearings.models import Hearing, PanelMember
    from grappe.people.models import Person
    from grappe.review.models import Conflict, ConflictOrigin
    from grappe.submissions.models import Proposal, ProposalState

    call = bench_call("Bench hearings")
    rng = random.Random(18)
    first = timezone.localtime(call.closes_at).date() + dt.timedelta(days=14)
    setup = services.setup_for(call)
    services.save_setup(
        call,
        {
            "first_day": first.isoformat(),
            "last_day": (first + dt.timedelta(days=2)).isoformat(),
            "morning_start": "09:00",
            "morning_end": "12:30",
            "afternoon_start": "14:00",
            "afternoon_end": "18:00",
            "presentation_minutes": "10",
            "questions_minutes": "10",
            "break_minutes": "5",
            "rooms": "2",
            "panel_size": "3",
            "mode": "in_person",
            "places": "Room A\nRoom B",
            "score_mode": "ignore",
        },
        expected_version=setup.version,
        actor=None,
    )
    halves = [key for key, _label in services.half_days(services.setup_for(call))]
    lead = Person.objects.create(first_name="Lead", last_name="Bench", email="lead@bench.example")
    proposals = [
        Proposal.objects.create(
            call=call, lead=lead, title=f"Proposal {i}", state=ProposalState.SUBMITTED, submitted_at=timezone.now()
        )
        for i in range(60)
    ]
    for i, proposal in enumerate(proposals):
        Hearing.objects.create(call=call, proposal=proposal, unavailable=[rng.choice(halves)] if i % 3 == 0 else [])
    members = [Person.objects.create(first_name="Panel", last_name=f"M{i}") for i in range(8)]
    for i, person in enumerate(members):
        PanelMember.objects.create(
            call=call, person=person, unavailable=[halves[0]] if i == 0 else ([halves[3]] if i == 1 else [])
        )
    for _ in range(20):
        Conflict.objects.get_or_create(
            call=call,
            reviewer=rng.choice(members),
            proposal=rng.choice(proposals),
            defaults={"origin": ConflictOrigin.DECLARED},
        )
    print("Hearings: 60 hearings, 8 panel members, 3 days, 2 rooms, 3 members per hearing")
    from ortools.sat.python import cp_model  # noqa: F401 - imported once, as in a running server

    for seed in (0, 1):
        started, cpu = time.perf_counter(), time.process_time()
        run = services.run_schedule(call, actor=None, seed=seed)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        loads = run.result.get("loads", {})
        print(
            f"  seed {seed}: {elapsed:.2f} s through the service ({cpu:.2f} s of CPU; load average "
            f"{os.getloadavg()[0]:.1f}), "
            f"{len(run.result.get('placements', []))} placed, status {run.result.get('status', run.error)}, "
            f"loads {min(loads.values()) if loads else '-'}–{max(loads.values()) if loads else '-'}"
        )


if __name__ == "__main__":
    main()
