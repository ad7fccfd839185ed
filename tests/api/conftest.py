"""API clients of the named cast: each with a personal token, as a script would hold."""

import pytest
from django.core.cache import cache
from django.test import Client

from tracking.api.authentication import token_create


class ApiClient:
    """Django's test client with `Authorization: Bearer <token>` and JSON bodies."""

    def __init__(self, user=None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            self.token, secret = token_create(user=user, name="tests")
            self.headers["Authorization"] = f"Bearer {secret}"

    def _send(self, method, url, data=None, headers=None, **kwargs):
        kwargs.setdefault("content_type", "application/json")
        if kwargs["content_type"] is None:
            del kwargs["content_type"]  # multipart
        return getattr(self.client, method)(
            url, data, headers={**self.headers, **(headers or {})}, **kwargs
        )

    def get(self, url, data=None, **kwargs):
        return self.client.get(url, data, headers={**self.headers, **kwargs.pop("headers", {})})

    def post(self, url, data=None, **kwargs):
        return self._send("post", url, data, **kwargs)

    def patch(self, url, data=None, **kwargs):
        return self._send("patch", url, data, **kwargs)

    def delete(self, url, **kwargs):
        return self._send("delete", url, None, **kwargs)


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """The request budget is kept in the cache: each test starts with a full one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """api(user) → a client holding a token of `user`; api() → one without credentials."""
    return ApiClient
