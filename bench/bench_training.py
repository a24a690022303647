"""Training: importing BENCH_TRAINING_ROWS (20,000) enrolment rows from Excel, and the yearly
counts over BENCH_TRAINING_ENROLMENTS (50,000) enrolments.

The import is measured as the office runs it: check (the preview) then apply, each a pass over
the file in openpyxl's read-only mode. Memory is the peak traced by ``tracemalloc`` during each
pass, at a quarter of the rows and at all of them: if it does not grow with the file, the import
streams. A second apply of the same file must add nothing.
Run: ``python -m bench.bench_training`` (SQLite in a temporary directory) or with ``DATABASE_URL``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import tempfile
import time
import tracemalloc
from decimal import Decimal

from bench.bench_submissions import _setup

ROWS = int(os.environ.get("BENCH_TRAINING_ROWS", "20000"))
ENROLMENTS = int(os.environ.get("BENCH_TRAINING_ENROLMENTS", "50000"))


def _workbook(path: str, rows: int, programmes: list, seed: int = 15) -> None:
    from openpyxl import Workbook

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Email", "Prénom", "Nom", "Programme", "Institution", "Date", "Heures", "Genre"])
    for i in range(rows):
        programme = programmes[i % len(programmes)]
        day = dt.date(2023 + (i % 3), 10, 1 + i % 28)
        date_cell = [day.strftime("%d/%m/%Y"), day.isoformat(), (day - dt.date(1899, 12, 30)).days][i % 3]
        sheet.append(
            [
                f"student{i:06d}@etu.example.org",
                "Camille",
                f"Nom{i}",
                programme.code,
                "BU",
                date_cell,
                rng.choice([0, 4, 12, 24]),
                rng.choice(["F", "M", ""]),
            ]
        )
    book.save(path)


def _measure(label: str, work) -> object:
    """Time without tracing (tracemalloc slows Python several times), then the peak of
    Python's allocations when BENCH_TRAINING_MEMORY=1 (a second run of the same work)."""
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    peak = ""
    if os.environ.get("BENCH_TRAINING_MEMORY") == "1" and "again" not in label and "apply" not in label:
        tracemalloc.start()
        work()
        peak = f"   peak {tracemalloc.get_traced_memory()[1] / 1e6:6.1f} MB"
        tracemalloc.stop()
    print(f"  {label:<38} {elapsed:7.2f} s{peak}")
    return result


def main() -> None:
    _setup()
    from grappe.people.models import Organisation, Person, User
    from grappe.training import queries
    from grappe.training.models import Enrolment, EnrolmentImport, ImportState, TrainingProgramme
    from grappe.training.services import imports

    org = Organisation.objects.create(name="Bench University", short_name="BU", kind="university")
    person = Person.objects.create(first_name="Bench", last_name="Office", email="office@bench.example")
    user = User.objects.create_user("office@bench.example", "x", person=person)
    from grappe.people.models import Role

    Role.objects.create(person=person, kind="office")
    programmes = [
        TrainingProgramme.objects.create(
            title=f"Minor {i}",
            kind="master",
            institution=org,
            hours=Decimal("24"),
            trained_min_hours=Decimal("18"),
            aware_min_hours=Decimal("2"),
        )
        for i in range(25)
    ]
    folder = tempfile.mkdtemp(prefix="grappe-bench-training-")
    print(f"Training import: {ROWS} rows of Excel (check, then apply; a second apply adds nothing)")
    for rows in (ROWS // 4, ROWS):
        path = os.path.join(folder, f"enrolments-{rows}.xlsx")
        _workbook(path, rows, programmes)
        record = EnrolmentImport(file_name=os.path.basename(path), created_by=user)
        with open(path, "rb") as stream:
            from django.core.files import File

            record.file.save(os.path.basename(path), File(stream), save=False)
        record.headers = imports.read_headers(record)
        record.mapping = imports.guess_mapping(record.headers)
        record.state = ImportState.PREVIEWED
        record.save()
        summary = _measure(f"check {rows} rows", lambda r=record: imports.check_import(r))
        assert summary["errors"] == 0, summary["error_rows"][:3]
        applied = _measure(f"apply {rows} rows", lambda r=record: imports.apply_import(r))
        again = _measure(f"apply {rows} rows again", lambda r=record: imports.apply_import(r))
        print(f"    new {applied['new']}, then new {again['new']} / already there {again['existing']}")
        Enrolment.objects.all().delete()
        Person.objects.filter(email__endswith="@etu.example.org").delete()

    _sign_in_sheets(programmes[0], folder)

    print(f"Yearly counts over {ENROLMENTS} enrolments")
    rng = random.Random(15)
    people = Person.objects.bulk_create(
        [Person(first_name="P", last_name=str(i), email=f"p{i}@example.org") for i in range(ENROLMENTS // 2)]
    )
    from grappe.training.models import LearnerProfile

    LearnerProfile.objects.bulk_create(
        [LearnerProfile(person=p, gender=rng.choice(["female", "male", ""])) for p in people]
    )
    rows = []
    seen = set()
    while len(rows) < ENROLMENTS:
        p, programme, year = rng.choice(people), rng.choice(programmes), rng.choice([2023, 2024, 2025])
        if (p.pk, programme.pk, year) in seen:
            continue
        seen.add((p.pk, programme.pk, year))
        rows.append(
            Enrolment(
                programme=programme,
                person=p,
                academic_year=year,
                enrolled_on=dt.date(year, 10, 1),
                outcome=rng.choice(["trained", "aware", "none"]),
            )
        )
    Enrolment.objects.bulk_create(rows, batch_size=2000)
    for dimension in (None, "kind", "institution", "gender"):
        started = time.perf_counter()
        table = queries.yearly_counts(dimension)
        print(f"  by {dimension or 'year':<12} {time.perf_counter() - started:6.2f} s   {len(table)} rows")


def _sign_in_sheets(programme, folder: str) -> None:
    """The sign-in sheet is read within the request: its preview for a session of 500 registrants,
    and for the largest sheet accepted (``MAX_SHEET_ROWS`` rows)."""
    import secrets

    from django.utils import timezone
    from openpyxl import Workbook

    from grappe.training.models import Course, Registration, TrainingSession
    from grappe.training.services.attendance import MAX_SHEET_ROWS, preview_sign_in_sheet

    course = Course.objects.create(programme=programme, title="Bench course")
    start = timezone.now() + dt.timedelta(days=3)
    session = TrainingSession.objects.create(
        course=course, starts_at=start, ends_at=start + dt.timedelta(hours=3), hours=3, capacity=500, place="A"
    )
    Registration.objects.bulk_create(
        [
            Registration(
                session=session,
                first_name="R",
                last_name=str(i),
                email=f"r{i}@example.org",
                state="confirmed",
                token=secrets.token_urlsafe(24),
            )
            for i in range(500)
        ]
    )
    print("Sign-in sheet preview (read in the request)")
    for rows in (500, MAX_SHEET_ROWS):
        path = os.path.join(folder, f"sheet-{rows}.xlsx")
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(["Email", "Présent"])
        for i in range(rows):
            sheet.append([f"r{i}@example.org", "x" if i % 3 else "absent"])
        book.save(path)
        with open(path, "rb") as stream:
            preview = _measure(f"preview {rows} rows", lambda s=stream, p=path: preview_sign_in_sheet(session, s, p))
        print(f"    {len(preview['changes'])} changes, {len(preview['unknown'])} not registered")


if __name__ == "__main__":
    main()
