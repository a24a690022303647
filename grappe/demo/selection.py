"""Demo selection of the closed call: the theme question set, consensus reports approved for
most reviewed proposals (the reviews' means, to the half point), one portfolio run under the
call's budget, adopted by the office. Decisions are left to the board. Skipped when a portfolio run exists."""

from __future__ import annotations

import random

from django.db import transaction

from grappe.calls.models import Call, QuestionKind
from grappe.selection import services
from grappe.selection.models import Consensus, ConsensusState, PortfolioRun

COMMENTS = [
    "An ambitious, well-built project; the risks need a mitigation plan.",
    "Strong partnership and clear impact; the data-management plan is thin.",
    "Relevant to the cluster's axes; the novelty is moderate.",
]


@transaction.atomic
def seed_selection(rng: random.Random, call: Call) -> dict[str, int]:
    if PortfolioRun.objects.filter(call=call).exists():
        return {"consensus": 0, "funded": 0}
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
            )
        )
    Consensus.objects.bulk_create(created)
    run = services.run_portfolio(call, {"budget": float(call.budget), "max_per_lead": 6, "min_rate": 1.0}, actor=None)
    if not run.error:
        services.adopt_portfolio_run(run, actor=None)  # recommendations follow the adopted run only
    services.ranking(call)  # the ranking as the office reads it, kept in the ledger (replayable)
    return {"consensus": len(created), "funded": len(run.result.get("funded", {}))}


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
