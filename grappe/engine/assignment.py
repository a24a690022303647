"""Reviewer assignment: exact, fair, or randomised, under coverage, load and conflict constraints.

The problem: reviewers :math:`r`, proposals :math:`p`, affinities :math:`w_{rp} \\in [0, 1]` on a
set of candidate pairs :math:`E` (every non-forbidden pair of a dense matrix, or the given pairs
of a sparse one), binary :math:`x_{rp}`:

.. math::

    \\sum_r x_{rp} = k_p \\;\\forall p, \\qquad
    l_r \\le \\sum_p x_{rp} \\le u_r \\;\\forall r, \\qquad
    x_{rp} = 1 \\text{ for forced pairs}, \\qquad
    \\sum_{r \\in G} x_{rp} \\ge 1 \\;\\forall p \\text{ (optional group coverage)}.

Objectives:

- ``max-affinity``: maximise :math:`\\sum w x`. Solved exactly as a min-cost flow (OR-Tools);
  lower bounds (minimum loads, forced pairs, group coverage) become arcs with a large bonus,
  checked afterwards.
- ``fair``: maximise the worst proposal's total affinity :math:`\\min_p \\sum_r w_{rp} x_{rp}`,
  then the total among the assignments reaching it. Two MILPs (HiGHS through SciPy) over each
  proposal's best candidates (widened until feasible); the LP relaxation over all pairs is the
  reported bound, so the gap is proven.
- ``randomized`` (Jecmen et al., 2020): maximise :math:`\\sum w x` over fractional
  :math:`0 \\le x \\le q`, then sample an integral assignment whose marginals are exactly that
  fractional solution by dependent rounding (Gandhi et al., 2006). No pair is assigned with
  probability above :math:`q`, which blunts collusion rings and bid manipulation.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from grappe.engine import ENGINE_VERSION
from grappe.engine.types import Infeasible

Objective = Literal["max-affinity", "fair", "randomized"]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
SCALE = 1_000_000  # affinities become integer costs with 6 decimals


@dataclass(frozen=True)
class Assignment:
    """The assigned pairs and the statistics a committee needs to trust them."""

    reviewers: IntArray  # reviewer index of each assigned pair
    proposals: IntArray  # proposal index of each assigned pair
    scores: FloatArray  # affinity of each assigned pair
    objective: str
    total: float
    worst_proposal: int
    worst_total: float
    loads: IntArray
    bound: float  # an upper bound on the objective (LP relaxation); equals it when proved optimal
    gap: float  # (bound - achieved) / bound, 0 when optimal
    solver_seconds: float
    parameters: dict[str, object] = field(default_factory=dict)

    @property
    def mean(self) -> float:
        return float(self.scores.mean()) if self.scores.size else 0.0

    def pairs(self) -> list[tuple[int, int]]:
        return [(int(r), int(p)) for r, p in zip(self.reviewers, self.proposals, strict=True)]

    def summary(self) -> dict[str, object]:
        return {
            "objective": self.objective,
            "total_affinity": round(self.total, 6),
            "mean_affinity": round(self.mean, 6),
            "worst_proposal": self.worst_proposal,
            "worst_proposal_affinity": round(self.worst_total, 6),
            "bound": round(self.bound, 6),
            "gap": round(self.gap, 6),
            "min_load": int(self.loads.min()) if self.loads.size else 0,
            "max_load": int(self.loads.max()) if self.loads.size else 0,
            "pairs": int(self.reviewers.size),
            "solver_seconds": round(self.solver_seconds, 3),
            "engine_version": ENGINE_VERSION,
            **{k: v for k, v in self.parameters.items() if k not in {"objective"}},
        }


@dataclass(frozen=True)
class _Problem:
    n_reviewers: int
    n_proposals: int
    edge_r: IntArray
    edge_p: IntArray
    edge_w: FloatArray
    forced: npt.NDArray[np.bool_]
    demand: IntArray
    min_load: IntArray
    max_load: IntArray
    group: npt.NDArray[np.bool_] | None  # reviewers in the coverage group


def _per(value: int | Sequence[int] | IntArray, size: int, name: str) -> IntArray:
    array = np.full(size, value, dtype=np.int64) if np.isscalar(value) else np.asarray(value, dtype=np.int64)
    if array.shape != (size,):
        raise ValueError(f"{name} must be one number or one per item ({size})")
    if (array < 0).any():
        raise ValueError(f"{name} must not be negative")
    return array


def _build(
    scores: FloatArray | sparse.spmatrix | sparse.sparray,
    *,
    reviews_per_proposal: int | Sequence[int],
    max_load: int | Sequence[int],
    min_load: int | Sequence[int],
    forbidden: Iterable[tuple[int, int]],
    forced: Iterable[tuple[int, int]],
    group: Sequence[int] | None,
) -> _Problem:
    if sparse.issparse(scores):
        coo = sparse.coo_array(scores)
        n_r, n_p = coo.shape
        edge_r, edge_p, edge_w = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data.astype(np.float64)
    else:
        dense = np.asarray(scores, dtype=np.float64)
        if dense.ndim != 2:
            raise ValueError("scores must be a 2-D reviewer × proposal array")
        n_r, n_p = dense.shape
        rr, pp = np.meshgrid(np.arange(n_r), np.arange(n_p), indexing="ij")
        edge_r, edge_p, edge_w = rr.ravel().astype(np.int64), pp.ravel().astype(np.int64), dense.ravel()
    if np.isnan(edge_w).any():
        raise ValueError("scores must not contain NaN")
    key = edge_r * n_p + edge_p
    banned = {r * n_p + p for r, p in forbidden}
    must = {r * n_p + p for r, p in forced}
    clash = banned & must
    if clash:
        r, p = divmod(min(clash), n_p)
        raise Infeasible(f"pair (reviewer {r}, proposal {p}) is both forced and forbidden")
    keep = ~np.isin(key, np.fromiter(banned, dtype=np.int64, count=len(banned))) if banned else np.ones(key.size, bool)
    edge_r, edge_p, edge_w, key = edge_r[keep], edge_p[keep], edge_w[keep], key[keep]
    missing = must - set(key.tolist())
    if missing:  # a forced pair absent from a sparse candidate set joins it with affinity 0
        extra = np.array(sorted(missing), dtype=np.int64)
        edge_r = np.concatenate([edge_r, extra // n_p])
        edge_p = np.concatenate([edge_p, extra % n_p])
        edge_w = np.concatenate([edge_w, np.zeros(extra.size)])
        key = np.concatenate([key, extra])
    order = np.argsort(key, kind="stable")
    edge_r, edge_p, edge_w, key = edge_r[order], edge_p[order], edge_w[order], key[order]
    forced_mask = np.isin(key, np.fromiter(must, dtype=np.int64, count=len(must))) if must else np.zeros(key.size, bool)
    group_mask = None
    if group is not None:
        group_mask = np.zeros(n_r, dtype=bool)
        group_mask[list(group)] = True
    return _Problem(
        n_reviewers=n_r,
        n_proposals=n_p,
        edge_r=edge_r,
        edge_p=edge_p,
        edge_w=edge_w,
        forced=forced_mask,
        demand=_per(reviews_per_proposal, n_p, "reviews_per_proposal"),
        min_load=_per(min_load, n_r, "min_load"),
        max_load=_per(max_load, n_r, "max_load"),
        group=group_mask,
    )


def _check(problem: _Problem) -> None:
    """Raise Infeasible with the first cause found by counting (before any solver runs)."""
    if (problem.min_load > problem.max_load).any():
        r = int(np.flatnonzero(problem.min_load > problem.max_load)[0])
        raise Infeasible(f"reviewer {r} has a minimum load above their maximum load")
    usable = problem.max_load[problem.edge_r] > 0
    eligible = np.bincount(problem.edge_p[usable], minlength=problem.n_proposals)
    short = np.flatnonzero(eligible < problem.demand)
    if short.size:
        p = int(short[0])
        raise Infeasible(f"proposal {p} has {int(eligible[p])} eligible reviewers, needs {int(problem.demand[p])}")
    needed, capacity = int(problem.demand.sum()), int(problem.max_load.sum())
    if capacity < needed:
        raise Infeasible(f"reviewers can take {capacity} reviews in all, {needed} are needed")
    if int(problem.min_load.sum()) > needed:
        raise Infeasible(f"minimum loads add up to {int(problem.min_load.sum())} reviews, only {needed} are needed")
    forced_r = np.bincount(problem.edge_r[problem.forced], minlength=problem.n_reviewers)
    forced_p = np.bincount(problem.edge_p[problem.forced], minlength=problem.n_proposals)
    if (forced_r > problem.max_load).any():
        r = int(np.flatnonzero(forced_r > problem.max_load)[0])
        raise Infeasible(f"reviewer {r} has {int(forced_r[r])} forced proposals, above their maximum load")
    if (forced_p > problem.demand).any():
        p = int(np.flatnonzero(forced_p > problem.demand)[0])
        raise Infeasible(f"proposal {p} has {int(forced_p[p])} forced reviewers, more than it needs")
    if problem.group is not None:
        in_group = problem.group[problem.edge_r] & usable
        covered = np.bincount(problem.edge_p[in_group], minlength=problem.n_proposals)
        lacking = np.flatnonzero((covered == 0) & (problem.demand > 0))
        if lacking.size:
            raise Infeasible(f"proposal {int(lacking[0])} has no eligible reviewer from the required group")


def _result(
    problem: _Problem,
    chosen: npt.NDArray[np.bool_],
    *,
    objective: str,
    bound: float,
    seconds: float,
    params: dict[str, object],
) -> Assignment:
    r, p, w = problem.edge_r[chosen], problem.edge_p[chosen], problem.edge_w[chosen]
    per_proposal = np.bincount(p, weights=w, minlength=problem.n_proposals)
    loads = np.bincount(r, minlength=problem.n_reviewers).astype(np.int64)
    total = float(w.sum())
    worst = int(np.argmin(per_proposal)) if problem.n_proposals else -1
    worst_total = float(per_proposal[worst]) if problem.n_proposals else 0.0
    achieved = worst_total if objective == "fair" else total
    gap = max(0.0, (bound - achieved) / bound) if bound > 1e-12 else 0.0
    return Assignment(
        reviewers=r,
        proposals=p,
        scores=w,
        objective=objective,
        total=total,
        worst_proposal=worst,
        worst_total=worst_total,
        loads=loads,
        bound=bound,
        gap=gap,
        solver_seconds=seconds,
        parameters=params,
    )


def _verify(problem: _Problem, chosen: npt.NDArray[np.bool_]) -> None:
    """Raise Infeasible if a solver's answer breaks a constraint (lower bounds it could not meet)."""
    per_p = np.bincount(problem.edge_p[chosen], minlength=problem.n_proposals)
    per_r = np.bincount(problem.edge_r[chosen], minlength=problem.n_reviewers)
    if (per_p != problem.demand).any():
        p = int(np.flatnonzero(per_p != problem.demand)[0])
        raise Infeasible(f"proposal {p} cannot get {int(problem.demand[p])} reviewers under these loads")
    if (per_r < problem.min_load).any():
        r = int(np.flatnonzero(per_r < problem.min_load)[0])
        raise Infeasible(f"reviewer {r} cannot reach their minimum load of {int(problem.min_load[r])}")
    if (problem.forced & ~chosen).any():
        e = int(np.flatnonzero(problem.forced & ~chosen)[0])
        raise Infeasible(
            f"forced pair (reviewer {int(problem.edge_r[e])}, proposal {int(problem.edge_p[e])}) cannot be kept"
        )
    if problem.group is not None:
        covered = np.bincount(problem.edge_p[chosen & problem.group[problem.edge_r]], minlength=problem.n_proposals)
        lacking = np.flatnonzero((covered == 0) & (problem.demand > 0))
        if lacking.size:
            raise Infeasible(f"proposal {int(lacking[0])} cannot get a reviewer from the required group")


def _max_affinity_flow(problem: _Problem) -> npt.NDArray[np.bool_]:
    from ortools.graph.python import min_cost_flow

    n_r, n_p = problem.n_reviewers, problem.n_proposals
    needed = int(problem.demand.sum())
    big = (needed + 1) * SCALE  # outweighs any affinity total: lower bounds come first
    source, sink = 0, 1 + n_r + 2 * n_p
    reviewer = 1 + np.arange(n_r)
    proposal = 1 + n_r + np.arange(n_p)
    slot = 1 + n_r + n_p + np.arange(n_p)  # group members reach the proposal through its group slot
    tails: list[IntArray] = []
    heads: list[IntArray] = []
    caps: list[IntArray] = []
    costs: list[IntArray] = []

    def arcs(t: npt.NDArray[Any], h: npt.NDArray[Any], c: npt.NDArray[Any], cost: npt.NDArray[Any]) -> None:
        tails.append(t.astype(np.int64))
        heads.append(h.astype(np.int64))
        caps.append(c.astype(np.int64))
        costs.append(cost.astype(np.int64))

    zeros_r = np.zeros(n_r, dtype=np.int64)
    arcs(np.full(n_r, source), reviewer, problem.min_load, zeros_r - 2 * big)
    arcs(np.full(n_r, source), reviewer, problem.max_load - problem.min_load, zeros_r)
    edge_cost = -np.rint(problem.edge_w * SCALE).astype(np.int64) - np.where(problem.forced, 4 * big, 0)
    edge_head = proposal[problem.edge_p]
    if problem.group is not None:
        edge_head = np.where(problem.group[problem.edge_r], slot[problem.edge_p], edge_head)
        has_demand = problem.demand > 0
        arcs(
            slot[has_demand], proposal[has_demand], np.ones(int(has_demand.sum())), np.full(int(has_demand.sum()), -big)
        )
        arcs(slot, proposal, np.maximum(problem.demand - 1, 0), np.zeros(n_p))
    arcs(reviewer[problem.edge_r], edge_head, np.ones(problem.edge_r.size), edge_cost)
    arcs(proposal, np.full(n_p, sink), problem.demand, np.zeros(n_p))
    solver = min_cost_flow.SimpleMinCostFlow()
    t, h = np.concatenate(tails), np.concatenate(heads)
    first_edge_arc = int(sum(a.size for a in tails[: len(tails) - 2]))
    solver.add_arcs_with_capacity_and_unit_cost(t, h, np.concatenate(caps), np.concatenate(costs))
    solver.set_nodes_supplies(np.array([source, sink]), np.array([needed, -needed]))
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise Infeasible("no assignment covers every proposal under these loads")
    flows = solver.flows(np.arange(first_edge_arc, first_edge_arc + problem.edge_r.size))
    return np.asarray(flows) > 0


def _lp_matrices(problem: _Problem) -> tuple[sparse.csr_array, sparse.csr_array]:
    m = problem.edge_r.size
    cols = np.arange(m)
    by_p = sparse.csr_array((np.ones(m), (problem.edge_p, cols)), shape=(problem.n_proposals, m))
    by_r = sparse.csr_array((np.ones(m), (problem.edge_r, cols)), shape=(problem.n_reviewers, m))
    return by_p, by_r


def _base_constraints(problem: _Problem, extra_columns: int = 0) -> list[LinearConstraint]:
    by_p, by_r = _lp_matrices(problem)
    pad_p = sparse.csr_array((problem.n_proposals, extra_columns)) if extra_columns else None
    pad_r = sparse.csr_array((problem.n_reviewers, extra_columns)) if extra_columns else None
    a_p = sparse.hstack([by_p, pad_p]).tocsr() if extra_columns else by_p
    a_r = sparse.hstack([by_r, pad_r]).tocsr() if extra_columns else by_r
    constraints = [
        LinearConstraint(a_p, problem.demand, problem.demand),
        LinearConstraint(a_r, problem.min_load, problem.max_load),
    ]
    if problem.group is not None:
        in_group = problem.group[problem.edge_r].astype(float)
        a_g = sparse.csr_array((in_group, (problem.edge_p, np.arange(problem.edge_r.size))), shape=by_p.shape)
        if extra_columns:
            a_g = sparse.hstack([a_g, pad_p]).tocsr()
        lower = (problem.demand > 0).astype(float)
        constraints.append(LinearConstraint(a_g, lower, np.inf))
    return constraints


class _OutOfTime(Infeasible):
    """The solver ran out of time before finding any solution (not a proof of infeasibility)."""


def _prune(problem: _Problem, per_proposal: int) -> _Problem:
    """Keep each proposal's ``per_proposal`` best candidates, forced pairs and group members' best."""
    keep = problem.forced.copy()
    order = np.lexsort((-problem.edge_w, problem.edge_p))  # by proposal, best first
    starts = np.searchsorted(problem.edge_p[order], np.arange(problem.n_proposals))
    rank = np.arange(order.size) - np.repeat(starts, np.diff(np.append(starts, order.size)))
    keep[order[rank < per_proposal]] = True
    if problem.group is not None:
        in_group = problem.group[problem.edge_r[order]]
        group_rank = np.zeros(order.size, dtype=np.int64)
        for p in range(problem.n_proposals):  # the best few group members of each proposal
            span = slice(starts[p], starts[p + 1] if p + 1 < problem.n_proposals else order.size)
            group_rank[span] = np.cumsum(in_group[span]) * in_group[span]
        keep[order[(group_rank > 0) & (group_rank <= 3)]] = True
    return _Problem(
        n_reviewers=problem.n_reviewers,
        n_proposals=problem.n_proposals,
        edge_r=problem.edge_r[keep],
        edge_p=problem.edge_p[keep],
        edge_w=problem.edge_w[keep],
        forced=problem.forced[keep],
        demand=problem.demand,
        min_load=problem.min_load,
        max_load=problem.max_load,
        group=problem.group,
    )


def _fair(problem: _Problem, time_limit: float, gap: float) -> tuple[npt.NDArray[np.bool_], float]:
    """Max-min on a candidate graph of each proposal's best reviewers, widened until feasible.

    The bound is the LP relaxation over *all* candidate pairs, so the reported gap is proven.
    """
    bound = _fair_lp_bound(problem, time_limit)
    width = max(4 * int(problem.demand.max(initial=1)), 12)
    while True:
        pruned = _prune(problem, width) if width < problem.n_reviewers else problem
        try:
            chosen_pruned = _fair_milp(pruned, time_limit, gap)
        except _OutOfTime:
            raise
        except Infeasible:
            if pruned is problem:
                raise
            width *= 2
            continue
        key_all = problem.edge_r * problem.n_proposals + problem.edge_p
        key_kept = pruned.edge_r[chosen_pruned] * problem.n_proposals + pruned.edge_p[chosen_pruned]
        return np.isin(key_all, key_kept), bound


def _fair_lp_bound(problem: _Problem, time_limit: float) -> float:
    """An upper bound on the best worst-proposal total: the LP relaxation over all pairs.

    Solved by HiGHS's interior-point method within ``time_limit``; past it, the weaker but
    instant bound "each proposal's ``k`` best candidates" is returned instead.
    """
    m = problem.edge_r.size
    by_p, by_r = _lp_matrices(problem)
    weighted = sparse.csr_array((problem.edge_w, (problem.edge_p, np.arange(m))), shape=by_p.shape)
    ones = sparse.csr_array(np.ones((problem.n_proposals, 1)))
    a_ub = sparse.vstack(
        [
            sparse.hstack([-weighted, ones]),
            sparse.hstack([by_r, sparse.csr_array((problem.n_reviewers, 1))]),
            sparse.hstack([-by_r, sparse.csr_array((problem.n_reviewers, 1))]),
        ]
    ).tocsr()
    b_ub = np.concatenate([np.zeros(problem.n_proposals), problem.max_load, -problem.min_load]).astype(float)
    a_eq = sparse.hstack([by_p, sparse.csr_array((problem.n_proposals, 1))]).tocsr()
    c = np.zeros(m + 1)
    c[-1] = -1.0
    bounds = np.column_stack([np.append(problem.forced.astype(float), 0.0), np.append(np.ones(m), np.inf)])
    result = linprog(
        c,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=problem.demand.astype(float),
        bounds=bounds,
        method="highs-ipm",
        options={"time_limit": time_limit},
    )
    if result.status == 2:
        raise Infeasible("no fractional assignment meets the constraints")
    if result.status == 0:
        return float(-result.fun)
    best = np.zeros(problem.n_proposals)
    order = np.lexsort((-problem.edge_w, problem.edge_p))
    starts = np.searchsorted(problem.edge_p[order], np.arange(problem.n_proposals))
    for p in range(problem.n_proposals):
        span = order[starts[p] : starts[p + 1] if p + 1 < problem.n_proposals else order.size]
        best[p] = problem.edge_w[span[: int(problem.demand[p])]].sum()
    return float(best.min())


def _fair_milp(problem: _Problem, time_limit: float, gap: float) -> npt.NDArray[np.bool_]:
    m = problem.edge_r.size
    low = problem.forced.astype(float)
    by_p, _ = _lp_matrices(problem)
    weighted = sparse.csr_array((problem.edge_w, (problem.edge_p, np.arange(m))), shape=by_p.shape)
    # Stage 1: maximise t subject to every proposal's total >= t.
    a_t = sparse.hstack([weighted, sparse.csr_array(-np.ones((problem.n_proposals, 1)))]).tocsr()
    constraints = [*_base_constraints(problem, extra_columns=1), LinearConstraint(a_t, 0, np.inf)]
    c = np.zeros(m + 1)
    c[-1] = -1.0
    bounds = Bounds(np.append(low, 0.0), np.append(np.ones(m), np.inf))
    integrality = np.append(np.ones(m), 0)
    stage1 = milp(
        c,
        constraints=constraints,
        bounds=bounds,
        integrality=integrality,
        options={"time_limit": time_limit, "mip_rel_gap": gap},
    )
    if stage1.status == 2:
        raise Infeasible("no assignment meets the constraints")
    if stage1.x is None:
        raise _OutOfTime("the fair assignment found no integral solution in the time allowed")
    worst = float(stage1.x[-1])
    # Stage 2: the best total among assignments whose worst proposal reaches ``worst``.
    floor = max(worst - 1e-7, 0.0)
    constraints2 = [*_base_constraints(problem), LinearConstraint(weighted, floor, np.inf)]
    stage2 = milp(
        -problem.edge_w,
        constraints=constraints2,
        bounds=Bounds(low, np.ones(m)),
        integrality=np.ones(m),
        options={"time_limit": time_limit, "mip_rel_gap": gap},
    )
    x = stage2.x if stage2.x is not None else stage1.x[:m]
    return np.asarray(x) > 0.5


def _fractional(problem: _Problem, q: float) -> tuple[FloatArray, float]:
    upper = np.where(problem.forced, 1.0, q)
    constraints = _base_constraints(problem)
    a_eq, b_eq = constraints[0].A, constraints[0].lb
    a_ub = sparse.vstack([constraints[1].A, -constraints[1].A]).tocsr()
    b_ub = np.concatenate([problem.max_load, -problem.min_load]).astype(float)
    result = linprog(
        -problem.edge_w,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=np.column_stack([problem.forced.astype(float), upper]),
        method="highs",
    )
    if result.status != 0:
        raise Infeasible(f"no assignment keeps every pair's probability at or below q = {q}")
    x = np.clip(result.x, 0.0, 1.0)
    x[x < 1e-9] = 0.0
    x[x > 1 - 1e-9] = 1.0
    return x, float(-result.fun)


def dependent_rounding(x: FloatArray, edge_r: IntArray, edge_p: IntArray, *, seed: int | None) -> npt.NDArray[np.bool_]:
    """Round bipartite fractional ``x`` to 0/1 keeping every marginal and every integral degree.

    Gandhi, Khuller, Parthasarathy and Srinivasan (2006): repeatedly take a cycle or a maximal
    path of fractional edges, split it into two alternating matchings, and shift weight between
    them with the probabilities that keep each edge's expectation. Proposal degrees (integers)
    are kept exactly; reviewer degrees end at the floor or the ceiling of their fractional load.
    """
    rng = np.random.default_rng(seed)
    x = x.astype(np.float64).copy()
    eps = 1e-9
    adjacency: dict[tuple[int, int], set[int]] = {}
    fractional = np.flatnonzero((x > eps) & (x < 1 - eps))
    for index in fractional.tolist():
        for node in ((0, int(edge_r[index])), (1, int(edge_p[index]))):
            adjacency.setdefault(node, set()).add(index)

    def other(e: int, node: tuple[int, int]) -> tuple[int, int]:
        return (1, int(edge_p[e])) if node[0] == 0 else (0, int(edge_r[e]))

    def drop(e: int) -> None:
        for node in ((0, int(edge_r[e])), (1, int(edge_p[e]))):
            edges = adjacency.get(node)
            if edges is not None:
                edges.discard(e)
                if not edges:
                    del adjacency[node]

    while adjacency:
        start = min((n for n, es in adjacency.items() if len(es) == 1), default=min(adjacency))
        path: list[int] = []
        seen = {start: 0}
        node = start
        while True:
            choices = sorted(adjacency.get(node, set()) - set(path[-1:]))
            if not choices:
                break
            e = choices[0]
            path.append(e)
            node = other(e, node)
            if node in seen:  # a cycle: keep only its edges
                path = path[seen[node] :]
                break
            seen[node] = len(path)
        even, odd = np.array(path[0::2], dtype=np.int64), np.array(path[1::2], dtype=np.int64)
        alpha = min(np.min(1 - x[even]) if even.size else np.inf, np.min(x[odd]) if odd.size else np.inf)
        beta = min(np.min(x[even]) if even.size else np.inf, np.min(1 - x[odd]) if odd.size else np.inf)
        if rng.random() < beta / (alpha + beta):
            x[even] += alpha
            x[odd] -= alpha
        else:
            x[even] -= beta
            x[odd] += beta
        for edge in path:
            if x[edge] <= eps or x[edge] >= 1 - eps:
                x[edge] = 0.0 if x[edge] <= eps else 1.0
                drop(edge)
    return x > 0.5


def assign_reviewers(
    scores: FloatArray | sparse.spmatrix | sparse.sparray,
    *,
    reviews_per_proposal: int | Sequence[int],
    max_load: int | Sequence[int],
    min_load: int | Sequence[int] = 0,
    forbidden: Iterable[tuple[int, int]] = (),
    forced: Iterable[tuple[int, int]] = (),
    group: Sequence[int] | None = None,
    objective: Objective = "max-affinity",
    q: float = 0.5,
    seed: int | None = None,
    time_limit: float = 60.0,
    mip_gap: float = 1e-4,
) -> Assignment:
    """Assign reviewers to proposals; see the module docstring for the formulation.

    ``scores`` is a dense reviewer × proposal array or a SciPy sparse matrix whose stored
    entries are the candidate pairs. ``forbidden`` and ``forced`` are ``(reviewer, proposal)``
    index pairs; ``group`` lists the reviewers of which each proposal needs at least one (not
    with ``randomized``). Raises :class:`Infeasible` naming the cause.

    >>> import numpy as np
    >>> a = assign_reviewers(np.array([[0.9, 0.1], [0.2, 0.8]]), reviews_per_proposal=1, max_load=1)
    >>> a.pairs()
    [(0, 0), (1, 1)]
    """
    started = time.perf_counter()
    problem = _build(
        scores,
        reviews_per_proposal=reviews_per_proposal,
        max_load=max_load,
        min_load=min_load,
        forbidden=forbidden,
        forced=forced,
        group=group,
    )
    _check(problem)
    params: dict[str, object] = {"objective": objective, "seed": seed}
    if objective == "max-affinity":
        chosen = _max_affinity_flow(problem)
        _verify(problem, chosen)
        bound = float(problem.edge_w[chosen].sum())  # min-cost flow is exact
    elif objective == "fair":
        chosen, bound = _fair(problem, time_limit, mip_gap)
        _verify(problem, chosen)
        params.update(time_limit=time_limit, mip_gap=mip_gap)
    elif objective == "randomized":
        if group is not None:
            raise ValueError("group coverage is not available with the randomized objective")
        if not 0 < q <= 1:
            raise ValueError("q must lie in (0, 1]")
        marginals, bound = _fractional(problem, q)
        chosen = dependent_rounding(marginals, problem.edge_r, problem.edge_p, seed=seed)
        _verify(problem, chosen)
        params.update(q=q)
    else:
        raise ValueError(f"unknown objective {objective!r}")
    return _result(
        problem, chosen, objective=objective, bound=bound, seconds=time.perf_counter() - started, params=params
    )
