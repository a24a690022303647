"""Periodic reports (sections of the programme's template, answered by the lead, reviewed by the
office) and the structured outputs they declare (publications imported from BibTeX/HAL or DOI lists)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.services import ConcurrentEditError, log_action
from grappe.projects.models import DEFAULT_SECTIONS, Output, OutputKind, Project, Report, ReportState, ReportTemplate
from grappe.projects.services import notify
from grappe.projects.services.opening import ProjectError
from grappe.projects.services.workplan import outside_dates

DOI = re.compile(r"\b(10\.\d{4,9}/\S+)", re.IGNORECASE)
# Crossref's pattern for modern DOIs (what a DOI may contain after the prefix).
DOI_SYNTAX = re.compile(r"10\.\d{4,9}/[-._;()/:A-Z0-9<>\[\]]+", re.IGNORECASE)


def sections_for(project: Project) -> list[dict[str, str]]:
    template = ReportTemplate.objects.filter(programme_id=project.call.programme_id).first()
    return list(template.sections) if template and template.sections else list(DEFAULT_SECTIONS)


@transaction.atomic
def schedule_report(project: Project, *, title: str, due_date: dt.date, actor: Any) -> Report:
    """Ask the project for a report due on ``due_date``, with the programme's sections of today."""
    problem = outside_dates(project, {"due_date": due_date})
    if problem:
        raise ProjectError(problem)
    report = Report.objects.create(
        project=project, title=title.strip(), due_date=due_date, sections=sections_for(project)
    )
    log_action(project, "report.scheduled", actor=actor, data={"title": report.title, "due": due_date})
    return report


def _locked(report: Report, expected_version: int) -> Report:
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.version != expected_version:
        raise ConcurrentEditError()
    return locked


@transaction.atomic
def save_report(report: Report, *, answers: dict[str, str], submit: bool, expected_version: int, actor: Any) -> Report:
    """Save the lead's answers; submitting needs every section answered."""
    locked = _locked(report, expected_version)
    if locked.state not in ReportState.editable():
        raise ProjectError(_("This report is submitted: it can no longer be changed."))
    answers = {str(i): answers.get(str(i), "").strip() for i in range(len(locked.sections))}
    if submit and not all(answers.values()):
        raise ProjectError(_("Answer every section before submitting the report."))
    report.answers = answers
    report.version = expected_version + 1
    if submit:
        report.state = ReportState.SUBMITTED
        report.submitted_at = timezone.now()
    report.save()
    log_action(
        report.project, "report.submitted" if submit else "report.saved", actor=actor, data={"report": report.code}
    )
    return report


@transaction.atomic
def review_report(report: Report, *, accept: bool, comment: str, expected_version: int, actor: Any) -> Report:
    locked = _locked(report, expected_version)
    if locked.state != ReportState.SUBMITTED:
        raise ProjectError(_("Only a submitted report can be accepted or returned."))
    if not accept and len(comment.strip()) < 10:
        raise ProjectError(_("Say what to change before returning it (10 characters at least)."))
    report.state = ReportState.ACCEPTED if accept else ReportState.RETURNED
    if accept:
        report.accepted_at = timezone.now()
    report.office_comment = comment.strip()
    report.version = expected_version + 1
    report.save()
    log_action(
        report.project,
        f"report.{report.state}",
        actor=actor,
        data={"report": report.code, "comment": report.office_comment},
    )
    notify.tell_decision(
        report.project,
        what="report",
        label=report.title,
        accepted=accept,
        comment=report.office_comment,
        url=notify.link("projects:report", report.project.code, report.code),
        people=notify.people_to_tell(report.project),
    )
    return report


def parse_dois(content: str) -> list[str]:
    """The DOIs of a list, one or more per line (bare, ``doi:…`` or ``https://doi.org/…``),
    lower-cased (DOIs ignore case) and without repeats. A line with text but no valid DOI is an
    error naming the line. No network look-up: the DOI stands as the title until edited."""
    dois: dict[str, None] = {}
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        found = [m.rstrip(".,;") for m in DOI.findall(line)]
        if not found:
            raise ProjectError(
                _("Line %(n)s has no valid DOI (10.NNNN/…): “%(text)s”.") % {"n": number, "text": line.strip()[:60]}
            )
        for doi in found:
            if not DOI_SYNTAX.fullmatch(doi):
                raise ProjectError(_("Line %(n)s: “%(doi)s” is not a valid DOI.") % {"n": number, "doi": doi[:60]})
            dois[doi.lower()] = None
    if not dois:
        raise ProjectError(_("No DOI (10.xxxx/…) was found in this list."))
    return list(dois)


def parse_outputs(content: str, fmt: str) -> list[dict[str, Any]]:
    """Publications from a BibTeX export (HAL, ORCID) or a list of DOIs, one or more per line."""
    if fmt == "doi":
        return [{"title": doi, "identifier": doi, "year": None, "authors": []} for doi in parse_dois(content)]
    from grappe.review.services import ReviewError, parse_publications

    try:
        found = parse_publications(content, "bibtex")
    except ReviewError as exc:
        raise ProjectError(str(exc)) from exc
    return [
        {
            "title": p["title"],
            "identifier": (p.get("doi") or "").lower() or p["external_id"],  # the DOI when the entry has one
            "year": p["year"],
            "authors": p["authors"],
        }
        for p in found
    ]


@transaction.atomic
def add_outputs(report: Report, *, kind: str, items: list[dict[str, Any]], actor: Any) -> int:
    """Declare outputs in a report; publications already declared in the project (same DOI or
    identifier) are skipped. Returns how many were added. An accepted report's outputs are frozen:
    they are what the indicators count (from ``accepted_at``)."""
    if kind not in OutputKind.values:
        raise ProjectError(_("Choose a kind of output from the list."))
    if Report.objects.select_for_update().get(pk=report.pk).state == ReportState.ACCEPTED:
        raise ProjectError(_("This report is accepted: its outputs can no longer be changed."))
    known = set(
        Output.objects.filter(project=report.project).exclude(identifier="").values_list("identifier", flat=True)
    )
    new = []
    for item in items:
        identifier = (item.get("identifier") or "").strip()
        if identifier.startswith("10."):  # a DOI: case does not matter
            identifier = identifier.lower()
        if identifier and identifier in known:
            continue
        known.add(identifier)
        new.append(
            Output(
                project=report.project,
                report=report,
                kind=kind,
                title=str(item["title"])[:500],
                year=item.get("year"),
                identifier=identifier[:200],
                authors=item.get("authors") or [],
            )
        )
    Output.objects.bulk_create(new)
    log_action(
        report.project,
        "report.outputs_added",
        actor=actor,
        data={"report": report.code, "kind": kind, "count": len(new)},
    )
    return len(new)
