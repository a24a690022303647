"""RFC 9457 problem details: every error the API answers is ``application/problem+json``."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from grappe.core.services import ConcurrentEditError

PROBLEM_TYPE = "https://grappe.example/problems/"
TITLES = {
    400: gettext_lazy("Bad request"),
    401: gettext_lazy("Unauthorized"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    409: gettext_lazy("Conflict"),
    412: gettext_lazy("Precondition failed"),
    413: gettext_lazy("Content too large"),
    422: gettext_lazy("Unprocessable content"),
    428: gettext_lazy("Precondition required"),
}


class Problem(Schema):
    """An error, as RFC 9457 describes it; ``errors`` lists the fields at fault when there are."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None


class ApiProblem(Exception):
    """Raised by endpoints to answer a problem (status, detail, optional field errors)."""

    def __init__(self, status: int, detail: str, *, kind: str = "", errors: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.kind, self.errors = status, detail, kind, errors


def problem(status: int, detail: str, *, kind: str = "", errors: list[dict[str, Any]] | None = None) -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + (kind or str(status)),
        "title": str(TITLES.get(status, _("Error"))),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = JsonResponse(body, status=status, content_type="application/problem+json")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="grappe"'
    return response


# pydantic's messages by error type, in the request's language (the rest keep pydantic's English).
MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "extra_forbidden": gettext_lazy("This field is not allowed here."),
    "string_type": gettext_lazy("Enter text."),
    "string_too_long": gettext_lazy("This text is too long."),
    "string_too_short": gettext_lazy("This text is too short."),
    "int_type": gettext_lazy("Enter a whole number."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "bool_type": gettext_lazy("Enter true or false."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "list_type": gettext_lazy("Enter a list."),
    "dict_type": gettext_lazy("Enter an object."),
    "model_attributes_type": gettext_lazy("Enter an object."),
    "decimal_parsing": gettext_lazy("Enter a number."),
    "decimal_type": gettext_lazy("Enter a number."),
    "float_parsing": gettext_lazy("Enter a number."),
    "date_from_datetime_parsing": gettext_lazy("Enter a date (YYYY-MM-DD)."),
    "date_parsing": gettext_lazy("Enter a date (YYYY-MM-DD)."),
    "datetime_parsing": gettext_lazy("Enter a date and time (ISO 8601)."),
    "literal_error": gettext_lazy("Choose one of the allowed values."),
    "enum": gettext_lazy("Choose one of the allowed values."),
    "too_long": gettext_lazy("Too many items."),
    "greater_than_equal": gettext_lazy("This number is too small."),
    "less_than_equal": gettext_lazy("This number is too large."),
}


def _loc(parts: Any) -> list[str]:
    """ninja names the body parameter too (``["body", "body", "title"]``): keep ``["body", "title"]``."""
    loc = [str(part) for part in parts]
    if len(loc) >= 2 and loc[0] in ("body", "query", "path", "header") and loc[1] in ("body", "filters", "query"):
        loc.pop(1)
    return loc


def _jsonable_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "loc": _loc(error.get("loc", ())),
            "msg": str(MESSAGES.get(str(error.get("type", "")), error.get("msg", ""))),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]


def install(api: NinjaAPI) -> None:
    """Replace ninja's default error answers by problem details."""

    def on_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
        return problem(exc.status, exc.detail, kind=exc.kind, errors=exc.errors)

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem(
            422, _("Some values are missing or invalid."), kind="invalid", errors=_jsonable_errors(exc.errors)
        )

    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(401, _("A valid API token is needed (Authorization: Bearer …)."), kind="unauthorized")

    def on_http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail = _("The request body is not valid JSON.") if exc.status_code == 400 else str(exc)
        return problem(exc.status_code, detail)

    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(404, _("Nothing here, or nothing you may see."), kind="not-found")

    def on_stale(request: HttpRequest, exc: ConcurrentEditError) -> HttpResponse:
        return problem(
            412,
            _("The object changed since you read it (its ETag differs): read it again, then redo the change."),
            kind="stale",
        )

    api.add_exception_handler(ApiProblem, on_problem)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(AuthenticationError, on_auth)
    api.add_exception_handler(HttpError, on_http)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(ConcurrentEditError, on_stale)
