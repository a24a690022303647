"""Every write of the reporting app: the catalogue, targets (frozen, then versioned with a reason),
values entered by hand, and the annual report's snapshot built by the task worker."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.jobs import ACTIVE, DONE, RUNNING, claim, heartbeat
from grappe.core.services import diff, log_action, save_versioned
from grappe.core.validation import clean_text
from grappe.programmes.models import Programme
from grappe.reporting import computations
from grappe.reporting.defaults import default_rows
from grappe.reporting.models import (
    AnnualReport,
    Indicator,
    ManualValue,
    ManualValueVersion,
    Method,
    Target,
    TargetChange,
    Unit,
)


class ReportingError(Exception):
    """A write refused, with a translated message for the user."""


# --- the catalogue -----------------------------------------------------------------------------


def ensure_defaults(programme: Programme) -> int:
    """Create the default indicators the programme lacks (by code); returns how many were added."""
    existing = set(Indicator.objects.filter(programme=programme).values_list("code", flat=True))
    added = [Indicator(programme=programme, **row) for row in default_rows(existing)]
    Indicator.objects.bulk_create(added, ignore_conflicts=True)
    return len(added)


def on_programme_saved(sender: Any, instance: Programme, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A new programme starts with the default catalogue (fixtures loaded raw are left alone)."""
    if created and not raw:
        ensure_defaults(instance)


INDICATOR_FIELDS = (
    "code",
    "name_fr",
    "name_en",
    "definition_fr",
    "definition_en",
    "unit",
    "period",
    "baseline",
    "method",
    "computation",
    "is_public",
    "position",
)


def _check_method(data: dict[str, Any]) -> None:
    if data.get("method") == Method.COMPUTED and computations.get(data.get("computation") or "") is None:
        raise ReportingError(_("Choose the computation of a computed indicator."))
    if data.get("method") == Method.MANUAL:
        data["computation"] = ""


@transaction.atomic
def create_indicator(programme: Programme, data: dict[str, Any], *, actor: Any) -> Indicator:
    _check_method(data)
    if Indicator.objects.filter(programme=programme, code=data["code"]).exists():
        raise ReportingError(_("The programme already has an indicator with this code."))
    indicator = Indicator.objects.create(programme=programme, **{k: data[k] for k in INDICATOR_FIELDS if k in data})
    log_action(indicator, "reporting.indicator_created", actor=actor, data={"code": indicator.code})
    return indicator


@transaction.atomic
def update_indicator(indicator: Indicator, data: dict[str, Any], *, expected_version: int, actor: Any) -> Indicator:
    _check_method(data)
    if (
        Indicator.objects.filter(programme_id=indicator.programme_id, code=data["code"])
        .exclude(pk=indicator.pk)
        .exists()
    ):
        raise ReportingError(_("The programme already has an indicator with this code."))
    changes = {k: data[k] for k in INDICATOR_FIELDS if k in data}
    changed = diff(indicator, changes)
    save_versioned(indicator, changes, expected_version=expected_version)
    log_action(indicator, "reporting.indicator_updated", actor=actor, data={"changes": changed})
    return indicator


@transaction.atomic
def delete_indicator(indicator: Indicator, *, actor: Any) -> None:
    log_action(indicator.programme, "reporting.indicator_deleted", actor=actor, data={"code": indicator.code})
    indicator.delete()


# --- targets --------------------------------------------------------------------------------------


@transaction.atomic
def set_target(
    indicator: Indicator,
    *,
    year: int,
    value: Decimal,
    frozen_on: dt.date | None = None,
    reason: str = "",
    actor: Any,
    today: dt.date | None = None,
) -> Target:
    """Set the target of ``year``. Before its freeze date a target changes freely; once frozen,
    a change needs a reason and is kept (before, after, reason, who, when)."""
    today = today or timezone.localdate()
    programme = indicator.programme
    if not programme.start_year <= year <= programme.end_year:
        raise ReportingError(
            _("The year must lie within the programme (%(start)s–%(end)s).")
            % {"start": programme.start_year, "end": programme.end_year}
        )
    if value < 0:
        raise ReportingError(_("A target cannot be negative."))
    target = Target.objects.select_for_update().filter(indicator=indicator, year=year).first()
    if target is None:
        target = Target.objects.create(indicator=indicator, year=year, value=value, frozen_on=frozen_on)
        log_action(indicator, "reporting.target_set", actor=actor, data={"year": year, "value": value})
        return target
    frozen = target.frozen_on is not None and target.frozen_on <= today
    if frozen and value != target.value:
        reason = clean_text(reason, max_length=2000, label=_("The reason"), error=ReportingError).strip()
        if len(reason) < 10:
            raise ReportingError(_("This target is frozen: say why it changes (10 characters at least)."))
        TargetChange.objects.create(target=target, before=target.value, after=value, reason=reason, changed_by=actor)
    elif frozen and frozen_on != target.frozen_on:
        raise ReportingError(_("A frozen target keeps its freeze date."))
    before = target.value
    target.value = value
    if not frozen:
        target.frozen_on = frozen_on
    target.version += 1
    target.save()
    log_action(
        indicator, "reporting.target_changed", actor=actor, data={"year": year, "before": before, "after": value}
    )
    return target


# --- values entered by hand ------------------------------------------------------------------------


@transaction.atomic
def record_manual_value(
    indicator: Indicator, *, year: int, value: Decimal, note: str, upload: Any, actor: Any
) -> ManualValue:
    """The figure of ``year`` for an indicator obtained by hand, with its evidence (a PDF)."""
    if indicator.method != Method.MANUAL:
        raise ReportingError(_("This indicator is computed from Grappe's records."))
    programme = indicator.programme
    if not programme.start_year <= year <= programme.end_year:
        raise ReportingError(
            _("The year must lie within the programme (%(start)s–%(end)s).")
            % {"start": programme.start_year, "end": programme.end_year}
        )
    if indicator.unit in (Unit.COUNT, Unit.PEOPLE) and value != value.to_integral_value():
        raise ReportingError(_("This indicator counts: give a whole number."))
    row = ManualValue.objects.select_for_update().filter(indicator=indicator, year=year).first()
    if row is None:
        row = ManualValue(indicator=indicator, year=year)
    if row.pk is None and upload is None:
        raise ReportingError(_("Attach the evidence (a PDF)."))
    row.value = value
    row.note = note
    row.recorded_by = actor
    if upload is not None:
        row.file_name = upload.name[-200:]
        row.file.save(upload.name, upload, save=False)
    row.save()
    # The earlier value's file stays: its version (and any report that counted it) links to it.
    ManualValueVersion.objects.create(
        manual_value=row,
        value=row.value,
        note=row.note,
        file=row.file.name,
        file_name=row.file_name,
        recorded_by=actor,
    )
    log_action(indicator, "reporting.value_recorded", actor=actor, data={"year": year, "value": value})
    return row


# --- the annual report -----------------------------------------------------------------------------


@transaction.atomic
def request_report(programme: Programme, *, year: int, language: str, actor: Any, fresh: bool) -> AnnualReport:
    """The report of ``year``. Unless ``fresh``, the latest snapshot of that year is returned as it
    is (a past year regenerates with its stored numbers); otherwise a new snapshot is queued for the
    task worker (one at a time per programme and year)."""
    Programme.objects.select_for_update().get(pk=programme.pk)
    if not programme.start_year <= year <= programme.end_year:
        raise ReportingError(_("The year must lie within the programme."))
    if year > timezone.localdate().year:
        # A year not begun would be an empty snapshot that the board's "generate" then returns.
        raise ReportingError(
            _("%(year)s has not begun: a report covers the current year or a past one.") % {"year": year}
        )
    active = AnnualReport.objects.filter(programme=programme, year=year, state__in=ACTIVE).first()
    if active is not None:
        return active
    if not fresh:
        done = AnnualReport.objects.filter(programme=programme, year=year, state=DONE).first()
        if done is not None:
            return done
    report = AnnualReport.objects.create(programme=programme, year=year, language=language, created_by=actor)
    log_action(programme, "reporting.report_requested", actor=actor, data={"report": report.code, "year": year})
    transaction.on_commit(lambda: _enqueue(report.pk))
    return report


def _enqueue(report_id: int) -> None:
    from grappe.reporting import tasks

    tasks.build_report.enqueue(report_id)


def build_report(report_id: int, *, as_of: dt.datetime | None = None) -> bool:
    """The task: compute every indicator (figures and counted ids), then draw the PDF and the
    workbook from what was stored. Claimed once; progress written as it goes."""
    from grappe.core.replay import store_inputs
    from grappe.engine import ENGINE_VERSION
    from grappe.reporting import documents, queries

    if not claim(AnnualReport, report_id):
        return False
    report = AnnualReport.objects.select_related("programme").get(pk=report_id)
    as_of = as_of or timezone.now()
    with heartbeat(AnnualReport, report_id):

        def progress(done: int, total: int) -> None:
            share = int(done * 90 / max(total, 1))
            AnnualReport.objects.filter(pk=report_id, state=RUNNING).update(progress=share)

        payload = queries.snapshot_inputs(report.programme, report.year, as_of=as_of, progress=progress)
        stored = store_inputs(payload)
        figures, records = queries.figures_from_inputs(payload)
        report.figures, report.records, report.computed_at = figures, records, as_of
        AnnualReport.objects.filter(pk=report_id).update(
            figures=figures,
            records=records,
            computed_at=as_of,
            engine_version=ENGINE_VERSION,
            inputs_hash=stored.digest,
            inputs=stored,
        )
        with tempfile.TemporaryFile() as pdf, tempfile.TemporaryFile() as xlsx:
            documents.write_pdf(report, pdf)
            AnnualReport.objects.filter(pk=report_id, state=RUNNING).update(progress=95)
            documents.write_xlsx(report, xlsx)
            pdf.seek(0)
            xlsx.seek(0)
            report.pdf.save(f"report-{report.year}.pdf", File(pdf), save=False)
            report.xlsx.save(f"report-{report.year}.xlsx", File(xlsx), save=False)
    done = AnnualReport.objects.filter(pk=report_id, state=RUNNING).update(
        state=DONE, progress=100, pdf=report.pdf.name, xlsx=report.xlsx.name, finished_at=timezone.now()
    )
    if not done:
        for f in (report.pdf, report.xlsx):
            f.storage.delete(f.name)
        return False
    log_action(report.programme, "reporting.report_built", actor=None, data={"report": report.code})
    return True


def fail_report(report_id: int, error: str) -> None:
    AnnualReport.objects.filter(pk=report_id, state__in=ACTIVE).update(
        state="failed", error=error[:2000], finished_at=timezone.now()
    )
