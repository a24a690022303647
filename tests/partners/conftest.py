"""Partners: ``company`` (whose contact is ``partner_contact``) with a relation; researchers with
publications, one opted in (``reviewer``), one never (``shy``); a published challenge."""

import datetime as dt

import pytest
from django.utils import timezone

from grappe.partners import services
from grappe.partners.models import Level
from grappe.people.models import RoleKind
from grappe.review.models import Publication, PublicationSource
from tests.factories import AffiliationFactory, CompanyFactory, PersonFactory, RoleFactory, UserFactory

CHALLENGE_TEXT = (
    "We look for researchers in federated learning for medical imaging: privacy of patient data, "
    "segmentation of tumours in MRI scans and robust training across hospitals."
)


def publish(person, *titles):
    for title in titles:
        Publication.objects.create(person=person, title=title, year=2024, source=PublicationSource.MANUAL)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def relation(company):
    profile = services.profile_of(company)
    profile.level = Level.STRATEGIC
    profile.save()
    return profile


@pytest.fixture
def researcher(reviewer):
    """The ``reviewer`` persona, opted in, with publications on the challenge's topic."""
    publish(reviewer.person, "Federated learning for medical imaging segmentation", "Privacy of patient data in MRI")
    services.set_consent(reviewer.person, opted_in=True, actor=reviewer)
    return reviewer.person


@pytest.fixture
def shy(other_university):
    """A researcher whose work fits even better, who never opted in."""
    person = PersonFactory()
    AffiliationFactory(person=person, organisation=other_university)
    publish(person, "Federated learning for medical imaging: tumour segmentation in MRI scans across hospitals")
    return person


@pytest.fixture
def challenge(company, partner_contact, relation, researcher, shy):
    challenge = services.publish_challenge(
        company,
        data={
            "title": "Federated medical imaging",
            "text": CHALLENGE_TEXT,
            "language": "en",
            "collaboration": "phd",
            "visibility": "members",
            "end_date": timezone.localdate() + dt.timedelta(days=60),
        },
        keywords=[],
        actor=partner_contact,
    )
    services.suggest_for_challenge(challenge, actor=partner_contact, seed=1)
    return challenge


@pytest.fixture
def other_partner_contact(db):
    other = CompanyFactory(name="Concurrent SA")
    user = UserFactory(person__email="rival@example.org")
    AffiliationFactory(person=user.person, organisation=other)
    RoleFactory(person=user.person, kind=RoleKind.PARTNER_CONTACT, organisation=other)
    return user


from tests.projects.conftest import award, project  # noqa: F401, E402 - fixtures
