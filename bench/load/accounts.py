"""The extra accounts the load scenarios log in with, made on top of the demo seed.

Run inside Django (``python -m bench.load`` does it): ``prepare(applicants=60, reviewers=40)``
adds drafts to the demo's open call, each led by an academic given an account, and accounts for
pool experts of the closed call (those with reviews still to write first). It writes the
accounts and their objects to a JSON file the locustfile reads. Bench data only: the demo seed
stays as it is.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

PASSWORD = "bench-load-2026"  # noqa: S105 - bench accounts on a scratch database


def _account(person: Any) -> str | None:
    """A new account for the person, or None if they have one (the demo's own accounts are kept)."""
    from grappe.people.models import User

    if User.objects.filter(person=person).exists() or User.objects.filter(email__iexact=person.email).exists():
        return None
    user = User.objects.create_user(
        email=person.email, password=PASSWORD, person=person, is_active=True, email_verified_at=timezone.now()
    )
    return str(user.email)


@transaction.atomic
def prepare(*, applicants: int, reviewers: int, seed: int = 10) -> dict[str, Any]:
    from grappe.calls.models import Call, CallState
    from grappe.demo.calls import _proposals
    from grappe.programmes.models import CostCategory
    from grappe.review.models import AssignmentState, ReviewAssignment, ReviewState
    from grappe.submissions.models import Proposal, ProposalState

    open_call = Call.objects.get(state=CallState.PUBLISHED)
    # The call under review (the demo also keeps an older closed call whose awards became projects).
    closed = Call.objects.filter(state=CallState.CLOSED).order_by("-closes_at").first()
    before = set(Proposal.objects.filter(call=open_call).values_list("pk", flat=True))
    categories = list(
        CostCategory.objects.filter(code__in=["personnel", "equipment", "services", "general"]).order_by("position")
    )
    questions = list(open_call.questions.order_by("position"))
    _proposals(random.Random(seed), open_call, questions, categories, None, count=applicants, submitted=False)
    drafts = (
        Proposal.objects.filter(call=open_call, state=ProposalState.DRAFT)
        .exclude(pk__in=before)
        .select_related("lead")
        .order_by("pk")
    )
    applicant_rows, seen = [], set()
    for proposal in drafts:
        if proposal.lead_id in seen or not proposal.lead.email:
            continue  # one draft per account, so two simulated applicants never edit the same draft
        seen.add(proposal.lead_id)
        email = _account(proposal.lead)
        if email:
            applicant_rows.append({"email": email, "proposal": proposal.code})

    assignments = (
        ReviewAssignment.objects.filter(call=closed, state=AssignmentState.ACTIVE)
        .exclude(reviewer__email="")
        .select_related("reviewer")
        .order_by("pk")
    )
    pending: dict[int, list[int]] = {}
    people: dict[int, Any] = {}
    done = set(
        ReviewAssignment.objects.filter(call=closed, review__state=ReviewState.SUBMITTED).values_list("pk", flat=True)
    )
    for assignment in assignments:
        people[assignment.reviewer_id] = assignment.reviewer
        pending.setdefault(assignment.reviewer_id, [])
        if assignment.pk not in done:
            pending[assignment.reviewer_id].append(assignment.pk)
    chosen = sorted(people, key=lambda pk: (-len(pending[pk]), pk))[: reviewers + 5]
    reviewer_rows = []
    for pk in chosen:
        email = _account(people[pk])
        if email:
            reviewer_rows.append({"email": email, "pending": pending[pk]})
    reviewer_rows = reviewer_rows[:reviewers]
    return {
        "password": PASSWORD,
        "open_call": open_call.code,
        "closed_call": closed.code,
        "applicants": applicant_rows,
        "reviewers": reviewer_rows,
        "office": ["office@grappe-demo.example"],
        "office_password": "demo-office-2026",
        "board": ["board@grappe-demo.example"],
        "board_password": "demo-board-2026",
    }


def write(path: Path, **kwargs: Any) -> dict[str, Any]:
    data = prepare(**kwargs)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return data
