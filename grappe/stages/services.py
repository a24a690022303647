"""Every write about call stages, rebuttals and redress: atomic, ``actor=``, audit entry.

Refusals raise :class:`StageError` with a translated message. Saving a rebuttal never loses the
text: it is kept as a draft first, and only sending it to the reviewers is refused (over the word
limit, outside the window) — :func:`save_rebuttal` returns the refusal instead of raising.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grappe.calls.models import Call
from grappe.core import guards
from grappe.core.replay import canonical, load_inputs, store_inputs
from grappe.core.services import ConcurrentEditError, log_action, save_versioned
from grappe.notifications.models import Kind
from grappe.notifications.services import notify
from grappe.people.models import Person
from grappe.review.models import AssignmentState, PoolMember, PoolState, ReviewAssignment
from grappe.selection import services as selection
from grappe.selection.models import Letter, LetterState
from grappe.selection.shortlists import Source
from grappe.stages.models import (
    SHORTLIST_VERSION,
    AppealSettings,
    Rebuttal,
    RebuttalState,
    RedressRequest,
    RedressState,
    ReviewerChoice,
    ShortlistRun,
    StageDecision,
    TwoStageCall,
)
from grappe.stages.shortlist import Candidate, shortlist
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
)

MIN_JUSTIFICATION = 10
MIN_GROUNDS = 20


class StageError(Exception):
    """A refused action; ``str()`` is the translated message."""


def _paris(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


# --- Two-stage calls -------------------------------------------------------------------------


def link_of(call: Call) -> TwoStageCall | None:
    return (
        TwoStageCall.objects.select_related("stage1", "stage2", "stage1__programme", "stage2__programme")
        .filter(Q(stage1=call) | Q(stage2=call))
        .first()
    )


def _factors(target: Any, minimum: Any) -> tuple[Decimal, Decimal]:
    try:
        target, minimum = Decimal(str(target).replace(",", ".")), Decimal(str(minimum).replace(",", "."))
    except InvalidOperation as exc:
        raise StageError(_("The factors are numbers, such as 3 and 2.5.")) from exc
    if not (Decimal("1") <= minimum <= target <= Decimal("10")) or not target.is_finite():
        raise StageError(_("The factors lie between 1 and 10, the target at least the minimum (3 and 2.5, say)."))
    return target.quantize(Decimal("0.01")), minimum.quantize(Decimal("0.01"))


@transaction.atomic
def link_calls(stage1: Call, stage2: Call, *, target: Any = "3", minimum: Any = "2.5", actor: Any) -> TwoStageCall:
    """Make ``stage2`` the full-proposal stage of the letter-of-intent call ``stage1``."""
    target, minimum = _factors(target, minimum)
    if stage1.pk == stage2.pk:
        raise StageError(_("A call cannot be its own second stage."))
    if TwoStageCall.objects.filter(Q(stage1__in=[stage1, stage2]) | Q(stage2__in=[stage1, stage2])).exists():
        raise StageError(_("One of these calls is already a stage of a two-stage call."))
    if stage1.programme_id != stage2.programme_id:
        raise StageError(_("Both stages belong to the same programme."))
    if stage2.closes_at <= stage1.closes_at:
        raise StageError(_("Stage 2 closes after stage 1: its deadline must come later."))
    if stage2.proposals.exists():
        raise StageError(_("Stage 2 already has proposals: only invited teams may apply to it."))
    link = TwoStageCall.objects.create(stage1=stage1, stage2=stage2, target_factor=target, minimum_factor=minimum)
    log_action(stage1, "stages.linked", actor=actor, data={"stage2": stage2.code, "target": target, "minimum": minimum})
    return link


@transaction.atomic
def save_factors(link: TwoStageCall, *, target: Any, minimum: Any, expected_version: int, actor: Any) -> None:
    target, minimum = _factors(target, minimum)
    save_versioned(link, {"target_factor": target, "minimum_factor": minimum}, expected_version=expected_version)
    log_action(link.stage1, "stages.factors", actor=actor, data={"target": target, "minimum": minimum})


def _candidates(call: Call) -> list[Candidate]:
    return [
        Candidate(
            code=row.proposal.code,
            score=row.score,
            amount=row.proposal.requested_amount,
            passes=row.passes,
            ready=row.ready,
        )
        for row in selection.ranking(call)
    ]


def shortlist_outcome(payload: dict[str, Any]) -> dict[str, Any]:
    """The recommendation from stored inputs (what a run computes and its replay recomputes): the
    candidates in ranking order and the parameters, as ``recommend_shortlist`` stores them."""
    parameters = payload["parameters"]
    items = [
        Candidate(
            code=str(c["code"]),
            score=Decimal(c["score"]) if c["score"] is not None else None,
            amount=Decimal(c["amount"]),
            passes=bool(c["passes"]),
            ready=bool(c["ready"]),
        )
        for c in payload["candidates"]
    ]
    result = shortlist(
        items,
        budget=Decimal(parameters["budget"]),
        target=Decimal(parameters["target_factor"]),
        minimum=Decimal(parameters["minimum_factor"]),
    )
    return {
        "invite": result.invite,
        "requested": str(result.requested),
        "ratio": str(result.ratio) if result.ratio is not None else None,
        "reached_target": result.reached_target,
        "reached_minimum": result.reached_minimum,
        "candidates": result.candidates,
    }


def shortlist_payload(link: TwoStageCall) -> dict[str, Any]:
    """What a recommendation reads today: the stage-1 ranking and the parameters, as plain JSON."""
    items = _candidates(link.stage1)
    parameters = {
        "budget": str(link.stage2.budget),
        "target_factor": str(link.target_factor),
        "minimum_factor": str(link.minimum_factor),
    }
    candidates = [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(c).items()} for c in items]
    return {"candidates": candidates, "parameters": parameters}


def compare_shortlists(kept: dict[str, Any], new: dict[str, Any]) -> list[str]:
    then, now = kept.get("invite", []), new.get("invite", [])
    lines = []
    if [c for c in then if c not in now]:
        lines.append(_("No longer recommended: %(codes)s.") % {"codes": ", ".join(c for c in then if c not in now)})
    if [c for c in now if c not in then]:
        lines.append(_("Newly recommended: %(codes)s.") % {"codes": ", ".join(c for c in now if c not in then)})
    if not lines and canonical(kept) != canonical(new):
        lines.append(_("The requested total or the ratio to the budget differs."))
    return lines


@transaction.atomic
def recommend_shortlist(link: TwoStageCall, *, actor: Any) -> ShortlistRun:
    """Store a recommendation of whom to invite, with its exact inputs (kept for replay,
    ``core.replay``), parameters and version."""
    link = TwoStageCall.objects.select_related("stage1", "stage2").get(pk=link.pk)
    if not link.stage1.has_closed:
        raise StageError(_("Stage 1 has not closed yet: wait for every letter of intent."))
    stored = store_inputs(shortlist_payload(link))
    payload = load_inputs(stored).payload  # computed from what was stored, exactly as a replay will
    result = shortlist_outcome(payload)
    run = ShortlistRun.objects.create(
        link=link,
        parameters=payload["parameters"],
        inputs=payload["candidates"],
        inputs_hash=stored.digest,
        stored_inputs=stored,
        version=SHORTLIST_VERSION,
        result=result,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    log_action(
        link.stage1, "stages.shortlist_recommended", actor=actor, data={"run": run.pk, "invite": result["invite"]}
    )
    return run


def latest_run(link: TwoStageCall) -> ShortlistRun | None:
    return link.runs.first()


@transaction.atomic
def decide(
    proposal: Proposal,
    *,
    invited: bool,
    justification: str = "",
    expected_version: int | None,
    actor: Any,
) -> StageDecision:
    """Invite a letter of intent to stage 2, or not, beside the latest recommendation; a
    decision that departs from it needs a justification. Changed freely until the notices go."""
    proposal = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
    link = TwoStageCall.objects.filter(stage1=proposal.call).first()
    if link is None:
        raise StageError(_("This proposal is not a letter of intent of a two-stage call."))
    if proposal.state != ProposalState.SUBMITTED:
        raise StageError(_("Only submitted letters of intent are decided."))
    run = latest_run(link)
    if run is None:
        raise StageError(_("Compute the recommendation first: every decision is shown beside it."))
    justification = (justification or "").strip()
    recommended = proposal.code in run.invited
    if invited != recommended and len(justification) < MIN_JUSTIFICATION:
        raise StageError(
            _("This decision departs from the recommendation: justify it (%(n)d characters at least).")
            % {"n": MIN_JUSTIFICATION}
        )
    existing = StageDecision.objects.filter(proposal=proposal).first()
    fields = {
        "invited": invited,
        "recommended": recommended,
        "run": run,
        "justification": justification[:5000],
        "decided_by": actor if getattr(actor, "is_authenticated", False) else None,
        "decided_at": timezone.now(),
    }
    if existing is None:
        decision = StageDecision.objects.create(proposal=proposal, **fields)
    else:
        if existing.notified_at is not None:
            raise StageError(
                _("The team was told on %(when)s: this decision no longer changes.")
                % {"when": _paris(existing.notified_at)}
            )
        save_versioned(existing, fields, expected_version=expected_version or 0)
        existing.refresh_from_db()
        decision = existing
    log_action(
        proposal,
        "stages.decided",
        actor=actor,
        data={"invited": invited, "recommended": recommended, "run": run.pk, "justification": justification},
    )
    return decision


def follow_recommendation(link: TwoStageCall, *, actor: Any) -> int:
    """Decide every letter not decided yet as the latest recommendation says (no justification
    needed: nothing departs). Letters already decided keep their decision."""
    run = latest_run(link)
    if run is None:
        raise StageError(_("Compute the recommendation first: every decision is shown beside it."))
    pending = Proposal.objects.filter(call=link.stage1, state=ProposalState.SUBMITTED, stage_decision__isnull=True)
    count = 0
    for proposal in pending.order_by("code"):
        decide(proposal, invited=proposal.code in run.invited, expected_version=None, actor=actor)
        count += 1
    return count


def _matching_question(question: Any, targets: list[Any]) -> Any:
    for target in targets:
        if target.kind == question.kind and (
            (question.label_fr and target.label_fr.strip().lower() == question.label_fr.strip().lower())
            or (question.label_en and target.label_en.strip().lower() == question.label_en.strip().lower())
        ):
            return target
    return None


def carry_to_stage2(decision: StageDecision, *, actor: Any) -> Proposal:
    """The full proposal of an invited team, a draft in stage 2 holding its stage-1 data: title,
    acronym, abstract, keywords, amount, duration, team (as it stood), partners and co-funding,
    budget, ethics self-assessment, and the answers to the questions both stages ask alike
    (same type and same label)."""
    source = decision.proposal
    link = TwoStageCall.objects.select_related("stage2").get(stage1=source.call)
    stage2 = link.stage2
    full = Proposal.objects.create(
        call=stage2,
        title=source.title,
        acronym=source.acronym,
        abstract=source.abstract,
        requested_amount=source.requested_amount,
        duration_months=min(max(source.duration_months, stage2.min_duration), stage2.max_duration),
        lead=source.lead,
        lead_organisation=source.lead_organisation,
    )
    full.keywords.set(source.keywords.all())
    TeamMember.objects.bulk_create(
        [
            TeamMember(
                proposal=full,
                person_id=m.person_id,
                email=m.email,
                role=m.role,
                organisation_id=m.organisation_id,
                state=m.state,
            )
            for m in source.team.exclude(state=InvitationState.DECLINED)
        ]
    )
    for partner in source.partners.prefetch_related("cofunding"):
        copy = ProposalPartner.objects.create(proposal=full, organisation_id=partner.organisation_id, role=partner.role)
        CoFunding.objects.bulk_create(
            [CoFunding(partner=copy, year=c.year, kind=c.kind, amount=c.amount) for c in partner.cofunding.all()]
        )
    BudgetLine.objects.bulk_create(
        [
            BudgetLine(
                proposal=full,
                category_id=b.category_id,
                organisation_id=b.organisation_id,
                year=b.year,
                amount=b.amount,
            )
            for b in source.budget_lines.all()
        ]
    )
    ethics = getattr(source, "ethics", None)
    if ethics is not None:
        ethics.pk = None
        ethics.id = None
        ethics.proposal = full
        ethics._state.adding = True
        ethics.save()
    else:
        EthicsAssessment.objects.create(proposal=full)
    targets = list(stage2.questions.all())
    for answer in source.answers.select_related("question"):
        target = _matching_question(answer.question, targets)
        if target is None or answer.is_empty:
            continue
        copy = Answer(proposal=full, question=target, value=answer.value)
        if answer.file:
            with answer.file.open("rb") as handle:
                copy.file.save(answer.file_name or "file.pdf", ContentFile(handle.read()), save=False)
            copy.file_name, copy.file_size = answer.file_name, answer.file_size
        copy.save()
    log_action(full, "stages.carried", actor=actor, data={"from": source.code})
    return full


def _recipients(proposal: Proposal) -> list[tuple[Person | None, str]]:
    """The lead and the accepted team members, once each: (person, address)."""
    found: list[tuple[Person | None, str]] = [(proposal.lead, proposal.lead.email)] if proposal.lead.email else []
    for member in proposal.team.filter(state=InvitationState.ACCEPTED).select_related("person"):
        email = member.person.email if member.person_id and member.person.email else member.email
        if email and email not in {address for _person, address in found}:
            found.append((member.person if member.person_id else None, email))
    return found


def send_notices(link: TwoStageCall, *, actor: Any, notify: bool = True) -> int:
    """Tell every decided team not told yet: invited teams find their full proposal in stage 2
    (created now, their stage-1 data carried), the others get a notice with the panel's comment.
    Each decision is claimed with a conditional update first, so a double click tells once."""
    count = 0
    pending = StageDecision.objects.filter(proposal__call=link.stage1, notified_at__isnull=True).values_list(
        "pk", flat=True
    )
    for pk in list(pending):
        with transaction.atomic():
            now = timezone.now()
            if not StageDecision.objects.filter(pk=pk, notified_at__isnull=True).update(notified_at=now):
                continue
            decision = StageDecision.objects.select_related("proposal__lead", "proposal__call").get(pk=pk)
            if decision.invited and decision.full_proposal_id is None:
                decision.full_proposal = carry_to_stage2(decision, actor=actor)
                decision.save(update_fields=["full_proposal"])
            log_action(decision.proposal, "stages.notified", actor=actor, data={"invited": decision.invited})
            if notify:
                transaction.on_commit(lambda d=decision: _mail_notice(d, link))
            count += 1
    return count


def _mail_notice(decision: StageDecision, link: TwoStageCall) -> None:
    """The stage-1 outcome, to each member of the team in their language (a decision: never
    silenced by a preference)."""
    proposal = decision.proposal
    lead_language = proposal.lead.preferred_language if proposal.lead.preferred_language in ("fr", "en") else "fr"
    consensus = getattr(proposal, "consensus", None)
    url = settings.SITE_URL + reverse(
        "submissions:detail", args=[decision.full_proposal.code if decision.full_proposal else proposal.code]
    )
    context = {
        "proposal": proposal,
        "link": link,
        "url": url,
        "comment": consensus.applicant_comment if consensus else "",
        "deadline": _paris(link.stage2.closes_at),
    }
    for person, email in _recipients(proposal):
        notify(
            person,
            Kind.DECISION,
            email=email,
            language=None if person is not None else lead_language,
            subject=(lambda: _("Invited to stage 2: %(title)s") % {"title": proposal.title})
            if decision.invited
            else (lambda: _("Your letter of intent: %(title)s") % {"title": proposal.title}),
            template="stages/email/invited.txt" if decision.invited else "stages/email/not_invited.txt",
            context=context,
            link=url,
        )


def stage1_reviewers(link: TwoStageCall) -> list[Person]:
    return list(
        Person.objects.filter(review_assignments__call=link.stage1)
        .exclude(review_assignments__state=AssignmentState.REMOVED, review_assignments__call=link.stage1)
        .distinct()
        .order_by("last_name", "first_name")
    )


@transaction.atomic
def choose_reviewer(link: TwoStageCall, reviewer: Person, *, keep: bool, actor: Any) -> ReviewerChoice:
    """Keep a stage-1 reviewer for stage 2 (added to its pool, as accepted) or exclude them
    (refused while they hold stage-2 assignments; their pool place, if any, is withdrawn)."""
    if not ReviewAssignment.objects.filter(call=link.stage1, reviewer=reviewer).exists():
        raise StageError(_("%(name)s did not review at stage 1.") % {"name": reviewer.full_name})
    stage2_member = PoolMember.objects.select_for_update().filter(call=link.stage2, person=reviewer).first()
    if keep:
        if stage2_member is None:
            source = PoolMember.objects.filter(call=link.stage1, person=reviewer).first()
            PoolMember.objects.create(
                call=link.stage2,
                person=reviewer,
                state=PoolState.ACCEPTED,
                responded_at=timezone.now(),
                max_load=source.max_load if source else 6,
                is_external=source.is_external if source else False,
                is_international=source.is_international if source else False,
            )
    else:
        refused = guards.refusal("stages.exclude_reviewer", link.stage2, reviewer)
        if refused:  # e.g. a member of adopted hearing panels of stage 2 (grappe.hearings)
            raise StageError(refused)
    if not keep and stage2_member is not None:
        if ReviewAssignment.objects.filter(call=link.stage2, reviewer=reviewer, state=AssignmentState.ACTIVE).exists():
            raise StageError(
                _("%(name)s already reviews full proposals: remove those assignments before excluding them.")
                % {"name": reviewer.full_name}
            )
        stage2_member.state = PoolState.DECLINED
        stage2_member.decline_reason = _("Excluded from stage 2 by the office.")
        stage2_member.save(update_fields=["state", "decline_reason"])
    choice, _created = ReviewerChoice.objects.update_or_create(
        link=link,
        reviewer=reviewer,
        defaults={"keep": keep, "decided_by": actor if getattr(actor, "is_authenticated", False) else None},
    )
    log_action(
        link.stage2,
        "stages.reviewer_kept" if keep else "stages.reviewer_excluded",
        actor=actor,
        data={"reviewer": reviewer.code},
    )
    return choice


# --- Rebuttal --------------------------------------------------------------------------------


def appeal_settings_for(call: Call) -> AppealSettings:
    settings_row, _created = AppealSettings.objects.get_or_create(call=call)
    return settings_row


@transaction.atomic
def save_appeal_settings(call: Call, data: dict[str, Any], *, expected_version: int, actor: Any) -> AppealSettings:
    row = appeal_settings_for(call)
    opens, closes = data.get("rebuttal_opens_at"), data.get("rebuttal_closes_at")
    if bool(opens) != bool(closes):
        raise StageError(_("Give both the opening and the closing of the rebuttal window, or neither."))
    if opens and closes and closes <= opens:
        raise StageError(_("The rebuttal window closes after it opens."))
    save_versioned(row, data, expected_version=expected_version)
    log_action(call, "stages.appeal_settings", actor=actor, data=data)
    row.refresh_from_db()
    return row


def words(text: str) -> int:
    return len((text or "").split())


def rebuttal_window(call: Call, now: datetime | None = None) -> str:
    """ "closed" (no window), "before", "open" or "after"."""
    row = AppealSettings.objects.filter(call=call).first()
    if row is None or not row.rebuttal_enabled:
        return "none"
    now = now or timezone.now()
    opens, closes = row.rebuttal_opens_at, row.rebuttal_closes_at
    if opens is not None and now < opens:
        return "before"
    if closes is not None and now >= closes:
        return "after"
    return "open"


def save_rebuttal(
    proposal: Proposal, *, text: str, send: bool, expected_version: int, actor: Any, now: datetime | None = None
) -> tuple[Rebuttal, str | None]:
    """Keep ``text`` as the draft, then, if ``send``, send it to the reviewers. Returns the
    rebuttal and the refusal (None when all went through): the draft is kept either way."""
    row = appeal_settings_for(proposal.call)
    if not row.rebuttal_enabled:
        raise StageError(_("This call has no rebuttal."))
    text = (text or "").replace("\r\n", "\n").strip()
    with transaction.atomic():
        rebuttal, _created = Rebuttal.objects.get_or_create(proposal=proposal)
        rebuttal = Rebuttal.objects.select_for_update().get(pk=rebuttal.pk)
        if rebuttal.state == RebuttalState.SUBMITTED:
            raise StageError(_("Your answer was sent to the reviewers: it no longer changes."))
        if rebuttal.version != expected_version:
            raise ConcurrentEditError
        user = actor if getattr(actor, "is_authenticated", False) else None
        save_versioned(rebuttal, {"text": text, "updated_by": user}, expected_version=expected_version)
        log_action(proposal, "stages.rebuttal_saved", actor=actor, data={"words": words(text)})
    rebuttal.refresh_from_db()
    if not send:
        return rebuttal, None
    window = rebuttal_window(proposal.call, now)
    if window == "before" and row.rebuttal_opens_at is not None:
        return rebuttal, _("The rebuttal window opens on %(when)s: your text is kept as a draft.") % {
            "when": _paris(row.rebuttal_opens_at)
        }
    if window == "after" and row.rebuttal_closes_at is not None:
        return rebuttal, _("The rebuttal window closed on %(when)s: your text is kept as a draft, not sent.") % {
            "when": _paris(row.rebuttal_closes_at)
        }
    count = words(text)
    if not count:
        return rebuttal, _("Write your answer before sending it.")
    if count > row.rebuttal_word_limit:
        return rebuttal, _(
            "Your answer has %(count)d words, over the limit of %(limit)d: shorten it. It is kept as a draft."
        ) % {"count": count, "limit": row.rebuttal_word_limit}
    with transaction.atomic():
        Rebuttal.objects.filter(pk=rebuttal.pk, state=RebuttalState.DRAFT).update(
            state=RebuttalState.SUBMITTED, submitted_at=now or timezone.now()
        )
        log_action(proposal, "stages.rebuttal_sent", actor=actor, data={"words": count})
    rebuttal.refresh_from_db()
    return rebuttal, None


def rebuttal_pending(proposal: Proposal) -> str | None:
    """The guard of ``selection.approve_consensus``: while the call's rebuttal window has not
    closed, the applicants may still answer, and the consensus waits for their answer."""
    window = rebuttal_window(proposal.call)
    if window not in ("before", "open"):
        return None
    closes = AppealSettings.objects.filter(call_id=proposal.call_id).values_list("rebuttal_closes_at", flat=True)[0]
    return _(
        "The applicants may answer their reviews until %(when)s: the consensus is approved after the "
        "rebuttal window closes, once the reviewers and the rapporteur have read the answer."
    ) % {"when": _paris(closes)}


# --- Redress ---------------------------------------------------------------------------------


def letter_sent_at(proposal: Proposal) -> datetime | None:
    """When the team got its letter: the selection letter, or the stage-1 notice."""
    sent = (
        Letter.objects.filter(proposal=proposal, state=LetterState.SENT, sent_at__isnull=False)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    if sent is None:
        # A letter of intent not invited to stage 2 (an invited one has nothing to contest).
        decision = StageDecision.objects.filter(proposal=proposal, invited=False).first()
        sent = decision.notified_at if decision else None
    return sent


def redress_deadline(proposal: Proposal) -> datetime | None:
    row = AppealSettings.objects.filter(call=proposal.call).first()
    days = row.redress_days if row else AppealSettings._meta.get_field("redress_days").default
    sent = letter_sent_at(proposal)
    if sent is None or not days:
        return None
    return sent + timedelta(days=days)


@transaction.atomic
def file_redress(proposal: Proposal, *, grounds: str, actor: Any, now: datetime | None = None) -> RedressRequest:
    grounds = (grounds or "").replace("\r\n", "\n").strip()
    now = now or timezone.now()
    Proposal.objects.select_for_update().filter(pk=proposal.pk).first()
    deadline = redress_deadline(proposal)
    if deadline is None:
        raise StageError(_("Redress is requested after the letter: none was sent for this proposal yet."))
    if now > deadline:
        raise StageError(
            _("The deadline to request redress was %(when)s: it has passed, the request cannot be filed.")
            % {"when": _paris(deadline)}
        )
    if RedressRequest.objects.filter(proposal=proposal).exists():
        raise StageError(_("A request for redress is already filed for this proposal."))
    if len(grounds) < MIN_GROUNDS:
        raise StageError(_("Explain the procedural grounds (%(n)d characters at least).") % {"n": MIN_GROUNDS})
    request = RedressRequest.objects.create(
        proposal=proposal,
        grounds=grounds[:10000],
        filed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    log_action(proposal, "stages.redress_filed", actor=actor, data={"request": request.pk})
    return request


@transaction.atomic
def examine_redress(
    request: RedressRequest, *, outcome: str, examination: str, expected_version: int, actor: Any
) -> RedressRequest:
    examination = (examination or "").strip()
    if outcome not in (RedressState.UPHELD, RedressState.REJECTED):
        raise StageError(_("Choose an outcome: upheld or rejected."))
    if len(examination) < MIN_JUSTIFICATION:
        raise StageError(_("Record the examination (%(n)d characters at least).") % {"n": MIN_JUSTIFICATION})
    save_versioned(
        request,
        {
            "state": outcome,
            "examination": examination[:10000],
            "examined_by": actor if getattr(actor, "is_authenticated", False) else None,
            "examined_at": timezone.now(),
        },
        expected_version=expected_version,
    )
    log_action(request.proposal, "stages.redress_examined", actor=actor, data={"outcome": outcome})
    request.refresh_from_db()
    return request


def invited_source(call: Call) -> Source | None:
    """For a stage-2 call, the full proposals of the invited teams, best at stage 1 first (the
    order of the latest recommendation's inputs, the stage-1 ranking), without those withdrawn or
    whose team declined: the hearings shortlist starts from it (``selection.shortlists``)."""
    link = TwoStageCall.objects.filter(stage2=call).first()
    if link is None:
        return None
    decisions = list(
        StageDecision.objects.filter(
            proposal__call=link.stage1, invited=True, declined_at__isnull=True, full_proposal__isnull=False
        )
        .exclude(full_proposal__state=ProposalState.WITHDRAWN)
        .values_list("proposal__code", "full_proposal__code")
    )
    run = latest_run(link)
    order = {c["code"]: i for i, c in enumerate(run.inputs)} if run else {}
    decisions.sort(key=lambda pair: (order.get(pair[0], len(order)), pair[0]))
    return Source(
        key="invited",
        label=_("teams invited after the letters of intent, best at stage 1 first"),
        codes=tuple(full for _letter, full in decisions),
    )


def letter_decided(proposal: Proposal) -> str | None:
    """The guard of ``submissions.withdraw_proposal``: a letter of intent the office decided on at
    stage 1 stays in the stage's record (the invitation or the notice refers to it)."""
    decision = StageDecision.objects.filter(proposal=proposal).only("invited", "notified_at").first()
    if decision is None:
        return None
    if decision.invited and decision.notified_at is not None:
        return _(
            "The office decided on this letter of intent at stage 1: it can no longer be withdrawn. "
            "If your team does not go on, decline the invitation to stage 2 on this page."
        )
    return _("The office decided on this letter of intent at stage 1: it can no longer be withdrawn.")


@transaction.atomic
def decline_invitation(letter: Proposal, *, actor: Any) -> StageDecision:
    """The invited team does not go on to stage 2: the decision records it (the office sees it
    on the stage page) and the full proposal is withdrawn."""
    from grappe.submissions import services as submissions

    decision = StageDecision.objects.select_for_update().filter(proposal=letter).first()
    if decision is None or not decision.invited or decision.notified_at is None:
        raise StageError(_("Only a team invited to stage 2 can decline the invitation."))
    if decision.declined_at is not None:
        raise StageError(_("The invitation was declined on %(when)s.") % {"when": _paris(decision.declined_at)})
    full = decision.full_proposal
    if full is not None and full.state != ProposalState.WITHDRAWN:
        try:
            submissions.withdraw_proposal(full, actor=actor)
        except submissions.SubmissionError as exc:
            raise StageError(str(exc)) from exc
    decision.declined_at = timezone.now()
    decision.declined_by = actor if getattr(actor, "is_authenticated", False) else None
    decision.version += 1
    decision.save(update_fields=["declined_at", "declined_by", "version"])
    log_action(letter, "stages.invitation_declined", actor=actor, data={"full": full.code if full else ""})
    return decision


def invitation_declined(proposal: Proposal) -> str | None:
    """The guard of ``submissions.reopen_proposal``: the full proposal of a team that declined the
    invitation to stage 2 stays withdrawn."""
    decision = (
        StageDecision.objects.filter(full_proposal=proposal, declined_at__isnull=False).only("declined_at").first()
    )
    if decision is None:
        return None
    return _(
        "Your team declined the invitation to stage 2 on %(when)s: this full proposal can no longer be reopened."
    ) % {"when": _paris(decision.declined_at)}


def is_stage2_open_to(call: Call) -> str | None:
    """The guard of ``submissions.start_proposal``: stage 2 takes invited teams only."""
    link = TwoStageCall.objects.filter(stage2=call).select_related("stage1").first()
    if link is None:
        return None
    return _(
        "This call takes full proposals only from the teams invited after its letter-of-intent stage "
        "(%(call)s). Invited teams find their full proposal in My proposals."
    ) % {"call": link.stage1.title}


def is_excluded_reviewer(call: Call, person: Person) -> str | None:
    """The guard of ``review.join_pool``: a stage-1 reviewer the office excluded from stage 2."""
    if ReviewerChoice.objects.filter(link__stage2=call, reviewer=person, keep=False).exists():
        return _("%(name)s was excluded from stage 2 after reviewing letters of intent.") % {"name": person.full_name}
    return None
