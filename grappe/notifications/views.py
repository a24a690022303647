"""The signed-in person's notifications (the list, read marks) and their email preferences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grappe.core.access import get_for_user_or_404
from grappe.core.paginate import paginate
from grappe.notifications import services
from grappe.notifications.forms import PreferencesForm
from grappe.notifications.models import MANDATORY, Notification
from grappe.people.models import Person


def _person(request: HttpRequest) -> Person:
    return get_object_or_404(Person, pk=request.user.person_id)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    unread_only = request.GET.get("unread") == "1"
    notifications = Notification.objects.filter(person=person).only(
        "pk", "kind", "subject", "link", "created_at", "read_at", "person_id"
    )
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    page = paginate(request, notifications.order_by("-created_at", "-pk"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread_only": unread_only, "unread": services.unread_count(person.pk)},
    )


def unread_badge(request: HttpRequest) -> HttpResponse:
    """The header's unread count, loaded by htmx after the page (so no page pays for it): one
    cached COUNT; nothing for anonymous visitors or when all is read."""
    person_id = getattr(request.user, "person_id", None) if request.user.is_authenticated else None
    count = services.unread_count(person_id) if person_id else 0
    response = render(request, "notifications/unread_badge.html", {"count": count})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def notification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One notification in full; opening it marks it read. Another person's: 404."""
    person = _person(request)
    notification = get_for_user_or_404(
        request.user, Notification.objects.all(), "notifications.view_notification", pk=pk
    )
    if notification.read_at is None:
        services.mark_read(person, [notification.pk])
        notification.refresh_from_db(fields=["read_at"])
    return render(request, "notifications/detail.html", {"notification": notification})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one (``id``), or all the person's notifications read; back to where the person was."""
    person = _person(request)
    raw = request.POST.get("id")
    if raw is not None:
        if not raw.isdigit():
            messages.error(request, _("This notification does not exist."))
            return redirect("notifications:list")
        get_object_or_404(Notification, pk=int(raw), person=person)
        services.mark_read(person, [int(raw)])
    else:
        count = services.mark_read(person)
        messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    return redirect(target or "notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    current = services.preferences(person)
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # all the choices, or none
                for kind, mode in form.cleaned_data.items():
                    if current.get(kind) != mode:
                        services.set_preference(person, kind, mode, actor=request.user)
        except services.NotificationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your choices are recorded."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "mandatory": sorted(MANDATORY)})
