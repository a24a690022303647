"""The outcomes audit of a call: who succeeds, by group, and whether a gap is larger than chance
would give; reviewers' severity and load; conflicts of interest (docs/accountability.md)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.calls.models import Call
from grappe.people.models import Person
from grappe.privacy.models import CareerStage, Consent, ConsentKind, SelfDeclaration
from grappe.review.models import Conflict, ConflictOrigin, Review, ReviewState
from grappe.selection import services as selection
from grappe.selection.models import Outcome
from grappe.submissions.models import Proposal, ProposalState
from grappe.training.models import Gender
from grappe.training.queries import MIN_GROUP

SIGNIFICANCE = 0.05  # a gap is called "larger than chance would give" below this adjusted p-value

BREAKDOWNS = (
    ("institution", gettext_lazy("Lead institution")),
    ("kind", gettext_lazy("Kind of lead organisation")),
    ("theme", gettext_lazy("Theme")),
    ("seniority", gettext_lazy("Lead applicant's career stage (self-declared)")),
    ("gender", gettext_lazy("Lead applicant's gender (self-declared)")),
)
# Self-declared, with consent: a group is shown only with at least MIN_GROUP people, funded and
# not funded each 0 or at least MIN_GROUP (the training counts' rule, decision 0009); smaller
# groups are merged with the people who declared nothing (decision 0021).
DECLARED = ("seniority", "gender")
NOT_SHOWN = gettext_lazy("Not declared, or in a group too small to show")


MIN_REVIEWS = 2  # a reviewer's leniency is shown from this many reviews on (one says nothing)
NO_THEME = gettext_lazy("No theme")
NO_ORGANISATION = gettext_lazy("No organisation")
NO_DECISION = gettext_lazy(
    "No decision is recorded for this call yet: success rates and their tests will appear once the board has decided."
)


def percent(share: float) -> float:
    """A share as a percentage: whole points, one decimal under 10 % (1/200 → 0.5 %), rounded half
    up as the pages show it (``core.display.rate_number``: 1 of 80 → 1.3 %, 1 of 100 → "1.0 %")."""
    value = Decimal(str(share)) * 100
    places = 1 if abs(value) < 10 else 0
    return float(value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


@dataclass
class GroupRow:
    label: str
    proposals: int
    funded: int
    rate: float
    rate_gap: float
    rate_p: float | None  # adjusted for the number of groups (Holm); None: too few to test
    mean_score: float | None
    score_gap: float | None
    score_p: float | None

    @property
    def rate_percent(self) -> float:
        return percent(self.rate)

    @property
    def rate_gap_points(self) -> float:
        return percent(self.rate_gap)

    @property
    def rate_flag(self) -> bool:
        return self.rate_p is not None and self.rate_p < SIGNIFICANCE

    @property
    def score_flag(self) -> bool:
        return self.score_p is not None and self.score_p < SIGNIFICANCE

    @property
    def verdict(self) -> str:
        if self.rate_p is None:
            return _("too few proposals to test")
        found = [
            what for what, flag in ((_("success rate"), self.rate_flag), (_("mean score"), self.score_flag)) if flag
        ]
        if found:
            return _("%(what)s: the gap is larger than chance would give") % {"what": " · ".join(found)}
        return _("within what chance gives")


@dataclass
class Breakdown:
    key: str
    title: str
    rows: list[GroupRow]
    declared: int | None = None  # self-declared breakdowns: how many lead applicants declared


@dataclass
class ReviewerRow:
    name: str
    reviews: int
    leniency: float | None  # + scores higher than peers on the same proposals, − lower; None: too few


@dataclass
class Audit:
    call: Call
    proposals: int
    funded: int
    rate: float
    mean_score: float | None
    decisions: int  # proposals with a recorded decision: no test is shown before the first
    breakdowns: list[Breakdown]
    reviewers: list[ReviewerRow]
    load: dict[str, Any]
    conflicts: dict[str, Any]
    permutations: int
    seed: int
    min_group: int
    engine_version: str
    min_people: int = 10  # self-declared groups: the smallest shown (decision 0009)
    min_reviews: int = MIN_REVIEWS
    computed_at: Any = field(default_factory=timezone.now)

    @property
    def rate_percent(self) -> float:
        return percent(self.rate)

    @property
    def no_decision(self) -> str:
        return str(NO_DECISION)


def _min_group() -> int:
    return int(getattr(settings, "GRAPPE_AUDIT_MIN_GROUP", 5))


def outcomes_audit(call: Call, *, permutations: int = 2000, seed: int = 0) -> Audit:
    from grappe.engine import ENGINE_VERSION
    from grappe.engine.audit import holm, permutation_tests

    proposals = list(
        Proposal.objects.filter(call=call, state=ProposalState.SUBMITTED)
        .select_related("lead_organisation__parent", "decision")
        .order_by("code")
    )
    rows = {row.proposal.pk: row for row in selection.rows(call)}
    funded = np.array(
        [1.0 if getattr(getattr(p, "decision", None), "outcome", None) == Outcome.FUNDED else 0.0 for p in proposals]
    )
    scores = np.array(
        [float(rows[p.pk].score) if p.pk in rows and rows[p.pk].score is not None else np.nan for p in proposals]
    )
    minimum = _min_group()
    declarations = _declarations(call, proposals)
    breakdowns = []
    for key, title in BREAKDOWNS:
        declared = None
        if key in DECLARED:
            names, declared = _declared_groups(key, proposals, declarations, funded)
        else:
            names = [_group_of(key, p, rows.get(p.pk)) for p in proposals]
        order = sorted(set(names))
        labels = np.array([order.index(name) for name in names], dtype=np.int64)
        rate_tests = permutation_tests(funded, labels, permutations=permutations, seed=seed)
        score_tests = permutation_tests(scores, labels, permutations=permutations, seed=seed)
        testable = [i for i, t in enumerate(rate_tests) if t.size >= minimum]
        rate_p = dict(zip(testable, holm([rate_tests[i].p_value for i in testable]), strict=True))
        scored = [i for i in testable if score_tests[i].size >= minimum]
        score_p = dict(zip(scored, holm([score_tests[i].p_value for i in scored]), strict=True))
        group_rows = []
        for i, name in enumerate(order):
            rate, score = rate_tests[i], score_tests[i]
            group_rows.append(
                GroupRow(
                    label=name,
                    proposals=rate.size,
                    funded=round(rate.mean * rate.size),
                    rate=rate.mean,
                    rate_gap=rate.observed,
                    rate_p=rate_p.get(i),
                    mean_score=None if np.isnan(score.mean) else score.mean,
                    score_gap=score.observed if score.size else None,
                    score_p=score_p.get(i),
                )
            )
        group_rows.sort(key=lambda r: (-r.proposals, r.label))
        breakdowns.append(Breakdown(key=key, title=str(title), rows=group_rows, declared=declared))
    reviewers, load = _reviewers(call, list(rows.values()))
    scored_values = scores[~np.isnan(scores)]
    return Audit(
        call=call,
        proposals=len(proposals),
        funded=int(funded.sum()),
        rate=float(funded.mean()) if proposals else 0.0,
        mean_score=float(scored_values.mean()) if scored_values.size else None,
        decisions=sum(1 for p in proposals if getattr(p, "decision", None) is not None),
        breakdowns=breakdowns,
        reviewers=reviewers,
        load=load,
        conflicts=conflicts_audit(call),
        permutations=permutations,
        seed=seed,
        min_group=minimum,
        engine_version=ENGINE_VERSION,
        min_people=MIN_GROUP,
    )


def _group_of(key: str, proposal: Proposal, row: Any) -> str:
    organisation = proposal.lead_organisation
    if key == "institution":
        if organisation is None:
            return str(NO_ORGANISATION)
        root = organisation.parent or organisation
        return root.short_name or root.name
    if key == "kind":
        return organisation.get_kind_display() if organisation is not None else str(NO_ORGANISATION)
    return (row.theme_label if row is not None else "") or str(NO_THEME)


def _declarations(call: Call, proposals: list[Proposal]) -> dict[int, tuple[str, str]]:
    """Lead applicant → (career stage, gender) declared, for those whose consent stands."""

    latest = Consent.objects.filter(person=OuterRef("person"), kind=ConsentKind.EQUALITY).order_by(
        "-recorded_at", "-pk"
    )
    year = timezone.localtime(call.closes_at).year
    found = (
        SelfDeclaration.objects.filter(person_id__in={p.lead_id for p in proposals})
        .annotate(consented=Subquery(latest.values("given")[:1]))
        .filter(consented=True)
    )
    return {d.person_id: (d.stage(year), d.gender) for d in found}


def _declared_groups(
    key: str, proposals: list[Proposal], declarations: dict[int, tuple[str, str]], funded: np.ndarray
) -> tuple[list[str], int]:
    """Each proposal's group by its lead's declaration; groups under the threshold merged into
    "not shown"."""

    index = 0 if key == "seniority" else 1
    labels = dict(CareerStage.choices) if key == "seniority" else dict(Gender.choices)
    hidden = str(NOT_SHOWN)
    values = [declarations.get(p.lead_id, ("", ""))[index] for p in proposals]
    people: dict[str, set[int]] = {}
    funded_people: dict[str, set[int]] = {}
    for p, value, outcome in zip(proposals, values, funded, strict=True):
        people.setdefault(value, set()).add(p.lead_id)
        if outcome:
            funded_people.setdefault(value, set()).add(p.lead_id)
    shown = set()
    for value, persons in people.items():
        yes = len(funded_people.get(value, ()))
        no = len(persons) - yes
        if value and len(persons) >= MIN_GROUP and all(n == 0 or n >= MIN_GROUP for n in (yes, no)):
            shown.add(value)
    names = [str(labels.get(value, value)) if value in shown else hidden for value in values]
    return names, sum(
        1 for lead in {p.lead_id for p in proposals} if lead in declarations and declarations[lead][index]
    )


def _reviewers(call: Call, rows: list[Any]) -> tuple[list[ReviewerRow], dict[str, Any]]:
    """Each reviewer's severity from the calibration model (the one the ranking uses) and the
    spread of the load."""
    result, index = selection.fit_calibration(rows, selection.criteria_of(call))
    counts: dict[int, int] = {}
    for row in rows:
        for review in row.reviews:
            counts[review.assignment.reviewer_id] = counts.get(review.assignment.reviewer_id, 0) + 1
    names = {person.pk: person.full_name for person in Person.objects.filter(pk__in=list(counts))}
    reviewers = [
        ReviewerRow(
            name=names[pk],
            reviews=counts[pk],
            leniency=round(float(result.leniency[index[pk]]), 2) if pk in index and counts[pk] >= MIN_REVIEWS else None,
        )
        for pk in counts
    ]
    reviewers.sort(key=lambda r: (-(abs(r.leniency) if r.leniency is not None else 0), r.name))
    loads = sorted(counts.values())
    load: dict[str, Any] = {"reviewers": len(loads)}
    if loads:
        top = max(1, len(loads) // 10)
        load |= {
            "min": loads[0],
            "median": statistics.median(loads),
            "max": loads[-1],
            "top_share": round(sum(loads[-top:]) / sum(loads), 3),
            "top_percent": percent(sum(loads[-top:]) / sum(loads)),
            "top_count": top,
        }
    return reviewers, load


def conflicts_audit(call: Call) -> dict[str, Any]:
    """How many conflicts were computed, declared, added, waived (with the justifications), and
    the reviews written by someone found in conflict only afterwards."""
    conflicts = Conflict.objects.filter(call=call)
    by_origin = dict.fromkeys(ConflictOrigin.values, 0)
    for origin in conflicts.values_list("origin", flat=True):
        by_origin[origin] += 1
    waived = list(
        conflicts.filter(waived=True)
        .select_related("reviewer", "proposal")
        .order_by("proposal__code", "reviewer__last_name")
    )
    later = Conflict.objects.filter(
        call=call,
        reviewer_id=OuterRef("assignment__reviewer_id"),
        proposal_id=OuterRef("assignment__proposal_id"),
        created_at__gt=OuterRef("submitted_at"),
    )
    late = list(
        Review.objects.filter(assignment__call=call, state=ReviewState.SUBMITTED)
        .filter(Exists(later))
        .select_related("assignment__reviewer", "assignment__proposal")
        .order_by("assignment__proposal__code")
    )
    return {
        "computed": by_origin[ConflictOrigin.COMPUTED],
        "declared": by_origin[ConflictOrigin.DECLARED],
        "office": by_origin[ConflictOrigin.OFFICE],
        "waived": waived,
        "late": late,
    }
