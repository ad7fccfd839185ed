"""Answers "temporarily unavailable" while the database is down, instead of a server error."""

import logging
from collections.abc import Callable

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.template.loader import get_template
from django.utils.http import urlencode

from . import two_factor

logger = logging.getLogger(__name__)

# The errors of a database that is unreachable, restarting or too slow to answer.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def unavailable_response() -> HttpResponse:
    """The 503 page, rendered without a request: no context processor may query the database."""
    response = HttpResponse(get_template("503.html").render({}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A view that loses the database answers 503 with Retry-After, so clients come back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.error("Database unavailable on %s: %s", request.path, exception)
        return unavailable_response()


class TwoFactorMiddleware:
    """Until the second factor is given, a user who owes one reaches only the two-factor pages
    and logout; anything else redirects to the code (or enrolment) page."""

    OPEN_PAGES = {"two_factor_verify", "two_factor_setup", "logout"}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match.url_name in self.OPEN_PAGES:
            return None
        if two_factor.SESSION_KEY not in request.session:  # a session from before two-factor
            request.session[two_factor.SESSION_KEY] = two_factor.owed(user)
        step = request.session[two_factor.SESSION_KEY]
        if not step:
            return None
        target = resolve_url(f"two_factor_{step}")
        return HttpResponseRedirect(
            f"{target}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}"
        )
