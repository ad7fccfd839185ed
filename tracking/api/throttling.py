"""A request budget per token (or per user on a browser session), set by API_THROTTLE_RATE."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from ..models import ApiToken


class PerTokenThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self) -> str:
        # Read at each request, not at import: the setting comes from the environment.
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": f"token-{request.auth.pk}"}
        if request.user and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": f"user-{request.user.pk}"}
        return None  # anonymous requests are refused before they cost anything
