"""What each person has to do, for the home page: the office's calls and the work waiting on them,
a reviewer's invitations and reviews, an applicant's drafts. A fixed number of queries, however
many calls or rows there are (grouped counts, never one query per call)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.calls.models import Call, CallState
from grappe.people.rules import roles_of
from grappe.review.models import (
    AssignmentState,
    Conflict,
    ConflictOrigin,
    EngineRun,
    PoolMember,
    PoolState,
    ReviewAssignment,
    ReviewState,
    RunKind,
    RunState,
)
from grappe.selection.models import Decision, Letter, LetterState, PortfolioRun
from grappe.selection.services import ranked_proposals
from grappe.submissions.models import InvitationState, Proposal, ProposalState, TeamMember

SOON = dt.timedelta(days=30)


@dataclass
class Task:
    """One line of a dashboard: what waits, how many, where to do it."""

    text: str
    url: str
    count: int | None = None
    when: dt.datetime | None = None


@dataclass
class CallRow:
    call: Call
    stage: str
    submitted: int = 0
    tasks: list[Task] = field(default_factory=list)


def _count_by_call(queryset: Any) -> Counter[int]:
    return Counter({row["call_id"]: row["n"] for row in queryset.values("call_id").annotate(n=Count("id"))})


def _stage(  # noqa: PLR0911 - one answer per stage
    call: Call, *, now: dt.datetime, assigned: bool, selecting: bool, letters: bool, decided: bool = False
) -> str:
    if call.state == CallState.DRAFT:
        return _("Being prepared")
    if call.state == CallState.ARCHIVED:
        return _("Archived")
    if call.state == CallState.PUBLISHED and now < call.opens_at:
        return _("Announced, not open yet")
    if call.state == CallState.PUBLISHED and now < call.closes_at:
        return _("Open for proposals")
    if letters:
        return _("Decisions and letters")
    if decided:
        return _("Decisions recorded")
    if selecting:
        return _("Selection")
    if assigned:
        return _("Expert review")
    return _("Closed: reviewers to assign")


def office_dashboard() -> dict[str, Any]:
    """The office's calls with their stage and, per call, the work waiting (each with its link)."""
    now = timezone.now()
    calls = list(Call.objects.exclude(state=CallState.ARCHIVED).select_related("review_settings").order_by("closes_at"))
    submitted = _count_by_call(Proposal.objects.filter(state=ProposalState.SUBMITTED))
    assigned = _count_by_call(ReviewAssignment.objects.filter(state=AssignmentState.ACTIVE))
    late_all = _count_by_call(
        ReviewAssignment.objects.filter(
            state=AssignmentState.ACTIVE,
            call__review_settings__review_deadline__lt=now,
        ).exclude(review__state=ReviewState.SUBMITTED)
    )
    runs_waiting = _count_by_call(
        EngineRun.objects.filter(kind=RunKind.ASSIGNMENT, state=RunState.DONE, published_at__isnull=True)
    )
    portfolio: Counter[int] = Counter()
    unadopted: Counter[int] = Counter()  # portfolio runs of calls where none was adopted yet
    for row in PortfolioRun.objects.values("call_id").annotate(
        n=Count("id"), adopted=Count("id", filter=Q(adopted_at__isnull=False))
    ):
        portfolio[row["call_id"]] = row["n"]
        if not row["adopted"]:
            unadopted[row["call_id"]] = row["n"]
    letters = Counter(
        {
            row["proposal__call_id"]: row["n"]
            for row in Letter.objects.filter(state=LetterState.DRAFT)
            .values("proposal__call_id")
            .annotate(n=Count("id"))
        }
    )
    sent = Counter(
        {
            row["proposal__call_id"]: row["n"]
            for row in Letter.objects.filter(state=LetterState.SENT).values("proposal__call_id").annotate(n=Count("id"))
        }
    )
    conflicts = _count_by_call(Conflict.objects.filter(origin=ConflictOrigin.DECLARED, waived=False))
    decided = Counter(
        {
            row["proposal__call_id"]: row["n"]
            for row in Decision.objects.values("proposal__call_id").annotate(n=Count("id"))
        }
    )
    rows, deadlines = [], []
    for call in calls:
        row = CallRow(
            call=call,
            stage=_stage(
                call,
                now=now,
                assigned=bool(assigned[call.pk]),
                selecting=bool(portfolio[call.pk]),
                letters=bool(sent[call.pk] or letters[call.pk]),
                decided=bool(decided[call.pk]),
            ),
            submitted=submitted[call.pk],
        )
        desk = reverse("review:desk", args=[call.code])
        if late_all[call.pk]:
            row.tasks.append(Task(_("late reviews"), f"{desk}#progress", late_all[call.pk]))
        if runs_waiting[call.pk]:
            row.tasks.append(Task(_("assignment runs waiting to be published"), f"{desk}#runs", runs_waiting[call.pk]))
        if conflicts[call.pk]:
            examine = reverse("review:conflicts", args=[call.code]) + "?origin=declared&state=standing"
            row.tasks.append(Task(_("conflicts declared by reviewers to examine"), examine, conflicts[call.pk]))
        if unadopted[call.pk]:
            row.tasks.append(
                Task(
                    _("portfolio runs, none adopted yet"),
                    reverse("selection:portfolio", args=[call.code]),
                    unadopted[call.pk],
                )
            )
        if letters[call.pk]:
            row.tasks.append(
                Task(_("letters to send"), reverse("selection:outbox", args=[call.code]), letters[call.pk])
            )
        rows.append(row)
        if call.state == CallState.PUBLISHED and now < call.closes_at <= now + SOON:
            deadlines.append(
                Task(
                    _("Proposals due: %(call)s") % {"call": call.title},
                    reverse("calls:configure", args=[call.code]),
                    when=call.closes_at,
                )
            )
        review_settings = getattr(call, "review_settings", None)
        deadline = review_settings.review_deadline if review_settings else None
        if deadline and now < deadline <= now + SOON:
            deadlines.append(Task(_("Reviews due: %(call)s") % {"call": call.title}, desk, when=deadline))
    deadlines.sort(key=lambda task: task.when or now)
    return {"calls": rows, "deadlines": deadlines}


def board_dashboard() -> dict[str, Any]:
    """The decisions left to the board: per call it may decide on (closed, not archived, not the
    letters of intent of a two-stage call), the ranked proposals (submitted, eligible) without a
    decision, with a link to the call's ranking. One grouped query, however many calls."""
    now = timezone.now()
    waiting = (
        ranked_proposals()
        .filter(decision__isnull=True)
        .filter(Q(call__state=CallState.CLOSED) | Q(call__state=CallState.PUBLISHED, call__closes_at__lte=now))
        # Letters of intent of a two-stage call: the office decides them (stages), not the board.
        .filter(call__as_stage1__isnull=True)
        .values("call_id", "call__code", "call__title_fr", "call__title_en", "call__closes_at")
        .annotate(n=Count("id"))
        .order_by("call__closes_at", "call__code")
    )
    decisions = []
    for row in waiting:
        call = Call(title_fr=row["call__title_fr"], title_en=row["call__title_en"])  # for its title in the language
        decisions.append(
            Task(
                _("decisions waiting: %(call)s") % {"call": call.title},
                reverse("selection:ranking", args=[row["call__code"]]),
                row["n"],
            )
        )
    return {"decisions": decisions, "total": sum(task.count or 0 for task in decisions)}


def reviewer_dashboard(user: Any) -> dict[str, Any]:
    """A reviewer's invitations to answer and reviews to write, the nearest deadline first."""
    person_id = roles_of(user).person_id
    if person_id is None:
        return {}
    invitations = [
        Task(
            _("Invitation to review for %(call)s") % {"call": m.call.title},
            reverse("review:invitation", args=[m.token]),
        )
        for m in PoolMember.objects.filter(person_id=person_id, state=PoolState.INVITED).select_related("call")
    ]
    conflicted = Conflict.objects.filter(reviewer_id=person_id, waived=False).values("proposal_id")
    pending = (
        ReviewAssignment.objects.filter(reviewer_id=person_id, state=AssignmentState.ACTIVE)
        .exclude(proposal_id__in=conflicted)
        .exclude(review__state=ReviewState.SUBMITTED)
        .select_related("proposal", "call__review_settings")
        .order_by("call__review_settings__review_deadline", "proposal__code")
    )
    reviews = []
    for assignment in pending[:50]:
        review_settings = getattr(assignment.call, "review_settings", None)
        reviews.append(
            Task(
                f"{assignment.proposal.code} — {assignment.proposal.title}",
                reverse("review:review", args=[assignment.pk]),
                when=review_settings.review_deadline if review_settings else None,
            )
        )
    return {"invitations": invitations, "reviews": reviews}


def applicant_dashboard(user: Any) -> dict[str, Any]:
    """An applicant's drafts (with their call's deadline) and invitations to join a team."""
    person_id = roles_of(user).person_id
    now = timezone.now()
    drafts = []
    if person_id is not None:
        for proposal in (
            Proposal.objects.filter(
                Q(lead_id=person_id) | Q(team__person_id=person_id, team__state=InvitationState.ACCEPTED),
                state=ProposalState.DRAFT,
                call__closes_at__gt=now,
            )
            .select_related("call")
            .distinct()
            .order_by("call__closes_at")[:50]
        ):
            drafts.append(
                Task(
                    proposal.acronym or proposal.title,
                    reverse("submissions:detail", args=[proposal.code]),
                    when=proposal.call.closes_at,
                )
            )
    invitations = TeamMember.objects.filter(email__iexact=user.email, state=InvitationState.INVITED).count()
    return {"drafts": drafts, "team_invitations": invitations}
