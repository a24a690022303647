"""The ranking and its calibration kept as runs, so they can be replayed (``core.replay``,
docs/accountability.md, decision 0020).

A ranking is computed live from the records (and cached, ``ranking_store``). Each time one is
computed to be shown, exported or relied on by a decision, :func:`record` keeps what it read
(every eligible proposal's score, whether it passes the thresholds, its tie-break keys, and every
complete review's weighted score for the calibration) and what it concluded, in a
:class:`RankingRun`; the same inputs with the same engine reuse the same run.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from grappe.calls.models import Call, Criterion
from grappe.people.models import Person
from grappe.selection.models import RankingRun

DAMP = 1.0  # the calibration's regularisation (engine.calibration.calibrate's default)


def calibration_triples(items: list[Any], criteria: list[Criterion]) -> list[tuple[int, int, float]]:
    """(reviewer id, row index, weighted score) of every complete review of ``items``, in order."""
    from grappe.selection.services import weighted

    triples = []
    for j, row in enumerate(items):
        for review in row.reviews:
            score = weighted(review.scores, criteria)
            if score is not None:
                triples.append((review.assignment.reviewer_id, j, float(score)))
    return triples


def calibrate(triples: list[tuple[Any, int, float]], n_proposals: int) -> tuple[Any, dict[Any, int]]:
    """The calibration model fitted on ``triples`` (reviewers numbered in order of appearance)."""
    import numpy as np

    from grappe.engine.calibration import calibrate as fit

    reviewers: dict[Any, int] = {}
    r_idx = [reviewers.setdefault(reviewer, len(reviewers)) for reviewer, _j, _v in triples]
    result = fit(
        np.array(r_idx, dtype=np.int64),
        np.array([j for _r, j, _v in triples], dtype=np.int64),
        np.array([v for _r, _j, v in triples]),
        n_reviewers=len(reviewers),
        n_proposals=n_proposals,
        damp=DAMP,
    )
    return result, reviewers


def ranking_inputs(items: list[Any], criteria: list[Criterion], rules: list[str]) -> dict[str, Any]:
    """Everything the ranking reads, as plain JSON: per proposal (in the calibration's order) its
    code, whether it passes the thresholds, its score and tie-break keys (decimals as text); the
    reviews' weighted scores by reviewer code; the tie rules in order."""
    from grappe.selection.services import _tie_key

    triples = calibration_triples(items, criteria)
    codes = dict(Person.objects.filter(pk__in={r for r, _j, _v in triples}).values_list("pk", "code"))
    return {
        "rules": list(rules),
        "damp": DAMP,
        "proposals": [
            [
                row.proposal.code,
                bool(row.passes),
                None if row.score is None else str(row.score),
                [str(_tie_key(row, rule, criteria)) for rule in rules],
            ]
            for row in items
        ],
        "reviews": [[codes[r], items[j].proposal.code, value] for r, j, value in triples],
    }


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def ranking_outcome(payload: dict[str, Any]) -> dict[str, Any]:
    """The ranking and calibration from stored inputs: what a run kept and its replay recomputes."""
    proposals = payload["proposals"]
    index = {code: j for j, (code, *_rest) in enumerate(proposals)}
    triples = [(reviewer, index[code], value) for reviewer, code, value in payload["reviews"]]
    result, reviewers = calibrate(triples, len(proposals))

    def key(item: list[Any]) -> tuple[Any, ...]:
        code, passes, score, ties = item
        return (
            not passes,
            -(Decimal(score) if score is not None else Decimal("-1")),
            *[-Decimal(t) for t in ties],
            code,
        )

    return {
        "order": [item[0] for item in sorted(proposals, key=key)],
        "calibrated": {code: _number(result.calibrated[j]) for j, (code, *_r) in enumerate(proposals)},
        "leniency": {reviewer: _number(result.leniency[i]) for reviewer, i in reviewers.items()},
    }


def compare_ranking(kept: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    before = {code: n for n, code in enumerate(kept.get("order") or [], start=1)}
    after = {code: n for n, code in enumerate(new["order"], start=1)}
    moved = [code for code in after if code in before and before[code] != after[code]]
    for code in moved[:10]:
        lines.append(
            _("%(code)s: ranked %(then)d, now %(now)d") % {"code": code, "then": before[code], "now": after[code]}
        )
    if len(moved) > 10:
        lines.append(_("%(n)d more proposals moved") % {"n": len(moved) - 10})
    if set(before) != set(after):
        lines.append(_("Not the same proposals ranked."))
    for name, label in (("calibrated", _("calibrated scores")), ("leniency", _("reviewers' leniency"))):
        then, now = kept.get(name) or {}, new[name]
        if then != now:
            gaps = [abs(then[k] - now[k]) for k in set(then) & set(now) if then[k] is not None and now[k] is not None]
            lines.append(
                _("%(what)s differ (by up to %(gap).6f).") % {"what": label.capitalize(), "gap": max(gaps, default=0.0)}
            )
    return lines


def record(call: Call, items: list[Any], criteria: list[Criterion], rules: list[str]) -> RankingRun:
    """Keep the ranking just computed (``items``, ranked) as a run, or return the run that already
    kept the same inputs with this engine."""
    from grappe.core.replay import store_inputs
    from grappe.engine import ENGINE_VERSION

    payload = ranking_inputs(sorted(items, key=lambda row: row.proposal.code), criteria, rules)
    stored = store_inputs(payload)
    found = RankingRun.objects.filter(call=call, inputs_hash=stored.digest, engine_version=ENGINE_VERSION).first()
    if found is not None:
        return found
    run = RankingRun(
        call=call,
        parameters={"rules": list(rules), "damp": DAMP},
        result=ranking_outcome(payload),
        engine_version=ENGINE_VERSION,
        inputs_hash=stored.digest,
        inputs=stored,
    )
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:  # recorded by another request meanwhile: the same inputs
        return RankingRun.objects.get(call=call, inputs_hash=stored.digest, engine_version=ENGINE_VERSION)
    return run
