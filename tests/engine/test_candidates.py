"""The candidate graph and its pricing: the optimum over every allowed pair, found on a few of them."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from grappe.engine.assignment import _cap_fraction, assign_reviewers
from grappe.engine.candidates import Pool


@st.composite
def instances(draw):
    n_r = draw(st.integers(3, 12))
    n_p = draw(st.integers(2, 14))
    k = draw(st.integers(1, min(3, n_r)))
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    scores = np.round(rng.random((n_r, n_p)), 3)
    max_load = int(np.ceil(k * n_p / n_r)) + draw(st.integers(0, 1))
    forbidden = [(int(rng.integers(n_r)), int(rng.integers(n_p))) for _ in range(draw(st.integers(0, 4)))]
    group = list(range(0, n_r, 3)) if draw(st.booleans()) else None
    min_load = draw(st.integers(0, 1)) if k * n_p >= n_r else 0
    return scores, k, max_load, min_load, forbidden, group


def _solve(scores, k, max_load, min_load, forbidden, group, **kwargs):
    try:
        return assign_reviewers(
            scores,
            reviews_per_proposal=k,
            max_load=max_load,
            min_load=min_load,
            forbidden=forbidden,
            group=group,
            **kwargs,
        )
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(instance=instances(), width=st.integers(1, 3))
def test_candidate_graph_reaches_the_optimum_over_every_pair(instance, width):
    full = _solve(*instance)
    thin = _solve(*instance, candidate_width=width)
    if isinstance(full, str):
        assert isinstance(thin, str)
        return
    assert thin.total == pytest.approx(full.total, abs=1e-6)
    assert thin.bound == pytest.approx(thin.total)
    assert not set(thin.pairs()) & set(instance[4])


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(instance=instances())
def test_randomized_lp_value_is_the_same_on_a_candidate_graph(instance):
    scores, k, max_load, min_load, forbidden, _group = instance
    full = _solve(scores, k, max_load, min_load, forbidden, None, objective="randomized", q=0.6, seed=3)
    thin = _solve(
        scores, k, max_load, min_load, forbidden, None, objective="randomized", q=0.6, seed=3, candidate_width=1
    )
    if isinstance(full, str):
        assert isinstance(thin, str)
        return
    assert thin.bound == pytest.approx(full.bound, abs=1e-6)


def test_pool_best_and_violators_on_dense_and_sparse_inputs():
    scores = np.array([[0.9, 0.1, 0.5], [0.2, 0.8, 0.4], [0.7, 0.6, 0.3]])
    banned = np.array([0 * 3 + 0])  # reviewer 0 may not review proposal 0
    for matrix in (scores, sparse.csr_array(scores)):
        pool = Pool(matrix, banned)
        best = pool.best(1, 0)
        assert sorted(zip(best.r.tolist(), best.p.tolist(), strict=True)) == [(0, 2), (1, 1), (2, 0)]
        extra = pool.violators(np.zeros(3), np.full(3, 0.55), exclude=np.array([], dtype=np.int64), limit=5)
        assert sorted(zip(extra.r.tolist(), extra.p.tolist(), strict=True)) == [(1, 1), (2, 0), (2, 1)]
        eligible, _ = pool.eligible(np.ones(3, dtype=bool), None)
        assert eligible.tolist() == [2, 3, 3]


def test_cap_fraction_never_exceeds_q():
    for q in (0.5, 0.6, 1 / 3, 0.75, 0.999, 0.07, 1.0):
        a, d = _cap_fraction(q)
        assert a / d <= q + 1e-12
        assert d <= 20 or a == 1
        assert a / d >= q - 0.05


def test_large_dense_instance_uses_the_candidate_graph_and_proves_optimality():
    rng = np.random.default_rng(5)
    scores = rng.random((300, 900))  # 270,000 pairs: above the full-graph limit
    a = assign_reviewers(scores, reviews_per_proposal=2, max_load=8)
    assert a.parameters["candidate_pairs"] < 270_000 / 3
    assert a.gap == 0.0
    everything = assign_reviewers(scores, reviews_per_proposal=2, max_load=8, candidate_width=300)
    assert a.total == pytest.approx(everything.total, abs=1e-6)
    small = assign_reviewers(scores[:, :300], reviews_per_proposal=2, max_load=8)
    assert small.parameters["candidate_pairs"] == 300 * 300
