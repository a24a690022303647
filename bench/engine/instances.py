"""Deterministic synthetic assignment instances whose affinities look real.

Proposals and reviewers are mixtures of a few of ``topics`` topics; affinity is the cosine of
the mixtures plus noise, clipped to [0, 1]; about 1 % of pairs are conflicts, drawn among the
closest pairs (colleagues tend to work on the same things).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import sparse


def _mixtures(rng: np.random.Generator, n: int, topics: int) -> npt.NDArray[np.float64]:
    """``n`` unit vectors, each a sparse mixture of a few topics."""
    m = rng.dirichlet(np.full(topics, 0.15), size=n)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def synthetic(
    n_reviewers: int, n_proposals: int, *, topics: int = 40, seed: int = 0, conflict_rate: float = 0.01
) -> tuple[npt.NDArray[np.float64], list[tuple[int, int]]]:
    rng = np.random.default_rng(seed)

    reviewers, proposals = _mixtures(rng, n_reviewers, topics), _mixtures(rng, n_proposals, topics)
    scores = reviewers @ proposals.T
    scores += rng.normal(0, 0.05, size=scores.shape)
    np.clip(scores, 0, 1, out=scores)
    n_conflicts = int(conflict_rate * n_reviewers * n_proposals)
    flat = scores.ravel()
    close = np.argpartition(-flat, min(n_conflicts * 5, flat.size - 1))[: n_conflicts * 5]
    chosen = rng.choice(close, size=n_conflicts, replace=False)
    conflicts = [(int(i // n_proposals), int(i % n_proposals)) for i in chosen]
    return scores, conflicts


def synthetic_sparse(
    n_reviewers: int,
    n_proposals: int,
    *,
    per_proposal: int = 100,
    topics: int = 40,
    seed: int = 0,
    conflict_rate: float = 0.01,
) -> tuple[sparse.csr_array, list[tuple[int, int]]]:
    """The same model, keeping each proposal's ``per_proposal`` closest reviewers (as an affinity
    service returning top-k lists would); ``conflict_rate`` of the kept pairs are conflicts."""
    rng = np.random.default_rng(seed)

    reviewers, proposals = _mixtures(rng, n_reviewers, topics), _mixtures(rng, n_proposals, topics)
    rows, cols, vals = [], [], []
    step = max(1, 8_000_000 // n_reviewers)
    for start in range(0, n_proposals, step):
        block = reviewers @ proposals[start : start + step].T
        block += rng.normal(0, 0.05, size=block.shape)
        top = np.argpartition(-block, per_proposal - 1, axis=0)[:per_proposal]
        columns = np.broadcast_to(np.arange(block.shape[1]), top.shape)
        rows.append(top.ravel())
        cols.append((columns + start).ravel())
        vals.append(np.clip(block[top, columns], 0, 1).ravel())
    r, p, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    scores = sparse.csr_array((w, (r, p)), shape=(n_reviewers, n_proposals))
    chosen = rng.choice(r.size, size=int(conflict_rate * r.size), replace=False)
    return scores, [(int(r[i]), int(p[i])) for i in chosen]
