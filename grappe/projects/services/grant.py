"""The grant record: edits before signature, the signature, amendments."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from grappe.core.money import format_money
from grappe.core.services import diff, log_action, save_versioned
from grappe.projects.models import AMENDABLE, Amendment, Grant, GrantDocument, GrantState
from grappe.projects.services.opening import ProjectError

# --- The grant record ---------------------------------------------------------------------------

# What the grant's maximum may not go below, told by the apps that hold the project's money
# (``funding`` registers the paid instalments, the accepted statements and the schedule: projects
# never imports funding). Each function gives ``[(what, amount)]`` for a grant.
MaximumFloor = Callable[[Grant], list[tuple[str, Decimal]]]
MAXIMUM_FLOORS: list[MaximumFloor] = []


def register_maximum_floor(floor: MaximumFloor) -> None:
    if floor not in MAXIMUM_FLOORS:
        MAXIMUM_FLOORS.append(floor)


def maximum_floor(grant: Grant) -> tuple[Decimal, list[tuple[str, Decimal]]]:
    """The lowest maximum the grant may have, and the figures it comes from."""
    figures = [figure for floor in MAXIMUM_FLOORS for figure in floor(grant)]
    return max((amount for _what, amount in figures), default=Decimal("0")), figures


def grant_problems(grant: Grant, values: dict[str, Any]) -> dict[str, str]:
    """What is wrong with these grant values, per field (empty when they may be saved).

    The maximum may not exceed the award (what the programme's ledger committed), nor go below
    what the project already uses (paid, accepted spending, scheduled payments); the end comes
    after the start and inside the programme.
    """
    problems: dict[str, str] = {}
    award = grant.project.award
    amount = values.get("max_amount", grant.max_amount)
    if amount is not None and amount > award.amount:
        problems["max_amount"] = _("%(amount)s is more than the award committed for this project (%(limit)s).") % {
            "amount": format_money(amount),
            "limit": format_money(award.amount),
        }
    elif amount is not None and amount != grant.max_amount:
        floor, figures = maximum_floor(grant)
        if amount < floor:
            problems["max_amount"] = _(
                "%(amount)s is below what the project already uses (%(figures)s): the maximum must be at "
                "least %(floor)s."
            ) % {
                "amount": format_money(amount),
                "figures": pgettext("list separator", "; ").join(
                    f"{what} {format_money(value)}" for what, value in figures
                ),
                "floor": format_money(floor),
            }
    start, end = values.get("start_date", grant.start_date), values.get("end_date", grant.end_date)
    last = dt.date(grant.project.call.programme.end_year, 12, 31)
    if start and end and end <= start:
        problems["end_date"] = _("The end must come after the start.")
    elif end and end > last:
        problems["end_date"] = _("The project must end by the programme's last day (%(last)s).") % {
            "last": date_format(last, "SHORT_DATE_FORMAT")
        }
    return problems


def signature_problem(grant: Grant, day: dt.date | None, *, amendment: bool = False) -> str | None:
    """A signature date is never in the future (Europe/Paris); an amendment's is not before the
    grant's own signature."""
    if day is None:
        return None
    today = timezone.localdate()
    if day > today:
        return _("A signature date cannot be in the future: give the day it was signed (today is %(today)s).") % {
            "today": date_format(today, "SHORT_DATE_FORMAT")
        }
    if amendment and grant.signed_on and day < grant.signed_on:
        return _("An amendment is signed after the grant itself (signed on %(day)s).") % {
            "day": date_format(grant.signed_on, "SHORT_DATE_FORMAT")
        }
    return None


def _readable(value: Any) -> Any:
    return str(value) if isinstance(value, models.Model) else value


def _check(grant: Grant, changes: dict[str, Any]) -> None:
    problems = grant_problems(grant, changes)
    if problems:
        raise ProjectError(" ".join(problems.values()))


@transaction.atomic
def update_grant(grant: Grant, *, changes: dict[str, Any], expected_version: int, actor: Any) -> dict[str, list[Any]]:
    """Change the grant while it is being prepared; once signed, changes are amendments."""
    grant = (
        Grant.objects.select_for_update().select_related("project__award", "project__call__programme").get(pk=grant.pk)
    )
    if grant.state != GrantState.DRAFT:
        raise ProjectError(_("The grant is signed: record an amendment instead."))
    changes = {k: v for k, v in changes.items() if k in AMENDABLE}
    _check(grant, changes)
    changed = diff(grant, changes)
    if changed:
        save_versioned(grant, changes, expected_version=expected_version)
        log_action(grant.project, "grant.updated", actor=actor, data={"changed": _json_diff(changed)})
    return changed


def _json_diff(changed: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {k: [_readable(a), _readable(b)] for k, (a, b) in changed.items()}


def _document(grant: Grant, title: str, upload: UploadedFile, actor: Any) -> GrantDocument:
    return GrantDocument.objects.create(
        grant=grant, title=title, file=upload, file_name=upload.name or "document.pdf", uploaded_by=actor
    )


@transaction.atomic
def sign_grant(grant: Grant, *, signed_on: dt.date, document: UploadedFile, expected_version: int, actor: Any) -> Grant:
    """Record the signature with the signed convention (PDF); later changes need an amendment."""
    locked = Grant.objects.select_for_update().get(pk=grant.pk)
    if locked.state != GrantState.DRAFT:
        raise ProjectError(_("The grant is already signed."))
    problem = signature_problem(locked, signed_on)
    if problem:
        raise ProjectError(problem)
    save_versioned(grant, {"state": GrantState.SIGNED, "signed_on": signed_on}, expected_version=expected_version)
    _document(grant, str(_("Signed grant agreement")), document, actor)
    log_action(grant.project, "grant.signed", actor=actor, data={"signed_on": signed_on})
    return grant


@transaction.atomic
def amend_grant(
    grant: Grant,
    *,
    changes: dict[str, Any],
    reason: str,
    signed_on: dt.date,
    document: UploadedFile,
    expected_version: int,
    actor: Any,
) -> Amendment:
    """Record an amendment to the signed grant: its number, reason, date, before/after and the
    signed document; the grant then shows the new values."""
    grant = (
        Grant.objects.select_for_update().select_related("project__award", "project__call__programme").get(pk=grant.pk)
    )
    if grant.state != GrantState.SIGNED:
        raise ProjectError(_("Only a signed grant is amended: while it is prepared, edit it."))
    if len(reason.strip()) < 10:
        raise ProjectError(_("Say why the grant is amended (10 characters at least)."))
    problem = signature_problem(grant, signed_on, amendment=True)
    if problem:
        raise ProjectError(problem)
    changes = {k: v for k, v in changes.items() if k in AMENDABLE}
    _check(grant, changes)
    changed = diff(grant, changes)
    if not changed:
        raise ProjectError(_("This amendment changes nothing: change at least one value."))
    save_versioned(grant, changes, expected_version=expected_version)
    number = (grant.amendments.aggregate(n=Max("number"))["n"] or 0) + 1
    doc = _document(grant, str(_("Amendment %(n)s") % {"n": number}), document, actor)
    amendment = Amendment.objects.create(
        grant=grant,
        number=number,
        reason=reason.strip(),
        signed_on=signed_on,
        changes=json.loads(json.dumps(_json_diff(changed), cls=DjangoJSONEncoder)),
        document=doc,
        created_by=actor,
    )
    log_action(grant.project, "grant.amended", actor=actor, data={"number": number, "changed": _json_diff(changed)})
    return amendment


@transaction.atomic
def add_grant_document(grant: Grant, *, title: str, upload: UploadedFile, actor: Any) -> GrantDocument:
    doc = _document(grant, title, upload, actor)
    log_action(grant.project, "grant.document_added", actor=actor, data={"title": title})
    return doc
