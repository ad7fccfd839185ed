"""The error handler for what fails outside a view (sessions, authentication, responses)."""

import sys

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as default_server_error

from ..middleware import DATABASE_UNAVAILABLE, unavailable_response


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """503 when the database is down (e.g. while loading the session), else the 500 page."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return unavailable_response()
    return default_server_error(request)
