"""Minimal data for the crash tests, run by ``grappe shell`` against the crash database; prints JSON.

An open call with a draft ready to submit; a closed call with a submitted proposal to decide, a
finished assignment run to publish, a pool for an affinity run and a decided proposal with a letter.
"""

import datetime as dt
import json
from decimal import Decimal

from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from grappe.calls.services import apply_horizon_europe_preset
from grappe.people.models import RoleKind
from grappe.review.models import EngineRun, PoolMember, PoolState, ProposedPair, Publication, RunKind, RunState
from grappe.selection.models import Decision, Letter, Outcome
from grappe.submissions.models import ProposalState
from tests.factories import (
    AffiliationFactory,
    CallFactory,
    OrganisationFactory,
    PersonFactory,
    ProposalFactory,
    RoleFactory,
    UserFactory,
)

now = timezone.now()
university = OrganisationFactory(name="Université Crash")
office = UserFactory(person__email="office@crash.example.org")
RoleFactory(person=office.person, kind=RoleKind.OFFICE)
applicant = UserFactory(person__email="applicant@crash.example.org")
AffiliationFactory(person=applicant.person, organisation=university)

open_call = CallFactory()
draft = ProposalFactory(call=open_call, lead=applicant.person, lead_organisation=university, title="To submit")

closed = CallFactory(opens_at=now - dt.timedelta(days=30), closes_at=now - dt.timedelta(days=1))
apply_horizon_europe_preset(closed, actor=None)
submitted = {
    "state": ProposalState.SUBMITTED,
    "submitted_at": now - dt.timedelta(days=2),
    "lead_organisation": university,
}
to_decide = ProposalFactory(call=closed, title="To decide", requested_amount=Decimal("50000"), **submitted)
to_review = ProposalFactory(call=closed, title="Graph neural networks for molecules", **submitted)
lettered = ProposalFactory(call=closed, title="Already decided", **submitted)

experts = [PersonFactory(last_name=f"Expert{i}") for i in range(2)]
for person in experts:
    PoolMember.objects.create(call=closed, person=person, state=PoolState.ACCEPTED)
    Publication.objects.create(person=person, title="Graph neural networks", year=2025, source="manual")
run = EngineRun.objects.create(call=closed, kind=RunKind.ASSIGNMENT, state=RunState.DONE, progress=100)
for person in experts:
    ProposedPair.objects.create(run=run, reviewer=person, proposal=to_review, affinity=0.5)

Decision.objects.create(proposal=lettered, outcome=Outcome.REJECTED, recommended=Outcome.REJECTED)
letter = Letter.objects.create(
    proposal=lettered,
    outcome=Outcome.REJECTED,
    language="en",
    recipients=["lead@crash.example.org"],
    subject="S",
    body="B",
)


def session(user):
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "grappe.people.backends.EmailBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return store.session_key


print(
    json.dumps(
        {
            "office": session(office),
            "applicant": session(applicant),
            "draft": draft.code,
            "closed": closed.code,
            "to_decide": to_decide.code,
            "run": run.pk,
            "letter": letter.pk,
        }
    )
)
