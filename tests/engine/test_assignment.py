"""Invariants on random instances, brute force on tiny ones, infeasible causes, randomised caps."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from grappe.engine.assignment import assign_reviewers, dependent_rounding
from grappe.engine.types import Infeasible

OBJECTIVES = ["max-affinity", "fair", "randomized"]


@st.composite
def instances(draw):
    n_r = draw(st.integers(2, 7))
    n_p = draw(st.integers(1, 6))
    k = draw(st.integers(1, min(2, n_r)))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random((n_r, n_p)), 3)
    max_load = draw(st.integers(1, 4))
    min_load = draw(st.integers(0, 1))
    pairs = [(r, p) for r in range(n_r) for p in range(n_p)]
    forbidden = draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True))
    rest = [pair for pair in pairs if pair not in forbidden]
    forced = draw(st.lists(st.sampled_from(rest), max_size=1, unique=True)) if rest else []
    return scores, k, max_load, min_load, forbidden, forced, seed


def _check_invariants(a, scores, k, max_load, min_load, forbidden, forced):
    n_p = scores.shape[1]
    pairs = a.pairs()
    assert len(set(pairs)) == len(pairs)
    per_p = np.bincount(a.proposals, minlength=n_p)
    assert per_p.tolist() == [k] * n_p
    assert (a.loads <= max_load).all()
    assert a.loads.min() >= min_load
    assert not set(pairs) & set(forbidden)
    assert set(forced) <= set(pairs)
    assert a.total == pytest.approx(sum(scores[r, p] for r, p in pairs))


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(instance=instances(), objective=st.sampled_from(OBJECTIVES))
def test_every_result_respects_the_constraints(instance, objective):
    scores, k, max_load, min_load, forbidden, forced, seed = instance
    try:
        a = assign_reviewers(
            scores,
            reviews_per_proposal=k,
            max_load=max_load,
            min_load=min_load,
            forbidden=forbidden,
            forced=forced,
            objective=objective,
            q=1.0,
            seed=seed,
        )
    except Infeasible:
        if _search_size(scores, k) <= 20_000:  # brute force only where it stays cheap
            assert _brute_force(scores, k, max_load, min_load, forbidden, forced) is None
        return
    _check_invariants(a, scores, k, max_load, min_load, forbidden, forced)


def _search_size(scores, k):
    n_r, n_p = scores.shape
    return math.comb(n_r, k) ** n_p


def _feasible_assignments(scores, k, max_load, min_load, forbidden, forced):
    n_r, n_p = scores.shape
    choices = []
    for p in range(n_p):
        allowed = [r for r in range(n_r) if (r, p) not in forbidden]
        choices.append([c for c in itertools.combinations(allowed, k) if all(r in c for r, q in forced if q == p)])
    for combo in itertools.product(*choices):
        loads = np.zeros(n_r, int)
        for c in combo:
            loads[list(c)] += 1
        if loads.max() <= max_load and loads.min() >= min_load:
            yield combo


def _brute_force(scores, k, max_load, min_load, forbidden, forced, objective="max-affinity"):
    best = None
    for combo in _feasible_assignments(scores, k, max_load, min_load, forbidden, forced):
        totals = [sum(scores[r, p] for r in c) for p, c in enumerate(combo)]
        key = (sum(totals),) if objective == "max-affinity" else (min(totals), sum(totals))
        if best is None or key > best:
            best = key
    return best


@settings(max_examples=40, deadline=None, derandomize=True)
@given(instance=instances())
def test_max_affinity_and_fair_agree_with_brute_force(instance):
    scores, k, max_load, min_load, forbidden, forced, _seed = instance
    if scores.shape[1] > 3:  # keep the brute force small: at most C(7, 2)^3 combinations
        scores = scores[:, :3]
        forbidden = [(r, p) for r, p in forbidden if p < 3]
        forced = [(r, p) for r, p in forced if p < 3]
    expected = _brute_force(scores, k, max_load, min_load, forbidden, forced)
    if expected is None:
        with pytest.raises(Infeasible):
            assign_reviewers(
                scores, reviews_per_proposal=k, max_load=max_load, min_load=min_load, forbidden=forbidden, forced=forced
            )
        return
    best = assign_reviewers(
        scores, reviews_per_proposal=k, max_load=max_load, min_load=min_load, forbidden=forbidden, forced=forced
    )
    fair = assign_reviewers(
        scores,
        reviews_per_proposal=k,
        max_load=max_load,
        min_load=min_load,
        forbidden=forbidden,
        forced=forced,
        objective="fair",
    )
    fair_expected = _brute_force(scores, k, max_load, min_load, forbidden, forced, objective="fair")

    assert best.total == pytest.approx(expected[0], abs=1e-5)
    assert fair.worst_total == pytest.approx(fair_expected[0], abs=1e-5)
    assert fair.total == pytest.approx(fair_expected[1], abs=1e-5)


def test_infeasible_names_the_proposal_short_of_reviewers():
    scores = np.ones((3, 2))

    with pytest.raises(Infeasible) as exc:
        assign_reviewers(scores, reviews_per_proposal=3, max_load=2, forbidden=[(0, 1)])

    assert str(exc.value) == "proposal 1 has 2 eligible reviewers, needs 3"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reviews_per_proposal": 2, "max_load": 1}, "reviewers can take 3 reviews in all, 8 are needed"),
        (
            {"reviews_per_proposal": 1, "max_load": 2, "min_load": 2},
            "minimum loads add up to 6 reviews, only 4 are needed",
        ),
        (
            {"reviews_per_proposal": 1, "max_load": 2, "forced": [(0, 0), (0, 1), (0, 2)]},
            "reviewer 0 has 3 forced proposals, above their maximum load",
        ),
        (
            {"reviews_per_proposal": 1, "max_load": 2, "forced": [(0, 0)], "forbidden": [(0, 0)]},
            "pair (reviewer 0, proposal 0) is both forced and forbidden",
        ),
        (
            {"reviews_per_proposal": 1, "max_load": 2, "group": []},
            "proposal 0 has no eligible reviewer from the required group",
        ),
    ],
)
def test_infeasible_causes(kwargs, message):
    with pytest.raises(Infeasible) as exc:
        assign_reviewers(np.ones((3, 4)), **kwargs)

    assert str(exc.value) == message


def test_group_coverage_gives_each_proposal_one_external_reviewer():
    scores = np.array([[0.9, 0.9, 0.9], [0.8, 0.8, 0.8], [0.1, 0.1, 0.1], [0.1, 0.1, 0.1]])

    a = assign_reviewers(scores, reviews_per_proposal=2, max_load=3, group=[2, 3])

    for p in range(3):
        assert {r for r, q in a.pairs() if q == p} & {2, 3}
    assert a.total == pytest.approx(3 * (0.9 + 0.1))


def test_sparse_input_uses_only_the_given_pairs():
    scores = sparse.csr_array(np.array([[0.5, 0.0], [0.0, 0.7], [0.2, 0.3]]))

    a = assign_reviewers(scores, reviews_per_proposal=1, max_load=1)

    assert sorted(a.pairs()) == [(0, 0), (1, 1)]


def test_randomized_is_reproducible_from_its_seed():
    scores = np.random.default_rng(3).random((10, 8))
    runs = [
        assign_reviewers(scores, reviews_per_proposal=2, max_load=2, objective="randomized", q=0.4, seed=s).pairs()
        for s in (7, 7, 8)
    ]

    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_randomized_marginals_respect_the_cap():
    scores = np.random.default_rng(5).random((6, 5))
    scores[0] = 1.0  # everybody wants reviewer 0: the cap must spread them
    q, n = 0.5, 600
    counts = np.zeros_like(scores)
    for seed in range(n):
        a = assign_reviewers(scores, reviews_per_proposal=2, max_load=3, objective="randomized", q=q, seed=seed)
        counts[a.reviewers, a.proposals] += 1

    frequencies = counts / n
    # 600 draws: three standard errors of a Bernoulli(0.5) are about 0.061.
    assert frequencies.max() <= q + 0.065


def test_dependent_rounding_keeps_marginals_and_integral_degrees():
    edge_r = np.array([0, 0, 1, 1, 2, 2])
    edge_p = np.array([0, 1, 0, 1, 0, 1])
    x = np.array([0.5, 0.5, 0.25, 0.75, 0.25, 0.75])  # proposal degrees 1 and 2, every reviewer load 1
    counts = np.zeros(6)
    for seed in range(2000):
        chosen = dependent_rounding(x, edge_r, edge_p, seed=seed)
        assert np.bincount(edge_p[chosen], minlength=2).tolist() == [1, 2]
        assert np.bincount(edge_r[chosen], minlength=3).tolist() == [1, 1, 1]
        counts += chosen

    assert counts / 2000 == pytest.approx(x, abs=0.04)


def test_result_statistics():
    scores = np.array([[1.0, 0.0], [0.0, 0.5]])

    a = assign_reviewers(scores, reviews_per_proposal=1, max_load=1)

    summary = a.summary()
    assert (
        summary["total_affinity"],
        summary["worst_proposal"],
        summary["worst_proposal_affinity"],
        summary["gap"],
    ) == (1.5, 1, 0.5, 0.0)
    assert a.loads.tolist() == [1, 1]


def _scarce_experts(n_p=200, n_r=150, seed=0):
    """Proposal 0's three best reviewers (experts 0–2, 15 reviews between them) are scarce.

    Proposals 1–4 need the experts (0.9; nobody else above 0.4) and take 12 of their reviews;
    proposals 5–9 like them too (0.95; others at most 0.6) and gain more from the last three
    than proposal 0 does (0.55; others at most 0.3), so maximum affinity starves proposal 0.
    Proposal 0's own best set, 3 × 0.55 = 1.65, is the fair bound, and it is reachable.
    """
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.45, 0.8, size=(n_r, n_p))
    scores[:, 0] = rng.uniform(0.0, 0.3, size=n_r)
    scores[:, 1:5] = rng.uniform(0.3, 0.4, size=(n_r, 4))
    scores[:, 5:10] = rng.uniform(0.45, 0.6, size=(n_r, 5))
    scores[:3, 0] = 0.55
    scores[:3, 1:5] = 0.9
    scores[:3, 5:10] = 0.95
    return scores


def test_fair_reaches_its_bound_when_best_reviewers_are_scarce():
    scores = _scarce_experts()

    best = assign_reviewers(scores, reviews_per_proposal=3, max_load=5, objective="max-affinity")
    fair = assign_reviewers(scores, reviews_per_proposal=3, max_load=5, objective="fair")

    assert best.worst_total < 1.65 - 0.3  # maximum affinity starves proposal 0
    assert fair.worst_total == pytest.approx(1.65)
    assert fair.bound == pytest.approx(1.65)  # proposal 0's own three best reviewers
    assert fair.gap == 0
    assert fair.parameters["method"] == "certificate"
    assert sorted(int(r) for r in fair.reviewers[fair.proposals == 0]) == [0, 1, 2]
    assert fair.total >= 0.999 * best.total
    _check_invariants(fair, scores, 3, 5, 0, [], [])


def test_fair_reaches_its_bound_with_conflicts_and_forced_pairs():
    scores = _scarce_experts(seed=1)
    forbidden = [(0, 0)]  # expert 0 has a conflict with proposal 0: its bound becomes 0.55 + 0.55 + next best
    forced = [(5, 7)]
    next_best = np.sort(scores[3:, 0])[-1]

    fair = assign_reviewers(
        scores, reviews_per_proposal=3, max_load=5, forbidden=forbidden, forced=forced, objective="fair"
    )

    assert fair.worst_total == pytest.approx(1.1 + next_best)
    assert fair.gap == 0
    _check_invariants(fair, scores, 3, 5, 0, forbidden, forced)


def test_fair_reports_a_gap_when_its_bound_is_out_of_reach():
    # Proposals 0 and 1 each need expert 0 to reach 1.65, who can review only one of them.
    scores = _scarce_experts(seed=2)
    scores[:, 1] = scores[:, 0]
    max_load = np.full(150, 5)
    max_load[0] = 1

    fair = assign_reviewers(scores, reviews_per_proposal=3, max_load=max_load, objective="fair")

    assert fair.parameters["method"] != "certificate"
    assert fair.worst_total < 1.65
    assert fair.bound >= fair.worst_total
    assert fair.gap > 0
    _check_invariants(fair, scores, 3, max_load, 0, [], [])
