"""The office's and the board's pages: the catalogue, an indicator, the dashboard with its
drill-downs, the annual reports, the data-quality panel."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grappe.core import jobs
from grappe.core.access import get_for_user_or_404, require_perm_or_404
from grappe.core.exports import XLSX_TYPE
from grappe.core.paginate import paginate
from grappe.core.services import ConcurrentEditError
from grappe.core.uploads import refuse_cut_upload
from grappe.programmes.models import Programme
from grappe.reporting import computations, queries, services
from grappe.reporting.computations import Scope, as_of_day, window
from grappe.reporting.forms import IndicatorForm, ManualValueForm, ScopeForm, TargetForm
from grappe.reporting.models import (
    AnnualReport,
    Indicator,
    JobState,
    ManualValue,
    ManualValueVersion,
    Method,
    Target,
)


def get_programme(request: HttpRequest, code: str, perm: str) -> Programme:
    return get_for_user_or_404(request.user, Programme.objects.all(), perm, code=code)


def _write(request: HttpRequest, write: Callable[[], Any], *, form: Any = None) -> bool:
    """Run ``write``; a refused write becomes a message (or a form error), never a 500."""
    try:
        write()
    except services.ReportingError as exc:
        if form is not None:
            form.add_error(None, str(exc))
        else:
            messages.error(request, str(exc))
        return False
    except ConcurrentEditError as exc:
        if form is not None:
            form.add_error(None, str(exc.message))
        else:
            messages.error(request, str(exc.message))
        return False
    except ValidationError as exc:
        for text in exc.messages:
            (form.add_error(None, text) if form is not None else messages.error(request, text))
        return False
    return True


def default_year(programme: Programme) -> int:
    today = timezone.localdate().year
    return min(max(today, programme.start_year), programme.end_year)


# --- the catalogue ----------------------------------------------------------------------------


@login_required
def catalogue(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_programme(request, code, "reporting.view_dashboard")
    year = default_year(programme)
    rows = queries.actuals(programme, year)
    return render(
        request,
        "reporting/catalogue.html",
        {
            "programme": programme,
            "year": year,
            "rows": rows,
            "can_manage": request.user.has_perm("reporting.manage_indicators", programme),
        },
    )


@login_required
def indicator_new(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_programme(request, code, "reporting.manage_indicators")
    form = IndicatorForm(request.POST or None, initial={"period": _("calendar year")})
    if request.method == "POST" and form.is_valid():
        created: list[Indicator] = []

        def write() -> None:
            created.append(services.create_indicator(programme, dict(form.cleaned_data), actor=request.user))

        if _write(request, write, form=form):
            messages.success(request, _("Indicator added."))
            return redirect("reporting:indicator", programme.code, created[0].pk)
    return render(request, "reporting/indicator_form.html", {"programme": programme, "form": form})


@login_required
def indicator_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    programme = get_programme(request, code, "reporting.manage_indicators")
    indicator = get_for_user_or_404(
        request.user, Indicator.objects.filter(programme=programme), "reporting.manage_indicators", pk=pk
    )
    form = IndicatorForm(request.POST or None, instance=Indicator.objects.get(pk=indicator.pk))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version", None) or indicator.version

        def write() -> None:
            services.update_indicator(indicator, data, expected_version=version, actor=request.user)

        if _write(request, write, form=form):
            messages.success(request, _("Indicator saved."))
            return redirect("reporting:indicator", programme.code, indicator.pk)
    return render(
        request, "reporting/indicator_form.html", {"programme": programme, "form": form, "indicator": indicator}
    )


@login_required
@require_POST
def indicator_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    programme = get_programme(request, code, "reporting.manage_indicators")
    indicator = get_for_user_or_404(
        request.user, Indicator.objects.filter(programme=programme), "reporting.manage_indicators", pk=pk
    )
    services.delete_indicator(indicator, actor=request.user)
    messages.success(request, _("Indicator removed."))
    return redirect("reporting:catalogue", programme.code)


@login_required
def indicator_page(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """An indicator over the programme's years against its targets; the office sets targets and,
    for an indicator obtained by hand, enters each year's value with its evidence."""
    programme = get_programme(request, code, "reporting.view_dashboard")
    indicator = get_for_user_or_404(
        request.user, Indicator.objects.filter(programme=programme), "reporting.view_dashboard", pk=pk
    )
    can_manage = request.user.has_perm("reporting.manage_indicators", programme)
    target_form = TargetForm(prefix="target")
    value_form = ManualValueForm(prefix="value")
    if request.method == "POST":
        require_perm_or_404(request.user, "reporting.manage_indicators", programme)
        if "target-year" in request.POST:
            target_form = TargetForm(request.POST, prefix="target")
            if target_form.is_valid():
                d = target_form.cleaned_data

                def write_target() -> None:
                    services.set_target(
                        indicator,
                        year=d["year"],
                        value=d["value"],
                        frozen_on=d["frozen_on"],
                        reason=d["reason"] or "",
                        actor=request.user,
                    )

                if _write(request, write_target, form=target_form):
                    messages.success(request, _("Target saved."))
                    return redirect("reporting:indicator", programme.code, indicator.pk)
        else:
            value_form = ManualValueForm(request.POST, request.FILES, prefix="value")
            # A file cut while it arrived (too large): its size and the limit, nothing written.
            if not refuse_cut_upload(request, value_form, "file") and value_form.is_valid():
                d = value_form.cleaned_data

                def write_value() -> None:
                    services.record_manual_value(
                        indicator,
                        year=d["year"],
                        value=d["value"],
                        note=d["note"] or "",
                        upload=d["file"] or None,
                        actor=request.user,
                    )

                if _write(request, write_value, form=value_form):
                    messages.success(request, _("Value saved with its evidence."))
                    return redirect("reporting:indicator", programme.code, indicator.pk)
    computation = computations.get(indicator.computation) if indicator.method == Method.COMPUTED else None
    targets = list(Target.objects.filter(indicator=indicator).prefetch_related("changes__changed_by__person"))
    return render(
        request,
        "reporting/indicator.html",
        {
            "programme": programme,
            "indicator": indicator,
            "computation": computation,
            "series": queries.series(indicator),
            "targets": targets,
            "manual_values": list(ManualValue.objects.filter(indicator=indicator)),
            "versions": list(
                ManualValueVersion.objects.filter(manual_value__indicator=indicator).select_related("manual_value")
            ),
            "can_manage": can_manage,
            "target_form": target_form,
            "value_form": value_form,
        },
    )


@login_required
def evidence(request: HttpRequest, code: str, pk: int) -> FileResponse:
    programme = get_programme(request, code, "reporting.view_dashboard")
    row = get_for_user_or_404(
        request.user,
        ManualValue.objects.filter(indicator__programme=programme).exclude(file=""),
        "reporting.view_dashboard",
        pk=pk,
    )
    return FileResponse(row.file.open("rb"), as_attachment=True, filename=row.file_name, content_type="application/pdf")


@login_required
def evidence_version(request: HttpRequest, code: str, pk: int) -> FileResponse:
    """The evidence of one version of a value entered by hand (earlier ones are kept)."""
    programme = get_programme(request, code, "reporting.view_dashboard")
    row = get_for_user_or_404(
        request.user,
        ManualValueVersion.objects.filter(manual_value__indicator__programme=programme).exclude(file=""),
        "reporting.view_dashboard",
        pk=pk,
    )
    return FileResponse(row.file.open("rb"), as_attachment=True, filename=row.file_name, content_type="application/pdf")


# --- the dashboard -----------------------------------------------------------------------------


def _scope(request: HttpRequest, programme: Programme) -> tuple[ScopeForm, Scope, int, Any, dict[str, str]]:
    form = ScopeForm(
        request.GET or None,
        programme=programme,
        choices=queries.scope_choices(programme),
        initial={"year": default_year(programme)},  # the year shown when none is asked
    )
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    scope = Scope(programme, data.get("call"), data.get("institution"), data.get("partner"))
    year = data.get("year") or default_year(programme)
    params = {n: data[n].code for n in ("call", "institution", "partner") if data.get(n)}
    return form, scope, year, form.as_of_instant() if data else timezone.now(), params


@login_required
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_programme(request, code, "reporting.view_dashboard")
    form, scope, year, as_of, params = _scope(request, programme)
    memo: queries.Memo = {}  # the table and the charts share their figures
    rows = queries.actuals(programme, year, scope=scope, as_of=as_of, scope_params=params, memo=memo)
    sections = queries.dashboard(programme, year, scope=scope, as_of=as_of, params=params, memo=memo)
    return render(
        request,
        "reporting/dashboard.html",
        {
            "programme": programme,
            "form": form,
            "year": year,
            "as_of": as_of_day(as_of),
            "scope": scope,
            "rows": rows,
            **sections,
            "charts_data": [(f"chart-data-{c.id}", c.data()) for c in sections["charts"]],
        },
    )


def _link(request: HttpRequest, computation: computations.Computation, obj: Any) -> str:
    """The record's page, if the reader may open it (else no link, rather than a link to a 404)."""
    if computation.link is None:
        return ""
    if computation.opens is not None and not computation.opens(request.user, obj):
        return ""
    return computation.link(obj)


def _cell(value: Any) -> Any:
    """A drill-down cell: amounts grouped by thousands with two decimals, as on the dashboard."""
    if isinstance(value, Decimal):
        return floatformat(value, "2g")
    return value


@login_required
def drill(request: HttpRequest, code: str, name: str) -> HttpResponse:
    """The records a figure counts: the same queryset that gave the figure, page by page."""
    programme = get_programme(request, code, "reporting.view_dashboard")
    computation = computations.get(name)
    if computation is None:
        raise Http404
    form, scope, year, as_of, _params = _scope(request, programme)
    cumulative = request.GET.get("cumulative") == "1"
    win = window(year, cumulative=cumulative, as_of=as_of)
    value, records = computation.figure(scope, win)
    if computation.related:
        records = records.select_related(*computation.related)
    page = paginate(request, records.order_by(*(records.query.order_by or ["pk"])), per_page=50)
    rows = [([_cell(c.value(obj)) for c in computation.columns], _link(request, computation, obj)) for obj in page]
    back = request.GET.copy()  # the dashboard as it was: year, "as of" and filters
    for key in ("cumulative", "page"):
        back.pop(key, None)
    return render(
        request,
        "reporting/drill.html",
        {
            "programme": programme,
            "computation": computation,
            "value": value,
            "count": page.paginator.count,
            "page": page,
            "rows": rows,
            # Each cell with its column's label: on a phone the table becomes one card per record.
            "table": [
                ([(c.label, v) for c, v in zip(computation.columns, values, strict=True)], link)
                for values, link in rows
            ],
            "closed": sum(1 for _values, link in rows if not link),
            "year": year,
            "cumulative": cumulative,
            "back": back.urlencode(),
            "as_of": as_of_day(as_of),
            "scope": scope,
            "form": form,
        },
    )


# --- annual reports ----------------------------------------------------------------------------


@login_required
def reports(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_programme(request, code, "reporting.view_reports")
    if request.method == "POST":
        require_perm_or_404(request.user, "reporting.generate_report", programme)
        fresh = request.POST.get("fresh") == "1"
        if fresh:
            require_perm_or_404(request.user, "reporting.take_snapshot", programme)
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            year = 0
        made: list[AnnualReport] = []

        def write() -> None:
            with transaction.atomic():
                made.append(
                    services.request_report(
                        programme, year=year, language=request.LANGUAGE_CODE, actor=request.user, fresh=fresh
                    )
                )

        if _write(request, write):
            report = made[0]
            if report.state == JobState.DONE and not fresh:
                messages.info(request, _("The report of this year is a stored snapshot: here it is, with its numbers."))
            return redirect("reporting:report", programme.code, report.code)
        return redirect("reporting:reports", programme.code)
    jobs.fail_stale(AnnualReport.objects.filter(programme=programme))
    return render(
        request,
        "reporting/reports.html",
        {
            "programme": programme,
            "reports": list(AnnualReport.objects.filter(programme=programme).select_related("created_by__person")[:50]),
            "years": [y for y in programme.years if y <= timezone.localdate().year],
            "year": default_year(programme),
            "can_snapshot": request.user.has_perm("reporting.take_snapshot", programme),
        },
    )


@login_required
def report_page(request: HttpRequest, code: str, rcode: str) -> HttpResponse:
    programme = get_programme(request, code, "reporting.view_reports")
    report = get_for_user_or_404(
        request.user, AnnualReport.objects.filter(programme=programme), "reporting.view_reports", code=rcode
    )
    jobs.fail_stale(AnnualReport.objects.filter(pk=report.pk))
    report.refresh_from_db()
    from grappe.reporting.documents import rows_of

    differences = queries.compare(report) if report.state == JobState.DONE and request.GET.get("compare") else None
    return render(
        request,
        "reporting/report.html",
        {
            "programme": programme,
            "report": report,
            "rows": rows_of(report) if report.state == JobState.DONE else [],
            "in_progress": report.state in jobs.ACTIVE,
            "differences": differences,
            "changed": [d for d in differences or [] if d.changed],
        },
    )


@login_required
def report_file(request: HttpRequest, code: str, rcode: str, kind: str) -> FileResponse:
    programme = get_programme(request, code, "reporting.view_reports")
    report = get_for_user_or_404(
        request.user,
        AnnualReport.objects.filter(programme=programme, state=JobState.DONE),
        "reporting.view_reports",
        code=rcode,
    )
    field = {"pdf": report.pdf, "xlsx": report.xlsx}.get(kind)
    if not field:
        raise Http404
    content_type = "application/pdf" if kind == "pdf" else XLSX_TYPE
    name = f"{programme.code}-{report.year}-{report.code}.{kind}"
    return FileResponse(field.open("rb"), as_attachment=True, filename=name, content_type=content_type)


# --- data quality ------------------------------------------------------------------------------


@login_required
def quality(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_programme(request, code, "reporting.view_quality")
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = default_year(programme)
    if year not in programme.years:
        year = default_year(programme)
    gaps = queries.data_quality(programme, year)
    return render(
        request,
        "reporting/quality.html",
        {
            "programme": programme,
            "year": year,
            "years": programme.years,
            "gaps": gaps,
            "complete": [g for g in gaps if not g.count],
            "missing": sum(g.count for g in gaps),
        },
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The programmes whose dashboards the user may open."""
    require_perm_or_404(request.user, "reporting.view_dashboard")
    return render(
        request, "reporting/index.html", {"programmes": list(Programme.objects.order_by("-start_year", "name"))}
    )
