"""Demo partner relations and matchmaking: each of the demo's industrial partners gets a level,
membership dates and fee, agreements (a few expiring within two months), contacts and
interactions; about half of the researchers with publications opt in to matchmaking; 20
challenges with their suggestion runs; contact requests in each state. Deterministic from the
seed; skipped when challenges exist already."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from grappe.demo.calls import APPLICATIONS, METHODS, QUALIFIERS
from grappe.demo.people import FIRST_NAMES, LAST_NAMES, SECTOR_TOPICS, TOPICS, PeopleSeed
from grappe.partners import services
from grappe.partners.models import (
    Agreement,
    AgreementKind,
    Challenge,
    Collaboration,
    ContactRequest,
    ContactRole,
    FeePayment,
    Interaction,
    InteractionKind,
    IPClause,
    Level,
    MatchingConsent,
    PartnerContact,
    PartnerProfile,
    RequestSide,
    RequestState,
)
from grappe.partners.texts import MATCHMAKING_CONSENT_VERSION
from grappe.people.models import Affiliation, Organisation, Person, Relationship, RoleKind, User
from grappe.people.services import keywords_from_names
from grappe.privacy.models import Consent, ConsentKind
from grappe.review.models import Publication
from grappe.training.models import Registration, RegistrationState, TrainingSession

FEES = {
    Level.STRATEGIC: Decimal("25000"),
    Level.FULL: Decimal("10000"),
    Level.ASSOCIATE: Decimal("3000"),
    Level.STARTUP: None,
}
NOTES = [
    "Point d'étape sur les thèses CIFRE en cours.",
    "Présentation des appels du cluster à l'équipe R&D.",
    "Intérêt pour une chaire industrielle en 2027.",
    "Questions sur la clause de propriété intellectuelle de l'accord de consortium.",
    "Visite des laboratoires partenaires.",
]
FR_TEMPLATE = (
    "Nous cherchons des chercheuses et chercheurs en {method} pour des applications de {application}. "
    "Nos équipes disposent de données réelles et souhaitent des méthodes {qualifier} : {keywords}."
)
EN_TEMPLATE = (
    "We are looking for researchers in {method} applied to {application}. Our teams hold real-world data "
    "and want {qualifier} methods, with a focus on {keywords}."
)


def _day(today: dt.date, offset: int) -> dt.date:
    return today + dt.timedelta(days=offset)


@transaction.atomic
def seed_partners(rng: random.Random, people: PeopleSeed) -> dict[str, int]:
    if Challenge.objects.exists():
        return {"partners": 0, "challenges": 0, "requests": 0}
    today = timezone.localdate()
    partners = list(people.partners) or list(
        Organisation.objects.filter(relationship=Relationship.PARTNER).order_by("name")
    )
    # The demo partner contact's organisation first: its challenges are the portal's examples.
    own = Organisation.objects.filter(
        roles__kind=RoleKind.PARTNER_CONTACT, roles__person__email__startswith="partner@"
    ).first()
    if own in partners:
        partners.remove(own)
        partners.insert(0, own)
    _relations(rng, partners, today)
    _consents(rng)
    partner_user = User.objects.filter(email__startswith="partner@").first()
    challenges = _challenges(rng, partners, today, partner_user)
    requests = _requests(challenges, partners[0], partner_user)
    _events(partners[0], partner_user)
    return {"partners": len(partners), "challenges": len(challenges), "requests": requests}


def _staff(rng: random.Random, partners: list[Organisation]) -> dict[int, list[int]]:
    """People of each partner in the directory; a partner with nobody gets a partnerships manager,
    so that every partner has a contact."""
    staff: dict[int, list[int]] = {}
    for person_id, org_id in Person.objects.filter(affiliations__organisation__in=partners).values_list(
        "pk", "affiliations__organisation_id"
    ):
        staff.setdefault(org_id, []).append(person_id)
    missing = [org for org in partners if org.pk not in staff]
    people = Person.objects.bulk_create(
        [
            Person(
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                email=f"partenariats.{org.code.lower()}@entreprise.example",
            )
            for org in missing
        ]
    )
    Affiliation.objects.bulk_create(
        [
            Affiliation(person=person, organisation=org, position="Responsable des partenariats")
            for person, org in zip(people, missing, strict=True)
        ]
    )
    for person, org in zip(people, missing, strict=True):
        staff[org.pk] = [person.pk]
        person.keywords.set(keywords_from_names(TOPICS[SECTOR_TOPICS.get(org.sector, ["ml"])[0]][:2]))
    return staff


def _relations(rng: random.Random, partners: list[Organisation], today: dt.date) -> None:
    staff = _staff(rng, partners)
    levels = [Level.STRATEGIC] * 2 + [Level.FULL] * 4 + [Level.ASSOCIATE] * 3 + [Level.STARTUP]
    agreements, payments, contacts, interactions = [], [], [], []
    for i, org in enumerate(partners):
        level = levels[i % len(levels)] if i else Level.STRATEGIC
        since = org.relationship_start or dt.date(2025, 1, 1)
        profile, _created = PartnerProfile.objects.update_or_create(
            organisation=org,
            defaults={
                "level": level,
                "member_since": since,
                "annual_fee": FEES[level],
                "interests": ", ".join(rng.sample(TOPICS[rng.choice(SECTOR_TOPICS.get(org.sector, ["ml"]))], 3)),
            },
        )
        profile.keywords.set(
            keywords_from_names(rng.sample(TOPICS[rng.choice(SECTOR_TOPICS.get(org.sector, ["ml"]))], 2))
        )
        if FEES[level]:
            payments += [
                FeePayment(profile=profile, year=year, amount=FEES[level], paid_on=dt.date(year, rng.randint(1, 4), 15))
                for year in range(since.year, today.year + (1 if today.month > 4 else 0))
            ]
        charter_end = _day(today, rng.randint(20, 55)) if i % 6 == 0 else dt.date(since.year + 3, since.month, 1)
        agreements.append(
            Agreement(
                profile=profile,
                kind=AgreementKind.CHARTER,
                title=f"Charte de membre {org.name}",
                ip_clause=IPClause.NONE,
                start_date=since,
                end_date=max(charter_end, since),
            )
        )
        if i % 2 == 0:
            start = _day(today, -rng.randint(100, 700))
            agreements.append(
                Agreement(
                    profile=profile,
                    kind=rng.choice([AgreementKind.NDA, AgreementKind.COLLABORATION, AgreementKind.CONSORTIUM]),
                    title=f"Accord {rng.choice(METHODS).lower()} — {org.name}",
                    ip_clause=rng.choice([c for c in IPClause.values if c != IPClause.NONE]),
                    start_date=start,
                    end_date=_day(today, rng.choice([-30, 45, 200, 400])),
                )
            )
        for role, person_id in zip(
            [ContactRole.MAIN, ContactRole.SCIENTIFIC, ContactRole.LEGAL], staff.get(org.pk, [])[:3], strict=False
        ):
            contacts.append(PartnerContact(profile=profile, person_id=person_id, role=role))
        for _n in range(rng.randint(1, 4)):
            interactions.append(
                Interaction(
                    profile=profile,
                    kind=rng.choice(InteractionKind.values),
                    date=_day(today, -rng.randint(5, 400)),
                    participants="Claire Lemoine (bureau du cluster)",
                    notes=rng.choice(NOTES),
                )
            )
    for agreement in agreements:
        agreement.end_date = max(agreement.end_date, agreement.start_date)
    Agreement.objects.bulk_create(agreements)
    FeePayment.objects.bulk_create(payments)
    PartnerContact.objects.bulk_create(contacts, ignore_conflicts=True)
    Interaction.objects.bulk_create(interactions)


def _consents(rng: random.Random) -> None:
    # Consent: about half of the researchers with publications, and the demo reviewer.
    with_publications = sorted(set(Publication.objects.values_list("person_id", flat=True)))
    rng.shuffle(with_publications)
    opted = with_publications[: len(with_publications) // 2]
    reviewer = Person.objects.filter(email__startswith="reviewer@").first()
    if reviewer is not None and reviewer.pk not in opted:
        opted.append(reviewer.pk)
    now = timezone.now()
    version = MATCHMAKING_CONSENT_VERSION
    MatchingConsent.objects.bulk_create(
        [MatchingConsent(person_id=pk, opted_in=True, consented_at=now, text_version=version) for pk in opted],
        ignore_conflicts=True,
    )
    # The same choices in each person's history of consents (privacy), as set_consent records them.
    Consent.objects.bulk_create(
        [Consent(person_id=pk, kind=ConsentKind.MATCHMAKING, given=True, text_version=version) for pk in opted]
    )


def _events(organisation: Organisation, partner_user: User | None) -> int:
    """The demo partner contact holds places in two upcoming training sessions (one for
    professionals, one of a master track), so the portal's "Upcoming events" shows both kinds."""
    if partner_user is None:
        return 0
    person = partner_user.person
    upcoming = TrainingSession.objects.filter(starts_at__gte=timezone.now()).order_by("starts_at", "pk")
    chosen = [
        s
        for s in (
            upcoming.filter(course__programme__audience="professionals").first(),
            upcoming.filter(course__programme__audience="students").first(),
        )
        if s is not None
    ]
    Registration.objects.bulk_create(
        [
            Registration(
                session=s,
                person=person,
                first_name=person.first_name,
                last_name=person.last_name,
                email=person.email,
                organisation_name=organisation.name,
                token=secrets.token_urlsafe(24),
                state=RegistrationState.CONFIRMED,
            )
            for s in chosen
        ]
    )
    return len(chosen)


def _challenges(
    rng: random.Random, partners: list[Organisation], today: dt.date, partner_user: User | None
) -> list[Challenge]:
    # 20 challenges, the first ones by the demo partner contact's organisation.
    challenges = []
    for n in range(20):
        org = partners[0] if n < 4 else partners[(n * 3) % len(partners)]
        method, application, qualifier = rng.choice(METHODS), rng.choice(APPLICATIONS), rng.choice(QUALIFIERS)
        keywords = rng.sample(TOPICS[rng.choice(SECTOR_TOPICS.get(org.sector, ["ml"]))], 3)
        french = n % 3 != 2
        text = (FR_TEMPLATE if french else EN_TEMPLATE).format(
            method=method if not french else method[0].lower() + method[1:],
            application=application,
            qualifier=qualifier,
            keywords=", ".join(keywords),
        )
        challenge = services.publish_challenge(
            org,
            data={
                "title": f"{method} : {application}" if french else f"{method} for {application}",
                "text": text,
                "language": "fr" if french else "en",
                "collaboration": Collaboration.values[n % len(Collaboration.values)],
                "visibility": "public" if n % 2 else "members",
                "end_date": _day(today, rng.randint(30, 240)),
            },
            keywords=keywords_from_names(keywords),
            actor=partner_user if org == partners[0] else None,
        )
        challenges.append(challenge)
    services.suggest_for_challenges(challenges, actor=None, seeds=[rng.randrange(2**31) for _c in challenges])

    return challenges


def _requests(challenges: list[Challenge], first: Organisation, partner_user: User | None) -> int:
    now = timezone.now()
    # Contact requests in each state, from both sides.
    requests = 0
    states = [RequestState.PENDING, RequestState.ACCEPTED, RequestState.DECLINED]
    for n, challenge in enumerate(challenges):
        run = challenge.runs.first()
        suggested = list(run.suggestions.filter(person__isnull=False).order_by("rank")[:3]) if run else []
        for k, suggestion in enumerate(suggested[: 1 + n % 3]):
            side = RequestSide.PARTNER if k % 2 == 0 else RequestSide.RESEARCHER
            contact = ContactRequest.objects.create(
                challenge=challenge,
                researcher=suggestion.person,
                side=side,
                message="Bonjour, votre travail correspond à notre défi ; pouvons-nous en parler ?"
                if side == RequestSide.PARTNER
                else "Bonjour, ce défi rejoint mes travaux ; je serais ravi d'en discuter.",
                suggestion=suggestion,
                sent_by=partner_user if side == RequestSide.PARTNER and challenge.organisation == first else None,
            )
            state = states[(n + k) % 3]
            if state != RequestState.PENDING:
                ContactRequest.objects.filter(pk=contact.pk).update(state=state, answered_at=now, answer="Merci !")
            requests += 1
    return requests
