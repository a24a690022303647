"""A page links only to pages its reader may open: "My publications" on My reviews, the call in
the review desk's breadcrumb, the calls of a programme (issue of the outside tester, items 3-4)."""

import re

import pytest
from django.urls import reverse

from grappe.review.models import PoolMember, PoolState
from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db

SKIPPED = ("/static/", "/accounts/logout", "/i18n/")


def links_of(html):
    """The site's own addresses a page links to (without the fragment or the query)."""
    found = {match.split("#")[0].split("?")[0] for match in re.findall(r'href="(/[^"]*)"', html)}
    return sorted(url for url in found if url and not url.startswith(SKIPPED))


def dead_links(client, url):
    page = client.get(url)
    assert page.status_code == 200
    return [link for link in links_of(page.content.decode()) if client.get(link).status_code == 404]


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_my_reviews_links_to_my_publications_only_for_an_expert(as_persona, review_call, persona):
    client = as_persona(persona)
    publications = reverse("review:publications")

    page = client.get(reverse("review:mine")).content.decode()

    assert publications not in page
    assert dead_links(client, reverse("review:mine")) == []


def test_an_expert_of_a_pool_finds_my_publications(as_persona, review_call, reviewer):
    PoolMember.objects.create(call=review_call, person=reviewer.person, state=PoolState.INVITED)
    client = as_persona("reviewer")

    page = client.get(reverse("review:mine")).content.decode()

    assert reverse("review:publications") in page
    assert client.get(reverse("review:publications")).status_code == 200


def test_an_expert_who_declined_is_not_sent_to_my_publications(as_persona, review_call, reviewer):
    PoolMember.objects.create(call=review_call, person=reviewer.person, state=PoolState.DECLINED)
    page = as_persona("reviewer").get(reverse("review:mine")).content.decode()
    assert reverse("review:publications") not in page


@pytest.mark.parametrize("persona", ["office", "board"])
def test_the_review_desk_links_only_to_pages_its_reader_opens(as_persona, review_call, proposals, persona):
    client = as_persona(persona)
    page = client.get(reverse("review:desk", args=[review_call.code])).content.decode()
    breadcrumb = page.split('class="breadcrumb"')[1].split("</p>")[0]

    call_page = "calls:configure" if persona == "office" else "calls:detail"
    assert reverse(call_page, args=[review_call.code]) in breadcrumb
    assert dead_links(client, reverse("review:desk", args=[review_call.code])) == []


@pytest.mark.parametrize("persona", ["office", "board"])
def test_a_programme_links_to_the_call_pages_its_reader_opens(as_persona, review_call, persona):
    client = as_persona(persona)
    url = reverse("programmes:detail", args=[review_call.programme.code])

    page = client.get(url).content.decode()

    call_page = "calls:configure" if persona == "office" else "calls:detail"
    assert reverse(call_page, args=[review_call.code]) in page
    assert dead_links(client, url) == []
    assert dead_links(client, reverse("calls:office_list")) == []
