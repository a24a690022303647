"""The pool of allowed reviewer–proposal pairs, and sparse candidate graphs drawn from it.

A 10,000 × 8,000 dense score matrix has 80 million pairs: too many arcs for a solver, yet only a
few dozen per proposal can matter. :class:`Pool` keeps the scores as given (a dense array, never
copied whole, or the stored entries of a sparse matrix) minus the forbidden pairs, and answers
three questions in bounded memory, a block of columns or rows at a time:

- :meth:`Pool.best`: each proposal's best reviewers and each reviewer's best proposals (the
  candidate graph, widened by the caller until it is feasible);
- :meth:`Pool.violators`: the pairs left out whose reduced cost, given the dual prices of a
  solution on the candidate graph, is negative; when there is none the candidate solution is
  optimal over the whole pool (the certificate of linear programming duality);
- :meth:`Pool.eligible`: per proposal, how many allowed reviewers (and group members) it has,
  to name an infeasible instance before any solver runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
BLOCK = 4_000_000  # matrix entries handled at once (32 MB of float64)


@dataclass(frozen=True)
class Edges:
    """Pairs as parallel arrays, sorted by key ``r * n_proposals + p``, without duplicates."""

    r: IntArray
    p: IntArray
    w: FloatArray

    @property
    def size(self) -> int:
        return int(self.r.size)

    def keys(self, n_proposals: int) -> IntArray:
        return self.r * n_proposals + self.p


def _unique(r: IntArray, p: IntArray, w: FloatArray, n_proposals: int) -> Edges:
    key = r * n_proposals + p
    key, index = np.unique(key, return_index=True)
    return Edges(r=r[index], p=p[index], w=w[index])


class Pool:
    """Every allowed pair: ``scores`` minus ``banned`` (sorted keys ``r * n_proposals + p``)."""

    def __init__(self, scores: FloatArray | sparse.spmatrix | sparse.sparray, banned: IntArray) -> None:
        self.banned = np.unique(np.asarray(banned, dtype=np.int64))
        if sparse.issparse(scores):
            coo = sparse.coo_array(scores)
            coo.sum_duplicates()
            self.n_reviewers, self.n_proposals = (int(n) for n in coo.shape)
            r, p = coo.row.astype(np.int64), coo.col.astype(np.int64)
            w = coo.data.astype(np.float64)
            keep = ~np.isin(r * self.n_proposals + p, self.banned)
            self.is_dense = False
            self.dense: FloatArray = np.zeros((0, 0))
            self.edges: Edges = _unique(r[keep], p[keep], w[keep], self.n_proposals)
        else:
            dense = np.asarray(scores, dtype=np.float64)
            if dense.ndim != 2:
                raise ValueError("scores must be a 2-D reviewer × proposal array")
            self.n_reviewers, self.n_proposals = (int(n) for n in dense.shape)
            self.is_dense = True
            self.dense = dense
            self.edges = Edges(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        if np.isnan(self.dense).any() or np.isnan(self.edges.w).any():
            raise ValueError("scores must not contain NaN")

    @property
    def size(self) -> int:
        if not self.is_dense:
            return self.edges.size
        return self.n_reviewers * self.n_proposals - int(self.banned.size)

    def weight(self, r: IntArray, p: IntArray) -> tuple[FloatArray, BoolArray]:
        """Scores of the given pairs, and whether each is in the pool (allowed and present)."""
        key = r * self.n_proposals + p
        allowed = ~np.isin(key, self.banned)
        if self.is_dense:
            return self.dense[r, p].astype(np.float64), allowed
        keys = self.edges.keys(self.n_proposals)
        at = np.minimum(np.searchsorted(keys, key), max(keys.size - 1, 0))
        present = (keys[at] == key) if keys.size else np.zeros(key.size, dtype=bool)
        return np.where(present, self.edges.w[at] if keys.size else 0.0, 0.0), present & allowed

    def all(self) -> Edges:
        """Every pair of the pool (materialised: only for small dense inputs or sparse ones)."""
        if not self.is_dense:
            return self.edges
        rr, pp = np.meshgrid(np.arange(self.n_reviewers), np.arange(self.n_proposals), indexing="ij")
        key = (rr * self.n_proposals + pp).ravel()
        keep = ~np.isin(key, self.banned)
        return Edges(r=rr.ravel()[keep], p=pp.ravel()[keep], w=self.dense.ravel()[keep].astype(np.float64))

    def _dense_columns(self, start: int, stop: int) -> FloatArray:
        """Columns ``start:stop`` with forbidden pairs at -inf (a copy of that block only)."""
        block = np.array(self.dense[:, start:stop], dtype=np.float64)
        r, p = np.divmod(self.banned, self.n_proposals)
        inside = (p >= start) & (p < stop)
        block[r[inside], p[inside] - start] = -np.inf
        return block

    def _dense_rows(self, start: int, stop: int) -> FloatArray:
        block = np.array(self.dense[start:stop], dtype=np.float64)
        lo, hi = np.searchsorted(self.banned, [start * self.n_proposals, stop * self.n_proposals])
        r, p = np.divmod(self.banned[lo:hi], self.n_proposals)
        block[r - start, p] = -np.inf
        return block

    def best(self, per_proposal: int, per_reviewer: int) -> Edges:
        """Each proposal's ``per_proposal`` best reviewers and each reviewer's ``per_reviewer`` best proposals."""
        rs: list[IntArray] = []
        ps: list[IntArray] = []
        if not self.is_dense:
            e = self.edges
            for major, minor, k in ((e.p, e.r, per_proposal), (e.r, e.p, per_reviewer)):
                order = np.lexsort((minor, -e.w, major))  # by major, best first
                starts = np.searchsorted(major[order], np.arange(int(major.max(initial=-1)) + 1))
                counts = np.diff(np.append(starts, order.size))
                rank = np.arange(order.size) - np.repeat(starts, counts)
                chosen = order[rank < k]
                rs.append(e.r[chosen])
                ps.append(e.p[chosen])
        else:
            n_r, n_p = self.n_reviewers, self.n_proposals
            step = max(1, BLOCK // max(n_r, 1))
            k = min(per_proposal, n_r)
            for start in range(0, n_p, step) if k > 0 else ():
                block = self._dense_columns(start, min(start + step, n_p))
                top = np.argpartition(-block, k - 1, axis=0)[:k] if k < n_r else np.indices(block.shape)[0]
                cols = np.broadcast_to(np.arange(block.shape[1]), top.shape)
                ok = np.isfinite(block[top, cols])
                rs.append(top[ok].astype(np.int64))
                ps.append((cols[ok] + start).astype(np.int64))
            step = max(1, BLOCK // max(n_p, 1))
            k = min(per_reviewer, n_p)
            for start in range(0, n_r, step) if k > 0 else ():
                block = self._dense_rows(start, min(start + step, n_r))
                top = np.argpartition(-block, k - 1, axis=1)[:, :k] if k < n_p else np.indices(block.shape)[1]
                rows = np.broadcast_to(np.arange(block.shape[0])[:, None], top.shape)
                ok = np.isfinite(block[rows, top])
                rs.append((rows[ok] + start).astype(np.int64))
                ps.append(top[ok].astype(np.int64))
        r = np.concatenate(rs) if rs else np.zeros(0, dtype=np.int64)
        p = np.concatenate(ps) if ps else np.zeros(0, dtype=np.int64)
        w, _ = self.weight(r, p)
        return _unique(r, p, w, self.n_proposals)

    def violators(
        self,
        threshold_r: FloatArray,
        threshold_p: FloatArray,
        *,
        exclude: IntArray,
        limit: int,
        group: BoolArray | None = None,
        group_threshold_p: FloatArray | None = None,
    ) -> Edges:
        """Pairs with ``w[r, p] > threshold_r[r] + threshold_p[p]``, the ``limit`` largest excesses per proposal.

        For reviewers of ``group``, ``group_threshold_p`` replaces ``threshold_p``. Pairs whose
        key is in ``exclude`` (sorted) are skipped.
        """

        def per_pair(r: IntArray, p: IntArray) -> FloatArray:
            if group is None or group_threshold_p is None:
                return threshold_p[p]
            return np.where(group[r], group_threshold_p[p], threshold_p[p])

        rs: list[IntArray] = []
        ps: list[IntArray] = []
        excess: list[FloatArray] = []
        if not self.is_dense:
            e = self.edges
            margin = e.w - threshold_r[e.r] - per_pair(e.r, e.p)
            hit = (margin > 1e-9) & ~np.isin(e.keys(self.n_proposals), exclude)
            rs.append(e.r[hit])
            ps.append(e.p[hit])
            excess.append(margin[hit])
        else:
            n_r, n_p = self.n_reviewers, self.n_proposals
            step = max(1, BLOCK // max(n_r, 1))
            for start in range(0, n_p, step):
                stop = min(start + step, n_p)
                block = self._dense_columns(start, stop)
                block -= threshold_r[:, None]
                if group is None or group_threshold_p is None:
                    block -= threshold_p[None, start:stop]
                else:
                    block -= np.where(
                        group[:, None], group_threshold_p[None, start:stop], threshold_p[None, start:stop]
                    )
                r, p = np.nonzero(block > 1e-9)
                p = p + start
                keep = ~np.isin(r * n_p + p, exclude)
                rs.append(r[keep].astype(np.int64))
                ps.append(p[keep].astype(np.int64))
                excess.append(block[r[keep], p[keep] - start])
        r = np.concatenate(rs) if rs else np.zeros(0, dtype=np.int64)
        p = np.concatenate(ps) if ps else np.zeros(0, dtype=np.int64)
        m = np.concatenate(excess) if excess else np.zeros(0)
        if r.size:
            order = np.lexsort((-m, p))
            starts = np.searchsorted(p[order], np.arange(self.n_proposals))
            rank = np.arange(order.size) - np.repeat(starts, np.diff(np.append(starts, order.size)))
            chosen = order[rank < limit]
            r, p = r[chosen], p[chosen]
        w, _ = self.weight(r, p)
        return _unique(r, p, w, self.n_proposals)

    def eligible(self, usable: BoolArray, group: BoolArray | None) -> tuple[IntArray, IntArray | None]:
        """Per proposal: allowed pairs with a usable reviewer, and those with a usable group member."""
        n_p = self.n_proposals
        if not self.is_dense:
            ok = usable[self.edges.r]
            count = np.bincount(self.edges.p[ok], minlength=n_p).astype(np.int64)
            in_group = (
                np.bincount(self.edges.p[ok & group[self.edges.r]], minlength=n_p).astype(np.int64)
                if group is not None
                else None
            )
            return count, in_group
        br, bp = np.divmod(self.banned, n_p)
        banned_ok = usable[br]
        count = int(usable.sum()) - np.bincount(bp[banned_ok], minlength=n_p).astype(np.int64)
        in_group = None
        if group is not None:
            both = usable & group
            in_group = int(both.sum()) - np.bincount(bp[both[br]], minlength=n_p).astype(np.int64)
        return count, in_group
