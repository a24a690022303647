"""Demo organisations, people, accounts and roles for "PostGenAI@Paris (démo)".

Deterministic from the seed: the same seed gives the same names, codes and links.
Idempotent: what exists (matched by name or email) is left as it is.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from grappe.core.codes import ALPHABET
from grappe.people.models import (
    Affiliation,
    Organisation,
    OrganisationKind,
    Person,
    Relationship,
    Role,
    RoleKind,
    Sector,
    User,
)
from grappe.people.services import keywords_from_names
from grappe.people.validators import orcid_checksum, validate_ror

K = OrganisationKind
CLUSTER_START = date(2025, 4, 1)

# The academic members named in VISION.md, with identifiers the public registries give them.
MEMBERS: list[tuple[str, str, str, str, str]] = [
    # name, short name, kind, ROR, website
    ("Sorbonne Université", "SU", K.UNIVERSITY, "02en5vm52", "https://www.sorbonne-universite.fr"),
    ("Université de technologie de Compiègne", "UTC", K.UNIVERSITY, "", "https://www.utc.fr"),
    ("Muséum national d'Histoire naturelle", "MNHN", K.RESEARCH, "", "https://www.mnhn.fr"),
    ("Centre national de la recherche scientifique", "CNRS", K.RESEARCH, "02feahw73", "https://www.cnrs.fr"),
    ("Inria", "Inria", K.RESEARCH, "02kvxyf05", "https://www.inria.fr"),
    ("Inserm", "Inserm", K.RESEARCH, "02vjkv261", "https://www.inserm.fr"),
    ("Institut de recherche pour le développement", "IRD", K.RESEARCH, "05q3vnk25", "https://www.ird.fr"),
    ("INSEAD", "INSEAD", K.SCHOOL, "", "https://www.insead.edu"),
    ("ENSCI-Les Ateliers", "ENSCI", K.SCHOOL, "", "https://www.ensci.com"),
    ("Assistance Publique – Hôpitaux de Paris", "AP-HP", K.HOSPITAL, "00pg5jh14", "https://www.aphp.fr"),
    ("Université Paris-Panthéon-Assas", "Assas", K.UNIVERSITY, "", "https://www.u-paris2.fr"),
    ("Conservatoire national des arts et métiers", "Cnam", K.SCHOOL, "", "https://www.cnam.fr"),
    ("Sciences Po", "Sciences Po", K.SCHOOL, "", "https://www.sciencespo.fr"),
    (
        "Pôle supérieur d'enseignement artistique Paris Boulogne-Billancourt",
        "PSPBB",
        K.SCHOOL,
        "",
        "https://www.pspbb.fr",
    ),
    ("France Education International", "FEI", K.PUBLIC_BODY, "", "https://www.france-education-international.fr"),
]
# Entities inside member groups (labs, faculties), to show parent organisations.
ENTITIES: list[tuple[str, str, str]] = [
    ("Laboratoire d'informatique de Paris 6", "LIP6", "SU"),
    ("Institut des systèmes intelligents et de robotique", "ISIR", "SU"),
    ("Faculté des sciences et ingénierie", "FSI", "SU"),
    ("Heuristique et diagnostic des systèmes complexes", "Heudiasyc", "UTC"),
    ("Sorbonne Center for Artificial Intelligence", "SCAI", "SU"),
]

TOPICS: dict[str, list[str]] = {
    "nlp": [
        "natural language processing",
        "large language models",
        "machine translation",
        "information extraction",
        "speech recognition",
        "French language technology",
    ],
    "vision": [
        "computer vision",
        "image segmentation",
        "medical imaging",
        "3D reconstruction",
        "video understanding",
        "generative image models",
    ],
    "robotics": [
        "robotics",
        "reinforcement learning",
        "human-robot interaction",
        "motion planning",
        "embodied AI",
        "control theory",
    ],
    "health": [
        "health AI",
        "clinical decision support",
        "genomics",
        "drug discovery",
        "epidemiology",
        "biomedical signal processing",
    ],
    "law": ["AI and law", "legal informatics", "data protection", "AI regulation", "algorithmic accountability"],
    "ethics": ["ethics of AI", "fairness", "explainability", "AI and society", "trustworthy AI"],
    "hci": ["human-computer interaction", "design", "creative AI", "music information retrieval", "visualisation"],
    "optim": [
        "optimisation",
        "operations research",
        "combinatorial optimisation",
        "scheduling",
        "stochastic optimisation",
    ],
    "ml": [
        "machine learning theory",
        "deep learning",
        "probabilistic models",
        "graph neural networks",
        "federated learning",
        "causal inference",
    ],
    "env": ["climate modelling", "biodiversity informatics", "remote sensing", "energy systems", "sustainable AI"],
    "econ": ["economics of AI", "finance", "management science", "digital platforms", "education technology"],
}
# Which topics each member is strongest in (drawn from first, then others at random).
MEMBER_TOPICS: dict[str, list[str]] = {
    "SU": ["nlp", "vision", "ml", "robotics", "health"],
    "UTC": ["robotics", "optim", "vision"],
    "MNHN": ["env", "vision"],
    "CNRS": ["ml", "nlp", "optim", "ethics"],
    "Inria": ["ml", "optim", "vision", "nlp"],
    "Inserm": ["health"],
    "IRD": ["env", "health"],
    "INSEAD": ["econ", "ethics"],
    "ENSCI": ["hci"],
    "AP-HP": ["health", "vision"],
    "Assas": ["law", "ethics"],
    "Cnam": ["optim", "econ", "ml"],
    "Sciences Po": ["ethics", "law", "econ"],
    "PSPBB": ["hci"],
    "FEI": ["econ", "nlp"],
}
ACADEMIC_POSITIONS = [
    "Professor",
    "Associate professor",
    "Research director",
    "Researcher",
    "Postdoctoral researcher",
    "PhD student",
    "Research engineer",
]
COMPANY_POSITIONS = ["R&D director", "Head of AI", "Data scientist", "Research scientist", "Innovation manager", "CTO"]

FIRST_NAMES = [
    "Camille",
    "Louis",
    "Chloé",
    "Hugo",
    "Inès",
    "Lucas",
    "Manon",
    "Gabriel",
    "Léa",
    "Arthur",
    "Jade",
    "Jules",
    "Sarah",
    "Nathan",
    "Emma",
    "Adam",
    "Yasmine",
    "Raphaël",
    "Alice",
    "Mehdi",
    "Zoé",
    "Paul",
    "Amina",
    "Théo",
    "Clara",
    "Karim",
    "Juliette",
    "Antoine",
    "Fatou",
    "Victor",
    "Léna",
    "Samuel",
    "Nour",
    "Baptiste",
    "Elena",
    "Marco",
    "Sofia",
    "Wei",
    "Hiroshi",
    "Priya",
    "Anna",
    "Jonas",
    "Mariam",
    "Tomás",
    "Ingrid",
    "Kofi",
    "Lucie",
    "Étienne",
    "Aïcha",
    "Benoît",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guerin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clement",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Benali",
    "Nguyen",
    "Diallo",
    "Haddad",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Kowalski",
    "Okafor",
    "Silva",
    "Chen",
    "Johansson",
    "Petrov",
    "Cohen",
    "Traoré",
    "Lemaire",
]

# Fictional company names: a made-up stem and a sector word. None is a real company.
STEMS = [
    "Nebul",
    "Quant",
    "Cogni",
    "Lumin",
    "Syner",
    "Vecto",
    "Ondul",
    "Algor",
    "Brev",
    "Cyra",
    "Dexel",
    "Elyon",
    "Fyral",
    "Gravi",
    "Helix",
    "Iriz",
    "Jaral",
    "Kelvo",
    "Lexar",
    "Myrio",
    "Noval",
    "Orbis",
    "Plexi",
    "Qorva",
    "Rheon",
    "Sylva",
    "Tessa",
    "Ulmo",
    "Varek",
    "Wexo",
    "Xylo",
    "Yseri",
    "Zenth",
    "Aqual",
    "Borea",
    "Calyx",
    "Delto",
    "Ferro",
    "Glyph",
]
ENDINGS = ["ix", "ia", "eo", "ys", "ora", "ium", "is", "ex"]
SECTOR_WORDS: dict[str, list[str]] = {
    Sector.HEALTH: ["Santé", "Bio", "Medical"],
    Sector.MOBILITY: ["Mobilité", "Motion", "Rail"],
    Sector.ENERGY: ["Énergie", "Grid", "Climat"],
    Sector.FINANCE: ["Finance", "Assurances", "Capital"],
    Sector.INDUSTRY: ["Industries", "Systems", "Robotique"],
    Sector.RETAIL: ["Retail", "Commerce"],
    Sector.MEDIA: ["Media", "Studio", "Sound"],
    Sector.DEFENCE: ["Aero", "Defence", "Space"],
    Sector.SOFTWARE: ["Labs", "Analytics", "AI", "Data"],
    Sector.TELECOM: ["Telecom", "Networks"],
    Sector.LEGAL: ["Legal", "Conseil"],
    Sector.AGRIFOOD: ["Agri", "Food"],
}
SECTOR_TOPICS: dict[str, list[str]] = {
    Sector.HEALTH: ["health", "vision"],
    Sector.MOBILITY: ["robotics", "optim"],
    Sector.ENERGY: ["env", "optim"],
    Sector.FINANCE: ["econ", "ml"],
    Sector.INDUSTRY: ["robotics", "optim", "vision"],
    Sector.RETAIL: ["ml", "econ"],
    Sector.MEDIA: ["nlp", "hci"],
    Sector.DEFENCE: ["vision", "robotics"],
    Sector.SOFTWARE: ["nlp", "ml"],
    Sector.TELECOM: ["ml", "optim"],
    Sector.LEGAL: ["law", "nlp"],
    Sector.AGRIFOOD: ["env", "vision"],
}

DEMO_DOMAIN = "grappe-demo.example"


@dataclass
class DemoAccount:
    role: str
    email: str
    password: str
    name: str
    note: str = ""


@dataclass
class PeopleSeed:
    members: dict[str, Organisation] = field(default_factory=dict)
    partners: list[Organisation] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    accounts: list[DemoAccount] = field(default_factory=list)


def _code(rng: random.Random, length: int = 10) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(length))


def _ascii(text: str) -> str:
    return (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "").replace("'", "")
    )


def _fake_orcid(rng: random.Random) -> str:
    # "0000-0000-…" is outside the ranges ORCID issues, so no real person is named.
    base = "00000000" + "".join(rng.choice("0123456789") for _ in range(7))
    digits = base + orcid_checksum(base)
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


def _ror_or_blank(ror: str) -> str:
    try:
        validate_ror(ror)
    except Exception:
        return ""
    return ror


def _organisation(rng: random.Random, name: str, **fields: object) -> Organisation:
    code = _code(rng)  # drawn even when the row exists, so later draws do not shift
    existing = Organisation.objects.filter(name__iexact=name).first()
    if existing:
        return existing
    return Organisation.objects.create(code=code, name=name, **fields)


def _partner_names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    sectors = list(SECTOR_WORDS)
    names: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(names) < count:
        sector = sectors[len(names) % len(sectors)]
        name = f"{rng.choice(STEMS)}{rng.choice(ENDINGS)} {rng.choice(SECTOR_WORDS[sector])}"
        if name not in seen:
            seen.add(name)
            names.append((name, sector))
    return names


@transaction.atomic
def seed_people(rng: random.Random, *, partner_count: int = 64, people_count: int = 300) -> PeopleSeed:
    out = PeopleSeed()
    for name, short, kind, ror, website in MEMBERS:
        out.members[short] = _organisation(
            rng,
            name,
            short_name=short,
            kind=kind,
            sector=Sector.RESEARCH if kind != K.PUBLIC_BODY else Sector.PUBLIC,
            ror=_ror_or_blank(ror),
            website=website,
            relationship=Relationship.MEMBER,
            relationship_start=CLUSTER_START,
            description="Membre académique du cluster (données de démonstration).",
        )
    for name, short, parent in ENTITIES:
        out.members[short] = _organisation(
            rng,
            name,
            short_name=short,
            kind=K.RESEARCH,
            sector=Sector.RESEARCH,
            parent=out.members[parent],
            relationship=Relationship.MEMBER,
            relationship_start=CLUSTER_START,
        )
    # A few associates and external organisations, to make the directory realistic.
    for name, short, kind, relationship in [
        ("Université fictive de Lutèce", "UFL", K.UNIVERSITY, Relationship.ASSOCIATE),
        ("Institut imaginaire des données", "IID", K.RESEARCH, Relationship.ASSOCIATE),
        ("Agence exemple de l'innovation", "AEI", K.PUBLIC_BODY, Relationship.EXTERNAL),
        ("Universidad Ejemplar de Madrid", "UEM", K.UNIVERSITY, Relationship.EXTERNAL),
    ]:
        _organisation(
            rng,
            name,
            short_name=short,
            kind=kind,
            relationship=relationship,
            country="ES" if short == "UEM" else "FR",
            relationship_start=CLUSTER_START,
        )

    sizes = [K.LARGE_COMPANY] * 3 + [K.SME] * 4 + [K.STARTUP] * 3
    for i, (name, sector) in enumerate(_partner_names(rng, partner_count)):
        kind = rng.choice(sizes)
        since = date(2025, rng.randint(4, 12), 1) if i % 3 else CLUSTER_START
        stem = _ascii(name.split()[0])
        out.partners.append(
            _organisation(
                rng,
                name,
                kind=kind,
                sector=sector,
                relationship=Relationship.PARTNER,
                relationship_start=since,
                country="FR" if i % 7 else rng.choice(["DE", "BE", "CH", "IT", "NL", "US"]),
                website=f"https://{stem}.example",
                description="Partenaire industriel fictif (données de démonstration).",
            )
        )

    academic = [o for o in out.members.values() if o.parent_id is None and o.kind != K.PUBLIC_BODY]
    people_created: list[tuple[Person, Organisation, str, list[str]]] = []
    existing_emails = set(Person.objects.values_list("email", flat=True))
    used: set[str] = set()
    for i in range(people_count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        in_company = i % 4 == 3
        if in_company:
            organisation = rng.choice(out.partners)
            topics = SECTOR_TOPICS.get(organisation.sector, ["ml"])
            position = rng.choice(COMPANY_POSITIONS)
        else:
            organisation = rng.choice(academic)
            topics = MEMBER_TOPICS.get(organisation.short_name, ["ml"])
            position = rng.choice(ACADEMIC_POSITIONS)
        main = rng.choice(topics)
        other = rng.choice(list(TOPICS))
        keywords = rng.sample(TOPICS[main], 3) + rng.sample(TOPICS[other], 1)
        base = f"{_ascii(first)}.{_ascii(last)}"
        email, n = f"{base}@{DEMO_DOMAIN}", 1
        while email in used:
            n += 1
            email = f"{base}{n}@{DEMO_DOMAIN}"
        used.add(email)
        code = _code(rng)
        orcid = _fake_orcid(rng) if not in_company and rng.random() < 0.6 else ""
        languages = ["fr", "en"] if rng.random() < 0.85 else ["en"]
        start = date(rng.randint(2008, 2025), rng.randint(1, 12), 1)
        if email in existing_emails:
            continue
        person = Person(
            code=code,
            first_name=first,
            last_name=last,
            email=email,
            orcid=orcid,
            languages=languages,
            preferred_language="fr" if "fr" in languages else "en",
        )
        people_created.append((person, organisation, position, keywords))
        out.people.append(person)
        person._demo_start = start  # type: ignore[attr-defined]

    Person.objects.bulk_create([p for p, *_ in people_created])
    saved = {p.email: p for p in Person.objects.filter(email__in=[p.email for p, *_ in people_created])}
    Affiliation.objects.bulk_create(
        Affiliation(person=saved[p.email], organisation=org, position=pos, start_date=p._demo_start)  # type: ignore[attr-defined]
        for p, org, pos, _kw in people_created
    )
    all_names = sorted({k for *_x, kws in people_created for k in kws})
    by_name = {k.name: k for k in keywords_from_names(all_names)}
    through = Person.keywords.through
    through.objects.bulk_create(
        [
            through(person_id=saved[p.email].pk, keyword_id=by_name[k].pk)
            for p, _o, _pos, kws in people_created
            for k in kws
        ],
        ignore_conflicts=True,
    )
    out.accounts = _seed_accounts(rng, out)
    return out


ACCOUNTS = [
    # role label, email local part, password, first, last, position, organisation short name or "partner"
    ("office", "office", "demo-office-2026", "Claire", "Lemoine", "Chargée de programme", "SU"),
    ("board", "board", "demo-board-2026", "Henri", "Vasseur", "Président du comité de pilotage", "SU"),
    (
        "institution contact",
        "institution",
        "demo-institution-2026",
        "Sophie",
        "Garnier",
        "Direction de la recherche",
        "SU",
    ),
    ("partner contact", "partner", "demo-partner-2026", "Marc", "Delorme", "Responsable IA", "partner"),
    ("applicant", "applicant", "demo-applicant-2026", "Nadia", "Benhamou", "Maîtresse de conférences", "LIP6"),
    ("reviewer", "reviewer", "demo-reviewer-2026", "Pierre", "Aubert", "Directeur de recherche", "Inria"),
    ("outsider", "outsider", "demo-outsider-2026", "Olivier", "Tessier", "Consultant", ""),
]


def _seed_accounts(rng: random.Random, seed: PeopleSeed) -> list[DemoAccount]:
    accounts: list[DemoAccount] = []
    partner = seed.partners[0]
    for role, local, password, first, last, position, org_key in ACCOUNTS:
        email = f"{local}@{DEMO_DOMAIN}"
        code = _code(rng)
        person = Person.objects.filter(email=email).first()
        if person is None:
            person = Person.objects.create(
                code=code, first_name=first, last_name=last, email=email, languages=["fr", "en"]
            )
            organisation = partner if org_key == "partner" else seed.members.get(org_key)
            if organisation is not None:
                Affiliation.objects.create(
                    person=person, organisation=organisation, position=position, start_date=CLUSTER_START
                )
            person.keywords.set(keywords_from_names(TOPICS["ml"][:2] + TOPICS["nlp"][:2]))
        if not User.objects.filter(email=email).exists():
            User.objects.create_user(
                email=email, password=password, person=person, is_active=True, email_verified_at=person.created_at
            )
        note = ""
        if role == "office":
            Role.objects.get_or_create(person=person, kind=RoleKind.OFFICE, organisation=None)
        elif role == "board":
            Role.objects.get_or_create(person=person, kind=RoleKind.BOARD, organisation=None)
        elif role == "institution contact":
            Role.objects.get_or_create(
                person=person, kind=RoleKind.INSTITUTION_CONTACT, organisation=seed.members["SU"]
            )
            note = seed.members["SU"].name
        elif role == "partner contact":
            Role.objects.get_or_create(person=person, kind=RoleKind.PARTNER_CONTACT, organisation=partner)
            note = partner.name
        accounts.append(DemoAccount(role=role, email=email, password=password, name=person.full_name, note=note))
    admin_email = f"admin@{DEMO_DOMAIN}"
    if not User.objects.filter(email=admin_email).exists():
        person = Person.objects.filter(email=admin_email).first() or Person.objects.create(
            code=_code(rng), first_name="Admin", last_name="Technique", email=admin_email
        )
        User.objects.create_superuser(
            admin_email, "demo-admin-2026", person=person, email_verified_at=person.created_at
        )
    accounts.append(
        DemoAccount(
            role="technical admin (/admin/)", email=admin_email, password="demo-admin-2026", name="Admin Technique"
        )
    )
    return accounts
