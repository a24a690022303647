"""Writes through the API: a draft's details and a review, with ETag/If-Match, and bad input
answered with problem details, never a 500, nothing half-written."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from grappe.review.models import Review, ReviewSettings
from grappe.submissions.models import Proposal


def patch(client, path, body, **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.patch(path, data=data, content_type="application/json", **headers)


def test_a_draft_is_changed_with_its_etag_and_a_stale_one_changes_nothing(world, api_client):
    client = api_client("applicant")
    path = f"/api/v1/proposals/{world.draft.code}"
    read = client.get(path)
    etag = read["ETag"]
    assert etag == '"1"'
    changed = patch(client, path, {"title": "New title", "keywords": ["grapes", "wine"]}, HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.json()
    assert changed.json()["title"] == "New title" and changed["ETag"] == '"2"'
    assert changed.json()["keywords"] == ["grapes", "wine"]
    stale = patch(client, path, {"title": "Overwritten"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale["Content-Type"] == "application/problem+json"
    assert Proposal.objects.get(pk=world.draft.pk).title == "New title"
    missing = patch(client, path, {"title": "No precondition"})
    assert missing.status_code == 428


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("{not json", 400),
        ({"title": "x", "colour": "red"}, 422),  # unknown field
        ({"duration_months": "many"}, 422),  # wrong type
        ({"duration_months": 500}, 422),
        ({"requested_amount": "-5"}, 422),  # the page's own validation
        ({"requested_amount": "NaN"}, 422),
        ({"lead_organisation": "NOPE"}, 422),
        ({"title": "\x00"}, 422),
        ([1, 2], 422),
    ],
)
def test_bad_input_is_a_problem_and_changes_nothing(world, api_client, body, status):
    response = patch(api_client("applicant"), f"/api/v1/proposals/{world.draft.code}", body, HTTP_IF_MATCH='"1"')
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert Proposal.objects.get(pk=world.draft.pk).version == 1


def test_huge_bodies_are_refused_before_parsing(world, api_client, settings):
    settings.GRAPPE_API_MAX_BODY_KB = 1
    response = patch(
        api_client("applicant"), f"/api/v1/proposals/{world.draft.code}", {"abstract": "x" * 5000}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 413


def test_who_may_not_write_a_proposal(world, api_client):
    body = {"title": "Taken over"}
    # Another person's draft: it does not exist for them.
    assert (
        patch(api_client("reviewer"), f"/api/v1/proposals/{world.draft.code}", body, HTTP_IF_MATCH='"1"').status_code
        == 404
    )
    # The office reads every proposal but the team writes it.
    assert (
        patch(api_client("office"), f"/api/v1/proposals/{world.draft.code}", body, HTTP_IF_MATCH='"1"').status_code
        == 403
    )
    # A read-only token of the team.
    read_only = api_client("applicant", scope="read")
    assert patch(read_only, f"/api/v1/proposals/{world.draft.code}", body, HTTP_IF_MATCH='"1"').status_code == 403
    # A submitted proposal is no longer a draft.
    submitted = patch(api_client("applicant"), f"/api/v1/proposals/{world.submitted.code}", body, HTTP_IF_MATCH='"1"')
    assert submitted.status_code == 409
    assert patch(api_client("anonymous"), f"/api/v1/proposals/{world.draft.code}", body).status_code == 401
    assert Proposal.objects.get(pk=world.draft.pk).title == "My draft"


def test_a_review_is_saved_then_submitted_before_the_deadline(world, api_client):
    client = api_client("reviewer")
    path = f"/api/v1/reviews/{world.assignment.pk}"
    read = client.get(path)
    assert read.status_code == 200 and read["ETag"] == '"1"'
    criteria = [str(c.pk) for c in world.review_call.scheme.criteria.all()]
    draft = client.put(
        path, {"scores": {criteria[0]: "4.5"}}, content_type="application/json", HTTP_IF_MATCH=read["ETag"]
    )
    assert draft.status_code == 200, draft.json()
    assert draft.json()["state"] == "draft" and draft["ETag"] == '"2"'
    incomplete = client.put(path, {"submit": True}, content_type="application/json", HTTP_IF_MATCH='"2"')
    assert incomplete.status_code == 422
    stale = client.put(path, {"scores": {}}, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    body = {
        "scores": dict.fromkeys(criteria, "3"),
        "applicant_comment": "Solid.",
        "recommendation": "fund",
        "submit": True,
    }
    submitted = client.put(path, body, content_type="application/json", HTTP_IF_MATCH='"2"')
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    bad_score = client.put(
        path, {**body, "scores": {criteria[0]: "7"}}, content_type="application/json", HTTP_IF_MATCH='"3"'
    )
    assert bad_score.status_code == 422
    assert Review.objects.get(assignment=world.assignment).version == 3


def test_no_review_after_the_deadline_nor_by_others(world, api_client):
    path = f"/api/v1/reviews/{world.assignment.pk}"
    ReviewSettings.objects.update_or_create(
        call=world.review_call, defaults={"review_deadline": timezone.now() - dt.timedelta(hours=1)}
    )
    late = api_client("reviewer").put(path, {}, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert late.status_code == 409
    assert api_client("office").put(path, {}, content_type="application/json", HTTP_IF_MATCH='"1"').status_code == 404
    assert (
        api_client("applicant").put(path, {}, content_type="application/json", HTTP_IF_MATCH='"1"').status_code == 404
    )
    assert not Review.objects.filter(assignment=world.assignment).exists()


def test_a_cursor_the_api_did_not_give_is_a_problem(world, api_client):
    client = api_client("office")
    for cursor in ("nope", "aWQ6eA", "%00", "a" * 41):
        response = client.get("/api/v1/proposals", {"cursor": cursor})
        assert response.status_code in (400, 422), cursor
        assert response["Content-Type"] == "application/problem+json"
    first = client.get("/api/v1/proposals", {"limit": 1}).json()
    second = client.get("/api/v1/proposals", {"limit": 1, "cursor": first["next"]}).json()
    assert first["items"][0]["code"] != second["items"][0]["code"]


def test_if_match_compares_strongly_a_weak_etag_does_not_match(world, api_client):
    path = f"/api/v1/proposals/{world.draft.code}"
    weak = patch(api_client("applicant"), path, {"title": "Weak"}, HTTP_IF_MATCH='W/"1"')
    assert weak.status_code == 412 and weak["Content-Type"] == "application/problem+json"
    assert Proposal.objects.get(pk=world.draft.pk).title == "My draft"
    strong = patch(api_client("applicant"), path, {"title": "Strong"}, HTTP_IF_MATCH='"1"')
    assert strong.status_code == 200


def test_a_review_s_errors_are_listed_per_field_and_an_unknown_criterion_is_refused(world, api_client):
    client = api_client("reviewer")
    path = f"/api/v1/reviews/{world.assignment.pk}"
    criteria = [str(c.pk) for c in world.review_call.scheme.criteria.all()]
    unknown = client.put(path, {"scores": {"999999": "3"}}, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "scores", "999999"]
    assert not Review.objects.filter(assignment=world.assignment).exists()
    body = {"scores": {criteria[0]: "7"}, "recommendation": "maybe", "submit": True}
    bad = client.put(path, body, content_type="application/json", HTTP_IF_MATCH='"1"').json()
    locs = [e["loc"] for e in bad["errors"]]
    assert ["body", "scores", criteria[0]] in locs and ["body", "recommendation"] in locs
    assert ["body", "applicant_comment"] in locs and ["body", "scores", criteria[-1]] in locs


def test_problems_speak_french_when_asked_and_name_where_the_error_is(world, api_client):
    client = api_client("applicant")
    path = f"/api/v1/proposals/{world.draft.code}"
    wrong = patch(client, path, {"duration_months": "many"}, HTTP_IF_MATCH='"1"', HTTP_ACCEPT_LANGUAGE="fr")
    problem = wrong.json()
    assert problem["title"] == "Contenu impossible à traiter"
    [error] = problem["errors"]
    assert error["loc"] == ["body", "duration_months"] and error["msg"] == "Saisissez un nombre entier."
    english = patch(client, path, {"duration_months": "many"}, HTTP_IF_MATCH='"1"', HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["title"] == "Unprocessable content"
    query = client.get("/api/v1/calls?state=nope", HTTP_ACCEPT_LANGUAGE="en")
    assert query.status_code == 422 and query.json()["errors"][0]["loc"] == ["query", "state"]


def test_an_amount_above_the_call_s_maximum_is_saved_with_a_warning(world, api_client):
    path = f"/api/v1/proposals/{world.draft.code}"
    over = patch(api_client("applicant"), path, {"requested_amount": "99999999"}, HTTP_IF_MATCH='"1"')
    assert over.status_code == 200 and over.json()["requested_amount"] == "99999999.00"
    [warning] = over.json()["warnings"]
    assert "99" in warning
    within = patch(api_client("applicant"), path, {"requested_amount": "50000"}, HTTP_IF_MATCH='"2"')
    assert within.json()["warnings"] == []
