"""Attendance, completion and certificates.

An enrolment's hours are those declared by an import plus those of the sessions of the programme
the person attended in the same academic year; its outcome follows the programme's rule
(``TrainingProgramme.outcome_for``). A person whose outcome first reaches made aware or trained
gets a certificate code (verifiable at a public URL); the PDF is drawn when asked for.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import IO, Any

from django.core import signing
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from grappe.core.codes import new_code
from grappe.core.services import log_action
from grappe.training import sheets
from grappe.training.models import Enrolment, Outcome, Registration, RegistrationState, TrainingSession, academic_year
from grappe.training.services.catalogue import TrainingError

PRESENT = {"1", "x", "yes", "oui", "present", "présent", "présente", "true", "vrai", "o", "y", "p"}
ABSENT = {"0", "no", "non", "absent", "absente", "false", "faux", "n", "a", ""}
SHEET_SALT = "training.signin"
# A sign-in sheet lists one session's registrants: it is read within the request (a few hundred
# rows take milliseconds); a file with more rows than this is not a sign-in sheet and is refused.
MAX_SHEET_ROWS = 5000


def recompute_enrolment(
    programme_id: int, person_id: int, year: int, *, today: dt.date | None = None
) -> Enrolment | None:
    """Bring one person's enrolment in line with the sessions they attended (created if needed)."""
    from grappe.training.models import TrainingProgramme

    hours = Registration.objects.filter(
        person_id=person_id,
        attended=True,
        session__course__programme_id=programme_id,
        state=RegistrationState.CONFIRMED,
    ).select_related("session")
    total = sum(
        (r.session.hours for r in hours if academic_year(timezone.localdate(r.session.starts_at)) == year), Decimal("0")
    )
    enrolment = Enrolment.objects.filter(programme_id=programme_id, person_id=person_id, academic_year=year).first()
    if enrolment is None:
        if not total:
            return None
        enrolment = Enrolment(
            programme_id=programme_id,
            person_id=person_id,
            academic_year=year,
            enrolled_on=today or timezone.localdate(),
        )
    programme = TrainingProgramme.objects.get(pk=programme_id)
    enrolment.hours_sessions = total
    _settle(enrolment, programme, today=today)
    enrolment.save()
    return enrolment


def _settle(enrolment: Enrolment, programme: Any, *, today: dt.date | None = None) -> None:
    """Outcome from the rule; a certificate code the first time an outcome is reached."""
    enrolment.outcome = programme.outcome_for(enrolment.hours)
    if enrolment.outcome != Outcome.NONE:
        enrolment.completed_on = enrolment.completed_on or today or timezone.localdate()
        enrolment.certificate_code = enrolment.certificate_code or new_code(12)
    else:
        enrolment.completed_on = None


def check_session_held(session: TrainingSession, *, today: dt.date | None = None) -> None:
    """Attendance (and so certificates and the funder's counts) only from the session's day on:
    nobody can have attended a session that has not taken place."""
    day = timezone.localdate(session.starts_at)
    if day > (today or timezone.localdate()):
        raise TrainingError(
            _("Attendance can be recorded from the day of the session (%(day)s) on.")
            % {"day": formats.date_format(day, "DATE_FORMAT")}
        )


@transaction.atomic
def mark_attendance(session: TrainingSession, present: dict[int, bool | None], *, actor: Any) -> int:
    """Set attended (True/False/None) for registrations of ``session`` given by id; recompute
    the enrolments they touch. Returns how many registrations changed."""
    check_session_held(session)
    registrations = Registration.objects.select_for_update().filter(
        session=session, pk__in=list(present), state=RegistrationState.CONFIRMED
    )
    changed = []
    for registration in registrations:
        value = present[registration.pk]
        if registration.attended != value:
            registration.attended = value
            changed.append(registration)
    Registration.objects.bulk_update(changed, ["attended"])
    year = academic_year(timezone.localdate(session.starts_at))
    programme_id = session.course.programme_id
    for registration in changed:
        if registration.person_id:
            recompute_enrolment(programme_id, registration.person_id, year)
    if changed:
        log_action(session, "training.attendance_marked", actor=actor, data={"changed": len(changed)})
    return len(changed)


def preview_sign_in_sheet(session: TrainingSession, upload: IO[bytes], name: str) -> dict[str, Any]:
    """Read a sign-in sheet (columns: email, and optionally present/attended): what would change.

    Returns ``{"changes": [(id, name, email, before, after)], "unknown": [...], "token": signed}``;
    nothing is written. A row without a presence column counts as present.
    """
    check_session_held(session)
    rows = sheets.rows(upload, name)
    header = [sheets.text(cell).lower() for cell in next(rows, [])]
    email_col = next((i for i, h in enumerate(header) if h in {"email", "e-mail", "courriel", "mail"}), None)
    if email_col is None:
        raise TrainingError(_("The sheet has no email column (a column headed email, e-mail or courriel)."))
    present_col = next(
        (
            i
            for i, h in enumerate(header)
            if h in {"present", "présent", "attended", "presence", "présence", "signature"}
        ),
        None,
    )
    by_email = {r.email: r for r in Registration.objects.filter(session=session, state=RegistrationState.CONFIRMED)}
    wanted: dict[int, bool] = {}
    unknown: list[str] = []
    problems: list[str] = []
    for number, row in enumerate(rows, start=2):
        if number > MAX_SHEET_ROWS + 1:
            raise TrainingError(
                _(
                    "This sheet has more than %(n)s rows: a sign-in sheet lists the registrants of one session. "
                    "Check that it is the right file."
                )
                % {"n": MAX_SHEET_ROWS}
            )
        email = sheets.text(row[email_col] if email_col < len(row) else "").lower()
        if not email:
            continue
        raw = sheets.text(row[present_col] if present_col is not None and present_col < len(row) else "x").lower()
        if raw in PRESENT or (present_col is not None and header[present_col] == "signature" and raw):
            value = True
        elif raw in ABSENT:
            value = False
        else:
            problems.append(
                _('Row %(n)s: "%(value)s" is neither present nor absent.') % {"n": number, "value": raw[:40]}
            )
            continue
        registration = by_email.get(email)
        if registration is None:
            unknown.append(email)
            continue
        wanted[registration.pk] = value
    changes = [
        (r.pk, f"{r.first_name} {r.last_name}", r.email, r.attended, wanted[r.pk])
        for r in by_email.values()
        if r.pk in wanted and r.attended != wanted[r.pk]
    ]
    token = signing.dumps({"s": session.pk, "w": {str(k): v for k, v in wanted.items()}}, salt=SHEET_SALT)
    return {
        "changes": sorted(changes, key=lambda change: change[1].casefold()),
        "unchanged": len(wanted) - len(changes),
        "unknown": unknown,
        "problems": problems,
        "token": token,
    }


def apply_sign_in_sheet(session: TrainingSession, token: str, *, actor: Any) -> int:
    try:
        data = signing.loads(token, salt=SHEET_SALT, max_age=3600)
    except signing.BadSignature as exc:
        raise TrainingError(_("This preview has expired or was altered: upload the sheet again.")) from exc
    if data.get("s") != session.pk:
        raise TrainingError(_("This preview belongs to another session: upload the sheet again."))
    return mark_attendance(session, {int(k): bool(v) for k, v in data["w"].items()}, actor=actor)


def certificate_for(enrolment: Enrolment, *, language: str) -> bytes:
    """The certificate as a PDF (WeasyPrint), in ``language``."""
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation
    from weasyprint import HTML

    if not enrolment.certificate_valid:
        raise TrainingError(_("No certificate: this enrolment is not completed."))
    with translation.override(language):
        html = render_to_string(
            "training/certificate_pdf.html",
            {
                "enrolment": enrolment,
                "programme": enrolment.programme,
                "verify_url": settings.SITE_URL + reverse("training:verify", args=[enrolment.certificate_code]),
                "language": language,
            },
        )
    return bytes(HTML(string=html).write_pdf())
