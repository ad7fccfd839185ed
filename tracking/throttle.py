"""How often a password reset may be asked for: per address and per client IP, in a window.

Counted in the database (`PasswordResetRequest`), so that every worker process sees the same
count. A throttled request looks exactly like an allowed one to the client: it only sends no
mail, so the answer never tells whether an address has an account.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import PasswordResetRequest

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the login throttle (django-axes) sees it, proxies included."""
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None


@transaction.atomic
def password_reset_allow(*, email: str, ip_address: str | None) -> bool:
    """Whether a reset mail may go to `email` now; if so, counts it."""
    now = timezone.now()
    PasswordResetRequest.objects.filter(at__lt=now - WINDOW).delete()
    recent = PasswordResetRequest.objects.filter(at__gte=now - WINDOW)
    email = email.strip().lower()
    if recent.filter(email=email).count() >= settings.PASSWORD_RESET_LIMIT_PER_ADDRESS or (
        ip_address
        and recent.filter(ip_address=ip_address).count() >= settings.PASSWORD_RESET_LIMIT_PER_IP
    ):
        logger.warning("Password reset throttled for %s from %s", email, ip_address)
        return False
    PasswordResetRequest.objects.create(email=email, ip_address=ip_address)
    return True
