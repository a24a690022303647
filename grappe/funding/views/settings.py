"""The office's settings of a programme for its projects: reminder offsets (deliverables and
reports), spending tolerances and the reallocation threshold, the periodic report template."""

from __future__ import annotations

import ast
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from grappe.core.access import get_for_user_or_404
from grappe.funding.forms import FundingRulesForm, ReminderRulesForm, ReportTemplateForm
from grappe.funding.models import DEFAULT_RULES, FundingRules
from grappe.funding.queries import settings_history
from grappe.programmes.models import Programme
from grappe.projects import services as projects
from grappe.projects.models import DEFAULT_SECTIONS, ReminderRules, ReportTemplate
from grappe.projects.services.workplan import DEFAULT_DAYS_BEFORE, DEFAULT_LATE_EVERY
from grappe.projects.views.pages import run_write

FORMS: dict[str, tuple[type[forms.Form], type[Any]]] = {
    "reminders": (ReminderRulesForm, ReminderRules),
    "funding": (FundingRulesForm, FundingRules),
    "template": (ReportTemplateForm, ReportTemplate),
}


def _initial(name: str, programme: Programme) -> dict[str, Any]:
    model = FORMS[name][1]
    row = model.objects.filter(programme=programme).first()
    version = {"version": row.version if row else 1}
    if name == "reminders":
        days = row.days_before if row else DEFAULT_DAYS_BEFORE
        late = row.late_every_days if row else DEFAULT_LATE_EVERY
        return version | {"days_before": ", ".join(str(d) for d in days), "late_every_days": late}
    if name == "funding":
        values = {k: getattr(row, k) for k in DEFAULT_RULES} if row else DEFAULT_RULES
        return version | {k: f"{(v * 100).normalize():f}" for k, v in values.items()}
    sections = row.sections if row and row.sections else DEFAULT_SECTIONS
    return version | {"sections": "\n".join(f"{s.get('fr', '')} | {s.get('en', '')}" for s in sections)}


def _values(name: str, form: forms.Form) -> dict[str, Any]:
    if name == "funding":
        return form.shares()  # type: ignore[attr-defined]
    return {k: v for k, v in form.cleaned_data.items() if k != "version"}


def _shown(part: str, value: str) -> str:
    """A logged value as the form shows it: shares as percentages, lists without brackets,
    report sections as their “French | English” lines."""
    if not value:
        return value
    try:
        parsed = ast.literal_eval(value) if value[0] in "[{" else None
    except (ValueError, SyntaxError):
        parsed = None
    if part == "funding":
        try:
            return f"{(Decimal(value) * 100).normalize():f} %"
        except ArithmeticError:
            return value
    if isinstance(parsed, list) and all(isinstance(item, dict) for item in parsed):
        return " ; ".join(f"{item.get('fr', '')} | {item.get('en', '')}" for item in parsed)
    if isinstance(parsed, list):
        return ", ".join(str(item) for item in parsed)
    return value


def _history(programme: Programme) -> list[Any]:
    """The settings' history with each field named by its form label, values as the form shows them."""
    history = settings_history(programme)
    for entry in history:
        fields = FORMS[entry.part][0].base_fields
        entry.changes = [
            (str(fields[name].label) if name in fields else name, _shown(entry.part, old), _shown(entry.part, new))
            for name, old, new in entry.changes
        ]
    return history


@login_required
def programme_settings(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_for_user_or_404(request.user, Programme.objects.all(), "funding.configure_rules", code=code)
    bound: dict[str, forms.Form] = {}
    if request.method == "POST":
        name = request.POST.get("part", "")
        if name not in FORMS:
            raise Http404
        form_class, model = FORMS[name]
        form = form_class(request.POST, auto_id=f"id_{name}_%s")
        if run_write(
            form,
            lambda: projects.save_programme_rules(
                model,
                programme,
                _values(name, form),
                expected_version=form.cleaned_data["version"],
                actor=request.user,
            ),
        ):
            messages.success(request, _("Settings saved."))
            return redirect("funding:programme_settings", programme.code)
        bound[name] = form
    forms_ = {
        name: bound.get(name) or form_class(initial=_initial(name, programme), auto_id=f"id_{name}_%s")
        for name, (form_class, _model) in FORMS.items()
    }
    return render(
        request,
        "funding/programme_settings.html",
        {"programme": programme, "forms": forms_, "history": _history(programme)},
    )
