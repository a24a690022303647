"""Public pages: the catalogue, a programme, a session (register), a registration, verification;
and the signed-in person's own trainings and certificates."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grappe.core.access import get_for_user_or_404, posted_code
from grappe.core.paginate import paginate
from grappe.training import queries, services
from grappe.training.forms import CatalogueFilterForm, GenderForm, VisitorForm
from grappe.training.ics import session_ics
from grappe.training.models import Enrolment, LearnerProfile, Registration, RegistrationState, TrainingProgramme
from grappe.training.services.catalogue import TrainingError
from grappe.training.services.registration import TooManyEmails


def catalogue(request: HttpRequest) -> HttpResponse:
    form = CatalogueFilterForm(request.GET or None)
    form.is_valid()  # a wrong value is named on the page; the other filters still apply
    filters = getattr(form, "cleaned_data", {})
    page = paginate(request, queries.catalogue(filters), per_page=12)
    query = request.GET.copy()
    query.pop("page", None)
    ignored = [
        _("%(field)s: %(error)s (this filter is not applied)")
        % {"field": form.fields[name].label, "error": " ".join(errors)}
        for name, errors in form.errors.items()
        if name in form.fields
    ]
    return render(
        request,
        "training/catalogue.html",
        {"form": form, "page": page, "query": query.urlencode(), "ignored": ignored},
    )


def programme_page(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_for_user_or_404(
        request.user, TrainingProgramme.objects.select_related("institution"), "training.view_programme", code=code
    )
    sessions = queries.sessions_with_places().filter(course__programme=programme).select_related("course")
    return render(
        request,
        "training/programme.html",
        {
            "programme": programme,
            "sessions": sessions.order_by("starts_at", "id"),
            "can_edit": request.user.has_perm("training.change_programme", programme),
        },
    )


def get_session(request: HttpRequest, code: str, perm: str = "training.view_programme"):
    return get_for_user_or_404(
        request.user,
        queries.sessions_with_places().select_related("course__programme__institution").prefetch_related("trainers"),
        perm,
        code=code,
    )


def session_page(request: HttpRequest, code: str) -> HttpResponse:
    session = get_session(request, code)
    mine = None
    if request.user.is_authenticated:
        mine = Registration.objects.filter(
            session=session, person=request.user.person, state__in=RegistrationState.active()
        ).first()
    return _session_render(request, session, mine, VisitorForm())


def _session_render(request: HttpRequest, session, mine, form, status: int = 200) -> HttpResponse:
    return render(
        request,
        "training/session.html",
        {
            "session": session,
            "programme": session.course.programme,
            "free": max(session.capacity - session.taken, 0),
            "mine": mine,
            "form": form,
            "can_organise": request.user.has_perm("training.organise_session", session),
        },
        status=status,
    )


@require_POST
def register(request: HttpRequest, code: str) -> HttpResponse:
    session = get_session(request, code)
    if request.user.is_authenticated:
        try:
            registration = services.register_person(
                session, request.user.person, email=request.user.email, actor=request.user
            )
        except TrainingError as exc:
            messages.error(request, str(exc))
            return redirect("training:session", session.code)
        if registration.state == RegistrationState.CONFIRMED:
            messages.success(request, _("You are registered. A confirmation with a calendar file is on its way."))
        else:
            messages.info(
                request, _("The session is full: you are on the waiting list. We will write if a place is freed.")
            )
        return redirect("training:session", session.code)
    form = VisitorForm(request.POST)
    if not form.is_valid():
        return _session_render(request, session, None, form, status=400)
    data = form.cleaned_data
    try:
        services.request_registration(
            session,
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            organisation_name=data["organisation"],
            ip=get_client_ip_address(request),
        )
    except TooManyEmails as exc:
        form.add_error(None, str(exc))
        return _session_render(request, session, None, form, status=429)
    except TrainingError as exc:
        messages.error(request, str(exc))
        return redirect("training:session", session.code)
    return render(request, "training/check_mailbox.html", {"session": session, "email": data["email"]})


def _registration(token: str) -> Registration:
    token = posted_code(token)
    registration = (
        Registration.objects.select_related("session__course__programme").filter(token=token).first() if token else None
    )
    if registration is None:
        raise Http404
    return registration


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the email: a button (so that a mail scanner following links confirms nothing)."""
    registration = _registration(token)
    if request.method == "POST" and registration.state == RegistrationState.PENDING:
        try:
            registration = services.confirm(registration)
        except TrainingError as exc:
            messages.error(request, str(exc))
        return redirect("training:manage_registration", registration.token)
    if registration.state != RegistrationState.PENDING:
        return redirect("training:manage_registration", registration.token)
    return render(request, "training/confirm.html", {"registration": registration})


def manage_registration(request: HttpRequest, token: str) -> HttpResponse:
    """A registration by its secret link: state, calendar, cancel."""
    registration = _registration(token)
    if request.method == "POST" and request.POST.get("action") == "cancel":
        services.cancel(registration, actor=request.user)
        messages.success(request, _("Your registration is cancelled."))
        return redirect("training:manage_registration", registration.token)
    position = (
        Registration.objects.filter(pk=registration.pk)
        .annotate(p=queries.waiting_position())
        .values_list("p", flat=True)
    )[0]
    return render(request, "training/registration.html", {"registration": registration, "position": position})


def _calendar_file(request: HttpRequest, registration: Registration) -> HttpResponse:
    """The confirmed registration's event (the same ``.ics`` as the confirmation email's)."""
    if registration.state != RegistrationState.CONFIRMED or registration.session.cancelled_at:
        raise Http404
    url = settings.SITE_URL + reverse("training:manage_registration", args=[registration.token])
    response = HttpResponse(session_ics(registration, url=url), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{registration.session.code}.ics"'
    return response


@login_required
def session_calendar(request: HttpRequest, code: str) -> HttpResponse:
    """ "Add to my calendar" on the session page: only for a person registered to it (confirmed);
    anyone else gets a 404, whether the session is public or not."""
    registration = (
        Registration.objects.select_related("session__course__programme")
        .filter(session__code=posted_code(code), person=request.user.person, state=RegistrationState.CONFIRMED)
        .first()
    )
    if registration is None:
        raise Http404
    return _calendar_file(request, registration)


def registration_calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The same file from the registration's secret link (visitors registered without an account)."""
    return _calendar_file(request, _registration(token))


def verify(request: HttpRequest, code: str = "") -> HttpResponse:
    """Anyone holding a certificate's code checks it here (name, programme, outcome, date)."""
    code = posted_code(request.GET.get("code", code)).upper()
    enrolment = None
    if code:
        enrolment = (
            Enrolment.objects.select_related("person", "programme__institution").filter(certificate_code=code).first()
        )
    return render(
        request,
        "training/verify.html",
        {"code": code, "enrolment": enrolment},
        status=404 if code and enrolment is None else 200,
    )


@login_required
def certificate(request: HttpRequest, code: str) -> HttpResponse:
    code = posted_code(code)
    enrolment = (
        Enrolment.objects.select_related("person", "programme__institution").filter(certificate_code=code).first()
        if code
        else None
    )
    if (
        enrolment is None
        or not enrolment.certificate_valid
        or not (
            enrolment.person_id == request.user.person_id
            or request.user.has_perm("training.change_programme", enrolment.programme)
        )
    ):
        raise Http404
    language = enrolment.person.preferred_language or get_language() or "fr"
    pdf = services.certificate_for(enrolment, language=language if language in ("fr", "en") else "fr")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{enrolment.certificate_code}.pdf"'
    return response


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    person = request.user.person
    profile = LearnerProfile.objects.filter(person=person).first()
    form = GenderForm(request.POST or None, initial={"gender": profile.gender if profile else ""})
    if request.method == "POST" and form.is_valid():
        services.set_gender(person, form.cleaned_data["gender"], actor=request.user)
        messages.success(request, _("Saved."))
        return redirect("training:mine")
    return render(
        request,
        "training/mine.html",
        {
            "registrations": Registration.objects.filter(person=person)
            .exclude(state=RegistrationState.CANCELLED)
            .select_related("session__course__programme")
            .annotate(position=queries.waiting_position())
            .order_by("-session__starts_at"),
            "enrolments": Enrolment.objects.filter(person=person)
            .select_related("programme")
            .order_by("-academic_year"),
            "form": form,
        },
    )
