"""Answers "temporarily unavailable" while the database is down, instead of a server error;
speaks a logged-in user's language; ends sessions left idle; holds back a user who still owes
a second factor."""

import logging
import time
from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.template.loader import get_template
from django.urls import ResolverMatch
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import two_factor
from .models import Membership
from .permissions import participant_ids

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


class UserLanguageMiddleware:
    """A logged-in user who chose a language on their profile gets it on every page, whatever
    the browser or the cookie says; with none saved, LocaleMiddleware's choice stands."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = getattr(request.user, "language", "")
        if language and translation.check_for_language(language):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class IdleSessionMiddleware:
    """Logs out a session left idle too long, and says so on the login page.

    The secretariat and coordinators (who approve and manage) get SESSION_IDLE_TIMEOUT; everyone
    else SESSION_IDLE_TIMEOUT_OTHERS. Last activity is kept in the session: set at login
    (`session_start`), then refreshed at most once a minute so that not every request writes the
    session; the user's role is looked up only once a session was idle past the shorter limit.
    """

    KEY = "last_activity"
    RESOLUTION = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        now = int(time.time())
        last = request.session.get(self.KEY)
        idle = now - last if isinstance(last, int) else 0
        timeout = idle_timeout(request.user) if idle > _shortest_idle_timeout() else None
        if timeout is not None and idle > timeout:
            logout(request)
            messages.info(
                request,
                _("You were logged out after %(minutes)s minutes without activity. Log in again.")
                % {"minutes": timeout // 60},
            )
            return
        if last is None or idle >= self.RESOLUTION:
            request.session[self.KEY] = now


def _shortest_idle_timeout() -> int:
    return min(settings.SESSION_IDLE_TIMEOUT, settings.SESSION_IDLE_TIMEOUT_OTHERS)


def idle_timeout(user) -> int:
    """Seconds of inactivity after which the user's session ends."""
    manages = user.is_secretariat or participant_ids(user, (Membership.Role.COORDINATOR,))
    return settings.SESSION_IDLE_TIMEOUT if manages else settings.SESSION_IDLE_TIMEOUT_OTHERS


def session_start(sender, request: HttpRequest, user, **kwargs) -> None:
    """On login (the `user_logged_in` signal): activity starts now, in the session being saved."""
    if request is not None and hasattr(request, "session"):
        request.session[IdleSessionMiddleware.KEY] = int(time.time())


class TwoFactorMiddleware:
    """Until the second factor is given, a user who owes one reaches only the two-factor pages
    and logout; anything else redirects to the code (or enrolment) page."""

    # The language chooser too: the code page may be in a language the user cannot read.
    OPEN_PAGES = {"two_factor_verify", "two_factor_setup", "logout", "language"}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        # Django resolves the URL before it calls any process_view.
        if cast(ResolverMatch, request.resolver_match).url_name in self.OPEN_PAGES:
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
