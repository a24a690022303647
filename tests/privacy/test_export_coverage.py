"""The personal data download covers every model holding data about a person (or says why not),
with the files they uploaded, in a bounded number of queries; the office's copy leaves out the
self-declaration; every download leaves an audit entry."""

import io
import json
import zipfile

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from grappe.core.models import AuditLog
from grappe.people.models import Person
from grappe.privacy import export, services
from grappe.privacy.models import ConsentKind
from grappe.projects.models import Deliverable, WorkPackage
from grappe.review.models import Conflict, PoolMember, Publication


def _unzip(response):
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return archive, json.loads(archive.read("data.json"))


def _relations_to_people():
    user_model = get_user_model()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            related = field.many_to_one or field.one_to_one or field.many_to_many
            if related and not field.auto_created and field.related_model in (Person, user_model):
                yield model._meta.label, field.name


def test_every_relation_to_a_person_or_user_is_exported_or_excluded_with_a_reason():
    declared = export.DETAILED | set(export.RECORDS) | set(export.ACTS) | set(export.EXCLUDED)
    missing = sorted(set(_relations_to_people()) - declared)
    assert not missing, f"declare these in grappe/privacy/export.py (exported, or excluded with a reason): {missing}"
    assert all(len(reason) > 20 for reason in export.EXCLUDED.values())
    # Nothing declared that does not exist (a renamed field would otherwise be silently skipped).
    assert not (set(export.RECORDS) | set(export.ACTS)) - set(_relations_to_people())


def test_an_applicant_gets_their_work_packages_deliverables_and_uploaded_files(world, as_persona, applicant, reviewer):
    project = world.project
    today = timezone.localdate()
    package = WorkPackage.objects.create(
        project=project, number=7, title="My package", lead=applicant.person, start_date=today, end_date=today
    )
    mine = Deliverable(project=project, work_package=package, label="D7.1", title="My report", due_date=today)
    mine.owner = applicant.person
    mine.file.save("report.pdf", ContentFile(b"%PDF-mine"), save=False)
    mine.save()
    other = Deliverable.objects.create(
        project=project, label="D7.2", title="Someone else's", due_date=today, owner=reviewer.person
    )

    archive, data = _unzip(as_persona("applicant").get("/accounts/profile/my-data/download/"))

    records = data["records"]
    assert [r["title"] for r in records["projects.WorkPackage (lead)"]] == ["My package"]
    [row] = records["projects.Deliverable (owner)"]
    assert row["title"] == "My report" and row["file"].startswith("files/deliverable/")
    assert archive.read(row["file"]) == b"%PDF-mine"
    assert other.title not in json.dumps(data)


def test_a_reviewer_gets_publications_conflicts_and_pool_entries_and_nobody_else_s(world, as_persona, reviewer):
    Publication.objects.create(person=reviewer.person, title="On graphs", source="orcid")
    Conflict.objects.create(
        call=world.review_call, reviewer=reviewer.person, proposal=world.submitted, origin="declared", reasons=["co"]
    )
    PoolMember.objects.create(call=world.review_call, person=reviewer.person)
    Publication.objects.create(person=world.partnered.lead, title="Not the reviewer's", source="orcid")

    _archive, data = _unzip(as_persona("reviewer").get("/accounts/profile/my-data/download/"))

    records = data["records"]
    assert [p["title"] for p in records["review.Publication (person)"]] == ["On graphs"]
    assert records["review.Conflict (reviewer)"][0]["proposal_id"] == world.submitted.pk
    [pool] = records["review.PoolMember (person)"]
    assert "token" not in pool  # the invitation secret stays out
    assert "Not the reviewer's" not in json.dumps(data)


def test_the_download_takes_a_bounded_number_of_queries(world, as_persona, applicant, django_assert_max_num_queries):
    client = as_persona("applicant")
    client.get("/accounts/profile/my-data/download/")  # warm the caches
    for number in range(5):
        Publication.objects.create(person=applicant.person, title=f"Paper {number}", source="orcid")
    with django_assert_max_num_queries(len(export.RECORDS) + len(export.ACTS) + 45):
        client.get("/accounts/profile/my-data/download/")


def test_the_office_copy_leaves_out_gender_and_career_stage_the_own_copy_keeps_them(as_persona, applicant):
    services.record_consent(applicant.person, ConsentKind.EQUALITY, given=True, actor=applicant)
    services.save_self_declaration(
        applicant.person, consent=True, career_stage="early", phd_year=2020, gender="female", actor=applicant
    )
    _a, own = _unzip(as_persona("applicant").get("/accounts/profile/my-data/download/"))
    _b, office = _unzip(as_persona("office").get(f"/office/people/{applicant.person.code}/data/download/"))
    assert own["self_declaration"]["gender"] == "female"
    assert office["self_declaration"] == "left out of the office's copy"
    assert "career_stage" not in json.dumps(office)


def test_each_download_is_in_the_audit_log_with_who_did_it(as_persona, applicant, office):
    as_persona("applicant").get("/accounts/profile/my-data/download/")
    as_persona("office").get(f"/office/people/{applicant.person.code}/data/download/")
    entries = AuditLog.objects.filter(object_id=str(applicant.person.pk), action__startswith="person.data_downloaded")
    assert sorted((e.action, e.actor_id) for e in entries) == sorted(
        [("person.data_downloaded", applicant.pk), ("person.data_downloaded_by_office", office.pk)]
    )


def test_a_denied_office_download_leaves_no_entry(as_persona, applicant, reviewer):
    assert as_persona("reviewer").get(f"/office/people/{applicant.person.code}/data/download/").status_code == 404
    assert not AuditLog.objects.filter(action__startswith="person.data_downloaded").exists()


def test_a_person_asks_for_erasure_the_office_is_told_once_a_day(as_persona, applicant, office):
    from grappe.notifications.models import Notification

    client = as_persona("applicant")
    assert "Ask the office to erase my data" in client.get("/accounts/profile/my-data/").content.decode()
    client.post("/accounts/profile/my-data/erasure/")
    client.post("/accounts/profile/my-data/erasure/")  # a second click the same day tells no one again
    assert AuditLog.objects.filter(action="person.erasure_requested", actor=applicant).count() == 1
    [note] = Notification.objects.filter(person=office.person)
    assert applicant.person.code in note.link and str(applicant.person) in note.subject
    page = client.get("/accounts/profile/my-data/").content.decode()
    assert "You asked for erasure on" in page or "Vous avez demandé" in page
    assert client.get("/accounts/profile/my-data/erasure/").status_code == 405


def test_asking_for_erasure_needs_to_be_signed_in(db, client):
    assert client.post("/accounts/profile/my-data/erasure/").status_code == 302
    assert not AuditLog.objects.filter(action="person.erasure_requested").exists()


def test_the_office_page_names_consents_by_their_label_and_speaks_of_the_person(world, as_persona, applicant):
    from django.conf import settings

    services.record_consent(applicant.person, ConsentKind.PUBLIC_PROFILE, given=True, actor=applicant)
    client = as_persona("office")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/office/people/{applicant.person.code}/data/").content.decode()
    assert "Public profile in the directory" in page and "public_profile" not in page
    assert "with this person&#x27;s name" in page and "your name" not in page
    mine = as_persona("applicant")
    mine.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "with your name" in mine.get("/accounts/profile/my-data/").content.decode()
