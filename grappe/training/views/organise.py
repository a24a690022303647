"""The organiser's page of a session: registrants, attendance, sign-in sheet, messages, export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grappe.core.exports import csv_lines
from grappe.training import services
from grappe.training.forms import MessageForm, SheetForm
from grappe.training.models import Enrolment, Outcome, Registration, RegistrationState, academic_year
from grappe.training.services.catalogue import TrainingError
from grappe.training.sheets import SheetError
from grappe.training.views.public import get_session


@login_required
def organise(request: HttpRequest, code: str) -> HttpResponse:
    session = get_session(request, code, "training.organise_session")
    message_form = MessageForm()
    sheet_form = SheetForm()
    preview = None
    action = request.POST.get("action") if request.method == "POST" else None
    done = _simple_action(request, session, action)
    if done is not None:
        return done
    if action == "message":
        message_form = MessageForm(request.POST)
        if message_form.is_valid():
            sent = services.message_registrants(
                session,
                subject=message_form.cleaned_data["subject"],
                body=message_form.cleaned_data["body"],
                actor=request.user,
            )
            messages.success(
                request,
                ngettext("Message sent to %(n)s registrant.", "Message sent to %(n)s registrants.", sent) % {"n": sent},
            )
            return redirect("training:organise", session.code)
    if action == "sheet":
        sheet_form = SheetForm(request.POST, request.FILES)
        if getattr(request, "upload_refused", None):
            sheet_form.add_error(None, request.upload_refused)
        elif sheet_form.is_valid():
            upload = sheet_form.cleaned_data["sheet"]
            try:
                preview = services.preview_sign_in_sheet(session, upload, upload.name)
            except (SheetError, TrainingError) as exc:
                sheet_form.add_error("sheet", str(exc))
    registrations = list(
        Registration.objects.filter(session=session)
        .exclude(state=RegistrationState.CANCELLED)
        .order_by("state", "queued_at", "last_name", "id")
    )
    position = 0
    for registration in registrations:  # ordered by state then queue: waiting ones in their order
        if registration.state == RegistrationState.WAITING:
            position += 1
            registration.position = position

    year = academic_year(timezone.localdate(session.starts_at))
    certificates = dict(
        Enrolment.objects.filter(
            programme=session.course.programme,
            academic_year=year,
            person_id__in=[r.person_id for r in registrations if r.person_id],
        )
        .exclude(certificate_code=None)
        .exclude(outcome=Outcome.NONE)  # a certificate withdrawn after a correction is not offered
        .values_list("person_id", "certificate_code")
    )
    return render(
        request,
        "training/organise.html",
        {
            "session": session,
            "programme": session.course.programme,
            "registrations": [(r, certificates.get(r.person_id)) for r in registrations],
            "message_form": message_form,
            "sheet_form": sheet_form,
            "preview": preview,
            "free": max(session.capacity - session.taken, 0),
            "can_change": request.user.has_perm("training.change_programme", session),
        },
    )


def _simple_action(request: HttpRequest, session: Any, action: str | None) -> HttpResponse | None:
    """Attendance, opening or closing registration, applying a previewed sheet: done, then back."""
    if action == "attendance":
        present = {}
        for registration in Registration.objects.filter(session=session, state=RegistrationState.CONFIRMED):
            value = request.POST.get(f"r{registration.pk}", "")
            present[registration.pk] = {"yes": True, "no": False}.get(value)
        try:
            changed = services.mark_attendance(session, present, actor=request.user)
        except TrainingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                ngettext("Attendance saved (%(n)s change).", "Attendance saved (%(n)s changes).", changed)
                % {"n": changed},
            )
    elif action in ("close", "open") and session.cancelled_at is None:
        services.set_registration_open(session, action == "open", actor=request.user)
        messages.success(request, _("Registration opened.") if action == "open" else _("Registration closed."))
    elif action == "apply_sheet":
        try:
            changed = services.apply_sign_in_sheet(session, request.POST.get("token", ""), actor=request.user)
        except TrainingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Sign-in sheet applied: %(n)s attendances changed.") % {"n": changed})
    else:
        return None
    return redirect("training:organise", session.code)


@login_required
def export(request: HttpRequest, code: str) -> StreamingHttpResponse:
    session = get_session(request, code, "training.organise_session")
    rows = (
        Registration.objects.filter(session=session).exclude(state=RegistrationState.CANCELLED).order_by("state", "id")
    )
    header = [_("Last name"), _("First name"), _("Email"), _("Organisation"), _("State"), _("Attended")]
    lines = csv_lines(
        [
            header,
            *(
                [
                    r.last_name,
                    r.first_name,
                    r.email,
                    r.organisation_name,
                    r.get_state_display(),
                    "" if r.attended is None else (_("yes") if r.attended else _("no")),
                ]
                for r in rows.iterator()
            ),
        ]
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="registrants-{session.code}.csv"'
    return response
