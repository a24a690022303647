"""Deterministic synthetic assignment instances whose affinities look real.

Proposals and reviewers are mixtures of a few of ``topics`` topics; affinity is the cosine of
the mixtures plus noise, clipped to [0, 1]; about 1 % of pairs are conflicts, drawn among the
closest pairs (colleagues tend to work on the same things).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def synthetic(
    n_reviewers: int, n_proposals: int, *, topics: int = 40, seed: int = 0, conflict_rate: float = 0.01
) -> tuple[npt.NDArray[np.float64], list[tuple[int, int]]]:
    rng = np.random.default_rng(seed)

    def mixtures(n: int) -> npt.NDArray[np.float64]:
        m = rng.dirichlet(np.full(topics, 0.15), size=n)
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    reviewers, proposals = mixtures(n_reviewers), mixtures(n_proposals)
    scores = reviewers @ proposals.T
    scores += rng.normal(0, 0.05, size=scores.shape)
    np.clip(scores, 0, 1, out=scores)
    n_conflicts = int(conflict_rate * n_reviewers * n_proposals)
    flat = scores.ravel()
    close = np.argpartition(-flat, min(n_conflicts * 5, flat.size - 1))[: n_conflicts * 5]
    chosen = rng.choice(close, size=n_conflicts, replace=False)
    conflicts = [(int(i // n_proposals), int(i % n_proposals)) for i in chosen]
    return scores, conflicts
