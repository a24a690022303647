"""Portfolio selection under a budget: which proposals to fund, and at what amount.

Maximise the total weighted quality of the funded proposals, :math:`\\sum_i v_i f_i` where
:math:`v_i` is the proposal's quality (or, with ``weight_by_cost``, its quality times its request
over the mean request, so that a large excellent project is worth more than a small one) and
:math:`f_i \\in [0, 1]` is the funded share of proposal :math:`i` (0 or 1 when funding is all
or nothing; in :math:`\\{0\\} \\cup [r_{min}, 1]` with partial funding), subject to:

- the budget: :math:`\\sum_i c_i f_i \\le B`;
- quality thresholds: proposals below them are not candidates (the caller decides who passes);
- per theme, a minimum and a maximum number of funded proposals;
- per lead institution, a maximum number of funded proposals;
- a minimum co-funding ratio: :math:`\\sum_i k_i x_i \\ge \\rho \\sum_i c_i f_i` (co-funding
  :math:`k_i` counts when the proposal is funded, :math:`x_i` its 0/1 decision);
- must-fund and must-exclude lists.

A MILP solved by HiGHS (through SciPy). The result names the binding constraints, the marginal
proposals (the weakest funded and the best left out), what each constraint costs in quality
(the same problem solved without it), and the "fund down the ranked list" baseline.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from grappe.engine import ENGINE_VERSION
from grappe.engine.types import Infeasible

FloatArray = npt.NDArray[np.float64]
TOL = 1e-6


@dataclass(frozen=True)
class Candidate:
    """A proposal that may be funded."""

    id: str
    quality: float  # weighted consensus score (higher is better)
    cost: float  # amount requested
    theme: str = ""
    lead: str = ""  # lead institution
    cofunding: float = 0.0  # partners' co-funding brought when funded


@dataclass(frozen=True)
class Rules:
    """The constraints of a selection."""

    budget: float
    theme_min: Mapping[str, int] = field(default_factory=dict)
    theme_max: Mapping[str, int] = field(default_factory=dict)
    max_per_lead: int | None = None
    min_cofunding_ratio: float | None = None
    must_fund: frozenset[str] = frozenset()
    must_exclude: frozenset[str] = frozenset()
    min_rate: float = 1.0  # 1 = all or nothing; 0.8 = a funded proposal gets 80 % to 100 % of its request
    weight_by_cost: bool = False  # value of a proposal = quality × its share of the mean request


@dataclass(frozen=True)
class Portfolio:
    """The selection and what explains it."""

    funded: dict[str, float]  # id → amount
    quality: float
    spent: float
    budget: float
    binding: tuple[str, ...]
    weakest_funded: str | None
    best_left_out: str | None
    costs: dict[str, float]  # constraint → quality gained if it were dropped
    baseline: dict[str, float]  # the ranked-list baseline: id → amount
    baseline_quality: float
    baseline_breaks: tuple[str, ...]
    seconds: float
    parameters: dict[str, object] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        return {
            "funded": len(self.funded),
            "quality": round(self.quality, 6),
            "spent": round(self.spent, 2),
            "budget": round(self.budget, 2),
            "binding": list(self.binding),
            "weakest_funded": self.weakest_funded,
            "best_left_out": self.best_left_out,
            "constraint_costs": {k: round(v, 6) for k, v in self.costs.items()},
            "baseline_funded": len(self.baseline),
            "baseline_quality": round(self.baseline_quality, 6),
            "baseline_breaks": list(self.baseline_breaks),
            "seconds": round(self.seconds, 3),
            "engine_version": ENGINE_VERSION,
            **self.parameters,
        }


def ranked_list_baseline(candidates: Sequence[Candidate], rules: Rules) -> tuple[dict[str, float], tuple[str, ...]]:
    """Fund down the list by quality (ties: cheaper first, then id), as committees often do.

    Must-fund proposals first; then each proposal in rank order if it still fits the budget,
    its theme's maximum and its lead's maximum, in full. Returns the selection and the
    constraints it breaks (minimums per theme and the co-funding ratio, which a list cannot
    look ahead for).
    """
    left = rules.budget
    funded: dict[str, float] = {}
    themes: dict[str, int] = {}
    leads: dict[str, int] = {}
    ordered = sorted(candidates, key=lambda c: (c.id not in rules.must_fund, -c.quality, c.cost, c.id))
    for c in ordered:
        if c.id in rules.must_exclude or c.cost > left + TOL:
            continue
        if c.id not in rules.must_fund:
            if themes.get(c.theme, 0) >= rules.theme_max.get(c.theme, len(candidates)):
                continue
            if rules.max_per_lead is not None and c.lead and leads.get(c.lead, 0) >= rules.max_per_lead:
                continue
        funded[c.id] = c.cost
        left -= c.cost
        themes[c.theme] = themes.get(c.theme, 0) + 1
        leads[c.lead] = leads.get(c.lead, 0) + 1
    broken = [f"theme_min:{t}" for t, minimum in sorted(rules.theme_min.items()) if themes.get(t, 0) < minimum]
    if rules.min_cofunding_ratio is not None:
        by_id = {c.id: c for c in candidates}
        cof = sum(by_id[i].cofunding for i in funded)
        if cof < rules.min_cofunding_ratio * sum(funded.values()) - TOL:
            broken.append("min_cofunding_ratio")
    return funded, tuple(broken)


def _check(candidates: Sequence[Candidate], rules: Rules) -> None:
    ids = {c.id for c in candidates}
    if len(ids) != len(candidates):
        raise ValueError("candidate ids must be unique")
    if not 0 < rules.min_rate <= 1:
        raise ValueError("min_rate must lie in (0, 1]")
    unknown = sorted((rules.must_fund | rules.must_exclude) - ids)
    if unknown:
        raise ValueError(f"unknown proposal {unknown[0]} in must-fund or must-exclude")
    both = sorted(rules.must_fund & rules.must_exclude)
    if both:
        raise Infeasible(f"proposal {both[0]} is both must-fund and must-exclude")
    by_id = {c.id: c for c in candidates}
    floor = sum(by_id[i].cost * rules.min_rate for i in rules.must_fund)
    if floor > rules.budget + TOL:
        raise Infeasible(f"the must-fund proposals need at least {floor:.2f}, the budget is {rules.budget:.2f}")
    for theme, minimum in sorted(rules.theme_min.items()):
        pool = sorted(
            c.cost * rules.min_rate for c in candidates if c.theme == theme and c.id not in rules.must_exclude
        )
        if len(pool) < minimum:
            raise Infeasible(f"theme {theme} needs {minimum} funded proposals, {len(pool)} are candidates")
        if sum(pool[:minimum]) > rules.budget + TOL:
            raise Infeasible(f"theme {theme} needs {minimum} funded proposals, which cost more than the budget")
    _check_maxima(by_id, rules)


def _check_maxima(by_id: Mapping[str, Candidate], rules: Rules) -> None:
    for theme, maximum in sorted(rules.theme_max.items()):
        forced = sum(1 for i in rules.must_fund if by_id[i].theme == theme)
        if forced > maximum:
            raise Infeasible(f"theme {theme} has {forced} must-fund proposals, above its maximum of {maximum}")
        if rules.theme_min.get(theme, 0) > maximum:
            raise Infeasible(f"theme {theme} has a minimum above its maximum")
    if rules.max_per_lead is not None:
        for lead in sorted({by_id[i].lead for i in rules.must_fund}):
            forced = sum(1 for i in rules.must_fund if by_id[i].lead == lead)
            if forced > rules.max_per_lead:
                raise Infeasible(f"lead {lead} has {forced} must-fund proposals, above the maximum per lead")


def _values(candidates: Sequence[Candidate], rules: Rules) -> FloatArray:
    """What funding each proposal in full is worth: its quality, or quality × cost / mean cost."""
    q = np.array([c.quality for c in candidates], dtype=np.float64)
    if rules.weight_by_cost and candidates:
        cost = np.array([c.cost for c in candidates], dtype=np.float64)
        q = q * cost / max(float(cost.mean()), 1e-9)
    return q


def _solve(candidates: Sequence[Candidate], rules: Rules, time_limit: float) -> tuple[FloatArray, FloatArray] | None:
    """Variables: x (n, binary: funded), f (n, continuous: funded share). None if infeasible."""
    n = len(candidates)
    cost = np.array([c.cost for c in candidates], dtype=np.float64)
    q = _values(candidates, rules)
    cof = np.array([c.cofunding for c in candidates], dtype=np.float64)
    ids = [c.id for c in candidates]
    # Objective: maximise sum q f (+ a tiny preference for spending less at equal quality).
    scale = max(float(cost.max(initial=1.0)), 1.0)
    c_obj = np.concatenate([np.zeros(n), -(q - 1e-9 * cost / scale)])
    rows: list[sparse.csr_array] = []
    lows: list[float] = []
    highs: list[float] = []

    def add(coef_x: FloatArray, coef_f: FloatArray, low: float, high: float) -> None:
        rows.append(sparse.csr_array(np.concatenate([coef_x, coef_f])[None, :]))
        lows.append(low)
        highs.append(high)

    zero = np.zeros(n)
    add(zero, cost, -np.inf, rules.budget)
    eye = sparse.identity(n, format="csr")
    # f <= x and f >= min_rate * x
    link = sparse.vstack([sparse.hstack([-eye, eye]), sparse.hstack([-rules.min_rate * eye, eye])], format="csr")
    link_low = np.concatenate([np.full(n, -np.inf), np.zeros(n)])
    link_high = np.concatenate([np.zeros(n), np.full(n, np.inf)])
    for theme in sorted(set(rules.theme_min) | set(rules.theme_max)):
        member = np.array([1.0 if c.theme == theme else 0.0 for c in candidates])
        add(member, zero, float(rules.theme_min.get(theme, 0)), float(rules.theme_max.get(theme, n)))
    if rules.max_per_lead is not None:
        for lead in sorted({c.lead for c in candidates if c.lead}):
            member = np.array([1.0 if c.lead == lead else 0.0 for c in candidates])
            add(member, zero, -np.inf, float(rules.max_per_lead))
    if rules.min_cofunding_ratio is not None:
        add(cof, -rules.min_cofunding_ratio * cost, 0.0, np.inf)
    low = np.zeros(2 * n)
    high = np.ones(2 * n)
    for i, cid in enumerate(ids):
        if cid in rules.must_fund:
            low[i] = 1.0
        if cid in rules.must_exclude:
            high[i] = high[n + i] = 0.0
    if rules.min_rate >= 1.0:  # all or nothing: f = x
        link = sparse.vstack([link, sparse.hstack([-eye, eye])], format="csr")
        link_low = np.concatenate([link_low, np.zeros(n)])
        link_high = np.concatenate([link_high, np.zeros(n)])
    constraints = [LinearConstraint(link, link_low, link_high)]
    if rows:
        constraints.append(LinearConstraint(sparse.vstack(rows, format="csr"), np.array(lows), np.array(highs)))
    result = milp(
        c_obj,
        constraints=constraints,
        bounds=Bounds(low, high),
        integrality=np.concatenate([np.ones(n), np.zeros(n)]),
        options={"time_limit": time_limit, "mip_rel_gap": 1e-9},
    )
    if result.x is None:
        return None
    x = np.round(result.x[:n])
    f = np.clip(result.x[n:], 0.0, 1.0) * x
    return x, f


def select_portfolio(
    candidates: Sequence[Candidate], rules: Rules, *, time_limit: float = 30.0, explain: bool = True
) -> Portfolio:
    """The best portfolio under ``rules``; raises :class:`Infeasible` naming the cause.

    >>> c = [Candidate("a", 4.5, 100), Candidate("b", 4.0, 60), Candidate("c", 3.9, 50)]
    >>> sorted(select_portfolio(c, Rules(budget=110)).funded)
    ['b', 'c']
    """
    started = time.perf_counter()
    _check(candidates, rules)
    solved = _solve(candidates, rules, time_limit)
    if solved is None:
        raise Infeasible("no selection meets every constraint together (each one alone can be met)")
    x, f = solved
    cost = np.array([c.cost for c in candidates])
    values = _values(candidates, rules)
    quality = float(values @ f)
    funded = {c.id: round(float(f[i] * c.cost), 2) for i, c in enumerate(candidates) if x[i] > 0.5}
    spent = float((f * cost).sum())
    binding = _binding(candidates, rules, x, f)
    costs: dict[str, float] = {}
    if explain:
        for name, relaxed in _relaxations(rules):
            other = _solve(candidates, relaxed, time_limit)
            if other is not None:
                gain = float(_values(candidates, relaxed) @ other[1]) - quality
                costs[name] = max(gain, 0.0)
    funded_ids = [c for i, c in enumerate(candidates) if x[i] > 0.5]
    left_out = [c for i, c in enumerate(candidates) if x[i] < 0.5 and c.id not in rules.must_exclude]
    baseline, breaks = ranked_list_baseline(candidates, rules)
    index = {c.id: i for i, c in enumerate(candidates)}
    return Portfolio(
        funded=funded,
        quality=quality,
        spent=spent,
        budget=rules.budget,
        binding=binding,
        weakest_funded=min(funded_ids, key=lambda c: (c.quality, c.id)).id if funded_ids else None,
        best_left_out=max(left_out, key=lambda c: (c.quality, c.id)).id if left_out else None,
        costs=costs,
        baseline=baseline,
        baseline_quality=float(sum(values[index[i]] for i in baseline)),
        baseline_breaks=breaks,
        seconds=time.perf_counter() - started,
        parameters={"min_rate": rules.min_rate, "weight_by_cost": rules.weight_by_cost, "candidates": len(candidates)},
    )


def _binding(candidates: Sequence[Candidate], rules: Rules, x: FloatArray, f: FloatArray) -> tuple[str, ...]:
    """Constraints met with equality, or with less slack than the cheapest unfunded proposal needs."""
    out = []
    cost = np.array([c.cost for c in candidates])
    spent = float((f * cost).sum())
    unfunded = [c.cost * rules.min_rate for i, c in enumerate(candidates) if x[i] < 0.5]
    if unfunded and rules.budget - spent < min(unfunded) - TOL:
        out.append("budget")
    for theme in sorted(rules.theme_min):
        if sum(x[i] for i, c in enumerate(candidates) if c.theme == theme) <= rules.theme_min[theme] + TOL:
            out.append(f"theme_min:{theme}")
    for theme in sorted(rules.theme_max):
        if sum(x[i] for i, c in enumerate(candidates) if c.theme == theme) >= rules.theme_max[theme] - TOL:
            out.append(f"theme_max:{theme}")
    if rules.max_per_lead is not None:
        for lead in sorted({c.lead for c in candidates if c.lead}):
            if sum(x[i] for i, c in enumerate(candidates) if c.lead == lead) >= rules.max_per_lead - TOL:
                out.append(f"max_per_lead:{lead}")
    if rules.min_cofunding_ratio is not None:
        cof = sum(c.cofunding * x[i] for i, c in enumerate(candidates))
        if cof - rules.min_cofunding_ratio * spent <= TOL * max(spent, 1):
            out.append("min_cofunding_ratio")
    if rules.must_fund:
        out.append("must_fund")
    return tuple(out)


def _relaxations(rules: Rules) -> list[tuple[str, Rules]]:
    out: list[tuple[str, Rules]] = []
    for theme in sorted(rules.theme_min):
        out.append(
            (f"theme_min:{theme}", replace(rules, theme_min={k: v for k, v in rules.theme_min.items() if k != theme}))
        )
    for theme in sorted(rules.theme_max):
        out.append(
            (f"theme_max:{theme}", replace(rules, theme_max={k: v for k, v in rules.theme_max.items() if k != theme}))
        )
    if rules.max_per_lead is not None:
        out.append(("max_per_lead", replace(rules, max_per_lead=None)))
    if rules.min_cofunding_ratio is not None:
        out.append(("min_cofunding_ratio", replace(rules, min_cofunding_ratio=None)))
    if rules.must_fund:
        out.append(("must_fund", replace(rules, must_fund=frozenset())))
    if rules.must_exclude:
        out.append(("must_exclude", replace(rules, must_exclude=frozenset())))
    return out
