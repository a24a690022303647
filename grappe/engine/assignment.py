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
  then the total among the assignments reaching it. Two MILPs (HiGHS through SciPy) on tiny
  instances, reweighted max-affinity flows beyond; the LP relaxation over all pairs is the
  reported bound, so the gap is proven.
- ``randomized`` (Jecmen et al., 2020): maximise :math:`\\sum w x` over fractional
  :math:`0 \\le x \\le q` (exactly, as a min-cost flow with scaled capacities), then sample an
  integral assignment whose marginals are exactly that fractional solution by dependent rounding
  (Gandhi et al., 2006). No pair is assigned with probability above :math:`q`, which blunts
  collusion rings and bid manipulation.

Large instances are solved on a candidate graph with pricing; see :mod:`grappe.engine.candidates`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse

from grappe.engine import ENGINE_VERSION
from grappe.engine.candidates import Edges, Pool
from grappe.engine.types import Infeasible

if TYPE_CHECKING:
    from scipy.optimize import LinearConstraint

Objective = Literal["max-affinity", "fair", "randomized"]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
SCALE = 1_000_000  # affinities become integer costs with 6 decimals
MILP_EDGES = 2_000  # fair: MILP up to this many candidate pairs, reweighted flows beyond
FULL_GRAPH_PAIRS = 250_000  # above this many allowed pairs, solve on a candidate graph and price the rest


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


@dataclass(frozen=True)
class _Spec:
    """The constraints, independent of which pairs are candidates."""

    forced: IntArray  # keys r * n_proposals + p
    demand: IntArray
    min_load: IntArray
    max_load: IntArray
    group: npt.NDArray[np.bool_] | None

    def problem(self, pool: Pool, edges: Edges) -> _Problem:
        """The problem restricted to ``edges`` plus the forced pairs (affinity 0 if absent from the pool)."""
        n_p = pool.n_proposals
        r, p, w = edges.r, edges.p, edges.w
        if self.forced.size:
            fr, fp = np.divmod(self.forced, n_p)
            fw, present = pool.weight(fr, fp)
            r, p = np.concatenate([r, fr]), np.concatenate([p, fp])
            w = np.concatenate([w, np.where(present, fw, 0.0)])
        key, index = np.unique(r * n_p + p, return_index=True)
        return _Problem(
            n_reviewers=pool.n_reviewers,
            n_proposals=n_p,
            edge_r=r[index],
            edge_p=p[index],
            edge_w=w[index],
            forced=np.isin(key, self.forced) if self.forced.size else np.zeros(key.size, dtype=bool),
            demand=self.demand,
            min_load=self.min_load,
            max_load=self.max_load,
            group=self.group,
        )


def _keys(pairs: Iterable[tuple[int, int]], n_r: int, n_p: int, name: str) -> IntArray:
    array = np.array([(int(r), int(p)) for r, p in pairs], dtype=np.int64).reshape(-1, 2)
    if array.size and (
        (array[:, 0] < 0).any() or (array[:, 0] >= n_r).any() or (array[:, 1] < 0).any() or (array[:, 1] >= n_p).any()
    ):
        raise ValueError(f"{name} pairs must be (reviewer, proposal) indices within the scores' shape")
    return np.unique(array[:, 0] * n_p + array[:, 1])


def _check_pool(pool: Pool, spec: _Spec) -> None:
    """Raise Infeasible with the first cause found by counting (before any solver runs)."""
    forced, demand, min_load, max_load, group = spec.forced, spec.demand, spec.min_load, spec.max_load, spec.group
    n_r, n_p = pool.n_reviewers, pool.n_proposals
    if (min_load > max_load).any():
        r = int(np.flatnonzero(min_load > max_load)[0])
        raise Infeasible(f"reviewer {r} has a minimum load above their maximum load")
    usable = max_load > 0
    eligible, in_group = pool.eligible(usable, group)
    if forced.size:  # forced pairs absent from a sparse pool join it
        fr, fp = np.divmod(forced, n_p)
        _w, present = pool.weight(fr, fp)
        extra = ~present & usable[fr]
        eligible = eligible + np.bincount(fp[extra], minlength=n_p)
        if in_group is not None and group is not None:
            in_group = in_group + np.bincount(fp[extra & group[fr]], minlength=n_p)
    short = np.flatnonzero(eligible < demand)
    if short.size:
        p = int(short[0])
        raise Infeasible(f"proposal {p} has {int(eligible[p])} eligible reviewers, needs {int(demand[p])}")
    needed, capacity = int(demand.sum()), int(max_load.sum())
    if capacity < needed:
        raise Infeasible(f"reviewers can take {capacity} reviews in all, {needed} are needed")
    if int(min_load.sum()) > needed:
        raise Infeasible(f"minimum loads add up to {int(min_load.sum())} reviews, only {needed} are needed")
    fr, fp = np.divmod(forced, n_p)
    forced_r = np.bincount(fr, minlength=n_r)
    forced_p = np.bincount(fp, minlength=n_p)
    if (forced_r > max_load).any():
        r = int(np.flatnonzero(forced_r > max_load)[0])
        raise Infeasible(f"reviewer {r} has {int(forced_r[r])} forced proposals, above their maximum load")
    if (forced_p > demand).any():
        p = int(np.flatnonzero(forced_p > demand)[0])
        raise Infeasible(f"proposal {p} has {int(forced_p[p])} forced reviewers, more than it needs")
    if in_group is not None:
        lacking = np.flatnonzero((in_group == 0) & (demand > 0))
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


def _verify(problem: _Problem, x: npt.NDArray[Any]) -> None:
    """Raise Infeasible if a solver's answer ``x`` (0/1 or fractional per edge) breaks a constraint."""
    x = np.asarray(x, dtype=np.float64)
    tol = 1e-7
    per_p = np.bincount(problem.edge_p, weights=x, minlength=problem.n_proposals)
    per_r = np.bincount(problem.edge_r, weights=x, minlength=problem.n_reviewers)
    if (np.abs(per_p - problem.demand) > tol).any():
        p = int(np.flatnonzero(np.abs(per_p - problem.demand) > tol)[0])
        raise Infeasible(f"proposal {p} cannot get {int(problem.demand[p])} reviewers under these loads")
    if (per_r < problem.min_load - tol).any():
        r = int(np.flatnonzero(per_r < problem.min_load - tol)[0])
        raise Infeasible(f"reviewer {r} cannot reach their minimum load of {int(problem.min_load[r])}")
    if (problem.forced & (x < 1 - tol)).any():
        e = int(np.flatnonzero(problem.forced & (x < 1 - tol))[0])
        raise Infeasible(
            f"forced pair (reviewer {int(problem.edge_r[e])}, proposal {int(problem.edge_p[e])}) cannot be kept"
        )
    if problem.group is not None:
        in_group = problem.group[problem.edge_r]
        covered = np.bincount(problem.edge_p, weights=x * in_group, minlength=problem.n_proposals)
        lacking = np.flatnonzero((covered < 1 - tol) & (problem.demand > 0))
        if lacking.size:
            raise Infeasible(f"proposal {int(lacking[0])} cannot get a reviewer from the required group")


@dataclass(frozen=True)
class _Flow:
    flow: IntArray  # units on each candidate edge (0 or 1 unless scaled)
    potential: IntArray  # shortest-path distances in the residual graph (dual prices)
    reviewer_node: IntArray
    proposal_node: IntArray
    slot_node: IntArray


def _potentials(
    tails: IntArray, heads: IntArray, *, costs: IntArray, caps: IntArray, flows: IntArray, n: int
) -> IntArray:
    """Distances from a virtual root to every node of the residual graph (Bellman–Ford, vectorised).

    The flow is optimal, so the residual graph has no negative cycle and the distances exist; they
    satisfy ``d[head] <= d[tail] + cost`` on every residual arc, which makes them dual prices.
    """
    t = np.concatenate([tails[flows < caps], heads[flows > 0]])
    h = np.concatenate([heads[flows < caps], tails[flows > 0]])
    c = np.concatenate([costs[flows < caps], -costs[flows > 0]])
    order = np.argsort(h, kind="stable")
    t, h, c = t[order], h[order], c[order]
    targets, starts = np.unique(h, return_index=True)
    d = np.zeros(n, dtype=np.int64)
    for _ in range(n + 1):
        best = np.minimum.reduceat(d[t] + c, starts) if t.size else np.zeros(0, dtype=np.int64)
        improved = best < d[targets]
        if not improved.any():
            return d
        d[targets[improved]] = best[improved]
    raise RuntimeError("negative cycle in the residual graph: the flow was not optimal")


def _max_affinity_flow(problem: _Problem, *, scale: int = 1, cap: int = 1) -> _Flow:
    """Maximum affinity as a min-cost flow; with ``scale`` D and ``cap`` a, the fractional
    problem where each pair carries at most a/D (every count multiplied by D, the flow divided
    by D afterwards: the flow polytope is integral, so this is the LP's exact optimum)."""
    from ortools.graph.python import min_cost_flow

    n_r, n_p = problem.n_reviewers, problem.n_proposals
    needed = int(problem.demand.sum()) * scale
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
    arcs(np.full(n_r, source), reviewer, problem.min_load * scale, zeros_r - 2 * big)
    arcs(np.full(n_r, source), reviewer, (problem.max_load - problem.min_load) * scale, zeros_r)
    edge_cost = -np.rint(problem.edge_w * SCALE).astype(np.int64) - np.where(problem.forced, 4 * big, 0)
    edge_head = proposal[problem.edge_p]
    if problem.group is not None:
        edge_head = np.where(problem.group[problem.edge_r], slot[problem.edge_p], edge_head)
        has_demand = problem.demand > 0
        arcs(
            slot[has_demand],
            proposal[has_demand],
            np.full(int(has_demand.sum()), scale),
            np.full(int(has_demand.sum()), -big),
        )
        arcs(slot, proposal, np.maximum(problem.demand - 1, 0) * scale, np.zeros(n_p))
    arcs(reviewer[problem.edge_r], edge_head, np.where(problem.forced, scale, cap), edge_cost)
    arcs(proposal, np.full(n_p, sink), problem.demand * scale, np.zeros(n_p))
    solver = min_cost_flow.SimpleMinCostFlow()
    t, h = np.concatenate(tails), np.concatenate(heads)
    first_edge_arc = int(sum(a.size for a in tails[: len(tails) - 2]))
    solver.add_arcs_with_capacity_and_unit_cost(t, h, np.concatenate(caps), np.concatenate(costs))
    solver.set_nodes_supplies(np.array([source, sink]), np.array([needed, -needed]))
    status = solver.solve()
    if status == solver.BAD_COST_RANGE:
        raise ValueError("the instance is too large for integer costs at this precision")
    if status != solver.OPTIMAL:
        raise Infeasible("no assignment covers every proposal under these loads")
    all_flows = np.asarray(solver.flows(np.arange(t.size)), dtype=np.int64)
    flow = all_flows[first_edge_arc : first_edge_arc + problem.edge_r.size]
    potential = _potentials(t, h, costs=np.concatenate(costs), caps=np.concatenate(caps), flows=all_flows, n=sink + 1)
    return _Flow(flow=flow, potential=potential, reviewer_node=reviewer, proposal_node=proposal, slot_node=slot)


def _per_reviewer(width: int, needed: int, n_reviewers: int) -> int:
    """Each reviewer's share of a candidate graph ``width`` reviewers wide per proposal."""
    return max(1, -(-width * needed // max(n_reviewers, 1)))


def _max_affinity(
    pool: Pool, spec: _Spec, *, candidate_width: int | None, scale: int = 1, cap: int = 1
) -> tuple[_Problem, FloatArray, int]:
    """Exact maximum affinity over the whole pool, solved on a candidate graph.

    Solve on each proposal's and each reviewer's best pairs; read the dual prices off the
    residual graph; add every left-out pair whose reduced cost is negative and solve again, until
    there is none, which proves the solution optimal over the whole pool. A candidate graph too
    thin to be feasible is widened (doubled) until it is. Returns the problem solved, the chosen
    edges (``x``, fractional when ``cap / scale`` < 1) and the number of rounds.
    """
    if candidate_width is None and pool.size <= FULL_GRAPH_PAIRS:
        problem = spec.problem(pool, pool.all())
        x = _max_affinity_flow(problem, scale=scale, cap=cap).flow / scale
        _verify(problem, x)
        return problem, x, 1
    k_max = int(spec.demand.max(initial=1))
    default = max(3 * k_max, 8) if cap == scale else max(int(np.ceil(2 * k_max * scale / cap)), 8)
    width = candidate_width if candidate_width is not None else default
    needed = int(spec.demand.sum())
    edges = pool.best(width, _per_reviewer(width, needed, pool.n_reviewers))
    rounds = 0
    while True:
        rounds += 1
        problem = spec.problem(pool, edges)
        try:
            flow = _max_affinity_flow(problem, scale=scale, cap=cap)
            x = flow.flow / scale
            _verify(problem, x)
        except Infeasible:
            if edges.size >= pool.size:
                raise
            width *= 2
            edges = pool.best(width, _per_reviewer(width, needed, pool.n_reviewers))
            continue
        d = flow.potential.astype(np.float64)
        half = 0.5 / SCALE
        extra = pool.violators(
            d[flow.reviewer_node] / SCALE,
            -d[flow.proposal_node] / SCALE + half,
            exclude=problem.edge_r * pool.n_proposals + problem.edge_p,
            limit=int(np.ceil(k_max * scale / cap)),
            group=problem.group,
            group_threshold_p=-d[flow.slot_node] / SCALE + half,
        )
        if extra.size == 0:
            return problem, x, rounds
        edges = Edges(
            r=np.concatenate([problem.edge_r, extra.r]),
            p=np.concatenate([problem.edge_p, extra.p]),
            w=np.concatenate([problem.edge_w, extra.w]),
        )


def _lp_matrices(problem: _Problem) -> tuple[sparse.csr_array, sparse.csr_array]:
    m = problem.edge_r.size
    cols = np.arange(m)
    by_p = sparse.csr_array((np.ones(m), (problem.edge_p, cols)), shape=(problem.n_proposals, m))
    by_r = sparse.csr_array((np.ones(m), (problem.edge_r, cols)), shape=(problem.n_reviewers, m))
    return by_p, by_r


def _base_constraints(problem: _Problem, extra_columns: int = 0) -> list[LinearConstraint]:
    from scipy.optimize import LinearConstraint  # loaded when needed: it costs a second at start-up

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


def _fair(problem: _Problem, time_limit: float, gap: float) -> tuple[npt.NDArray[np.bool_], float, str]:
    """Max-min, then total. Returns the chosen edges, the bound and the method used.

    The bound is the LP relaxation over every pair of ``problem``, so the reported gap is proven
    (part of it is the integrality gap: a rare expert shared fractionally by many proposals in
    the LP can review only so many of them). Small candidate graphs (each proposal's best
    reviewers, widened until feasible) are solved by MILP within ``gap``; larger ones by
    reweighted maximum-affinity flows: each round is an exact min-cost flow whose affinities are
    multiplied by a weight per proposal, raised multiplicatively for proposals below the bound,
    keeping the assignment with the best worst proposal (then the best total).
    """
    started = time.perf_counter()
    bound = _fair_lp_bound(problem, time_limit)
    width = max(4 * int(problem.demand.max(initial=1)), 12)
    if _prune(problem, width).edge_r.size > MILP_EDGES:
        return _fair_reweighted(problem, bound, time_limit - (time.perf_counter() - started)), bound, "reweighted-flow"
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
        return np.isin(key_all, key_kept), bound, "milp"


def _best_sets(pool: Pool, spec: _Spec) -> tuple[IntArray, FloatArray]:
    """Each proposal's best allowed set of ``demand`` reviewers (its forced ones first): the keys
    ``r * n_proposals + p`` of all those pairs, and each proposal's best possible total."""
    n_p = pool.n_proposals
    fr, fp = np.divmod(spec.forced, n_p)
    extra = int(np.bincount(fp, minlength=n_p).max(initial=0))
    edges = pool.best(int(spec.demand.max(initial=0)) + extra, 0)
    usable = spec.max_load[edges.r] > 0
    r, p, w = edges.r[usable], edges.p[usable], edges.w[usable]
    fw, _present = pool.weight(fr, fp)
    r, p, w = np.concatenate([r, fr]), np.concatenate([p, fp]), np.concatenate([w, fw])
    key = r * n_p + p
    key, index = np.unique(key, return_index=True)
    r, p, w = r[index], p[index], w[index]
    is_forced = np.isin(key, spec.forced)
    order = np.lexsort((-w, ~is_forced, p))  # by proposal: forced first, then best first
    starts = np.searchsorted(p[order], np.arange(n_p))
    rank = np.arange(order.size) - np.repeat(starts, np.diff(np.append(starts, order.size)))
    chosen = order[rank < spec.demand[p[order]]]
    totals = np.bincount(p[chosen], weights=w[chosen], minlength=n_p).astype(np.float64)
    return np.asarray(key[chosen], dtype=np.int64), totals


def _fair_by_certificate(
    pool: Pool, spec: _Spec, *, candidate_width: int | None, time_limit: float, rounds: int = 200
) -> tuple[_Problem, npt.NDArray[np.bool_], float, int] | None:
    """The worst proposal at its bound, proved (gap 0), or None.

    No assignment gives a proposal more than its own best ``k`` allowed reviewers, so the best
    worst-proposal total is at most ``t`` = the smallest of these "best sets" over the whole
    pool. Force the best set of the proposals that set ``t``; then solve maximum-affinity flows
    on a candidate graph (each proposal's best reviewers and its best set, each reviewer's best
    proposals), the affinities of the proposals still below ``t`` multiplied by 1.25 each round,
    and every 10 rounds the best sets of those still below forced when that stays feasible. As
    soon as every proposal reaches ``t`` the assignment is max-min optimal over the whole pool.
    None when forcing the tight proposals is infeasible, or rounds or time run out: the caller
    falls back to the LP-bounded search.
    """
    started = time.perf_counter()
    keys, best = _best_sets(pool, spec)
    if keys.size == 0:
        return None
    n_p = pool.n_proposals
    target = float(best.min())
    key_p = keys % n_p
    forced_p = best <= target + 1e-12
    trial = dataclasses.replace(spec, forced=np.union1d(spec.forced, keys[forced_p[key_p]]))
    try:
        _check_pool(pool, trial)
    except Infeasible:
        return None
    k_max = int(spec.demand.max(initial=1))
    width = candidate_width if candidate_width is not None else max(4 * k_max, 12)
    needed = int(spec.demand.sum())

    def graph(width: int) -> Edges:
        base = (
            pool.all() if pool.size <= MILP_EDGES else pool.best(width, _per_reviewer(width, needed, pool.n_reviewers))
        )
        fr, fp = np.divmod(keys, n_p)
        fw, _present = pool.weight(fr, fp)
        return Edges(np.concatenate([base.r, fr]), np.concatenate([base.p, fp]), np.concatenate([base.w, fw]))

    edges = graph(width)
    problem = trial.problem(pool, edges)
    weight = np.ones(n_p)
    for round_ in range(1, rounds + 1):
        scaled = dataclasses.replace(problem, edge_w=problem.edge_w * weight[problem.edge_p])
        try:
            chosen = _max_affinity_flow(scaled).flow > 0
            _verify(problem, chosen)
        except Infeasible:
            if edges.size >= pool.size or width >= 4 * max(4 * k_max, 12):
                return None  # never materialise the whole of a large pool: the fall-back handles it
            width *= 2
            edges = graph(width)
            problem = trial.problem(pool, edges)
            continue
        totals = np.bincount(problem.edge_p[chosen], weights=problem.edge_w[chosen], minlength=n_p)
        below = totals < target - 1e-9
        if not below.any():
            # The forced best sets were a means: the constraints reported are the caller's.
            problem = dataclasses.replace(problem, forced=np.isin(problem.edge_r * n_p + problem.edge_p, spec.forced))
            return problem, chosen, target, round_
        if time.perf_counter() - started > time_limit:
            return None
        weight[below] *= 1.25
        if round_ % 10 == 0:
            wider = dataclasses.replace(trial, forced=np.union1d(trial.forced, keys[(forced_p | below)[key_p]]))
            try:
                _check_pool(pool, wider)
            except Infeasible:
                continue
            trial, forced_p = wider, forced_p | below
            problem = trial.problem(pool, edges)
    return None


def _fair_reweighted(problem: _Problem, target: float, time_limit: float, rounds: int = 60) -> npt.NDArray[np.bool_]:
    started = time.perf_counter()
    weight = np.ones(problem.n_proposals)
    best: npt.NDArray[np.bool_] | None = None
    best_key = (-np.inf, -np.inf)
    for _ in range(rounds):
        scaled = dataclasses.replace(problem, edge_w=problem.edge_w * weight[problem.edge_p])
        chosen = _max_affinity_flow(scaled).flow > 0
        _verify(problem, chosen)
        totals = np.bincount(problem.edge_p[chosen], weights=problem.edge_w[chosen], minlength=problem.n_proposals)
        key = (round(float(totals.min()), 9), float(totals.sum()))
        if key > best_key:
            best, best_key = chosen, key
        if totals.min() >= target - 1e-9 or time.perf_counter() - started > time_limit:
            break
        weight *= np.exp(3.0 * np.clip(target - totals, 0.0, None) / max(target, 1e-9))
        weight = np.maximum(weight / weight.max(), 1e-6)
    assert best is not None  # noqa: S101 - the loop runs at least once
    return best


def _fair_lp_bound(problem: _Problem, time_limit: float) -> float:
    """An upper bound on the best worst-proposal total: the LP relaxation over all pairs.

    Solved by HiGHS's interior-point method within ``time_limit``; past it, the weaker but
    instant bound "each proposal's ``k`` best candidates" is returned instead.
    """
    from scipy.optimize import linprog

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
    from scipy.optimize import Bounds, LinearConstraint, milp

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


def _solve_fair(
    pool: Pool, spec: _Spec, *, candidate_width: int | None, time_limit: float, mip_gap: float
) -> tuple[_Problem, npt.NDArray[np.bool_], float, dict[str, object]]:
    """Fair: the certificate first (bound reached, proved), else MILP or reweighted flows under the LP bound."""
    width = max(4 * int(spec.demand.max(initial=1)), 12)
    if min(pool.size, pool.n_proposals * width) > MILP_EDGES:
        certified = _fair_by_certificate(pool, spec, candidate_width=candidate_width, time_limit=time_limit / 2)
        if certified is not None:
            problem, chosen, bound, rounds = certified
            return (
                problem,
                chosen,
                bound,
                {"candidate_pairs": int(problem.edge_r.size), "method": "certificate", "rounds": rounds},
            )
    if pool.size <= FULL_GRAPH_PAIRS and candidate_width is None:
        problem = spec.problem(pool, pool.all())
    else:  # each proposal's best reviewers; the bound is then over these candidates
        width = candidate_width if candidate_width is not None else 40
        problem = spec.problem(pool, pool.best(width, width))
    chosen, bound, method = _fair(problem, time_limit, mip_gap)
    _verify(problem, chosen)
    params: dict[str, object] = {"time_limit": time_limit, "mip_gap": mip_gap, "method": method}
    return problem, chosen, bound, {**params, "candidate_pairs": int(problem.edge_r.size)}


def _cap_fraction(q: float) -> tuple[int, int]:
    """``q`` as a fraction a / D with D <= 20 and a / D <= q (the cap is never exceeded)."""
    best = (1, 20) if q >= 0.05 else (1, int(np.ceil(1 / q)))
    for denominator in range(1, 21):
        numerator = int(np.floor(q * denominator + 1e-12))
        if numerator >= 1 and numerator / denominator > best[0] / best[1] + 1e-12:
            best = (numerator, denominator)
    return best


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
    candidate_width: int | None = None,
) -> Assignment:
    """Assign reviewers to proposals; see the module docstring for the formulation.

    ``scores`` is a dense reviewer × proposal array or a SciPy sparse matrix whose stored
    entries are the candidate pairs. ``forbidden`` and ``forced`` are ``(reviewer, proposal)``
    index pairs; ``group`` lists the reviewers of which each proposal needs at least one (not
    with ``randomized``). Raises :class:`Infeasible` naming the cause.

    Above 250,000 allowed pairs (or whenever ``candidate_width`` is given), ``max-affinity`` and
    ``randomized`` solve on a candidate graph — each proposal's ``candidate_width`` best
    reviewers and each reviewer's best proposals — widened until feasible, then add the
    left-out pairs that the dual prices say could improve the solution, until none can: the
    result is the optimum over every allowed pair. ``fair`` works on each proposal's 40 best
    reviewers there, and its bound is over those candidates.

    >>> import numpy as np
    >>> a = assign_reviewers(np.array([[0.9, 0.1], [0.2, 0.8]]), reviews_per_proposal=1, max_load=1)
    >>> a.pairs()
    [(0, 0), (1, 1)]
    """
    started = time.perf_counter()
    pool_scores = scores
    n_r, n_p = (int(n) for n in np.shape(scores)) if not sparse.issparse(scores) else scores.shape
    banned = _keys(forbidden, n_r, n_p, "forbidden")
    must = _keys(forced, n_r, n_p, "forced")
    clash = np.intersect1d(banned, must)
    if clash.size:
        r, p = divmod(int(clash[0]), n_p)
        raise Infeasible(f"pair (reviewer {r}, proposal {p}) is both forced and forbidden")
    pool = Pool(pool_scores, banned)
    group_mask = None
    if group is not None:
        group_mask = np.zeros(n_r, dtype=bool)
        group_mask[list(group)] = True
    spec = _Spec(
        forced=must,
        demand=_per(reviews_per_proposal, n_p, "reviews_per_proposal"),
        min_load=_per(min_load, n_r, "min_load"),
        max_load=_per(max_load, n_r, "max_load"),
        group=group_mask,
    )
    _check_pool(pool, spec)
    params: dict[str, object] = {"objective": objective, "seed": seed}
    if objective == "max-affinity":
        problem, x, rounds = _max_affinity(pool, spec, candidate_width=candidate_width)
        chosen = x > 0.5
        bound = float(problem.edge_w[chosen].sum())  # proved optimal over the whole pool
        params.update(candidate_pairs=int(problem.edge_r.size), rounds=rounds)
    elif objective == "fair":
        problem, chosen, bound, fair_params = _solve_fair(
            pool, spec, candidate_width=candidate_width, time_limit=time_limit, mip_gap=mip_gap
        )
        params.update(fair_params)
    elif objective == "randomized":
        if group is not None:
            raise ValueError("group coverage is not available with the randomized objective")
        if not 0 < q <= 1:
            raise ValueError("q must lie in (0, 1]")
        cap, denominator = _cap_fraction(q)
        problem, marginals, rounds = _max_affinity(
            pool, spec, candidate_width=candidate_width, scale=denominator, cap=cap
        )
        bound = float(problem.edge_w @ marginals)  # the capped LP's optimum
        chosen = dependent_rounding(marginals, problem.edge_r, problem.edge_p, seed=seed)
        _verify(problem, chosen)
        params.update(q=q, q_used=round(cap / denominator, 6), candidate_pairs=int(problem.edge_r.size), rounds=rounds)
    else:
        raise ValueError(f"unknown objective {objective!r}")
    return _result(
        problem, chosen, objective=objective, bound=bound, seconds=time.perf_counter() - started, params=params
    )


def affinity_histogram(values: npt.ArrayLike, *, bins: int = 10) -> tuple[list[float], list[int]]:
    """Counts of ``values`` in ``bins`` equal bins over their own range (rounded out to 0.01).

    Real affinities crowd near 0 (most pairs share few words), so fixed bins over [0, 1] put
    nearly every pair in the first; bins over the data's range show how they spread. Returns
    the ``bins + 1`` edges and the counts (both empty for no values).

    >>> affinity_histogram([0.02, 0.05, 0.05, 0.27], bins=5)
    ([0.02, 0.07, 0.12, 0.17, 0.22, 0.27], [3, 0, 0, 0, 1])
    """
    data = np.asarray(values, dtype=np.float64).ravel()
    if data.size == 0:
        return [], []
    low = float(np.floor(data.min() * 100) / 100)
    high = float(np.ceil(data.max() * 100) / 100)
    if high - low < 0.01 * bins:
        high = low + 0.01 * bins
    counts, edges = np.histogram(data, bins=bins, range=(low, high))
    return [round(float(e), 4) for e in edges], [int(c) for c in counts]
