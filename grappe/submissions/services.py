"""Every write about proposals: drafts, team, partners, budget, answers, submission.

Every function is atomic, takes ``actor=`` and writes the audit log. Edits of a draft carry
the proposal's ``version`` (optimistic locking): two co-applicants saving at once never
overwrite each other, the second gets :class:`ConcurrentEditError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.calls.models import Call, QuestionKind
from grappe.core import guards
from grappe.core.jobs import pause_point
from grappe.core.services import ConcurrentEditError, diff, log_action, save_versioned
from grappe.core.validation import one_line
from grappe.notifications.models import Kind
from grappe.notifications.services import notify
from grappe.people.models import Organisation, Person
from grappe.people.services import keywords_from_names
from grappe.submissions.eligibility import Failure, check_eligibility
from grappe.submissions.models import (
    Answer,
    BudgetLine,
    CoFunding,
    EthicsAssessment,
    InvitationState,
    Proposal,
    ProposalPartner,
    ProposalState,
    TeamMember,
    TeamRole,
)


class SubmissionError(Exception):
    """A refused action on a proposal; ``str()`` is translated, ``failures`` lists what to fix."""

    def __init__(self, message: str, failures: list[Failure] | None = None) -> None:
        super().__init__(message)
        self.failures = failures or []


DECIDED_MESSAGE = gettext_lazy(
    "A decision is recorded on this proposal: it stays in the selection. If the team gives up its "
    "funding, tell the programme office, which records that the team declines."
)


# The lead's notice while the team has not been told the outcome (no letter sent, no project open):
# nothing in it hints at which outcome.
IN_SELECTION_MESSAGE = gettext_lazy(
    "This proposal is in the selection: it can no longer be withdrawn nor reopened. The programme "
    "office will write to the team with the outcome."
)


def _bump(proposal: Proposal, expected_version: int) -> None:
    """Check and increment the proposal's version, or raise ConcurrentEditError."""
    save_versioned(proposal, {"updated_at": timezone.now()}, expected_version=expected_version)


def _require_draft(proposal: Proposal) -> None:
    if proposal.state != ProposalState.DRAFT:
        raise SubmissionError(_("This proposal is submitted or withdrawn: it can no longer be edited."))


# --- Drafts ---------------------------------------------------------------------------------


DEFAULT_DURATION_MONTHS = 24


@transaction.atomic
def start_proposal(call: Call, *, actor: Any, title: str, now: datetime | None = None) -> Proposal:
    """A new draft led by ``actor``'s person, with their current organisation as lead organisation."""
    if not call.is_open(now):
        raise SubmissionError(_("This call is not open for proposals."))
    refused = guards.refusal("submissions.start_proposal", call)
    if refused:
        raise SubmissionError(refused)
    person: Person = actor.person
    affiliation = person.affiliations.filter(end_date__isnull=True).select_related("organisation").first()
    organisation = affiliation.organisation if affiliation else None
    # The default duration lies within the call's own range.
    duration = min(max(DEFAULT_DURATION_MONTHS, call.min_duration), call.max_duration)
    proposal = Proposal.objects.create(
        call=call, title=title, lead=person, lead_organisation=organisation, duration_months=duration
    )
    TeamMember.objects.create(
        proposal=proposal,
        person=person,
        email=person.email or actor.email,
        role=TeamRole.LEAD,
        organisation=organisation,
        state=InvitationState.ACCEPTED,
    )
    EthicsAssessment.objects.create(proposal=proposal)
    log_action(proposal, "proposal.created", actor=actor, data={"call": call.code, "title": title})
    return proposal


@transaction.atomic
def update_proposal(
    proposal: Proposal,
    *,
    actor: Any,
    changes: dict[str, Any],
    expected_version: int,
    keywords: Iterable[str] | None = None,
) -> dict[str, list[Any]]:
    _require_draft(proposal)
    changed = diff(proposal, changes)
    m2m = []
    if keywords is not None:
        new_keywords = keywords_from_names(keywords)
        old = sorted(k.name for k in proposal.keywords.all())
        new = sorted(k.name for k in new_keywords)
        if old != new:
            changed["keywords"] = [old, new]
            changes = {**changes, "keywords": new_keywords}
            m2m.append("keywords")
    if changed:
        save_versioned(proposal, {**changes, "updated_at": timezone.now()}, expected_version=expected_version, m2m=m2m)
        log_action(proposal, "proposal.updated", actor=actor, data={"changed": changed})
    elif proposal.version != expected_version:
        raise ConcurrentEditError()
    return changed


# --- Team ----------------------------------------------------------------------------------


@transaction.atomic
def invite_member(
    proposal: Proposal, *, actor: Any, email: str, role: str, organisation: Organisation | None
) -> TeamMember:
    """Invite a co-applicant by email; an existing person is linked at once, others on acceptance."""
    _require_draft(proposal)
    email = email.strip().lower()
    if proposal.team.filter(email__iexact=email).exists():
        raise SubmissionError(_("%(email)s is already in the team.") % {"email": email})
    if role == TeamRole.LEAD:
        raise SubmissionError(_("A proposal has one lead; invite co-leads or members."))
    person = Person.objects.filter(email__iexact=email).first()
    member = TeamMember.objects.create(
        proposal=proposal, person=person, email=email, role=role, organisation=organisation
    )
    log_action(proposal, "proposal.member_invited", actor=actor, data={"email": email, "role": role})
    transaction.on_commit(lambda: send_invitation(member, inviter=actor.person))
    return member


def send_invitation(member: TeamMember, *, inviter: Person) -> None:
    language = member.person.preferred_language if member.person else translation.get_language() or "fr"
    link = settings.SITE_URL + reverse("submissions:invitation", args=[member.token])
    notify(
        member.person,
        Kind.INVITATION,
        email=member.email,
        language=language,
        subject=lambda: (
            _("%(name)s invites you to a proposal on %(site)s")
            % {"name": one_line(inviter.full_name), "site": settings.SITE_NAME}
        ),  # a header: never a line break
        template="submissions/email/invitation.txt",
        context={"member": member, "proposal": member.proposal, "inviter": inviter, "link": link},
        link=link,
    )


@transaction.atomic
def respond_to_invitation(member: TeamMember, *, actor: Any, accept: bool) -> TeamMember:
    """The invitee (logged in with the invited email address) accepts or declines."""
    member = TeamMember.objects.select_for_update().get(pk=member.pk)
    if actor.email.lower() != member.email.lower():
        raise SubmissionError(
            _("This invitation was sent to %(email)s: log in with that address to answer it.") % {"email": member.email}
        )
    if member.state != InvitationState.INVITED:
        raise SubmissionError(_("This invitation was already answered."))
    member.state = InvitationState.ACCEPTED if accept else InvitationState.DECLINED
    member.person = actor.person
    if accept and member.organisation_id is None:
        current = actor.person.affiliations.filter(end_date__isnull=True).first()
        member.organisation_id = current.organisation_id if current else None
    member.save(update_fields=["state", "person", "organisation"])
    log_action(
        member.proposal,
        "proposal.invitation_accepted" if accept else "proposal.invitation_declined",
        actor=actor,
        data={"email": member.email},
    )
    return member


@transaction.atomic
def remove_member(member: TeamMember, *, actor: Any) -> None:
    _require_draft(member.proposal)
    if member.role == TeamRole.LEAD:
        raise SubmissionError(_("The lead cannot be removed from the team."))
    proposal, email = member.proposal, member.email
    member.delete()
    log_action(proposal, "proposal.member_removed", actor=actor, data={"email": email})


# --- Partners and co-funding ------------------------------------------------------------


@transaction.atomic
def add_partner(proposal: Proposal, *, actor: Any, organisation: Organisation, role: str) -> ProposalPartner:
    _require_draft(proposal)
    if proposal.partners.filter(organisation=organisation).exists():
        raise SubmissionError(_("%(org)s is already a partner.") % {"org": organisation.name})
    partner = ProposalPartner.objects.create(proposal=proposal, organisation=organisation, role=role)
    log_action(proposal, "proposal.partner_added", actor=actor, data={"organisation": organisation.name, "role": role})
    return partner


@transaction.atomic
def remove_partner(partner: ProposalPartner, *, actor: Any) -> None:
    _require_draft(partner.proposal)
    proposal, name = partner.proposal, partner.organisation.name
    partner.delete()
    log_action(proposal, "proposal.partner_removed", actor=actor, data={"organisation": name})


CofundingKey = tuple[int, int, str]  # partner id, year, kind
BudgetKey = tuple[int, int, int]  # category id, organisation id, year


@transaction.atomic
def save_cofunding(
    proposal: Proposal, *, actor: Any, values: dict[CofundingKey, Decimal], expected_version: int
) -> None:
    """Replace the co-funding grid (zero or empty cells are dropped)."""
    _require_draft(proposal)
    _bump(proposal, expected_version)
    partner_ids = set(proposal.partners.values_list("id", flat=True))
    CoFunding.objects.filter(partner__proposal=proposal).delete()
    rows = [
        CoFunding(partner_id=p, year=y, kind=k, amount=a) for (p, y, k), a in values.items() if a and p in partner_ids
    ]
    CoFunding.objects.bulk_create(rows)
    log_action(
        proposal,
        "proposal.cofunding_saved",
        actor=actor,
        data={"total": sum((r.amount for r in rows), Decimal("0")), "cells": len(rows)},
    )


@transaction.atomic
def save_budget(proposal: Proposal, *, actor: Any, values: dict[BudgetKey, Decimal], expected_version: int) -> None:
    """Replace the budget table (zero or empty cells are dropped)."""
    _require_draft(proposal)
    _bump(proposal, expected_version)
    BudgetLine.objects.filter(proposal=proposal).delete()
    rows = [
        BudgetLine(proposal=proposal, category_id=c, organisation_id=o, year=y, amount=a)
        for (c, o, y), a in values.items()
        if a
    ]
    BudgetLine.objects.bulk_create(rows)
    log_action(
        proposal,
        "proposal.budget_saved",
        actor=actor,
        data={"direct": sum((r.amount for r in rows), Decimal("0")), "cells": len(rows)},
    )


# --- Answers and ethics ------------------------------------------------------------------


@transaction.atomic
def save_answers(
    proposal: Proposal,
    *,
    actor: Any,
    values: dict[int, Any],
    files: dict[int, UploadedFile],
    expected_version: int,
) -> None:
    """Save answers to the call's questions; a new file replaces the old one."""
    _require_draft(proposal)
    _bump(proposal, expected_version)
    questions = {q.pk: q for q in proposal.call.questions.all()}
    existing = {a.question_id: a for a in proposal.answers.all()}
    changed = []
    for qid, question in questions.items():
        answer = existing.get(qid) or Answer(proposal=proposal, question=question)
        if question.kind == QuestionKind.PDF:
            upload = files.get(qid)
            if upload is None:
                continue
            if answer.file:
                answer.file.delete(save=False)
            answer.file_name = upload.name[:200]
            answer.file_size = upload.size
            answer.file.save(upload.name, upload, save=False)
        else:
            value = values.get(qid)
            if answer.pk and answer.value == value:
                continue
            answer.value = value
        answer.save()
        changed.append(question.label_en)
    log_action(proposal, "proposal.answers_saved", actor=actor, data={"questions": changed})


@transaction.atomic
def save_ethics(proposal: Proposal, *, actor: Any, data: dict[str, Any], expected_version: int) -> None:
    _require_draft(proposal)
    _bump(proposal, expected_version)
    ethics, _created = EthicsAssessment.objects.get_or_create(proposal=proposal)
    changed = diff(ethics, data)
    for name, value in data.items():
        setattr(ethics, name, value)
    ethics.save()
    log_action(proposal, "proposal.ethics_saved", actor=actor, data={"changed": list(changed)})


# --- Submission ----------------------------------------------------------------------------


@transaction.atomic
def submit_proposal(proposal: Proposal, *, actor: Any, now: datetime | None = None) -> Proposal:
    """Submit a draft: deadline, then every eligibility rule; all or nothing.

    Side effects: state, submission timestamp and computed eligibility saved; the audit entry;
    a receipt email to the team after the transaction commits.
    """
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("call__programme", "lead_organisation")
        .get(pk=proposal.pk)
    )
    now = now or timezone.now()
    call = proposal.call
    if proposal.state != ProposalState.DRAFT:
        raise SubmissionError(_("This proposal is already submitted or withdrawn."))
    if now >= call.closes_at:
        raise SubmissionError(
            _("The deadline has passed (%(deadline)s, Paris time): the proposal cannot be submitted.")
            % {"deadline": timezone.localtime(call.closes_at).strftime("%d/%m/%Y %H:%M:%S")}
        )
    if not call.is_open(now):
        raise SubmissionError(_("This call is not open for proposals."))
    failures = check_eligibility(proposal)
    if failures:
        raise SubmissionError(_("The proposal cannot be submitted yet: fix the points below."), failures)
    proposal.state = ProposalState.SUBMITTED
    proposal.submitted_at = now
    proposal.eligible = True
    proposal.eligibility_failures = []
    proposal.version += 1
    proposal.save(update_fields=["state", "submitted_at", "eligible", "eligibility_failures", "version", "updated_at"])
    pause_point("submit.saved")
    log_action(proposal, "proposal.submitted", actor=actor, data={"submitted_at": now.isoformat()})
    transaction.on_commit(lambda: send_receipt(proposal))
    return proposal


def send_receipt(proposal: Proposal) -> None:
    members = list(proposal.team.filter(state=InvitationState.ACCEPTED).select_related("person"))
    link = settings.SITE_URL + reverse("submissions:summary", args=[proposal.code])
    for member in members:
        notify(
            member.person,
            Kind.RECEIPT,
            email=member.email,
            language=(member.person.preferred_language if member.person else "") or "fr",
            subject=lambda: _("Receipt: proposal %(code)s submitted") % {"code": proposal.code},
            template="submissions/email/receipt.txt",
            context={"proposal": proposal, "link": link, "submitted_at": timezone.localtime(proposal.submitted_at)},
            link=link,
        )


def is_decided(proposal: Proposal) -> bool:
    """Whether the selection recorded a decision on the proposal (through the reverse relation, so
    this app does not import selection). A decided proposal stays in the selection: its team can
    neither withdraw nor reopen it; a funded team that gives up answers through the office, whose
    "team declines" releases the award and promotes the reserve list."""
    return Proposal.objects.filter(pk=proposal.pk, decision__isnull=False).exists()


def decision_facts(proposal: Proposal) -> dict[str, Any] | None:
    """None while no decision is recorded; else the award's amount and the code of the project opened
    from it (None when there is none), in one query through the reverse relations (this app does
    not import selection nor projects)."""
    return (
        Proposal.objects.filter(pk=proposal.pk, decision__isnull=False)
        .values("award__amount", "award__project__code")
        .first()
    )


@transaction.atomic
def withdraw_proposal(proposal: Proposal, *, actor: Any) -> Proposal:
    """Withdraw, at any time until a decision is recorded (the row is locked, and recording a
    decision locks it too, so the two cannot cross)."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state == ProposalState.WITHDRAWN:
        raise SubmissionError(_("This proposal is already withdrawn."))
    if is_decided(proposal):
        raise SubmissionError(str(DECIDED_MESSAGE))
    refused = guards.refusal("submissions.withdraw_proposal", proposal)
    if refused:  # e.g. a letter of intent the office decided on at stage 1 (grappe.stages)
        raise SubmissionError(refused)
    old = proposal.state
    proposal.state = ProposalState.WITHDRAWN
    proposal.version += 1
    proposal.save(update_fields=["state", "version", "updated_at"])
    log_action(proposal, "proposal.withdrawn", actor=actor, data={"from": old})
    return proposal


@transaction.atomic
def reopen_proposal(proposal: Proposal, *, actor: Any, now: datetime | None = None) -> Proposal:
    """Back to draft, for edits, as long as the call is open and no decision is recorded."""
    proposal = Proposal.objects.select_for_update(of=("self",)).select_related("call").get(pk=proposal.pk)
    if proposal.state == ProposalState.DRAFT:
        raise SubmissionError(_("This proposal is already a draft."))
    if is_decided(proposal):
        raise SubmissionError(str(DECIDED_MESSAGE))
    if not proposal.call.is_open(now):
        raise SubmissionError(_("The call is closed: the proposal can no longer be reopened."))
    refused = guards.refusal("submissions.reopen_proposal", proposal)
    if refused:  # e.g. the full proposal of a team that declined the invitation to stage 2
        raise SubmissionError(refused)
    old = proposal.state
    proposal.state = ProposalState.DRAFT
    proposal.submitted_at = None
    proposal.version += 1
    proposal.save(update_fields=["state", "submitted_at", "version", "updated_at"])
    log_action(proposal, "proposal.reopened", actor=actor, data={"from": old})
    return proposal


@transaction.atomic
def override_eligibility(proposal: Proposal, *, actor: Any, eligible: bool | None, reason: str) -> Proposal:
    """The office decides eligibility (or clears its decision with ``None``); a reason is required."""
    if not reason.strip():
        raise SubmissionError(_("Give the reason for this decision."))
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    old = proposal.eligibility_override
    proposal.eligibility_override = eligible
    proposal.eligibility_override_reason = reason.strip()
    proposal.save(update_fields=["eligibility_override", "eligibility_override_reason", "updated_at"])
    log_action(
        proposal,
        "proposal.eligibility_overridden",
        actor=actor,
        data={"from": old, "to": eligible, "computed": proposal.eligible, "reason": reason.strip()},
    )
    return proposal
