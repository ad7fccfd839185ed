"""Errors as RFC 9457 problem details: `application/problem+json` with type, title, status,
detail and instance; validation errors listed under `errors`, each with a JSON pointer."""

from http import HTTPStatus
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..assistance import AssistanceRefused
from ..services import FilingRefused
from ..versioning import EditConflict

CONTENT_TYPE = "application/problem+json"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"


class FilingConflict(exceptions.APIException):
    """The record's submission or cycle refuses the change (sealed, closed, nothing open), or
    a rule of technical assistance does (an unfitting match, a withdrawn offer)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "filing_refused"


def problem(status_code: int, detail: str, *, instance: str = "", **extra: Any) -> Response:
    """A problem details response; `type` is about:blank, so `title` is the status phrase."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    return Response(body, status=status_code, content_type=CONTENT_TYPE)


def _errors(detail: Any, pointer: str = "") -> list[dict[str, str]]:
    """DRF's nested error details as a flat list of {pointer, detail}."""
    if isinstance(detail, dict):
        return [e for key, value in detail.items() for e in _errors(value, f"{pointer}/{key}")]
    if isinstance(detail, list):
        return [e for item in detail for e in _errors(item, pointer)]
    return [{"pointer": f"#{pointer}", "detail": str(detail)}]


def exception_handler(exc: Exception, context: dict) -> Response | None:
    problems: list[dict[str, Any]] = []
    if isinstance(exc, FilingRefused):
        # What stops a submission, each with its paragraph, as the submission page lists them.
        problems = [
            {"paragraph": p.paragraph.number if p.paragraph else None, "detail": str(p.message)}
            for p in exc.problems
            if hasattr(p, "message")
        ]
        exc = FilingConflict(str(exc))
    elif isinstance(exc, AssistanceRefused):
        exc = FilingConflict(str(exc))
    elif isinstance(exc, EditConflict):
        exc = exceptions.APIException(exc.message)
        exc.status_code = status.HTTP_412_PRECONDITION_FAILED
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's handler answers it
    request = context["request"]
    if isinstance(exc, exceptions.ValidationError):
        detail, extra = _("The request is not valid."), {"errors": _errors(exc.detail)}
    elif isinstance(exc, Stale):
        detail, extra = str(exc.detail), {"current": exc.current}
    else:
        data = response.data if isinstance(response.data, dict) else {}
        detail, extra = str(data.get("detail", "")), {"problems": problems} if problems else {}
    result = problem(response.status_code, detail, instance=request.get_full_path(), **extra)
    for header in ("Retry-After", "WWW-Authenticate", "Allow"):
        if header in response:
            result[header] = response[header]
    if isinstance(exc, Stale):
        result["ETag"] = exc.etag
    return result


class Stale(exceptions.APIException):
    """If-Match names a version that is no longer the record's: here is the current one."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale"

    def __init__(self, current: Any, etag: str) -> None:
        super().__init__(_("The record changed since you read it: nothing was saved."))
        self.current, self.etag = current, etag
