"""The review desk at scale: conflicts paginated, filtered and searched with their evidence; loads
edited per expert and in bulk; capacity against the reviews needed before a run; only the affinity
methods installed here; publication imports by the expert or the office only."""

from html import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grappe.review import methods, services
from grappe.review.models import Conflict, EngineRun, PoolMember, PublicationImport
from tests.conftest import PERSONAS
from tests.factories import PersonFactory, ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_conflicts(review_call, proposals, pool):
    """60 computed conflicts (20 experts × 3 proposals), one declared, one waived."""
    made = []
    for index in range(20):
        person = PersonFactory(last_name=f"Expert{index:02d}")
        PoolMember.objects.create(call=review_call, person=person, state="accepted")
        for proposal in proposals:
            made.append(
                Conflict(
                    call=review_call,
                    reviewer=person,
                    proposal=proposal,
                    origin="computed",
                    reasons=["co-author of a team member within 3 years"],
                    evidence=[
                        {
                            "kind": "coauthor",
                            "member": "Jade Roux",
                            "author": "Roux, Jade",
                            "publication": f"Paper {index}",
                            "year": 2024,
                            "match": "full name",
                        }
                    ],
                )
            )
    Conflict.objects.bulk_create(made)
    Conflict.objects.create(
        call=review_call, reviewer=pool[0].person, proposal=proposals[2], origin="declared", reasons=["thesis"]
    )
    Conflict.objects.filter(reviewer__last_name="Expert00", proposal=proposals[0]).update(
        waived=True, waiver_justification="Left the lab long ago"
    )
    return made


@pytest.mark.parametrize("persona", PERSONAS)
def test_conflicts_page_access(as_persona, review_call, persona):
    response = as_persona(persona).get(reverse("review:conflicts", args=[review_call.code]))

    assert response.status_code == {"office": 200, "board": 200, "anonymous": 302}.get(persona, 404)


def test_every_conflict_can_be_reached_page_by_page(as_persona, review_call, many_conflicts, settings):
    settings.GRAPPE_PAGE_SIZE = 25
    client = as_persona("office")
    url = reverse("review:conflicts", args=[review_call.code])

    seen = set()
    for number in (1, 2, 3):
        seen |= {c.pk for c in client.get(url, {"page": number}).context["page"]}

    assert len(seen) == Conflict.objects.count() == 61


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"origin": "declared"}, 1),
        ({"state": "waived"}, 1),
        ({"state": "standing"}, 60),
        ({"q": "Expert07"}, 3),
        ({"q": "thesis"}, 1),
        ({"origin": "computed", "q": "Legal"}, 20),
    ],
)
def test_conflicts_are_filtered_and_searched(as_persona, review_call, proposals, many_conflicts, query, expected):
    response = as_persona("office").get(reverse("review:conflicts", args=[review_call.code]), query)

    assert response.context["page"].paginator.count == expected


def test_conflicts_filter_by_expert_and_proposal(as_persona, review_call, proposals, many_conflicts):
    expert = PersonFactory._meta.model.objects.get(last_name="Expert03")
    query = {"reviewer": expert.code, "proposal": proposals[1].code.lower()}

    page = as_persona("office").get(reverse("review:conflicts", args=[review_call.code]), query).context["page"]

    assert [(c.reviewer, c.proposal) for c in page] == [(expert, proposals[1])]


def test_the_evidence_shows_beside_each_flag(as_persona, review_call, many_conflicts):
    page = as_persona("office").get(reverse("review:conflicts", args=[review_call.code]), {"q": "Expert05"})

    text = page.content.decode()
    assert "Jade Roux as “Roux, Jade” in “Paper 5” (2024), matched by full name" in text


def test_a_waiver_from_the_list_keeps_the_filters(as_persona, review_call, many_conflicts):
    conflict = Conflict.objects.filter(reviewer__last_name="Expert09").first()
    back = reverse("review:conflicts", args=[review_call.code]) + "?q=Expert09&page=1"

    response = as_persona("office").post(
        reverse("review:waive", args=[review_call.code, conflict.pk]),
        {"justification": "Different people after all", "next": back},
    )

    assert response.url == back
    assert Conflict.objects.get(pk=conflict.pk).waived


def test_a_waiver_never_redirects_elsewhere(as_persona, review_call, many_conflicts):
    conflict = Conflict.objects.filter(reviewer__last_name="Expert09").first()

    response = as_persona("office").post(
        reverse("review:waive", args=[review_call.code, conflict.pk]),
        {"justification": "Different people after all", "next": "https://evil.example/"},
    )

    assert response.url == reverse("review:conflicts", args=[review_call.code])


@pytest.mark.parametrize("count", [1, 4])
def test_conflicts_page_query_count(as_persona, django_assert_num_queries, review_call, proposals, count):
    for _ in range(count):
        person = PersonFactory()
        PoolMember.objects.create(call=review_call, person=person, state="accepted")
        Conflict.objects.create(call=review_call, reviewer=person, proposal=proposals[0], origin="computed")
    client = as_persona("office")

    with django_assert_num_queries(8):
        client.get(reverse("review:conflicts", args=[review_call.code]))


# --- Loads and capacity ---------------------------------------------------------------------


def test_office_sets_one_load_and_many_at_once(as_persona, review_call, pool):
    client = as_persona("office")
    url = reverse("review:set_loads", args=[review_call.code])

    one = client.post(url, {"members": [pool[0].pk], "max_load": "9"}, follow=True)
    many = client.post(url, {"members": [pool[1].pk, pool[2].pk], "max_load": "12"}, follow=True)
    bad = client.post(url, {"members": [pool[1].pk], "max_load": "51"}, follow=True)

    assert [str(m) for m in one.context["messages"]] == ["Maximum load changed for 1 expert."]
    assert [str(m) for m in many.context["messages"]] == ["Maximum load changed for 2 experts."]
    assert [m.max_load for m in PoolMember.objects.filter(pk__in=[m.pk for m in pool]).order_by("pk")] == [9, 12, 12]
    assert "Ensure this value is less than or equal to 50." in bad.content.decode()


@pytest.mark.parametrize("persona", ["board", "reviewer", "applicant"])
def test_only_the_office_sets_loads(as_persona, review_call, pool, persona):
    response = as_persona(persona).post(
        reverse("review:set_loads", args=[review_call.code]), {"members": [pool[0].pk], "max_load": "9"}
    )

    assert response.status_code == 404 and PoolMember.objects.get(pk=pool[0].pk).max_load == 2


def test_loads_of_another_call_are_left_alone(as_persona, review_call, pool, office):
    other = PoolMember.objects.create(call=ProposalFactory().call, person=PersonFactory(), max_load=4)

    with pytest.raises(services.ReviewError, match="at least one expert"):
        services.set_max_loads(review_call, members=[other.pk], max_load=9, actor=office)
    assert PoolMember.objects.get(pk=other.pk).max_load == 4


def test_the_desk_shows_capacity_against_the_reviews_needed(as_persona, review_call, proposals, pool):
    page = as_persona("office").get(reverse("review:desk", args=[review_call.code])).content.decode()

    assert "the accepted experts can take <strong>6</strong> reviews" in page
    assert "9 are needed at 3 reviews per proposal" in page
    assert "2 reviews per proposal: 6" in page


def test_a_run_beyond_capacity_is_refused_before_it_is_queued(as_persona, review_call, proposals, pool):
    response = as_persona("office").post(
        reverse("review:start_assignment", args=[review_call.code]),
        {"reviews_per_proposal": "3", "objective": "max-affinity", "q": "0.5", "bid_weight": "0", "seed": "1"},
        follow=True,
    )

    assert "9 reviews are needed but the accepted experts can take 6" in response.content.decode()
    assert not EngineRun.objects.exists()


def test_only_installed_affinity_methods_are_offered(as_persona, review_call, monkeypatch):
    monkeypatch.setattr(methods, "embedding_installed", lambda: False)
    client = as_persona("office")

    page = client.get(reverse("review:desk", args=[review_call.code])).content.decode()
    response = client.post(
        reverse("review:start_affinity", args=[review_call.code]), {"backend": "embedding"}, follow=True
    )

    assert 'value="tfidf"' in page and 'value="embedding"' not in page and 'value="combined"' not in page
    assert escape(methods.HOW_TO_ADD) in page
    assert "not installed here" in response.content.decode() and not EngineRun.objects.exists()


def test_installed_embedding_is_offered(as_persona, review_call, monkeypatch):
    monkeypatch.setattr(methods, "embedding_installed", lambda: True)

    page = as_persona("office").get(reverse("review:desk", args=[review_call.code])).content.decode()

    assert 'value="embedding"' in page and 'id="missing-methods"' not in page


# --- Who imports publications for whom ------------------------------------------------------


def _upload():
    return SimpleUploadedFile("pubs.bib", b"@article{a, title={Tactile grasping}, author={Doe, J}, year={2022}}")


@pytest.mark.parametrize("persona", PERSONAS)
def test_own_publications_page_is_for_experts(as_persona, pool, persona):
    response = as_persona(persona).get(reverse("review:publications"))

    assert response.status_code == {"reviewer": 200, "anonymous": 302}.get(persona, 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_office_imports_for_an_expert_of_a_pool(as_persona, pool, persona):
    expert = pool[1].person
    url = reverse("review:expert_publications", args=[expert.code])

    response = as_persona(persona).post(url, {"fmt": "bibtex", "file": _upload()})

    assert response.status_code == {"office": 302, "anonymous": 302}.get(persona, 404)
    assert expert.publications.filter(title="Tactile grasping").exists() == (persona == "office")


def test_the_office_cannot_import_for_somebody_outside_every_pool(as_persona, applicant):
    url = reverse("review:expert_publications", args=[applicant.person.code])

    assert as_persona("office").get(url).status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_import_report_is_seen_by_its_expert_and_the_office(as_persona, pool, reviewer, persona):
    record = services.start_import(reviewer.person, content=_upload().read().decode(), fmt="bibtex", actor=reviewer)

    response = as_persona(persona).get(reverse("review:publication_import", args=[record.pk]))

    assert response.status_code == {"office": 200, "reviewer": 200, "anonymous": 302}.get(persona, 404)
    assert PublicationImport.objects.count() == 1
