"""Demo two-stage call (issue 18): "Chaires IA 2027", letters of intent in call ``CHAIRS-LOI``
(closed, 40 letters reviewed twice each, consensus approved) and full proposals in call
``CHAIRS-FULL`` (open). The shortlist recommendation is computed and followed: 15 teams are
invited (the ``applicant@`` demo account among them) and find their full proposal as a draft
with their letter's data; the 25 others got a notice, and one of them requested redress.
Six stage-1 reviewers are kept for stage 2, two excluded. Skipped when the link exists."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from grappe.calls.models import Call, CallState, CallType, Criterion, EvaluationScheme, Question, QuestionKind
from grappe.demo.calls import APPLICATIONS, METHODS, QUALIFIERS, member_academics
from grappe.people.models import Person
from grappe.programmes.models import Programme
from grappe.review.models import (
    AssignmentState,
    PoolMember,
    PoolState,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewState,
)
from grappe.selection.models import Consensus, ConsensusState
from grappe.stages import services
from grappe.stages.models import AppealSettings, RedressRequest, TwoStageCall
from grappe.submissions.models import (
    Answer,
    EthicsAssessment,
    InvitationState,
    Proposal,
    ProposalState,
    TeamMember,
    TeamRole,
)

PARIS = ZoneInfo("Europe/Paris")
STAGE1_CODE = "CHAIRS-LOI"
STAGE2_CODE = "CHAIRS-FULL"
LETTERS = 40
INVITED = 15
# Agreed scores (Excellence, Impact) of the 40 letters, best first: 3 at 10, 4 at 9.5, 8 at 9 —
# the 15 invited —, then 8.5 and 8 (passing the stage-1 thresholds of 4 each) and below.
SCORES = (
    [("5", "5")] * 3
    + [("5", "4.5")] * 2
    + [("4.5", "5")] * 2
    + [("4.5", "4.5")] * 8
    + [("4.5", "4")] * 7
    + [("4", "4")] * 4
    + [("4", "3.5")] * 6
    + [("3.5", "3.5")] * 3
    + [("3", "3")] * 5
)
COMMENTS = [
    "Projet de chaire original porté par une équipe crédible ; le plan de formation reste à détailler.",
    "Excellent parcours ; le lien avec les partenaires du cluster reste flou.",
    "Idée solide, mais l'ambition est modeste pour une chaire.",
]


def _stage_call(programme: Programme, code: str, **fields: object) -> Call:
    call = Call.objects.create(code=code, programme=programme, call_type=CallType.CHAIR, **fields)
    scheme = EvaluationScheme.objects.create(call=call, overall_threshold=Decimal("8"))
    # DOMAIN.md R4.5: stage 1 weighs Excellence and Impact only, threshold 4 each.
    criteria = [("Excellence", "Excellence"), ("Impact", "Impact")]
    if code == STAGE2_CODE:
        criteria.append(("Qualité et efficacité de la mise en œuvre", "Quality and efficiency of the implementation"))
        scheme.overall_threshold = Decimal("10")
        scheme.save()
    threshold = Decimal("4") if code == STAGE1_CODE else Decimal("3")
    Criterion.objects.bulk_create(
        Criterion(scheme=scheme, label_fr=fr, label_en=en, threshold=threshold, position=i)
        for i, (fr, en) in enumerate(criteria)
    )
    return call


@transaction.atomic
def seed_stages(rng: random.Random, programme: Programme) -> dict[str, int]:  # noqa: PLR0915 - one plan, then writes
    if TwoStageCall.objects.filter(stage1__code=STAGE1_CODE).exists():
        return {"letters": 0, "invited": 0}
    now = timezone.now()
    day = now.astimezone(PARIS).replace(hour=12, minute=0, second=0, microsecond=0)
    stage1 = _stage_call(
        programme,
        STAGE1_CODE,
        title_fr="Chaires IA 2027 — lettres d'intention",
        title_en="AI chairs 2027 — letters of intent",
        description_fr="Étape 1 : une lettre d'intention courte (résumé, montant indicatif). Les équipes retenues sont invitées à déposer une proposition complète.",
        description_en="Stage 1: a short letter of intent (summary, indicative amount). The teams retained are invited to submit a full proposal.",
        opens_at=day - timedelta(days=75),
        closes_at=day - timedelta(days=30),
        budget=Decimal("0.01"),  # the money is stage 2's (docs/stages.md)
        min_amount=Decimal("150000.00"),
        max_amount=Decimal("450000.00"),
        min_duration=36,
        max_duration=48,
        state=CallState.CLOSED,
    )
    stage2 = _stage_call(
        programme,
        STAGE2_CODE,
        title_fr="Chaires IA 2027 — propositions complètes",
        title_en="AI chairs 2027 — full proposals",
        description_fr="Étape 2 : sur invitation, après la lettre d'intention.",
        description_en="Stage 2: by invitation, after the letter of intent.",
        opens_at=day - timedelta(days=10),
        closes_at=day + timedelta(days=50),
        budget=Decimal("1500000.00"),
        min_amount=Decimal("150000.00"),
        max_amount=Decimal("450000.00"),
        min_duration=36,
        max_duration=48,
        state=CallState.PUBLISHED,
    )
    summary = {
        "kind": QuestionKind.LONG_TEXT,
        "label_fr": "Résumé du projet de chaire",
        "label_en": "Summary of the chair project",
        "required": True,
        "word_limit": 300,
    }
    question1 = Question.objects.create(call=stage1, position=1, **summary)
    Question.objects.create(call=stage2, position=1, **summary)
    Question.objects.create(
        call=stage2,
        kind=QuestionKind.LONG_TEXT,
        label_fr="Plan de travail et jalons",
        label_en="Work plan and milestones",
        required=True,
        word_limit=1500,
        position=2,
    )
    AppealSettings.objects.create(call=stage1, redress_days=30)
    AppealSettings.objects.create(
        call=stage2,
        rebuttal_opens_at=stage2.closes_at + timedelta(days=20),
        rebuttal_closes_at=stage2.closes_at + timedelta(days=27),
        rebuttal_word_limit=500,
        redress_days=30,
    )

    academics = list(member_academics().exclude(email__startswith="applicant@"))
    applicant = (
        Person.objects.filter(email__startswith="applicant@").prefetch_related("affiliations__organisation").first()
    )
    leads = rng.sample(academics, LETTERS)
    if applicant is not None:
        leads[1] = applicant  # the demo applicant's letter is among the best: invited
    letters = []
    for index, lead in enumerate(leads):
        method, application = rng.choice(METHODS), rng.choice(APPLICATIONS)
        title = f"Chair in {method.lower()} for {rng.choice(QUALIFIERS)} {application}"
        affiliation = lead.affiliations.all()[0] if lead.affiliations.all() else None
        letters.append(
            Proposal(
                code=f"LOI{index + 1:03d}{rng.choice('ABCDEFGH')}",
                call=stage1,
                title=title,
                acronym=f"CH-{method[:3].upper()}{index + 1}",
                abstract=f"A research and training chair on {method.lower()} applied to {application}.",
                requested_amount=Decimal(rng.randrange(150, 451, 10)) * 1000,
                duration_months=48,
                lead=lead,
                lead_organisation=affiliation.organisation if affiliation else None,
                state=ProposalState.SUBMITTED,
                submitted_at=stage1.closes_at - timedelta(hours=rng.randint(2, 400)),
                eligible=True,
            )
        )
    Proposal.objects.bulk_create(letters)
    letters = list(Proposal.objects.filter(call=stage1).select_related("lead").order_by("code"))
    TeamMember.objects.bulk_create(
        TeamMember(
            proposal=p,
            person=p.lead,
            email=p.lead.email,
            role=TeamRole.LEAD,
            organisation=p.lead_organisation,
            state=InvitationState.ACCEPTED,
        )
        for p in letters
    )
    EthicsAssessment.objects.bulk_create(EthicsAssessment(proposal=p) for p in letters)
    Answer.objects.bulk_create(
        Answer(
            proposal=p,
            question=question1,
            value=f"{p.abstract} The chair hosts two PhD students and a postdoc, and teaches a master course each year.",
        )
        for p in letters
    )

    # Stage-1 review: ten experts (the reviewer@ demo account among them), two reviews a letter.
    taken = {p.lead_id for p in letters}
    experts = [p for p in Person.objects.filter(user=None).exclude(pk__in=taken).order_by("code")[:60] if p.email]
    rng.shuffle(experts)
    reviewer_account = Person.objects.filter(user__email__startswith="reviewer@").first()
    experts = ([reviewer_account] if reviewer_account else []) + experts[: 10 - (1 if reviewer_account else 0)]
    PoolMember.objects.bulk_create(
        PoolMember(call=stage1, person=e, state=PoolState.ACCEPTED, max_load=10, responded_at=now) for e in experts
    )
    criteria = list(stage1.scheme.criteria.order_by("position"))
    # The letters in a shuffled order receive the planned scores; the demo applicant's gets a top one.
    order = letters[:]
    rng.shuffle(order)
    if applicant is not None:
        mine = next(p for p in order if p.lead_id == applicant.pk)
        order.remove(mine)
        order.insert(3, mine)
    assignments = []
    for index, proposal in enumerate(order):
        for k in range(2):
            assignments.append(
                ReviewAssignment(
                    call=stage1,
                    reviewer=experts[(2 * index + k) % len(experts)],
                    proposal=proposal,
                    state=AssignmentState.ACTIVE,
                    confirmed_at=now,
                )
            )
    ReviewAssignment.objects.bulk_create(assignments)
    saved = {(a.reviewer_id, a.proposal_id): a for a in ReviewAssignment.objects.filter(call=stage1)}
    reviews, consensus = [], []
    for proposal, (excellence, impact) in zip(order, SCORES, strict=True):
        agreed = {str(criteria[0].pk): excellence, str(criteria[1].pk): impact}
        for assignment in [a for (r, p), a in saved.items() if p == proposal.pk]:
            reviews.append(
                Review(
                    assignment=assignment,
                    scores=agreed,
                    comments={},
                    applicant_comment=rng.choice(COMMENTS),
                    recommendation=Recommendation.FUND if Decimal(excellence) >= 4 else Recommendation.REJECT,
                    state=ReviewState.SUBMITTED,
                    submitted_at=stage1.closes_at + timedelta(days=rng.randint(3, 12)),
                    version=2,
                )
            )
        consensus.append(
            Consensus(
                proposal=proposal,
                scores=agreed,
                comments={},
                applicant_comment=rng.choice(COMMENTS),
                state=ConsensusState.APPROVED,
                approved_at=now,
            )
        )
    Review.objects.bulk_create(reviews)
    Consensus.objects.bulk_create(consensus)

    # Stage 2's budget makes 3 × the budget fall inside the group of letters at 9 (ranks 8 to 15),
    # so the recommendation invites exactly the 15 best.
    top = sorted(order[:INVITED], key=lambda p: p.pk)
    requested = sum((p.requested_amount for p in top), Decimal("0"))
    stage2.budget = (requested / 3 / 10000).to_integral_value(rounding="ROUND_FLOOR") * 10000
    stage2.save(update_fields=["budget"])
    link = services.link_calls(stage1, stage2, target="3", minimum="2.5", actor=None)
    run = services.recommend_shortlist(link, actor=None)
    for proposal in letters:
        services.decide(proposal, invited=proposal.code in run.invited, expected_version=None, actor=None)
    services.send_notices(link, actor=None, notify=False)
    for index, expert in enumerate(experts[:8]):
        services.choose_reviewer(link, expert, keep=index < 6, actor=None)
    refused = next(p for p in order[INVITED:] if p.lead_id != (applicant.pk if applicant else None))
    RedressRequest.objects.create(
        proposal=refused,
        grounds=(
            "Notre lettre a été évaluée par un expert d'un laboratoire partenaire : nous demandons au "
            "bureau de vérifier le conflit d'intérêts."
        ),
    )
    return {"letters": len(letters), "invited": len(run.invited)}
