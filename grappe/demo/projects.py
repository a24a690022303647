"""Demo projects: a 2024 seed call decided at the programme's start (6 January 2025), whose funded
proposals became projects starting on 1 February 2025, about two years in — signed grants (one amended), work plans with some deliverables late, accepted and
returned expense statements, co-funding realised below pledge for some partners, payments made,
one report per year. Everything after the awards goes through the services; the rows the seed writes today
then get the dates of the history they record (``_date_history``: the funder's report counts each
record in the year of its business date, and "as of" reads when it was known). Skipped when the call
exists, except those dates, which are set again (a demo seeded before they were is repaired)."""

from __future__ import annotations

import datetime as dt
import random
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from grappe.calls.models import Call, CallState, CallType, EvaluationScheme, Question, QuestionKind
from grappe.core.money import money
from grappe.demo.calls import _paris
from grappe.demo.people import PeopleSeed, _code
from grappe.funding import services as funding
from grappe.funding.models import Contribution, ExpenseStatement
from grappe.people.models import Organisation, OrganisationKind, Person, Relationship, Role, RoleKind
from grappe.programmes.models import CostCategory, Programme
from grappe.projects import services as projects
from grappe.projects.models import Deliverable, Milestone, Project, Task, WorkPackage
from grappe.selection import services as selection
from grappe.selection.models import Award, Decision, Outcome
from grappe.submissions.models import (
    Answer,
    BudgetLine,
    CoFunding,
    ContributionKind,
    InvitationState,
    Proposal,
    ProposalPartner,
    ProposalState,
    TeamMember,
    TeamRole,
)

CALL_TITLE = "Projets d'amorçage 2024"
LATE_REASON = "Retard des données du partenaire industriel."
PARIS = ZoneInfo("Europe/Paris")
# The history: decided when the programme's first year opened, opened two days later, signed on
# the 15th, started on 1 February 2025; the 2025 statements accepted early in 2026.
DECIDED = datetime(2025, 1, 6, 10, tzinfo=PARIS)
OPENED = datetime(2025, 1, 8, 10, tzinfo=PARIS)
START = dt.date(2025, 2, 1)
STATEMENTS_SUBMITTED = datetime(2026, 1, 26, 10, tzinfo=PARIS)
STATEMENTS_CHECKED = datetime(2026, 2, 9, 15, tzinfo=PARIS)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TITLES = [
    ("Agents conversationnels pour la relation patient", "DIALOG-SANTE"),
    ("Modèles de langue frugaux pour l'industrie", "FRUGAL-LM"),
    ("Génération de code vérifiée", "VERICODE"),
    ("IA générative et patrimoine muséal", "MUSE-GEN"),
    ("Jumeaux numériques de réseaux d'eau", "AQUA-TWIN"),
    ("Détection de contenus synthétiques", "DEEP-TRACE"),
    ("Assistants juridiques explicables", "LEX-AI"),
    ("Conception générative de matériaux", "MAT-GEN"),
]


AXES = (
    {"fr": "IA et santé", "en": "AI and health"},
    {"fr": "IA et société", "en": "AI and society"},
    {"fr": "IA pour l'industrie", "en": "AI for industry"},
    {"fr": "Fondements de l'IA", "en": "Foundations of AI"},
)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _call(rng: random.Random, programme: Programme) -> Call:
    call = Call.objects.create(
        code=_code(rng),
        programme=programme,
        call_type=CallType.SEED,
        title_fr=CALL_TITLE,
        title_en="Seed projects 2024",
        description_fr="Projets d'amorçage de 24 à 36 mois, lancés au démarrage du cluster.",
        description_en="Seed projects of 24 to 36 months, launched when the cluster started.",
        opens_at=_paris(2024, 6, 3, 9),
        closes_at=_paris(2024, 9, 30, 12),
        budget=Decimal("2400000.00"),
        min_amount=Decimal("100000.00"),
        max_amount=Decimal("400000.00"),
        min_duration=24,
        max_duration=36,
        state=CallState.CLOSED,
    )
    EvaluationScheme.objects.get_or_create(call=call)
    # The cluster's strategic axes, as in the open calls: each project's theme is carried over
    # from its proposal's answer when the project is opened.
    settings = selection.settings_for(call)
    settings.theme_question = Question.objects.create(
        call=call,
        kind=QuestionKind.SINGLE_CHOICE,
        label_fr="Axe stratégique du cluster",
        label_en="Strategic axis of the cluster",
        required=True,
        position=1,
        choices=[dict(choice) for choice in AXES],
    )
    settings.save()
    return call


def _award(
    rng: random.Random,
    call: Call,
    index: int,
    lead: Person,
    *,
    academics: list[Person],
    companies: list[Organisation],
    demo_partner: Organisation | None = None,
) -> Award:
    title, acronym = TITLES[index]
    duration = 36 if index % 3 == 0 else 24
    years = [2025, 2026, 2027][: duration // 12]
    lead_org = lead.affiliations.all()[0].organisation
    member = rng.choice([a for a in academics if a.pk != lead.pk])
    member_org = member.affiliations.all()[0].organisation
    proposal = Proposal.objects.create(
        code=_code(rng),
        call=call,
        state=ProposalState.SUBMITTED,
        title=title,
        acronym=acronym,
        abstract=f"{title} : un projet d'amorçage du cluster, avec ses partenaires industriels.",
        lead=lead,
        lead_organisation=lead_org,
        duration_months=duration,
        submitted_at=_paris(2024, 9, 20),
        eligible=True,
    )
    Answer.objects.create(
        proposal=proposal, question=call.selection_settings.theme_question, value=str(index % len(AXES))
    )
    TeamMember.objects.create(
        proposal=proposal,
        person=lead,
        email=lead.email,
        role=TeamRole.LEAD,
        organisation=lead_org,
        state=InvitationState.ACCEPTED,
    )
    if member_org != lead_org or member.pk != lead.pk:
        TeamMember.objects.create(
            proposal=proposal,
            person=member,
            email=member.email,
            role=TeamRole.MEMBER,
            organisation=member_org,
            state=InvitationState.ACCEPTED,
        )
    categories = {c.code: c for c in CostCategory.objects.filter(code__in=["personnel", "equipment", "general"])}
    total = Decimal("0")
    for year in years:
        for org, share in ((lead_org, Decimal("0.7")), (member_org, Decimal("0.3"))):
            for code, part in (
                ("personnel", Decimal("0.7")),
                ("equipment", Decimal("0.2")),
                ("general", Decimal("0.1")),
            ):
                amount = money(Decimal(rng.randint(90, 140)) * 1000 * share * part)
                line, created = BudgetLine.objects.get_or_create(
                    proposal=proposal,
                    category=categories[code],
                    organisation=org,
                    year=year,
                    defaults={"amount": amount},
                )
                if not created:
                    line.amount += amount
                    line.save()
                total += amount
    chosen = rng.sample(companies, 2)
    if index == 0 and demo_partner is not None and demo_partner not in chosen:
        chosen[0] = demo_partner  # the demo partner contact follows the applicant's project
    for company in chosen:
        partner = ProposalPartner.objects.create(proposal=proposal, organisation=company)
        for year in years:
            CoFunding.objects.create(
                partner=partner,
                year=year,
                kind=ContributionKind.CASH,
                amount=money(total * Decimal("0.08") / len(years)),
            )
            CoFunding.objects.create(
                partner=partner,
                year=year,
                kind=ContributionKind.IN_KIND,
                amount=money(total * Decimal("0.06") / len(years)),
            )
    proposal.requested_amount = total
    proposal.save(update_fields=["requested_amount"])
    Decision.objects.create(
        proposal=proposal,
        outcome=Outcome.FUNDED,
        amount=total,
        recommended=Outcome.FUNDED,
        recommended_amount=total,
        justification="",
    )
    return Award.objects.create(proposal=proposal, call=call, amount=total, committed_on=DECIDED.date())


def _work_plan(project: Any, office: Any) -> None:
    end = project.grant.end_date
    wps = []
    for number, title in ((1, "Données et corpus"), (2, "Modèles et évaluation")):
        start = START if number == 1 else dt.date(2025, 7, 1)
        wp = projects.save_plan_item(
            project,
            WorkPackage,
            {"number": number, "title": title, "lead": project.lead, "start_date": start, "end_date": end},
            actor=office,
        )
        for t in (1, 2):
            projects.save_plan_item(
                project,
                Task,
                {
                    "work_package": wp,
                    "number": t,
                    "title": f"Tâche {number}.{t}",
                    "start_date": start,
                    "end_date": min(end, start + dt.timedelta(days=300 * t)),
                },
                actor=office,
            )
        wps.append(wp)
    plan = [
        ("D1.1", "Plan de gestion des données", dt.date(2025, 6, 30), "approved"),
        ("D1.2", "Corpus annoté", dt.date(2025, 12, 31), "approved"),
        ("D2.1", "Premier prototype", dt.date(2026, 6, 30), "late_submitted"),
        ("D2.2", "Évaluation intermédiaire", dt.date(2026, 10, 31), "late"),
    ]
    for label, title, due, fate in plan:
        d = projects.save_plan_item(
            project,
            Deliverable,
            {
                "work_package": wps[int(label[1]) - 1],
                "label": label,
                "title": title,
                "due_date": due,
                "owner": project.lead,
            },
            reviewers=[],
            actor=office,
        )
        if fate == "late":
            continue
        # Today every past due date is late: the service asks for a justification; the on-time
        # deliverables then get their historical submission date back (demo history only).
        d = projects.submit_deliverable(
            d, upload=_pdf(f"{label}.pdf"), justification=LATE_REASON, expected_version=d.version, actor=None
        )
        if fate == "approved":
            on_time = datetime.combine(due - dt.timedelta(days=3), datetime.min.time(), tzinfo=PARIS)
            projects.review_deliverable(d, approve=True, comment="", expected_version=d.version, actor=office)
            Deliverable.objects.filter(pk=d.pk).update(submitted_at=on_time, late_justification="")
    projects.save_plan_item(
        project,
        Milestone,
        {"work_package": wps[0], "title": "Corpus disponible", "due_date": dt.date(2025, 12, 31)},
        actor=office,
    )
    projects.save_plan_item(
        project,
        Milestone,
        {"work_package": wps[1], "title": "Démonstrateur", "due_date": dt.date(2026, 12, 15)},
        actor=office,
    )
    Milestone.objects.filter(project=project, title="Corpus disponible").update(achieved_on=dt.date(2026, 1, 20))


def _money_life(rng: random.Random, project: Any, index: int, office: Any) -> None:
    grant = projects.sign_grant(
        project.grant,
        signed_on=dt.date(2025, 1, 15),
        document=_pdf("convention.pdf"),
        expected_version=project.grant.version,
        actor=office,
    )
    if index == 1:
        projects.amend_grant(
            grant,
            changes={"end_date": dt.date(2027, 6, 30)},
            reason="Prolongation de six mois : recrutement du post-doctorant retardé.",
            signed_on=dt.date(2026, 3, 2),
            document=_pdf("avenant-1.pdf"),
            expected_version=grant.version,
            actor=office,
        )
    advance = funding.schedule_instalment(
        project,
        kind="advance",
        amount=None,
        share=Decimal("0.3"),
        trigger="signature",
        due_date=dt.date(2025, 2, 1),
        actor=office,
    )
    funding.pay_instalment(advance, paid_on=dt.date(2025, 2, 10), expected_version=1, actor=office)
    middle = funding.schedule_instalment(
        project,
        kind="intermediate",
        amount=None,
        share=Decimal("0.4"),
        trigger="statement",
        due_date=dt.date(2026, 3, 1),
        actor=office,
    )
    funding.schedule_instalment(
        project,
        kind="balance",
        amount=None,
        share=Decimal("0.3"),
        trigger="report",
        due_date=project.grant.end_date + dt.timedelta(days=90),
        actor=office,
    )
    planned = {}
    for line in project.planned_budget.filter(year=2025):
        planned.setdefault(line.organisation, {})[line.category] = line.amount
    for n, (org, cells) in enumerate(sorted(planned.items(), key=lambda kv: kv[0].name)):
        statement = funding.create_statement(
            project, beneficiary=org, period_start=START, period_end=dt.date(2025, 12, 31), actor=None
        )
        lines = {c: (money(a * Decimal(rng.randint(70, 115)) / 100), Decimal("0"), "") for c, a in cells.items()}
        statement = funding.save_lines(statement, lines, expected_version=1, actor=None)
        funding.add_evidence(statement, upload=_pdf("releve-2025.pdf"), content_type="application/pdf", actor=None)
        statement = funding.submit_statement(statement, expected_version=statement.version, actor=None)
        returned = n == 1 and index % 2 == 1
        funding.check_statement(
            statement,
            accept=not returned,
            comment="Bulletins de salaire de mars manquants." if returned else "",
            expected_version=statement.version,
            actor=office,
        )
    if ExpenseStatement.objects.filter(project=project, state="accepted").exists():
        funding.pay_instalment(middle, paid_on=dt.date(2026, 3, 12), expected_version=1, actor=office)
    for pledge in project.pledges.filter(year=2025):
        rate = Decimal(rng.choice([100, 100, 85, 60]))
        funding.record_contribution(  # recorded by the office: confirmed, counted at once
            project,
            organisation=pledge.organisation,
            kind=pledge.kind,
            amount=money(pledge.amount * rate / 100),
            received_on=dt.date(2025, 11, 15),
            description="Virement" if pledge.kind == "cash" else "Temps d'ingénieur valorisé au coût",
            upload=_pdf("justificatif.pdf"),
            content_type="application/pdf",
            actor=office,
            confirmed=True,
        )
    for year, state in ((2025, "accepted"), (2026, "draft")):
        report = projects.schedule_report(
            project, title=f"Rapport annuel {year}", due_date=dt.date(year, 12, 31), actor=office
        )
        if state == "accepted":
            answers = {
                "0": "Corpus constitué et premiers modèles entraînés.",
                "1": "Aucun écart majeur.",
                "2": "Passage à l'échelle.",
            }
            # Declared while the report was a draft: counted once the office accepted it.
            projects.add_outputs(
                report,
                kind="publication",
                items=[
                    {
                        "title": f"{project.acronym}: first results",
                        "year": 2025,
                        "identifier": f"10.5555/{project.code.lower()}.1",
                    }
                ],
                actor=None,
            )
            report = projects.save_report(report, answers=answers, submit=True, expected_version=1, actor=None)
            projects.review_report(report, accept=True, comment="", expected_version=report.version, actor=office)


def _date_history(call: Call) -> None:
    """The dates of the demo's history on the rows the seed wrote today: decisions and awards
    (business date and the time they were recorded), projects opened, statements submitted and
    checked, contributions recorded when received. Idempotent."""
    proposals = Proposal.objects.filter(call=call)
    Decision.objects.filter(proposal__in=proposals).update(decided_at=DECIDED)
    Award.objects.filter(call=call).update(committed_on=DECIDED.date(), created_at=DECIDED)
    Project.objects.filter(call=call).update(created_at=OPENED)
    statements = ExpenseStatement.objects.filter(project__call=call, period_end__year=2025)
    statements.exclude(submitted_at=None).update(submitted_at=STATEMENTS_SUBMITTED)
    statements.exclude(checked_at=None).update(checked_at=STATEMENTS_CHECKED)
    for contribution in Contribution.objects.filter(project__call=call).only("pk", "received_on"):
        recorded = datetime.combine(contribution.received_on, dt.time(17), tzinfo=PARIS)
        Contribution.objects.filter(pk=contribution.pk).update(created_at=recorded)


@transaction.atomic
def seed_projects(rng: random.Random, people: PeopleSeed, programme: Programme) -> dict[str, int]:
    existing = Call.objects.filter(title_fr=CALL_TITLE).first()
    if existing is not None:
        _date_history(existing)
        return {"projects": 0}
    call = _call(rng, programme)
    academics = list(
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
    companies = list(Organisation.objects.filter(relationship=Relationship.PARTNER).order_by("pk"))
    applicant = (
        Person.objects.filter(email__startswith="applicant@").prefetch_related("affiliations__organisation").first()
    )
    office = Person.objects.filter(email__startswith="office@").first()
    role = Role.objects.filter(kind=RoleKind.PARTNER_CONTACT, person__email__startswith="partner@").first()
    demo_partner = role.organisation if role is not None else None
    office_user = getattr(office, "user", None) if office else None
    count = 0
    for index in range(len(TITLES)):
        lead = applicant if index == 0 and applicant else academics[(index * 7) % len(academics)]
        award = _award(rng, call, index, lead, academics=academics, companies=companies, demo_partner=demo_partner)
        Decision.objects.filter(proposal=award.proposal).update(decided_by=office_user)
        opening = projects.Opening(
            start_date=START,
            managing_institution=award.proposal.lead_organisation,
            public_partner_ids=frozenset(award.proposal.partners.values_list("organisation_id", flat=True)[:1]),
            rf_version="RF France 2030 (2023)",
        )
        project = funding.open_project_from_award(award, opening, actor=office_user)
        for member in project.members.all():  # planned person-months per staff member
            member.person_months = Decimal(rng.choice([6, 12, 18, 24]))
            member.save(update_fields=["person_months"])
        _work_plan(project, office_user)
        _money_life(rng, project, index, office_user)
        count += 1
    _date_history(call)
    return {"projects": count}
