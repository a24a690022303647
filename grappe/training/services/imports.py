"""Bulk import of enrolments from a spreadsheet: map columns, check every row (preview), apply.

Rows are read one by one (``sheets.rows``) and handled in chunks of ``CHUNK``: a chunk's people and
existing enrolments are looked up with one query each, so a 20,000-row file costs a few dozen
queries and its memory does not grow with the file beyond one set of keys (to find duplicate rows).

Applying writes only what is new: an enrolment is one person (by email), one programme, one
academic year; the same file imported twice adds nothing the second time. It runs in one
transaction: all the new rows, or none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.services import log_action
from grappe.core.validation import validate_single_line
from grappe.people.models import Organisation, Person
from grappe.training import sheets
from grappe.training.models import (
    Enrolment,
    EnrolmentImport,
    Gender,
    ImportState,
    LearnerProfile,
    TrainingProgramme,
    academic_year,
)
from grappe.training.services.attendance import _settle

CHUNK = 1000
MAX_ERRORS_SHOWN = 200
FIELDS = {
    "email": ("email", "e-mail", "courriel", "mail"),
    "first_name": ("first name", "first_name", "prénom", "prenom", "firstname"),
    "last_name": ("last name", "last_name", "nom", "surname", "lastname", "family name"),
    "programme": ("programme", "program", "programme code", "formation", "code", "minor", "mineure"),
    "institution": ("institution", "établissement", "etablissement", "university", "université"),
    "enrolled_on": ("enrolled on", "date", "enrolment date", "date d'inscription", "inscription", "enrolled_on"),
    "hours": ("hours", "heures", "hours attended", "heures suivies", "heures eq td"),
    "gender": ("gender", "genre", "sexe"),
}
REQUIRED = ("email", "first_name", "last_name", "programme", "enrolled_on")
GENDERS = {
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
    "femme": Gender.FEMALE,
    "w": Gender.FEMALE,
    "woman": Gender.FEMALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "homme": Gender.MALE,
    "h": Gender.MALE,
    "man": Gender.MALE,
    "other": Gender.OTHER,
    "autre": Gender.OTHER,
    "x": Gender.OTHER,
    "": "",
    "prefer not to say": Gender.UNSAID,
    "ne se prononce pas": Gender.UNSAID,
    "nsp": Gender.UNSAID,
}


def field_labels() -> dict[str, str]:
    return {
        "email": _("Email"),
        "first_name": _("First name"),
        "last_name": _("Last name"),
        "programme": _("Programme (code or title)"),
        "institution": _("Institution"),
        "enrolled_on": _("Enrolled on"),
        "hours": _("Hours attended"),
        "gender": _("Gender"),
    }


def guess_mapping(headers: list[str]) -> dict[str, int]:
    lowered = [h.strip().lower() for h in headers]
    mapping = {}
    for field, names in FIELDS.items():
        for index, header in enumerate(lowered):
            if header in names:
                mapping[field] = index
                break
    return mapping


def read_headers(record: EnrolmentImport) -> list[str]:
    with record.file.open("rb") as stream:
        rows = sheets.rows(stream, record.file_name)
        header = next(rows, None)
        if not header or not any(sheets.text(c) for c in header):
            raise sheets.SheetError(_("The first row of the sheet must name the columns; it is empty."))
        return [sheets.text(c) for c in header]


@dataclass
class Row:
    number: int
    email: str
    first_name: str
    last_name: str
    programme: TrainingProgramme
    day: Any
    hours: Decimal
    gender: str


class Catalogue:
    """Programmes and institutions, loaded once, found by code, title and name."""

    def __init__(self, allowed_institutions: frozenset[int] | None) -> None:
        programmes = TrainingProgramme.objects.all()
        if allowed_institutions is not None:
            programmes = programmes.filter(institution_id__in=allowed_institutions)
        self.by_code = {p.code.upper(): p for p in programmes}
        self.by_title: dict[tuple[str, int | None], TrainingProgramme] = {}
        for p in self.by_code.values():
            self.by_title[(p.title.strip().lower(), p.institution_id)] = p
            self.by_title.setdefault((p.title.strip().lower(), None), p)
        self.orgs: dict[str, int] = {}
        for pk, name, short in Organisation.objects.values_list("pk", "name", "short_name"):
            self.orgs[name.strip().lower()] = pk
            if short:
                self.orgs.setdefault(short.strip().lower(), pk)


def _cell(row: list[Any], mapping: dict[str, int], field: str) -> Any:
    index = mapping.get(field)
    return row[index] if index is not None and index < len(row) else None


def _person_errors(values: dict[str, str]) -> list[str]:
    errors = []
    for field in ("email", "first_name", "last_name"):
        value = values[field]
        if not value:
            errors.append(_("%(field)s is empty.") % {"field": field_labels()[field]})
            continue
        try:
            validate_single_line(value)
        except ValidationError:
            errors.append(_("%(field)s holds control characters or line breaks.") % {"field": field_labels()[field]})
    email = values["email"].lower()
    if email and not _is_email(email):
        errors.append(_('"%(value)s" is not an email address.') % {"value": email[:60]})
    return errors


def _is_email(value: str) -> bool:
    try:
        validate_email(value)  # the same check as every email field of Grappe ("a@bar" has no domain)
    except ValidationError:
        return False
    return True


def _programme_of(values: dict[str, str], catalogue: Catalogue, errors: list[str]) -> TrainingProgramme | None:
    """The programme by code, or by title within the named institution; errors appended."""
    institution_id = None
    if values["institution"]:
        institution_id = catalogue.orgs.get(values["institution"].lower())
        if institution_id is None:
            errors.append(_('Unknown institution "%(value)s".') % {"value": values["institution"][:80]})
            return None
    programme = catalogue.by_code.get(values["programme"].upper()) or catalogue.by_title.get(
        (values["programme"].lower(), institution_id)
    )
    if programme is None:
        errors.append(_('Unknown programme "%(value)s".') % {"value": values["programme"][:80]})
    elif institution_id is not None and programme.institution_id != institution_id:
        errors.append(_('The programme "%(value)s" is not run by this institution.') % {"value": programme.title})
    return programme


def _hours_of(raw: str, errors: list[str]) -> Decimal:
    if not raw:
        return Decimal("0")
    try:
        hours = Decimal(raw.replace(",", "."))
        if not hours.is_finite() or not Decimal("0") <= hours <= Decimal("9999"):
            raise InvalidOperation
    except InvalidOperation:
        errors.append(_('"%(value)s" is not a number of hours.') % {"value": raw[:40]})
        return Decimal("0")
    return hours.quantize(Decimal("0.1"))


def _check(number: int, row: list[Any], mapping: dict[str, int], catalogue: Catalogue) -> Row | list[str]:
    values = {
        f: sheets.text(_cell(row, mapping, f))
        for f in ("email", "first_name", "last_name", "programme", "institution", "gender")
    }
    errors = _person_errors(values)
    programme = _programme_of(values, catalogue, errors)
    raw_day = _cell(row, mapping, "enrolled_on")
    day = sheets.parse_date(raw_day)
    if day is None:
        errors.append(
            _('"%(value)s" is not a date (write dd/mm/yyyy or yyyy-mm-dd).') % {"value": sheets.text(raw_day)[:40]}
        )
    hours = _hours_of(sheets.text(_cell(row, mapping, "hours")), errors)
    gender = GENDERS.get(values["gender"].lower())
    if gender is None:
        errors.append(
            _('"%(value)s" is not a gender this import knows (F, M, other, or empty).')
            % {"value": values["gender"][:40]}
        )
    if errors:
        return errors
    return Row(
        number,
        values["email"].lower(),
        values["first_name"][:100],
        values["last_name"][:100],
        programme,
        day,
        hours,
        gender or "",
    )


def _chunks(record: EnrolmentImport, stream: Any, catalogue: Catalogue, summary: dict[str, Any]) -> Iterator[list[Row]]:
    """Valid rows in chunks; errors and duplicates counted in ``summary``."""
    mapping = {k: int(v) for k, v in record.mapping.items()}
    seen: dict[tuple[str, int, int], int] = {}
    chunk: list[Row] = []
    rows = sheets.rows(stream, record.file_name)
    next(rows, None)
    for number, row in enumerate(rows, start=2):
        if not any(sheets.text(c) for c in row):
            continue
        summary["rows"] += 1
        checked = _check(number, row, mapping, catalogue)
        if isinstance(checked, Row):
            key = (checked.email, checked.programme.pk, academic_year(checked.day))
            if key in seen:
                checked = [_("Duplicate of row %(n)s (same person, programme and academic year).") % {"n": seen[key]}]
            else:
                seen[key] = number
        if isinstance(checked, list):
            summary["errors"] += 1
            if len(summary["error_rows"]) < MAX_ERRORS_SHOWN:
                summary["error_rows"].append([number, checked])
            continue
        chunk.append(checked)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _existing(chunk: list[Row]) -> tuple[dict[str, int], set[tuple[int, int, int]]]:
    emails = {r.email for r in chunk}
    people: dict[str, int] = {}
    for pk, email in (
        Person.objects.annotate(e=Lower("email")).filter(e__in=emails).order_by("-id").values_list("pk", "e")
    ):
        people[email] = pk  # the oldest person with this address wins (ordered newest first)
    enrolled = set(
        Enrolment.objects.filter(
            person_id__in=set(people.values()), programme_id__in={r.programme.pk for r in chunk}
        ).values_list("person_id", "programme_id", "academic_year")
    )
    return people, enrolled


def _empty_summary() -> dict[str, Any]:
    return {"rows": 0, "new": 0, "existing": 0, "errors": 0, "error_rows": [], "new_people": 0}


def _allowed(record: EnrolmentImport) -> frozenset[int] | None:
    from grappe.people.rules import roles_of
    from grappe.training.rules import institution_ids

    user = record.created_by
    return None if roles_of(user).is_office else institution_ids(user)


def check_import(record: EnrolmentImport) -> dict[str, Any]:
    """The preview: every row checked, what applying would add; nothing written but the summary."""
    summary = _empty_summary()
    catalogue = Catalogue(_allowed(record))
    with record.file.open("rb") as stream:
        for chunk in _chunks(record, stream, catalogue, summary):
            people, enrolled = _existing(chunk)
            for row in chunk:
                person_id = people.get(row.email)
                if person_id and (person_id, row.programme.pk, academic_year(row.day)) in enrolled:
                    summary["existing"] += 1
                else:
                    summary["new"] += 1
                    summary["new_people"] += person_id is None
    return summary


@transaction.atomic
def apply_import(record: EnrolmentImport) -> dict[str, Any]:
    """Write the new enrolments (and new people); the rows already there are left alone."""
    summary = _empty_summary()
    catalogue = Catalogue(_allowed(record))
    today = timezone.localdate()
    with record.file.open("rb") as stream:
        for chunk in _chunks(record, stream, catalogue, summary):
            people, enrolled = _existing(chunk)
            missing = {}
            for row in chunk:
                if row.email not in people and row.email not in missing:
                    missing[row.email] = Person(first_name=row.first_name, last_name=row.last_name, email=row.email)
            for person in Person.objects.bulk_create(list(missing.values())):
                people[person.email] = person.pk
            summary["new_people"] += len(missing)
            new = []
            profiles = []
            for row in chunk:
                person_id = people[row.email]
                year = academic_year(row.day)
                if (person_id, row.programme.pk, year) in enrolled:
                    summary["existing"] += 1
                    continue
                enrolment = Enrolment(
                    programme=row.programme,
                    person_id=person_id,
                    academic_year=year,
                    enrolled_on=row.day,
                    hours_imported=row.hours,
                    source="import",
                )
                _settle(enrolment, row.programme, today=today)
                new.append(enrolment)
                if row.gender:
                    profiles.append(LearnerProfile(person_id=person_id, gender=row.gender))
            Enrolment.objects.bulk_create(new, ignore_conflicts=True)
            LearnerProfile.objects.bulk_create(profiles, ignore_conflicts=True)
            summary["new"] += len(new)
    log_action(
        record,
        "training.enrolments_imported",
        actor=record.created_by,
        data={k: v for k, v in summary.items() if k != "error_rows"},
    )
    return summary


def run(record_id: int, step: str) -> None:
    """The check or the apply step of an import (the worker's task, or at once for a small file)."""
    record = EnrolmentImport.objects.select_related("created_by").get(pk=record_id)
    busy, done = (
        (ImportState.CHECKING, ImportState.PREVIEWED)
        if step == "check"
        else (ImportState.APPLYING, ImportState.APPLIED)
    )
    if not EnrolmentImport.objects.filter(pk=record_id, state=busy).update(heartbeat_at=timezone.now()):
        return
    try:
        summary = check_import(record) if step == "check" else apply_import(record)
    except sheets.SheetError as exc:
        EnrolmentImport.objects.filter(pk=record_id).update(
            state=ImportState.FAILED, error=str(exc), finished_at=timezone.now()
        )
        return
    except Exception as exc:
        EnrolmentImport.objects.filter(pk=record_id).update(
            state=ImportState.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    EnrolmentImport.objects.filter(pk=record_id).update(state=done, summary=summary, finished_at=timezone.now())


def start(record: EnrolmentImport, step: str, *, actor: Any) -> None:
    """Queue the check or the apply of ``record`` for the task worker."""
    from grappe.training import tasks

    busy = ImportState.CHECKING if step == "check" else ImportState.APPLYING
    allowed_from = [ImportState.UPLOADED, ImportState.PREVIEWED] if step == "check" else [ImportState.PREVIEWED]
    if not EnrolmentImport.objects.filter(pk=record.pk, state__in=allowed_from).update(state=busy, error=""):
        return
    log_action(record, "training.import_checked" if step == "check" else "training.import_started", actor=actor)
    transaction.on_commit(lambda: tasks.run_import.enqueue(record.pk, step))
