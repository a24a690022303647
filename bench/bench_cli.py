"""The commands a user runs, file in, file out: ``grappe assign`` and ``grappe affinity``.

Each run is the real command (``python -m grappe …``) under ``/usr/bin/time -v``, so the
seconds are wall-clock from start to exit (interpreter start, reading, solving, writing) and the
peak memory is the process's maximum resident set. Inputs are generated once, outside the
repository, under ``BENCH_CLI_DIR`` (default ``/tmp/grappe-bench-cli``): the dense 10,000 ×
8,000 scores CSV is 80 million rows, about 1.8 GB.

Sizes are proposals × reviewers from ``BENCH_CLI_SIZES`` (default "2000x1500,10000x8000");
The load column is the machine's one-minute load average when the run ended (the machine is
shared). ``BENCH_CLI_AFFINITY`` (default "2000x1500,10000x8000") gives the sizes of the ``grappe affinity`` runs
(synthetic submissions and archives of 5 publications per reviewer, written as OpenReview files).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DIR = Path(os.environ.get("BENCH_CLI_DIR", "/tmp/grappe-bench-cli"))  # noqa: S108 - big inputs stay out of the repository
K = 3


def _sizes(name: str, default: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in (part.split("x") for part in os.environ.get(name, default).split(",") if part)]


def scores_csv(n_p: int, n_r: int) -> Path:
    """``paper,reviewer,score`` for every pair (dense), with a header, generated once."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from bench.engine.instances import synthetic

    path = DIR / f"scores-{n_p}x{n_r}.csv"
    constraints = DIR / f"constraints-{n_p}x{n_r}.csv"
    if path.exists() and constraints.exists():
        return path
    DIR.mkdir(parents=True, exist_ok=True)
    dense, conflicts = synthetic(n_r, n_p, seed=n_r + n_p)  # reviewer × proposal
    papers = pa.array([f"P{i}" for i in range(n_p)])
    reviewers = pa.array([f"~Reviewer_{i}1" for i in range(n_r)])
    partial = path.with_suffix(".part")
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    with partial.open("wb") as handle:
        handle.write(b"paper,reviewer,score\n")
        step = max(1, 4_000_000 // n_r)
        for start in range(0, n_p, step):
            stop = min(start + step, n_p)
            p = np.repeat(np.arange(start, stop, dtype=np.int32), n_r)
            r = np.tile(np.arange(n_r, dtype=np.int32), stop - start)
            table = pa.table(
                {
                    "paper": papers.take(pa.array(p)),
                    "reviewer": reviewers.take(pa.array(r)),
                    "score": pa.array(np.round(dense[r, p], 6)),
                }
            )
            pacsv.write_csv(table, handle, write_options=options)
    partial.rename(path)
    with constraints.open("w", encoding="utf-8") as handle:
        handle.write("paper,reviewer,constraint\n")
        for r, p in conflicts:
            handle.write(f"P{p},~Reviewer_{r}1,-1\n")
    return path


def archives(n_p: int, n_r: int) -> tuple[Path, Path]:
    """OpenReview-format submissions and archives (5 publications per reviewer), generated once."""
    from bench.engine.corpus import build

    folder = DIR / f"affinity-{n_p}x{n_r}"
    submissions = folder / "submissions.jsonl"
    if submissions.exists():
        return submissions, folder / "archives"
    corpus = build(n_reviewers=n_r, n_proposals=n_p, seed=3)
    tmp = folder.with_suffix(".part")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "archives").mkdir(parents=True)
    with (tmp / "submissions.jsonl").open("w", encoding="utf-8") as handle:
        for d in corpus.proposals:
            handle.write(json.dumps({"id": d.id, "content": {"title": d.title, "abstract": d.abstract}}) + "\n")
    for profile in corpus.reviewers:
        with (tmp / "archives" / f"{profile.id}.jsonl").open("w", encoding="utf-8") as handle:
            for d in profile.documents[:5]:
                record = {"id": d.id, "content": {"title": d.title, "abstract": d.abstract, "year": d.year}}
                handle.write(json.dumps(record) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder / "submissions.jsonl", folder / "archives"


def _timed(args: list[str]) -> tuple[float, float, float, int, str]:
    """Wall seconds, CPU seconds (user + system), peak resident MB, exit status and stderr of
    ``python -m grappe args``. On a shared machine the CPU seconds say what a quiet one would."""
    command = [sys.executable, "-m", "grappe", *args]
    timer = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
    started = time.perf_counter()
    run = subprocess.run([*timer, *command], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    seconds = time.perf_counter() - started
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    peak = int(found.group(1)) / 1024 if found else float("nan")
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", run.stderr))
    return seconds, cpu, peak, run.returncode, run.stderr


def main() -> None:
    print(f"Commands on files (inputs in {DIR}); wall seconds and peak resident memory of the whole process")
    print(f"Load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"{'command':>10} {'proposals×reviewers':>20} {'rows in':>12} {'seconds':>8} {'CPU s':>7} {'peak MB':>8}"
        f" {'load':>5}  result"
    )
    for n_p, n_r in _sizes("BENCH_CLI_SIZES", "2000x1500,10000x8000"):
        path = scores_csv(n_p, n_r)
        constraints = DIR / f"constraints-{n_p}x{n_r}.csv"
        max_load = int(np.ceil(1.25 * K * n_p / n_r))
        for objective in os.environ.get("BENCH_CLI_OBJECTIVES", "max-affinity,fair").split(","):
            out, summary = DIR / f"out-{n_p}x{n_r}-{objective}.csv", DIR / f"summary-{n_p}x{n_r}-{objective}.json"
            args = ["assign", "--scores", str(path), "--constraints", str(constraints)]
            args += ["--reviews-per-proposal", str(K), "--max-load", str(max_load), "--objective", objective]
            seconds, cpu, peak, status, stderr = _timed([*args, "--out", str(out), "--summary", str(summary)])
            if status:
                result = f"exit {status}: {stderr.strip().splitlines()[:1]}"
            else:
                s = json.loads(summary.read_text())
                result = (
                    f"{s['pairs']} pairs, total {s['total_affinity']:.1f}, worst {s['worst_proposal_affinity']:.4f},"
                    f" bound {s['bound']:.4f}, gap {s['gap']}, solver {s['solver_seconds']} s"
                )
            label = f"{n_p}×{n_r}"
            print(
                f"{'assign':>10} {label:>20} {n_p * n_r:>12,} {seconds:>8.2f} {cpu:>7.2f} {peak:>8.0f}"
                f" {os.getloadavg()[0]:>5.1f}  {objective}: {result}"
            )
    for n_p, n_r in _sizes("BENCH_CLI_AFFINITY", "2000x1500,10000x8000"):
        submissions, folder = archives(n_p, n_r)
        out = DIR / f"affinity-{n_p}x{n_r}.csv"
        seconds, cpu, peak, status, _stderr = _timed(
            ["affinity", "--submissions", str(submissions), "--archives", str(folder), "--out", str(out)]
        )
        result = f"exit {status}" if status else f"{out.stat().st_size / 1e6:.0f} MB written"
        print(
            f"{'affinity':>10} {f'{n_p}×{n_r}':>20} {n_p * n_r:>12,} {seconds:>8.2f} {cpu:>7.2f} {peak:>8.0f}"
            f" {os.getloadavg()[0]:>5.1f}  {result}"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--generate"]:
        print(scores_csv(*(int(x) for x in sys.argv[2].split("x"))))
    else:
        main()
