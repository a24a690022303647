"""The demo's training offer: ~25 master minors, a PhD school, continuing education, a summer school,
a MOOC and awareness talks; ~5,000 enrolments over three academic years (certificates issued),
upcoming sessions, some full with a waiting list; funded PhD students and postdocs, some behind."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from grappe.core.codes import new_code
from grappe.demo.people import FIRST_NAMES, LAST_NAMES
from grappe.people.models import Organisation, OrganisationKind, Person, Relationship, Role, RoleKind
from grappe.training.models import (
    Course,
    Enrolment,
    FundedTrainee,
    Gender,
    LearnerProfile,
    Outcome,
    Registration,
    RegistrationState,
    TrainingProgramme,
    TrainingSession,
    academic_year,
    refresh_search,
)

MINORS = [
    "IA et santé",
    "IA et droit",
    "IA pour la climatologie",
    "Apprentissage automatique",
    "Traitement du langage",
    "Vision par ordinateur",
    "IA et sciences sociales",
    "IA pour l'ingénierie",
    "Robotique et IA",
    "IA et économie",
    "IA pour la biologie",
    "Données et société",
    "IA et création",
    "IA responsable",
    "IA pour la physique",
    "IA et éducation",
    "IA pour la finance",
    "Optimisation et IA",
    "IA et géographie",
    "IA pour la chimie",
    "IA et histoire",
    "IA pour l'agronomie",
    "IA et linguistique",
    "IA et médecine de précision",
    "IA et énergie",
]
PHD_MODULES = [
    "Deep learning theory",
    "Causal inference",
    "Reinforcement learning",
    "Generative models",
    "Ethics of AI research",
]
CONTINUING = ["IA générative pour les juristes", "Data science pour les cadres", "LLM en entreprise"]
TALKS = ["Qu'est-ce que l'IA ?", "IA et emploi", "Les biais des algorithmes", "IA générative au quotidien"]
YEARS = [2023, 2024, 2025]
# (titles, kind, institution index, hours, trained from, made aware from, language, level, audience)
OTHERS = [
    ([f"École doctorale IA — {n}" for n in PHD_MODULES], "phd", 1, "20", "15", "3", "en", "advanced", "phd"),
    (CONTINUING, "continuing", 2, "14", "14", "3.5", "fr", "intermediate", "professionals"),
    (["Summer school on trustworthy AI"], "summer", 0, "30", "24", "6", "en", "advanced", "phd"),
    (["MOOC Comprendre l'IA"], "mooc", 3, "12", "12", "2", "fr", "intro", "public"),
    (TALKS, "awareness", 4, "2", "", "1.5", "fr", "intro", "public"),
]
COURSE_TITLES = {
    "master": "Cours et travaux dirigés",
    "continuing": "Journée de formation",
    "summer": "Week of lectures and labs",
    "mooc": "Classe virtuelle",
    "awareness": "Conférence et échanges",
}
ENROLMENTS = 5000


def seed_training(rng: random.Random) -> dict[str, int]:
    if TrainingProgramme.objects.filter(title=f"Mineure {MINORS[0]}").exists():
        return {"programmes": 0, "enrolments": 0}
    with transaction.atomic():
        return _seed(rng)


def _seed(rng: random.Random) -> dict[str, int]:
    institutions = list(
        Organisation.objects.filter(
            relationship=Relationship.MEMBER, kind__in=list(OrganisationKind.academic())
        ).order_by("pk")[:8]
    )
    contact = Role.objects.filter(kind=RoleKind.INSTITUTION_CONTACT).select_related("organisation").first()
    if contact is not None and contact.organisation not in institutions:
        institutions.insert(0, contact.organisation)
    programmes: list[TrainingProgramme] = []

    def add(title: str, kind: str, institution: Organisation, **kw: object) -> TrainingProgramme:
        programme = TrainingProgramme.objects.create(title=title, kind=kind, institution=institution, **kw)
        programmes.append(programme)
        return programme

    for i, name in enumerate(MINORS):
        hours = Decimal(rng.choice([15, 18, 24, 28, 32]))
        add(
            f"Mineure {name}",
            "master",
            institutions[i % len(institutions)],
            hours=hours,
            trained_min_hours=hours * Decimal("0.75"),
            aware_min_hours=Decimal("4"),
            level=rng.choice(["intro", "intermediate"]),
            audience="students",
            description="Mineure ouverte aux étudiants de master de toutes disciplines.",
        )
    for titles, kind, where, hours, trained, aware, language, level, audience in OTHERS:
        for title in titles:
            add(
                title,
                kind,
                institutions[where % len(institutions)],
                hours=Decimal(hours),
                trained_min_hours=Decimal(trained) if trained else None,
                aware_min_hours=Decimal(aware),
                language=language,
                level=level,
                audience=audience,
            )
    sessions = _sessions(rng, programmes)
    refresh_search(p.pk for p in programmes)  # the courses came in bulk: searchable by their titles too
    enrolments = _enrolments(rng, programmes)
    registrations = _registrations(rng, sessions)
    trainees = _trainees(rng, programmes)
    return {
        "programmes": len(programmes),
        "sessions": len(sessions),
        "enrolments": enrolments,
        "registrations": registrations,
        "trainees": trainees,
    }


def _sessions(rng: random.Random, programmes: list[TrainingProgramme]) -> list[TrainingSession]:
    courses = Course.objects.bulk_create(
        [
            Course(
                programme=p,
                title=COURSE_TITLES[p.kind] if p.kind != "phd" else p.title.split("—")[-1].strip(),
                hours=p.hours,
            )
            for p in programmes
        ]
    )
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    sessions = []
    for index, course in enumerate(courses):
        programme = course.programme
        for n in range(2 if programme.kind != "awareness" else 1):
            start = (now + dt.timedelta(days=7 + (index * 3 + n * 14) % 90)).replace(hour=rng.choice([9, 14]))
            length = 2 if programme.kind == "awareness" else 3
            sessions.append(
                TrainingSession(
                    code=new_code(),
                    course=course,
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=length),
                    hours=Decimal(length),
                    capacity=rng.choice([12, 20, 30]) if programme.kind != "awareness" else 80,
                    place=""
                    if programme.kind == "mooc"
                    else rng.choice(
                        [
                            "Campus Pierre et Marie Curie, salle 101",
                            "Campus Condorcet, amphi B",
                            "Institut Pasteur, salle Duclaux",
                        ]
                    ),
                    link="https://visio.example.org/ia" if programme.kind in ("mooc", "awareness") else "",
                )
            )
    return TrainingSession.objects.bulk_create(sessions)


def _people(rng: random.Random, count: int) -> list[Person]:
    people = [
        Person(
            code=new_code(),
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            email=f"learner{i:05d}.{rng.randrange(10**6):06d}@etu.example.org",
        )
        for i in range(count)
    ]
    people = Person.objects.bulk_create(people)
    genders = [Gender.FEMALE] * 45 + [Gender.MALE] * 45 + [Gender.OTHER] * 2 + [Gender.UNSAID] * 3 + [""] * 5
    LearnerProfile.objects.bulk_create(
        [LearnerProfile(person=p, gender=g) for p in people if (g := rng.choice(genders))]
    )
    return people


def _enrolments(rng: random.Random, programmes: list[TrainingProgramme]) -> int:
    people = _people(rng, 3600)
    rows = []
    seen = set()
    weights = [6 if p.kind == "master" else 4 if p.kind == "awareness" else 2 for p in programmes]
    while len(rows) < ENROLMENTS:
        person = rng.choice(people)
        programme = rng.choices(programmes, weights)[0]
        year = rng.choice(YEARS)
        if (person.pk, programme.pk, year) in seen:
            continue
        seen.add((person.pk, programme.pk, year))
        day = dt.date(year, rng.choice([9, 10, 11, 1, 2]), rng.randint(1, 28))
        if day.month < 9:
            day = day.replace(year=year + 1)
        hours = (programme.hours * Decimal(rng.choice([1, 1, 1, 0.8, 0.5, 0.2, 0]))).quantize(Decimal("0.1"))
        enrolment = Enrolment(
            programme=programme,
            person=person,
            academic_year=academic_year(day),
            enrolled_on=day,
            hours_imported=hours,
            source="import",
        )
        enrolment.outcome = programme.outcome_for(hours)
        if enrolment.outcome != Outcome.NONE:
            enrolment.completed_on = min(day + dt.timedelta(days=120), timezone.localdate())
            enrolment.certificate_code = new_code(12)
        rows.append(enrolment)
    Enrolment.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _registrations(rng: random.Random, sessions: list[TrainingSession]) -> int:
    learners = list(Person.objects.filter(email__endswith="@etu.example.org").order_by("pk")[:400])
    rows = []
    now = timezone.now()
    for index, session in enumerate(sessions):
        full = index % 5 == 0
        count = session.capacity + rng.randint(2, 5) if full else rng.randint(0, session.capacity - 2)
        for n, person in enumerate(rng.sample(learners, min(count, len(learners)))):
            waiting = n >= session.capacity
            rows.append(
                Registration(
                    session=session,
                    person=person,
                    first_name=person.first_name,
                    last_name=person.last_name,
                    email=person.email,
                    token=secrets.token_urlsafe(24),
                    state=RegistrationState.WAITING if waiting else RegistrationState.CONFIRMED,
                    queued_at=now + dt.timedelta(seconds=n) if waiting else None,
                )
            )
    Registration.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _trainees(rng: random.Random, programmes: list[TrainingProgramme]) -> int:
    from grappe.projects.models import ProjectMember

    members = list(ProjectMember.objects.select_related("person").order_by("pk")[:12])
    phd = [p for p in programmes if p.kind == "phd"]
    today = timezone.localdate()
    count = 0
    for index, member in enumerate(members):
        if FundedTrainee.objects.filter(person=member.person).exists():
            continue
        trainee = FundedTrainee.objects.create(
            person=member.person,
            kind="phd" if index % 3 else "postdoc",
            membership=member,
            due_on=today + dt.timedelta(days=(index - 4) * 60),
        )
        required = rng.sample(phd, 2)
        trainee.required.set(required)
        if index % 2 == 0:
            Enrolment.objects.get_or_create(
                programme=required[0],
                person=member.person,
                academic_year=academic_year(today),
                defaults={
                    "enrolled_on": today,
                    "hours_imported": Decimal("20"),
                    "outcome": Outcome.TRAINED,
                    "completed_on": today,
                    "certificate_code": new_code(12),
                    "source": "import",
                },
            )
        count += 1
    return count
