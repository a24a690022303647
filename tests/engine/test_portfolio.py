"""Portfolio selection: brute force on small instances, partial funding, explanations, causes."""

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grappe.engine.portfolio import Candidate, Rules, ranked_list_baseline, select_portfolio
from grappe.engine.types import Infeasible


def _feasible(subset, rules):
    ids = {c.id for c in subset}
    leads = {c.lead for c in subset}
    checks = [
        sum(c.cost for c in subset) <= rules.budget + 1e-6,
        rules.must_fund <= ids and not ids & rules.must_exclude,
        all(sum(c.theme == t for c in subset) >= m for t, m in rules.theme_min.items()),
        all(sum(c.theme == t for c in subset) <= m for t, m in rules.theme_max.items()),
        rules.max_per_lead is None or all(sum(c.lead == lead for c in subset) <= rules.max_per_lead for lead in leads),
        rules.min_cofunding_ratio is None
        or sum(c.cofunding for c in subset) >= rules.min_cofunding_ratio * sum(c.cost for c in subset) - 1e-6,
    ]
    return all(checks)


@st.composite
def instances(draw):
    n = draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    candidates = [
        Candidate(
            id=f"p{i}",
            quality=float(np.round(rng.uniform(2, 5), 2)),
            cost=float(rng.integers(1, 10) * 10),
            theme=str(rng.choice(["a", "b"])),
            lead=str(rng.choice(["X", "Y", "Z"])),
            cofunding=float(rng.integers(0, 6) * 10),
        )
        for i in range(n)
    ]
    rules = Rules(
        budget=float(draw(st.integers(10, 300))),
        theme_min={"a": draw(st.integers(0, 2))} if draw(st.booleans()) else {},
        theme_max={"b": draw(st.integers(0, 3))} if draw(st.booleans()) else {},
        max_per_lead=draw(st.sampled_from([None, 1, 2])),
        min_cofunding_ratio=draw(st.sampled_from([None, 0.2, 0.5])),
        must_fund=frozenset({"p0"}) if draw(st.booleans()) else frozenset(),
        must_exclude=frozenset({f"p{n - 1}"}) if n > 1 and draw(st.booleans()) else frozenset(),
    )
    return candidates, rules


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(instance=instances())
def test_optimum_agrees_with_brute_force(instance):
    candidates, rules = instance
    best = None
    for size in range(len(candidates) + 1):
        for subset in itertools.combinations(candidates, size):
            if _feasible(subset, rules):
                value = sum(c.quality for c in subset)
                best = value if best is None else max(best, value)
    try:
        portfolio = select_portfolio(candidates, rules, explain=False)
    except Infeasible:
        assert best is None
        return
    assert best is not None
    assert portfolio.quality == pytest.approx(best, abs=1e-6)
    chosen = [c for c in candidates if c.id in portfolio.funded]
    assert _feasible(chosen, rules)
    assert all(portfolio.funded[c.id] == c.cost for c in chosen)


def test_partial_funding_stays_within_bounds_and_budget():
    candidates = [Candidate("a", 5.0, 100), Candidate("b", 4.0, 100), Candidate("c", 3.0, 100)]
    portfolio = select_portfolio(candidates, Rules(budget=170, min_rate=0.8))
    assert set(portfolio.funded) == {"a", "b"}
    assert all(80 - 1e-6 <= amount <= 100 + 1e-6 for amount in portfolio.funded.values())
    assert portfolio.spent <= 170 + 1e-6
    full = select_portfolio(candidates, Rules(budget=170))
    assert set(full.funded) == {"a"}


def test_explanations_binding_marginals_costs_and_baseline():
    candidates = [
        Candidate("a", 4.8, 100, theme="health", lead="SU", cofunding=10),
        Candidate("b", 4.6, 100, theme="health", lead="SU", cofunding=10),
        Candidate("c", 4.0, 100, theme="climate", lead="UTC", cofunding=80),
        Candidate("d", 3.5, 100, theme="climate", lead="UTC", cofunding=0),
    ]
    rules = Rules(budget=200, theme_min={"climate": 1}, max_per_lead=1)
    portfolio = select_portfolio(candidates, rules)
    assert set(portfolio.funded) == {"a", "c"}
    assert {"budget", "theme_min:climate", "max_per_lead:SU"} <= set(portfolio.binding)
    assert (portfolio.weakest_funded, portfolio.best_left_out) == ("c", "b")
    # Each constraint alone costs nothing here: without either one, the other still keeps b out.
    assert portfolio.costs == {"theme_min:climate": pytest.approx(0.0), "max_per_lead": pytest.approx(0.0)}
    alone = select_portfolio(candidates, Rules(budget=200, theme_min={"climate": 1}))
    assert alone.costs["theme_min:climate"] == pytest.approx(0.6)  # b instead of c
    baseline, breaks = ranked_list_baseline(candidates, rules)
    assert set(baseline) == {"a", "c"} and breaks == ()
    baseline, breaks = ranked_list_baseline(candidates, Rules(budget=200, theme_min={"climate": 1}))
    assert set(baseline) == {"a", "b"} and breaks == ("theme_min:climate",)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (Rules(budget=50, must_fund=frozenset({"a"})), "must-fund proposals need at least 100.00"),
        (Rules(budget=500, theme_min={"climate": 3}), "theme climate needs 3 funded proposals, 1 are candidates"),
        (
            Rules(budget=500, must_fund=frozenset({"a"}), must_exclude=frozenset({"a"})),
            "both must-fund and must-exclude",
        ),
        (Rules(budget=500, theme_max={"health": 0}, must_fund=frozenset({"a"})), "above its maximum"),
        (Rules(budget=150, theme_min={"climate": 1, "health": 1}), "every constraint together"),
    ],
)
def test_infeasible_names_the_cause(rules, message):
    candidates = [Candidate("a", 4.0, 100, theme="health"), Candidate("b", 3.0, 100, theme="climate")]
    with pytest.raises(Infeasible, match=message):
        select_portfolio(candidates, rules)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="unique"):
        select_portfolio([Candidate("a", 1, 1), Candidate("a", 2, 1)], Rules(budget=1))
    with pytest.raises(ValueError, match="unknown proposal"):
        select_portfolio([Candidate("a", 1, 1)], Rules(budget=1, must_fund=frozenset({"zz"})))


def test_weight_by_cost_prefers_one_large_excellent_project():
    candidates = [Candidate("a", 5.0, 100), Candidate("b", 4.0, 50), Candidate("c", 4.0, 50)]
    assert set(select_portfolio(candidates, Rules(budget=100)).funded) == {"b", "c"}
    weighted = select_portfolio(candidates, Rules(budget=100, weight_by_cost=True))
    assert set(weighted.funded) == {"a"}
    assert weighted.quality == pytest.approx(7.5)
