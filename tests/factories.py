"""factory_boy factories for Grappe's models."""

import datetime as _dt
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from grappe.calls.models import Call, CallState, CallType, EvaluationScheme
from grappe.people.models import Affiliation, Organisation, OrganisationKind, Person, Relationship, Role, User
from grappe.programmes.models import Programme
from grappe.programmes.services import ensure_anr_categories
from grappe.submissions.models import EthicsAssessment, InvitationState, Proposal, TeamMember, TeamRole


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    short_name = factory.Sequence(lambda n: f"ORG{n}")
    kind = OrganisationKind.UNIVERSITY
    relationship = Relationship.MEMBER


class CompanyFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Company {n}")
    kind = OrganisationKind.SME
    relationship = Relationship.PARTNER


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.LazyAttribute(lambda p: f"{p.first_name}.{p.last_name}@example.org".lower())


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    person = factory.SubFactory(PersonFactory)
    email = factory.LazyAttribute(lambda u: u.person.email)
    is_active = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AffiliationFactory(DjangoModelFactory):
    class Meta:
        model = Affiliation

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    position = "Researcher"


class RoleFactory(DjangoModelFactory):
    class Meta:
        model = Role

    person = factory.SubFactory(PersonFactory)


# --- Programmes, calls, proposals -------------------------------------------------------------


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Programme {n}")
    funders = "France 2030"
    total_amount = Decimal("1000000.00")
    start_year = 2026
    end_year = 2028
    overhead_rate = Decimal("0.0800")

    @factory.post_generation
    def cost_categories(obj, create, extracted, **kwargs):
        if create:
            # Transactional tests flush the table the data migration filled: recreate it if needed.
            obj.cost_categories.set(extracted or ensure_anr_categories())


class CallFactory(DjangoModelFactory):
    class Meta:
        model = Call
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    call_type = CallType.ACCELERATION
    title_fr = factory.Sequence(lambda n: f"Appel {n}")
    title_en = factory.Sequence(lambda n: f"Call {n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - _dt.timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + _dt.timedelta(days=10))
    budget = Decimal("500000.00")
    min_amount = Decimal("10000.00")
    max_amount = Decimal("200000.00")
    min_duration = 12
    max_duration = 36
    state = CallState.PUBLISHED

    @factory.post_generation
    def scheme(obj, create, extracted, **kwargs):
        if create:
            EvaluationScheme.objects.get_or_create(call=obj)


class ProposalFactory(DjangoModelFactory):
    class Meta:
        model = Proposal
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    title = factory.Sequence(lambda n: f"Proposal {n}")
    abstract = "An abstract."
    lead = factory.SubFactory(PersonFactory)
    requested_amount = Decimal("0")
    duration_months = 24

    @factory.post_generation
    def lead_member(obj, create, extracted, **kwargs):
        if create:
            TeamMember.objects.create(
                proposal=obj,
                person=obj.lead,
                email=obj.lead.email,
                role=TeamRole.LEAD,
                organisation=obj.lead_organisation,
                state=InvitationState.ACCEPTED,
            )
            EthicsAssessment.objects.create(proposal=obj)
