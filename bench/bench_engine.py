"""Reviewer assignment on synthetic instances: time, memory, objective, bound, worst proposal.

Sizes (reviewers × proposals) come from ``BENCH_ENGINE_SIZES`` (default "400x500,1500x2000");
3 reviews per proposal, loads chosen so that capacity is 1.25 × demand.
"""

from __future__ import annotations

import os
import resource
import time

import numpy as np

from bench.engine.instances import synthetic
from grappe.engine.assignment import assign_reviewers


def _sizes() -> list[tuple[int, int]]:
    spec = os.environ.get("BENCH_ENGINE_SIZES", "400x500,1500x2000")
    return [tuple(int(x) for x in part.split("x")) for part in spec.split(",")]  # type: ignore[misc]


def _violations(a, scores, k, max_load, conflicts) -> int:
    per_p = np.bincount(a.proposals, minlength=scores.shape[1])
    bad = int((per_p != k).sum()) + int((a.loads > max_load).sum())
    return bad + len(set(a.pairs()) & set(conflicts))


def main() -> None:
    k = 3
    print("Reviewer assignment, synthetic instances (topic mixtures + noise, 1 % conflicts), 3 reviews per proposal")
    print(
        f"{'reviewers×proposals':>20} {'objective':>12} {'seconds':>8} {'peak RSS MB':>11} {'total':>10} {'bound':>10} {'gap':>8} {'worst':>7} {'viol.':>5}"
    )
    for n_r, n_p in _sizes():
        scores, conflicts = synthetic(n_r, n_p, seed=n_r + n_p)
        max_load = int(np.ceil(1.25 * k * n_p / n_r))
        objectives = ["max-affinity", "randomized"] + (["fair"] if n_r * n_p <= 400 * 500 else [])
        for objective in objectives:
            start = time.perf_counter()
            a = assign_reviewers(
                scores,
                reviews_per_proposal=k,
                max_load=max_load,
                forbidden=conflicts,
                objective=objective,
                q=0.5,
                seed=1,
                time_limit=120,
            )
            seconds = time.perf_counter() - start
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{f'{n_r}×{n_p}':>20} {objective:>12} {seconds:>8.2f} {rss:>11.0f} {a.total:>10.1f} {a.bound:>10.1f} "
                f"{a.gap:>8.4f} {a.worst_total:>7.3f} {_violations(a, scores, k, max_load, conflicts):>5}"
            )


if __name__ == "__main__":
    main()
