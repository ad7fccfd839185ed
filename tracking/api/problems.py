"""Errors as RFC 9457 problem details: `application/problem+json` with type, title, status,
detail and instance; validation errors listed under `errors`, each with a JSON pointer.

DRF's views answer theirs through `exception_handler`; `ProblemMiddleware` turns what Django
answers itself under /api/ (an unknown address, a method no view takes, a refused request, a
server error) into the same documents, so a script never has to parse an HTML page.
"""

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..assistance import AssistanceRefused
from ..services import FilingRefused
from ..versioning import EditConflict

CONTENT_TYPE = "application/problem+json"
API_PATH = "/api/"

# `type` is about:blank, so `title` is the status's phrase (RFC 9457 allows it translated).
TITLES = {
    400: gettext_lazy("Bad Request"),
    401: gettext_lazy("Unauthorized"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not Found"),
    405: gettext_lazy("Method Not Allowed"),
    406: gettext_lazy("Not Acceptable"),
    409: gettext_lazy("Conflict"),
    412: gettext_lazy("Precondition Failed"),
    413: gettext_lazy("Content Too Large"),
    415: gettext_lazy("Unsupported Media Type"),
    422: gettext_lazy("Unprocessable Content"),
    428: gettext_lazy("Precondition Required"),
    429: gettext_lazy("Too Many Requests"),
    500: gettext_lazy("Internal Server Error"),
    503: gettext_lazy("Service Unavailable"),
}


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"


class ContentTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "content_too_large"


class FilingConflict(exceptions.APIException):
    """The record's submission or cycle refuses the change (sealed, closed, nothing open), or
    a rule of technical assistance does (an unfitting match, a withdrawn offer)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "filing_refused"


class StateConflict(exceptions.APIException):
    """The record is not in a state that allows the change (a report that has not failed)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "state_conflict"


def problem_body(status_code: int, detail: str, *, instance: str = "", **extra: Any) -> dict:
    return {
        "type": "about:blank",
        "title": str(TITLES.get(status_code, HTTPStatus(status_code).phrase)),
        "status": status_code,
        "detail": detail,
        "instance": instance,
        **extra,
    }


def problem(status_code: int, detail: str, *, instance: str = "", **extra: Any) -> Response:
    body = problem_body(status_code, detail, instance=instance, **extra)
    return Response(body, status=status_code, content_type=CONTENT_TYPE)


def too_large() -> ContentTooLarge:
    return ContentTooLarge(
        _(
            "The request is too large: a JSON body or a form's fields may hold up to %(fields)s, "
            "a file up to %(file)s."
        )
        % {
            "fields": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
            "file": filesizeformat(settings.EVIDENCE_MAX_UPLOAD_SIZE),
        }
    )


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
    elif isinstance(exc, RequestDataTooBig):
        exc = too_large()
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


def _detail(request: HttpRequest, status_code: int) -> str:
    """What Django's own error means, in DRF's words (translated in DRF's catalogs)."""
    if status_code == 404:
        return str(exceptions.NotFound.default_detail)
    if status_code == 405:
        return str(exceptions.MethodNotAllowed.default_detail).format(method=request.method)
    if status_code == 403:
        return str(exceptions.PermissionDenied.default_detail)
    if status_code == 503:
        return _(
            "Its database does not answer at the moment. Please try again in a minute; if you "
            "were saving something, check afterwards that it was saved. If this lasts, tell the "
            "secretariat."
        )
    if status_code >= 500:
        return str(exceptions.APIException.default_detail)  # nothing of the exception
    return str(exceptions.ParseError.default_detail)


class ProblemMiddleware:
    """Under /api/, an error page that Django rendered becomes a problem document.

    The response keeps its status and headers (Allow, Retry-After, the security headers);
    Django has already logged what failed, as it does for the pages. The pages keep theirs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path_info.startswith(API_PATH)
            and not response.streaming
            and response.get("Content-Type") != CONTENT_TYPE
        ):
            status_code = response.status_code
            body = problem_body(
                status_code, _detail(request, status_code), instance=request.get_full_path()
            )
            response.content = JSONRenderer().render(body)
            response["Content-Type"] = CONTENT_TYPE
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
