import numpy as np
import pytest

from grappe.engine.calibration import calibrate


def test_a_lenient_reviewer_is_detected_and_discounted():
    rng = np.random.default_rng(0)
    quality = rng.uniform(2, 4, size=30)
    bias = np.array([1.0, 0.0, 0.0, 0.0, -0.5])
    reviewers, proposals, scores = [], [], []
    for p in range(30):
        for r in rng.choice(5, size=3, replace=False):
            reviewers.append(r)
            proposals.append(p)
            scores.append(quality[p] + bias[r] + rng.normal(0, 0.1))
    c = calibrate(np.array(reviewers), np.array(proposals), np.array(scores), n_reviewers=5, n_proposals=30, damp=0.1)
    assert c.leniency[0] == pytest.approx(bias[0] - bias.mean(), abs=0.15)
    assert c.leniency[4] == pytest.approx(bias[4] - bias.mean(), abs=0.15)
    raw_error = np.abs(c.raw - quality - bias.mean()).mean()
    calibrated_error = np.abs(c.calibrated - quality - bias.mean()).mean()
    assert calibrated_error < raw_error / 2


def test_no_scores_and_unseen_proposals():
    c = calibrate(np.array([], dtype=int), np.array([], dtype=int), np.array([]), n_reviewers=2, n_proposals=2)
    assert np.isnan(c.raw).all() and (c.leniency == 0).all()
    c = calibrate(np.array([0]), np.array([0]), np.array([4.0]), n_reviewers=1, n_proposals=2)
    assert c.raw[0] == 4.0 and np.isnan(c.calibrated[1])
