from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from grappe.core.access import get_for_user_or_404, require_perm_or_404
from grappe.core.services import ConcurrentEditError
from grappe.programmes import services
from grappe.programmes.forms import ProgrammeForm
from grappe.programmes.models import Programme


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "programmes.view_programme")
    programmes = Programme.objects.annotate(reserved=Sum("calls__budget"), call_count=Count("calls")).order_by(
        "-start_year", "name"
    )
    return render(request, "programmes/programme_list.html", {"programmes": programmes})


@login_required
def programme_detail(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_for_user_or_404(request.user, Programme.objects.all(), "programmes.view_programme", code=code)
    calls = programme.calls.order_by("-closes_at")
    reserved = services.reserved(programme)
    return render(
        request,
        "programmes/programme_detail.html",
        {
            "programme": programme,
            "calls": calls,
            "reserved": reserved,
            "left": programme.total_amount - reserved,
            "reserved_pct": int(reserved * 100 / programme.total_amount),
            "categories": programme.cost_categories.all(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "programmes.manage_programme")
    services.ensure_anr_categories()
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        programme = services.create_programme(
            actor=request.user, cost_categories=list(form.cleaned_data["cost_categories"]), **form.changes()
        )
        messages.success(request, _("Programme created."))
        return redirect("programmes:detail", code=programme.code)
    return render(request, "programmes/programme_form.html", {"form": form, "programme": None})


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_for_user_or_404(request.user, Programme.objects.all(), "programmes.manage_programme", code=code)
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_programme(
                Programme.objects.get(pk=programme.pk),
                actor=request.user,
                changes=form.changes(),
                expected_version=form.cleaned_data["version"],
                cost_categories=list(form.cleaned_data["cost_categories"]),
            )
        except ConcurrentEditError as exc:
            form.add_error(None, str(exc.message))
        except services.EnvelopeExceeded as exc:
            form.add_error("total_amount", str(exc))
        else:
            messages.success(request, _("Programme saved."))
            return redirect("programmes:detail", code=programme.code)
    return render(request, "programmes/programme_form.html", {"form": form, "programme": programme})
