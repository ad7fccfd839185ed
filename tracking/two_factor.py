"""Two-factor login with TOTP (django-otp): who owes a second factor, enrolment, verification.

After the password, a user with a confirmed authenticator owes a code; a user whose role
requires two-factor login (settings.TWO_FACTOR_REQUIRED_ROLES) and has none owes an enrolment.
What a session still owes is noted in the session at login, so that the middleware costs no
query on every request. Wrong codes count as failed logins for django-axes: five within the
cool-off lock the username as five wrong passwords would.
"""

import base64
from binascii import unhexlify
from typing import ClassVar

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.styles.moduledrawers.svg import SvgPathSquareDrawer

from .models import User

SESSION_KEY = "two_factor_owed"
VERIFY, SETUP, NOTHING = "verify", "setup", ""
RECOVERY_CODE_COUNT = 10
QR_MASK = 0  # a fixed mask: see qr_svg


def is_required(user: User) -> bool:
    """Whether the user's role obliges them to log in with a second factor."""
    roles = set(settings.TWO_FACTOR_REQUIRED_ROLES)
    if user.is_secretariat and "secretariat" in roles:
        return True
    return user.memberships.filter(role__in=roles).exists()


def has_device(user: User) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def owed(user: User) -> str:
    """VERIFY, SETUP or NOTHING: what a user who just gave their password still owes."""
    if has_device(user):
        return VERIFY
    return SETUP if is_required(user) else NOTHING


def note_owed(sender, request: HttpRequest, user: User, **kwargs) -> None:
    """On login (user_logged_in): notes what the new session still owes."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = owed(user)


def pending_device(user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator, made once so that its secret survives a reload."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    device.user = user  # so that its config_url names the user without reading them again
    return device


def secret(device: TOTPDevice) -> str:
    """The key in base32, as authenticator apps take it when typed in."""
    return base64.b32encode(unhexlify(device.key)).decode().rstrip("=")


class _SquarePaths(SvgPathSquareDrawer):
    """The library's square of the path, each position's worked out once per process: its
    Decimal arithmetic was most of the drawing's time. It keeps positions, nothing of a code."""

    paths: ClassVar[dict[tuple, str]] = {}

    def subpath(self, box) -> str:
        path = self.paths.get(box)
        if path is None:
            path = self.paths[box] = super().subpath(box)
        return path


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code, drawn on the server.

    Any of the eight masks gives a code that scanners read; the library would otherwise draw
    all eight and score them to choose one, two thirds of the page's time.
    """
    code = qrcode.QRCode(
        image_factory=qrcode.image.svg.SvgPathImage, box_size=8, mask_pattern=QR_MASK
    )
    code.add_data(device.config_url)
    image = code.make_image(module_drawer=_SquarePaths(), eye_drawer=_SquarePaths())
    return image.to_string(encoding="unicode")


@transaction.atomic
def two_factor_confirm(*, request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirms the pending authenticator with its first code and returns fresh recovery codes
    (shown once), or None and a counted failure for a wrong code."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(code.strip()):
        _count_failure(request)
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    user = device.user
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name="recovery codes")
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=c) for c in codes])
    _verified(request, device)
    return codes


@transaction.atomic
def two_factor_verify(*, request: HttpRequest, code: str) -> bool:
    """Accepts a fresh authenticator code or an unused recovery code (used up); counts a
    wrong or reused code as a failed login."""
    code = code.strip().replace(" ", "")
    for device in devices_for_user(request.user, confirmed=True, for_verify=True):
        if device.verify_token(code):
            _verified(request, device)
            return True
    _count_failure(request)
    return False


def is_locked(request: HttpRequest) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": request.user.get_username()})


def _verified(request: HttpRequest, device) -> None:
    otp_login(request, device)
    request.session[SESSION_KEY] = NOTHING
    AxesProxyHandler.update_request(request)
    AxesProxyHandler.reset_attempts(
        username=request.user.get_username(),
        ip_address=request.axes_ip_address,  # type: ignore[attr-defined]  # set by django-axes
    )


def _count_failure(request: HttpRequest) -> None:
    user_login_failed.send(
        sender=__name__, credentials={"username": request.user.get_username()}, request=request
    )


@transaction.atomic
def two_factor_reset(*, user: User) -> list[str]:
    """Deletes every authenticator and recovery code of the user; says what went."""
    done = []
    for model in (TOTPDevice, StaticDevice):
        count, _ = model.objects.filter(user=user).delete()
        if count:
            done.append(f"{model._meta.verbose_name}: {count} row(s)")
    return done
