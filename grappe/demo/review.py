"""Demo expert review of the closed call: about 150 experts with publications, conflicts and
affinities computed, one published assignment and about 70 % of the reviews submitted, so that
selection has material. Deterministic from the seed; skipped when the call already has a
published assignment."""

from __future__ import annotations

import random
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from grappe.calls.models import Call
from grappe.demo.calls import APPLICATIONS, METHODS, QUALIFIERS
from grappe.demo.people import PeopleSeed
from grappe.people.models import Person
from grappe.review import services
from grappe.review.models import (
    AssignmentState,
    EngineRun,
    PoolMember,
    PoolState,
    Publication,
    PublicationSource,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewState,
    RunKind,
)
from grappe.submissions.models import Proposal, TeamMember

PARIS = ZoneInfo("Europe/Paris")
VERBS = ["Towards", "Learning", "Scaling", "Benchmarking", "Revisiting", "Evaluating"]
# What experts write is in French, like the rest of the demo's user-written text.
CRITERION_COMMENTS = ["Convaincant.", "Pourrait être plus précis.", "Bien argumenté."]
APPLICANT_COMMENTS = [
    "Projet clair et ambitieux ; le programme de travail pourrait détailler les risques.",
    "Équipe et partenaires solides ; la partie impact demande des objectifs mesurables.",
    "Projet pertinent pour le cluster ; la méthodologie n'est que partiellement nouvelle.",
]
DECLINES = ["En congé sabbatique jusqu'en septembre", "Trop d'engagements ce semestre", "Hors de mon expertise"]


def _publication_title(rng: random.Random, method: str, application: str) -> str:
    return f"{rng.choice(VERBS)} {method.lower()} for {rng.choice(QUALIFIERS)} {application}"


@transaction.atomic
def seed_review(rng: random.Random, people: PeopleSeed, call: Call, *, experts: int = 150) -> dict[str, int]:
    if EngineRun.objects.filter(call=call, kind=RunKind.ASSIGNMENT).exclude(published_at=None).exists():
        return {"experts": 0, "assignments": 0, "reviews": 0}
    settings = services.settings_for(call)
    settings.review_deadline = datetime(2027, 1, 29, 18, tzinfo=PARIS)
    settings.save()
    leads = set(Proposal.objects.filter(call=call).values_list("lead_id", flat=True))
    team = list(TeamMember.objects.filter(proposal__call=call).exclude(person=None).select_related("person")[:400])
    reviewer_account = Person.objects.filter(user__email__startswith="reviewer@").first()
    candidates = [p for p in Person.objects.filter(user=None).order_by("code") if p.pk not in leads]
    rng.shuffle(candidates)
    chosen = ([reviewer_account] if reviewer_account else []) + candidates[: experts - 1]
    members, publications = [], []
    for index, person in enumerate(chosen):
        state = PoolState.ACCEPTED
        draw = rng.random()
        if index and draw < 0.05:
            state = PoolState.DECLINED
        elif index and draw < 0.08:
            state = PoolState.INVITED
        members.append(
            PoolMember(
                call=call,
                person=person,
                state=state,
                decline_reason=rng.choice(DECLINES) if state == PoolState.DECLINED else "",
                max_load=rng.choice([5, 6, 6, 8]),
                is_external=rng.random() < 0.35,
                is_international=rng.random() < 0.2,
                responded_at=timezone.now() if state != PoolState.INVITED else None,
            )
        )
        methods = rng.sample(METHODS, 2)
        applications = rng.sample(APPLICATIONS, 2)
        me = f"{person.last_name}, {person.first_name}"
        for _ in range(rng.randint(3, 7)):
            authors = [me]
            if team and rng.random() < 0.03:  # a few co-authorships with applicants: conflicts
                coauthor = rng.choice(team).person
                authors.append(f"{coauthor.last_name}, {coauthor.first_name}")
            title = _publication_title(rng, rng.choice(methods), rng.choice(applications))
            publications.append(
                Publication(
                    person=person,
                    title=title,
                    abstract=f"We study {title.lower()}, with open data and reproducible baselines.",
                    year=rng.randint(2012, 2026),
                    authors=authors,
                    source=PublicationSource.BIBTEX,
                )
            )
    PoolMember.objects.bulk_create(members, ignore_conflicts=True)
    Publication.objects.bulk_create(publications)
    services.compute_conflicts(call, actor=None)
    affinity = EngineRun.objects.create(call=call, kind=RunKind.AFFINITY, parameters={"backend": "tfidf"})
    services.execute_affinity(affinity)
    run = EngineRun.objects.create(
        call=call,
        kind=RunKind.ASSIGNMENT,
        parameters={
            "reviews_per_proposal": 3,
            "max_load": None,
            "objective": "max-affinity",
            "q": 0.5,
            "bid_weight": 0,
            "require_external": True,
            "seed": 1,
        },
        seed=1,
    )
    services.execute_assignment(run)
    run.refresh_from_db()
    count = services.publish_run(run, actor=None, notify=False) if run.state == "done" else 0
    ReviewAssignment.objects.filter(call=call).update(confirmed_at=timezone.now())
    criteria = list(call.scheme.criteria.all())
    reviews = []
    for assignment in ReviewAssignment.objects.filter(call=call, state=AssignmentState.ACTIVE).order_by("pk"):
        if rng.random() > 0.7:
            continue
        base = rng.choice([2.5, 3, 3.5, 4, 4, 4.5])
        scores = {str(c.pk): str(Decimal(str(max(0, min(5, base + rng.choice([-0.5, 0, 0, 0.5])))))) for c in criteria}
        mean = sum(float(v) for v in scores.values()) / max(len(scores), 1)
        recommendation = (
            Recommendation.FUND if mean >= 4 else Recommendation.FUND_IF if mean >= 3 else Recommendation.REJECT
        )
        reviews.append(
            Review(
                assignment=assignment,
                scores=scores,
                comments={str(c.pk): rng.choice(CRITERION_COMMENTS) for c in criteria},
                applicant_comment=rng.choice(APPLICANT_COMMENTS),
                confidential_comment="",
                recommendation=recommendation,
                state=ReviewState.SUBMITTED,
                submitted_at=timezone.now(),
                version=2,
            )
        )
    Review.objects.bulk_create(reviews)
    return {"experts": len(members), "assignments": count, "reviews": len(reviews)}
