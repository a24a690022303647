"""The offer (office and institution contacts), enrolment imports, the funder's counts, funded trainees."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grappe.core.access import get_for_user_or_404, posted_code, require_perm_or_404
from grappe.core.paginate import paginate
from grappe.core.services import ConcurrentEditError
from grappe.people.rules import roles_of
from grappe.training import queries, services
from grappe.training.forms import (
    CancelSessionForm,
    CourseForm,
    ImportUploadForm,
    MappingForm,
    ProgrammeForm,
    SessionForm,
    TraineeForm,
)
from grappe.training.models import (
    Course,
    EnrolmentImport,
    ImportState,
    TrainingProgramme,
    TrainingSession,
    year_label,
)
from grappe.training.rules import institution_ids
from grappe.training.services import imports
from grappe.training.services.catalogue import TrainingError
from grappe.training.sheets import SheetError


def _institutions(user):
    return None if roles_of(user).is_office else institution_ids(user)


@login_required
def offer(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "training.manage_offer")
    form = ProgrammeForm(request.POST or None, institutions=_institutions(request.user))
    if request.method == "POST" and form.is_valid():
        programme = services.save_programme(None, form.changes(), actor=request.user)
        messages.success(request, _("Programme created."))
        return redirect("training:edit_programme", programme.code)
    programmes = queries.manageable_programmes(request.user).order_by("title", "id")
    sessions = queries.organised_sessions(request.user).order_by("-starts_at")[:20]
    return render(
        request,
        "training/offer.html",
        {
            "page": paginate(request, programmes),
            "form": form,
            "sessions": sessions,
        },
    )


@login_required
def edit_programme(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_for_user_or_404(
        request.user, TrainingProgramme.objects.select_related("institution"), "training.change_programme", code=code
    )
    action = request.POST.get("action") if request.method == "POST" else None
    form = ProgrammeForm(
        request.POST if action == "programme" else None, instance=programme, institutions=_institutions(request.user)
    )
    course_form = CourseForm(request.POST if action == "course" else None, prefix="course")
    session_form = SessionForm(request.POST if action == "session" else None, prefix="session")
    courses = list(programme.courses.annotate(session_count=Count("sessions")))
    if action == "programme" and form.is_valid():
        try:
            services.save_programme(
                programme, form.changes(), expected_version=form.cleaned_data["version"] or 0, actor=request.user
            )
        except ConcurrentEditError:
            form.add_error(None, ConcurrentEditError.message)
        else:
            messages.success(request, _("Programme saved."))
            return redirect("training:edit_programme", programme.code)
    if action == "course" and course_form.is_valid():
        services.save_course(None, course_form.cleaned_data, programme=programme, actor=request.user)
        messages.success(request, _("Course added."))
        return redirect("training:edit_programme", programme.code)
    if action == "session":
        course = next((c for c in courses if str(c.pk) == request.POST.get("course") and not c.archived_at), None)
        if course is None:
            session_form.add_error(None, _("Choose the course of the session."))
        elif session_form.is_valid():
            changes = session_form.changes()
            try:
                services.save_session(
                    None,
                    changes,
                    course=course,
                    trainers=session_form.cleaned_data["trainer_emails"],
                    actor=request.user,
                )
            except TrainingError as exc:
                session_form.add_error(None, str(exc))
            else:
                messages.success(request, _("Session added."))
                return redirect("training:edit_programme", programme.code)
    sessions = queries.sessions_with_places().filter(course__programme=programme).select_related("course")
    return render(
        request,
        "training/edit_programme.html",
        {
            "programme": programme,
            "form": form,
            "course_form": course_form,
            "session_form": session_form,
            "courses": courses,
            "live_courses": [c for c in courses if not c.archived_at],
            "sessions": sessions.order_by("starts_at"),
        },
    )


@login_required
def edit_session(request: HttpRequest, code: str) -> HttpResponse:
    session = get_for_user_or_404(
        request.user,
        TrainingSession.objects.select_related("course__programme"),
        "training.change_programme",
        code=code,
    )
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_session(
                session,
                form.changes(),
                course=session.course,
                trainers=form.cleaned_data["trainer_emails"],
                expected_version=form.cleaned_data["version"] or 0,
                actor=request.user,
            )
        except ConcurrentEditError:
            form.add_error(None, ConcurrentEditError.message)
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Session saved."))
            return redirect("training:edit_programme", session.course.programme.code)
    return render(
        request,
        "training/edit_session.html",
        {"session": session, "form": form, "deletable": services.session_deletable(session)},
    )


def _session_to_change(request: HttpRequest, code: str) -> TrainingSession:
    return get_for_user_or_404(
        request.user,
        queries.sessions_with_places().select_related("course__programme"),
        "training.change_programme",
        code=code,
    )


@login_required
def delete_session(request: HttpRequest, code: str) -> HttpResponse:
    """Delete a session nobody registered for, after a confirmation page (else: cancel it)."""
    session = _session_to_change(request, code)
    deletable = services.session_deletable(session)
    if request.method == "POST" and deletable:
        try:
            services.delete_session(session, actor=request.user)
        except TrainingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Session deleted."))
        return redirect("training:edit_programme", session.course.programme.code)
    return render(request, "training/session_delete.html", {"session": session, "deletable": deletable})


@login_required
def cancel_session(request: HttpRequest, code: str) -> HttpResponse:
    """Cancel a session after a confirmation page: registrants are told, their calendars updated."""
    session = _session_to_change(request, code)
    form = CancelSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and session.cancelled_at is None:
        try:
            told = services.cancel_session(session, note=form.cleaned_data["note"], actor=request.user)
        except TrainingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                ngettext(
                    "Session cancelled; %(n)s registrant was told by email.",
                    "Session cancelled; %(n)s registrants were told by email.",
                    told,
                )
                % {"n": told},
            )
        return redirect("training:edit_programme", session.course.programme.code)
    return render(request, "training/session_cancel.html", {"session": session, "form": form})


@login_required
def remove_course(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Delete a course without registrations (with its sessions), or archive one with a history."""
    programme = get_for_user_or_404(
        request.user, TrainingProgramme.objects.all(), "training.change_programme", code=code
    )
    course = get_object_or_404(Course.objects.annotate(session_count=Count("sessions")), pk=pk, programme=programme)
    registrations = services.course_registrations(course)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "delete" and not registrations:
                n = services.delete_course(course, actor=request.user)
                messages.success(
                    request,
                    ngettext("Course deleted, with its %(n)s session.", "Course deleted, with its %(n)s sessions.", n)
                    % {"n": n},
                )
                return redirect("training:edit_programme", programme.code)
            if action == "archive" and registrations:
                services.archive_course(course, actor=request.user)
                messages.success(request, _("Course archived: it keeps its history and takes no new session."))
                return redirect("training:edit_programme", programme.code)
        except TrainingError as exc:
            messages.error(request, str(exc))
    return render(
        request,
        "training/course_remove.html",
        {"programme": programme, "course": course, "registrations": registrations},
    )


SMALL_FILE = 256 * 1024  # checked at once; a larger file goes to the task worker


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "training.import_enrolments")
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if getattr(request, "upload_refused", None):
        form.add_error(None, request.upload_refused)
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["sheet"]
        record = EnrolmentImport(file_name=upload.name[-200:], created_by=request.user)
        try:
            record.file.save(upload.name[-80:], upload, save=False)
            record.headers = imports.read_headers(record)
        except SheetError as exc:
            record.file.delete(save=False)
            form.add_error("sheet", str(exc))
        else:
            record.mapping = imports.guess_mapping(record.headers)
            record.save()
            return redirect("training:import", record.code)
    records = EnrolmentImport.objects.filter(created_by=request.user).order_by("-created_at")[:20]
    if roles_of(request.user).is_office:
        records = EnrolmentImport.objects.select_related("created_by").order_by("-created_at")[:20]
    return render(request, "training/imports.html", {"form": form, "records": records})


def _get_import(request: HttpRequest, code: str) -> EnrolmentImport:
    require_perm_or_404(request.user, "training.import_enrolments")
    code = posted_code(code)
    record = EnrolmentImport.objects.filter(code=code).first() if code else None
    if record is None or not (roles_of(request.user).is_office or record.created_by_id == request.user.pk):
        raise Http404
    return record


@login_required
def import_page(request: HttpRequest, code: str) -> HttpResponse:
    record = _get_import(request, code)
    form = MappingForm(
        request.POST if request.POST.get("action") == "map" else None,
        headers=record.headers,
        initial_map=record.mapping,
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if (
            action == "map"
            and form.is_valid()
            and record.state in (ImportState.UPLOADED, ImportState.PREVIEWED, ImportState.FAILED)
        ):
            EnrolmentImport.objects.filter(pk=record.pk).update(
                mapping=form.mapping(), state=ImportState.UPLOADED, summary={}
            )
            record.refresh_from_db()
            imports.start(record, "check", actor=request.user)
            return redirect("training:import", record.code)
        if action == "apply" and record.state == ImportState.PREVIEWED:
            imports.start(record, "apply", actor=request.user)
            return redirect("training:import", record.code)
    summary = record.summary or {}
    return render(
        request,
        "training/import.html",
        {
            "record": record,
            "form": form,
            "summary": summary,
            "busy": record.state in (ImportState.CHECKING, ImportState.APPLYING),
        },
    )


@login_required
def counts(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "training.view_counts")
    dimension = request.GET.get("by", "")
    unknown = ""
    if dimension not in queries.DIMENSIONS:
        unknown, dimension = dimension[:40], ""
    rows = queries.yearly_counts(dimension or None)
    labels = _group_labels(dimension)
    for row in rows:
        row["label"] = year_label(row["year"])
        row["group_label"] = (
            labels.get(row["group"], row["group"])
            if row["group"]
            else (_("Not shown or not given") if dimension == "gender" else "")
        )
    return render(
        request,
        "training/counts.html",
        {
            "rows": rows,
            "dimension": dimension,
            "dimensions": [
                ("", _("Totals only")),
                ("kind", _("By kind of training")),
                ("audience", _("By audience")),
                ("institution", _("By institution")),
                ("gender", _("By gender")),
            ],
            "min_group": queries.MIN_GROUP,
            "unknown": unknown,
        },
    )


def _group_labels(dimension: str) -> dict[str, str]:
    from grappe.training.models import Audience, Gender, Kind

    return {"kind": dict(Kind.choices), "audience": dict(Audience.choices), "gender": dict(Gender.choices)}.get(
        dimension, {}
    )


@login_required
def trainees(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "training.follow_trainees")
    form = TraineeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = data["email"]
        from grappe.training.models import FundedTrainee

        existing = FundedTrainee.objects.filter(person=person).first()
        services.save_trainee(
            existing,
            {
                "person": person,
                "kind": data["kind"],
                "membership": data["membership"],
                "funding_note": data["funding_note"],
                "due_on": data["due_on"],
            },
            required=list(data["required"]),
            actor=request.user,
        )
        messages.success(request, _("Saved."))
        return redirect("training:trainees")
    rows = queries.trainees_progress()
    return render(
        request,
        "training/trainees.html",
        {
            "rows": rows,
            "form": form,
            "behind": sum(1 for _t, _i, late in rows if late),
        },
    )
