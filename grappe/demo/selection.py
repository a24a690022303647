"""Demo selection of the closed call: the theme question set, consensus reports approved by the
office for most reviewed proposals (the reviews' means, to the half point), one portfolio run
under the call's budget, run and adopted by the office, and three decisions with their whole
chain (reviews → consensus → ranking → portfolio run → decision): two follow the suggestion, one
departs from it with a justification shared with the applicants. The other proposals are left to
the board. Skipped when a portfolio run exists."""

from __future__ import annotations

import random

from django.db import transaction
from django.utils import timezone

from grappe.calls.models import Call, QuestionKind
from grappe.core.services import log_action
from grappe.people.models import User
from grappe.selection import services
from grappe.selection.models import Consensus, ConsensusState, Outcome, PortfolioRun

# What the panel and the office write is in French, as a French cluster's office writes.
COMMENTS = [
    "Projet ambitieux et bien construit ; les risques demandent un plan d'atténuation.",
    "Partenariat solide et impact clair ; le plan de gestion des données reste succinct.",
    "Projet en phase avec les axes du cluster ; la nouveauté est modérée.",
]


@transaction.atomic
def seed_selection(rng: random.Random, call: Call) -> dict[str, int]:
    if PortfolioRun.objects.filter(call=call).exists():
        return {"consensus": 0, "funded": 0, "decided": 0}
    office = User.objects.filter(email__startswith="office@").order_by("pk").first()
    settings = services.settings_for(call)
    settings.theme_question = call.questions.filter(kind=QuestionKind.SINGLE_CHOICE).order_by("position").first()
    settings.save()
    rows = [row for row in services.rows(call) if len(row.reviews) >= 2]
    created = []
    for row in rows:
        if rng.random() > 0.8:
            continue
        created.append(
            Consensus(
                proposal=row.proposal,
                scores=services.draft_values(row),
                comments={},
                applicant_comment=rng.choice(COMMENTS),
                state=ConsensusState.APPROVED,
                approved_by=office,
                approved_at=timezone.now(),
            )
        )
    Consensus.objects.bulk_create(created)
    for consensus in created:  # as approving through the page would log it
        log_action(consensus.proposal, "selection.consensus_approved", actor=office)
    parameters = {"budget": float(call.budget), "max_per_lead": 6, "min_rate": 1.0}
    run = services.run_portfolio(call, parameters, actor=office)
    if not run.error:
        services.adopt_portfolio_run(run, actor=office)  # recommendations follow the adopted run only
    ranked = services.ranking(call)  # the ranking as the office reads it, kept in the ledger (replayable)
    decided = _decide_a_few(ranked, office) if not run.error else 0
    return {"consensus": len(created), "funded": len(run.result.get("funded", {})), "decided": decided}


DEPARTURE = (
    "Le comité finance ce projet bien que le portefeuille suggéré l'ait écarté : son partenariat "
    "avec un hôpital ouvre un champ que le cluster ne couvre pas encore."
)
DEPARTURE_SHARED = (
    "Le comité a choisi de financer votre projet bien que le portefeuille suggéré ne l'ait pas retenu, "
    "car il ouvre un champ que le cluster ne couvre pas encore."
)


def _decide_a_few(ranked: list[services.Row], office: User | None) -> int:
    """Three decisions with a complete chain, as the board would record them: the best-ranked
    proposal funded as suggested, the last-ranked decided as suggested, and one funded against the suggestion
    with a shared justification. The rest of the call is left to decide."""
    rows = sorted(
        (r for r in ranked if r.recommendation and not r.not_ready and r.reviews),
        key=lambda r: r.rank or 0,
    )
    funded = [r for r in rows if r.recommendation == Outcome.FUNDED]
    others = [r for r in rows if r.recommendation in (Outcome.RESERVE, Outcome.REJECTED)]
    if not funded or len(others) < 2:
        return 0
    follow, depart = others[-1], others[0]
    plan = [
        (funded[0], Outcome.FUNDED, funded[0].recommended_amount, None, "", ""),
        (follow, follow.recommendation, None, 1 if follow.recommendation == Outcome.RESERVE else None, "", ""),
        (depart, Outcome.FUNDED, depart.proposal.requested_amount, None, DEPARTURE, DEPARTURE_SHARED),
    ]
    for row, outcome, amount, reserve_rank, justification, shared in plan:
        services.record_decision(
            row.proposal,
            outcome=outcome,
            amount=amount,
            reserve_rank=reserve_rank,
            justification=justification,
            shared_justification=shared,
            expected_version=None,
            actor=office,
        )
    return len(plan)


@transaction.atomic
def seed_declarations(rng: random.Random, call: Call) -> int:
    """About two leads in three of the closed call declare a career stage and a gender, with the
    consent of kind ``equality`` (decision 0021), so the audit's declared breakdowns have groups of
    ten. Skipped when any declaration exists."""
    from grappe.privacy.models import CareerStage, Consent, ConsentKind, SelfDeclaration
    from grappe.privacy.texts import CONSENT_TEXTS
    from grappe.training.models import Gender

    if SelfDeclaration.objects.exists():
        return 0
    version = CONSENT_TEXTS[ConsentKind.EQUALITY][0]
    leads = sorted(set(call.proposals.filter(state="submitted").values_list("lead_id", flat=True)))
    stages = [CareerStage.DOCTORAL, CareerStage.EARLY, CareerStage.EARLY, CareerStage.MID, CareerStage.MID]
    stages += [CareerStage.SENIOR, CareerStage.SENIOR, CareerStage.SENIOR]
    genders = [Gender.FEMALE, Gender.FEMALE, Gender.MALE, Gender.MALE, Gender.MALE, Gender.UNSAID]
    declaring = [pk for pk in leads if rng.random() < 0.67]
    Consent.objects.bulk_create(
        [Consent(person_id=pk, kind=ConsentKind.EQUALITY, given=True, text_version=version) for pk in declaring]
    )
    SelfDeclaration.objects.bulk_create(
        [SelfDeclaration(person_id=pk, career_stage=rng.choice(stages), gender=rng.choice(genders)) for pk in declaring]
    )
    return len(declaring)
