"""What every endpoint shares: error responses in the schema, form-based filters, ETags."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext as _

from grappe.api.problems import ApiProblem, Problem

# The error answers documented on every operation (all are problem details).
ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 413, 422), Problem)
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 409: Problem, 412: Problem, 428: Problem}


def form_errors(form: forms.BaseForm, where: str = "body") -> list[dict[str, Any]]:
    """The form's errors as problem-details items: ``loc`` is ``[where, field]`` (``where``: "body"
    or "query"), or ``[where]`` for an error about the whole."""
    return [
        {"loc": [where] if name == "__all__" else [where, name], "msg": str(msg), "type": "invalid"}
        for name, messages in form.errors.items()
        for msg in messages
    ]


def cleaned(form: forms.BaseForm) -> dict[str, Any]:
    """The UI's filter form, cleaned; its errors answer 422 (same rules as the pages)."""
    if not form.is_valid():
        raise ApiProblem(422, _("Some filters are invalid."), kind="invalid", errors=form_errors(form, "query"))
    return form.cleaned_data


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: HttpRequest, if_match: str | None) -> int:
    """The version named by ``If-Match`` (428 when missing, 412 when it is not one of ours)."""
    if not if_match:
        raise ApiProblem(
            428, _("Send If-Match with the ETag you read, so that a stale write is refused."), kind="if-match"
        )
    # If-Match uses the strong comparison (RFC 9110 §13.1.1): a weak tag such as W/"3" never matches.
    value = if_match.strip()
    if value.startswith("W/"):
        raise ApiProblem(412, _("If-Match needs the strong ETag you read, not a weak one."), kind="stale")
    value = value.strip('"')
    if not value.isdigit() or len(value) > 9:
        raise ApiProblem(412, _("If-Match does not name a version of this object."), kind="stale")
    return int(value)
