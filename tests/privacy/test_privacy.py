"""Personal data rights: download everything about me, consents with date and text version,
retention with a dry run, erasure refused with the legal reason, the processing register."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from grappe.calls.models import Question
from grappe.core.models import AuditLog
from grappe.notifications.models import Delivery
from grappe.notifications.services import notify, set_preference
from grappe.partners.models import MatchingConsent
from grappe.partners.texts import MATCHMAKING_CONSENT_VERSION
from grappe.people.models import Person
from grappe.privacy import services
from grappe.privacy.models import Consent
from grappe.review.models import Review
from grappe.submissions.models import Answer, Proposal
from tests.conftest import PERSONAS
from tests.factories import CallFactory, ProposalFactory, UserFactory


def _unzip(response):
    archive = zipfile.ZipFile(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    return archive, json.loads(archive.read("data.json"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_downloads_their_own_data(as_persona, persona, request):
    client = as_persona(persona)
    page = client.get("/accounts/profile/my-data/")
    download = client.get("/accounts/profile/my-data/download/")
    if persona == "anonymous":
        assert page.status_code == download.status_code == 302
        return
    assert page.status_code == 200
    assert download["Content-Type"] == "application/zip"
    _archive, data = _unzip(download)
    assert data["person"]["code"] == request.getfixturevalue(persona).person.code


def test_the_zip_holds_proposals_answers_and_uploaded_files(world, as_persona, applicant):
    question = Question.objects.create(call=world.open_call, kind="file", label_fr="Annexe", label_en="Annex")
    answer = Answer(proposal=world.draft, question=question, file_name="annex.pdf", file_size=4)
    answer.file.save("annex.pdf", ContentFile(b"%PDF"), save=True)
    archive, data = _unzip(as_persona("applicant").get("/accounts/profile/my-data/download/"))
    codes = {p["code"] for p in data["proposals"]}
    assert {world.draft.code, world.submitted.code} <= codes
    [name] = [n for n in archive.namelist() if n.startswith("files/")]
    assert archive.read(name) == b"%PDF"
    assert data["projects"][0]["project"] == world.project.code


def test_the_zip_holds_my_notifications_and_their_emails(as_persona, applicant, reviewer):
    notify(applicant.person, "deadline", subject="Due soon", body="Finish it", link="https://g/x")
    notify(reviewer.person, "deadline", subject="Not mine", body="")
    set_preference(applicant.person, "message", "daily", actor=applicant)

    _archive, data = _unzip(as_persona("applicant").get("/accounts/profile/my-data/download/"))

    [note] = data["notifications"]
    assert (note["subject"], note["body"], note["emails"][0]["state"]) == ("Due soon", "Finish it", "sent")
    assert data["notification_preferences"] == {"message": "daily"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_office_handles_requests_for_others(world, as_persona, persona, applicant):
    code = applicant.person.code
    client = as_persona(persona)
    expected = {"office": 200, "anonymous": 302}.get(persona, 404)
    assert client.get(f"/office/people/{code}/data/").status_code == expected
    download = client.get(f"/office/people/{code}/data/download/")
    assert download.status_code == ({"applicant": 200}.get(persona, expected))
    assert client.get("/office/privacy/register/").status_code == expected


def test_consents_are_recorded_with_date_and_text_version(as_persona, applicant):
    client = as_persona("applicant")
    client.post("/accounts/profile/my-data/", {"matchmaking": "on", "newsletter": "on"})
    client.post("/accounts/profile/my-data/", {"matchmaking": "on"})  # newsletter withdrawn
    client.post("/accounts/profile/my-data/", {"matchmaking": "on"})  # nothing changes
    rows = list(
        Consent.objects.filter(person=applicant.person).order_by("pk").values_list("kind", "given", "text_version")
    )
    # The matchmaking text and its version are partners' (decision 0011).
    assert rows == [
        ("matchmaking", True, MATCHMAKING_CONSENT_VERSION),
        ("newsletter", True, "2026-11"),
        ("newsletter", False, "2026-11"),
    ]
    assert MatchingConsent.objects.get(person=applicant.person).opted_in
    assert services.current_consents(applicant.person)["newsletter"].given is False


def test_retention_dry_run_lists_then_the_command_anonymises(world, office, capsys):
    old_call = CallFactory(
        opens_at=timezone.now() - dt.timedelta(days=9 * 365), closes_at=timezone.now() - dt.timedelta(days=8 * 365)
    )
    old = ProposalFactory(call=old_call, title="Old secret idea", abstract="Secret", state="submitted")
    call_command("apply_retention", "--dry-run")
    out = capsys.readouterr().out
    assert f"proposal {old.code} (call {old_call.code}" in out and "1 proposal would be anonymised." in out
    assert Proposal.objects.get(pk=old.pk).title == "Old secret idea"
    call_command("apply_retention")
    old.refresh_from_db()
    assert old.abstract == "" and "Secret" not in old.title and old.code in old.title
    assert AuditLog.objects.filter(action="proposal.anonymised", object_id=str(old.pk)).exists()
    call_command("apply_retention", "--dry-run")
    assert "No proposal is past its retention period: nothing would be anonymised." in capsys.readouterr().out
    # Funded proposals (the project's) and recent ones are untouched.
    assert Proposal.objects.get(pk=world.project.proposal_id).abstract


def test_erasure_is_refused_with_the_legal_reason_then_done_when_nothing_must_stay(world, as_persona, applicant):
    client = as_persona("office")
    refused = client.post(f"/office/people/{applicant.person.code}/data/erase/", follow=True)
    assert "audit period" in refused.content.decode()
    assert Person.objects.get(pk=applicant.person.pk).last_name == applicant.person.last_name
    someone = UserFactory()
    services.record_consent(someone.person, "newsletter", given=True, actor=someone)
    notify(someone.person, "message", subject="Hello", body="Private words")
    client.post(f"/office/people/{someone.person.code}/data/erase/")
    person = Person.objects.get(pk=someone.person.pk)
    assert person.first_name == "" and person.code in person.last_name and person.email == ""
    someone.refresh_from_db()
    assert not someone.is_active and not someone.has_usable_password()
    assert not person.consents.exists()
    assert not person.notifications.exists() and not Delivery.objects.exists()
    assert AuditLog.objects.filter(action="person.erased", object_id=str(person.pk)).exists()


def test_review_comments_go_with_the_proposal_scores_stay(world, reviewer):
    review = Review.objects.create(assignment=world.assignment, scores={"1": "4"}, applicant_comment="Named text")
    services.anonymise_proposal(world.partnered)
    review.refresh_from_db()
    assert review.applicant_comment == "" and review.scores == {"1": "4"}


def test_the_demo_seed_records_consents_and_an_office_token(db):
    import random

    from grappe.api.models import AccessToken
    from grappe.demo.people import seed_people
    from grappe.demo.platform import seed_platform

    people = seed_people(random.Random(1))
    token = seed_platform(people)
    assert token.startswith("grp_")
    assert seed_platform(people) is None  # once
    assert AccessToken.objects.filter(name="Demo script", scope="read").count() == 1
    assert Consent.objects.filter(kind="newsletter", given=False).count() == 1


def test_retention_drops_the_stored_run_inputs_of_an_anonymised_call(world, office):
    """Runs copy proposal texts into their stored inputs (docs/accountability.md): once the call's
    unfunded proposals are anonymised, those copies go too; the run keeps its hash and results."""
    from grappe.core.models import StoredInput
    from grappe.core.replay import replay, store_inputs
    from grappe.review.models import EngineRun

    old_call = CallFactory(
        opens_at=timezone.now() - dt.timedelta(days=9 * 365), closes_at=timezone.now() - dt.timedelta(days=8 * 365)
    )
    ProposalFactory(call=old_call, title="Old secret idea", abstract="Secret", state="submitted")
    stored = store_inputs({"documents": [["P1", "Old secret idea", "Secret", []]], "profiles": [], "backend": "tfidf"})
    run = EngineRun.objects.create(
        call=old_call, kind="affinity", state="done", inputs=stored, inputs_hash=stored.digest, parameters={}
    )

    call_command("apply_retention")

    run.refresh_from_db()
    assert run.inputs is None and run.inputs_hash == stored.digest
    assert not StoredInput.objects.filter(pk=stored.digest).exists()
    assert replay("affinity", run.pk).line.startswith("Cannot replay")


def test_a_retention_setting_that_is_not_a_number_is_named_without_a_traceback(monkeypatch, capsys):
    from grappe import cli, settings

    monkeypatch.setenv("GRAPPE_RETENTION_UNFUNDED_YEARS", "abc")
    with pytest.raises(ImproperlyConfigured, match="GRAPPE_RETENTION_UNFUNDED_YEARS must be a whole number"):
        settings.envint("GRAPPE_RETENTION_UNFUNDED_YEARS", 5)
    monkeypatch.setenv("GRAPPE_RETENTION_UNFUNDED_YEARS", " 7 ")
    assert settings.envint("GRAPPE_RETENTION_UNFUNDED_YEARS", 5) == 7

    def bad(_args):
        raise ImproperlyConfigured("GRAPPE_RETENTION_UNFUNDED_YEARS must be a whole number, not 'abc'.")

    monkeypatch.setattr("django.core.management.execute_from_command_line", bad)
    with pytest.raises(SystemExit) as stop:
        cli.main(["grappe", "apply-retention"])
    assert "configuration error: GRAPPE_RETENTION_UNFUNDED_YEARS" in str(stop.value.code)
