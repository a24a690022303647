"""Whom to invite to stage 2 (DOMAIN.md R4.5): framework-free, so it reads like the rule.

Candidates are the letters of intent that pass the stage-1 thresholds and are ready (enough
reviews, an approved consensus), best first. The shortlist is the shortest head of that list
whose requested amounts reach ``target × budget``; proposals tied with the last one on score
come along (the cut never separates equals). When every candidate together stays under
``minimum × budget``, all are shortlisted and the result says the pool is too small.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Candidate:
    code: str
    score: Decimal | None
    amount: Decimal
    passes: bool
    ready: bool


@dataclass
class Shortlist:
    invite: list[str]
    requested: Decimal
    ratio: Decimal | None
    reached_target: bool
    reached_minimum: bool
    candidates: int


def shortlist(items: list[Candidate], *, budget: Decimal, target: Decimal, minimum: Decimal) -> Shortlist:
    """``items`` in ranking order; see the module's docstring."""
    candidates = [c for c in items if c.passes and c.ready]
    goal = target * budget
    invite: list[str] = []
    requested = Decimal("0")
    last_score: Decimal | None = None
    for candidate in candidates:
        if requested >= goal and candidate.score != last_score:
            break
        invite.append(candidate.code)
        requested += candidate.amount
        last_score = candidate.score
    ratio = (requested / budget).quantize(Decimal("0.01")) if budget > 0 else None
    return Shortlist(
        invite=invite,
        requested=requested,
        ratio=ratio,
        reached_target=requested >= goal,
        reached_minimum=requested >= minimum * budget,
        candidates=len(candidates),
    )
