"""A call under review: three submitted proposals, a pool of three experts (the ``reviewer``
persona among them), publications, Horizon Europe criteria."""

import datetime as dt

import pytest
from django.utils import timezone

from grappe.calls.services import apply_horizon_europe_preset
from grappe.review.models import PoolMember, PoolState, Publication, PublicationSource
from grappe.submissions.models import ProposalState
from tests.factories import CallFactory, PersonFactory, ProposalFactory


@pytest.fixture
def review_call(db, office, university):
    call = CallFactory(closes_at=timezone.now() - dt.timedelta(days=1), opens_at=timezone.now() - dt.timedelta(days=30))
    apply_horizon_europe_preset(call, actor=office)
    return call


@pytest.fixture
def proposals(review_call, university, applicant):
    titles = [
        ("Graph neural networks for molecules", "Message passing networks predict molecular properties."),
        ("Robot grasping with tactile sensing", "Tactile sensors guide robotic grasping of deformable objects."),
        ("Legal language models", "Language models summarise court decisions and contracts."),
    ]
    made = []
    for index, (title, abstract) in enumerate(titles):
        lead = applicant.person if index == 0 else PersonFactory()
        made.append(
            ProposalFactory(
                call=review_call,
                title=title,
                abstract=abstract,
                lead=lead,
                lead_organisation=university,
                state=ProposalState.SUBMITTED,
                submitted_at=timezone.now() - dt.timedelta(days=2),
            )
        )
    return made


@pytest.fixture
def pool(review_call, reviewer):
    experts = [reviewer.person, PersonFactory(last_name="Graph"), PersonFactory(last_name="Robot")]
    topics = [
        "Language models for legal text and court decisions",
        "Graph neural networks and message passing for molecular property prediction",
        "Robotic grasping and tactile sensing for deformable objects",
    ]
    members = []
    for person, topic in zip(experts, topics, strict=True):
        Publication.objects.create(person=person, title=topic, year=2025, source=PublicationSource.MANUAL)
        members.append(PoolMember.objects.create(call=review_call, person=person, state=PoolState.ACCEPTED, max_load=2))
    return members
