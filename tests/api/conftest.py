"""A small cluster seen through the API: an open call with the applicant's draft, a closed call
under review (the applicant's submitted proposal, another one with ``company`` as partner that
the ``reviewer`` persona reviews, a decision), a draft call, an external organisation, a project.
Each persona gets a read and write token (``api_client(persona)``)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from grappe.api import services
from grappe.calls.models import CallState
from grappe.calls.services import apply_horizon_europe_preset
from grappe.people.models import Relationship
from grappe.review.models import ReviewAssignment
from grappe.selection.models import Decision, Outcome
from grappe.submissions.models import ProposalPartner, ProposalState
from tests.factories import CallFactory, OrganisationFactory, PersonFactory, ProposalFactory
from tests.projects.conftest import make_award, open_from


@dataclass
class World:
    open_call: Any
    review_call: Any
    draft_call: Any
    draft: Any
    submitted: Any
    partnered: Any
    assignment: Any
    external: Any
    project: Any


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(db, office, applicant, reviewer, university, other_university, company) -> World:
    open_call = CallFactory()
    review_call = CallFactory(
        closes_at=timezone.now() - dt.timedelta(days=1), opens_at=timezone.now() - dt.timedelta(days=30)
    )
    apply_horizon_europe_preset(review_call, actor=office)
    draft_call = CallFactory(state=CallState.DRAFT)
    draft = ProposalFactory(call=open_call, lead=applicant.person, lead_organisation=university, title="My draft")
    submitted_at = timezone.now() - dt.timedelta(days=2)
    submitted = ProposalFactory(
        call=review_call,
        lead=applicant.person,
        lead_organisation=university,
        state=ProposalState.SUBMITTED,
        submitted_at=submitted_at,
    )
    partnered = ProposalFactory(
        call=review_call,
        lead=PersonFactory(),
        lead_organisation=other_university,
        state=ProposalState.SUBMITTED,
        submitted_at=submitted_at,
    )
    ProposalPartner.objects.create(proposal=partnered, organisation=company)
    assignment = ReviewAssignment.objects.create(
        call=review_call, reviewer=reviewer.person, proposal=partnered, confirmed_at=timezone.now()
    )
    Decision.objects.create(proposal=submitted, outcome=Outcome.REJECTED)
    external = OrganisationFactory(name="Hors Cluster", relationship=Relationship.EXTERNAL)
    award = make_award(applicant, university, other_university, company, title="Funded work")
    project = open_from(award, office, university, public_partner_ids={company.pk})
    return World(open_call, review_call, draft_call, draft, submitted, partnered, assignment, external, project)


@pytest.fixture
def api_client(request, db):
    """``api_client(persona, scope="write")``: a client that sends that persona's token."""

    def make(name: str, scope: str = "write") -> Client:
        if name == "anonymous":
            return Client()
        user = request.getfixturevalue(name)
        _token, raw = services.create_token(user, name="tests", scope=scope, days=30, actor=user)
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make
