"""Demo programme, calls and proposals: a closed call with about 200 submitted proposals and an
open call with a few drafts. Deterministic from the seed; idempotent (matched by title)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from grappe.calls.models import (
    HORIZON_EUROPE_OVERALL,
    HORIZON_EUROPE_PRESET,
    Call,
    CallState,
    CallType,
    Criterion,
    EligibilityRule,
    EvaluationScheme,
    Question,
    QuestionKind,
    RuleKind,
)
from grappe.core.money import money
from grappe.demo.pdf import text_document
from grappe.demo.people import TOPICS, PeopleSeed, _code
from grappe.people.models import Organisation, OrganisationKind, Person, Relationship
from grappe.people.services import keywords_from_names
from grappe.programmes.models import CostCategory, Programme
from grappe.programmes.services import ensure_anr_categories
from grappe.submissions.models import (
    AIActCategory,
    Answer,
    BudgetLine,
    CoFunding,
    ContributionKind,
    EthicsAssessment,
    InvitationState,
    PartnerRole,
    Proposal,
    ProposalPartner,
    ProposalState,
    TeamMember,
    TeamRole,
)

PARIS = ZoneInfo("Europe/Paris")
PROGRAMME_NAME = "PostGenAI@Paris — IA-Cluster (France 2030)"
CLOSED_TITLE = "Projets collaboratifs d'accélération 2026"
OPEN_TITLE = "Projets de recherche exploratoire 2027"

METHODS = [
    "Large language models",
    "Self-supervised learning",
    "Graph neural networks",
    "Federated learning",
    "Diffusion models",
    "Reinforcement learning",
    "Causal inference",
    "Explainable AI",
    "Multimodal foundation models",
    "Neuro-symbolic reasoning",
    "Frugal AI",
    "Privacy-preserving learning",
    "Active learning",
    "Optimal transport",
    "Uncertainty quantification",
    "Retrieval-augmented generation",
]
APPLICATIONS = [
    "clinical decision support",
    "radiology reports",
    "legal document analysis",
    "French public services",
    "biodiversity monitoring",
    "industrial predictive maintenance",
    "autonomous mobile robots",
    "energy grid balancing",
    "financial risk assessment",
    "music and creative industries",
    "higher-education tutoring",
    "supply-chain optimisation",
    "climate downscaling",
    "drug discovery pipelines",
    "smart manufacturing",
    "misinformation detection",
    "agricultural yield forecasting",
    "human-robot collaboration in factories",
    "accessible interfaces for people with disabilities",
    "cultural heritage archives",
]
QUALIFIERS = [
    "trustworthy",
    "frugal",
    "bilingual French–English",
    "certifiable",
    "human-centred",
    "robust",
    "scalable",
    "fair",
]
ACRONYM_PARTS = [
    "NEO",
    "LUM",
    "SYN",
    "CAR",
    "VIA",
    "ORA",
    "TRI",
    "MED",
    "JUR",
    "ECO",
    "AGR",
    "ROB",
    "SON",
    "GEN",
    "DAT",
    "FAI",
]


def scientific_document(proposal: Proposal, keywords: list[str]) -> bytes:
    """The proposal's scientific document: a few pages a reviewer can read, written from its title,
    abstract and keywords (no random draw, so the rest of the seed stays as it was)."""
    first, second, third = ((keywords or [proposal.title]) * 3)[:3]
    sections = [
        ("Abstract", proposal.abstract),
        (
            "1. Context and state of the art",
            (
                f"Work on {first} has advanced quickly, but methods remain hard to transfer from benchmarks to the "
                f"settings of industry. Recent results on {second} show gains on public datasets; they rarely report "
                f"their cost, their robustness to distribution shift, or their behaviour on the partners' data. "
                f"This project starts from that gap."
            ),
        ),
        (
            "2. Objectives",
            (
                f"O1. Build an open benchmark for {first} with the partners' use cases.\n"
                f"O2. Design methods for {second} that are robust, frugal and explainable.\n"
                f"O3. Transfer the results to the partners through a demonstrator and training material on {third}."
            ),
        ),
        (
            "3. Methodology and work plan",
            (
                "WP1 (months 1-12) collects and documents the data, under a data management plan and the GDPR. "
                "WP2 (months 6-30) develops and evaluates the methods against strong baselines, with ablations and "
                "statistical tests. WP3 (months 18-36) integrates them in a demonstrator with the industrial partners. "
                "WP4 (whole project) manages the project, its ethics and AI Act screening, and disseminates the results."
            ),
        ),
        (
            "4. Expected impact",
            (
                f"Scientific: publications in the main venues of {first} and {second}; open-source software. "
                "Economic: a demonstrator the partners can take to production. Training: a course for the cluster's "
                "master programmes and two PhD theses."
            ),
        ),
        (
            "5. Consortium",
            "Academic teams of the cluster's member institutions and the industrial partners named in the proposal.",
        ),
    ]
    return text_document(f"{proposal.acronym} - {proposal.title}" if proposal.acronym else proposal.title, sections)


def _paris(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=PARIS)


def _programme(rng: random.Random) -> Programme:
    code = _code(rng)
    existing = Programme.objects.filter(name=PROGRAMME_NAME).first()
    if existing:
        return existing
    programme = Programme.objects.create(
        code=code,
        name=PROGRAMME_NAME,
        funders="France 2030, opéré par l'ANR",
        total_amount=Decimal("35000000.00"),
        start_year=2025,
        end_year=2029,
        overhead_rate=Decimal("0.0800"),
    )
    programme.cost_categories.set(ensure_anr_categories())
    return programme


def _call(rng: random.Random, programme: Programme, *, title: str, **fields: object) -> tuple[Call, bool]:
    code = _code(rng)
    existing = Call.objects.filter(title_fr=title).first()
    if existing:
        return existing, False
    return Call.objects.create(code=code, programme=programme, title_fr=title, **fields), True


def _configure(call: Call, *, min_partners: int, min_cofunding: int, with_pdf: bool) -> list[Question]:
    EligibilityRule.objects.bulk_create(
        [
            EligibilityRule(call=call, kind=RuleKind.LEAD_IS_MEMBER),
            EligibilityRule(call=call, kind=RuleKind.MIN_PARTNERS, parameter=Decimal(min_partners)),
            EligibilityRule(call=call, kind=RuleKind.MIN_COFUNDING, parameter=Decimal(min_cofunding)),
            EligibilityRule(call=call, kind=RuleKind.AMOUNT_IN_RANGE),
            EligibilityRule(call=call, kind=RuleKind.DURATION_IN_RANGE),
            EligibilityRule(call=call, kind=RuleKind.BUDGET_MATCHES),
            EligibilityRule(call=call, kind=RuleKind.REQUIRED_ATTACHMENTS),
            EligibilityRule(call=call, kind=RuleKind.REQUIRED_QUESTIONS),
        ]
    )
    questions = [
        Question(
            call=call,
            kind=QuestionKind.LONG_TEXT,
            label_fr="Impact attendu pour les partenaires",
            label_en="Expected impact for the partners",
            required=True,
            word_limit=300,
            position=1,
        ),
        Question(
            call=call,
            kind=QuestionKind.SINGLE_CHOICE,
            label_fr="Axe stratégique du cluster",
            label_en="Strategic axis of the cluster",
            required=True,
            position=2,
            choices=[
                {"fr": "IA et santé", "en": "AI and health"},
                {"fr": "IA et société", "en": "AI and society"},
                {"fr": "IA pour l'industrie", "en": "AI for industry"},
                {"fr": "Fondements de l'IA", "en": "Foundations of AI"},
            ],
        ),
        Question(
            call=call,
            kind=QuestionKind.YES_NO,
            label_fr="Le projet prévoit-il une thèse CIFRE ?",
            label_en="Does the project include a CIFRE PhD?",
            position=3,
        ),
    ]
    if with_pdf:
        questions.append(
            Question(
                call=call,
                kind=QuestionKind.PDF,
                label_fr="Document scientifique (PDF, 10 pages max.)",
                label_en="Scientific document (PDF, 10 pages max.)",
                required=True,
                position=4,
            )
        )
    Question.objects.bulk_create(questions)
    scheme = EvaluationScheme.objects.create(call=call, overall_threshold=HORIZON_EUROPE_OVERALL)
    Criterion.objects.bulk_create(
        Criterion(scheme=scheme, label_fr=fr, label_en=en, weight=w, threshold=t, position=i)
        for i, (fr, en, w, t) in enumerate(HORIZON_EUROPE_PRESET)
    )
    return list(call.questions.order_by("position"))


def _title(rng: random.Random) -> tuple[str, str, list[str]]:
    method, application = rng.choice(METHODS), rng.choice(APPLICATIONS)
    title = f"{method} for {rng.choice(QUALIFIERS)} {application}"
    acronym = "".join(rng.sample(ACRONYM_PARTS, 2)) + rng.choice(["", "IA", "X", "-2"])
    topic = rng.choice(list(TOPICS))
    keywords = [method.lower(), *rng.sample(TOPICS[topic], 2)]
    return title, acronym, keywords


def _abstract(rng: random.Random, title: str, keywords: list[str]) -> str:
    return (
        f"This project develops {title.lower()}. "
        f"It brings together academic teams of the cluster and industrial partners around {keywords[1]} and {keywords[2]}. "
        f"We will build open benchmarks, release reusable software, and evaluate the methods on the partners' data under "
        f"strict data-protection rules. Expected results include {rng.randint(3, 8)} publications, a demonstrator at TRL "
        f"{rng.randint(3, 6)}, and training material for the cluster's master programmes."
    )


@transaction.atomic
def seed_calls(rng: random.Random, people: PeopleSeed, *, proposal_count: int = 200) -> dict[str, object]:
    programme = _programme(rng)
    categories = list(
        CostCategory.objects.filter(code__in=["personnel", "equipment", "services", "general"]).order_by("position")
    )
    now = timezone.now()
    closed, closed_new = _call(
        rng,
        programme,
        title=CLOSED_TITLE,
        title_en="Collaborative acceleration projects 2026",
        call_type=CallType.ACCELERATION,
        description_fr="Appel aux projets collaboratifs d'accélération associant des équipes académiques des membres du cluster et au moins un partenaire industriel.",
        description_en="Call for collaborative acceleration projects that bring together academic teams of the cluster's members and at least one industrial partner.",
        opens_at=_paris(2026, 2, 2, 9),
        closes_at=_paris(2026, 5, 29, 12),
        budget=Decimal("6000000.00"),
        min_amount=Decimal("100000.00"),
        max_amount=Decimal("600000.00"),
        min_duration=12,
        max_duration=36,
        state=CallState.CLOSED,
    )
    open_call, open_new = _call(
        rng,
        programme,
        title=OPEN_TITLE,
        title_en="Exploratory research projects 2027",
        call_type=CallType.RESEARCH,
        description_fr="Projets de recherche exploratoire de 12 à 24 mois sur les fondements et les usages de l'IA générative.",
        description_en="Exploratory research projects of 12 to 24 months on the foundations and uses of generative AI.",
        opens_at=(now - timedelta(days=21)).astimezone(PARIS).replace(hour=9, minute=0, second=0, microsecond=0),
        closes_at=(now + timedelta(days=52)).astimezone(PARIS).replace(hour=12, minute=0, second=0, microsecond=0),
        budget=Decimal("2500000.00"),
        min_amount=Decimal("50000.00"),
        max_amount=Decimal("250000.00"),
        min_duration=12,
        max_duration=24,
        state=CallState.PUBLISHED,
    )
    created = 0
    if closed_new:
        questions = _configure(closed, min_partners=1, min_cofunding=30, with_pdf=True)
        created += _proposals(rng, closed, questions, categories, people, count=proposal_count, submitted=True)
    if open_new:
        questions = _configure(open_call, min_partners=1, min_cofunding=20, with_pdf=False)
        created += _proposals(rng, open_call, questions, categories, people, count=6, submitted=False)
    return {"programme": programme, "closed": closed, "open": open_call, "proposals": created}


def member_academics() -> QuerySet[Person]:
    """People of the cluster's academic members who may apply (not the office nor the board)."""
    return (
        Person.objects.filter(
            affiliations__organisation__relationship=Relationship.MEMBER,
            affiliations__organisation__kind__in=list(OrganisationKind.academic()),
        )
        .exclude(email__startswith="office@")
        .exclude(email__startswith="board@")
        .prefetch_related("affiliations__organisation")
        .order_by("pk")
        .distinct()
    )


def _proposals(rng, call, questions, categories, people: PeopleSeed, *, count: int, submitted: bool) -> int:  # noqa: PLR0915 - one pass that plans every row, then bulk inserts
    academics = list(member_academics())
    companies = list(Organisation.objects.filter(relationship=Relationship.PARTNER).order_by("pk"))
    applicant = (
        Person.objects.filter(email__startswith="applicant@").prefetch_related("affiliations__organisation").first()
    )
    years = [2026, 2027, 2028] if submitted else [2027, 2028]
    proposals, teams, partners_rows, commitments_plan, lines, answers, ethics = [], [], [], [], [], [], []
    keyword_plan: list[list[str]] = []
    for i in range(count):
        lead = applicant if (not submitted and i == 0 and applicant) else rng.choice(academics)
        lead_org = lead.affiliations.all()[0].organisation
        title, acronym, keywords = _title(rng)
        duration = rng.choice([12, 18, 24, 36]) if submitted else rng.choice([12, 18, 24])
        n_years = 3 if duration > 24 else 2
        amount_years = years[:n_years]
        # Budget lines: the lead organisation and one academic co-applicant's organisation.
        members = rng.sample([a for a in academics if a.pk != lead.pk], rng.randint(1, 3))
        beneficiaries = [lead_org] + [m.affiliations.all()[0].organisation for m in members[:1]]
        direct = Decimal("0")
        plan_lines = []
        scale = Decimal(rng.randint(40, 230)) * 1000 if submitted else Decimal(rng.randint(20, 90)) * 1000
        for org in {o.pk: o for o in beneficiaries}.values():
            for category in categories:
                share = {
                    "personnel": Decimal("0.6"),
                    "equipment": Decimal("0.15"),
                    "services": Decimal("0.1"),
                    "general": Decimal("0.15"),
                }[category.code]
                for year in amount_years:
                    amount = money(scale * share / n_years * Decimal(rng.randint(80, 120)) / 100)
                    plan_lines.append((category, org, year, amount))
                    direct += amount
        requested = direct + money(direct * call.programme.overhead_rate)
        chosen = rng.sample(companies, rng.randint(1, 3))
        ratio = Decimal(rng.randint(20, 90)) / 100 if submitted else Decimal(rng.randint(25, 60)) / 100
        proposal = Proposal(
            code=_code(rng),
            call=call,
            title=title,
            acronym=acronym,
            abstract=_abstract(rng, title, keywords),
            requested_amount=requested,
            duration_months=duration,
            lead=lead,
            lead_organisation=lead_org,
            state=ProposalState.SUBMITTED if submitted else ProposalState.DRAFT,
        )
        if submitted:
            proposal.submitted_at = call.closes_at - timedelta(minutes=rng.randint(5, 60 * 24 * 20))
            eligible = ratio >= Decimal("0.30") and call.min_amount <= requested <= call.max_amount
            proposal.eligible = eligible
            if not eligible:
                proposal.eligibility_failures = [
                    {
                        "rule": "min_cofunding",
                        "message": "Co-funding below 30 % of the amount requested.",
                        "section": "partners",
                    }
                ]
        proposals.append(proposal)
        keyword_plan.append(keywords)
        teams.append(
            [(lead, TeamRole.LEAD, lead_org, InvitationState.ACCEPTED)]
            + [
                (
                    m,
                    TeamRole.CO_LEAD if j == 0 else TeamRole.MEMBER,
                    m.affiliations.all()[0].organisation,
                    InvitationState.ACCEPTED if submitted or j else InvitationState.INVITED,
                )
                for j, m in enumerate(members)
            ]
        )
        partners_rows.append(chosen)
        per_partner = requested * ratio / len(chosen)
        commitments_plan.append(
            [
                (
                    company,
                    year,
                    kind,
                    money(
                        per_partner / n_years * (Decimal("0.6") if kind == ContributionKind.CASH else Decimal("0.4"))
                    ),
                )
                for company in chosen
                for year in amount_years
                for kind in ContributionKind.values
            ]
        )
        lines.append(plan_lines)
        answers.append(
            [
                (
                    questions[0],
                    f"The partners ({', '.join(c.name for c in chosen)}) will use the results in production within {rng.randint(2, 4)} years.",
                ),
                (questions[1], str(rng.randint(0, 3))),
                (questions[2], rng.random() < 0.3),
            ]
            + ([(questions[3], "PDF")] if len(questions) > 3 else [])
        )
        ethics.append(rng.random())

    Proposal.objects.bulk_create(proposals)
    saved = {p.code: p for p in Proposal.objects.filter(call=call)}
    by_name = {k.name.lower(): k for k in keywords_from_names(sorted({k for kws in keyword_plan for k in kws}))}
    through = Proposal.keywords.through
    through.objects.bulk_create(
        [
            through(proposal_id=saved[p.code].pk, keyword_id=by_name[k.lower()].pk)
            for p, kws in zip(proposals, keyword_plan, strict=True)
            for k in kws
        ],
        ignore_conflicts=True,
    )
    TeamMember.objects.bulk_create(
        TeamMember(
            proposal=saved[p.code],
            person=person,
            email=person.email,
            role=role,
            organisation=org,
            state=state,
            token=_code(rng, 16),
        )
        for p, team in zip(proposals, teams, strict=True)
        for person, role, org, state in team
    )
    ProposalPartner.objects.bulk_create(
        ProposalPartner(proposal=saved[p.code], organisation=company, role=PartnerRole.INDUSTRIAL)
        for p, chosen in zip(proposals, partners_rows, strict=True)
        for company in chosen
    )
    partner_ids = {
        (pp.proposal_id, pp.organisation_id): pp.pk for pp in ProposalPartner.objects.filter(proposal__call=call)
    }
    CoFunding.objects.bulk_create(
        CoFunding(partner_id=partner_ids[(saved[p.code].pk, company.pk)], year=year, kind=kind, amount=amount)
        for p, plan in zip(proposals, commitments_plan, strict=True)
        for company, year, kind, amount in plan
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(proposal=saved[p.code], category=category, organisation=org, year=year, amount=amount)
        for p, plan in zip(proposals, lines, strict=True)
        for category, org, year, amount in plan
    )
    rows = []
    for p, plan, kws in zip(proposals, answers, keyword_plan, strict=True):
        for question, value in plan:
            answer = Answer(proposal=saved[p.code], question=question)
            if question.kind == QuestionKind.PDF:
                document = scientific_document(p, kws)
                answer.file.save(f"{p.code}.pdf", ContentFile(document), save=False)
                answer.file_name, answer.file_size = f"{p.acronym or p.code}-scientific-document.pdf", len(document)
            else:
                answer.value = value
            rows.append(answer)
    Answer.objects.bulk_create(rows)
    EthicsAssessment.objects.bulk_create(
        EthicsAssessment(
            proposal=saved[p.code],
            personal_data=r < 0.4,
            ai_system=True,
            ai_act_category=AIActCategory.RESEARCH_ONLY
            if r < 0.6
            else (AIActCategory.MINIMAL if r < 0.85 else AIActCategory.HIGH_RISK),
            annex_iii_areas=["education"] if r >= 0.85 else [],
            explanation="Données pseudonymisées, hébergées en France ; comité d'éthique consulté." if r >= 0.4 else "",
        )
        for p, r in zip(proposals, ethics, strict=True)
    )
    return len(proposals)
