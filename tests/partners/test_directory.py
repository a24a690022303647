"""The list of industrial partners (``/partners/``): who is listed (the public page's own rule),
what each card shows, the search, pagination, a constant number of queries, the links to it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grappe.partners.models import Challenge, PartnerProfile
from grappe.people.models import Keyword, Relationship, Sector
from tests.factories import CompanyFactory, ProposalFactory

URL = "/partners/"


def make_partner(name, *, interests="", keywords=(), sector="", relationship=Relationship.PARTNER, **extra):
    organisation = CompanyFactory(name=name, sector=sector, relationship=relationship, **extra)
    profile = PartnerProfile.objects.create(organisation=organisation, interests=interests)
    profile.keywords.set([Keyword.objects.get_or_create(name=k)[0] for k in keywords])
    return organisation


def make_challenge(organisation, title, *, visibility="members", days=30, closed=False):
    return Challenge.objects.create(
        organisation=organisation,
        title=title,
        text="Segmentation of tumours in MRI scans.",
        language="en",
        collaboration="phd",
        visibility=visibility,
        end_date=timezone.localdate() + dt.timedelta(days=days),
        closed_at=timezone.now() if closed else None,
    )


@pytest.fixture
def partners(company, university):
    """Two public partners (``company`` with challenges of each kind), a former partner now
    "external" with its relation kept, and an academic member: only the first two have a public page."""
    imaging = company
    imaging.sector, imaging.short_name = Sector.HEALTH, "EXS"
    imaging.save()
    profile = PartnerProfile.objects.create(
        organisation=imaging, interests="Medical imaging, federated learning; radiology reports"
    )
    profile.keywords.set([Keyword.objects.create(name=k) for k in ("imaging", "privacy")])
    make_challenge(imaging, "Public tumour segmentation", visibility="public")
    make_challenge(imaging, "Members' federated training")
    make_challenge(imaging, "Closed early", visibility="public", closed=True)
    make_challenge(imaging, "Ended", visibility="public", days=-1)
    robots = make_partner("Robotix", interests="Warehouse robots", sector=Sector.INDUSTRY)
    former = make_partner("Ancien Partenaire", interests="Medical imaging", relationship=Relationship.EXTERNAL)
    return {"imaging": imaging, "robots": robots, "former": former, "member": university}


def names(response):
    return [o.name for o in response.context["page"]]


@pytest.mark.parametrize("persona", ["anonymous", "applicant", "partner_contact", "office"])
def test_lists_the_partners_with_a_public_page_only(as_persona, partners, persona):
    response = as_persona(persona).get(URL)
    assert response.status_code == 200
    assert names(response) == ["Exemplix Santé", "Robotix"]
    page = response.text
    for hidden in ("former", "member"):
        assert partners[hidden].name not in page
        assert reverse("partners:public", args=[partners[hidden].code]) not in page
    assert reverse("partners:public", args=[partners["imaging"].code]) in page
    # What the public page shows first: sector, interests (cut as on the page), keywords.
    assert "Health and life sciences" in page and "Medical imaging · federated learning · radiology reports" in page
    assert '<span class="tag tag-light">imaging</span>' in page and "Exemplix Santé (EXS)" in page
    assert "Research interests not stated yet." not in page


def test_hidden_partners_keep_their_404(client, partners, applicant):
    client.force_login(applicant)
    for hidden in ("former", "member"):
        assert client.get(reverse("partners:public", args=[partners[hidden].code])).status_code == 404
    assert client.get(reverse("partners:public", args=[partners["robots"].code])).status_code == 200


def test_counts_the_open_challenges_the_viewer_may_read(as_persona, partners):
    """Signed out: the public ones; signed in: members' ones too; closed or ended: never."""
    anonymous = {o.name: o.open_challenge_count for o in as_persona("anonymous").get(URL).context["page"]}
    assert anonymous == {"Exemplix Santé": 1, "Robotix": 0}
    response = as_persona("applicant").get(URL)
    assert {o.name: o.open_challenge_count for o in response.context["page"]} == {"Exemplix Santé": 2, "Robotix": 0}
    assert "2 open challenges" in response.text and "No open challenge." in response.text
    assert "sign in to see those kept" in as_persona("anonymous").get(URL).text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=exemplix", ["Exemplix Santé"]),
        ("q=EXS", ["Exemplix Santé"]),
        ("q=radiology", ["Exemplix Santé"]),  # research interests
        ("q=privacy", ["Exemplix Santé"]),  # a keyword
        ("q=warehouse+robots", ["Robotix"]),  # every word
        ("q=medical+robots", []),
        ("sector=industry", ["Robotix"]),
        ("q=imaging&sector=industry", []),
        ("q=medical", ["Exemplix Santé"]),  # not the former partner, which has the same interests
    ],
)
def test_search(client, partners, query, expected):
    response = client.get(f"{URL}?{query}")
    assert names(response) == expected
    if not expected:
        assert "No partner matches this search." in response.text


@pytest.mark.parametrize("query", ["q=" + "x" * 101, "q=a%00b", "sector=nowhere", "page=zzz", "page=99999"])
def test_bad_filters_are_told_not_failed(client, partners, query):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    if query.startswith(("q=", "sector=")):
        assert 'class="form-errors"' in response.text
        assert names(response) == ["Exemplix Santé", "Robotix"]  # the whole list, the search left aside


def test_search_is_kept_in_the_form(client, partners):
    assert 'value="radiology"' in client.get(f"{URL}?q=radiology").text


def test_paginated_like_the_other_lists(client, partners, settings):
    settings.GRAPPE_PAGE_SIZE = 1
    first = client.get(URL)
    assert names(first) == ["Exemplix Santé"] and "2 partners" in first.text
    second = client.get(f"{URL}?page=2")
    assert names(second) == ["Robotix"] and 'rel="prev"' in second.text


def test_constant_number_of_queries(client, partners, applicant, django_assert_max_num_queries):
    """Session, user, roles, the count, the page, its keywords: the same whatever the number of
    partners, their challenges and keywords."""
    client.force_login(applicant)
    with django_assert_max_num_queries(8) as few:
        client.get(URL)
    for i in range(15):
        partner = make_partner(f"Partner {i:02}", interests=f"Topic {i}, more", keywords=[f"kw{i}", "shared"])
        make_challenge(partner, f"Challenge {i}", visibility="public")
        make_challenge(partner, f"Other {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["page"]) == 17


def test_linked_from_where_researchers_look_for_partners(client, partners, applicant):
    client.force_login(applicant)
    assert f'href="{URL}"' in client.get(reverse("partners:challenges")).text
    assert f'href="{URL}"' in client.get(reverse("partners:mine")).text
    assert f'href="{URL}"' in client.get(reverse("partners:public", args=[partners["robots"].code])).text
    proposal = ProposalFactory(lead=applicant.person)
    assert f'href="{URL}"' in client.get(reverse("partners:find_partners", args=[proposal.code])).text
    assert f'href="{URL}"' in client.get(reverse("people:directory")).text
    # The challenges list names each challenge's partner with a link to its page.
    challenges = client.get(reverse("partners:challenges")).text
    assert reverse("partners:public", args=[partners["imaging"].code]) in challenges
