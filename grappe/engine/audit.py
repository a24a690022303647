"""Is a group's outcome different from the whole by more than chance would give?

A permutation test: each group's mean outcome (success 0/1, or a score) minus the whole's is
compared with the same difference for the groups one gets by shuffling the group labels among the
same people, ``permutations`` times (seeded, so a figure can be recomputed). A group's p-value is
the share of shuffles in which its difference from the whole is at least as large, in absolute
value, as the real one (two-sided), counted with the usual +1 so it is never 0. All groups of one
breakdown (e.g. every lead institution) are tested on the same shuffles, in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

CHUNK = 128  # shuffles drawn at once (memory: CHUNK × n integers)


@dataclass(frozen=True)
class GroupTest:
    size: int
    mean: float  # the group's mean outcome
    observed: float  # group mean − whole mean
    p_value: float
    permutations: int
    seed: int


def permutation_tests(
    values: npt.ArrayLike, labels: npt.ArrayLike, *, permutations: int = 2000, seed: int = 0
) -> list[GroupTest]:
    """One :class:`GroupTest` per label ``0 … labels.max()``, for the outcome ``values`` (NaN
    values are left out, with their labels).

    >>> import numpy as np
    >>> tests = permutation_tests(np.array([1.0] * 10 + [0.0] * 30), (np.arange(40) >= 10).astype(int), seed=1)
    >>> round(tests[0].observed, 2), tests[0].p_value < 0.01, tests[1].p_value < 0.01
    (0.75, True, True)
    """
    outcome = np.asarray(values, dtype=np.float64)
    group_of = np.asarray(labels, dtype=np.int64)
    if outcome.shape != group_of.shape or outcome.ndim != 1:
        raise ValueError("values and labels must be two vectors of the same length")
    if group_of.size and group_of.min() < 0:
        raise ValueError("labels must be 0, 1, 2…")
    groups = int(group_of.max()) + 1 if group_of.size else 0
    keep = ~np.isnan(outcome)
    outcome, group_of = outcome[keep], group_of[keep]
    n = outcome.size
    sizes = np.bincount(group_of, minlength=groups)
    if n == 0:
        return [GroupTest(0, float("nan"), 0.0, 1.0, 0, seed) for _g in range(groups)]
    whole = float(outcome.mean())
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.bincount(group_of, weights=outcome, minlength=groups) / sizes
    observed = means - whole
    rng = np.random.default_rng(seed)
    extreme = np.zeros(groups, dtype=np.int64)
    tolerance = 1e-12 * np.maximum(1.0, np.abs(observed))
    done = 0
    while done < permutations:
        size = min(CHUNK, permutations - done)
        shuffled = group_of[rng.permuted(np.tile(np.arange(n), (size, 1)), axis=1)]
        offsets = shuffled + groups * np.arange(size)[:, None]
        sums = np.bincount(offsets.ravel(), weights=np.tile(outcome, size), minlength=groups * size)
        with np.errstate(invalid="ignore", divide="ignore"):
            diffs = sums.reshape(size, groups) / sizes - whole
        extreme += (np.abs(diffs) >= np.abs(observed) - tolerance).sum(axis=0)
        done += size
    tests = []
    for g in range(groups):
        if sizes[g] in (0, n):  # nothing to compare with
            tests.append(GroupTest(int(sizes[g]), float(means[g]) if sizes[g] else float("nan"), 0.0, 1.0, 0, seed))
        else:
            p_value = float((extreme[g] + 1) / (permutations + 1))
            tests.append(GroupTest(int(sizes[g]), float(means[g]), float(observed[g]), p_value, permutations, seed))
    return tests


def holm(p_values: list[float]) -> list[float]:
    """Holm's adjustment for testing many groups at once: with twelve institutions, one of them
    will look unusual at p < 0.05 about half the time by chance alone; the adjusted p-values keep
    the chance of any false alarm in the breakdown under the threshold.

    >>> holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [1.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = round(running, 12)
    return adjusted
