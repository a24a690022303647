"""Registration with email verification, login, logout, password reset, own profile."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grappe.core.cookies import set_language_cookie
from grappe.core.forms import CleanInputMixin
from grappe.core.services import ConcurrentEditError
from grappe.people.forms import EmailLoginForm, ProfileForm, RegistrationForm
from grappe.people.models import Person, User
from grappe.people.services import (
    AccountError,
    record_password_reset,
    register_user,
    resend_verification,
    update_person,
    verify_email,
)


def password_login_on() -> bool:
    """Whether this deployment accepts passwords (``GRAPPE_PASSWORD_LOGIN``, docs/sso.md)."""
    return bool(settings.GRAPPE_PASSWORD_LOGIN)


def require_password_login(view):  # type: ignore[no-untyped-def]
    """The view exists only where passwords are accepted (404 elsewhere)."""

    def wrapped(request: HttpRequest, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not password_login_on():
            raise Http404
        return view(request, *args, **kwargs)

    wrapped.__name__ = getattr(view, "__name__", "view")
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if not (password_login_on() and settings.GRAPPE_SELF_REGISTRATION):
        raise Http404
    if request.user.is_authenticated:
        return redirect("people:profile")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            register_user(
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                language=translation.get_language() or "fr",
            )
        except AccountError as exc:
            form.add_error("email", str(exc))
        else:
            return render(request, "people/register_done.html", {"email": data["email"]})
    return render(request, "people/register.html", {"form": form})


def verify(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = verify_email(token)
    except AccountError as exc:
        return render(request, "people/verify_failed.html", {"error": str(exc)}, status=400)
    messages.success(
        request, _("Your email address %(email)s is confirmed. You can now log in.") % {"email": user.email}
    )
    return redirect("people:login")


class LoginView(auth_views.LoginView):
    template_name = "people/login.html"
    authentication_form = EmailLoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # type: ignore[no-untyped-def]
        if not password_login_on():  # refused on the server, not only hidden
            context = self.get_context_data(password_refused=True)
            return self.render_to_response(context, status=403)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):  # type: ignore[no-untyped-def]
        context = super().get_context_data(**kwargs)
        context["password_login"] = password_login_on()
        return context

    def form_invalid(self, form: EmailLoginForm) -> HttpResponse:
        if form.unverified_user is not None:
            # The resend button may only send to the account whose password was just given.
            self.request.session[RESEND_SESSION_KEY] = form.unverified_user.pk
        return self.render_to_response(self.get_context_data(form=form, resend=form.unverified_user is not None))

    def form_valid(self, form: EmailLoginForm) -> HttpResponse:
        response = super().form_valid(form)
        language = form.get_user().person.preferred_language
        set_language_cookie(response, language)
        return response


RESEND_SESSION_KEY = "grappe_resend_verification"


@require_POST
@require_password_login
def resend_verification_email(request: HttpRequest) -> HttpResponse:
    """Send the confirmation email again, to the unconfirmed account just identified by its password."""
    pk = request.session.pop(RESEND_SESSION_KEY, None)
    user = User.objects.filter(pk=pk, email_verified_at__isnull=True).first() if pk else None
    if user is None:
        messages.error(request, _("Log in with your email address and password first."))
        return redirect("people:login")
    resend_verification(user)
    messages.success(
        request, _("The confirmation email was sent again to %(email)s: follow its link.") % {"email": user.email}
    )
    return redirect("people:login")


LOGOUT_RESPONSE_ATTRIBUTE = "grappe_logout_response"


class LogoutView(auth_views.LogoutView):
    """Log out; an app that must tell someone else (SAML single logout, grappe.sso.signals) may answer instead.

    A receiver of ``user_logged_out`` sets ``request.grappe_logout_response`` (e.g. a redirect to the
    identity provider); the local logout is done in every case.
    """

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # type: ignore[no-untyped-def]
        response = super().post(request, *args, **kwargs)
        return getattr(request, LOGOUT_RESPONSE_ATTRIBUTE, None) or response


class PasswordLoginOnlyMixin:
    """Password reset exists only where passwords are accepted (404 elsewhere)."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # type: ignore[no-untyped-def]
        if not password_login_on():
            raise Http404
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class CleanPasswordResetForm(CleanInputMixin, PasswordResetForm):
    pass


class PasswordResetView(PasswordLoginOnlyMixin, auth_views.PasswordResetView):
    form_class = CleanPasswordResetForm
    template_name = "people/password_reset.html"
    email_template_name = "people/email/password_reset.txt"
    subject_template_name = "people/email/password_reset_subject.txt"
    success_url = reverse_lazy("people:password_reset_done")
    extra_email_context = {"site_url": settings.SITE_URL}


class PasswordResetDoneView(PasswordLoginOnlyMixin, auth_views.PasswordResetDoneView):
    template_name = "people/password_reset_done.html"


class AuditedSetPasswordForm(CleanInputMixin, SetPasswordForm):
    def save(self, commit: bool = True):  # type: ignore[no-untyped-def]
        user = super().save(commit)
        record_password_reset(user)
        return user


class PasswordResetConfirmView(PasswordLoginOnlyMixin, auth_views.PasswordResetConfirmView):
    template_name = "people/password_reset_confirm.html"
    form_class = AuditedSetPasswordForm
    success_url = reverse_lazy("people:password_reset_complete")


class PasswordResetCompleteView(PasswordLoginOnlyMixin, auth_views.PasswordResetCompleteView):
    template_name = "people/password_reset_complete.html"


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    person = Person.objects.prefetch_related("keywords").get(pk=request.user.person_id)
    form = ProfileForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            changed = update_person(
                Person.objects.get(pk=person.pk),  # the form has already written into ``person``
                actor=request.user,
                changes=form.changes(),
                expected_version=form.cleaned_data["version"],
                keywords=form.cleaned_data["keywords"],
            )
        except ConcurrentEditError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request, _("Your profile is saved.") if changed else _("Nothing to save: no field changed.")
            )
            response = redirect("people:profile")
            set_language_cookie(response, person.preferred_language)
            return response
    affiliations = person.affiliations.select_related("organisation")
    roles = person.roles.select_related("organisation")
    return render(
        request, "people/profile.html", {"form": form, "person": person, "affiliations": affiliations, "roles": roles}
    )
