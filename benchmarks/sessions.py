"""Logged-in sessions for the benchmarks, with the second factor already given.

A benchmark must not log in through the forms for each reader (the login throttle and the
time-based codes are in the way), so it writes the session Django's login and django-otp's
verification would have written: the user, the password hash, the verified device, nothing
owed. Only the sessions table is written to; `end_sessions` removes them again.
"""

import time

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user

from tracking import two_factor
from tracking.middleware import IdleSessionMiddleware
from tracking.models import User

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def verified_session(username: str) -> str:
    """The key of a new session of `username`, logged in and past the second factor."""
    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = MODEL_BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[two_factor.SESSION_KEY] = two_factor.NOTHING
    session[IdleSessionMiddleware.KEY] = int(time.time())
    device = next(iter(devices_for_user(user, confirmed=True)), None)
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    assert session.session_key
    return session.session_key


def end_sessions(keys: list[str]) -> None:
    for key in keys:
        SessionStore(session_key=key).delete()


def verified_client(username: str | None, language: str | None = None) -> Client:
    """A test client of `username` (None: anonymous), in `language` if given (by the cookie
    the language chooser sets; a language saved on the profile would still win)."""
    client = Client(HTTP_HOST="127.0.0.1")
    if username:
        client.cookies[settings.SESSION_COOKIE_NAME] = verified_session(username)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client
