"""Reviewer assignment on synthetic instances: time, peak memory, objective, bound, worst proposal.

Sizes are proposals × reviewers, from ``BENCH_ENGINE_SIZES`` (default
"500x400,2000x1500,10000x8000,50000x20000s"; a trailing ``s`` makes the instance sparse: each
proposal's 100 closest reviewers, as an affinity service's top-k lists would give). 3 reviews per
proposal, maximum load set so that capacity is 1.25 × demand, about 1 % of pairs conflicts.
``BENCH_ENGINE_OBJECTIVES`` (default all three) picks the objectives.

Each instance is generated once into var/bench/ and every solve runs in a fresh process that
loads it, so the peak memory printed is the input plus the engine, not the generator.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
K = 3


def _sizes() -> list[tuple[int, int, bool]]:
    spec = os.environ.get("BENCH_ENGINE_SIZES", "500x400,2000x1500,10000x8000,50000x20000s")
    sizes = []
    for part in spec.split(","):
        is_sparse = part.endswith("s")
        n_p, n_r = (int(x) for x in part.rstrip("s").split("x"))
        sizes.append((n_p, n_r, is_sparse))
    return sizes


def _instance_path(n_p: int, n_r: int, is_sparse: bool) -> Path:
    return CACHE / f"assignment-{n_p}x{n_r}{'s' if is_sparse else ''}.npz"


def _generate(n_p: int, n_r: int, is_sparse: bool) -> Path:
    from bench.engine.instances import synthetic, synthetic_sparse

    path = _instance_path(n_p, n_r, is_sparse)
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    if is_sparse:
        scores, conflicts = synthetic_sparse(n_r, n_p, seed=n_r + n_p)
        coo = sparse.coo_array(scores)
        np.savez(path, row=coo.row, col=coo.col, data=coo.data, shape=coo.shape, conflicts=np.array(conflicts))
    else:
        dense, conflicts = synthetic(n_r, n_p, seed=n_r + n_p)
        np.savez(path, dense=dense, conflicts=np.array(conflicts))
    return path


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM starts afresh at exec, unlike ru_maxrss)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _solve(path: str, objective: str) -> None:
    """Child process: load the instance, solve, print one JSON line."""
    from grappe.engine.assignment import assign_reviewers

    data = np.load(path)
    if "dense" in data:
        scores = data["dense"]
    else:
        scores = sparse.csr_array((data["data"], (data["row"], data["col"])), shape=tuple(data["shape"]))
    conflicts = [tuple(pair) for pair in data["conflicts"].tolist()]
    n_r, n_p = scores.shape
    max_load = int(np.ceil(1.25 * K * n_p / n_r))
    started = time.perf_counter()
    a = assign_reviewers(
        scores,
        reviews_per_proposal=K,
        max_load=max_load,
        forbidden=conflicts,
        objective=objective,  # type: ignore[arg-type]
        q=0.5,
        seed=1,
        time_limit=120,
    )
    seconds = time.perf_counter() - started
    per_p = np.bincount(a.proposals, minlength=n_p)
    violations = int((per_p != K).sum()) + int((a.loads > max_load).sum()) + len(set(a.pairs()) & set(conflicts))
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rss_mb": _peak_mb(),
                "total": a.total,
                "bound": a.bound,
                "gap": a.gap,
                "worst": a.worst_total,
                "violations": violations,
                "candidates": a.parameters.get("candidate_pairs"),
            }
        )
    )


def main() -> None:
    objectives = os.environ.get("BENCH_ENGINE_OBJECTIVES", "max-affinity,randomized,fair").split(",")
    print("Reviewer assignment, synthetic instances (topic mixtures + noise, 1 % conflicts), 3 reviews per proposal")
    print("bound: max-affinity = proved optimum; randomized = the capped LP (q = 0.5); fair = LP bound on the worst")
    print(
        f"{'proposals×reviewers':>21} {'objective':>12} {'seconds':>8} {'peak MB':>8} {'candidates':>11} "
        f"{'total':>10} {'bound':>10} {'gap':>7} {'worst':>6} {'viol.':>5}"
    )
    for n_p, n_r, is_sparse in _sizes():
        path = _generate(n_p, n_r, is_sparse)
        label = f"{n_p}×{n_r}{' sparse' if is_sparse else ''}"
        for objective in objectives:
            if objective == "fair" and is_sparse:
                continue
            run = subprocess.run(  # noqa: S603 - this very module, on our own file
                [sys.executable, "-m", "bench.bench_engine", "--solve", str(path), objective],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if run.returncode:
                print(f"{label:>21} {objective:>12} failed: {run.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(next(line for line in reversed(run.stdout.splitlines()) if line.startswith("{")))
            print(
                f"{label:>21} {objective:>12} {r['seconds']:>8.2f} {r['rss_mb']:>8.0f} {r['candidates'] or 0:>11} "
                f"{r['total']:>10.1f} {r['bound']:>10.3f} {r['gap']:>7.4f} {r['worst']:>6.3f} {r['violations']:>5}"
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--solve"]:
        _solve(sys.argv[2], sys.argv[3])
    else:
        main()
