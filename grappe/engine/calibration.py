"""Reviewer calibration: how lenient or severe each reviewer is, from all their scores in a call.

An additive model: reviewer :math:`r`'s score of proposal :math:`p` is
:math:`s_{rp} = \\mu + a_p + b_r + \\varepsilon_{rp}`, fitted by regularised least squares
(:math:`\\lambda \\lVert b \\rVert^2 + (\\lambda / 10) \\lVert a \\rVert^2` with :math:`\\lambda`
= ``damp``, so that a reviewer seen on few proposals is not judged on little evidence).
:math:`b_r` is the reviewer's leniency; a proposal's calibrated score is :math:`\\mu + a_p`, the raw
mean with each reviewer's leniency taken out. Calibration informs the committee; it never replaces a consensus score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.linalg import lsqr

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Calibration:
    leniency: FloatArray  # per reviewer: + scores higher than peers, − lower
    raw: FloatArray  # per proposal: mean of its scores (nan without any)
    calibrated: FloatArray  # per proposal: mu + a_p (nan without any score)
    mean: float


def calibrate(
    reviewers: IntArray,
    proposals: IntArray,
    scores: FloatArray,
    *,
    n_reviewers: int,
    n_proposals: int,
    damp: float = 1.0,
) -> Calibration:
    """Fit the additive model on the triples ``(reviewers[k], proposals[k], scores[k])``.

    >>> import numpy as np
    >>> r = np.array([0, 1, 0, 1]); p = np.array([0, 0, 1, 1]); s = np.array([4.0, 3.0, 5.0, 4.0])
    >>> c = calibrate(r, p, s, n_reviewers=2, n_proposals=2, damp=0.0)
    >>> round(float(c.leniency[0] - c.leniency[1]), 6)
    1.0
    """
    reviewers = np.asarray(reviewers, dtype=np.int64)
    proposals = np.asarray(proposals, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    m = scores.size
    counts = np.bincount(proposals, minlength=n_proposals)
    raw = np.full(n_proposals, np.nan)
    seen = counts > 0
    raw[seen] = np.bincount(proposals, weights=scores, minlength=n_proposals)[seen] / counts[seen]
    if m == 0:
        return Calibration(np.zeros(n_reviewers), raw, raw.copy(), float("nan"))
    mean = float(scores.mean())
    rows = np.arange(m)
    design = sparse.csr_array(
        (np.ones(2 * m), (np.concatenate([rows, rows]), np.concatenate([proposals, n_proposals + reviewers]))),
        shape=(m, n_proposals + n_reviewers),
    )
    # Ridge on the reviewers' offsets (``damp``), hardly any on the proposals' effects (0.1 ×):
    # the evidence about a proposal is what we want to keep, a reviewer's bias what we doubt.
    penalty = sparse.diags(np.concatenate([np.full(n_proposals, 0.1 * damp), np.full(n_reviewers, damp)]), format="csr")
    augmented = sparse.vstack([design, penalty], format="csr")
    target = np.concatenate([scores - mean, np.zeros(n_proposals + n_reviewers)])
    solution = lsqr(augmented, target, atol=1e-12, btol=1e-12)[0]
    a, b = solution[:n_proposals], solution[n_proposals:]
    shift = float(np.mean(b[np.bincount(reviewers, minlength=n_reviewers) > 0]))  # leniency relative to peers
    calibrated = np.where(seen, mean + a + shift, np.nan)
    return Calibration(leniency=b - shift, raw=raw, calibrated=calibrated, mean=mean)
