"""The assignment run of a call with 2,000 proposals and 1,500 experts, from the app's own data.

Builds the call in a scratch database (SQLite in a temporary directory, or ``DATABASE_URL``),
then runs the affinity computation and the assignment exactly as the background task does, and
prints the time split that each run records in the ledger: load (database → engine inputs),
engine, save (engine output → database). Sizes: ``BENCH_REVIEW_PROPOSALS``,
``BENCH_REVIEW_EXPERTS``.
"""

from __future__ import annotations

import math
import os
import random
import resource
import time

from bench.bench_submissions import _setup, bench_call

PROPOSALS = int(os.environ.get("BENCH_REVIEW_PROPOSALS", "2000"))
EXPERTS = int(os.environ.get("BENCH_REVIEW_EXPERTS", "1500"))


def _populate() -> object:
    from django.utils import timezone

    from grappe.demo.calls import APPLICATIONS, METHODS, QUALIFIERS
    from grappe.people.models import Organisation, Person
    from grappe.review.models import PoolMember, PoolState, Publication
    from grappe.submissions.models import Proposal

    rng = random.Random(7)
    call = bench_call("Bench review")
    org = Organisation.objects.create(name="Bench university", kind="university")
    people = Person.objects.bulk_create(
        Person(first_name=f"E{i}", last_name="Bench", email=f"e{i}@bench.example") for i in range(EXPERTS + 200)
    )

    def text() -> str:
        return f"{rng.choice(METHODS)} for {rng.choice(QUALIFIERS)} {rng.choice(APPLICATIONS)}"

    Proposal.objects.bulk_create(
        Proposal(
            call=call,
            title=text(),
            abstract=f"We develop {text().lower()} and evaluate {text().lower()}.",
            lead=people[EXPERTS + i % 200],
            lead_organisation=org,
            state="submitted",
            submitted_at=timezone.now(),
        )
        for i in range(PROPOSALS)
    )
    load = math.ceil(1.25 * 3 * PROPOSALS / EXPERTS)
    PoolMember.objects.bulk_create(
        PoolMember(call=call, person=person, state=PoolState.ACCEPTED, max_load=load) for person in people[:EXPERTS]
    )
    Publication.objects.bulk_create(
        Publication(person=person, title=text(), abstract=text(), year=rng.randint(2012, 2026), source="manual")
        for person in people[:EXPERTS]
        for _ in range(3)
    )
    return call


def main() -> None:
    _setup()
    from grappe.review import services
    from grappe.review.models import Affinity, EngineRun, RunKind

    call = _populate()
    print(f"Review runs from the app's data: {PROPOSALS} proposals × {EXPERTS} experts (3 publications each)")
    for kind, parameters in [
        (RunKind.AFFINITY, {"backend": "tfidf"}),
        (RunKind.ASSIGNMENT, {"reviews_per_proposal": 3, "objective": "max-affinity", "seed": 1, "bid_weight": 0}),
    ]:
        run = EngineRun.objects.create(call=call, kind=kind, parameters=parameters, seed=parameters.get("seed"))
        started = time.perf_counter()
        (services.execute_affinity if kind == RunKind.AFFINITY else services.execute_assignment)(run)
        wall = time.perf_counter() - started
        run.refresh_from_db()
        split = run.statistics.get("seconds", {})
        extra = (
            f"{Affinity.objects.filter(call=call).count()} affinities stored"
            if kind == RunKind.AFFINITY
            else f"{run.pairs.count()} pairs, gap {run.statistics.get('gap')}"
        )
        print(
            f"{kind:>10}: {run.state}, {wall:6.2f} s in all = load {split.get('load', 0):.2f} + engine "
            f"{split.get('engine', 0):.2f} + save {split.get('save', 0):.2f} (+ bookkeeping); {extra}"
        )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
