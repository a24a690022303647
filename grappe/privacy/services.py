"""Consents, retention (anonymising what is past its period) and erasure on request.

Anonymising keeps aggregates and the audit trail: a proposal keeps its code, call, state,
amounts and scores; its texts, answers, files and the reviewers' comments are removed. A person
erased keeps a pseudonym (their public code) wherever a record must stay."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grappe.core.models import AuditLog
from grappe.core.replay import purge_inputs
from grappe.core.services import log_action
from grappe.partners.models import MatchingConsent
from grappe.people.models import Person
from grappe.privacy.models import CareerStage, Consent, ConsentKind, SelfDeclaration
from grappe.privacy.retention import years
from grappe.privacy.texts import CONSENT_TEXTS
from grappe.projects.models import ProjectMember
from grappe.review.models import Review
from grappe.selection.models import Award
from grappe.submissions.models import Answer, Proposal, TeamMember
from grappe.training.models import Gender

ANONYMISED = "proposal.anonymised"
ERASED = "person.erased"


# --- Consents ----------------------------------------------------------------------------------


@transaction.atomic
def record_consent(person: Person, kind: str, *, given: bool, actor: Any) -> Consent | None:
    """Record ``given`` for ``kind`` with the current text's version (nothing when it is already
    the current choice for that version)."""
    if kind not in ConsentKind.values:
        raise ValueError(kind)
    if kind == ConsentKind.MATCHMAKING:
        return _record_matchmaking_through_partners(person, given=given, actor=actor)
    version = CONSENT_TEXTS[ConsentKind(kind)][0]
    latest = person.consents.filter(kind=kind).first()
    if latest is not None and latest.given == given and latest.text_version == version:
        return None
    if latest is None and not given:
        return None  # never given: nothing to withdraw
    consent = Consent.objects.create(person=person, kind=kind, given=given, text_version=version, recorded_by=actor)
    log_action(person, "person.consent_recorded", actor=actor, data={"kind": kind, "given": given, "version": version})
    return consent


def _record_matchmaking_through_partners(person: Person, *, given: bool, actor: Any) -> Consent | None:
    """Matchmaking is applied by partners (its ``MatchingConsent`` decides who is suggested): the
    choice goes through it, and :func:`matching_consent_recorded` writes the history row."""
    from grappe.partners.services import set_consent

    before = person.consents.filter(kind=ConsentKind.MATCHMAKING).values_list("pk", flat=True).first()
    set_consent(person, opted_in=given, actor=actor)
    latest = person.consents.filter(kind=ConsentKind.MATCHMAKING).first()
    return latest if latest is not None and latest.pk != before else None


def matching_consent_recorded(
    sender: Any, *, person: Person, given: bool, text_version: str, actor: Any, **kwargs: Any
) -> None:
    """Receiver of ``partners.signals.matching_consent_changed`` (same transaction): the choice
    made on the matchmaking page or here joins the person's history of consents."""
    recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    Consent.objects.create(
        person=person, kind=ConsentKind.MATCHMAKING, given=given, text_version=text_version, recorded_by=recorded_by
    )
    log_action(
        person,
        "person.consent_recorded",
        actor=actor,
        data={"kind": ConsentKind.MATCHMAKING, "given": given, "version": text_version},
    )


@transaction.atomic
def save_self_declaration(
    person: Person, *, consent: bool, career_stage: str, phd_year: int | None, gender: str, actor: Any
) -> SelfDeclaration | None:
    """Record the consent of kind ``equality`` and keep the declaration only with it: without the
    consent nothing is kept (an earlier declaration is deleted)."""
    # Saving the empty form without ever having consented records nothing.
    if consent or Consent.objects.filter(person=person, kind=ConsentKind.EQUALITY).exists():
        record_consent(person, ConsentKind.EQUALITY, given=consent, actor=actor)
    if not consent:
        SelfDeclaration.objects.filter(person=person).delete()
        return None
    if career_stage and career_stage not in CareerStage.values:
        raise ValueError(career_stage)
    if gender and gender not in Gender.values:
        raise ValueError(gender)
    declaration, _created = SelfDeclaration.objects.update_or_create(
        person=person, defaults={"career_stage": career_stage, "phd_year": phd_year, "gender": gender}
    )
    return declaration


def current_consents(person: Person) -> dict[str, Consent | None]:
    """The latest choice per kind (one query)."""
    found: dict[str, Consent | None] = dict.fromkeys(ConsentKind.values)
    for consent in person.consents.all():
        if found[consent.kind] is None:
            found[consent.kind] = consent
    return found


# --- Retention ---------------------------------------------------------------------------------


def _funded() -> Any:
    return Exists(Award.objects.filter(proposal=OuterRef("pk")))


def unfunded_past_retention(now: dt.datetime | None = None) -> QuerySet[Proposal]:
    """Proposals never funded whose call closed more than the retention period ago, not yet anonymised."""
    now = now or timezone.now()
    limit = now - dt.timedelta(days=365 * years("unfunded_proposals"))
    done = AuditLog.objects.filter(action=ANONYMISED, object_id=OuterRef("pk_text"))
    return (
        Proposal.objects.filter(call__closes_at__lt=limit)
        .annotate(funded=_funded(), pk_text=Cast("pk", CharField()))
        .filter(funded=False)
        .exclude(Exists(done))
        .select_related("call")
        .order_by("call__closes_at", "code")
    )


@transaction.atomic
def anonymise_proposal(proposal: Proposal, *, actor: Any = None) -> None:
    """Remove a proposal's texts, answers, files, invitations' addresses and review comments;
    keep its code, call, state, amounts and scores (aggregates)."""
    for answer in Answer.objects.filter(proposal=proposal):
        if answer.file:
            answer.file.delete(save=False)
        answer.value, answer.file, answer.file_name, answer.file_size = None, "", "", None
        answer.save()
    proposal.keywords.clear()
    Proposal.objects.filter(pk=proposal.pk).update(
        title=_("Anonymised proposal %(code)s") % {"code": proposal.code}, acronym="", abstract=""
    )
    TeamMember.objects.filter(proposal=proposal).update(email="")
    Review.objects.filter(assignment__proposal=proposal).update(
        comments={}, applicant_comment="", confidential_comment=""
    )
    log_action(proposal, ANONYMISED, actor=actor, data={"call": proposal.call.code})


def apply_retention(*, dry_run: bool, actor: Any = None, now: dt.datetime | None = None) -> list[Proposal]:
    """Anonymise every proposal past retention (``dry_run``: only list them)."""
    due = list(unfunded_past_retention(now))
    if not dry_run:
        for proposal in due:
            anonymise_proposal(proposal, actor=actor)
        drop_run_inputs({proposal.call_id for proposal in due})
        purge_inputs(now=now)
    return due


def drop_run_inputs(call_ids: set[int]) -> int:
    """Forget the stored inputs (``core.replay``) of the engine and portfolio runs of these calls,
    and of the matchmaking runs of their proposals: they copy the texts of proposals now
    anonymised. The runs keep their hash and results; their replay then says the inputs are no
    longer kept. Inputs still used by another run stay. (A ranking run keeps codes and scores,
    which anonymisation keeps too.)"""
    from grappe.core.models import StoredInput
    from grappe.partners.models import MatchingIndex, SuggestionRun
    from grappe.review.models import EngineRun
    from grappe.selection.models import PortfolioRun, RankingRun

    digests: set[str] = set()
    for of_calls in (
        EngineRun.objects.filter(call_id__in=call_ids),
        PortfolioRun.objects.filter(call_id__in=call_ids),
        SuggestionRun.objects.filter(proposal__call_id__in=call_ids),
    ):
        runs = of_calls.filter(inputs__isnull=False)
        digests |= set(runs.values_list("inputs_id", flat=True))
        runs.update(inputs=None)
    used: set[str] = set()
    for model in (EngineRun, PortfolioRun, RankingRun, SuggestionRun, MatchingIndex):
        used |= set(model.objects.filter(inputs_id__in=digests).values_list("inputs_id", flat=True))
    deleted, _detail = StoredInput.objects.filter(pk__in=digests - used).delete()
    return deleted


# --- Erasure on request --------------------------------------------------------------------------


@dataclass
class Assessment:
    """What an erasure request would do: refused while ``kept`` names records that must stay."""

    kept: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.kept


def assess_erasure(person: Person, *, today: dt.date | None = None, to_person: bool = True) -> Assessment:
    """What must be kept about ``person``; the reasons address them (``to_person``, "My data") or
    speak of them in the third person (the office's page, the refusal)."""
    today = today or timezone.localdate()
    assessment = Assessment()
    audit_years = years("funded_projects")
    for member in ProjectMember.objects.filter(person=person).select_related("project", "project__grant"):
        grant = getattr(member.project, "grant", None)
        end = grant.end_date if grant else today
        until = end.replace(year=end.year + audit_years)
        if until >= today:
            assessment.kept.append(
                (
                    _(
                        "Project %(code)s (%(title)s) is publicly funded: its records, with your name, are kept "
                        "until %(until)s, the end of the funder's audit period (%(n)d years after the grant ends; "
                        "legal obligation)."
                    )
                    if to_person
                    else _(
                        "Project %(code)s (%(title)s) is publicly funded: its records, with this person's name, "
                        "are kept until %(until)s, the end of the funder's audit period (%(n)d years after the "
                        "grant ends; legal obligation)."
                    )
                )
                % {
                    "code": member.project.code,
                    "title": member.project.title,
                    "until": date_format(until),
                    "n": audit_years,
                }
            )
    unfunded = years("unfunded_proposals")
    limit = timezone.now() - dt.timedelta(days=365 * unfunded)
    open_proposals = (
        Proposal.objects.filter(team__person=person)
        .filter(Q(call__closes_at__gte=limit))
        .annotate(funded=_funded())
        .filter(funded=False)
        .exclude(state="draft")
        .distinct()
    )
    for proposal in open_proposals:
        assessment.kept.append(
            _(
                "Proposal %(code)s was submitted to a call that closed less than %(n)d years ago: it is kept "
                "for the call's evaluation and appeals (public-interest task), then anonymised."
            )
            % {"code": proposal.code, "n": unfunded}
        )
    return assessment


class ErasureRefused(Exception):
    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


@transaction.atomic
def erase_person(person: Person, *, actor: Any) -> None:
    """Erase a person on request: names and contact data replaced by a pseudonym (their code),
    account closed, consents, tokens and linked identities removed, drafts deleted; refused with the reasons while
    records must be kept."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    assessment = assess_erasure(person, to_person=False)
    if not assessment.allowed:
        raise ErasureRefused(assessment.kept)
    pseudonym = _("Person %(code)s") % {"code": person.code}
    for proposal in Proposal.objects.filter(lead=person, state="draft"):
        anonymise_proposal(proposal, actor=actor)
    TeamMember.objects.filter(person=person).update(email="")
    person.consents.all().delete()
    SelfDeclaration.objects.filter(person=person).delete()  # seniority and gender for the audit
    MatchingConsent.objects.filter(person=person).delete()  # no longer suggested to partners
    person.notifications.all().delete()  # their deliveries and attachments with them
    person.notification_preferences.all().delete()
    person.keywords.clear()
    Person.objects.filter(pk=person.pk).update(
        first_name="", last_name=pseudonym, email="", orcid="", languages=[], version=person.version + 1
    )
    user = getattr(person, "user", None)
    if user is not None:
        user.api_tokens.all().delete()
        user.identities.all().delete()  # linked sign-in identities (grappe/sso)
        user.saml_sessions.all().delete()  # SAML single logout's NameID and SessionIndex (grappe/sso)
        user.email = f"erased-{person.code.lower()}@invalid.example"
        user.is_active = False
        user.set_unusable_password()
        user.save()
        AuditLog.objects.filter(actor=user).update(actor_repr=pseudonym)
    log_action(person, ERASED, actor=actor, data={"pseudonym": pseudonym})


def erasure_requested_at(person: Person) -> dt.datetime | None:
    """When the person last asked for erasure from "My data" (None if never, or if erased since)."""
    entry = (
        AuditLog.objects.filter(action="person.erasure_requested", object_id=str(person.pk))
        .order_by("-timestamp")
        .values_list("timestamp", flat=True)
        .first()
    )
    return entry


@transaction.atomic
def request_erasure(person: Person, *, actor: Any) -> bool:
    """Record the person's request to be erased and tell the office (each person with the office
    role, in their language, kind "message"). A second request within a day records nothing and
    tells no one again. Returns whether the request was recorded."""
    from django.conf import settings
    from django.urls import reverse

    from grappe.notifications.models import Kind
    from grappe.notifications.services import notify
    from grappe.people.models import RoleKind

    last = erasure_requested_at(person)
    if last and timezone.now() - last < dt.timedelta(days=1):
        return False
    log_action(person, "person.erasure_requested", actor=actor)
    link = settings.SITE_URL + reverse("privacy:person", args=[person.code])
    office = Person.objects.filter(roles__kind=RoleKind.OFFICE).exclude(email="").distinct().order_by("pk")
    for member in office:
        notify(
            member,
            Kind.MESSAGE,
            subject=lambda: _("Erasure request from %(name)s") % {"name": str(person)},
            body=lambda: (
                _(
                    "%(name)s asks to have their personal data erased. Their request page shows what "
                    "must be kept and lets you erase the rest: %(link)s"
                )
                % {"name": str(person), "link": link}
            ),
            link=link,
        )
    return True
