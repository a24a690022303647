"""Who reads what through the API: the UI's who-sees-what table, one row per resource and persona.

Each resource answers with the rules of the page that shows it (``people.rules``,
``calls.rules``, ``submissions.rules``, ``review.rules``, ``selection.rules``, ``projects.rules``):
404 for what the persona may not know exists, as the pages do."""

import pytest

from tests.conftest import PERSONAS

OK, NO, AUTH = 200, 404, 401
STAFF = {"office", "board"}


def expect(allowed: set[str], denied: int = NO) -> dict[str, int]:
    return {p: OK if p in allowed else denied for p in PERSONAS}


EVERYONE = set(PERSONAS)
SIGNED_IN = EVERYONE - {"anonymous"}

# Resource → (path, who gets 200; the others 404 unless said).
TABLE = {
    "organisations": ("/api/v1/organisations", expect(EVERYONE)),
    "external organisation": ("/api/v1/organisations/{w.external.code}", expect(STAFF)),
    "people": ("/api/v1/people", expect(STAFF)),
    "a person": (
        "/api/v1/people/{w.draft.lead.code}",
        expect(STAFF | {"applicant", "institution_contact"}),
    ),
    "me": ("/api/v1/me", expect(SIGNED_IN, AUTH)),
    "programmes": ("/api/v1/programmes", expect(STAFF)),
    "a programme": ("/api/v1/programmes/{w.open_call.programme.code}", expect(STAFF)),
    "calls": ("/api/v1/calls", expect(EVERYONE)),
    "a public call": ("/api/v1/calls/{w.open_call.code}", expect(EVERYONE)),
    "a draft call": ("/api/v1/calls/{w.draft_call.code}", expect(STAFF)),
    "proposals": ("/api/v1/proposals", expect(EVERYONE)),
    "a draft proposal": ("/api/v1/proposals/{w.draft.code}", expect({"office", "applicant"})),
    "a submitted proposal": (
        "/api/v1/proposals/{w.partnered.code}",
        expect(STAFF | {"partner_contact", "reviewer"}),
    ),
    "the applicant's submitted proposal": (
        "/api/v1/proposals/{w.submitted.code}",
        expect(STAFF | {"applicant", "institution_contact"}),
    ),
    "reviews": ("/api/v1/reviews", expect(SIGNED_IN, AUTH)),
    "a review": ("/api/v1/reviews/{w.assignment.pk}", expect({"reviewer"})),
    "a call's proposals": ("/api/v1/calls/{w.review_call.code}/proposals", expect(STAFF)),
    "a call's assignments": ("/api/v1/calls/{w.review_call.code}/assignments", expect(STAFF)),
    "a call's ranking": ("/api/v1/calls/{w.review_call.code}/ranking", expect(STAFF)),
    "a call's decisions": ("/api/v1/calls/{w.review_call.code}/decisions", expect(STAFF)),
    "projects": ("/api/v1/projects", expect(EVERYONE)),
    "a project": ("/api/v1/projects/{w.project.code}", expect(EVERYONE)),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_reads_what(world, api_client, persona):
    client = api_client(persona, scope="read")
    answers = {}
    for resource, (path, _expected) in TABLE.items():
        response = client.get(path.format(w=world))
        answers[resource] = response.status_code
        if response.status_code != OK:
            assert response["Content-Type"] == "application/problem+json", resource
            assert response.json()["status"] == response.status_code
    assert answers == {resource: expected[persona] for resource, (_path, expected) in TABLE.items()}


def _codes(response):
    return [item.get("code") or item.get("proposal") for item in response.json()["items"]]


@pytest.mark.parametrize("persona", PERSONAS)
def test_lists_hold_what_the_pages_list(world, api_client, persona):
    client = api_client(persona, scope="read")
    organisations = _codes(client.get("/api/v1/organisations?limit=50"))
    assert (world.external.code in organisations) == (persona in STAFF)
    calls = _codes(client.get("/api/v1/calls"))
    assert (world.draft_call.code in calls) == (persona in STAFF)
    proposals = set(_codes(client.get("/api/v1/proposals")))
    expected = {
        "office": {world.draft.code, world.submitted.code, world.partnered.code, world.project.proposal.code},
        "applicant": {world.draft.code, world.submitted.code, world.project.proposal.code},
        "institution_contact": {world.submitted.code, world.project.proposal.code},
        "partner_contact": {world.partnered.code, world.project.proposal.code},
    }.get(persona, set())
    assert proposals == expected
    reviews = client.get("/api/v1/reviews")
    if persona == "anonymous":
        assert reviews.status_code == AUTH
    else:
        assert [r["proposal"] for r in reviews.json()["items"]] == (
            [world.partnered.code] if persona == "reviewer" else []
        )
    project = client.get(f"/api/v1/projects/{world.project.code}").json()
    insiders = STAFF | {"applicant", "institution_contact", "partner_contact"}
    assert project["internal"] == (persona in insiders)
    projects = _codes(client.get("/api/v1/projects"))
    assert projects == ([world.project.code] if persona in insiders | {"anonymous"} else [])
    assert _codes(client.get("/api/v1/projects?public=true")) == [world.project.code]


def test_partner_contacts_read_the_summary_only(world, api_client):
    seen = api_client("partner_contact").get(f"/api/v1/proposals/{world.partnered.code}").json()
    assert seen["full"] is False
    assert seen["abstract"] is None and seen["requested_amount"] is None
    full = api_client("office").get(f"/api/v1/proposals/{world.partnered.code}").json()
    assert full["full"] is True and full["abstract"] == "An abstract."


def test_board_lists_no_drafts(world, api_client):
    office = _codes(api_client("office").get(f"/api/v1/calls/{world.open_call.code}/proposals"))
    board = _codes(api_client("board").get(f"/api/v1/calls/{world.open_call.code}/proposals"))
    assert office == [world.draft.code]
    assert board == []


def test_ranking_and_decisions(world, api_client):
    client = api_client("office")
    ranking = client.get(f"/api/v1/calls/{world.review_call.code}/ranking").json()
    assert {row["proposal"] for row in ranking["rows"]} >= {world.submitted.code, world.partnered.code}
    decisions = client.get(f"/api/v1/calls/{world.review_call.code}/decisions").json()
    assert [d["outcome"] for d in decisions["items"]] == ["rejected"]


@pytest.mark.parametrize("persona", ["office", "institution_contact", "board"])
def test_lists_cost_the_same_whatever_their_size(world, api_client, persona, django_assert_max_num_queries):
    from tests.factories import ProposalFactory

    client = api_client(persona)
    for _ in range(8):
        proposal = ProposalFactory(
            call=world.review_call, lead_organisation=world.submitted.lead_organisation, state="submitted"
        )
        proposal.submitted_at = world.submitted.submitted_at
        proposal.save()
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/proposals").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/api/v1/calls/{world.review_call.code}/proposals").status_code in (200, 404)
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/organisations").status_code == 200
