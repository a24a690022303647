"""Every write of the partners app (atomic, audited): relations, agreements, challenges,
matchmaking runs, consent and contact requests."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core.services import log_action, save_versioned
from grappe.core.validation import one_line
from grappe.notifications.models import Kind, Notification
from grappe.notifications.services import mark_read, notify
from grappe.partners import index, queries
from grappe.partners.models import (
    Agreement,
    Challenge,
    ContactRequest,
    FeePayment,
    IndexKind,
    Interaction,
    MatchingConsent,
    PartnerContact,
    PartnerProfile,
    RequestSide,
    RequestState,
    RunTarget,
    Suggestion,
    SuggestionRun,
)
from grappe.partners.signals import matching_consent_changed
from grappe.partners.texts import MATCHMAKING_CONSENT_VERSION
from grappe.people.models import Keyword, Organisation, Person, Role, RoleKind
from grappe.submissions.models import Proposal


class PartnerError(ValidationError):
    """A rule of partner relations or matchmaking refused the write; the message says why."""


SUGGESTIONS_KEPT = 10  # per list (researchers, teams, challenges, partners)

# Emails about contact requests, translated into each recipient's language when sent.
SENT_BY_PARTNER_SUBJECT = gettext_lazy("%(company)s would like to contact you about its challenge: %(challenge)s")
SENT_BY_PARTNER_BODY = gettext_lazy(
    "Hello %(name)s,\n\n%(sender)s, of %(company)s, sent you a contact request about the challenge "
    "“%(challenge)s”:\n\n%(message)s\n\nAnswer it: %(link)s"
)
SENT_BY_RESEARCHER_SUBJECT = gettext_lazy("%(sender)s wrote about your challenge: %(challenge)s")
SENT_BY_RESEARCHER_BODY = gettext_lazy(
    "Hello %(name)s,\n\n%(sender)s%(affiliation)s sent %(company)s a contact request about the challenge "
    "“%(challenge)s”:\n\n%(message)s\n\nAnswer it: %(link)s"
)
ACCEPTED_SUBJECT = gettext_lazy("%(answerer)s accepted your contact request: %(challenge)s")
DECLINED_SUBJECT = gettext_lazy("%(answerer)s declined your contact request: %(challenge)s")
ACCEPTED_BODY = gettext_lazy(
    "Hello %(name)s,\n\n%(answerer)s accepted your contact request about the challenge “%(challenge)s” "
    "of %(company)s.%(answer)s\n\nYou may now write to each other directly: the addresses are on the request's "
    "page, %(link)s"
)
DECLINED_BODY = gettext_lazy(
    "Hello %(name)s,\n\n%(answerer)s declined your contact request about the challenge “%(challenge)s” "
    "of %(company)s.%(answer)s\n\n%(link)s"
)


# --- Relations (office) ----------------------------------------------------------------------------


def profile_of(organisation: Organisation) -> PartnerProfile:
    """The partner relation of ``organisation``, created empty the first time."""
    profile, _created = PartnerProfile.objects.get_or_create(organisation=organisation)
    return profile


@transaction.atomic
def update_relation(profile: PartnerProfile, changes: dict[str, Any], *, expected_version: int, actor: Any) -> None:
    old = {name: getattr(profile, name) for name in changes}
    save_versioned(profile, changes, expected_version=expected_version)
    log_action(
        profile.organisation,
        "partners.relation_updated",
        actor=actor,
        data={k: [old[k], v] for k, v in changes.items() if old[k] != v},
    )


@transaction.atomic
def record_fee_payment(profile: PartnerProfile, *, year: int, amount: Any, paid_on: dt.date, actor: Any) -> FeePayment:
    payment = FeePayment.objects.create(profile=profile, year=year, amount=amount, paid_on=paid_on, recorded_by=actor)
    log_action(profile.organisation, "partners.fee_paid", actor=actor, data={"year": year, "amount": amount})
    return payment


@transaction.atomic
def add_agreement(profile: PartnerProfile, *, data: dict[str, Any], upload: Any, actor: Any) -> Agreement:
    if data["end_date"] < data["start_date"]:
        raise PartnerError(_("The agreement cannot end before it starts."))
    agreement = Agreement(profile=profile, **data)
    if upload:
        agreement.file_name = one_line(upload.name)[:200]
        agreement.file.save("agreement.pdf", upload, save=False)
    agreement.save()
    log_action(
        profile.organisation,
        "partners.agreement_added",
        actor=actor,
        data={"title": agreement.title, "kind": agreement.kind, "end": agreement.end_date},
    )
    return agreement


@transaction.atomic
def add_contact(profile: PartnerProfile, *, person: Person, role: str, actor: Any) -> PartnerContact:
    contact, created = PartnerContact.objects.get_or_create(profile=profile, person=person, role=role)
    if not created:
        raise PartnerError(_("This person already holds this role for the partner."))
    log_action(profile.organisation, "partners.contact_added", actor=actor, data={"person": person.code, "role": role})
    return contact


@transaction.atomic
def log_interaction(profile: PartnerProfile, *, data: dict[str, Any], actor: Any) -> Interaction:
    interaction = Interaction.objects.create(profile=profile, recorded_by=actor, **data)
    log_action(
        profile.organisation,
        "partners.interaction_logged",
        actor=actor,
        data={"kind": data["kind"], "date": data["date"]},
    )
    return interaction


@transaction.atomic
def update_public_profile(
    organisation: Organisation,
    *,
    description: str,
    website: str,
    interests: str,
    keywords: Iterable[Keyword],
    organisation_version: int,
    profile_version: int,
    actor: Any,
) -> None:
    """What the partner shows of itself (directory description, website, interests, keywords)."""
    profile = profile_of(organisation)
    save_versioned(
        organisation, {"description": description, "website": website}, expected_version=organisation_version
    )
    save_versioned(
        profile,
        {"interests": interests, "keywords": list(keywords)},
        expected_version=profile_version,
        m2m=["keywords"],
    )
    log_action(organisation, "partners.public_profile_updated", actor=actor)


# --- Renewal reminders -----------------------------------------------------------------------------


def send_agreement_reminders(*, today: dt.date | None = None, actor: Any = None) -> int:
    """Email the office about each agreement entering its renewal window (``notice_days`` before
    its end), once per agreement. Run daily (command ``send_agreement_reminders`` or its task)."""
    today = today or timezone.localdate()
    due = [
        a
        for a in Agreement.objects.filter(reminded_on=None, end_date__gte=today).select_related("profile__organisation")
        if (a.end_date - today).days <= a.notice_days
    ]
    if not due:
        return 0
    office = list(Person.objects.filter(roles__kind=RoleKind.OFFICE).exclude(email="").distinct().order_by("pk"))
    for agreement in due:
        with transaction.atomic():
            link = settings.SITE_URL + reverse("partners:detail", args=[agreement.profile.organisation.code])
            for person in office:
                notify(
                    person,
                    Kind.DEADLINE,
                    subject=lambda agreement=agreement: (
                        _("Agreement to renew: %(title)s (%(partner)s), ends on %(end)s")
                        % {
                            "title": one_line(agreement.title),
                            "partner": one_line(agreement.profile.organisation.name),
                            "end": agreement.end_date.isoformat(),
                        }
                    ),
                    body=lambda agreement=agreement, link=link: (
                        _("The agreement ends in %(days)d days. Partner page: %(link)s")
                        % {"days": (agreement.end_date - today).days, "link": link}
                    ),
                    link=link,
                )
            Agreement.objects.filter(pk=agreement.pk).update(reminded_on=today)
            log_action(
                agreement.profile.organisation,
                "partners.agreement_reminded",
                actor=actor,
                data={"agreement": agreement.pk},
            )
    return len(due)


# --- Challenges -------------------------------------------------------------------------------------


@transaction.atomic
def publish_challenge(
    organisation: Organisation, *, data: dict[str, Any], keywords: Sequence[Keyword], actor: Any
) -> Challenge:
    challenge = Challenge.objects.create(organisation=organisation, created_by=actor, **data)
    challenge.keywords.set(keywords)
    log_action(challenge, "partners.challenge_published", actor=actor, data={"organisation": organisation.code})
    return challenge


CHALLENGE_FIELDS = ("title", "text", "language", "collaboration", "visibility", "end_date", "academic_only")


@transaction.atomic
def update_challenge(
    challenge: Challenge, *, data: dict[str, Any], keywords: Sequence[Keyword], expected_version: int, actor: Any
) -> bool:
    """Edit an open challenge (its partner's contacts or the office); optimistic locking. Returns
    whether what the suggestions depend on changed (title, statement, keywords, academic researchers
    only): then suggest again."""
    if not challenge.is_open:
        raise PartnerError(_("This challenge is closed: it can no longer be edited."))
    old = {name: getattr(challenge, name) for name in CHALLENGE_FIELDS}
    old_keywords = sorted(k.name for k in challenge.keywords.all())
    changes = {name: data[name] for name in CHALLENGE_FIELDS}
    save_versioned(
        challenge, {**changes, "keywords": list(keywords)}, expected_version=expected_version, m2m=["keywords"]
    )
    new_keywords = sorted(k.name for k in keywords)
    diff: dict[str, Any] = {k: [old[k], v] for k, v in changes.items() if old[k] != v}
    if old_keywords != new_keywords:
        diff["keywords"] = [old_keywords, new_keywords]
    log_action(challenge, "partners.challenge_updated", actor=actor, data=diff)
    return bool({"title", "text", "keywords", "academic_only"} & set(diff))


@transaction.atomic
def close_challenge(challenge: Challenge, *, expected_version: int, actor: Any) -> None:
    """Close a challenge before its end date: no longer listed, suggested to researchers or open
    to new contact requests; requests already made keep their course."""
    if not challenge.is_open:
        raise PartnerError(_("This challenge is already closed."))
    save_versioned(
        challenge,
        {"closed_at": timezone.now(), "closed_by": actor if getattr(actor, "is_authenticated", False) else None},
        expected_version=expected_version,
    )
    log_action(challenge, "partners.challenge_closed", actor=actor, data={"end_date": challenge.end_date})


# --- Consent ------------------------------------------------------------------------------------------


@transaction.atomic
def set_consent(person: Person, *, opted_in: bool, actor: Any) -> MatchingConsent:
    """Record a researcher's choice, with its date and the version of the text they agreed to;
    withdrawing takes effect at once (suggestions filter on the current choice). The apps above
    are told (``signals.matching_consent_changed``: privacy keeps the history of consents)."""
    consent, _created = MatchingConsent.objects.select_for_update().get_or_create(person=person)
    now = timezone.now()
    if opted_in and not (consent.opted_in and consent.text_version == MATCHMAKING_CONSENT_VERSION):
        consent.opted_in, consent.consented_at, consent.withdrawn_at = True, now, None
        consent.text_version = MATCHMAKING_CONSENT_VERSION
    elif not opted_in and consent.opted_in:
        consent.opted_in, consent.withdrawn_at = False, now
    else:
        return consent
    consent.save()
    log_action(
        person,
        "partners.consent_given" if opted_in else "partners.consent_withdrawn",
        actor=actor,
        data={"version": consent.text_version},
    )
    matching_consent_changed.send(
        sender=MatchingConsent, person=person, given=opted_in, text_version=consent.text_version, actor=actor
    )
    return consent


# --- Matchmaking runs ---------------------------------------------------------------------------------


def _store_run(
    *,
    target: str,
    inputs: dict[str, Any] | None,
    ranked: dict[str, Any],
    parameters: dict[str, Any],
    seed: int,
    statistics: dict[str, Any],
    suggestions: list[Suggestion],
    actor: Any,
    **subject: Any,
) -> SuggestionRun:
    """Keep a run with its exact inputs (``None`` when they cannot be kept: an index built before
    inputs were stored) and what the engine ranked."""
    from grappe.core.replay import digest_of, store_inputs
    from grappe.engine import ENGINE_VERSION

    with transaction.atomic():
        stored = store_inputs(inputs) if inputs is not None else None
        run = SuggestionRun.objects.create(
            target=target,
            parameters=parameters,
            seed=seed,
            inputs_hash=stored.digest if stored is not None else digest_of(ranked),
            inputs=stored,
            ranked=ranked,
            engine_version=ENGINE_VERSION,
            statistics=statistics,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            **subject,
        )
        for suggestion in suggestions:
            suggestion.run = run
        Suggestion.objects.bulk_create(suggestions)
        log_action(run, f"partners.run_{target}", actor=actor, data={"suggestions": len(suggestions)})
    return run


def _suggestions(matches: Sequence[Any], **targets: Sequence[Any]) -> list[Suggestion]:
    """Unsaved suggestions for ranked ``matches``; ``targets`` names the field and the objects the
    matches' profile indices point to (``person=researchers``)."""
    ((field, objects),) = targets.items()
    return [
        Suggestion(
            rank=n,
            score=round(m.score, 6),
            terms=list(m.terms),
            document=(m.document_title or "")[:500],
            from_keywords=m.from_keywords,
            document_code=(m.document_id or "")[:100],
            **{field: objects[m.profile]},
        )
        for n, m in enumerate(matches, start=1)
    ]


def suggest_for_challenge(challenge: Challenge, *, actor: Any, seed: int | None = None) -> SuggestionRun:
    """Rank opted-in researchers and funded project teams for ``challenge`` (review's affinity,
    explained by shared terms and the closest publication) and store the run."""
    return suggest_for_challenges([challenge], actor=actor, seeds=[seed])[0]


def _side(
    row: Any, excluded: list[str], *, common: Sequence[str] | None = None, informative_only: bool = False
) -> dict[str, Any] | None:
    """A side of a challenge run's inputs: the index's profiles (stored once, pointed to), the
    codes left out now, the backend, the words too common to explain alone (the researchers' ones,
    for a small corpus); None when the index kept no inputs (built before)."""
    from grappe.core.replay import reference

    if row.inputs_id is None:
        return None
    side = {"profiles": reference(row.inputs_id), "excluded": sorted(excluded), "backend": row.backend}
    if common is not None:
        side["common"] = list(common)
        side["common_phrases"] = True
    if informative_only:
        side["informative_only"] = True
    return side


def _excluded_now(challenge: Challenge, indexed: Any, withdrawn: set[str], companies: set[str]) -> list[str]:
    """The researchers of ``indexed`` (codes) left out of ``challenge`` now: their consent withdrawn
    since the index was built, the challenge's own staff, and for a challenge kept to academic
    researchers anyone at a company."""
    left_out = withdrawn | queries.current_staff_codes(challenge.organisation_id)
    if challenge.academic_only:
        left_out |= companies
    return sorted(code for code in left_out if code in indexed)


def suggest_for_challenges(
    challenges: Sequence[Challenge], *, actor: Any, seeds: Sequence[int | None] | None = None
) -> list[SuggestionRun]:
    """:func:`suggest_for_challenge` for several challenges. The researchers' and teams' sides
    come from the stored indexes (``partners.index``: built once, reused until their inputs
    change); who may be suggested is decided now: only people opted in at this moment (a consent
    withdrawn since the index was built counts at once), not the challenge's own organisation's
    people, and for a challenge kept to academic researchers (the default) nobody currently
    affiliated with a company. Each challenge gets its own run."""
    from grappe.partners.replay import document_json, ranked_json, side_matches

    seeds = list(seeds) if seeds is not None else [None] * len(challenges)
    started = time.perf_counter()
    people_row, people_index, people_fresh = index.current(IndexKind.RESEARCHERS)
    teams_row, teams_index, teams_fresh = index.current(IndexKind.TEAMS)
    researcher_codes = list(people_index.profile_ids) if people_index is not None else []
    position = people_index.positions if people_index is not None else {}
    withdrawn = queries.not_opted_in_codes() if researcher_codes else set()
    companies = (
        queries.company_staff_codes() if researcher_codes and any(c.academic_only for c in challenges) else set()
    )
    # The words kept out of explanations are the same for every challenge: the genre's, plus for the
    # teams (a few dozen projects cannot tell which words are common) the researchers' index's.
    genre = sorted(index.genre_stems())
    teams_common = sorted((people_index.common_stems if people_index is not None else set()) | set(genre))
    loaded = time.perf_counter()
    runs = []
    for challenge, seed in zip(challenges, seeds, strict=True):
        t0 = time.perf_counter()
        query = queries.challenge_document(challenge)
        people: list[Suggestion] = []
        excluded: list[str] = []
        sides: dict[str, Any] = {}
        ranked: dict[str, Any] = {}
        if people_index is not None:
            # Withdrawn since the index was built, the challenge's own staff, other companies' staff.
            excluded = _excluded_now(challenge, position, withdrawn, companies)
            matches = side_matches(
                people_index.query([query]),
                researcher_codes,
                excluded,
                SUGGESTIONS_KEPT,
                common=genre,
                common_phrases=True,
                informative_only=True,
            )
            sides["researchers"], ranked["researchers"] = (
                _side(people_row, excluded, common=genre, informative_only=True),
                ranked_json(matches, researcher_codes),
            )
            found = queries.people_by_code([researcher_codes[m.profile] for m in matches])
            people = _suggestions(
                [m for m in matches if researcher_codes[m.profile] in found],
                person=[found.get(code) for code in researcher_codes],
            )
        projects: list[Suggestion] = []
        if teams_index is not None:
            matches = side_matches(
                teams_index.query([query]),
                teams_index.profile_ids,
                [],
                SUGGESTIONS_KEPT,
                common=teams_common,
                common_phrases=True,
                informative_only=True,
            )
            sides["teams"] = _side(teams_row, [], common=teams_common, informative_only=True)
            ranked["teams"] = ranked_json(matches, teams_index.profile_ids)
            found_projects = queries.projects_by_code([teams_index.profile_ids[m.profile] for m in matches])
            projects = _suggestions(
                [m for m in matches if teams_index.profile_ids[m.profile] in found_projects],
                project=[found_projects.get(code) for code in teams_index.profile_ids],
            )
        inputs = {
            "target": RunTarget.CHALLENGE,
            "kept": SUGGESTIONS_KEPT,
            "query": document_json(query),
            "sides": sides,
        }
        runs.append(
            _store_run(
                target=RunTarget.CHALLENGE,
                challenge=challenge,
                inputs=None if None in sides.values() else inputs,
                ranked=ranked,
                parameters={
                    **(people_index.parameters if people_index is not None else {}),
                    "kept": SUGGESTIONS_KEPT,
                    "opted_in_only": True,
                    "academic_only": challenge.academic_only,
                },
                seed=seed if seed is not None else random.SystemRandom().randrange(2**31),
                statistics={
                    "researchers": len(researcher_codes) - len(excluded),
                    "teams": len(teams_index.profile_ids) if teams_index is not None else 0,
                    "index": {
                        "researchers": _index_summary(people_row, people_fresh),
                        "teams": _index_summary(teams_row, teams_fresh),
                    },
                    "seconds": {"load": round(loaded - started, 3), "engine": round(time.perf_counter() - t0, 3)},
                },
                suggestions=people + projects,
                actor=actor,
            )
        )
    return runs


def _index_summary(row: Any, fresh: bool) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"id": row.pk, "built_at": row.built_at.isoformat(), "inputs_hash": row.inputs_hash, "fresh": fresh}


def _match_inline(
    target: str, query: Any, side: str, profiles: list[Any], **found: Any
) -> tuple[dict[str, Any], dict[str, Any], list[Any], dict[str, Any]]:
    """Match ``query`` against ``profiles`` indexed now: (inputs, what was ranked, the matches,
    the index's parameters)."""
    from grappe.engine.matching import AffinityIndex
    from grappe.partners.replay import document_json, ranked_json, side_matches

    chosen = index.backend()
    # A few dozen texts cannot tell which words are common: the researchers' index's common words
    # and the genre's are kept out of explanations, and one word alone explains nothing.
    side_inputs = _inline_side(profiles, chosen)
    common = side_inputs["common"]
    engine_index = AffinityIndex.build(profiles, **index.engine_options(chosen))
    matches = (
        side_matches(
            engine_index.query([query]),
            engine_index.profile_ids,
            [],
            SUGGESTIONS_KEPT,
            common=common,
            common_phrases=True,
            informative_only=True,
        )
        if query.text
        else []
    )
    inputs = {
        "target": target,
        "kept": SUGGESTIONS_KEPT,
        "query": document_json(query),
        "sides": {side: side_inputs},
    }
    return inputs, {side: ranked_json(matches, engine_index.profile_ids)}, matches, engine_index.parameters


def suggest_for_researcher(person: Person, *, user: Any, seed: int | None = None) -> SuggestionRun:
    """The open challenges (visible to ``user``) that fit ``person``'s publications and keywords."""
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    challenges = queries.open_challenges_for(user)
    query = queries.person_document(person)
    profiles = [queries.challenge_profile(c) for c in challenges]
    inputs, ranked, matches, parameters = _match_inline(RunTarget.RESEARCHER, query, "challenges", profiles)
    return _store_run(
        target=RunTarget.RESEARCHER,
        person=person,
        inputs=inputs,
        ranked=ranked,
        parameters={**parameters, "kept": SUGGESTIONS_KEPT},
        seed=seed,
        statistics={"challenges": len(profiles)},
        suggestions=_suggestions(matches, challenge=challenges),
        actor=user,
    )


def suggest_partners_for_proposal(proposal: Proposal, *, actor: Any, seed: int | None = None) -> SuggestionRun:
    """Industrial partners whose interests, keywords and challenges fit the draft."""
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    query = queries.proposal_document(proposal)
    partners, profiles = queries.partner_profiles()
    inputs, ranked, matches, parameters = _match_inline(RunTarget.PROPOSAL, query, "partners", profiles)
    return _store_run(
        target=RunTarget.PROPOSAL,
        proposal=proposal,
        inputs=inputs,
        ranked=ranked,
        parameters={**parameters, "kept": SUGGESTIONS_KEPT},
        seed=seed,
        statistics={"partners": len(profiles)},
        suggestions=_suggestions(matches, organisation=partners),
        actor=actor,
    )


def _inline_side(profiles: list[Any], chosen: str) -> dict[str, Any]:
    """A side indexed in the run (challenges, partners): its profiles and the words kept out."""
    from grappe.partners.replay import profiles_json

    return {
        "profiles": profiles_json(profiles),
        "excluded": [],
        "backend": chosen,
        "common": sorted(index.common_stems() | index.genre_stems()),
        "common_phrases": True,
        "informative_only": True,
    }


def matchmaking_inputs_today(run: SuggestionRun) -> dict[str, Any] | None:
    """The inputs a run for the same question would read today, references resolved (for replay
    to say how today's data differ from those the run used)."""
    from grappe.partners.replay import document_json, profiles_json

    chosen = index.backend()
    if run.target == RunTarget.CHALLENGE and run.challenge is not None:
        sides: dict[str, Any] = {}
        people, teams = queries.researcher_profiles()[1], queries.team_profiles()[1]
        codes = {p.id for p in people}
        companies = queries.company_staff_codes() if run.challenge.academic_only else set()
        excluded = _excluded_now(run.challenge, codes, queries.not_opted_in_codes(), companies)
        genre = sorted(index.genre_stems())
        common = sorted(index.common_stems() | index.genre_stems())
        sides["researchers"] = {
            "profiles": profiles_json(people),
            "excluded": excluded,
            "backend": chosen,
            "common": genre,
            "common_phrases": True,
            "informative_only": True,
        }
        sides["teams"] = {
            "profiles": profiles_json(teams),
            "excluded": [],
            "backend": chosen,
            "common": common,
            "common_phrases": True,
            "informative_only": True,
        }
        query = queries.challenge_document(run.challenge)
    elif run.target == RunTarget.RESEARCHER and run.person is not None and run.created_by is not None:
        profiles = [queries.challenge_profile(c) for c in queries.open_challenges_for(run.created_by)]
        sides = {"challenges": _inline_side(profiles, chosen)}
        query = queries.person_document(run.person)
    elif run.target == RunTarget.PROPOSAL and run.proposal is not None:
        profiles = queries.partner_profiles()[1]
        sides = {"partners": _inline_side(profiles, chosen)}
        query = queries.proposal_document(run.proposal)
    else:
        return None
    return {"target": run.target, "kept": SUGGESTIONS_KEPT, "query": document_json(query), "sides": sides}


# --- Contact requests -----------------------------------------------------------------------------------


def quoted(message: str) -> str:
    """``message`` as a plain-text email quotes it: each line after "> " (the emails are text,
    and the in-app notification escapes it, so what the sender typed is never markup)."""
    return "\n".join(f"> {line}".rstrip() for line in message.strip().splitlines())


def _notify(request: ContactRequest, recipients: Sequence[Person], subject: Any, body: Any, **values: str) -> None:
    """Each recipient told in the app and by email, greeted by name, in their language."""
    link = settings.SITE_URL + reverse("partners:request", args=[request.code])
    common = {"challenge": request.challenge.title, "company": request.challenge.organisation.name, "link": link}
    for person in recipients:
        text = {**common, **values, "name": person.full_name}
        notify(
            person,
            Kind.MESSAGE,
            subject=lambda text=text: one_line(str(subject) % text),
            body=lambda text=text: str(body) % text,
            link=link,
        )


def _affiliation_of(person: Person | None) -> str:
    """`` (Organisation)``: ``person``'s current affiliations, for a message's signature."""
    if person is None:
        return ""
    names = [a.organisation.name for a in person.affiliations.filter(end_date=None).select_related("organisation")]
    return f" ({', '.join(names)})" if names else ""


def mark_request_read(request: ContactRequest, person: Person | None) -> int:
    """``person``'s in-app notifications about ``request`` marked read (they opened its page)."""
    if person is None:
        return 0
    path = reverse("partners:request", args=[request.code])
    unread = Notification.objects.filter(person=person, read_at__isnull=True, link__endswith=path)
    ids = list(unread.values_list("pk", flat=True))
    return mark_read(person, ids) if ids else 0


def _partner_contacts(organisation: Organisation) -> list[Person]:
    return list(
        Person.objects.filter(roles__kind=RoleKind.PARTNER_CONTACT, roles__organisation=organisation).distinct()
    )


def send_request(
    challenge: Challenge,
    *,
    researcher: Person,
    side: str,
    message: str,
    actor: Any,
    suggestion: Suggestion | None = None,
) -> ContactRequest:
    """A contact request about ``challenge``, from its partner to ``researcher`` or back; the
    other side is told in the app and by email."""
    if not challenge.is_open:
        raise PartnerError(_("This challenge is closed: it no longer takes contact requests."))
    if side == RequestSide.PARTNER and not queries.is_opted_in(researcher):
        raise PartnerError(_("This person does not (or no longer) accept to be contacted through matchmaking."))
    try:
        with transaction.atomic():
            request = ContactRequest.objects.create(
                challenge=challenge,
                researcher=researcher,
                side=side,
                message=message,
                sent_by=actor,
                suggestion=suggestion,
            )
            log_action(request, "partners.request_sent", actor=actor, data={"side": side, "challenge": challenge.code})
    except IntegrityError as exc:
        raise PartnerError(_("A contact request already links this researcher and this challenge.")) from exc
    by_partner = side == RequestSide.PARTNER
    recipients = [researcher] if by_partner else _partner_contacts(challenge.organisation)
    sender = getattr(actor, "person", None)
    transaction.on_commit(
        lambda: _notify(
            request,
            recipients,
            SENT_BY_PARTNER_SUBJECT if by_partner else SENT_BY_RESEARCHER_SUBJECT,
            SENT_BY_PARTNER_BODY if by_partner else SENT_BY_RESEARCHER_BODY,
            message=quoted(message),
            sender=sender.full_name if sender is not None else str(challenge.organisation.name),
            affiliation=_affiliation_of(sender),
        )
    )
    return request


@transaction.atomic
def answer_request(request: ContactRequest, *, accept: bool, answer: str, actor: Any) -> ContactRequest:
    locked = ContactRequest.objects.select_for_update().get(pk=request.pk)
    if locked.state != RequestState.PENDING:
        raise PartnerError(_("This request was already answered."))
    locked.state = RequestState.ACCEPTED if accept else RequestState.DECLINED
    locked.answer = answer
    locked.answered_at = timezone.now()
    locked.save(update_fields=["state", "answer", "answered_at"])
    log_action(locked, f"partners.request_{locked.state}", actor=actor)
    sender = locked.sent_by.person if locked.sent_by_id else None
    recipients = [sender] if sender else []
    # The researcher answers in their own name; a partner contact on behalf of their organisation.
    answerer = getattr(actor, "person", None)
    if locked.side == RequestSide.PARTNER:
        answered_by = locked.researcher.full_name
    elif answerer is not None:
        answered_by = f"{answerer.full_name} ({locked.challenge.organisation.name})"
    else:
        answered_by = str(locked.challenge.organisation.name)
    transaction.on_commit(
        lambda: _notify(
            locked,
            recipients,
            ACCEPTED_SUBJECT if accept else DECLINED_SUBJECT,
            ACCEPTED_BODY if accept else DECLINED_BODY,
            answerer=answered_by,
            answer=f"\n\n{quoted(answer)}" if answer.strip() else "",
        )
    )
    return locked


def partner_contact_roles(organisation: Organisation) -> list[Role]:
    return list(Role.objects.filter(organisation=organisation, kind=RoleKind.PARTNER_CONTACT).select_related("person"))
