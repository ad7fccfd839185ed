"""Personal API tokens: made, checked and revoked here; only their SHA-256 is stored."""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular import authentication as spectacular
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from ..models import ApiToken, User

TOKEN_PREFIX = "dt_"
# last_used_at is written at most this often, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token of `user` and its secret, which is shown once and never stored."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[: len(TOKEN_PREFIX) + 6], key_hash=hash_key(key)
    )
    return token, key


def token_revoke(*, user: User, pk: int) -> bool:
    """Revokes one of the user's own tokens; False if it is not theirs or already revoked."""
    revoked = ApiToken.objects.filter(pk=pk, user=user, revoked_at__isnull=True)
    return bool(revoked.update(revoked_at=timezone.now()))


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`; request.auth is then the ApiToken."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as “Bearer <token>”."))
        token = (
            ApiToken.objects.active()
            .select_related("user")
            .filter(key_hash=hash_key(header[1]))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid or was revoked."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class SessionAuthentication(authentication.SessionAuthentication):
    """A browser's session: a write without the CSRF token is refused in the user's language
    (DRF's own words are English only)."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(
                _("CSRF verification failed. Request aborted.")  # Django's words, translated
            ) from None


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Names the token scheme in the OpenAPI document."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Bearer"
        )


class SessionScheme(spectacular.SessionScheme):
    """Names the session (cookie) scheme in the OpenAPI document, as for DRF's own class."""

    target_class = "tracking.api.authentication.SessionAuthentication"
